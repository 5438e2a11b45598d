/* tcp.c — the TCP model's lifecycle: stacks and connection blocks, the
 * demultiplexing table, the user calls of RFC 9293 §3.10.1–5, and what the
 * application is told.
 *
 * Entry points: a segment arrives (tcp_in.c), a timer fires (tcp_timer.c),
 * or the application calls OPEN / SEND / RECEIVE / CLOSE / ABORT (here).
 * Each entry point does its processing, then flushes: tcp_output() sends
 * what the windows allow, an owed ACK goes out if no segment carried it,
 * and the application is told what happened (connected, data, end of
 * stream, closed). Telling the application last keeps the trace in wire
 * order: the handshake's final ACK goes out before any data the
 * application sends on "connected".
 *
 * A connection that reaches CLOSED is unlinked at once and freed when the
 * outermost entry point returns, so the application may abort or close from
 * inside a notification.
 *
 * Not modelled: the urgent-data interface, the security/compartment
 * check (RFC 9293 §3.10.7.4, third), TIME-WAIT reuse by a new SYN (RFC 6191),
 * and a passive OPEN with a specified remote socket (so SEND in LISTEN
 * is the RFC's "remote socket unspecified" error).
 */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/tcp_priv.h"

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
	[TCP_T_PERSIST] = "persist",   [TCP_T_PTO] = "pto",
	[TCP_T_RACK] = "rack",
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
	case TCP_END_UNREACHABLE:
		return "unreachable";
	}
	return "?";
}

const char *tcp_error_name(enum tcp_error e)
{
	static const char *const names[] = {
		[TCP_ERR_NONE] = "",
		[TCP_ERR_CONNREFUSED] = "ECONNREFUSED",
		[TCP_ERR_HOSTUNREACH] = "EHOSTUNREACH",
		[TCP_ERR_NETUNREACH] = "ENETUNREACH",
		[TCP_ERR_HOSTDOWN] = "EHOSTDOWN",
		[TCP_ERR_NOPROTOOPT] = "ENOPROTOOPT",
		[TCP_ERR_PROTO] = "EPROTO",
		[TCP_ERR_NONET] = "ENONET",
		[TCP_ERR_OPNOTSUPP] = "EOPNOTSUPP",
		[TCP_ERR_MSGSIZE] = "EMSGSIZE",
	};
	return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "";
}

bool tcp_synchronized(enum tcp_state s)
{
	return s >= TCP_ESTABLISHED;
}

/* The transitions a connection may take: the arcs of RFC 9293 §3.3.2's
 * diagram that this model walks, and those its text adds:
 *  - to CLOSED from any state: a RST, an ABORT, a retry or keepalive
 *    limit, a crash; a listener's child "returns to LISTEN" by being
 *    deleted, SYN-RECEIVED -> CLOSED;
 *  - a listener's child is made in LISTEN and moves to SYN-RECEIVED;
 *  - SYN-RECEIVED -> CLOSE-WAIT on a FIN (§3.10.7.4, eighth step);
 *  - SYN-RECEIVED -> ESTABLISHED also as soon as the SYN,ACK is sent, in
 *    the two-way handshake variant;
 *  - FIN-WAIT-1, FIN-WAIT-2 and CLOSING -> CLOSED with time-wait: off.
 * Left out: LISTEN -> SYN-SENT (SEND in LISTEN is an error here, the
 * remote socket being unspecified). A transition outside the table is a
 * bug, caught where it happens rather than in a golden trace later. */
#define TO(s) (1u << TCP_##s)
static const uint16_t legal_next[TCP_NSTATES] = {
	[TCP_CLOSED] = TO(LISTEN) | TO(SYN_SENT),
	[TCP_LISTEN] = TO(SYN_RECEIVED) | TO(CLOSED),
	[TCP_SYN_SENT] = TO(SYN_RECEIVED) | TO(ESTABLISHED) | TO(CLOSED),
	[TCP_SYN_RECEIVED] = TO(ESTABLISHED) | TO(FIN_WAIT_1) |
			     TO(CLOSE_WAIT) | TO(CLOSED),
	[TCP_ESTABLISHED] = TO(FIN_WAIT_1) | TO(CLOSE_WAIT) | TO(CLOSED),
	[TCP_FIN_WAIT_1] = TO(FIN_WAIT_2) | TO(CLOSING) | TO(TIME_WAIT) |
			   TO(CLOSED),
	[TCP_FIN_WAIT_2] = TO(TIME_WAIT) | TO(CLOSED),
	[TCP_CLOSE_WAIT] = TO(LAST_ACK) | TO(CLOSED),
	[TCP_CLOSING] = TO(TIME_WAIT) | TO(CLOSED),
	[TCP_LAST_ACK] = TO(CLOSED),
	[TCP_TIME_WAIT] = TO(CLOSED),
};
#undef TO

bool tcp_transition_known(enum tcp_state from, enum tcp_state to)
{
	return from < TCP_NSTATES && to < TCP_NSTATES &&
	       (legal_next[from] & (1u << to));
}

/* Every state change passes here, and is traced with its rule. */
/* Give back the allocation of a ring that holds nothing (it grows again
 * if bytes come). */
