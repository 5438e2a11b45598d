/* check_routing.c — routers and routes: shortest paths and their
 * tie-breaks, static routes, forwarding with the TTL, and what happens
 * when there is no route, at load time and in a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/route.h"
#include "models/segment.h"
#include "sim/out/sinks.h"
#include "sim/run/sweep.h"
#include "sim/run/world.h"
#include "scn_util.h"
#include "suites.h"

/* ---- models/route: the tables ------------------------------------------- */

/*      1 ---- 2
 *    / |      |
 *  0   4 ---- 3 ... 4 - 5      0, 5: hosts; 1-4: routers
 *    \________/
 * links 0-1 (9 ms), 1-4 (1), 0-3 (1), 3-4 (2), 4-5 (1), 1-2 (1), 2-3 (1):
 * from 0, 4 is two hops either way (via 1 or via 3), but 3 ms via 3
 * against 10 ms via 1. */
static const uint32_t addrs[6] = {10, 11, 12, 13, 14, 15};
static const bool routers[6] = {false, true, true, true, true, false};

static size_t edges_of(struct route_edge *e, enum route_metric m)
{
	static const int links[][3] = {
		{0, 1, 9}, {1, 4, 1}, {0, 3, 1}, {3, 4, 2},
		{4, 5, 1}, {1, 2, 1}, {2, 3, 1},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		uint64_t c = route_cost(m, links[i][2] * 1000000);
		e[n++] = (struct route_edge){links[i][0], links[i][1], c};
		e[n++] = (struct route_edge){links[i][1], links[i][0], c};
	}
	return n;
}

START_TEST(test_hop_count_ties_go_to_the_lowest_first_hop)
{
	struct route_edge e[16];
	size_t ne = edges_of(e, ROUTE_HOPS);
	struct route_graph g = {6, addrs, routers, ne, e};
	struct route_fib f[6] = {0};
	ck_assert_int_eq(route_compute(&g, f), 0);
	/* host 0 has two links: a table; 4 and 2 are two hops via 1 or via
	 * 3: the lower, 1; 5 is three either way */
	ck_assert_uint_eq(route_fib_lookup(&f[0], 14), 11);
	ck_assert_uint_eq(route_fib_lookup(&f[0], 12), 11);
	ck_assert_uint_eq(route_fib_lookup(&f[0], 15), 11);
	ck_assert_uint_eq(route_fib_lookup(&f[0], 99), 0);
	/* host 5 has one link, to a router: its gateway, for anything */
	ck_assert_uint_eq(f[5].n, 0);
	ck_assert_uint_eq(f[5].gateway, 14);
	ck_assert_uint_eq(route_fib_lookup(&f[5], 99), 14);
	/* router 4 back to 0: via 1 or 3, two hops: 1 */
	ck_assert_uint_eq(route_fib_lookup(&f[4], 10), 11);
	/* a neighbour has no entry (it is reached over its link), and a
	 * router has no gateway */
	ck_assert_uint_eq(route_fib_lookup(&f[4], 13), 0);
	ck_assert_uint_eq(route_fib_lookup(&f[4], 99), 0);
	for (int i = 0; i < 6; i++)
		route_fib_free(&f[i]);
}
END_TEST

START_TEST(test_delay_metric_takes_the_faster_way)
{
	struct route_edge e[16];
	size_t ne = edges_of(e, ROUTE_DELAY);
	struct route_graph g = {6, addrs, routers, ne, e};
	struct route_fib f[6] = {0};
	ck_assert_int_eq(route_compute(&g, f), 0);
	/* 0-3-4: 3 ms; 0-1-4: 10 ms */
	ck_assert_uint_eq(route_fib_lookup(&f[0], 14), 13);
	ck_assert_uint_eq(route_fib_lookup(&f[0], 15), 13);
	/* 0 to 2: 0-3-2 2 ms */
	ck_assert_uint_eq(route_fib_lookup(&f[0], 12), 13);
	/* 1 to 0 is a neighbour, 1 to 5 via 4 (2 ms) */
	ck_assert_uint_eq(route_fib_lookup(&f[1], 15), 14);
	for (int i = 0; i < 6; i++)
		route_fib_free(&f[i]);
}
END_TEST

