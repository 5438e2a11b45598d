/* check_tcp.c — the TCP state machine, state by state (RFC 9293 §3.10).
 *
 * Each test puts a connection in a state, feeds it one segment, timer or
 * user call, and asserts the new state and exactly the segments it sent,
 * every field of each. Sequence numbers are written relative to the two
 * ISNs: ISS (ours) and PEER_ISS (the peer's).
 *
 * The window our segments offer: the receive buffer (65535 bytes, WIN)
 * less what the application has not read, but the right edge moves on
 * only by a worthwhile step (RFC 1122 §4.2.3.3, receiver-side SWS
 * avoidance: min(half the buffer, one MSS) = 1460 bytes here). So after
 * fewer than 1460 bytes received and read the window is WIN less those
 * bytes; a FIN takes a sequence number but no room, and moves the edge
 * with it.
 */
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"

/* Our ISS; the peer's is PEER_ISS. */
#include "tcp_shorthand.h"
#define MSS 1460 /* ours, and the one the peer announces */

/* ---- CLOSED (no TCB) ------------------------------------------------ */

START_TEST(test_closed_syn_answered_with_rst_ack)
{
	struct th h;
	th_init(&h, NULL);
	th_in_full(&h, 81, S, 7000, 0, 65535, NULL, 0);
	/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, from no connection */
	ck_assert(!th_next(&h, 0)->has_conn);
	TH_EXPECT(&h, {.flags = R | A, .seq = 0, .ack = 7001, .sport = 81});
	th_fini(&h);
}
END_TEST

START_TEST(test_closed_ack_answered_with_rst_at_its_ack)
{
	struct th h;
	th_init(&h, NULL);
	th_in_full(&h, 81, A, 7000, 4242, 65535, NULL, 10);
	/* <SEQ=SEG.ACK><CTL=RST> */
	TH_EXPECT(&h, {.flags = R, .seq = 4242, .sport = 81});
	th_fini(&h);
}
END_TEST

START_TEST(test_closed_rst_is_discarded)
{
	struct th h;
	th_init(&h, NULL);
	th_in_full(&h, 81, R, 7000, 0, 0, NULL, 0);
	th_in_full(&h, 81, R | A, 7000, 1, 0, NULL, 0);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_closed_open_active_sends_syn)
{
	struct th h;
	th_init(&h, NULL);
	h.c = tcp_connect(h.st, 0, PEER_ADDR, PEER_PORT, NULL);
	ck_assert_int_eq(h.c->state, TCP_SYN_SENT);
	ck_assert_uint_eq(h.c->lport, EPHEMERAL_PORT);
	TH_EXPECT(&h, {.flags = S, .seq = h.c->iss, .win = WIN, .mss = MSS,
		       .sport = EPHEMERAL_PORT});
	ck_assert_uint_eq(h.c->snd_una, h.c->iss);
	ck_assert_uint_eq(h.c->snd_nxt, h.c->iss + 1);
	ck_assert(evq_pending(&h.c->timer[TCP_T_REXMT]));
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, SIM_S(1));
	th_fini(&h);
}
END_TEST

/* Ephemeral ports go round from 49152 to 65535, skipping any a
 * connection of the host holds (open, listening, or in TIME-WAIT), and
 * a port is free again once its connection is gone; with all 16,384 in
 * use a connect has none and fails. */
START_TEST(test_ephemeral_ports_skip_those_in_use)
{
	struct th h;
	th_init(&h, NULL);
	/* 49153 listening, 49155 bound by hand */
	ck_assert_ptr_nonnull(tcp_listen(h.st, 49153, NULL));
	ck_assert_ptr_nonnull(tcp_connect(h.st, 49155, PEER_ADDR, 1, NULL));
	uint16_t got[4];
	struct tcp_conn *c[4];
	for (int i = 0; i < 4; i++) {
		c[i] = tcp_connect(h.st, 0, PEER_ADDR, PEER_PORT, NULL);
		ck_assert_ptr_nonnull(c[i]);
		got[i] = c[i]->lport;
	}
	ck_assert_uint_eq(got[0], 49152);
	ck_assert_uint_eq(got[1], 49154);
	ck_assert_uint_eq(got[2], 49156);
	ck_assert_uint_eq(got[3], 49157);
	/* every other port: the cursor wraps and finds 49152 freed */
	tcp_abort(c[0]);
	for (uint32_t p = 49158; p <= 65535; p++) {
		ck_assert_uint_eq(tcp_connect(h.st, 0, PEER_ADDR, PEER_PORT,
					      NULL)->lport,
				  p);
		h.nout = h.nchecked = 0; /* their SYNs are not the point */
	}
	struct tcp_conn *again = tcp_connect(h.st, 0, PEER_ADDR, PEER_PORT,
					     NULL);
	ck_assert_ptr_nonnull(again);
	ck_assert_uint_eq(again->lport, 49152);
	/* none left */
	ck_assert_ptr_null(tcp_connect(h.st, 0, PEER_ADDR, PEER_PORT, NULL));
	h.nout = h.nchecked = 0; /* the SYNs (and the RST) are not the point */
	th_fini(&h);
}
END_TEST

