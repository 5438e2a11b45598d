/* check_tcp_options.c — TCP options in the TCB: what a SYN offers, what
 * the two SYNs agree on, and what that does to every later segment. As in
 * check_tcp.c: a connection in a state, a segment in, exactly these
 * segments out. Each expectation cites the RFC text it comes from.
 */
#include <check.h>

#include "suites.h"
#include "tcp_harness.h"
#include "tcp_shorthand.h"

#define MSS 1460
#define MIB (1u << 20)

/* The rfc9293 profile with a 1 MiB receive buffer and window scaling
 * offered with shift `ws` (or TCP_WSCALE_AUTO / _OFF). */
static void init_ws(struct th *h, uint8_t ws)
{
	struct tcp_params p = tcp_params_default;
	p.rcvbuf = MIB;
	p.wscale = ws;
	th_init(h, &p);
}

/* ---- window scale (RFC 7323 §2) ---------------------------------------- */

/* Shift 7 offered in our SYN (not checked here); the peer's SYN,ACK, with
 * window 1000, carries `peer_opts` and shift `peer_ws`. */
static void syn_ack_with(struct th *h, uint8_t peer_opts, uint8_t peer_ws)
{
	init_ws(h, 7);
	th_connect(h);
	th_checked(h, 1);
	h->peer_opts = peer_opts;
	h->peer_wscale = peer_ws;
	th_in_full(h, 0, S | A, PEER_ISS, h->iss + 1, 1000, NULL, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
}

/* RFC 7323 §2.2: the SYN carries the option with our shift; "the window
 * field in a segment where the SYN bit is set ... MUST NOT be scaled", so
 * it says 65535 of the 1 MiB. Both SYNs carried the option: from the
 * third segment on, our window goes out shifted right by 7 (1 MiB >> 7 =
 * 8192) and the peer's comes in shifted left by its 5. */
START_TEST(test_syn_sent_window_scale_offered_and_agreed)
{
	struct th h;
	init_ws(&h, 7);
	th_connect(&h);
	TH_EXPECT(&h, {.flags = S, .seq = ISS, .win = 65535, .mss = MSS,
		       .opts = TCP_OPT_WS, .wscale = 7});
	h.peer_opts = TCP_OPT_WS;
	h.peer_wscale = 5;
	th_in_full(&h, 0, S | A, PEER_ISS, ISS + 1, 1000, NULL, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	/* the SYN,ACK's own window is taken as it stands */
	ck_assert_uint_eq(h.c->snd_wnd, 1000);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = MIB >> 7});
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 100, NULL, 0);
	ck_assert_uint_eq(h.c->snd_wnd, 100u << 5);
	th_fini(&h);
}
END_TEST

/* RFC 7323 §2.2: "If a Window Scale option is received ... in a <SYN>
 * segment" — and only then — both sides scale. A SYN,ACK without it:
 * neither does, and our window stays at most 65535. */
START_TEST(test_syn_sent_peer_without_window_scale_means_none)
{
	struct th h;
	syn_ack_with(&h, 0, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = 65535});
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 100, NULL, 0);
	ck_assert_uint_eq(h.c->snd_wnd, 100);
	th_fini(&h);
}
END_TEST

/* RFC 7323 §2.2: a SYN,ACK carries the option only if the SYN did. */
START_TEST(test_listen_window_scale_answered_only_when_offered)
{
	for (int offered = 1; offered >= 0; offered--) {
		struct th h;
		init_ws(&h, 7);
		h.peer_opts = offered ? TCP_OPT_WS : 0;
		h.peer_wscale = 2;
		th_open_listen(&h);
		th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 1000, NULL, 0);
		h.c = h.st->tail;
		h.iss = h.c->iss;
		ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
		if (offered)
			TH_EXPECT(&h, {.flags = S | A, .seq = ISS,
				       .ack = PEER_ISS + 1, .win = 65535,
				       .mss = MSS, .opts = TCP_OPT_WS,
				       .wscale = 7});
		else
			TH_EXPECT(&h, {.flags = S | A, .seq = ISS,
				       .ack = PEER_ISS + 1, .win = 65535,
				       .mss = MSS});
		/* the ACK of our SYN: its window is scaled, if agreed */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 10, NULL, 0);
		ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
		ck_assert_uint_eq(h.c->snd_wnd, offered ? 40 : 10);
		th_fini(&h);
	}
}
END_TEST

