/* check_csv.c — the CSV sink's tables (sim/out/sink_csv.h): which connection
 * a segment belongs to when a 4-tuple is used again, what became of
 * each segment, losses told apart, state spans, and the directory it
 * writes into appearing whole or not at all. tests/plots.sh checks the
 * files' bytes for a whole scenario. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/segment.h"
#include "sim/out/sink_csv.h"
#include "sim/out/sinks.h"
#include "suites.h"
#include "models/tcp.h"
#include "sim/run/world.h"

struct run {
	struct scenario *scn;
	struct world w;
	struct trace_sink *csv;
	char dir[64];
};

/* Run text with a CSV sink writing into a fresh directory. */
static void run_text(struct run *r, const char *text)
{
	struct scn_error e;
	char err[256];
	ck_assert_int_eq(scn_load_string("t.yaml", text, strlen(text), &r->scn,
					 &e), 0);
	ck_assert_int_eq(world_build(&r->w, r->scn, NULL), 0);
	snprintf(r->dir, sizeof r->dir, "/tmp/check_csv.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	r->csv = sink_csv_new(r->dir, err, sizeof err);
	ck_assert_ptr_nonnull(r->csv);
	ck_assert_int_eq(trace_add_sink(&r->w.sim.trace, r->csv), 0);
	world_run(&r->w);
	ck_assert_int_eq(trace_finish(&r->w.sim.trace), 0);
	ck_assert_int_eq(trace_commit(&r->w.sim.trace), 0);
}

static void run_free(struct run *r)
{
	const char *const *f = sink_csv_files(r->csv);
	for (size_t k = 0; f[k]; k++)
		ck_assert_int_eq(unlink(f[k]), 0); /* every file was there */
	trace_fini(&r->w.sim.trace);
	world_free(&r->w);
	scn_free(r->scn);
	ck_assert_int_eq(rmdir(r->dir), 0);
}

/* The connection numbered id on the host named h. */
static int conn_of(const struct run *r, const char *h, uint32_t id)
{
	const struct csv_data *d = sink_csv_data(r->csv);
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i].id == id &&
		    strcmp(r->w.host_names[d->conns[i].host], h) == 0)
			return (int)i;
	ck_abort_msg("no connection %u on %s", (unsigned)id, h);
	return -1;
}

static const char lossy[] =
	"hosts: {c: {addr: 10.0.0.1}, s: {addr: 10.0.0.2}}\n"
	"links:\n"
	"  - between: [c, s]\n"
	"    delay: 10ms\n"
	"    rules: [{name: gone, from: c, data: true, nth: 10, action: drop}]\n"
	"apps:\n"
	"  s: [{at: 0s, listen: 80}]\n"
	"  c: [{at: 0s, connect: \"s:80\", bulk: 60000}]\n";

START_TEST(test_csv_lost_segment_then_fast_retransmit)
{
	struct run r;
	run_text(&r, lossy);
	const struct csv_data *d = sink_csv_data(r.csv);
	int c = conn_of(&r, "c", 1);
	/* the tenth data segment: relative 9 * 1460 + 1, lost by the rule
	 * as it was sent */
	const struct csv_seg *lost = NULL;
	size_t ndata = 0;
	for (size_t i = 0; i < d->nsegs; i++) {
		const struct csv_seg *g = &d->segs[i];
		if (g->conn != c || !g->len || (g->how & TR_SEND_REXMIT))
			continue;
		if (++ndata == 10)
			lost = g;
	}
	ck_assert_ptr_nonnull(lost);
	ck_assert_uint_eq(lost->rel_seq, 13141);
	ck_assert_uint_eq(lost->rel_ack, 1);
	ck_assert_int_eq(lost->fate, CSV_LOST);
	ck_assert_int_eq(lost->fate_t, lost->t);
	/* the first row of losses.csv is that drop, by its rule; the
	 * repair is a fast retransmit of the same bytes */
	ck_assert_uint_ge(d->nlosses, 2);
	ck_assert_int_eq(d->losses[0].kind, CSV_DROP);
	ck_assert_str_eq(d->losses[0].rule, "gone");
	ck_assert_int_eq(d->losses[0].conn, c);
	ck_assert_uint_eq(d->losses[0].rel_seq, 13141);
	ck_assert_int_eq(d->losses[1].kind, CSV_FAST);
	ck_assert_uint_eq(d->losses[1].rel_seq, 13141);
	size_t timeouts = 0;
	for (size_t i = 0; i < d->nlosses; i++)
		timeouts += d->losses[i].kind == CSV_TIMEOUT;
	ck_assert_uint_eq(timeouts, 0);
	ck_assert_uint_eq(d->conns[c].lost, 1);
	ck_assert_uint_eq(d->conns[c].fast, 1);
	ck_assert_uint_eq(d->conns[c].partial, 0);
	ck_assert_uint_eq(d->conns[c].timeouts, 0);
	ck_assert_uint_eq(d->conns[c].rexmits, 1);
	/* every other segment arrived */
	for (size_t i = 0; i < d->nsegs; i++)
		if (&d->segs[i] != lost)
			ck_assert_int_eq(d->segs[i].fate, CSV_DELIVERED);
	/* ssthresh was set by the fast retransmit: half the flight */
	int64_t ss = 0;
	for (size_t i = 0; i < d->ncwnd; i++)
		if (d->cwnd[i].conn == c && d->cwnd[i].ssthresh < INT32_MAX) {
			ss = d->cwnd[i].ssthresh;
			break;
		}
	ck_assert_int_gt(ss, 0);
	ck_assert_int_lt(ss, INT32_MAX);
	run_free(&r);
}
END_TEST

