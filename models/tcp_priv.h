/* tcp_priv.h — the body of a connection and of a stack, and what the
 * parts of the TCP model (models/tcp*.c) share.
 *
 * Included only by models/tcp*.c and by the TCP test harness, which
 * builds connections in a state and looks at their variables; everyone
 * else goes through the accessors of tcp.h (tests/layers.sh checks it).
 */
#ifndef TCPSIM_TCP_PRIV_H
#define TCPSIM_TCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/tcp.h"
#include "sim/engine/evq.h"
#include "sim/engine/sim.h"
#include "sim/engine/trace.h"

/* RFC 9293 §3.7.1: the MSS assumed when the peer sends no option. */
#define TCP_DEFAULT_MSS 536
/* RFC 6298 §5.7: RTO after a retransmitted SYN when data begins. */
#define TCP_RTO_AFTER_SYN_LOSS SIM_S(3)
#define TCP_MAX_WIN 65535u  /* the window field, unscaled */
#define TCP_EPHEMERAL_LO 49152
#define TCP_EPHEMERAL_HI 65535
/* Out-of-order ranges a connection keeps. */
#define TCP_MAX_OOO 16
/* Segments in flight a connection remembers the sending time of. */
#define TCP_MAX_SENT 64
/* How long a connection stays at rest before it is packed (tcp_pack.c):
 * long against the gaps of a transfer, short against a connection's
 * life, so that a receiver between two segments stays whole. */
#define TCP_REST_AFTER SIM_MS(100)
/* A listening socket is packed only on a stack of at most this many
 * connections: moving it walks them all, for its children's pointers. */
#define TCP_PACK_LISTENER_MAX 16
/* A connection entering TIME-WAIT on a stack of more than this many is
 * packed at once, not after TCP_REST_AFTER. */
#define TCP_PACK_BUSY 16

/* A byte ring: `cap` the most it may hold (the socket buffer's size),
 * `size` what is allocated of it so far. Logical offset i from the head
 * is data[(head + i) % size]; the allocation grows on demand, doubling,
 * as bytes are written further in (tcp_buf_reserve), so a connection
 * that carries nothing holds no buffer.
 *
 * Or a window on a stream: while `src` is set, offset i is byte
 * src_off + i of the stream src, and nothing is allocated. A buffer is in
 * that form while everything put into it is one stretch of one stream, at
 * the offsets it has there: always, for a sender whose application writes
 * by reference (tcp_send_ref) and for its peer, whatever the order and
 * the retransmissions. Anything else put in writes out what is held as
 * bytes first (tcp_buf_unref). `hi` is the end of what has been put in,
 * out-of-order data included. */
struct tcp_buf {
	uint8_t *data;
	uint32_t cap, size, head, len, hi;
	const struct tcp_src *src;
	uint64_t src_off;
};

struct tcp_stack;

/* Parameters as connections hold them: one copy for every connection
 * that has the same (a listener's children, the sockets opened with the
 * stack's defaults), counted, copied when one of them changes (FreeBSD's
 * rounding of the buffers, setsockopt, a SYN retransmitted without its
 * options). A connection's `p` points at `p`, the first member. */
struct tcp_pshared {
	struct tcp_params p;
	uint32_t refs;
};

struct tcp_conn {
	struct tcp_stack *st;
	struct tcp_conn *next, *prev; /* the stack's list, in creation order */
	struct tcp_conn *hnext;       /* the stack's demux hash chain */
	struct tcp_conn *listener;    /* the listening socket it came from,
					 while that socket lives */
	void *app;                    /* the application's per-socket data */
	const struct tcp_params *p;   /* in a struct tcp_pshared: shared
					 with the connections that have the
					 same, written through
					 tcp_params_mut */
	uint32_t id;                  /* 1, 2, ... per stack */
	enum tcp_state state;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	/* (the flags together: the prefix without holes) */
	bool passive;                 /* made by a passive OPEN */
	bool counted;                 /* counts against max-conns */
	bool dead;                    /* CLOSED; freed when the stack
					 unwinds */
	bool ev_queued;               /* in the stack's queue of events */
	/* At rest (tcp_pack.c): a connection left with nothing to do but
	 * wait for its keepalive or its 2·MSL, so for TCP_REST_AFTER (in
	 * TIME-WAIT on a busy stack, at once), is packed into a record of
	 * this prefix, up to `tnext`, followed by the words of the rest
	 * that differ from the stack's template. `park` then holds the one
	 * timer that was pending, `parked` which (TCP_NTIMERS: none).
	 * tcp_live() unpacks it wherever it is used again. */
	bool packed;
	bool touched;                 /* on the stack's list to look at */
	bool resting;                 /* on the stack's list at rest */
	bool bare;                    /* a record told apart from zeros,
					 not from the template */
	uint8_t parked;
	struct evq_timer park;
	uint64_t mem;                 /* bytes taken from the run's budget */
	/* (a record ends here) the lists of packing, empty in a record */
	struct tcp_conn *tnext;       /* the stack's list to look at */
	struct tcp_conn *rnext, *rprev; /* the list at rest, by rest_from */
	sim_time_t rest_from;         /* on it since */
	sim_time_t rest_at;           /* at rest since */

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

