/* check_tcp_rfc.c — the edges of RFC 9293 §3.10.7.4 and RFC 5961 where
 * a reading of the RFC is a choice, and where Linux chooses otherwise:
 * the right edge of the receive window, a SYN below RCV.NXT, and what
 * TIME-WAIT answers. Each test runs under both rule sets (`rules:
 * rfc9293` and `rules: linux`, everything else the default profile's)
 * and says where they differ. As in check_tcp.c: a connection in a
 * state, a segment in, exactly these segments out.
 */
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"

#include "tcp_shorthand.h"

static const uint8_t ten[10] = "0123456789";

/* The whole window of the connection under test: 65535, or under Linux's
 * rules a whole number of MSS (tcp_max_window). */
#define WND ((uint16_t)tcp_max_window(h.c))

/* The default profile with one rule set. */
static struct tcp_params with_rules(enum tcp_rules r)
{
	struct tcp_params p = tcp_params_default;
	p.rules = (uint8_t)r;
	return p;
}

#define FOR_EACH_RULES(r)                                                  \
	for (enum tcp_rules r = TCP_RULES_RFC9293; r <= TCP_RULES_LINUX;      \
	     r = (enum tcp_rules)(r + 1))

/* ---- first check: a zero-length segment at RCV.NXT+RCV.WND ----------- */

/* RFC 9293 §3.10.7.4: a zero-length segment is acceptable if RCV.NXT =<
 * SEG.SEQ < RCV.NXT+RCV.WND. One at the right edge itself is not: in
 * SYN-RECEIVED an ACK there completes nothing and is answered. Linux's
 * tcp_sequence() takes SEG.SEQ up to the edge inclusive. */
START_TEST(test_syn_received_ack_at_the_right_edge_rfc_refuses_linux_takes)
{
	FOR_EACH_RULES(r) {
		struct tcp_params p = with_rules(r);
		struct th h;
		th_init(&h, &p);
		th_open_syn_received(&h);
		uint32_t edge = h.c->rcv_nxt + h.c->rcv_wnd;
		th_in(&h, A, edge, ISS + 1, 0);
		if (r == TCP_RULES_RFC9293) {
			ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
			th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WND);
		} else {
			ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
			th_expect_none(&h);
		}
		th_fini(&h);
	}
}
END_TEST

/* A RST outside the window is discarded without a word (RFC 9293
 * §3.10.7.4 first check; RFC 5961 §3.2 with erratum 4845: "outside" is
 * SEG.SEQ >= RCV.NXT+RCV.WND). Linux, taking the edge as inside, answers
 * it as an in-window RST not at RCV.NXT: a challenge ACK. */
START_TEST(test_established_rst_at_the_right_edge_rfc_drops_linux_challenges)
{
	FOR_EACH_RULES(r) {
		struct tcp_params p = with_rules(r);
		struct th h;
		th_init(&h, &p);
		th_open_established(&h);
		uint32_t edge = h.c->rcv_nxt + h.c->rcv_wnd;
		th_in(&h, R, edge, 0, 0);
		ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
		if (r == TCP_RULES_RFC9293)
			th_expect_none(&h);
		else
			th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WND);
		/* one below the edge is inside for both: challenge ACK */
		th_in(&h, R, edge - 1, 0, 0);
		ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
		th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WND);
		th_fini(&h);
	}
}
END_TEST

/* ---- fourth check: a SYN at RCV.NXT-1 ------------------------------- */

/* The synchronized states, each with the way there. */
static const struct {
	enum tcp_state state;
	void (*open)(struct th *);
} synchronized[] = {
	{TCP_ESTABLISHED, th_open_established},
	{TCP_FIN_WAIT_1, th_open_fin_wait_1},
	{TCP_FIN_WAIT_2, th_open_fin_wait_2},
	{TCP_CLOSE_WAIT, th_open_close_wait},
	{TCP_CLOSING, th_open_closing},
	{TCP_LAST_ACK, th_open_last_ack},
	{TCP_TIME_WAIT, th_open_time_wait},
};

