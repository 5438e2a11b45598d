/* evq.c — a calendar of time buckets in front of a heap.
 *
 * Time is cut into buckets of 2^shift nanoseconds; bucket k holds the
 * deadlines d with d >> shift == k. Four parts hold the pending timers:
 *
 *   run   entries of the current bucket `cur` in (time, sequence) order,
 *         taken from the front: the bucket as it became current, if its
 *         entries were in order (appended in sequence order, they often
 *         are: 10^5 segments sent at one instant) or few enough to sort,
 *         and later ones scheduled into it past its last;
 *   near  a 4-ary heap of the rest of the current bucket (and of anything
 *         scheduled before it: a timer set in the past);
 *   ring  nb unsorted buckets, for buckets cur+1 .. cur+nb-1, bucket k at
 *         ring[k % nb], with a bitmap of the ones not empty;
 *   far   a 4-ary heap of everything later. A timer there re-armed for
 *         later keeps its entry, under its earlier key, until that comes
 *         within the ring's reach; it is then filed under its own.
 *
 * Every entry of run and near is earlier than every entry of the ring, and
 * the ring's earlier than far's, so the lesser of run's first and near's
 * least is the least of all: events come out in exact (time, sequence)
 * order, the order of one heap of the same keys, which check_evq.c holds
 * a reference model to. When run and near are both empty, `cur` moves to
 * the next bucket that holds something (the bitmap finds it), its entries
 * go into run (sorted first if out of order and at most 64; into near if
 * more), and far gives up what is now within the ring's reach.
 *
 * Why: a heap of 10^6 timers moves an entry a level at a time, writing
 * each one's new position into its timer (so that cancel needs no search),
 * and those timers are cold, one cache miss per level. Here a timer is
 * written when it is scheduled (it is being touched anyway), once when its
 * bucket becomes current, and when it moves within the small, warm near
 * heap. Scheduling into the ring is an append; cancelling from it moves
 * the bucket's last entry into the hole; cancelling from run empties the
 * entry's timer pointer, and the entry is skipped.
 *
 * The width and the count follow the load: every 64 bucket changes, the
 * mean number of entries a bucket brought into run is compared with the
 * aim (16-64); the width halves or doubles accordingly and the ring is
 * sized to about twice the pending timers over the aim, those in far left
 * out (ten thousand 2·MSL timers minutes away would otherwise size a
 * ring for them, each bucket keeping room it never uses); and near growing
 * past NEAR_BIG narrows the width. Everything but far is then placed
 * again, which costs a pass, done only once as many timers have been
 * popped as are pending, so its cost per event is bounded.
 * bench/evq_hold.c measures it against bare heaps of the same keys.
 */
#include "sim/engine/evq.h"
#include "sim/engine/grow.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define ARITY 4

enum { IN_NEAR, IN_RING, IN_FAR, IN_RUN };

#define AIM_LO 16
#define AIM_HI 64
#define AIM 32
#define NB_MIN 256u
#define NB_MAX (1u << 24)
#define SHIFT_INIT 16 /* 65.5 µs */
#define SHIFT_MAX 60
#define NEAR_BIG 1024

static inline bool ent_less(const struct evq_ent *a, const struct evq_ent *b)
{
	return a->when < b->when ||
	       (a->when == b->when && a->seq < b->seq);
}

/* ---- the two heaps ------------------------------------------------------ */

/* Room for n entries in an array of them, counted in q->grows. */
static int room(struct evq *q, struct evq_ent **e, size_t *cap, size_t n,
		size_t first)
{
	if (n <= *cap)
		return 0;
	q->grows++;
	return grow(e, cap, n, sizeof **e, first);
}

static int heap_room(struct evq *q, struct evq_heap *hp, size_t n)
{
	return room(q, &hp->h, &hp->cap, n, 64);
}

