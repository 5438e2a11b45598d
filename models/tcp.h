/* tcp.h — the TCP model: RFC 9293 connection state machine.
 *
 * The core does no I/O. A host owns a struct tcp_stack and gives it two
 * callbacks: `output` (put this segment on the wire) and `notify` (tell the
 * application something happened). Time, timers and the trace come from the
 * engine (struct sim). Every state change goes through one function that
 * traces it with the rule that caused it; every segment sent carries a
 * `why` naming its rule.
 *
 * Sequence variables keep the RFC's names (RFC 9293 §3.3.1). SND.NXT is the
 * RFC's: the highest sequence number sent plus one, never rewound. The
 * output routine sends from `snd_cur`, which equals snd_nxt except while
 * data is being retransmitted after a timeout.
 */
#ifndef TCPSIM_TCP_H
#define TCPSIM_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "models/segment.h"
#include "sim/engine/simtime.h"

struct sim;

/* RFC 9293 §3.3.2, CLOSED first so a zeroed block is CLOSED. */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_NSTATES
};

enum tcp_timer {
	TCP_T_REXMT,    /* retransmission, RFC 6298 */
	TCP_T_TIMEWAIT, /* 2*MSL, RFC 9293 §3.10.7.4 */
	TCP_T_KEEPALIVE,/* RFC 1122 §4.2.3.6 */
	TCP_T_DELACK,   /* delayed ACK, RFC 1122 §4.2.3.2 */
	TCP_T_PERSIST,  /* zero-window probes, RFC 9293 §3.8.6.1 */
	TCP_NTIMERS
};

/* What the application is told (struct tcp_stack_ops.notify). */
enum tcp_event {
	TCP_EV_CONNECTED, /* the connection reached ESTABLISHED */
	TCP_EV_DATA,      /* bytes are ready to read (arg: how many) */
	TCP_EV_EOF,       /* the peer's FIN: end of stream */
	TCP_EV_WRITABLE,  /* send-buffer space was freed */
	TCP_EV_CLOSED,    /* the connection is gone (arg: enum tcp_end) */
};

/* How a connection ended. */
enum tcp_end {
	TCP_END_NONE,
	TCP_END_NORMAL,   /* both FINs exchanged and acknowledged */
	TCP_END_RESET,    /* a RST from the peer */
	TCP_END_REFUSED,  /* a RST answering our SYN */
	TCP_END_TIMEOUT,  /* retransmissions exhausted */
	TCP_END_ABORTED,  /* the application aborted it */
	TCP_END_CRASHED,  /* its host crashed: the state simply vanished */
};

/* Parameters of one socket. Profiles fill them; scenarios override. */
struct tcp_params {
	sim_time_t msl;          /* TIME-WAIT lasts 2*msl */
	sim_time_t rto_initial;  /* RFC 6298 (2.1) */
	sim_time_t rto_min;      /* RFC 6298 (2.4) */
	sim_time_t rto_max;      /* RFC 6298 (2.5) */
	uint32_t mss;            /* MSS we announce and send at most */
	uint32_t sndbuf;         /* send buffer, bytes */
	uint32_t rcvbuf;         /* receive buffer, bytes (window <= 65535) */
	uint32_t iw;             /* initial congestion window, segments */
	uint32_t syn_retries;    /* SYN retransmissions before giving up */
	uint32_t synack_retries; /* SYN,ACK retransmissions before giving up */
	uint32_t retries;        /* data/FIN retransmissions before giving up */
	bool nodelay;            /* Nagle's algorithm off (RFC 896) */
	bool keepalive;          /* RFC 1122 §4.2.3.6, off by default */
	sim_time_t keepidle;     /* idle time before the first probe */
	sim_time_t keepintvl;    /* time between unanswered probes */
	uint32_t keepcnt;        /* unanswered probes before giving up */
	uint32_t keepdata;       /* garbage octets in a probe: 0 or 1 */
	sim_time_t delack;       /* delayed-ACK timeout; 0: ACK at once */
	uint32_t delack_segs;    /* ACK at least every this many segments */
	sim_time_t time_wait;    /* TIME-WAIT length; 0: 2*MSL */
	uint32_t backlog;        /* listen: most half-open connections */
	uint32_t challenge_limit;/* challenge ACKs per window per host
				    (RFC 5961 §7); 0: unlimited */
	sim_time_t challenge_window;
	uint32_t dupthresh;      /* duplicate ACKs for fast retransmit */
	bool two_way;            /* teaching variant: two-way handshake */
	bool no_time_wait;       /* teaching variant: skip TIME-WAIT */
};