	/* Window scaling (RFC 7323 §2): the shift we offer in our SYN, and
	 * once both SYNs carried the option, the shifts in effect — the
	 * peer's on the windows it sends us, ours on those we send; both 0
	 * otherwise. */
	uint8_t ws_offer;
	uint8_t snd_wscale, rcv_wscale;
	bool ws_ok;

	/* Timestamps (RFC 7323 §3–5), once both SYNs carried the option:
	 * our clock's offset, TS.Recent and when it was taken, and
	 * Last.ACK.sent (the ACK field of our last ACK). */
	bool ts_ok;
	/* ECN (RFC 3168 §6.1): our last SYN asked for it; both ends agreed
	 * on it; a CE mark came, so our segments carry ECE until a CWR
	 * does; ECE was answered, so the next new data carries CWR; and
	 * the window of that answer, which takes no second one */
	bool ecn_asked, ecn_ok, ecn_ce, ecn_cwr, ecn_reduced;
	uint32_t ecn_recover;
	uint32_t ts_off;
	uint32_t ts_recent;
	sim_time_t ts_recent_at;
	uint32_t last_ack_sent;

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
	sim_time_t orphan_at; /* ... and has let go of the socket, from
				 then (or when its FIN is acknowledged),
				 a close() lingering until then */
	uint32_t snd_sml;  /* rules: linux: the end of the last segment
			      sent short of the MSS (Minshall's Nagle) */
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
	/* Since when data has waited for its ACK through retransmissions:
	 * the first sending of the oldest segment when the first of them
	 * went (Linux's retrans_stamp); the user timeout and Linux's give-up
	 * count from it. Until SND.UNA passes rexmit_high. */
	bool rexmitting;
	sim_time_t retrans_stamp;
	uint32_t rexmit_high;
	sim_time_t probing_since; /* the first unanswered zero-window probe */
	/* rules: linux — the estimator of tcp_rtt_estimator(), in µs as the
	 * kernel keeps it: 8·SRTT, 4·mean deviation, its maximum over the
	 * last window, and the RTTVAR term (at least rto-min) */
	int64_t lx_srtt8, lx_mdev4, lx_mdev_max, lx_rttvar;
	uint32_t lx_rtt_seq;
	/* ... and the segments in flight, with when each was sent and
	 * whether it went twice: every ACK of new data gives a sample from
	 * the oldest segment it covers (tcp_clean_rtx_queue), unless one it
	 * covers was retransmitted (Karn); under every rule set, when the
	 * first retransmission's segment was sent (retrans_stamp, for the
	 * user timeout). A ring from sent_start on, of up to TCP_MAX_SENT
	 * records: made with the first (a listening socket never needs
	 * one), 4 long, doubling as the flight grows, and given back
	 * whenever an ACK leaves none in flight, so an idle connection
	 * holds none. */
	struct tcp_sent {
		sim_time_t at;
		uint32_t end;
		bool again;
	} *sent;
	uint32_t sent_head, sent_n, sent_cap;
	uint32_t sent_start, sent_end; /* the ring's span in sequence space */
	bool sent_gap;     /* it overflowed: no samples until it drains */

	/* Congestion control (RFC 5681, NewReno RFC 6582) */
	uint32_t cwnd, ssthresh;
	uint32_t dupacks;      /* duplicate ACKs in a row */
	uint32_t recover;      /* RFC 6582: highest seq sent at loss */
	bool in_recovery;      /* fast recovery */
	uint32_t max_snd_wnd;  /* RFC 5961 §5.2: largest window seen */

	/* CUBIC (RFC 9438): W_max, K, the start of the congestion
	 * avoidance epoch (0: none), the Reno-friendly estimate, and the
	 * part of a byte cwnd has grown by */
	uint32_t cubic_wmax;
	sim_time_t cubic_k, cubic_epoch;
	double cubic_west, cubic_frac;
	/* HyStart (Linux's tcp_cubic.c): the round under watch, from
	 * hy_round_start until SND.UNA passes hy_end_seq; the last ACK of
	 * its train; the least RTT of the round and of the connection */
	sim_time_t hy_round_start, hy_last_ack, hy_curr_rtt, hy_delay_min;
	uint32_t hy_end_seq;
	uint8_t hy_samples;
	bool hy_found;

	/* Out-of-order data, held in the receive ring beyond its in-order
	 * part: ranges [start, end) in sequence space, sorted; a table of
	 * TCP_MAX_OOO made with the first (tcp_ranges_have). */
	struct tcp_range {
		uint32_t start, end;
	} *ooo;
	uint32_t nooo;
	bool ooo_fin;          /* a FIN beyond a gap ... */
	uint32_t ooo_fin_seq;  /* ... at this sequence number */

