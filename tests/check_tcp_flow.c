/* check_tcp_flow.c — data transfer, congestion control and the timers
 * beyond the state diagram: reassembly, delayed ACKs, NewReno, the
 * persist timer, SWS avoidance, RFC 5961's ACK checks and challenge-ACK
 * limit, the listen backlog, keepalive probes, profiles and the teaching
 * variants. As in check_tcp.c: a connection in a state, a segment or a
 * timer in, exactly these segments out. Sequence numbers are relative to
 * ISS (ours) and PEER_ISS (the peer's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"
#include "sim/run/world.h"

#define ISS (h.iss)
#define A TCP_ACK
#define S TCP_SYN
#define F TCP_FIN
#define R TCP_RST
#define P TCP_PSH
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

static uint8_t zeros[1 << 17];

/* ---- reassembly and acknowledgment ---------------------------------- */

START_TEST(test_gap_filled_delivers_everything_and_acks_at_once)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	/* bytes 100..199 first: held, and RFC 5681 §4.2 wants an
	 * immediate duplicate ACK for an out-of-order segment */
	peer_data(&h, A, 100, 100);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 0);
	ck_assert_int_eq(th_events(&h, TCP_EV_DATA, NULL), 0);
	th_clear(&h);
	/* bytes 0..99 fill the gap: all 200 go up, ACKed at once */
	peer_data(&h, A, 0, 100);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 201, 0);
	assert_received(&h, 200);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_DELACK]));
	th_fini(&h);
}
END_TEST

START_TEST(test_overlapping_retransmission_delivers_only_new_bytes)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	peer_data(&h, A, 0, 100);
	th_clear(&h);
	/* RFC 9293 §3.10.7.4: the part before RCV.NXT is trimmed */
	peer_data(&h, A, 50, 150);
	assert_received(&h, 200);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 201);
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_beyond_a_gap_waits_for_it)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	peer_data(&h, F | A, 100, 50);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(th_events(&h, TCP_EV_EOF, NULL), 0);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 0);
	th_clear(&h);
	peer_data(&h, A, 0, 100);
	/* the gap closes: 150 bytes, then the FIN */
	ck_assert_int_eq(h.c->state, TCP_CLOSE_WAIT);
	assert_received(&h, 150);
	ck_assert_int_eq(th_events(&h, TCP_EV_EOF, NULL), 1);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 152, 0);
	th_fini(&h);
}
END_TEST

START_TEST(test_delayed_ack_timeout_follows_the_profile)
{
	struct th h;
	th_init(&h, &tcp_profile_find("rfc9293")->p);
	th_open_established(&h);
	peer_data(&h, A, 0, 10);
	ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when,
			 h.sim.now + SIM_MS(200));
	th_fini(&h);
	th_init(&h, &tcp_profile_find("linux")->p);
	th_open_established(&h);
	peer_data(&h, A, 0, 10);
	ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when,
			 h.sim.now + SIM_MS(40));
	th_fini(&h);
}
END_TEST

/* RCV.WND = 0: "no segments will be acceptable" but ACKs — a FIN takes a
 * sequence number, so it waits for the window like a byte would. */
/* A peer that filled our window (its first segment lost) sends its ACKs
 * from our right edge: they count, and draw no answer — otherwise two
 * such ends would trade ACKs forever. */
START_TEST(test_empty_segment_at_the_right_window_edge_is_acceptable)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, zeros, 100);
	th_clear(&h);
	uint32_t edge = h.c->rcv_nxt + h.c->rcv_wnd;
	th_in_full(&h, 0, A, edge, ISS + 101, 65535, NULL, 0);
	ck_assert_int_eq(h.nout, 0);
	ck_assert_uint_eq(h.c->snd_una, ISS + 101);
	/* one past it is outside: ACK, drop */
	th_in_full(&h, 0, A, edge + 1, ISS + 101, 65535, NULL, 0);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 101, PEER_ISS + 1, 0);
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_at_a_closed_window_is_refused_until_it_opens)
{
	struct tcp_params p = tcp_params_default;
	p.rcvbuf = MSS;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.no_read = true;
	peer_data(&h, A, 0, MSS);
	th_fire(&h, TCP_T_DELACK);
	ck_assert_uint_eq(th_out(&h, 0)->wnd, 0);
	th_clear(&h);
	peer_data(&h, F | A, MSS, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1 + MSS, 0);
	ck_assert_uint_eq(th_out(&h, 0)->wnd, 0);
	th_clear(&h);
	/* the application reads: a window update, then the FIN is good */
	uint8_t buf[MSS];
	ck_assert_uint_eq(tcp_read(h.c, buf, MSS), MSS);
	ck_assert_int_eq(h.nout, 1);
	ck_assert_uint_eq(th_out(&h, 0)->wnd, MSS);
	th_clear(&h);
	peer_data(&h, F | A, MSS, 0);
	ck_assert_int_eq(h.c->state, TCP_CLOSE_WAIT);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 2 + MSS, 0);
	/* the FIN took no buffer space: the window stays as it was */
	ck_assert_uint_eq(th_out(&h, 0)->wnd, MSS);
	th_fini(&h);
}
END_TEST