static void buf_release(struct tcp_conn *c, struct tcp_buf *b)
{
	if (b->len || !b->size)
		return;
	sim_give_mem(c->st->sim, b->size);
	c->mem -= b->size;
	free(b->data);
	*b = (struct tcp_buf){.cap = b->cap};
}

void tcp_set_state(struct tcp_conn *c, enum tcp_state to, const char *why)
{
	assert((legal_next[c->state] & (1u << to)) &&
	       "a transition RFC 9293's diagram does not have");
	const struct trace *tr = &sim_of(c)->trace;
	/* a listener counts its children in SYN-RECEIVED (its backlog) */
	if (c->listener && c->state == TCP_SYN_RECEIVED &&
	    to != TCP_SYN_RECEIVED) {
		c->listener->half_open--;
		tcp_touch(c->listener); /* it may be at rest now */
	}
	if (c->listener && to == TCP_SYN_RECEIVED &&
	    c->state != TCP_SYN_RECEIVED)
		c->listener->half_open++;
	tcp_trace_worked(c);
	if (trace_on(tr, TR_STATE)) {
		struct trace_event ev;
		tcp_ev_init(&ev, c, TR_STATE);
		ev.a = (int)c->state;
		ev.b = (int)to;
		ev.why = why;
		trace_emit(tr, &ev);
	}
	c->state = to;
	/* nothing more will be sent (our FIN is acknowledged, or the
	 * connection is gone) or received (the peer's FIN has come, with
	 * nothing out of order before it): a drained ring is given back, so
	 * that thousands of connections in TIME-WAIT hold no buffers */
	if (to == TCP_FIN_WAIT_2 || to == TCP_TIME_WAIT || to == TCP_CLOSED) {
		buf_release(c, &c->sb);
		/* and the ring of segments in flight, if none is left */
		tcp_sent_release(c);
	}
	if ((to == TCP_CLOSE_WAIT || to == TCP_TIME_WAIT || to == TCP_CLOSED) &&
	    !c->nooo)
		buf_release(c, &c->rb);
}

void tcp_enter(struct tcp_stack *st)
{
	st->depth++;
}

void *tcp_mem_grow(struct tcp_conn *c, void *old, size_t size, uint64_t more)
{
	struct sim *sim = sim_of(c);
	if (!sim_take_mem(sim, more))
		return NULL;
	void *p = realloc(old, size);
	if (!p) {
		sim_give_mem(sim, more);
		sim->nomem = true;
		return NULL;
	}
	c->mem += more;
	return p;
}

/* The smallest allocation of a buffer that holds anything. */
#define TCP_BUF_FIRST 4096

uint32_t tcp_buf_reserve(struct tcp_conn *c, struct tcp_buf *b,
			 uint32_t upto)
{
	if (upto > b->cap)
		upto = b->cap;
	if (upto <= b->size)
		return b->size;
	uint64_t size = b->size ? 2 * (uint64_t)b->size : TCP_BUF_FIRST;
	while (size < upto)
		size *= 2;
	if (size > b->cap)
		size = b->cap;
	uint8_t *d = tcp_mem_grow(c, NULL, size, size - b->size);
	if (!d)
		return b->size;
	/* laid out afresh from the head: every offset keeps its bytes */
	tcp_buf_copy(b, 0, b->size, d);
	free(b->data);
	b->data = d;
	b->size = (uint32_t)size;
	b->head = 0;
	return b->size;
}

/* Bytes [soff, soff + n) of src (zeros if there is no src) at offset off
 * of b, which holds bytes and has room for them. */
static void put_stream(struct tcp_buf *b, uint32_t off,
		       const struct tcp_src *src, uint64_t soff, uint32_t n)
{
	uint8_t tmp[4096];
	for (uint32_t done = 0; done < n;) {
		uint32_t k = min32(n - done, sizeof tmp);
		if (src)
			src->fill(src, soff + done, k, tmp);
		else
			memset(tmp, 0, k);
		tcp_buf_put_at(b, off + done, tmp, k);
		done += k;
	}
}

bool tcp_buf_unref(struct tcp_conn *c, struct tcp_buf *b)
{
	const struct tcp_src *src = b->src;
	if (!src)
		return true;
	b->src = NULL;
	if (tcp_buf_reserve(c, b, b->hi) < b->hi) {
		b->src = src;
		return false;
	}
	/* gaps between out-of-order ranges too: harmless, they are
	 * written again when their data comes */
	put_stream(b, 0, src, b->src_off, b->hi);
	return true;
}

uint32_t tcp_buf_put(struct tcp_conn *c, struct tcp_buf *b, uint32_t off,
		     const uint8_t *d, const struct tcp_src *src, uint64_t soff,
		     uint32_t n)
{
	/* never past the buffer's size, whatever holds it */
	n = min32(n, b->cap > off ? b->cap - off : 0);
	if (!n)
		return 0;
	bool empty = b->len == 0 && b->hi == 0;
	if (!d && src) {
		/* an empty buffer becomes a window on this stream, if the
		 * stretch lies at least `off` into it */
		if (empty && soff >= off) {
			b->src = src;
			b->src_off = soff - off;
		}
		if (b->src == src && b->src_off + off == soff)
			goto done;
	} else if (b->src && empty) {
		b->src = NULL; /* bytes from here on */
	}
	if (!tcp_buf_unref(c, b))
		return 0;
	uint32_t room = tcp_buf_reserve(c, b, off + n);
	if (room <= off)
		return 0;
	n = min32(n, room - off);
	if (d)
		tcp_buf_put_at(b, off, d, n);
	else
		put_stream(b, off, src, soff, n);
done:
	if (b->hi < off + n)
		b->hi = off + n;
	return n;
}