	/* SACK (RFC 2018), once both SYNs carried SACK-permitted. As a
	 * receiver: a sequence number inside each of the out-of-order
	 * ranges most recently added to, the latest first — the blocks an
	 * ACK reports, and in that order (§4); and a duplicate to report
	 * first once (D-SACK, RFC 2883). */
	bool sack_ok;
	uint32_t sack_recent[TCP_MAX_SACK];
	uint32_t nsack_recent;
	bool dsack;
	struct tcp_sack_block dsack_block;
	/* As a sender: the scoreboard, ranges above SND.UNA the peer has
	 * SACKed, sorted and apart; and in loss recovery (RFC 6675) the
	 * end of what has been retransmitted (HighRxt + 1) and the one
	 * rescue retransmission's RecoveryPoint. */
	struct tcp_range *score; /* TCP_MAX_OOO, made with the first */
	uint32_t nscore;
	uint32_t high_rxt;
	uint32_t rescue_rxt;
	bool rescued;
	/* PRR (RFC 6937): the bytes this ACK delivered (SND.UNA's advance
	 * and the newly SACKed), and in recovery RecoverFS, prr_delivered,
	 * prr_out */
	uint32_t delivered;
	uint32_t prr_recover_fs, prr_delivered, prr_out;
	/* TLP (RFC 8985 §7): a probe outstanding up to TLP.end_seq, and
	 * whether it was a retransmission; did this ACK carry a D-SACK */
	bool tlp_out, tlp_is_retrans, dsack_in;
	uint32_t tlp_end_seq, tlp_flight;
	/* RACK (RFC 8985 §6, tcp_rack.c): a record per segment in flight;
	 * the most recently sent segment delivered (its send time, end and
	 * RTT), the least RTT, the highest delivered end, whether the
	 * network was seen reordering, and the reordering window's D-SACK
	 * multiplier */
	struct tcp_txr {
		uint32_t start, end;
		sim_time_t xmit;
		uint8_t f;
	} *txr;
	uint32_t ntxr, txr_cap;
	sim_time_t rack_xmit, rack_rtt, rack_min_rtt;
	uint32_t rack_end, rack_fack;
	bool rack_reord, dsack_round_set;
	uint32_t dsack_round, reo_wnd_mult, reo_wnd_persist;

	/* Delayed ACK and persist */
	uint32_t unacked_segs; /* data segments received, not yet ACKed */
	uint32_t persist_shift;/* backoff of the persist timer */
	uint32_t persist_probes;
	bool sws_override;     /* the persist timer lets a small segment go */
	bool resume;           /* the window reopened after probes */
	bool pmtu;             /* sending again for a smaller path MTU */
	uint32_t tr_cwnd, tr_ssthresh, tr_flight; /* as last traced */
	uint32_t half_open;    /* listener: children in SYN-RECEIVED */

	/* rules: linux — the receiver's ACK engine (tcp_ack.c; the kernel's
	 * icsk_ack): quick ACKs left, the ping-pong count, the adaptive
	 * delay (0 until data arrives) and when data last came, in the
	 * engine's units; the guess of the peer's MSS; what the next ACK
	 * must do; RCV.NXT and the window the last ACK gave; the delayed
	 * ACK's due time */
	uint32_t lx_quick, lx_pingpong;
	sim_time_t lx_ato, lx_lrcv;
	uint32_t lx_rcv_mss, lx_last_seg;
	uint8_t lx_ack;               /* TCP_LXACK_* */
	bool lx_check;                /* data or a FIN came: decide */
	uint32_t rcv_wup, lx_adv_wnd;
	uint32_t lx_clamp;            /* window_clamp; 0 before ESTABLISHED */
	uint32_t lx_ssthresh;         /* rcv_ssthresh: the window's ceiling */
	sim_time_t lx_dack_due;
	sim_time_t oow_at;            /* the last answer to a segment
					 outside the window (tcp_clock) */
	bool oow_sent;

	/* Keepalive (RFC 1122 §4.2.3.6) */
	sim_time_t last_rx;     /* when the peer was last heard from */
	uint32_t probes;        /* keepalive probes sent since then */

	struct evq_timer timer[TCP_NTIMERS];

	/* Deferred work of one input or timer event */
	const char *ack_why;   /* an ACK is owed, for this reason */
	uint32_t ev_pending;   /* 1 << enum tcp_event */
	bool ack_challenge;    /* the ACK owed answers a segment with a
				  challenge (RFC 5961): the trace says so */
	struct tcp_conn *ev_next; /* the stack's queue of connections with
				     events to deliver */
	uint32_t ev_data;      /* bytes for TCP_EV_DATA */
	enum tcp_end end;
	enum tcp_error err;    /* the ICMP error that ended it */
	enum tcp_error soft_err; /* the last soft ICMP error (RFC 1122
				    §4.2.3.9: reported if it times out) */
};