START_TEST(test_a_host_forwards_nothing)
{
	/* r0 - h1 - r2: h1 has two links but is no router */
	static const uint32_t ad[3] = {1, 2, 3};
	static const bool rt[3] = {true, false, true};
	struct route_edge e[4] = {{0, 1, 1}, {1, 0, 1}, {1, 2, 1}, {2, 1, 1}};
	struct route_graph g = {3, ad, rt, 4, e};
	struct route_fib f[3] = {0};
	ck_assert_int_eq(route_compute(&g, f), 0);
	ck_assert_uint_eq(route_fib_lookup(&f[0], 3), 0);
	ck_assert_uint_eq(route_fib_lookup(&f[2], 1), 0);
	ck_assert_uint_eq(f[1].n, 0);
	for (int i = 0; i < 3; i++)
		route_fib_free(&f[i]);
}
END_TEST

START_TEST(test_static_routes_longest_prefix_first)
{
	struct route_static s[3] = {
		{0x0a000000, 8, 1},
		{0x0a000100, 24, 2},
		{0, 0, 3},
	};
	route_statics_sort(s, 3);
	ck_assert_uint_eq(route_static_lookup(s, 3, 0x0a000105), 2);
	ck_assert_uint_eq(route_static_lookup(s, 3, 0x0a000205), 1);
	ck_assert_uint_eq(route_static_lookup(s, 3, 0xc0000201), 3);
	ck_assert_uint_eq(route_static_lookup(s, 2 - 1, 0xc0000201), 0);
	ck_assert(route_covers(0x0a000000, 8, 0x0affffff));
	ck_assert(!route_covers(0x0a000000, 9, 0x0affffff));
	/* the order of the rules: a static route before a neighbour, a
	 * neighbour before the table, the table's gateway last */
	struct route_entry e = {0x0a000105, 7};
	struct route_fib f = {.gateway = 9, .e = &e, .n = 1};
	ck_assert_uint_eq(route_via(s, 3, &f, true, 0x0a000105), 2);
	ck_assert_uint_eq(route_via(s, 0, &f, true, 0x0a000105), 0x0a000105);
	ck_assert_uint_eq(route_via(s, 0, &f, false, 0x0a000105), 7);
	ck_assert_uint_eq(route_via(s, 0, &f, false, 0x0a000106), 9);
	ck_assert_uint_eq(route_via(NULL, 0, &(struct route_fib){0}, false, 1),
			  0);
}
END_TEST

/* ---- scenarios ---------------------------------------------------------- */

static void load_fails(const char *text, int line, int col, const char *msg)
{
	struct scenario *s;
	struct scn_error e;
	ck_assert_int_eq(scn_load_string("t.yaml", text, strlen(text), &s, &e),
			 -1);
	ck_assert_str_eq(e.msg, msg);
	ck_assert_int_eq(e.line, line);
	ck_assert_int_eq(e.col, col);
}

/* How many lines of t contain a (and b, if given). */
static int count(const char *t, const char *a, const char *b)
{
	int n = 0;
	for (const char *l = t; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)len, l);
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
		l = e ? e + 1 : NULL;
	}
	return n;
}

static const char chain[] =
	"hosts: {a: {}, r1: {router: true}, r2: {router: true}, b: {}}\n"
	"links:\n"
	"  - {between: [a, r1], delay: 1ms}\n"
	"  - {between: [r1, r2], delay: 5ms}\n"
	"  - {between: [r2, b], delay: 1ms}\n"
	"apps:\n"
	"  b: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n"
	"  a: [{at: 0s, connect: b:80, bulk: 1000}]\n";

