/* check_evq.c — the future-event set against a reference model. */
#include <stdlib.h>

#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "suites.h"

static void nop(struct sim *s, struct evq_timer *t)
{
	(void)s;
	(void)t;
}

START_TEST(test_equal_times_run_in_insertion_order)
{
	struct evq q;
	struct evq_timer t[8];
	evq_init(&q);
	for (int i = 0; i < 8; i++) {
		evq_timer_init(&t[i], nop);
		ck_assert_int_eq(evq_schedule(&q, &t[i], 100), 0);
	}
	for (int i = 0; i < 8; i++)
		ck_assert_ptr_eq(evq_pop(&q), &t[i]);
	ck_assert_ptr_null(evq_pop(&q));
	evq_fini(&q);
}
END_TEST

START_TEST(test_rearm_goes_behind_equal_times)
{
	struct evq q;
	struct evq_timer a, b, c;
	evq_init(&q);
	evq_timer_init(&a, nop);
	evq_timer_init(&b, nop);
	evq_timer_init(&c, nop);
	evq_schedule(&q, &a, 50);
	evq_schedule(&q, &b, 50);
	evq_schedule(&q, &c, 10);
	/* Re-arming a for the same time puts it after b. */
	evq_schedule(&q, &a, 50);
	ck_assert_int_eq(evq_size(&q), 3);
	ck_assert_int_eq(evq_next_time(&q), 10);
	ck_assert_ptr_eq(evq_pop(&q), &c);
	ck_assert_ptr_eq(evq_pop(&q), &b);
	ck_assert_ptr_eq(evq_pop(&q), &a);
	ck_assert(!evq_pending(&a));
	evq_fini(&q);
}
END_TEST

START_TEST(test_cancel)
{
	struct evq q;
	struct evq_timer a, b;
	evq_init(&q);
	evq_timer_init(&a, nop);
	evq_timer_init(&b, nop);
	evq_cancel(&q, &a); /* idle: harmless */
	evq_schedule(&q, &a, 5);
	evq_schedule(&q, &b, 7);
	ck_assert(evq_pending(&a));
	evq_cancel(&q, &a);
	ck_assert(!evq_pending(&a));
	evq_cancel(&q, &a);
	ck_assert_int_eq(evq_size(&q), 1);
	ck_assert_ptr_eq(evq_pop(&q), &b);
	ck_assert_int_eq(evq_next_time(&q), SIM_TIME_NEVER);
	evq_fini(&q);
}
END_TEST

/* Check's asserts report every pass through a pipe; in a loop of a
 * million operations only a failure is reported. */
