/* diagram.h — what the mscgen chart, the ladder plot and the terminal
 * ladder have in common.
 *
 * All three are drawn when the run finishes, from the same record of it:
 * every segment with the time it was sent and the time it arrived or was
 * lost, every state change, crash, reboot and link outage, in trace
 * order. struct diag keeps that record (one growing array, no allocation
 * per event once it is large enough) and says how to annotate a segment.
 *
 * The chart and the plot are also rendered the same way: the program's
 * input goes to a temporary file beside the target, the program (mscgen,
 * gnuplot) writes to another temporary file there, and that one is
 * renamed over the target only if the program succeeded, so the picture
 * appears whole or not at all and no temporary file is left behind.
 */
#ifndef TCPSIM_DIAGRAM_H
#define TCPSIM_DIAGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/out/seqrel.h"
#include "sim/engine/trace.h"

enum diag_kind {
	DIAG_SEG,    /* a segment leaves `host` for `peer` (-1: no host) */
	DIAG_ARRIVE, /* segment `seg` arrives at `host` */
	DIAG_DROP,   /* the network loses segment `seg` */
	DIAG_STATE,  /* a connection on `host` goes from `from` to `state` */
	DIAG_HOST,   /* `host` crashes (DIAG_CRASH) or reboots */
	DIAG_LINK,   /* the direction `host`>`peer` goes down (DIAG_DOWN) or
			up */
	/* only in a record that explains (diag.explain, diag.vars): */
	DIAG_TIMER,  /* a timer `timer` of connection `conn` on `host` is set
			(`op` TR_TIMER_SET, deadline `end`), fires or is
			cancelled */
	DIAG_DISCARD,/* `host` discards segment `seg` on arrival: `reason` */
	DIAG_TCB,    /* connection `conn` on `host`: its variables `var` */
};

/* Marks on an item. */
enum {
	DIAG_LOST = 1 << 0,      /* the network lost the segment: `why`,
				    `rule` */
	DIAG_REXMIT = 1 << 1,    /* a retransmission */
	DIAG_INJECTED = 1 << 2,  /* crafted by the scenario */
	DIAG_DUP = 1 << 3,       /* a copy the network made (`rule`) */
	DIAG_DELAYED = 1 << 4,   /* held `delay` longer by the network */
	DIAG_CORRUPT = 1 << 5,   /* arrives with a bad checksum */
	DIAG_HELD = 1 << 6,      /* held back until the next one went */
	DIAG_DISCARDED = 1 << 7, /* the receiver discarded it silently */
	DIAG_RESTART = 1 << 8,   /* re-ACK in TIME-WAIT: 2*MSL restarted */
	DIAG_CRASH = 1 << 9,     /* DIAG_HOST: a crash, not a reboot */
	DIAG_DOWN = 1 << 10,     /* DIAG_LINK: down, not up */
	DIAG_EXPIRED = 1 << 11,  /* DIAG_STATE: TIME-WAIT ended by its
				    timer, not by a RST or a new SYN */
	DIAG_CE = 1 << 12,       /* the network marked it CE (ECN) */
	DIAG_CHALLENGED = 1 << 13, /* the receiver answered it with a
				      challenge ACK (RFC 5961) */
};

#define DIAG_LABEL_MAX 72

struct diag_item {
	sim_time_t t;
	sim_time_t end;     /* DIAG_SEG: when it arrived or was lost, -1 if
			       neither happened before the run ended */
	enum diag_kind kind;
	int host, peer;
	int state, from;    /* DIAG_STATE */
	unsigned marks;
	size_t seg;         /* DIAG_ARRIVE, DIAG_DROP: the segment's item */
	uint64_t pkt;
	const char *why;    /* why it was lost */
	const char *rule;   /* the scripted rule that lost it */
	const char *dup_rule, *delay_rule;
	sim_time_t delay;   /* extra delay the network added */
	char label[DIAG_LABEL_MAX]; /* DIAG_SEG: sim/diagram/seglabel.h */
	/* the rule that decided it: DIAG_SEG the sender's, DIAG_STATE the
	 * transition's, DIAG_DISCARD the receiver's; or NULL */
	const char *reason;
	const char *timer;  /* DIAG_TIMER: its name (trace-format.md) */
	int op;             /* DIAG_TIMER: enum trace_timer_op */
	uint32_t conn;      /* DIAG_TIMER, DIAG_TCB */
	/* DIAG_TCB: SND.UNA, SND.NXT, RCV.NXT (relative if the record is),
	 * SND.WND, RCV.WND */
	uint32_t var[5];
	uint32_t raddr;     /* DIAG_STATE: the connection's remote address
			       (0: a listener), to page it (pages.h) */
};

enum { DIAG_VAR_UNA, DIAG_VAR_NXT, DIAG_VAR_RCV, DIAG_VAR_SWND,
       DIAG_VAR_RWND, DIAG_NVARS };