START_TEST(test_chain_forwards_each_segment_hop_by_hop)
{
	struct scenario *s = load(chain);
	char *t = trace_of(s, NULL, NULL, NULL);
	/* the SYN: sent by a at 0, forwarded by r1 at 1 ms (TTL 63) and by
	 * r2 at 6 ms (62), arrives at b at 7 ms */
	ck_assert_ptr_nonnull(strstr(t,
		"0.000000000 a send pkt=1 src=10.0.0.1:49152 dst=10.0.0.4:80 "
		"flags=SYN "));
	ck_assert_ptr_nonnull(strstr(t, "0.001000000 r1 recv pkt=1 "));
	ck_assert_ptr_nonnull(strstr(t, "0.001000000 r1 send pkt=2 src=10.0.0.1:49152 "
					"dst=10.0.0.4:80 flags=SYN "));
	ck_assert_ptr_nonnull(strstr(t, "fwd=1 ttl=63 why=\"RFC 1812 §5.2.1"));
	ck_assert_ptr_nonnull(strstr(t, "0.006000000 r2 send pkt=3 "));
	ck_assert_ptr_nonnull(strstr(t, "fwd=2 ttl=62 "));
	ck_assert_ptr_nonnull(strstr(t, "0.007000000 b recv pkt=3 src=10.0.0.1:49152 "));
	/* the SYN,ACK goes back the same way: 14 ms round trip */
	ck_assert_ptr_nonnull(strstr(t, "0.014000000 a recv pkt=6 "));
	/* routers run no connection of their own */
	ck_assert_int_eq(count(t, " r1 state ", NULL), 0);
	ck_assert_int_eq(count(t, " r2 state ", NULL), 0);
	/* every segment a or b sent is forwarded twice: the sends of the
	 * routers are exactly twice the ends' */
	int ends = count(t, " a send ", NULL) + count(t, " b send ", NULL);
	ck_assert_int_gt(ends, 6);
	ck_assert_int_eq(count(t, " r1 send ", "fwd=") +
				 count(t, " r2 send ", "fwd="),
			 2 * ends);
	ck_assert_int_eq(count(t, " drop ", NULL), 0);
	free(t);
	scn_free(s);
}
END_TEST

START_TEST(test_ttl_runs_out_in_a_routing_loop)
{
	/* r1 sends b's packets to r2 and r2 sends them back: a loop; a's
	 * TTL of 5 ends each SYN at its fifth router */
	struct scenario *s = load(
		"hosts:\n"
		"  a: {ttl: 5, tcp: {syn-retries: 1}}\n"
		"  r1: {router: true}\n"
		"  r2: {router: true}\n"
		"  b: {}\n"
		"links:\n"
		"  - {between: [a, r1], delay: 1ms}\n"
		"  - {between: [r1, r2], delay: 1ms}\n"
		"  - {between: [r1, b], delay: 1ms}\n"
		"routes:\n"
		"  - {at: r1, to: b, via: r2}\n"
		"  - {at: r2, to: 10.0.0.0/8, via: r1}\n"
		"apps:\n"
		"  b: [{at: 0s, listen: 80}]\n"
		"  a: [{at: 0s, connect: b:80}]\n");
	struct world w;
	char *t = trace_of(s, NULL, &w, NULL);
	/* TTL 5 at a; r1 sends on with 4, r2 3, r1 2, r2 1; r1 drops it */
	ck_assert_int_eq(count(t, " r1 send ", "flags=SYN "), 2 * 2);
	ck_assert_int_eq(count(t, " r2 send ", "flags=SYN "), 2 * 2);
	ck_assert_int_eq(count(t, " r1 drop ", "TTL exceeded in transit"), 2);
	ck_assert_ptr_nonnull(strstr(t, "0.004000000 r2 send pkt=5 src=10.0.0.1:49152 "));
	ck_assert_ptr_nonnull(strstr(t, "fwd=4 ttl=1 "));
	ck_assert_ptr_nonnull(strstr(t, "0.005000000 r1 drop pkt=5 "));
	ck_assert_int_eq(count(t, " b recv ", NULL), 0);
	ck_assert_int_eq(count(t, " a app ", "event=closed reason=timed-out"), 1);
	/* a loop is a route: nothing is dropped for want of one */
	int h;
	sim_time_t at;
	uint32_t dst;
	ck_assert_uint_eq(world_noroute(&w, &h, &at, &dst), 0);
	world_free(&w);
	free(t);
	scn_free(s);
}
END_TEST

