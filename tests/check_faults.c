/* check_faults.c — every fault a scenario can script does exactly what it
 * says: rates within binomial bounds, burst lengths as the chain predicts,
 * delivery times to the nanosecond, queues that drop exactly the overflow,
 * rules that hit exactly the segments they name, hosts that crash and
 * reboot, and expectations that explain their failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/verdict/expect.h"
#include "models/host.h"
#include "models/link.h"
#include "sim/out/sinks.h"
#include "scn_util.h"
#include "suites.h"
#include "sim/run/world.h"

/* A sink that keeps the events it is given (segments copied). */
struct kept {
	struct trace_event ev;
	struct tcp_seg seg;
	char why[160];
	char text[64];
	char name[32];
};

struct keep_sink {
	struct trace_sink base;
	struct kept *k;
	size_t n, cap;
};

static void keep_emit(struct trace_sink *s, const struct trace *tr,
		      const struct trace_event *ev)
{
	(void)tr;
	struct keep_sink *k = (struct keep_sink *)s;
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 1024;
		k->k = realloc(k->k, k->cap * sizeof *k->k);
		ck_assert_ptr_nonnull(k->k);
	}
	struct kept *x = &k->k[k->n++];
	memset(x, 0, sizeof *x);
	x->ev = *ev;
	if (ev->seg) {
		x->seg = *ev->seg;
		x->seg.data = NULL;
	}
	snprintf(x->why, sizeof x->why, "%s", ev->why ? ev->why : "");
	snprintf(x->text, sizeof x->text, "%s", ev->text ? ev->text : "");
	snprintf(x->name, sizeof x->name, "%s", ev->name ? ev->name : "");
}

static void keep_init(struct keep_sink *k, uint32_t mask)
{
	memset(k, 0, sizeof *k);
	k->base.emit = keep_emit;
	k->base.mask = mask;
}

/* Put n crafted segments of `len` bytes on the link from host 0 to host
 * 1 at time 0 (port 9 of host 1, where nothing listens), with this ECN
 * field in their IP headers. */
static void burst_ecn(struct world *w, int n, uint32_t len, uint8_t ecn)
{
	static uint8_t payload[1460];
	for (int i = 0; i < n; i++) {
		struct tcp_seg s = {
			.saddr = w->hosts[0].addr,
			.daddr = w->hosts[1].addr,
			.sport = 1000,
			.dport = 9,
			.seq = (uint32_t)i * len,
			.flags = TCP_ACK,
			.wnd = 1000,
			.len = len,
			.data = payload,
			.ecn = ecn,
		};
		host_inject(&w->hosts[0], &s, "test burst");
	}
}

static void burst(struct world *w, int n, uint32_t len)
{
	burst_ecn(w, n, len, TCP_IP_NOT_ECT);
}

/* ---- random faults --------------------------------------------------- */

START_TEST(test_loss_and_duplication_rates_are_binomial)
{
	struct scenario *s = load(
		"seed: 5\n"
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], delay: 1ms, loss: 10%, duplicate: 5%,"
		" corrupt: 2%}]\n");
	struct world w;
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	enum { N = 20000 };
	burst(&w, N, 10);
	world_run(&w);
	const struct link_dir *d = &w.links[0].dir[0];
	/* N p = 2000 lost, sd 42; 5 % of the 18000 left duplicated: 900,
	 * sd 29; 2 % corrupted: 360, sd 19. Bounds are 6 sd. */
	ck_assert_uint_eq(d->sent, N);
	ck_assert_uint_gt(d->lost, 2000 - 255);
	ck_assert_uint_lt(d->lost, 2000 + 255);
	ck_assert_uint_gt(d->duplicated, 900 - 175);
	ck_assert_uint_lt(d->duplicated, 900 + 175);
	ck_assert_uint_gt(d->corrupted, 360 - 115);
	ck_assert_uint_lt(d->corrupted, 360 + 115);
	/* every segment not lost arrives, with its duplicates */
	ck_assert_uint_eq(d->delivered, N - d->lost + d->duplicated);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_gilbert_elliott_burst_length_matches_parameters)
{
	struct scenario *s = load(
		"seed: 3\n"
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], burst-loss: {p: 1%, r: 25%}}]\n");
	struct world w;
	struct keep_sink k;
	keep_init(&k, TR_BIT(TR_DROP));
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, &k.base);
	enum { N = 200000 };
	uint8_t *lost = calloc(N + 1, 1);
	burst(&w, N, 0);
	world_run(&w);
	for (size_t i = 0; i < k.n; i++)
		if (k.k[i].ev.host == 0 && k.k[i].ev.pkt <= N)
			lost[k.k[i].ev.pkt] = 1;
	uint64_t runs = 0, losses = 0;
	for (int i = 1; i <= N; i++) {
		losses += lost[i];
		runs += lost[i] && !lost[i - 1];
	}
	/* With loss only in the bad state, a run of losses is a stay in it:
	 * geometric with mean 1/r = 4. Stationary share of bad segments:
	 * p / (p + r) = 3.85 %. */
	double mean = (double)losses / (double)runs;
	double share = (double)losses / N;
	ck_assert_msg(mean > 3.5 && mean < 4.5, "mean burst %.3f", mean);
	ck_assert_msg(share > 0.0385 - 0.006 && share < 0.0385 + 0.006,
		      "loss share %.4f", share);
	ck_assert_uint_eq(w.links[0].dir[0].ge_bad_segments, losses);
	free(lost);
	free(k.k);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* ---- rate and queue ---------------------------------------------------- */