/* The parameters by their scenario names (docs/scenario-format.md): the
 * loader reads them into a struct tcp_params with a bit set per field
 * given, and tcp_params_apply() lays those over other parameters. */
enum tcp_param_type {
	TP_DURATION,   /* sim_time_t, >= min nanoseconds */
	TP_COUNT,      /* uint32_t in [min, max] */
	TP_SIZE,       /* uint32_t bytes in [min, max], size syntax */
	TP_BOOL,       /* bool */
	TP_TIME_WAIT,  /* "off", "on" (2*MSL) or a duration */
	TP_HANDSHAKE,  /* "three-way" or "two-way" */
};

struct tcp_param_field {
	const char *key;
	enum tcp_param_type type;
	size_t off;             /* of the field in struct tcp_params */
	uint64_t min, max;
};

extern const struct tcp_param_field tcp_param_fields[];
extern const size_t tcp_nparam_fields;

/* Copy into dst the fields of src whose bit (1 << index in
 * tcp_param_fields) is set. */
void tcp_params_apply(struct tcp_params *dst, const struct tcp_params *src,
		      uint64_t set);

/* A named set of parameters (docs/profiles.md). */
struct tcp_profile {
	const char *name;
	const char *summary;
	struct tcp_params p;
};

/* The profiles: rfc9293 (the default), linux, textbook. */
extern const struct tcp_profile tcp_profiles[];
extern const size_t tcp_nprofiles;
/* The profile called name, or NULL. */
const struct tcp_profile *tcp_profile_find(const char *name);

/* The defaults: the rfc9293 profile. */
extern const struct tcp_params tcp_params_default;

/* A byte ring. */
struct tcp_buf {
	uint8_t *data;
	uint32_t cap, head, len;
};

struct tcp_stack;

struct tcp_conn {
	struct tcp_stack *st;
	struct tcp_conn *next, *prev; /* the stack's list, in creation order */
	struct tcp_conn *hnext;       /* the stack's demux hash chain */
	struct tcp_conn *listener;    /* the listening socket it came from,
					 while that socket lives */
	bool passive;                 /* made by a passive OPEN */
	void *app;                    /* the application's per-socket data */
	uint32_t id;                  /* 1, 2, ... per stack */
	enum tcp_state state;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	struct tcp_params p;

	/* Send sequence variables (RFC 9293 §3.3.1) */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_wnd;
	uint32_t snd_up;
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t iss;
	uint32_t snd_cur;  /* next sequence number output() sends */
	uint32_t snd_mss;  /* effective send MSS */
	uint32_t our_mss;  /* the MSS we announce: ours, capped by the path */

	/* Receive sequence variables */
	uint32_t rcv_nxt;
	uint32_t rcv_wnd;
	uint32_t rcv_up;
	uint32_t irs;
	uint32_t rcv_adv;  /* RCV.NXT + RCV.WND as last advertised */

	/* Send buffer: data bytes with sequence numbers from sb_seq on;
	 * after CLOSE the FIN follows at sb_seq + sb.len. */
	struct tcp_buf sb;
	uint32_t sb_seq;
	bool fin_queued;
	bool fin_rcvd;     /* the peer's FIN has been processed */
	bool rcv_closed;   /* the application reads no more */
	/* Receive buffer: in-order bytes the application has not read. */
	struct tcp_buf rb;

