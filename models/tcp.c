/* tcp.c — RFC 9293 connection state machine.
 *
 * Entry points: a segment arrives (tcp_stack_input), a timer fires, or the
 * application calls OPEN / SEND / RECEIVE / CLOSE / ABORT. Each entry point
 * does its processing, then flushes: output() sends what the windows allow,
 * an owed ACK goes out if no segment carried it, and the application is told
 * what happened (connected, data, end of stream, closed). Telling the
 * application last keeps the trace in wire order: the handshake's final ACK
 * goes out before any data the application sends on "connected".
 *
 * A connection that reaches CLOSED is unlinked at once and freed when the
 * outermost entry point returns, so the application may abort or close from
 * inside a notification.
 *
 * Not modelled yet: out-of-order reassembly (out-of-order segments are
 * dropped and re-requested with an ACK), delayed ACKs, fast retransmit,
 * keepalive, the persist timer, Nagle, the urgent-data interface, and the
 * security/compartment check (RFC 9293 §3.10.7.4, third).
 */
#include "tcp.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "trace.h"

/* RFC 9293 §3.7.1: the MSS assumed when the peer sends no option. */
#define TCP_DEFAULT_MSS 536
/* RFC 6298 §5.7: RTO after a retransmitted SYN when data begins. */
#define TCP_RTO_AFTER_SYN_LOSS SIM_S(3)
#define TCP_MAX_WIN 65535u
#define EPHEMERAL_LO 49152
#define EPHEMERAL_HI 65535

const struct tcp_params tcp_params_default = {
	.msl = SIM_S(120),          /* RFC 9293 §3.4.2: MSL of 2 minutes */
	.rto_initial = SIM_S(1),    /* RFC 6298 (2.1) */
	.rto_min = SIM_S(1),        /* RFC 6298 (2.4) */
	.rto_max = SIM_S(60),       /* RFC 6298 (2.5): at least 60 s */
	.mss = 1460,
	.sndbuf = 65536,
	.rcvbuf = 65535,
	.iw = 0,                    /* 0: RFC 5681 §3.1 rule from the MSS */
	.syn_retries = 6,
	.synack_retries = 5,
	.retries = 15,
	.nodelay = false,           /* RFC 1122 §4.2.3.4: Nagle on */
	.keepalive = false,         /* RFC 1122 §4.2.3.6: off unless asked */
	.keepidle = SIM_S(7200),    /* ... and no less than two hours */
	.keepintvl = SIM_S(75),
	.keepcnt = 9,
};

