/* sinks.h — trace sinks that turn events into outputs.
 *
 * text:    the canonical trace, one line per event (docs/trace-format.md);
 *          golden traces are files of it.
 * jsonl:   the same events as JSON Lines, for programs
 *          (docs/trace-format.md).
 * pcap:    every segment as a classic pcap record of IPv4 + TCP, written
 *          with libpcap (docs/pcap.md).
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

/* pcap to f (libpcap, LINKTYPE_RAW IPv4); NULL with a message in err if
 * libpcap refuses. */
struct trace_sink *sink_pcap_new(FILE *f, char *err, size_t n);
/* The same, of the segments that enter the link between hosts a and b
 * (only a>b if one_way; b = -1 with one_way: every link of a), at the
 * time they enter it, and their fate on it. */
struct trace_sink *sink_pcap_new_at(FILE *f, int a, int b, bool one_way,
				    char *err, size_t n);

/* The IPv6 address an address label stands for in an IPv6 capture. */
struct pcap_addr6 {
	uint32_t label;
	uint8_t addr[16];
};

/* pcap to f of IPv6 + TCP (LINKTYPE_RAW): each address label as map
 * gives it (copied), a label not in it as ::ffff:a.b.c.d. */
struct trace_sink *sink_pcap_new6(FILE *f, const struct pcap_addr6 *map,
				  size_t nmap, char *err, size_t n);

/* The CSV files into directory `dir`, made (with its parents) if
 * missing; each file appears at commit, and a directory the sink made is
 * removed again if none does. NULL with a message in err if dir is not a
 * directory, cannot be made or cannot be written in. */
struct trace_sink *sink_csv_new(const char *dir, char *err, size_t n);

#endif
