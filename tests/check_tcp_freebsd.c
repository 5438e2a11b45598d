/* check_tcp_freebsd.c — the `freebsd` profile, where FreeBSD's default
 * stack departs from the RFCs or chooses where they leave a choice:
 * TIME-WAIT as tcp_twcheck has it, a SYN that ends TIME-WAIT, the RTO's
 * rexmit_slop, keepinit, socket buffers rounded to whole segments, the
 * window tcp_output offers and when it updates it, and Nagle asked once
 * per output. Every expected number is worked out in the comment above
 * it (function names as in FreeBSD's sys/netinet). As in check_tcp.c: a
 * connection in a state, a segment or a timer in, exactly these segments
 * out, at exactly these times.
 */
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"
#include "tcp_shorthand.h"

#define MSS 1460

static const uint8_t zeros[4 * MSS];

/* The freebsd profile with its options off (no window scaling,
 * timestamps or SACK) and NewReno: the rules under test, with segments
 * the harness peer writes plainly; and keepalive off (FreeBSD keeps every
 * connection alive), so that no test ends with its timer pending. */
static struct tcp_params freebsd_params(void)
{
	struct tcp_params p = tcp_profile_find("freebsd")->p;
	p.wscale = TCP_WSCALE_OFF;
	p.timestamps = p.sack = false;
	p.prr = false;
	p.cc = TCP_CC_NEWRENO;
	p.keepalive = false;
	return p;
}

static void init_freebsd(struct th *h)
{
	struct tcp_params p = freebsd_params();
	th_init(h, &p);
}

/* SYN at 0, the peer's SYN,ACK at `rtt`: ESTABLISHED, the third segment
 * checked. */
static void open_after(struct th *h, sim_time_t rtt)
{
	th_connect(h);
	th_checked(h, 1);
	th_run_until(h, rtt);
	th_in(h, S | A, PEER_ISS, h->iss + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	th_expect_ack(h, h->iss + 1, PEER_ISS + 1,
		      (uint16_t)tcp_max_window(h->c));
	th_clear_events(h);
}

/* ---- the SYN, and how long a connect may take ---------------------- */

/* tcp_addoptions writes the SYN's options in the order mss, nop,wscale,
 * sackOK, TS; the window scale is the least shift that carries
 * kern.ipc.maxsockbuf (2 MiB: 65535 << 5 falls 32 bytes short, so 6);
 * a SYN's window is never scaled, 65535 of a 64 KiB buffer. The FreeBSD
 * suite's snd-syn-with-default-options script: `> S 0:0(0) win 65535
 * <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>`. */
START_TEST(test_syn_sent_freebsd_syn_carries_its_options_in_order)
{
	struct th h;
	th_init(&h, &tcp_profile_find("freebsd")->p);
	th_connect(&h);
	const struct th_seg *o = th_next(&h, 0);
	ck_assert_uint_eq(o->seg.flags, S);
	ck_assert_uint_eq(o->seg.seq, ISS);
	ck_assert_uint_eq(o->seg.wnd, 65535);
	ck_assert_uint_eq(o->seg.mss, MSS);
	ck_assert_uint_eq(o->seg.opts,
			  TCP_OPT_WS | TCP_OPT_SACKOK | TCP_OPT_TS);
	ck_assert_uint_eq(o->seg.wscale, 6);
	ck_assert_uint_eq(o->seg.tsecr, 0);
	ck_assert_uint_eq(o->seg.layout, TCP_LAYOUT_FREEBSD);
	uint8_t wire[60];
	ck_assert_uint_eq(tcp_opts_encode(&o->seg, wire), 20);
	static const uint8_t head[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 6, 4, 2,
				       8, 10};
	ck_assert_int_eq(memcmp(wire, head, sizeof head), 0);
	th_checked(&h, 1);
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* tcp_timer_rexmt backs a SYN off from rexmit_initial (1 s) doubling,
 * and TCPT_RANGESET adds rexmit_slop (200 ms) to each, up to 64 s: the
 * SYN goes at 0, 1, 3.2, 7.4, 15.6, 31.8 and 64 s (the suite's
 * snd-syn-rtx-keepinit script: `+1.00 > S`, `+2.20 > S`). keepinit
 * (75 s) ends it first: tcp_timer_keep drops a connection not yet
 * established, and tcp_drop sends no RST to a peer whose SYN it never
 * had. */
START_TEST(test_syn_sent_freebsd_syn_backs_off_with_slop_until_keepinit)
{
	static const sim_time_t at[] = {
		SIM_MS(1000), SIM_MS(3200), SIM_MS(7400), SIM_MS(15600),
		SIM_MS(31800), SIM_MS(64000)};
	struct th h;
	init_freebsd(&h);
	th_connect(&h);
	th_checked(&h, 1);
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		th_run_until(&h, at[i] - 1);
		th_expect_none(&h);
		th_run_until(&h, at[i]);
		TH_EXPECT(&h, {.flags = S, .seq = ISS, .win = 65535,
			       .mss = MSS, .tx = TR_TX_TIMEOUT});
	}
	th_run_until(&h, SIM_S(75) - 1);
	ck_assert_ptr_nonnull(h.c);
	th_run_until(&h, SIM_S(75));
	th_expect_none(&h);
	th_expect_closed(&h, TCP_END_TIMEOUT);
	th_fini(&h);
}
END_TEST

/* After a sample the RTO is SRTT + 4·RTTVAR (tcp_xmit_timer), at least
 * rexmit_min (30 ms), and TCPT_RANGESET adds the slop: an RTT of 10 ms
 * gives 10 + 4·5 = 30 ms, so the timer waits 230 ms; backed off, 2·30 +
 * 200 = 260 ms. */
START_TEST(test_established_freebsd_rto_carries_the_slop)
{
	struct th h;
	init_freebsd(&h);
	open_after(&h, SIM_MS(10));
	ck_assert_int_eq(h.c->rto, SIM_MS(30));
	tcp_send(h.c, zeros, 100);
	th_checked(&h, 1);
	th_run_until(&h, SIM_MS(240) - 1);
	th_expect_none(&h);
	th_run_until(&h, SIM_MS(240));
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = 65535, .tx = TR_TX_TIMEOUT});
	th_run_until(&h, SIM_MS(500) - 1);
	th_expect_none(&h);
	th_run_until(&h, SIM_MS(500));
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = 65535, .tx = TR_TX_TIMEOUT});
	th_in(&h, A, PEER_ISS + 1, ISS + 101, 0);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* ---- buffers and the window ------------------------------------------ */