static void sift_up(struct evq_heap *hp, size_t i)
{
	struct evq_ent e = hp->h[i];
	while (i > 0) {
		size_t p = (i - 1) / ARITY;
		if (!ent_less(&e, &hp->h[p]))
			break;
		hp->h[i] = hp->h[p];
		hp->h[i].t->idx = (uint32_t)i;
		i = p;
	}
	hp->h[i] = e;
	e.t->idx = (uint32_t)i;
}

static void sift_down(struct evq_heap *hp, size_t i)
{
	struct evq_ent e = hp->h[i];
	size_t n = hp->n;
	for (;;) {
		size_t c = i * ARITY + 1;
		if (c >= n)
			break;
		size_t m = c, end = c + ARITY < n ? c + ARITY : n;
		for (size_t k = c + 1; k < end; k++)
			if (ent_less(&hp->h[k], &hp->h[m]))
				m = k;
		if (!ent_less(&hp->h[m], &e))
			break;
		hp->h[i] = hp->h[m];
		hp->h[i].t->idx = (uint32_t)i;
		i = m;
	}
	hp->h[i] = e;
	e.t->idx = (uint32_t)i;
}

static int heap_push(struct evq *q, struct evq_heap *hp, struct evq_timer *t,
		     uint8_t where)
{
	if (hp->n == hp->cap && heap_room(q, hp, hp->n + 1) < 0)
		return -1;
	size_t i = hp->n++;
	hp->h[i] = (struct evq_ent){.when = t->when, .seq = t->seq, .t = t};
	t->where = where;
	sift_up(hp, i);
	return 0;
}

/* Give back most of a heap's room once it holds an eighth of it. */
static void heap_trim(struct evq_heap *hp)
{
	if (hp->cap <= 256 || hp->n >= hp->cap / 8)
		return;
	size_t cap = hp->cap / 4;
	struct evq_ent *h = realloc(hp->h, cap * sizeof *h);
	if (h) {
		hp->h = h;
		hp->cap = cap;
	}
}

static void heap_remove(struct evq_heap *hp, size_t i)
{
	size_t last = --hp->n;
	if (i == last)
		return;
	hp->h[i] = hp->h[last];
	hp->h[i].t->idx = (uint32_t)i;
	if (i > 0 && ent_less(&hp->h[i], &hp->h[(i - 1) / ARITY]))
		sift_up(hp, i);
	else
		sift_down(hp, i);
}

/* ---- the ring ----------------------------------------------------------- */

static inline uint64_t bucket_of(const struct evq *q, sim_time_t when)
{
	return (uint64_t)when >> q->shift;
}

static int ring_append(struct evq *q, uint64_t k, struct evq_timer *t)
{
	uint32_t s = (uint32_t)(k & (q->nb - 1));
	struct evq_bucket *b = &q->ring[s];
	if (b->n == b->cap && room(q, &b->e, &b->cap, b->n + 1, 8) < 0)
		return -1;
	t->idx = (uint32_t)b->n;
	t->where = IN_RING;
	b->e[b->n++] = (struct evq_ent){.when = t->when, .seq = t->seq, .t = t};
	q->bits[s >> 6] |= 1ull << (s & 63);
	q->nring++;
	return 0;
}

static void ring_remove(struct evq *q, struct evq_timer *t)
{
	uint32_t s = (uint32_t)(bucket_of(q, t->when) & (q->nb - 1));
	struct evq_bucket *b = &q->ring[s];
	size_t i = t->idx, last = --b->n;
	assert(i <= last && b->e[i].t == t);
	if (i != last) {
		b->e[i] = b->e[last];
		b->e[i].t->idx = (uint32_t)i;
	}
	if (b->n == 0)
		q->bits[s >> 6] &= ~(1ull << (s & 63));
	q->nring--;
}

/* The first bucket after cur that holds something (the ring is not
 * empty). */
