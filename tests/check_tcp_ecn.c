/* check_tcp_ecn.c — Explicit Congestion Notification (RFC 3168 §6.1):
 * the ECN-setup SYN and SYN,ACK, ECN-capable new data and nothing else,
 * a CE mark echoed with ECE until CWR, and the sender's one reduction
 * per window. As in check_tcp.c: a connection in a state, a segment in,
 * exactly these segments out. */
#include "suites.h"
#include "tcp_harness.h"
#include "tcp_shorthand.h"

#define MSS 1460
#define E TCP_ECE
#define W TCP_CWR

static const uint8_t zeros[8 * MSS];

static struct tcp_params ecn(enum tcp_ecn_mode mode)
{
	struct tcp_params p = tcp_params_default;
	p.ecn = mode;
	p.iw = 4;
	return p;
}

/* §6.1.1: with ECN on, the SYN asks (ECE and CWR), a SYN,ACK with ECE
 * alone agrees; the third segment carries neither; new data is then
 * ECT(0), a pure ACK not-ECT (§6.1.4). */
START_TEST(test_syn_sent_ecn_setup_syn_agreed_by_ece)
{
	struct tcp_params p = ecn(TCP_ECN_ON);
	struct th h;
	th_init(&h, &p);
	th_connect(&h);
	ck_assert_uint_eq(th_next(&h, 0)->seg.ecn, TCP_IP_NOT_ECT);
	TH_EXPECT(&h, {.flags = S | E | W, .seq = ISS, .win = WIN, .mss = MSS});
	th_in(&h, S | A | E, PEER_ISS, ISS + 1, 0);
	ck_assert(h.c->ecn_ok);
	ck_assert_uint_eq(th_next(&h, 0)->seg.ecn, TCP_IP_NOT_ECT);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WIN);
	ck_assert_uint_eq(tcp_send(h.c, zeros, 100), 100);
	ck_assert_uint_eq(th_next(&h, 0)->seg.ecn, TCP_IP_ECT0);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN});
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* §6.1.1: a SYN,ACK with both ECE and CWR is not an ECN-setup SYN,ACK;
 * nor is one that answers a SYN that did not ask. */
START_TEST(test_syn_sent_ece_and_cwr_on_syn_ack_agree_on_nothing)
{
	for (int asked = 0; asked < 2; asked++) {
		struct tcp_params p = ecn(asked ? TCP_ECN_ON : TCP_ECN_PASSIVE);
		struct th h;
		th_init(&h, &p);
		th_connect(&h);
		ck_assert_uint_eq(th_next(&h, 0)->seg.flags,
				  asked ? S | E | W : S);
		th_checked(&h, 1);
		th_in(&h, S | A | E | (asked ? W : 0), PEER_ISS, ISS + 1, 0);
		ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
		ck_assert(!h.c->ecn_ok);
		th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WIN);
		ck_assert_uint_eq(tcp_send(h.c, zeros, 100), 100);
		ck_assert_uint_eq(th_next(&h, 0)->seg.ecn, TCP_IP_NOT_ECT);
		tcp_abort(h.c);
		th_checked(&h, th_unchecked(&h));
		th_fini(&h);
	}
}
END_TEST

/* §6.1.1: a listener that would use ECN answers an ECN-setup SYN with
 * ECE alone; one that would not, or a SYN that does not ask, gets a
 * plain SYN,ACK. */
START_TEST(test_listen_ecn_setup_syn_answered_with_ece)
{
	static const struct {
		enum tcp_ecn_mode mode;
		uint8_t syn, synack;
	} cases[] = {
		{TCP_ECN_PASSIVE, S | E | W, S | A | E},
		{TCP_ECN_ON, S | E | W, S | A | E},
		{TCP_ECN_OFF, S | E | W, S | A},
		{TCP_ECN_PASSIVE, S | E, S | A},
		{TCP_ECN_PASSIVE, S, S | A},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tcp_params p = ecn(cases[i].mode);
		struct th h;
		th_init(&h, &p);
		th_open_listen(&h);
		th_in_full(&h, LOCAL_PORT, cases[i].syn, PEER_ISS, 0, 65535,
			   NULL, 0);
		const struct th_seg *o = th_next(&h, 0);
		ck_assert_uint_eq(o->seg.flags, cases[i].synack);
		th_checked(&h, 1);
		th_fini(&h);
	}
}
END_TEST

/* FreeBSD's ecn.maxretries (`ecn-syn-retries`: 1): the first
 * retransmission of the SYN still asks, the second no more — a
 * middlebox may drop SYNs with ECE and CWR; Linux (0) asks once. */