START_TEST(test_delivery_time_is_size_over_rate_plus_delay)
{
	struct scenario *s = load(
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], delay: 10ms, rate: 1Mbit/s}]\n");
	struct world w;
	struct keep_sink k;
	keep_init(&k, TR_BIT(TR_RECV));
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, &k.base);
	burst(&w, 5, 1000);
	world_run(&w);
	/* 1000 bytes + 40 of headers = 8320 bits = 8.32 ms at 1 Mbit/s; the
	 * k-th segment leaves the transmitter at k * 8.32 ms and arrives
	 * 10 ms later. */
	int seen = 0;
	for (size_t i = 0; i < k.n; i++) {
		if (k.k[i].ev.host != 1)
			continue;
		seen++;
		ck_assert_int_eq(k.k[i].ev.t, seen * SIM_US(8320) + SIM_MS(10));
	}
	ck_assert_int_eq(seen, 5);
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

START_TEST(test_queue_overflow_drops_exactly_the_overflow)
{
	struct scenario *s = load(
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], rate: 1Mbit/s, queue: 5}]\n");
	struct world w;
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	burst(&w, 20, 1000);
	world_run(&w);
	/* one on the wire, five waiting, fourteen dropped */
	ck_assert_uint_eq(w.links[0].dir[0].queue_drops, 14);
	ck_assert_uint_eq(w.links[0].dir[0].delivered, 6);
	world_free(&w);
	scn_free(s);

	s = load("hosts: {a: {}, b: {}}\n"
		 "links: [{between: [a, b], rate: 1Mbit/s, queue: 3000B}]\n");
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	burst(&w, 20, 1000);
	world_run(&w);
	/* 1040-byte segments: two fit in 3000 bytes behind the first */
	ck_assert_uint_eq(w.links[0].dir[0].queue_drops, 17);
	ck_assert_uint_eq(w.links[0].dir[0].delivered, 3);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* n 1000-byte segments with this ECN field at once into a 1 Mbit/s link
 * with the queue keys `queue` (RED, CoDel), the drops and link actions
 * kept in *k; the caller frees w, k and the scenario. */
static const struct link_dir *burst_queue(const char *queue, int n,
					  uint8_t ecn, struct world *w,
					  struct keep_sink *k,
					  struct scenario **s)
{
	char text[256];
	snprintf(text, sizeof text,
		 "hosts: {a: {}, b: {}}\n"
		 "links: [{between: [a, b], rate: 1Mbit/s, %s}]\n",
		 queue);
	*s = load(text);
	ck_assert_int_eq(world_build(w, *s, NULL), 0);
	keep_init(k, TR_BIT(TR_DROP) | TR_BIT(TR_LINK));
	ck_assert_int_eq(trace_add_sink(&w->sim.trace, &k->base), 0);
	burst_ecn(w, n, 1000, ecn);
	world_run(w);
	return &w->links[0].dir[0];
}

/* RED with w_q = 1, so that the average is the queue at each arrival:
 * ten 1040-byte segments at once on a 1 Mbit/s link find 0, 0, 1, 2, 3
 * segments waiting (the first goes on the wire); below min_th (2) they
 * pass, between the thresholds they pass but for a probability of at
 * most max_p (here 1e-9), and from max_th (4) on every one is dropped —
 * or, with ecn, an ECN-capable one is marked CE and goes on. A segment
 * that is not ECN-capable is dropped all the same. */
START_TEST(test_red_drops_or_marks_by_the_average_queue)
{
	static const char *const red[] = {
		"red: {min: 2, max: 4, max-p: 0.000000001, weight: 1}",
		"red: {min: 2, max: 4, max-p: 0.000000001, weight: 1, ecn: true}",
	};
	static const struct {
		int red;
		uint8_t ecn;
		uint64_t drops, marked, delivered;
	} cases[] = {
		{0, TCP_IP_NOT_ECT, 5, 0, 5},
		{0, TCP_IP_ECT0, 5, 0, 5},
		{1, TCP_IP_ECT0, 0, 5, 10},
		{1, TCP_IP_NOT_ECT, 5, 0, 5},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scenario *s;
		struct world w;
		struct keep_sink k;
		const struct link_dir *d = burst_queue(
			red[cases[i].red], 10, cases[i].ecn, &w, &k, &s);
		ck_assert_uint_eq(d->red_drops, cases[i].drops);
		ck_assert_uint_eq(d->queue_drops, 0);
		ck_assert_uint_eq(d->marked, cases[i].marked);
		ck_assert_uint_eq(d->delivered, cases[i].delivered);
		/* the last five, in order, each with its reason */
		ck_assert_uint_eq(k.n, 5);
		for (size_t j = 0; j < k.n; j++) {
			ck_assert_uint_eq(k.k[j].ev.pkt, 6 + j);
			ck_assert_str_eq(k.k[j].why,
					 cases[i].marked
						 ? "RED: average queue above "
						   "max_th — mark"
					 : cases[i].red
						 ? "RED: not ECN-capable — drop"
						 : "RED: average queue above "
						   "max_th — drop");
		}
		world_free(&w);
		free(k.k);
		scn_free(s);
	}
}
END_TEST

/* CoDel (RFC 8289) with target 5 ms and interval 20 ms: fourteen
 * 1040-byte segments at once on a 1 Mbit/s link leave the transmitter
 * 8.32 ms apart, segment k (from 0) at k * 8.32 ms having waited that
 * long. k = 1 (8.32 ms) is the first to wait above target: the interval
 * runs to 28.32 ms. k = 4 (33.28 ms) is dropped, CoDel starts dropping
 * (count 1) and k = 5 goes; the next drop is due 20 ms later, 53.28 ms:
 * k = 8 (58.24 ms), count 2, and the next 20/sqrt(2) = 14.14 ms later,
 * 67.42 ms: k = 11 (74.88 ms), count 3. k = 12 leaves one segment (1040
 * bytes, less than an MTU) behind it: dropping ends. With ecn, the same
 * decisions mark instead and the marked segment goes on, so the
 * schedule moves on from it: k = 4, 7 (58.24), 9 (74.88, due 67.42), 10
 * (83.20, due 67.42 + 20/sqrt(3) = 78.97), 11 (91.52, due 88.97); k = 12
 * again ends it. */