static uint64_t ring_next(const struct evq *q)
{
	uint32_t mask = q->nb - 1, words = q->nb >> 6;
	uint32_t s = (uint32_t)((q->cur + 1) & mask);
	uint32_t w = s >> 6;
	uint64_t m = q->bits[w] & (~0ull << (s & 63));
	for (uint32_t n = 0; !m; n++) {
		assert(n <= words);
		w = (w + 1) & (words - 1);
		m = q->bits[w];
	}
	uint32_t found = (w << 6) | (uint32_t)__builtin_ctzll(m);
	return q->cur + 1 + ((found - s) & mask);
}

/* ---- placing a timer ---------------------------------------------------- */

static int run_room(struct evq *q, size_t n)
{
	return room(q, &q->run, &q->rcap, n, 64);
}

/* Onto the end of run, if t's key is past its last entry's (the usual
 * case: scheduled later in the current bucket, with a larger sequence
 * number). Returns 0 if done. */
static int run_append(struct evq *q, struct evq_timer *t)
{
	struct evq_ent e = {.when = t->when, .seq = t->seq, .t = t};
	if (q->rhead == q->rn)
		q->rhead = q->rn = 0;
	else if (!ent_less(&q->run[q->rn - 1], &e))
		return -1; /* (a rebuild places entries in any order) */
	if (q->rn == q->rcap && run_room(q, q->rn + 1) < 0)
		return -1;
	t->idx = (uint32_t)q->rn;
	t->where = IN_RUN;
	q->run[q->rn++] = e;
	q->nrun++;
	return 0;
}

static int place(struct evq *q, struct evq_timer *t)
{
	uint64_t k = bucket_of(q, t->when);
	if (t->when < 0 || k <= q->cur)
		return run_append(q, t) == 0
			       ? 0
			       : heap_push(q, &q->near, t, IN_NEAR);
	if (k - q->cur < q->nb)
		return ring_append(q, k, t);
	return heap_push(q, &q->far, t, IN_FAR);
}

static void unplace(struct evq *q, struct evq_timer *t)
{
	switch (t->where) {
	case IN_NEAR:
		assert(q->near.h[t->idx].t == t);
		heap_remove(&q->near, t->idx);
		break;
	case IN_RING:
		ring_remove(q, t);
		break;
	case IN_RUN:
		assert(q->run[t->idx].t == t);
		q->run[t->idx].t = NULL;
		q->nrun--;
		break;
	default:
		assert(q->far.h[t->idx].t == t);
		heap_remove(&q->far, t->idx);
		break;
	}
	t->idx = EVQ_IDLE;
}

static int ring_alloc(struct evq *q, uint32_t nb)
{
	struct evq_bucket *ring = calloc(nb, sizeof *ring);
	uint64_t *bits = calloc(nb >> 6, sizeof *bits);
	if (!ring || !bits) {
		free(ring);
		free(bits);
		return -1;
	}
	q->ring = ring;
	q->bits = bits;
	q->nb = nb;
	q->grows++;
	return 0;
}

static void ring_free(struct evq *q)
{
	for (uint32_t s = 0; s < q->nb; s++)
		free(q->ring[s].e);
	free(q->ring);
	free(q->bits);
	q->ring = NULL;
	q->bits = NULL;
	q->nb = 0;
}

/* A ring of about twice the pending timers within its reach (those in
 * far left out) over AIM buckets, kept as it is within a factor of two
 * either way. */
static uint32_t ring_size(const struct evq *q)
{
	size_t pending = evq_size(q) - q->far.n;
	uint64_t want = NB_MIN;
	while (want < NB_MAX && want * AIM < 2 * (uint64_t)pending)
		want *= 2;
	if (q->nb && want <= 2 * (uint64_t)q->nb && 4 * want >= q->nb)
		return q->nb;
	return (uint32_t)want;
}

