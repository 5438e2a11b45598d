/* check_explore.c — every fault set, judged (sim/run/explore.h): the
 * note's questions answered, the pruning, and the same results for any
 * number of workers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "scn_util.h"
#include "sim/run/explore.h"
#include "suites.h"

/* Explore built-in `name` with up to `drops` drops on its first 20
 * segments, judged by the invariants `inv`, over `jobs` workers. */
static void explore_builtin(struct explore *x, struct scenario **s,
			    const char *name, unsigned drops, const char *inv,
			    int jobs)
{
	char err[256];
	*s = load_builtin(name);
	*x = (struct explore){
		.scn = *s,
		.wopts = {.no_link_rules = true},
		.budget = {[EX_DROP] = drops},
		.segments = 20,
		.host = -1,
		.jobs = jobs,
	};
	ck_assert_int_eq(explore_parse_invariants(inv, &x->inv, err, sizeof err),
			 0);
	ck_assert_int_eq(explore_run(x, err, sizeof err), 0);
}

static uint64_t count_minimal(const struct explore *x, uint64_t *last)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < x->nsets; i++)
		if (explore_minimal(x, i)) {
			n++;
			*last = i;
		}
	return n;
}

/* The two-way handshake (a teaching variant) deadlocks on one loss: the
 * SYN,ACK, segment 2; the fault-free run and every other single loss
 * deliver the data. */
START_TEST(test_two_way_handshake_minimal_set_is_the_syn_ack)
{
	struct explore x;
	struct scenario *s;
	explore_builtin(&x, &s, "two-way-handshake-deadlock", 1,
			"delivered-intact,no-stuck-tcb", 1);
	ck_assert_uint_eq(x.levels, 2);
	/* the fault-free run sends 4 segments: one set each */
	ck_assert_uint_eq(x.nsets, 1 + 4);
	ck_assert_int_eq(x.rec[EXR_FAILS], 0);
	uint64_t last = 0;
	ck_assert_uint_eq(count_minimal(&x, &last), 1);
	ck_assert_uint_eq(x.sets[last].n, 1);
	ck_assert_uint_eq(x.sets[last].f[0].seg, 2);
	ck_assert_uint_eq(x.sets[last].f[0].kind, EX_DROP);
	/* delivered-intact (check 0) fails, no-stuck-tcb does not: both
	 * ends give up in the end */
	ck_assert_int_eq(x.rec[last * x.width + EXR_FAILS], 1);
	ck_assert_double_eq(explore_unpruned(&x), 21);
	explore_free(&x);
	scn_free(s);
}
END_TEST

/* The three-way handshake survives every single loss. */
START_TEST(test_three_way_handshake_no_single_loss_fails)
{
	struct explore x;
	struct scenario *s;
	explore_builtin(&x, &s, "lost-syn-ack-three-way", 1,
			"delivered-intact,no-stuck-tcb", 1);
	ck_assert_uint_gt(x.nsets, 5);
	for (uint64_t i = 0; i < x.nsets; i++) {
		ck_assert_int_eq(x.rec[i * x.width + EXR_DONE], 1);
		ck_assert_int_eq(x.rec[i * x.width + EXR_FAILS], 0);
	}
	explore_free(&x);
	scn_free(s);
}
END_TEST

/* Without TIME-WAIT the lost final ACK (segment 9) ends the close in a
 * reset; with it, no single loss does. */
START_TEST(test_time_wait_off_final_ack_is_the_minimal_set)
{
	struct explore x;
	struct scenario *s;
	uint64_t last = 0;
	explore_builtin(&x, &s, "lost-final-ack", 1, "no-reset", 1);
	ck_assert_uint_eq(count_minimal(&x, &last), 0);
	explore_free(&x);
	scn_free(s);
	explore_builtin(&x, &s, "lost-final-ack-no-time-wait", 1, "no-reset", 1);
	ck_assert_uint_eq(count_minimal(&x, &last), 1);
	ck_assert_uint_eq(x.sets[last].n, 1);
	ck_assert_uint_eq(x.sets[last].f[0].seg, 9);
	explore_free(&x);
	scn_free(s);
}
END_TEST

/* Pairs grow only on segments the set of one sent after its fault, and
 * each set is run once; three workers give the same sets and records. */
