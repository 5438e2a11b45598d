/* pkt.h — a segment in flight, and the pool it comes from.
 *
 * Every segment a host sends is copied into a struct pkt, which carries
 * the segment across a link and embeds the timer for its arrival. A
 * payload given as bytes is copied into the packet; one given as a
 * reference into its sender's stream (segment.h) stays a reference, and
 * the packet has no room for bytes. Packets of either size come from a
 * free list refilled a chunk at a time, so the segment path does not call
 * malloc once the pool has grown to the run's working size.
 */
#ifndef TCPSIM_PKT_H
#define TCPSIM_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/engine/evq.h"
#include "models/segment.h"

struct link_dir;

/* The TTL a packet starts with unless its host says otherwise: Linux's
 * and FreeBSD's default (ip_default_ttl, net.inet.ip.ttl). */
#define PKT_DEFAULT_TTL 64

struct pkt {
	struct evq_timer ev;    /* arrival at the far end of the link */
	struct pkt *next, *prev;/* free list; a link's list of segments on
				   the wire */
	struct link_dir *dir;   /* the link direction it travels */
	uint64_t id;            /* segment number, unique in the run */
	uint32_t seq_base;      /* sender's ISN (0 if no connection) */
	uint32_t ack_base;      /* peer's ISN as the sender knows it */
	uint8_t sender_state;   /* sender's TCP state when it was sent */
	bool corrupt;           /* its checksum will not verify */
	uint8_t ttl;            /* IP Time to Live: hops it may still take */
	bool bytes;             /* has room for payload bytes */
	/* while it waits in a queue that decides at dequeue (CoDel): what
	 * the link's rules asked to do to it on the wire, and when it came */
	uint32_t copies;
	const char *dup_rule;
	sim_time_t queued;
	sim_time_t extra;
	struct tcp_seg seg;     /* seg.data, if set, points into payload */
	uint8_t payload[];
};

struct pkt_pool {
	struct pkt *free[2];    /* without room for bytes, with */
	size_t size[2];         /* bytes per packet of each, aligned */
	uint32_t cap;           /* payload bytes a packet with room holds */
	void **chunks;
	size_t nchunks, chunks_cap;
	size_t live;            /* packets handed out and not yet freed */
};

/* Start an empty pool of packets holding up to payload_cap bytes. */
void pkt_pool_init(struct pkt_pool *pp, uint32_t payload_cap);
/* Free every chunk (packets still out become invalid). */
void pkt_pool_fini(struct pkt_pool *pp);
/* A packet holding a copy of seg (its payload bytes too, if it has them
 * as bytes), or NULL if out of memory or the payload exceeds the pool's
 * capacity. */
struct pkt *pkt_new(struct pkt_pool *pp, const struct tcp_seg *seg);
/* A copy of p (segment, bytes and bookkeeping, not its timer or list
 * links), or NULL if out of memory. */
struct pkt *pkt_clone(struct pkt_pool *pp, const struct pkt *p);
/* Return p to the pool. */
void pkt_free(struct pkt_pool *pp, struct pkt *p);

#endif