START_TEST(test_codel_drops_at_the_head_on_its_schedule)
{
	static const struct {
		const char *codel;
		uint8_t ecn;
		uint64_t pkt[5];
		sim_time_t t[5];
		size_t n;
	} cases[] = {
		{"codel: {target: 5ms, interval: 20ms}", TCP_IP_NOT_ECT,
		 {5, 9, 12}, {SIM_US(33280), SIM_US(58240), SIM_US(74880)}, 3},
		{"codel: {target: 5ms, interval: 20ms, ecn: true}", TCP_IP_ECT0,
		 {5, 8, 10, 11, 12},
		 {SIM_US(33280), SIM_US(58240), SIM_US(74880), SIM_US(83200),
		  SIM_US(91520)},
		 5},
		/* ecn asked, but the segments are not ECN-capable: drops */
		{"codel: {target: 5ms, interval: 20ms, ecn: true}", TCP_IP_NOT_ECT,
		 {5, 9, 12}, {SIM_US(33280), SIM_US(58240), SIM_US(74880)}, 3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scenario *s;
		struct world w;
		struct keep_sink k;
		const struct link_dir *d = burst_queue(
			cases[i].codel, 14, cases[i].ecn, &w, &k, &s);
		bool marks = cases[i].ecn == TCP_IP_ECT0;
		ck_assert_uint_eq(d->codel_drops, marks ? 0 : cases[i].n);
		ck_assert_uint_eq(d->marked, marks ? cases[i].n : 0);
		ck_assert_uint_eq(d->queue_drops, 0);
		ck_assert_uint_eq(d->delivered, 14 - d->codel_drops);
		ck_assert_uint_eq(k.n, cases[i].n);
		for (size_t j = 0; j < k.n; j++) {
			ck_assert_uint_eq(k.k[j].ev.pkt, cases[i].pkt[j]);
			ck_assert_int_eq(k.k[j].ev.t, cases[i].t[j]);
			ck_assert_str_eq(k.k[j].why,
					 marks ? "CoDel: waited above target for "
						 "an interval — mark (RFC 8289)"
					       : "CoDel: waited above target for "
						 "an interval — drop (RFC 8289)");
		}
		world_free(&w);
		free(k.k);
		scn_free(s);
	}
}
END_TEST

START_TEST(test_mtu_drops_what_does_not_fit_and_mss_follows_it)
{
	struct scenario *s = load(
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], mtu: 576}]\n"
		"apps:\n"
		"  b: [{at: 0s, listen: 80}]\n"
		"  a: [{at: 0s, connect: b:80}, {on: connected, send: 3000}]\n");
	struct world w;
	struct keep_sink k;
	keep_init(&k, TR_BIT(TR_SEND) | TR_BIT(TR_DROP));
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, &k.base);
	burst(&w, 2, 1000); /* crafted: too big for the link */
	world_run(&w);
	int big_drops = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.kind == TR_DROP)
			big_drops += strcmp(x->why, "larger than the link MTU") == 0;
		/* the connection announces and uses 576 - 40 = 536 */
		if (x->ev.kind == TR_SEND && x->seg.sport != 1000) {
			if (x->seg.flags & TCP_SYN)
				ck_assert_uint_eq(x->seg.mss, 536);
			ck_assert_uint_le(x->seg.len, 536);
		}
	}
	ck_assert_int_eq(big_drops, 2);
	ck_assert_uint_eq(w.apps[1].socks->next->received, 3000);
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

START_TEST(test_jitter_keeps_order_unless_told)
{
	const char *fmt = "seed: 2\n"
			  "hosts: {a: {}, b: {}}\n"
			  "links: [{between: [a, b], delay: 10ms, jitter: 8ms,"
			  " jitter-reorders: %s}]\n";
	for (int reorder = 0; reorder < 2; reorder++) {
		char text[256];
		snprintf(text, sizeof text, fmt, reorder ? "true" : "false");
		struct scenario *s = load(text);
		struct world w;
		struct keep_sink k;
		keep_init(&k, TR_BIT(TR_RECV));
		ck_assert_int_eq(world_build(&w, s, NULL), 0);
		trace_add_sink(&w.sim.trace, &k.base);
		for (int i = 0; i < 200; i++) { /* one every 100 us */
			w.sim.now = SIM_US(100) * i;
			burst(&w, 1, 10);
		}
		w.sim.now = 0;
		world_run(&w);
		int inversions = 0, got = 0;
		uint64_t last = 0;
		for (size_t i = 0; i < k.n; i++) {
			if (k.k[i].ev.host != 1)
				continue;
			got++;
			inversions += k.k[i].ev.pkt < last;
			last = k.k[i].ev.pkt;
			sim_time_t sent = SIM_US(100) * (sim_time_t)(k.k[i].ev.pkt - 1);
			ck_assert_int_ge(k.k[i].ev.t, sent + SIM_MS(10));
			if (reorder)
				ck_assert_int_le(k.k[i].ev.t, sent + SIM_MS(18));
		}
		ck_assert_int_eq(got, 200);
		if (reorder)
			ck_assert_int_gt(inversions, 10);
		else
			ck_assert_int_eq(inversions, 0);
		world_free(&w);
		free(k.k);
		scn_free(s);
	}
}
END_TEST

