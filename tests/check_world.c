/* check_world.c — whole scenarios: exact segments and states on both
 * hosts, byte-identical replays, limits that end a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/builtin.h"
#include "sim/out/sinks.h"
#include "failalloc.h"
#include "models/app.h"
#include "scn_util.h"
#include "suites.h"
#include "sim/run/world.h"

/* A sink that remembers sends, drops and state changes. */
struct rec {
	int host;
	enum trace_kind kind;
	uint8_t flags;
	uint32_t seq, ack, len;
	int from, to;
	sim_time_t t;
};

struct cap_sink {
	struct trace_sink base;
	struct rec r[512];
	int n;
};

static void cap_emit(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev)
{
	(void)tr;
	struct cap_sink *c = (struct cap_sink *)s;
	ck_assert_int_lt(c->n, 512);
	struct rec *r = &c->r[c->n++];
	memset(r, 0, sizeof *r);
	r->host = ev->host;
	r->kind = ev->kind;
	r->t = ev->t;
	if (ev->kind == TR_STATE) {
		r->from = ev->a;
		r->to = ev->b;
	} else {
		r->flags = ev->seg->flags;
		r->seq = ev->seg->seq;
		r->ack = ev->seg->ack;
		r->len = ev->seg->len;
	}
}

enum { CLIENT = 0, SERVER = 1 };

