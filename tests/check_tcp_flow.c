/* check_tcp_flow.c — data transfer and congestion control: reassembly,
 * delayed ACKs, the receive window, MSS and the initial window, NewReno,
 * the persist timer, SWS avoidance and RFC 5961's ACK checks and
 * challenge-ACK limit. As in check_tcp.c: a connection in a state, a
 * segment or a timer in, exactly these segments out, every field of
 * each. Sequence numbers are relative to ISS (ours) and PEER_ISS (the
 * peer's); windows follow the rules written at the top of check_tcp.c
 * (RFC 1122 §4.2.3.3: the right edge moves on by at least
 * min(half the buffer, one MSS), 1460 bytes with the default 65535-byte
 * buffer, or not at all). */
#include <string.h>

#include "failalloc.h"
#include "suites.h"
#include "tcp_harness.h"

#include "tcp_shorthand.h"
#define MSS 1460

/* The peer's stream: byte i (counted from its first data byte) is i+7
 * modulo 256, so whatever arrives can be checked against what was sent. */
static const uint8_t *peer_bytes(uint32_t off, uint32_t len)
{
	static uint8_t buf[1 << 16];
	ck_assert_uint_le(len, sizeof buf);
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(off + i + 7);
	return buf;
}

/* The peer sends bytes [off, off+len) of its stream. */
static void peer_data(struct th *h, uint8_t flags, uint32_t off, uint32_t len)
{
	th_in_full(h, 0, flags, PEER_ISS + 1 + off, h->iss + 1, 65535,
		   peer_bytes(off, len), len);
}

static void assert_received(struct th *h, uint32_t len)
{
	ck_assert_uint_eq(h->nrx, len);
	for (uint32_t i = 0; i < len; i++)
		ck_assert_msg(h->rx[i] == (uint8_t)(i + 7), "byte %u wrong", i);
}

/* n full segments of new data from seq on, as a bulk send puts them
 * out; the last with PSH if it empties the send buffer. */
static void expect_full_segments(struct th *h, int n, uint32_t seq,
				 bool psh_last)
{
	struct th_want w[16];
	ck_assert_int_le(n, 16);
	for (int i = 0; i < n; i++)
		w[i] = (struct th_want){
			.flags = (uint8_t)(A | (psh_last && i == n - 1 ? P : 0)),
			.seq = seq + (uint32_t)i * MSS,
			.ack = PEER_ISS + 1,
			.len = MSS,
			.win = (uint16_t)tcp_max_window(h->c),
		};
	th_expect_only(h, n, w);
}

static uint8_t zeros[1 << 17];

static void ack_to(struct th *h, uint32_t ack)
{
	th_in(h, A, PEER_ISS + 1, ack, 0);
}

/* ---- receiving ------------------------------------------------------- */

START_TEST(test_established_gap_filled_delivers_everything_and_acks_at_once)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	/* bytes 100..199 first: held, and RFC 5681 §4.2 wants an
	 * immediate duplicate ACK for an out-of-order segment */
	peer_data(&h, A, 100, 100);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	ck_assert_int_eq(th_events(&h, TCP_EV_DATA, NULL), 0);
	/* bytes 0..99 fill the gap: all 200 go up, ACKed at once; read,
	 * but 200 bytes do not move the window's edge */
	peer_data(&h, A, 0, 100);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 201,
		       .win = WIN - 200});
	assert_received(&h, 200);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_DELACK]));
	th_fini(&h);
}
END_TEST

