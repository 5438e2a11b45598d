/* host.c — segments out to links, packets in to the stack. */
#include "models/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/link.h"
#include "models/pkt.h"
#include "sim/engine/sim.h"
#include "sim/engine/trace.h"

/* Trace a segment event as seen by host `who` (the acting host; usually
 * h itself), with `peer` the other end or -1. */
static void trace_seg_as(struct host *h, enum trace_kind k, int who, int peer,
			 const struct pkt *p, int state, int rexmit,
			 const char *why)
{
	const struct trace *tr = &h->sim->trace;
	if (!trace_on(tr, k))
		return;
	struct trace_event ev = {
		.t = h->sim->now,
		.kind = k,
		.host = who,
		.peer = peer,
		.pkt = p->id,
		.seg = &p->seg,
		.a = state,
		.b = rexmit,
		.why = why,
	};
	trace_emit(tr, &ev);
}

/* A segment h sends, and why; for one it forwards (TR_SEND_FORWARDED in
 * `how`), the number it arrived as. */
static void trace_send(struct host *h, int peer, const struct pkt *p,
		       enum trace_tx tx, int how, const char *why,
		       uint64_t was)
{
	const struct trace *tr = &h->sim->trace;
	if (!trace_on(tr, TR_SEND))
		return;
	struct trace_event ev = {
		.t = h->sim->now,
		.kind = TR_SEND,
		.host = h->id,
		.peer = peer,
		.pkt = p->id,
		.seg = &p->seg,
		.a = p->sender_state,
		.b = how,
		.tx = tx,
		.why = why,
	};
	if (how & TR_SEND_FORWARDED) {
		ev.v[0] = (int64_t)was;
		ev.v[1] = p->ttl;
	}
	trace_emit(tr, &ev);
}

static void trace_seg(struct host *h, enum trace_kind k, int peer,
		      const struct pkt *p, int state, int rexmit,
		      const char *why)
{
	trace_seg_as(h, k, h->id, peer, p, state, rexmit, why);
}

/* A packet h cannot send on: no route to its destination. */
static void no_route(struct host *h, struct pkt *p)
{
	if (!h->noroute++) {
		h->noroute_first = h->sim->now;
		h->noroute_dst = p->seg.daddr;
	}
	trace_seg(h, TR_DROP, -1, p, p->sender_state, 0,
		  "no route to the destination address");
	pkt_free(h->pool, p);
}

/* Number, trace and route one outgoing packet: sent by TCP for the
 * reason tx, or crafted by the scenario (TR_SEND_INJECTED in `how`). */
static void send_pkt(struct host *h, struct pkt *p, const char *why,
		     enum trace_tx tx, int how)
{
	p->id = ++h->sim->pkt_seq;
	p->ttl = h->ttl;
	const struct host_route *r = host_route(h, p->seg.daddr);
	trace_send(h, r ? r->dir->to->id : -1, p, tx,
		   how | (tx != TR_TX_NEW ? TR_SEND_REXMIT : 0), why, 0);
	if (!r) {
		no_route(h, p);
		return;
	}
	link_send(h->sim, r->link, r->dir, p);
}

/* A router sends on a packet for another address (RFC 1812 §5.2.1,
 * §5.3.1): one hop less to live, then the route to its destination. */
static void forward(struct host *h, struct pkt *p)
{
	if (p->ttl <= 1) {
		trace_seg(h, TR_DROP, -1, p, p->sender_state, 0,
			  "RFC 1812 §5.3.1: TTL exceeded in transit — the "
			  "router discards it");
		pkt_free(h->pool, p);
		return;
	}
	const struct host_route *r = host_route(h, p->seg.daddr);
	if (!r) {
		no_route(h, p);
		return;
	}
	p->ttl--;
	uint64_t was = p->id;
	p->id = ++h->sim->pkt_seq;
	trace_send(h, r->dir->to->id, p, TR_TX_NEW, TR_SEND_FORWARDED,
		   "RFC 1812 §5.2.1: forwarded toward the destination", was);
	link_send(h->sim, r->link, r->dir, p);
}

static void host_output(struct tcp_stack *st, struct tcp_conn *c,
			const struct tcp_xmit *x)
{
	(void)c;
	struct host *h = tcp_stack_owner(st);
	struct pkt *p = pkt_new(h->pool, &x->seg);
	if (!p) {
		h->sim->nomem = true;
		return;
	}
	p->sender_state = (uint8_t)x->state;
	p->seq_base = x->iss;
	p->ack_base = x->irs;
	send_pkt(h, p, x->why, x->tx, x->challenge ? TR_SEND_CHALLENGE : 0);
}

void host_inject(struct host *h, const struct tcp_seg *seg, const char *why)
{
	struct pkt *p = pkt_new(h->pool, seg);
	if (!p) {
		h->sim->nomem = true;
		return;
	}
	p->sender_state = TCP_CLOSED;
	send_pkt(h, p, why, TR_TX_NEW, TR_SEND_INJECTED);
}

static void host_notify(struct tcp_stack *st, struct tcp_conn *c,
			enum tcp_event ev, uint64_t arg)
{
	struct host *h = tcp_stack_owner(st);
	if (h->notify)
		h->notify(h->notify_ctx, c, ev, arg);
}

void host_set_notify(struct host *h, host_notify_fn fn, void *ctx)
{
	h->notify = fn;
	h->notify_ctx = ctx;
}

static void host_moved(struct tcp_stack *st, struct tcp_conn *c)
{
	struct host *h = tcp_stack_owner(st);
	if (h->moved)
		h->moved(h->notify_ctx, c);
}