/* Receiver SWS avoidance (RFC 1122 §4.2.3.3): the window opens again
 * only by min(half the buffer, one MSS). */
START_TEST(test_receive_window_opens_only_by_a_worthwhile_step)
{
	struct tcp_params p = tcp_params_default;
	p.rcvbuf = 4000;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.no_read = true;
	peer_data(&h, A, 0, MSS);
	peer_data(&h, A, MSS, MSS);
	peer_data(&h, A, 2 * MSS, 4000 - 2 * MSS);
	th_fire(&h, TCP_T_DELACK);
	ck_assert_uint_eq(th_out(&h, h.nout - 1)->wnd, 0);
	th_clear(&h);
	uint8_t buf[4000];
	ck_assert_uint_eq(tcp_read(h.c, buf, 1000), 1000);
	ck_assert_int_eq(h.nout, 0); /* 1000 < min(2000, 1460) */
	ck_assert_uint_eq(tcp_read(h.c, buf, 460), 460);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 4001, 0);
	ck_assert_uint_eq(th_out(&h, 0)->wnd, 1460);
	th_fini(&h);
}
END_TEST

/* An application that reads each full segment as it arrives opens the
 * window by one MSS at a time; while the peer still has room to send,
 * that alone is no reason to ACK: the second full segment draws the ACK
 * (RFC 1122 §4.2.3.2), the first waits for it or the delayed-ACK timer. */
START_TEST(test_prompt_reader_acks_every_second_segment)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	peer_data(&h, A, 0, MSS);
	ck_assert_int_eq(h.nout, 0);
	peer_data(&h, A, MSS, MSS);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1 + 2 * MSS, 0);
	th_clear(&h);
	peer_data(&h, A, 2 * MSS, MSS);
	ck_assert_int_eq(h.nout, 0);
	th_fire(&h, TCP_T_DELACK);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1 + 3 * MSS, 0);
	assert_received(&h, 3 * MSS);
	th_fini(&h);
}
END_TEST

/* RFC 9293 §3.10.7.2: text on a SYN is held until ESTABLISHED. */
START_TEST(test_text_on_a_syn_is_held_until_established)
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
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, S | A, ISS, PEER_ISS + 1, 0);
	ck_assert_int_eq(th_events(&h, TCP_EV_DATA, NULL), 0);
	th_clear(&h);
	/* the third segment of the handshake, sent after the 10 bytes */
	th_in(&h, A, PEER_ISS + 11, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	assert_received(&h, 10);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 11, 0);
	th_fini(&h);
}
END_TEST

/* ---- sending: MSS, PSH, initial window ------------------------------ */

START_TEST(test_peer_without_mss_option_gets_536_byte_segments)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	struct th h;
	th_init(&h, &p);
	h.peer_mss = 0;
	th_open_established(&h);
	ck_assert_uint_eq(h.c->snd_mss, 536); /* RFC 9293 §3.7.1 */
	tcp_send(h.c, zeros, 1000);
	ck_assert_int_eq(h.nout, 2);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 536);
	/* PSH on the segment that empties the buffer */
	th_expect(&h, 1, P | A, ISS + 537, PEER_ISS + 1, 464);
	th_fini(&h);
}
END_TEST

START_TEST(test_lost_syn_means_initial_window_1_and_rto_3s)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_fire(&h, TCP_T_REXMT);
	th_expect(&h, 0, S, ISS, 0, 0);
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	/* RFC 6298 (5.7) and RFC 5681 §3.1 */
	ck_assert_int_eq(h.c->rto, SIM_S(3));
	ck_assert_uint_eq(h.c->cwnd, MSS);
	th_clear(&h);
	tcp_send(h.c, zeros, 3 * MSS);
	ck_assert_int_eq(h.nout, 1);
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, h.sim.now + SIM_S(3));
	th_fini(&h);
}
END_TEST

START_TEST(test_initial_window_follows_rfc5681_or_the_profile)
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
	ck_assert_int_eq(h.nout, 10);
	th_fini(&h);
}
END_TEST

/* ---- congestion control --------------------------------------------- */

/* Linux profile (IW 10), nodelay; ten full segments S1..S10 in flight. */
static void ten_in_flight(struct th *h)
{
	struct tcp_params p = tcp_profile_find("linux")->p;
	p.nodelay = true;
	th_init(h, &p);
	th_open_established(h);
	tcp_send(h->c, zeros, 10 * MSS);
	ck_assert_int_eq(h->nout, 10);
	th_clear(h);
}

#define SEG(n) (h.iss + 1 + ((n)-1) * MSS) /* first byte of S(n) */

