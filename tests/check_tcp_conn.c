/* check_tcp_conn.c — a connection's life around the data: the listen
 * backlog and the user calls that open and close, keepalive probes, the
 * length of TIME-WAIT and the teaching variants (handshake: two-way,
 * time-wait: off). As in check_tcp.c: a connection in a state, a segment,
 * timer or user call in, exactly these segments out, every field of each.
 * Sequence numbers are relative to ISS (ours) and PEER_ISS (the peer's);
 * nothing here receives data, so every window offered is the whole
 * buffer, WIN.
 */
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"
#include "sim/run/world.h"

#include "tcp_shorthand.h"
#define MSS 1460

static uint8_t zeros[100];

/* ---- LISTEN: backlog, close ------------------------------------------ */

/* A SYN from the peer's port sport to the listener; the connection it
 * made (the newest), or NULL if none. */
static struct tcp_conn *syn_from(struct th *h, uint16_t sport)
{
	struct tcp_conn *before = h->st->tail;
	struct tcp_seg s = {
		.saddr = PEER_ADDR, .daddr = LOCAL_ADDR,
		.sport = sport,     .dport = LOCAL_PORT,
		.seq = PEER_ISS,    .wnd = 65535,
		.flags = S,         .mss = MSS,
	};
	tcp_stack_input(h->st, &s, 0);
	return h->st->tail != before ? h->st->tail : NULL;
}

/* The SYN,ACK of the listener's child c to the peer's port dport. */
static void expect_syn_ack(struct th *h, const struct tcp_conn *c,
			   uint16_t dport)
{
	TH_EXPECT(h, {.flags = S | A, .seq = c->iss, .ack = PEER_ISS + 1,
		      .win = WIN, .mss = MSS, .dport = dport});
}

static int count_state(struct th *h, enum tcp_state st)
{
	int n = 0;
	for (const struct tcp_conn *c = h->st->head; c; c = c->next)
		n += c->state == st;
	return n;
}

START_TEST(test_listen_syn_beyond_the_backlog_is_dropped_silently)
{
	struct tcp_params p = tcp_params_default;
	p.backlog = 2;
	struct th h;
	th_init(&h, &p);
	th_open_listen(&h);
	struct tcp_conn *first = syn_from(&h, 6000);
	ck_assert_ptr_nonnull(first);
	expect_syn_ack(&h, first, 6000);
	struct tcp_conn *second = syn_from(&h, 6001);
	ck_assert_ptr_nonnull(second);
	expect_syn_ack(&h, second, 6001);
	ck_assert_ptr_null(syn_from(&h, 6002));
	th_expect_none(&h); /* no SYN,ACK, no RST */
	ck_assert_int_eq(count_state(&h, TCP_SYN_RECEIVED), 2);
	/* one completes its handshake: room for one more */
	struct tcp_seg ack = {
		.saddr = PEER_ADDR,   .daddr = LOCAL_ADDR,
		.sport = 6000,        .dport = LOCAL_PORT,
		.seq = PEER_ISS + 1,  .ack = first->iss + 1,
		.wnd = 65535,         .flags = A,
	};
	tcp_stack_input(h.st, &ack, 0);
	ck_assert_int_eq(first->state, TCP_ESTABLISHED);
	th_expect_none(&h);
	struct tcp_conn *third = syn_from(&h, 6003);
	ck_assert_ptr_nonnull(third);
	expect_syn_ack(&h, third, 6003);
	ck_assert_int_eq(count_state(&h, TCP_SYN_RECEIVED), 2);
	th_fini(&h);
}
END_TEST

START_TEST(test_listen_close_resets_its_half_open_connections)
{
	struct th h;
	th_init(&h, NULL);
	th_open_listen(&h);
	struct tcp_conn *l = h.c;
	struct tcp_conn *child = syn_from(&h, 6000);
	ck_assert_ptr_nonnull(child);
	uint32_t child_iss = child->iss;
	expect_syn_ack(&h, child, 6000);
	ck_assert_int_eq(tcp_close(l), 0);
	/* <SEQ=SND.NXT><CTL=RST> from the child */
	TH_EXPECT(&h, {.flags = R, .seq = child_iss + 1, .dport = 6000});
	ck_assert_ptr_null(h.st->head);
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_received_timeouts_past_synack_retries_delete_it)
{
	struct tcp_params p = tcp_params_default;
	p.synack_retries = 2;
	struct th h;
	th_init(&h, &p);
	th_open_syn_received(&h);
	for (int i = 0; i < 2; i++) {
		th_fire(&h, TCP_T_REXMT);
		TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
			       .win = WIN, .mss = MSS, .tx = TR_TX_TIMEOUT});
	}
	th_fire(&h, TCP_T_REXMT);
	th_expect_none(&h);
	ck_assert_int_eq(count_state(&h, TCP_SYN_RECEIVED), 0);
	ck_assert_int_eq(count_state(&h, TCP_LISTEN), 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_close_deletes_the_tcb_silently)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	ck_assert_int_eq(tcp_close(h.c), 0);
	/* RFC 9293 §3.10.4: delete the TCB; nothing goes out */
	ck_assert_ptr_null(h.st->head);
	th_expect_none(&h);
	th_expect_closed(&h, TCP_END_ABORTED);
	th_fini(&h);
}
END_TEST