/* A connection's buffers hold nothing until bytes come, then grow,
 * doubling from 4 KiB up to their size, each growth charged to the
 * memory budget; growing keeps every byte at its offset, wrapped round
 * the old ring or not, and out-of-order bytes beyond what is held. */
START_TEST(test_buffers_grow_as_they_fill)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	struct tcp_conn *c = h.c;
	struct tcp_buf *b = &c->sb;
	ck_assert_uint_eq(b->size, 0);
	ck_assert_ptr_null(b->data);
	uint64_t mem = h.sim.mem, cmem = c->mem;
	uint8_t in[20000], out[20000];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	/* 3000 in, 2500 out, 3000 in: wraps round the first 4 KiB */
	ck_assert_uint_eq(tcp_buf_write(c, b, in, 3000), 3000);
	ck_assert_uint_eq(b->size, 4096);
	ck_assert_uint_eq(h.sim.mem - mem, 4096);
	tcp_buf_consume(b, 2500);
	ck_assert_uint_eq(tcp_buf_write(c, b, in + 3000, 3000), 3000);
	ck_assert_uint_eq(b->size, 4096);
	ck_assert_uint_lt(b->head + b->len, 2 * 4096);
	ck_assert_uint_gt(b->head + b->len, 4096);
	/* 5000 more: 8500 held, the ring doubles twice, to 16 KiB */
	ck_assert_uint_eq(tcp_buf_write(c, b, in + 6000, 5000), 5000);
	ck_assert_uint_eq(b->size, 16384);
	ck_assert_uint_eq(h.sim.mem - mem, 16384);
	ck_assert_uint_eq(c->mem - cmem, 16384);
	tcp_buf_copy(b, 0, b->len, out);
	ck_assert_mem_eq(out, in + 2500, 8500);
	/* at most its size (sndbuf, 64 KiB): the rest is refused */
	ck_assert_uint_eq(b->cap, 65536);
	tcp_buf_consume(b, b->len);
	ck_assert_uint_eq(tcp_buf_write(c, b, in, 20000), 20000);
	ck_assert_uint_eq(tcp_buf_write(c, b, in, 20000), 20000);
	ck_assert_uint_eq(tcp_buf_write(c, b, in, 20000), 20000);
	ck_assert_uint_eq(tcp_buf_write(c, b, in, 20000), 5536);
	ck_assert_uint_eq(b->size, 65536);
	ck_assert_uint_eq(c->mem - cmem, 65536);
	/* out of order, beyond what the receive ring holds: kept across a
	 * growth */
	struct tcp_buf *r = &c->rb;
	ck_assert_uint_eq(tcp_buf_reserve(c, r, 100 + 3000), 4096);
	tcp_buf_put_at(r, 100, in, 3000);
	ck_assert_uint_eq(tcp_buf_reserve(c, r, 9000), 16384);
	tcp_buf_copy(r, 100, 3000, out);
	ck_assert_mem_eq(out, in, 3000);
	th_fini(&h);
}
END_TEST

/* A drained ring is given back when no more will go or come: the send
 * ring once our FIN is acknowledged (FIN-WAIT-2), the receive ring once
 * the peer's FIN has come and what it brought is read (TIME-WAIT), each
 * returned to the budget; before then, a drained ring stays for the
 * next bytes. */
START_TEST(test_drained_buffers_are_given_back_at_the_end)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	struct tcp_conn *c = h.c;
	uint64_t mem = h.sim.mem;
	static const uint8_t data[1000];
	ck_assert_int_eq(tcp_send(c, data, 1000), 1000);
	TH_EXPECT(&h, {.flags = TCP_PSH | TCP_ACK, .seq = ISS + 1,
		       .ack = PEER_ISS + 1, .len = 1000, .win = WIN});
	th_in(&h, TCP_ACK, PEER_ISS + 1, ISS + 1001, 0);
	ck_assert_uint_eq(c->sb.len, 0);
	ck_assert_uint_eq(c->sb.size, 4096); /* ESTABLISHED: kept */
	ck_assert_uint_eq(h.sim.mem - mem, 4096);
	th_in_full(&h, 0, TCP_ACK, PEER_ISS + 1, ISS + 1001, 65535,
		   data, 500);
	ck_assert_uint_eq(c->rb.size, 4096);
	/* the delayed ACK; the window's right edge stays where it was
	 * until it can move a whole segment (RFC 9293 §3.8.6.2.2) */
	th_run_until(&h, h.sim.now + SIM_MS(500));
	th_checked(&h, th_unchecked(&h));
	ck_assert_int_eq(tcp_close(c), 0);
	TH_EXPECT(&h, {.flags = TCP_FIN | TCP_ACK, .seq = ISS + 1001,
		       .ack = PEER_ISS + 501, .win = WIN - 500});
	th_in(&h, TCP_ACK, PEER_ISS + 501, ISS + 1002, 0);
	ck_assert_int_eq(c->state, TCP_FIN_WAIT_2);
	ck_assert_uint_eq(c->sb.size, 0);
	ck_assert_ptr_null(c->sb.data);
	ck_assert_uint_eq(c->rb.size, 4096);
	ck_assert_uint_eq(h.sim.mem - mem, 4096);
	th_in(&h, TCP_FIN | TCP_ACK, PEER_ISS + 501, ISS + 1002, 0);
	ck_assert_int_eq(c->state, TCP_TIME_WAIT);
	TH_EXPECT(&h, {.flags = TCP_ACK, .seq = ISS + 1002,
		       .ack = PEER_ISS + 502, .win = WIN - 500});
	ck_assert_uint_eq(c->rb.size, 0);
	ck_assert_uint_eq(h.sim.mem, mem);
	th_fini(&h);
}
END_TEST