	/* Retransmission (RFC 6298) */
	sim_time_t srtt, rttvar, rto;
	bool have_rtt;
	bool rtt_timing;   /* a segment is being timed (Karn) */
	uint32_t rtt_seq;
	sim_time_t rtt_start;
	uint32_t nrexmt;   /* consecutive timeouts */
	bool syn_rexmitted;

	/* Congestion control (RFC 5681, NewReno RFC 6582) */
	uint32_t cwnd, ssthresh;
	uint32_t dupacks;      /* duplicate ACKs in a row */
	uint32_t recover;      /* RFC 6582: highest seq sent at loss */
	bool in_recovery;      /* fast recovery */
	uint32_t max_snd_wnd;  /* RFC 5961 §5.2: largest window seen */

	/* Out-of-order data, held in the receive ring beyond its in-order
	 * part: ranges [start, end) in sequence space, sorted. */
	struct tcp_range {
		uint32_t start, end;
	} ooo[16];
	uint32_t nooo;
	bool ooo_fin;          /* a FIN beyond a gap ... */
	uint32_t ooo_fin_seq;  /* ... at this sequence number */

	/* Delayed ACK and persist */
	uint32_t unacked_segs; /* data segments received, not yet ACKed */
	uint32_t persist_shift;/* backoff of the persist timer */
	uint32_t persist_probes;
	bool sws_override;     /* the persist timer lets a small segment go */
	bool resume;           /* the window reopened after probes */
	uint32_t tr_cwnd, tr_ssthresh, tr_flight; /* as last traced */
	uint32_t half_open;    /* listener: children in SYN-RECEIVED */

	/* Keepalive (RFC 1122 §4.2.3.6) */
	sim_time_t last_rx;     /* when the peer was last heard from */
	uint32_t probes;        /* keepalive probes sent since then */

	struct evq_timer timer[TCP_NTIMERS];

	/* Deferred work of one input or timer event */
	const char *ack_why;   /* an ACK is owed, for this reason */
	uint32_t ev_pending;   /* 1 << enum tcp_event */
	struct tcp_conn *ev_next; /* the stack's queue of connections with
				     events to deliver */
	bool ev_queued;
	uint32_t ev_data;      /* bytes for TCP_EV_DATA */
	enum tcp_end end;
	bool dead;             /* CLOSED; freed when the stack unwinds */
	uint64_t mem;          /* bytes taken from the run's budget */
};

struct tcp_stack_ops {
	/* Transmit seg (c is NULL for a RST sent with no connection);
	 * rexmit marks a retransmission. */
	void (*output)(struct tcp_stack *st, struct tcp_conn *c,
		       const struct tcp_seg *seg, const char *why,
		       bool rexmit);
	/* Tell the application about c. */
	void (*notify)(struct tcp_stack *st, struct tcp_conn *c,
		       enum tcp_event ev, uint64_t arg);
	/* The largest segment payload the path to raddr carries (its MTU
	 * less the headers), or 0 if unknown. May be NULL. */
	uint32_t (*path_mss)(struct tcp_stack *st, uint32_t raddr);
};

struct tcp_stack {
	struct sim *sim;
	const struct tcp_stack_ops *ops;
	void *owner;             /* the host */
	int host;                /* host index, for the trace */
	uint32_t addr;
	struct rng *rng;         /* initial sequence numbers */
	struct tcp_params params;/* defaults for new sockets */
	struct tcp_conn *head, *tail;
	struct tcp_conn **htab;  /* demux by (remote addr, remote port,
				    local port); listeners have remote 0:0 */
	uint32_t hmask, hcount;
	struct tcp_conn *graveyard;
	struct tcp_conn *ev_head, *ev_tail; /* events to deliver */
	uint32_t next_id;
	uint16_t next_port;      /* next ephemeral port */
	int depth;               /* nesting of entry points */
	uint64_t in_pkt;         /* number of the segment being processed */
	sim_time_t ca_since;     /* RFC 5961 §7: start of the current window */
	uint32_t ca_count;       /* challenge ACKs sent in it */
	uint8_t *scratch;        /* one segment's payload, for wrapped rings */
	uint32_t scratch_cap;
};

