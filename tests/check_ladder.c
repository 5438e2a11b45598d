/* check_ladder.c — the terminal ladder, explained (`run --explain`,
 * `--vars`): under a row, exactly the rules that made it; a discard at
 * its receiver; timers set and fired; the connection's variables. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "scn_util.h"
#include "sim/diagram/diagram_sinks.h"
#include "sim/diagram/hostsel.h"
#include "suites.h"

static struct trace_sink *ladder_sink(FILE *f, const void *o)
{
	return sink_ladder_new(f, o);
}

/* The ladder of built-in scenario `name` drawn with o. */
static char *ladder_of(const char *name, const struct ladder_opts *o)
{
	struct scenario *s = load_builtin(name);
	char *buf = sink_output(s, NULL, NULL, NULL, ladder_sink, o);
	scn_free(s);
	return buf;
}

/* The line of text that starts with `start` (the k-th such, from 0), and
 * the `after` lines that follow it, as one string; fails if absent. */
static char *lines_at(const char *text, const char *start, int k,
		      int after)
{
	const char *p = text;
	for (;;) {
		ck_assert_msg(*p, "no line starts with \"%s\"", start);
		if (strncmp(p, start, strlen(start)) == 0 && k-- == 0)
			break;
		p = strchr(p, '\n');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	const char *e = p;
	for (int i = 0; i <= after; i++) {
		e = strchr(e, '\n');
		ck_assert_ptr_nonnull(e);
		e++;
	}
	char *out = strndup(p, (size_t)(e - p));
	ck_assert_ptr_nonnull(out);
	return out;
}

#define EXPLAIN (&(struct ladder_opts){.relative = true, .explain = true})

/* RFC 9293 §3.10.7.4: in TIME-WAIT the retransmitted FIN is acknowledged
 * and 2·MSL restarted; the row says so, and the timer set with its end. */
START_TEST(test_explain_time_wait_retransmitted_fin)
{
	char *l = ladder_of("lost-final-ack", EXPLAIN);
	char *got = lines_at(l, "   1.540000", 0, 3);
	ck_assert_str_eq(
		got,
		"   1.540000                ──ACK seq=1002 ack=2────────────────────▶"
		"                2·MSL restarted\n"
		"             ↳ client receives FIN,ACK seq=1 ack=1002 (sent at "
		"1.520000)\n"
		"             ↳ client: RFC 9293 §3.10.7.4 (TIME-WAIT): "
		"retransmitted FIN — ACK it and restart the 2·MSL timer\n"
		"             ↳ client: 2·MSL timer set, expires at 61.540000 "
		"(in 1m)\n");
	free(got);
	/* the server's RTO fires: a row of its own with how long it ran,
	 * then the sender's rule for what it sent */
	got = lines_at(l, "   1.520000", 0, 3);
	ck_assert_str_eq(
		got,
		"   1.520000                ◀────────────────FIN,ACK seq=1 ack=1002── "
		"(RTO)          retransmission, RTO fired\n"
		"             ↳ server: RTO expired, set at 0.520000 for 1s\n"
		"             ↳ server: RFC 6298 §5.4: retransmission timeout — "
		"resend from the oldest unacknowledged byte\n"
		"             ↳ server: RTO timer set, expires at 3.520000 (in 2s)\n");
	free(got);
	/* 2·MSL runs out: how long it ran, then the state's rule */
	got = lines_at(l, "  61.540000", 0, 2);
	ck_assert_str_eq(
		got,
		"  61.540000  CLOSED                                            "
		"                     2·MSL expired\n"
		"             ↳ client: 2·MSL expired, set at 1.540000 for 1m\n"
		"             ↳ client: RFC 9293 §3.10.8: time-wait timeout — "
		"delete the TCB\n");
	free(got);
	/* a segment in, the rule, the segments out */
	got = lines_at(l, "   0.021000", 0, 4);
	ck_assert_str_eq(
		got,
		"   0.021000                ◀───────────────────SYN,ACK seq=0 ack=1── "
		"SYN-RECEIVED\n"
		"             ↳ server receives SYN seq=0 (sent at 0.001000)\n"
		"             ↳ server: RFC 9293 §3.10.7.2 (third): SYN in LISTEN — "
		"new connection\n"
		"             ↳ server: RFC 9293 §3.10.7.2 (third): SYN in LISTEN — "
		"send SYN,ACK\n"
		"             ↳ server: RTO timer set, expires at 1.021000 (in 1s)\n");
	free(got);
	/* the delayed ACK: set when the data arrives, on a row of its own */
	got = lines_at(l, "   0.061000", 1, 2);
	ck_assert_str_eq(
		got,
		"   0.061000\n"
		"             ↳ server receives PSH,ACK seq=1 ack=1 len=1000 (sent at "
		"0.041000)\n"
		"             ↳ server: delayed ACK timer set, expires at 0.261000 "
		"(in 200ms)\n");
	free(got);
	free(l);
}
END_TEST

/* RFC 9293 §3.10.7.3 (fifth): in SYN-SENT a segment with neither SYN nor
 * RST is discarded: its arrow ends in a cross at the receiver, and a row
 * at the receiver says which rule threw it away. */
START_TEST(test_explain_syn_sent_discard)
{
	char *l = ladder_of("two-way-handshake-deadlock", EXPLAIN);
	char *got = lines_at(l, "   0.021000", 1, 0);
	ck_assert_str_eq(got,
			 "   0.021000                ✕──────────PSH,ACK seq=1 ack=1 "
			 "len=100── ESTABLISHED    discarded by client\n");
	free(got);
	got = lines_at(l, "   0.041000", 0, 1);
	ck_assert_str_eq(
		got,
		"   0.041000  ✕ discarded\n"
		"             ↳ client discards PSH,ACK seq=1 ack=1 len=100 (sent "
		"at 0.021000): RFC 9293 §3.10.7.3 (fifth): neither SYN nor RST — "
		"discard\n");
	free(got);
	free(l);
}
END_TEST

/* RFC 5961 §3.2: a RST in the window but not at RCV.NXT draws a
 * challenge ACK; the RST's arrow says the receiver challenged it, and
 * the explained row says so where it arrives. */
START_TEST(test_established_rst_in_window_is_challenged)
{
	struct ladder_opts o = {.relative = true};
	char *l = ladder_of("blind-reset-attack", &o);
	char *got = lines_at(l, "   1.100000", 0, 0);
	ck_assert_ptr_nonnull(strstr(got, "RST seq=2001──                injected, "
					  "challenged by server\n"));
	free(got);
	/* a RST outside the window is discarded, not challenged */
	got = lines_at(l, "   1.000000", 0, 0);
	ck_assert_ptr_nonnull(strstr(got, "injected, discarded by server\n"));
	ck_assert_ptr_null(strstr(got, "challenged"));
	free(got);
	free(l);
	l = ladder_of("blind-reset-attack", EXPLAIN);
	got = lines_at(l, "   1.105000", 0, 2);
	ck_assert_ptr_nonnull(strstr(
		got, "             ↳ server receives RST seq=2001 (sent at "
		     "1.100000), and challenges it\n"
		     "             ↳ server: RFC 9293 §3.10.7.4 (second) / RFC "
		     "5961 §3.2: RST in the window but not at RCV.NXT — "
		     "challenge ACK\n"));
	free(got);
	free(l);
}
END_TEST

/* Without --explain: no rules, no timer rows; a discard is still marked
 * at its receiver. */
START_TEST(test_plain_ladder_marks_discards_only)
{
	struct ladder_opts o = {.relative = true};
	char *l = ladder_of("two-way-handshake-deadlock", &o);
	ck_assert_ptr_null(strstr(l, "↳"));
	ck_assert_ptr_null(strstr(l, "(RTO)"));
	ck_assert_ptr_null(strstr(l, "✕ discarded"));
	ck_assert_ptr_nonnull(strstr(l, "✕──────────PSH,ACK seq=1 ack=1 "
					"len=100── ESTABLISHED    discarded by "
					"client\n"));
	free(l);
	l = ladder_of("lost-final-ack", &o);
	ck_assert_ptr_null(strstr(l, "SND.UNA"));
	ck_assert_ptr_null(strstr(l, "timer set"));
	free(l);
}
END_TEST

/* --vars: the connection's variables after the row, from its TCB: on the
 * last segment of a burst, not on the first; a row of their own when an
 * ACK moves SND.UNA with nothing drawn. */
START_TEST(test_vars_follow_the_tcb)
{
	struct ladder_opts o = {.relative = true, .explain = true,
				.vars = true};
	char *l = ladder_of("lost-final-ack", &o);
	char *got = lines_at(l, "   time (s)", 0, 0);
	ck_assert_ptr_nonnull(strstr(got, "SND.UNA    SND.NXT    RCV.NXT    "
					  "SND.WND    RCV.WND\n"));
	free(got);
	/* the handshake's ACK and the data go at 0.041: SND.NXT after both */
	got = lines_at(l, "   0.041000", 0, 0);
	ck_assert_ptr_null(strstr(got, "65535"));
	free(got);
	got = lines_at(l, "   0.041000", 1, 0);
	ck_assert_ptr_nonnull(strstr(got, "──▶                         1       "
					  "1001          1      65535      "
					  "65535\n"));
	free(got);
	/* the delayed ACK arrives: SND.UNA moves to SND.NXT */
	got = lines_at(l, "   0.281000", 0, 1);
	ck_assert_str_eq(got,
			 "   0.281000                                           "
			 "                                    1001       1001   "
			 "       1      64535      65535\n"
			 "             ↳ client receives ACK seq=1 ack=1001 (sent "
			 "at 0.261000)\n");
	free(got);
	/* the listening socket has no variables */
	got = lines_at(l, "   0.000000", 0, 0);
	ck_assert_str_eq(got, "   0.000000                                   "
			      "                       LISTEN\n");
	free(got);
	free(l);
	/* --absolute: SND.NXT is the ISS + 1001 */
	o.relative = false;
	l = ladder_of("lost-final-ack", &o);
	got = lines_at(l, "   0.041000", 1, 0);
	ck_assert_ptr_nonnull(strstr(got, "1518315217 1518316217"));
	free(got);
	free(l);
}
END_TEST

/* The ladder of built-in scenario `name`, of the hosts `list` only. */
static char *ladder_of_hosts(const char *name, const char *list)
{
	struct scenario *s = load_builtin(name);
	char *buf = NULL, err[128];
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	ck_assert_ptr_nonnull(f);
	struct world w;
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	bool show[16];
	ck_assert_uint_le(w.nhosts, 16);
	ck_assert_int_eq(hostsel_parse(list, w.host_names, (int)w.nhosts, show,
				       err, sizeof err),
			 0);
	struct ladder_opts o = {.relative = true};
	trace_add_sink(&w.sim.trace,
		       sink_hosts_new(sink_ladder_new(f, &o), show,
				      (int)w.nhosts));
	world_run(&w);
	ck_assert_int_eq(trace_finish(&w.sim.trace), 0);
	trace_fini(&w.sim.trace);
	world_free(&w);
	scn_free(s);
	fclose(f);
	return buf;
}

/* --hosts client,server: the routers between them are part of the
 * network; the SYN a router discards (RFC 1812 §5.3.1, TTL exceeded) is
 * lost on the arrow from the client toward the server. */
START_TEST(test_hosts_follow_segments_through_routers)
{
	char *l = ladder_of_hosts("ttl-expiry", "client,server");
	char *got = lines_at(l, "   time (s)", 0, 2);
	ck_assert_str_eq(got,
			 "   time (s)  client                                    "
			 "server\n"
			 "             CLOSED                                    "
			 "CLOSED\n"
			 "   0.000000  SYN-SENT      ──SYN seq=0──✕              "
			 "               lost: RFC 1812 §5.3.1: TTL exceeded in "
			 "transit — the router discards it\n");
	free(got);
	free(l);
	/* delivered through two routers: one arrow each way, from the
	 * sending to the arrival at the far end */
	l = ladder_of_hosts("route-change", "server,client");
	ck_assert_ptr_null(strstr(l, " r1 "));
	got = lines_at(l, "   0.007042240", 0, 0);
	ck_assert_ptr_nonnull(strstr(got, "◀"));
	ck_assert_ptr_nonnull(strstr(got, "SYN,ACK seq=0 ack=1── SYN-RECEIVED"));
	free(got);
	free(l);
}
END_TEST

START_TEST(test_hosts_list_is_checked)
{
	const char *names[] = {"client", "r1", "server"};
	bool show[3];
	char err[128];
	ck_assert_int_eq(hostsel_parse("server,client", names, 3, show, err,
				       sizeof err),
			 0);
	ck_assert(show[0] && !show[1] && show[2]);
	ck_assert_int_eq(hostsel_parse("client,r2", names, 3, show, err,
				       sizeof err),
			 -1);
	ck_assert_str_eq(err, "--hosts: no host named 'r2' in the scenario");
	ck_assert_int_eq(hostsel_parse("r1,r1", names, 3, show, err,
				       sizeof err),
			 -1);
	ck_assert_str_eq(err, "--hosts: 'r1' named twice");
	ck_assert_int_eq(hostsel_parse("client,", names, 3, show, err,
				       sizeof err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "separated by commas"));
}
END_TEST

Suite *ladder_suite(void)
{
	Suite *s = suite_create("ladder");
	TCase *tc = tcase_create("explain");
	tcase_add_test(tc, test_explain_time_wait_retransmitted_fin);
	tcase_add_test(tc, test_explain_syn_sent_discard);
	tcase_add_test(tc, test_plain_ladder_marks_discards_only);
	tcase_add_test(tc, test_established_rst_in_window_is_challenged);
	tcase_add_test(tc, test_vars_follow_the_tcb);
	tcase_add_test(tc, test_hosts_follow_segments_through_routers);
	tcase_add_test(tc, test_hosts_list_is_checked);
	suite_add_tcase(s, tc);
	return s;
}
