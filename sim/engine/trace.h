/* trace.h — the one stream of everything that happens in a run.
 *
 * Models describe what happened in a struct trace_event and hand it to
 * trace_emit(); they never format text. Sinks (text, ladder, later jsonl,
 * msc, pcap, csv) subscribe to the kinds they want. A model checks
 * trace_on() before even filling an event, so a run with no sink (a sweep,
 * a benchmark) pays one mask test per would-be event and nothing else.
 *
 * `why` is always a pointer to a static string naming the rule that made
 * the decision (e.g. "RFC 9293 §3.10.7.4: ..."): no formatting, no copy.
 */
#ifndef TCPSIM_TRACE_H
#define TCPSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/simtime.h"

struct tcp_seg;

enum trace_kind {
	TR_RUN,   /* name: "start" | "end"; why: how the run ended; v[0]: events */
	TR_STATE, /* conn; a: from state, b: to state; why */
	TR_SEND,  /* pkt, seg, host: sender, peer: receiver or -1; a: sender's
		     TCP state; b: TR_SEND_REXMIT or TR_SEND_INJECTED or 0,
		     or TR_SEND_FORWARDED (a router sends on what arrived:
		     v[0] the segment number it arrived as, v[1] its TTL
		     now), with TR_SEND_CHALLENGE on a challenge ACK; tx:
		     enum trace_tx; why */
	TR_RECV,  /* pkt, seg, host: receiver */
	TR_IGNORE,/* pkt, seg, host: receiver; the receiving TCP discarded it
		     without a reply; why */
	TR_DROP,  /* pkt, seg, host: sender, peer: receiver; a: sender's TCP
		     state when sent; why; text: the scripted rule, if one
		     did it */
	TR_LINK,  /* the network did something else to a segment: host:
		     sender side, peer: receiver side; name: what
		     ("duplicate", "delay", "corrupt", "hold", "release") with
		     pkt and seg, or "down" / "up" for the direction itself;
		     v[0]: extra delay (ns) or the copy's pkt; text: rule;
		     why */
	TR_TIMER, /* conn; name: timer; a: enum trace_timer_op; v[0]: deadline */
	TR_APP,   /* conn (may be 0); a: enum trace_app_kind; name: call or
		     event; v[0]: bytes or port; v[1]: scenario line of the
		     call; text: argument (peer, how it ended, error) */
	TR_VAR,   /* conn; name: "rto": v[0] rto, v[1] srtt, v[2] rttvar,
		     a: enum trace_rto_cause, v[3]: the RTT sample when a is
		     TR_RTO_SAMPLE; "cwnd": v[0] cwnd, v[1] ssthresh, v[2]
		     flight */
	TR_HOST,  /* host: the host; name: "crash" | "reboot"; why */
	TR_QUEUE, /* a segment enters the queue of a link direction with a
		     rate (name "enqueue") or, under CoDel, leaves it
		     ("dequeue"): host: sender side, peer: receiver side;
		     pkt, seg; v[0]: segments waiting (ahead of it as it
		     enters, behind it as it leaves), v[1]: their bytes;
		     v[2]: how long it waits before its transmission starts
		     (ns), or -1 as it enters a CoDel queue, which decides
		     as it leaves. Only for sinks that ask: one per segment
		     on every queue */
	TR_TCB,   /* conn; the connection's sequence variables when an entry
		     point of its stack is done with it (a segment in, a
		     timer, a call): v[0] SND.UNA, v[1] SND.NXT, v[2]
		     RCV.NXT, v[3] SND.WND, a: RCV.WND, b: its state. Only
		     for sinks that ask: the explained ladder and the HTML
		     view */
	TR_KINDS
};

#define TR_BIT(k) (UINT32_C(1) << (k))
#define TR_ALL (TR_BIT(TR_KINDS) - 1)
/* Every kind but the queue events, which the text trace, JSON Lines and
 * the verdicts leave out unless asked (--queue-events), and the
 * connections' variables, which only pictures ask for. */
#define TR_USUAL (TR_ALL & ~TR_BIT(TR_QUEUE) & ~TR_BIT(TR_TCB))

enum trace_timer_op { TR_TIMER_SET, TR_TIMER_FIRE, TR_TIMER_CANCEL };
enum trace_app_kind { TR_APP_CALL, TR_APP_EVENT, TR_APP_ERROR };
enum { TR_SEND_REXMIT = 1, TR_SEND_INJECTED = 2, TR_SEND_FORWARDED = 4,
       TR_SEND_CHALLENGE = 8 /* a challenge ACK (RFC 5961): pictures mark
				 the segment it answers */ };