/* tcp_mss rounds a buffer larger than a segment up to whole segments once
 * the MSS is known: 64 KiB (the profile's 65535) become 45 · 1460 =
 * 65700. tcp_output offers that rounded up to the unit of the window
 * scale, so that scaling never shrinks it: 65728 >> 6 = 1027 — the
 * window of the third segment in the suite's socket-api-getsockopt-
 * tcpinfo script (`> . 1:1(0) ack 1 win 1027`). */
START_TEST(test_syn_sent_freebsd_buffers_round_to_whole_segments)
{
	struct th h;
	th_init(&h, &tcp_profile_find("freebsd")->p);
	th_connect(&h);
	th_checked(&h, 1);
	h.peer_opts = TCP_OPT_WS | TCP_OPT_SACKOK | TCP_OPT_TS;
	h.peer_wscale = 6;
	h.peer_tsval = 100;
	h.peer_tsecr = h.out[0].seg.tsval;
	h.peer_mss = MSS;
	th_run_until(&h, SIM_MS(100));
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_uint_eq(h.c->p->rcvbuf, 65700);
	ck_assert_uint_eq(h.c->p->sndbuf, 33580); /* 23 · 1460 */
	const struct th_seg *o = th_next(&h, 0);
	ck_assert_uint_eq(o->seg.flags, A);
	ck_assert_uint_eq(o->seg.wnd, 1027);
	th_checked(&h, 1);
	/* and the send buffer holds that much */
	ck_assert_uint_eq(tcp_send_space(h.c), 33580);
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* A write into an idle connection goes out whole: tcp_output asks
 * whether everything sent is acknowledged once, as it starts, and Nagle
 * lets the last short segment go behind the full one. With data in
 * flight a short write waits for the ACK. */
START_TEST(test_established_freebsd_nagle_lets_an_idle_write_out_whole)
{
	struct th h;
	init_freebsd(&h);
	open_after(&h, SIM_MS(10));
	tcp_send(h.c, zeros, 2000);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = MSS, .win = 65535},
		  {.flags = P | A, .seq = ISS + 1 + MSS, .ack = PEER_ISS + 1,
		   .len = 540, .win = 65535});
	tcp_send(h.c, zeros, 10);
	th_expect_none(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 2001, 0);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 2001,
		       .ack = PEER_ISS + 1, .len = 10, .win = 65535});
	th_in(&h, A, PEER_ISS + 1, ISS + 2011, 0);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* The receive window tcp_output offers is the free buffer; it sends a
 * window update of its own when the window can grow by two segments and
 * the buffer is small (8 segments or less), or by half the buffer. A
 * buffer of 6 segments (8760 bytes), four of them unread: the window is
 * 2920. Reading one segment would grow it by 1460: no update. Reading a
 * second: 2920 = two segments — an update, window 5840. */