/* far gives up what the ring now reaches. */
static int far_give(struct evq *q)
{
	while (q->far.n && bucket_of(q, q->far.h[0].when) - q->cur < q->nb) {
		struct evq_ent *e = &q->far.h[0];
		struct evq_timer *t = e->t;
		if (e->when != t->when || e->seq != t->seq) {
			/* re-armed for later while here: filed again */
			e->when = t->when;
			e->seq = t->seq;
			sift_down(&q->far, 0);
			continue;
		}
		heap_remove(&q->far, 0);
		if (place(q, t) < 0) {
			heap_push(q, &q->far, t, IN_FAR); /* room is there */
			return -1;
		}
	}
	return 0;
}

/* A new width and ring size: run's, near's and the ring's entries are
 * placed again, and far gives up what the new ring reaches. The room is
 * made first, so that a failure leaves everything as it was; near and far
 * can then take anything the ring cannot. */
static int rebuild(struct evq *q, unsigned shift, uint32_t nb)
{
	size_t n = q->nrun + q->near.n + q->nring;
	struct evq_ent *keep = malloc((n ? n : 1) * sizeof *keep);
	struct evq_bucket *oring = q->ring;
	uint64_t *obits = q->bits;
	uint32_t onb = q->nb;
	if (!keep || heap_room(q, &q->near, n) < 0 ||
	    heap_room(q, &q->far, q->far.n + n) < 0 || ring_alloc(q, nb) < 0) {
		free(keep);
		return -1;
	}
	size_t m = 0;
	for (size_t i = q->rhead; i < q->rn; i++)
		if (q->run[i].t)
			keep[m++] = q->run[i];
	for (size_t i = 0; i < q->near.n; i++)
		keep[m++] = q->near.h[i];
	for (uint32_t s = 0; s < onb; s++) {
		for (uint32_t i = 0; i < oring[s].n; i++)
			keep[m++] = oring[s].e[i];
		free(oring[s].e);
	}
	free(oring);
	free(obits);
	q->near.n = 0;
	q->rhead = q->rn = q->nrun = 0;
	q->nring = 0;
	q->shift = shift;
	q->cur = bucket_of(q, q->last);
	int rc = 0;
	for (size_t i = 0; i < m; i++)
		if (place(q, keep[i].t) < 0) {
			/* a ring bucket could not grow: far holds it, and the
			 * run ends (nomem) */
			heap_push(q, &q->far, keep[i].t, IN_FAR);
			rc = -1;
		}
	free(keep);
	q->pops = 0;
	q->rebuilds++;
	return rc | far_give(q);
}

/* Every 64 bucket changes, a width that brings AIM_LO..AIM_HI entries per
 * bucket and a ring of about twice the pending timers short of far over
 * AIM buckets. */
static int adapt(struct evq *q)
{
	if (++q->adv < 64)
		return 0;
	uint64_t mean = q->adv_moved / q->adv;
	q->adv = q->adv_moved = 0;
	size_t pending = evq_size(q);
	if (q->pops < pending)
		return 0; /* too soon after the last rebuild */
	unsigned shift = q->shift;
	if (mean > AIM_HI)
		while (shift > 0 && mean > AIM) {
			shift--;
			mean /= 2;
		}
	else if (mean < AIM_LO && (q->nring || q->far.n))
		while (shift < SHIFT_MAX && mean < AIM) {
			shift++;
			mean = mean ? mean * 2 : 1;
		}
	uint32_t nb = ring_size(q);
	if (shift == q->shift && nb == q->nb)
		return 0;
	return rebuild(q, shift, nb);
}

static bool sorted(const struct evq_ent *e, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!ent_less(&e[i - 1], &e[i]))
			return false;
	return true;
}

/* A bucket's entries in order, if there are few: an insertion sort on
 * the bucket's own array (entries that are nearly in order, as they
 * mostly are, move little) touches no timer, where the near heap would
 * write each moved entry's position into its timer at every level. */
#define SORT_MAX 64

