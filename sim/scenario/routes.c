/* routes.c — the `routing` and `routes` sections, every host's automatic
 * routes over the scenario's links, and the check, after the whole file
 * is read, that every connection the scenario opens has a route both
 * ways.
 *
 * A static route is `{at: NODE, to: DEST, via: NEIGHBOUR}`: DEST an
 * address, a prefix ADDR/LEN, or a host's name (its address, /32); the
 * neighbour must share a link with NODE. Routes are computed only when
 * some host is a router (models/route.h has the rules); without routers
 * a host reaches its neighbours and, by static routes, nothing more.
 *
 * Known limits: at most 2^16 static routes.
 */
#include "sim/scenario/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"

/* ---- routing: ------------------------------------------------------------ */

static const struct ld_names metrics = {
	"metric", "metrics",
	(const struct ld_name[]){
		{"hops", ROUTE_HOPS},
		{"delay", ROUTE_DELAY},
		{NULL, 0},
	},
};

static const struct ld_key routing_rows[] = {
	{"metric", LD_SCALAR, ld_enum, AT(struct scenario, metric),
	 .names = &metrics},
	{"converge", LD_SCALAR, ld_duration, AT(struct scenario, converge)},
	{0},
};

const struct ld_section ld_routing_section = {"routing",
					      .rows = routing_rows};

/* ---- routes: ------------------------------------------------------------- */

struct route_ld {
	const char *at, *to, *via;
};

static const struct ld_key route_rows[] = {
	{"at", LD_SCALAR, ld_owned, AT(struct route_ld, at),
	 .flags = LDK_REQUIRED},
	{"to", LD_SCALAR, ld_owned, AT(struct route_ld, to),
	 .flags = LDK_REQUIRED},
	{"via", LD_SCALAR, ld_owned, AT(struct route_ld, via),
	 .flags = LDK_REQUIRED},
	{0},
};

static const struct ld_section route_section = {
	"a route", .rows = route_rows,
	.need = "a route needs 'at' (the node that follows it), 'to' (an "
		"address, ADDR/LEN or a host) and 'via' (a neighbour of 'at')",
};

/* ADDR, ADDR/LEN (no bits set past LEN), or a host's name. */
static int read_dest(struct ld *ld, yaml_node_t *n, const char *t,
		     struct scn_route *r)
{
	char buf[32];
	const char *slash = strchr(t, '/');
	size_t al = slash ? (size_t)(slash - t) : strlen(t);
	if (al < sizeof buf) {
		memcpy(buf, t, al);
		buf[al] = '\0';
		if (ip4_parse(buf, &r->prefix) == 0) {
			uint64_t len = 32;
			if (slash && (ld_parse_u64(slash + 1, &len) < 0 ||
				      len > 32))
				return ld_fail(ld, n, "'to': the prefix length "
						      "must be 0 … 32 (found "
						      "'%s')",
					       t);
			r->len = (uint8_t)len;
			uint32_t mask = len ? UINT32_MAX << (32 - len) : 0;
			if (r->prefix & ~mask)
				return ld_fail(ld, n, "'to': %s has bits set "
						      "past its prefix length",
					       t);
			return 0;
		}
	}
	if (slash)
		return ld_fail(ld, n, "'to' expects an address, ADDR/LEN or a "
				      "host (found '%s')",
		       t);
	int h;
	if (ld_one_host(ld, n, t, &h) < 0)
		return -1;
	r->prefix = ld->s->hosts[h].addr;
	r->len = 32;
	return 0;
}

int ld_routes_load(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	(void)row;
	(void)field;
	struct scenario *s = ld->s;
	size_t n = ld_nitems(v);
	if (n > (1u << 16))
		return ld_fail(ld, v, "too many routes (more than %u)", 1u << 16);
	struct scn_route *rs = ld_own_items(ld, v, sizeof *rs);
	if (!rs)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *rn = ld_item(ld, v, i);
		struct route_ld rl = {0};
		if (ld_walk(ld, rn, &route_section, &rl) < 0)
			return -1;
		struct scn_route *r = &rs[i];
		r->line = (int)rn->start_mark.line + 1;
		r->col = (int)rn->start_mark.column + 1;
		if (ld_one_host(ld, ld_map_get(ld, rn, "at"), rl.at, &r->at) < 0 ||
		    read_dest(ld, ld_map_get(ld, rn, "to"), rl.to, r) < 0 ||
		    ld_one_host(ld, ld_map_get(ld, rn, "via"), rl.via,
				&r->via) < 0)
			return -1;
	}
	s->routes = rs;
	s->nroutes = n;
	return 0;
}

/* ---- the automatic routes -------------------------------------------------- */

