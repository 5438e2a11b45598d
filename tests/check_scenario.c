/* check_scenario.c — the loader turns YAML into exactly this data, or
 * points at the exact line and column of what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "suites.h"

static struct scenario *load_ok(const char *text)
{
	struct scenario *s = NULL;
	struct scn_error e;
	int rc = scn_load_string("t.yaml", text, strlen(text), &s, &e);
	ck_assert_msg(rc == 0, "refused: %s:%d:%d: %s", e.file, e.line, e.col,
		      e.msg);
	return s;
}

static void load_err(const char *text, int line, int col, const char *msg)
{
	struct scenario *s = NULL;
	struct scn_error e;
	int rc = scn_load_string("t.yaml", text, strlen(text), &s, &e);
	ck_assert_msg(rc < 0, "accepted: %s", text);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(e.msg, msg);
	ck_assert_int_eq(e.line, line);
	ck_assert_int_eq(e.col, col);
}

static const char full[] =
	"name: demo\n"
	"description: two hosts\n"
	"seed: 42\n"
	"stop: 10m\n"
	"max-events: 5000\n"
	"tcp: {msl: 30s, rto-initial: 3s}\n"
	"hosts:\n"
	"  client: {addr: 192.168.1.10}\n"
	"  server: {addr: 192.168.1.20, tcp: {mss: 536, rcvbuf: 8KiB}}\n"
	"links:\n"
	"  - between: [client, server]\n"
	"    delay: 20ms\n"
	"    loss: 2.5%\n"
	"apps:\n"
	"  server:\n"
	"    - {at: 0s, listen: 80}\n"
	"    - {on: received, bytes: 1000, close: true}\n"
	"  client:\n"
	"    - {at: 1ms, connect: server:80}\n"
	"    - {on: connected, send: 64KiB}\n";

START_TEST(test_full_scenario)
{
	struct scenario *s = load_ok(full);
	ck_assert_str_eq(s->name, "demo");
	ck_assert_str_eq(s->description, "two hosts");
	ck_assert_uint_eq(s->seed, 42);
	ck_assert_int_eq(s->stop, SIM_S(600));
	ck_assert_uint_eq(s->max_events, 5000);
	ck_assert_uint_eq(s->nhosts, 2);
	ck_assert_str_eq(s->hosts[0].name, "client");
	ck_assert_uint_eq(s->hosts[0].addr, 0xc0a8010a);
	ck_assert_uint_eq(s->hosts[1].addr, 0xc0a80114);
	ck_assert_uint_eq(s->nlinks, 1);
	ck_assert_int_eq(s->links[0].a, 0);
	ck_assert_int_eq(s->links[0].b, 1);
	ck_assert_int_eq(s->links[0].dir[0].delay, SIM_MS(20));
	ck_assert_int_eq(s->links[0].dir[1].delay, SIM_MS(20));
	ck_assert_uint_eq(s->links[0].dir[0].loss_ppb, 25000000);

	struct tcp_params p;
	scn_host_params(s, 0, &p);
	ck_assert_int_eq(p.msl, SIM_S(30));
	ck_assert_int_eq(p.rto_initial, SIM_S(3));
	ck_assert_uint_eq(p.mss, tcp_params_default.mss);
	scn_host_params(s, 1, &p);
	ck_assert_int_eq(p.msl, SIM_S(30));
	ck_assert_uint_eq(p.mss, 536);
	ck_assert_uint_eq(p.rcvbuf, 8192);

	ck_assert_uint_eq(s->hosts[1].nacts, 2);
	const struct app_action *a = &s->hosts[1].acts[0];
	ck_assert_int_eq(a->on, APP_ON_TIME);
	ck_assert_int_eq(a->op, APP_OP_LISTEN);
	ck_assert_uint_eq(a->port, 80);
	ck_assert_int_eq(a->line, 16);
	a = &s->hosts[1].acts[1];
	ck_assert_int_eq(a->on, APP_ON_RECEIVED);
	ck_assert_uint_eq(a->on_bytes, 1000);
	ck_assert_int_eq(a->op, APP_OP_CLOSE);
	a = &s->hosts[0].acts[0];
	ck_assert_int_eq(a->op, APP_OP_CONNECT);
	ck_assert_int_eq(a->peer, 1);
	ck_assert_uint_eq(a->peer_addr, 0xc0a80114);
	ck_assert_uint_eq(a->port, 80);
	ck_assert_int_eq(a->at, SIM_MS(1));
	a = &s->hosts[0].acts[1];
	ck_assert_int_eq(a->on, APP_ON_CONNECTED);
	ck_assert_uint_eq(a->bytes, 65536);
	scn_free(s);
}
END_TEST

START_TEST(test_defaults)
{
	struct scenario *s = load_ok("hosts: {a: {}, b: }\n");
	ck_assert_str_eq(s->name, "t");
	ck_assert_ptr_null(s->description);
	ck_assert_uint_eq(s->seed, SCN_DEFAULT_SEED);
	ck_assert_int_eq(s->stop, SCN_DEFAULT_STOP);
	ck_assert_uint_eq(s->max_events, SCN_DEFAULT_MAX_EVENTS);
	ck_assert_uint_eq(s->hosts[0].addr, 0x0a000001);
	ck_assert_uint_eq(s->hosts[1].addr, 0x0a000002);
	ck_assert_uint_eq(s->nlinks, 0);
	struct tcp_params p;
	scn_host_params(s, 1, &p);
	ck_assert_int_eq(p.msl, SIM_S(120));
	ck_assert_int_eq(p.rto_initial, SIM_S(1));
	scn_free(s);
}
END_TEST

START_TEST(test_profiles_then_scenario_keys_then_host_keys)
{
	struct scenario *s = load_ok(
		"tcp: {profile: linux, delack: 100ms}\n"
		"hosts:\n"
		"  a: {}\n"
		"  b: {tcp: {profile: textbook}}\n"
		"  c: {tcp: {rto-min: 50ms, time-wait: off}}\n");
	struct tcp_params p;
	const struct tcp_params *linux = &tcp_profile_find("linux")->p;
	scn_host_params(s, 0, &p);
	ck_assert_int_eq(p.rto_min, linux->rto_min);
	ck_assert_int_eq(p.time_wait, SIM_S(60));
	ck_assert_uint_eq(p.iw, 10);
	ck_assert_int_eq(p.delack, SIM_MS(100)); /* the scenario's key */
	/* a host's own profile replaces the scenario's, keys still apply */
	scn_host_params(s, 1, &p);
	ck_assert_uint_eq(p.keepcnt, 10);
	ck_assert_int_eq(p.rto_min, SIM_S(1));
	ck_assert_int_eq(p.delack, SIM_MS(100));
	/* and a host's keys go last */
	scn_host_params(s, 2, &p);
	ck_assert_int_eq(p.rto_min, SIM_MS(50));
	ck_assert(p.no_time_wait);
	ck_assert_uint_eq(p.syn_retries, 6);
	scn_free(s);
}
END_TEST