START_TEST(test_handshake_data_close_exact_segments_and_states)
{
	struct scenario *s = load_builtin(BUILTIN_DEFAULT);
	struct world w;
	struct cap_sink cap = {.base = {.emit = cap_emit,
					.mask = TR_BIT(TR_SEND) | TR_BIT(TR_STATE) |
						TR_BIT(TR_DROP)}};
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, &cap.base);
	ck_assert_int_eq(world_run(&w), SIM_END_QUIET);

	/* Sequence numbers relative to each side's ISN: x is the client's,
	 * y the server's, as in the seed notes' figures. */
	uint32_t x = 0, y = 0;
	for (int i = 0; i < cap.n; i++)
		if (cap.r[i].kind == TR_SEND && (cap.r[i].flags & TCP_SYN)) {
			if (cap.r[i].host == CLIENT)
				x = cap.r[i].seq;
			else
				y = cap.r[i].seq;
		}
	static const struct {
		int host;
		enum trace_kind kind;
		int from, to;           /* state */
		uint8_t flags;          /* send */
		uint32_t seq, ack, len; /* relative */
		sim_time_t t;
	} want[] = {
		{SERVER, TR_STATE, TCP_CLOSED, TCP_LISTEN, 0, 0, 0, 0, 0},
		{CLIENT, TR_STATE, TCP_CLOSED, TCP_SYN_SENT, 0, 0, 0, 0, SIM_MS(1)},
		{CLIENT, TR_SEND, 0, 0, TCP_SYN, 0, 0, 0, SIM_MS(1)},
		{SERVER, TR_STATE, TCP_LISTEN, TCP_SYN_RECEIVED, 0, 0, 0, 0, SIM_MS(21)},
		{SERVER, TR_SEND, 0, 0, TCP_SYN | TCP_ACK, 0, 1, 0, SIM_MS(21)},
		{CLIENT, TR_STATE, TCP_SYN_SENT, TCP_ESTABLISHED, 0, 0, 0, 0, SIM_MS(41)},
		{CLIENT, TR_SEND, 0, 0, TCP_ACK, 1, 1, 0, SIM_MS(41)},
		{CLIENT, TR_SEND, 0, 0, TCP_ACK | TCP_PSH, 1, 1, 1000, SIM_MS(41)},
		{SERVER, TR_STATE, TCP_SYN_RECEIVED, TCP_ESTABLISHED, 0, 0, 0, 0, SIM_MS(61)},
		/* RFC 1122 §4.2.3.2: the ACK of the data waits 200 ms */
		{SERVER, TR_SEND, 0, 0, TCP_ACK, 1, 1001, 0, SIM_MS(261)},
		{CLIENT, TR_STATE, TCP_ESTABLISHED, TCP_FIN_WAIT_1, 0, 0, 0, 0, SIM_MS(500)},
		{CLIENT, TR_SEND, 0, 0, TCP_FIN | TCP_ACK, 1001, 1, 0, SIM_MS(500)},
		{SERVER, TR_STATE, TCP_ESTABLISHED, TCP_CLOSE_WAIT, 0, 0, 0, 0, SIM_MS(520)},
		{SERVER, TR_SEND, 0, 0, TCP_ACK, 1, 1002, 0, SIM_MS(520)},
		{SERVER, TR_STATE, TCP_CLOSE_WAIT, TCP_LAST_ACK, 0, 0, 0, 0, SIM_MS(520)},
		{SERVER, TR_SEND, 0, 0, TCP_FIN | TCP_ACK, 1, 1002, 0, SIM_MS(520)},
		{CLIENT, TR_STATE, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, 0, 0, 0, 0, SIM_MS(540)},
		{CLIENT, TR_STATE, TCP_FIN_WAIT_2, TCP_TIME_WAIT, 0, 0, 0, 0, SIM_MS(540)},
		{CLIENT, TR_SEND, 0, 0, TCP_ACK, 1002, 2, 0, SIM_MS(540)},
		{SERVER, TR_STATE, TCP_LAST_ACK, TCP_CLOSED, 0, 0, 0, 0, SIM_MS(560)},
		/* 2*MSL = 240 s after entering TIME-WAIT */
		{CLIENT, TR_STATE, TCP_TIME_WAIT, TCP_CLOSED, 0, 0, 0, 0, SIM_MS(540) + SIM_S(240)},
	};
	int nwant = (int)(sizeof want / sizeof want[0]);
	ck_assert_int_eq(cap.n, nwant);
	for (int i = 0; i < nwant; i++) {
		const struct rec *r = &cap.r[i];
		ck_assert_msg(r->host == want[i].host && r->kind == want[i].kind,
			      "event %d: host %d kind %d, expected host %d kind %d",
			      i, r->host, r->kind, want[i].host, want[i].kind);
		ck_assert_msg(r->t == want[i].t, "event %d at %lld, expected %lld",
			      i, (long long)r->t, (long long)want[i].t);
		if (r->kind == TR_STATE) {
			ck_assert_msg(r->from == want[i].from && r->to == want[i].to,
				      "event %d: %s -> %s", i,
				      tcp_state_name(r->from), tcp_state_name(r->to));
			continue;
		}
		uint32_t own = r->host == CLIENT ? x : y;
		uint32_t peer = r->host == CLIENT ? y : x;
		ck_assert_uint_eq(r->flags, want[i].flags);
		ck_assert_uint_eq(r->seq - own, want[i].seq);
		if (r->flags & TCP_ACK)
			ck_assert_uint_eq(r->ack - peer, want[i].ack);
		ck_assert_uint_eq(r->len, want[i].len);
	}
	/* and the 1000 bytes arrived intact */
	const struct app_sock *srv = w.apps[SERVER].socks->next;
	ck_assert_ptr_nonnull(srv);
	ck_assert_uint_eq(srv->received, 1000);
	ck_assert_uint_eq(srv->bad, 0);
	ck_assert_int_eq(srv->end, TCP_END_NORMAL);
	ck_assert_int_eq(w.apps[CLIENT].socks->end, TCP_END_NORMAL);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* Run a scenario with the text sink into memory; returns the trace. */
static const char lossy[] =
	"seed: 11\n"
	"hosts: {a: {}, b: {}}\n"
	"links: [{between: [a, b], delay: 7ms, loss: 0.2}]\n"
	"apps:\n"
	"  b: [{at: 0s, listen: 9}, {on: peer-closed, close: true}]\n"
	"  a: [{at: 0s, connect: b:9}, {on: connected, send: 200KB},\n"
	"      {on: connected, close: true}]\n";