START_TEST(test_established_freebsd_window_update_after_two_segments)
{
	struct tcp_params p = freebsd_params();
	p.rcvbuf = 6 * MSS;
	struct th h;
	th_init(&h, &p);
	h.no_read = true;
	open_after(&h, SIM_MS(10));
	for (uint32_t i = 0; i < 4; i++)
		th_in_full(&h, 0, A, PEER_ISS + 1 + i * MSS, ISS + 1, 65535,
			   zeros, MSS);
	/* ACKs every second segment: after the second and the fourth */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1,
		       .ack = PEER_ISS + 1 + 2 * MSS, .win = 4 * MSS},
		  {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1 + 4 * MSS,
		   .win = 2 * MSS});
	ck_assert_uint_eq(tcp_read(h.c, NULL, MSS), MSS);
	th_expect_none(&h);
	ck_assert_uint_eq(tcp_read(h.c, NULL, MSS), MSS);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1 + 4 * MSS, 4 * MSS);
	tcp_read(h.c, NULL, 2 * MSS);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1 + 4 * MSS, 6 * MSS);
	th_fini(&h);
}
END_TEST

/* With a large buffer two segments are not enough: the window must be
 * able to grow by a quarter of the buffer (65700 / 4 = 16425), or have
 * fallen to an eighth of it (8212). Twelve segments unread, read back
 * one at a time: no update after eleven (16060 bytes), one after the
 * twelfth (17520). RFC 1122 §4.2.3.3's rule (rfc9293) would have sent
 * one after the second. */
START_TEST(test_established_freebsd_window_update_waits_for_a_quarter)
{
	for (int bsd = 1; bsd >= 0; bsd--) {
		struct tcp_params p = freebsd_params();
		if (!bsd)
			p = tcp_params_default;
		struct th h;
		th_init(&h, &p);
		h.no_read = true;
		open_after(&h, SIM_MS(10));
		uint32_t full = tcp_max_window(h.c);
		for (uint32_t i = 0; i < 12; i++)
			th_in_full(&h, 0, A, PEER_ISS + 1 + i * MSS, ISS + 1,
				   65535, zeros, MSS);
		/* an ACK for every second segment */
		ck_assert_int_eq(th_unchecked(&h), 6);
		th_checked(&h, 6);
		uint32_t rcv_nxt = PEER_ISS + 1 + 12 * MSS;
		for (uint32_t i = 1; i <= 12; i++) {
			ck_assert_uint_eq(tcp_read(h.c, NULL, MSS), MSS);
			if (!bsd && i == 2) {
				th_expect_ack(&h, ISS + 1, rcv_nxt,
					      (uint16_t)(full - 10 * MSS));
				break;
			}
			if (bsd && i == 12)
				th_expect_ack(&h, ISS + 1, rcv_nxt, 65535);
			else
				th_expect_none(&h);
		}
		th_fini(&h);
	}
}
END_TEST

/* RFC 7323 §3.2: once both ends agreed on timestamps, "a TCP SHOULD
 * silently drop" a non-RST segment without them; FreeBSD takes it
 * (net.inet.tcp.tolerate_missing_ts, default 1) unless told to be strict
 * (`strict-timestamps`, tolerate_missing_ts=0: tcp_input's "Timestamp
 * missing, segment silently dropped"), and `rfc9293` never does. */