struct tcp_stack {
	struct sim *sim;
	const struct tcp_stack_ops *ops;
	void *owner;             /* the host */
	int host;                /* host index, for the trace */
	uint32_t addr;
	struct rng *rng;         /* initial sequence numbers */
	struct tcp_pshared *defaults; /* the parameters of new sockets,
				    shared with those opened without their
				    own (and with stacks of the same:
				    tcp_stack_share_params); one reference
				    the stack's */
	struct tcp_conn *head, *tail;
	struct tcp_conn **htab;  /* demux by (remote addr, remote port,
				    local port); listeners have remote 0:0 */
	uint32_t hmask, hcount;
	struct tcp_conn *graveyard;
	struct tcp_conn *ev_head, *ev_tail; /* events to deliver */
	uint32_t next_id;
	uint16_t next_port;      /* next ephemeral port */
	/* local ports in use: how many connections of the list hold each,
	 * open addressing on the port (an entry stays, at 0, once made) */
	struct tcp_port_ref {
		uint16_t port;
		bool used;
		uint32_t n;
	} *ports;
	uint32_t pmask, pcount;
	int depth;               /* nesting of entry points */
	/* with TR_TCB traced: the connections this entry point worked on,
	 * first first, to report when it is done */
	struct tcp_conn **worked;
	size_t nworked, worked_cap;
	uint64_t in_pkt;         /* number of the segment being processed */
	sim_time_t ca_since;     /* RFC 5961 §7: start of the current window */
	uint32_t ca_count;       /* challenge ACKs sent in it */
	uint8_t *scratch;        /* one segment's payload, for wrapped rings */
	uint32_t scratch_cap;
	/* connections at rest are packed (tcp_pack.c): those an entry
	 * point worked on, looked at when it is done; those at rest since,
	 * oldest first */
	bool packing;
	struct tcp_conn *touched;
	struct tcp_conn *rest_head, *rest_tail;
	struct tcp_tmpl *tmpl;   /* what records are told apart from: set by
				    the first, then fixed; shared with the
				    run's other stacks */
};

/* ---- small helpers ---------------------------------------------------- */

static inline uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* An empty ring that may hold cap bytes; nothing allocated yet. */
static inline void tcp_buf_init(struct tcp_buf *b, uint32_t cap)
{
	*b = (struct tcp_buf){.cap = cap};
}

/* Let b hold `more` bytes more (FreeBSD's rounding up to whole
 * segments). */
static inline void tcp_buf_grow(struct tcp_buf *b, uint32_t more)
{
	b->cap += more;
}

/* Bytes up to offset `upto` from the head (the caller made room for them
 * with tcp_buf_reserve) to n bytes of d at offset off. */
static inline void tcp_buf_put_at(struct tcp_buf *b, uint32_t off,
				  const uint8_t *d, uint32_t n)
{
	if (!n)
		return;
	uint32_t pos = (b->head + off) % b->size;
	uint32_t first = min32(n, b->size - pos);
	memcpy(b->data + pos, d, first);
	memcpy(b->data, d + first, n - first);
}

static inline void tcp_buf_copy(const struct tcp_buf *b, uint32_t off, uint32_t n,
		     uint8_t *out)
{
	if (!n)
		return;
	if (b->src) {
		b->src->fill(b->src, b->src_off + off, n, out);
		return;
	}
	uint32_t start = (b->head + off) % b->size;
	uint32_t first = min32(n, b->size - start);
	memcpy(out, b->data + start, first);
	memcpy(out + first, b->data, n - first);
}

static inline void tcp_buf_consume(struct tcp_buf *b, uint32_t n)
{
	b->len -= n;
	b->hi = b->hi > n ? b->hi - n : 0;
	b->src_off += n;
	/* the head moves on even when empty: out-of-order data lies beyond */
	if (b->size)
		b->head = (b->head + n) % b->size;
}

static inline struct sim *sim_of(const struct tcp_conn *c)
{
	return c->st->sim;
}

/* ---- tcp.c: tracing, connection blocks, events to the application ---- */
/* A block of `size` bytes for c (old resized, as realloc does; NULL for a
 * fresh one), `more` of them new to c's share of the run's memory budget:
 * charged now, given back with the connection (conn_free, through
 * c->mem). NULL, nothing charged and old untouched, if the budget is
 * spent (the run then ends at its limit) or memory runs out (the run then
 * ends, out of memory). */
void *tcp_mem_grow(struct tcp_conn *c, void *old, size_t size, uint64_t more);
/* Room in c's ring b for offsets below `upto` (capped at b->cap):
 * the allocation grows, doubling, its growth charged to the scenario's
 * memory budget. Returns the room there is now (less than asked only if
 * memory or the budget ran out: the run then ends). */
uint32_t tcp_buf_reserve(struct tcp_conn *c, struct tcp_buf *b,
			 uint32_t upto);
/* n bytes at offset off of b, room made for them first: bytes d, or if d
 * is NULL bytes [soff, soff + n) of the stream src. Returns how many were
 * put (fewer only if memory or the budget ran out: the run then ends). */
uint32_t tcp_buf_put(struct tcp_conn *c, struct tcp_buf *b, uint32_t off,
		     const uint8_t *d, const struct tcp_src *src, uint64_t soff,
		     uint32_t n);
/* Give back the ring of segments in flight if it holds none (it is made
 * again with the next segment sent). */
void tcp_sent_release(struct tcp_conn *c);
/* FreeBSD's tcp_mss: once the MSS is known, c's buffers larger than one
 * segment are rounded up to a whole number of them. */
void tcp_round_buffers_freebsd(struct tcp_conn *c);
/* Write out as bytes what b holds by reference; false if no memory. */
bool tcp_buf_unref(struct tcp_conn *c, struct tcp_buf *b);
/* Write up to n bytes behind what b holds (bytes d, or [soff, soff + n)
 * of src), as far as b->cap lets (and the memory does); returns how
 * many. Bytes into a ring with room, and a stream's next stretch into a
 * window on it, take no call. */