/* FreeBSD's tcp_mss: once the MSS is known, a buffer larger than one
 * segment is rounded up to a whole number of them (65536 bytes become
 * 45 · 1460 = 65700). The MSS here is the one segments are cut to before
 * options take their share. */
void tcp_round_buffers_freebsd(struct tcp_conn *c)
{
	uint32_t mss = bsd_maxseg(c);
	uint32_t size[2] = {c->p->sndbuf, c->p->rcvbuf};
	struct tcp_buf *buf[2] = {&c->sb, &c->rb};
	bool changed = false;
	for (int i = 0; i < 2; i++) {
		uint32_t n = size[i];
		if (n <= mss || n % mss == 0)
			continue;
		uint32_t up = n + (mss - n % mss);
		if (up - n < c->p->mss) {
			tcp_buf_grow(buf[i], up - n);
			size[i] = up;
			changed = true;
		}
	}
	struct tcp_params *mp = changed ? tcp_params_mut(c) : NULL;
	if (mp) {
		mp->sndbuf = size[0];
		mp->rcvbuf = size[1];
	}
}

static struct tcp_pshared *pshared_of(const struct tcp_params *p)
{
	return (struct tcp_pshared *)(uintptr_t)p;
}

static struct tcp_pshared *pshared_new(const struct tcp_params *p)
{
	struct tcp_pshared *s = malloc(sizeof *s);
	if (s) {
		memcpy(&s->p, p, sizeof s->p); /* padding too: see
						  tcp_stack_share_params */
		s->refs = 1;
	}
	return s;
}

static void pshared_drop(struct tcp_pshared *s)
{
	if (s && --s->refs == 0)
		free(s);
}

struct tcp_params *tcp_params_mut(struct tcp_conn *c)
{
	struct tcp_pshared *s = pshared_of(c->p);
	if (s->refs > 1) {
		struct tcp_pshared *n = pshared_new(&s->p);
		if (!n) {
			sim_of(c)->nomem = true;
			return NULL;
		}
		pshared_drop(s);
		s = n;
		c->p = &s->p;
	}
	return &s->p;
}

/* Free c, whole or packed (what it holds read from a copy). */
static void conn_free(struct tcp_conn *c)
{
	struct tcp_conn tmp;
	/* c itself, or the copy of a record: its own either way */
	struct tcp_conn *b = (struct tcp_conn *)tcp_view(c, &tmp);
	pshared_drop(pshared_of(c->p));
	if (c->counted)
		sim_give_conn(c->st->sim);
	sim_give_mem(c->st->sim, c->mem);
	tcp_rack_free(b);
	free(b->sent);
	free(b->ooo);
	free(b->score);
	free(b->sb.data);
	free(b->rb.data);
	free(c);
}

/* The outermost entry point is done: tell the applications what happened,
 * in the order it happened, then free the connections that ended. An
 * application acting on a notification re-enters the stack; what that
 * causes joins the queue, and is told after, never in the middle of the
 * application's own call. */
static void deliver_events(struct tcp_conn *c);

void tcp_leave(struct tcp_stack *st)
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
	if (st->nworked)
		tcp_trace_report(st);
	if (st->packing)
		tcp_pack_touched(st);
	while (st->graveyard) {
		struct tcp_conn *c = st->graveyard;
		st->graveyard = c->next;
		conn_free(c);
	}
}

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
	uint32_t n = st->hmask ? 2 * (st->hmask + 1) : 8;
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

void tcp_conn_moved(struct tcp_conn *from, struct tcp_conn *to)
{
	struct tcp_stack *st = to->st;
	if (to->prev)
		to->prev->next = to;
	else
		st->head = to;
	if (to->next)
		to->next->prev = to;
	else
		st->tail = to;
	uint32_t b = tuple_hash(to->raddr, to->rport, to->lport) & st->hmask;
	for (struct tcp_conn **pp = &st->htab[b]; *pp; pp = &(*pp)->hnext)
		if (*pp == from) {
			*pp = to;
			break;
		}
	/* a listening socket: its connections point at it */
	if (to->state == TCP_LISTEN)
		for (struct tcp_conn *x = st->head; x; x = x->next)
			if (x->listener == from)
				x->listener = to;
	if (to->app && st->ops->moved)
		st->ops->moved(st, to);
}

struct tcp_conn *tcp_hash_find(const struct tcp_stack *st, uint32_t raddr,
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
	return tcp_hash_find(st, raddr, rport, lport);
}

