/* world.c — build hosts, links and applications from a scenario, and run. */
#include "sim/run/world.h"

#include <stdlib.h>
#include <string.h>

static void emit_run(struct world *w, const char *what, const char *why)
{
	const struct trace *tr = &w->sim.trace;
	if (!trace_on(tr, TR_RUN))
		return;
	struct trace_event ev = {
		.t = w->sim.now,
		.kind = TR_RUN,
		.host = -1,
		.peer = -1,
		.name = what,
		.why = why,
	};
	ev.v[0] = (int64_t)w->sim.events;
	ev.v[1] = (int64_t)evq_size(&w->sim.q);
	trace_emit(tr, &ev);
}

/* The stack of a host tells its application. */
static void to_app(void *ctx, struct tcp_conn *c, enum tcp_event ev,
		   uint64_t arg)
{
	app_notify(ctx, c, ev, arg);
}

static void to_app_moved(void *ctx, struct tcp_conn *c)
{
	app_conn_moved(ctx, c);
}

static const char *state_name(int s)
{
	return tcp_state_name(s);
}

/* Every host's automatic routes, over the directions that are up now. */
static int compute_routes(struct world *w)
{
	for (size_t i = 0; i < w->nlinks; i++)
		for (int d = 0; d < 2; d++)
			w->up[2 * i + (size_t)d] = !w->links[i].dir[d].down;
	if (scn_routes_compute(w->scn, w->up, w->fibs) < 0)
		return -1;
	for (size_t i = 0; i < w->nhosts; i++) {
		route_fib_free(&w->hosts[i].fib);
		w->hosts[i].fib = w->fibs[i];
		w->fibs[i] = (struct route_fib){0};
	}
	return 0;
}

static void reroute(struct sim *sim, struct evq_timer *t)
{
	struct world *w = (struct world *)(void *)((char *)t -
		offsetof(struct world, reroute));
	if (compute_routes(w) < 0) {
		sim->nomem = true;
		return;
	}
	emit_run(w, "routes", "links-changed");
}

/* A link went down or came up: routes follow after `converge`. */
static void link_changed(void *ctx, struct link *l)
{
	(void)l;
	struct world *w = ctx;
	if (!evq_pending(&w->reroute))
		sim_at(&w->sim, &w->reroute, w->sim.now + w->scn->converge);
}

/* The rules every link applies: the scenario's faults, then the
 * options'. */
static int make_faults(struct world *w, const struct scenario *scn,
		       const struct world_opts *opts)
{
	size_t extra = opts ? opts->nfaults : 0, n = scn->nfaults + extra;
	if (!n)
		return 0;
	w->fault_rules = calloc(n, sizeof *w->fault_rules);
	w->faults.st = calloc(n, sizeof *w->faults.st);
	if (!w->fault_rules || !w->faults.st)
		return -1;
	if (scn->nfaults)
		memcpy(w->fault_rules, scn->faults,
		       scn->nfaults * sizeof *w->fault_rules);
	if (extra)
		memcpy(w->fault_rules + scn->nfaults, opts->faults,
		       extra * sizeof *w->fault_rules);
	w->faults.r = w->fault_rules;
	w->faults.n = n;
	return 0;
}