static inline uint32_t tcp_buf_append(struct tcp_conn *c, struct tcp_buf *b,
				      const uint8_t *d,
				      const struct tcp_src *src,
				      uint64_t soff, uint32_t n)
{
	n = min32(n, b->cap - b->len);
	if (d && !b->src && b->len + n <= b->size)
		tcp_buf_put_at(b, b->len, d, n); /* bytes, room for them */
	else if (d || !src || b->src != src || b->src_off + b->len != soff)
		n = tcp_buf_put(c, b, b->len, d, src, soff, n);
	/* else: the stream's next stretch, a window's wider */
	b->len += n;
	if (b->hi < b->len)
		b->hi = b->len;
	return n;
}
static inline uint32_t tcp_buf_write(struct tcp_conn *c, struct tcp_buf *b,
				     const uint8_t *d, uint32_t n)
{
	return tcp_buf_append(c, b, d, NULL, 0, n);
}
void tcp_set_state(struct tcp_conn *c, enum tcp_state to, const char *why);
/* An event of kind k about c, at the stack's time (tcp_trace.c). */
void tcp_ev_init(struct trace_event *ev, const struct tcp_conn *c,
		 enum trace_kind k);
/* Report the variables of the connections worked on (tcp_trace_worked),
 * now that the outermost entry point is done with them. */
void tcp_trace_report(struct tcp_stack *st);
void tcp_trace_timer(struct tcp_conn *c, enum tcp_timer t,
			enum trace_timer_op op);
void tcp_trace_rto(struct tcp_conn *c, enum trace_rto_cause cause,
		      sim_time_t sample);
void tcp_trace_cwnd(struct tcp_conn *c);
/* c was worked on: with TR_TCB traced, its variables are reported when
 * the outermost entry point leaves (tcp_leave). */
void tcp_trace_worked(struct tcp_conn *c);
void tcp_trace_ignore(struct tcp_stack *st, struct tcp_conn *c,
			 const struct tcp_seg *seg, const char *why);
void tcp_enter(struct tcp_stack *st);
void tcp_leave(struct tcp_stack *st);
struct tcp_conn *tcp_hash_find(const struct tcp_stack *st, uint32_t raddr,
				  uint16_t rport, uint16_t lport);
/* A new connection with parameters p: those of another connection if
 * share (a listener's, for its child), else a copy, or the stack's own
 * defaults (tcp_stack_params), shared. */
struct tcp_conn *tcp_conn_open(struct tcp_stack *st,
				  const struct tcp_params *p, bool share,
				  bool buffers, bool counted, uint16_t lport,
				  uint32_t raddr, uint16_t rport);
/* c's parameters, to write: its own copy from now on if they were
 * shared; NULL if memory runs out (the run then ends). */
struct tcp_params *tcp_params_mut(struct tcp_conn *c);
void tcp_post(struct tcp_conn *c, enum tcp_event e);
void tcp_conn_delete(struct tcp_conn *c, enum tcp_end end);
void tcp_enter_closed(struct tcp_conn *c, enum tcp_end end, const char *why);
uint32_t tcp_choose_iss(struct tcp_stack *st);
void tcp_flush(struct tcp_conn *c);
/* ---- tcp_out.c: what to send ---- */
void tcp_xmit_data(struct tcp_conn *c, uint8_t flags, uint32_t seq,
		   const uint8_t *data, uint32_t len, const char *why,
		   enum trace_tx tx);
void tcp_xmit(struct tcp_conn *c, uint8_t flags, uint32_t seq,
	      uint32_t len, const char *why, enum trace_tx tx);
/* A RST the connection sends of its own accord (ABORT, a close with data
 * unread, keepalive giving up): <SEQ=SND.NXT><CTL=RST> by the RFC;
 * under rules: linux, as tcp_send_active_reset, RST,ACK with RCV.NXT and
 * the window. */
void tcp_send_active_reset(struct tcp_conn *c, const char *why);
void tcp_send_reset_reply(struct tcp_stack *st, struct tcp_conn *c,
			     const struct tcp_seg *in, const char *why);
void tcp_start_rtt(struct tcp_conn *c, uint32_t seq);
/* An ACK of new data, up to ack, arrives (with TSecr tsecr if has_ts):
 * the round-trip sample it gives, if any, folded into the RTO. RFC 6298:
 * the one segment being timed, if it is covered (Karn: it was never
 * retransmitted); RFC 7323: its TSecr. Linux: the oldest segment the ACK
 * covers, if none it covers was sent twice. Returns the round trip the
 * congestion control is told of (Linux: to the newest segment the ACK
 * covers), or -1 if none. */
sim_time_t tcp_ack_rtt(struct tcp_conn *c, uint32_t ack, bool has_ts,
		       uint32_t tsecr);
/* The largest window the window field can carry for c: 65535, shifted
 * by our scale once scaling is in effect (RFC 7323 §2.3). */
