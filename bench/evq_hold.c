/* evq_hold.c — the hold model on the future-event set.
 *
 * With N events pending, one "hold" pops the earliest event and schedules
 * it again a random increment later, so the queue stays at N. We report
 * nanoseconds per hold for tcpsim's event set (intrusive timers that know
 * where their entry is, for cancel and re-arm; a calendar of buckets in
 * front of a heap, sim/engine/evq.c) next to bare array heaps of the same
 * (time, sequence) keys with no timers attached: a binary heap (the usual
 * baseline), a 4-ary and an 8-ary one. All four run the same increments,
 * in the same process, interleaved, best of several repetitions (the
 * machine is shared: a single pass can be off by 30 %; `evq_hold N` runs
 * N repetitions, 11 by default).
 *
 * Increments are exponential with mean 1 ms (precomputed, so random number
 * generation is not timed).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/engine/evq.h"
#include "sim/engine/rng.h"

#define NINC (1u << 20)

static sim_time_t *inc;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void make_increments(void)
{
	struct rng r;
	rng_derive(&r, 1, "bench-hold");
	inc = malloc(NINC * sizeof *inc);
	for (unsigned i = 0; i < NINC; i++) {
		double u = ((double)(rng_next(&r) >> 11) + 0.5) / 9007199254740992.0;
		inc[i] = (sim_time_t)(-log(u) * 1e6);
	}
}

/* ---- a bare heap of keys, for comparison ------------------------------- */

struct key {
	sim_time_t when;
	uint64_t seq;
};

static inline int key_less(const struct key *a, const struct key *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

struct bare {
	struct key *h;
	size_t n;
	uint64_t seq;
	int arity;
};

static void bare_push(struct bare *b, sim_time_t when)
{
	struct key k = {when, b->seq++};
	size_t i = b->n++;
	while (i > 0) {
		size_t p = (i - 1) / (size_t)b->arity;
		if (!key_less(&k, &b->h[p]))
			break;
		b->h[i] = b->h[p];
		i = p;
	}
	b->h[i] = k;
}

static struct key bare_pop(struct bare *b)
{
	struct key top = b->h[0];
	struct key k = b->h[--b->n];
	size_t i = 0, n = b->n, a = (size_t)b->arity;
	for (;;) {
		size_t c = i * a + 1;
		if (c >= n)
			break;
		size_t m = c, end = c + a < n ? c + a : n;
		for (size_t j = c + 1; j < end; j++)
			if (key_less(&b->h[j], &b->h[m]))
				m = j;
		if (!key_less(&b->h[m], &k))
			break;
		b->h[i] = b->h[m];
		i = m;
	}
	b->h[i] = k;
	return top;
}

static double bench_bare(size_t n, size_t holds, int arity)
{
	struct bare b = {malloc((n + 1) * sizeof(struct key)), 0, 0, arity};
	for (size_t i = 0; i < n; i++)
		bare_push(&b, inc[i & (NINC - 1)] * 4);
	size_t k = n;
	for (size_t i = 0; i < n; i++, k++) /* warm up */
		bare_push(&b, bare_pop(&b).when + inc[k & (NINC - 1)]);
	double t0 = now_ns();
	sim_time_t sink = 0;
	for (size_t i = 0; i < holds; i++, k++) {
		struct key top = bare_pop(&b);
		sink ^= top.when;
		bare_push(&b, top.when + inc[k & (NINC - 1)]);
	}
	double dt = now_ns() - t0;
	if (sink == 42)
		puts("");
	free(b.h);
	return dt / (double)holds;
}

static void nop(struct sim *s, struct evq_timer *t)
{
	(void)s;
	(void)t;
}

static double bench_evq(size_t n, size_t holds)
{
	struct evq q;
	struct evq_timer *t = malloc(n * sizeof *t);
	evq_init(&q);
	evq_reserve(&q, n);
	for (size_t i = 0; i < n; i++) {
		evq_timer_init(&t[i], nop);
		evq_schedule(&q, &t[i], inc[i & (NINC - 1)] * 4);
	}
	size_t k = n;
	for (size_t i = 0; i < n; i++, k++) {
		struct evq_timer *e = evq_pop(&q);
		evq_schedule(&q, e, e->when + inc[k & (NINC - 1)]);
	}
	double t0 = now_ns();
	for (size_t i = 0; i < holds; i++, k++) {
		struct evq_timer *e = evq_pop(&q);
		evq_schedule(&q, e, e->when + inc[k & (NINC - 1)]);
	}
	double dt = now_ns() - t0;
	evq_fini(&q);
	free(t);
	return dt / (double)holds;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 11;
	make_increments();
	printf("hold model: ns per hold (pop the earliest, schedule it again), "
	       "best of %d\n", reps);
	printf("%10s %12s %14s %8s %12s %12s\n", "pending", "tcpsim evq",
	       "bare binary", "ratio", "bare 4-ary", "bare 8-ary");
	for (size_t n = 1000; n <= 1000000; n *= 10) {
		size_t holds = n < 1000000 ? 3000000 : 2000000;
		double e = 1e18, b2 = 1e18, b4 = 1e18, b8 = 1e18;
		for (int r = 0; r < reps; r++) {
			double x = bench_evq(n, holds);
			double y = bench_bare(n, holds, 2);
			double z = bench_bare(n, holds, 4);
			double w = bench_bare(n, holds, 8);
			e = x < e ? x : e;
			b2 = y < b2 ? y : b2;
			b4 = z < b4 ? z : b4;
			b8 = w < b8 ? w : b8;
		}
		printf("%10zu %12.1f %14.1f %8.2f %12.1f %12.1f\n", n, e, b2,
		       e / b2, b4, b8);
	}
	free(inc);
	return 0;
}
