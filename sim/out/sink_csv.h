/* sink_csv.h — what the CSV sink records of a run, for programs that draw
 * from it (tcpsim plot) and for its tests.
 *
 * sink_csv_new() (sinks.h) keeps the run as typed tables while it runs
 * and writes them to a directory of CSV files when it finishes
 * (docs/plots.md lists every file and column). After trace_finish(),
 * sink_csv_data() gives the same tables, so a program needs no CSV
 * parser to lay a picture out from the files it is about to draw.
 *
 * Everything about a connection is keyed by its host and its number on
 * that host (the TCP stack numbers connections 1, 2, ... and never reuses
 * a number, even after a crash), so two connections that reuse one
 * 4-tuple stay apart. Segments carry no connection number in the trace:
 * a segment belongs to the connection its sender has for its 4-tuple at
 * the time it is sent, and an arriving one to the receiver's connection
 * for it; none (-1) for a RST answering no connection, an injected
 * segment, or one that arrives after its connection closed.
 *
 * Relative sequence numbers (rel_seq, rel_ack) count from the initial
 * sequence numbers of the connection the segment speaks for: its
 * sender's, or, for a segment another host forged with that source
 * address (injected), the connection at that address with that 4-tuple;
 * so an injected SYN does not shift the numbers of the connection it
 * attacks. Only a segment of no connection at all counts, as Wireshark
 * does, from the last SYN seen in its direction (sim/out/seqrel.h).
 */
#ifndef TCPSIM_SINK_CSV_H
#define TCPSIM_SINK_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/engine/trace.h"

/* What became of a segment (segments.csv `fate`). */
enum csv_fate {
	CSV_IN_FLIGHT, /* neither arrived nor lost when the run ended */
	CSV_DELIVERED, /* arrived at the receiving host */
	CSV_DISCARDED, /* arrived, and the receiver discarded it unanswered */
	CSV_LOST,      /* the network lost it */
};

/* A loss, or a sender's reaction to one (losses.csv `event`). */
enum csv_loss_kind {
	CSV_DROP,      /* the network lost a segment */
	CSV_TIMEOUT,   /* a retransmission timer expired (RFC 6298 (5.4)) */
	CSV_FAST,      /* a fast retransmit (RFC 5681 §3.2) */
	CSV_PARTIAL,   /* a partial-ACK retransmission (RFC 6582 §3.2) */
};

struct csv_conn {
	int host;                 /* index of its host */
	uint32_t id;              /* its number on that host */
	struct trace_tuple tuple; /* local > remote; remote 0:0 listening */
	int peer;                 /* the host with the remote address, -1 */
	sim_time_t start;         /* its first state change */
	sim_time_t end;           /* when it entered CLOSED, -1 never */
	int state;                /* its last state */
	int open;                 /* its current states row, -1 */
	uint32_t iss, irs;        /* its initial sequence numbers, learnt
				     from what it sent: its SYN's seq, and
				     its first ACK's ack - 1 */
	bool have_iss, have_irs;
	uint64_t segs, bytes, rexmits, lost, timeouts, fast, partial;
	uint64_t samples;
};

struct csv_seg {
	sim_time_t t;
	sim_time_t fate_t;        /* arrival or loss, -1 in flight */
	uint64_t pkt;
	int host, peer;           /* sender, receiver (-1: no route) */
	int conn;                 /* index in conns, -1 */
	struct trace_tuple tuple; /* src > dst: the sender's view */
	uint32_t seq, ack, rel_seq, rel_ack, len;
	uint16_t win;
	uint8_t flags;
	uint8_t how;              /* TR_SEND_REXMIT, TR_SEND_INJECTED, 0 */
	uint8_t fate;             /* enum csv_fate */
	const char *why;
};

/* A segment with the ACK bit arriving at a host: what a sender sees. */
struct csv_ack {
	sim_time_t t;
	uint64_t pkt;
	int host, peer;           /* receiver, sender */
	int conn;                 /* the receiver's connection, -1 */
	struct trace_tuple tuple; /* the receiver's view: dst > src */
	uint32_t ack, rel_ack, len;
	uint16_t win;
	uint8_t flags;
	bool discarded;           /* the receiver discarded it unanswered */
};

struct csv_cwnd {
	sim_time_t t;
	int conn;
	int64_t cwnd, ssthresh, flight;
};

struct csv_rtt {
	sim_time_t t;
	int conn;
	int cause;                /* enum trace_rto_cause */
	sim_time_t sample;        /* with TR_RTO_SAMPLE, else 0 */
	sim_time_t srtt, rttvar, rto;
};

/* A span a connection spent in one state other than CLOSED. */
struct csv_state {
	int conn;
	int state;
	sim_time_t start, end;    /* end: when it left, or the run's end */
	int next;                 /* the state it went to, -1 none yet */
	const char *why;          /* why it entered the state */
};

struct csv_loss {
	sim_time_t t;
	enum csv_loss_kind kind;
	int host, peer;           /* sender (drop: receiver as peer) */
	int conn;
	struct trace_tuple tuple; /* host's view */
	uint64_t pkt;             /* 0 for a timeout */
	uint32_t seq, rel_seq, len;
	const char *rule, *why;
};

/* A segment entering a link's queue, or leaving a CoDel one. */
struct csv_queue {
	sim_time_t t;
	int host, peer;           /* the link direction */
	bool dequeue;
	uint64_t pkt;
	uint64_t waiting, bytes;  /* segments and bytes waiting */
	sim_time_t wait;          /* its wait, -1: decided as it leaves */
};

/* A host crashing (its connections lost without a segment sent) or
 * rebooting. */
struct csv_host_event {
	sim_time_t t;
	int host;
	bool crash;               /* false: a reboot */
	const char *why;
};

/* The tables. Connections are in (host, number) order once the sink has
 * finished; rows in the order things happened, states by connection. */
struct csv_data {
	struct csv_conn *conns;
	size_t nconns, conns_cap;
	struct csv_seg *segs;
	size_t nsegs, segs_cap;
	struct csv_ack *acks;
	size_t nacks, acks_cap;
	struct csv_cwnd *cwnd;
	size_t ncwnd, cwnd_cap;
	struct csv_rtt *rtt;
	size_t nrtt, rtt_cap;
	struct csv_state *states;
	size_t nstates, states_cap;
	struct csv_loss *losses;
	size_t nlosses, losses_cap;
	struct csv_queue *queue;
	size_t nqueue, queue_cap;
	struct csv_host_event *hostev;
	size_t nhostev, hostev_cap;
	sim_time_t end;           /* when the run ended */
	const char *reason;       /* why ("quiescent", ...), NULL unknown */
	uint64_t events;
	bool oom;                 /* memory ran out: tables incomplete */
};

struct trace_sink;

/* The sink's tables, complete after its finish; NULL if s is not a CSV
 * sink. Strings are borrowed from the trace (static text, the
 * scenario's rule names): valid while the scenario is. */
const struct csv_data *sink_csv_data(const struct trace_sink *s);
/* Full paths of the files the sink writes, NULL-terminated. */
const char *const *sink_csv_files(const struct trace_sink *s);

/* The file names, in the order sink_csv_files() gives them. */
#define CSV_FILE_NAMES                                                      \
	"run.csv", "connections.csv", "segments.csv", "acks.csv", "cwnd.csv", \
		"rtt.csv", "states.csv", "losses.csv", "queue.csv", "hosts.csv"

/* One CSV text field to f, quoted only if it must be (RFC 4180 §2:
 * a comma, a quote or a line break in it); nothing for NULL. */
void csv_put_text(FILE *f, const char *s);

#endif
