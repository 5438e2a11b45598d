/* host.c — segments out to links, packets in to the stack. */
#include "host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "link.h"
#include "pkt.h"
#include "sim.h"
#include "trace.h"

static void trace_seg(struct host *h, enum trace_kind k, int peer,
		      const struct pkt *p, int state, int rexmit,
		      const char *why)
{
	const struct trace *tr = &h->sim->trace;
	if (!trace_on(tr, k))
		return;
	struct trace_event ev = {
		.t = h->sim->now,
		.kind = k,
		.host = h->id,
		.peer = peer,
		.pkt = p->id,
		.seg = &p->seg,
		.a = state,
		.b = rexmit,
		.why = why,
	};
	trace_emit(tr, &ev);
}

static void host_output(struct tcp_stack *st, struct tcp_conn *c,
			const struct tcp_seg *seg, const char *why, bool rexmit)
{
	struct host *h = st->owner;
	struct pkt *p = pkt_new(h->pool, seg);
	if (!p) {
		h->sim->nomem = true;
		return;
	}
	p->id = ++h->sim->pkt_seq;
	p->sender_state = (uint8_t)(c ? c->state : TCP_CLOSED);
	struct link_dir *d = host_route(h, seg->daddr);
	trace_seg(h, TR_SEND, d ? d->to->id : -1, p, p->sender_state, rexmit,
		  why);
	if (!d) {
		trace_seg(h, TR_DROP, -1, p, p->sender_state, 0,
			  "no route to the destination address");
		pkt_free(h->pool, p);
		return;
	}
	link_send(h->sim, d, p);
}

static void host_notify(struct tcp_stack *st, struct tcp_conn *c,
			enum tcp_event ev, uint64_t arg)
{
	struct host *h = st->owner;
	if (h->app)
		app_notify(h->app, c, ev, arg);
}

static const struct tcp_stack_ops host_tcp_ops = {
	.output = host_output,
	.notify = host_notify,
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
	h->sim = sim;
	h->pool = pool;
	snprintf(stream, sizeof stream, "host:%s", name);
	rng_derive(&h->rng, sim->seed, stream);
	return tcp_stack_init(&h->tcp, sim, &host_tcp_ops, h, id, addr,
			      &h->rng, tcp);
}

void host_fini(struct host *h)
{
	tcp_stack_fini(&h->tcp);
	free(h->routes);
	h->routes = NULL;
	h->nroutes = 0;
}

int host_add_route(struct host *h, uint32_t addr, struct link_dir *d)
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
	r[i].addr = addr;
	r[i].dir = d;
	return 0;
}

struct link_dir *host_route(const struct host *h, uint32_t addr)
{
	size_t lo = 0, hi = h->nroutes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->routes[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->nroutes && h->routes[lo].addr == addr)
		return h->routes[lo].dir;
	return NULL;
}

void host_receive(struct host *h, struct pkt *p)
{
	trace_seg(h, TR_RECV, p->dir ? p->dir->from->id : -1, p, -1, 0, NULL);
	if (p->seg.daddr == h->addr) {
		h->tcp.in_pkt = p->id;
		tcp_stack_input(&h->tcp, &p->seg);
		h->tcp.in_pkt = 0;
	} else {
		trace_seg(h, TR_IGNORE, -1, p, -1, 0,
			  "not addressed to this host");
	}
	pkt_free(h->pool, p);
}