static void ack_to(struct th *h, uint32_t ack)
{
	th_in(h, A, PEER_ISS + 1, ack, 0);
}

START_TEST(test_newreno_fast_retransmit_partial_and_full_ack)
{
	struct th h;
	ten_in_flight(&h);
	/* S2 and S5 are lost. S1 arrives: slow start grows cwnd by one
	 * segment; there is nothing new to send. */
	ack_to(&h, SEG(2));
	ck_assert_uint_eq(h.c->cwnd, 11 * MSS);
	ck_assert_int_eq(h.nout, 0);
	/* S3, S4, S6: three duplicate ACKs — fast retransmit of S2 */
	ack_to(&h, SEG(2));
	ack_to(&h, SEG(2));
	ck_assert_int_eq(h.nout, 0);
	ack_to(&h, SEG(2));
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, SEG(2), PEER_ISS + 1, MSS);
	ck_assert(h.out[0].rexmit);
	/* ssthresh = max(FlightSize / 2, 2*SMSS), cwnd = ssthresh + 3*SMSS */
	ck_assert_uint_eq(h.c->ssthresh, 9 * MSS / 2);
	ck_assert_uint_eq(h.c->cwnd, 9 * MSS / 2 + 3 * MSS);
	th_clear(&h);
	/* S7..S10: each further duplicate inflates cwnd by one segment */
	for (int i = 0; i < 4; i++)
		ack_to(&h, SEG(2));
	ck_assert_uint_eq(h.c->cwnd, 9 * MSS / 2 + 7 * MSS);
	ck_assert_int_eq(h.nout, 0);
	/* the retransmitted S2 arrives: the ACK stops at the S5 hole —
	 * a partial ACK (RFC 6582 §3.2 step 5): S5 goes at once, cwnd is
	 * deflated by the amount acknowledged and grows by one SMSS */
	sim_time_t before = h.c->cwnd;
	ack_to(&h, SEG(5));
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, SEG(5), PEER_ISS + 1, MSS);
	ck_assert_uint_eq(h.c->cwnd, before - 3 * MSS + MSS);
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, h.sim.now + h.c->rto);
	th_clear(&h);
	/* S5 arrives: everything is acknowledged — a full ACK ends
	 * recovery with cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) */
	ack_to(&h, SEG(11));
	ck_assert_int_eq(h.nout, 0);
	ck_assert(!h.c->in_recovery);
	ck_assert_uint_eq(h.c->cwnd, 2 * MSS);
	th_fini(&h);
}
END_TEST

/* A fast retransmission resends what was sent — never past SND.NXT,
 * whatever the send buffer holds beyond it. */
START_TEST(test_fast_retransmit_resends_only_what_was_sent)
{
	struct tcp_params p = tcp_params_default;
	p.dupthresh = 1;
	struct th h;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	th_in_full(&h, 0, S | A, PEER_ISS, ISS + 1, 100, NULL, 0);
	th_clear(&h);
	tcp_send(h.c, zeros, 5000);
	ck_assert_int_eq(h.nout, 1); /* the window takes 100 */
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 100);
	th_clear(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 100, NULL, 0);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 100);
	ck_assert_uint_eq(h.c->snd_nxt, ISS + 101);
	th_fini(&h);
}
END_TEST

/* Answers to window probes (window 0, nothing new acknowledged) are not
 * duplicate ACKs. */
START_TEST(test_zero_window_answers_start_no_fast_retransmit)
{
	struct th h;
	ten_in_flight(&h);
	for (int i = 0; i < 4; i++)
		th_in_full(&h, 0, A, PEER_ISS + 1, SEG(1), 0, NULL, 0);
	ck_assert_int_eq(h.nout, 0);
	ck_assert(!h.c->in_recovery);
	th_fini(&h);
}
END_TEST

/* A segment that acknowledges more than the last window update was sent
 * after it: its window counts even if its sequence number is older (a
 * retransmission). */
START_TEST(test_window_from_a_retransmission_acking_new_data_is_taken)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, zeros, 2000);
	/* the peer's bytes 100..199 arrive first (SND.WL1 is their SEQ),
	 * then 0..99, sent later: older SEQ, newer ACK, closed window */
	th_in_full(&h, 0, A, PEER_ISS + 101, ISS + 1, 65535,
		   peer_bytes(100, 100), 100);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1461, 0, peer_bytes(0, 100),
		   100);
	assert_received(&h, 200);
	ck_assert_uint_eq(h.c->snd_una, ISS + 1461);
	ck_assert_uint_eq(h.c->snd_wnd, 0);
	th_fini(&h);
}
END_TEST

/* RTO with data outstanding and the window closed: a one-octet probe at
 * SND.UNA on the persist timer, which keeps going while answered. */