/* RFC 5961 §4.2, RFC 9293 §3.10.7.4 fourth step: "If the SYN bit is set,
 * irrespective of the sequence number, TCP MUST send an ACK (also
 * referred to as challenge ACK) to the remote peer", and drop the
 * segment. A SYN at RCV.NXT-1 whose text or FIN reaches into the window
 * is acceptable by the first check; it must not be trimmed to its
 * in-window part and processed. Linux (tcp_validate_incoming, step 4)
 * does the same. */
START_TEST(test_synchronized_syn_at_rcv_nxt_minus_1_gets_a_challenge_ack)
{
	static const struct {
		uint8_t flags;
		uint32_t len;
	} kinds[] = {
		{S | A, 10},  /* would deliver ten bytes */
		{S | F, 0},   /* would be a FIN without ACK */
		{S | F | A, 0},
		{S | A, 0},
	};
	FOR_EACH_RULES(r)
	for (size_t i = 0; i < sizeof synchronized / sizeof synchronized[0];
	     i++)
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		struct tcp_params p = with_rules(r);
		struct th h;
		th_init(&h, &p);
		synchronized[i].open(&h);
		uint32_t snd_nxt = h.c->snd_nxt, rcv_nxt = h.c->rcv_nxt;
		uint32_t nrx = h.nrx;
		th_in_full(&h, 0, kinds[k].flags, rcv_nxt - 1, snd_nxt, 65535,
			   ten, kinds[k].len);
		ck_assert_msg(h.c && h.c->state == synchronized[i].state,
			      "%s, kind %zu: the connection left its state",
			      tcp_state_name(synchronized[i].state), k);
		ck_assert_uint_eq(h.c->rcv_nxt, rcv_nxt);
		ck_assert_uint_eq(h.nrx, nrx);
		ck_assert_int_eq(th_events(&h, TCP_EV_EOF, NULL), 0);
		th_expect_ack(&h, snd_nxt, rcv_nxt, WND);
		th_fini(&h);
	}
}
END_TEST

/* ---- TIME-WAIT: what is answered, and what restarts 2·MSL ----------- */

/* TIME-WAIT after a while in it: the timer's restart shows. Returns
 * when the timer was due before. */
static sim_time_t time_wait_later(struct th *h)
{
	th_open_time_wait(h);
	sim_time_t due = h->c->timer[TCP_T_TIMEWAIT].when;
	th_run_until(h, h->sim.now + SIM_S(10));
	return due;
}

/* A stack under rules r, its connection in TIME-WAIT for a while. */
static sim_time_t time_wait_under(struct th *h, enum tcp_rules r)
{
	struct tcp_params p = with_rules(r);
	th_init(h, &p);
	return time_wait_later(h);
}

static sim_time_t tw_len(const struct th *h)
{
	return h->c->p->time_wait ? h->c->p->time_wait : 2 * h->c->p->msl;
}

/* RFC 9293 §3.10.7.4 fifth step, TIME-WAIT: "The only thing that can
 * arrive in this state is a retransmission of the remote FIN. Acknowledge
 * it, and restart the 2 MSL timeout." So does anything in the window
 * beyond RCV.NXT, bare ACK or text: under both rule sets (Linux:
 * tcp_timewait_state_process, "All the segments are ACKed immediately"
 * and inet_twsk_reschedule). */
START_TEST(test_time_wait_in_window_beyond_rcv_nxt_is_acked_and_restarts_2msl)
{
	FOR_EACH_RULES(r)
	for (int k = 0; k < 3; k++) {
		struct th h;
		time_wait_under(&h, r);
		uint32_t rcv_nxt = h.c->rcv_nxt;
		uint32_t last = rcv_nxt + h.c->rcv_wnd - 1;
		switch (k) {
		case 0: /* bare ACK at RCV.NXT+1 */
			th_in(&h, A, rcv_nxt + 1, ISS + 2, 0);
			break;
		case 1: /* bare ACK at the last sequence number inside */
			th_in(&h, A, last, ISS + 2, 0);
			break;
		default: /* text at RCV.NXT+1 */
			th_in_full(&h, 0, P | A, rcv_nxt + 1, ISS + 2, 65535,
				   ten, 10);
			break;
		}
		ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
		th_expect_ack(&h, ISS + 2, rcv_nxt, WND);
		ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when,
				 h.sim.now + tw_len(&h));
		th_fini(&h);
	}
}
END_TEST

