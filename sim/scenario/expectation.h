/* expectation.h — what a scenario expects of a run, as plain data.
 *
 * The loader (scenario.h) fills these from a scenario's `expect:` list;
 * the verdict layer (sim/verdict/expect.h) judges them after a run. An
 * expectation says what must be true of a run: a connection's state at a
 * time or at the end; an event happening a number of times (or never),
 * optionally within a time window; bytes delivered intact; how a
 * connection ended.
 */
#ifndef TCPSIM_EXPECTATION_H
#define TCPSIM_EXPECTATION_H

#include <stdbool.h>
#include <stdint.h>

#include "models/tcp.h"
#include "sim/engine/simtime.h"

enum exp_kind {
	EXP_STATE,     /* a connection of `host` in `state` at `at` */
	EXP_EVENT,     /* events matching the filters, counted */
	EXP_DELIVERED, /* bytes from one host's applications to another's */
	EXP_END,       /* how connections of `host` ended */
};

enum exp_event {
	EXP_EV_SEND,       /* a segment sent by `host` */
	EXP_EV_RETRANSMIT, /* a retransmission sent by `host` */
	EXP_EV_RECV,       /* a segment received by `host` */
	EXP_EV_DROP,       /* a segment lost by the network */
	EXP_EV_IGNORE,     /* a segment the receiving TCP discarded */
	EXP_EV_STATE,      /* a state change on `host` */
	EXP_EV_TIMER,      /* a timer set, fired or cancelled on `host` */
	EXP_EV_APP,        /* what an application was told, or did */
	EXP_EV_LINK,       /* a link action: duplicate, delay, corrupt, ... */
	EXP_EV_HOST,       /* a host crashed or rebooted */
};

/* A set of hosts: one host, or a template's members. */
struct exp_hosts {
	int first, count;  /* count 0: any host */
};

struct expectation {
	int line, col;          /* where the scenario wrote it */
	enum exp_kind kind;
	struct exp_hosts host;  /* the host acted on / for drops: the sender */
	struct exp_hosts peer;  /* the other end (drops: the receiver) */
	uint16_t port;          /* the connection's local port, 0: any */
	/* EXP_STATE */
	int state;                  /* EXP_STATE: the state; EXP_EVENT:
				       the sender's when it sent the
				       segment (-1: any), as a rule's */
	sim_time_t at;
	bool at_end;
	/* EXP_EVENT */
	enum exp_event event;
	bool match_flags, flags_exact;
	uint8_t flags;
	int from_state, to_state;   /* -1: any */
	const char *timer;          /* NULL: any */
	int timer_op;               /* -1: any */
	const char *what;           /* app event or call, link action, host
				       event; NULL: any */
	const char *rule;           /* drops and link actions: rule name */
	/* segment fields: seq and ack relative to each direction's initial
	 * sequence number, as --relative shows them (sim/out/seqrel.h), or
	 * absolute, as the trace shows them (seq_abs, ack_abs) */
	bool has_seq, has_ack, has_len, has_win;
	bool seq_abs, ack_abs;
	uint32_t seq, ack, len, win;
	const char *why;            /* the event's `why` contains this */
	sim_time_t after, before;   /* inclusive window */
	uint64_t min, max;          /* count bounds */
	/* EXP_DELIVERED */
	uint64_t bytes;
	bool bytes_set, intact, intact_set;
	/* EXP_END */
	enum tcp_end end;
};

#endif