/* Our listening sockets leave the remote socket unspecified, so SEND in
 * LISTEN is the RFC's "error: remote socket unspecified" (§3.10.2), and
 * the LISTEN -> SYN-SENT arc of the diagram is not taken. */
START_TEST(test_listen_send_is_an_error)
{
	struct th h;
	th_init(&h, NULL);
	th_open_listen(&h);
	ck_assert_int_lt(tcp_send(h.c, zeros, 10), 0);
	ck_assert_int_eq(h.c->state, TCP_LISTEN);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_closed_open_on_an_existing_tuple_fails)
{
	struct th h;
	th_init(&h, NULL);
	struct tcp_conn *c = tcp_connect(h.st, 40000, PEER_ADDR, PEER_PORT,
					 NULL);
	ck_assert_ptr_nonnull(c);
	TH_EXPECT(&h, {.flags = S, .seq = c->iss, .win = WIN, .mss = MSS,
		       .sport = 40000});
	/* RFC 9293 §3.10.1: "connection already exists" */
	ck_assert_ptr_null(tcp_connect(h.st, 40000, PEER_ADDR, PEER_PORT,
				       NULL));
	th_expect_none(&h);
	/* another remote port is another connection */
	struct tcp_conn *other = tcp_connect(h.st, 40000, PEER_ADDR,
					     PEER_PORT + 1, NULL);
	ck_assert_ptr_nonnull(other);
	TH_EXPECT(&h, {.flags = S, .seq = other->iss, .win = WIN, .mss = MSS,
		       .sport = 40000, .dport = PEER_PORT + 1});
	th_fini(&h);
}
END_TEST

/* Simultaneous open, then CLOSE in SYN-RECEIVED: the FIN goes at once
 * (nothing was sent); a timeout resends the SYN,ACK and the FIN. */
START_TEST(test_syn_received_close_sends_fin_and_timeout_resends_syn_ack_and_fin)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in(&h, S, PEER_ISS, 0, 0);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	th_fire(&h, TCP_T_REXMT);
	TH_EXPECT(&h,
		  {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		   .win = WIN, .mss = MSS, .tx = TR_TX_TIMEOUT},
		  {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .win = WIN, .tx = TR_TX_TIMEOUT});
	/* the peer acknowledges SYN and FIN */
	th_in(&h, A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* ---- keepalive ------------------------------------------------------- */

START_TEST(test_established_idle_keepalive_probe_is_snd_nxt_minus_1_with_garbage)
{
	struct tcp_params p = tcp_profile_find("textbook")->p;
	p.keepalive = true;
	p.keepdata = 1;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	sim_time_t t0 = h.sim.now;
	th_fire(&h, TCP_T_KEEPALIVE);
	ck_assert_int_eq(h.sim.now, t0 + SIM_S(7200));
	/* RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT-1, one octet of garbage */
	TH_EXPECT(&h, {.flags = A, .seq = ISS, .ack = PEER_ISS + 1, .len = 1,
		       .win = WIN, .data = "\0"});
	/* the peer answers (any segment): back to a full idle period */
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 0);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_KEEPALIVE].when,
			 h.sim.now + SIM_S(75));
	th_fire(&h, TCP_T_KEEPALIVE); /* notices the answer, re-arms */
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_KEEPALIVE].when,
			 t0 + 2 * SIM_S(7200));
	th_fini(&h);
}
END_TEST

