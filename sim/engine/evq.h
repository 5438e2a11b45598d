/* evq.h — the future-event set: what happens next, and when.
 *
 * Events are keyed by (time, insertion sequence number), so events at the
 * same time run in the order they were scheduled and a run is a pure
 * function of its inputs. Timers are intrusive: the owner embeds a struct
 * evq_timer (in a TCB, a packet, an app action), and the timer records
 * where its entry is, so cancel and re-arm need no search.
 *
 * The set is a calendar of time buckets in front of a heap (evq.c): the
 * events of the current bucket sorted (and a small heap of those added to
 * it since), those of the next `nb` buckets unsorted in their buckets,
 * and any further ones in a heap. The bucket width and count follow the load. Storage grows
 * by doubling; scheduling does not allocate once the set has reached its
 * working size.
 */
#ifndef TCPSIM_EVQ_H
#define TCPSIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/simtime.h"

struct sim;
struct evq_timer;

/* Called when the timer fires; the timer is no longer pending then and may
 * be re-armed from inside the call. */
typedef void (*evq_fn)(struct sim *sim, struct evq_timer *t);

#define EVQ_IDLE UINT32_MAX

struct evq_timer {
	sim_time_t when; /* deadline of the last schedule (valid while pending) */
	uint64_t seq;    /* insertion number of the last schedule: breaks ties */
	evq_fn fn;
	uint32_t idx;    /* position of its entry, EVQ_IDLE when not pending */
	uint8_t where;   /* which part of the set holds it (evq.c) */
};

/* An entry: the key, copied so that comparisons stay in the entry array
 * (10^5 events at one instant compare by sequence alone), and the timer. */
struct evq_ent {
	sim_time_t when;
	uint64_t seq;
	struct evq_timer *t;
};

struct evq_heap {
	struct evq_ent *h;
	size_t n, cap;
};

struct evq_bucket {
	struct evq_ent *e;
	size_t n, cap;
};

struct evq {
	struct evq_ent *run;     /* bucket `cur` as it became current, sorted;
				    entries [rhead, rn), cancelled ones with
				    t NULL */
	size_t rhead, rn, rcap, nrun;
	struct evq_heap near;    /* scheduled into bucket `cur` or before
				    since it became current */
	struct evq_bucket *ring; /* bucket k, cur < k < cur + nb, at k % nb */
	uint64_t *bits;          /* which ring buckets hold something */
	struct evq_heap far;     /* bucket cur + nb and after */
	uint32_t nb;             /* ring buckets, a power of two */
	unsigned shift;          /* bucket width: 2^shift ns */
	uint64_t cur;            /* the current bucket: when >> shift */
	size_t nring;            /* entries in the ring */
	sim_time_t last;         /* deadline of the timer last popped */
	uint64_t next_seq;
	/* adapting the width and count to the load */
	uint64_t adv, adv_moved, pops;
	uint64_t grows;          /* allocations made so far (for tests) */
	uint64_t rebuilds;       /* changes of width or ring (for tests) */
	bool nomem;              /* storage could not grow while advancing */
};

/* Initialise an empty queue. */
void evq_init(struct evq *q);
/* Free the storage; pending timers are simply forgotten. */
void evq_fini(struct evq *q);
/* Make t an idle timer that will call fn. */
void evq_timer_init(struct evq_timer *t, evq_fn fn);
/* Arm t at `when`, or move it there if already pending (it then runs after
 * everything already scheduled for `when`). Returns -1 only if storage
 * cannot grow. */
int evq_schedule(struct evq *q, struct evq_timer *t, sim_time_t when);
/* Disarm t; harmless if t is not pending. */
void evq_cancel(struct evq *q, struct evq_timer *t);
/* The pending timer `from` becomes `to` (another timer's storage, idle),
 * in the same place of the order: `to` fires when `from` would have,
 * with its own function; `from` is left idle. */
void evq_timer_move(struct evq *q, struct evq_timer *from,
		    struct evq_timer *to);
/* Remove and return the earliest timer, or NULL if the queue is empty. */
struct evq_timer *evq_pop(struct evq *q);
/* Deadline of the earliest timer; SIM_TIME_NEVER if empty. */
sim_time_t evq_next_time(struct evq *q);
/* Reserve room for n pending timers in the current bucket's heap. */
int evq_reserve(struct evq *q, size_t n);

/* True while t is armed. */
static inline bool evq_pending(const struct evq_timer *t)
{
	return t->idx != EVQ_IDLE;
}

/* Number of pending timers. */
static inline size_t evq_size(const struct evq *q)
{
	return q->nrun + q->near.n + q->nring + q->far.n;
}

#endif