START_TEST(test_routes_follow_a_link_that_goes_down)
{
	/* a square: a-r1-r2-b is the short way (hops), a-r1-r3-r4-r2 the
	 * long one; r1-r2 fails at 1 s for good; after converge (200 ms)
	 * the data goes round */
	struct scenario *s = load(
		"hosts:\n"
		"  a: {}\n"
		"  r1: {router: true}\n"
		"  r2: {router: true}\n"
		"  r3: {router: true}\n"
		"  r4: {router: true}\n"
		"  b: {}\n"
		"routing: {converge: 200ms}\n"
		"links:\n"
		"  - {between: [a, r1], delay: 1ms}\n"
		"  - {between: [r1, r2], delay: 1ms, down: [{at: 1s, until: 1h}]}\n"
		"  - {between: [r1, r3], delay: 1ms}\n"
		"  - {between: [r3, r4], delay: 1ms}\n"
		"  - {between: [r4, r2], delay: 1ms}\n"
		"  - {between: [r2, b], delay: 1ms}\n"
		"apps:\n"
		"  b: [{at: 0s, listen: 80}]\n"
		"  a: [{at: 0s, connect: b:80}, {at: 2s, send: 1000}]\n"
		"stop: 10s\n");
	char *t = trace_of(s, NULL, NULL, NULL);
	/* nothing goes round before the routes change */
	const char *first = strstr(t, " r3 ");
	ck_assert_ptr_nonnull(first);
	while (first > t && first[-1] != '\n')
		first--;
	ck_assert_double_ge(strtod(first, NULL), 1.2);
	ck_assert_int_eq(count(t, "1.200000000 - run event=routes", NULL), 1);
	ck_assert_int_gt(count(t, " r3 send ", "len=1000"), 0);
	ck_assert_int_gt(count(t, " r4 send ", "len=1000"), 0);
	ck_assert_int_gt(count(t, " b recv ", "len=1000"), 0);
	ck_assert_int_eq(count(t, " drop ", NULL), 0);
	free(t);
	scn_free(s);
}
END_TEST

/* Everything a link and a host do, across routers: a rule on the
 * routers' link acts on a segment a router forwards (the first data
 * segment, dropped: the sender retransmits it); a router that crashes
 * drops what reaches it, and after its reboot forwards again (it held
 * no connection of the two hosts, so theirs goes on); a segment
 * injected at one end is routed to the other. */
START_TEST(test_faults_and_crashes_across_routers)
{
	struct scenario *s = load(
		"hosts: {a: {tcp: {rto-min: 200ms}}, r1: {router: true}, "
		"r2: {router: true}, b: {}}\n"
		"links:\n"
		"  - {between: [a, r1], delay: 1ms}\n"
		"  - between: [r1, r2]\n"
		"    delay: 1ms\n"
		"    rules: [{name: first-data, from: r1, data: true, nth: 1, "
		"action: drop, must-match: true}]\n"
		"  - {between: [r2, b], delay: 1ms}\n"
		"apps:\n"
		"  b: [{at: 0s, listen: 80}]\n"
		"  a:\n"
		"    - {at: 0s, connect: b:80}\n"
		"    - {at: 100ms, send: 1000}\n"
		"    - {at: 2s, send: 1000}\n"
		"    - {at: 3s, inject: {src: \"a:7\", dst: \"b:9\", flags: SYN}}\n"
		"  r2:\n"
		"    - {at: 1900ms, crash: true}\n"
		"    - {at: 2500ms, reboot: true}\n"
		"stop: 10s\n");
	struct world w;
	char *t = trace_of(s, NULL, &w, NULL);
	/* the rule dropped r1's copy of the first data segment; a sent it
	 * again at its RTO, 200 ms later */
	ck_assert_ptr_nonnull(strstr(t, "0.101000000 r1>r2 drop pkt=11 "));
	ck_assert_ptr_nonnull(strstr(t, "rule=first-data"));
	ck_assert_uint_eq(w.links[1].rule_state[0].acted, 1);
	ck_assert_ptr_nonnull(strstr(t, "0.300000000 a send pkt=12 "));
	ck_assert_ptr_nonnull(strstr(t, "0.303000000 b recv pkt=14 "));
	/* r2 is down from 1.9 s to 2.5 s: a's data at 2 s and its
	 * retransmission at 2.4 s are lost at r2; the next, at 3.2 s, gets
	 * through: three retransmissions in all */
	ck_assert_ptr_nonnull(strstr(t, "2.002000000 r1>r2 drop pkt=19 "));
	ck_assert_ptr_nonnull(strstr(t, "2.402000000 r1>r2 drop pkt=21 "));
	ck_assert_int_eq(count(t, " drop ", "the destination host is down "
					    "(crashed)"),
			 2);
	ck_assert_int_eq(count(t, " a send ", "rexmit=1"), 3);
	ck_assert_ptr_nonnull(strstr(t, "3.203000000 b recv pkt=30 "));
	/* b has both kilobytes in the end */
	uint64_t got = 0;
	for (const struct app_sock *k = w.apps[3].socks; k; k = k->next)
		got += k->received;
	ck_assert_uint_eq(got, 2000);
	/* the injected SYN crossed both routers to b, which refused it */
	ck_assert_ptr_nonnull(strstr(t, "3.000000000 a send pkt=22 src=10.0.0.1:7 "
					"dst=10.0.0.4:9 flags=SYN "));
	ck_assert_ptr_nonnull(strstr(t, "3.003000000 b recv pkt=24 src=10.0.0.1:7 "
					"dst=10.0.0.4:9 flags=SYN "));
	ck_assert_ptr_nonnull(strstr(t, "3.003000000 b send pkt=25 src=10.0.0.4:9 "
					"dst=10.0.0.1:7 flags=RST,ACK "));
	world_free(&w);
	free(t);
	scn_free(s);
}
END_TEST