START_TEST(test_outage_drops_on_the_wire_and_while_down)
{
	struct scenario *s = load(
		"hosts: {a: {}, b: {}}\n"
		"links: [{between: [a, b], delay: 100ms, down: [{at: 50ms, "
		"until: 300ms}]}]\n");
	struct world w;
	struct keep_sink k;
	keep_init(&k, TR_BIT(TR_DROP) | TR_BIT(TR_RECV));
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, &k.base);
	burst(&w, 1, 10); /* at 0: on the wire when the link goes down */
	world_run(&w);
	ck_assert_int_eq(k.n, 1);
	ck_assert_int_eq(k.k[0].ev.kind, TR_DROP);
	ck_assert_int_eq(k.k[0].ev.t, SIM_MS(50));
	ck_assert_str_eq(k.k[0].why, "the link went down with the segment on "
				     "the wire");
	ck_assert(!w.links[0].dir[0].down); /* up again at the end */
	world_free(&w);
	free(k.k);
	scn_free(s);

	/* a connection attempt during the outage is dropped, then works */
	s = load("hosts: {a: {}, b: {}}\n"
		 "links: [{between: [a, b], delay: 10ms, down: [{at: 0s, for: "
		 "2s}]}]\n"
		 "apps: {b: [{at: 0s, listen: 80}], a: [{at: 500ms, connect: "
		 "b:80}]}\n");
	keep_init(&k, TR_BIT(TR_DROP) | TR_BIT(TR_STATE));
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, &k.base);
	world_run(&w);
	int drops = 0;
	sim_time_t established = -1;
	for (size_t i = 0; i < k.n; i++) {
		if (k.k[i].ev.kind == TR_DROP) {
			drops++;
			ck_assert_str_eq(k.k[i].why, "the link is down");
		}
		if (k.k[i].ev.kind == TR_STATE && k.k[i].ev.host == 0 &&
		    k.k[i].ev.b == TCP_ESTABLISHED)
			established = k.k[i].ev.t;
	}
	/* SYN at 0.5 s and 1.5 s lost; the one at 3.5 s gets through */
	ck_assert_int_eq(drops, 2);
	ck_assert_int_eq(established, SIM_MS(3520));
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

/* ---- rules ------------------------------------------------------------- */

/* Run text; return the drops (and link actions) done by rules. */
static struct keep_sink run_kept(const char *text, uint32_t mask,
				 struct world *w, struct scenario **sp)
{
	struct keep_sink k;
	keep_init(&k, mask);
	*sp = load(text);
	ck_assert_int_eq(world_build(w, *sp, NULL), 0);
	trace_add_sink(&w->sim.trace, &k.base);
	world_run(w);
	return k;
}

START_TEST(test_rule_state_drops_only_the_final_ack)
{
	struct world w;
	struct scenario *s;
	struct keep_sink k = run_kept(
		"tcp: {msl: 10s}\n"
		"hosts: {client: {}, server: {}}\n"
		"links:\n"
		"  - between: [client, server]\n"
		"    delay: 20ms\n"
		"    rules: [{name: final-ack, from: client, state: TIME-WAIT,"
		" nth: 1, action: drop}]\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n"
		"  client: [{at: 0s, connect: server:80}, {on: connected, send: 100},"
		" {at: 1s, close: true}]\n",
		TR_BIT(TR_DROP) | TR_BIT(TR_SEND), &w, &s);
	int drops = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.kind != TR_DROP)
			continue;
		drops++;
		ck_assert_str_eq(x->text, "final-ack");
		ck_assert_uint_eq(x->seg.flags, TCP_ACK);
		ck_assert_uint_eq(x->seg.len, 0);
		/* it acknowledges the server's FIN */
		ck_assert_int_eq(x->ev.a, TCP_TIME_WAIT);
	}
	ck_assert_int_eq(drops, 1);
	ck_assert_uint_eq(w.links[0].rule_state[0].matched, 2);
	ck_assert_uint_eq(w.links[0].rule_state[0].acted, 1);
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

START_TEST(test_rule_first_k_seq_window_duplicate_and_hold)
{
	struct world w;
	struct scenario *s;
	struct keep_sink k = run_kept(
		"hosts: {client: {tcp: {mss: 1000}}, server: {}}\n"
		"links:\n"
		"  - between: [client, server]\n"
		"    delay: 10ms\n"
		"    rules:\n"
		"      - {name: syn2, from: client, flags-exact: SYN, first: 2, action: drop}\n"
		"      - {name: second, from: client, data: true, seq: 1001, nth: 1, action: drop}\n"
		"      - {name: late, from: server, after: 3.2s, before: 3.24s, action: drop}\n"
		"      - {name: twice, from: server, flags: SYN, action: duplicate, copies: 2}\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}]\n"
		"  client: [{at: 0s, connect: server:80, options: {nodelay: true}},"
		" {on: connected, send: 3000}]\n",
		TR_BIT(TR_DROP) | TR_BIT(TR_LINK) | TR_BIT(TR_RECV), &w, &s);
	int by_syn2 = 0, by_second = 0, by_late = 0, dups = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.kind == TR_DROP && strcmp(x->text, "syn2") == 0) {
			by_syn2++;
			ck_assert_uint_eq(x->seg.flags, TCP_SYN);
			/* the SYN at 0 s and its retransmission at 1 s */
			ck_assert_int_eq(x->ev.t, by_syn2 == 1 ? 0 : SIM_S(1));
		}
		if (x->ev.kind == TR_DROP && strcmp(x->text, "second") == 0) {
			by_second++;
			ck_assert_uint_eq(x->seg.len, 1000);
		}
		if (x->ev.kind == TR_DROP && strcmp(x->text, "late") == 0) {
			by_late++;
			/* the delayed ACK of the first data segment */
			ck_assert_int_eq(x->ev.t, SIM_MS(3230));
			ck_assert_uint_eq(x->seg.flags, TCP_ACK);
		}
		if (x->ev.kind == TR_LINK && strcmp(x->name, "duplicate") == 0) {
			dups++;
			ck_assert_str_eq(x->text, "twice");
		}
	}
	ck_assert_int_eq(by_syn2, 2);
	ck_assert_int_eq(by_second, 1);
	/* after a lost SYN the window is one segment (RFC 5681 §3.1): only
	 * the first data segment went at 3.02 s, and its ACK, delayed 200
	 * ms, is the one segment the server sends in [3.2 s, 3.24 s] */
	ck_assert_int_eq(by_late, 1);
	ck_assert_int_eq(dups, 2);
	ck_assert_uint_eq(w.links[0].rule_state[0].acted, 2);
	ck_assert_uint_eq(w.links[0].rule_state[0].matched, 3);
	ck_assert_uint_eq(w.links[0].rule_state[1].acted, 1);
	/* the stream still arrives whole */
	ck_assert_uint_eq(w.apps[1].socks->next->received, 3000);
	ck_assert_uint_eq(w.apps[1].socks->next->bad, 0);
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