/* ---- LISTEN ---------------------------------------------------------- */

START_TEST(test_listen_syn_sends_syn_ack)
{
	struct th h;
	th_init(&h, NULL);
	th_open_listen(&h);
	struct tcp_conn *l = h.c;
	th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
	struct tcp_conn *c = h.st->tail;
	ck_assert_ptr_ne(c, l);
	ck_assert_int_eq(l->state, TCP_LISTEN);
	ck_assert_int_eq(c->state, TCP_SYN_RECEIVED);
	h.iss = c->iss;
	h.c = c;
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	ck_assert_uint_eq(c->irs, PEER_ISS);
	ck_assert_uint_eq(c->rcv_nxt, PEER_ISS + 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_listen_ack_answered_with_rst)
{
	struct th h;
	th_init(&h, NULL);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, A, 5, 777, 65535, NULL, 0);
	TH_EXPECT(&h, {.flags = R, .seq = 777});
	ck_assert_int_eq(h.c->state, TCP_LISTEN);
	th_fini(&h);
}
END_TEST

/* ---- SYN-SENT -------------------------------------------------------- */

START_TEST(test_syn_sent_syn_ack_establishes_and_acks)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	ck_assert_int_eq(th_events(&h, TCP_EV_CONNECTED, NULL), 1);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_REXMT]));
	ck_assert_uint_eq(h.c->snd_una, ISS + 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_bad_ack_answered_with_rst)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in(&h, S | A, PEER_ISS, ISS + 5, 0);
	ck_assert_int_eq(h.c->state, TCP_SYN_SENT);
	TH_EXPECT(&h, {.flags = R, .seq = ISS + 5});
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_rst_ack_refuses)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in(&h, R | A, 0, ISS + 1, 0);
	th_expect_closed(&h, TCP_END_REFUSED);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_timeout_retransmits_with_backoff_then_gives_up)
{
	struct tcp_params p = tcp_params_default;
	p.syn_retries = 3;
	struct th h;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	/* RFC 6298 (5.5): 1 s, then 2 s, 4 s, 8 s between attempts */
	sim_time_t expect_at[] = {SIM_S(1), SIM_S(3), SIM_S(7)};
	for (int i = 0; i < 3; i++) {
		th_fire(&h, TCP_T_REXMT);
		ck_assert_int_eq(h.sim.now, expect_at[i]);
		TH_EXPECT(&h, {.flags = S, .seq = ISS, .win = WIN, .mss = MSS,
			       .tx = TR_TX_TIMEOUT});
	}
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, SIM_S(15));
	th_fire(&h, TCP_T_REXMT);
	th_expect_closed(&h, TCP_END_TIMEOUT);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_sent_syn_is_simultaneous_open)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in(&h, S, PEER_ISS, 0, 0);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	/* ... and their SYN,ACK completes it, with nothing more to say
	 * (RFC 9293 §3.5, figure 8, lines 6 and 7) */
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* A simultaneous open whose SYN carries text, then CLOSE before our SYN
 * is acknowledged: RFC 9293 §3.10.4 moves SYN-RECEIVED on to FIN-WAIT-1;
 * the text (§3.10.7.2, held until then) is the application's once the
 * ACK of our SYN comes (found by the segment fuzzer: it was lost). */
START_TEST(test_fin_wait_1_ack_of_syn_delivers_text_held_from_the_syn)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in_full(&h, 0, S, PEER_ISS, 0, 65535, (const uint8_t *)"abcd", 4);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	ck_assert_uint_eq(h.nrx, 0);
	/* the SYN,ACK acknowledges the SYN only: the text waits */
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	ck_assert_uint_eq(h.nrx, 0);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	th_in(&h, A, PEER_ISS + 5, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	ck_assert_uint_eq(h.nrx, 4);
	ck_assert(memcmp(h.rx, "abcd", 4) == 0);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 5);
	/* the text acknowledged, after our FIN; read, but 4 bytes are no
	 * worthwhile step for the window's edge */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 5,
		       .win = WIN - 4});
	th_fini(&h);
}
END_TEST

/* The ACK that completes a simultaneous open carries text overlapping
 * the text held from the peer's SYN: RFC 9293 §3.10.7.4 trims a segment
 * to RCV.NXT, and the held text moves RCV.NXT on when ESTABLISHED is
 * reached, so the overlap is cut again; every byte arrives once, in
 * order (found by the segment fuzzer: the segment was queued as out of
 * order, behind RCV.NXT). */
START_TEST(test_syn_received_ack_with_text_over_the_syn_text_delivers_it_once)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_sent(&h);
	th_in_full(&h, 0, S, PEER_ISS, 0, 65535, (const uint8_t *)"x", 1);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 65535,
		   (const uint8_t *)"xyz", 3);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_uint_eq(h.nrx, 3);
	ck_assert(memcmp(h.rx, "xyz", 3) == 0);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 4);
	ck_assert_uint_eq(h.c->nooo, 0);
	/* acknowledged at once (the text held since the SYN); the
	 * application hears of the connection, and reads, after */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 4,
		       .win = WIN - 3});
	th_fini(&h);
}
END_TEST