static inline uint32_t tcp_win_cap(const struct tcp_conn *c)
{
	return TCP_MAX_WIN << c->rcv_wscale;
}
/* The largest window c offers: its buffer, at most tcp_win_cap (and under
 * rules: linux a whole number of MSS); and what of it is free now. */
uint32_t tcp_max_window(const struct tcp_conn *c);
/* Our SYN's options, from the parameters; on a SYN,ACK only those the
 * peer's SYN carried too (RFC 7323 §2.2, RFC 2018 §2). */
void tcp_syn_options(const struct tcp_conn *c, struct tcp_seg *s);
/* The peer's SYN (or SYN,ACK) s arrives: which options are in effect. */
void tcp_negotiate(struct tcp_conn *c, const struct tcp_seg *s);
/* The SACK blocks our next ACK carries, into s (RFC 2018 §4, RFC 2883):
 * a D-SACK first if one is owed, then the out-of-order ranges most
 * recently added to. */
void tcp_sack_fill(struct tcp_conn *c, struct tcp_seg *s);
/* Bytes of SACK option the next segment carries (its payload gives them
 * room under the MSS, as Linux's tcp_current_mss does). */
uint32_t tcp_sack_bytes(const struct tcp_conn *c);
/* The most data the next segment may carry: the MSS less those bytes. */
uint32_t tcp_seg_mss(const struct tcp_conn *c);
/* The out-of-order range that holds seq, or NULL. */
const struct tcp_range *tcp_ooo_holding(const struct tcp_conn *c,
				       uint32_t seq);
/* Our timestamp clock now (RFC 7323 §5.4): milliseconds, from a random
 * offset per connection. */
uint32_t tcp_ts_now(const struct tcp_conn *c);
/* Bytes of the timestamps option on every segment once agreed: 10, and
 * two nops (RFC 7323 appendix A). */
#define TCP_TS_ALIGNED 12
/* RFC 7323 §5.5: TS.Recent is no longer valid after 24 days idle. */
#define TCP_PAWS_IDLE SIM_S(24 * 24 * 3600)
uint32_t tcp_free_window(const struct tcp_conn *c);
/* rules: freebsd — the MSS before options (t_maxseg), and the window:
 * the buffer's free space, none if that is under a quarter of the buffer
 * and one segment (receiver SWS avoidance), never pulled back from the
 * edge already offered; segments are judged by all of it, the window
 * field carries what it can (tcp_output). */
static inline uint32_t bsd_maxseg(const struct tcp_conn *c)
{
	return c->snd_mss + (c->ts_ok ? TCP_TS_ALIGNED : 0);
}
uint32_t tcp_window_freebsd(const struct tcp_conn *c);
/* The ISS is chosen: what is sent is counted from it. */
void tcp_sent_init(struct tcp_conn *c);
/* rules: linux — SND.UNA has reached ack: the sending time of the oldest
 * segment it wholly acknowledges, if it gives an RTT sample. */
bool tcp_sent_acked(struct tcp_conn *c, uint32_t ack, sim_time_t *first,
		    sim_time_t *last);
bool tcp_may_send_data(enum tcp_state s);
void tcp_output(struct tcp_conn *c);
void tcp_send_ack(struct tcp_conn *c, const char *why);
void tcp_send_syn(struct tcp_conn *c, bool with_ack, bool rexmit,
		     const char *why);
void tcp_owe_ack(struct tcp_conn *c, const char *why);
void tcp_owe_ack_delayed(struct tcp_conn *c, const char *why);
void tcp_challenge_ack(struct tcp_conn *c, const struct tcp_seg *in,
			  const char *why);
/* Is the answer to `in`, a segment outside the window, held back by
 * invalid-ratelimit (then traced as ignored)? Segments with text or a FIN
 * are always answered, unless `always` (a challenge ACK). */
bool tcp_oow_limited(struct tcp_conn *c, const struct tcp_seg *in,
		     bool always);
uint32_t tcp_initial_window(const struct tcp_conn *c);
void tcp_set_our_mss(struct tcp_conn *c);
void tcp_set_snd_mss(struct tcp_conn *c, uint16_t peer_mss);
void tcp_resend_first(struct tcp_conn *c, enum trace_tx tx, const char *why);
/* Send again what was sent from seq on, at most max bytes (and the FIN
 * if it ends there); returns the sequence space sent. */
uint32_t tcp_resend(struct tcp_conn *c, uint32_t seq, uint32_t max,
		    enum trace_tx tx, const char *why);

/* ---- congestion control (tcp_cc.c) ----------------------------------- */

/* What an ACK of new data tells the algorithm. */
struct tcp_cc_ack {
	uint32_t acked;   /* bytes newly acknowledged */
	sim_time_t rtt;   /* grow: SRTT, 0 before a sample; acked: this
			     ACK's round trip */
};

struct tcp_cc_ops {
	const char *name;
	/* the connection is established: start afresh (may be NULL) */
	void (*init)(struct tcp_conn *c);
	/* an ACK of new data with a round-trip sample (a->rtt), before
	 * `grow` (may be NULL; Linux's pkts_acked) */
	void (*acked)(struct tcp_conn *c, const struct tcp_cc_ack *a);
	/* new data acknowledged outside loss recovery: grow cwnd */
	void (*grow)(struct tcp_conn *c, const struct tcp_cc_ack *a);
	/* a loss (a timeout if `timeout`) with `flight` bytes
	 * outstanding: the new ssthresh */
	uint32_t (*ssthresh)(struct tcp_conn *c, uint32_t flight,
			     bool timeout);
};