static const char *const state_names[TCP_NSTATES] = {
	[TCP_CLOSED] = "CLOSED",
	[TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN-SENT",
	[TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[TCP_CLOSING] = "CLOSING",
	[TCP_LAST_ACK] = "LAST-ACK",
	[TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *tcp_state_name(int state)
{
	if (state < 0 || state >= TCP_NSTATES)
		return "?";
	return state_names[state];
}

int tcp_state_parse(const char *name)
{
	for (int i = 0; i < TCP_NSTATES; i++) {
		const char *a = state_names[i], *b = name;
		while (*a && *b) {
			char cb = *b;
			if (cb == '_')
				cb = '-';
			if (cb >= 'a' && cb <= 'z')
				cb = (char)(cb - 'a' + 'A');
			if (cb != *a)
				break;
			a++;
			b++;
		}
		if (!*a && !*b)
			return i;
	}
	return -1;
}

const char *tcp_timer_name(int t)
{
	switch (t) {
	case TCP_T_REXMT:
		return "rexmt";
	case TCP_T_TIMEWAIT:
		return "time-wait";
	case TCP_T_KEEPALIVE:
		return "keepalive";
	}
	return "?";
}

const char *tcp_end_name(enum tcp_end e)
{
	switch (e) {
	case TCP_END_NONE:
		return "open";
	case TCP_END_NORMAL:
		return "normal";
	case TCP_END_RESET:
		return "reset";
	case TCP_END_REFUSED:
		return "refused";
	case TCP_END_TIMEOUT:
		return "timed-out";
	case TCP_END_ABORTED:
		return "aborted";
	case TCP_END_CRASHED:
		return "crashed";
	}
	return "?";
}

bool tcp_synchronized(enum tcp_state s)
{
	return s >= TCP_ESTABLISHED;
}

static inline uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ---- byte rings ---------------------------------------------------- */

static int buf_init(struct tcp_buf *b, uint32_t cap)
{
	b->data = cap ? malloc(cap) : NULL;
	b->cap = b->data ? cap : 0;
	b->head = b->len = 0;
	return cap && !b->data ? -1 : 0;
}

static uint32_t buf_write(struct tcp_buf *b, const uint8_t *d, uint32_t n)
{
	n = min32(n, b->cap - b->len);
	uint32_t tail = (b->head + b->len) % (b->cap ? b->cap : 1);
	uint32_t first = min32(n, b->cap - tail);
	memcpy(b->data + tail, d, first);
	memcpy(b->data, d + first, n - first);
	b->len += n;
	return n;
}

static void buf_copy(const struct tcp_buf *b, uint32_t off, uint32_t n,
		     uint8_t *out)
{
	uint32_t start = (b->head + off) % b->cap;
	uint32_t first = min32(n, b->cap - start);
	memcpy(out, b->data + start, first);
	memcpy(out + first, b->data, n - first);
}

static void buf_consume(struct tcp_buf *b, uint32_t n)
{
	b->len -= n;
	b->head = b->len ? (b->head + n) % b->cap : 0;
}

/* ---- tracing --------------------------------------------------------- */

static inline struct sim *sim_of(const struct tcp_conn *c)
{
	return c->st->sim;
}

static void ev_init(struct trace_event *ev, const struct tcp_conn *c,
		    enum trace_kind k)
{
	*ev = (struct trace_event){
		.t = sim_of(c)->now,
		.kind = k,
		.host = c->st->host,
		.peer = -1,
		.conn = c->id,
		.tuple = {c->laddr, c->raddr, c->lport, c->rport},
	};
}

/* Every state change passes here, and is traced with its rule. */
static void set_state(struct tcp_conn *c, enum tcp_state to, const char *why)
{
	const struct trace *tr = &sim_of(c)->trace;
	if (trace_on(tr, TR_STATE)) {
		struct trace_event ev;
		ev_init(&ev, c, TR_STATE);
		ev.a = (int)c->state;
		ev.b = (int)to;
		ev.why = why;
		trace_emit(tr, &ev);
	}
	c->state = to;
}

static void trace_timer(struct tcp_conn *c, enum tcp_timer t,
			enum trace_timer_op op)
{
	const struct trace *tr = &sim_of(c)->trace;
	if (!trace_on(tr, TR_TIMER))
		return;
	struct trace_event ev;
	ev_init(&ev, c, TR_TIMER);
	ev.name = tcp_timer_name(t);
	ev.a = (int)op;
	ev.v[0] = c->timer[t].when;
	trace_emit(tr, &ev);
}

static void trace_rto(struct tcp_conn *c)
{
	const struct trace *tr = &sim_of(c)->trace;
	if (!trace_on(tr, TR_VAR))
		return;
	struct trace_event ev;
	ev_init(&ev, c, TR_VAR);
	ev.name = "rto";
	ev.v[0] = c->rto;
	ev.v[1] = c->srtt;
	ev.v[2] = c->rttvar;
	trace_emit(tr, &ev);
}

static void trace_cwnd(struct tcp_conn *c)
{
	const struct trace *tr = &sim_of(c)->trace;
	if (!trace_on(tr, TR_VAR))
		return;
	struct trace_event ev;
	ev_init(&ev, c, TR_VAR);
	ev.name = "cwnd";
	ev.v[0] = c->cwnd;
	ev.v[1] = c->ssthresh;
	ev.v[2] = c->snd_nxt - c->snd_una;
	trace_emit(tr, &ev);
}

/* The receiving TCP discards the segment in hand without answering. */
static void trace_ignore(struct tcp_stack *st, struct tcp_conn *c,
			 const struct tcp_seg *seg, const char *why)
{
	const struct trace *tr = &st->sim->trace;
	if (!trace_on(tr, TR_IGNORE))
		return;
	struct trace_event ev = {
		.t = st->sim->now,
		.kind = TR_IGNORE,
		.host = st->host,
		.peer = -1,
		.conn = c ? c->id : 0,
		.pkt = st->in_pkt,
		.seg = seg,
		.why = why,
	};
	trace_emit(tr, &ev);
}

/* ---- timers ---------------------------------------------------------- */

static void timer_arm(struct tcp_conn *c, enum tcp_timer t, sim_time_t delay)
{
	sim_after(sim_of(c), &c->timer[t], delay);
	trace_timer(c, t, TR_TIMER_SET);
}

static void timer_stop(struct tcp_conn *c, enum tcp_timer t)
{
	if (!evq_pending(&c->timer[t]))
		return;
	evq_cancel(&sim_of(c)->q, &c->timer[t]);
	trace_timer(c, t, TR_TIMER_CANCEL);
}

static void rexmt_fire(struct sim *s, struct evq_timer *e);
static void timewait_fire(struct sim *s, struct evq_timer *e);
static void keepalive_fire(struct sim *s, struct evq_timer *e);

static struct tcp_conn *conn_of_timer(struct evq_timer *e, enum tcp_timer t)
{
	return (struct tcp_conn *)(void *)((char *)(e - t) -
					   offsetof(struct tcp_conn, timer));
}

/* ---- connection blocks ---------------------------------------------- */

static void enter(struct tcp_stack *st)
{
	st->depth++;
}

static void conn_free(struct tcp_conn *c)
{
	free(c->sb.data);
	free(c->rb.data);
	free(c);
}

static void leave(struct tcp_stack *st)
{
	if (--st->depth > 0)
		return;
	while (st->graveyard) {
		struct tcp_conn *c = st->graveyard;
		st->graveyard = c->next;
		conn_free(c);
	}
}

/* ---- demultiplexing --------------------------------------------------- */

static uint32_t tuple_hash(uint32_t raddr, uint16_t rport, uint16_t lport)
{
	uint64_t k = ((uint64_t)raddr << 32) | ((uint32_t)rport << 16) | lport;
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return (uint32_t)k;
}

static int hash_grow(struct tcp_stack *st)
{
	uint32_t n = st->hmask ? 2 * (st->hmask + 1) : 64;
	struct tcp_conn **t = calloc(n, sizeof *t);
	if (!t)
		return -1;
	for (uint32_t i = 0; st->htab && i <= st->hmask; i++) {
		struct tcp_conn *c = st->htab[i];
		while (c) {
			struct tcp_conn *nx = c->hnext;
			uint32_t b = tuple_hash(c->raddr, c->rport, c->lport) & (n - 1);
			c->hnext = t[b];
			t[b] = c;
			c = nx;
		}
	}
	free(st->htab);
	st->htab = t;
	st->hmask = n - 1;
	return 0;
}

/* Enter c, whose tuple is now set, in the demux table. */
static int hash_add(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	if ((st->hcount + 1 > st->hmask + 1 || !st->htab) && hash_grow(st) < 0)
		return -1;
	uint32_t b = tuple_hash(c->raddr, c->rport, c->lport) & st->hmask;
	c->hnext = st->htab[b];
	st->htab[b] = c;
	st->hcount++;
	return 0;
}

static void hash_del(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	if (!st->htab)
		return;
	uint32_t b = tuple_hash(c->raddr, c->rport, c->lport) & st->hmask;
	for (struct tcp_conn **pp = &st->htab[b]; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			st->hcount--;
			return;
		}
}

static struct tcp_conn *hash_find(const struct tcp_stack *st, uint32_t raddr,
				  uint16_t rport, uint16_t lport)
{
	if (!st->htab)
		return NULL;
	uint32_t b = tuple_hash(raddr, rport, lport) & st->hmask;
	for (struct tcp_conn *c = st->htab[b]; c; c = c->hnext)
		if (c->raddr == raddr && c->rport == rport && c->lport == lport)
			return c;
	return NULL;
}

struct tcp_conn *tcp_find(struct tcp_stack *st, uint32_t raddr,
			  uint16_t rport, uint16_t lport)
{
	if (raddr == 0 && rport == 0)
		return NULL;
	return hash_find(st, raddr, rport, lport);
}

static struct tcp_conn *conn_new(struct tcp_stack *st,
				 const struct tcp_params *p, bool buffers)
{
	struct tcp_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->st = st;
	c->p = *p;
	if (buffers && (buf_init(&c->sb, p->sndbuf) < 0 ||
			buf_init(&c->rb, p->rcvbuf) < 0)) {
		conn_free(c);
		return NULL;
	}
	c->id = ++st->next_id;
	c->laddr = st->addr;
	c->rto = p->rto_initial;
	c->rcv_wnd = min32(p->rcvbuf, TCP_MAX_WIN);
	c->ssthresh = INT32_MAX;
	evq_timer_init(&c->timer[TCP_T_REXMT], rexmt_fire);
	evq_timer_init(&c->timer[TCP_T_TIMEWAIT], timewait_fire);
	evq_timer_init(&c->timer[TCP_T_KEEPALIVE], keepalive_fire);
	c->prev = st->tail;
	if (st->tail)
		st->tail->next = c;
	else
		st->head = c;
	st->tail = c;
	return c;
}

static void conn_unlink(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	hash_del(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		st->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		st->tail = c->prev;
	c->next = st->graveyard;
	c->prev = NULL;
	st->graveyard = c;
}

/* A new connection with this tuple, entered in the demux table; NULL if
 * memory runs out (nothing is left behind). */
static struct tcp_conn *conn_open(struct tcp_stack *st,
				  const struct tcp_params *p, bool buffers,
				  uint16_t lport, uint32_t raddr,
				  uint16_t rport)
{
	struct tcp_conn *c = conn_new(st, p, buffers);
	if (!c)
		return NULL;
	c->lport = lport;
	c->raddr = raddr;
	c->rport = rport;
	if (hash_add(c) < 0) {
		conn_unlink(c);
		st->depth++;
		leave(st);
		return NULL;
	}
	return c;
}

static inline void post(struct tcp_conn *c, enum tcp_event e)
{
	c->ev_pending |= 1u << e;
}

/* The connection no longer exists: stop its timers and bury it. The
 * application hears TCP_EV_CLOSED when the entry point flushes. */
static void conn_delete(struct tcp_conn *c, enum tcp_end end)
{
	for (int t = 0; t < TCP_NTIMERS; t++)
		timer_stop(c, (enum tcp_timer)t);
	c->end = end;
	c->dead = true;
	c->ack_why = NULL;
	post(c, TCP_EV_CLOSED);
	conn_unlink(c);
}

static void enter_closed(struct tcp_conn *c, enum tcp_end end, const char *why)
{
	set_state(c, TCP_CLOSED, why);
	conn_delete(c, end);
}

static uint32_t choose_iss(struct tcp_stack *st)
{
	return (uint32_t)rng_next(st->rng);
}

/* ---- output ---------------------------------------------------------- */

static const uint8_t *payload(struct tcp_conn *c, uint32_t off, uint32_t len)
{
	struct tcp_buf *b = &c->sb;
	if (len == 0)
		return NULL;
	uint32_t start = (b->head + off) % b->cap;
	if (start + len <= b->cap)
		return b->data + start;
	struct tcp_stack *st = c->st;
	if (st->scratch_cap < len) {
		uint8_t *p = realloc(st->scratch, len);
		if (!p)
			return NULL;
		st->scratch = p;
		st->scratch_cap = len;
	}
	buf_copy(b, off, len, st->scratch);
	return st->scratch;
}

/* Build and hand one segment to the host. ACK, window and MSS option are
 * filled in here so that every segment carries the current values. */
static void xmit(struct tcp_conn *c, uint8_t flags, uint32_t seq,
		 uint32_t len, const char *why, bool rexmit)
{
	struct tcp_seg s = {
		.saddr = c->laddr,
		.daddr = c->raddr,
		.sport = c->lport,
		.dport = c->rport,
		.seq = seq,
		.flags = flags,
		.len = len,
	};
	if (len) {
		s.data = payload(c, seq - c->sb_seq, len);
		if (!s.data)
			return; /* no memory for the copy: as if lost */
	}
	if (flags & TCP_ACK) {
		s.ack = c->rcv_nxt;
		c->ack_why = NULL;
	}
	if (!(flags & TCP_RST))
		s.wnd = (uint16_t)min32(c->rcv_wnd, TCP_MAX_WIN);
	if (flags & TCP_SYN)
		s.mss = (uint16_t)c->our_mss;
	c->st->ops->output(c->st, c, &s, why, rexmit);
}

/* RFC 9293 §3.10.7.1 and the other "send a reset" rules: answer `in`
 * with a RST that the sender will accept. */
static void send_reset_reply(struct tcp_stack *st, struct tcp_conn *c,
			     const struct tcp_seg *in, const char *why)
{
	struct tcp_seg r = {
		.saddr = in->daddr,
		.daddr = in->saddr,
		.sport = in->dport,
		.dport = in->sport,
	};
	if (in->flags & TCP_ACK) {
		r.seq = in->ack;
		r.flags = TCP_RST;
	} else {
		r.seq = 0;
		r.ack = in->seq + tcp_seg_seqlen(in);
		r.flags = TCP_RST | TCP_ACK;
	}
	st->ops->output(st, c, &r, why, false);
}

static void start_rtt(struct tcp_conn *c, uint32_t seq)
{
	c->rtt_timing = true;
	c->rtt_seq = seq;
	c->rtt_start = sim_of(c)->now;
}

static bool may_send_data(enum tcp_state s)
{
	switch (s) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* Send new data, retransmissions after a timeout, and the FIN, as far as
 * the send window (RFC 9293 §3.8.6) and the congestion window (RFC 5681)
 * allow. */
static void output(struct tcp_conn *c)
{
	if (!may_send_data(c->state))
		return;
	for (;;) {
		uint32_t data_end = c->sb_seq + c->sb.len;
		uint32_t unsent = SEQ_LT(c->snd_cur, data_end)
					  ? data_end - c->snd_cur : 0;
		uint32_t flight = c->snd_cur - c->snd_una;
		uint32_t wnd = min32(c->snd_wnd, c->cwnd);
		uint32_t usable = wnd > flight ? wnd - flight : 0;
		uint32_t len = min32(min32(unsent, usable), c->snd_mss);
		bool fin = c->fin_queued && c->snd_cur + len == data_end;
		if (len == 0 && !fin)
			break;
		bool rexmit = SEQ_LT(c->snd_cur, c->snd_nxt);
		/* RFC 896, RFC 1122 §4.2.3.4 (Nagle): while anything is
		 * unacknowledged, hold a short segment until the ACK comes
		 * or a full one can go; a FIN is not held. */
		if (len < c->snd_mss && !fin && !rexmit && !c->p.nodelay &&
		    c->snd_una != c->snd_nxt)
			break;
		uint8_t flags = TCP_ACK;
		if (len && c->snd_cur + len == data_end)
			flags |= TCP_PSH;
		if (fin)
			flags |= TCP_FIN;
		const char *why;
		if (rexmit)
			why = "RFC 6298 §5.4: retransmission timeout — "
			      "resend from the oldest unacknowledged byte";
		else if (fin && len)
			why = "RFC 9293 §3.10.4: CLOSE — last data, with FIN";
		else if (fin)
			why = "RFC 9293 §3.10.4: CLOSE — FIN after all data";
		else
			why = "RFC 9293 §3.8.6: data within the send window";
		xmit(c, flags, c->snd_cur, len, why, rexmit);
		if (!rexmit && !c->rtt_timing)
			start_rtt(c, c->snd_cur);
		c->snd_cur += len + fin;
		if (SEQ_GT(c->snd_cur, c->snd_nxt))
			c->snd_nxt = c->snd_cur;
		/* RFC 6298 (5.1) */
		if (!evq_pending(&c->timer[TCP_T_REXMT]))
			timer_arm(c, TCP_T_REXMT, c->rto);
		if (fin)
			break;
	}
}

static void send_ack(struct tcp_conn *c, const char *why)
{
	xmit(c, TCP_ACK, c->snd_nxt, 0, why, false);
}

static void send_syn(struct tcp_conn *c, bool with_ack, bool rexmit,
		     const char *why)
{
	xmit(c, TCP_SYN | (with_ack ? TCP_ACK : 0), c->iss, 0, why, rexmit);
}

static void owe_ack(struct tcp_conn *c, const char *why)
{
	if (!c->ack_why)
		c->ack_why = why;
}

/* Tell the application, in a fixed order, what this event changed. */
static void deliver_events(struct tcp_conn *c)
{
	static const enum tcp_event order[] = {
		TCP_EV_CONNECTED, TCP_EV_DATA, TCP_EV_EOF, TCP_EV_WRITABLE,
		TCP_EV_CLOSED,
	};
	struct tcp_stack *st = c->st;
	const struct trace *tr = &st->sim->trace;
	while (c->ev_pending) {
		enum tcp_event e = TCP_EV_CLOSED;
		for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
			if (c->ev_pending & (1u << order[i])) {
				e = order[i];
				break;
			}
		c->ev_pending &= ~(1u << e);
		uint64_t arg = 0;
		const char *name = NULL;
		switch (e) {
		case TCP_EV_CONNECTED:
			name = "connected";
			break;
		case TCP_EV_DATA:
			arg = c->ev_data;
			c->ev_data = 0;
			name = "data";
			break;
		case TCP_EV_EOF:
			name = "end-of-stream";
			break;
		case TCP_EV_WRITABLE:
			if (c->dead)
				continue;
			break;
		case TCP_EV_CLOSED:
			arg = c->end;
			name = "closed";
			break;
		}
		/* An embryonic passive connection that never reached the
		 * application dies unseen. */
		if (c->listener && !c->app && e != TCP_EV_CONNECTED)
			continue;
		if (name && trace_on(tr, TR_APP)) {
			struct trace_event ev;
			ev_init(&ev, c, TR_APP);
			ev.a = TR_APP_EVENT;
			ev.name = name;
			ev.v[0] = (int64_t)arg;
			if (e == TCP_EV_CLOSED)
				ev.text = tcp_end_name(c->end);
			trace_emit(tr, &ev);
		}
		st->ops->notify(st, c, e, arg);
	}
}

/* End of an entry point's work on c: send, acknowledge, notify. */
static void flush(struct tcp_conn *c)
{
	if (!c->dead) {
		output(c);
		if (c->ack_why)
			send_ack(c, c->ack_why);
	}
	deliver_events(c);
}

/* ---- RTT and congestion state ---------------------------------------- */

/* RFC 6298 §2: fold a round-trip sample into SRTT, RTTVAR and RTO. */
static void rtt_sample(struct tcp_conn *c, sim_time_t r)
{
	if (!c->have_rtt) {
		c->srtt = r;
		c->rttvar = r / 2;
		c->have_rtt = true;
	} else {
		sim_time_t d = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	sim_time_t rto = c->srtt + 4 * c->rttvar;
	if (rto < c->p.rto_min)
		rto = c->p.rto_min;
	if (rto > c->p.rto_max)
		rto = c->p.rto_max;
	c->rto = rto;
	trace_rto(c);
}

/* RFC 5681 §3.1: initial window from the sender's MSS, unless the
 * profile fixes a number of segments. */
static uint32_t initial_window(const struct tcp_conn *c)
{
	uint32_t smss = c->snd_mss;
	if (c->p.iw)
		return c->p.iw * smss;
	if (smss > 2190)
		return 2 * smss;
	if (smss > 1095)
		return 3 * smss;
	return 4 * smss;
}

/* Our MSS for c: the socket's, no more than the path carries. */
static void set_our_mss(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint32_t path = st->ops->path_mss ? st->ops->path_mss(st, c->raddr) : 0;
	c->our_mss = path && path < c->p.mss ? path : c->p.mss;
}

static void set_snd_mss(struct tcp_conn *c, uint16_t peer_mss)
{
	c->snd_mss = min32(peer_mss ? peer_mss : TCP_DEFAULT_MSS, c->our_mss);
	if (c->snd_mss == 0)
		c->snd_mss = 1;
}

/* RFC 1122 §4.2.3.6: keepalive watches a connection that may sit idle
 * waiting for its peer. */
static bool keepalive_state(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_CLOSE_WAIT ||
	       s == TCP_FIN_WAIT_2;
}

static void keepalive_arm(struct tcp_conn *c)
{
	if (!c->p.keepalive || !keepalive_state(c->state)) {
		timer_stop(c, TCP_T_KEEPALIVE);
		return;
	}
	if (!evq_pending(&c->timer[TCP_T_KEEPALIVE])) {
		sim_time_t due = c->last_rx + c->p.keepidle - sim_of(c)->now;
		timer_arm(c, TCP_T_KEEPALIVE, due > 0 ? due : 0);
	}
}

static void established(struct tcp_conn *c)
{
	c->last_rx = sim_of(c)->now;
	c->probes = 0;
	c->cwnd = initial_window(c);
	trace_cwnd(c);
	/* RFC 6298 (5.7) */
	if (c->syn_rexmitted && !c->have_rtt && c->rto < TCP_RTO_AFTER_SYN_LOSS) {
		c->rto = TCP_RTO_AFTER_SYN_LOSS;
		trace_rto(c);
	}
	c->nrexmt = 0;
	post(c, TCP_EV_CONNECTED);
	keepalive_arm(c);
}

/* RFC 5681 §3.1: grow cwnd for `acked` newly acknowledged bytes. */
static void cwnd_on_ack(struct tcp_conn *c, uint32_t acked)
{
	uint32_t smss = c->snd_mss;
	if (c->cwnd < c->ssthresh)
		c->cwnd += min32(acked, smss);
	else {
		uint32_t inc = (uint32_t)(((uint64_t)smss * smss) / c->cwnd);
		c->cwnd += inc ? inc : 1;
	}
	trace_cwnd(c);
}

static bool fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && c->snd_una == c->sb_seq + c->sb.len + 1;
}

/* ---- segment arrives ------------------------------------------------- */

/* The segment as processing sees it; trimming narrows it to the window. */
struct seg_view {
	uint32_t seq, ack, len;
	uint16_t wnd, up, mss;
	uint8_t flags;
	const uint8_t *data;
};

static struct seg_view view_of(const struct tcp_seg *s)
{
	return (struct seg_view){
		.seq = s->seq, .ack = s->ack, .len = s->len, .wnd = s->wnd,
		.up = s->up, .mss = s->mss, .flags = s->flags, .data = s->data,
	};
}

static uint32_t view_seqlen(const struct seg_view *s)
{
	return s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
}

/* RFC 9293 §3.10.7.4, first check: the four acceptability cases. */
static bool acceptable(const struct tcp_conn *c, const struct seg_view *s)
{
	uint32_t slen = view_seqlen(s);
	uint32_t lo = c->rcv_nxt, hi = c->rcv_nxt + c->rcv_wnd;
	if (slen == 0) {
		if (c->rcv_wnd == 0)
			return s->seq == c->rcv_nxt;
		return SEQ_LEQ(lo, s->seq) && SEQ_LT(s->seq, hi);
	}
	if (c->rcv_wnd == 0)
		return false;
	uint32_t last = s->seq + slen - 1;
	return (SEQ_LEQ(lo, s->seq) && SEQ_LT(s->seq, hi)) ||
	       (SEQ_LEQ(lo, last) && SEQ_LT(last, hi));
}

/* Cut the segment down to the part inside the receive window, so later
 * steps see "the idealized segment that begins at RCV.NXT". */
static void trim(const struct tcp_conn *c, struct seg_view *s)
{
	if (SEQ_LT(s->seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - s->seq;
		if (s->flags & TCP_SYN) {
			s->flags &= (uint8_t)~TCP_SYN;
			s->seq++;
			d--;
		}
		if (d > s->len) {
			/* Everything, FIN included, was seen before. */
			s->flags &= (uint8_t)~TCP_FIN;
			d = s->len;
		}
		if (s->data)
			s->data += d;
		s->len -= d;
		s->seq += d;
	}
	uint32_t right = c->rcv_nxt + c->rcv_wnd;
	if (SEQ_GT(s->seq + s->len, right)) {
		s->len = SEQ_GT(right, s->seq) ? right - s->seq : 0;
		s->flags &= (uint8_t)~TCP_FIN;
	}
}

static void enter_time_wait(struct tcp_conn *c, const char *why)
{
	set_state(c, TCP_TIME_WAIT, why);
	timer_stop(c, TCP_T_REXMT);
	timer_stop(c, TCP_T_KEEPALIVE);
	timer_arm(c, TCP_T_TIMEWAIT, 2 * c->p.msl);
}

/* "Return to LISTEN": the embryonic connection of a passive OPEN goes away
 * and the listening socket is untouched (RFC 9293 §3.10.7.4). */
static void back_to_listen(struct tcp_conn *c, const char *why)
{
	set_state(c, TCP_LISTEN, why);
	conn_delete(c, TCP_END_RESET);
}

/* RFC 9293 §3.10.7.4 fifth step for the synchronized states. Returns false
 * when the segment is to be dropped. */
static bool process_ack(struct tcp_conn *c, const struct seg_view *s)
{
	if (SEQ_GT(s->ack, c->snd_nxt)) {
		owe_ack(c, "RFC 9293 §3.10.7.4 (fifth): ACK of data not yet "
			   "sent — send ACK, drop the segment");
		return false;
	}
	if (SEQ_GT(s->ack, c->snd_una)) {
		if (c->rtt_timing && SEQ_GT(s->ack, c->rtt_seq)) {
			c->rtt_timing = false;
			rtt_sample(c, sim_of(c)->now - c->rtt_start);
		}
		uint32_t ndata = 0;
		if (SEQ_GT(s->ack, c->sb_seq))
			ndata = min32(s->ack - c->sb_seq, c->sb.len);
		buf_consume(&c->sb, ndata);
		c->sb_seq += ndata;
		c->snd_una = s->ack;
		if (SEQ_LT(c->snd_cur, c->snd_una))
			c->snd_cur = c->snd_una;
		c->nrexmt = 0;
		/* RFC 5681 §3.1: cwnd grows with acknowledged data; the
		 * SYN's and FIN's sequence numbers do not count. */
		if (ndata) {
			cwnd_on_ack(c, ndata);
			post(c, TCP_EV_WRITABLE);
		}
		/* RFC 6298 (5.2), (5.3) */
		if (c->snd_una == c->snd_nxt)
			timer_stop(c, TCP_T_REXMT);
		else
			timer_arm(c, TCP_T_REXMT, c->rto);
	}
	/* Send-window update, guarded against old segments by WL1/WL2. */
	if (SEQ_LEQ(c->snd_una, s->ack) &&
	    (SEQ_LT(c->snd_wl1, s->seq) ||
	     (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack)))) {
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
	return true;
}

/* Sixth to eighth steps: urgent pointer, text, FIN. */
static void process_text_fin(struct tcp_conn *c, const struct seg_view *s)
{
	bool receiving = c->state == TCP_ESTABLISHED ||
			 c->state == TCP_FIN_WAIT_1 ||
			 c->state == TCP_FIN_WAIT_2;
	/* sixth: URG — remember the pointer; no urgent-mode interface. */
	if ((s->flags & TCP_URG) && receiving &&
	    SEQ_GT(s->seq + s->up, c->rcv_up))
		c->rcv_up = s->seq + s->up;

	if ((s->len || (s->flags & TCP_FIN)) && s->seq != c->rcv_nxt) {
		owe_ack(c, "RFC 9293 §3.10.7.4 (seventh): segment beyond "
			   "RCV.NXT — not queued, ACK what is expected");
		return;
	}
	/* seventh: segment text */
	if (s->len && receiving && c->rcv_closed) {
		xmit(c, TCP_RST, c->snd_nxt, 0,
		     "RFC 1122 §4.2.2.13: data after the application closed — "
		     "reset to show it was lost", false);
		enter_closed(c, TCP_END_ABORTED, "RFC 1122 §4.2.2.13: data "
						 "arrived after CLOSE — reset");
		return;
	}
	if (s->len) {
		if (receiving) {
			uint32_t n = buf_write(&c->rb, s->data, s->len);
			c->rcv_nxt += n;
			c->rcv_wnd = min32(c->rb.cap - c->rb.len, TCP_MAX_WIN);
			c->ev_data += n;
			post(c, TCP_EV_DATA);
			owe_ack(c, "RFC 9293 §3.10.7.4 (seventh): data "
				   "received — acknowledge it");
			if (n < s->len)
				return; /* the FIN, if any, lies beyond */
		}
		/* CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: a FIN has been
		 * received; text cannot be new, ignore it. */
	}
	/* eighth: FIN */
	if (!(s->flags & TCP_FIN))
		return;
	if (!c->fin_rcvd) {
		c->fin_rcvd = true;
		c->rcv_nxt++;
		post(c, TCP_EV_EOF);
	}
	owe_ack(c, "RFC 9293 §3.10.7.4 (eighth): FIN — acknowledge it");
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		set_state(c, TCP_CLOSE_WAIT,
			  "RFC 9293 §3.10.7.4 (eighth): FIN — the peer has "
			  "finished sending");
		break;
	case TCP_FIN_WAIT_1:
		if (fin_acked(c))
			enter_time_wait(c, "RFC 9293 §3.10.7.4 (eighth): FIN "
					   "and our FIN acknowledged — start "
					   "the 2·MSL timer");
		else
			set_state(c, TCP_CLOSING,
				  "RFC 9293 §3.10.7.4 (eighth): FIN before our "
				  "FIN is acknowledged — simultaneous close");
		break;
	case TCP_FIN_WAIT_2:
		enter_time_wait(c, "RFC 9293 §3.10.7.4 (eighth): FIN in "
				   "FIN-WAIT-2 — start the 2·MSL timer");
		break;
	case TCP_TIME_WAIT:
		timer_arm(c, TCP_T_TIMEWAIT, 2 * c->p.msl);
		break;
	default: /* CLOSE-WAIT, CLOSING, LAST-ACK: remain */
		break;
	}
}

static void input_syn_sent(struct tcp_conn *c, const struct tcp_seg *in,
			   struct seg_view *s)
{
	bool ack_ok = false;
	/* first: check the ACK bit */
	if (s->flags & TCP_ACK) {
		if (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_nxt)) {
			if (s->flags & TCP_RST)
				trace_ignore(c->st, c, in,
					     "RFC 9293 §3.10.7.3: RST whose ACK "
					     "is unacceptable — discard");
			else
				send_reset_reply(c->st, c, in,
						 "RFC 9293 §3.10.7.3 (first): "
						 "ACK acknowledges nothing we "
						 "sent — send RST");
			return;
		}
		ack_ok = true;
	}
	/* second: check the RST bit */
	if (s->flags & TCP_RST) {
		if (ack_ok)
			enter_closed(c, TCP_END_REFUSED,
				     "RFC 9293 §3.10.7.3 (second): RST with an "
				     "acceptable ACK — connection refused");
		else
			trace_ignore(c->st, c, in,
				     "RFC 9293 §3.10.7.3 (second): RST "
				     "without ACK — discard");
		return;
	}
	/* fourth: check the SYN bit */
	if (!(s->flags & TCP_SYN)) {
		trace_ignore(c->st, c, in, "RFC 9293 §3.10.7.3 (fifth): "
					   "neither SYN nor RST — discard");
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	set_snd_mss(c, s->mss);
	if (ack_ok) {
		c->snd_una = s->ack;
		if (c->rtt_timing && SEQ_GT(s->ack, c->rtt_seq)) {
			c->rtt_timing = false;
			rtt_sample(c, sim_of(c)->now - c->rtt_start);
		}
	}
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (SEQ_GT(c->snd_una, c->iss)) {
		timer_stop(c, TCP_T_REXMT);
		set_state(c, TCP_ESTABLISHED,
			  "RFC 9293 §3.10.7.3 (fourth): SYN,ACK acknowledges "
			  "our SYN");
		established(c);
		owe_ack(c, "RFC 9293 §3.10.7.3 (fourth): acknowledge the "
			   "SYN,ACK");
		s->flags &= (uint8_t)~TCP_SYN;
		s->seq++;
		process_text_fin(c, s);
	} else {
		set_state(c, TCP_SYN_RECEIVED,
			  "RFC 9293 §3.10.7.3 (fourth): SYN without ACK — "
			  "simultaneous open");
		send_syn(c, true, false, "RFC 9293 §3.10.7.3 (fourth): "
					 "simultaneous open — send SYN,ACK");
	}
}

static void input_listen(struct tcp_conn *l, const struct tcp_seg *in)
{
	struct tcp_stack *st = l->st;
	if (in->flags & TCP_RST) {
		trace_ignore(st, l, in, "RFC 9293 §3.10.7.2 (first): RST in "
					"LISTEN — discard");
		return;
	}
	if (in->flags & TCP_ACK) {
		send_reset_reply(st, l, in, "RFC 9293 §3.10.7.2 (second): ACK "
					    "in LISTEN — send RST");
		return;
	}
	if (!(in->flags & TCP_SYN)) {
		trace_ignore(st, l, in, "RFC 9293 §3.10.7.2 (fourth): no SYN "
					"in LISTEN — discard");
		return;
	}
	struct tcp_conn *c = conn_open(st, &l->p, true, l->lport, in->saddr,
				       in->sport);
	if (!c) {
		trace_ignore(st, l, in, "out of memory for a new connection");
		return;
	}
	c->listener = l;
	c->state = TCP_LISTEN;
	c->irs = in->seq;
	c->rcv_nxt = in->seq + 1;
	c->iss = choose_iss(st);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_cur = c->iss + 1;
	c->sb_seq = c->iss + 1;
	c->snd_wnd = in->wnd;
	c->snd_wl1 = in->seq;
	c->snd_wl2 = c->iss;
	set_our_mss(c);
	set_snd_mss(c, in->mss);
	set_state(c, TCP_SYN_RECEIVED,
		  "RFC 9293 §3.10.7.2 (third): SYN in LISTEN — new connection");
	send_syn(c, true, false, "RFC 9293 §3.10.7.2 (third): SYN in LISTEN "
				 "— send SYN,ACK");
	start_rtt(c, c->iss);
	timer_arm(c, TCP_T_REXMT, c->rto);
	flush(c);
}

static void input_synchronized(struct tcp_conn *c, const struct tcp_seg *in,
			       struct seg_view *s)
{
	/* Simultaneous open (RFC 9293 §3.5, figure 8, line 6): the peer's
	 * SYN,ACK repeats the SYN we already have. That SYN is a duplicate;
	 * what matters is the ACK, so the SYN is trimmed before the
	 * acceptability test rather than failing it. */
	if (c->state == TCP_SYN_RECEIVED && !c->listener &&
	    (s->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
	    s->seq == c->irs) {
		s->flags &= (uint8_t)~TCP_SYN;
		s->seq++;
	}
	/* first: check sequence number */
	if (!acceptable(c, s)) {
		if (c->state == TCP_TIME_WAIT && (s->flags & TCP_FIN) &&
		    !(s->flags & TCP_RST) && c->fin_rcvd &&
		    s->seq + s->len + 1 == c->rcv_nxt) {
			owe_ack(c, "RFC 9293 §3.10.7.4 (TIME-WAIT): "
				   "retransmitted FIN — ACK it and restart "
				   "the 2·MSL timer");
			timer_arm(c, TCP_T_TIMEWAIT, 2 * c->p.msl);
			return;
		}
		if (s->flags & TCP_RST)
			trace_ignore(c->st, c, in,
				     "RFC 9293 §3.10.7.4 (first): RST outside "
				     "the window — discard");
		else
			owe_ack(c, "RFC 9293 §3.10.7.4 (first): unacceptable "
				   "segment — send ACK, drop it");
		return;
	}
	trim(c, s);

	/* second: check the RST bit (RFC 5961 §3.2 as adopted by RFC 9293) */
	if (s->flags & TCP_RST) {
		if (s->seq != c->rcv_nxt) {
			owe_ack(c, "RFC 9293 §3.10.7.4 (second) / RFC 5961 "
				   "§3.2: RST in the window but not at RCV.NXT "
				   "— challenge ACK");
			return;
		}
		switch (c->state) {
		case TCP_SYN_RECEIVED:
			if (c->listener)
				back_to_listen(c, "RFC 9293 §3.10.7.4 (second): "
						  "RST in SYN-RECEIVED from a "
						  "passive OPEN — return to "
						  "LISTEN");
			else
				enter_closed(c, TCP_END_REFUSED,
					     "RFC 9293 §3.10.7.4 (second): RST "
					     "in SYN-RECEIVED from an active "
					     "OPEN — connection refused");
			return;
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
		case TCP_CLOSE_WAIT:
			enter_closed(c, TCP_END_RESET,
				     "RFC 9293 §3.10.7.4 (second): RST — "
				     "connection reset");
			return;
		default: /* CLOSING, LAST-ACK, TIME-WAIT */
			enter_closed(c, TCP_END_RESET,
				     "RFC 9293 §3.10.7.4 (second): RST while "
				     "closing — delete the TCB");
			return;
		}
	}

	/* third: security and compartment — not modelled */

	/* fourth: check the SYN bit */
	if (s->flags & TCP_SYN) {
		if (c->state == TCP_SYN_RECEIVED && c->listener) {
			back_to_listen(c, "RFC 9293 §3.10.7.4 (fourth): SYN in "
					  "SYN-RECEIVED from a passive OPEN — "
					  "return to LISTEN");
			return;
		}
		owe_ack(c, "RFC 9293 §3.10.7.4 (fourth) / RFC 5961 §4: SYN in "
			   "a synchronized state — challenge ACK");
		return;
	}

	/* fifth: check the ACK field */
	if (!(s->flags & TCP_ACK)) {
		trace_ignore(c->st, c, in, "RFC 9293 §3.10.7.4 (fifth): ACK "
					   "bit off — discard");
		return;
	}
	if (c->state == TCP_SYN_RECEIVED) {
		if (!(SEQ_LT(c->snd_una, s->ack) &&
		      SEQ_LEQ(s->ack, c->snd_nxt))) {
			send_reset_reply(c->st, c, in,
					 "RFC 9293 §3.10.7.4 (fifth): "
					 "unacceptable ACK in SYN-RECEIVED — "
					 "send RST");
			return;
		}
		set_state(c, TCP_ESTABLISHED,
			  "RFC 9293 §3.10.7.4 (fifth): ACK of our SYN in "
			  "SYN-RECEIVED");
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		timer_stop(c, TCP_T_REXMT);
		established(c);
		if (c->fin_queued)
			set_state(c, TCP_FIN_WAIT_1,
				  "RFC 9293 §3.10.4: CLOSE queued in "
				  "SYN-RECEIVED — send FIN now");
	}
	if (!process_ack(c, s))
		return;
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(c))
			set_state(c, TCP_FIN_WAIT_2,
				  "RFC 9293 §3.10.7.4 (fifth): our FIN is "
				  "acknowledged");
		break;
	case TCP_CLOSING:
		if (!fin_acked(c))
			return;
		enter_time_wait(c, "RFC 9293 §3.10.7.4 (fifth): our FIN is "
				   "acknowledged in CLOSING");
		break;
	case TCP_LAST_ACK:
		if (fin_acked(c))
			enter_closed(c, TCP_END_NORMAL,
				     "RFC 9293 §3.10.7.4 (fifth): our FIN is "
				     "acknowledged in LAST-ACK — delete the "
				     "TCB");
		return;
	default:
		break;
	}
	process_text_fin(c, s);
}

/* The connection a segment belongs to, or the listening socket on its
 * port, or NULL. */
static struct tcp_conn *find_conn(struct tcp_stack *st,
				  const struct tcp_seg *seg)
{
	struct tcp_conn *c = hash_find(st, seg->saddr, seg->sport, seg->dport);
	if (c)
		return c;
	return hash_find(st, 0, 0, seg->dport);
}

void tcp_stack_input(struct tcp_stack *st, const struct tcp_seg *seg)
{
	enter(st);
	struct tcp_conn *c = find_conn(st, seg);
	if (!c) {
		/* RFC 9293 §3.10.7.1: no TCB — the state is CLOSED. */
		if (seg->flags & TCP_RST)
			trace_ignore(st, NULL, seg,
				     "RFC 9293 §3.10.7.1: RST for no "
				     "connection — discard");
		else
			send_reset_reply(st, NULL, seg,
					 "RFC 9293 §3.10.7.1: segment for no "
					 "connection — send RST");
	} else if (c->state == TCP_LISTEN) {
		input_listen(c, seg);
	} else {
		struct seg_view s = view_of(seg);
		/* RFC 1122 §4.2.3.6: any segment from the peer shows it is
		 * alive. */
		c->last_rx = st->sim->now;
		c->probes = 0;
		if (c->state == TCP_SYN_SENT)
			input_syn_sent(c, seg, &s);
		else
			input_synchronized(c, seg, &s);
		flush(c);
	}
	leave(st);
}

/* ---- timers fire ----------------------------------------------------- */

static void rexmt_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_REXMT);
	struct tcp_stack *st = c->st;
	enter(st);
	trace_timer(c, TCP_T_REXMT, TR_TIMER_FIRE);
	uint32_t limit = c->state == TCP_SYN_SENT       ? c->p.syn_retries
			 : c->state == TCP_SYN_RECEIVED ? c->p.synack_retries
							: c->p.retries;
	if (c->nrexmt >= limit) {
		enter_closed(c, TCP_END_TIMEOUT,
			     "RFC 9293 §3.8.3 / RFC 1122 §4.2.3.5: "
			     "retransmission limit reached — abort");
		flush(c);
		leave(st);
		return;
	}
	c->nrexmt++;
	/* RFC 6298 (5.5): back off; Karn: no sample from a retransmission. */
	c->rto = c->rto > c->p.rto_max / 2 ? c->p.rto_max : 2 * c->rto;
	c->rtt_timing = false;
	trace_rto(c);
	switch (c->state) {
	case TCP_SYN_SENT:
		c->syn_rexmitted = true;
		send_syn(c, false, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					 "SYN retransmission");
		timer_arm(c, TCP_T_REXMT, c->rto);
		break;
	case TCP_SYN_RECEIVED:
		c->syn_rexmitted = true;
		send_syn(c, true, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					"SYN,ACK retransmission");
		timer_arm(c, TCP_T_REXMT, c->rto);
		break;
	default: {
		/* RFC 5681 (4): the loss window */
		uint32_t flight = c->snd_nxt - c->snd_una;
		uint32_t half = flight / 2;
		c->ssthresh = half > 2 * c->snd_mss ? half : 2 * c->snd_mss;
		c->cwnd = c->snd_mss;
		trace_cwnd(c);
		c->snd_cur = c->snd_una;
		output(c);
		/* Nothing could be resent (the window is closed): keep the
		 * timer running so the retry limit still applies. */
		if (!evq_pending(&c->timer[TCP_T_REXMT]))
			timer_arm(c, TCP_T_REXMT, c->rto);
		break;
	}
	}
	flush(c);
	leave(st);
}

static void timewait_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_TIMEWAIT);
	struct tcp_stack *st = c->st;
	enter(st);
	trace_timer(c, TCP_T_TIMEWAIT, TR_TIMER_FIRE);
	enter_closed(c, TCP_END_NORMAL, "RFC 9293 §3.10.8: time-wait timeout "
					"— delete the TCB");
	flush(c);
	leave(st);
}

static void keepalive_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_KEEPALIVE);
	struct tcp_stack *st = c->st;
	sim_time_t now = st->sim->now;
	enter(st);
	trace_timer(c, TCP_T_KEEPALIVE, TR_TIMER_FIRE);
	if (!c->p.keepalive || !keepalive_state(c->state))
		goto out;
	/* Heard from the peer since: wait the rest of the idle time. Data
	 * in flight: the retransmission timer watches the peer instead. */
	if ((c->probes == 0 && now < c->last_rx + c->p.keepidle) ||
	    c->snd_una != c->snd_nxt) {
		c->probes = 0;
		sim_time_t due = c->last_rx + c->p.keepidle - now;
		timer_arm(c, TCP_T_KEEPALIVE, due > 0 ? due : c->p.keepidle);
		goto out;
	}
	if (c->probes >= c->p.keepcnt) {
		/* As Linux does, tell a peer that may still be there. */
		xmit(c, TCP_RST, c->snd_nxt, 0,
		     "RFC 1122 §4.2.3.6: keepalive probes unanswered — reset",
		     false);
		enter_closed(c, TCP_END_TIMEOUT,
			     "RFC 1122 §4.2.3.6: keepalive probes unanswered — "
			     "the peer is considered dead");
		goto out;
	}
	/* The probe: SEG.SEQ = SND.NXT-1, no data; a live peer finds it
	 * outside its window and answers with an ACK. */
	xmit(c, TCP_ACK, c->snd_nxt - 1, 0,
	     c->probes == 0 ? "RFC 1122 §4.2.3.6: keepalive — idle for the "
			      "keepalive time, probe the peer"
			    : "RFC 1122 §4.2.3.6: keepalive — probe "
			      "unanswered, probe again",
	     false);
	c->probes++;
	timer_arm(c, TCP_T_KEEPALIVE, c->p.keepintvl);