/* ---- SYN-RECEIVED ---------------------------------------------------- */

START_TEST(test_syn_received_ack_establishes)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_received(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	th_expect_none(&h);
	ck_assert_int_eq(th_events(&h, TCP_EV_CONNECTED, NULL), 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_received_bad_ack_answered_with_rst)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_received(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 9, 0);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	TH_EXPECT(&h, {.flags = R, .seq = ISS + 9});
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_received_timeout_resends_syn_ack)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_received(&h);
	th_fire(&h, TCP_T_REXMT);
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS, .tx = TR_TX_TIMEOUT});
	th_fini(&h);
}
END_TEST

START_TEST(test_syn_received_rst_returns_to_listen)
{
	struct th h;
	th_init(&h, NULL);
	th_open_syn_received(&h);
	struct tcp_conn *l = h.c->listener, *c = h.c;
	th_in(&h, R, PEER_ISS + 1, 0, 0);
	ck_assert(!th_alive(&h, c));
	ck_assert(th_alive(&h, l));
	ck_assert_int_eq(l->state, TCP_LISTEN);
	th_expect_none(&h);
	ck_assert_int_eq(h.nev, 0); /* the application never saw it */
	th_fini(&h);
}
END_TEST

/* ---- ESTABLISHED ----------------------------------------------------- */

/* RFC 9293 §3.10.7.4 (eighth): a FIN ends the stream. Text held out of
 * order beyond it (a peer that sent bytes after its own FIN) can never
 * be delivered and is dropped with it (found by the segment fuzzer: it
 * stayed queued behind RCV.NXT). */
START_TEST(test_established_fin_drops_text_held_beyond_it)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in_full(&h, 0, A, PEER_ISS + 2, ISS + 1, 65535,
		   (const uint8_t *)"after", 5);
	ck_assert_uint_eq(h.c->nooo, 1);
	/* out of order: a duplicate ACK at once (RFC 5681 §4.2); text held
	 * beyond RCV.NXT takes no room from the window */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	th_in(&h, F | A, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_CLOSE_WAIT);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 2);
	ck_assert_uint_eq(h.c->nooo, 0);
	ck_assert_int_eq(th_events(&h, TCP_EV_EOF, NULL), 1);
	ck_assert_uint_eq(h.nrx, 0);
	/* the ACK says the FIN, nothing beyond it */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 2,
		       .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_send_is_one_segment_then_acked)
{
	struct th h;
	uint8_t data[1000];
	for (int i = 0; i < 1000; i++)
		data[i] = (uint8_t)i;
	th_init(&h, NULL);
	th_open_established(&h);
	ck_assert_int_eq(tcp_send(h.c, data, 1000), 1000);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 1000, .win = WIN, .data = (const char *)data});
	ck_assert(evq_pending(&h.c->timer[TCP_T_REXMT]));
	th_in(&h, A, PEER_ISS + 1, ISS + 1001, 0);
	th_expect_none(&h);
	ck_assert_uint_eq(h.c->snd_una, ISS + 1001);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_REXMT]));
	ck_assert_uint_eq(tcp_send_space(h.c), h.c->p->sndbuf);
	th_fini(&h);
}
END_TEST

/* Connect with the peer announcing MSS 500 and a 1200-byte window. */
static void open_small_peer(struct th *h)
{
	th_open_syn_sent(h);
	struct tcp_seg s = {
		.saddr = PEER_ADDR, .daddr = LOCAL_ADDR,
		.sport = PEER_PORT, .dport = h->lport,
		.seq = PEER_ISS,    .ack = h->iss + 1,
		.wnd = 1200,        .flags = S | A,
		.mss = 500,
	};
	tcp_stack_input(h->st, &s, 0);
	TH_EXPECT(h, {.flags = A, .seq = h->iss + 1, .ack = PEER_ISS + 1,
		      .win = WIN});
}