/* RFC 7323 §2.3: "If a Window Scale option is received with a shift.cnt
 * value larger than 14, the TCP SHOULD log the error but MUST use 14". */
START_TEST(test_syn_sent_shift_above_14_is_taken_as_14)
{
	struct th h;
	syn_ack_with(&h, TCP_OPT_WS, 15);
	th_checked(&h, 1);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 1, NULL, 0);
	ck_assert_uint_eq(h.c->snd_wnd, 1u << 14);
	th_fini(&h);
}
END_TEST

/* RFC 7323 §2.3: the shift is chosen by the largest receive buffer;
 * `auto` takes the least that carries it: 1 MiB needs 5 (65535 << 4 is
 * 16 bytes short), 65535 bytes need none — but the option still goes,
 * so that the peer may scale its own window. */
START_TEST(test_auto_shift_is_the_least_that_carries_the_buffer)
{
	static const struct {
		uint32_t rcvbuf;
		uint8_t shift;
	} cases[] = {{MIB, 5}, {65535, 0}, {65536, 1}, {1u << 30, 14}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tcp_params p = tcp_params_default;
		p.rcvbuf = cases[i].rcvbuf;
		p.wscale = TCP_WSCALE_AUTO;
		struct th h;
		th_init(&h, &p);
		th_connect(&h);
		TH_EXPECT(&h, {.flags = S, .seq = ISS,
			       .win = (uint16_t)(cases[i].rcvbuf < 65535
							 ? cases[i].rcvbuf
							 : 65535),
			       .mss = MSS, .opts = TCP_OPT_WS,
			       .wscale = cases[i].shift});
		th_fini(&h);
	}
}
END_TEST

/* Scaled windows are what lets a sender keep more than 64 KiB in flight:
 * with the peer's shift 4 and a window field of 10000, 160000 bytes may
 * go unacknowledged. The sender fills it with 109 full segments
 * (159140 bytes); the 860 left of the window wait, as sender-side SWS
 * avoidance says (RFC 9293 §3.8.6.2.1: less than an MSS, and less than
 * half the largest window). */
START_TEST(test_established_sender_fills_a_scaled_window)
{
	struct tcp_params p = tcp_params_default;
	p.sndbuf = 256 * 1024;
	p.wscale = 0;
	p.iw = 1000; /* the congestion window out of the way */
	struct th h;
	th_init(&h, &p);
	th_connect(&h);
	th_checked(&h, 1);
	h.peer_opts = TCP_OPT_WS;
	h.peer_wscale = 4;
	th_in_full(&h, 0, S | A, PEER_ISS, ISS + 1, 65535, NULL, 0);
	th_checked(&h, 1);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 10000, NULL, 0);
	static uint8_t big[200000];
	ck_assert_int_eq(tcp_send(h.c, big, sizeof big), (int)sizeof big);
	uint32_t sent = 0;
	for (int i = 0; i < th_unchecked(&h); i++)
		sent += th_next(&h, i)->seg.len;
	ck_assert_uint_eq(sent, 109 * MSS);
	ck_assert_uint_eq(h.c->snd_nxt - h.c->snd_una, 109 * MSS);
	ck_assert_uint_eq(h.c->snd_wnd, 160000);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

Suite *tcp_options_suite(void)
{
	Suite *s = suite_create("tcp_options");
	TCase *tc = tcase_create("window scale");
	tcase_add_test(tc, test_syn_sent_window_scale_offered_and_agreed);
	tcase_add_test(tc, test_syn_sent_peer_without_window_scale_means_none);
	tcase_add_test(tc, test_listen_window_scale_answered_only_when_offered);
	tcase_add_test(tc, test_syn_sent_shift_above_14_is_taken_as_14);
	tcase_add_test(tc, test_auto_shift_is_the_least_that_carries_the_buffer);
	tcase_add_test(tc, test_established_sender_fills_a_scaled_window);
	suite_add_tcase(s, tc);
	return s;
}