#define REQUIRE(op, cond)                                                  \
	do {                                                               \
		if (!(cond))                                               \
			ck_abort_msg("operation %d: %s", (op), #cond);     \
	} while (0)

/* The reference: a flat array scanned for the minimum (time, seq). */
struct ref {
	bool pending;
	sim_time_t when;
	uint64_t seq;
};

static int ref_min(const struct ref *r, int n)
{
	int m = -1;
	for (int i = 0; i < n; i++) {
		if (!r[i].pending)
			continue;
		if (m < 0 || r[i].when < r[m].when ||
		    (r[i].when == r[m].when && r[i].seq < r[m].seq))
			m = i;
	}
	return m;
}

/* Random schedules, re-arms, cancels and pops, each checked against the
 * reference. `far` is how far ahead, in ns, one schedule in eight may go
 * (the others go at most 64 ns ahead, so ties are common). The set's
 * parts are all used on the way: the ring, the far heap, and a change of
 * the bucket width. */
static void random_against_reference(int n, int ops, uint64_t far,
				     unsigned near_in_8, uint64_t seed)
{
	struct evq q;
	struct evq_timer *t = calloc((size_t)n, sizeof *t);
	struct ref *r = calloc((size_t)n, sizeof *r);
	struct rng g;
	uint64_t seq = 0;
	sim_time_t now = 0;
	size_t npending = 0, max_ring = 0, max_far = 0;
	long pops = 0, cancels = 0, rearms = 0, arms = 0;

	rng_derive(&g, seed, "evq-reference");
	evq_init(&q);
	for (int i = 0; i < n; i++)
		evq_timer_init(&t[i], nop);
	for (int op = 0; op < ops; op++) {
		/* phases of filling and of draining, so that buckets
		 * empty and the width adapts */
		bool drain = (op >> 12) & 1;
		uint64_t k = rng_below(&g, 100);
		int i = (int)rng_below(&g, (uint64_t)n);
		if (k < (drain ? 20u : 50u)) {
			sim_time_t when =
				now + (sim_time_t)(rng_below(&g, 8) < near_in_8
							   ? rng_below(&g, 64)
							   : rng_below(&g, far));
			if (r[i].pending)
				rearms++;
			else
				arms++, npending++;
			REQUIRE(op, evq_schedule(&q, &t[i], when) == 0);
			r[i] = (struct ref){true, when, seq++};
		} else if (k < (drain ? 30u : 70u)) {
			if (r[i].pending)
				npending--, cancels++;
			evq_cancel(&q, &t[i]);
			r[i].pending = false;
		} else {
			int m = ref_min(r, n);
			struct evq_timer *got = evq_pop(&q);
			if (m < 0) {
				REQUIRE(op, got == NULL);
				continue;
			}
			REQUIRE(op, got == &t[m]);
			REQUIRE(op, !evq_pending(got));
			REQUIRE(op, r[m].when >= now);
			now = r[m].when;
			r[m].pending = false;
			npending--;
			pops++;
		}
		REQUIRE(op, evq_size(&q) == npending);
		max_ring = q.nring > max_ring ? q.nring : max_ring;
		max_far = q.far.n > max_far ? q.far.n : max_far;
		int m = ref_min(r, n);
		REQUIRE(op, evq_next_time(&q) ==
				    (m < 0 ? SIM_TIME_NEVER : r[m].when));
		for (int j = 0; j < 4; j++) {
			int x = (int)rng_below(&g, (uint64_t)n);
			REQUIRE(op, evq_pending(&t[x]) == r[x].pending);
		}
	}
	/* Each kind of operation happened many times. */
	ck_assert_int_gt(pops, ops / 10);
	ck_assert_int_gt(cancels, ops / 100);
	ck_assert_int_gt(rearms, ops / 100);
	ck_assert_int_gt(arms, ops / 10);
	ck_assert_uint_gt(max_ring, 0);
	ck_assert_uint_gt(max_far, 0);
	ck_assert_uint_gt(q.rebuilds, 0);
	evq_fini(&q);
	free(t);
	free(r);
}

START_TEST(test_random_against_reference)
{
	random_against_reference(512, 1000000, 1ull << 40, 7, 42);
}
END_TEST

/* Wider spreads of time with more timers: buckets fill and empty at every
 * scale, and the width moves both ways. */
START_TEST(test_random_against_reference_wide)
{
	random_against_reference(2048, 300000, 1ull << 30, 4, 7);
	random_against_reference(64, 300000, 1ull << 40, 0, 8);
}
END_TEST

/* n timers a gap apart, each re-armed n gaps later when it fires: the
 * hold model. Returns the bucket width's shift at the end; pops must come
 * in time order, each timer in its turn. */
static unsigned hold_width(int n, sim_time_t gap, int holds)
{
	struct evq q;
	struct evq_timer *t = calloc((size_t)n, sizeof *t);
	evq_init(&q);
	for (int i = 0; i < n; i++) {
		evq_timer_init(&t[i], nop);
		evq_schedule(&q, &t[i], (sim_time_t)i * gap);
	}
	for (int h = 0; h < holds; h++) {
		struct evq_timer *e = evq_pop(&q);
		ck_assert_ptr_eq(e, &t[h % n]);
		ck_assert_int_eq(e->when, (sim_time_t)h * gap);
		evq_schedule(&q, e, e->when + (sim_time_t)n * gap);
	}
	unsigned shift = q.shift;
	evq_fini(&q);
	free(t);
	return shift;
}

/* Buckets widen when events are sparse and narrow when they are dense,
 * to hold a few tens each. */
/* A bucket whose timers were scheduled out of order comes out in order:
 * with up to 64, sorted into run, where a cancelled one is skipped; with
 * more, through near. The bucket here is in the future (2^16 ns wide at
 * first), its times given in reverse. */
START_TEST(test_bucket_out_of_order_comes_out_in_order)
{
	static const int sizes[] = {2, 40, 64, 65, 200};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		int n = sizes[k];
		struct evq q;
		struct evq_timer *t = calloc((size_t)n, sizeof *t);
		ck_assert_ptr_nonnull(t);
		evq_init(&q);
		/* times 1,000,000 + 200 * (n - i): one bucket, reversed */
		for (int i = 0; i < n; i++) {
			evq_timer_init(&t[i], nop);
			ck_assert_int_eq(evq_schedule(&q, &t[i],
						      1000000 + 200 * (n - i)),
					 0);
		}
		/* the bucket becomes current with the first pop */
		ck_assert_ptr_eq(evq_pop(&q), &t[n - 1]);
		evq_cancel(&q, &t[n / 2]); /* now in run, or near */
		ck_assert(!evq_pending(&t[n / 2]));
		for (int i = n - 2; i >= 0; i--) {
			if (i == n / 2)
				continue;
			ck_assert_ptr_eq(evq_pop(&q), &t[i]);
			ck_assert_int_eq(q.last, 1000000 + 200 * (n - i));
		}
		ck_assert_ptr_null(evq_pop(&q));
		evq_fini(&q);
		free(t);
	}
}
END_TEST

