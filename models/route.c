/* route.c — shortest paths, tables and lookups (see route.h). */
#include "models/route.h"

#include <stdlib.h>
#include <string.h>

/* Delays are at most a few hours (2^44 ns); 2^16 hops fit below them. */
#define HOP_BITS 16

uint64_t route_cost(enum route_metric m, int64_t delay_ns)
{
	if (m == ROUTE_HOPS || delay_ns < 0)
		return 1;
	return ((uint64_t)delay_ns << HOP_BITS) + 1;
}

bool route_covers(uint32_t prefix, uint8_t len, uint32_t addr)
{
	uint32_t mask = len == 0 ? 0 : UINT32_MAX << (32 - len);
	return ((prefix ^ addr) & mask) == 0;
}

uint32_t route_via(const struct route_static *s, size_t n,
		   const struct route_fib *f, bool neighbour, uint32_t dst)
{
	uint32_t via = n ? route_static_lookup(s, n, dst) : 0;
	if (via)
		return via;
	return neighbour ? dst : route_fib_lookup(f, dst);
}

uint32_t route_static_lookup(const struct route_static *s, size_t n,
			     uint32_t dst)
{
	for (size_t i = 0; i < n; i++)
		if (route_covers(s[i].prefix, s[i].len, dst))
			return s[i].via;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct route_entry *x = a, *y = b;
	return x->dst < y->dst ? -1 : x->dst > y->dst;
}

uint32_t route_fib_lookup(const struct route_fib *f, uint32_t dst)
{
	struct route_entry key = {dst, 0};
	const struct route_entry *e =
		f->n ? bsearch(&key, f->e, f->n, sizeof *f->e, cmp_entry) : NULL;
	return e ? e->via : f->gateway;
}

static int cmp_static(const void *a, const void *b)
{
	const struct route_static *x = a, *y = b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return 0;
}

void route_statics_sort(struct route_static *s, size_t n)
{
	/* insertion sort: stable, so of two equal prefixes the first given
	 * wins; a scenario has few */
	for (size_t i = 1; i < n; i++) {
		struct route_static x = s[i];
		size_t j = i;
		while (j > 0 && cmp_static(&s[j - 1], &x) > 0) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = x;
	}
}

void route_fib_free(struct route_fib *f)
{
	free(f->e);
	memset(f, 0, sizeof *f);
}

/* ---- Dijkstra ------------------------------------------------------------ */

struct heap_item {
	uint64_t dist;
	int node;
};

struct work {
	size_t n;
	size_t *start;           /* CSR: out-edges of node i are */
	int *adj;                /* edge indexes start[i] .. start[i+1]-1 */
	uint64_t *dist;
	int *first;              /* first hop of the best path, -1: none */
	bool *done, *neighbour;
	struct heap_item *heap;
	size_t nheap, heap_cap;
};

static bool heap_less(const struct heap_item *a, const struct heap_item *b)
{
	return a->dist < b->dist || (a->dist == b->dist && a->node < b->node);
}

static int heap_push(struct work *w, uint64_t dist, int node)
{
	if (w->nheap == w->heap_cap) {
		size_t cap = w->heap_cap ? 2 * w->heap_cap : 64;
		struct heap_item *h = realloc(w->heap, cap * sizeof *h);
		if (!h)
			return -1;
		w->heap = h;
		w->heap_cap = cap;
	}
	size_t i = w->nheap++;
	struct heap_item x = {dist, node};
	while (i > 0 && heap_less(&x, &w->heap[(i - 1) / 2])) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = x;
	return 0;
}

static struct heap_item heap_pop(struct work *w)
{
	struct heap_item top = w->heap[0], x = w->heap[--w->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= w->nheap)
			break;
		if (c + 1 < w->nheap && heap_less(&w->heap[c + 1], &w->heap[c]))
			c++;
		if (!heap_less(&w->heap[c], &x))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->nheap)
		w->heap[i] = x;
	return top;
}

