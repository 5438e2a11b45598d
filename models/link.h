/* link.h — a point-to-point link between two hosts, one model per
 * direction.
 *
 * A direction delays every segment by a fixed `delay` and loses each one
 * independently with probability `loss` (parts per billion), drawing from
 * its own random stream. Segments that survive arrive in the order they
 * were sent. What the link does to a segment is traced with the reason.
 */
#ifndef TCPSIM_LINK_H
#define TCPSIM_LINK_H

#include <stdint.h>

#include "rng.h"
#include "simtime.h"

struct sim;
struct host;
struct pkt;

/* One direction's behaviour, as a scenario states it. */
struct link_cfg {
	sim_time_t delay;   /* propagation delay */
	uint32_t loss_ppb;  /* random loss, parts per billion */
};

struct link_dir {
	struct link_cfg cfg;
	struct host *from, *to;
	struct rng rng;
	uint64_t sent, lost;
};

struct link {
	struct link_dir dir[2]; /* dir[0]: a -> b, dir[1]: b -> a */
};

/* Set up the link a <-> b with each direction's behaviour; the random
 * streams are "link:A>B" and "link:B>A" of the scenario seed. */
void link_init(struct link *l, uint64_t seed, struct host *a, struct host *b,
	       const struct link_cfg *ab, const struct link_cfg *ba);
/* Carry p from d->from to d->to (or lose it). Takes ownership of p. */
void link_send(struct sim *sim, struct link_dir *d, struct pkt *p);

#endif