START_TEST(test_established_keepalive_unanswered_10_probes_75s_apart_resets)
{
	struct tcp_params p = tcp_profile_find("textbook")->p;
	p.keepalive = true;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	sim_time_t t0 = h.sim.now;
	for (int i = 0; i < 10; i++) {
		th_fire(&h, TCP_T_KEEPALIVE);
		ck_assert_int_eq(h.sim.now, t0 + SIM_S(7200) + i * SIM_S(75));
		TH_EXPECT(&h, {.flags = A, .seq = ISS, .ack = PEER_ISS + 1,
			       .win = WIN});
	}
	th_fire(&h, TCP_T_KEEPALIVE);
	ck_assert_int_eq(h.sim.now, t0 + SIM_S(7200) + 10 * SIM_S(75));
	th_expect_closed(&h, TCP_END_TIMEOUT);
	TH_EXPECT(&h, {.flags = R, .seq = ISS + 1});
	th_fini(&h);
}
END_TEST

/* ---- TIME-WAIT length and the teaching variants ---------------------- */

static sim_time_t time_wait_for(const struct tcp_params *p)
{
	struct th h;
	th_init(&h, p);
	th_open_time_wait(&h);
	sim_time_t d = h.c->timer[TCP_T_TIMEWAIT].when - h.sim.now;
	th_fini(&h);
	return d;
}

START_TEST(test_time_wait_lasts_2msl_or_the_profile_s_fixed_length)
{
	ck_assert_int_eq(time_wait_for(&tcp_params_default), SIM_S(240));
	/* Linux: TCP_TIMEWAIT_LEN, whatever MSL says: 15000 jiffies of
	 * 4 ms, which the timer wheel holds at level 3, in buckets of 512
	 * jiffies: it fires at jiffy 15360 */
	ck_assert_int_eq(time_wait_for(&tcp_profile_find("linux")->p),
			 SIM_MS(61440));
	struct tcp_params q = tcp_profile_find("linux")->p;
	q.tick = 0;
	ck_assert_int_eq(time_wait_for(&q), SIM_S(60));
	struct tcp_params p = tcp_params_default;
	p.msl = SIM_S(5);
	ck_assert_int_eq(time_wait_for(&p), SIM_S(10));
	p.time_wait = SIM_S(3);
	ck_assert_int_eq(time_wait_for(&p), SIM_S(3));
}
END_TEST

START_TEST(test_fin_wait_2_fin_with_time_wait_off_closes_and_a_late_fin_meets_rst)
{
	struct tcp_params p = tcp_params_default;
	p.no_time_wait = true;
	struct th h;
	th_init(&h, &p);
	th_open_fin_wait_2(&h);
	th_in(&h, F | A, PEER_ISS + 1, ISS + 2, 0);
	/* the FIN is acknowledged and the connection is gone */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 2,
		       .win = WIN});
	ck_assert_ptr_null(h.st->head);
	th_expect_closed(&h, TCP_END_NORMAL);
	/* that ACK was lost: the peer's FIN comes again, and finds no one:
	 * <SEQ=SEG.ACK><CTL=RST> from the port it came to */
	th_in(&h, F | A, PEER_ISS + 1, ISS + 2, 0);
	TH_EXPECT(&h, {.flags = R, .seq = ISS + 2});
	th_fini(&h);
}
END_TEST

START_TEST(test_listen_syn_two_way_is_established_on_sending_syn_ack)
{
	struct tcp_params p = tcp_params_default;
	p.two_way = true;
	struct th h;
	th_init(&h, &p);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
	struct tcp_conn *c = h.st->tail;
	ck_assert_int_eq(c->state, TCP_ESTABLISHED);
	h.iss = c->iss;
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	ck_assert_int_eq(th_events(&h, TCP_EV_CONNECTED, NULL), 1);
	/* and it may send at once */
	ck_assert_int_eq(tcp_send(c, zeros, 100), 100);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN});
	th_fini(&h);
}
END_TEST

/* RFC 9293 §3.10.7.2: text on a SYN is queued until ESTABLISHED; the
 * two-way variant is ESTABLISHED at once, so it is delivered at once
 * (found by the segment fuzzer: it stayed queued for ever). */