static int cmp_addr_ix(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

int scn_routes_compute(const struct scenario *s, const bool *up,
		       struct route_fib *fibs)
{
	size_t n = s->nhosts;
	uint32_t *addr = malloc((n ? n : 1) * sizeof *addr);
	bool *router = malloc((n ? n : 1) * sizeof *router);
	struct route_edge *e = malloc((2 * s->nlinks + 1) * sizeof *e);
	int rc = -1;
	if (!addr || !router || !e)
		goto out;
	for (size_t i = 0; i < n; i++) {
		addr[i] = s->hosts[i].addr;
		router[i] = s->hosts[i].router;
	}
	size_t ne = 0;
	for (size_t i = 0; i < s->nlinks; i++)
		for (int d = 0; d < 2; d++) {
			if (up && !up[2 * i + (size_t)d])
				continue;
			const struct scn_link *l = &s->links[i];
			e[ne++] = (struct route_edge){
				d ? l->b : l->a, d ? l->a : l->b,
				route_cost(s->metric, l->dir[d].delay)};
		}
	struct route_graph g = {n, addr, router, ne, e};
	rc = route_compute(&g, fibs);
out:
	free(addr);
	free(router);
	free(e);
	return rc;
}

/* What checking routes needs: hosts by address, links by pair, and
 * room to follow one path. */
struct walker {
	const struct scenario *s;
	const struct route_fib *fibs;
	uint64_t *by_addr;  /* address << 32 | host */
	uint64_t *pairs;    /* host << 32 | host, both orders */
	bool *seen;         /* on the path being followed ... */
	int *visited;       /* ... which is these */
};

static int cmp_high(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a >> 32, y = *(const uint64_t *)b >> 32;
	return x < y ? -1 : x > y;
}

static int walker_init(struct walker *w, const struct scenario *s)
{
	*w = (struct walker){.s = s};
	w->by_addr = malloc((s->nhosts + 1) * sizeof *w->by_addr);
	w->pairs = malloc((2 * s->nlinks + 1) * sizeof *w->pairs);
	w->seen = calloc(s->nhosts + 1, sizeof *w->seen);
	w->visited = malloc((s->nhosts + 1) * sizeof *w->visited);
	if (!w->by_addr || !w->pairs || !w->seen || !w->visited)
		return -1;
	for (size_t i = 0; i < s->nhosts; i++)
		w->by_addr[i] = (uint64_t)s->hosts[i].addr << 32 | i;
	qsort(w->by_addr, s->nhosts, sizeof *w->by_addr, cmp_addr_ix);
	for (size_t i = 0; i < s->nlinks; i++) {
		uint64_t a = (uint64_t)s->links[i].a, b = (uint64_t)s->links[i].b;
		w->pairs[2 * i] = a << 32 | b;
		w->pairs[2 * i + 1] = b << 32 | a;
	}
	qsort(w->pairs, 2 * s->nlinks, sizeof *w->pairs, cmp_addr_ix);
	return 0;
}

static void walker_fini(struct walker *w)
{
	free(w->by_addr);
	free(w->pairs);
	free(w->seen);
	free(w->visited);
}

/* Does a link join hosts a and b? */
static bool linked(const struct walker *w, int a, int b)
{
	uint64_t key = (uint64_t)a << 32 | (uint64_t)(uint32_t)b;
	return w->s->nlinks && bsearch(&key, w->pairs, 2 * w->s->nlinks,
				       sizeof key, cmp_addr_ix);
}

/* The host at addr, or -1. */
static int host_at(const struct walker *w, uint32_t addr)
{
	uint64_t key = (uint64_t)addr << 32;
	const uint64_t *f = w->s->nhosts ? bsearch(&key, w->by_addr,
						   w->s->nhosts, sizeof key,
						   cmp_high)
					 : NULL;
	return f ? (int)(uint32_t)*f : -1;
}

/* Follow the routes from host `from` toward host `to`, as a packet
 * would (route_via, as the hosts of a run do): 0 if it gets there, 1 if
 * it goes round a loop (its TTL will end it), -1 if some node has no
 * route, or hands it to a host that does not forward (*stuck: which). */
static int walk(struct walker *w, int from, int to, int *stuck)
{
	const struct scenario *s = w->s;
	uint32_t dst = s->hosts[to].addr;
	int x = from, rc = 0;
	size_t nseen = 0;
	while (x != to) {
		if (w->seen[x]) {
			rc = 1;
			break;
		}
		w->seen[x] = true;
		w->visited[nseen++] = x;
		const struct scn_host *h = &s->hosts[x];
		uint32_t via = route_via(h->statics, h->nstatics, &w->fibs[x],
					 linked(w, x, to), dst);
		int next = via ? host_at(w, via) : -1;
		if (next < 0 || (next != to && !s->hosts[next].router)) {
			*stuck = next < 0 ? x : next;
			rc = -1;
			break;
		}
		x = next;
	}
	for (size_t i = 0; i < nseen; i++)
		w->seen[w->visited[i]] = false;
	return rc;
}

/* The mark of line:col (1-based), for an error about plain data. */
static yaml_mark_t mark_at(const struct ld *ld, int line, int col)
{
	size_t i = 0;
	for (int l = 1; l < line && i < ld->len; i++)
		if (ld->text[i] == '\n')
			l++;
	return (yaml_mark_t){i + (size_t)(col - 1), (size_t)(line - 1),
			     (size_t)(col - 1)};
}

/* Each route hands packets to a neighbour; each host's static routes,
 * gathered (a count per host, then one pass) and sorted for lookup. */
static int group_statics(struct ld *ld, yaml_node_t *root,
			 const struct walker *w)
{
	struct scenario *s = ld->s;
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct scn_route *r = &s->routes[i];
		if (linked(w, r->at, r->via))
			continue;
		yaml_mark_t m = mark_at(ld, r->line, r->col);
		return ld_fail_mark(ld, &m, "a route at %s goes via %s, which "
					    "is not linked to it: a route "
					    "hands packets to a neighbour",
				    s->hosts[r->at].name, s->hosts[r->via].name);
	}
	for (size_t i = 0; i < s->nroutes; i++)
		s->hosts[s->routes[i].at].nstatics++;
	for (size_t h = 0; h < s->nhosts; h++) {
		struct scn_host *sh = &s->hosts[h];
		if (!sh->nstatics)
			continue;
		sh->statics = ld_own(ld, root,
				     calloc(sh->nstatics, sizeof *sh->statics));
		if (!sh->statics)
			return -1;
		sh->nstatics = 0;
	}
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct scn_route *r = &s->routes[i];
		struct scn_host *sh = &s->hosts[r->at];
		sh->statics[sh->nstatics++] = (struct route_static){
			r->prefix, r->len, s->hosts[r->via].addr};
	}
	for (size_t h = 0; h < s->nhosts; h++)
		route_statics_sort(s->hosts[h].statics, s->hosts[h].nstatics);
	return 0;
}

