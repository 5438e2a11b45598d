/* check_sweep.c — sweeps: values and ranges, overrides of a scenario's
 * values, the statistics the table prints (worked out by hand here), and
 * results that do not depend on the number of worker processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/builtin.h"
#include "scn_util.h"
#include "suites.h"
#include "sim/run/batch.h"
#include "sim/run/sweep.h"
#include "sim/run/world.h"

static const char *join(const struct sweep_values *v)
{
	static char buf[1024];
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < v->n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
					i ? "," : "", v->v[i]);
	return buf;
}

static void values_are(const char *spec, const char *want)
{
	struct sweep_values v;
	char err[256] = "";
	ck_assert_msg(sweep_parse_values(spec, &v, err, sizeof err) == 0,
		      "%s: %s", spec, err);
	ck_assert_str_eq(join(&v), want);
	sweep_values_free(&v);
}

static void values_fail(const char *spec, const char *want)
{
	struct sweep_values v;
	char err[256] = "";
	ck_assert_int_eq(sweep_parse_values(spec, &v, err, sizeof err), -1);
	ck_assert_str_eq(err, want);
}

START_TEST(test_values_ranges_are_exact_decimals)
{
	/* 0.3 / 0.02 in binary floating point would give 0.060000000000000005
	 * and might miss 0.3; the range is counted in hundredths */
	values_are("0:0.3:0.02", "0,0.02,0.04,0.06,0.08,0.1,0.12,0.14,0.16,"
				 "0.18,0.2,0.22,0.24,0.26,0.28,0.3");
	values_are("10ms:30ms:10ms", "10ms,20ms,30ms");
	values_are("0:100ms:50ms", "0ms,50ms,100ms");
	values_are("1%:2%:0.25%", "1%,1.25%,1.5%,1.75%,2%");
	values_are("1:2:5", "1");
	values_are("0.5:0.5:1", "0.5");
}
END_TEST

START_TEST(test_values_lists_mix_words_numbers_and_ranges)
{
	values_are("two-way,three-way", "two-way,three-way");
	values_are("0,0.1:0.3:0.1,1", "0,0.1,0.2,0.3,1");
	/* not three numbers: a value as written */
	values_are("server:80", "server:80");
	values_are("a:b:c", "a:b:c");
	values_are("1:2:3:4", "1:2:3:4");
}
END_TEST

START_TEST(test_values_bad_ranges_and_lists_are_refused)
{
	values_fail("0:1:0", "range '0:1:0': the step must be more than 0");
	values_fail("1:0:0.1", "range '1:0:0.1': LAST is less than FIRST");
	values_fail("0ms:1s:1ms",
		    "range '0ms:1s:1ms': FIRST, LAST and STEP need the same "
		    "unit");
	values_fail("0:1000:0.001", "range '0:1000:0.001' has more than 100000 "
				    "values");
	values_fail("a,,b", "an empty value in 'a,,b'");
	values_fail("", "an empty value in ''");
	values_fail("a,", "an empty value in 'a,'");
}
END_TEST

/* ---- overrides ---------------------------------------------------------- */

static const char scn_text[] =
	"name: t\n"
	"hosts: {a: {addr: 10.0.0.1}, b: {addr: 10.0.0.2}}\n"
	"links:\n"
	"  - between: [a, b]\n"
	"    delay: 20ms\n"
	"apps:\n"
	"  b: [{at: 0s, listen: 80}]\n"
	"  a: [{at: 1ms, connect: \"b:80\"}]\n";

static struct scenario *load_set(const char *path, const char *value,
				 struct scn_error *e)
{
	struct scn_set set = {path, value};
	struct scenario *s = NULL;
	int rc = scn_load_string_set("t.yaml", scn_text, strlen(scn_text), &set,
				     1, &s, e);
	ck_assert_int_eq(rc, s ? 0 : -1);
	return s;
}

static void set_fails(const char *path, const char *value, const char *want)
{
	struct scn_error e;
	struct scenario *s = load_set(path, value, &e);
	ck_assert_ptr_null(s);
	char msg[2048];
	scn_error_format(&e, msg, sizeof msg);
	ck_assert_str_eq(msg, want);
}