START_TEST(test_listen_syn_with_text_two_way_delivers_it)
{
	struct tcp_params p = tcp_params_default;
	p.two_way = true;
	struct th h;
	th_init(&h, &p);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535,
		   (const uint8_t *)"hello", 5);
	struct tcp_conn *c = h.st->tail;
	ck_assert_int_eq(c->state, TCP_ESTABLISHED);
	h.iss = c->iss;
	ck_assert_uint_eq(h.nrx, 5);
	ck_assert(memcmp(h.rx, "hello", 5) == 0);
	ck_assert_uint_eq(c->rcv_nxt, PEER_ISS + 6);
	ck_assert_uint_eq(c->nooo, 0);
	/* the SYN,ACK, then an ACK of the text, sent before the
	 * application hears of the connection and reads it */
	TH_EXPECT(&h,
		  {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		   .win = WIN, .mss = MSS},
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 6,
		   .win = WIN - 5});
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_syn_ack_two_way_sends_no_third_ack)
{
	struct tcp_params p = tcp_params_default;
	p.two_way = true;
	struct th h;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* ---- whole runs: the two-way deadlock -------------------------------- */

START_TEST(test_syn_sent_two_way_syn_ack_lost_deadlocks)
{
	static const char text[] =
		"tcp: {handshake: two-way}\n"
		"hosts: {c: {}, s: {}}\n"
		"links:\n"
		"  - between: [c, s]\n"
		"    delay: 10ms\n"
		"    rules: [{from: s, flags: SYN, nth: 1, action: drop}]\n"
		"apps:\n"
		"  s: [{at: 0s, listen: 80}, {on: connected, send: 100}]\n"
		"  c: [{at: 0s, connect: \"s:80\"}]\n"
		"stop: 100s\n";
	struct scenario *scn;
	struct scn_error err;
	ck_assert_int_eq(scn_load_string("t.yaml", text, strlen(text), &scn,
					 &err), 0);
	struct world w;
	ck_assert_int_eq(world_build(&w, scn, NULL), 0);
	world_run(&w);
	/* 100 s on: the server believes in the connection and keeps
	 * resending its data; the client still waits for a SYN,ACK,
	 * discarding that data, and its own SYNs only draw ACKs */
	struct tcp_conn *cc = w.hosts[0].tcp->head;
	struct tcp_conn *sc = w.hosts[1].tcp->tail;
	ck_assert_ptr_nonnull(cc);
	ck_assert_ptr_nonnull(sc);
	ck_assert_int_eq(cc->state, TCP_SYN_SENT);
	ck_assert_int_eq(sc->state, TCP_ESTABLISHED);
	/* the variant counts its SYN as acknowledged: only data waits */
	ck_assert_uint_eq(sc->snd_una, sc->iss + 1);
	ck_assert_uint_eq(sc->snd_nxt, sc->iss + 101);
	ck_assert_uint_ge(sc->nrexmt, 5);
	ck_assert_uint_ge(cc->nrexmt, 5);
	world_free(&w);
	scn_free(scn);
}
END_TEST

/* ---- the user timeout (RFC 5482, as Linux's TCP_USER_TIMEOUT) ------- */

/* 100 bytes sent `idle` after the connection opened and never
 * acknowledged, under `rules`; RTO 1 s, user timeout 2.5 s: retransmitted
 * 1 s later (the RTO, now 2 s, cut to the 1.5 s left:
 * tcp_clamp_rto_to_user_timeout), given up 2.5 s after the data was first
 * sent — timed out, no RST. */
static void user_timeout_from_the_data(enum tcp_rules rules, sim_time_t idle)
{
	struct tcp_params p = tcp_params_default;
	p.user_timeout = SIM_MS(2500);
	p.rules = rules;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	th_run_until(&h, idle);
	tcp_send(h.c, zeros, 100);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN});
	th_fire(&h, TCP_T_REXMT);
	ck_assert_int_eq(h.sim.now, idle + SIM_S(1));
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN, .tx = TR_TX_TIMEOUT});
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, idle + SIM_MS(2500));
	th_fire(&h, TCP_T_REXMT);
	ck_assert_int_eq(h.sim.now, idle + SIM_MS(2500));
	th_expect_closed(&h, TCP_END_TIMEOUT);
	th_expect_none(&h);
	th_fini(&h);
}

/* Data unacknowledged for the user timeout, counted from its first
 * sending, aborts the connection, whatever `retries` says. */
START_TEST(test_established_user_timeout_ends_retransmissions)
{
	user_timeout_from_the_data(TCP_RULES_RFC9293, 0);
}
END_TEST

/* It counts from the data, whenever the connection opened: opened at 0,
 * idle until 10 s — given up at 12.5 s, not at the first retransmission
 * for having opened 11 s before. Under the rfc9293 and freebsd rules,
 * whose ring of segments in flight (where the count starts) was not
 * drained by ACKs before 6bb15bb; the linux rules' always was. */
START_TEST(test_established_user_timeout_counts_from_the_data)
{
	static const enum tcp_rules rules[] = {TCP_RULES_RFC9293,
					       TCP_RULES_FREEBSD};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		user_timeout_from_the_data(rules[i], SIM_S(10));
}
END_TEST