/* A window past 65535 bytes needs window scaling: a buffer the scenario
 * sets larger than the window can carry is refused
 * (tests/bad/tcp-rcvbuf-without-wscale.yaml), but a profile's own is
 * not — FreeBSD's 64 KiB without scaling offers 65535 bytes, as FreeBSD
 * does. */
START_TEST(test_profile_buffer_without_window_scaling_is_taken)
{
	struct scenario *s = load_ok(
		"tcp: {profile: freebsd, wscale: off}\n"
		"hosts: {a: {}, b: {}}\n");
	struct tcp_params p;
	scn_host_params(s, 0, &p);
	ck_assert_uint_eq(p.rcvbuf, 65536);
	ck_assert_uint_eq(p.wscale, TCP_WSCALE_OFF);
	scn_free(s);
	load_err("tcp: {profile: freebsd, wscale: off, rcvbuf: 65536}\n"
		 "hosts: {a: {}, b: {}}\n",
		 1, 6,
		 "rcvbuf of 65536 bytes needs window scaling: without it the "
		 "window stops at 65535 bytes (give wscale: auto, RFC 7323)");
}
END_TEST

START_TEST(test_hosts_resolved_wherever_declared)
{
	/* links and apps may come before hosts in the file */
	struct scenario *s = load_ok(
		"links: [{between: [b, a]}]\n"
		"apps: {a: [{at: 1s, connect: b:9}]}\n"
		"hosts: {a: {}, b: {}}\n");
	ck_assert_int_eq(s->links[0].a, 1);
	ck_assert_int_eq(s->hosts[0].acts[0].peer, 1);
	scn_free(s);
}
END_TEST