START_TEST(test_timeout_behind_a_closed_window_turns_to_probing)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	p.retries = 2;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, zeros, 1000);
	th_clear(&h);
	/* the window closes without the 1000 bytes being acknowledged */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_fire(&h, TCP_T_REXMT);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 1);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_REXMT]));
	ck_assert(evq_pending(&h.c->timer[TCP_T_PERSIST]));
	/* answered, again and again, with a closed window: never gives up */
	for (int i = 0; i < 10; i++) {
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
		th_fire(&h, TCP_T_PERSIST);
	}
	ck_assert_ptr_nonnull(h.c);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(h.nout, 11);
	th_fini(&h);
}
END_TEST

/* With a zero receive window the ACK field of the peer's segments still
 * counts (RFC 9293 §3.10.7.4), also when its SND.NXT is one past our
 * RCV.NXT after a probe octet we refused. */
START_TEST(test_zero_window_receiver_takes_acks_past_a_refused_probe)
{
	struct tcp_params p = tcp_params_default;
	p.rcvbuf = MSS;
	p.nodelay = true;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.no_read = true;
	peer_data(&h, A, 0, MSS);
	ck_assert_uint_eq(h.c->rcv_wnd, 0);
	tcp_send(h.c, zeros, 100);
	th_clear(&h);
	/* the peer's probe octet is refused */
	peer_data(&h, A, MSS, 1);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 101, PEER_ISS + 1 + MSS, 0);
	th_clear(&h);
	/* then an ACK from SND.NXT = RCV.NXT + 1 acknowledges our data:
	 * taken, and not answered */
	th_in_full(&h, 0, A, PEER_ISS + 2 + MSS, ISS + 101, 65535, NULL, 0);
	ck_assert_uint_eq(h.c->snd_una, ISS + 101);
	ck_assert_int_eq(h.nout, 0);
	th_fini(&h);
}
END_TEST

START_TEST(test_congestion_avoidance_adds_about_one_segment_per_rtt)
{
	struct th h;
	ten_in_flight(&h);
	h.c->ssthresh = 2 * MSS; /* as after a loss */
	uint32_t cwnd = h.c->cwnd;
	ack_to(&h, SEG(2));
	/* RFC 5681 (3): cwnd += SMSS*SMSS/cwnd */
	ck_assert_uint_eq(h.c->cwnd, cwnd + MSS * MSS / cwnd);
	th_fini(&h);
}
END_TEST

START_TEST(test_timeout_collapses_cwnd_and_blocks_fast_retransmit)
{
	struct th h;
	ten_in_flight(&h);
	th_fire(&h, TCP_T_REXMT);
	/* RFC 5681 (4): ssthresh = FlightSize/2, cwnd = one segment */
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, SEG(1), PEER_ISS + 1, MSS);
	ck_assert_uint_eq(h.c->cwnd, MSS);
	ck_assert_uint_eq(h.c->ssthresh, 5 * MSS);
	th_clear(&h);
	/* duplicate ACKs from the segments already in flight (RFC 6582
	 * §3.2 step 1: ACK <= recover) start no fast retransmit */
	for (int i = 0; i < 3; i++)
		ack_to(&h, SEG(1));
	ck_assert_int_eq(h.nout, 0);
	ck_assert(!h.c->in_recovery);
	th_fini(&h);
}
END_TEST

START_TEST(test_karn_no_rtt_sample_from_a_retransmission)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	/* the handshake gave one sample: R = 0 */
	ck_assert(h.c->have_rtt);
	ck_assert_int_eq(h.c->srtt, 0);
	ck_assert_int_eq(h.c->rto, SIM_S(1));
	tcp_send(h.c, zeros, 10);
	th_fire(&h, TCP_T_REXMT);
	ck_assert_int_eq(h.c->rto, SIM_S(2));
	th_run_until(&h, h.sim.now + SIM_MS(100));
	ack_to(&h, ISS + 11);
	/* ambiguous: no sample, and the backed-off RTO stays (RFC 6298
	 * §5 note, Karn's algorithm) */
	ck_assert_int_eq(h.c->srtt, 0);
	ck_assert_int_eq(h.c->rto, SIM_S(2));
	tcp_send(h.c, zeros, 10);
	th_run_until(&h, h.sim.now + SIM_MS(100));
	ack_to(&h, ISS + 21);
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
	ck_assert_int_eq(h->nout, 0);
	ck_assert(evq_pending(&h->c->timer[TCP_T_PERSIST]));
}