START_TEST(test_rule_hold_and_corrupt)
{
	struct world w;
	struct scenario *s;
	struct keep_sink k = run_kept(
		"hosts: {client: {tcp: {mss: 1000}}, server: {}}\n"
		"links:\n"
		"  - between: [client, server]\n"
		"    delay: 10ms\n"
		"    rules:\n"
		"      - {name: swap, from: client, data: true, nth: 1, action: hold}\n"
		"      - {name: bad, from: client, data: true, nth: 2, action: corrupt}\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}]\n"
		"  client: [{at: 0s, connect: server:80, options: {nodelay: true}},"
		" {on: connected, send: 3000}]\n",
		TR_BIT(TR_RECV) | TR_BIT(TR_IGNORE), &w, &s);
	/* the server receives the second data segment before the first;
	 * the held one never reached 'bad' (a hold ends the rule list), so
	 * the second data segment 'bad' sees is the third one sent */
	uint32_t order[8];
	int n = 0, ignored = 0;
	uint32_t iss = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.host != 1)
			continue;
		if (x->ev.kind == TR_IGNORE) {
			ignored++;
			ck_assert_str_eq(x->why, "RFC 9293 §3.1: the checksum does "
						 "not verify — discard");
			continue;
		}
		if (x->seg.flags & TCP_SYN)
			iss = x->seg.seq;
		if (x->seg.len && n < 8)
			order[n++] = x->seg.seq - iss;
	}
	ck_assert_int_ge(n, 3);
	ck_assert_uint_eq(order[0], 1001);
	ck_assert_uint_eq(order[1], 1);
	ck_assert_int_eq(ignored, 1);
	ck_assert_uint_eq(w.apps[1].socks->next->received, 3000);
	ck_assert_uint_eq(w.apps[1].socks->next->bad, 0);
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

/* Two hosts over a link of 10 ms with the rules that follow. */
#define RULED_LINK                                                      \
	"hosts: {client: {}, server: {}}\n"                              \
	"links:\n"                                                       \
	"  - between: [client, server]\n"                                \
	"    delay: 10ms\n"                                              \
	"    rules:\n"

static void kept_free(struct world *w, struct keep_sink *k,
		      struct scenario *s)
{
	world_free(w);
	free(k->k);
	scn_free(s);
}

/* ip-len is the IPv4 Total Length, as the pcap writes it: 40 bytes of
 * headers, 4 more with the MSS option, then the payload. The rule sees
 * exactly the segments of that length. */
START_TEST(test_rule_ip_len_matches_exactly_that_length)
{
	struct world w;
	struct scenario *s;
	struct keep_sink k = run_kept(
		RULED_LINK
		"      - {name: syns, ip-len: 44, action: delay, delay: 1ms}\n"
		"      - {name: data, from: client, ip-len: 140, first: 1, action: drop}\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}]\n"
		"  client: [{at: 0s, connect: server:80}, {on: connected, send: 100}]\n",
		TR_BIT(TR_DROP) | TR_BIT(TR_LINK) | TR_BIT(TR_SEND), &w, &s);
	int delayed = 0, dropped = 0;
	uint64_t sent140 = 0, sent44 = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.kind == TR_SEND) {
			sent44 += tcp_seg_ip_len(&x->seg) == 44;
			sent140 += x->ev.host == 0 &&
				   tcp_seg_ip_len(&x->seg) == 140;
		}
		if (x->ev.kind == TR_LINK && strcmp(x->text, "syns") == 0) {
			delayed++;
			/* the SYN and the SYN,ACK: the MSS option, no data */
			ck_assert(x->seg.flags & TCP_SYN);
			ck_assert_uint_ne(x->seg.mss, 0);
			ck_assert_uint_eq(x->seg.len, 0);
		}
		if (x->ev.kind == TR_DROP) {
			dropped++;
			ck_assert_str_eq(x->text, "data");
			ck_assert_uint_eq(x->seg.len, 100);
			ck_assert_uint_eq(x->seg.mss, 0);
		}
	}
	ck_assert_int_eq(delayed, 2);
	ck_assert_uint_eq(sent44, 2);
	ck_assert_uint_eq(w.links[0].rule_state[0].matched, 2);
	ck_assert_int_eq(dropped, 1);
	/* the first send and its retransmission, and nothing else */
	ck_assert_uint_eq(sent140, 2);
	ck_assert_uint_eq(w.links[0].rule_state[1].matched, 2);
	ck_assert_uint_eq(w.links[0].rule_state[1].acted, 1);
	ck_assert_uint_eq(w.apps[1].socks->next->received, 100);
	kept_free(&w, &k, s);
}
END_TEST

/* flags-clear: none of these flags. The server's first ACK with no SYN,
 * no FIN and no data is the delayed ACK of the client's data, not the
 * SYN,ACK that `flags: ACK` alone would take first. */