static struct tcp_conn *conn_new(struct tcp_stack *st,
				 const struct tcp_params *p, bool share,
				 bool buffers, bool counted)
{
	/* the scenario's limits (sim.h): a connection (counted at the end
	 * that opened it), its TCB and its buffers */
	/* RFC 7323 §2.3: the shift is chosen by the largest receive buffer
	 * the connection may have — `auto`: the least that carries it */
	uint8_t ws = p->wscale == TCP_WSCALE_OFF ? 0 : p->wscale;
	if (p->wscale == TCP_WSCALE_AUTO)
		for (ws = 0; ws < TCP_MAX_WSCALE &&
			     ((uint64_t)TCP_MAX_WIN << ws) < p->rcvbuf;
		     ws++)
			;
	/* a scaled window is offered rounded up to its unit (RFC 7323
	 * §2.4, as Linux and FreeBSD do): the buffer holds that much more
	 * than the window it offers at most */
	uint32_t slack = ws ? (1u << ws) - 1 : 0;
	/* the buffers are charged as they grow (tcp_buf_reserve); FreeBSD's
	 * rounding up to whole segments later only raises their caps */
	uint64_t mem = sizeof(struct tcp_conn);
	if (counted && !sim_take_conn(st->sim))
		return NULL;
	if (!sim_take_mem(st->sim, mem)) {
		if (counted)
			sim_give_conn(st->sim);
		return NULL;
	}
	struct tcp_pshared *ps = NULL;
	if (share) {
		ps = pshared_of(p);
		ps->refs++;
	} else if (p == &st->defaults->p) {
		ps = st->defaults;
		ps->refs++;
	} else {
		ps = pshared_new(p);
	}
	struct tcp_conn *c = ps ? calloc(1, sizeof *c) : NULL;
	if (!c) {
		pshared_drop(ps);
		sim_give_mem(st->sim, mem);
		if (counted)
			sim_give_conn(st->sim);
		return NULL;
	}
	c->st = st;
	c->mem = mem;
	c->counted = counted;
	c->p = &ps->p;
	if (buffers) {
		tcp_buf_init(&c->sb, p->sndbuf);
		tcp_buf_init(&c->rb, p->rcvbuf + slack);
	}
	c->id = ++st->next_id;
	c->laddr = st->addr;
	c->rto = p->rto_initial;
	if (p->tick) /* whole jiffies (tcp_ticks_ceil, without a TCB yet) */
		c->rto = (c->rto + p->tick - 1) / p->tick * p->tick;
	c->rcv_wnd = 0; /* nothing advertised yet: see advertise_window */
	c->ws_offer = ws;
	c->reo_wnd_mult = 1;
	/* RFC 7323 §5.4 / RFC 9293's advice on ISNs: each connection's
	 * timestamp clock starts at a random offset (drawn only when the
	 * option may be used, so runs without it draw as before) */
	if (p->timestamps)
		c->ts_off = (uint32_t)rng_next(st->rng);
	c->lx_rcv_mss = TCP_DEFAULT_MSS; /* until tcp_ack_init guesses */
	c->ssthresh = INT32_MAX;
	tcp_timers_init(c);
	c->prev = st->tail;
	if (st->tail)
		st->tail->next = c;
	else
		st->head = c;
	st->tail = c;
	return c;
}

/* The entry of `port` in the table of ports in use, made if new; NULL
 * if memory runs out. The table is at most three quarters full. */
static struct tcp_port_ref *port_ref(struct tcp_stack *st, uint16_t port,
				     bool make)
{
	if (make &&
	    (!st->ports || 4 * (st->pcount + 1) > 3 * (st->pmask + 1))) {
		uint32_t size = st->ports ? 2 * (st->pmask + 1) : 4;
		struct tcp_port_ref *t = calloc(size, sizeof *t);
		if (!t)
			return NULL;
		for (uint32_t i = 0; st->ports && i <= st->pmask; i++) {
			if (!st->ports[i].used)
				continue;
			uint32_t j = (st->ports[i].port * 40503u) & (size - 1);
			while (t[j].used)
				j = (j + 1) & (size - 1);
			t[j] = st->ports[i];
		}
		free(st->ports);
		st->ports = t;
		st->pmask = size - 1;
	}
	if (!st->ports)
		return NULL;
	uint32_t j = (port * 40503u) & st->pmask;
	while (st->ports[j].used && st->ports[j].port != port)
		j = (j + 1) & st->pmask;
	if (!st->ports[j].used) {
		if (!make)
			return NULL;
		st->ports[j] = (struct tcp_port_ref){port, true, 0};
		st->pcount++;
	}
	return &st->ports[j];
}

