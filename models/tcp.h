/* tcp.h — the TCP model: RFC 9293 connection state machine.
 *
 * The core does no I/O. A host owns a struct tcp_stack and gives it two
 * callbacks: `output` (put this segment on the wire) and `notify` (tell the
 * application something happened). Time, timers and the trace come from the
 * engine (struct sim). Every state change goes through one function that
 * traces it with the rule that caused it; every segment sent carries a
 * `why` naming its rule and a `tx` saying whether, and why, it is sent
 * again.
 *
 * A connection (struct tcp_conn) and a stack are opaque here: callers
 * read a connection through the accessors below. Its body, with the
 * RFC's variable names, is in tcp_priv.h, which only models/tcp*.c and
 * the TCP test harness include.
 *
 * The code is split by job, as BSD's and lwIP's is: tcp.c (lifecycle,
 * user calls, demultiplexing, events to the application), tcp_in.c
 * (segment arrives, RFC 9293 §3.10.7), tcp_out.c (what to send),
 * tcp_timer.c (the five timers) and tcp_params.c (parameters and
 * profiles).
 */
#ifndef TCPSIM_TCP_H
#define TCPSIM_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "models/segment.h"
#include "models/tcp_params.h"
#include "sim/engine/rng.h"
#include "sim/engine/simtime.h"
#include "sim/engine/trace.h"

struct sim;
struct tcp_conn;
struct tcp_stack;

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
	TCP_T_PTO,      /* tail loss probe, RFC 8985 §7 */
	TCP_T_RACK,     /* RACK reordering window, RFC 8985 §6.2 */
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
	TCP_END_UNREACHABLE, /* an ICMP error ended it (tcp_stack_icmp) */
};

/* The error a socket reports (SO_ERROR) when an ICMP message ended its
 * connection, or when one came before a timeout did: errno's names. */
enum tcp_error {
	TCP_ERR_NONE,
	TCP_ERR_CONNREFUSED,
	TCP_ERR_HOSTUNREACH,
	TCP_ERR_NETUNREACH,
	TCP_ERR_HOSTDOWN,
	TCP_ERR_NOPROTOOPT,
	TCP_ERR_PROTO,
	TCP_ERR_NONET,
	TCP_ERR_OPNOTSUPP,
	TCP_ERR_MSGSIZE,
};
/* "ECONNREFUSED", ...; "" for TCP_ERR_NONE. */
const char *tcp_error_name(enum tcp_error e);

/* ICMP's types and the codes of Destination Unreachable (RFC 792, RFC
 * 1812 §5.2.7.1); ICMPv6's messages (RFC 4443) are given as these. */
enum {
	TCP_ICMP_UNREACH = 3,
	TCP_ICMP_SOURCE_QUENCH = 4,
	TCP_ICMP_REDIRECT = 5,
	TCP_ICMP_TIME_EXCEEDED = 11,
	TCP_ICMP_PARAMPROB = 12,
};
enum {
	TCP_ICMP_NET = 0, TCP_ICMP_HOST, TCP_ICMP_PROTOCOL, TCP_ICMP_PORT,
	TCP_ICMP_NEEDFRAG, TCP_ICMP_SRCFAIL, TCP_ICMP_NET_UNKNOWN,
	TCP_ICMP_HOST_UNKNOWN, TCP_ICMP_ISOLATED, TCP_ICMP_NET_PROHIB,
	TCP_ICMP_HOST_PROHIB, TCP_ICMP_TOSNET, TCP_ICMP_TOSHOST,
	TCP_ICMP_FILTER_PROHIB, TCP_ICMP_PREC_VIOLATION, TCP_ICMP_PREC_CUTOFF,
};

/* An ICMP error about a segment this stack sent: its type and code, the
 * next-hop MTU of a "fragmentation needed" (0: not given), and what it
 * quotes of the segment — addresses, ports, sequence number. */
struct tcp_icmp {
	uint8_t type, code;
	uint16_t mtu;
	uint32_t saddr, daddr;  /* saddr is this stack's */
	uint16_t sport, dport;
	uint32_t seq;
};

/* Why a connection under Linux's rules ends when its send window stayed
 * closed on data in flight and the peer fell silent: not by a count of
 * retransmissions but by time (tcp_rtx_probe0_timed_out). A property test
 * tells this ending from the others by it. */
#define TCP_WHY_PROBE0_TIMEOUT                                              \
	"Linux tcp_rtx_probe0_timed_out: the window closed on data in "     \
	"flight, nothing from the peer for 2·rto-max — abort"

/* One segment the stack hands to its host. */
struct tcp_xmit {
	struct tcp_seg seg;
	const char *why;         /* the rule that sent it */
	enum trace_tx tx;        /* TR_TX_NEW, or why it is sent again */
	bool challenge;          /* a challenge ACK (RFC 5961) */
	enum tcp_state state;    /* the sender's state as it sends */
	uint32_t iss, irs;       /* the connection's initial sequence numbers,
				    0 without one (a RST for no connection)
				    or in LISTEN */
};