START_TEST(test_pairs_are_pruned_and_the_same_for_any_workers)
{
	struct explore a, b;
	struct scenario *sa, *sb;
	explore_builtin(&a, &sa, "handshake-and-close", 2,
			"delivered-intact,no-stuck-tcb", 1);
	explore_builtin(&b, &sb, "handshake-and-close", 2,
			"delivered-intact,no-stuck-tcb", 3);
	ck_assert_uint_eq(a.levels, 3);
	ck_assert_uint_eq(a.nsets, b.nsets);
	ck_assert_mem_eq(a.sets, b.sets, a.nsets * sizeof *a.sets);
	ck_assert_mem_eq(a.rec, b.rec, a.nsets * a.width * sizeof *a.rec);
	ck_assert_double_lt((double)a.nsets, explore_unpruned(&a));
	for (uint64_t i = a.level_end[1]; i < a.nsets; i++) {
		const struct explore_set *s = &a.sets[i];
		ck_assert_uint_ge(s->n, 1);
		/* the set it grew from, and its run's segments */
		struct explore_set parent = *s;
		parent.n--;
		uint64_t p = 0;
		while (p < a.nsets && !(a.sets[p].n == parent.n &&
					memcmp(a.sets[p].f, parent.f,
					       parent.n * sizeof *parent.f) == 0))
			p++;
		ck_assert_uint_lt(p, i);
		const int64_t *r = a.rec + p * a.width;
		bool sent = false;
		for (int64_t j = 0; j < r[EXR_NSEGS]; j++)
			sent |= (uint64_t)r[EXR_SEGS + j] == s->f[s->n - 1].seg;
		ck_assert(sent);
		if (s->n > 1)
			ck_assert_uint_gt(s->f[1].seg, s->f[0].seg);
	}
	/* minimal, by the definition: it fails, and no set run whose faults
	 * are a proper part of its own fails; both kinds occur here (the
	 * lost SYN alone, and the lost SYN with any later loss) */
	uint64_t minimal = 0, covered = 0;
	for (uint64_t i = 0; i < a.nsets; i++) {
		const struct explore_set *s = &a.sets[i];
		bool fails = a.rec[i * a.width + EXR_FAILS] != 0, sub = false;
		for (uint64_t j = 0; j < a.nsets && fails && !sub; j++) {
			const struct explore_set *t = &a.sets[j];
			if (t->n >= s->n || !a.rec[j * a.width + EXR_FAILS])
				continue;
			unsigned in = 0;
			for (unsigned p = 0; p < t->n; p++)
				for (unsigned q = 0; q < s->n; q++)
					in += t->f[p].seg == s->f[q].seg &&
					      t->f[p].kind == s->f[q].kind;
			sub = in == t->n;
		}
		bool want = fails && !sub;
		ck_assert_msg(explore_minimal(&a, i) == want, "set %llu",
			      (unsigned long long)i);
		minimal += want;
		covered += fails && sub;
	}
	ck_assert_uint_eq(minimal, 2);
	ck_assert_uint_gt(covered, 0);
	explore_free(&a);
	explore_free(&b);
	scn_free(sa);
	scn_free(sb);
}
END_TEST

/* The scenario's own faults and the options' act on the segment they
 * name wherever it is sent; 'from' has no link to name there. */
START_TEST(test_faults_name_a_segment)
{
	struct scenario *s = load(
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], delay: 10ms}]\n"
		"faults: [{name: f, segment: 1, action: drop}]\n"
		"apps:\n"
		"  b: [{at: 0s, listen: 80}]\n"
		"  a: [{at: 0s, connect: \"b:80\"}]\n");
	char *t = trace_of(s, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(t, "a>b drop pkt=1 "));
	ck_assert_ptr_nonnull(strstr(t, "rule=f "));
	ck_assert_ptr_null(strstr(t, "drop pkt=2 "));
	free(t);
	scn_free(s);
	struct scn_error e;
	const char *bad = "hosts: {a: {}, b: {}}\n"
			  "links: [{between: [a, b]}]\n"
			  "faults: [{from: a, action: drop}]\n";
	ck_assert_int_eq(scn_load_string("t.yaml", bad, strlen(bad), &s, &e),
			 -1);
	ck_assert_int_eq(e.line, 3);
	ck_assert_ptr_nonnull(strstr(e.msg, "a fault applies on every link"));
}
END_TEST

static volatile sig_atomic_t stop_now;

/* Stops the exploration once three runs of its second level are done. */
static void stop_after_three(void *ctx, uint64_t done, uint64_t total)
{
	(void)total;
	if (*(int *)ctx == 1 && done >= 3)
		stop_now = 1;
	if (done == total)
		++*(int *)ctx; /* a level ended */
}

/* Interrupted, the report covers the runs done: the rest are marked not
 * done, and a minimal set is minimal among those run. */
START_TEST(test_interrupted_exploration_keeps_what_was_done)
{
	char err[256];
	struct scenario *s = load_builtin("handshake-and-close");
	int levels = 0;
	stop_now = 0;
	struct explore x = {
		.scn = s,
		.wopts = {.no_link_rules = true},
		.budget = {[EX_DROP] = 2},
		.segments = 20,
		.host = -1,
		.jobs = 1,
		.progress = stop_after_three,
		.pctx = &levels,
		.interrupt = &stop_now,
	};
	ck_assert_int_eq(explore_parse_invariants("delivered-intact", &x.inv,
						  err, sizeof err),
			 0);
	ck_assert_int_eq(explore_run(&x, err, sizeof err), -2);
	ck_assert(x.interrupted);
	uint64_t done = 0;
	for (uint64_t i = 0; i < x.nsets; i++)
		done += x.rec[i * x.width + EXR_DONE] == 1;
	ck_assert_uint_eq(done, 1 + 3);
	ck_assert_uint_gt(x.nsets, done);
	for (uint64_t i = 0; i < x.nsets; i++)
		if (!x.rec[i * x.width + EXR_DONE])
			ck_assert(!explore_minimal(&x, i));
	explore_free(&x);
	scn_free(s);
}
END_TEST

Suite *explore_suite(void)
{
	Suite *s = suite_create("explore");
	TCase *tc = tcase_create("faults");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_two_way_handshake_minimal_set_is_the_syn_ack);
	tcase_add_test(tc, test_three_way_handshake_no_single_loss_fails);
	tcase_add_test(tc, test_time_wait_off_final_ack_is_the_minimal_set);
	tcase_add_test(tc, test_pairs_are_pruned_and_the_same_for_any_workers);
	tcase_add_test(tc, test_faults_name_a_segment);
	tcase_add_test(tc, test_interrupted_exploration_keeps_what_was_done);
	suite_add_tcase(s, tc);
	return s;
}
