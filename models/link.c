/* link.c — delay and independent random loss per direction. */
#include "link.h"

#include <stddef.h>
#include <stdio.h>

#include "host.h"
#include "pkt.h"
#include "sim.h"
#include "trace.h"

static void dir_init(struct link_dir *d, uint64_t seed, struct host *from,
		     struct host *to, const struct link_cfg *cfg)
{
	char name[160];
	snprintf(name, sizeof name, "link:%s>%s", from->name, to->name);
	d->cfg = *cfg;
	d->from = from;
	d->to = to;
	rng_derive(&d->rng, seed, name);
	d->sent = d->lost = 0;
}

void link_init(struct link *l, uint64_t seed, struct host *a, struct host *b,
	       const struct link_cfg *ab, const struct link_cfg *ba)
{
	dir_init(&l->dir[0], seed, a, b, ab);
	dir_init(&l->dir[1], seed, b, a, ba);
}

static void arrive(struct sim *sim, struct evq_timer *e)
{
	(void)sim;
	struct pkt *p = (struct pkt *)(void *)((char *)e - offsetof(struct pkt, ev));
	host_receive(p->dir->to, p);
}

static void drop(struct sim *sim, struct link_dir *d, struct pkt *p,
		 const char *why)
{
	const struct trace *tr = &sim->trace;
	d->lost++;
	if (trace_on(tr, TR_DROP)) {
		struct trace_event ev = {
			.t = sim->now,
			.kind = TR_DROP,
			.host = d->from->id,
			.peer = d->to->id,
			.pkt = p->id,
			.seg = &p->seg,
			.why = why,
		};
		trace_emit(tr, &ev);
	}
	pkt_free(d->from->pool, p);
}

void link_send(struct sim *sim, struct link_dir *d, struct pkt *p)
{
	d->sent++;
	if (rng_chance(&d->rng, d->cfg.loss_ppb)) {
		drop(sim, d, p, "random loss");
		return;
	}
	p->dir = d;
	p->ev.fn = arrive;
	sim_after(sim, &p->ev, d->cfg.delay);
}