/* Set up a stack for a host; returns -1 if memory runs out. */
int tcp_stack_init(struct tcp_stack *st, struct sim *sim,
		   const struct tcp_stack_ops *ops, void *owner, int host,
		   uint32_t addr, struct rng *rng,
		   const struct tcp_params *defaults);
/* Free every connection (no segments, no notifications). */
void tcp_stack_fini(struct tcp_stack *st);
/* The host crashed: every connection vanishes without a segment sent. Each
 * is traced going to CLOSED with `why`, and the application is told it
 * ended with TCP_END_CRASHED. Ephemeral ports start over. */
void tcp_stack_crash(struct tcp_stack *st, const char *why);
/* The connection (not a listening socket) with this remote end and local
 * port, or NULL. */
struct tcp_conn *tcp_find(struct tcp_stack *st, uint32_t raddr,
			  uint16_t rport, uint16_t lport);
/* A segment addressed to this stack arrives (RFC 9293 §3.10.7). */
void tcp_stack_input(struct tcp_stack *st, const struct tcp_seg *seg);

/* OPEN, passive (RFC 9293 §3.10.1): a LISTEN socket on lport, or NULL. */
struct tcp_conn *tcp_listen(struct tcp_stack *st, uint16_t lport,
			    const struct tcp_params *p);
/* OPEN, active: sends a SYN; NULL if memory runs out or the local port
 * space is exhausted. lport 0 picks an ephemeral port. */
struct tcp_conn *tcp_connect(struct tcp_stack *st, uint16_t lport,
			     uint32_t raddr, uint16_t rport,
			     const struct tcp_params *p);
/* SEND (§3.10.2): queue up to len bytes; returns how many were taken,
 * or -1 if the connection is closing or closed. */
long tcp_send(struct tcp_conn *c, const uint8_t *data, uint32_t len);
/* RECEIVE (§3.10.3): copy up to len in-order bytes out; returns the count. */
uint32_t tcp_read(struct tcp_conn *c, uint8_t *out, uint32_t len);
/* In-order bytes received and not yet read. */
uint32_t tcp_unread(const struct tcp_conn *c);
/* CLOSE (§3.10.4); returns -1 if the connection is already closing. */
int tcp_close(struct tcp_conn *c);
/* ABORT (§3.10.5): RST where the RFC says so, then CLOSED. */
void tcp_abort(struct tcp_conn *c);
/* The application will read no more (close() on a socket): unread data,
 * or data arriving later, is answered with RST (RFC 1122 §4.2.2.13). */
void tcp_stop_reading(struct tcp_conn *c);
/* Apply changed socket options in c->p (keepalive, Nagle) now. */
void tcp_options_changed(struct tcp_conn *c);

/* Free send-buffer space. */
uint32_t tcp_send_space(const struct tcp_conn *c);
/* RFC spelling of a state ("SYN-RECEIVED"). */
const char *tcp_state_name(int state);
/* Parse an RFC state name (also accepts '_' for '-', any case); -1 if none. */
int tcp_state_parse(const char *name);
/* Name of a timer ("rexmt", "time-wait"), indexed by enum tcp_timer. */
extern const char *const tcp_timer_names[TCP_NTIMERS];
const char *tcp_timer_name(int t);
/* Name of an ending ("normal", "reset", ...). */
const char *tcp_end_name(enum tcp_end e);
/* True in the synchronized states (ESTABLISHED and later). */
bool tcp_synchronized(enum tcp_state s);

#endif