START_TEST(test_set_replaces_a_value_and_adds_a_missing_key)
{
	struct scn_error e;
	struct scenario *s = load_set("links.0.delay", "35ms", &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->links[0].dir[0].delay, SIM_MS(35));
	ck_assert_int_eq(s->links[0].dir[1].delay, SIM_MS(35));
	scn_free(s);

	/* neither `loss` nor `tcp` is in the text */
	s = load_set("links.0.loss", "5%", &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->links[0].dir[0].loss_ppb, 50000000);
	scn_free(s);
	s = load_set("tcp.msl", "7s", &e);
	ck_assert_ptr_nonnull(s);
	struct tcp_params p;
	scn_host_params(s, 0, &p);
	ck_assert_int_eq(p.msl, SIM_S(7));
	scn_free(s);
	s = load_set("hosts.b.tcp.msl", "9s", &e);
	ck_assert_ptr_nonnull(s);
	scn_host_params(s, 0, &p);
	ck_assert_int_eq(p.msl, SIM_S(120)); /* a: rfc9293, 2 minutes */
	struct tcp_params q;
	scn_host_params(s, 1, &q);
	ck_assert_int_eq(q.msl, SIM_S(9));
	ck_assert_int_ne(p.msl, q.msl);
	scn_free(s);
	/* a list item, by index */
	s = load_set("apps.a.0.at", "5ms", &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->hosts[0].acts[0].at, SIM_MS(5));
	scn_free(s);
}
END_TEST

START_TEST(test_set_errors_name_the_override)
{
	set_fails("links.0.loss", "abc",
		  "t.yaml: --set links.0.loss=abc: 'loss': expected a "
		  "probability such as 0.05 or 5% (found 'abc')\n");
	set_fails("links.0.lss", "0.1",
		  "t.yaml: --set links.0.lss=0.1: unknown key 'lss' in a link "
		  "(did you mean 'loss'?)\n");
	set_fails("links.1.loss", "0.1",
		  "t.yaml: --set links.1.loss=0.1: 'links' has 1 entry (0 to "
		  "0): no index 1\n");
	set_fails("links.first.loss", "0.1",
		  "t.yaml: --set links.first.loss=0.1: 'links' is a list: the "
		  "step after it is an index (0, 1, ...), not 'first'\n");
	set_fails("name.x", "1",
		  "t.yaml: --set name.x=1: 'name' is a single value: there is "
		  "nothing inside it to set\n");
	set_fails("links..loss", "1",
		  "t.yaml: --set links..loss=1: empty step in the path "
		  "'links..loss'\n");
	set_fails("tcp.handshake", "four-way",
		  "t.yaml: --set tcp.handshake=four-way: 'handshake' is "
		  "three-way or two-way (found 'four-way')\n");
}
END_TEST

/* ---- statistics --------------------------------------------------------- */

/* One combination of n runs of one metric with these values. */
static void stats_of(enum sweep_metric_kind kind, const int64_t *v, size_t n,
		     struct sweep_metric *m, struct sweep_stats *st)
{
	static uint64_t seeds[64];
	int64_t scratch[64];
	*m = (struct sweep_metric){.kind = kind};
	struct sweep sw = {.ncombos = 1, .seeds = seeds, .nseeds = n, .m = m,
			   .nm = 1};
	sweep_stats(&sw, v, 0, 0, scratch, st);
}

static void stat_is(const struct sweep_metric *m, const struct sweep_stats *st,
		    const char *stat, const char *want)
{
	char buf[256];
	sweep_stat_fmt(m, st, stat, buf, sizeof buf);
	ck_assert_msg(strcmp(buf, want) == 0, "%s: got '%s', want '%s'", stat,
		      buf, want);
}

START_TEST(test_stats_of_counts_by_hand)
{
	/* 7 3 0 9 1 0 4 NONE 12 5: n 9 (sorted 0 0 1 3 4 5 7 9 12), sum 41,
	 * mean 41/9 = 4.555556, median the 5th = 4, p5 rank ceil(0.45) = 1
	 * → 0, p95 rank ceil(8.55) = 9 → 12; non-zero in 7 of 10 runs */
	int64_t v[] = {7, 3, 0, 9, 1, 0, 4, SWEEP_NONE, 12, 5};
	struct sweep_metric m;
	struct sweep_stats st;
	stats_of(SM_RETRANSMISSIONS, v, 10, &m, &st);
	stat_is(&m, &st, "n", "9");
	stat_is(&m, &st, "mean", "4.555556");
	stat_is(&m, &st, "median", "4");
	stat_is(&m, &st, "p5", "0");
	stat_is(&m, &st, "p95", "12");
	stat_is(&m, &st, "min", "0");
	stat_is(&m, &st, "max", "12");
	stat_is(&m, &st, "proportion", "0.700000");
	stat_is(&m, &st, "percent", "70.0%");
}
END_TEST