/* Shortest paths from s, through routers only. */
static int paths_from(struct work *w, const struct route_graph *g, int s)
{
	for (size_t i = 0; i < w->n; i++) {
		w->dist[i] = UINT64_MAX;
		w->first[i] = -1;
		w->done[i] = false;
	}
	w->dist[s] = 0;
	w->nheap = 0;
	if (heap_push(w, 0, s) < 0)
		return -1;
	while (w->nheap) {
		struct heap_item it = heap_pop(w);
		int u = it.node;
		if (w->done[u] || it.dist != w->dist[u])
			continue;
		w->done[u] = true;
		if (u != s && !g->router[u])
			continue; /* a host forwards nothing */
		for (size_t k = w->start[u]; k < w->start[u + 1]; k++) {
			const struct route_edge *e = &g->edges[w->adj[k]];
			int v = e->to;
			if (w->done[v])
				continue;
			uint64_t nd = it.dist + e->cost;
			int f = u == s ? v : w->first[u];
			if (nd < w->dist[v]) {
				w->dist[v] = nd;
				w->first[v] = f;
				if (heap_push(w, nd, v) < 0)
					return -1;
			} else if (nd == w->dist[v] && f < w->first[v]) {
				w->first[v] = f;
			}
		}
	}
	return 0;
}

/* The table of a node that needs one (a router, or a host with several
 * links): one entry per node it reaches that is not a neighbour. */
static int table_of(struct work *w, const struct route_graph *g, int s,
		    struct route_fib *f)
{
	if (paths_from(w, g, s) < 0)
		return -1;
	for (size_t k = w->start[s]; k < w->start[s + 1]; k++)
		w->neighbour[g->edges[w->adj[k]].to] = true;
	size_t n = 0;
	for (size_t d = 0; d < w->n; d++)
		if ((int)d != s && w->first[d] >= 0 && !w->neighbour[d])
			n++;
	f->e = n ? malloc(n * sizeof *f->e) : NULL;
	if (n && !f->e)
		return -1;
	f->n = 0;
	for (size_t d = 0; d < w->n; d++)
		if ((int)d != s && w->first[d] >= 0 && !w->neighbour[d])
			f->e[f->n++] = (struct route_entry){
				g->addr[d], g->addr[w->first[d]]};
	for (size_t k = w->start[s]; k < w->start[s + 1]; k++)
		w->neighbour[g->edges[w->adj[k]].to] = false;
	if (f->n)
		qsort(f->e, f->n, sizeof *f->e, cmp_entry);
	return 0;
}

static void work_free(struct work *w)
{
	free(w->start);
	free(w->adj);
	free(w->dist);
	free(w->first);
	free(w->done);
	free(w->neighbour);
	free(w->heap);
}

int route_compute(const struct route_graph *g, struct route_fib *fibs)
{
	size_t n = g->nnodes;
	struct work w = {.n = n};
	w.start = calloc(n + 1, sizeof *w.start);
	w.adj = malloc((g->nedges ? g->nedges : 1) * sizeof *w.adj);
	w.dist = malloc((n ? n : 1) * sizeof *w.dist);
	w.first = malloc((n ? n : 1) * sizeof *w.first);
	w.done = calloc(n ? n : 1, sizeof *w.done);
	w.neighbour = calloc(n ? n : 1, sizeof *w.neighbour);
	int rc = -1;
	if (!w.start || !w.adj || !w.dist || !w.first || !w.done ||
	    !w.neighbour)
		goto out;
	/* out-edges by node, each node's in the order given */
	for (size_t i = 0; i < g->nedges; i++)
		w.start[g->edges[i].from + 1]++;
	for (size_t i = 0; i < n; i++)
		w.start[i + 1] += w.start[i];
	size_t *fill = malloc((n ? n : 1) * sizeof *fill);
	if (!fill)
		goto out;
	memcpy(fill, w.start, n * sizeof *fill);
	for (size_t i = 0; i < g->nedges; i++)
		w.adj[fill[g->edges[i].from]++] = (int)i;
	free(fill);
	for (size_t s = 0; s < n; s++) {
		route_fib_free(&fibs[s]);
		size_t deg = w.start[s + 1] - w.start[s];
		if (!g->router[s] && deg == 1) {
			int to = g->edges[w.adj[w.start[s]]].to;
			if (g->router[to])
				fibs[s].gateway = g->addr[to];
			continue;
		}
		if (deg == 0)
			continue;
		if (table_of(&w, g, (int)s, &fibs[s]) < 0)
			goto out;
	}
	rc = 0;
out:
	work_free(&w);
	return rc;
}