START_TEST(test_syn_sent_ecn_setup_only_so_many_times)
{
	struct tcp_params p = ecn(TCP_ECN_ON);
	p.ecn_syn_retries = 1;
	struct th h;
	th_init(&h, &p);
	th_connect(&h);
	static const uint8_t want[] = {S | E | W, S | E | W, S};
	static const sim_time_t at[] = {0, SIM_S(1), SIM_S(3)};
	for (size_t i = 0; i < 3; i++) {
		th_run_until(&h, at[i]);
		const struct th_seg *o = th_next(&h, 0);
		ck_assert_uint_eq(o->seg.flags, want[i]);
		th_checked(&h, 1);
	}
	/* a SYN,ACK with ECE now answers a SYN that did not ask */
	th_in(&h, S | A | E, PEER_ISS, ISS + 1, 0);
	ck_assert(!h.c->ecn_ok);
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* ESTABLISHED with ECN agreed (the peer's SYN asked). */
static void open_ecn_passive(struct th *h, struct tcp_params *p)
{
	th_init(h, p);
	th_open_listen(h);
	th_in_full(h, LOCAL_PORT, S | E | W, PEER_ISS, 0, 65535, NULL, 0);
	h->c = h->st->tail;
	h->iss = h->c->iss;
	ck_assert_uint_eq(th_next(h, 0)->seg.flags, S | A | E);
	th_checked(h, 1);
	th_in(h, A, PEER_ISS + 1, h->iss + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	ck_assert(h->c->ecn_ok);
}

/* §6.1.3: data marked CE is acknowledged with ECE, and so is every
 * segment after it until data with CWR comes; then no more. */
START_TEST(test_established_ce_echoed_with_ece_until_cwr)
{
	struct tcp_params p = ecn(TCP_ECN_PASSIVE);
	p.delack = 0;
	struct th h;
	open_ecn_passive(&h, &p);
	uint32_t rcv = PEER_ISS + 1;
	h.peer_ecn = TCP_IP_CE;
	th_in(&h, A, rcv, h.iss + 1, 100);
	rcv += 100;
	TH_EXPECT(&h, {.flags = A | E, .seq = h.iss + 1, .ack = rcv,
		       .win = WIN - 100});
	h.peer_ecn = TCP_IP_ECT0;
	th_in(&h, A, rcv, h.iss + 1, 100);
	rcv += 100;
	TH_EXPECT(&h, {.flags = A | E, .seq = h.iss + 1, .ack = rcv,
		       .win = WIN - 200});
	th_in(&h, A | W, rcv, h.iss + 1, 100);
	rcv += 100;
	TH_EXPECT(&h, {.flags = A, .seq = h.iss + 1, .ack = rcv,
		       .win = WIN - 300});
	th_fini(&h);
}
END_TEST

/* §6.1.2: an ACK with ECE — congestion without a loss: NewReno's
 * ssthresh = max(FlightSize / 2, 2 · SMSS), cwnd = ssthresh, once per
 * window of data (a second ECE in it changes nothing); the next new
 * data carries CWR, and is ECT(0). */
START_TEST(test_established_ece_reduces_once_per_window_then_cwr)
{
	struct tcp_params p = ecn(TCP_ECN_PASSIVE);
	p.iw = 8;
	struct th h;
	open_ecn_passive(&h, &p);
	ck_assert_uint_eq(tcp_send(h.c, zeros, 8 * MSS), 8 * MSS);
	ck_assert_int_eq(th_unchecked(&h), 8);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(th_next(&h, i)->seg.ecn, TCP_IP_ECT0);
	th_checked(&h, 8);
	uint32_t una = h.iss + 1 + MSS;
	th_in(&h, A | E, PEER_ISS + 1, una, 0);
	/* FlightSize 7 · MSS: ssthresh and cwnd 5110 */
	ck_assert_uint_eq(h.c->ssthresh, 7 * MSS / 2);
	ck_assert_uint_eq(h.c->cwnd, 7 * MSS / 2);
	th_expect_none(&h);
	una += MSS;
	th_in(&h, A | E, PEER_ISS + 1, una, 0);
	ck_assert_uint_eq(h.c->ssthresh, 7 * MSS / 2);
	th_expect_none(&h);
	/* the rest of the window acknowledged: room for new data */
	una = h.iss + 1 + 8 * MSS;
	th_in(&h, A, PEER_ISS + 1, una, 0);
	ck_assert_uint_eq(tcp_send(h.c, zeros, 100), 100);
	const struct th_seg *o = th_next(&h, th_unchecked(&h) - 1);
	ck_assert_uint_eq(o->seg.flags, P | A | W);
	ck_assert_uint_eq(o->seg.ecn, TCP_IP_ECT0);
	th_checked(&h, th_unchecked(&h));
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* §6.1.5: a retransmission is not ECN-capable. */
START_TEST(test_established_retransmission_is_not_ect)
{
	struct tcp_params p = ecn(TCP_ECN_PASSIVE);
	struct th h;
	open_ecn_passive(&h, &p);
	ck_assert_uint_eq(tcp_send(h.c, zeros, 100), 100);
	ck_assert_uint_eq(th_next(&h, 0)->seg.ecn, TCP_IP_ECT0);
	th_checked(&h, 1);
	th_fire(&h, TCP_T_REXMT);
	const struct th_seg *o = th_next(&h, 0);
	ck_assert_uint_eq(o->seg.len, 100);
	ck_assert_int_eq(o->tx, TR_TX_TIMEOUT);
	ck_assert_uint_eq(o->seg.ecn, TCP_IP_NOT_ECT);
	th_checked(&h, 1);
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

Suite *tcp_ecn_suite(void)
{
	Suite *s = suite_create("tcp_ecn");
	TCase *tc = tcase_create("ecn");
	tcase_add_test(tc, test_syn_sent_ecn_setup_syn_agreed_by_ece);
	tcase_add_test(tc, test_syn_sent_ece_and_cwr_on_syn_ack_agree_on_nothing);
	tcase_add_test(tc, test_listen_ecn_setup_syn_answered_with_ece);
	tcase_add_test(tc, test_syn_sent_ecn_setup_only_so_many_times);
	tcase_add_test(tc, test_established_ce_echoed_with_ece_until_cwr);
	tcase_add_test(tc, test_established_ece_reduces_once_per_window_then_cwr);
	tcase_add_test(tc, test_established_retransmission_is_not_ect);
	suite_add_tcase(s, tc);
	return s;
}