void host_set_moved(struct host *h, host_moved_fn moved)
{
	h->moved = moved;
	tcp_stack_set_packing(h->tcp, true);
}

static void deliver(void *ctx, struct pkt *p)
{
	host_receive(ctx, p);
}

static uint32_t host_path_mss(struct tcp_stack *st, uint32_t raddr)
{
	struct host *h = tcp_stack_owner(st);
	const struct host_route *r = host_route(h, raddr);
	if (!r || r->dir->cfg->mtu <= LINK_IP_HEADER + 20)
		return 0;
	return r->dir->cfg->mtu - LINK_IP_HEADER - 20;
}

static const struct tcp_stack_ops host_tcp_ops = {
	.output = host_output,
	.notify = host_notify,
	.path_mss = host_path_mss,
	.moved = host_moved,
};

int host_init(struct host *h, struct sim *sim, int id, const char *name,
	      uint32_t addr, const struct tcp_params *tcp,
	      struct pkt_pool *pool)
{
	char stream[160];
	memset(h, 0, sizeof *h);
	h->id = id;
	h->name = name;
	h->addr = addr;
	h->up = true;
	h->ttl = PKT_DEFAULT_TTL;
	h->sim = sim;
	h->pool = pool;
	h->end = (struct link_end){id, name, pool, deliver, h};
	snprintf(stream, sizeof stream, "host:%s", name);
	rng_derive(&h->rng, sim->seed, stream);
	h->tcp = tcp_stack_new(sim, &host_tcp_ops, h, id, addr, &h->rng, tcp);
	return h->tcp ? 0 : -1;
}

void host_fini(struct host *h)
{
	tcp_stack_free(h->tcp);
	h->tcp = NULL;
	free(h->routes);
	h->routes = NULL;
	h->nroutes = 0;
	route_fib_free(&h->fib);
}

void host_set_router(struct host *h, bool router)
{
	h->router = router;
}

void host_set_statics(struct host *h, const struct route_static *s,
		      size_t n)
{
	h->statics = s;
	h->nstatics = n;
}

int host_add_route(struct host *h, uint32_t addr, struct link *l,
		   struct link_dir *d)
{
	struct host_route *r = realloc(h->routes, (h->nroutes + 1) * sizeof *r);
	if (!r)
		return -1;
	h->routes = r;
	size_t i = h->nroutes++;
	while (i > 0 && r[i - 1].addr > addr) {
		r[i] = r[i - 1];
		i--;
	}
	r[i] = (struct host_route){addr, l, d};
	return 0;
}

static int cmp_route(const void *a, const void *b)
{
	const struct host_route *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The neighbour at addr, or NULL. */
static const struct host_route *neighbour(const struct host *h, uint32_t addr)
{
	struct host_route key = {.addr = addr};
	return h->nroutes ? bsearch(&key, h->routes, h->nroutes,
				    sizeof *h->routes, cmp_route)
			  : NULL;
}

const struct host_route *host_route(const struct host *h, uint32_t addr)
{
	const struct host_route *r = neighbour(h, addr);
	uint32_t via = route_via(h->statics, h->nstatics, &h->fib, r != NULL,
				 addr);
	if (via == addr)
		return r;
	return via ? neighbour(h, via) : NULL;
}

void host_receive(struct host *h, struct pkt *p)
{
	int from = p->dir ? p->dir->from->id : -1;
	if (!h->up) {
		/* Lost on the way in: traced, as every loss is, on the
		 * direction it travelled (sender>receiver). */
		if (from >= 0)
			trace_seg_as(h, TR_DROP, from, h->id, p,
				     p->sender_state, 0,
				     "the destination host is down (crashed)");
		else
			trace_seg(h, TR_DROP, -1, p, -1, 0,
				  "the destination host is down (crashed)");
		pkt_free(h->pool, p);
		return;
	}
	trace_seg(h, TR_RECV, from, p, -1, 0, NULL);
	if (p->seg.daddr != h->addr && h->router) {
		/* a router checks no TCP checksum: a corrupt segment goes
		 * on, and its destination discards it */
		forward(h, p);
		return;
	}
	if (p->corrupt)
		trace_seg(h, TR_IGNORE, -1, p, -1, 0,
			  "RFC 9293 §3.1: the checksum does not verify — "
			  "discard");
	else if (p->seg.daddr != h->addr)
		trace_seg(h, TR_IGNORE, -1, p, -1, 0,
			  "not addressed to this host");
	else
		tcp_stack_input(h->tcp, &p->seg, p->id);
	pkt_free(h->pool, p);
}

static void trace_host(struct host *h, const char *what, const char *why)
{
	const struct trace *tr = &h->sim->trace;
	if (!trace_on(tr, TR_HOST))
		return;
	struct trace_event ev = {
		.t = h->sim->now,
		.kind = TR_HOST,
		.host = h->id,
		.peer = -1,
		.name = what,
		.why = why,
	};
	trace_emit(tr, &ev);
}

void host_crash(struct host *h)
{
	if (!h->up)
		return;
	trace_host(h, "crash", "scripted crash: no FIN, no RST, nothing "
			       "more sent or received");
	h->up = false;
	h->crashes++;
	tcp_stack_crash(h->tcp, "the host crashed: the connection's state "
				 "is lost without a segment sent");
}

void host_reboot(struct host *h)
{
	if (h->up)
		return;
	trace_host(h, "reboot", "scripted reboot: empty connection tables");
	h->up = true;
	h->reboots++;
}