START_TEST(test_established_freebsd_segment_without_timestamps_is_taken)
{
	for (int k = 0; k < 3; k++) {
		bool taken = k == 0;
		struct tcp_params p = freebsd_params();
		p.timestamps = true;
		p.strict_ts = k == 1;
		if (k == 2)
			p.rules = TCP_RULES_RFC9293;
		struct th h;
		th_init(&h, &p);
		th_connect(&h);
		h.peer_opts = TCP_OPT_TS;
		h.peer_tsval = 500;
		h.peer_tsecr = h.out[0].seg.tsval;
		th_checked(&h, 1);
		th_run_until(&h, SIM_MS(10));
		th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
		ck_assert(h.c->ts_ok);
		th_checked(&h, 1);
		h.peer_opts = 0;
		th_in_full(&h, 0, P | A, PEER_ISS + 1, ISS + 1, 65535, zeros,
			   100);
		ck_assert_uint_eq(h.c->rcv_nxt,
				  PEER_ISS + 1 + (taken ? 100 : 0));
		if (taken) {
			/* acknowledged in due course (delayed ACK) */
			th_fire(&h, TCP_T_DELACK);
			const struct th_seg *o = th_next(&h, 0);
			ck_assert_uint_eq(o->seg.ack, PEER_ISS + 101);
			th_checked(&h, 1);
		}
		th_expect_none(&h);
		/* a RST needs no timestamp: it resets the connection */
		th_in(&h, R, PEER_ISS + 1 + (taken ? 100 : 0), 0, 0);
		th_expect_none(&h);
		th_expect_closed(&h, TCP_END_RESET);
		th_fini(&h);
	}
}
END_TEST

/* TCP_NOOPT (`no-options`): tcp_output adds no option to the SYN, not
 * even the MSS, whatever the profile offers; the SYN,ACK's window scale,
 * timestamps and SACK-permitted are not taken (tcp_input in SYN-SENT:
 * TF_NOOPT), its MSS is (tcp_mss). The FreeBSD suite's
 * snd-syn-without-options: `> S 0:0(0)`. */