START_TEST(test_csv_acks_seen_by_the_sender_are_relative_to_its_isn)
{
	struct run r;
	run_text(&r, lossy);
	const struct csv_data *d = sink_csv_data(r.csv);
	int c = conn_of(&r, "c", 1);
	uint32_t last = 0;
	size_t n = 0;
	for (size_t i = 0; i < d->nacks; i++) {
		const struct csv_ack *a = &d->acks[i];
		if (a->conn != c)
			continue;
		/* the ACK line never goes back */
		ck_assert_uint_ge(a->rel_ack, last);
		last = a->rel_ack;
		n++;
	}
	ck_assert_uint_gt(n, 3);
	/* 60000 bytes from 1, and the FIN */
	ck_assert_uint_eq(last, 60002);
	run_free(&r);
}
END_TEST

/* The client crashes, reboots and connects again from the same port:
 * one 4-tuple, two connections, told apart by number. */
static const char reuse[] =
	"hosts: {c: {addr: 10.0.0.1}, s: {addr: 10.0.0.2}}\n"
	"links: [{between: [c, s], delay: 10ms}]\n"
	"stop: 10s\n"
	"apps:\n"
	"  s: [{at: 0s, listen: 80}]\n"
	"  c:\n"
	"    - {at: 0s, connect: \"s:80\"}\n"
	"    - {at: 1s, crash: true}\n"
	"    - {at: 2s, reboot: true}\n"
	"    - {at: 3s, connect: \"s:80\"}\n";

START_TEST(test_csv_reused_tuple_is_a_new_connection)
{
	struct run r;
	run_text(&r, reuse);
	const struct csv_data *d = sink_csv_data(r.csv);
	int c1 = conn_of(&r, "c", 1), c2 = conn_of(&r, "c", 2);
	ck_assert_int_eq(d->conns[c1].tuple.lport, d->conns[c2].tuple.lport);
	ck_assert_int_eq(d->conns[c1].tuple.rport, d->conns[c2].tuple.rport);
	/* the first ended with the crash */
	ck_assert_int_eq(d->conns[c1].end, SIM_S(1));
	ck_assert_int_eq(d->conns[c1].state, TCP_CLOSED);
	size_t before = 0, after = 0;
	for (size_t i = 0; i < d->nsegs; i++) {
		const struct csv_seg *g = &d->segs[i];
		if (strcmp(r.w.host_names[g->host], "c") != 0)
			continue;
		if (g->t < SIM_S(1)) {
			ck_assert_int_eq(g->conn, c1);
			before++;
		} else if (g->t >= SIM_S(3) && g->conn >= 0) {
			ck_assert_int_eq(g->conn, c2);
			after++;
		}
	}
	ck_assert_uint_gt(before, 0);
	ck_assert_uint_gt(after, 0);
	/* states: c1's spans stop at the crash, c2's start at 3 s, each
	 * one's in time order, connections in (host, number) order */
	sim_time_t prev = -1;
	int prev_conn = -1;
	for (size_t i = 0; i < d->nstates; i++) {
		const struct csv_state *s = &d->states[i];
		ck_assert_int_ge(s->conn, prev_conn);
		if (s->conn != prev_conn)
			prev = -1;
		ck_assert_int_ge(s->start, prev);
		ck_assert_int_le(s->start, s->end);
		prev = s->start;
		prev_conn = s->conn;
		if (s->conn == c1)
			ck_assert_int_le(s->end, SIM_S(1));
		if (s->conn == c2)
			ck_assert_int_ge(s->start, SIM_S(3));
	}
	for (size_t i = 1; i < d->nconns; i++)
		ck_assert(d->conns[i - 1].host < d->conns[i].host ||
			  (d->conns[i - 1].host == d->conns[i].host &&
			   d->conns[i - 1].id < d->conns[i].id));
	run_free(&r);
}
END_TEST