START_TEST(test_established_overlapping_retransmission_delivers_only_new_bytes)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	peer_data(&h, A, 0, 100);
	th_expect_none(&h);
	/* RFC 9293 §3.10.7.4: the part before RCV.NXT is trimmed; the
	 * second segment of data draws the ACK (RFC 5681 §4.2) */
	peer_data(&h, A, 50, 150);
	assert_received(&h, 200);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 201);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 201,
		       .win = WIN - 200});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_fin_beyond_a_gap_waits_for_it)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	peer_data(&h, F | A, 100, 50);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(th_events(&h, TCP_EV_EOF, NULL), 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	peer_data(&h, A, 0, 100);
	/* the gap closes: 150 bytes, then the FIN */
	ck_assert_int_eq(h.c->state, TCP_CLOSE_WAIT);
	assert_received(&h, 150);
	ck_assert_int_eq(th_events(&h, TCP_EV_EOF, NULL), 1);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 152,
		       .win = WIN - 150});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_data_delays_the_ack_as_long_as_the_profile_says)
{
	struct th h;
	th_init(&h, &tcp_profile_find("rfc9293")->p);
	th_open_established(&h);
	peer_data(&h, A, 0, 10);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when,
			 h.sim.now + SIM_MS(200));
	th_fini(&h);
	/* the delay is the profile's (Linux's own, which adapts, is in
	 * check_tcp_linux.c) */
	struct tcp_params p = tcp_profile_find("rfc9293")->p;
	p.delack = SIM_MS(40);
	th_init(&h, &p);
	th_open_established(&h);
	peer_data(&h, A, 0, 10);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when,
			 h.sim.now + SIM_MS(40));
	th_fini(&h);
}
END_TEST

/* Under Linux's rules a peer that filled our window (its first segment
 * lost) sends ACKs from our right edge that count and draw no answer
 * (tcp_sequence() takes the edge); rfc9293 refuses them
 * (check_tcp_rfc.c). */
START_TEST(test_established_empty_segment_at_the_right_edge_is_acceptable)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	p.rules = TCP_RULES_LINUX;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, zeros, 100);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = (uint16_t)tcp_max_window(h.c)});
	uint32_t edge = h.c->rcv_nxt + h.c->rcv_wnd;
	th_in_full(&h, 0, A, edge, ISS + 101, 65535, NULL, 0);
	th_expect_none(&h);
	ck_assert_uint_eq(h.c->snd_una, ISS + 101);
	/* one past it is outside: ACK, drop */
	th_in_full(&h, 0, A, edge + 1, ISS + 101, 65535, NULL, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 101, .ack = PEER_ISS + 1,
		       .win = (uint16_t)tcp_max_window(h.c)});
	th_fini(&h);
}
END_TEST

/* RCV.WND = 0: "no segments will be acceptable" but ACKs — a FIN takes a
 * sequence number, so it waits for the window like a byte would. */
START_TEST(test_established_fin_at_a_closed_window_is_refused_until_it_opens)
{
	struct tcp_params p = tcp_params_default;
	p.rcvbuf = MSS;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.no_read = true;
	peer_data(&h, A, 0, MSS);
	th_expect_none(&h);
	th_fire(&h, TCP_T_DELACK);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1 + MSS,
		       .win = 0});
	peer_data(&h, F | A, MSS, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1 + MSS,
		       .win = 0});
	/* the application reads: a window update (the peer could not send
	 * a byte), then the FIN is good */
	uint8_t buf[MSS];
	ck_assert_uint_eq(tcp_read(h.c, buf, MSS), MSS);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1 + MSS,
		       .win = MSS});
	peer_data(&h, F | A, MSS, 0);
	ck_assert_int_eq(h.c->state, TCP_CLOSE_WAIT);
	/* the FIN took no buffer space: the window stays as it was */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 2 + MSS,
		       .win = MSS});
	th_fini(&h);
}
END_TEST

/* Receiver SWS avoidance (RFC 1122 §4.2.3.3): the window opens again
 * only by min(half the buffer, one MSS). */
START_TEST(test_established_read_opens_the_window_only_by_a_worthwhile_step)
{
	struct tcp_params p = tcp_params_default;
	p.rcvbuf = 4000;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.no_read = true;
	peer_data(&h, A, 0, MSS);
	th_expect_none(&h);
	/* the second segment draws the ACK; 2920 bytes unread */
	peer_data(&h, A, MSS, MSS);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1 + 2 * MSS,
		       .win = 4000 - 2 * MSS});
	peer_data(&h, A, 2 * MSS, 4000 - 2 * MSS);
	th_expect_none(&h);
	th_fire(&h, TCP_T_DELACK);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 4001,
		       .win = 0});
	uint8_t buf[4000];
	ck_assert_uint_eq(tcp_read(h.c, buf, 1000), 1000);
	th_expect_none(&h); /* 1000 < min(2000, 1460) */
	ck_assert_uint_eq(tcp_read(h.c, buf, 460), 460);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 4001,
		       .win = 1460});
	th_fini(&h);
}
END_TEST