START_TEST(test_stats_even_median_is_the_mean_of_the_middle_two)
{
	int64_t v[] = {4, 1, 2, 3};
	struct sweep_metric m;
	struct sweep_stats st;
	stats_of(SM_DELIVERED, v, 4, &m, &st);
	stat_is(&m, &st, "median", "2.5");
	stat_is(&m, &st, "mean", "2.500000");
	stat_is(&m, &st, "p5", "1");
	stat_is(&m, &st, "p95", "4");
	/* times: 1 ns and 2 ns, median 1.5 ns, mean rounded half up to 2 ns */
	int64_t t[] = {2, 1};
	stats_of(SM_CONNECT_TIME, t, 2, &m, &st);
	stat_is(&m, &st, "median", "0.0000000015");
	stat_is(&m, &st, "mean", "0.000000002");
	stat_is(&m, &st, "max", "0.000000002");
	int64_t t2[] = {SIM_MS(40), SIM_MS(60), SIM_S(1) + SIM_MS(61)};
	stats_of(SM_COMPLETION_TIME, t2, 3, &m, &st);
	stat_is(&m, &st, "mean", "0.387000000");
	stat_is(&m, &st, "median", "0.060000000");
}
END_TEST

START_TEST(test_stats_yes_no_and_end)
{
	/* 1 of 3 yes: 0.333333; mean the same; the median of 0 0 1 is 0 */
	int64_t v[] = {0, 1, 0};
	struct sweep_metric m;
	struct sweep_stats st;
	stats_of(SM_COMPLETED, v, 3, &m, &st);
	stat_is(&m, &st, "proportion", "0.333333");
	stat_is(&m, &st, "mean", "0.333333");
	stat_is(&m, &st, "median", "0");
	stat_is(&m, &st, "percent", "33.3%");
	/* end: each way's share, best first; no numbers */
	int64_t e[] = {TCP_END_NORMAL, TCP_END_TIMEOUT, TCP_END_NORMAL,
		       TCP_END_RESET};
	stats_of(SM_END, e, 4, &m, &st);
	stat_is(&m, &st, "proportion",
		"normal:0.500000 reset:0.250000 timed-out:0.250000");
	stat_is(&m, &st, "mean", "");
	stat_is(&m, &st, "median", "");
	stat_is(&m, &st, "n", "4");
	/* no run with a value: nothing but n and proportion */
	int64_t none[] = {SWEEP_NONE, SWEEP_NONE};
	stats_of(SM_CONNECT_TIME, none, 2, &m, &st);
	stat_is(&m, &st, "n", "0");
	stat_is(&m, &st, "mean", "");
	stat_is(&m, &st, "p95", "");
	stat_is(&m, &st, "proportion", "0.000000");
}
END_TEST

/* ---- running ------------------------------------------------------------ */

static char *csv_of(const struct sweep *sw, const int64_t *res,
		    const char *const *params, const char *const *const *value)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sweep_write_csv(f, sw, params, 1, value, res), 0);
	fclose(f);
	return buf;
}