START_TEST(test_no_route_known_at_load_time)
{
	/* no link at all */
	load_fails("hosts: {a: {}, b: {}}\n"
		   "apps: {b: [{at: 0s, listen: 9}], a: [{at: 0s, connect: b:9}]}\n",
		   2, 38, "a cannot reach b: no link joins them, and no host "
			  "is a router ('router: true')");
	/* a host in the middle does not forward */
	load_fails("hosts: {a: {}, m: {}, b: {}}\n"
		   "links: [{between: [a, m]}, {between: [m, b]}]\n"
		   "apps: {b: [{at: 0s, listen: 9}], a: [{at: 0s, connect: b:9}]}\n",
		   3, 38, "a cannot reach b: no link joins them, and no host "
			  "is a router ('router: true')");
	load_fails("hosts: {a: {}, m: {}, r: {router: true}, b: {}}\n"
		   "links: [{between: [a, r]}, {between: [r, m]}, {between: [m, b]}]\n"
		   "apps: {b: [{at: 0s, listen: 9}], a: [{at: 0s, connect: b:9}]}\n",
		   3, 38, "a cannot reach b: r has no route to it");
	/* an island */
	load_fails("hosts: {a: {}, r: {router: true}, b: {}}\n"
		   "links: [{between: [a, r]}]\n"
		   "apps: {a: [{at: 0s, connect: b:9}]}\n",
		   3, 12, "a cannot reach b: r has no route to it");
	/* a way there but none back: b's static route points away */
	load_fails("hosts: {a: {}, r: {router: true}, c: {}, b: {}}\n"
		   "links: [{between: [a, r]}, {between: [r, b]}, {between: [b, c]}]\n"
		   "routes: [{at: b, to: a, via: c}]\n"
		   "apps: {b: [{at: 0s, listen: 9}], a: [{at: 0s, connect: b:9}]}\n",
		   4, 38, "b cannot reach a: the way goes through c, which is "
			  "not a router");
	/* a route's next hop is a neighbour */
	load_fails("hosts: {a: {}, r: {router: true}, b: {}}\n"
		   "links: [{between: [a, r]}, {between: [r, b]}]\n"
		   "routes: [{at: a, to: b, via: b}]\n",
		   3, 10, "a route at a goes via b, which is not linked to it: a "
			  "route hands packets to a neighbour");
	load_fails("hosts: {a: {}, r: {router: true}}\n"
		   "links: [{between: [a, r]}]\n"
		   "routes: [{at: a, to: 10.0.0.1/33, via: r}]\n",
		   3, 22, "'to': the prefix length must be 0 … 32 (found "
			  "'10.0.0.1/33')");
	load_fails("hosts: {a: {}, r: {router: true}}\n"
		   "links: [{between: [a, r]}]\n"
		   "routes: [{at: a, to: 10.0.0.1/8, via: r}]\n",
		   3, 22, "'to': 10.0.0.1/8 has bits set past its prefix length");
	load_fails("hosts: {a: {}, r: {router: true}}\n"
		   "routing: {metric: hop}\n",
		   2, 19, "unknown metric 'hop' (did you mean 'hops'?) "
			  "(metrics: hops, delay)");
}
END_TEST