int world_build(struct world *w, const struct scenario *scn,
		const struct world_opts *opts)
{
	memset(w, 0, sizeof *w);
	w->scn = scn;
	uint64_t seed = opts && opts->has_seed ? opts->seed : scn->seed;
	sim_time_t stop = opts && opts->stop > 0 ? opts->stop : scn->stop;
	uint64_t maxev = opts && opts->max_events ? opts->max_events
						  : scn->max_events;
	sim_init(&w->sim, seed, stop, maxev);
	w->sim.max_conns = opts && opts->max_conns ? opts->max_conns
						   : scn->max_conns;
	w->sim.max_mem = opts && opts->max_memory ? opts->max_memory
						  : scn->max_memory;

	/* Packets hold the largest segment any socket may send (its MSS
	 * option over its host's) or any injection carries. */
	uint32_t cap = 0;
	for (size_t i = 0; i < scn->nhosts; i++) {
		struct tcp_params p;
		scn_host_params(scn, i, &p);
		if (p.mss > cap)
			cap = p.mss;
		for (size_t j = 0; j < scn->hosts[i].nacts; j++) {
			const struct app_action *a = &scn->hosts[i].acts[j];
			struct tcp_params q = p;
			tcp_params_apply(&q, &a->opts.tcp, a->opts.set);
			if (q.mss > cap)
				cap = q.mss;
			if (a->op == APP_OP_INJECT && a->inj.len > cap)
				cap = a->inj.len;
		}
	}
	pkt_pool_init(&w->pool, cap);

	w->nhosts = scn->nhosts;
	w->hosts = calloc(w->nhosts, sizeof *w->hosts);
	w->apps = calloc(w->nhosts, sizeof *w->apps);
	w->host_names = calloc(w->nhosts, sizeof *w->host_names);
	w->host_addrs = calloc(w->nhosts, sizeof *w->host_addrs);
	w->links = calloc(scn->nlinks ? scn->nlinks : 1, sizeof *w->links);
	if (!w->hosts || !w->apps || !w->host_names || !w->host_addrs ||
	    !w->links)
		goto fail;
	for (size_t i = 0; i < w->nhosts; i++) {
		const struct scn_host *sh = &scn->hosts[i];
		struct tcp_params p;
		/* every byte set, padding too: stacks compare theirs */
		memset(&p, 0, sizeof p);
		scn_host_params(scn, i, &p);
		if (host_init(&w->hosts[i], &w->sim, (int)i, sh->name,
			      sh->addr, &p, &w->pool) < 0)
			goto fail;
		/* hosts of one template, or alike, keep one copy */
		if (i > 0) {
			tcp_stack_share_params(w->hosts[i].tcp,
					       w->hosts[i - 1].tcp);
			/* and the run one template to pack against */
			if (tcp_stack_share_template(w->hosts[i].tcp,
						     w->hosts[0].tcp) < 0)
				goto fail;
		}
		w->host_names[i] = sh->name;
		w->host_addrs[i] = sh->addr;
		host_set_router(&w->hosts[i], sh->router);
		host_set_statics(&w->hosts[i], sh->statics, sh->nstatics);
		if (sh->ttl)
			w->hosts[i].ttl = sh->ttl;
	}
	if (make_faults(w, scn, opts) < 0)
		goto fail;
	bool own_rules = !scn->no_link_rules && !(opts && opts->no_link_rules);
	for (size_t i = 0; i < scn->nlinks; i++) {
		const struct scn_link *sl = &scn->links[i];
		struct link *l = &w->links[i];
		struct host *a = &w->hosts[sl->a], *b = &w->hosts[sl->b];
		if (link_init(l, &w->sim, &a->end, &b->end, &sl->dir[0],
			      &sl->dir[1], own_rules ? sl->rules : NULL,
			      own_rules ? sl->nrules : 0) < 0)
			goto fail;
		w->nlinks++;
		if (w->faults.n)
			l->faults = &w->faults;
		if (host_add_route(a, b->addr, l, &l->dir[0]) < 0 ||
		    host_add_route(b, a->addr, l, &l->dir[1]) < 0)
			goto fail;
	}
	evq_timer_init(&w->reroute, reroute);
	if (scn->routed) {
		w->fibs = calloc(w->nhosts, sizeof *w->fibs);
		w->up = calloc(2 * w->nlinks + 1, sizeof *w->up);
		if (!w->fibs || !w->up || compute_routes(w) < 0)
			goto fail;
		for (size_t i = 0; i < w->nlinks; i++) {
			w->links[i].changed = link_changed;
			w->links[i].changed_ctx = w;
		}
	}
	script_init(&w->script, w->hosts, w->nhosts);
	for (size_t i = 0; i < w->nhosts; i++) {
		w->streams.bytes = opts && opts->payload_bytes;
		if (app_init(&w->apps[i], &w->hosts[i], &w->streams,
			     scn->hosts[i].acts, scn->hosts[i].nacts) < 0)
			goto fail;
		app_set_host_action(&w->apps[i], script_host_action, &w->script);
		host_set_notify(&w->hosts[i], to_app, &w->apps[i]);
		if (!(opts && opts->whole))
			host_set_moved(&w->hosts[i], to_app_moved);
	}

	struct trace *tr = &w->sim.trace;
	tr->scenario = scn->name;
	tr->seed = seed;
	tr->nhosts = (int)w->nhosts;
	tr->host_names = w->host_names;
	tr->host_addrs = w->host_addrs;
	tr->state_name = state_name;
	return 0;
fail:
	world_free(w);
	return -1;
}