START_TEST(test_sweep_same_results_with_one_or_three_workers)
{
	/* the lossy transfer at three loss rates, 12 seeds each: every run
	 * differs, and the table must not depend on who ran it */
	const struct builtin_scenario *b = builtin_find("bulk-transfer-loss");
	ck_assert_ptr_nonnull(b);
	const char *vals[] = {"0", "0.02", "0.05"};
	struct scenario *scns[3];
	const char *const row0[] = {vals[0]}, *const row1[] = {vals[1]},
			  *const row2[] = {vals[2]};
	const char *const *const value[] = {row0, row1, row2};
	const char *const params[] = {"links.0.client>server.loss"};
	for (int i = 0; i < 3; i++) {
		struct scn_set set = {"links.0.client>server.loss", vals[i]};
		struct scn_error e;
		ck_assert_int_eq(scn_load_string_set(b->name, b->text, b->len,
						     &set, 1, &scns[i], &e),
				 0);
	}
	uint64_t seeds[12];
	for (int i = 0; i < 12; i++)
		seeds[i] = (uint64_t)i + 1;
	struct sweep_metric m[8];
	char err[256];
	int nm = sweep_parse_metrics("completed,completion_time,delivered,"
				     "retransmissions,lost,end,expect,events",
				     scns[0], m, err, sizeof err);
	ck_assert_int_eq(nm, 8);
	struct sweep sw = {
		.scns = (const struct scenario *const *)scns,
		.ncombos = 3,
		.seeds = seeds,
		.nseeds = 12,
		.m = m,
		.nm = (size_t)nm,
		.jobs = 1,
	};
	int64_t r1[3 * 12 * 8], r3[3 * 12 * 8];
	ck_assert_int_eq(sweep_run(&sw, r1, err, sizeof err), 0);
	sw.jobs = 3;
	ck_assert_int_eq(sweep_run(&sw, r3, err, sizeof err), 0);
	ck_assert(memcmp(r1, r3, sizeof r1) == 0);
	char *c1 = csv_of(&sw, r1, params, value);
	char *c3 = csv_of(&sw, r3, params, value);
	ck_assert_str_eq(c1, c3);
	/* and the runs are not all alike: 5 % more loss takes far longer
	 * (completion_time; retransmissions are not monotonic here, as the
	 * scenario's outage loses a larger window when less is lost before
	 * it) */
	int64_t lossless = 0, lossy = 0;
	for (int s = 0; s < 12; s++) {
		lossless += r1[(0 * 12 + s) * 8 + 1];
		lossy += r1[(2 * 12 + s) * 8 + 1];
	}
	ck_assert_int_gt(lossy, 2 * lossless);
	free(c1);
	free(c3);
	for (int i = 0; i < 3; i++)
		scn_free(scns[i]);
}
END_TEST

START_TEST(test_metrics_of_a_known_run)
{
	/* handshake-and-close at 20 ms: connected at 41 ms after the 1 ms
	 * connect (0.040), the 1000 bytes read at 61 ms; 9 segments (SYN,
	 * SYN,ACK, ACK, the data, its delayed ACK, FIN, ACK, FIN, ACK), no
	 * loss, both ends normal, every expectation met */
	struct scenario *s = load_builtin("handshake-and-close");
	struct sweep_metric m[12];
	char err[256];
	int nm = sweep_parse_metrics("established,connect_time,completed,failed,"
				     "completion_time,delivered,retransmissions,"
				     "segments,lost,end,expect,expect:3",
				     s, m, err, sizeof err);
	ck_assert_int_eq(nm, 12);
	int64_t v[12];
	ck_assert_int_eq(sweep_measure(s, 1, NULL, m, 12, v), 0);
	const int64_t want[12] = {1, SIM_MS(40), 1, 0, SIM_MS(61), 1000, 0,
				  9, 0, TCP_END_NORMAL, 1, 1};
	for (int j = 0; j < 12; j++)
		ck_assert_msg(v[j] == want[j], "%s: %lld, want %lld", m[j].name,
			      (long long)v[j], (long long)want[j]);
	scn_free(s);
}
END_TEST

/* The data bytes the connections send, retransmissions too (a sink that
 * reads the trace as a user would). */
struct sent_sink {
	struct trace_sink base;
	uint64_t bytes;
};

static void sent_emit(struct trace_sink *sk, const struct trace *tr,
		      const struct trace_event *ev)
{
	(void)tr;
	if (!(ev->b & (TR_SEND_FORWARDED | TR_SEND_INJECTED)))
		((struct sent_sink *)sk)->bytes += ev->seg->len;
}

static void sent_destroy(struct trace_sink *sk)
{
	(void)sk;
}

/* throughput is goodput's span with what was sent, not what was read:
 * over a lossy link (bulk-transfer-loss, seed 1: 500,000 bytes read, 16
 * segments sent again) the two differ exactly as the bytes sent and read
 * do, up to each one's rounding to a whole bit per second. */