START_TEST(test_csv_rtt_rows_carry_the_sample_only_when_measured)
{
	static const char text[] =
		"hosts: {c: {addr: 10.0.0.1}, s: {addr: 10.0.0.2}}\n"
		"links:\n"
		"  - between: [c, s]\n"
		"    delay: 25ms\n"
		"    rules: [{from: c, flags: SYN, nth: 1, action: drop}]\n"
		"apps:\n"
		"  s: [{at: 0s, listen: 80}]\n"
		"  c: [{at: 0s, connect: \"s:80\"}]\n";
	struct run r;
	run_text(&r, text);
	const struct csv_data *d = sink_csv_data(r.csv);
	int c = conn_of(&r, "c", 1);
	/* the lost SYN: a backoff (no sample), the SYN,ACK is not timed
	 * (Karn), and the RTO is reset to 3 s when it opens (5.7) */
	size_t n = 0;
	for (size_t i = 0; i < d->nrtt; i++) {
		const struct csv_rtt *t = &d->rtt[i];
		if (t->conn != c)
			continue;
		if (n == 0) {
			ck_assert_int_eq(t->cause, TR_RTO_BACKOFF);
			ck_assert_int_eq(t->rto, SIM_S(2));
			ck_assert_int_eq(t->sample, 0);
		} else if (n == 1) {
			ck_assert_int_eq(t->cause, TR_RTO_SYN_LOST);
			ck_assert_int_eq(t->rto, SIM_S(3));
		}
		n++;
	}
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(d->conns[c].timeouts, 1);
	ck_assert_uint_eq(d->conns[c].samples, 0);
	/* the server measured its SYN,ACK: one sample, 50 ms */
	int s = conn_of(&r, "s", 2);
	ck_assert_uint_eq(d->conns[s].samples, 1);
	for (size_t i = 0; i < d->nrtt; i++)
		if (d->rtt[i].conn == s)
			ck_assert_int_eq(d->rtt[i].sample, SIM_MS(50));
	run_free(&r);
}
END_TEST

START_TEST(test_csv_directory_made_and_taken_away_again)
{
	char base[64], dir[128], err[256];
	snprintf(base, sizeof base, "/tmp/check_csv.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(dir, sizeof dir, "%s/a/b/", base);
	struct trace_sink *s = sink_csv_new(dir, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	struct stat st;
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	char want[160];
	snprintf(want, sizeof want, "%s/a/b/segments.csv", base);
	ck_assert_str_eq(sink_csv_files(s)[2], want);
	/* never finished: nothing stays, not even the directories */
	s->destroy(s);
	snprintf(dir, sizeof dir, "%s/a", base);
	ck_assert_int_ne(stat(dir, &st), 0);
	/* a file where the directory should be */
	snprintf(dir, sizeof dir, "%s/f", base);
	FILE *f = fopen(dir, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_ptr_null(sink_csv_new(dir, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "is not a directory"));
	snprintf(dir, sizeof dir, "%s/f/sub", base);
	ck_assert_ptr_null(sink_csv_new(dir, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "irectory"));
	snprintf(dir, sizeof dir, "%s/f", base);
	ck_assert_int_eq(unlink(dir), 0);
	ck_assert_int_eq(rmdir(base), 0);
}
END_TEST

Suite *csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, test_csv_lost_segment_then_fast_retransmit);
	tcase_add_test(tc, test_csv_acks_seen_by_the_sender_are_relative_to_its_isn);
	tcase_add_test(tc, test_csv_reused_tuple_is_a_new_connection);
	tcase_add_test(tc, test_csv_rtt_rows_carry_the_sample_only_when_measured);
	suite_add_tcase(s, tc);
	TCase *td = tcase_create("directory");
	tcase_add_test(td, test_csv_directory_made_and_taken_away_again);
	suite_add_tcase(s, td);
	return s;
}
