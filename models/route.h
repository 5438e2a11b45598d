/* route.h — where a node sends a packet that is not for a neighbour:
 * static routes, and shortest paths computed over the links.
 *
 * Routing works on nodes (hosts and routers, by index) and directed edges
 * (one per link direction that is up). Only routers forward, so a path
 * may pass through routers only: a host is a path's first or last node.
 * Each node's answer for a destination is the address of the neighbour to
 * hand the packet to ("via"); the host then finds the link to that
 * neighbour among its own. The rules, in the order a lookup applies them:
 *
 *   1. static routes (`routes:` in a scenario): the longest prefix that
 *      covers the destination wins, whatever the automatic routes say;
 *   2. a neighbour: a destination at the far end of one of the node's
 *      own links is sent straight there (a connected route);
 *   3. the automatic route: the first hop of a shortest path, by hop
 *      count or by delay (ties broken by hop count, then by the lowest
 *      first-hop node index, so the answer never depends on the order of
 *      work);
 *   4. a host with a single link to a router sends everything else to
 *      that router (its default gateway), as a real host does; the
 *      router then knows, or drops the packet as having no route.
 *
 * A router or a host with several links keeps one entry per node it can
 * reach; a host with a single link keeps none (rule 4). So a star of
 * 10,000 hosts round two routers holds 20,000 entries, not 10^8.
 */
#ifndef TCPSIM_ROUTE_H
#define TCPSIM_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One direction of a link, as routing sees it. */
struct route_edge {
	int from, to;            /* node indexes */
	uint64_t cost;           /* > 0; see route_cost() */
};

struct route_graph {
	size_t nnodes;
	const uint32_t *addr;    /* each node's address */
	const bool *router;      /* does the node forward? */
	size_t nedges;
	const struct route_edge *edges; /* the directions that are up */
};

enum route_metric { ROUTE_HOPS, ROUTE_DELAY };

/* The cost of a direction with this propagation delay: 1 per hop, or the
 * delay with the hop count below it as the tie-break. */
uint64_t route_cost(enum route_metric m, int64_t delay_ns);

struct route_entry {
	uint32_t dst, via;       /* via 0: no route */
};

/* A node's automatic routes. */
struct route_fib {
	uint32_t gateway;        /* rule 4: everything goes here (0: none) */
	struct route_entry *e;   /* rule 3, sorted by dst */
	size_t n;
};

/* A static route: destinations in prefix/len go via that neighbour. */
struct route_static {
	uint32_t prefix;
	uint8_t len;             /* 0 … 32 */
	uint32_t via;
};

/* Compute every node's automatic routes into fibs[0 .. nnodes-1]
 * (replacing what they held). Returns 0, or -1 if memory runs out. */
int route_compute(const struct route_graph *g, struct route_fib *fibs);
/* Free what a table holds. */
void route_fib_free(struct route_fib *f);
/* Where a node sends a packet for dst, by the rules in their order: its
 * static routes s[0 .. n-1] (sorted by route_statics_sort), then dst
 * itself if it is a neighbour (`neighbour`, which the caller knows from
 * its links), then its table f. The address of the neighbour to hand
 * the packet to, 0 if none. */
uint32_t route_via(const struct route_static *s, size_t n,
		   const struct route_fib *f, bool neighbour, uint32_t dst);
/* Rule 1 for dst over static routes sorted by route_statics_sort: the
 * via address, 0 if none covers dst. */
uint32_t route_static_lookup(const struct route_static *s, size_t n,
			     uint32_t dst);
/* Rules 3 and 4 for dst: the via address, 0 if none. */
uint32_t route_fib_lookup(const struct route_fib *f, uint32_t dst);
/* Sort static routes longest prefix first (then by prefix, then by the
 * order given), so the first that covers an address is the one to use. */
void route_statics_sort(struct route_static *s, size_t n);
/* Does prefix/len cover addr? */
bool route_covers(uint32_t prefix, uint8_t len, uint32_t addr);

#endif