/* An application that reads each full segment as it arrives opens the
 * window by one MSS at a time; while the peer still has room to send,
 * that alone is no reason to ACK: the second full segment draws the ACK
 * (RFC 1122 §4.2.3.2), the first waits for it or the delayed-ACK timer. */
START_TEST(test_established_data_read_at_once_is_acked_every_second_segment)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	peer_data(&h, A, 0, MSS);
	th_expect_none(&h);
	peer_data(&h, A, MSS, MSS);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1 + 2 * MSS,
		       .win = WIN});
	peer_data(&h, A, 2 * MSS, MSS);
	th_expect_none(&h);
	th_fire(&h, TCP_T_DELACK);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1 + 3 * MSS,
		       .win = WIN});
	assert_received(&h, 3 * MSS);
	th_fini(&h);
}
END_TEST

/* RFC 9293 §3.10.7.2: text on a SYN is held until ESTABLISHED. */
START_TEST(test_listen_syn_with_text_is_held_until_established)
{
	struct th h;
	th_init(&h, NULL);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, peer_bytes(0, 10),
		   10);
	h.c = h.st->tail;
	h.iss = h.c->iss;
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	/* the SYN,ACK acknowledges the SYN only */
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	ck_assert_int_eq(th_events(&h, TCP_EV_DATA, NULL), 0);
	/* the third segment of the handshake, sent after the 10 bytes:
	 * they are acknowledged before the application hears of the
	 * connection, so before it reads them */
	th_in(&h, A, PEER_ISS + 11, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	assert_received(&h, 10);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 11,
		       .win = WIN - 10});
	th_fini(&h);
}
END_TEST

/* ---- sending: MSS, PSH, initial window ------------------------------ */

START_TEST(test_syn_sent_syn_ack_without_mss_option_means_536_byte_segments)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	struct th h;
	th_init(&h, &p);
	h.peer_mss = 0;
	th_open_established(&h);
	ck_assert_uint_eq(h.c->snd_mss, 536); /* RFC 9293 §3.7.1 */
	tcp_send(h.c, zeros, 1000);
	/* PSH on the segment that empties the buffer */
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = 536, .win = WIN},
		  {.flags = P | A, .seq = ISS + 537, .ack = PEER_ISS + 1,
		   .len = 464, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_timeout_means_initial_window_1_and_rto_3s)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_fire(&h, TCP_T_REXMT);
	TH_EXPECT(&h, {.flags = S, .seq = ISS, .win = WIN, .mss = MSS,
		       .tx = TR_TX_TIMEOUT});
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	/* RFC 6298 (5.7) and RFC 5681 §3.1 */
	ck_assert_int_eq(h.c->rto, SIM_S(3));
	ck_assert_uint_eq(h.c->cwnd, MSS);
	tcp_send(h.c, zeros, 3 * MSS);
	expect_full_segments(&h, 1, ISS + 1, false);
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, h.sim.now + SIM_S(3));
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_syn_ack_sets_initial_window_per_rfc5681_or_profile)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	ck_assert_uint_eq(h.c->cwnd, 3 * MSS); /* 1095 < SMSS <= 2190 */
	th_fini(&h);
	th_init(&h, &tcp_profile_find("linux")->p);
	th_open_established(&h);
	ck_assert_uint_eq(h.c->cwnd, 10 * MSS); /* RFC 6928 */
	tcp_send(h.c, zeros, 20 * MSS);
	expect_full_segments(&h, 10, ISS + 1, false);
	th_fini(&h);
}
END_TEST

/* A segment whose bytes wrap around the end of the send ring is copied
 * out whole before it goes; with no memory for the copy it must not go
 * missing unseen (a lost segment that no link dropped): the run ends,
 * out of memory. */