START_TEST(test_zero_window_is_probed_with_backoff_until_it_opens)
{
	struct th h;
	th_init(&h, NULL);
	zero_window(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_PERSIST].when, h.sim.now + SIM_S(1));
	th_fire(&h, TCP_T_PERSIST);
	/* RFC 9293 §3.8.6.1: one octet past the closed window */
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 1);
	th_clear(&h);
	/* still closed: probe again after twice as long */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	ck_assert_int_eq(h.c->timer[TCP_T_PERSIST].when, h.sim.now + SIM_S(2));
	th_fire(&h, TCP_T_PERSIST);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 1);
	th_clear(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	ck_assert_int_eq(h.c->timer[TCP_T_PERSIST].when, h.sim.now + SIM_S(4));
	/* the window opens: the 100 bytes go, from the probe's octet on */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 1000, NULL, 0);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_PERSIST]));
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, P | A, ISS + 1, PEER_ISS + 1, 100);
	ck_assert(evq_pending(&h.c->timer[TCP_T_REXMT]));
	th_fini(&h);
}
END_TEST

START_TEST(test_unanswered_zero_window_probes_time_out)
{
	struct tcp_params p = tcp_params_default;
	p.retries = 2;
	struct th h;
	th_init(&h, &p);
	zero_window(&h);
	for (int i = 0; i < 3; i++)
		th_fire(&h, TCP_T_PERSIST);
	ck_assert_int_eq(h.nout, 3);
	th_fire(&h, TCP_T_PERSIST);
	th_expect_closed(&h, TCP_END_TIMEOUT);
	ck_assert_int_eq(h.nout, 3);
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_behind_a_zero_window_is_probed_until_acknowledged)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	ck_assert_int_eq(h.nout, 0);
	th_fire(&h, TCP_T_PERSIST);
	th_expect(&h, 0, F | A, ISS + 1, PEER_ISS + 1, 0);
	th_clear(&h);
	/* refused (no room for its sequence number): probe on */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
	th_fire(&h, TCP_T_PERSIST);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, F | A, ISS + 1, PEER_ISS + 1, 0);
	th_clear(&h);
	/* the window opens: the FIN goes and is acknowledged */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 100, NULL, 0);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, F | A, ISS + 1, PEER_ISS + 1, 0);
	th_in(&h, A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	th_fini(&h);
}
END_TEST

/* ---- RFC 5961 -------------------------------------------------------- */

START_TEST(test_ack_too_old_gets_challenge_ack_and_data_is_dropped)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	/* SEG.ACK < SND.UNA - MAX.SND.WND (65535) */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1 - 70000, 65535,
		   peer_bytes(0, 10), 10);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 0);
	ck_assert_uint_eq(h.nrx, 0);
	th_clear(&h);
	/* within MAX.SND.WND of SND.UNA it is merely old: data accepted */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1 - 60000, 65535,
		   peer_bytes(0, 10), 10);
	assert_received(&h, 10);
	th_fini(&h);
}
END_TEST

START_TEST(test_ack_of_unsent_data_is_answered_and_dropped)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 500, 65535,
		   peer_bytes(0, 10), 10);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 0);
	ck_assert_uint_eq(h.nrx, 0);
	ck_assert_uint_eq(h.c->snd_una, ISS + 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_challenge_acks_are_limited_per_window)
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
	ck_assert_int_eq(h.nout, 2);
	th_expect(&h, 0, A, ISS + 1, PEER_ISS + 1, 0);
	th_expect(&h, 1, A, ISS + 1, PEER_ISS + 1, 0);
	th_clear(&h);
	/* the limit also covers RSTs in the window */
	th_in(&h, R, PEER_ISS + 5, 0, 0);
	ck_assert_int_eq(h.nout, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	/* a new window, a new allowance */
	th_run_until(&h, t0 + SIM_S(5));
	th_in(&h, S, PEER_ISS + 1, 0, 0);
	ck_assert_int_eq(h.nout, 1);
	th_fini(&h);
}
END_TEST

/* ---- LISTEN: backlog, close ------------------------------------------ */

static void syn_from(struct th *h, uint16_t sport)
{
	struct tcp_seg s = {PEER_ADDR, LOCAL_ADDR, sport,  LOCAL_PORT,
			    PEER_ISS,  0,          65535, 0,
			    S,         1460,       0,     NULL};
	tcp_stack_input(h->st, &s, 0);
}

static int count_state(struct th *h, enum tcp_state st)
{
	int n = 0;
	for (const struct tcp_conn *c = h->st->head; c; c = c->next)
		n += c->state == st;
	return n;
}

START_TEST(test_backlog_full_drops_new_syns_silently)
{
	struct tcp_params p = tcp_params_default;
	p.backlog = 2;
	struct th h;
	th_init(&h, &p);
	th_open_listen(&h);
	syn_from(&h, 6000);
	syn_from(&h, 6001);
	ck_assert_int_eq(h.nout, 2);
	syn_from(&h, 6002);
	ck_assert_int_eq(h.nout, 2); /* no SYN,ACK, no RST */
	ck_assert_int_eq(count_state(&h, TCP_SYN_RECEIVED), 2);
	/* one completes its handshake: room for one more */
	struct tcp_conn *first = h.c->next;
	struct tcp_seg ack = {PEER_ADDR,       LOCAL_ADDR, 6000, LOCAL_PORT,
			      PEER_ISS + 1,    first->iss + 1, 65535, 0,
			      A,               0,          0,    NULL};
	tcp_stack_input(h.st, &ack, 0);
	ck_assert_int_eq(first->state, TCP_ESTABLISHED);
	syn_from(&h, 6003);
	ck_assert_int_eq(h.nout, 3);
	ck_assert_int_eq(count_state(&h, TCP_SYN_RECEIVED), 2);
	th_fini(&h);
}
END_TEST

