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
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1, MIB >> 7);
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
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1, 65535);
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

/* ---- timestamps (RFC 7323 §3–5) --------------------------------------- */

#define PEER_TS 5000u

/* timestamps on, under the RFC's rules or (lx) Linux's without its tick */
static void init_ts(struct th *h, int lx)
{
	struct tcp_params p = tcp_params_default;
	if (lx) {
		/* Linux's rules, timestamps alone among its options */
		p = tcp_profile_find("linux")->p;
		p.tick = 0;
		p.wscale = TCP_WSCALE_OFF;
		p.sack = p.tlp = p.rack = p.prr = false;
	}
	p.timestamps = true;
	th_init(h, &p);
}

/* Active open with timestamps at 0; the peer's SYN,ACK at 10 ms with
 * TSval PEER_TS, echoing ours; the third segment checked. */
static void established_ts(struct th *h, int lx)
{
	init_ts(h, lx);
	th_connect(h);
	uint32_t syn_ts = tcp_ts_now(h->c);
	TH_EXPECT(h, {.flags = S, .seq = h->iss,
		      .win = (uint16_t)tcp_max_window(h->c), .mss = MSS,
		      .opts = TCP_OPT_TS, .tsval = syn_ts});
	th_run_until(h, SIM_MS(10));
	h->peer_opts = TCP_OPT_TS;
	h->peer_tsval = PEER_TS;
	h->peer_tsecr = syn_ts;
	th_in_full(h, 0, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	TH_EXPECT(h, {.flags = A, .seq = h->iss + 1, .ack = PEER_ISS + 1,
		      .win = (uint16_t)tcp_max_window(h->c),
		      .opts = TCP_OPT_TS, .tsval = syn_ts + 10,
		      .tsecr = PEER_TS});
	th_clear_events(h);
}

/* Ten bytes of text from the peer at seq with TSval tsval. */
static void text_in(struct th *h, uint32_t seq, uint32_t tsval)
{
	h->peer_tsval = tsval;
	th_in_full(h, 0, P | A, seq, h->iss + 1, 65535,
		   (const uint8_t *)"0123456789", 10);
}

/* RFC 7323 §3.2: both SYNs carried TSopt, so every segment carries it:
 * TSval our clock (milliseconds), TSecr the peer's latest TSval. Its 12
 * bytes come out of each segment's payload (RFC 9293 §3.7.1): 1448 of
 * the 1460 the MSS allows. The SYN,ACK's echo gave the first RTT sample
 * (10 ms). */
START_TEST(test_syn_sent_timestamps_agreed_on_every_segment)
{
	struct th h;
	established_ts(&h, 0);
	ck_assert(h.c->have_rtt);
	ck_assert_int_eq(h.c->srtt, SIM_MS(10));
	ck_assert_uint_eq(h.c->snd_mss, MSS - 12);
	static const uint8_t big[2 * MSS];
	tcp_send(h.c, big, sizeof big);
	uint32_t now = tcp_ts_now(h.c);
	TH_EXPECT(&h,
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		   .len = MSS - 12, .win = WIN, .opts = TCP_OPT_TS,
		   .tsval = now, .tsecr = PEER_TS},
		  {.flags = A, .seq = ISS + 1 + MSS - 12, .ack = PEER_ISS + 1,
		   .len = MSS - 12, .win = WIN, .opts = TCP_OPT_TS,
		   .tsval = now, .tsecr = PEER_TS});
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* A SYN,ACK without TSopt: no timestamps from then on, and the whole MSS
 * for data. A SYN without it: a SYN,ACK without it. */
START_TEST(test_timestamps_not_agreed_are_not_sent)
{
	struct th h;
	init_ts(&h, 0);
	th_connect(&h);
	th_checked(&h, 1);
	th_in_full(&h, 0, S | A, PEER_ISS, ISS + 1, 65535, NULL, 0);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WIN);
	ck_assert_uint_eq(h.c->snd_mss, MSS);
	th_fini(&h);

	init_ts(&h, 0);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
	h.c = h.st->tail;
	h.iss = h.c->iss;
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS});
	th_fini(&h);
}
END_TEST

/* Linux, as captured from a 6.18 kernel on loopback (MSS 1460): the SYN
 * offers 64240 (44 · 1460, tcp_select_initial_window); a SYN,ACK that
 * agrees on timestamps offers 65160, 45 · 1448, as tcp_openreq_init_rwin
 * counts the MSS less the option's 12 bytes. */
START_TEST(test_listen_linux_syn_ack_window_counts_timestamps_out)
{
	for (int ts = 1; ts >= 0; ts--) {
		struct th h;
		init_ts(&h, 1);
		h.peer_opts = ts ? TCP_OPT_TS : 0;
		h.peer_tsval = PEER_TS;
		th_open_listen(&h);
		th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
		h.c = h.st->tail;
		h.iss = h.c->iss;
		const struct th_seg *o = th_next(&h, 0);
		ck_assert_uint_eq(o->seg.wnd, ts ? 65160 : 64240);
		th_checked(&h, 1);
		th_fini(&h);
	}
}
END_TEST

/* RFC 7323 §3.2: the SYN,ACK answers a SYN's TSopt with its own, TSecr
 * echoing the SYN's TSval. */
START_TEST(test_listen_syn_with_timestamps_is_echoed)
{
	struct th h;
	init_ts(&h, 0);
	h.peer_opts = TCP_OPT_TS;
	h.peer_tsval = PEER_TS;
	th_open_listen(&h);
	th_run_until(&h, SIM_MS(7));
	th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
	h.c = h.st->tail;
	h.iss = h.c->iss;
	TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
		       .win = WIN, .mss = MSS, .opts = TCP_OPT_TS,
		       .tsval = tcp_ts_now(h.c), .tsecr = PEER_TS});
	th_fini(&h);
}
END_TEST

/* RFC 7323 §5.3 R1 (PAWS): text whose TSval is older than TS.Recent is
 * an old duplicate: "Send an acknowledgment ... and drop the segment" —
 * none of it is taken. Linux lets a TSval one tick old through
 * (TCP_PAWS_WINDOW) and drops the rest the same way. */