/* The run of text leaves n segments without a route, the first at host
 * h at time `at`, to dst, and its trace says where. */
static void no_route_run(const char *text, uint64_t n, int h, sim_time_t at,
			 uint32_t dst, const char *line)
{
	struct scenario *s = load(text);
	struct world w;
	char *t = trace_of(s, NULL, &w, NULL);
	ck_assert_ptr_nonnull(strstr(t, line));
	ck_assert_ptr_nonnull(strstr(t, "why=\"no route to the destination "
					"address\""));
	int gh = -1;
	sim_time_t gat = -1;
	uint32_t gdst = 0;
	ck_assert_uint_eq(world_noroute(&w, &gh, &gat, &gdst), n);
	ck_assert_int_eq(gh, h);
	ck_assert_int_eq(gat, at);
	ck_assert_uint_eq(gdst, dst);
	world_free(&w);
	free(t);
	scn_free(s);
}

START_TEST(test_no_route_in_a_run_is_counted)
{
	/* the only way fails with no other: the data finds no route at r1 */
	no_route_run(
		"hosts: {a: {}, r1: {router: true}, r2: {router: true}, b: {}}\n"
		"links:\n"
		"  - {between: [a, r1], delay: 1ms}\n"
		"  - {between: [r1, r2], delay: 1ms, down: [{at: 1s, until: 1h}]}\n"
		"  - {between: [r2, b], delay: 1ms}\n"
		"apps:\n"
		"  b: [{at: 0s, listen: 80}]\n"
		"  a: [{at: 0s, connect: b:80}, {at: 2s, send: 100}]\n"
		"stop: 3s\n",
		1, 1, SIM_MS(2001), 0x0a000004u, "2.001000000 r1 drop pkt=");
	/* a SYN from an address nobody has: b's SYN,ACK has no route */
	no_route_run(
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], delay: 1ms}]\n"
		"stop: 500ms\n"
		"apps:\n"
		"  b: [{at: 0s, listen: 9}]\n"
		"  a: [{at: 0s, inject: {src: \"192.0.2.1:7\", dst: \"b:9\", "
		"flags: SYN}}]\n",
		1, 1, SIM_MS(1), 0xc0000201u, "0.001000000 b drop pkt=2 ");
}
END_TEST

/* ---- the textbook dumbbell ------------------------------------------------ */

/* Four NewReno senders behind r1, four receivers behind r2, one
 * 10 Mbit/s link of 10 ms between the routers with the queue `queue`
 * (its keys: "50", "100, codel: {}"; the base round trip, 24 ms, holds
 * 20 segments). */
static void dumbbell(char *buf, size_t n, const char *access,
		     const char *queue, const char *stop)
{
	snprintf(buf, n,
		 "stop: %s\n"
		 "hosts:\n"
		 "  s: {count: 4}\n"
		 "  r1: {router: true}\n"
		 "  r2: {router: true}\n"
		 "  d: {count: 4}\n"
		 "links:\n"
		 "  - {between: [s, r1], delay: 1ms, rate: 100Mbit/s%s}\n"
		 "  - {between: [r1, r2], delay: 10ms, rate: 10Mbit/s, queue: %s}\n"
		 "  - {between: [r2, d], delay: 1ms, rate: 100Mbit/s}\n"
		 "apps:\n"
		 "  d: [{at: 0s, listen: 80}]\n"
		 "  s-1: [{at: 0s, connect: d-1:80}, {on: connected, send: 1GB}]\n"
		 "  s-2: [{at: 0s, connect: d-2:80}, {on: connected, send: 1GB}]\n"
		 "  s-3: [{at: 0s, connect: d-3:80}, {on: connected, send: 1GB}]\n"
		 "  s-4: [{at: 0s, connect: d-4:80}, {on: connected, send: 1GB}]\n",
		 stop, access, queue);
}

