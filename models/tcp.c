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
 * Beyond the state machine: RFC 6298 retransmission timing, RFC 5681 /
 * RFC 6582 congestion control (NewReno), delayed ACKs, reassembly, the
 * persist timer, Nagle and both sides' SWS avoidance, keepalive (RFC 1122
 * §4.2.3.6), RFC 5961's checks and the named profiles and teaching
 * variants (docs/profiles.md).
 *
 * Not modelled: the urgent-data interface, the security/compartment
 * check (RFC 9293 §3.10.7.4, third), options other than MSS (SACK,
 * window scaling, timestamps), TIME-WAIT reuse by a new SYN (RFC 6191),
 * and a passive OPEN with a specified remote socket (so SEND in LISTEN
 * is the RFC's "remote socket unspecified" error).
 */
#include "models/tcp.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/sim.h"
#include "sim/engine/trace.h"

/* RFC 9293 §3.7.1: the MSS assumed when the peer sends no option. */
#define TCP_DEFAULT_MSS 536
/* RFC 6298 §5.7: RTO after a retransmitted SYN when data begins. */
#define TCP_RTO_AFTER_SYN_LOSS SIM_S(3)
#define TCP_MAX_WIN 65535u
#define EPHEMERAL_LO 49152
#define EPHEMERAL_HI 65535

/* The profiles. Sources and derivations: docs/profiles.md. Every value
 * that differs between them is an argument; the rest are common. */
#define PROFILE(msl_, tw_, rtomin_, rtomax_, syn_, synack_, retries_, iw_, \
		delack_, keepcnt_, backlog_, climit_)                      \
	{                                                                  \
		.msl = msl_, .time_wait = tw_, .rto_initial = SIM_S(1),    \
		.rto_min = rtomin_, .rto_max = rtomax_, .mss = 1460,       \
		.sndbuf = 65536, .rcvbuf = 65535, .iw = iw_,               \
		.syn_retries = syn_, .synack_retries = synack_,            \
		.retries = retries_, .nodelay = false, .keepalive = false, \
		.keepidle = SIM_S(7200), .keepintvl = SIM_S(75),           \
		.keepcnt = keepcnt_, .keepdata = 0, .delack = delack_,     \
		.delack_segs = 2, .backlog = backlog_,                     \
		.challenge_limit = climit_, .challenge_window = SIM_S(5),  \
		.dupthresh = 3,                                            \
		.two_way = false, .no_time_wait = false,                   \
	}

/* RFC 9293 §3.4.2 MSL 2 min, §3.6.1 TIME-WAIT 2*MSL; RFC 6298 RTO 1 s ..
 * 60 s; RFC 1122 4.2.3.5 retries reaching 3 min (SYN) and 100 s (data);
 * RFC 5681 IW; RFC 1122 4.2.3.2 delayed ACK under 0.5 s; RFC 1122 4.2.3.6
 * keepalive 2 h; RFC 5961 §7 at most 10 challenge ACKs per 5 s. */
#define RFC9293 PROFILE(SIM_S(120), 0, SIM_S(1), SIM_S(60), 7, 7, 6, 0, \
			SIM_MS(200), 9, 128, 10)

const struct tcp_params tcp_params_default = RFC9293;

const struct tcp_profile tcp_profiles[] = {
	{"rfc9293", "the RFCs' own numbers", RFC9293},
	{"linux", "Linux's defaults",
	 PROFILE(SIM_S(30), SIM_S(60), SIM_MS(200), SIM_S(120), 6, 5, 15, 10,
		 SIM_MS(40), 9, 4096, 0)},
	{"textbook", "the study notes': keepalive after 2 h, every 75 s, 10 "
		     "probes",
	 PROFILE(SIM_S(120), 0, SIM_S(1), SIM_S(60), 7, 7, 6, 0, SIM_MS(200),
		 10, 128, 10)},
};
const size_t tcp_nprofiles = sizeof tcp_profiles / sizeof tcp_profiles[0];

#define PF(k, t, f, lo, hi) {k, t, offsetof(struct tcp_params, f), lo, hi}
const struct tcp_param_field tcp_param_fields[] = {
	PF("msl", TP_DURATION, msl, 0, 0),
	PF("time-wait", TP_TIME_WAIT, time_wait, 0, 0),
	PF("rto-initial", TP_DURATION, rto_initial, 1, 0),
	PF("rto-min", TP_DURATION, rto_min, 1, 0),
	PF("rto-max", TP_DURATION, rto_max, 1, 0),
	PF("mss", TP_COUNT, mss, 64, 65495),
	PF("sndbuf", TP_SIZE, sndbuf, 1, 1u << 30),
	PF("rcvbuf", TP_SIZE, rcvbuf, 1, 1u << 30),
	PF("iw", TP_COUNT, iw, 0, 1000),
	PF("syn-retries", TP_COUNT, syn_retries, 0, 255),
	PF("synack-retries", TP_COUNT, synack_retries, 0, 255),
	PF("retries", TP_COUNT, retries, 0, 255),
	PF("nodelay", TP_BOOL, nodelay, 0, 1),
	PF("keepalive", TP_BOOL, keepalive, 0, 1),
	PF("keepidle", TP_DURATION, keepidle, 1, 0),
	PF("keepintvl", TP_DURATION, keepintvl, 1, 0),
	PF("keepcnt", TP_COUNT, keepcnt, 1, 255),
	PF("keepdata", TP_COUNT, keepdata, 0, 1),
	PF("delack", TP_DURATION, delack, 0, 0),
	PF("delack-segs", TP_COUNT, delack_segs, 1, 1000),
	PF("backlog", TP_COUNT, backlog, 1, 1000000),
	PF("challenge-ack-limit", TP_COUNT, challenge_limit, 0, 1000000),
	PF("challenge-ack-window", TP_DURATION, challenge_window, 1, 0),
	PF("dupthresh", TP_COUNT, dupthresh, 1, 1000),
	PF("handshake", TP_HANDSHAKE, two_way, 0, 0),
};
const size_t tcp_nparam_fields =
	sizeof tcp_param_fields / sizeof tcp_param_fields[0];

void tcp_params_apply(struct tcp_params *dst, const struct tcp_params *src,
		      uint64_t set)
{
	for (size_t i = 0; i < tcp_nparam_fields; i++) {
		if (!(set & (UINT64_C(1) << i)))
			continue;
		const struct tcp_param_field *f = &tcp_param_fields[i];
		size_t sz;
		switch (f->type) {
		case TP_DURATION:
			sz = sizeof(sim_time_t);
			break;
		case TP_BOOL:
		case TP_HANDSHAKE:
			sz = sizeof(bool);
			break;
		case TP_TIME_WAIT:
			/* the length and the variant travel together */
			dst->time_wait = src->time_wait;
			dst->no_time_wait = src->no_time_wait;
			continue;
		default:
			sz = sizeof(uint32_t);
			break;
		}
		memcpy((char *)dst + f->off, (const char *)src + f->off, sz);
	}
}

const struct tcp_profile *tcp_profile_find(const char *name)
{
	for (size_t i = 0; i < tcp_nprofiles; i++)
		if (strcmp(tcp_profiles[i].name, name) == 0)
			return &tcp_profiles[i];
	return NULL;
}

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

