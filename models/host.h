/* host.h — a simulated host or router: an address, a TCP stack, routes
 * to its links.
 *
 * The host is the glue between the TCP core and the network: it copies
 * each outgoing segment into a packet, traces it, picks the link that
 * reaches the destination address and hands it over; an arriving packet is
 * checked (is the host up, does the checksum verify) and given to the
 * stack. What the stack tells its application goes to a callback that
 * whoever builds the host wires (host_set_notify): the host knows no
 * application. To its links it is a struct link_end.
 *
 * A router is a host that also forwards: a packet for another address
 * has its TTL decremented (dropped and traced when none is left, RFC 1812
 * §5.3.1) and goes on along the route to its destination, as a new
 * segment in the trace that names the one it arrived as.
 *
 * A crashed host loses every connection without a word on the wire and
 * drops whatever arrives; a rebooted one starts with empty tables, so a
 * segment of an old connection meets a RST.
 */
#ifndef TCPSIM_HOST_H
#define TCPSIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/link.h"
#include "models/route.h"
#include "models/tcp.h"
#include "sim/engine/rng.h"

struct sim;
struct pkt;
struct pkt_pool;

/* Where the stack's notifications go (tcp_stack_ops.notify). */
typedef void (*host_notify_fn)(void *ctx, struct tcp_conn *c,
			       enum tcp_event ev, uint64_t arg);
/* ... and that a connection has moved (tcp_stack_ops.moved). */
typedef void (*host_moved_fn)(void *ctx, struct tcp_conn *c);

struct host_route {
	uint32_t addr;
	struct link *link;
	struct link_dir *dir;
};

struct host {
	int id;
	const char *name;
	uint32_t addr;
	bool up;
	bool router;                  /* forwards what is not for it */
	uint8_t ttl;                  /* the TTL of what it sends */
	struct sim *sim;
	struct pkt_pool *pool;
	struct rng rng;               /* "host:NAME": ISNs */
	struct tcp_stack *tcp;
	struct link_end end;          /* the host as its links see it */
	struct host_route *routes;    /* its neighbours, sorted by address */
	size_t nroutes;
	const struct route_static *statics; /* route_statics_sort's order */
	size_t nstatics;
	struct route_fib fib;         /* automatic routes (route.h) */
	uint64_t noroute;             /* packets dropped for want of a route */
	sim_time_t noroute_first;     /* when the first was */
	uint32_t noroute_dst;         /* and where it was going */
	host_notify_fn notify;        /* may be NULL: nobody listens */
	host_moved_fn moved;          /* may be NULL */
	void *notify_ctx;
	uint64_t crashes, reboots;
};

/* Set up host `id` named `name` (the string must outlive the host). */
int host_init(struct host *h, struct sim *sim, int id, const char *name,
	      uint32_t addr, const struct tcp_params *tcp,
	      struct pkt_pool *pool);
/* Free the host's stack and routes. */
void host_fini(struct host *h);
/* Send what the stack tells the application to fn(ctx, ...). */
void host_set_notify(struct host *h, host_notify_fn fn, void *ctx);
/* Tell moved(ctx, c) that c has moved, and let the stack pack
 * connections at rest (tcp_stack_set_packing). */
void host_set_moved(struct host *h, host_moved_fn moved);
/* Reach `addr` through direction d of link l; -1 if out of memory. */
int host_add_route(struct host *h, uint32_t addr, struct link *l,
		   struct link_dir *d);
/* The link toward addr (route.h: a static route, a neighbour, the
 * automatic routes), or NULL. */
const struct host_route *host_route(const struct host *h, uint32_t addr);
/* Make h a router: it forwards packets addressed to others. */
void host_set_router(struct host *h, bool router);
/* h follows these static routes (kept by reference, sorted). */
void host_set_statics(struct host *h, const struct route_static *s,
		      size_t n);
/* A packet arrives from a link; the host consumes and frees it. */
void host_receive(struct host *h, struct pkt *p);
/* Send a crafted segment out of h toward seg->daddr, as no connection
 * of h would; `why` says who crafted it. */
void host_inject(struct host *h, const struct tcp_seg *seg, const char *why);
/* The host crashes now: all TCP state vanishes silently. */
void host_crash(struct host *h);
/* The host comes back with empty tables. */
void host_reboot(struct host *h);

#endif