/* With a user timeout, keepalive gives up once a probe has gone and the
 * peer has been silent for the user timeout (tcp_keepalive_timer), not
 * after keepcnt probes: idle 10 s, probes 1 s apart, user timeout 3.5 s —
 * the probe at 10 s, the RST at 11 s. */
START_TEST(test_established_user_timeout_ends_keepalive)
{
	struct tcp_params p = tcp_params_default;
	p.keepalive = true;
	p.keepidle = SIM_S(10);
	p.keepintvl = SIM_S(1);
	p.user_timeout = SIM_MS(3500);
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	th_fire(&h, TCP_T_KEEPALIVE);
	ck_assert_int_eq(h.sim.now, SIM_S(10));
	TH_EXPECT(&h, {.flags = A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN});
	th_fire(&h, TCP_T_KEEPALIVE);
	ck_assert_int_eq(h.sim.now, SIM_S(11));
	th_expect_closed(&h, TCP_END_TIMEOUT);
	TH_EXPECT(&h, {.flags = R, .seq = ISS + 1});
	th_fini(&h);
}
END_TEST

/* Zero-window probes answered by a window still closed go on as long as
 * the peer answers — but not past the user timeout, counted from the
 * first probe (tcp_probe_timer); the probe timer is cut to fire at it.
 * RTO 1 s: probes at 1 s and 3 s (the next would be 4 s later, cut to
 * the 3 s left), the connection aborted at 6 s. */
START_TEST(test_established_user_timeout_ends_zero_window_probes)
{
	struct tcp_params p = tcp_params_default;
	p.user_timeout = SIM_S(5);
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	tcp_send(h.c, zeros, 100);
	th_expect_none(&h);
	th_fire(&h, TCP_T_PERSIST);
	ck_assert_int_eq(h.sim.now, SIM_S(1));
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 1, .win = WIN});
	/* the peer answers: still no room */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_expect_none(&h);
	th_fire(&h, TCP_T_PERSIST);
	ck_assert_int_eq(h.sim.now, SIM_S(3));
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 1, .win = WIN, .tx = TR_TX_PROBE});
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	ck_assert_int_eq(h.c->timer[TCP_T_PERSIST].when, SIM_S(6));
	th_fire(&h, TCP_T_PERSIST);
	th_expect_closed(&h, TCP_END_TIMEOUT);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

Suite *tcp_conn_suite(void)
{
	Suite *s = suite_create("tcp-conn");
	TCase *tc;

	tc = tcase_create("opening and listening");
	tcase_add_test(tc, test_listen_syn_beyond_the_backlog_is_dropped_silently);
	tcase_add_test(tc, test_listen_close_resets_its_half_open_connections);
	tcase_add_test(tc, test_syn_received_timeouts_past_synack_retries_delete_it);
	tcase_add_test(tc, test_closed_open_on_an_existing_tuple_fails);
	tcase_add_test(tc, test_syn_sent_close_deletes_the_tcb_silently);
	tcase_add_test(tc, test_listen_send_is_an_error);
	tcase_add_test(tc, test_syn_received_close_sends_fin_and_timeout_resends_syn_ack_and_fin);
	suite_add_tcase(s, tc);

	tc = tcase_create("keepalive");
	tcase_add_test(tc, test_established_idle_keepalive_probe_is_snd_nxt_minus_1_with_garbage);
	tcase_add_test(tc, test_established_keepalive_unanswered_10_probes_75s_apart_resets);
	suite_add_tcase(s, tc);

	tc = tcase_create("user timeout");
	tcase_add_test(tc, test_established_user_timeout_ends_retransmissions);
	tcase_add_test(tc, test_established_user_timeout_counts_from_the_data);
	tcase_add_test(tc, test_established_user_timeout_ends_keepalive);
	tcase_add_test(tc, test_established_user_timeout_ends_zero_window_probes);
	suite_add_tcase(s, tc);

	tc = tcase_create("TIME-WAIT and variants");
	tcase_add_test(tc, test_time_wait_lasts_2msl_or_the_profile_s_fixed_length);
	tcase_add_test(tc, test_fin_wait_2_fin_with_time_wait_off_closes_and_a_late_fin_meets_rst);
	tcase_add_test(tc, test_listen_syn_two_way_is_established_on_sending_syn_ack);
	tcase_add_test(tc, test_syn_sent_syn_ack_two_way_sends_no_third_ack);
	tcase_add_test(tc, test_listen_syn_with_text_two_way_delivers_it);
	tcase_add_test(tc, test_syn_sent_two_way_syn_ack_lost_deadlocks);
	suite_add_tcase(s, tc);
	return s;
}