out:
	flush(c);
	leave(st);
}

/* ---- user calls (RFC 9293 §3.10.1–5) --------------------------------- */

int tcp_stack_init(struct tcp_stack *st, struct sim *sim,
		   const struct tcp_stack_ops *ops, void *owner, int host,
		   uint32_t addr, struct rng *rng,
		   const struct tcp_params *defaults)
{
	memset(st, 0, sizeof *st);
	st->sim = sim;
	st->ops = ops;
	st->owner = owner;
	st->host = host;
	st->addr = addr;
	st->rng = rng;
	st->params = *defaults;
	st->next_port = EPHEMERAL_LO;
	return 0;
}

void tcp_stack_fini(struct tcp_stack *st)
{
	struct tcp_conn *c = st->head;
	while (c) {
		struct tcp_conn *n = c->next;
		for (int t = 0; t < TCP_NTIMERS; t++)
			if (evq_pending(&c->timer[t]))
				evq_cancel(&st->sim->q, &c->timer[t]);
		conn_free(c);
		c = n;
	}
	st->head = st->tail = NULL;
	st->depth = 1;
	leave(st);
	free(st->scratch);
	st->scratch = NULL;
	free(st->htab);
	st->htab = NULL;
	st->hmask = st->hcount = 0;
}

struct tcp_conn *tcp_listen(struct tcp_stack *st, uint16_t lport,
			    const struct tcp_params *p)
{
	if (hash_find(st, 0, 0, lport))
		return NULL;
	struct tcp_conn *c = conn_open(st, p ? p : &st->params, false, lport,
				       0, 0);
	if (!c)
		return NULL;
	enter(st);
	set_state(c, TCP_LISTEN, "RFC 9293 §3.10.1: OPEN (passive) — wait "
				 "for a SYN");
	leave(st);
	return c;
}