START_TEST(test_rule_flags_clear_skips_segments_with_those_flags)
{
	struct world w;
	struct scenario *s;
	struct keep_sink k = run_kept(
		RULED_LINK
		"      - {name: bare-ack, from: server, flags: ACK, flags-clear: \"SYN,FIN\","
		" data: false, nth: 1, action: drop}\n"
		"      - {name: no-ack, flags-clear: ACK, action: delay, delay: 0}\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n"
		"  client: [{at: 0s, connect: server:80}, {on: connected, send: 100},"
		" {at: 1s, close: true}]\n",
		TR_BIT(TR_DROP) | TR_BIT(TR_LINK) | TR_BIT(TR_SEND), &w, &s);
	int dropped = 0, delayed = 0;
	uint64_t bare = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.kind == TR_SEND && x->ev.host == 1)
			bare += (x->seg.flags & TCP_ACK) &&
				!(x->seg.flags & (TCP_SYN | TCP_FIN)) &&
				x->seg.len == 0;
		if (x->ev.kind == TR_DROP) {
			dropped++;
			ck_assert_str_eq(x->text, "bare-ack");
			ck_assert_uint_eq(x->seg.flags, TCP_ACK);
			/* the delayed ACK of the data: 10 ms + 200 ms after it
			 * was sent at 20 ms */
			ck_assert_int_eq(x->ev.t, SIM_MS(230));
		}
		if (x->ev.kind == TR_LINK && strcmp(x->text, "no-ack") == 0) {
			delayed++;
			ck_assert_uint_eq(x->seg.flags, TCP_SYN);
		}
	}
	ck_assert_int_eq(dropped, 1);
	ck_assert_uint_eq(w.links[0].rule_state[0].matched, bare);
	ck_assert_uint_ge(bare, 2);
	/* only the client's first SYN has no ACK */
	ck_assert_int_eq(delayed, 1);
	kept_free(&w, &k, s);
}
END_TEST

/* ---- hosts ------------------------------------------------------------- */

START_TEST(test_crashed_host_sends_nothing)
{
	struct world w;
	struct scenario *s;
	/* the server never acknowledges: the client's data stays in flight
	 * and its retransmission timer runs when it crashes */
	struct keep_sink k = run_kept(
		"hosts: {client: {}, server: {}}\n"
		"links:\n"
		"  - between: [client, server]\n"
		"    delay: 10ms\n"
		"    rules: [{from: client, data: true, action: drop}]\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}]\n"
		"  client: [{at: 0s, connect: server:80}, {on: connected, send: 100},"
		" {at: 1500ms, crash: true}, {at: 5s, send: 10}]\n",
		TR_BIT(TR_SEND) | TR_BIT(TR_STATE) | TR_BIT(TR_HOST), &w, &s);
	int after = 0, crashes = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.kind == TR_HOST)
			crashes++;
		if (x->ev.kind == TR_SEND && x->ev.host == 0 &&
		    x->ev.t >= SIM_MS(1500))
			after++;
		if (x->ev.kind == TR_STATE && x->ev.host == 0 &&
		    x->ev.t == SIM_MS(1500)) {
			ck_assert_int_eq(x->ev.b, TCP_CLOSED);
			ck_assert_str_eq(x->why, "the host crashed: the "
						 "connection's state is lost "
						 "without a segment sent");
		}
	}
	ck_assert_int_eq(crashes, 1);
	ck_assert_int_eq(after, 0);
	ck_assert_int_eq(w.apps[0].socks->end, TCP_END_CRASHED);
	/* the server still believes in the connection: half-open */
	ck_assert_ptr_nonnull(w.apps[1].socks->next->c);
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

START_TEST(test_rebooted_host_answers_old_connection_with_rst)
{
	struct world w;
	struct scenario *s;
	struct keep_sink k = run_kept(
		"hosts: {client: {}, server: {}}\n"
		"links: [{between: [client, server], delay: 10ms}]\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}, {at: 1s, crash: true},"
		" {at: 2s, reboot: true}]\n"
		"  client: [{at: 0s, connect: server:80}, {at: 3s, send: 10}]\n",
		TR_BIT(TR_SEND), &w, &s);
	int rsts = 0;
	for (size_t i = 0; i < k.n; i++) {
		const struct kept *x = &k.k[i];
		if (x->ev.kind == TR_SEND && x->ev.host == 1 &&
		    (x->seg.flags & TCP_RST)) {
			rsts++;
			ck_assert_int_eq(x->ev.t, SIM_MS(3010));
			ck_assert_str_eq(x->why, "RFC 9293 §3.10.7.1: segment for "
						 "no connection — send RST");
		}
	}
	ck_assert_int_eq(rsts, 1);
	ck_assert_int_eq(w.apps[0].socks->end, TCP_END_RESET);
	ck_assert_int_eq(w.apps[0].socks->end_time, SIM_MS(3020));
	world_free(&w);
	free(k.k);
	scn_free(s);
}
END_TEST

START_TEST(test_template_of_a_thousand_clients)
{
	struct scenario *s = load(
		"hosts:\n"
		"  server: {addr: 10.1.0.1}\n"
		"  client: {count: 1000, addr: 10.2.0.1}\n"
		"links: [{between: [client, server], delay: 5ms}]\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n"
		"  client: [{at: 1ms, connect: server:80, bulk: 2000}]\n"
		"expect:\n"
		"  - {delivered: {from: client, to: server, bytes: 2000000, intact: true}}\n"
		"  - {host: client, end: normal}\n");
	ck_assert_uint_eq(s->nhosts, 1001);
	ck_assert_str_eq(s->hosts[1].name, "client-1");
	ck_assert_str_eq(s->hosts[1000].name, "client-1000");
	ck_assert_uint_eq(s->hosts[1000].addr, 0x0a0203e8);
	ck_assert_uint_eq(s->nlinks, 1000);
	struct world w;
	struct trace_sink *es;
	struct expect_run *er = expect_new(s->expects, s->nexpects, &es);
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, es);
	ck_assert_int_eq(world_run(&w), SIM_END_QUIET);
	struct expect_outcome oc = world_outcome(&w);
	ck_assert_uint_eq(expect_judge(er, &oc), 0);
	world_free(&w);
	expect_free(er);
	scn_free(s);
}
END_TEST

/* ---- expectations explain their failures ------------------------------- */

/* A client that sends 100 bytes and closes first, for expectations. */
#define ONE_CONNECTION                                                      \
	"hosts: {client: {}, server: {}}\n"                                  \
	"links: [{between: [client, server], delay: 20ms}]\n"                \
	"apps:\n"                                                            \
	"  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n" \
	"  client: [{at: 0s, connect: server:80}, {on: connected, "          \
	"send: 100}, {at: 1s, close: true}]\n"