START_TEST(test_established_paws_drops_an_old_timestamp)
{
	for (int lx = 1; lx >= 0; lx--)
		for (uint32_t back = 1; back <= 2; back++) {
			struct th h;
			established_ts(&h, lx);
			text_in(&h, PEER_ISS + 1, PEER_TS - back);
			bool taken = lx && back == 1;
			ck_assert_uint_eq(h.c->rcv_nxt,
					  PEER_ISS + 1 + (taken ? 10 : 0));
			if (!taken)
				TH_EXPECT(&h, {.flags = A, .seq = ISS + 1,
					       .ack = PEER_ISS + 1,
					       .win = (uint16_t)
						       tcp_max_window(h.c),
					       .opts = TCP_OPT_TS,
					       .tsval = tcp_ts_now(h.c),
					       .tsecr = PEER_TS});
			th_checked(&h, th_unchecked(&h));
			th_fini(&h);
		}
}
END_TEST

/* RFC 7323 §5.5: a TS.Recent not refreshed for 24 days is no longer
 * valid, and an old TSval passes. */
START_TEST(test_established_paws_forgets_after_24_days)
{
	struct th h;
	established_ts(&h, 0);
	h.c->ts_recent_at -= TCP_PAWS_IDLE;
	text_in(&h, PEER_ISS + 1, PEER_TS - 100);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 11);
	ck_assert_uint_eq(h.c->ts_recent, PEER_TS - 100);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* RFC 7323 §4.3 (2): TS.Recent takes a TSval only from a segment that
 * starts at or before Last.ACK.sent: one beyond a hole (out of order)
 * leaves it; the one that fills the hole sets it. */
START_TEST(test_established_ts_recent_only_from_segments_at_last_ack)
{
	struct th h;
	established_ts(&h, 0);
	text_in(&h, PEER_ISS + 11, PEER_TS + 20);
	ck_assert_uint_eq(h.c->ts_recent, PEER_TS);
	th_checked(&h, th_unchecked(&h));
	text_in(&h, PEER_ISS + 1, PEER_TS + 10);
	ck_assert_uint_eq(h.c->ts_recent, PEER_TS + 10);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 21);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* RFC 7323 §3.2: once agreed, "a TCP SHOULD silently drop" a non-RST
 * segment without TSopt; Linux takes it. */
START_TEST(test_established_segment_without_timestamps)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		established_ts(&h, lx);
		h.peer_opts = 0;
		text_in(&h, PEER_ISS + 1, PEER_TS);
		ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 1 + (lx ? 10 : 0));
		if (!lx)
			th_expect_none(&h);
		th_checked(&h, th_unchecked(&h));
		th_fini(&h);
	}
}
END_TEST

/* RFC 7323 §4.1 (RTTM): the TSecr of an ACK gives a round-trip sample
 * even for a retransmitted segment, which Karn's rule (RFC 6298 §3)
 * leaves unmeasured without timestamps. */
START_TEST(test_established_rttm_samples_a_retransmission)
{
	struct th h;
	established_ts(&h, 0);
	sim_time_t srtt = h.c->srtt;
	tcp_send(h.c, (const uint8_t *)"0123456789", 10);
	th_checked(&h, 1);
	th_fire(&h, TCP_T_REXMT);
	uint32_t echo = tcp_ts_now(h.c);
	th_checked(&h, 1);
	th_run_until(&h, h.sim.now + SIM_MS(30));
	h.peer_tsecr = echo;
	th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 11, 65535, NULL, 0);
	/* RFC 6298 (2.3): SRTT <- 7/8 SRTT + 1/8 R, R = 30 ms */
	ck_assert_int_eq(h.c->srtt, (7 * srtt + SIM_MS(30)) / 8);
	th_fini(&h);
}
END_TEST

/* ---- SACK, as a receiver (RFC 2018, RFC 2883) ------------------------- */

/* Active open with SACK offered by both: the SYN carries SACK-permitted,
 * the peer's SYN,ACK too; the third segment checked. */
static void established_sack(struct th *h)
{
	struct tcp_params p = tcp_params_default;
	p.sack = true;
	th_init(h, &p);
	th_connect(h);
	TH_EXPECT(h, {.flags = S, .seq = h->iss, .win = WIN, .mss = MSS,
		      .opts = TCP_OPT_SACKOK});
	h->peer_opts = TCP_OPT_SACKOK;
	th_in_full(h, 0, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
	ck_assert(h->c->sack_ok);
	th_checked(h, 1);
	th_clear_events(h);
}

/* Ten bytes from the peer at PEER_ISS + 1 + rel. */
static void ten_at(struct th *h, uint32_t rel)
{
	th_in_full(h, 0, A, PEER_ISS + 1 + rel, h->iss + 1, 65535,
		   (const uint8_t *)"0123456789", 10);
}

#define B(a, b) {PEER_ISS + 1 + (a), PEER_ISS + 1 + (b)}

/* RFC 2018 §2: SACK-permitted only in SYNs, on a SYN,ACK only if the
 * SYN had it. */
START_TEST(test_listen_sack_permitted_answered_only_when_offered)
{
	for (int offered = 1; offered >= 0; offered--) {
		struct tcp_params p = tcp_params_default;
		p.sack = true;
		struct th h;
		th_init(&h, &p);
		h.peer_opts = offered ? TCP_OPT_SACKOK : 0;
		th_open_listen(&h);
		th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
		h.c = h.st->tail;
		h.iss = h.c->iss;
		TH_EXPECT(&h, {.flags = S | A, .seq = ISS, .ack = PEER_ISS + 1,
			       .win = WIN, .mss = MSS,
			       .opts = offered ? TCP_OPT_SACKOK : 0});
		ck_assert_int_eq(h.c->sack_ok, offered);
		th_fini(&h);
	}
}
END_TEST

/* RFC 2018 §4: an ACK of out-of-order data reports the blocks held, the
 * one holding the segment that drew it first, then the others as most
 * recently reported; blocks that join are reported as one; once the gap
 * is filled, no block. */
START_TEST(test_established_sack_blocks_most_recent_first)
{
	struct th h;
	established_sack(&h);
	ten_at(&h, 10);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN, .nsack = 1, .sack = {B(10, 20)}});
	ten_at(&h, 30);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN, .nsack = 2,
		       .sack = {B(30, 40), B(10, 20)}});
	ten_at(&h, 50);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN, .nsack = 3,
		       .sack = {B(50, 60), B(30, 40), B(10, 20)}});
	ten_at(&h, 20); /* joins [10, 20) and [30, 40) */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = WIN, .nsack = 2,
		       .sack = {B(10, 40), B(50, 60)}});
	ten_at(&h, 0); /* fills the first gap */
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 41);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 41,
		       .win = WIN - 40, .nsack = 1, .sack = {B(50, 60)}});
	th_fini(&h);
}
END_TEST