static bool port_in_use(const struct tcp_stack *st, uint16_t port)
{
	for (const struct tcp_conn *c = st->head; c; c = c->next)
		if (c->lport == port)
			return true;
	return false;
}

struct tcp_conn *tcp_connect(struct tcp_stack *st, uint16_t lport,
			     uint32_t raddr, uint16_t rport,
			     const struct tcp_params *p)
{
	if (lport == 0) {
		for (int tries = 0; tries <= EPHEMERAL_HI - EPHEMERAL_LO; tries++) {
			uint16_t cand = st->next_port;
			st->next_port = cand == EPHEMERAL_HI ? EPHEMERAL_LO
							     : (uint16_t)(cand + 1);
			if (!port_in_use(st, cand)) {
				lport = cand;
				break;
			}
		}
		if (lport == 0)
			return NULL;
	}
	struct tcp_conn *c = conn_open(st, p ? p : &st->params, true, lport,
				       raddr, rport);
	if (!c)
		return NULL;
	enter(st);
	c->iss = choose_iss(st);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_cur = c->iss + 1;
	c->sb_seq = c->iss + 1;
	set_our_mss(c);
	c->snd_mss = c->our_mss;
	set_state(c, TCP_SYN_SENT, "RFC 9293 §3.10.1: OPEN (active) — send "
				   "SYN");
	send_syn(c, false, false, "RFC 9293 §3.10.1: OPEN (active) — send "
				  "SYN");
	start_rtt(c, c->iss);
	timer_arm(c, TCP_T_REXMT, c->rto);
	leave(st);
	return c;
}