/* N NewReno flows with the same round trip share a bottleneck equally,
 * and together keep it busy. Over one 60 s run each flow meets some 30
 * to 40 losses, so its share moves by several per cent with the luck of
 * the draw (a flow's rate goes as 1/sqrt(its loss rate)): the textbook's
 * 1/N is what a flow gets on average. So, over ten seeds: each flow's
 * mean share is 1/4 within 10 %; every run is fair by Jain's index
 * (above 0.95; 1 is equal, 1/4 one flow taking all); and every run
 * carries more than 99 % of what 10 Mbit/s can (1460 bytes of payload in
 * every 1500: 9.733 Mbit/s). The senders' access links have 1 ms of
 * jitter, as real hosts' sending times do: a drop-tail queue fed by
 * perfectly periodic senders locks into phase with them and keeps
 * dropping the same flow (Floyd and Jacobson, "On traffic phase effects
 * in packet-switched gateways", 1992). */
START_TEST(test_equal_flows_share_the_bottleneck_equally)
{
	char text[1024];
	dumbbell(text, sizeof text, ", jitter: 1ms", "50", "60s");
	struct scenario *s = load(text);
	struct sweep_metric m[3];
	char err[256];
	ck_assert_int_eq(sweep_parse_metrics("flows,fairness,goodput", s, m,
					     err, sizeof err),
			 3);
	enum { SEEDS = 10 };
	double mean[4] = {0};
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct world w;
		struct world_opts o = {.seed = seed, .has_seed = true};
		ck_assert_int_eq(world_build(&w, s, &o), 0);
		ck_assert_int_eq(world_run(&w), SIM_END_STOP);
		uint64_t got[4] = {0}, total = 0;
		for (int i = 0; i < 4; i++) {
			const struct app *a = &w.apps[6 + i]; /* d-1 .. d-4 */
			for (const struct app_sock *k = a->socks; k; k = k->next)
				got[i] += k->received;
			total += got[i];
		}
		for (int i = 0; i < 4; i++)
			mean[i] += (double)got[i] / (double)total / SEEDS;
		ck_assert_uint_ge(total * 8, UINT64_C(9733333) * 60 * 99 / 100);
		world_free(&w);
		int64_t v[3];
		ck_assert_int_eq(sweep_measure(s, seed, NULL, m, 3, v), 0);
		ck_assert_int_eq(v[0], 4);
		ck_assert_msg(v[1] > 950000, "seed %llu: Jain's index %lld ppm",
			      (unsigned long long)seed, (long long)v[1]);
		ck_assert_int_ge(v[2], 9733333 * 99 / 100);
	}
	for (int i = 0; i < 4; i++)
		ck_assert_msg(mean[i] >= 0.225 && mean[i] <= 0.275,
			      "flow %d: mean share %.4f", i + 1, mean[i]);
	scn_free(s);
}
END_TEST

/* Segments entering r1's queue toward r2: the longest wait. */
struct max_wait {
	struct trace_sink base;
	int from;
	int64_t max;
	uint64_t n;
};

static void max_wait_emit(struct trace_sink *sk, const struct trace *tr,
			  const struct trace_event *ev)
{
	(void)tr;
	struct max_wait *m = (struct max_wait *)sk;
	if (ev->host != m->from || !ev->seg->len)
		return;
	m->n++;
	if (ev->v[2] > m->max)
		m->max = ev->v[2];
}

/* A full drop-tail queue of B segments in front of a link of rate R
 * delays a segment by B segments' transmission times: here 100 × 1500
 * bytes × 8 / 10 Mbit/s = 120 ms. A segment that finds 99 waiting (the
 * most that lets it in) waits for them, 118.8 ms, and for what is left of
 * the one on the wire; the sweep's 99th percentile of the data's waits
 * on the way is within a segment's time of it too. */