START_TEST(test_throughput_counts_what_was_sent)
{
	struct scenario *s = load_builtin("bulk-transfer-loss");
	struct sweep_metric m[4];
	char err[256];
	ck_assert_int_eq(sweep_parse_metrics("goodput,throughput,delivered,"
					     "retransmissions",
					     s, m, err, sizeof err),
			 4);
	int64_t v[4];
	ck_assert_int_eq(sweep_measure(s, 1, NULL, m, 4, v), 0);
	struct sent_sink k = {.base = {.emit = sent_emit,
				       .destroy = sent_destroy,
				       .mask = TR_BIT(TR_SEND)}};
	struct world w;
	struct world_opts o = {.seed = 1, .has_seed = true};
	ck_assert_int_eq(world_build(&w, s, &o), 0);
	ck_assert_int_eq(trace_add_sink(&w.sim.trace, &k.base), 0);
	world_run(&w);
	world_free(&w);
	ck_assert_int_eq(v[2], 500000);
	ck_assert_int_gt(v[3], 0);
	ck_assert_uint_gt(k.bytes, 500000);
	/* v[1] / v[0] == sent / read */
	double lhs = (double)v[1] * (double)v[2];
	double rhs = (double)v[0] * (double)k.bytes;
	ck_assert_msg(lhs - rhs <= (double)(v[2] + (int64_t)k.bytes) / 2 &&
			      rhs - lhs <= (double)(v[2] + (int64_t)k.bytes) / 2,
		      "throughput %lld, goodput %lld, sent %llu, read %lld",
		      (long long)v[1], (long long)v[0],
		      (unsigned long long)k.bytes, (long long)v[2]);
	scn_free(s);
}
END_TEST

START_TEST(test_metric_names_are_checked)
{
	struct scenario *s = load_builtin("handshake-and-close");
	struct sweep_metric m[4];
	char err[512];
	ck_assert_int_eq(sweep_parse_metrics("completd", s, m, err, sizeof err),
			 -1);
	ck_assert(strstr(err, "unknown metric 'completd'"));
	ck_assert_int_eq(sweep_parse_metrics("expect:57", s, m, err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "--metric expect:57: the scenario has 56 "
			      "expectations (expect:1 to expect:56)");
	ck_assert_int_eq(sweep_parse_metrics("lost,lost", s, m, err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "--metric: 'lost' twice");
	scn_free(s);
}
END_TEST

/* A pure function of the run number, three words wide. */
static int square_run(const void *ctx, uint64_t r, int64_t *rec)
{
	(void)ctx;
	rec[0] = (int64_t)r;
	rec[1] = (int64_t)(r * r);
	rec[2] = -(int64_t)r;
	return 0;
}

/* A batch's records are stored by run number: the same in this process
 * and over three workers, chunks finishing in any order. */
START_TEST(test_batch_records_by_run)
{
	enum { N = 5000, W = 3 };
	int64_t *a = calloc(N * W, sizeof *a), *b = calloc(N * W, sizeof *b);
	ck_assert(a && b);
	char err[128];
	struct batch bt = {.n = N, .width = W, .run = square_run, .jobs = 1};
	ck_assert_int_eq(batch_run(&bt, a, err, sizeof err), 0);
	bt.jobs = 3;
	ck_assert_int_eq(batch_run(&bt, b, err, sizeof err), 0);
	ck_assert_int_eq(a[4999 * W + 1], 4999 * 4999);
	ck_assert_mem_eq(a, b, N * W * sizeof *a);
	/* interrupted before it starts: no run done */
	static volatile sig_atomic_t stop = 1;
	memset(b, 0, N * W * sizeof *b);
	bt.interrupt = &stop;
	bt.jobs = 1;
	ck_assert_int_eq(batch_run(&bt, b, err, sizeof err), -2);
	ck_assert_int_eq(b[W + 1], 0);
	free(a);
	free(b);
}
END_TEST

Suite *sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *t = tcase_create("values");
	tcase_add_test(t, test_values_ranges_are_exact_decimals);
	tcase_add_test(t, test_values_lists_mix_words_numbers_and_ranges);
	tcase_add_test(t, test_values_bad_ranges_and_lists_are_refused);
	suite_add_tcase(s, t);
	t = tcase_create("overrides");
	tcase_add_test(t, test_set_replaces_a_value_and_adds_a_missing_key);
	tcase_add_test(t, test_set_errors_name_the_override);
	suite_add_tcase(s, t);
	t = tcase_create("statistics");
	tcase_add_test(t, test_stats_of_counts_by_hand);
	tcase_add_test(t, test_stats_even_median_is_the_mean_of_the_middle_two);
	tcase_add_test(t, test_stats_yes_no_and_end);
	suite_add_tcase(s, t);
	t = tcase_create("runs");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_sweep_same_results_with_one_or_three_workers);
	tcase_add_test(t, test_metrics_of_a_known_run);
	tcase_add_test(t, test_throughput_counts_what_was_sent);
	tcase_add_test(t, test_metric_names_are_checked);
	tcase_add_test(t, test_batch_records_by_run);
	suite_add_tcase(s, t);
	return s;
}