uint32_t tcp_send_space(const struct tcp_conn *c)
{
	return c->sb.cap - c->sb.len;
}

long tcp_send(struct tcp_conn *c, const uint8_t *data, uint32_t len)
{
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (c->fin_queued)
			return -1;
		break;
	default:
		return -1; /* "connection closing" / "does not exist" */
	}
	struct tcp_stack *st = c->st;
	enter(st);
	uint32_t n = buf_write(&c->sb, data, len);
	flush(c);
	leave(st);
	return (long)n;
}

uint32_t tcp_read(struct tcp_conn *c, uint8_t *out, uint32_t len)
{
	uint32_t n = min32(len, c->rb.len);
	if (n == 0)
		return 0;
	struct tcp_stack *st = c->st;
	enter(st);
	uint32_t before = c->rcv_wnd;
	if (out)
		buf_copy(&c->rb, 0, n, out);
	buf_consume(&c->rb, n);
	c->rcv_wnd = min32(c->rb.cap - c->rb.len, TCP_MAX_WIN);
	/* The window reopened from below one segment: say so (RFC 9293
	 * §3.8.6.2.2, receiver side of SWS avoidance). */
	if (before < c->snd_mss && c->rcv_wnd >= c->snd_mss &&
	    tcp_synchronized(c->state) && !c->fin_rcvd)
		owe_ack(c, "RFC 9293 §3.8.6.2.2: receive window reopened — "
			   "window update");
	flush(c);
	leave(st);
	return n;
}

