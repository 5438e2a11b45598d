/* evq.h — the future-event set: what happens next, and when.
 *
 * An 8-ary array heap keyed by (time, insertion sequence number), so events
 * at the same time run in the order they were scheduled and a run is a pure
 * function of its inputs. Timers are intrusive: the owner embeds a struct
 * evq_timer (in a TCB, a packet, an app action), and the timer records its
 * heap index, so cancel and re-arm are O(log n). The heap array grows by
 * doubling; scheduling never allocates once the heap has reached its
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

#define EVQ_IDLE SIZE_MAX

struct evq_timer {
	sim_time_t when; /* deadline of the last schedule (valid while pending) */
	uint64_t seq;    /* insertion number of the last schedule: breaks ties */
	size_t idx;      /* position in the heap, EVQ_IDLE when not pending */
	evq_fn fn;
};

/* A heap slot: the deadline is copied in so that comparisons stay inside
 * the heap array; the timer is read only to break an exact tie. */
struct evq_ent {
	sim_time_t when;
	struct evq_timer *t;
};

struct evq {
	struct evq_ent *h;  /* h[1..4] start a cache line; see evq.c */
	void *mem;          /* the allocation h points into */
	size_t n, cap;
	uint64_t next_seq;
};

/* Initialise an empty queue. */
void evq_init(struct evq *q);
/* Free the heap array; pending timers are simply forgotten. */
void evq_fini(struct evq *q);
/* Make t an idle timer that will call fn. */
void evq_timer_init(struct evq_timer *t, evq_fn fn);
/* Arm t at `when`, or move it there if already pending (it then runs after
 * everything already scheduled for `when`). Returns -1 only if the heap
 * cannot grow. */
int evq_schedule(struct evq *q, struct evq_timer *t, sim_time_t when);
/* Disarm t; harmless if t is not pending. */
void evq_cancel(struct evq *q, struct evq_timer *t);
/* Remove and return the earliest timer, or NULL if the queue is empty. */
struct evq_timer *evq_pop(struct evq *q);
/* Reserve room for n pending timers, so later schedules do not allocate. */
int evq_reserve(struct evq *q, size_t n);

/* True while t is armed. */
static inline bool evq_pending(const struct evq_timer *t)
{
	return t->idx != EVQ_IDLE;
}

/* Number of pending timers. */
static inline size_t evq_size(const struct evq *q)
{
	return q->n;
}

/* Deadline of the earliest timer; SIM_TIME_NEVER if empty. */
static inline sim_time_t evq_next_time(const struct evq *q)
{
	return q->n ? q->h[0].when : SIM_TIME_NEVER;
}

#endif