static void sort_small(struct evq_ent *e, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct evq_ent x = e[i];
		size_t j = i;
		for (; j > 0 && ent_less(&x, &e[j - 1]); j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

/* run and near are empty: make the next bucket that holds something
 * current. */
static int advance(struct evq *q)
{
	if (adapt(q) < 0)
		return -1;
next:
	if (q->near.n || q->nrun)
		return 0; /* the rebuild, or far, brought some */
	q->rhead = q->rn = 0;
	if (q->nring)
		q->cur = ring_next(q);
	else if (q->far.n)
		q->cur = bucket_of(q, q->far.h[0].when);
	else
		return 0;
	if (q->nring) {
		uint32_t s = (uint32_t)(q->cur & (q->nb - 1));
		struct evq_bucket *b = &q->ring[s];
		bool in_order = sorted(b->e, b->n);
		if (!in_order && b->n <= SORT_MAX) {
			/* room first: a failure leaves the bucket as it was */
			if (run_room(q, b->n) < 0)
				return -1;
			sort_small(b->e, b->n);
			in_order = true;
		}
		if (in_order && run_room(q, b->n) < 0)
			return -1;
		if (in_order) {
			memcpy(q->run, b->e, (size_t)b->n * sizeof *b->e);
			for (uint32_t i = 0; i < b->n; i++) {
				struct evq_timer *t = q->run[i].t;
				if (i + 8 < b->n)
					__builtin_prefetch(q->run[i + 8].t, 1);
				t->idx = i;
				t->where = IN_RUN;
			}
			q->rn = q->nrun = b->n;
		} else {
			if (heap_room(q, &q->near, b->n) < 0)
				return -1;
			for (uint32_t i = 0; i < b->n; i++) {
				struct evq_timer *t = b->e[i].t;
				if (i + 8 < b->n)
					__builtin_prefetch(b->e[i + 8].t, 1);
				size_t j = q->near.n++;
				q->near.h[j] = b->e[i];
				t->where = IN_NEAR;
				sift_up(&q->near, j);
			}
		}
		q->nring -= b->n;
		/* a bucket keeps room for about what it holds, not for its
		 * busiest moment (the room grows back by doubling) */
		if (b->cap > 4 * b->n + 16) {
			free(b->e);
			b->e = NULL;
			b->cap = 0;
		}
		b->n = 0;
		q->bits[s >> 6] &= ~(1ull << (s & 63));
		heap_trim(&q->near);
		heap_trim(&q->far);
	}
	if (far_give(q) < 0)
		return -1;
	q->adv_moved += q->nrun + q->near.n;
	goto next;
}

/* near has grown past NEAR_BIG: narrower buckets, if it has been long
 * enough since the last rebuild. */
static int narrow(struct evq *q)
{
	size_t pending = evq_size(q);
	if (q->pops < pending || q->shift == 0)
		return 0;
	unsigned shift = q->shift;
	for (size_t m = q->near.n; shift > 0 && m > AIM; m /= 2)
		shift--;
	return rebuild(q, shift, ring_size(q));
}

/* ---- the interface ------------------------------------------------------ */

void evq_init(struct evq *q)
{
	memset(q, 0, sizeof *q);
	q->shift = SHIFT_INIT;
}

void evq_fini(struct evq *q)
{
	for (size_t i = q->rhead; i < q->rn; i++)
		if (q->run[i].t)
			q->run[i].t->idx = EVQ_IDLE;
	for (size_t i = 0; i < q->near.n; i++)
		q->near.h[i].t->idx = EVQ_IDLE;
	for (size_t i = 0; i < q->far.n; i++)
		q->far.h[i].t->idx = EVQ_IDLE;
	for (uint32_t s = 0; s < q->nb; s++)
		for (uint32_t i = 0; i < q->ring[s].n; i++)
			q->ring[s].e[i].t->idx = EVQ_IDLE;
	ring_free(q);
	free(q->run);
	free(q->near.h);
	free(q->far.h);
	evq_init(q);
}

void evq_timer_init(struct evq_timer *t, evq_fn fn)
{
	t->when = 0;
	t->seq = 0;
	t->idx = EVQ_IDLE;
	t->where = IN_NEAR;
	t->fn = fn;
}

int evq_reserve(struct evq *q, size_t n)
{
	return heap_room(q, &q->near, n);
}

int evq_schedule(struct evq *q, struct evq_timer *t, sim_time_t when)
{
	if (!q->nb && ring_alloc(q, NB_MIN) < 0)
		return -1;
	if (t->idx != EVQ_IDLE) {
		/* in near, staying there: a move within the heap */
		if (t->where == IN_NEAR && bucket_of(q, when) <= q->cur) {
			size_t i = t->idx;
			t->when = when;
			t->seq = q->next_seq++;
			q->near.h[i].when = when;
			q->near.h[i].seq = t->seq;
			if (i > 0 &&
			    ent_less(&q->near.h[i], &q->near.h[(i - 1) / ARITY]))
				sift_up(&q->near, i);
			else
				sift_down(&q->near, i);
			return 0;
		}
		/* in far, for later: its entry keeps the earlier key until
		 * it comes within reach (far_give) */
		if (t->where == IN_FAR && when >= t->when) {
			t->when = when;
			t->seq = q->next_seq++;
			return 0;
		}
		unplace(q, t);
	}
	t->when = when;
	t->seq = q->next_seq++;
	if (place(q, t) < 0) {
		t->idx = EVQ_IDLE;
		return -1;
	}
	if (q->near.n > NEAR_BIG && narrow(q) < 0)
		q->nomem = true;
	return 0;
}

void evq_cancel(struct evq *q, struct evq_timer *t)
{
	if (t->idx != EVQ_IDLE)
		unplace(q, t);
}

void evq_timer_move(struct evq *q, struct evq_timer *from,
		    struct evq_timer *to)
{
	assert(from->idx != EVQ_IDLE && to->idx == EVQ_IDLE);
	struct evq_ent *e;
	switch (from->where) {
	case IN_NEAR:
		e = &q->near.h[from->idx];
		break;
	case IN_RING:
		e = &q->ring[bucket_of(q, from->when) & (q->nb - 1)]
			     .e[from->idx];
		break;
	case IN_RUN:
		e = &q->run[from->idx];
		break;
	default:
		e = &q->far.h[from->idx];
		break;
	}
	assert(e->t == from);
	e->t = to;
	evq_fn fn = to->fn;
	*to = *from;
	to->fn = fn;
	from->idx = EVQ_IDLE;
}

/* The earliest entry, in run or near; NULL if none (after advancing, if
 * both were empty). */
static const struct evq_ent *first(struct evq *q)
{
	while (q->rhead < q->rn && !q->run[q->rhead].t)
		q->rhead++;
	if (q->rhead == q->rn && q->near.n == 0) {
		if (advance(q) < 0) {
			q->nomem = true;
			return NULL;
		}
		while (q->rhead < q->rn && !q->run[q->rhead].t)
			q->rhead++;
	}
	const struct evq_ent *r = q->rhead < q->rn ? &q->run[q->rhead] : NULL;
	if (q->near.n && (!r || ent_less(&q->near.h[0], r)))
		return &q->near.h[0];
	return r;
}

struct evq_timer *evq_pop(struct evq *q)
{
	const struct evq_ent *e = first(q);
	if (!e)
		return NULL;
	struct evq_timer *t = e->t;
	if (t->where == IN_NEAR) {
		heap_remove(&q->near, 0);
	} else {
		q->rhead++;
		q->nrun--;
	}
	t->idx = EVQ_IDLE;
	q->last = t->when;
	q->pops++;
	return t;
}

sim_time_t evq_next_time(struct evq *q)
{
	const struct evq_ent *e = first(q);
	return e ? e->when : SIM_TIME_NEVER;
}