START_TEST(test_closing_a_listener_resets_its_half_open_connections)
{
	struct th h;
	th_init(&h, NULL);
	th_open_listen(&h);
	struct tcp_conn *l = h.c;
	syn_from(&h, 6000);
	struct tcp_conn *child = h.st->tail;
	uint32_t child_iss = child->iss;
	th_clear(&h);
	ck_assert_int_eq(tcp_close(l), 0);
	ck_assert_int_eq(h.nout, 1);
	const struct tcp_seg *o = th_out(&h, 0);
	ck_assert_uint_eq(o->flags, R);
	ck_assert_uint_eq(o->seq, child_iss + 1);
	ck_assert_uint_eq(o->dport, 6000);
	ck_assert_ptr_null(h.st->head);
	th_fini(&h);
}
END_TEST

START_TEST(test_synack_retries_then_the_half_open_connection_goes)
{
	struct tcp_params p = tcp_params_default;
	p.synack_retries = 2;
	struct th h;
	th_init(&h, &p);
	th_open_syn_received(&h);
	th_fire(&h, TCP_T_REXMT);
	th_fire(&h, TCP_T_REXMT);
	ck_assert_int_eq(h.nout, 2);
	th_expect(&h, 0, S | A, ISS, PEER_ISS + 1, 0);
	th_expect(&h, 1, S | A, ISS, PEER_ISS + 1, 0);
	th_fire(&h, TCP_T_REXMT);
	ck_assert_int_eq(h.nout, 2);
	ck_assert_int_eq(count_state(&h, TCP_SYN_RECEIVED), 0);
	ck_assert_int_eq(count_state(&h, TCP_LISTEN), 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_close_in_syn_sent_deletes_the_tcb_silently)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	ck_assert_int_eq(tcp_close(h.c), 0);
	/* RFC 9293 §3.10.4: delete the TCB; nothing goes out */
	ck_assert_ptr_null(h.st->head);
	ck_assert_int_eq(h.nout, 0);
	th_expect_closed(&h, TCP_END_ABORTED);
	th_fini(&h);
}
END_TEST

/* Our listening sockets leave the remote socket unspecified, so SEND in
 * LISTEN is the RFC's "error: remote socket unspecified" (§3.10.2), and
 * the LISTEN -> SYN-SENT arc of the diagram is not taken. */
START_TEST(test_send_on_a_listening_socket_is_an_error)
{
	struct th h;
	th_init(&h, NULL);
	th_open_listen(&h);
	ck_assert_int_lt(tcp_send(h.c, zeros, 10), 0);
	ck_assert_int_eq(h.c->state, TCP_LISTEN);
	ck_assert_int_eq(h.nout, 0);
	th_fini(&h);
}
END_TEST

START_TEST(test_connect_to_an_existing_tuple_fails)
{
	struct th h;
	th_init(&h, NULL);
	struct tcp_conn *c = tcp_connect(h.st, 40000, PEER_ADDR, PEER_PORT,
					 NULL);
	ck_assert_ptr_nonnull(c);
	/* RFC 9293 §3.10.1: "connection already exists" */
	ck_assert_ptr_null(tcp_connect(h.st, 40000, PEER_ADDR, PEER_PORT,
				       NULL));
	ck_assert_int_eq(h.nout, 1);
	/* another remote port is another connection */
	ck_assert_ptr_nonnull(tcp_connect(h.st, 40000, PEER_ADDR,
					  PEER_PORT + 1, NULL));
	th_fini(&h);
}
END_TEST

/* Simultaneous open, then CLOSE in SYN-RECEIVED: the FIN goes at once
 * (nothing was sent); a timeout resends the SYN,ACK and the FIN. */
START_TEST(test_close_in_syn_received_sends_fin_and_resends_syn_ack)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in(&h, S, PEER_ISS, 0, 0);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	th_clear(&h);
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, F | A, ISS + 1, PEER_ISS + 1, 0);
	th_clear(&h);
	th_fire(&h, TCP_T_REXMT);
	ck_assert_int_eq(h.nout, 2);
	th_expect(&h, 0, S | A, ISS, PEER_ISS + 1, 0);
	th_expect(&h, 1, F | A, ISS + 1, PEER_ISS + 1, 0);
	th_clear(&h);
	/* the peer acknowledges SYN and FIN */
	th_in(&h, A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	th_fini(&h);
}
END_TEST

