/* host.h — a simulated host: an address, a TCP stack, routes to its links.
 *
 * The host is the glue between the TCP core and the network: it copies
 * each outgoing segment into a packet, traces it, picks the link that
 * reaches the destination address and hands it over; an arriving packet is
 * traced and given to the stack. Notifications from the stack go to the
 * host's application (models/app.h).
 */
#ifndef TCPSIM_HOST_H
#define TCPSIM_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "tcp.h"

struct sim;
struct pkt;
struct pkt_pool;
struct link_dir;
struct app;

struct host_route {
	uint32_t addr;
	struct link_dir *dir;
};

struct host {
	int id;
	const char *name;
	uint32_t addr;
	struct sim *sim;
	struct pkt_pool *pool;
	struct rng rng;               /* "host:NAME": ISNs */
	struct tcp_stack tcp;
	struct host_route *routes;    /* sorted by address */
	size_t nroutes;
	struct app *app;              /* may be NULL */
};

/* Set up host `id` named `name` (the string must outlive the host). */
int host_init(struct host *h, struct sim *sim, int id, const char *name,
	      uint32_t addr, const struct tcp_params *tcp,
	      struct pkt_pool *pool);
/* Free the host's stack and routes. */
void host_fini(struct host *h);
/* Reach `addr` through link direction d; -1 if out of memory. */
int host_add_route(struct host *h, uint32_t addr, struct link_dir *d);
/* The link direction that reaches addr, or NULL. */
struct link_dir *host_route(const struct host *h, uint32_t addr);
/* A packet arrives from a link; the host consumes and frees it. */
void host_receive(struct host *h, struct pkt *p);

#endif