/* Every connect of the file has a way there and a way back. */
static int check_connects(struct ld *ld, struct walker *w)
{
	struct scenario *s = ld->s;
	for (size_t h = 0; h < s->nhosts; h++) {
		for (size_t i = 0; i < s->hosts[h].nacts; i++) {
			const struct app_action *a = &s->hosts[h].acts[i];
			if (a->op != APP_OP_CONNECT || a->peer < 0)
				continue;
			int stuck = -1, ends[2] = {(int)h, a->peer};
			for (int d = 0; d < 2; d++) {
				if (walk(w, ends[d], ends[1 - d], &stuck) >= 0)
					continue;
				yaml_mark_t m = mark_at(ld, a->line, a->col);
				const char *from = s->hosts[ends[d]].name,
					   *to = s->hosts[ends[1 - d]].name,
					   *sn = s->hosts[stuck].name;
				if (stuck == ends[d] && !s->routed)
					return ld_fail_mark(
						ld, &m,
						"%s cannot reach %s: no link "
						"joins them, and no host is a "
						"router ('router: true')",
						from, to);
				if (stuck != ends[d] && !s->hosts[stuck].router)
					return ld_fail_mark(
						ld, &m,
						"%s cannot reach %s: the way "
						"goes through %s, which is not "
						"a router",
						from, to, sn);
				return ld_fail_mark(ld, &m,
						    "%s cannot reach %s: %s has "
						    "no route to it",
						    from, to, sn);
			}
		}
	}
	return 0;
}

int ld_check_routes(struct ld *ld, yaml_node_t *root)
{
	struct scenario *s = ld->s;
	struct walker w;
	struct route_fib *fibs = calloc(s->nhosts + 1, sizeof *fibs);
	int rc = -1;
	if (walker_init(&w, s) < 0 || !fibs)
		ld_fail(ld, root, "out of memory");
	else if (group_statics(ld, root, &w) < 0)
		;
	else if (s->routed && scn_routes_compute(s, NULL, fibs) < 0)
		ld_fail(ld, root, "out of memory");
	else {
		w.fibs = fibs;
		rc = check_connects(ld, &w);
	}
	walker_fini(&w);
	for (size_t i = 0; fibs && i < s->nhosts; i++)
		route_fib_free(&fibs[i]);
	free(fibs);
	return rc;
}