/* ---- keepalive ------------------------------------------------------- */

START_TEST(test_keepalive_probe_is_snd_nxt_minus_1_with_a_garbage_octet)
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
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS, PEER_ISS + 1, 1);
	th_clear(&h);
	/* the peer answers (any segment): back to a full idle period */
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h.c->timer[TCP_T_KEEPALIVE].when,
			 h.sim.now + SIM_S(75));
	th_fire(&h, TCP_T_KEEPALIVE); /* notices the answer, re-arms */
	ck_assert_int_eq(h.nout, 0);
	ck_assert_int_eq(h.c->timer[TCP_T_KEEPALIVE].when,
			 t0 + 2 * SIM_S(7200));
	th_fini(&h);
}
END_TEST

START_TEST(test_textbook_keepalive_gives_up_after_10_probes_75s_apart)
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
		th_expect(&h, i, A, ISS, PEER_ISS + 1, 0);
	}
	th_fire(&h, TCP_T_KEEPALIVE);
	ck_assert_int_eq(h.sim.now, t0 + SIM_S(7200) + 10 * SIM_S(75));
	th_expect_closed(&h, TCP_END_TIMEOUT);
	ck_assert_int_eq(h.nout, 11);
	th_expect(&h, 10, R, ISS + 1, 0, 0);
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

START_TEST(test_time_wait_is_2msl_or_the_profile_s_fixed_length)
{
	ck_assert_int_eq(time_wait_for(&tcp_params_default), SIM_S(240));
	/* Linux: TCP_TIMEWAIT_LEN, whatever MSL says */
	ck_assert_int_eq(time_wait_for(&tcp_profile_find("linux")->p),
			 SIM_S(60));
	struct tcp_params p = tcp_params_default;
	p.msl = SIM_S(5);
	ck_assert_int_eq(time_wait_for(&p), SIM_S(10));
	p.time_wait = SIM_S(3);
	ck_assert_int_eq(time_wait_for(&p), SIM_S(3));
}
END_TEST

START_TEST(test_time_wait_off_closes_at_once_and_a_late_fin_meets_rst)
{
	struct tcp_params p = tcp_params_default;
	p.no_time_wait = true;
	struct th h;
	th_init(&h, &p);
	th_open_fin_wait_2(&h);
	uint16_t lport = h.c->lport;
	th_in(&h, F | A, PEER_ISS + 1, ISS + 2, 0);
	/* the FIN is acknowledged and the connection is gone */
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, A, ISS + 2, PEER_ISS + 2, 0);
	ck_assert_ptr_null(h.st->head);
	th_expect_closed(&h, TCP_END_NORMAL);
	th_clear(&h);
	/* that ACK was lost: the peer's FIN comes again, and finds no one */
	th_in_full(&h, lport, F | A, PEER_ISS + 1, ISS + 2, 65535, NULL, 0);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, R, ISS + 2, 0, 0);
	th_fini(&h);
}
END_TEST

START_TEST(test_two_way_server_is_established_on_sending_syn_ack)
{
	struct tcp_params p = tcp_params_default;
	p.two_way = true;
	struct th h;
	th_init(&h, &p);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
	struct tcp_conn *c = h.st->tail;
	ck_assert_int_eq(c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(h.nout, 1);
	h.iss = c->iss;
	th_expect(&h, 0, S | A, ISS, PEER_ISS + 1, 0);
	ck_assert_int_eq(th_events(&h, TCP_EV_CONNECTED, NULL), 1);
	/* and it may send at once */
	th_clear(&h);
	ck_assert_int_eq(tcp_send(c, zeros, 100), 100);
	ck_assert_int_eq(h.nout, 1);
	th_expect(&h, 0, P | A, ISS + 1, PEER_ISS + 1, 100);
	th_fini(&h);
}
END_TEST

/* RFC 9293 §3.10.7.2: text on a SYN is queued until ESTABLISHED; the
 * two-way variant is ESTABLISHED at once, so it is delivered at once
 * (found by the segment fuzzer: it stayed queued for ever). */
START_TEST(test_two_way_text_on_the_syn_is_delivered)
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
	/* the SYN,ACK, then an ACK of the text */
	ck_assert_int_eq(h.nout, 2);
	th_expect(&h, 0, S | A, ISS, PEER_ISS + 1, 0);
	th_expect(&h, 1, A, ISS + 1, PEER_ISS + 6, 0);
	th_fini(&h);
}
END_TEST

START_TEST(test_two_way_client_sends_no_third_ack)
{
	struct tcp_params p = tcp_params_default;
	p.two_way = true;
	struct th h;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(h.nout, 0);
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

START_TEST(test_cwnd_ssthresh_and_flight_are_traced_when_they_change)
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
	h.sim.trace.nsinks = 0; /* the sink lives on this stack frame */
	th_fini(&h);
}
END_TEST