/* Why a segment is sent (TR_SEND's `tx`): for the first time, or which
 * rule sends it again. Every value but TR_TX_NEW goes with
 * TR_SEND_REXMIT. */
enum trace_tx {
	TR_TX_NEW,     /* a first transmission */
	TR_TX_TIMEOUT, /* RFC 6298 (5.4): the retransmission timer expired
			  (SYN, SYN,ACK, data or FIN) */
	TR_TX_FAST,    /* RFC 5681 §3.2: fast retransmit */
	TR_TX_PARTIAL, /* RFC 6582 §3.2 step 5: a partial ACK */
	TR_TX_PROBE,   /* RFC 9293 §3.8.6.1: a zero-window probe again */
	TR_TX_RESUME,  /* the window reopened: sent again from the probe on */
	TR_TX_ANSWER,  /* the peer's duplicate draws it again (Linux: the
			  SYN,ACK for a SYN that came twice) */
	TR_TX_PMTU,    /* RFC 1191 §6: the path's MTU is smaller — sent
			  again in smaller segments */
};
/* Why the RFC 6298 variables changed: a round-trip measurement (the
 * event carries the sample), a backoff on a timeout (5.5), or the reset
 * to 3 s after a lost SYN (5.7). */
enum trace_rto_cause { TR_RTO_SAMPLE = 1, TR_RTO_BACKOFF, TR_RTO_SYN_LOST };

/* Endpoints of a connection as seen from the host that emits the event. */
struct trace_tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

struct trace_event {
	sim_time_t t;
	enum trace_kind kind;
	int host;  /* index of the acting host, -1 for none */
	int peer;  /* index of the other host, -1 for none */
	uint32_t conn; /* connection number on `host`, 0 for none */
	struct trace_tuple tuple;
	uint64_t pkt;  /* segment number, unique in the run */
	const struct tcp_seg *seg;
	int a, b;
	enum trace_tx tx; /* TR_SEND */
	int64_t v[4];
	const char *name;
	const char *text;
	const char *why;
};

struct trace;

struct trace_sink {
	/* Called for every event whose kind is in `mask`. */
	void (*emit)(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev);
	/* Called once after the run; returns 0 or -1 on an I/O error. */
	int (*finish)(struct trace_sink *s, const struct trace *tr);
	/* Optional: makes what finish prepared appear, e.g. renames a
	 * rendered picture into place. Called only after every sink
	 * finished and every output file was committed, so that a run
	 * whose outputs cannot all be made leaves none of them. */
	int (*commit)(struct trace_sink *s);
	/* Frees the sink (and anything finish prepared and commit did not
	 * make appear). */
	void (*destroy)(struct trace_sink *s);
	uint32_t mask;
	/* Set by a sink whose finish failed: what went wrong, for the user
	 * (e.g. "mscgen failed: ..."); NULL says only that writing failed. */
	const char *error;
	/* Set by a sink whose external program succeeded but printed
	 * something (gnuplot's warnings), as "PROGRAM: what it said"; the
	 * command line passes it on, so that nothing is swallowed. */
	const char *warning;
};

struct trace {
	uint32_t mask; /* union of the sinks' masks */
	int nsinks;
	struct trace_sink **sinks;
	size_t sinks_cap;
	/* What sinks need to name things; set by the world builder. */
	const char *scenario;
	uint64_t seed;
	int nhosts;
	const char *const *host_names;
	const uint32_t *host_addrs;
	const char *(*state_name)(int state);
};

/* Start with no sinks. */
void trace_init(struct trace *tr);
/* Attach a sink (any number of them); returns -1 if memory runs out. */
int trace_add_sink(struct trace *tr, struct trace_sink *s);
/* Give every event to the sinks that asked for its kind. */
void trace_emit(const struct trace *tr, const struct trace_event *ev);
/* Finish every sink; returns -1 if any failed. */
int trace_finish(struct trace *tr);
/* Commit every sink that has something to commit; returns -1 if any
 * failed (its `error` says why). */
int trace_commit(struct trace *tr);
/* Destroy every sink, and forget them. */
void trace_fini(struct trace *tr);
/* Host name for index i, "-" if out of range. */
const char *trace_host_name(const struct trace *tr, int i);

/* True if some sink wants events of kind k. */
static inline bool trace_on(const struct trace *tr, enum trace_kind k)
{
	return (tr->mask & TR_BIT(k)) != 0;
}

#endif
