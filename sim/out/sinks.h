/* sinks.h — trace sinks that turn events into outputs.
 *
 * text:    the canonical trace, one line per event (docs/trace-format.md);
 *          golden traces are files of it.
 * jsonl:   the same events as JSON Lines, for programs
 *          (docs/trace-format.md).
 * pcap:    segments as IPv4 + TCP packets, at the senders, the receivers,
 *          a host or a link: classic pcap written with libpcap, or
 *          pcapng with comments (docs/pcap.md).
 * csv:     a directory of CSV files — segments, ACKs as the sender sees
 *          them, cwnd, RTT, state spans, losses — for plots and for any
 *          program (docs/plots.md; its tables: sink_csv.h).
 * Sinks given a FILE write to it and do not own it; opening and atomically
 * renaming files is the caller's business (sim/out/outfile.h). The
 * sequence diagrams are sinks too: sim/diagram/diagram_sinks.h.
 */
#ifndef TCPSIM_SINKS_H
#define TCPSIM_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/engine/trace.h"

/* The canonical text trace to f; the header is written on the first
 * event. */
struct trace_sink *sink_text_new(FILE *f);
/* Format one event as its canonical trace line (no newline); returns the
 * length as snprintf does. */
int trace_format_line(const struct trace *tr, const struct trace_event *ev,
		      char *buf, size_t n);

/* JSON Lines to f: one object per event. */
struct trace_sink *sink_jsonl_new(FILE *f);

/* The IPv6 address an address label stands for in an IPv6 capture. */
struct pcap_addr6 {
	uint32_t label;
	uint8_t addr[16];
};

/* Where a capture is made (docs/pcap.md). */
enum pcap_at {
	PCAP_AT_SENDER,   /* every segment a host sends, at its send time */
	PCAP_AT_RECEIVER, /* every segment that arrives where it was sent
			     to, at its arrival time */
	PCAP_AT_HOST,     /* what host a sends (at its send time) and
			     receives (at its arrival time) */
	PCAP_AT_LINK,     /* the segments that enter link a-b (only a>b if
			     one_way), at the time they enter it */
};

struct pcap_opts {
	enum pcap_at at;
	int a, b;     /* hosts, for PCAP_AT_HOST and PCAP_AT_LINK */
	bool one_way;
	bool ng;      /* pcapng with comments, else classic pcap */
	const char *where; /* pcapng: the interface's name */
	bool v6;      /* IPv6 + TCP, each label as map6 gives it (copied),
			 a label not in it as ::ffff:a.b.c.d */
	const struct pcap_addr6 *map6;
	size_t nmap6;
};

/* A capture to f: LINKTYPE_RAW, IPv4 or IPv6, classic pcap written with
 * libpcap or pcapng written by pcapng.c; NULL with a message in err if it
 * cannot be made. */
struct trace_sink *sink_pcap_open(FILE *f, const struct pcap_opts *o,
				  char *err, size_t n);
/* Classic pcap of IPv4 + TCP at the senders. */
struct trace_sink *sink_pcap_new(FILE *f, char *err, size_t n);
/* The same of IPv6 + TCP, addresses as map gives them. */
struct trace_sink *sink_pcap_new6(FILE *f, const struct pcap_addr6 *map,
				  size_t nmap, char *err, size_t n);

/* The CSV files into directory `dir`, made (with its parents) if
 * missing; each file appears at commit, and a directory the sink made is
 * removed again if none does. NULL with a message in err if dir is not a
 * directory, cannot be made or cannot be written in. */
struct trace_sink *sink_csv_new(const char *dir, char *err, size_t n);

#endif