START_TEST(test_established_large_send_is_cut_to_mss_and_window)
{
	struct tcp_params p = tcp_params_default;
	p.mss = 1000;
	p.iw = 3;
	p.nodelay = true;
	struct th h;
	static uint8_t data[10000];
	th_init(&h, &p);
	open_small_peer(&h);
	ck_assert_uint_eq(h.c->snd_mss, 500);
	ck_assert_int_eq(tcp_send(h.c, data, 10000), 10000);
	/* window 1200: 500 + 500; the 200 left is held back by the
	 * sender's SWS avoidance (RFC 9293 §3.8.6.2.1): less than a
	 * segment, not all there is, under half the largest window */
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = 500, .win = WIN},
		  {.flags = A, .seq = ISS + 501, .ack = PEER_ISS + 1,
		   .len = 500, .win = WIN});
	/* the first 500 are acknowledged: 700 usable, one full segment */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 501, 1200, NULL, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1001, .ack = PEER_ISS + 1,
		       .len = 500, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_sws_override_sends_small_segment_after_rto)
{
	struct tcp_params p = tcp_params_default;
	p.mss = 1000;
	p.iw = 3;
	p.nodelay = true;
	struct th h;
	static uint8_t data[10000];
	th_init(&h, &p);
	open_small_peer(&h);
	tcp_send(h.c, data, 10000);
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = 500, .win = WIN},
		  {.flags = A, .seq = ISS + 501, .ack = PEER_ISS + 1,
		   .len = 500, .win = WIN});
	/* everything sent is acknowledged, but the window drops to 200:
	 * nothing in flight, and a 200-byte segment would be silly */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1001, 200, NULL, 0);
	th_expect_none(&h);
	ck_assert(evq_pending(&h.c->timer[TCP_T_PERSIST]));
	/* the override timeout lets it go: new data, sent once */
	th_fire(&h, TCP_T_PERSIST);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1001, .ack = PEER_ISS + 1,
		       .len = 200, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_nagle_holds_short_segment_while_unacked)
{
	/* RFC 1122 §4.2.3.4: the same send with Nagle on: the 200-byte tail
	 * that the window allows waits, since data is unacknowledged. */
	struct tcp_params p = tcp_params_default;
	p.mss = 1000;
	p.iw = 3;
	struct th h;
	static uint8_t data[10000];
	th_init(&h, &p);
	open_small_peer(&h);
	tcp_send(h.c, data, 10000);
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = 500, .win = WIN},
		  {.flags = A, .seq = ISS + 501, .ack = PEER_ISS + 1,
		   .len = 500, .win = WIN});
	/* the first 500 are acknowledged: a full segment fits again */
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 501, 1200, NULL, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1001, .ack = PEER_ISS + 1,
		       .len = 500, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_nagle_sends_small_write_when_all_acked)
{
	struct th h;
	uint8_t d[10] = {0};
	th_init(&h, NULL);
	th_open_established(&h);
	tcp_send(h.c, d, 10); /* nothing outstanding: goes at once */
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 10, .win = WIN});
	tcp_send(h.c, d, 10); /* 10 bytes unacknowledged: held */
	tcp_send(h.c, d, 10);
	th_expect_none(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 11, 0);
	/* the ACK releases both small writes as one segment */
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 11, .ack = PEER_ISS + 1,
		       .len = 20, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_nodelay_sends_small_writes_at_once)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true;
	struct th h;
	uint8_t d[10] = {0};
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, d, 10);
	tcp_send(h.c, d, 10);
	TH_EXPECT(&h,
		  {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = 10, .win = WIN},
		  {.flags = P | A, .seq = ISS + 11, .ack = PEER_ISS + 1,
		   .len = 10, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_data_is_delivered_and_ack_delayed)
{
	struct th h;
	uint8_t data[300];
	memset(data, 'x', sizeof data);
	th_init(&h, NULL);
	th_open_established(&h);
	th_in_full(&h, 0, A | P, PEER_ISS + 1, ISS + 1, 65535, data, 300);
	ck_assert_uint_eq(h.nrx, 300);
	ck_assert_mem_eq(h.rx, data, 300);
	uint64_t n = 0;
	ck_assert_int_eq(th_events(&h, TCP_EV_DATA, &n), 1);
	ck_assert_uint_eq(n, 300);
	/* RFC 1122 §4.2.3.2: the ACK may wait, 200 ms in this profile */
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when, h.sim.now + SIM_MS(200));
	th_fire(&h, TCP_T_DELACK);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 301,
		       .win = WIN - 300});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_every_second_segment_is_acked_at_once)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 1000);
	th_expect_none(&h);
	th_in(&h, A, PEER_ISS + 1001, ISS + 1, 1000);
	/* RFC 5681 §4.2: at least every second full-sized segment; the
	 * 2000 bytes read move the edge by more than one MSS */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 2001,
		       .win = WIN});
	ck_assert(!evq_pending(&h.c->timer[TCP_T_DELACK]));
	th_fini(&h);
}
END_TEST

START_TEST(test_established_no_delack_acks_each_segment)
{
	struct tcp_params p = tcp_params_default;
	p.delack = 0;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 100);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 101,
		       .win = WIN - 100});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_reply_carries_the_delayed_ack)
{
	struct th h;
	uint8_t d[10] = {0};
	th_init(&h, NULL);
	th_open_established(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 100);
	th_expect_none(&h);
	tcp_send(h.c, d, 10);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 101,
		       .len = 10, .win = WIN - 100});
	ck_assert(!evq_pending(&h.c->timer[TCP_T_DELACK]));
	th_fini(&h);
}
END_TEST