START_TEST(test_same_scenario_twice_is_byte_identical)
{
	struct scenario *s = load_builtin(BUILTIN_DEFAULT);
	size_t n1, n2;
	char *t1 = trace_of(s, NULL, NULL, &n1);
	char *t2 = trace_of(s, NULL, NULL, &n2);
	ck_assert_uint_gt(n1, 1000);
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(t1, t2, n1);
	free(t1);
	free(t2);
	scn_free(s);

	/* also with random loss, where the streams matter */
	s = load(lossy);
	t1 = trace_of(s, NULL, NULL, &n1);
	t2 = trace_of(s, NULL, NULL, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(t1, t2, n1);
	ck_assert_ptr_nonnull(strstr(t1, "why=\"random loss\""));
	free(t1);
	free(t2);
	/* and another seed gives another run */
	struct world_opts o = {.seed = 12, .has_seed = true};
	t1 = trace_of(s, NULL, NULL, &n1);
	t2 = trace_of(s, &o, NULL, &n2);
	ck_assert(n1 != n2 || memcmp(t1, t2, n1) != 0);
	free(t1);
	free(t2);
	scn_free(s);
}
END_TEST

/* Connections at rest are packed, and the run is the same as with every
 * connection whole: idle keepalive connections (probed at 2 h),
 * connections in TIME-WAIT, a listening socket. Each client also writes
 * every second on one more connection, `chatty`, so that both stacks are
 * entered again and again. */
static const char resting[] =
	"stop: 150m\n"
	"tcp: {keepalive: true}\n"
	"hosts: {c: {count: 2}, s: {}}\n"
	"links: [{between: [c, s], delay: 5ms}]\n"
	"apps:\n"
	"  s: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n"
	"  c: [{at: 1s, connect: s:80, repeat: {count: 3, every: 1ms}},\n"
	"      {at: 2s, connect: s:80, bulk: 1000},\n"
	"      {at: 1500ms, connect: s:80, as: chatty},\n"
	"      {at: 3s, send: 10, sock: chatty, repeat: {count: 100, "
	"every: 1s}}]\n";

START_TEST(test_connections_at_rest_are_packed_and_the_run_is_the_same)
{
	struct scenario *s = load(resting);
	size_t n1, n2;
	struct world_opts whole = {.whole = true};
	char *t1 = trace_of(s, NULL, NULL, &n1);
	char *t2 = trace_of(s, &whole, NULL, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(t1, t2, n1);
	ck_assert_ptr_nonnull(strstr(t1, "TIME-WAIT"));
	ck_assert_ptr_nonnull(strstr(t1, "keepalive"));
	free(t1);
	free(t2);
	/* at 60 s, and none with --whole: */
	uint64_t mem[2];
	for (int w = 0; w < 2; w++) {
		struct world_opts o = {.stop = SIM_S(60), .whole = w == 1};
		struct world wd;
		ck_assert_int_eq(world_build(&wd, s, &o), 0);
		world_run(&wd);
		int packed = 0, conns = 0, listeners = 0;
		for (size_t h = 0; h < wd.nhosts; h++)
			for (struct tcp_conn *c = tcp_stack_first(wd.hosts[h].tcp);
			     c; c = tcp_conn_next(c)) {
				if (tcp_conn_state(c) == TCP_LISTEN) {
					listeners += tcp_conn_packed(c);
					continue;
				}
				conns++;
				packed += tcp_conn_packed(c);
			}
		/* at both ends 2 × 3 idle, packed once they have rested
		 * 100 ms and their stack is entered again, and at the
		 * clients 2 in TIME-WAIT, packed at once; the chatty ones,
		 * busy every second, whole at both ends; the listening
		 * socket packed, no child half-open */
		ck_assert_int_eq(conns, 18);
		ck_assert_int_eq(packed, w == 1 ? 0 : 14);
		ck_assert_int_eq(listeners, w == 1 ? 0 : 1);
		mem[w] = wd.sim.mem;
		world_free(&wd);
	}
	/* the budget charges a packed connection its record: each of the 15
	 * saves more than three quarters of a TCB (1,200 bytes) */
	ck_assert_uint_gt(mem[1] - mem[0], 15 * 900);
	scn_free(s);
}
END_TEST

/* A connection entering TIME-WAIT on a busy stack (more than 16
 * connections) is packed at once, when the entry point that took it there
 * is done; on a quiet one it rests first, like any other. Each FIN comes
 * back 20 ms after its connect. */
START_TEST(test_time_wait_is_packed_at_once_on_a_busy_stack)
{
	for (int busy = 0; busy < 2; busy++) {
		char text[512];
		snprintf(text, sizeof text,
			 "stop: %s\n"
			 "hosts: {c: {}, s: {}}\n"
			 "links: [{between: [c, s], delay: 5ms}]\n"
			 "apps:\n"
			 "  s: [{at: 0s, listen: 80}, "
			 "{on: peer-closed, close: true}]\n"
			 "  c: [{at: 0s, connect: s:80, bulk: 1000, "
			 "repeat: {count: %d, every: 1ms}}]\n",
			 busy ? "40ms" : "21ms", busy ? 20 : 1);
		struct scenario *s = load(text);
		for (int w = 0; w < 2; w++) {
			struct world_opts o = {.whole = w == 1};
			struct world wd;
			ck_assert_int_eq(world_build(&wd, s, &o), 0);
			world_run(&wd);
			int n = 0, packed = 0;
			for (const struct tcp_conn *c =
				     tcp_stack_first(wd.hosts[0].tcp);
			     c; c = tcp_conn_next(c)) {
				ck_assert_int_eq(tcp_conn_state(c),
						 TCP_TIME_WAIT);
				n++;
				packed += tcp_conn_packed(c);
			}
			ck_assert_int_eq(n, busy ? 20 : 1);
			/* the first 16 opened while the stack was quiet
			 * still enter TIME-WAIT on a busy one */
			ck_assert_int_eq(packed, busy && w == 0 ? 20 : 0);
			world_free(&wd);
		}
		scn_free(s);
	}
}
END_TEST

/* Out of memory while unpacking: the call fails, the connection stays
 * packed, and the run ends with that event (nomem); nothing else
 * breaks. */
START_TEST(test_unpacking_without_memory_ends_the_run)
{
	struct scenario *s = load(resting);
	struct world_opts o = {.stop = SIM_S(60)};
	struct world w;
	ck_assert_int_eq(world_build(&w, s, &o), 0);
	world_run(&w);
	const struct app_sock *a = w.apps[0].socks, *b = a->next;
	ck_assert(tcp_conn_packed(a->c) && tcp_conn_packed(b->c));
	ck_assert(!w.sim.nomem);
	failalloc_after(1); /* the whole TCB */
	ck_assert_int_eq(tcp_close(a->c), -1);
	failalloc_after(-1);
	ck_assert(w.sim.nomem);
	ck_assert(tcp_conn_packed(a->c));
	ck_assert_int_eq(tcp_conn_state(a->c), TCP_ESTABLISHED);
	/* memory back: the next one unpacks */
	ck_assert_int_eq(tcp_close(b->c), 0);
	ck_assert(!tcp_conn_packed(b->c));
	ck_assert_int_eq(tcp_conn_state(b->c), TCP_FIN_WAIT_1);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_lossy_transfer_arrives_intact)
{
	struct scenario *s = load(lossy);
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct world w;
		struct world_opts o = {.seed = seed, .has_seed = true};
		ck_assert_int_eq(world_build(&w, s, &o), 0);
		ck_assert_int_eq(world_run(&w), SIM_END_QUIET);
		const struct app_sock *snd = w.apps[0].socks;
		const struct app_sock *rcv = w.apps[1].socks->next;
		ck_assert_ptr_nonnull(rcv);
		if (snd->end == TCP_END_NORMAL) {
			ck_assert_uint_eq(snd->written, 200000);
			ck_assert_uint_eq(rcv->received, 200000);
		}
		ck_assert_uint_eq(rcv->bad, 0);
		ck_assert_uint_gt(w.links[0].dir[0].lost, 0);
		world_free(&w);
	}
	scn_free(s);
}
END_TEST

START_TEST(test_total_loss_times_out_the_connect)
{
	struct scenario *s = load(
		"hosts: {a: {tcp: {syn-retries: 2}}, b: {}}\n"
		"links: [{between: [a, b], loss: 1}]\n"
		"apps: {b: [{at: 0s, listen: 9}], a: [{at: 0s, connect: b:9}]}\n");
	struct world w;
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	ck_assert_int_eq(world_run(&w), SIM_END_QUIET);
	ck_assert_int_eq(w.apps[0].socks->end, TCP_END_TIMEOUT);
	/* SYN at 0, 1 s, 3 s; given up at 7 s */
	ck_assert_int_eq(w.sim.now, SIM_S(7));
	ck_assert_uint_eq(w.links[0].dir[0].sent, 3);
	ck_assert_uint_eq(w.links[0].dir[0].lost, 3);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_stop_time_and_event_limit_end_the_run)
{
	struct scenario *s = load_builtin(BUILTIN_DEFAULT);
	struct world w;
	struct world_opts o = {.stop = SIM_MS(100)};
	ck_assert_int_eq(world_build(&w, s, &o), 0);
	ck_assert_int_eq(world_run(&w), SIM_END_STOP);
	ck_assert_int_eq(w.sim.now, SIM_MS(100));
	ck_assert_uint_gt(evq_size(&w.sim.q), 0);
	world_free(&w);

	o = (struct world_opts){.max_events = 5};
	ck_assert_int_eq(world_build(&w, s, &o), 0);
	ck_assert_int_eq(world_run(&w), SIM_END_LIMIT);
	ck_assert_uint_eq(w.sim.events, 5);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* Hosts whose parameters are alike hold one copy of them: a template's
 * members, and a host like them; a host whose differ holds its own. A
 * host's `set` of new defaults gives it a copy of its own, and leaves the
 * others' as they were. */
START_TEST(test_hosts_alike_share_their_parameters)
{
	struct scenario *s = load(
		"hosts: {c: {count: 3}, d: {}, e: {tcp: {msl: 7s}}}\n");
	struct world w;
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	ck_assert_uint_eq(w.nhosts, 5);
	const struct tcp_params *c1 = tcp_stack_params(w.hosts[0].tcp);
	ck_assert_ptr_eq(tcp_stack_params(w.hosts[1].tcp), c1);
	ck_assert_ptr_eq(tcp_stack_params(w.hosts[2].tcp), c1);
	ck_assert_ptr_eq(tcp_stack_params(w.hosts[3].tcp), c1);
	const struct tcp_params *e = tcp_stack_params(w.hosts[4].tcp);
	ck_assert_ptr_ne(e, c1);
	ck_assert_int_eq(e->msl, SIM_S(7));
	ck_assert_int_eq(c1->msl, SIM_S(120));
	struct tcp_params p = *c1;
	p.msl = SIM_S(1);
	tcp_stack_set_params(w.hosts[1].tcp, &p);
	ck_assert_int_eq(tcp_stack_params(w.hosts[1].tcp)->msl, SIM_S(1));
	ck_assert_int_eq(tcp_stack_params(w.hosts[0].tcp)->msl, SIM_S(120));
	ck_assert_int_eq(tcp_stack_params(w.hosts[2].tcp)->msl, SIM_S(120));
	world_free(&w);
	scn_free(s);
}
END_TEST

Suite *world_suite(void)
{
	Suite *s = suite_create("world");
	TCase *tc = tcase_create("scenarios");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_handshake_data_close_exact_segments_and_states);
	tcase_add_test(tc, test_same_scenario_twice_is_byte_identical);
	tcase_add_test(tc, test_lossy_transfer_arrives_intact);
	tcase_add_test(tc, test_total_loss_times_out_the_connect);
	tcase_add_test(tc, test_stop_time_and_event_limit_end_the_run);
	tcase_add_test(tc, test_hosts_alike_share_their_parameters);
	tcase_add_test(tc, test_connections_at_rest_are_packed_and_the_run_is_the_same);
	tcase_add_test(tc, test_unpacking_without_memory_ends_the_run);
	tcase_add_test(tc, test_time_wait_is_packed_at_once_on_a_busy_stack);
	suite_add_tcase(s, tc);
	return s;
}