const struct tcp_cc_ops *tcp_cc(const struct tcp_conn *c);
/* cwnd grows for `acked` bytes (traced). */
void tcp_cc_grow(struct tcp_conn *c, uint32_t acked);
/* The connection is established. */
void tcp_cc_init(struct tcp_conn *c);
/* An ACK of new data gave the round trip rtt (tcp_ack_rtt; -1: none). */
void tcp_cc_acked(struct tcp_conn *c, sim_time_t rtt);
/* ssthresh on a loss, as the connection's algorithm sets it. */
uint32_t tcp_cc_ssthresh(struct tcp_conn *c, bool timeout);
/* RFC 9438 §4.2 W_cubic(t), in bytes, for W_max and K (exposed for the
 * tests). */
double tcp_cubic_window(uint32_t wmax, sim_time_t k, sim_time_t t,
			uint32_t smss);

/* ---- SACK as a sender (tcp_sack.c: RFC 2018, RFC 6675, RFC 3042) ---- */

/* Add [l, r) to the n sorted, apart ranges of v (at most cap), merging it
 * with those it touches, *added the bytes it adds; false if there is no
 * room for it. */
bool tcp_ranges_add(struct tcp_range *v, uint32_t *n, uint32_t cap,
		    uint32_t l, uint32_t r, uint32_t *added);
/* Make c's table *v of TCP_MAX_OOO ranges if it has none yet (most
 * connections never reorder, or never SACK), charged to the budget;
 * false if there is no memory for it. */
bool tcp_ranges_have(struct tcp_conn *c, struct tcp_range **v);
/* Take the SACK blocks of an ACK into the scoreboard; returns the bytes
 * it SACKs that were not SACKed before. */
uint32_t tcp_sack_take(struct tcp_conn *c, const struct tcp_seg *in);
/* SND.UNA moved: forget what lies below it. */
void tcp_sack_acked(struct tcp_conn *c);
/* An ACK that SACKs new data and acknowledges nothing new (RFC 6675 §2
 * DupAck): limited transmit, or loss recovery. */
void tcp_sack_dupack(struct tcp_conn *c);
/* An ACK in loss recovery: leave it at RecoveryPoint, else send what
 * NextSeg() gives while cwnd − pipe allows (RFC 6675 §5 (C)). */
void tcp_sack_recovery_ack(struct tcp_conn *c);
/* RFC 6675 §4 SetPipe(): the octets still in the network. */
uint32_t tcp_sack_pipe(const struct tcp_conn *c);
/* RFC 3168 §6.1.2: an ACK with ECE — congestion without a loss (tcp_cc.c). */
void tcp_ecn_echo(struct tcp_conn *c);
/* Going back to SND.UNA after a timeout: the scoreboard is forgotten
 * (the receiver may have reneged, RFC 2018 §8). */
void tcp_sack_clear(struct tcp_conn *c);
/* Send again from SND.UNA (a timeout, a smaller path MTU): no recovery
 * in progress, no scoreboard, RFC 6582 §3.2 step 1's recover point at
 * SND.NXT − 1 (tcp_timer.c). */
void tcp_go_back(struct tcp_conn *c);
/* ---- RACK (tcp_rack.c: RFC 8985 §6) ---------------------------------- */

/* [seq, seq + n) goes out: recorded, or its records marked sent again. */
void tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t n);
/* An ACK was taken (scoreboard and SND.UNA updated): returns the
 * segments newly marked lost. */
uint32_t tcp_rack_ack(struct tcp_conn *c, bool ts, uint32_t tsecr);
/* The reordering timer fired: returns the segments newly lost. */
uint32_t tcp_rack_timeout(struct tcp_conn *c);
/* The first segment marked lost and not SACKed. */
bool tcp_rack_lost_next(const struct tcp_conn *c, uint32_t *seq,
			uint32_t *len);
/* What is in flight by RACK's marks. */
uint32_t tcp_rack_pipe(const struct tcp_conn *c);
/* A timeout went back to SND.UNA: no SACKed or lost marks are kept. */
void tcp_rack_reset(struct tcp_conn *c);
void tcp_rack_free(struct tcp_conn *c);
/* Segments were marked lost: enter recovery if not in it, and send. */
void tcp_sack_losses(struct tcp_conn *c);

/* RFC 8985 §7.2: (re)start the PTO timer if a probe may be due. */
void tcp_tlp_arm(struct tcp_conn *c);
/* RFC 8985 §7.4: an ACK; was a loss repaired by the probe? */
void tcp_tlp_ack(struct tcp_conn *c, uint32_t ack, bool pure,
		 bool advanced);