struct tcp_stack_ops {
	/* Transmit x->seg; conn is NULL for a RST sent with no
	 * connection. */
	void (*output)(struct tcp_stack *st, struct tcp_conn *conn,
		       const struct tcp_xmit *x);
	/* Tell the application about c. */
	void (*notify)(struct tcp_stack *st, struct tcp_conn *c,
		       enum tcp_event ev, uint64_t arg);
	/* The largest segment payload the path to raddr carries (its MTU
	 * less the headers), or 0 if unknown. May be NULL. */
	uint32_t (*path_mss)(struct tcp_stack *st, uint32_t raddr);
	/* c has a new address (it was packed at rest, or unpacked): the
	 * application's pointer to it must follow. May be NULL. */
	void (*moved)(struct tcp_stack *st, struct tcp_conn *c);
};

/* A snapshot of a connection: what TCP_INFO would tell, with the RFC's
 * names (RFC 9293 §3.3.1). */
struct tcp_conn_info {
	uint32_t id;             /* 1, 2, ... per stack, never reused */
	enum tcp_state state;
	enum tcp_end end;        /* TCP_END_NONE while it lives */
	uint32_t laddr, raddr;   /* raddr 0 for a listening socket */
	uint16_t lport, rport;
	bool passive;            /* made by a passive OPEN */
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_wnd, snd_mss;
	uint32_t rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh;
	sim_time_t srtt, rttvar, rto;
	uint32_t unread;         /* in-order bytes not yet read */
	uint32_t unsent;         /* bytes written and not yet sent */
	uint32_t half_open;      /* a listener's children in SYN-RECEIVED */
	bool fin_queued;         /* CLOSE was called: a FIN follows the data */
	bool fin_rcvd;           /* the peer's FIN has been processed */
	bool ts_ok, sack_ok, ws_ok; /* timestamps, SACK, window scaling
				    agreed on */
	enum tcp_error err;      /* what the socket reports: the ICMP error
				    that ended it, or the last soft error
				    if it timed out; else none */
	enum tcp_error soft_err; /* the last soft ICMP error, while it lives */
	bool ecn_ok;             /* ECN agreed on (RFC 3168 §6.1.1) */
};

/* A stack for host `host` with address `addr`, its ISNs drawn from rng,
 * new sockets taking `defaults`; NULL if memory runs out. */
struct tcp_stack *tcp_stack_new(struct sim *sim,
				const struct tcp_stack_ops *ops, void *owner,
				int host, uint32_t addr, struct rng *rng,
				const struct tcp_params *defaults);
/* Free the stack and every connection (no segments, no notifications). */
void tcp_stack_free(struct tcp_stack *st);
/* The owner given to tcp_stack_new. */
void *tcp_stack_owner(const struct tcp_stack *st);
/* The parameters new sockets of this stack take; and new ones (the
 * sockets already open keep theirs). */
const struct tcp_params *tcp_stack_params(const struct tcp_stack *st);
void tcp_stack_set_params(struct tcp_stack *st, const struct tcp_params *p);
/* Pack connections at rest (tcp_pack.c): their memory shrinks to what is
 * not zero, the run stays the same (unless memory runs out unpacking
 * one: the run then ends with that event). Pointers to a connection then
 * last only until the stack is next entered, but the application's,
 * which tcp_stack_ops.moved keeps. Set before the stack has connections;
 * records stay records until used if it is unset. */
void tcp_stack_set_packing(struct tcp_stack *st, bool on);
/* If st's parameters for new sockets are like's, byte for byte, hold one
 * copy of them between the two (a thousand hosts of one template keep
 * one); nothing changes in what either does. */
void tcp_stack_share_params(struct tcp_stack *st, const struct tcp_stack *like);
/* st packs connections against like's template (tcp_pack.c), one for a
 * run's stacks rather than one each; call before either has packed
 * anything (else it does nothing). 0, or -1 without memory. */
int tcp_stack_share_template(struct tcp_stack *st, struct tcp_stack *like);
/* The host crashed: every connection vanishes without a segment sent. Each
 * is traced going to CLOSED with `why`, and the application is told it
 * ended with TCP_END_CRASHED. Ephemeral ports start over. */
void tcp_stack_crash(struct tcp_stack *st, const char *why);
/* A segment addressed to this stack arrives (RFC 9293 §3.10.7); pkt is
 * its number in the trace (0: none). */
void tcp_stack_input(struct tcp_stack *st, const struct tcp_seg *seg,
		     uint64_t pkt);
/* An ICMP error message arrives about a segment this stack sent: the
 * connection it names reacts as its rules say (models/tcp_icmp.c). */