START_TEST(test_syn_sent_freebsd_no_options_sends_and_takes_none)
{
	struct tcp_params p = tcp_profile_find("freebsd")->p;
	p.keepalive = false;
	p.no_options = true;
	struct th h;
	th_init(&h, &p);
	th_connect(&h);
	TH_EXPECT(&h, {.flags = S, .seq = ISS, .win = 65535});
	h.peer_mss = 1000;
	h.peer_opts = TCP_OPT_WS | TCP_OPT_SACKOK | TCP_OPT_TS;
	h.peer_wscale = 7;
	h.peer_tsval = 500;
	th_run_until(&h, SIM_MS(10));
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert(!h.c->ws_ok && !h.c->ts_ok && !h.c->sack_ok);
	ck_assert_uint_eq(h.c->snd_mss, 1000);
	const struct th_seg *o = th_next(&h, 0);
	ck_assert_uint_eq(o->seg.flags, A);
	ck_assert_uint_eq(o->seg.mss, 0);
	ck_assert_uint_eq(o->seg.opts, 0);
	th_checked(&h, 1);
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* rexmit_drop_options (`syn-drop-options`: 3): tcp_timer_rexmt clears
 * TF_REQ_SCALE, TF_REQ_TSTMP and TF_SACK_PERMIT when it sends the third
 * retransmission of a SYN, so that a middlebox that drops SYNs with
 * options it does not know lets one through: the SYNs at 0, 1 and 3.2 s
 * carry every option, the one at 7.4 s the MSS alone; a SYN,ACK with
 * timestamps after that agrees on none. The FreeBSD suite's
 * snd-syn-rtx-drop-options. */
START_TEST(test_syn_sent_freebsd_third_syn_retransmission_drops_options)
{
	struct tcp_params p = tcp_profile_find("freebsd")->p;
	p.keepalive = false;
	p.syn_drop_options = 3;
	struct th h;
	th_init(&h, &p);
	th_connect(&h);
	static const sim_time_t at[] = {0, SIM_MS(1000), SIM_MS(3200),
					SIM_MS(7400)};
	for (size_t i = 0; i < 4; i++) {
		th_run_until(&h, at[i]);
		const struct th_seg *o = th_next(&h, 0);
		ck_assert_uint_eq(o->seg.flags, S);
		ck_assert_uint_eq(o->seg.mss, MSS);
		ck_assert_uint_eq(o->seg.opts,
				  i < 3 ? TCP_OPT_WS | TCP_OPT_SACKOK |
						  TCP_OPT_TS
					: 0);
		th_checked(&h, 1);
		th_expect_none(&h);
	}
	h.peer_opts = TCP_OPT_TS | TCP_OPT_WS;
	h.peer_tsval = 500;
	th_run_until(&h, SIM_MS(7500));
	th_in(&h, S | A, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert(!h.c->ts_ok && !h.c->ws_ok);
	th_checked(&h, th_unchecked(&h));
	tcp_abort(h.c);
	th_checked(&h, th_unchecked(&h));
	th_fini(&h);
}
END_TEST

/* ---- what tcp_input and tcp_output do besides ------------------------- */

/* While our FIN is out and unacknowledged, FreeBSD's tcp_output sends
 * every ACK as the FIN again (tcp_outflags: FIN,ACK in FIN-WAIT-1): text
 * from the peer in FIN-WAIT-1 is acknowledged by "F. 1:1". A challenge
 * ACK is tcp_respond's, a bare ACK at SND.NXT: a SYN draws ". 2:2". */
START_TEST(test_fin_wait_1_freebsd_an_ack_goes_as_the_fin_again)
{
	struct th h;
	init_freebsd(&h);
	th_open_fin_wait_1(&h);
	th_in_full(&h, 0, P | A, PEER_ISS + 1, ISS + 1, 65535, zeros, 10);
	th_fire(&h, TCP_T_DELACK);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 11,
		       .win = 65535});
	th_in(&h, S, PEER_ISS + 11, 0, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 2, .ack = PEER_ISS + 11,
		       .win = 65535});
	th_in(&h, A, PEER_ISS + 11, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* A segment wholly before RCV.NXT is an old duplicate: tcp_input trims it
 * to nothing but still takes its ACK (Stevens vol. 2 p. 960). In
 * LAST-ACK the peer's ACK of our FIN, sent from the sequence number of
 * its own FIN, closes the connection — RFC 9293 would answer it as
 * unacceptable and stay in LAST-ACK. In CLOSING the peer's FIN again,
 * acknowledging ours, brings TIME-WAIT, and nothing is sent: tcp_twstart
 * takes the connection before the ACK it owed goes out. */
START_TEST(test_freebsd_an_old_duplicate_still_acknowledges)
{
	struct th h;
	init_freebsd(&h);
	th_open_last_ack(&h);
	th_in(&h, A, PEER_ISS + 1, ISS + 2, 0);
	th_expect_none(&h);
	th_expect_closed(&h, TCP_END_NORMAL);
	th_fini(&h);

	init_freebsd(&h);
	th_open_fin_wait_1(&h);
	th_in(&h, F | A, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_CLOSING);
	TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1, .ack = PEER_ISS + 2,
		       .win = 65535});
	th_in(&h, F | A, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* A listening socket drops a SYN,ACK silently ("bogus on a listen
 * socket"), where RFC 9293 answers any ACK there with a RST. */
START_TEST(test_listen_freebsd_syn_ack_is_dropped)
{
	struct th h;
	init_freebsd(&h);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, S | A, PEER_ISS, 1234, 65535, NULL, 0);
	th_expect_none(&h);
	tcp_close(h.c);
	th_fini(&h);
}
END_TEST

/* FreeBSD judges segments by all its buffer takes, though the unscaled
 * window field carries 65535: with 65700 bytes free, a RST at RCV.NXT +
 * 65699 lies in the window (a challenge ACK), where the window offered
 * ends at RCV.NXT + 65535. */
START_TEST(test_established_freebsd_window_is_the_whole_buffer)
{
	struct th h;
	init_freebsd(&h);
	th_open_established(&h);
	ck_assert_uint_eq(h.c->p->rcvbuf, 65700);
	th_in(&h, R, PEER_ISS + 1 + 65699, 0, 0);
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = 65535});
	th_in(&h, R, PEER_ISS + 1 + 65700, 0, 0);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	th_fini(&h);
}
END_TEST

/* net.inet.tcp.insecure_rst and insecure_syn: RFC 793's answers. A RST
 * anywhere in the window resets the connection; a SYN in it resets it
 * with a RST,ACK at SND.NXT, window 0 (tcp_drop). drop_synfin: SYN and
 * FIN together are dropped unread. */