START_TEST(test_errors_point_at_the_value)
{
	load_err("hosts: {a: {}}\nlinks:\n  - between: [a, c]\n", 3, 18,
		 "unknown host 'c' (did you mean 'a'?)");
	load_err("hosts: {a: {}, b: {}}\nlinks:\n  - {between: [a, b], dealy: 5ms}\n",
		 3, 23, "unknown key 'dealy' in a link (did you mean 'delay'?)");
	load_err("hosts: {a: {}, b: {}}\nlinks:\n  - {between: [a, a]}\n", 3,
		 19, "a link joins two different hosts; 'a' is linked to itself");
	load_err("hosts: {a: {}, b: {}}\nlinks:\n  - {between: [a, b], loss: 1.5}\n",
		 3, 29, "'loss': a probability must be between 0 and 1 (found '1.5')");
	load_err("hosts: {a: {}}\nstop: -5s\n", 2, 7,
		 "'stop': a duration cannot be negative (found '-5s')");
	load_err("hosts: {a: {}}\nseed: 18446744073709551616\n", 2, 7,
		 "'seed' is too large (at most 18446744073709551615)");
	load_err("hosts: {a: {}}\nhosts: {b: {}}\n", 2, 1,
		 "duplicate key 'hosts' in the scenario (first at line 1)");
	load_err("", 1, 1, "empty scenario: expected a mapping with at least 'hosts'");
	load_err("hosts: {a: {addr: 10.0.0.1}, b: {addr: 10.0.0.1}}\n", 1, 40,
		 "address 10.0.0.1 of 'b' is already used by 'a'");
	load_err("hosts: {a: {}}\napps: {a: [{at: 1s, on: connected, close: true}]}\n",
		 2, 12, "an action runs 'at' a time or 'on' an event, not both");
	load_err("hosts: {a: {}}\napps: {a: [{on: conected, close: true}]}\n",
		 2, 17, "unknown event 'conected' (did you mean 'connected'?) "
			"(events: connected, received, peer-closed, closed, "
			"refused, reset, timed-out)");
	load_err("hosts: {a: {}}\napps: {a: [{at: 1s, connect: a:80}]}\n", 2,
		 30, "'a' cannot connect to itself: tcpsim has no loopback");
	load_err("hosts: {a: {}}\napps: {a: [{at: 1s, listen: 70000}]}\n", 2,
		 29, "'listen': a port is a number from 1 to 65535 (found '70000')");
	load_err("hosts: {a: {}}\napps: {a: [{at: 1s, listen: 80, close: true}]}\n",
		 2, 33, "an action does one thing: it already has 'listen'");
	load_err("hosts: {a: {}}\ntcp: {rto-min: 5s, rto-max: 1s}\n", 2, 6,
		 "rto-min is larger than rto-max");
	load_err("hosts: {a: {}}\n---\nhosts: {b: {}}\n", 3, 1,
		 "a scenario file holds one YAML document; a second one starts here");
}
END_TEST

/* A compound duration is a duration wherever one is read: top level,
 * links and their rules, actions, TCP parameters (time-wait's own
 * reader too), expectations. */