int tcp_close(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	int rc = 0;
	enter(st);
	switch (c->state) {
	case TCP_LISTEN:
		enter_closed(c, TCP_END_NORMAL, "RFC 9293 §3.10.4: CLOSE in "
						"LISTEN — delete the TCB");
		break;
	case TCP_SYN_SENT:
		enter_closed(c, TCP_END_ABORTED, "RFC 9293 §3.10.4: CLOSE in "
						 "SYN-SENT — delete the TCB");
		break;
	case TCP_SYN_RECEIVED:
		c->fin_queued = true;
		if (c->sb.len == 0)
			set_state(c, TCP_FIN_WAIT_1,
				  "RFC 9293 §3.10.4: CLOSE in SYN-RECEIVED "
				  "with nothing to send — send FIN");
		break;
	case TCP_ESTABLISHED:
		c->fin_queued = true;
		set_state(c, TCP_FIN_WAIT_1, "RFC 9293 §3.10.4: CLOSE — FIN "
					     "follows the queued data");
		break;
	case TCP_CLOSE_WAIT:
		c->fin_queued = true;
		set_state(c, TCP_LAST_ACK, "RFC 9293 §3.10.4: CLOSE in "
					   "CLOSE-WAIT — FIN follows the "
					   "queued data");
		break;
	default:
		rc = -1; /* "connection closing" */
		break;
	}
	flush(c);
	leave(st);
	return rc;
}