/* The PTO timer fired (tcp_timer.c calls it). */
void tcp_tlp_fire(struct tcp_conn *c);
void tcp_window_probe(struct tcp_conn *c);
/* A retransmission (of the SYN, data or FIN) of [seq, seq+n) goes out. */
void tcp_note_rexmit(struct tcp_conn *c, uint32_t seq, uint32_t n);
/* ---- tcp_ack.c: when to acknowledge, rules: linux ---- */
#define TCP_LXACK_SCHED 1   /* an ACK is owed (ICSK_ACK_SCHED) */
#define TCP_LXACK_PUSHED 2  /* a small segment came (ICSK_ACK_PUSHED) */
#define TCP_LXACK_PUSHED2 4 /* two did */
#define TCP_LXACK_NOW 8     /* the next check sends it (ICSK_ACK_NOW) */
/* ESTABLISHED: the engine's first guesses. */
void tcp_ack_init(struct tcp_conn *c);
/* The window to offer now (__tcp_select_window, tcp_select_window). */
uint32_t tcp_ack_window(struct tcp_conn *c);
/* In-order data of len bytes (the segment's flags) was taken in. */
void tcp_ack_data_in(struct tcp_conn *c, uint32_t len, uint8_t flags);
/* The peer's FIN was taken in; to_close_wait: it moved us there. */
void tcp_ack_fin_in(struct tcp_conn *c, bool to_close_wait);
/* In-order data filled the gap before out-of-order data. */
void tcp_ack_gap_filled(struct tcp_conn *c);
/* Old or out-of-window data: quick ACKs again, no ping-pong. */
void tcp_ack_enter_quickack(struct tcp_conn *c);
/* After a segment's processing: owe an ACK now, or arm the delay. */
void tcp_ack_check(struct tcp_conn *c);
/* The application read `copied` bytes. */
void tcp_ack_read(struct tcp_conn *c, uint32_t copied);
/* A segment carrying ACK and window wnd goes out. */
void tcp_ack_sent(struct tcp_conn *c, uint32_t wnd);
/* A segment carrying data goes out. */
void tcp_ack_data_out(struct tcp_conn *c);
/* The delayed-ACK timer fired. */
void tcp_ack_timeout(struct tcp_conn *c);
/* ---- tcp_timer.c: the timers ---- */
void tcp_timer_arm(struct tcp_conn *c, enum tcp_timer t, sim_time_t delay);
void tcp_timer_stop(struct tcp_conn *c, enum tcp_timer t);
void tcp_keepalive_arm(struct tcp_conn *c);
/* Has the application let go of c (close(), its linger over)? */
bool tcp_orphaned(const struct tcp_conn *c);
/* FIN-WAIT-2: a socket let go of waits fin-timeout for the peer's FIN. */
void tcp_fin_wait_2_arm(struct tcp_conn *c);
/* The retransmission timer's delay: the RTO, cut to what is left of the
 * user timeout. */
sim_time_t tcp_rto_delay(const struct tcp_conn *c);
/* Time as the kernel counts it where a profile has a tick: a duration
 * in whole jiffies (rounded up), now as the jiffy it falls in; in ns
 * without a tick. */
sim_time_t tcp_units(const struct tcp_conn *c, sim_time_t d);
sim_time_t tcp_clock(const struct tcp_conn *c);
/* d rounded up to whole ticks on a profile with a `tick` (jiffies). */
sim_time_t tcp_ticks_ceil(const struct tcp_conn *c, sim_time_t d);
/* Give each of c's timers the function it runs when it fires. */
void tcp_timers_init(struct tcp_conn *c);

/* ---- connections at rest (tcp_pack.c) ---------------------------------- */

/* An entry point worked on c: once it is done, c is packed if at rest. */
void tcp_touch(struct tcp_conn *c);
/* The whole TCB of record r, which is freed (the lists and the
 * application follow); NULL, r left as it is, if memory runs out (the
 * run then ends with this event). */
struct tcp_conn *tcp_unpack(struct tcp_conn *r);
/* c whole: unpacked if it was at rest; NULL if memory ran out. */
static inline struct tcp_conn *tcp_live(struct tcp_conn *c)
{
	return c->packed ? tcp_unpack(c) : c;
}
/* c for an entry point: whole, and looked at for packing when it is
 * done. */
static inline struct tcp_conn *tcp_use(struct tcp_conn *c)
{
	c = tcp_live(c);
	if (c)
		tcp_touch(c);
	return c;
}
/* c to read: itself, or if packed its TCB written out into tmp. */
const struct tcp_conn *tcp_view(const struct tcp_conn *c,
				struct tcp_conn *tmp);
/* At the end of an entry point (tcp_leave): the connections touched that
 * are at rest join the list at rest, the others leave it; those at rest
 * for TCP_REST_AFTER, and those in TIME-WAIT on a busy stack
 * (TCP_PACK_BUSY), are packed. */
void tcp_pack_touched(struct tcp_stack *st);
/* st is freed, its records already: its hold on the template goes. */
void tcp_pack_stack_free(struct tcp_stack *st);
/* c is gone: off the lists of packing. */
void tcp_pack_forget(struct tcp_conn *c);
/* The connection `from` is now `to`: the stack's list, its demux chain
 * and the application follow (tcp.c). */
void tcp_conn_moved(struct tcp_conn *from, struct tcp_conn *to);

#endif