START_TEST(test_compound_durations_everywhere)
{
	struct scenario *s = load_ok(
		"stop: 2h30m\n"
		"tcp: {msl: 1m30s, time-wait: 1m1s}\n"
		"hosts: {a: {}, b: {}}\n"
		"links:\n"
		"  - between: [a, b]\n"
		"    delay: 1ms500us\n"
		"    rules: [{after: 1s500ms, action: drop}]\n"
		"apps: {a: [{at: 1m0.5s, connect: b:80}]}\n"
		"expect: [{event: send, before: 1h1ns}]\n");
	ck_assert_int_eq(s->stop, SIM_MIN(150));
	ck_assert_int_eq(s->links[0].dir[0].delay, SIM_US(1500));
	ck_assert_int_eq(s->links[0].rules[0].after, SIM_MS(1500));
	ck_assert_int_eq(s->hosts[0].acts[0].at, SIM_MS(60500));
	ck_assert_int_eq(s->expects[0].before, SIM_HOUR(1) + 1);
	struct tcp_params p;
	scn_host_params(s, 0, &p);
	ck_assert_int_eq(p.msl, SIM_S(90));
	ck_assert_int_eq(p.time_wait, SIM_S(61));
	scn_free(s);
	load_err("hosts: {a: {}}\nstop: 30m2h\n", 2, 7,
		 "'stop': the units of a duration go from the largest to the "
		 "smallest, as in 2h30m (found '30m2h')");
}
END_TEST

/* A count of bytes is a size wherever one is read: what an event
 * action waits for, and what an expectation wants delivered. */
START_TEST(test_byte_counts_are_sizes)
{
	struct scenario *s = load_ok(
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b]}]\n"
		"apps: {a: [{at: 0s, connect: b:80}, "
		"{on: received, bytes: 2KiB, close: true}]}\n"
		"expect: [{delivered: {from: a, to: b, bytes: 10KB}}]\n");
	ck_assert_uint_eq(s->hosts[0].acts[1].on_bytes, 2048);
	ck_assert_uint_eq(s->expects[0].bytes, 10000);
	scn_free(s);
	load_err("hosts: {a: {}, b: {}}\n"
		 "expect: [{delivered: {from: a, to: b, bytes: 10 parsecs}}]\n",
		 2, 46,
		 "'bytes': unknown size unit (use B, KB, KiB, MB, MiB, GB or "
		 "GiB) (found '10 parsecs')");
}
END_TEST

/* inject's seq and ack: numbers and variables of the receiving
 * connection, added or subtracted; a name that is no variable is
 * refused at load time, at the value. */
START_TEST(test_inject_numbers_are_sums_of_variables)
{
	struct scenario *s = load_ok(
		"hosts: {a: {}, b: {}}\n"
		"apps: {a: [{at: 1s, inject: {src: a:1, dst: b:2,"
		" seq: rcv.nxt+rcv.wnd-1, ack: 5 + snd.una + Snd.Wnd - 7}}]}\n");
	const struct app_inject *j = &s->hosts[0].acts[0].inj;
	const int8_t seq[APP_SEQ_NVARS] = {[APP_SEQ_RCV_NXT] = 1,
					   [APP_SEQ_RCV_WND] = 1};
	const int8_t ack[APP_SEQ_NVARS] = {[APP_SEQ_SND_UNA] = 1,
					   [APP_SEQ_SND_WND] = 1};
	ck_assert_mem_eq(j->seq.k, seq, sizeof seq);
	ck_assert_uint_eq(j->seq.off, UINT32_MAX);
	ck_assert_mem_eq(j->ack.k, ack, sizeof ack);
	ck_assert_uint_eq(j->ack.off, (uint32_t)-2);
	scn_free(s);
	load_err("hosts: {a: {}, b: {}}\n"
		 "apps: {a: [{at: 1s, inject: {src: a:1, dst: b:2,"
		 " seq: rcv.nxt+rcv.wnx}}]}\n",
		 2, 55,
		 "'seq': unknown variable 'rcv.wnx' (did you mean 'rcv.wnd'?) "
		 "(variables of the receiving connection: rcv.nxt, rcv.wnd, "
		 "snd.nxt, snd.una, snd.wnd, iss, irs)");
	load_err("hosts: {a: {}, b: {}}\n"
		 "apps: {a: [{at: 1s, inject: {src: a:1, dst: b:2,"
		 " ack: 1+1+1+1+1+1+1+1+1}}]}\n",
		 2, 55, "'ack' adds up at most 8 terms (found '1+1+1+1+1+1+1+1+1')");
}
END_TEST