START_TEST(test_width_follows_load)
{
	struct evq q;
	evq_init(&q);
	unsigned shift0 = q.shift; /* 2^16 ns */
	evq_fini(&q);
	/* one event per 10 ms: tens per bucket means 2^28 ns or so */
	unsigned sparse = hold_width(1000, 10000000, 200000);
	ck_assert_uint_ge(sparse, 26);
	ck_assert_uint_le(sparse, 30);
	/* one event per 50 ns: 2^10 or 2^11 ns */
	unsigned dense = hold_width(20000, 50, 400000);
	ck_assert_uint_ge(dense, 9);
	ck_assert_uint_le(dense, 12);
	ck_assert_uint_gt(sparse, shift0);
	ck_assert_uint_lt(dense, shift0);
}
END_TEST

/* When the current bucket is placed again (here: near grows past
 * NEAR_BIG and the width narrows), run's and near's entries are placed
 * in no particular order; equal times must still come out by sequence.
 * B is scheduled at 500 while run ends later (so into near), run is then
 * emptied, and A, at 500 too but scheduled after B, goes into run. */
START_TEST(test_rebuild_keeps_ties_in_order)
{
	struct evq q;
	evq_init(&q);
	enum { FILL = 1100 };
	struct evq_timer *t = calloc(FILL + 3, sizeof *t);
	for (int i = 0; i < FILL + 3; i++)
		evq_timer_init(&t[i], nop);
	/* enough pops that a rebuild is allowed */
	for (int i = 0; i < 2 * FILL; i++) {
		evq_schedule(&q, &t[0], 0);
		ck_assert_ptr_eq(evq_pop(&q), &t[0]);
	}
	struct evq_timer *y = &t[0], *b = &t[1], *a = &t[2];
	evq_schedule(&q, y, 700);
	evq_schedule(&q, b, 500);
	ck_assert_uint_eq(q.near.n, 1);
	evq_cancel(&q, y);
	ck_assert_int_eq(evq_next_time(&q), 500); /* run's tombstone gone */
	evq_schedule(&q, a, 500);
	ck_assert_uint_eq(q.nrun, 1);
	unsigned shift = q.shift;
	for (int i = 0; i < FILL; i++) /* earlier, each into near */
		evq_schedule(&q, &t[3 + i], 400 - i % 400);
	ck_assert_uint_lt(q.shift, shift); /* it was placed again */
	sim_time_t last = -1;
	uint64_t last_seq = 0;
	for (int i = 0; i < FILL + 2; i++) {
		struct evq_timer *e = evq_pop(&q);
		ck_assert_ptr_nonnull(e);
		ck_assert(e->when > last ||
			  (e->when == last && e->seq > last_seq));
		last = e->when;
		last_seq = e->seq;
	}
	ck_assert_ptr_null(evq_pop(&q));
	evq_fini(&q);
	free(t);
}
END_TEST

/* Once the set has held a pattern of events, holding it again allocates
 * nothing: the event loop does not call malloc per event. */