START_TEST(test_established_unread_data_shrinks_the_window)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	h.no_read = true;
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 1000);
	th_expect_none(&h);
	th_fire(&h, TCP_T_DELACK);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1001,
		       .win = WIN - 1000});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_out_of_order_is_not_delivered)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in(&h, A, PEER_ISS + 101, ISS + 1, 100);
	/* a duplicate ACK for what is expected, nothing delivered */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	ck_assert_uint_eq(h.nrx, 0);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_old_duplicate_is_acked_and_dropped)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 100);
	th_expect_none(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 1, 100); /* the same again */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 101,
		       .win = WIN - 100});
	ck_assert_uint_eq(h.nrx, 100);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_timeout_retransmits_oldest_then_recovers)
{
	struct tcp_params p = tcp_params_default;
	p.nodelay = true; /* the 80-byte tail goes with the rest */
	struct th h;
	static uint8_t data[3000];
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, data, 3000);
	/* IW of 3 segments of 1460 */
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = MSS, .win = WIN},
		  {.flags = A, .seq = ISS + 1461, .ack = PEER_ISS + 1,
		   .len = MSS, .win = WIN},
		  {.flags = P | A, .seq = ISS + 2921, .ack = PEER_ISS + 1,
		   .len = 80, .win = WIN});
	sim_time_t rto = h.c->rto;
	th_fire(&h, TCP_T_REXMT);
	/* RFC 6298 (5.4)-(5.6): one segment, the oldest; RTO doubled */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_TIMEOUT});
	ck_assert_int_eq(h.c->rto, 2 * rto);
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, h.sim.now + 2 * rto);
	ck_assert_uint_eq(h.c->cwnd, MSS);
	/* the retransmission is acknowledged: the next two go out again
	 * (slow start, cwnd two segments) */
	th_in(&h, A, PEER_ISS + 1, ISS + 1461, 0);
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1461, .ack = PEER_ISS + 1,
		   .len = MSS, .win = WIN, .tx = TR_TX_TIMEOUT},
		  {.flags = A | P, .seq = ISS + 2921, .ack = PEER_ISS + 1,
		   .len = 80, .win = WIN, .tx = TR_TX_TIMEOUT});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_data_timeout_gives_up_after_retries)
{
	struct tcp_params p = tcp_params_default;
	p.retries = 2;
	struct th h;
	uint8_t data[10] = {0};
	th_init(&h, &p);
	th_open_established(&h);
	tcp_send(h.c, data, 10);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 10, .win = WIN});
	for (int i = 0; i < 2; i++) {
		th_fire(&h, TCP_T_REXMT);
		TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1,
			       .ack = PEER_ISS + 1, .len = 10, .win = WIN,
			       .tx = TR_TX_TIMEOUT});
	}
	th_fire(&h, TCP_T_REXMT);
	th_expect_closed(&h, TCP_END_TIMEOUT);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_close_sends_fin)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_close_sends_fin_after_queued_data)
{
	struct th h;
	uint8_t data[100] = {0};
	th_init(&h, NULL);
	th_open_established(&h);
	h.c->snd_wnd = 0; /* hold the data back */
	tcp_send(h.c, data, 100);
	th_expect_none(&h);
	tcp_close(h.c);
	/* the FIN alone may go, but not before the data it follows */
	th_expect_none(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 65535, NULL, 0);
	/* nothing was sent before: new, not resumed */
	TH_EXPECT(&h, {.flags = F | P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_fin_enters_close_wait)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in(&h, F | A, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_CLOSE_WAIT);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 2,
		       .win = WIN});
	ck_assert_int_eq(th_events(&h, TCP_EV_EOF, NULL), 1);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_rst_at_rcv_nxt_resets)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in(&h, R, PEER_ISS + 1, 0, 0);
	th_expect_closed(&h, TCP_END_RESET);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_established_rst_in_window_gets_challenge_ack)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	th_in(&h, R, PEER_ISS + 100, 0, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_established_abort_sends_rst)
{
	struct th h;
	th_init(&h, NULL);
	th_open_established(&h);
	tcp_abort(h.c);
	ck_assert_ptr_null(h.c);
	/* <SEQ=SND.NXT><CTL=RST>: no ACK, no window */
	TH_EXPECT(&h, {.flags = R, .seq = ISS + 1});
	th_fini(&h);
}
END_TEST

/* RFC 6298 §2 on the handshake's sample and on a data segment's. */
START_TEST(test_established_ack_samples_rtt_as_rfc6298_says)
{
	struct tcp_params p = tcp_params_default;
	p.rto_min = SIM_MS(1);
	struct th h;
	uint8_t d[10] = {0};
	th_init(&h, &p);
	th_open_syn_sent(&h);
	th_run_until(&h, SIM_MS(100));
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN});
	/* first sample R = 100 ms: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
	ck_assert_int_eq(h.c->srtt, SIM_MS(100));
	ck_assert_int_eq(h.c->rttvar, SIM_MS(50));
	ck_assert_int_eq(h.c->rto, SIM_MS(300));
	tcp_send(h.c, d, 10);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 10, .win = WIN});
	th_run_until(&h, SIM_MS(100) + SIM_MS(200));
	th_in(&h, A, PEER_ISS + 1, ISS + 11, 0);
	th_expect_none(&h);
	/* R' = 200 ms: RTTVAR = 3/4*50 + 1/4*100 = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5 */
	ck_assert_int_eq(h.c->rttvar, SIM_US(62500));
	ck_assert_int_eq(h.c->srtt, SIM_US(112500));
	ck_assert_int_eq(h.c->rto, SIM_US(112500) + 4 * SIM_US(62500));
	th_fini(&h);
}
END_TEST

/* ---- FIN-WAIT-1 ------------------------------------------------------ */