void tcp_abort(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	enter(st);
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		xmit(c, TCP_RST, c->snd_nxt, 0,
		     "RFC 9293 §3.10.5: ABORT — send RST", false);
		enter_closed(c, TCP_END_ABORTED, "RFC 9293 §3.10.5: ABORT");
		break;
	case TCP_CLOSED:
		break;
	default: /* LISTEN, SYN-SENT, CLOSING, LAST-ACK, TIME-WAIT */
		enter_closed(c, TCP_END_ABORTED, "RFC 9293 §3.10.5: ABORT — "
						 "delete the TCB, no RST");
		break;
	}
	flush(c);
	leave(st);
}

void tcp_stack_crash(struct tcp_stack *st, const char *why)
{
	enter(st);
	while (st->head) {
		struct tcp_conn *c = st->head;
		if (c->state != TCP_CLOSED)
			set_state(c, TCP_CLOSED, why);
		conn_delete(c, TCP_END_CRASHED);
		/* The application died too: it hears only that it ended. */
		c->ev_pending = 1u << TCP_EV_CLOSED;
		deliver_events(c);
	}
	st->next_port = EPHEMERAL_LO;
	leave(st);
}

void tcp_options_changed(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	enter(st);
	keepalive_arm(c);
	flush(c); /* Nagle may have been turned off */
	leave(st);
}

void tcp_stop_reading(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	enter(st);
	c->rcv_closed = true;
	if (c->rb.len && !c->dead) {
		xmit(c, TCP_RST, c->snd_nxt, 0,
		     "RFC 1122 §4.2.2.13: CLOSE with data unread — reset to "
		     "show it was lost", false);
		enter_closed(c, TCP_END_ABORTED, "RFC 1122 §4.2.2.13: CLOSE "
						 "with data unread — reset");
	}
	flush(c);
	leave(st);
}