START_TEST(test_yaml_syntax_error_position)
{
	/* the unclosed '{' opened at 1:8 shows when the next line begins */
	load_err("hosts: {a: {}\nlinks: []\n", 2, 1,
		 "YAML syntax error: did not find expected ',' or '}' while "
		 "parsing a flow mapping (opened at 1:8)");
	load_err("hosts:\n  a:\n    addr: 10.0.0.1\n   bad: 2\n", 4, 4,
		 "YAML syntax error: did not find expected key while parsing "
		 "a block mapping (opened at 2:3)");
}
END_TEST

START_TEST(test_error_format_has_source_and_caret)
{
	const char *text = "hosts: {a: {}, b: {}}\nlinks:\n  - {between: [a, b], dealy: 5ms}\n";
	struct scenario *s;
	struct scn_error e;
	char buf[1024];
	ck_assert_int_lt(scn_load_string("x.yaml", text, strlen(text), &s, &e), 0);
	scn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf,
			 "x.yaml:3:23: unknown key 'dealy' in a link (did you mean 'delay'?)\n"
			 "    3 |   - {between: [a, b], dealy: 5ms}\n"
			 "      |                       ^\n");
}
END_TEST

START_TEST(test_sizes_and_probabilities)
{
	uint64_t v;
	uint32_t p;
	const char *m;
	ck_assert_int_eq(scn_parse_size("1000", &v, &m), 0);
	ck_assert_uint_eq(v, 1000);
	ck_assert_int_eq(scn_parse_size("64KiB", &v, &m), 0);
	ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(scn_parse_size("5MB", &v, &m), 0);
	ck_assert_uint_eq(v, 5000000);
	ck_assert_int_lt(scn_parse_size("5 MB", &v, &m), 0);
	ck_assert_int_lt(scn_parse_size("-1", &v, &m), 0);
	ck_assert_int_lt(scn_parse_size("99999999999999999999", &v, &m), 0);
	ck_assert_int_lt(scn_parse_size("20000000000GiB", &v, &m), 0);

	ck_assert_int_eq(scn_parse_prob("0.05", &p, &m), 0);
	ck_assert_uint_eq(p, 50000000);
	ck_assert_int_eq(scn_parse_prob("5%", &p, &m), 0);
	ck_assert_uint_eq(p, 50000000);
	ck_assert_int_eq(scn_parse_prob("1", &p, &m), 0);
	ck_assert_uint_eq(p, RNG_PPB_ONE);
	ck_assert_int_eq(scn_parse_prob("0.000000001", &p, &m), 0);
	ck_assert_uint_eq(p, 1);
	ck_assert_int_eq(scn_parse_prob("0.1000000000000", &p, &m), 0);
	ck_assert_uint_eq(p, 100000000);
	ck_assert_int_lt(scn_parse_prob("0.0000000001", &p, &m), 0);
	ck_assert_int_lt(scn_parse_prob("100.1%", &p, &m), 0);
	ck_assert_int_lt(scn_parse_prob("-0.1", &p, &m), 0);
	ck_assert_int_lt(scn_parse_prob("1.0000000001", &p, &m), 0);
	ck_assert_int_lt(scn_parse_prob(".", &p, &m), 0);
}
END_TEST