START_TEST(test_established_send_wrapping_the_ring_without_memory_ends_the_run)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	p.sndbuf = 3000;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, zeros, 2500);
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = MSS, .win = WIN},
		  {.flags = P | A, .seq = ISS + 1 + MSS, .ack = PEER_ISS + 1,
		   .len = 2500 - MSS, .win = WIN});
	ack_to(&h, ISS + 2501);
	th_expect_none(&h);
	/* the ring's head is at 2500 of 3000: the next 1000 bytes wrap */
	failalloc_after(1);
	ck_assert_int_eq(tcp_send(h.c, zeros, 1000), 1000);
	failalloc_after(-1);
	th_expect_none(&h);
	ck_assert(h.sim.nomem);
	th_run_until(&h, SIM_S(10));
	ck_assert_int_eq(h.sim.end, SIM_END_NOMEM);
	th_fini(&h);
}
END_TEST

/* ---- congestion control --------------------------------------------- */

/* IW 10, nodelay; ten full segments S1..S10 in flight. */
static void ten_in_flight(struct th *h)
{
	struct tcp_params p = tcp_params_default;
	p.iw = 10;
	p.nodelay = true;
	th_init(h, &p);
	th_open_established(h);
	tcp_send(h->c, zeros, 10 * MSS);
	expect_full_segments(h, 10, h->iss + 1, true);
}

#define SEG(n) (h.iss + 1 + ((n)-1) * MSS) /* first byte of S(n) */

START_TEST(test_established_dup_acks_fast_retransmit_then_partial_and_full_ack)
{
	struct th h;
	ten_in_flight(&h);
	/* S2 and S5 are lost. S1 arrives: slow start grows cwnd by one
	 * segment; there is nothing new to send. */
	ack_to(&h, SEG(2));
	ck_assert_uint_eq(h.c->cwnd, 11 * MSS);
	th_expect_none(&h);
	/* S3, S4, S6: three duplicate ACKs — fast retransmit of S2 */
	ack_to(&h, SEG(2));
	ack_to(&h, SEG(2));
	th_expect_none(&h);
	ack_to(&h, SEG(2));
	TH_EXPECT(&h, {.flags = A, .seq = SEG(2), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_FAST});
	/* ssthresh = max(FlightSize / 2, 2*SMSS), cwnd = ssthresh + 3*SMSS */
	ck_assert_uint_eq(h.c->ssthresh, 9 * MSS / 2);
	ck_assert_uint_eq(h.c->cwnd, 9 * MSS / 2 + 3 * MSS);
	/* S7..S10: each further duplicate inflates cwnd by one segment */
	for (int i = 0; i < 4; i++)
		ack_to(&h, SEG(2));
	ck_assert_uint_eq(h.c->cwnd, 9 * MSS / 2 + 7 * MSS);
	th_expect_none(&h);
	/* the retransmitted S2 arrives: the ACK stops at the S5 hole —
	 * a partial ACK (RFC 6582 §3.2 step 5): S5 goes at once, cwnd is
	 * deflated by the amount acknowledged and grows by one SMSS */
	sim_time_t before = h.c->cwnd;
	ack_to(&h, SEG(5));
	TH_EXPECT(&h, {.flags = A, .seq = SEG(5), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_PARTIAL});
	ck_assert_uint_eq(h.c->cwnd, before - 3 * MSS + MSS);
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, h.sim.now + h.c->rto);
	/* S5 arrives: everything is acknowledged — a full ACK ends
	 * recovery with cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) */
	ack_to(&h, SEG(11));
	th_expect_none(&h);
	ck_assert(!h.c->in_recovery);
	ck_assert_uint_eq(h.c->cwnd, 2 * MSS);
	th_fini(&h);
}
END_TEST

/* A fast retransmission resends what was sent — never past SND.NXT,
 * whatever the send buffer holds beyond it. */
START_TEST(test_established_dup_ack_fast_retransmit_resends_only_what_was_sent)
{
	struct tcp_params p = tcp_params_default;
	p.dupthresh = 1;
	struct th h;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	th_in_full(&h, 0, S | A, PEER_ISS, ISS + 1, 100, NULL, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	tcp_send(h.c, zeros, 5000);
	/* the window takes 100 */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN});
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 100, NULL, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN, .tx = TR_TX_FAST});
	ck_assert_uint_eq(h.c->snd_nxt, ISS + 101);
	th_fini(&h);
}
END_TEST

/* Answers to window probes (window 0, nothing new acknowledged) are not
 * duplicate ACKs. */