static void conn_unlink(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	tcp_pack_forget(c);
	hash_del(c);
	struct tcp_port_ref *r = port_ref(st, c->lport, false);
	if (r && r->n)
		r->n--;
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
struct tcp_conn *tcp_conn_open(struct tcp_stack *st,
				  const struct tcp_params *p, bool share,
				  bool buffers, bool counted, uint16_t lport,
				  uint32_t raddr, uint16_t rport)
{
	struct tcp_conn *c = conn_new(st, p, share, buffers, counted);
	if (!c)
		return NULL;
	c->lport = lport;
	c->raddr = raddr;
	c->rport = rport;
	struct tcp_port_ref *r = port_ref(st, lport, true);
	if (r)
		r->n++;
	else
		c->lport = 0; /* counted nowhere: nothing to take back */
	if (!r || hash_add(c) < 0) {
		conn_unlink(c);
		st->depth++;
		tcp_leave(st);
		return NULL;
	}
	return c;
}

void tcp_post(struct tcp_conn *c, enum tcp_event e)
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
void tcp_conn_delete(struct tcp_conn *c, enum tcp_end end)
{
	for (int t = 0; t < TCP_NTIMERS; t++)
		tcp_timer_stop(c, (enum tcp_timer)t);
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
	tcp_post(c, TCP_EV_CLOSED);
	conn_unlink(c);
}

void tcp_enter_closed(struct tcp_conn *c, enum tcp_end end, const char *why)
{
	tcp_set_state(c, TCP_CLOSED, why);
	tcp_conn_delete(c, end);
}

uint32_t tcp_choose_iss(struct tcp_stack *st)
{
	return (uint32_t)rng_next(st->rng);
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
		tcp_ev_init(&ev, c, TR_APP);
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
 * notifications wait for tcp_leave(): the handshake's ACK goes before what
 * the application does on "connected", the ACK of a FIN before its
 * close. */
void tcp_flush(struct tcp_conn *c)
{
	/* Linux answers a segment before the application runs: what the
	 * windows let go, then the ACK now or its delay (tcp_rcv_established:
	 * tcp_data_snd_check, tcp_ack_snd_check); what reading changes comes
	 * after (tcp_cleanup_rbuf). */
	if (c->p->rules == TCP_RULES_LINUX && !c->dead && c->lx_check) {
		tcp_output(c);
		tcp_ack_check(c);
		if (c->ack_why)
			tcp_send_ack(c, c->ack_why);
	}
	if (c->st->depth == 1 && !c->dead &&
	    (c->ev_pending & (1u << TCP_EV_DATA)) &&
	    !(c->ev_pending & (1u << TCP_EV_CONNECTED)))
		deliver(c, TCP_EV_DATA);
	if (!c->dead) {
		tcp_output(c);
		if (c->ack_why)
			tcp_send_ack(c, c->ack_why);
		/* what sending and acknowledging did to the flight size */
		if (c->cwnd)
			tcp_trace_cwnd(c);
		/* RFC 9293 §3.3.1: SND.UNA =< SND.NXT, and what output()
		 * sends next lies between them */
		assert(SEQ_LEQ(c->snd_una, c->snd_cur) &&
		       SEQ_LEQ(c->snd_cur, c->snd_nxt));
	}
}

struct tcp_stack *tcp_stack_new(struct sim *sim,
				const struct tcp_stack_ops *ops, void *owner,
				int host, uint32_t addr, struct rng *rng,
				const struct tcp_params *defaults)
{
	struct tcp_stack *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->defaults = pshared_new(defaults);
	if (!st->defaults) {
		free(st);
		return NULL;
	}
	st->sim = sim;
	st->ops = ops;
	st->owner = owner;
	st->host = host;
	st->addr = addr;
	st->rng = rng;
	st->next_port = TCP_EPHEMERAL_LO;
	return st;
}

void tcp_stack_free(struct tcp_stack *st)
{
	if (!st)
		return;
	/* freed below: nothing more to pack (its sim may be gone) or
	 * report */
	st->packing = false;
	st->nworked = 0;
	st->touched = st->rest_head = st->rest_tail = NULL;
	struct tcp_conn *c = st->head;
	while (c) {
		struct tcp_conn *n = c->next;
		if (c->packed)
			evq_cancel(&st->sim->q, &c->park);
		else
			for (int t = 0; t < TCP_NTIMERS; t++)
				if (evq_pending(&c->timer[t]))
					evq_cancel(&st->sim->q, &c->timer[t]);
		conn_free(c);
		c = n;
	}
	st->head = st->tail = NULL;
	st->depth = 1;
	tcp_leave(st);
	free(st->scratch);
	free(st->worked);
	st->scratch = NULL;
	free(st->htab);
	free(st->ports);
	pshared_drop(st->defaults);
	tcp_pack_stack_free(st);
	free(st);
}

void *tcp_stack_owner(const struct tcp_stack *st)
{
	return st->owner;
}

const struct tcp_params *tcp_stack_params(const struct tcp_stack *st)
{
	return &st->defaults->p;
}

void tcp_stack_share_params(struct tcp_stack *st, const struct tcp_stack *like)
{
	if (st->defaults == like->defaults ||
	    memcmp(&st->defaults->p, &like->defaults->p,
		   sizeof st->defaults->p) != 0)
		return;
	pshared_drop(st->defaults);
	st->defaults = like->defaults;
	st->defaults->refs++;
}

void tcp_stack_set_params(struct tcp_stack *st, const struct tcp_params *p)
{
	struct tcp_pshared *n = pshared_new(p);
	if (!n) {
		st->sim->nomem = true;
		return;
	}
	/* the sockets opened with the old keep them */
	pshared_drop(st->defaults);
	st->defaults = n;
}

struct tcp_conn *tcp_stack_first(const struct tcp_stack *st)
{
	return st->head;
}

struct tcp_conn *tcp_conn_next(const struct tcp_conn *c)
{
	return c->next;
}

struct tcp_conn *tcp_listen(struct tcp_stack *st, uint16_t lport,
			    const struct tcp_params *p)
{
	if (tcp_hash_find(st, 0, 0, lport))
		return NULL;
	struct tcp_conn *c = tcp_conn_open(st, p ? p : &st->defaults->p,
					   false, false, true, lport, 0, 0);
	if (!c)
		return NULL;
	tcp_enter(st);
	tcp_set_state(c, TCP_LISTEN, "RFC 9293 §3.10.1: OPEN (passive) — wait "
				 "for a SYN");
	tcp_leave(st);
	return c;
}

/* Does a connection of the list (listening, open, or in TIME-WAIT)
 * hold the local port? */
static bool port_in_use(struct tcp_stack *st, uint16_t port)
{
	const struct tcp_port_ref *r = port_ref(st, port, false);
	return r && r->n;
}

struct tcp_conn *tcp_connect(struct tcp_stack *st, uint16_t lport,
			     uint32_t raddr, uint16_t rport,
			     const struct tcp_params *p)
{
	if (lport == 0) {
		for (int tries = 0; tries <= TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO; tries++) {
			uint16_t cand = st->next_port;
			st->next_port = cand == TCP_EPHEMERAL_HI ? TCP_EPHEMERAL_LO
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
	if (tcp_hash_find(st, raddr, rport, lport))
		return NULL;
	struct tcp_conn *c = tcp_conn_open(st, p ? p : &st->defaults->p,
					   false, true, true, lport, raddr, rport);
	if (!c)
		return NULL;
	tcp_enter(st);
	c->iss = tcp_choose_iss(st);
	tcp_sent_init(c);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_cur = c->iss + 1;
	c->sb_seq = c->iss + 1;
	c->recover = c->iss;
	tcp_set_our_mss(c);
	c->snd_mss = c->our_mss;
	tcp_set_state(c, TCP_SYN_SENT, "RFC 9293 §3.10.1: OPEN (active) — send "
				   "SYN");
	tcp_send_syn(c, false, false, "RFC 9293 §3.10.1: OPEN (active) — send "
				  "SYN");
	tcp_start_rtt(c, c->iss);
	tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
	/* FreeBSD's keepinit runs on the keepalive timer (TT_KEEP) */
	if (c->p->keepinit)
		tcp_timer_arm(c, TCP_T_KEEPALIVE, c->p->keepinit);
	tcp_leave(st);
	return c;
}

uint32_t tcp_send_space(const struct tcp_conn *c)
{
	struct tcp_conn tmp;
	c = tcp_view(c, &tmp);
	return c->sb.cap - c->sb.len;
}

static long send_any(struct tcp_conn *c, const uint8_t *data,
		     const struct tcp_src *src, uint64_t off, uint32_t len)
{
	struct tcp_conn tmp;
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (tcp_view(c, &tmp)->fin_queued)
			return -1;
		break;
	default:
		return -1; /* "connection closing" / "does not exist" */
	}
	if (!(c = tcp_use(c)))
		return -1; /* out of memory: the run ends */
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	uint32_t n = tcp_buf_append(c, &c->sb, data, src, off, len);
	tcp_flush(c);
	tcp_leave(st);
	return (long)n;
}

long tcp_send(struct tcp_conn *c, const uint8_t *data, uint32_t len)
{
	return send_any(c, data, NULL, 0, len);
}

long tcp_send_ref(struct tcp_conn *c, const struct tcp_src *src,
		  uint64_t off, uint32_t len)
{
	return send_any(c, NULL, src, off, len);
}

bool tcp_unread_is_ref(const struct tcp_conn *c)
{
	struct tcp_conn tmp;
	return tcp_view(c, &tmp)->rb.src != NULL;
}

uint32_t tcp_unread(const struct tcp_conn *c)
{
	struct tcp_conn tmp;
	return tcp_view(c, &tmp)->rb.len;
}

/* rules: freebsd — tcp_output sends a window update of its own when the
 * window can grow (as scaled, it must show) by two segments and a
 * quarter of the buffer, or by two segments where the buffer is small
 * (eight segments or less) or the window was down to an eighth of it,
 * or by half the buffer whatever the segment. */
static bool window_update_freebsd(const struct tcp_conn *c, uint32_t offered)
{
	uint32_t win = tcp_window_freebsd(c), cap = tcp_win_cap(c);
	if (win > cap)
		win = cap;
	if (win == 0)
		return false;
	uint32_t adv = win > offered ? win - offered : 0;
	if (offered >> c->rcv_wscale >= (adv + offered) >> c->rcv_wscale)
		return false;
	uint64_t seg = bsd_maxseg(c), hiwat = c->p->rcvbuf;
	if (adv >= 2 * seg &&
	    (adv >= hiwat / 4 || win <= hiwat / 8 || hiwat <= 8 * seg ||
	     adv >= cap))
		return true;
	return 2 * (uint64_t)adv >= hiwat;
}

uint32_t tcp_read(struct tcp_conn *c, uint8_t *out, uint32_t len)
{
	return tcp_read_ref(c, out, len, NULL, NULL);
}

uint32_t tcp_read_ref(struct tcp_conn *c, uint8_t *out, uint32_t len,
		      const struct tcp_src **src, uint64_t *off)
{
	struct tcp_conn tmp;
	if (src)
		*src = NULL;
	/* nothing to read: a packed connection stays packed */
	if (!len || !tcp_view(c, &tmp)->rb.len || !(c = tcp_use(c)))
		return 0;
	uint32_t n = min32(len, c->rb.len);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	if (src && c->rb.src) {
		*src = c->rb.src;
		*off = c->rb.src_off;
	} else if (out) {
		tcp_buf_copy(&c->rb, 0, n, out);
	}
	tcp_buf_consume(&c->rb, n);
	/* A window update of its own. RFC 1122 §4.2.3.3: the window opens
	 * by no less than min(half the buffer, one MSS). When to say so
	 * is the implementation's: at once while the peer cannot send a
	 * full segment (what it was offered is under one MSS), otherwise
	 * once the window can move on by two full segments or half the
	 * buffer, as BSD's tcp_output does — so an application reading
	 * each segment as it comes does not ACK every segment, and the
	 * delayed-ACK rules still pace a bulk transfer's ACKs. */
	if (c->p->rules == TCP_RULES_LINUX) {
		if (tcp_synchronized(c->state))
			tcp_ack_read(c, n);
		tcp_flush(c);
		tcp_leave(st);
		return n;
	}
	uint32_t offered = SEQ_GT(c->rcv_adv, c->rcv_nxt)
				   ? c->rcv_adv - c->rcv_nxt
				   : 0;
	if (c->p->rules == TCP_RULES_FREEBSD) {
		if (tcp_synchronized(c->state) && !c->fin_rcvd &&
		    !evq_pending(&c->timer[TCP_T_DELACK]) &&
		    window_update_freebsd(c, offered))
			tcp_owe_ack(c, "FreeBSD tcp_output: the receive window "
				       "has opened enough — window update");
		tcp_flush(c);
		tcp_leave(st);
		return n;
	}
	uint32_t edge = c->rcv_nxt + tcp_free_window(c);
	uint32_t step = offered < c->our_mss ? c->our_mss : 2 * c->our_mss;
	if (tcp_synchronized(c->state) && !c->fin_rcvd &&
	    SEQ_GT(edge, c->rcv_adv) &&
	    edge - c->rcv_adv >= min32(c->p->rcvbuf / 2, step))
		tcp_owe_ack(c, "RFC 1122 §4.2.3.3: the receive window has opened "
			   "— window update");
	tcp_flush(c);
	tcp_leave(st);
	return n;
}

int tcp_close(struct tcp_conn *c)
{
	if (!(c = tcp_use(c)))
		return -1;
	struct tcp_stack *st = c->st;
	int rc = 0;
	tcp_enter(st);
	switch (c->state) {
	case TCP_LISTEN:
		/* Its half-open connections have no one to accept them: reset
		 * them, as Linux does. */
		for (struct tcp_conn *x = st->head; x; x = x->next) {
			if (x->listener != c || x->state != TCP_SYN_RECEIVED ||
			    x->dead)
				continue;
			tcp_xmit(x, TCP_RST, x->snd_nxt, 0,
			     "the listening socket closed: reset its half-open "
			     "connection", TR_TX_NEW);
			tcp_enter_closed(x, TCP_END_ABORTED,
				     "the listening socket closed");
		}
		tcp_enter_closed(c, TCP_END_NORMAL, "RFC 9293 §3.10.4: CLOSE in "
						"LISTEN — delete the TCB");
		break;
	case TCP_SYN_SENT:
		tcp_enter_closed(c, TCP_END_ABORTED, "RFC 9293 §3.10.4: CLOSE in "
						 "SYN-SENT — delete the TCB");
		break;
	case TCP_SYN_RECEIVED:
		c->fin_queued = true;
		if (c->sb.len == 0)
			tcp_set_state(c, TCP_FIN_WAIT_1,
				  "RFC 9293 §3.10.4: CLOSE in SYN-RECEIVED "
				  "with nothing to send — send FIN");
		break;
	case TCP_ESTABLISHED:
		c->fin_queued = true;
		tcp_set_state(c, TCP_FIN_WAIT_1, "RFC 9293 §3.10.4: CLOSE — FIN "
					     "follows the queued data");
		break;
	case TCP_CLOSE_WAIT:
		c->fin_queued = true;
		tcp_set_state(c, TCP_LAST_ACK, "RFC 9293 §3.10.4: CLOSE in "
					   "CLOSE-WAIT — FIN follows the "
					   "queued data");
		break;
	default:
		rc = -1; /* "connection closing" */
		break;
	}
	tcp_flush(c);
	tcp_leave(st);
	return rc;
}

void tcp_abort(struct tcp_conn *c)
{
	if (!(c = tcp_use(c)))
		return;
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		tcp_send_active_reset(c, "RFC 9293 §3.10.5: ABORT — send RST");
		tcp_enter_closed(c, TCP_END_ABORTED, "RFC 9293 §3.10.5: ABORT");
		break;
	case TCP_CLOSED:
		break;
	default: /* LISTEN, SYN-SENT, CLOSING, LAST-ACK, TIME-WAIT */
		tcp_enter_closed(c, TCP_END_ABORTED, "RFC 9293 §3.10.5: ABORT — "
						 "delete the TCB, no RST");
		break;
	}
	tcp_flush(c);
	tcp_leave(st);
}

void tcp_stack_crash(struct tcp_stack *st, const char *why)
{
	tcp_enter(st);
	for (struct tcp_conn *x = st->head, *n; x; x = n) {
		n = x->next;
		/* one that cannot be unpacked (memory is out: the run ends
		 * with this event) is left as it is */
		struct tcp_conn *c = tcp_live(x);
		if (!c)
			continue;
		if (c->state != TCP_CLOSED)
			tcp_set_state(c, TCP_CLOSED, why);
		tcp_conn_delete(c, TCP_END_CRASHED);
		/* The application died too: it hears only that it ended. */
		c->ev_pending = 1u << TCP_EV_CLOSED;
	}
	st->next_port = TCP_EPHEMERAL_LO;
	tcp_leave(st);
}

void tcp_setsockopt(struct tcp_conn *c, const struct tcp_params *src,
		    uint64_t set)
{
	if (!(c = tcp_use(c)))
		return;
	struct tcp_stack *st = c->st;
	struct tcp_params *mp = tcp_params_mut(c);
	if (!mp)
		return;
	tcp_params_apply(mp, src, set);
	tcp_enter(st);
	tcp_keepalive_arm(c);
	tcp_flush(c); /* Nagle may have been turned off */
	tcp_leave(st);
}

void tcp_stop_reading(struct tcp_conn *c)
{
	if (!(c = tcp_use(c)))
		return;
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	if (!c->rcv_closed)
		c->orphan_at = st->sim->now + (c->p->linger > 0 ? c->p->linger : 0);
	c->rcv_closed = true;
	if (!c->dead)
		tcp_fin_wait_2_arm(c);
	if (c->rb.len && !c->dead) {
		tcp_send_active_reset(c, "RFC 1122 §4.2.2.13: CLOSE with data "
					 "unread — reset to show it was lost");
		tcp_enter_closed(c, TCP_END_ABORTED, "RFC 1122 §4.2.2.13: CLOSE "
						 "with data unread — reset");
	}
	tcp_flush(c);
	tcp_leave(st);
}

/* ---- accessors -------------------------------------------------------- */

enum tcp_state tcp_conn_state(const struct tcp_conn *c)
{
	return c->state;
}

uint32_t tcp_conn_id(const struct tcp_conn *c)
{
	return c->id;
}

const struct tcp_params *tcp_conn_params(const struct tcp_conn *c)
{
	return c->p;
}

struct tcp_conn *tcp_conn_listener(const struct tcp_conn *c)
{
	return c->listener;
}

bool tcp_conn_fin_queued(const struct tcp_conn *c)
{
	struct tcp_conn tmp;
	return tcp_view(c, &tmp)->fin_queued;
}

bool tcp_conn_packed(const struct tcp_conn *c)
{
	return c->packed;
}

void *tcp_conn_app(const struct tcp_conn *c)
{
	return c->app;
}

void tcp_conn_set_app(struct tcp_conn *c, void *app)
{
	c->app = app;
}

void tcp_conn_info(const struct tcp_conn *c, struct tcp_conn_info *out)
{
	struct tcp_conn tmp;
	c = tcp_view(c, &tmp);
	uint32_t data_end = c->sb_seq + c->sb.len;
	*out = (struct tcp_conn_info){
		.id = c->id,
		.state = c->state,
		.end = c->end,
		.err = c->err ? c->err
		       : c->end == TCP_END_TIMEOUT ? c->soft_err
						   : TCP_ERR_NONE,
		.soft_err = c->soft_err,
		.ecn_ok = c->ecn_ok,
		.laddr = c->laddr,
		.raddr = c->raddr,
		.lport = c->lport,
		.rport = c->rport,
		.passive = c->passive,
		.iss = c->iss,
		.irs = c->irs,
		.snd_una = c->snd_una,
		.snd_nxt = c->snd_nxt,
		.snd_wnd = c->snd_wnd,
		.snd_mss = c->snd_mss,
		.rcv_nxt = c->rcv_nxt,
		.rcv_wnd = c->rcv_wnd,
		.cwnd = c->cwnd,
		.ssthresh = c->ssthresh,
		.srtt = c->srtt,
		.rttvar = c->rttvar,
		.rto = c->rto,
		.unread = c->rb.len,
		.unsent = SEQ_LT(c->snd_nxt, data_end) ? data_end - c->snd_nxt
						       : 0,
		.half_open = c->half_open,
		.fin_queued = c->fin_queued,
		.fin_rcvd = c->fin_rcvd,
		.ts_ok = c->ts_ok,
		.sack_ok = c->sack_ok,
		.ws_ok = c->ws_ok,
	};
}

sim_time_t tcp_conn_timer(const struct tcp_conn *c, enum tcp_timer t)
{
	struct tcp_conn tmp;
	c = tcp_view(c, &tmp);
	return evq_pending(&c->timer[t]) ? c->timer[t].when : -1;
}