/* "PREFIX" then n '[' and n ']', then "SUFFIX". */
static char *nested(const char *prefix, size_t n, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix);
	char *t = malloc(lp + 2 * n + ls + 1);
	ck_assert_ptr_nonnull(t);
	memcpy(t, prefix, lp);
	memset(t + lp, '[', n);
	memset(t + lp + n, ']', n);
	memcpy(t + lp + 2 * n, suffix, ls + 1);
	return t;
}

START_TEST(test_nesting_deeper_than_64_is_refused_at_its_bracket)
{
	static const char deep[] = "too deeply nested: lists and mappings go "
				   "at most 64 levels deep";
	/* 64 levels with the root mapping: read, and refused for the key */
	char *t = nested("hosts: {a: {}}\nx: ", 63, "\n");
	load_err(t, 2, 1, "unknown key 'x' in the scenario");
	free(t);
	/* one more: refused at the bracket that opens level 65 */
	t = nested("hosts: {a: {}}\nx: ", 64, "\n");
	load_err(t, 2, 67, deep);
	free(t);
	/* a scenario of 100,000 levels is refused as quickly */
	t = nested("x: ", 100000, "\n");
	load_err(t, 1, 67, deep);
	free(t);
	/* too deep in a second document: after the first is read */
	t = nested("hosts: {a: {}}\n---\n", 100, "\n");
	load_err(t, 3, 65, deep);
	free(t);
	t = nested("hosts: {a: {}}\nseed: x\n---\n", 100, "\n");
	load_err(t, 2, 7, "'seed' expects a whole number, found 'x'");
	free(t);
}
END_TEST

/* Members of a template whose actions come out the same keep one copy
 * of them; a member given an action of its own keeps its own. */
START_TEST(test_template_members_share_their_actions)
{
	struct scenario *s = load_ok(
		"hosts: {c: {count: 3}, s: {}}\n"
		"links: [{between: [c, s], delay: 1ms}]\n"
		"apps:\n"
		"  s: [{at: 0s, listen: 80}]\n"
		"  c: [{at: 0s, connect: \"s:80\", bulk: 100}]\n"
		"  c-3: [{at: 1s, connect: \"s:80\"}]\n");
	ck_assert_uint_eq(s->nhosts, 4);
	ck_assert_str_eq(s->hosts[0].name, "c-1");
	ck_assert_uint_eq(s->hosts[0].nacts, 1);
	ck_assert(!s->hosts[0].acts_shared);
	ck_assert_uint_eq(s->hosts[1].nacts, 1);
	ck_assert(s->hosts[1].acts_shared);
	ck_assert_ptr_eq(s->hosts[1].acts, s->hosts[0].acts);
	ck_assert_uint_eq(s->hosts[2].nacts, 2);
	ck_assert(!s->hosts[2].acts_shared);
	ck_assert_ptr_ne(s->hosts[2].acts, s->hosts[0].acts);
	ck_assert_uint_eq(s->hosts[2].acts[0].bulk, 100);
	ck_assert_int_eq(s->hosts[2].acts[1].at, SIM_S(1));
	scn_free(s);
}
END_TEST

Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_full_scenario);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_profiles_then_scenario_keys_then_host_keys);
	tcase_add_test(tc, test_profile_buffer_without_window_scaling_is_taken);
	tcase_add_test(tc, test_hosts_resolved_wherever_declared);
	tcase_add_test(tc, test_errors_point_at_the_value);
	tcase_add_test(tc, test_compound_durations_everywhere);
	tcase_add_test(tc, test_byte_counts_are_sizes);
	tcase_add_test(tc, test_inject_numbers_are_sums_of_variables);
	tcase_add_test(tc, test_yaml_syntax_error_position);
	tcase_add_test(tc, test_error_format_has_source_and_caret);
	tcase_add_test(tc, test_sizes_and_probabilities);
	tcase_add_test(tc, test_nesting_deeper_than_64_is_refused_at_its_bracket);
	tcase_add_test(tc, test_template_members_share_their_actions);
	suite_add_tcase(s, tc);
	return s;
}