START_TEST(test_established_zero_window_acks_start_no_fast_retransmit)
{
	struct th h;
	ten_in_flight(&h);
	for (int i = 0; i < 4; i++)
		th_in_full(&h, 0, A, PEER_ISS + 1, SEG(1), 0, NULL, 0);
	th_expect_none(&h);
	ck_assert(!h.c->in_recovery);
	th_fini(&h);
}
END_TEST

/* A segment that acknowledges more than the last window update was sent
 * after it: its window counts even if its sequence number is older (a
 * retransmission). */
START_TEST(test_established_retransmission_acking_new_data_updates_the_window)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, zeros, 2000);
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = MSS, .win = WIN},
		  {.flags = P | A, .seq = ISS + 1 + MSS, .ack = PEER_ISS + 1,
		   .len = 2000 - MSS, .win = WIN});
	/* the peer's bytes 100..199 arrive first (SND.WL1 is their SEQ),
	 * then 0..99, sent later: older SEQ, newer ACK, closed window */
	th_in_full(&h, 0, A, PEER_ISS + 101, ISS + 1, 65535,
		   peer_bytes(100, 100), 100);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2001, .ack = PEER_ISS + 1,
		       .win = WIN});
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1461, 0, peer_bytes(0, 100),
		   100);
	assert_received(&h, 200);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2001, .ack = PEER_ISS + 201,
		       .win = WIN - 200});
	ck_assert_uint_eq(h.c->snd_una, ISS + 1461);
	ck_assert_uint_eq(h.c->snd_wnd, 0);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_ack_in_congestion_avoidance_adds_smss_squared_over_cwnd)
{
	struct th h;
	ten_in_flight(&h);
	h.c->ssthresh = 2 * MSS; /* as after a loss */
	uint32_t cwnd = h.c->cwnd;
	ack_to(&h, SEG(2));
	th_expect_none(&h);
	/* RFC 5681 (3): cwnd += SMSS*SMSS/cwnd */
	ck_assert_uint_eq(h.c->cwnd, cwnd + MSS * MSS / cwnd);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_timeout_collapses_cwnd_and_blocks_fast_retransmit)
{
	struct th h;
	ten_in_flight(&h);
	th_fire(&h, TCP_T_REXMT);
	/* RFC 5681 (4): ssthresh = FlightSize/2, cwnd = one segment */
	TH_EXPECT(&h, {.flags = A, .seq = SEG(1), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_TIMEOUT});
	ck_assert_uint_eq(h.c->cwnd, MSS);
	ck_assert_uint_eq(h.c->ssthresh, 5 * MSS);
	/* duplicate ACKs from the segments already in flight (RFC 6582
	 * §3.2 step 1: ACK <= recover) start no fast retransmit */
	for (int i = 0; i < 3; i++)
		ack_to(&h, SEG(1));
	th_expect_none(&h);
	ck_assert(!h.c->in_recovery);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_ack_of_a_retransmission_gives_no_rtt_sample)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	/* the handshake gave one sample: R = 0 */
	ck_assert(h.c->have_rtt);
	ck_assert_int_eq(h.c->srtt, 0);
	ck_assert_int_eq(h.c->rto, SIM_S(1));
	tcp_send(h.c, zeros, 10);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 10, .win = WIN});
	th_fire(&h, TCP_T_REXMT);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 10, .win = WIN, .tx = TR_TX_TIMEOUT});
	ck_assert_int_eq(h.c->rto, SIM_S(2));
	th_run_until(&h, h.sim.now + SIM_MS(100));
	ack_to(&h, ISS + 11);
	th_expect_none(&h);
	/* ambiguous: no sample, and the backed-off RTO stays (RFC 6298
	 * §5 note, Karn's algorithm) */
	ck_assert_int_eq(h.c->srtt, 0);
	ck_assert_int_eq(h.c->rto, SIM_S(2));
	tcp_send(h.c, zeros, 10);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 11, .ack = PEER_ISS + 1,
		       .len = 10, .win = WIN});
	th_run_until(&h, h.sim.now + SIM_MS(100));
	ack_to(&h, ISS + 21);
	th_expect_none(&h);
	/* a clean sample of 100 ms: SRTT = 100/8, RTTVAR = 100/4, RTO
	 * raised to RTO.min */
	ck_assert_int_eq(h.c->srtt, SIM_US(12500));
	ck_assert_int_eq(h.c->rttvar, SIM_MS(25));
	ck_assert_int_eq(h.c->rto, SIM_S(1));
	th_fini(&h);
}
END_TEST