START_TEST(test_fin_wait_1_ack_of_fin_enters_fin_wait_2)
{
	struct th h;
	th_init(&h, NULL);
	th_open_fin_wait_1(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	th_expect_none(&h);
	ck_assert(!evq_pending(&h.c->timer[TCP_T_REXMT]));
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_wait_1_fin_enters_closing)
{
	struct th h;
	th_init(&h, NULL);
	th_open_fin_wait_1(&h);
	th_in(&h, F | A, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_CLOSING);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 2,
		       .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_wait_1_fin_acking_our_fin_enters_time_wait)
{
	struct th h;
	th_init(&h, NULL);
	th_open_fin_wait_1(&h);
	th_in(&h, F | A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 2,
		       .win = WIN});
	ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when, 2 * SIM_S(120));
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_wait_1_timeout_retransmits_fin)
{
	struct th h;
	th_init(&h, NULL);
	th_open_fin_wait_1(&h);
	th_fire(&h, TCP_T_REXMT);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN, .tx = TR_TX_TIMEOUT});
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_wait_1_send_is_refused)
{
	struct th h;
	uint8_t b[4] = {0};
	th_init(&h, NULL);
	th_open_fin_wait_1(&h);
	ck_assert_int_eq(tcp_send(h.c, b, 4), -1);
	ck_assert_int_eq(tcp_close(h.c), -1);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* ---- FIN-WAIT-2 ------------------------------------------------------ */

START_TEST(test_fin_wait_2_data_still_delivered)
{
	struct th h;
	th_init(&h, NULL);
	th_open_fin_wait_2(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 2, 50);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	ck_assert_uint_eq(h.nrx, 50);
	th_expect_none(&h);
	th_fire(&h, TCP_T_DELACK);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 51,
		       .win = WIN - 50});
	th_fini(&h);
}
END_TEST

START_TEST(test_fin_wait_2_fin_enters_time_wait)
{
	struct th h;
	th_init(&h, NULL);
	th_open_fin_wait_2(&h);
	th_in(&h, F | A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 2,
		       .win = WIN});
	ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when, h.sim.now + 2 * SIM_S(120));
	th_fini(&h);
}
END_TEST

/* ---- CLOSING --------------------------------------------------------- */

START_TEST(test_closing_ack_of_fin_enters_time_wait)
{
	struct th h;
	th_init(&h, NULL);
	th_open_closing(&h);
	th_in(&h, A, PEER_ISS + 2, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
	th_expect_none(&h);
	ck_assert(evq_pending(&h.c->timer[TCP_T_TIMEWAIT]));
	th_fini(&h);
}
END_TEST

/* ---- TIME-WAIT ------------------------------------------------------- */

START_TEST(test_time_wait_expiry_closes_after_2msl)
{
	struct tcp_params p = tcp_params_default;
	p.msl = SIM_S(30);
	struct th h;
	th_init(&h, &p);
	th_open_time_wait(&h);
	sim_time_t entered = h.sim.now;
	th_run_until(&h, entered + SIM_S(60) - 1);
	ck_assert_ptr_nonnull(h.c);
	ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
	th_run_until(&h, entered + SIM_S(60));
	th_expect_closed(&h, TCP_END_NORMAL);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_time_wait_retransmitted_fin_is_reacked_and_restarts_2msl)
{
	struct tcp_params p = tcp_params_default;
	p.msl = SIM_S(30);
	struct th h;
	th_init(&h, &p);
	th_open_time_wait(&h);
	th_run_until(&h, h.sim.now + SIM_S(10));
	/* the peer never got our ACK: its FIN comes again */
	th_in(&h, F | A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 2,
		       .win = WIN});
	ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when, h.sim.now + SIM_S(60));
	th_fini(&h);
}
END_TEST

START_TEST(test_time_wait_rst_deletes)
{
	struct th h;
	th_init(&h, NULL);
	th_open_time_wait(&h);
	th_in(&h, R, PEER_ISS + 2, 0, 0);
	ck_assert_ptr_null(h.c);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* ---- CLOSE-WAIT and LAST-ACK ------------------------------------------ */

START_TEST(test_close_wait_send_goes_out)
{
	struct th h;
	uint8_t d[20] = {0};
	th_init(&h, NULL);
	th_open_close_wait(&h);
	ck_assert_int_eq(tcp_send(h.c, d, 20), 20);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 2,
		       .len = 20, .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_close_wait_close_sends_fin_enters_last_ack)
{
	struct th h;
	th_init(&h, NULL);
	th_open_close_wait(&h);
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_LAST_ACK);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 2,
		       .win = WIN});
	th_fini(&h);
}
END_TEST

START_TEST(test_last_ack_ack_of_fin_closes)
{
	struct th h;
	th_init(&h, NULL);
	th_open_last_ack(&h);
	th_in(&h, A, PEER_ISS + 2, ISS + 2, 0);
	th_expect_closed(&h, TCP_END_NORMAL);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

START_TEST(test_last_ack_timeout_retransmits_fin)
{
	struct th h;
	th_init(&h, NULL);
	th_open_last_ack(&h);
	th_fire(&h, TCP_T_REXMT);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 2,
		       .win = WIN, .tx = TR_TX_TIMEOUT});
	th_fini(&h);
}
END_TEST