void tcp_stack_icmp(struct tcp_stack *st, const struct tcp_icmp *m);
/* The connection (not a listening socket) with this remote end and local
 * port, or NULL. */
struct tcp_conn *tcp_find(struct tcp_stack *st, uint32_t raddr,
			  uint16_t rport, uint16_t lport);
/* The stack's connections in the order they were made, listeners
 * included: the first (NULL if none), and the one after c. */
struct tcp_conn *tcp_stack_first(const struct tcp_stack *st);
struct tcp_conn *tcp_conn_next(const struct tcp_conn *c);

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
/* SEND by reference: bytes [off, off + len) of the stream src, which must
 * be able to write them out for as long as the run lasts. Segments then
 * carry references, not bytes (segment.h). A stream written on at the
 * next offset each time costs no copy; anything else works too, as bytes. */
long tcp_send_ref(struct tcp_conn *c, const struct tcp_src *src,
		  uint64_t off, uint32_t len);
/* RECEIVE (§3.10.3): copy up to len in-order bytes out; returns the count. */
uint32_t tcp_read(struct tcp_conn *c, uint8_t *out, uint32_t len);
/* RECEIVE by reference: as tcp_read, but if what is read is held as a
 * stretch of a stream, *src and *off say which and where, and out is not
 * written; otherwise the bytes are copied to out and *src is NULL. */
uint32_t tcp_read_ref(struct tcp_conn *c, uint8_t *out, uint32_t len,
		      const struct tcp_src **src, uint64_t *off);
/* True if what is unread is held by reference: tcp_read_ref would give
 * a stream and an offset, not bytes. */
bool tcp_unread_is_ref(const struct tcp_conn *c);
/* In-order bytes received and not yet read. */
uint32_t tcp_unread(const struct tcp_conn *c);
/* Free send-buffer space. */
uint32_t tcp_send_space(const struct tcp_conn *c);
/* CLOSE (§3.10.4); returns -1 if the connection is already closing. */
int tcp_close(struct tcp_conn *c);
/* ABORT (§3.10.5): RST where the RFC says so, then CLOSED. */
void tcp_abort(struct tcp_conn *c);
/* The application will read no more (close() on a socket): unread data,
 * or data arriving later, is answered with RST (RFC 1122 §4.2.2.13). */
void tcp_stop_reading(struct tcp_conn *c);
/* Socket options: lay the fields of src whose bit is set (as in
 * tcp_params_apply) over c's parameters, and act on them now
 * (keepalive, Nagle). */
void tcp_setsockopt(struct tcp_conn *c, const struct tcp_params *src,
		    uint64_t set);

/* The connection's state. */
enum tcp_state tcp_conn_state(const struct tcp_conn *c);
/* Its number on its stack (1, 2, ...). */
uint32_t tcp_conn_id(const struct tcp_conn *c);
/* Everything else worth knowing about it, at this moment. */
void tcp_conn_info(const struct tcp_conn *c, struct tcp_conn_info *out);
/* The deadline of one of its timers, -1 if that timer is not armed. */
sim_time_t tcp_conn_timer(const struct tcp_conn *c, enum tcp_timer t);
/* Its parameters (its stack's defaults with its socket options). */
const struct tcp_params *tcp_conn_params(const struct tcp_conn *c);
/* The listening socket a passive connection came from, while that
 * socket lives; else NULL. */
struct tcp_conn *tcp_conn_listener(const struct tcp_conn *c);
/* True once CLOSE was called on it (its FIN is queued or sent). */
bool tcp_conn_fin_queued(const struct tcp_conn *c);
/* True while c is packed, at rest (tcp_stack_set_packing). */
bool tcp_conn_packed(const struct tcp_conn *c);
/* The application's own pointer for the socket (NULL until set); an
 * embryonic passive connection whose pointer is unset dies unseen. */
void *tcp_conn_app(const struct tcp_conn *c);
void tcp_conn_set_app(struct tcp_conn *c, void *app);

/* RFC spelling of a state ("SYN-RECEIVED"). */
const char *tcp_state_name(int state);
/* Parse an RFC state name (also accepts '_' for '-', any case); -1 if none. */
int tcp_state_parse(const char *name);
/* Name of a timer ("rexmt", "time-wait"), indexed by enum tcp_timer. */
extern const char *const tcp_timer_names[TCP_NTIMERS];
const char *tcp_timer_name(int t);
/* Name of an ending ("normal", "reset", ...). */
const char *tcp_end_name(enum tcp_end e);
/* Is from -> to one of the transitions the model may take (RFC 9293's
 * diagram and what its text adds; tcp.c lists them)? */
bool tcp_transition_known(enum tcp_state from, enum tcp_state to);
/* True in the synchronized states (ESTABLISHED and later). */
bool tcp_synchronized(enum tcp_state s);

#endif