START_TEST(test_a_full_drop_tail_queue_delays_by_buffer_over_rate)
{
	char text[1024];
	dumbbell(text, sizeof text, "", "100", "60s");
	struct scenario *s = load(text);
	struct world w;
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	struct max_wait mw = {.base = {.emit = max_wait_emit,
				       .mask = TR_BIT(TR_QUEUE)},
			      .from = 4 /* r1 */};
	ck_assert_int_eq(trace_add_sink(&w.sim.trace, &mw.base), 0);
	world_run(&w);
	ck_assert_uint_gt(mw.n, 40000);
	ck_assert_int_gt(mw.max, SIM_US(118800));
	ck_assert_int_le(mw.max, SIM_MS(120));
	ck_assert_uint_gt(w.links[4].dir[0].queue_drops, 0);
	world_free(&w);
	struct sweep_metric m[1];
	char err[256];
	ck_assert_int_eq(sweep_parse_metrics("qdelay_p99", s, m, err,
					     sizeof err),
			 1);
	int64_t v;
	ck_assert_int_eq(sweep_measure(s, 1, NULL, m, 1, &v), 0);
	ck_assert_int_gt(v, SIM_US(118800));
	ck_assert_int_le(v, SIM_MS(120) + SIM_US(240)); /* + the access links */
	scn_free(s);
}
END_TEST

/* Bufferbloat, and CoDel against it: four long NewReno flows keep a
 * drop-tail buffer of 100 segments nearly full, so the median data
 * segment waits most of the 120 ms a full buffer takes to drain; CoDel
 * (target 5 ms, interval 100 ms) on the same buffer drops at the head
 * until the standing queue is gone, and the median wait falls to about
 * its target (here 8 ms: the 5 ms it tolerates, and the bursts slow
 * start and fast recovery bring), at a cost of under 1 % of the
 * goodput. */
START_TEST(test_codel_keeps_the_standing_queue_short)
{
	static const char *const queue[2] = {
		"100", "100, codel: {target: 5ms, interval: 100ms}"};
	int64_t v[2][2];
	for (int k = 0; k < 2; k++) {
		char text[1024];
		dumbbell(text, sizeof text, "", queue[k], "60s");
		struct scenario *s = load(text);
		struct sweep_metric m[2];
		char err[256];
		ck_assert_int_eq(sweep_parse_metrics("qdelay_p50,goodput", s, m,
						     err, sizeof err),
				 2);
		ck_assert_int_eq(sweep_measure(s, 1, NULL, m, 2, v[k]), 0);
		scn_free(s);
	}
	ck_assert_int_gt(v[0][0], SIM_MS(100));
	ck_assert_int_lt(v[1][0], SIM_MS(15));
	ck_assert_int_gt(v[1][1], v[0][1] * 99 / 100);
}
END_TEST

Suite *routing_suite(void)
{
	Suite *s = suite_create("routing");
	TCase *tc = tcase_create("routes");
	tcase_add_test(tc, test_hop_count_ties_go_to_the_lowest_first_hop);
	tcase_add_test(tc, test_delay_metric_takes_the_faster_way);
	tcase_add_test(tc, test_a_host_forwards_nothing);
	tcase_add_test(tc, test_static_routes_longest_prefix_first);
	tcase_add_test(tc, test_chain_forwards_each_segment_hop_by_hop);
	tcase_add_test(tc, test_ttl_runs_out_in_a_routing_loop);
	tcase_add_test(tc, test_faults_and_crashes_across_routers);
	tcase_add_test(tc, test_routes_follow_a_link_that_goes_down);
	tcase_add_test(tc, test_no_route_known_at_load_time);
	tcase_add_test(tc, test_no_route_in_a_run_is_counted);
	suite_add_tcase(s, tc);
	tc = tcase_create("textbook");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_equal_flows_share_the_bottleneck_equally);
	tcase_add_test(tc, test_a_full_drop_tail_queue_delays_by_buffer_over_rate);
	tcase_add_test(tc, test_codel_keeps_the_standing_queue_short);
	suite_add_tcase(s, tc);
	return s;
}
