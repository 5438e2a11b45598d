/* check_timeaxis.c — where a picture's time axis folds (timeaxis.h). */
#include "sim/diagram/timeaxis.h"
#include "suites.h"

#define S(x) SIM_S(x)
#define MS(x) SIM_MS(x)

/* The sequence diagrams fold every span of their threshold or more. */
START_TEST(test_sequence_diagrams_fold_every_long_span)
{
	struct timeaxis_rule r = timeaxis_rule(TA_LADDER, 0, 0);
	ck_assert_int_eq(r.min_gap, S(1));
	ck_assert_uint_eq(r.max_folds, 0);
	/* handshake, 2 h of keepalive idle, a probe, 75 s, a probe */
	const sim_time_t t[] = {0, MS(20), MS(40), S(7200) + MS(40),
				S(7200) + MS(60), S(7275) + MS(40)};
	struct timeaxis_piece pc[6];
	ck_assert_uint_eq(timeaxis_cut(t, 6, &r, pc), 3);
	ck_assert_int_eq(pc[0].a, 0);
	ck_assert_int_eq(pc[0].b, MS(40));
	ck_assert_int_eq(pc[1].a, S(7200) + MS(40));
	ck_assert_int_eq(pc[1].b, S(7200) + MS(60));
	ck_assert_int_eq(pc[2].a, S(7275) + MS(40));
	ck_assert_int_eq(pc[2].b, S(7275) + MS(40));
	/* exactly the threshold folds; a nanosecond less does not */
	ck_assert(timeaxis_folds(&r, S(3), S(4)));
	ck_assert(!timeaxis_folds(&r, S(3), S(4) - 1));
	/* asked for: the user's threshold */
	r = timeaxis_rule(TA_CHART, MS(300), 0);
	ck_assert_int_eq(r.min_gap, MS(300));
}
END_TEST

/* The ladder plot's threshold follows the run's median delay: 20 times
 * it, between 1 ms and 1 s; a run with no delivered segment, 1 s. */
START_TEST(test_ladder_plot_threshold_follows_the_median_delay)
{
	ck_assert_int_eq(timeaxis_rule(TA_LADDER_PLOT, 0, MS(20)).min_gap,
			 MS(400));
	ck_assert_int_eq(timeaxis_rule(TA_LADDER_PLOT, 0, SIM_US(10)).min_gap,
			 MS(1));
	ck_assert_int_eq(timeaxis_rule(TA_LADDER_PLOT, 0, MS(500)).min_gap,
			 S(1));
	ck_assert_int_eq(timeaxis_rule(TA_LADDER_PLOT, 0, 0).min_gap, S(1));
	ck_assert_int_eq(timeaxis_rule(TA_LADDER_PLOT, MS(7), MS(20)).min_gap,
			 MS(7));
}
END_TEST

/* A time series folds only spans of 10 s or more that would squash the
 * rest (more than a third of the time left to scale), the longest
 * first: a 3 s retransmission stall stays to scale. */
START_TEST(test_time_series_fold_only_spans_that_squash_the_rest)
{
	struct timeaxis_rule r = timeaxis_rule(TA_SERIES, 0, 0);
	ck_assert_int_eq(r.min_gap, S(10));
	ck_assert_uint_eq(r.max_folds, TIMEAXIS_MAX_FOLDS);
	struct timeaxis_piece pc[8];
	/* a 3 s stall in 4 s of transfer: nothing folds */
	const sim_time_t stall[] = {0, S(1) / 2, S(3) + S(1) / 2, S(4)};
	ck_assert_uint_eq(timeaxis_cut(stall, 4, &r, pc), 1);
	ck_assert_int_eq(pc[0].a, 0);
	ck_assert_int_eq(pc[0].b, S(4));
	/* 12 s idle between two 30 s of activity, a segment a second:
	 * long, but not a third of the 72 s */
	sim_time_t busy[62];
	for (int i = 0; i < 31; i++) {
		busy[i] = S(i);
		busy[31 + i] = S(42 + i);
	}
	ck_assert_uint_eq(timeaxis_cut(busy, 62, &r, pc), 1);
	/* 40 s idle in 100 s: folds */
	for (int i = 0; i < 31; i++)
		busy[31 + i] = S(70 + i);
	ck_assert_uint_eq(timeaxis_cut(busy, 62, &r, pc), 2);
	ck_assert_int_eq(pc[0].b, S(30));
	ck_assert_int_eq(pc[1].a, S(70));
	/* 2 h and then 1 h idle around a minute of probes every 15 s: both
	 * fold, the longest chosen first, the pieces in time order */
	const sim_time_t ka[] = {0,	  S(1),	   S(7201), S(7216),
				 S(7231), S(7246), S(7261), S(10861)};
	ck_assert_uint_eq(timeaxis_cut(ka, 8, &r, pc), 3);
	ck_assert_int_eq(pc[0].a, 0);
	ck_assert_int_eq(pc[0].b, S(1));
	ck_assert_int_eq(pc[1].a, S(7201));
	ck_assert_int_eq(pc[1].b, S(7261));
	ck_assert_int_eq(pc[2].a, S(10861));
	ck_assert_int_eq(pc[2].b, S(10861));
	ck_assert_uint_eq(timeaxis_cut(ka, 0, &r, pc), 0);
}
END_TEST

Suite *timeaxis_suite(void)
{
	Suite *s = suite_create("timeaxis");
	TCase *tc = tcase_create("fold");
	tcase_add_test(tc, test_sequence_diagrams_fold_every_long_span);
	tcase_add_test(tc, test_ladder_plot_threshold_follows_the_median_delay);
	tcase_add_test(tc, test_time_series_fold_only_spans_that_squash_the_rest);
	suite_add_tcase(s, tc);
	return s;
}