/* ---- persist timer --------------------------------------------------- */

/* Established; the peer closes its window; 100 bytes wait. */
static void zero_window(struct th *h)
{
	th_open_established(h);
	th_in_full(h, 0, A, PEER_ISS + 1, h->iss + 1, 0, NULL, 0);
	tcp_send(h->c, zeros, 100);
	th_expect_none(h);
	ck_assert(evq_pending(&h->c->timer[TCP_T_PERSIST]));
}

START_TEST(test_established_zero_window_is_probed_with_backoff_until_it_opens)
{
	struct th h;
	th_init(&h, NULL);
	zero_window(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_PERSIST].when, h.sim.now + SIM_S(1));
	th_fire(&h, TCP_T_PERSIST);
	/* RFC 9293 §3.8.6.1: one octet past the closed window, new data */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 1, .win = WIN});
	/* still closed: probe again after twice as long, the same octet */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_PERSIST].when, h.sim.now + SIM_S(2));
	th_fire(&h, TCP_T_PERSIST);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 1, .win = WIN, .tx = TR_TX_PROBE});
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_PERSIST].when, h.sim.now + SIM_S(4));
	/* the window opens: the 100 bytes go, from the probe's octet on */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 1000, NULL, 0);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_PERSIST]));
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN, .tx = TR_TX_RESUME});
	ck_assert(evq_pending(&h.c->timer[TCP_T_REXMT]));
	th_fini(&h);
}
END_TEST

START_TEST(test_established_unanswered_window_probes_time_out)
{
	struct tcp_params p = tcp_params_default;
	p.retries = 2;
	struct th h;
	th_init(&h, &p);
	zero_window(&h);
	for (int i = 0; i < 3; i++) {
		th_fire(&h, TCP_T_PERSIST);
		TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
			       .len = 1, .win = WIN,
			       .tx = i ? TR_TX_PROBE : TR_TX_NEW});
	}
	th_fire(&h, TCP_T_PERSIST);
	th_expect_closed(&h, TCP_END_TIMEOUT);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_wait_1_fin_behind_a_zero_window_is_probed_until_acked)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_expect_none(&h);
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	th_expect_none(&h);
	th_fire(&h, TCP_T_PERSIST);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	/* refused (no room for its sequence number): probe on */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_expect_none(&h);
	th_fire(&h, TCP_T_PERSIST);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN, .tx = TR_TX_PROBE});
	/* the window opens: the FIN goes again and is acknowledged */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 100, NULL, 0);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN, .tx = TR_TX_RESUME});
	th_in(&h, A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* RTO with data outstanding and the window closed: a one-octet probe at
 * SND.UNA on the persist timer, which keeps going while answered. */
START_TEST(test_established_timeout_behind_a_closed_window_turns_to_probing)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	p.retries = 2;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, zeros, 1000);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 1000, .win = WIN});
	/* the window closes without the 1000 bytes being acknowledged */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_expect_none(&h);
	th_fire(&h, TCP_T_REXMT);
	/* the probe's octet was sent before: a probe, sent again */
	const struct th_want probe = {.flags = A, .seq = ISS + 1,
				      .ack = PEER_ISS + 1, .len = 1,
				      .win = WIN, .tx = TR_TX_PROBE};
	th_expect_only(&h, 1, &probe);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_REXMT]));
	ck_assert(evq_pending(&h.c->timer[TCP_T_PERSIST]));
	/* answered, again and again, with a closed window: never gives up */
	for (int i = 0; i < 10; i++) {
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
		th_expect_none(&h);
		th_fire(&h, TCP_T_PERSIST);
		th_expect_only(&h, 1, &probe);
	}
	ck_assert_ptr_nonnull(h.c);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	th_fini(&h);
}
END_TEST

/* With a zero receive window the ACK field of the peer's segments still
 * counts (RFC 9293 §3.10.7.4), also when its SND.NXT is one past our
 * RCV.NXT after a probe octet we refused. */