START_TEST(test_established_freebsd_rfc793_answers)
{
	struct tcp_params p = freebsd_params();
	p.insecure_rst = true;
	struct th h;
	th_init(&h, &p);
	th_open_established(&h);
	th_in(&h, R, PEER_ISS + 100, 0, 0);
	th_expect_none(&h);
	th_expect_closed(&h, TCP_END_RESET);
	th_fini(&h);

	p = freebsd_params();
	p.insecure_syn = true;
	th_init(&h, &p);
	th_open_established(&h);
	th_in(&h, S, PEER_ISS + 100, 0, 0);
	TH_EXPECT(&h, {.flags = R | A, .seq = ISS + 1, .ack = PEER_ISS + 1});
	th_expect_closed(&h, TCP_END_RESET);
	th_fini(&h);

	p = freebsd_params();
	p.drop_synfin = true;
	th_init(&h, &p);
	th_open_listen(&h);
	th_in_full(&h, LOCAL_PORT, S | F, PEER_ISS, 0, 65535, NULL, 0);
	th_expect_none(&h);
	ck_assert_ptr_eq(h.st->tail, h.c);
	tcp_close(h.c);
	th_fini(&h);
}
END_TEST

/* A simultaneous open whose SYN brings text and a FIN: the text waits
 * for ESTABLISHED, the FIN is lost (tcp_reass hands back no FIN before
 * ESTABLISHED), and the text's ACK is delayed. */
START_TEST(test_syn_sent_freebsd_fin_on_a_syn_is_lost)
{
	struct th h;
	init_freebsd(&h);
	th_connect(&h);
	th_checked(&h, 1);
	th_in_full(&h, 0, S | F, PEER_ISS, 0, 65535, zeros, 3);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	th_checked(&h, 1); /* the SYN,ACK */
	th_in(&h, A, PEER_ISS + 4, ISS + 1, 0);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 4);
	th_expect_none(&h);
	th_fire(&h, TCP_T_DELACK);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 4, 65535);
	th_fini(&h);
}
END_TEST

/* ---- TIME-WAIT: tcp_twcheck ------------------------------------------ */

static sim_time_t time_wait_freebsd(struct th *h)
{
	init_freebsd(h);
	th_open_time_wait(h);
	sim_time_t due = h->c->timer[TCP_T_TIMEWAIT].when;
	th_run_until(h, h->sim.now + SIM_S(10));
	return due;
}

/* What tcp_twcheck drops without a word, TIME-WAIT going on unchanged:
 * every RST ("see Stevens, vol. 2, p. 964 and RFC 1337"), at RCV.NXT too,
 * with ACK or without — RFC 9293 would delete the TCB (TIME-WAIT
 * assassination); and any segment without ACK, before anything else
 * looks at it: the peer's FIN again without its ACK bit (the suite's
 * rcv-fin-time-wait scripts: "does not trigger the sending of an
 * ACK-segment"), a SYN at or before RCV.NXT. */
START_TEST(test_time_wait_freebsd_rst_and_segments_without_ack_are_dropped)
{
	static const struct {
		uint8_t flags;
		int32_t seq; /* from RCV.NXT */
		bool ack;
	} cases[] = {
		{R, 0, false}, {R | A, 0, true}, {R, 1000, false},
		{F, -1, false}, {S, 0, false},   {S, -1, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct th h;
		sim_time_t due = time_wait_freebsd(&h);
		th_in(&h, cases[i].flags,
		      h.c->rcv_nxt + (uint32_t)cases[i].seq,
		      cases[i].ack ? ISS + 2 : 0, 0);
		ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
		th_expect_none(&h);
		ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when, due);
		th_fini(&h);
	}
}
END_TEST

/* The peer's FIN,ACK again (it lost our ACK): acknowledged, and 2·MSL
 * starts over (tcp_tw_2msl_reset). Any other segment with ACK but a bare
 * duplicate ACK at RCV.NXT is acknowledged without restarting the timer
 * — with no window check: text beyond the window too. */
START_TEST(test_time_wait_freebsd_acks_all_but_a_duplicate_ack)
{
	for (int k = 0; k < 4; k++) {
		struct th h;
		sim_time_t due = time_wait_freebsd(&h);
		uint32_t rcv_nxt = h.c->rcv_nxt;
		switch (k) {
		case 0:
			th_in(&h, F | A, rcv_nxt - 1, ISS + 2, 0);
			due = h.sim.now + SIM_S(60);
			break;
		case 1:
			th_in(&h, A, rcv_nxt + 1, ISS + 2, 0);
			break;
		case 2:
			th_in(&h, P | A, rcv_nxt + 100000, ISS + 2, 10);
			break;
		default:
			th_in(&h, A, rcv_nxt, ISS + 1, 0);
			break;
		}
		ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
		th_expect_ack(&h, ISS + 2, rcv_nxt, 65535);
		ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when, due);
		/* the bare duplicate ACK: nothing */
		th_in(&h, A, rcv_nxt, ISS + 2, 0);
		th_expect_none(&h);
		th_fini(&h);
	}
}
END_TEST