/* Run s with its expectations; `failing` of them must fail. Returns the
 * report (to free). */
static char *judge(const struct scenario *s, size_t failing)
{
	struct world w;
	struct trace_sink *es;
	struct expect_run *er = expect_new(s->expects, s->nexpects, &es);
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, es);
	world_run(&w);
	struct expect_outcome oc = world_outcome(&w);
	ck_assert_uint_eq(expect_judge(er, &oc), failing);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	expect_report(er, f);
	fclose(f);
	world_free(&w);
	expect_free(er);
	return out;
}

START_TEST(test_failing_expectations_say_what_happened)
{
	struct scenario *s = load(
		"tcp: {msl: 10s}\n"
		ONE_CONNECTION
		"expect:\n"
		"  - {host: client, state: ESTABLISHED, at: 1.05s}\n"
		"  - {event: retransmit, host: server, flags: FIN, count: 1}\n"
		"  - {event: state, host: client, to: TIME-WAIT, count: 1}\n"
		"  - {delivered: {from: client, to: server, bytes: 99}}\n"
		"  - {host: server, end: reset}\n"
		"  - {host: client, state: CLOSED, at: 2s}\n"
		"  - {event: app, host: client, what: refused, count: 0}\n");
	char *out = judge(s, 5);
	const char *want =
		"\nexpectations:\n"
		"  FAIL  line 8    client has a connection in ESTABLISHED at "
		"1.050000000 — client 10.0.0.1:49152>10.0.0.2:80 TIME-WAIT "
		"since 1.040000000\n"
		"  FAIL  line 9    server retransmits a segment with FIN: "
		"exactly 1 time — it happened 0 times\n"
		"  ok    line 10   client changes state to TIME-WAIT: exactly 1 "
		"time — it did 1, at 1.040000000\n"
		"  FAIL  line 11   bytes from client reach server: 99 — 100 "
		"bytes over 1 connection, every byte as sent\n"
		"  FAIL  line 12   connections of server end reset — "
		"10.0.0.2:80>10.0.0.1:49152 normal at 1.060000000\n"
		"  FAIL  line 13   client has no connection left open at "
		"2.000000000 — client 10.0.0.1:49152>10.0.0.2:80 TIME-WAIT since "
		"1.040000000\n"
		"  ok    line 14   client application refused: never — it did 0\n"
		"5 of 7 expectations failed\n";
	ck_assert_str_eq(out, want);
	free(out);
	scn_free(s);
}
END_TEST

/* Segment fields in expectations: seq and ack relative to each side's
 * initial sequence number (as --relative shows them), len, win, and a
 * piece of the decision's why. */
START_TEST(test_expectations_match_segment_fields)
{
	struct scenario *s = load(
		ONE_CONNECTION
		"expect:\n"
		"  - {event: send, host: client, flags-exact: SYN, seq: 0, count: 1}\n"
		"  - {event: send, host: server, flags-exact: 'SYN,ACK', seq: 0, ack: 1, count: 1}\n"
		"  - {event: send, host: client, flags-exact: ACK, seq: 1, ack: 1, len: 0, count: 1}\n"
		"  - {event: recv, host: server, seq: 1, ack: 1, len: 100, count: 1}\n"
		"  - {event: send, host: client, flags: FIN, seq: 101, ack: 1, count: 1}\n"
		"  - {event: send, host: server, flags-exact: ACK, ack: 102, count: 1}\n"
		"  - {event: send, host: server, flags: FIN, seq: 1, count: 1}\n"
		"  - {event: send, host: client, ack: 2, count: 1}\n"
		"  - {event: send, host: client, win: 65535, min: 5}\n"
		"  - {event: send, host: client, why: 'OPEN (active)', count: 1}\n"
		"  - {event: send, host: server, flags-exact: 'SYN,ACK', ack: 2, count: 1}\n");
	char *out = judge(s, 1);
	ck_assert_ptr_nonnull(strstr(
		out, "  FAIL  line 17   server sends a segment with exactly "
		     "SYN,ACK ack=2: exactly 1 time — it happened 0 times\n"));
	ck_assert_ptr_nonnull(strstr(
		out, "  ok    line 16   client sends a segment because \"OPEN "
		     "(active)\": exactly 1 time"));
	free(out);
	scn_free(s);
}
END_TEST

/* With `event`, `state` is the sending connection's state when it sent
 * the segment, as in a link rule: the client's final ACK goes in
 * TIME-WAIT, its SYN in SYN-SENT. Elsewhere it is refused. */
START_TEST(test_expectations_match_the_senders_state)
{
	struct scenario *s = load(
		"tcp: {msl: 10s}\n"
		ONE_CONNECTION
		"expect:\n"
		"  - {event: send, host: client, state: TIME-WAIT, flags-exact: ACK, count: 1}\n"
		"  - {event: send, host: client, state: SYN-SENT, count: 1}\n"
		"  - {event: send, host: server, state: TIME-WAIT, count: 1}\n");
	char *out = judge(s, 1);
	ck_assert_ptr_nonnull(strstr(
		out, "  ok    line 8    client sends a segment with exactly ACK "
		     "sent in TIME-WAIT: exactly 1 time — it did 1"));
	ck_assert_ptr_nonnull(strstr(
		out, "  FAIL  line 10   server sends a segment sent in "
		     "TIME-WAIT: exactly 1 time — it happened 0 times"));
	free(out);
	scn_free(s);
	struct scn_error e;
	struct scenario *bad = NULL;
	static const char text[] =
		"hosts: {a: {}, b: {}}\n"
		"expect: [{event: recv, host: a, state: LISTEN}]\n";
	ck_assert_int_eq(scn_load_string("t", text, sizeof text - 1, &bad, &e),
			 -1);
	ck_assert_str_eq(e.msg, "'state' with 'event' is the sending "
				"connection's state: it belongs to send, "
				"retransmit, drop and link events");
	ck_assert_int_eq(e.line, 2);
}
END_TEST