const char *const tcp_timer_names[TCP_NTIMERS] = {
	[TCP_T_REXMT] = "rexmt",       [TCP_T_TIMEWAIT] = "time-wait",
	[TCP_T_KEEPALIVE] = "keepalive", [TCP_T_DELACK] = "delack",
	[TCP_T_PERSIST] = "persist",
};

const char *tcp_timer_name(int t)
{
	return t >= 0 && t < TCP_NTIMERS ? tcp_timer_names[t] : "?";
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

/* Put n bytes at offset off from the head, beyond the buffered part,
 * without counting them as buffered (out-of-order data). */
static void buf_put_at(struct tcp_buf *b, uint32_t off, const uint8_t *d,
		       uint32_t n)
{
	uint32_t pos = (b->head + off) % b->cap;
	uint32_t first = min32(n, b->cap - pos);
	memcpy(b->data + pos, d, first);
	memcpy(b->data, d + first, n - first);
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
	/* the head moves on even when empty: out-of-order data lies beyond */
	b->head = (b->head + n) % b->cap;
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
	/* a listener counts its children in SYN-RECEIVED (its backlog) */
	if (c->listener && c->state == TCP_SYN_RECEIVED &&
	    to != TCP_SYN_RECEIVED)
		c->listener->half_open--;
	if (c->listener && to == TCP_SYN_RECEIVED &&
	    c->state != TCP_SYN_RECEIVED)
		c->listener->half_open++;
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

/* The RFC 6298 variables, and why they changed: `sample` is the round
 * trip just measured when cause is TR_RTO_SAMPLE (a plot of RTT wants the
 * measurement itself, not only what SRTT made of it). */
static void trace_rto(struct tcp_conn *c, enum trace_rto_cause cause,
		      sim_time_t sample)
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
	ev.a = (int)cause;
	ev.v[3] = sample;
	trace_emit(tr, &ev);
}

/* cwnd, ssthresh and the flight size, whenever one of them has changed
 * since the connection last reported them. */
static void trace_cwnd(struct tcp_conn *c)
{
	const struct trace *tr = &sim_of(c)->trace;
	if (!trace_on(tr, TR_VAR))
		return;
	uint32_t flight = c->snd_nxt - c->snd_una;
	if (c->tr_cwnd == c->cwnd && c->tr_ssthresh == c->ssthresh &&
	    c->tr_flight == flight)
		return;
	c->tr_cwnd = c->cwnd;
	c->tr_ssthresh = c->ssthresh;
	c->tr_flight = flight;
	struct trace_event ev;
	ev_init(&ev, c, TR_VAR);
	ev.name = "cwnd";
	ev.v[0] = c->cwnd;
	ev.v[1] = c->ssthresh;
	ev.v[2] = flight;
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
static void delack_fire(struct sim *s, struct evq_timer *e);
static void persist_fire(struct sim *s, struct evq_timer *e);
static void window_probe(struct tcp_conn *c);

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
	sim_give_mem(c->st->sim, c->mem);
	free(c->sb.data);
	free(c->rb.data);
	free(c);
}

static void deliver_events(struct tcp_conn *c);

/* The outermost entry point is done: tell the applications what happened,
 * in the order it happened, then free the connections that ended. An
 * application acting on a notification re-enters the stack; what that
 * causes joins the queue, and is told after, never in the middle of the
 * application's own call. */
static void leave(struct tcp_stack *st)
{
	if (st->depth > 1) {
		st->depth--;
		return;
	}
	while (st->ev_head) {
		struct tcp_conn *c = st->ev_head;
		st->ev_head = c->ev_next;
		if (!st->ev_head)
			st->ev_tail = NULL;
		c->ev_queued = false;
		deliver_events(c);
	}
	st->depth = 0;
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
	/* the scenario's limits (sim.h): a connection, its TCB and its
	 * buffers */
	uint64_t mem = sizeof(struct tcp_conn) +
		       (buffers ? (uint64_t)p->sndbuf + p->rcvbuf : 0);
	if (!sim_take_conn(st->sim) || !sim_take_mem(st->sim, mem))
		return NULL;
	struct tcp_conn *c = calloc(1, sizeof *c);
	if (!c) {
		sim_give_mem(st->sim, mem);
		return NULL;
	}
	c->st = st;
	c->mem = mem;
	c->p = *p;
	if (buffers && (buf_init(&c->sb, p->sndbuf) < 0 ||
			buf_init(&c->rb, p->rcvbuf) < 0)) {
		conn_free(c);
		return NULL;
	}
	c->id = ++st->next_id;
	c->laddr = st->addr;
	c->rto = p->rto_initial;
	c->rcv_wnd = 0; /* nothing advertised yet: see advertise_window */
	c->ssthresh = INT32_MAX;
	evq_timer_init(&c->timer[TCP_T_REXMT], rexmt_fire);
	evq_timer_init(&c->timer[TCP_T_TIMEWAIT], timewait_fire);
	evq_timer_init(&c->timer[TCP_T_KEEPALIVE], keepalive_fire);
	evq_timer_init(&c->timer[TCP_T_DELACK], delack_fire);
	evq_timer_init(&c->timer[TCP_T_PERSIST], persist_fire);
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
	if (c->ev_queued)
		return;
	struct tcp_stack *st = c->st;
	c->ev_queued = true;
	c->ev_next = NULL;
	if (st->ev_tail)
		st->ev_tail->ev_next = c;
	else
		st->ev_head = c;
	st->ev_tail = c;
}

/* The connection no longer exists: stop its timers and bury it. The
 * application hears TCP_EV_CLOSED when the entry point flushes. */
static void conn_delete(struct tcp_conn *c, enum tcp_end end)
{
	for (int t = 0; t < TCP_NTIMERS; t++)
		timer_stop(c, (enum tcp_timer)t);
	if (c->state == TCP_CLOSED && c->listener && c->passive)
		c->listener = NULL; /* set_state has settled its count */
	/* A listening socket goes: its connections live on without it. */
	if (!c->passive && c->raddr == 0)
		for (struct tcp_conn *x = c->st->head; x; x = x->next)
			if (x->listener == c)
				x->listener = NULL;
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

/* The receive window to advertise: the buffer's free space, moved
 * forward only by a worthwhile step (RFC 1122 §4.2.3.3, receiver-side SWS
 * avoidance) and never pulled back (RFC 9293 §3.8.6.2.2). Sets RCV.WND so
 * that RCV.NXT + RCV.WND is the edge advertised. */
static void advertise_window(struct tcp_conn *c)
{
	uint32_t free = min32(c->rb.cap - c->rb.len, TCP_MAX_WIN);
	uint32_t edge = c->rcv_nxt + free;
	uint32_t step = min32(c->rb.cap / 2, c->our_mss);
	/* RCV.BUFF - RCV.USER - RCV.WND >= min(Fr * RCV.BUFF, Eff.snd.MSS)
	 * with Fr = 1/2, or the edge stays where it is */
	if (SEQ_LT(edge, c->rcv_adv) || edge - c->rcv_adv < step)
		edge = c->rcv_adv;
	c->rcv_adv = edge;
	c->rcv_wnd = edge - c->rcv_nxt;
}

/* Build and hand one segment to the host. ACK, window and MSS option are
 * filled in here so that every segment carries the current values. The
 * payload comes from the send buffer at seq, or from `data` if given. */
static void xmit_data(struct tcp_conn *c, uint8_t flags, uint32_t seq,
		      const uint8_t *data, uint32_t len, const char *why,
		      bool rexmit)
{
	struct tcp_seg s = {
		.saddr = c->laddr,
		.daddr = c->raddr,
		.sport = c->lport,
		.dport = c->rport,
		.seq = seq,
		.flags = flags,
		.len = len,
		.data = data,
	};
	if (len && !data) {
		s.data = payload(c, seq - c->sb_seq, len);
		if (!s.data)
			return; /* no memory for the copy: as if lost */
	}
	if (flags & TCP_ACK) {
		s.ack = c->rcv_nxt;
		c->ack_why = NULL;
		c->unacked_segs = 0;
		timer_stop(c, TCP_T_DELACK);
	}
	if (!(flags & TCP_RST)) {
		advertise_window(c);
		s.wnd = (uint16_t)c->rcv_wnd;
	}
	if (flags & TCP_SYN)
		s.mss = (uint16_t)c->our_mss;
	c->st->ops->output(c->st, c, &s, why, rexmit);
}

static void xmit(struct tcp_conn *c, uint8_t flags, uint32_t seq,
		 uint32_t len, const char *why, bool rexmit)
{
	xmit_data(c, flags, seq, NULL, len, why, rexmit);
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
 * allow, holding back small segments by Nagle's rule (RFC 1122 §4.2.3.4)
 * and the sender's SWS avoidance (RFC 9293 §3.8.6.2.1). */
static void output(struct tcp_conn *c)
{
	if (!may_send_data(c->state))
		return;
	bool held = false;
	for (;;) {
		uint32_t data_end = c->sb_seq + c->sb.len;
		uint32_t unsent = SEQ_LT(c->snd_cur, data_end)
					  ? data_end - c->snd_cur : 0;
		uint32_t flight = c->snd_cur - c->snd_una;
		uint32_t wnd = min32(c->snd_wnd, c->cwnd);
		uint32_t usable = wnd > flight ? wnd - flight : 0;
		uint32_t len = min32(min32(unsent, usable), c->snd_mss);
		bool rexmit = SEQ_LT(c->snd_cur, c->snd_nxt);
		/* The FIN follows the last byte, and takes a place in the
		 * window like one (a retransmitted FIN goes regardless). */
		bool fin = c->fin_queued && c->snd_cur + len == data_end &&
			   (usable > len || rexmit);
		if (len == 0 && !fin)
			break;
		if (len < c->snd_mss && !fin && !rexmit) {
			/* Nagle: while anything is unacknowledged, wait for
			 * the ACK or for a full segment */
			if (!c->p.nodelay && c->snd_una != c->snd_nxt)
				break;
			/* SWS: send less than a segment only if it is all
			 * there is, or half the largest window seen */
			if (len < unsent && len < c->max_snd_wnd / 2 &&
			    !c->sws_override) {
				held = true;
				break;
			}
		}
		c->sws_override = false;
		uint8_t flags = TCP_ACK;
		if (len && c->snd_cur + len == data_end)
			flags |= TCP_PSH;
		if (fin)
			flags |= TCP_FIN;
		const char *why;
		if (rexmit && c->resume)
			why = "RFC 9293 §3.8.6.1: the window reopened — send "
			      "again from the probe on";
		else if (rexmit)
			why = "RFC 6298 §5.4: retransmission timeout — "
			      "resend from the oldest unacknowledged byte";
		else if (fin && len)
			why = "RFC 9293 §3.10.4: CLOSE — last data, with FIN";
		else if (fin)
			why = "RFC 9293 §3.10.4: CLOSE — FIN after all data";
		else
			why = "RFC 9293 §3.8.6: data within the send window";
		xmit(c, flags, c->snd_cur, len, why, rexmit);
		c->resume = false;
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
	/* Something waits and nothing in flight will bring an ACK: a zero
	 * window (RFC 9293 §3.8.6.1: probe it) or a small segment held by
	 * SWS avoidance (§3.8.6.2.1: the override timeout). Both run on the
	 * persist timer, first after one RTO. */
	bool waiting = SEQ_LT(c->snd_cur, c->sb_seq + c->sb.len) ||
		       (c->fin_queued &&
			!SEQ_GT(c->snd_nxt, c->sb_seq + c->sb.len));
	if (waiting && (c->snd_wnd == 0 || held) &&
	    c->snd_una == c->snd_nxt &&
	    !evq_pending(&c->timer[TCP_T_PERSIST]))
		timer_arm(c, TCP_T_PERSIST, c->rto);
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

/* An ACK goes out when this event's work is done (unless a segment
 * carries it first). */
static void owe_ack(struct tcp_conn *c, const char *why)
{
	if (!c->ack_why)
		c->ack_why = why;
}

/* In-order data: RFC 1122 §4.2.3.2 and RFC 5681 §4.2 allow the ACK to
 * wait, but not beyond the delayed-ACK time, and not past every second
 * segment. */
static void owe_ack_delayed(struct tcp_conn *c, const char *why)
{
	if (!c->p.delack) {
		owe_ack(c, why);
		return;
	}
	if (++c->unacked_segs >= c->p.delack_segs) {
		owe_ack(c, "RFC 1122 §4.2.3.2 / RFC 5681 §4.2: data received — "
			   "ACK at least every second segment");
		return;
	}
	if (!evq_pending(&c->timer[TCP_T_DELACK]))
		timer_arm(c, TCP_T_DELACK, c->p.delack);
}

/* RFC 5961 §7: a host sends at most challenge_limit challenge ACKs in any
 * challenge_window, counted and limited host-wide (the host's parameters,
 * not the socket's); beyond that the segment is discarded unanswered. */
static void challenge_ack(struct tcp_conn *c, const struct tcp_seg *in,
			  const char *why)
{
	struct tcp_stack *st = c->st;
	sim_time_t now = st->sim->now;
	if (st->params.challenge_limit) {
		if (st->ca_count == 0 ||
		    now >= st->ca_since + st->params.challenge_window) {
			st->ca_since = now;
			st->ca_count = 0;
		}
		if (st->ca_count >= st->params.challenge_limit) {
			trace_ignore(st, c, in, "RFC 5961 §7: challenge ACK "
						"limit reached in this window — "
						"no ACK");
			return;
		}
		st->ca_count++;
	}
	owe_ack(c, why);
}

/* Tell the application one thing, and trace it as what it sees. */
static void deliver(struct tcp_conn *c, enum tcp_event e)
{
	struct tcp_stack *st = c->st;
	const struct trace *tr = &st->sim->trace;
	uint64_t arg = 0;
	const char *name = NULL;
	c->ev_pending &= ~(1u << e);
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
			return;
		break;
	case TCP_EV_CLOSED:
		arg = c->end;
		name = "closed";
		break;
	}
	/* An embryonic passive connection that never reached the
	 * application dies unseen. */
	if (c->passive && !c->app && e != TCP_EV_CONNECTED)
		return;
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

/* Tell the application, in a fixed order, what happened to c. */
static void deliver_events(struct tcp_conn *c)
{
	static const enum tcp_event order[] = {
		TCP_EV_CONNECTED, TCP_EV_DATA, TCP_EV_EOF, TCP_EV_WRITABLE,
		TCP_EV_CLOSED,
	};
	while (c->ev_pending)
		for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
			if (c->ev_pending & (1u << order[i])) {
				deliver(c, order[i]);
				break;
			}
}

/* End of an entry point's work on c: send what may go, and the ACK owed
 * if nothing carried it. The application reads new data first, as a
 * reader waiting in recv() would, so the ACK carries the window its
 * reading opens (and a reply written at once carries the ACK). Other
 * notifications wait for leave(): the handshake's ACK goes before what
 * the application does on "connected", the ACK of a FIN before its
 * close. */
static void flush(struct tcp_conn *c)
{
	if (c->st->depth == 1 && !c->dead &&
	    (c->ev_pending & (1u << TCP_EV_DATA)) &&
	    !(c->ev_pending & (1u << TCP_EV_CONNECTED)))
		deliver(c, TCP_EV_DATA);
	if (!c->dead) {
		output(c);
		if (c->ack_why)
			send_ack(c, c->ack_why);
		/* what sending and acknowledging did to the flight size */
		if (c->cwnd)
			trace_cwnd(c);
	}
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
	trace_rto(c, TR_RTO_SAMPLE, r);
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
	/* RFC 5681 §3.1: after a lost SYN or SYN,ACK the initial window is
	 * one segment */
	c->cwnd = c->syn_rexmitted ? c->snd_mss : initial_window(c);
	trace_cwnd(c);
	/* RFC 6298 (5.7): re-initialised to 3 s when data begins */
	if (c->syn_rexmitted && !c->have_rtt) {
		c->rto = TCP_RTO_AFTER_SYN_LOSS;
		trace_rto(c, TR_RTO_SYN_LOST, 0);
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
		/* RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, and also at the right
		 * edge itself, as the zero-window case is: an empty segment
		 * there holds nothing outside the window. A peer that has
		 * filled our window sends its ACKs from exactly there; refused,
		 * each would draw an ACK that the peer, in the same position,
		 * refuses in turn — an endless exchange. */
		return SEQ_LEQ(lo, s->seq) && SEQ_LEQ(s->seq, hi);
	}
	/* RFC 9293 §3.10.7.4: with a zero window "special allowance should
	 * be made to accept valid ACKs, URGs, and RSTs": a segment at
	 * RCV.NXT is taken, its text and FIN trimmed away. */
	if (c->rcv_wnd == 0)
		return s->seq == c->rcv_nxt;
	uint32_t last = s->seq + slen - 1;
	return (SEQ_LEQ(lo, s->seq) && SEQ_LT(s->seq, hi)) ||
	       (SEQ_LEQ(lo, last) && SEQ_LT(last, hi));
}

/* Cut the segment down to the part inside the receive window, so later
 * steps see "the idealized segment that begins at RCV.NXT". Returns true
 * if something was cut off at the right edge (an ACK is then owed). */
static bool trim(const struct tcp_conn *c, struct seg_view *s)
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
		if (s->flags & TCP_URG) {
			if (s->up > d)
				s->up = (uint16_t)(s->up - d);
			else
				s->flags &= (uint8_t)~TCP_URG;
		}
		s->len -= d;
		s->seq += d;
	}
	/* the FIN, too, needs a place inside the window */
	uint32_t right = c->rcv_nxt + c->rcv_wnd;
	uint32_t end = s->seq + s->len + !!(s->flags & TCP_FIN);
	if (!SEQ_GT(end, right))
		return false;
	if (SEQ_GT(s->seq + s->len, right))
		s->len = SEQ_GT(right, s->seq) ? right - s->seq : 0;
	s->flags &= (uint8_t)~TCP_FIN;
	return true;
}

/* RFC 9293 §3.6.1: TIME-WAIT lasts 2*MSL (a profile may fix it). */
static sim_time_t time_wait_len(const struct tcp_conn *c)
{
	return c->p.time_wait ? c->p.time_wait : 2 * c->p.msl;
}

static void enter_time_wait(struct tcp_conn *c, const char *why)
{
	if (c->p.no_time_wait) {
		/* the peer's FIN is still acknowledged, once */
		if (c->ack_why)
			send_ack(c, c->ack_why);
		enter_closed(c, TCP_END_NORMAL,
			     "teaching variant time-wait: off — the active "
			     "closer goes straight to CLOSED (RFC 9293 §3.6.1 "
			     "says it MUST linger 2·MSL)");
		return;
	}
	set_state(c, TCP_TIME_WAIT, why);
	timer_stop(c, TCP_T_REXMT);
	timer_stop(c, TCP_T_KEEPALIVE);
	timer_stop(c, TCP_T_PERSIST);
	timer_arm(c, TCP_T_TIMEWAIT, time_wait_len(c));
}

/* "Return to LISTEN" (RFC 9293 §3.10.7.4): here the listening socket is a
 * TCB of its own, untouched, so the embryonic connection of the passive
 * OPEN is what goes — to CLOSED, which is what its trace says. */
static void back_to_listen(struct tcp_conn *c, const char *why)
{
	set_state(c, TCP_CLOSED, why);
	conn_delete(c, TCP_END_RESET);
}

/* The first unacknowledged segment again (fast retransmit, partial
 * ACK), with its FIN if it ends the data and the FIN was sent. */
static void resend_first(struct tcp_conn *c, const char *why)
{
	uint32_t data_end = c->sb_seq + c->sb.len;
	/* only what was sent: up to SND.NXT */
	uint32_t sent_end = SEQ_LT(c->snd_nxt, data_end) ? c->snd_nxt
							 : data_end;
	uint32_t len = SEQ_LT(c->snd_una, sent_end)
			       ? min32(sent_end - c->snd_una, c->snd_mss)
			       : 0;
	bool fin = c->fin_queued && c->snd_una + len == data_end &&
		   SEQ_GT(c->snd_nxt, data_end);
	if (!len && !fin)
		return;
	uint8_t flags = TCP_ACK | (fin ? TCP_FIN : 0);
	if (len && c->snd_una + len == data_end)
		flags |= TCP_PSH;
	xmit(c, flags, c->snd_una, len, why, true);
	if (SEQ_LT(c->snd_cur, c->snd_una + len + fin))
		c->snd_cur = c->snd_una + len + fin;
}

/* RFC 5681 §3.2 with RFC 6582 (NewReno): a duplicate ACK. */
static void duplicate_ack(struct tcp_conn *c)
{
	uint32_t smss = c->snd_mss;
	c->dupacks++;
	if (c->in_recovery) {
		/* step 4: each further duplicate inflates the window */
		c->cwnd += smss;
		trace_cwnd(c);
		return;
	}
	if (c->dupacks != c->p.dupthresh)
		return;
	/* RFC 6582 §3.2 step 1: not again for losses of the same window */
	if (!SEQ_GT(c->snd_una, c->recover))
		return;
	uint32_t half = (c->snd_nxt - c->snd_una) / 2;
	c->ssthresh = half > 2 * smss ? half : 2 * smss;
	c->recover = c->snd_nxt - 1;
	c->in_recovery = true;
	c->rtt_timing = false;
	resend_first(c, "RFC 5681 §3.2: duplicate ACKs reached the threshold "
			"— fast retransmit");
	c->cwnd = c->ssthresh + c->p.dupthresh * smss;
	trace_cwnd(c);
}

/* New data acknowledged: leave recovery, or grow the window. */
static void new_ack(struct tcp_conn *c, uint32_t acked, uint32_t ndata)
{
	uint32_t smss = c->snd_mss;
	if (c->in_recovery) {
		if (SEQ_GT(c->snd_una, c->recover)) {
			/* RFC 6582 §3.2 step 3: a full ACK ends recovery */
			uint32_t flight = c->snd_nxt - c->snd_una;
			uint32_t w = (flight > smss ? flight : smss) + smss;
			c->cwnd = w < c->ssthresh ? w : c->ssthresh;
			c->in_recovery = false;
			c->dupacks = 0;
		} else {
			/* step 5: a partial ACK — the next hole is lost too */
			resend_first(c, "RFC 6582 §3.2: partial ACK — "
					"retransmit the next unacknowledged "
					"segment");
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= smss)
				c->cwnd += smss;
			if (c->cwnd < smss)
				c->cwnd = smss;
		}
		trace_cwnd(c);
		return;
	}
	c->dupacks = 0;
	/* RFC 5681 §3.1: cwnd grows with acknowledged data; the SYN's and
	 * FIN's sequence numbers do not count. */
	if (ndata)
		cwnd_on_ack(c, ndata);
}

/* RFC 9293 §3.10.7.4 fifth step for the synchronized states. Returns false
 * when the segment is to be dropped. */
static bool process_ack(struct tcp_conn *c, const struct tcp_seg *in,
			const struct seg_view *s)
{
	if (SEQ_GT(s->ack, c->snd_nxt)) {
		challenge_ack(c, in, "RFC 9293 §3.10.7.4 (fifth): ACK of data "
				     "not yet sent — send ACK, drop the "
				     "segment");
		return false;
	}
	/* RFC 5961 §5.2 (in RFC 9293's fifth step): too old to be real */
	if (SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
		challenge_ack(c, in, "RFC 5961 §5.2: ACK below SND.UNA - "
				     "MAX.SND.WND — send ACK, drop the "
				     "segment");
		return false;
	}
	/* RFC 5681 §2: a duplicate ACK acknowledges nothing new, carries
	 * no data, no SYN or FIN, and leaves the window alone, while data
	 * is outstanding. Against a zero window these are the answers to
	 * window probes, not signs of loss. */
	bool dup = s->ack == c->snd_una && s->len == 0 &&
		   !(s->flags & (TCP_SYN | TCP_FIN)) &&
		   c->snd_una != c->snd_nxt && s->wnd == c->snd_wnd &&
		   s->wnd != 0;
	if (SEQ_GT(s->ack, c->snd_una)) {
		uint32_t acked = s->ack - c->snd_una;
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
		new_ack(c, acked, ndata);
		if (ndata)
			post(c, TCP_EV_WRITABLE);
		/* RFC 6298 (5.2), (5.3) */
		if (c->snd_una == c->snd_nxt)
			timer_stop(c, TCP_T_REXMT);
		else
			timer_arm(c, TCP_T_REXMT, c->rto);
	} else if (dup) {
		duplicate_ack(c);
	}
	/* Send-window update, guarded against old segments by WL1/WL2. A
	 * segment that acknowledges more than the last update did was sent
	 * after it, whatever its sequence number (a retransmission carries
	 * the current ACK and window): its window is taken too, or an old
	 * window would stretch from the new SND.UNA past the right edge the
	 * peer offered. */
	if (SEQ_LEQ(c->snd_una, s->ack) &&
	    (SEQ_LT(c->snd_wl1, s->seq) ||
	     (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack)) ||
	     SEQ_LT(c->snd_wl2, s->ack))) {
		bool opened = c->snd_wnd == 0 && s->wnd > 0;
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
		if (opened && evq_pending(&c->timer[TCP_T_PERSIST])) {
			/* the window reopened: resend from the probe on */
			timer_stop(c, TCP_T_PERSIST);
			c->persist_shift = 0;
			c->snd_cur = c->snd_una;
			c->resume = true;
		}
	}
	return true;
}

/* Out-of-order data goes into the receive ring where it belongs; the
 * ranges say what is there. Returns false if no room to record it. */
static bool queue_out_of_order(struct tcp_conn *c, const struct seg_view *s)
{
	if (s->flags & TCP_FIN) {
		c->ooo_fin = true;
		c->ooo_fin_seq = s->seq + s->len;
	}
	if (!s->len)
		return true;
	uint32_t start = s->seq, end = s->seq + s->len;
	buf_put_at(&c->rb, c->rb.len + (start - c->rcv_nxt), s->data, s->len);
	/* insert [start, end), merging with what it touches */
	uint32_t i = 0;
	while (i < c->nooo && SEQ_LT(c->ooo[i].end, start))
		i++;
	uint32_t j = i;
	while (j < c->nooo && SEQ_LEQ(c->ooo[j].start, end)) {
		if (SEQ_LT(c->ooo[j].start, start))
			start = c->ooo[j].start;
		if (SEQ_GT(c->ooo[j].end, end))
			end = c->ooo[j].end;
		j++;
	}
	uint32_t cap = sizeof c->ooo / sizeof c->ooo[0];
	if (j == i && c->nooo == cap)
		return false;
	memmove(&c->ooo[i + 1], &c->ooo[j], (c->nooo - j) * sizeof c->ooo[0]);
	c->ooo[i] = (struct tcp_range){start, end};
	c->nooo = c->nooo - (j - i) + 1;
	return true;
}

/* RFC 9293 §3.10.7.2-3: text (and FIN) that came with a SYN is queued
 * for processing once ESTABLISHED is reached. */
static void hold_syn_text(struct tcp_conn *c, const struct tcp_seg *in)
{
	if (!in->len && !(in->flags & TCP_FIN))
		return;
	struct seg_view v = {
		.seq = in->seq + 1,
		.len = min32(in->len, c->rb.cap),
		.flags = (uint8_t)(in->flags & TCP_FIN),
		.data = in->data,
	};
	if (v.len < in->len)
		v.flags = 0; /* the FIN lies beyond what fits */
	queue_out_of_order(c, &v);
}

/* After in-order data: take in the queued ranges it reaches. Returns the
 * bytes added. */
static uint32_t absorb_out_of_order(struct tcp_conn *c)
{
	uint32_t added = 0;
	while (c->nooo && SEQ_LEQ(c->ooo[0].start, c->rcv_nxt)) {
		if (SEQ_GT(c->ooo[0].end, c->rcv_nxt)) {
			uint32_t n = c->ooo[0].end - c->rcv_nxt;
			c->rb.len += n;
			c->rcv_nxt += n;
			added += n;
		}
		c->nooo--;
		memmove(&c->ooo[0], &c->ooo[1], c->nooo * sizeof c->ooo[0]);
	}
	return added;
}

/* RFC 9293 §3.10.7.2: on reaching ESTABLISHED, the text held since the
 * SYN (hold_syn_text) is the application's, and is acknowledged. */
static void take_syn_text(struct tcp_conn *c)
{
	uint32_t held = absorb_out_of_order(c);
	if (!held)
		return;
	c->rcv_wnd = c->rcv_adv - c->rcv_nxt;
	c->ev_data += held;
	post(c, TCP_EV_DATA);
	owe_ack(c, "RFC 9293 §3.10.7.2: text that came with the SYN, held "
		   "until ESTABLISHED — acknowledge it");
}

/* Sixth to eighth steps: urgent pointer, text, FIN. */
static void process_text_fin(struct tcp_conn *c, const struct seg_view *s)
{
	bool receiving = c->state == TCP_ESTABLISHED ||
			 c->state == TCP_FIN_WAIT_1 ||
			 c->state == TCP_FIN_WAIT_2;
	/* The segment was trimmed to RCV.NXT (first step), but the ACK of
	 * our SYN that it carries has since taken in the text held from
	 * the peer's SYN (take_syn_text), moving RCV.NXT on: cut what
	 * that text already covered, as the first step would have. */
	struct seg_view cut;
	if (receiving && SEQ_LT(s->seq, c->rcv_nxt) &&
	    (s->len || (s->flags & TCP_FIN))) {
		uint32_t old = c->rcv_nxt - s->seq;
		cut = *s;
		if (old > cut.len) {
			/* a FIN before what is already received is no FIN */
			cut.flags &= (uint8_t)~TCP_FIN;
			old = cut.len;
		}
		cut.seq += old;
		cut.data += old;
		cut.len -= old;
		s = &cut;
	}
	/* sixth: URG — remember the pointer; no urgent-mode interface. */
	if ((s->flags & TCP_URG) && receiving &&
	    SEQ_GT(s->seq + s->up, c->rcv_up))
		c->rcv_up = s->seq + s->up;

	if ((s->len || (s->flags & TCP_FIN)) && s->seq != c->rcv_nxt) {
		if (!receiving) {
			owe_ack(c, "RFC 9293 §3.10.7.4 (seventh): segment beyond "
				   "RCV.NXT — ACK what is expected");
			return;
		}
		if (queue_out_of_order(c, s))
			owe_ack(c, "RFC 9293 §3.10.7.4 (seventh) / RFC 5681 "
				   "§4.2: out-of-order segment — kept; ACK "
				   "what is expected at once");
		else
			owe_ack(c, "RFC 9293 §3.10.7.4 (seventh): out-of-order "
				   "segment — no room to keep it; ACK what is "
				   "expected");
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
	bool fin = (s->flags & TCP_FIN) ||
		   (c->ooo_fin && !c->fin_rcvd && c->rcv_nxt == c->ooo_fin_seq);
	if (s->len) {
		if (receiving) {
			uint32_t n = buf_write(&c->rb, s->data, s->len);
			c->rcv_nxt += n;
			uint32_t filled = absorb_out_of_order(c);
			c->rcv_wnd = c->rcv_adv - c->rcv_nxt;
			c->ev_data += n + filled;
			post(c, TCP_EV_DATA);
			if (filled)
				owe_ack(c, "RFC 5681 §4.2: the segment fills a "
					   "gap — ACK at once");
			else
				owe_ack_delayed(c, "RFC 9293 §3.10.7.4 "
						   "(seventh): data received "
						   "— acknowledge it");
			if (n < s->len)
				return; /* the FIN, if any, lies beyond */
			if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq)
				fin = true; /* a queued FIN is reached */
		}
		/* CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: a FIN has been
		 * received; text cannot be new, ignore it. */
	}
	/* eighth: FIN */
	if (!fin)
		return;
	if (!c->fin_rcvd) {
		c->fin_rcvd = true;
		/* the FIN takes a sequence number but no buffer space:
		 * the window it leaves is the same */
		c->rcv_nxt++;
		c->rcv_adv++;
		/* it ends the stream: text a confused or lying peer sent
		 * beyond it, held out of order, can never be delivered */
		c->nooo = 0;
		c->ooo_fin = false;
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
		timer_arm(c, TCP_T_TIMEWAIT, time_wait_len(c));
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
	c->cwnd = initial_window(c);
	if (ack_ok) {
		c->snd_una = s->ack;
		if (c->rtt_timing && SEQ_GT(s->ack, c->rtt_seq)) {
			c->rtt_timing = false;
			rtt_sample(c, sim_of(c)->now - c->rtt_start);
		}
	}
	c->snd_wnd = c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->rcv_adv = c->rcv_nxt + c->rcv_wnd;
	if (SEQ_GT(c->snd_una, c->iss)) {
		timer_stop(c, TCP_T_REXMT);
		set_state(c, TCP_ESTABLISHED,
			  "RFC 9293 §3.10.7.3 (fourth): SYN,ACK acknowledges "
			  "our SYN");
		established(c);
		/* the two-way variant sends no third segment of its own */
		if (!c->p.two_way)
			owe_ack(c, "RFC 9293 §3.10.7.3 (fourth): acknowledge "
				   "the SYN,ACK");
		s->flags &= (uint8_t)~TCP_SYN;
		s->seq++;
		process_text_fin(c, s);
	} else {
		hold_syn_text(c, in);
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
	if (l->half_open >= l->p.backlog) {
		trace_ignore(st, l, in, "listen backlog full: the SYN is "
					"dropped (as Linux does without SYN "
					"cookies)");
		return;
	}
	struct tcp_conn *c = conn_open(st, &l->p, true, l->lport, in->saddr,
				       in->sport);
	if (!c) {
		trace_ignore(st, l, in, "out of memory for a new connection");
		return;
	}
	c->listener = l;
	c->passive = true;
	c->state = TCP_LISTEN;
	c->irs = in->seq;
	c->rcv_nxt = in->seq + 1;
	c->rcv_adv = c->rcv_nxt; /* no window advertised yet */
	c->rcv_wnd = 0;
	c->iss = choose_iss(st);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_cur = c->iss + 1;
	c->sb_seq = c->iss + 1;
	c->snd_wnd = c->max_snd_wnd = in->wnd;
	c->snd_wl1 = in->seq;
	c->snd_wl2 = c->iss;
	c->recover = c->iss;
	set_our_mss(c);
	set_snd_mss(c, in->mss);
	c->cwnd = initial_window(c);
	hold_syn_text(c, in);
	set_state(c, TCP_SYN_RECEIVED,
		  "RFC 9293 §3.10.7.2 (third): SYN in LISTEN — new connection");
	send_syn(c, true, false, "RFC 9293 §3.10.7.2 (third): SYN in LISTEN "
				 "— send SYN,ACK");
	if (c->p.two_way) {
		/* The variant's one change: the server does not wait for the
		 * ACK of its SYN, it counts it as received. */
		c->snd_una = c->iss + 1;
		set_state(c, TCP_ESTABLISHED,
			  "teaching variant handshake: two-way — established "
			  "once the SYN,ACK is sent (RFC 9293 §3.5 waits for "
			  "the third segment)");
		established(c);
		take_syn_text(c);
		flush(c);
		return;
	}
	start_rtt(c, c->iss);
	timer_arm(c, TCP_T_REXMT, c->rto);
	flush(c);
}

/* RFC 9293 §3.10.7.4: with RCV.WND zero "no segments will be acceptable,
 * but special allowance should be made to accept valid ACKs". A segment at
 * RCV.NXT already is (its text is trimmed away); after a window probe we
 * refused, the peer's SND.NXT is one past RCV.NXT and every segment it
 * sends starts there. Such a segment is taken as an empty one at RCV.NXT:
 * its ACK and window count, its text and FIN wait (an ACK says so). */
static bool zero_window_allowance(struct tcp_conn *c, struct seg_view *s)
{
	if (c->rcv_wnd != 0 || s->seq != c->rcv_nxt + 1 ||
	    (s->flags & (TCP_ACK | TCP_RST | TCP_SYN)) != TCP_ACK)
		return false;
	if (s->len || (s->flags & TCP_FIN))
		owe_ack(c, "RFC 9293 §3.10.7.4 (first): zero window — the "
			   "ACK is taken, the text refused");
	s->seq = c->rcv_nxt;
	s->len = 0;
	s->flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	return true;
}

static void input_synchronized(struct tcp_conn *c, const struct tcp_seg *in,
			       struct seg_view *s)
{
	/* Simultaneous open (RFC 9293 §3.5, figure 8, line 6): the peer's
	 * SYN,ACK repeats the SYN we already have. That SYN is a duplicate;
	 * what matters is the ACK, so the SYN is trimmed before the
	 * acceptability test rather than failing it. */
	if (c->state == TCP_SYN_RECEIVED && !c->passive &&
	    (s->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
	    s->seq == c->irs) {
		s->flags &= (uint8_t)~TCP_SYN;
		s->seq++;
	}
	/* first: check sequence number */
	if (!acceptable(c, s) && !zero_window_allowance(c, s)) {
		if (c->state == TCP_TIME_WAIT && (s->flags & TCP_FIN) &&
		    !(s->flags & TCP_RST) && c->fin_rcvd &&
		    s->seq + s->len + 1 == c->rcv_nxt) {
			owe_ack(c, "RFC 9293 §3.10.7.4 (TIME-WAIT): "
				   "retransmitted FIN — ACK it and restart "
				   "the 2·MSL timer");
			timer_arm(c, TCP_T_TIMEWAIT, time_wait_len(c));
			return;
		}
		if (s->flags & TCP_RST)
			trace_ignore(c->st, c, in,
				     "RFC 9293 §3.10.7.4 (first): RST outside "
				     "the window — discard");
		else if ((s->flags & TCP_SYN) && tcp_synchronized(c->state))
			challenge_ack(c, in, "RFC 9293 §3.10.7.4 / RFC 5961 §4: "
					     "SYN in a synchronized state, "
					     "whatever its sequence number — "
					     "challenge ACK");
		else
			owe_ack(c, "RFC 9293 §3.10.7.4 (first): unacceptable "
				   "segment — send ACK, drop it");
		return;
	}
	uint32_t seq_as_sent = s->seq;
	if (trim(c, s) && !(s->flags & TCP_RST))
		owe_ack(c, "RFC 9293 §3.10.7.4 (first): part of the segment "
			   "lies beyond the window — dropped; ACK with the "
			   "current window");

	/* second: check the RST bit (RFC 5961 §3.2 as adopted by RFC 9293) */
	if (s->flags & TCP_RST) {
		if (seq_as_sent != c->rcv_nxt) {
			challenge_ack(c, in, "RFC 9293 §3.10.7.4 (second) / RFC "
					     "5961 §3.2: RST in the window but "
					     "not at RCV.NXT — challenge ACK");
			return;
		}
		switch (c->state) {
		case TCP_SYN_RECEIVED:
			if (c->passive)
				back_to_listen(c, "RFC 9293 §3.10.7.4 (second): "
						  "RST in SYN-RECEIVED from a "
						  "passive OPEN — return to "
						  "LISTEN (this connection "
						  "is deleted)");
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
			/* "All segment queues should be flushed": what the
			 * application has not read is lost with the rest */
			buf_consume(&c->rb, c->rb.len);
			enter_closed(c, TCP_END_RESET,
				     "RFC 9293 §3.10.7.4 (second): RST — "
				     "connection reset");
			return;
		default: /* CLOSING, LAST-ACK, TIME-WAIT: both FINs are in,
			  * the stream before the peer's is whole and stays
			  * readable */
			enter_closed(c, TCP_END_RESET,
				     "RFC 9293 §3.10.7.4 (second): RST while "
				     "closing — delete the TCB");
			return;
		}
	}

	/* third: security and compartment — not modelled */

	/* fourth: check the SYN bit */
	if (s->flags & TCP_SYN) {
		if (c->state == TCP_SYN_RECEIVED && c->passive) {
			back_to_listen(c, "RFC 9293 §3.10.7.4 (fourth): SYN in "
					  "SYN-RECEIVED from a passive OPEN — "
					  "return to LISTEN (this connection is "
					  "deleted)");
			return;
		}
		challenge_ack(c, in, "RFC 9293 §3.10.7.4 (fourth) / RFC 5961 "
				     "§4: SYN in a synchronized state — "
				     "challenge ACK");
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
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
		timer_stop(c, TCP_T_REXMT);
		established(c);
		take_syn_text(c);
		if (c->fin_queued)
			set_state(c, TCP_FIN_WAIT_1,
				  "RFC 9293 §3.10.4: CLOSE queued in "
				  "SYN-RECEIVED — send FIN now");
	}
	/* A CLOSE in SYN-RECEIVED went on to FIN-WAIT-1 before our SYN
	 * was acknowledged: the text held since the peer's SYN is taken in
	 * when the ACK of ours comes. */
	bool syn_unacked = c->snd_una == c->iss;
	if (!process_ack(c, in, s))
		return;
	if (syn_unacked && c->snd_una != c->iss)
		take_syn_text(c);
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(c)) {
			set_state(c, TCP_FIN_WAIT_2,
				  "RFC 9293 §3.10.7.4 (fifth): our FIN is "
				  "acknowledged");
			keepalive_arm(c);
		}
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
		c->persist_probes = 0;
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
	/* What is at the front of the retransmission queue (RFC 9293
	 * §3.10.8): the SYN while it is unacknowledged — also after a CLOSE
	 * in SYN-RECEIVED moved the connection on to FIN-WAIT-1 — else data
	 * or the FIN. */
	bool syn = c->snd_una == c->iss && c->state != TCP_LISTEN;
	uint32_t limit = c->state == TCP_SYN_SENT ? c->p.syn_retries
			 : syn                    ? c->p.synack_retries
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
	trace_rto(c, TR_RTO_BACKOFF, 0);
	switch (syn ? c->state : TCP_ESTABLISHED) {
	case TCP_SYN_SENT:
		c->syn_rexmitted = true;
		send_syn(c, false, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					 "SYN retransmission");
		timer_arm(c, TCP_T_REXMT, c->rto);
		break;
	case TCP_SYN_RECEIVED:
	case TCP_FIN_WAIT_1:
		c->syn_rexmitted = true;
		send_syn(c, true, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					"SYN,ACK retransmission");
		timer_arm(c, TCP_T_REXMT, c->rto);
		/* a FIN queued behind it goes again too */
		c->snd_cur = c->iss + 1;
		break;
	default: {
		/* RFC 5681 (4): the loss window; RFC 6582 §3.2 step 1 keeps
		 * the duplicate ACKs of this window from a fast retransmit */
		uint32_t flight = c->snd_nxt - c->snd_una;
		uint32_t half = flight / 2;
		c->ssthresh = half > 2 * c->snd_mss ? half : 2 * c->snd_mss;
		c->cwnd = c->snd_mss;
		c->in_recovery = false;
		c->dupacks = 0;
		c->recover = c->snd_nxt - 1;
		trace_cwnd(c);
		c->snd_cur = c->snd_una;
		if (c->snd_wnd == 0) {
			/* RFC 1122 §4.2.2.17: data waits behind a closed
			 * window — probe it on the persist timer, which
			 * keeps going while the peer answers */
			c->nrexmt = 0;
			window_probe(c);
			break;
		}
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
	static const uint8_t garbage = 0;
	xmit_data(c, TCP_ACK, c->snd_nxt - 1, &garbage, c->p.keepdata ? 1 : 0,
		  c->probes == 0 ? "RFC 1122 §4.2.3.6: keepalive — idle for "
				   "the keepalive time, probe the peer"
				 : "RFC 1122 §4.2.3.6: keepalive — probe "
				   "unanswered, probe again",
		  false);
	c->probes++;
	timer_arm(c, TCP_T_KEEPALIVE, c->p.keepintvl);
out:
	flush(c);
	leave(st);
}

static void delack_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_DELACK);
	struct tcp_stack *st = c->st;
	enter(st);
	trace_timer(c, TCP_T_DELACK, TR_TIMER_FIRE);
	owe_ack(c, "RFC 1122 §4.2.3.2: delayed-ACK timer — acknowledge now");
	flush(c);
	leave(st);
}

/* A zero-window probe (RFC 9293 §3.8.6.1): the octet at SND.UNA — new
 * data past the closed window, or the first of those outstanding — or
 * the FIN if that is all that is left; then the persist timer, backing
 * off: the first probe after one RTO, then 2, 4, 8 ... RTOs (RFC 1122
 * §4.2.2.17). */
static void window_probe(struct tcp_conn *c)
{
	uint32_t data_end = c->sb_seq + c->sb.len;
	bool again = SEQ_LT(c->snd_una, c->snd_nxt);
	timer_stop(c, TCP_T_REXMT);
	if (SEQ_LT(c->snd_una, data_end))
		xmit(c, TCP_ACK, c->snd_una, 1,
		     "RFC 9293 §3.8.6.1: zero window — probe with one octet",
		     again);
	else
		xmit(c, TCP_ACK | TCP_FIN, c->snd_una, 0,
		     "RFC 9293 §3.8.6.1: zero window — probe with the FIN",
		     again);
	c->snd_cur = c->snd_una + 1;
	if (SEQ_GT(c->snd_cur, c->snd_nxt))
		c->snd_nxt = c->snd_cur;
	c->persist_probes++;
	c->persist_shift++;
	sim_time_t next = c->rto;
	for (uint32_t i = 0; i < c->persist_shift && next < c->p.rto_max; i++)
		next *= 2;
	if (next > c->p.rto_max)
		next = c->p.rto_max;
	timer_arm(c, TCP_T_PERSIST, next);
}

static void persist_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_PERSIST);
	struct tcp_stack *st = c->st;
	enter(st);
	trace_timer(c, TCP_T_PERSIST, TR_TIMER_FIRE);
	uint32_t data_end = c->sb_seq + c->sb.len;
	/* the FIN waits until acknowledged (a FIN probe is outstanding
	 * without the retransmission timer) */
	bool fin_waits = c->fin_queued && SEQ_LEQ(c->snd_una, data_end);
	if (!may_send_data(c->state) ||
	    (!SEQ_LT(c->snd_una, data_end) && !fin_waits)) {
		c->persist_shift = 0;
		goto out;
	}
	if (c->snd_wnd) {
		/* RFC 9293 §3.8.6.2.1: the SWS override — send what fits */
		c->sws_override = true;
		c->persist_shift = 0;
		goto out; /* flush() sends it */
	}
	/* RFC 1122 §4.2.2.17: keep probing while the receiver answers;
	 * give up when it does not, as with retransmissions. */
	if (c->persist_probes > c->p.retries) {
		enter_closed(c, TCP_END_TIMEOUT,
			     "RFC 1122 §4.2.2.17: zero-window probes "
			     "unanswered — abort");
		goto out;
	}
	window_probe(c);
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
	/* RFC 9293 §3.10.1: "error: connection already exists" */
	if (hash_find(st, raddr, rport, lport))
		return NULL;
	struct tcp_conn *c = conn_open(st, p ? p : &st->params, true, lport,
				       raddr, rport);
	if (!c)
		return NULL;
	enter(st);
	c->iss = choose_iss(st);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_cur = c->iss + 1;
	c->sb_seq = c->iss + 1;
	c->recover = c->iss;
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

uint32_t tcp_unread(const struct tcp_conn *c)
{
	return c->rb.len;
}

uint32_t tcp_read(struct tcp_conn *c, uint8_t *out, uint32_t len)
{
	uint32_t n = min32(len, c->rb.len);
	if (n == 0)
		return 0;
	struct tcp_stack *st = c->st;
	enter(st);
	if (out)
		buf_copy(&c->rb, 0, n, out);
	buf_consume(&c->rb, n);
	/* A window update of its own. RFC 1122 §4.2.3.3: the window opens
	 * by no less than min(half the buffer, one MSS). When to say so
	 * is the implementation's: at once while the peer cannot send a
	 * full segment (what it was offered is under one MSS), otherwise
	 * once the window can move on by two full segments or half the
	 * buffer, as BSD's tcp_output does — so an application reading
	 * each segment as it comes does not ACK every segment, and the
	 * delayed-ACK rules still pace a bulk transfer's ACKs. */
	uint32_t free = min32(c->rb.cap - c->rb.len, TCP_MAX_WIN);
	uint32_t edge = c->rcv_nxt + free;
	uint32_t offered = SEQ_GT(c->rcv_adv, c->rcv_nxt)
				   ? c->rcv_adv - c->rcv_nxt
				   : 0;
	uint32_t step = offered < c->our_mss ? c->our_mss : 2 * c->our_mss;
	if (tcp_synchronized(c->state) && !c->fin_rcvd &&
	    SEQ_GT(edge, c->rcv_adv) &&
	    edge - c->rcv_adv >= min32(c->rb.cap / 2, step))
		owe_ack(c, "RFC 1122 §4.2.3.3: the receive window has opened "
			   "— window update");
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
		/* Its half-open connections have no one to accept them: reset
		 * them, as Linux does. */
		for (struct tcp_conn *x = st->head; x; x = x->next) {
			if (x->listener != c || x->state != TCP_SYN_RECEIVED ||
			    x->dead)
				continue;
			xmit(x, TCP_RST, x->snd_nxt, 0,
			     "the listening socket closed: reset its half-open "
			     "connection", false);
			enter_closed(x, TCP_END_ABORTED,
				     "the listening socket closed");
		}
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