/* A SYN without ACK beyond RCV.NXT ends TIME-WAIT and is taken as a SYN
 * for no connection (tcp_twcheck returns it to tcp_input): a listener on
 * the port answers it with a SYN,ACK of a new connection (the suite's
 * rcv-syn-time-wait right-edge script, FreeBSD branch); with none it
 * draws a RST. */
START_TEST(test_time_wait_freebsd_syn_beyond_rcv_nxt_opens_anew)
{
	for (int listener = 1; listener >= 0; listener--) {
		struct th h;
		time_wait_freebsd(&h);
		uint32_t seq = h.c->rcv_nxt + 65535;
		struct tcp_conn *l = NULL;
		if (listener)
			l = tcp_listen(h.st, h.lport, NULL);
		struct tcp_conn *old = h.c;
		th_in(&h, S, seq, 0, 0);
		ck_assert(!th_alive(&h, old));
		h.c = NULL; /* its end was announced */
		if (listener) {
			struct tcp_conn *c = h.st->tail;
			ck_assert_ptr_ne(c, l);
			ck_assert_int_eq(c->state, TCP_SYN_RECEIVED);
			const struct th_seg *o = th_next(&h, 0);
			ck_assert_uint_eq(o->seg.flags, S | A);
			ck_assert_uint_eq(o->seg.seq, c->iss);
			ck_assert_uint_eq(o->seg.ack, seq + 1);
			th_checked(&h, 1);
			tcp_abort(c);
			th_checked(&h, th_unchecked(&h));
			tcp_abort(l);
		} else {
			TH_EXPECT(&h, {.flags = R | A, .seq = 0, .ack = seq + 1});
		}
		th_fini(&h);
	}
}
END_TEST

Suite *tcp_freebsd_suite(void)
{
	Suite *s = suite_create("tcp_freebsd");
	TCase *tc = tcase_create("syn, timers, buffers");
	tcase_add_test(tc, test_syn_sent_freebsd_syn_carries_its_options_in_order);
	tcase_add_test(tc, test_syn_sent_freebsd_syn_backs_off_with_slop_until_keepinit);
	tcase_add_test(tc, test_established_freebsd_rto_carries_the_slop);
	tcase_add_test(tc, test_syn_sent_freebsd_buffers_round_to_whole_segments);
	tcase_add_test(tc, test_established_freebsd_nagle_lets_an_idle_write_out_whole);
	tcase_add_test(tc, test_established_freebsd_window_update_after_two_segments);
	tcase_add_test(tc, test_established_freebsd_window_update_waits_for_a_quarter);
	tcase_add_test(tc, test_established_freebsd_segment_without_timestamps_is_taken);
	tcase_add_test(tc, test_syn_sent_freebsd_no_options_sends_and_takes_none);
	tcase_add_test(tc, test_syn_sent_freebsd_third_syn_retransmission_drops_options);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, test_fin_wait_1_freebsd_an_ack_goes_as_the_fin_again);
	tcase_add_test(tc, test_freebsd_an_old_duplicate_still_acknowledges);
	tcase_add_test(tc, test_listen_freebsd_syn_ack_is_dropped);
	tcase_add_test(tc, test_established_freebsd_window_is_the_whole_buffer);
	tcase_add_test(tc, test_established_freebsd_rfc793_answers);
	tcase_add_test(tc, test_syn_sent_freebsd_fin_on_a_syn_is_lost);
	tc = tcase_create("time-wait");
	tcase_add_test(tc, test_time_wait_freebsd_rst_and_segments_without_ack_are_dropped);
	tcase_add_test(tc, test_time_wait_freebsd_acks_all_but_a_duplicate_ack);
	tcase_add_test(tc, test_time_wait_freebsd_syn_beyond_rcv_nxt_opens_anew);
	suite_add_tcase(s, tc);
	return s;
}