Suite *tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc;

	tc = tcase_create("CLOSED");
	tcase_add_test(tc, test_closed_syn_answered_with_rst_ack);
	tcase_add_test(tc, test_closed_ack_answered_with_rst_at_its_ack);
	tcase_add_test(tc, test_closed_rst_is_discarded);
	tcase_add_test(tc, test_closed_open_active_sends_syn);
	tcase_add_test(tc, test_ephemeral_ports_skip_those_in_use);
	tcase_add_test(tc, test_buffers_grow_as_they_fill);
	tcase_add_test(tc, test_drained_buffers_are_given_back_at_the_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("LISTEN");
	tcase_add_test(tc, test_listen_syn_sends_syn_ack);
	tcase_add_test(tc, test_listen_ack_answered_with_rst);
	suite_add_tcase(s, tc);

	tc = tcase_create("SYN-SENT");
	tcase_add_test(tc, test_syn_sent_syn_ack_establishes_and_acks);
	tcase_add_test(tc, test_syn_sent_bad_ack_answered_with_rst);
	tcase_add_test(tc, test_syn_sent_rst_ack_refuses);
	tcase_add_test(tc, test_syn_sent_timeout_retransmits_with_backoff_then_gives_up);
	tcase_add_test(tc, test_syn_sent_syn_is_simultaneous_open);
	tcase_add_test(tc, test_fin_wait_1_ack_of_syn_delivers_text_held_from_the_syn);
	tcase_add_test(tc, test_syn_received_ack_with_text_over_the_syn_text_delivers_it_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("SYN-RECEIVED");
	tcase_add_test(tc, test_syn_received_ack_establishes);
	tcase_add_test(tc, test_syn_received_bad_ack_answered_with_rst);
	tcase_add_test(tc, test_syn_received_timeout_resends_syn_ack);
	tcase_add_test(tc, test_syn_received_rst_returns_to_listen);
	suite_add_tcase(s, tc);

	tc = tcase_create("ESTABLISHED");
	tcase_add_test(tc, test_established_send_is_one_segment_then_acked);
	tcase_add_test(tc, test_established_fin_drops_text_held_beyond_it);
	tcase_add_test(tc, test_established_large_send_is_cut_to_mss_and_window);
	tcase_add_test(tc, test_established_sws_override_sends_small_segment_after_rto);
	tcase_add_test(tc, test_established_nagle_holds_short_segment_while_unacked);
	tcase_add_test(tc, test_established_nagle_sends_small_write_when_all_acked);
	tcase_add_test(tc, test_established_nodelay_sends_small_writes_at_once);
	tcase_add_test(tc, test_established_data_is_delivered_and_ack_delayed);
	tcase_add_test(tc, test_established_every_second_segment_is_acked_at_once);
	tcase_add_test(tc, test_established_no_delack_acks_each_segment);
	tcase_add_test(tc, test_established_reply_carries_the_delayed_ack);
	tcase_add_test(tc, test_established_unread_data_shrinks_the_window);
	tcase_add_test(tc, test_established_out_of_order_is_not_delivered);
	tcase_add_test(tc, test_established_old_duplicate_is_acked_and_dropped);
	tcase_add_test(tc, test_established_timeout_retransmits_oldest_then_recovers);
	tcase_add_test(tc, test_established_data_timeout_gives_up_after_retries);
	tcase_add_test(tc, test_established_close_sends_fin);
	tcase_add_test(tc, test_established_close_sends_fin_after_queued_data);
	tcase_add_test(tc, test_established_fin_enters_close_wait);
	tcase_add_test(tc, test_established_rst_at_rcv_nxt_resets);
	tcase_add_test(tc, test_established_rst_in_window_gets_challenge_ack);
	tcase_add_test(tc, test_established_abort_sends_rst);
	tcase_add_test(tc, test_established_ack_samples_rtt_as_rfc6298_says);
	suite_add_tcase(s, tc);

	tc = tcase_create("FIN-WAIT-1");
	tcase_add_test(tc, test_fin_wait_1_ack_of_fin_enters_fin_wait_2);
	tcase_add_test(tc, test_fin_wait_1_fin_enters_closing);
	tcase_add_test(tc, test_fin_wait_1_fin_acking_our_fin_enters_time_wait);
	tcase_add_test(tc, test_fin_wait_1_timeout_retransmits_fin);
	tcase_add_test(tc, test_fin_wait_1_send_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("FIN-WAIT-2");
	tcase_add_test(tc, test_fin_wait_2_data_still_delivered);
	tcase_add_test(tc, test_fin_wait_2_fin_enters_time_wait);
	suite_add_tcase(s, tc);

	tc = tcase_create("CLOSING");
	tcase_add_test(tc, test_closing_ack_of_fin_enters_time_wait);
	suite_add_tcase(s, tc);

	tc = tcase_create("TIME-WAIT");
	tcase_add_test(tc, test_time_wait_expiry_closes_after_2msl);
	tcase_add_test(tc, test_time_wait_retransmitted_fin_is_reacked_and_restarts_2msl);
	tcase_add_test(tc, test_time_wait_rst_deletes);
	suite_add_tcase(s, tc);

	tc = tcase_create("CLOSE-WAIT/LAST-ACK");
	tcase_add_test(tc, test_close_wait_send_goes_out);
	tcase_add_test(tc, test_close_wait_close_sends_fin_enters_last_ack);
	tcase_add_test(tc, test_last_ack_ack_of_fin_closes);
	tcase_add_test(tc, test_last_ack_timeout_retransmits_fin);
	suite_add_tcase(s, tc);
	return s;
}
