/* evq.c — 8-ary heap of (time, timer) with index back-pointers.
 *
 * Each slot holds the deadline and the timer; the insertion sequence number
 * that orders equal deadlines lives in the timer and is read only on a tie.
 * Slots are 16 bytes and the array is placed so that the eight children of
 * a node, slots 8i+1 .. 8i+8, fill one aligned 128-byte block (two cache
 * lines the hardware fetches together).
 *
 * Why 8-ary: every slot that moves must write its new index into its timer,
 * and with a million pending events those timers are cold, so the cost is
 * one cache miss per level. Eight children per node cut the depth to a
 * third of a binary heap's: about 7 levels for 10^6 events instead of 20
 * (binary) or 10 (4-ary). bench/evq_hold.c measures it against bare heaps
 * of the same keys.
 */
#include "sim/engine/evq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define ARITY 8
#define LINE 128

static inline bool ent_less(const struct evq_ent *a, const struct evq_ent *b)
{
	return a->when < b->when ||
	       (a->when == b->when && a->t->seq < b->t->seq);
}

/* The heap's invariant beside the order: a timer's idx names its slot.
 * Each sift checks it of every entry it moves, before writing the new
 * index into the same timer (the entry sifted was checked by its caller),
 * so the check costs no extra memory access and a broken index is caught
 * at the first operation that touches it. */
static void sift_up(struct evq *q, size_t i)
{
	struct evq_ent e = q->h[i];
	while (i > 0) {
		size_t p = (i - 1) / ARITY;
		if (!ent_less(&e, &q->h[p]))
			break;
		assert(q->h[p].t->idx == p);
		q->h[i] = q->h[p];
		q->h[i].t->idx = i;
		i = p;
	}
	q->h[i] = e;
	e.t->idx = i;
}

static void sift_down(struct evq *q, size_t i)
{
	struct evq_ent e = q->h[i];
	size_t n = q->n;
	for (;;) {
		size_t c = i * ARITY + 1;
		if (c >= n)
			break;
		size_t m = c, end = c + ARITY < n ? c + ARITY : n;
		for (size_t k = c + 1; k < end; k++)
			if (ent_less(&q->h[k], &q->h[m]))
				m = k;
		if (!ent_less(&q->h[m], &e))
			break;
		assert(q->h[m].t->idx == m);
		q->h[i] = q->h[m];
		q->h[i].t->idx = i;
		i = m;
	}
	q->h[i] = e;
	e.t->idx = i;
}

void evq_init(struct evq *q)
{
	memset(q, 0, sizeof *q);
}

void evq_fini(struct evq *q)
{
	for (size_t i = 0; i < q->n; i++)
		q->h[i].t->idx = EVQ_IDLE;
	free(q->mem);
	evq_init(q);
}

void evq_timer_init(struct evq_timer *t, evq_fn fn)
{
	t->when = 0;
	t->seq = 0;
	t->idx = EVQ_IDLE;
	t->fn = fn;
}

int evq_reserve(struct evq *q, size_t n)
{
	if (n <= q->cap)
		return 0;
	size_t cap = q->cap ? q->cap : 64;
	while (cap < n)
		cap *= 2;
	/* One spare line in front, so that slot 1 can start a line. */
	size_t bytes = cap * sizeof(struct evq_ent) + LINE;
	void *mem = aligned_alloc(LINE, (bytes + LINE - 1) / LINE * LINE);
	if (!mem)
		return -1;
	struct evq_ent *h = (struct evq_ent *)(void *)((char *)mem + LINE -
						      sizeof(struct evq_ent));
	if (q->n)
		memcpy(h, q->h, q->n * sizeof *h);
	free(q->mem);
	q->mem = mem;
	q->h = h;
	q->cap = cap;
	return 0;
}

int evq_schedule(struct evq *q, struct evq_timer *t, sim_time_t when)
{
	t->when = when;
	t->seq = q->next_seq++;
	if (t->idx != EVQ_IDLE) {
		size_t i = t->idx;
		assert(i < q->n && q->h[i].t == t);
		q->h[i].when = when;
		if (i > 0 && ent_less(&q->h[i], &q->h[(i - 1) / ARITY]))
			sift_up(q, i);
		else
			sift_down(q, i);
		return 0;
	}
	if (q->n == q->cap && evq_reserve(q, q->n + 1) < 0)
		return -1;
	size_t i = q->n++;
	q->h[i].when = when;
	q->h[i].t = t;
	sift_up(q, i);
	return 0;
}

void evq_cancel(struct evq *q, struct evq_timer *t)
{
	size_t i = t->idx;
	if (i == EVQ_IDLE)
		return;
	assert(i < q->n && q->h[i].t == t);
	t->idx = EVQ_IDLE;
	size_t last = --q->n;
	if (i == last)
		return;
	assert(q->h[last].t->idx == last);
	q->h[i] = q->h[last];
	q->h[i].t->idx = i;
	if (i > 0 && ent_less(&q->h[i], &q->h[(i - 1) / ARITY]))
		sift_up(q, i);
	else
		sift_down(q, i);
}

struct evq_timer *evq_pop(struct evq *q)
{
	if (q->n == 0)
		return NULL;
	struct evq_timer *t = q->h[0].t;
	assert(t->idx == 0);
	t->idx = EVQ_IDLE;
	size_t last = --q->n;
	if (last > 0) {
		assert(q->h[last].t->idx == last);
		q->h[0] = q->h[last];
		q->h[0].t->idx = 0;
		sift_down(q, 0);
	}
	return t;
}