START_TEST(test_established_zero_window_takes_acks_past_a_refused_probe)
{
	struct tcp_params p = tcp_params_default;
	p.rcvbuf = MSS;
	p.nodelay = true;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.no_read = true;
	peer_data(&h, A, 0, MSS);
	th_expect_none(&h);
	ck_assert_uint_eq(h.c->rcv_wnd, 0);
	/* our data carries the delayed ACK, and the closed window */
	tcp_send(h.c, zeros, 100);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1 + MSS,
		       .len = 100, .win = 0});
	/* the peer's probe octet is refused */
	peer_data(&h, A, MSS, 1);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 101, .ack = PEER_ISS + 1 + MSS,
		       .win = 0});
	/* then an ACK from SND.NXT = RCV.NXT + 1 acknowledges our data:
	 * taken, and not answered */
	th_in_full(&h, 0, A, PEER_ISS + 2 + MSS, ISS + 101, 65535, NULL, 0);
	ck_assert_uint_eq(h.c->snd_una, ISS + 101);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* ---- RFC 5961 -------------------------------------------------------- */

START_TEST(test_established_ack_too_old_gets_challenge_ack_and_data_is_dropped)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	/* SEG.ACK < SND.UNA - MAX.SND.WND (65535) */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1 - 70000, 65535,
		   peer_bytes(0, 10), 10);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	ck_assert_uint_eq(h.nrx, 0);
	/* within MAX.SND.WND of SND.UNA it is merely old: data accepted,
	 * its ACK delayed */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1 - 60000, 65535,
		   peer_bytes(0, 10), 10);
	assert_received(&h, 10);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_ack_of_unsent_data_is_answered_and_dropped)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 500, 65535,
		   peer_bytes(0, 10), 10);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	ck_assert_uint_eq(h.nrx, 0);
	ck_assert_uint_eq(h.c->snd_una, ISS + 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_challenge_acks_are_limited_per_window)
{
	struct tcp_params p = tcp_params_default;
	p.challenge_limit = 2;
	p.challenge_window = SIM_S(5);
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	sim_time_t t0 = h.sim.now;
	for (int i = 0; i < 3; i++)
		th_in(&h, S, PEER_ISS + 1, 0, 0);
	/* RFC 5961 §7: two answered, the third discarded */
	const struct th_want challenge = {.flags = A, .seq = ISS + 1,
					  .ack = PEER_ISS + 1, .win = WIN};
	th_expect_only(&h, 2, (const struct th_want[]){challenge, challenge});
	/* the limit also covers RSTs in the window */
	th_in(&h, R, PEER_ISS + 5, 0, 0);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	/* a new window, a new allowance */
	th_run_until(&h, t0 + SIM_S(5));
	th_in(&h, S, PEER_ISS + 1, 0, 0);
	th_expect_only(&h, 1, &challenge);
	th_fini(&h);
}
END_TEST

/* ---- trace variables ------------------------------------------------- */

struct var_sink {
	struct trace_sink base;
	int n;
	int64_t cwnd[64], ssthresh[64], flight[64];
};

static void var_emit(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev)
{
	(void)tr;
	struct var_sink *v = (struct var_sink *)s;
	if (strcmp(ev->name, "cwnd") != 0 || v->n == 64)
		return;
	v->cwnd[v->n] = ev->v[0];
	v->ssthresh[v->n] = ev->v[1];
	v->flight[v->n] = ev->v[2];
	v->n++;
}