/* ---- whole runs: the two-way deadlock -------------------------------- */

START_TEST(test_two_way_handshake_deadlocks_when_the_syn_ack_is_lost)
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

Suite *tcp_flow_suite(void)
{
	Suite *s = suite_create("tcp-flow");
	TCase *tc;

	tc = tcase_create("receiving");
	tcase_add_test(tc, test_gap_filled_delivers_everything_and_acks_at_once);
	tcase_add_test(tc, test_overlapping_retransmission_delivers_only_new_bytes);
	tcase_add_test(tc, test_fin_beyond_a_gap_waits_for_it);
	tcase_add_test(tc, test_delayed_ack_timeout_follows_the_profile);
	tcase_add_test(tc, test_fin_at_a_closed_window_is_refused_until_it_opens);
	tcase_add_test(tc, test_empty_segment_at_the_right_window_edge_is_acceptable);
	tcase_add_test(tc, test_receive_window_opens_only_by_a_worthwhile_step);
	tcase_add_test(tc, test_prompt_reader_acks_every_second_segment);
	tcase_add_test(tc, test_text_on_a_syn_is_held_until_established);
	suite_add_tcase(s, tc);

	tc = tcase_create("sending");
	tcase_add_test(tc, test_peer_without_mss_option_gets_536_byte_segments);
	tcase_add_test(tc, test_lost_syn_means_initial_window_1_and_rto_3s);
	tcase_add_test(tc, test_initial_window_follows_rfc5681_or_the_profile);
	suite_add_tcase(s, tc);

	tc = tcase_create("congestion");
	tcase_add_test(tc, test_newreno_fast_retransmit_partial_and_full_ack);
	tcase_add_test(tc, test_congestion_avoidance_adds_about_one_segment_per_rtt);
	tcase_add_test(tc, test_timeout_collapses_cwnd_and_blocks_fast_retransmit);
	tcase_add_test(tc, test_karn_no_rtt_sample_from_a_retransmission);
	tcase_add_test(tc, test_fast_retransmit_resends_only_what_was_sent);
	tcase_add_test(tc, test_zero_window_answers_start_no_fast_retransmit);
	tcase_add_test(tc, test_window_from_a_retransmission_acking_new_data_is_taken);
	tcase_add_test(tc, test_cwnd_ssthresh_and_flight_are_traced_when_they_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("persist");
	tcase_add_test(tc, test_zero_window_is_probed_with_backoff_until_it_opens);
	tcase_add_test(tc, test_unanswered_zero_window_probes_time_out);
	tcase_add_test(tc, test_fin_behind_a_zero_window_is_probed_until_acknowledged);
	tcase_add_test(tc, test_timeout_behind_a_closed_window_turns_to_probing);
	tcase_add_test(tc, test_zero_window_receiver_takes_acks_past_a_refused_probe);
	suite_add_tcase(s, tc);

	tc = tcase_create("RFC 5961");
	tcase_add_test(tc, test_ack_too_old_gets_challenge_ack_and_data_is_dropped);
	tcase_add_test(tc, test_ack_of_unsent_data_is_answered_and_dropped);
	tcase_add_test(tc, test_challenge_acks_are_limited_per_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("opening and listening");
	tcase_add_test(tc, test_backlog_full_drops_new_syns_silently);
	tcase_add_test(tc, test_closing_a_listener_resets_its_half_open_connections);
	tcase_add_test(tc, test_synack_retries_then_the_half_open_connection_goes);
	tcase_add_test(tc, test_connect_to_an_existing_tuple_fails);
	tcase_add_test(tc, test_close_in_syn_sent_deletes_the_tcb_silently);
	tcase_add_test(tc, test_send_on_a_listening_socket_is_an_error);
	tcase_add_test(tc, test_close_in_syn_received_sends_fin_and_resends_syn_ack);
	suite_add_tcase(s, tc);

	tc = tcase_create("keepalive");
	tcase_add_test(tc, test_keepalive_probe_is_snd_nxt_minus_1_with_a_garbage_octet);
	tcase_add_test(tc, test_textbook_keepalive_gives_up_after_10_probes_75s_apart);
	suite_add_tcase(s, tc);

	tc = tcase_create("TIME-WAIT and variants");
	tcase_add_test(tc, test_time_wait_is_2msl_or_the_profile_s_fixed_length);
	tcase_add_test(tc, test_time_wait_off_closes_at_once_and_a_late_fin_meets_rst);
	tcase_add_test(tc, test_two_way_server_is_established_on_sending_syn_ack);
	tcase_add_test(tc, test_two_way_client_sends_no_third_ack);
	tcase_add_test(tc, test_two_way_text_on_the_syn_is_delivered);
	tcase_add_test(tc, test_two_way_handshake_deadlocks_when_the_syn_ack_is_lost);
	suite_add_tcase(s, tc);
	return s;
}