struct diag {
	struct diag_item *it;
	size_t n, cap;
	size_t *segs;        /* DIAG_SEG items, in pkt order */
	size_t nsegs, segs_cap;
	bool relative;
	struct seqrel rel;
	int nhosts;
	int *last_state;     /* per host, for the TIME-WAIT re-ACK mark */
	sim_time_t *tw_since;
	unsigned pending;    /* a mark for the host's next segment now */
	int pending_host;
	sim_time_t pending_t;
	int tw_fired_host;   /* whose TIME-WAIT timer fired last, and when */
	sim_time_t tw_fired_t;
	size_t in_seg;       /* the segment that arrived last: its item, */
	int in_host;         /* where, */
	sim_time_t in_at;    /* and when (-1: none yet) */
	bool explain;        /* record timers and discards too */
	bool vars;           /* record the connections' variables too */
	bool oom;
};

/* The trace kinds diag_note() wants; with diag.vars, TR_TCB too. */
#define DIAG_TRACE_MASK                                                    \
	(TR_BIT(TR_STATE) | TR_BIT(TR_SEND) | TR_BIT(TR_RECV) |              \
	 TR_BIT(TR_IGNORE) | TR_BIT(TR_DROP) | TR_BIT(TR_LINK) |            \
	 TR_BIT(TR_HOST) | TR_BIT(TR_TIMER))

/* Start an empty record; relative: label with relative numbers. */
void diag_init(struct diag *d, bool relative);
/* Free the record. */
void diag_fini(struct diag *d);
/* Record one event (d->oom is set if memory ran out). A sink that wants
 * less may pass only some of DIAG_TRACE_MASK's kinds: without TR_RECV
 * there are no DIAG_ARRIVE items and `end` stays -1 unless the segment
 * was lost; without TR_IGNORE no DIAG_DISCARDED. */
void diag_note(struct diag *d, const struct trace *tr,
	       const struct trace_event *ev);
/* How long each DIAG_SEG item was, or would have been, on the wire, in
 * span[i] (other items: 0): until it arrived or was lost; for one lost as
 * it was sent or still in flight at the end, the delay of the segment
 * last delivered in the same direction (else the next one, else in any
 * direction, else 0). Returns -1 if memory runs out. */
int diag_spans(const struct diag *d, int nhosts, sim_time_t *span);
/* A segment's marks as words ("retransmission, lost: random loss"); ""
 * for none. */
void diag_marks_fmt(const struct diag_item *it, char *buf, size_t n);
/* A state item's text: the state, and "(2·MSL expired)" when the
 * TIME-WAIT timer ended it. */
void diag_state_fmt(const struct trace *tr, const struct diag_item *it,
		    char *buf, size_t n);
/* What a timer is called in a picture ("RTO", "delayed ACK", "2·MSL",
 * ...), from its trace name. */
const char *diag_timer_short(const char *name);
/* What the expiry of a timer does, with the rule ("retransmit the oldest
 * unacknowledged segment ... (RFC 6298 (5.4)-(5.6))"). */
const char *diag_timer_fired(const char *name);
/* 6 if every time in the record is a whole microsecond, else 9. */
int diag_time_digits(const struct diag *d);
/* t in seconds with `digits` decimals. */
void diag_time_fmt(sim_time_t t, int digits, char *buf, size_t n);

/* Before a run, what a picture at `path` needs: a type from its name
 * (.svg, .png or .pdf), a directory that exists and is writable, and
 * `prog` on PATH (`package`: the Debian package that has it; `alt`:
 * another way, or ""). Returns "svg", "png" or "pdf", or NULL with why in
 * err, so that a mistyped path does not cost the whole run. */
const char *diag_prepare(const char *path, const char *prog,
			 const char *package, const char *alt, char *err,
			 size_t n);
/* The same for a program that draws only some of those types: `types`
 * lists them, e.g. "svg png" (mscgen draws no PDF). */
const char *diag_prepare_as(const char *path, const char *types,
			    const char *prog, const char *package,
			    const char *alt, char *err, size_t n);
/* What a renderer said while it succeeded (diag_render's err), as lines
 * "PROG: line" joined by '\n', in buf; "" if it said nothing. */
void diag_warning_fmt(const char *prog, const char *said, char *buf,
		      size_t n);

struct outfile;

/* Render `path`: emit_input(f, ctx) fills a temporary input file beside it,
 * then argv runs with its "{in}" and "{out}" words replaced by the input
 * and the temporary output in *dst, which is left for the caller to
 * commit (outfile_commit renames it over `path`) or abort; the program
 * must exit 0 having written something. It runs with TZ=UTC0 and
 * SOURCE_DATE_EPOCH=0, and a PDF's creation date is then set to that
 * epoch, so that the same input gives the same bytes. Returns 0 with
 * whatever the program printed (its warnings; "" if none) in err, for the
 * caller to pass on; or -1 with what went wrong (the program's own
 * messages included) in err and nothing left behind. */
int diag_render(const char *path, struct outfile *dst,
		int (*emit_input)(FILE *f, void *ctx), void *ctx,
		const char *const argv[], char *err, size_t n);

#endif