START_TEST(test_established_ack_traces_cwnd_ssthresh_and_flight_when_changed)
{
	struct th h;
	th_init(&h, NULL);
	struct var_sink vs = {.base = {.emit = var_emit,
				       .mask = TR_BIT(TR_VAR)}};
	ck_assert_int_eq(trace_add_sink(&h.sim.trace, &vs.base), 0);
	th_open_established(&h);
	ck_assert_int_eq(vs.n, 1);
	ck_assert_int_eq(vs.cwnd[0], 3 * MSS);
	ck_assert_int_eq(vs.flight[0], 0);
	tcp_send(h.c, zeros, 1000);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 1000, .win = WIN});
	ck_assert_int_eq(vs.n, 2);
	ck_assert_int_eq(vs.flight[1], 1000);
	ack_to(&h, ISS + 1001);
	/* slow start: cwnd += 1000, flight back to 0, in one event */
	ck_assert_int_eq(vs.n, 3);
	ck_assert_int_eq(vs.cwnd[2], 3 * MSS + 1000);
	ck_assert_int_eq(vs.flight[2], 0);
	/* a duplicate of that ACK changes nothing: no event */
	ack_to(&h, ISS + 1001);
	ck_assert_int_eq(vs.n, 3);
	th_expect_none(&h);
	h.sim.trace.nsinks = 0; /* the sink lives on this stack frame */
	th_fini(&h);
}
END_TEST

Suite *tcp_flow_suite(void)
{
	Suite *s = suite_create("tcp-flow");
	TCase *tc;

	tc = tcase_create("receiving");
	tcase_add_test(tc, test_established_gap_filled_delivers_everything_and_acks_at_once);
	tcase_add_test(tc, test_established_overlapping_retransmission_delivers_only_new_bytes);
	tcase_add_test(tc, test_established_fin_beyond_a_gap_waits_for_it);
	tcase_add_test(tc, test_established_data_delays_the_ack_as_long_as_the_profile_says);
	tcase_add_test(tc, test_established_fin_at_a_closed_window_is_refused_until_it_opens);
	tcase_add_test(tc, test_established_empty_segment_at_the_right_edge_is_acceptable);
	tcase_add_test(tc, test_established_read_opens_the_window_only_by_a_worthwhile_step);
	tcase_add_test(tc, test_established_data_read_at_once_is_acked_every_second_segment);
	tcase_add_test(tc, test_listen_syn_with_text_is_held_until_established);
	suite_add_tcase(s, tc);

	tc = tcase_create("sending");
	tcase_add_test(tc, test_syn_sent_syn_ack_without_mss_option_means_536_byte_segments);
	tcase_add_test(tc, test_syn_sent_timeout_means_initial_window_1_and_rto_3s);
	tcase_add_test(tc, test_syn_sent_syn_ack_sets_initial_window_per_rfc5681_or_profile);
	tcase_add_test(tc, test_established_send_wrapping_the_ring_without_memory_ends_the_run);
	suite_add_tcase(s, tc);

	tc = tcase_create("congestion");
	tcase_add_test(tc, test_established_dup_acks_fast_retransmit_then_partial_and_full_ack);
	tcase_add_test(tc, test_established_ack_in_congestion_avoidance_adds_smss_squared_over_cwnd);
	tcase_add_test(tc, test_established_timeout_collapses_cwnd_and_blocks_fast_retransmit);
	tcase_add_test(tc, test_established_ack_of_a_retransmission_gives_no_rtt_sample);
	tcase_add_test(tc, test_established_dup_ack_fast_retransmit_resends_only_what_was_sent);
	tcase_add_test(tc, test_established_zero_window_acks_start_no_fast_retransmit);
	tcase_add_test(tc, test_established_retransmission_acking_new_data_updates_the_window);
	tcase_add_test(tc, test_established_ack_traces_cwnd_ssthresh_and_flight_when_changed);
	suite_add_tcase(s, tc);

	tc = tcase_create("persist");
	tcase_add_test(tc, test_established_zero_window_is_probed_with_backoff_until_it_opens);
	tcase_add_test(tc, test_established_unanswered_window_probes_time_out);
	tcase_add_test(tc, test_fin_wait_1_fin_behind_a_zero_window_is_probed_until_acked);
	tcase_add_test(tc, test_established_timeout_behind_a_closed_window_turns_to_probing);
	tcase_add_test(tc, test_established_zero_window_takes_acks_past_a_refused_probe);
	suite_add_tcase(s, tc);

	tc = tcase_create("RFC 5961");
	tcase_add_test(tc, test_established_ack_too_old_gets_challenge_ack_and_data_is_dropped);
	tcase_add_test(tc, test_established_ack_of_unsent_data_is_answered_and_dropped);
	tcase_add_test(tc, test_established_challenge_acks_are_limited_per_window);
	suite_add_tcase(s, tc);
	return s;
}