/* seq-abs and ack-abs: the numbers as the trace prints them, not
 * relative to the ISNs. The ISNs are read from a first run, so the test
 * holds whatever way they are chosen. */
START_TEST(test_expectations_match_absolute_numbers)
{
	struct world w;
	struct scenario *s;
	struct keep_sink k = run_kept(ONE_CONNECTION, TR_BIT(TR_SEND), &w, &s);
	uint32_t iss[2] = {0, 0};
	for (size_t i = 0; i < k.n; i++)
		if (k.k[i].seg.flags & TCP_SYN)
			iss[k.k[i].ev.host] = k.k[i].seg.seq;
	kept_free(&w, &k, s);
	ck_assert_uint_ne(iss[0], iss[1]);
	char text[2048];
	snprintf(text, sizeof text,
		 ONE_CONNECTION
		 "expect:\n"
		 "  - {event: send, host: client, flags-exact: SYN, seq-abs: %u, count: 1}\n"
		 "  - {event: recv, host: client, flags-exact: 'SYN,ACK', seq-abs: %u,"
		 " ack-abs: %u, count: 1}\n"
		 "  - {event: send, host: client, flags: FIN, seq-abs: %u, ack: 1, count: 1}\n"
		 "  - {event: send, host: client, seq: 1, ack-abs: 1, count: 0}\n"
		 "  - {event: send, host: client, flags-exact: SYN, seq-abs: %u, count: 1}\n",
		 iss[0], iss[1], iss[0] + 1, iss[0] + 101, iss[0] + 1);
	s = load(text);
	char *out = judge(s, 1);
	char want[256];
	snprintf(want, sizeof want,
		 "  FAIL  line 11   client sends a segment with exactly SYN "
		 "seq-abs=%u: exactly 1 time — it happened 0 times\n",
		 iss[0] + 1);
	ck_assert_ptr_nonnull(strstr(out, want));
	snprintf(want, sizeof want,
		 "  ok    line 8    client receives a segment with exactly "
		 "SYN,ACK seq-abs=%u ack-abs=%u: exactly 1 time",
		 iss[1], iss[0] + 1);
	ck_assert_ptr_nonnull(strstr(out, want));
	free(out);
	scn_free(s);
}
END_TEST

/* min: 0, max: N is "at most N times"; max alone keeps min at 1. */
START_TEST(test_expectations_count_at_most)
{
	struct scenario *s = load(
		ONE_CONNECTION
		"expect:\n"
		"  - {event: retransmit, host: client, min: 0, max: 1}\n"
		"  - {event: send, host: client, flags: SYN, min: 0, max: 1}\n"
		"  - {event: send, host: client, flags-exact: ACK, min: 0, max: 1}\n"
		"  - {event: send, host: client, flags: SYN, max: 1}\n"
		"  - {event: send, host: client, flags: RST, max: 1}\n");
	char *out = judge(s, 2);
	ck_assert_ptr_nonnull(strstr(
		out, "  ok    line 7    client retransmits a segment: at most 1 "
		     "time — it did 0\n"));
	ck_assert_ptr_nonnull(strstr(
		out, "  ok    line 8    client sends a segment with SYN: at most "
		     "1 time — it did 1, at 0.000000000\n"));
	/* the ACK of the handshake and the one of the server's FIN */
	ck_assert_ptr_nonnull(strstr(
		out, "  FAIL  line 9    client sends a segment with exactly ACK: "
		     "at most 1 time — it happened 2, at 0.040000000, "
		     "1.040000000\n"));
	ck_assert_ptr_nonnull(strstr(
		out, "  ok    line 10   client sends a segment with SYN: exactly 1 "
		     "time — it did 1"));
	ck_assert_ptr_nonnull(strstr(
		out, "  FAIL  line 11   client sends a segment with RST: exactly 1 "
		     "time — it happened 0 times\n"));
	free(out);
	scn_free(s);
}
END_TEST

Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("links");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_loss_and_duplication_rates_are_binomial);
	tcase_add_test(tc, test_gilbert_elliott_burst_length_matches_parameters);
	tcase_add_test(tc, test_delivery_time_is_size_over_rate_plus_delay);
	tcase_add_test(tc, test_queue_overflow_drops_exactly_the_overflow);
	tcase_add_test(tc, test_red_drops_or_marks_by_the_average_queue);
	tcase_add_test(tc, test_codel_drops_at_the_head_on_its_schedule);
	tcase_add_test(tc, test_mtu_drops_what_does_not_fit_and_mss_follows_it);
	tcase_add_test(tc, test_jitter_keeps_order_unless_told);
	tcase_add_test(tc, test_outage_drops_on_the_wire_and_while_down);
	suite_add_tcase(s, tc);
	tc = tcase_create("rules");
	tcase_add_test(tc, test_rule_state_drops_only_the_final_ack);
	tcase_add_test(tc, test_rule_first_k_seq_window_duplicate_and_hold);
	tcase_add_test(tc, test_rule_hold_and_corrupt);
	tcase_add_test(tc, test_rule_ip_len_matches_exactly_that_length);
	tcase_add_test(tc, test_rule_flags_clear_skips_segments_with_those_flags);
	suite_add_tcase(s, tc);
	tc = tcase_create("hosts");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_crashed_host_sends_nothing);
	tcase_add_test(tc, test_rebooted_host_answers_old_connection_with_rst);
	tcase_add_test(tc, test_template_of_a_thousand_clients);
	suite_add_tcase(s, tc);
	tc = tcase_create("expect");
	tcase_add_test(tc, test_failing_expectations_say_what_happened);
	tcase_add_test(tc, test_expectations_match_segment_fields);
	tcase_add_test(tc, test_expectations_match_the_senders_state);
	tcase_add_test(tc, test_expectations_match_absolute_numbers);
	tcase_add_test(tc, test_expectations_count_at_most);
	suite_add_tcase(s, tc);
	return s;
}