/* RFC 2883: text received twice is reported once, as the first block —
 * below the cumulative ACK for text already delivered; for text held out
 * of order, followed by the block that holds it (§4). */
START_TEST(test_established_dsack_reports_a_duplicate_once)
{
	struct th h;
	established_sack(&h);
	h.no_read = true;
	ten_at(&h, 0);
	th_checked(&h, th_unchecked(&h));
	ten_at(&h, 0); /* again: wholly below RCV.NXT */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 11,
		       .win = WIN - 10, .nsack = 1, .sack = {B(0, 10)}});
	ten_at(&h, 20);
	th_checked(&h, 1);
	ten_at(&h, 20); /* again: held out of order */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 11,
		       .win = WIN - 10, .nsack = 2,
		       .sack = {B(20, 30), B(20, 30)}});
	/* reported once: the next ACK has the held block only */
	ten_at(&h, 40);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 11,
		       .win = WIN - 10, .nsack = 2,
		       .sack = {B(40, 50), B(20, 30)}});
	th_fini(&h);
}
END_TEST

/* The SACK option takes room in the header: while blocks are reported,
 * a data segment carries 4 + 8 bytes less (one block), as the MSS counts
 * the options out (RFC 9293 §3.7.1; Linux's tcp_current_mss). */
START_TEST(test_established_sack_blocks_take_room_from_data)
{
	struct th h;
	established_sack(&h);
	ten_at(&h, 10);
	th_checked(&h, 1);
	static const uint8_t big[MSS];
	tcp_send(h.c, big, sizeof big);
	const struct th_seg *o = th_next(&h, 0);
	ck_assert_uint_eq(o->seg.len, MSS - 12);
	ck_assert_uint_eq(o->seg.nsack, 1);
	ck_assert_uint_eq(tcp_seg_ip_len(&o->seg), 40 + 12 + MSS - 12);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* ---- SACK, as a sender (RFC 6675, RFC 3042) --------------------------- */

/* the first octet of segment k of the connection in `h` (a struct th) */
#define SEG(k) (h.iss + 1 + (k) * MSS)
#define SEGP(k) (h->iss + 1 + (k) * MSS)

/* SACK agreed, Nagle off, an initial window of 10 segments; `n` whole
 * segments written and the first 10 sent and checked. */
static void sending_sack(struct th *h, uint32_t n)
{
	struct tcp_params p = tcp_params_default;
	p.sack = true;
	p.nodelay = true;
	p.iw = 10;
	p.sndbuf = 1 << 20;
	th_init(h, &p);
	th_connect(h);
	th_checked(h, 1);
	h->peer_opts = TCP_OPT_SACKOK;
	th_in_full(h, 0, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
	th_checked(h, 1);
	static uint8_t data[64 * MSS];
	ck_assert_int_eq(tcp_send(h->c, data, n * MSS), (int)(n * MSS));
	ck_assert_int_eq(th_unchecked(h), 10);
	th_checked(h, 10);
}

/* An ACK from the peer at `ack` SACKing segments [from, to). */
static void sack_ack(struct th *h, uint32_t ack, uint32_t from, uint32_t to)
{
	struct tcp_seg s = {
		.saddr = PEER_ADDR, .daddr = LOCAL_ADDR,
		.sport = PEER_PORT, .dport = h->lport,
		.seq = PEER_ISS + 1, .ack = ack, .wnd = 65535,
		.flags = TCP_ACK, .nsack = 1,
		.sack = {{SEGP(from), SEGP(to)}},
	};
	tcp_stack_input(h->st, &s, 0);
}

/* Segment 0 of 12 is lost. RFC 3042: the first two duplicate ACKs each
 * let a new segment go (10 and 11) beyond cwnd. RFC 6675 §5: the third
 * — 3 segments SACKed above SND.UNA, more than (DupThresh − 1) · SMSS,
 * so IsLost(SND.UNA) — starts recovery: ssthresh = cwnd = half of the
 * 12 segments in flight, and segment 0 goes again. pipe is then 8
 * segments not lost (4 … 11) and one retransmitted: 9 > 6, nothing more.
 * Three more SACKs bring pipe to 6; the fourth to 5, and NextSeg finds
 * no lost segment past HighRxt, no new data, no unSACKed segment below
 * the highest SACKed: rule (4), the rescue, resends the last segment.
 * The ACK of segment 0 then acknowledges 0 … 8: a partial ACK, with
 * nothing to send; the ACK of everything ends recovery, cwnd ssthresh. */
START_TEST(test_established_sack_recovery_rfc6675)
{
	struct th h;
	sending_sack(&h, 12);
	sack_ack(&h, SEG(0), 1, 2);
	TH_EXPECT(&h, {.flags = A, .seq = SEG(10), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN});
	sack_ack(&h, SEG(0), 1, 3);
	TH_EXPECT(&h, {.flags = P | A, .seq = SEG(11), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN});
	ck_assert(!h.c->in_recovery);
	sack_ack(&h, SEG(0), 1, 4);
	ck_assert(h.c->in_recovery);
	ck_assert_uint_eq(h.c->ssthresh, 6 * MSS);
	ck_assert_uint_eq(h.c->cwnd, 6 * MSS);
	TH_EXPECT(&h, {.flags = A, .seq = SEG(0), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_FAST});
	ck_assert_uint_eq(tcp_sack_pipe(h.c), 9 * MSS);
	for (uint32_t k = 5; k <= 7; k++) {
		sack_ack(&h, SEG(0), 1, k);
		th_expect_none(&h);
	}
	ck_assert_uint_eq(tcp_sack_pipe(h.c), 6 * MSS);
	sack_ack(&h, SEG(0), 1, 8);
	TH_EXPECT(&h, {.flags = P | A, .seq = SEG(11), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_FAST});
	th_in_full(&h, 0, A, PEER_ISS + 1, SEG(8), 65535, NULL, 0);
	ck_assert(h.c->in_recovery);
	th_expect_none(&h);
	th_in_full(&h, 0, A, PEER_ISS + 1, SEG(12), 65535, NULL, 0);
	ck_assert(!h.c->in_recovery);
	ck_assert_uint_eq(h.c->cwnd, 6 * MSS);
	th_fini(&h);
}
END_TEST

/* Two segments lost (0 and 5). Once segment 5 has DupThresh SACKed
 * segments above it, IsLost() says so and NextSeg rule (1) resends it as
 * soon as pipe allows, before any new data. */
START_TEST(test_established_sack_second_loss_resent_by_rule_1)
{
	struct th h;
	sending_sack(&h, 10);
	sack_ack(&h, SEG(0), 1, 2);
	sack_ack(&h, SEG(0), 1, 3);
	sack_ack(&h, SEG(0), 1, 4);
	TH_EXPECT(&h, {.flags = A, .seq = SEG(0), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_FAST});
	/* cwnd 5 segments; pipe: 0 again (1) and 4 … 9 not lost (6) = 7 */
	struct tcp_seg s = {
		.saddr = PEER_ADDR, .daddr = LOCAL_ADDR,
		.sport = PEER_PORT, .dport = h.lport,
		.seq = PEER_ISS + 1, .ack = SEG(0), .wnd = 65535,
		.flags = TCP_ACK, .nsack = 2,
		.sack = {{SEG(6), SEG(9)}, {SEG(1), SEG(5)}},
	};
	tcp_stack_input(h.st, &s, 0);
	/* now 5 is lost too (3 segments SACKed above it); pipe: 0 sent
	 * again (1) and 9, not lost (1): 2 — room for 3. Rule (1) resends
	 * 5; then no new data, nothing unSACKed below 9 not lost: the
	 * rescue (4) resends 9, and with that, nothing more */
	TH_EXPECT(&h,
		  {.flags = A, .seq = SEG(5), .ack = PEER_ISS + 1, .len = MSS,
		   .win = WIN, .tx = TR_TX_FAST},
		  {.flags = P | A, .seq = SEG(9), .ack = PEER_ISS + 1,
		   .len = MSS, .win = WIN, .tx = TR_TX_FAST});
	th_fini(&h);
}
END_TEST

/* RFC 2018 §4 / RFC 2883: a block below SND.UNA (a D-SACK) or beyond
 * SND.NXT SACKs nothing and is no duplicate ACK. */
START_TEST(test_established_sack_blocks_outside_what_was_sent_are_ignored)
{
	struct th h;
	sending_sack(&h, 10);
	th_in_full(&h, 0, A, PEER_ISS + 1, SEG(2), 65535, NULL, 0);
	th_checked(&h, th_unchecked(&h));
	sack_ack(&h, SEG(2), 0, 1);   /* below SND.UNA */
	sack_ack(&h, SEG(2), 11, 12); /* beyond SND.NXT */
	ck_assert_uint_eq(h.c->nscore, 0);
	ck_assert_uint_eq(h.c->dupacks, 0);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* RFC 6937: with PRR, recovery does not wait for pipe to fall below
 * ssthresh; it sends in proportion to what the peer receives — here,
 * ssthresh being half the flight, one segment for every two delivered:
 * sndcnt = ⌈prr_delivered · ssthresh / RecoverFS⌉ − prr_out. Without
 * PRR (RFC 6675 alone) cwnd drops to ssthresh at once and nothing goes
 * until pipe is below it. 22 segments in flight (20 and the two of
 * limited transmit), segment 0 lost: ssthresh 11, RecoverFS 22. */
START_TEST(test_established_prr_sends_in_proportion)
{
	for (int prr = 1; prr >= 0; prr--) {
		struct tcp_params p = tcp_params_default;
		p.sack = true;
		p.nodelay = true;
		p.iw = 20;
		p.prr = prr;
		p.sndbuf = 1 << 20;
		struct th h;
		th_init(&h, &p);
		th_connect(&h);
		th_checked(&h, 1);
		h.peer_opts = TCP_OPT_SACKOK;
		th_in_full(&h, 0, S | A, PEER_ISS, h.iss + 1, 65535, NULL, 0);
		th_checked(&h, 1);
		static uint8_t data[40 * MSS];
		tcp_send(h.c, data, sizeof data);
		ck_assert_int_eq(th_unchecked(&h), 20);
		th_checked(&h, 20);
		sack_ack(&h, SEG(0), 1, 2);
		sack_ack(&h, SEG(0), 1, 3);
		th_checked(&h, 2); /* limited transmit: 20, 21 */
		sack_ack(&h, SEG(0), 1, 4);
		TH_EXPECT(&h, {.flags = A, .seq = SEG(0), .ack = PEER_ISS + 1,
			       .len = MSS, .win = WIN, .tx = TR_TX_FAST});
		ck_assert_uint_eq(h.c->ssthresh, 11 * MSS);
		/* the next five duplicates, each SACKing one more segment:
		 * PRR sends new data on the third and the fifth */
		uint32_t next = 22;
		for (uint32_t k = 5; k <= 9; k++) {
			sack_ack(&h, SEG(0), 1, k);
			if (prr && (k == 7 || k == 9)) {
				ck_assert_int_eq(th_unchecked(&h), 1);
				ck_assert_uint_eq(th_next(&h, 0)->seg.seq, SEG(next));
				th_checked(&h, 1);
				next++;
			} else {
				th_expect_none(&h);
			}
		}
		th_fini(&h);
	}
}
END_TEST

/* ---- tail loss probes (RFC 8985 §7) ---------------------------------- */

/* SACK agreed, TLP on or off, Nagle off, an initial window of `iw`; the
 * SYN,ACK 10 ms after the SYN (SRTT 10 ms); `n` segments written. */
/* A stack with p, SACK offered, Nagle off; its SYN at 0 and the peer's
 * SYN,ACK (SACK-permitted) at 10 ms: ESTABLISHED with SRTT 10 ms. */
static void open_sack_10ms(struct th *h, struct tcp_params p)
{
	p.sack = true;
	p.nodelay = true;
	th_init(h, &p);
	th_connect(h);
	th_checked(h, 1);
	th_run_until(h, SIM_MS(10));
	h->peer_opts = TCP_OPT_SACKOK;
	th_in_full(h, 0, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
	th_checked(h, 1);
	ck_assert_int_eq(h->c->srtt, SIM_MS(10));
}

static void sending_tlp(struct th *h, bool tlp, uint32_t iw, uint32_t n)
{
	struct tcp_params p = tcp_params_default;
	p.tlp = tlp;
	p.iw = iw;
	open_sack_10ms(h, p);
	static uint8_t data[16 * MSS];
	tcp_send(h->c, data, n * MSS);
}

/* The last of three segments is lost: no duplicate ACKs will come. The
 * ACK of the first two leaves one segment out, so the probe timeout is
 * 2·SRTT plus the worst delayed ACK (§7.2: 20 + 200 ms), well before
 * the RTO (1 s); the probe sends the last segment again (§7.3), and the
 * ACK of it — a loss the probe repaired (§7.4) — brings the congestion
 * response of a fast recovery: ssthresh and cwnd to half the flight.
 * Without TLP nothing goes until the RTO. */
START_TEST(test_established_tlp_probes_a_tail_loss)
{
	for (int tlp = 1; tlp >= 0; tlp--) {
		struct th h;
		sending_tlp(&h, tlp, 10, 3);
		th_checked(&h, 3);
		sim_time_t sent = h.sim.now;
		ck_assert_int_eq(evq_pending(&h.c->timer[TCP_T_PTO]), tlp);
		th_run_until(&h, sent + SIM_MS(10));
		th_in_full(&h, 0, A, PEER_ISS + 1, SEG(2), 65535, NULL, 0);
		th_expect_none(&h);
		if (!tlp) {
			ck_assert(!evq_pending(&h.c->timer[TCP_T_PTO]));
			th_fini(&h);
			continue;
		}
		ck_assert_int_eq(h.c->timer[TCP_T_PTO].when,
				 h.sim.now + SIM_MS(220));
		th_fire(&h, TCP_T_PTO);
		TH_EXPECT(&h, {.flags = P | A, .seq = SEG(2),
			       .ack = PEER_ISS + 1, .len = MSS, .win = WIN,
			       .tx = TR_TX_PROBE});
		/* the RTO, not the PTO, runs after a probe */
		ck_assert(!evq_pending(&h.c->timer[TCP_T_PTO]));
		ck_assert(evq_pending(&h.c->timer[TCP_T_REXMT]));
		th_in_full(&h, 0, A, PEER_ISS + 1, SEG(3), 65535, NULL, 0);
		ck_assert(!h.c->tlp_out);
		/* the flight at probe time was one segment: ssthresh
		 * max(FlightSize / 2, 2 · SMSS), cwnd down to it */
		ck_assert_uint_eq(h.c->ssthresh, 2 * MSS);
		ck_assert_uint_eq(h.c->cwnd, 2 * MSS);
		th_fini(&h);
	}
}
END_TEST

/* §7.3: with data not yet sent and a window to send it in, the probe is
 * a new segment, not a retransmission; its ACK is no sign of loss. */
START_TEST(test_established_tlp_probe_sends_new_data_first)
{
	struct th h;
	sending_tlp(&h, true, 2, 4);
	th_checked(&h, 2); /* cwnd: two segments */
	th_fire(&h, TCP_T_PTO);
	TH_EXPECT(&h, {.flags = A, .seq = SEG(2), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN});
	ck_assert(h.c->tlp_out && !h.c->tlp_is_retrans);
	uint32_t ssthresh = h.c->ssthresh;
	th_in_full(&h, 0, A, PEER_ISS + 1, SEG(3), 65535, NULL, 0);
	ck_assert(!h.c->tlp_out);
	ck_assert_uint_eq(h.c->ssthresh, ssthresh);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* ---- RACK (RFC 8985 §6) ---------------------------------------------- */

/* SACK and RACK agreed, SRTT 10 ms (the SYN,ACK at 10 ms); n segments
 * written at 10 ms and checked. */
static void sending_rack(struct th *h, uint32_t n)
{
	struct tcp_params p = tcp_params_default;
	p.rack = true;
	p.iw = 10;
	open_sack_10ms(h, p);
	static uint8_t data[8 * MSS];
	tcp_send(h->c, data, n * MSS);
	th_checked(h, (int)n);
}

/* RACK decides by time, not by counting duplicates. Four segments go at
 * 10 ms; at 20 ms an ACK SACKs the second: it was sent with the first,
 * 10 ms ago, so the first is lost once a round trip (10 ms) and the
 * reordering window (min RTT / 4 = 2.5 ms, as no reordering has been
 * seen and fewer than DupThresh segments are SACKed) have passed since
 * it was sent: the `rack` timer fires at 22.5 ms and the first segment
 * goes again — one SACK, where RFC 6675 would wait for three. */
START_TEST(test_established_rack_marks_a_loss_by_time)
{
	struct th h;
	sending_rack(&h, 4);
	th_run_until(&h, SIM_MS(20));
	sack_ack(&h, SEG(0), 1, 2);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_RACK].when, SIM_US(22500));
	th_fire(&h, TCP_T_RACK);
	ck_assert(h.c->in_recovery);
	TH_EXPECT(&h, {.flags = A, .seq = SEG(0), .ack = PEER_ISS + 1,
		       .len = MSS, .win = WIN, .tx = TR_TX_FAST});
	/* the ACK of everything ends recovery */
	th_in_full(&h, 0, A, PEER_ISS + 1, SEG(4), 65535, NULL, 0);
	ck_assert(!h.c->in_recovery);
	ck_assert_uint_eq(h.c->ntxr, 0);
	th_fini(&h);
}
END_TEST

/* §6.2 step 3: a segment delivered below one delivered before it, and
 * never sent again, shows the network reorders; from then on the
 * reordering window stays open even with DupThresh segments SACKed. */
START_TEST(test_established_rack_sees_reordering)
{
	struct th h;
	sending_rack(&h, 6);
	th_run_until(&h, SIM_MS(20));
	sack_ack(&h, SEG(0), 2, 3);   /* the third arrives first */
	ck_assert(!h.c->rack_reord);
	th_in_full(&h, 0, A, PEER_ISS + 1, SEG(1), 65535, NULL, 0);
	ck_assert(h.c->rack_reord); /* then the first, below it */
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* ---- CUBIC (RFC 9438) ------------------------------------------------- */

/* §4.2: W_cubic(t) = C (t − K)³ + W_max. With W_max 100 segments and a
 * window of 70 after the loss (β = 0.7), K = ∛(30 / 0.4) = ∛75 s
 * ≈ 4.217 s: W(0) is 70 segments, W(K) is W_max, W(2K) 130. */
START_TEST(test_cubic_window_at_known_points)
{
	const uint32_t smss = MSS, wmax = 100 * MSS;
	const sim_time_t k = SIM_MS(4217); /* ∛75 = 4.2172 s */
	double w0 = tcp_cubic_window(wmax, k, 0, smss);
	ck_assert_msg(w0 > 69.99 * MSS && w0 < 70.01 * MSS, "W(0) %f", w0);
	ck_assert(tcp_cubic_window(wmax, k, k, smss) == wmax);
	double w2k = tcp_cubic_window(wmax, k, 2 * k, smss);
	ck_assert_msg(w2k > 129.99 * MSS && w2k < 130.01 * MSS, "W(2K) %f",
		      w2k);
	/* concave then convex around K: the same distance either way */
	double below = tcp_cubic_window(wmax, k, k - SIM_S(1), smss);
	double above = tcp_cubic_window(wmax, k, k + SIM_S(1), smss);
	ck_assert(below < wmax && above > wmax);
	ck_assert(wmax - below == above - wmax);
}
END_TEST

/* §4.6, §4.7: a loss sets ssthresh to β · cwnd and W_max to cwnd; a
 * second one while cwnd is still below that W_max gives way further:
 * W_max = cwnd · (1 + β) / 2 (fast convergence). NewReno halves the
 * flight (RFC 5681 (4)). */
START_TEST(test_cubic_loss_sets_ssthresh_and_wmax)
{
	struct tcp_params p = tcp_params_default;
	p.cc = TCP_CC_CUBIC;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.c->cwnd = 100 * MSS;
	ck_assert_uint_eq(tcp_cc_ssthresh(h.c, false), 70 * MSS);
	ck_assert_uint_eq(h.c->cubic_wmax, 100 * MSS);
	h.c->cwnd = 80 * MSS;
	ck_assert_uint_eq(tcp_cc_ssthresh(h.c, false), 56 * MSS);
	ck_assert_uint_eq(h.c->cubic_wmax, 80 * MSS * 17 / 20);
	th_fini(&h);

	p.cc = TCP_CC_NEWRENO;
	th_init(&h, &p);
	th_open_established(&h);
	h.c->cwnd = 100 * MSS;
	h.c->snd_nxt = h.c->snd_una + 40 * MSS; /* the flight, not cwnd */
	ck_assert_uint_eq(tcp_cc_ssthresh(h.c, false), 20 * MSS);
	h.c->snd_nxt = h.c->snd_una;
	th_fini(&h);
}
END_TEST

/* §4.2–4.5 in a connection: after a loss at cwnd 100 segments, in
 * congestion avoidance, each ACK of a segment moves cwnd by
 * (W_cubic(t + RTT) − cwnd) / cwnd; 4.217 s into the epoch (t = K) the
 * window is back near W_max, and it does not pass it by more than the
 * one-RTT look-ahead allows. */
START_TEST(test_cubic_regrows_to_wmax_in_k)
{
	struct tcp_params p = tcp_params_default;
	p.cc = TCP_CC_CUBIC;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	h.c->have_rtt = true;
	h.c->srtt = SIM_MS(100);
	h.c->cwnd = 100 * MSS;
	h.c->ssthresh = h.c->cwnd = tcp_cc_ssthresh(h.c, false);
	/* an ACK of one segment every 100 ms / cwnd, for K seconds */
	sim_time_t t0 = h.sim.now;
	while (h.sim.now - t0 < SIM_MS(4217)) {
		uint32_t per_rtt = h.c->cwnd / MSS;
		th_run_until(&h, h.sim.now + SIM_MS(100) / per_rtt);
		tcp_cc_grow(h.c, MSS);
	}
	ck_assert_msg(h.c->cwnd > 97 * MSS && h.c->cwnd < 103 * MSS,
		      "cwnd %u segments at K", h.c->cwnd / MSS);
	th_fini(&h);
}
END_TEST

/* RFC 9293 §3.10.7.4 (fifth step) takes SND.UNA and the send window from
 * an ACK together, before anything is sent. In SACK recovery a partial
 * ACK of segments 0 … 4, SACKing 6 … 11, that also narrows the window to
 * end at segment 12 (7 segments from the new SND.UNA) has segment 5 sent
 * again — and must not let the recovery send new data by the old window,
 * 65535 bytes from the new SND.UNA: nothing may go past the edge the
 * peer offered. */
START_TEST(test_established_sack_recovery_sends_within_the_new_window)
{
	struct th h;
	sending_sack(&h, 20);
	sack_ack(&h, SEG(0), 1, 2);
	sack_ack(&h, SEG(0), 1, 3);
	sack_ack(&h, SEG(0), 1, 4);
	ck_assert(h.c->in_recovery);
	th_checked(&h, th_unchecked(&h)); /* 10, 11 and 0 again */
	/* 0 … 4 acknowledged, 6 … 11 SACKed: 5 is lost, and cwnd would
	 * let new data follow it */
	struct tcp_seg in = {
		.saddr = PEER_ADDR, .daddr = LOCAL_ADDR,
		.sport = PEER_PORT, .dport = h.lport,
		.seq = PEER_ISS + 1, .ack = SEG(5), .wnd = 7 * MSS,
		.flags = TCP_ACK, .nsack = 1, .sack = {{SEG(6), SEG(12)}},
	};
	tcp_stack_input(h.st, &in, 0);
	ck_assert_uint_eq(h.c->snd_wnd, 7 * MSS);
	ck_assert_int_ge(th_unchecked(&h), 1);
	for (int i = 0; i < th_unchecked(&h); i++) {
		const struct th_seg *o = th_next(&h, i);
		ck_assert_msg(SEQ_LEQ(o->seg.seq + o->seg.len, SEG(12)),
			      "segment at %u past the window's edge",
			      o->seg.seq - h.iss);
	}
	th_checked(&h, th_unchecked(&h));
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* ---- slow start and HyStart -------------------------------------------- */

static uint8_t big[1 << 20];

/* A connection opened with an RTT of `rtt` (SYN at 0), the peer's MSS
 * 1460, cwnd `iw` segments, under Linux's rules with CUBIC and HyStart
 * `hy`; `n` bytes queued and the first window of them sent. */
static void open_cubic(struct th *h, bool hy, uint32_t iw, sim_time_t rtt,
		       uint32_t n)
{
	struct tcp_params p = tcp_profile_find("linux")->p;
	p.wscale = TCP_WSCALE_OFF;
	p.timestamps = p.sack = p.prr = p.tlp = p.rack = false;
	p.nodelay = true;
	p.iw = iw;
	p.hystart = hy;
	p.sndbuf = 1u << 20;
	th_init(h, &p);
	h->peer_mss = MSS;
	th_connect(h);
	th_checked(h, 1);
	th_run_until(h, rtt);
	th_in(h, TCP_SYN | TCP_ACK, PEER_ISS, h->iss + 1, 0);
	th_checked(h, th_unchecked(h));
	ck_assert_uint_eq(tcp_send(h->c, big, n), n);
	th_checked(h, th_unchecked(h));
}

/* The peer acknowledges up to `ack` (relative to ISS) at time `at`. */
static void ack_at(struct th *h, sim_time_t at, uint32_t ack)
{
	th_run_until(h, at);
	th_in(h, TCP_ACK, PEER_ISS + 1, h->iss + 1 + ack, 0);
	th_checked(h, th_unchecked(h));
}

/* Slow start as each rule set has it, for an ACK of two segments at once
 * (a delayed ACK): RFC 5681 §3.1 adds min(N, SMSS) — one segment;
 * FreeBSD counts bytes with RFC 3465's L = 2 — both; Linux adds every
 * segment acknowledged (tcp_slow_start) — both, and no more than
 * ssthresh, the rest going to congestion avoidance. */
START_TEST(test_established_slow_start_by_rules)
{
	/* cwnd after the ACK, in segments: at least lo, below hi; Linux
	 * with an ssthresh of 5 takes one segment in slow start, then a
	 * little of congestion avoidance for the other */
	static const struct {
		enum tcp_rules rules;
		uint32_t ssthresh; /* segments; 0: none yet */
		uint32_t lo, hi;
	} cases[] = {{TCP_RULES_RFC9293, 0, 5, 6}, {TCP_RULES_FREEBSD, 0, 6, 7},
		     {TCP_RULES_LINUX, 0, 6, 7}, {TCP_RULES_LINUX, 5, 5, 6}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tcp_params p = tcp_params_default;
		p.rules = cases[i].rules;
		p.nodelay = true;
		p.iw = 4;
		struct th h;
		th_init(&h, &p);
		h.peer_mss = MSS;
		th_open_established(&h);
		if (cases[i].ssthresh)
			h.c->ssthresh = cases[i].ssthresh * MSS;
		ck_assert_uint_eq(tcp_send(h.c, big, 4 * MSS), 4 * MSS);
		th_checked(&h, 4);
		ack_at(&h, h.sim.now + SIM_MS(10), 2 * MSS);
		ck_assert_uint_ge(h.c->cwnd, cases[i].lo * MSS);
		ck_assert_uint_lt(h.c->cwnd, cases[i].hi * MSS);
		th_fini(&h);
	}
}
END_TEST

/* HyStart's ACK train (tcp_cubic.c hystart_update): cwnd 16 segments,
 * RTT 10 ms; the 16 segments sent at 10 ms come back acknowledged one by
 * one every 0.5 ms from 20 ms. The ACKs are less than 2 ms apart, so
 * they make one train; it ends slow start once it has run longer than
 * half of (the least RTT, 10 ms, + the pacing allowance, capped at 1 ms):
 * 5.5 ms — at the ACK of 26 ms, the thirteenth, ssthresh becomes cwnd.
 * Without HyStart slow start goes on. */
START_TEST(test_established_hystart_ack_train_ends_slow_start)
{
	for (int hy = 1; hy >= 0; hy--) {
		struct th h;
		open_cubic(&h, hy, 16, SIM_MS(10), 200 * MSS);
		uint32_t k;
		for (k = 0; k < 16; k++) {
			ack_at(&h, SIM_MS(20) + k * SIM_US(500), (k + 1) * MSS);
			if (h.c->hy_found)
				break;
		}
		if (hy) {
			ck_assert_uint_eq(k, 12);
			ck_assert(h.c->hy_found);
			/* the 13th ACK found it, then grew cwnd in
			 * congestion avoidance: by less than a segment */
			ck_assert_uint_ge(h.c->cwnd, h.c->ssthresh);
			ck_assert_uint_lt(h.c->cwnd, h.c->ssthresh + MSS);
			ck_assert_uint_eq(h.c->ssthresh, (16 + 12) * MSS);
		} else {
			ck_assert_uint_eq(k, 16);
			ck_assert_uint_eq(h.c->cwnd, 32 * MSS);
		}
		tcp_abort(h.c);
		th_checked(&h, th_unchecked(&h));
		th_fini(&h);
	}
}
END_TEST

/* What went out at once: up to `end` (from ISS + 1), at `at`. */
struct burst {
	uint32_t end;
	sim_time_t at;
};

/* HyStart's delay test: a round's least RTT over its first eight samples
 * has grown past the least RTT seen by an eighth of it, at least 4 ms.
 * RTT 40 ms in the first round (the 16 segments sent at 40 ms come back
 * one by one 3 ms apart, too far apart for a train); a queue then holds
 * every later segment `extra` more: what each ACK brought out comes back
 * acknowledged 40 ms + extra later. With 10 ms more the second round's
 * samples are 50 ms, 50 > 40 + 5: its ninth ACK ends slow start. With
 * 4 ms more (44 ms, under 40 + 5) slow start goes on. */
START_TEST(test_established_hystart_delay_ends_slow_start)
{
	for (int extra = 10; extra >= 4; extra -= 6) {
		struct th h;
		open_cubic(&h, true, 16, SIM_MS(40), 600 * MSS);
		struct burst out[128];
		uint32_t nout = 0, next = 0;
		for (uint32_t i = 0; i < 16; i++)
			out[nout++] = (struct burst){(i + 1) * MSS, SIM_MS(40)};
		uint32_t round2 = 0; /* ACKs into the second round */
		while (next < nout && nout < 120 && !h.c->hy_found) {
			sim_time_t at = next < 16 ? SIM_MS(80) + next * SIM_MS(3)
						  : out[next].at + SIM_MS(40) +
							    SIM_MS(extra);
			ack_at(&h, at, out[next].end);
			uint32_t sent = h.c->snd_nxt - (h.iss + 1);
			if (sent > out[nout - 1].end)
				out[nout++] = (struct burst){sent, at};
			if (next >= 16)
				round2++;
			next++;
		}
		if (extra == 10) {
			ck_assert(h.c->hy_found);
			ck_assert_uint_eq(round2, 9);
			/* ssthresh = cwnd, which then grew by less than a
			 * segment in congestion avoidance */
			ck_assert_uint_ge(h.c->cwnd, h.c->ssthresh);
			ck_assert_uint_lt(h.c->cwnd, h.c->ssthresh + MSS);
		} else {
			ck_assert(!h.c->hy_found);
			ck_assert_uint_lt(h.c->cwnd, h.c->ssthresh);
		}
		tcp_abort(h.c);
		th_checked(&h, th_unchecked(&h));
		th_fini(&h);
	}
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
	tc = tcase_create("timestamps");
	tcase_add_test(tc, test_syn_sent_timestamps_agreed_on_every_segment);
	tcase_add_test(tc, test_timestamps_not_agreed_are_not_sent);
	tcase_add_test(tc, test_listen_syn_with_timestamps_is_echoed);
	tcase_add_test(tc, test_listen_linux_syn_ack_window_counts_timestamps_out);
	tcase_add_test(tc, test_established_paws_drops_an_old_timestamp);
	tcase_add_test(tc, test_established_paws_forgets_after_24_days);
	tcase_add_test(tc, test_established_ts_recent_only_from_segments_at_last_ack);
	tcase_add_test(tc, test_established_segment_without_timestamps);
	tcase_add_test(tc, test_established_rttm_samples_a_retransmission);
	suite_add_tcase(s, tc);
	tc = tcase_create("sack receiver");
	tcase_add_test(tc, test_listen_sack_permitted_answered_only_when_offered);
	tcase_add_test(tc, test_established_sack_blocks_most_recent_first);
	tcase_add_test(tc, test_established_dsack_reports_a_duplicate_once);
	tcase_add_test(tc, test_established_sack_blocks_take_room_from_data);
	suite_add_tcase(s, tc);
	tc = tcase_create("sack sender");
	tcase_add_test(tc, test_established_sack_recovery_rfc6675);
	tcase_add_test(tc, test_established_sack_recovery_sends_within_the_new_window);
	tcase_add_test(tc, test_established_sack_second_loss_resent_by_rule_1);
	tcase_add_test(tc, test_established_sack_blocks_outside_what_was_sent_are_ignored);
	tcase_add_test(tc, test_established_prr_sends_in_proportion);
	tcase_add_test(tc, test_established_tlp_probes_a_tail_loss);
	tcase_add_test(tc, test_established_tlp_probe_sends_new_data_first);
	tcase_add_test(tc, test_established_rack_marks_a_loss_by_time);
	tcase_add_test(tc, test_established_rack_sees_reordering);
	suite_add_tcase(s, tc);
	tc = tcase_create("cubic");
	tcase_add_test(tc, test_cubic_window_at_known_points);
	tcase_add_test(tc, test_cubic_loss_sets_ssthresh_and_wmax);
	tcase_add_test(tc, test_cubic_regrows_to_wmax_in_k);
	tcase_add_test(tc, test_established_slow_start_by_rules);
	tcase_add_test(tc, test_established_hystart_ack_train_ends_slow_start);
	tcase_add_test(tc, test_established_hystart_delay_ends_slow_start);
	suite_add_tcase(s, tc);
	return s;
}
