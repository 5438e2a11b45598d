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

START_TEST(test_random_against_reference)
{
	enum { N = 512, OPS = 1000000 };
	struct evq q;
	struct evq_timer *t = calloc(N, sizeof *t);
	struct ref *r = calloc(N, sizeof *r);
	struct rng g;
	uint64_t seq = 0;
	sim_time_t now = 0;
	size_t npending = 0;
	long pops = 0, cancels = 0, rearms = 0, arms = 0;

	rng_derive(&g, 42, "evq-reference");
	evq_init(&q);
	for (int i = 0; i < N; i++)
		evq_timer_init(&t[i], nop);
	for (int op = 0; op < OPS; op++) {
		uint64_t k = rng_below(&g, 100);
		int i = (int)rng_below(&g, N);
		if (k < 50) {
			/* Small spread of times, so ties are common. */
			sim_time_t when = now + (sim_time_t)rng_below(&g, 64);
			if (r[i].pending)
				rearms++;
			else
				arms++, npending++;
			REQUIRE(op, evq_schedule(&q, &t[i], when) == 0);
			r[i] = (struct ref){true, when, seq++};
		} else if (k < 70) {
			if (r[i].pending)
				npending--, cancels++;
			evq_cancel(&q, &t[i]);
			r[i].pending = false;
		} else {
			int m = ref_min(r, N);
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
		int m = ref_min(r, N);
		REQUIRE(op, evq_next_time(&q) ==
				    (m < 0 ? SIM_TIME_NEVER : r[m].when));
		for (int j = 0; j < 4; j++) {
			int x = (int)rng_below(&g, N);
			REQUIRE(op, evq_pending(&t[x]) == r[x].pending);
		}
	}
	/* Each kind of operation happened many times. */
	ck_assert_int_gt(pops, 100000);
	ck_assert_int_gt(cancels, 50000);
	ck_assert_int_gt(rearms, 50000);
	ck_assert_int_gt(arms, 100000);
	evq_fini(&q);
	free(t);
	free(r);
}
END_TEST

START_TEST(test_no_allocation_after_reserve)
{
	struct evq q;
	struct evq_timer t[100];
	evq_init(&q);
	ck_assert_int_eq(evq_reserve(&q, 100), 0);
	struct evq_ent *h = q.h;
	for (int i = 0; i < 100; i++) {
		evq_timer_init(&t[i], nop);
		evq_schedule(&q, &t[i], 100 - i);
	}
	ck_assert_ptr_eq(q.h, h);
	for (int i = 99; i >= 0; i--)
		ck_assert_ptr_eq(evq_pop(&q), &t[i]);
	evq_fini(&q);
}
END_TEST

Suite *evq_suite(void)
{
	Suite *s = suite_create("evq");
	TCase *tc = tcase_create("order");
	tcase_add_test(tc, test_equal_times_run_in_insertion_order);
	tcase_add_test(tc, test_rearm_goes_behind_equal_times);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_no_allocation_after_reserve);
	suite_add_tcase(s, tc);
	TCase *tr = tcase_create("reference");
	tcase_set_timeout(tr, 120);
	tcase_add_test(tr, test_random_against_reference);
	suite_add_tcase(s, tr);
	return s;
}