enum sim_end world_run(struct world *w)
{
	emit_run(w, "start", NULL);
	for (size_t i = 0; i < w->nlinks; i++)
		link_start(&w->links[i], &w->sim);
	for (size_t i = 0; i < w->nhosts; i++)
		app_start(&w->apps[i]);
	enum sim_end e = sim_run(&w->sim);
	emit_run(w, "end", sim_end_name(e));
	return e;
}

struct expect_outcome world_outcome(const struct world *w)
{
	return (struct expect_outcome){&w->sim.trace, w->apps, w->nhosts};
}

void world_free(struct world *w)
{
	/* Forget pending timers first: they live inside the packets, hosts
	 * and applications freed below. */
	sim_fini(&w->sim);
	if (w->apps)
		for (size_t i = 0; i < w->nhosts; i++)
			if (w->apps[i].host)
				app_fini(&w->apps[i]);
	for (size_t i = 0; i < w->nlinks; i++)
		link_fini(&w->links[i], &w->sim);
	if (w->hosts)
		for (size_t i = 0; i < w->nhosts; i++)
			if (w->hosts[i].sim)
				host_fini(&w->hosts[i]);
	app_registry_fini(&w->streams);
	script_fini(&w->script);
	free(w->apps);
	free(w->hosts);
	free(w->links);
	free(w->host_names);
	free(w->host_addrs);
	free(w->fibs);
	free(w->up);
	free(w->fault_rules);
	free(w->faults.st);
	w->fault_rules = NULL;
	w->faults = (struct link_faults){0};
	w->fibs = NULL;
	w->up = NULL;
	pkt_pool_fini(&w->pool);
	w->apps = NULL;
	w->hosts = NULL;
	w->links = NULL;
	w->host_names = NULL;
	w->host_addrs = NULL;
}

/* Does an expectation count drops for want of a route? */
static bool noroute_expected(const struct scenario *s)
{
	static const char text[] = "no route to the destination address";
	for (size_t i = 0; i < s->nexpects; i++) {
		const struct expectation *e = &s->expects[i];
		if (e->event == EXP_EV_DROP && e->why && strstr(text, e->why))
			return true;
	}
	return false;
}

uint64_t world_noroute(const struct world *w, int *host, sim_time_t *t,
		       uint32_t *dst)
{
	if (noroute_expected(w->scn))
		return 0;
	uint64_t n = 0;
	sim_time_t first = SIM_TIME_MAX;
	for (size_t i = 0; i < w->nhosts; i++) {
		const struct host *h = &w->hosts[i];
		if (!h->noroute)
			continue;
		n += h->noroute;
		if (h->noroute_first < first) {
			first = h->noroute_first;
			*host = (int)i;
			*t = first;
			*dst = h->noroute_dst;
		}
	}
	return n;
}

const struct link_rule *world_idle_rule(const struct world *w, bool must,
					struct world_rule_at *at,
					const struct scn_link **link)
{
	/* A template's links share their rules: a rule is idle only if it
	 * acted on none of them, and it is named once, at the first. */
	for (; at->link < w->nlinks; at->link++, at->rule = 0) {
		const struct link *l = &w->links[at->link];
		while (at->rule < l->nrules) {
			size_t r = at->rule++;
			if (must && !l->rules[r].must_match)
				continue;
			uint64_t acted = 0;
			size_t first = at->link;
			for (size_t j = w->nlinks; j-- > 0;)
				if (w->links[j].rules == l->rules) {
					acted += w->links[j].rule_state[r].acted;
					first = j;
				}
			if (!acted && first == at->link) {
				*link = &w->scn->links[at->link];
				return &l->rules[r];
			}
		}
	}
	/* then the scenario's faults, which every link shares (not those
	 * of the options: tcpsim explore's own) */
	while (at->rule < w->scn->nfaults && at->rule < w->faults.n) {
		size_t r = at->rule++;
		if (must && !w->faults.r[r].must_match)
			continue;
		if (!w->faults.st[r].acted) {
			*link = NULL;
			return &w->faults.r[r];
		}
	}
	return NULL;
}