/* A bare ACK at exactly RCV.NXT repeats the peer's ACK of our FIN. It is
 * not answered: two ends in TIME-WAIT after a simultaneous close would
 * otherwise answer each other's answers for ever (FreeBSD's tcp_twcheck
 * is silent here too). Under rfc9293 it changes nothing; Linux restarts
 * its TIME-WAIT timer (tcp_timewait_state_process: a bare ACK in window
 * reschedules).
 * An ACK at the right edge is outside the window for rfc9293: "send an
 * acknowledgment" (first check), and nothing restarts. Linux takes it in
 * the window, answers, and restarts the timer. */
START_TEST(test_time_wait_ack_at_rcv_nxt_is_silent_at_the_right_edge_acked)
{
	FOR_EACH_RULES(r)
	for (int edge = 0; edge <= 1; edge++) {
		struct th h;
		sim_time_t due = time_wait_under(&h, r);
		uint32_t rcv_nxt = h.c->rcv_nxt;
		th_in(&h, A, rcv_nxt + (edge ? h.c->rcv_wnd : 0), ISS + 2, 0);
		ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
		if (edge)
			th_expect_ack(&h, ISS + 2, rcv_nxt, WND);
		else
			th_expect_none(&h);
		ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when,
				 r == TCP_RULES_RFC9293 ? due
							: h.sim.now + tw_len(&h));
		th_fini(&h);
	}
}
END_TEST

/* The peer's FIN again, but without the ACK bit. RFC 9293 §3.10.7.4: it
 * lies before RCV.NXT, so the first check answers it with an ACK; and
 * the fifth step drops a segment whose ACK bit is off, so it never
 * reaches the eighth, which restarts 2·MSL for a retransmitted FIN.
 * Linux likewise ACKs it and restarts its timer only for a segment with
 * ACK (tcp_timewait_state_process: "if (paws_reject || th->ack)"). */
START_TEST(test_time_wait_fin_without_ack_is_acked_but_restarts_nothing)
{
	FOR_EACH_RULES(r)
	{
		struct th h;
		sim_time_t due = time_wait_under(&h, r);
		th_in(&h, F, PEER_ISS + 1, 0, 0);
		ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
		th_expect_ack(&h, ISS + 2, PEER_ISS + 2, WND);
		ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when, due);
		th_fini(&h);
	}
}
END_TEST

/* A RST in TIME-WAIT, in the window but not at RCV.NXT: RFC 5961 §3.2
 * answers it with a challenge ACK. Linux's time-wait socket looks at a
 * RST only at RCV.NXT and lets any other go without a word
 * (tcp_timewait_state_process). */
START_TEST(test_time_wait_rst_beyond_rcv_nxt_rfc_challenges_linux_silent)
{
	FOR_EACH_RULES(r)
	{
		struct th h;
		sim_time_t due = time_wait_under(&h, r);
		th_in(&h, R, h.c->rcv_nxt + 10, 0, 0);
		ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
		if (r == TCP_RULES_RFC9293)
			th_expect_ack(&h, ISS + 2, PEER_ISS + 2, WND);
		else
			th_expect_none(&h);
		ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when, due);
		th_fini(&h);
	}
}
END_TEST

Suite *tcp_rfc_suite(void)
{
	Suite *s = suite_create("tcp_rfc");
	TCase *tc = tcase_create("edges");
	tcase_add_test(tc, test_syn_received_ack_at_the_right_edge_rfc_refuses_linux_takes);
	tcase_add_test(tc, test_established_rst_at_the_right_edge_rfc_drops_linux_challenges);
	tcase_add_test(tc, test_synchronized_syn_at_rcv_nxt_minus_1_gets_a_challenge_ack);
	tcase_add_test(tc, test_time_wait_in_window_beyond_rcv_nxt_is_acked_and_restarts_2msl);
	tcase_add_test(tc, test_time_wait_ack_at_rcv_nxt_is_silent_at_the_right_edge_acked);
	tcase_add_test(tc, test_time_wait_fin_without_ack_is_acked_but_restarts_nothing);
	tcase_add_test(tc, test_time_wait_rst_beyond_rcv_nxt_rfc_challenges_linux_silent);
	suite_add_tcase(s, tc);
	return s;
}