START_TEST(test_no_allocation_at_working_size)
{
	struct evq q;
	struct evq_timer t[100];
	evq_init(&q);
	ck_assert_int_eq(evq_reserve(&q, 100), 0);
	uint64_t grows = 0;
	for (int round = 0; round < 3; round++) {
		sim_time_t base = round * 1000;
		for (int i = 0; i < 100; i++) {
			evq_timer_init(&t[i], nop);
			evq_schedule(&q, &t[i], base + 100 - i);
		}
		for (int i = 99; i >= 0; i--)
			ck_assert_ptr_eq(evq_pop(&q), &t[i]);
		if (round == 0)
			grows = q.grows;
		else
			ck_assert_uint_eq(q.grows, grows);
	}
	evq_fini(&q);
}
END_TEST

/* A cancelled timer may be freed at once: its entry, still filed, never
 * reaches it again. (Under ASan a use after free would abort.) */
START_TEST(test_cancelled_timer_may_be_freed)
{
	struct evq q;
	evq_init(&q);
	struct evq_timer *a = malloc(sizeof *a), b;
	evq_timer_init(a, nop);
	evq_timer_init(&b, nop);
	evq_schedule(&q, a, 10);
	evq_schedule(&q, &b, 20);
	evq_cancel(&q, a);
	free(a);
	ck_assert_int_eq(evq_next_time(&q), 20);
	ck_assert_ptr_eq(evq_pop(&q), &b);
	ck_assert_ptr_null(evq_pop(&q));
	evq_fini(&q);
}
END_TEST

/* Re-armed for later, a timer runs at its new time, behind what was
 * scheduled for that time before the re-arm; re-armed for earlier, it
 * runs then and not again at the old time. Once at times beyond the
 * buckets' reach (in seconds: the far heap, where a re-arm for later
 * leaves the entry where it is), once within one bucket (ns). */
START_TEST(test_rearm_later_and_earlier)
{
	static const sim_time_t unit[] = {1000000000, 1};
	for (int u = 0; u < 2; u++) {
		sim_time_t x = unit[u];
		struct evq q;
		struct evq_timer a, b, c;
		evq_init(&q);
		evq_timer_init(&a, nop);
		evq_timer_init(&b, nop);
		evq_timer_init(&c, nop);
		evq_schedule(&q, &a, 10 * x);
		evq_schedule(&q, &b, 30 * x);
		evq_schedule(&q, &a, 30 * x); /* later: behind b */
		evq_schedule(&q, &c, 40 * x);
		evq_schedule(&q, &c, 5 * x);  /* earlier */
		ck_assert_uint_eq(q.far.n, u == 0 ? 3 : 0);
		ck_assert_int_eq(evq_size(&q), 3);
		ck_assert_int_eq(evq_next_time(&q), 5 * x);
		ck_assert_ptr_eq(evq_pop(&q), &c);
		ck_assert_int_eq(evq_next_time(&q), 30 * x);
		ck_assert_ptr_eq(evq_pop(&q), &b);
		ck_assert_ptr_eq(evq_pop(&q), &a);
		ck_assert_int_eq(a.when, 30 * x);
		ck_assert_ptr_null(evq_pop(&q));
		ck_assert_int_eq(evq_next_time(&q), SIM_TIME_NEVER);
		evq_fini(&q);
	}
}
END_TEST

Suite *evq_suite(void)
{
	Suite *s = suite_create("evq");
	TCase *tc = tcase_create("order");
	tcase_add_test(tc, test_equal_times_run_in_insertion_order);
	tcase_add_test(tc, test_rearm_goes_behind_equal_times);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_bucket_out_of_order_comes_out_in_order);
	tcase_add_test(tc, test_no_allocation_at_working_size);
	tcase_add_test(tc, test_cancelled_timer_may_be_freed);
	tcase_add_test(tc, test_rearm_later_and_earlier);
	tcase_add_test(tc, test_width_follows_load);
	tcase_add_test(tc, test_rebuild_keeps_ties_in_order);
	suite_add_tcase(s, tc);
	TCase *tr = tcase_create("reference");
	tcase_set_timeout(tr, 120);
	tcase_add_test(tr, test_random_against_reference);
	tcase_add_test(tr, test_random_against_reference_wide);
	suite_add_tcase(s, tr);
	return s;
}
