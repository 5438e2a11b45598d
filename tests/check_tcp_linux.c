/* check_tcp_linux.c — the `linux` profile, where it behaves as Linux does
 * rather than as the RFCs leave it: timers on a wheel of 4 ms jiffies,
 * Linux's RTT estimator and its samples. Every expected number is worked
 * out in the comment above it from the kernel's rules (function names as
 * in the kernel tree). As in check_tcp.c: a connection in a state, a
 * segment or a timer in, exactly these segments out, at exactly these
 * times.
 */
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"
#include "tcp_shorthand.h"

#define MSS 1460
/* The window Linux offers with the default buffer: 65535 rounded down to
 * a whole number of MSS (tcp_select_initial_window), 44 · 1460. */
#define LW 64240u

static const uint8_t zeros[3 * MSS];

/* The linux profile with its options off (no window scaling,
 * timestamps or SACK, NewReno): the rules under test here, as the kernel
 * captures they were checked against had them (docs/profiles.md). */
static struct tcp_params linux_params(void)
{
	struct tcp_params p = tcp_profile_find("linux")->p;
	p.wscale = TCP_WSCALE_OFF;
	p.timestamps = p.sack = false;
	p.cc = TCP_CC_NEWRENO;
	p.prr = p.tlp = p.rack = false;
	return p;
}

/* SYN at 0, the peer's SYN,ACK at `rtt`: ESTABLISHED, the third segment
 * checked. */
static void open_after(struct th *h, sim_time_t rtt)
{
	th_open_syn_sent(h);
	th_run_until(h, rtt);
	th_in(h, S | A, PEER_ISS, h->iss + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	th_expect_ack(h, h->iss + 1, PEER_ISS + 1, (uint16_t)tcp_max_window(h->c));
	th_clear_events(h);
}

/* The linux profile without Nagle, opened with an RTT of `rtt`. */
static void open_linux(struct th *h, sim_time_t rtt)
{
	struct tcp_params p = linux_params();
	p.nodelay = true;
	th_init(h, &p);
	open_after(h, rtt);
}

/* The ring of segments in flight that Linux's RTT samples come from is
 * made when the first segment that takes sequence space goes out (the
 * SYN), 4 records long, charged to the budget then; it doubles as more
 * are in flight, and is given back, empty, whenever an ACK leaves none
 * (an idle connection holds none); a listening socket never makes one. */
START_TEST(test_syn_sent_linux_segment_ring_made_with_the_syn)
{
	struct th h;
	struct tcp_params p = linux_params();
	th_init(&h, &p);
	uint64_t mem = h.sim.mem;
	uint64_t rec = sizeof *h.c->sent;
	th_open_syn_sent(&h);
	ck_assert_ptr_nonnull(h.c->sent);
	ck_assert_uint_eq(h.c->sent_n, 1);
	ck_assert_uint_eq(h.c->sent_cap, 4);
	ck_assert_uint_eq(h.sim.mem - mem, sizeof(struct tcp_conn) + 4 * rec);
	th_in(&h, S | A, PEER_ISS, h.iss + 1, 0);
	th_checked(&h, th_unchecked(&h));
	/* the SYN acknowledged: nothing in flight, no ring */
	ck_assert_ptr_null(h.c->sent);
	ck_assert_uint_eq(h.sim.mem - mem, sizeof(struct tcp_conn));
	/* five segments in flight (four full ones and the rest): 4
	 * records, then 8 */
	static const uint8_t data[6000];
	ck_assert_int_eq(tcp_send(h.c, data, sizeof data), (long)sizeof data);
	ck_assert_uint_eq(h.c->sent_n, 5);
	ck_assert_uint_eq(h.c->sent_cap, 8);
	ck_assert_uint_eq(h.sim.mem - mem, sizeof(struct tcp_conn) + 8 * rec +
						   h.c->sb.size);
	th_checked(&h, th_unchecked(&h));
	th_in(&h, A, PEER_ISS + 1, h.iss + 1 + sizeof data, 0);
	ck_assert_ptr_null(h.c->sent);
	ck_assert_int_eq(tcp_close(h.c), 0);
	th_checked(&h, th_unchecked(&h));
	ck_assert_uint_eq(h.c->sent_cap, 4);
	th_in(&h, A, PEER_ISS + 1, h.iss + 2 + sizeof data, 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
	ck_assert_ptr_null(h.c->sent);
	ck_assert_uint_eq(h.sim.mem - mem, sizeof(struct tcp_conn));
	th_fini(&h);
}
END_TEST

/* ---- the window -------------------------------------------------------- */

/* Linux offers a whole number of MSS as its largest window
 * (tcp_select_initial_window: rounddown(space, mss)): 44 · 1460 = 64240
 * of a 65535-byte buffer, 6 · 1460 = 8760 of 10000. */
START_TEST(test_syn_sent_linux_window_is_a_whole_number_of_mss)
{
	static const struct {
		uint32_t rcvbuf;
		uint16_t win;
	} cases[] = {{65535, 64240}, {10000, 8760}, {1000, 1000}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tcp_params p = linux_params();
		p.rcvbuf = cases[i].rcvbuf;
		struct th h;
		th_init(&h, &p);
		h.c = tcp_connect(h.st, 0, PEER_ADDR, PEER_PORT, NULL);
		h.iss = h.c->iss;
		h.lport = h.c->lport;
		TH_EXPECT(&h, {.flags = S, .seq = ISS, .win = cases[i].win,
			       .mss = MSS});
		th_fini(&h);
	}
}
END_TEST

/* ---- timers on the wheel --------------------------------------------- */

/* TCP_TIMEOUT_INIT is 1 s, 250 jiffies: more than level 0 holds (63), so
 * the timer wheel keeps it at level 1, in buckets of 8 jiffies, and it
 * fires at the first bucket boundary past jiffy 250: jiffy 256, 1.024 s.
 * Without a tick the same profile fires at exactly 1 s. */
START_TEST(test_syn_sent_linux_first_retransmission_waits_for_the_wheel)
{
	struct tcp_params p = linux_params();
	struct th h;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, SIM_MS(1024));
	th_fini(&h);
	p.tick = 0;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, SIM_S(1));
	th_fini(&h);
}
END_TEST

/* tcp_rtt_estimator(), first sample m = 10 ms: 8·SRTT = 80000 µs,
 * 4·mdev = 2m = 20000, RTTVAR term = max(20000, rto-min 200000) =
 * 200000; __tcp_set_rto: SRTT + RTTVAR = 210000 µs, 52.5 jiffies, up to
 * 53: RTO 212 ms. Data sent at 10 ms (jiffy 2) arms it for jiffy 55, at
 * level 0: it fires at the start of jiffy 56, 224 ms. The RFC's rules
 * with the same rto-min give max(200 ms, 10 + 4·5 ms) = 200 ms. */
START_TEST(test_established_linux_rto_is_srtt_plus_rto_min_in_jiffies)
{
	struct th h;
	open_linux(&h, SIM_MS(10));
	ck_assert_int_eq(h.c->srtt, SIM_MS(10));
	ck_assert_int_eq(h.c->rto, SIM_MS(212));
	tcp_send(h.c, zeros, 100);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = 100, .win = LW});
	ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when, SIM_MS(224));
	th_fini(&h);

	struct tcp_params p = linux_params();
	p.rules = TCP_RULES_RFC9293;
	p.tick = 0;
	th_init(&h, &p);
	open_after(&h, SIM_MS(10));
	ck_assert_int_eq(h.c->rto, SIM_MS(200));
	th_fini(&h);
}
END_TEST

/* Linux takes a sample from every ACK of new data, timed from the oldest
 * segment it covers (tcp_clean_rtx_queue); RFC 6298 times one segment at
 * a time. Three segments leave at 10 ms; the ACK of the first comes at
 * 30 ms, of the second at 50 ms.
 *   20 ms: error 20000 - 10000 = 10000; 8·SRTT 90000 (SRTT 11250 µs);
 *          4·mdev += 10000 - 20000/4: 25000.
 *   40 ms: error 40000 - 11250 = 28750; 8·SRTT 118750 (SRTT 14843 µs).
 * Under the RFC's rules the second ACK gives no sample: the timed
 * segment was the first. */
START_TEST(test_established_linux_every_ack_of_new_data_is_a_sample)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct tcp_params p = linux_params();
		p.nodelay = true;
		if (!lx) {
			p.rules = TCP_RULES_RFC9293;
			p.tick = 0;
		}
		struct th h;
		th_init(&h, &p);
		open_after(&h, SIM_MS(10));
		tcp_send(h.c, zeros, 3 * MSS);
		for (int i = 0; i < 3; i++) {
			const struct th_seg *o = th_next(&h, i);
			ck_assert_uint_eq(o->seg.seq, ISS + 1 + i * MSS);
			ck_assert_uint_eq(o->seg.len, MSS);
		}
		th_checked(&h, 3);
		th_run_until(&h, SIM_MS(30));
		th_in(&h, A, PEER_ISS + 1, ISS + 1 + MSS, 0);
		th_run_until(&h, SIM_MS(50));
		th_in(&h, A, PEER_ISS + 1, ISS + 1 + 2 * MSS, 0);
		th_expect_none(&h);
		if (lx) {
			ck_assert_int_eq(h.c->lx_srtt8, 118750);
			ck_assert_int_eq(h.c->srtt, SIM_US(14843));
		} else {
			/* RFC 6298: 7/8·10 + 1/8·20 ms */
			ck_assert_int_eq(h.c->srtt, SIM_US(11250));
		}
		th_fini(&h);
	}
}
END_TEST

/* Karn's rule, per segment: after a timeout resends the first segment,
 * the ACK that covers it gives no sample, and neither does the next: the
 * timeout sent the second segment again too (go-back-N). */
START_TEST(test_established_linux_no_sample_from_a_retransmitted_segment)
{
	struct th h;
	open_linux(&h, SIM_MS(10));
	tcp_send(h.c, zeros, 2 * MSS);
	th_checked(&h, 2);
	th_fire(&h, TCP_T_REXMT);
	/* the loss window: one segment, the first again */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .len = MSS, .win = LW, .tx = TR_TX_TIMEOUT});
	ck_assert_int_eq(h.c->rto, 2 * SIM_MS(212));
	th_in(&h, A, PEER_ISS + 1, ISS + 1 + MSS, 0);
	ck_assert_int_eq(h.c->srtt, SIM_MS(10));
	/* the backed-off RTO stays until a sample */
	ck_assert_int_eq(h.c->rto, 2 * SIM_MS(212));
	/* the window opens again: the second segment goes again */
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1 + MSS, .ack = PEER_ISS + 1,
		       .len = MSS, .win = LW, .tx = TR_TX_TIMEOUT});
	th_run_until(&h, h.sim.now + SIM_MS(20));
	th_in(&h, A, PEER_ISS + 1, ISS + 1 + 2 * MSS, 0);
	/* that one went twice too (go-back-N after the timeout): still no
	 * sample */
	ck_assert_int_eq(h.c->srtt, SIM_MS(10));
	th_fini(&h);
}
END_TEST

/* ---- giving up -------------------------------------------------------- */

/* The linux profile without its tick: exact times, for the rules alone. */
static struct tcp_params linux_exact(void)
{
	struct tcp_params p = linux_params();
	p.tick = 0;
	return p;
}

/* The linux profile without its tick; with the RFC's rules if !lx. */
static void init_exact(struct th *h, int lx)
{
	struct tcp_params p = linux_exact();
	if (!lx)
		p.rules = TCP_RULES_RFC9293;
	th_init(h, &p);
}

/* As init_exact, then SYN-RECEIVED of a passive OPEN. */
static void syn_received_exact(struct th *h, int lx)
{
	init_exact(h, lx);
	th_open_syn_received(h);
}

/* The times the SYN goes again and when connect gives up, from SYN-SENT
 * at 0, run until the connection is gone. */
static int syn_times(struct th *h, sim_time_t *at, int max)
{
	int n = 0;
	while (h->c) {
		th_fire(h, TCP_T_REXMT);
		if (!h->c)
			break;
		ck_assert_int_lt(n, max);
		at[n++] = h->sim.now;
		TH_EXPECT(h, {.flags = S, .seq = h->iss, .win = LW, .mss = MSS,
			      .tx = TR_TX_TIMEOUT});
	}
	th_expect_closed(h, TCP_END_TIMEOUT);
	return n;
}

/* tcp_syn_linear_timeouts = 4: the RTO stays at 1 s while the SYN's
 * timeouts number at most 4 (tcp_retransmit_timer backs off only past
 * them), so five retransmissions go 1 s apart, then 2, 4, 8 ... s; and
 * tcp_write_timeout lets SYN-SENT have tcp_syn_retries + 4 = 10 of them:
 * the SYN goes at 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s and connect gives
 * up at 131 s. With 0 linear timeouts: 1, 3, 7, 15, 31, 63, given up at
 * 127 s. */
START_TEST(test_syn_sent_linux_linear_timeouts_then_exponential)
{
	static const int64_t linear[] = {1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
	static const int64_t expo[] = {1, 3, 7, 15, 31, 63};
	for (int lin = 1; lin >= 0; lin--) {
		struct tcp_params p = linux_exact();
		if (!lin)
			p.syn_linear = 0;
		struct th h;
		th_init(&h, &p);
		th_open_syn_sent(&h);
		sim_time_t at[16];
		int n = syn_times(&h, at, 16);
		const int64_t *want = lin ? linear : expo;
		int nwant = lin ? 10 : 6;
		ck_assert_int_eq(n, nwant);
		for (int i = 0; i < n; i++)
			ck_assert_int_eq(at[i], SIM_S(want[i]));
		ck_assert_int_eq(h.sim.now, SIM_S(lin ? 131 : 127));
		th_fini(&h);
	}
}
END_TEST

/* The same on the wheel of 4 ms jiffies: each 1 s timeout is 250
 * jiffies at level 1, so it fires on the next multiple of 8 jiffies
 * (32 ms): 1.024, 2.048, 3.072, 4.096, 5.120 s; 2 s (500 jiffies, still
 * level 1) from jiffy 1280: 7.136 s; 4 s (1000 jiffies, level 2, 64-jiffy
 * buckets) from jiffy 1784: 11.264 s; 8 s: 19.456; 16 s: 35.584; 32 s
 * (level 3, 512-jiffy buckets): 69.632; 64 s: 135.168 s, where it gives
 * up. */
START_TEST(test_syn_sent_linux_syn_timeouts_on_the_wheel)
{
	static const int64_t want_ms[] = {1024, 2048, 3072, 4096, 5120,
					  7136, 11264, 19456, 35584, 69632};
	struct tcp_params p = linux_params();
	struct th h;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	sim_time_t at[16];
	ck_assert_int_eq(syn_times(&h, at, 16), 10);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(at[i], SIM_MS(want_ms[i]));
	ck_assert_int_eq(h.sim.now, SIM_MS(135168));
	th_fini(&h);
}
END_TEST

/* Open with the peer's SYN,ACK at `rtt`, send 100 bytes at once, and let
 * every retransmission go unanswered: the times they go and when the
 * connection gives up (at *end). */
static int data_rexmit_times(struct th *h, sim_time_t rtt, bool orphan,
			     sim_time_t *at, int max, sim_time_t *end)
{
	open_after(h, rtt);
	tcp_send(h->c, zeros, 100);
	th_checked(h, 1);
	if (orphan) {
		/* close(): the FIN follows the data, the application reads
		 * no more */
		ck_assert_int_eq(tcp_close(h->c), 0);
		tcp_stop_reading(h->c);
		TH_EXPECT(h, {.flags = F | A, .seq = h->iss + 101,
			      .ack = PEER_ISS + 1, .win = LW});
	}
	int n = 0;
	while (h->c) {
		th_fire(h, TCP_T_REXMT);
		if (!h->c)
			break;
		ck_assert_int_lt(n, max);
		at[n++] = h->sim.now;
		const struct th_seg *o = th_next(h, 0);
		ck_assert_uint_eq(o->seg.seq, h->iss + 1);
		ck_assert_int_eq(o->tx, TR_TX_TIMEOUT);
		th_checked(h, th_unchecked(h));
	}
	*end = h->sim.now;
	th_expect_closed(h, TCP_END_TIMEOUT);
	th_expect_none(h); /* no RST when retransmissions give up */
	return n;
}

/* Linux gives up on data by time, not by count (retransmits_timed_out):
 * when the time tcp_retries2 = 15 retransmissions would take from an RTO
 * of 200 ms — tcp_model_timeout: (2^10 - 1) · 0.2 + 6 · 120 = 924.6 s —
 * has passed since the data was first sent. With an RTT of 500 ms the
 * RTO is 500 + 1000 = 1.5 s (first sample: 4·mdev = 2·RTT), so the
 * retransmissions go at 1.5 s intervals doubling to 120 s: from the send
 * at 0.5 s, at 2, 5, 11, 23, 47, 95, 191, 311, 431, 551, 671, 791, 911 s;
 * at 1031 s, 1030.5 s after the first sending, it gives up — after 13
 * retransmissions, not 15. A socket the application closed (an orphan)
 * counts tcp_orphan_retries: 0, meaning 8 while the RTO is below its
 * maximum, 511 · 0.2 = 102.2 s: the retransmission at 95 s is the last,
 * it gives up at 191 s. */
START_TEST(test_established_linux_gives_up_on_data_by_time)
{
	static const int64_t want[] = {2, 5, 11, 23, 47, 95, 191,
				       311, 431, 551, 671, 791, 911};
	for (int orphan = 0; orphan <= 1; orphan++) {
		struct tcp_params p = linux_exact();
		struct th h;
		th_init(&h, &p);
		sim_time_t at[32], end;
		int n = data_rexmit_times(&h, SIM_MS(500), orphan, at, 32,
					  &end);
		ck_assert_int_eq(n, orphan ? 6 : 13);
		for (int i = 0; i < n; i++)
			ck_assert_int_eq(at[i], SIM_S(want[i]));
		ck_assert_int_eq(end, SIM_S(orphan ? 191 : 1031));
		th_fini(&h);
	}
	/* the RFC's rules count: 6 retransmissions (rfc9293's retries) */
	struct tcp_params p = tcp_params_default;
	struct th h;
	th_init(&h, &p);
	sim_time_t at[32], end;
	ck_assert_int_eq(data_rexmit_times(&h, SIM_MS(500), false, at, 32,
					   &end),
			 6);
	th_fini(&h);
}
END_TEST

/* ---- acknowledging --------------------------------------------------- */

/* 100 bytes from the peer at `at`, the `i`th such (PSH, acknowledging
 * `ack` of ours). */
static void data_at(struct th *h, sim_time_t at, uint32_t i, uint32_t ack)
{
	th_run_until(h, at);
	th_in_full(h, 0, P | A, PEER_ISS + 1 + 100 * i, ack, 65535, NULL, 100);
}

/* The first data of a connection starts the ACK engine in quick-ACK mode
 * (tcp_event_data_recv -> tcp_incr_quickack): min(16, window / (2 · the
 * guess of the peer's MSS, 536)) = min(16, 65535 / 1072) = 16 ACKs at
 * once, each before the application reads (it reads nothing here). The
 * 17th segment waits: ato 40 ms, 10 jiffies; it came at 180 ms (jiffy
 * 45), so the timer is set for jiffy 55 and fires at the start of jiffy
 * 56, 224 ms; that ACK missed nothing, so ato doubles to 20 jiffies
 * (tcp_delack_timer_handler). After a silence longer than the RTO
 * (212 ms), quick-ACK mode comes back: the segment at 2 s is acknowledged
 * at once. */
START_TEST(test_established_linux_quick_acks_then_delayed_then_quick_after_idle)
{
	struct th h;
	open_linux(&h, SIM_MS(10));
	h.no_read = true;
	/* The windows (tcp_select_window): the clamp keeps one MSS in
	 * reserve, 65535 - 1460 = 64075; the offer is kept while within an
	 * MSS guess (536) of the free space and never shrinks: 64140 and
	 * 64040 as the right edge stays, then 64040 while the free space,
	 * capped at 64075, allows it, then the edge again once 1500 bytes
	 * lie unread. */
	for (uint32_t i = 0; i < 16; i++) {
		uint16_t win = i == 0 ? 64140 : i < 14 ? 64040
					   : (uint16_t)(64040 - 100 * (i - 13));
		data_at(&h, SIM_MS(20 + 10 * i), i, ISS + 1);
		th_expect_ack(&h, ISS + 1, PEER_ISS + 1 + 100 * (i + 1), win);
	}
	ck_assert_uint_eq(h.c->lx_quick, 0);
	data_at(&h, SIM_MS(180), 16, ISS + 1);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when, SIM_MS(224));
	th_fire(&h, TCP_T_DELACK);
	/* free 63835: the largest multiple of 536 under it, 63784, is
	 * above what is left of the offer */
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1701, 63784);
	ck_assert_int_eq(h.c->lx_ato, 20);
	data_at(&h, SIM_S(2), 17, ISS + 1);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1801, 63784 - 100);
	th_fini(&h);
}
END_TEST

/* An application that reads everything sees a small segment acknowledged
 * when it has read it, quick-ACK mode or not (tcp_cleanup_rbuf: the
 * segment was "pushed" and the connection is not interactive). */
START_TEST(test_established_linux_small_segment_read_is_acked_at_once)
{
	struct th h;
	open_linux(&h, SIM_MS(10));
	h.c->lx_quick = 0; /* as if the quick ACKs were spent */
	h.c->lx_ato = 10;
	data_at(&h, SIM_MS(20), 0, ISS + 1);
	const struct th_seg *o = th_next(&h, 0);
	ck_assert_str_eq(o->why, "Linux tcp_cleanup_rbuf: everything read, "
				 "the last segment a small one — acknowledge "
				 "it");
	th_expect_ack(&h, ISS + 1, PEER_ISS + 101, LW - 100);
	th_fini(&h);
}
END_TEST

/* A request answered within ato of its arrival makes the connection
 * interactive (tcp_event_data_sent: ping-pong): the next request's ACK
 * waits — the first was acknowledged at once, in quick-ACK mode, before
 * the application even read it — and rides on the answer. The second
 * request comes at 60 ms, jiffy 15: the delayed ACK is set for jiffy 25,
 * to fire at jiffy 26 (104 ms); the answer at 70 ms carries it. */
START_TEST(test_established_linux_reply_within_ato_makes_acks_ride_on_replies)
{
	struct th h;
	open_linux(&h, SIM_MS(10));
	data_at(&h, SIM_MS(20), 0, ISS + 1);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 101, LW - 100);
	ck_assert_int_eq(tcp_send(h.c, zeros, 50), 50);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1, .ack = PEER_ISS + 101,
		       .len = 50, .win = LW - 100});
	ck_assert_uint_eq(h.c->lx_pingpong, 1);
	data_at(&h, SIM_MS(60), 1, ISS + 51);
	th_expect_none(&h);
	ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when, SIM_MS(104));
	th_run_until(&h, SIM_MS(70));
	ck_assert_int_eq(tcp_send(h.c, zeros, 50), 50);
	TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 51, .ack = PEER_ISS + 201,
		       .len = 50, .win = LW - 200});
	ck_assert_int_eq(tcp_conn_timer(h.c, TCP_T_DELACK), -1);
	th_fini(&h);
}
END_TEST

/* The FIN that brings CLOSE-WAIT makes the connection interactive
 * (tcp_fin): its ACK waits ato — 10 jiffies from jiffy 7 (30 ms), firing
 * at jiffy 18, 72 ms — or rides on our own FIN if the application closes
 * first. */
START_TEST(test_established_linux_fin_to_close_wait_ack_is_delayed)
{
	for (int closes = 0; closes <= 1; closes++) {
		struct th h;
		open_linux(&h, SIM_MS(10));
		data_at(&h, SIM_MS(20), 0, ISS + 1);
		th_expect_ack(&h, ISS + 1, PEER_ISS + 101, LW - 100);
		th_run_until(&h, SIM_MS(30));
		th_in(&h, F | A, PEER_ISS + 101, ISS + 1, 0);
		ck_assert_int_eq(h.c->state, TCP_CLOSE_WAIT);
		th_expect_none(&h);
		ck_assert_int_eq(h.c->timer[TCP_T_DELACK].when, SIM_MS(72));
		if (closes) {
			th_run_until(&h, SIM_MS(50));
			ck_assert_int_eq(tcp_close(h.c), 0);
			TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1,
				       .ack = PEER_ISS + 102,
				       .win = LW - 100});
			ck_assert_int_eq(h.c->state, TCP_LAST_ACK);
		} else {
			th_fire(&h, TCP_T_DELACK);
			ck_assert_int_eq(h.sim.now, SIM_MS(72));
			th_expect_ack(&h, ISS + 1, PEER_ISS + 102, LW - 100);
		}
		th_fini(&h);
	}
}
END_TEST

/* ---- resets, duplicate SYNs, closing ---------------------------------- */

/* An ABORT (a close with linger 0): RFC 9293 §3.10.5 sends <SEQ=SND.NXT>
 * <CTL=RST>; Linux's tcp_send_active_reset a RST,ACK acknowledging
 * RCV.NXT, with the window, as any segment of the socket. */
START_TEST(test_established_linux_abort_sends_rst_ack_with_ack_and_window)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		init_exact(&h, lx);
		open_after(&h, SIM_MS(10));
		data_at(&h, SIM_MS(20), 0, ISS + 1);
		th_checked(&h, th_unchecked(&h));
		tcp_abort(h.c);
		th_expect_closed(&h, TCP_END_ABORTED);
		if (lx)
			TH_EXPECT(&h, {.flags = R | A, .seq = ISS + 1,
				       .ack = PEER_ISS + 101, .win = LW - 100});
		else
			TH_EXPECT(&h, {.flags = R, .seq = ISS + 1});
		th_fini(&h);
	}
}
END_TEST

/* Keepalive giving up resets the same way (tcp_keepalive_timer ->
 * tcp_send_active_reset): idle 10 s from the last segment (10 ms), two
 * probes a second apart, the RST,ACK a second after the second. */
START_TEST(test_established_linux_keepalive_gives_up_with_rst_ack)
{
	struct tcp_params p = linux_exact();
	p.keepalive = true;
	p.keepidle = SIM_S(10);
	p.keepintvl = SIM_S(1);
	p.keepcnt = 2;
	struct th h;
	th_init(&h, &p);
	open_after(&h, SIM_MS(10));
	for (int i = 0; i < 2; i++) {
		th_fire(&h, TCP_T_KEEPALIVE);
		ck_assert_int_eq(h.sim.now, SIM_MS(10010 + 1000 * i));
		th_expect_ack(&h, ISS, PEER_ISS + 1, LW);
	}
	th_fire(&h, TCP_T_KEEPALIVE);
	ck_assert_int_eq(h.sim.now, SIM_MS(12010));
	th_expect_closed(&h, TCP_END_TIMEOUT);
	TH_EXPECT(&h, {.flags = R | A, .seq = ISS + 1, .ack = PEER_ISS + 1,
		       .win = LW});
	th_fini(&h);
}
END_TEST

/* The peer's SYN again while we are in SYN-RECEIVED (a passive open):
 * the RFC's first check finds it below the window and answers with an
 * ACK; Linux sends the SYN,ACK again and restarts its timer
 * (tcp_check_req -> inet_rtx_syn_ack). */
START_TEST(test_syn_received_linux_duplicate_syn_draws_the_syn_ack_again)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		syn_received_exact(&h, lx);
		th_run_until(&h, SIM_MS(300));
		th_in_full(&h, LOCAL_PORT, S, PEER_ISS, 0, 65535, NULL, 0);
		ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
		if (lx) {
			TH_EXPECT(&h, {.flags = S | A, .seq = ISS,
				       .ack = PEER_ISS + 1, .win = LW,
				       .mss = MSS, .tx = TR_TX_ANSWER});
			ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when,
					 SIM_MS(1300));
		} else {
			th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WIN);
			ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when,
					 SIM_S(1));
		}
		th_fini(&h);
	}
}
END_TEST

/* Linux judges what comes for a passive SYN-RECEIVED in tcp_check_req's
 * order. An ACK of anything but our SYN goes to the listener, which
 * answers it with a RST, before any look at the sequence number: so
 * also one far outside the window, which the RFC's first check answers
 * with an ACK. The request stays either way. */
START_TEST(test_syn_received_linux_bad_ack_outside_the_window_draws_rst)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		syn_received_exact(&h, lx);
		uint32_t far = PEER_ISS + 1 + 1000000;
		th_in(&h, A, far, ISS + 5, 0);
		ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
		if (lx)
			TH_EXPECT(&h, {.flags = R, .seq = ISS + 5});
		else
			th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WIN);
		th_fini(&h);
	}
}
END_TEST

/* A RST in the window but not at RCV.NXT: RFC 5961 §3.2 answers it with
 * a challenge ACK; Linux's request takes any RST in its window as the
 * end (tcp_check_req -> embryonic_reset), silently. The listener stays. */
START_TEST(test_syn_received_linux_rst_anywhere_in_the_window_drops_it)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		syn_received_exact(&h, lx);
		struct tcp_conn *c = h.c, *l = h.c->listener;
		th_in(&h, R, PEER_ISS + 11, 0, 0);
		ck_assert(th_alive(&h, l));
		if (lx) {
			ck_assert(!th_alive(&h, c));
			th_expect_none(&h);
		} else {
			ck_assert(th_alive(&h, c));
			th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WIN);
		}
		th_fini(&h);
	}
}
END_TEST

/* A SYN in the window that is not the peer's first: the RFC returns the
 * connection to LISTEN without a word (§3.10.7.4, fourth: "passive
 * OPEN"); Linux drops the request and answers the SYN with a RST
 * (tcp_check_req -> embryonic_reset -> send_reset), a RST,ACK as the
 * SYN carries no ACK. */
START_TEST(test_syn_received_linux_new_syn_in_the_window_draws_rst)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		syn_received_exact(&h, lx);
		struct tcp_conn *c = h.c, *l = h.c->listener;
		th_in_full(&h, LOCAL_PORT, S, PEER_ISS + 11, 0, 65535, NULL,
			   0);
		ck_assert(!th_alive(&h, c));
		ck_assert(th_alive(&h, l));
		if (lx)
			TH_EXPECT(&h, {.flags = R | A, .seq = 0,
				       .ack = PEER_ISS + 12});
		else
			th_expect_none(&h);
		th_fini(&h);
	}
}
END_TEST

/* A CLOSE in SYN-RECEIVED moves to FIN-WAIT-1 before our SYN is
 * acknowledged (RFC 9293 §3.10.4); text that comes then is taken, and
 * the window offered shrinks by it like any other: 64240 − 100. */
START_TEST(test_fin_wait_1_linux_text_before_our_syn_is_acked_fills_the_window)
{
	struct th h;
	syn_received_exact(&h, 1);
	ck_assert_int_eq(tcp_close(h.c), 0);
	ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_1);
	th_checked(&h, th_unchecked(&h));
	h.no_read = true;
	th_in(&h, P | A, PEER_ISS + 1, ISS, 100);
	ck_assert_uint_eq(h.c->rcv_nxt, PEER_ISS + 101);
	/* after our SYN and the FIN the CLOSE sent */
	th_expect_ack(&h, ISS + 2, PEER_ISS + 101, LW - 100);
	th_fini(&h);
}
END_TEST

/* A socket the application closed (not one merely shut down) waits in
 * FIN-WAIT-2 for fin-timeout, 60 s (tcp_fin_timeout), then is gone
 * without a segment sent. */
START_TEST(test_fin_wait_2_linux_closed_socket_times_out)
{
	for (int closed = 1; closed >= 0; closed--) {
		struct tcp_params p = linux_exact();
		struct th h;
		th_init(&h, &p);
		open_after(&h, SIM_MS(10));
		ck_assert_int_eq(tcp_close(h.c), 0);
		if (closed)
			tcp_stop_reading(h.c);
		TH_EXPECT(&h, {.flags = F | A, .seq = ISS + 1,
			       .ack = PEER_ISS + 1, .win = LW});
		th_run_until(&h, SIM_MS(100));
		th_in(&h, A, PEER_ISS + 1, ISS + 2, 0);
		ck_assert_int_eq(h.c->state, TCP_FIN_WAIT_2);
		if (closed) {
			ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when,
					 SIM_MS(60100));
			th_fire(&h, TCP_T_TIMEWAIT);
			th_expect_closed(&h, TCP_END_TIMEOUT);
		} else {
			/* shutdown only: FIN-WAIT-2 lasts; a close later
			 * starts the 60 s */
			ck_assert_int_eq(tcp_conn_timer(h.c, TCP_T_TIMEWAIT),
					 -1);
			th_run_until(&h, SIM_S(5));
			tcp_stop_reading(h.c);
			ck_assert_int_eq(h.c->timer[TCP_T_TIMEWAIT].when,
					 SIM_S(65));
		}
		th_expect_none(&h);
		th_fini(&h);
	}
}
END_TEST

/* Linux's Nagle (Minshall's variant, tcp_nagle_check): a small segment
 * waits only while another small one is unacknowledged, not behind full
 * ones. 1560 bytes: a full segment, and the 100 left go at once (the RFC's
 * rule holds them until the full one is acknowledged); 50 more wait for
 * the ACK of those 100. */
START_TEST(test_established_linux_nagle_holds_behind_a_small_segment_only)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		init_exact(&h, lx);
		open_after(&h, SIM_MS(10));
		static const uint8_t bytes[MSS + 100];
		tcp_send(h.c, bytes, MSS + 100);
		const struct th_seg *o = th_next(&h, 0);
		ck_assert_uint_eq(o->seg.len, MSS);
		if (lx) {
			o = th_next(&h, 1);
			ck_assert_uint_eq(o->seg.seq, ISS + 1 + MSS);
			ck_assert_uint_eq(o->seg.len, 100);
			th_checked(&h, 2);
			tcp_send(h.c, zeros, 50);
			th_expect_none(&h);
			/* the full segment's ACK: the small one still out */
			th_in(&h, A, PEER_ISS + 1, ISS + 1 + MSS, 0);
			th_expect_none(&h);
			th_in(&h, A, PEER_ISS + 1, ISS + 1 + MSS + 100, 0);
			TH_EXPECT(&h, {.flags = P | A,
				       .seq = ISS + 1 + MSS + 100,
				       .ack = PEER_ISS + 1, .len = 50,
				       .win = LW});
		} else {
			th_checked(&h, 1);
			th_expect_none(&h);
			th_in(&h, A, PEER_ISS + 1, ISS + 1 + MSS, 0);
			o = th_next(&h, 0);
			ck_assert_uint_eq(o->seg.len, 100);
			th_checked(&h, 1);
		}
		th_fini(&h);
	}
}
END_TEST

/* SO_LINGER: a close() that lingers has not let go of the socket until
 * its FIN is acknowledged or the linger time is up (tcp_close:
 * sk_stream_wait_close, then sock_orphan), so until then it gives up on
 * its data as an open socket would (tcp_retries2: 924.6 s), not as an
 * orphan (102.2 s). As in test_established_linux_gives_up_on_data_by_time
 * (RTT 500 ms), closed with a linger of 200 s: the timeout at 191 s finds
 * it still lingering, the one at 311 s an orphan 310.5 s on. */
START_TEST(test_established_linux_lingering_close_is_no_orphan_until_it_ends)
{
	struct tcp_params p = linux_exact();
	p.linger = SIM_S(200);
	struct th h;
	th_init(&h, &p);
	sim_time_t at[32], end;
	ck_assert_int_eq(data_rexmit_times(&h, SIM_MS(500), true, at, 32, &end),
			 7);
	ck_assert_int_eq(at[6], SIM_S(191));
	ck_assert_int_eq(end, SIM_S(311));
	th_fini(&h);
}
END_TEST

/* ---- windows closed, segments outside them ---------------------------- */

/* The peer closes its window on all we sent; 100 more bytes wait. Linux
 * probes with an empty segment at SND.UNA-1 (tcp_xmit_probe_skb), the
 * RFC with one octet of new data (RFC 9293 §3.8.6.1); after `retries`
 * (2) unanswered probes Linux gives up (tcp_probe_timer), the RFC's rule
 * after retries + 1. */
START_TEST(test_established_linux_zero_window_probes_are_empty)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		struct tcp_params p = linux_exact();
		p.retries = 2;
		if (!lx)
			p.rules = TCP_RULES_RFC9293;
		th_init(&h, &p);
		open_after(&h, SIM_MS(10));
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
		tcp_send(h.c, zeros, 100);
		th_expect_none(&h);
		int probes = 0;
		while (h.c) {
			th_fire(&h, TCP_T_PERSIST);
			if (!h.c)
				break;
			if (lx)
				TH_EXPECT(&h, {.flags = A, .seq = ISS,
					       .ack = PEER_ISS + 1, .win = LW,
					       .tx = probes ? TR_TX_PROBE
							    : TR_TX_NEW});
			else
				TH_EXPECT(&h, {.flags = A, .seq = ISS + 1,
					       .ack = PEER_ISS + 1, .len = 1,
					       .win = WIN,
					       .tx = probes ? TR_TX_PROBE
							    : TR_TX_NEW});
			probes++;
		}
		th_expect_closed(&h, TCP_END_TIMEOUT);
		ck_assert_int_eq(probes, lx ? 2 : 3);
		th_fini(&h);
	}
}
END_TEST

/* When a window closes on data in flight, Linux's retransmission timer
 * sends the first segment again anyway (tcp_retransmit_timer, its zero-
 * window branch); the RFC's sender probes with one octet. */
START_TEST(test_established_linux_window_closed_on_data_in_flight_resends_it)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		init_exact(&h, lx);
		open_after(&h, SIM_MS(10));
		tcp_send(h.c, zeros, 100);
		th_checked(&h, 1);
		/* the peer's window closes; the 100 bytes are not acked */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
		sim_time_t rto = h.c->rto;
		th_fire(&h, TCP_T_REXMT);
		if (lx) {
			TH_EXPECT(&h, {.flags = P | A, .seq = ISS + 1,
				       .ack = PEER_ISS + 1, .len = 100,
				       .win = LW, .tx = TR_TX_TIMEOUT});
			ck_assert_int_eq(h.c->timer[TCP_T_REXMT].when,
					 h.sim.now + 2 * rto);
		} else {
			TH_EXPECT(&h, {.flags = A, .seq = ISS + 1,
				       .ack = PEER_ISS + 1, .len = 1,
				       .win = WIN, .tx = TR_TX_PROBE});
		}
		th_fini(&h);
	}
}
END_TEST

/* Which ACK may change the send window. RFC 9293 §3.10.7.4 (fifth):
 * SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK — so an
 * ACK at the same sequence and acknowledgment number sets any window.
 * Linux (tcp_may_update_window): an ACK of new data, or a newer
 * sequence number, or the same one with a larger window — or a zero
 * window: it never lets one shrink the window but to zero. */
START_TEST(test_established_linux_window_shrinks_only_to_zero)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		init_exact(&h, lx);
		open_after(&h, SIM_MS(10));
		/* the SYN,ACK's segment set SND.WL1 to PEER_ISS: a first
		 * ACK takes it to PEER_ISS + 1 */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 30000, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, 30000);
		/* the same ACK again with a smaller window */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 20000, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, lx ? 30000 : 20000);
		/* with a larger one: both take it */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 40000, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, 40000);
		/* with none: both close the window */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 0, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, 0);
		th_expect_none(&h);
		/* an ACK of new data sets the window whatever it is */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 20000, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, 20000);
		tcp_send(h.c, zeros, 100);
		th_checked(&h, 1);
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 101, 10000, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, 10000);
		th_expect_none(&h);
		th_fini(&h);
	}
}
END_TEST

/* An ACK overtaken on the way: the peer acknowledged 100 bytes with a
 * window of 50, then (sent earlier, arriving later) the ACK of 40 with a
 * window of 200, from the same sequence number. RFC 9293 §3.10.7.4
 * (fifth): "If the ACK is a duplicate (SEG.ACK < SND.UNA), it can be
 * ignored", and its window with it. Linux's tcp_ack takes such an ACK to
 * old_ack and never to tcp_ack_update_window. Taking its window would
 * stretch 200 bytes from the new SND.UNA, past the edge the peer offered
 * (SND.UNA + 50), and send there. */
START_TEST(test_established_linux_old_ack_leaves_the_window_alone)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		init_exact(&h, lx);
		open_after(&h, SIM_MS(10));
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 1, 30000, NULL, 0);
		tcp_send(h.c, zeros, 100);
		th_checked(&h, 1);
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 101, 50, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, 50);
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 41, 200, NULL, 0);
		ck_assert_uint_eq(h.c->snd_wnd, 50);
		ck_assert_uint_eq(h.c->snd_una, ISS + 101);
		/* 150 bytes to send: with the old ACK's window all would
		 * go; in 50 bytes of window the sender's SWS avoidance holds
		 * them, until its timer sends what fits: 50 bytes, up to
		 * the edge offered */
		tcp_send(h.c, zeros, 150);
		th_expect_none(&h);
		th_run_until(&h, h.c->timer[TCP_T_PERSIST].when);
		const struct th_seg *o = th_next(&h, 0);
		ck_assert_uint_eq(o->seg.seq, ISS + 101);
		ck_assert_uint_eq(o->seg.len, 50);
		th_checked(&h, 1);
		th_expect_none(&h);
		/* the rest once the window opens */
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 151, 30000, NULL, 0);
		o = th_next(&h, 0);
		ck_assert_uint_eq(o->seg.seq, ISS + 151);
		ck_assert_uint_eq(o->seg.len, 100);
		th_checked(&h, 1);
		th_in_full(&h, 0, A, PEER_ISS + 1, ISS + 251, 30000, NULL, 0);
		th_expect_none(&h);
		th_fini(&h);
	}
}
END_TEST

/* Linux answers a segment outside its window at most once per 500 ms
 * per socket (invalid-ratelimit: tcp_invalid_ratelimit,
 * tcp_oow_rate_limited) — but always one that carries text; the rfc9293
 * profile answers every one. */
START_TEST(test_established_linux_out_of_window_acks_are_rate_limited)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		struct tcp_params p = lx ? linux_exact() : tcp_params_default;
		th_init(&h, &p);
		open_after(&h, SIM_MS(10));
		uint16_t win = lx ? LW : WIN;
		uint32_t beyond = PEER_ISS + 1 + 70000;
		th_in(&h, A, beyond, ISS + 1, 0);
		th_expect_ack(&h, ISS + 1, PEER_ISS + 1, win);
		th_run_until(&h, SIM_MS(110));
		th_in(&h, A, beyond, ISS + 1, 0);
		if (lx)
			th_expect_none(&h);
		else
			th_expect_ack(&h, ISS + 1, PEER_ISS + 1, win);
		/* text is answered, limit or not */
		th_in_full(&h, 0, P | A, beyond, ISS + 1, 65535, NULL, 10);
		th_expect_ack(&h, ISS + 1, PEER_ISS + 1, win);
		th_run_until(&h, SIM_MS(520));
		th_in(&h, A, beyond, ISS + 1, 0);
		th_expect_ack(&h, ISS + 1, PEER_ISS + 1, win);
		th_fini(&h);
	}
}
END_TEST

/* A peer that offers a window of 1460 gets segments of 730 from Linux:
 * never more than half the largest window offered, if that is over 536
 * (tcp_bound_to_half_wnd). */
START_TEST(test_syn_sent_linux_segments_bound_to_half_the_window)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		struct tcp_params p = linux_exact();
		p.nodelay = true;
		if (!lx)
			p.rules = TCP_RULES_RFC9293;
		th_init(&h, &p);
		th_open_syn_sent(&h);
		th_in_full(&h, 0, S | A, PEER_ISS, ISS + 1, 1460, NULL, 0);
		th_checked(&h, 1);
		ck_assert_uint_eq(h.c->snd_mss, lx ? 730 : MSS);
		tcp_send(h.c, zeros, 2000);
		uint32_t want = lx ? 730 : MSS;
		ck_assert_int_eq(th_unchecked(&h), lx ? 2 : 1);
		for (int i = 0; i < th_unchecked(&h); i++)
			ck_assert_uint_eq(th_next(&h, i)->seg.len, want);
		th_checked(&h, th_unchecked(&h));
		th_fini(&h);
	}
}
END_TEST

/* Text outside the window while still in SYN-RECEIVED: answered with an
 * ACK, the ACK engine not yet started (it starts in ESTABLISHED; found by
 * the segment fuzzer, which divided by the engine's unset MSS guess). */
START_TEST(test_syn_received_linux_text_outside_the_window_is_acked)
{
	struct th h;
	init_exact(&h, 1);
	th_open_syn_received(&h);
	th_in_full(&h, 0, P | A, PEER_ISS + 1 + 70000, ISS + 1, 65535, NULL,
		   10);
	ck_assert_int_eq(h.c->state, TCP_SYN_RECEIVED);
	th_expect_ack(&h, ISS + 1, PEER_ISS + 1, LW);
	th_fini(&h);
}
END_TEST

/* An ACK of data not yet sent: RFC 9293 §3.10.7.4 (fifth) answers with an
 * ACK; Linux drops it silently in ESTABLISHED (tcp_rcv_established). */
START_TEST(test_established_linux_ack_of_unsent_data_is_dropped_silently)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		init_exact(&h, lx);
		open_after(&h, SIM_MS(10));
		th_in(&h, A, PEER_ISS + 1, ISS + 1000, 0);
		if (lx)
			th_expect_none(&h);
		else
			th_expect_ack(&h, ISS + 1, PEER_ISS + 1, WIN);
		th_fini(&h);
	}
}
END_TEST

/* tcp_timewait_state_process: a SYN without ACK beyond RCV.NXT ends
 * TIME-WAIT (TCP_TW_SYN); tcp_v4_rcv hands it to the listener on the
 * port, with the ISS TIME-WAIT chose: its SND.NXT + 65535 + 2. With no
 * listener, TIME-WAIT stays and the SYN draws an ACK (TCP_TW_ACK). A SYN
 * at RCV.NXT is not beyond it: a duplicate ACK, TIME-WAIT restarted. */
START_TEST(test_time_wait_linux_syn_beyond_rcv_nxt_opens_anew)
{
	for (int k = 0; k < 3; k++) {
		struct th h;
		struct tcp_params p = linux_params();
		th_init(&h, &p);
		th_open_time_wait(&h);
		th_run_until(&h, h.sim.now + SIM_S(10));
		uint32_t rcv_nxt = h.c->rcv_nxt, snd_nxt = h.c->snd_nxt;
		struct tcp_conn *l = NULL;
		if (k == 0)
			l = tcp_listen(h.st, h.lport, NULL);
		uint32_t seq = k == 2 ? rcv_nxt : rcv_nxt + 1000;
		struct tcp_conn *old = h.c;
		th_in(&h, S, seq, 0, 0);
		if (k == 0) {
			ck_assert(!th_alive(&h, old));
			h.c = NULL;
			struct tcp_conn *c = h.st->tail;
			ck_assert_int_eq(c->state, TCP_SYN_RECEIVED);
			ck_assert_uint_eq(c->iss, snd_nxt + 65535 + 2);
			const struct th_seg *o = th_next(&h, 0);
			ck_assert_uint_eq(o->seg.flags, S | A);
			ck_assert_uint_eq(o->seg.seq, snd_nxt + 65537);
			ck_assert_uint_eq(o->seg.ack, seq + 1);
			th_checked(&h, 1);
			tcp_abort(c);
			th_checked(&h, th_unchecked(&h));
			tcp_abort(l);
		} else {
			ck_assert_int_eq(h.c->state, TCP_TIME_WAIT);
			th_expect_ack(&h, snd_nxt, rcv_nxt, LW);
		}
		th_fini(&h);
	}
}
END_TEST

/* tcp_rcv_state_process in LISTEN: "if (th->fin) goto discard" for a
 * SYN — SYN and FIN together open nothing and draw nothing. RFC 9293's
 * LISTEN takes the SYN (the FIN waits for ESTABLISHED). */
START_TEST(test_listen_linux_syn_fin_is_discarded)
{
	for (int lx = 1; lx >= 0; lx--) {
		struct th h;
		struct tcp_params p = linux_params();
		if (!lx)
			p.rules = TCP_RULES_RFC9293;
		th_init(&h, &p);
		th_open_listen(&h);
		th_in_full(&h, LOCAL_PORT, S | F, PEER_ISS, 0, 65535, NULL, 0);
		if (lx) {
			th_expect_none(&h);
			ck_assert_ptr_eq(h.st->tail, h.c);
		} else {
			ck_assert_int_eq(h.st->tail->state, TCP_SYN_RECEIVED);
			const struct th_seg *o = th_next(&h, 0);
			ck_assert_uint_eq(o->seg.flags, S | A);
			th_checked(&h, 1);
			tcp_abort(h.st->tail);
			th_checked(&h, th_unchecked(&h));
		}
		tcp_abort(h.c);
		th_fini(&h);
	}
}
END_TEST

Suite *tcp_linux_suite(void)
{
	Suite *s = suite_create("tcp_linux");
	TCase *tc = tcase_create("timers");
	tcase_add_test(tc, test_syn_sent_linux_window_is_a_whole_number_of_mss);
	tcase_add_test(tc, test_syn_sent_linux_first_retransmission_waits_for_the_wheel);
	tcase_add_test(tc, test_established_linux_rto_is_srtt_plus_rto_min_in_jiffies);
	tcase_add_test(tc, test_established_linux_every_ack_of_new_data_is_a_sample);
	tcase_add_test(tc, test_established_linux_no_sample_from_a_retransmitted_segment);
	tcase_add_test(tc, test_syn_sent_linux_segment_ring_made_with_the_syn);
	suite_add_tcase(s, tc);
	tc = tcase_create("giving up");
	tcase_add_test(tc, test_syn_sent_linux_linear_timeouts_then_exponential);
	tcase_add_test(tc, test_syn_sent_linux_syn_timeouts_on_the_wheel);
	tcase_add_test(tc, test_established_linux_gives_up_on_data_by_time);
	suite_add_tcase(s, tc);
	tc = tcase_create("acknowledging");
	tcase_add_test(tc, test_established_linux_quick_acks_then_delayed_then_quick_after_idle);
	tcase_add_test(tc, test_established_linux_small_segment_read_is_acked_at_once);
	tcase_add_test(tc, test_established_linux_reply_within_ato_makes_acks_ride_on_replies);
	tcase_add_test(tc, test_established_linux_fin_to_close_wait_ack_is_delayed);
	suite_add_tcase(s, tc);
	tc = tcase_create("resets and closing");
	tcase_add_test(tc, test_established_linux_abort_sends_rst_ack_with_ack_and_window);
	tcase_add_test(tc, test_established_linux_keepalive_gives_up_with_rst_ack);
	tcase_add_test(tc, test_syn_received_linux_duplicate_syn_draws_the_syn_ack_again);
	tcase_add_test(tc, test_syn_received_linux_bad_ack_outside_the_window_draws_rst);
	tcase_add_test(tc, test_syn_received_linux_rst_anywhere_in_the_window_drops_it);
	tcase_add_test(tc, test_syn_received_linux_new_syn_in_the_window_draws_rst);
	tcase_add_test(tc, test_fin_wait_1_linux_text_before_our_syn_is_acked_fills_the_window);
	tcase_add_test(tc, test_fin_wait_2_linux_closed_socket_times_out);
	tcase_add_test(tc, test_established_linux_nagle_holds_behind_a_small_segment_only);
	tcase_add_test(tc, test_established_linux_lingering_close_is_no_orphan_until_it_ends);
	tcase_add_test(tc, test_time_wait_linux_syn_beyond_rcv_nxt_opens_anew);
	tcase_add_test(tc, test_listen_linux_syn_fin_is_discarded);
	suite_add_tcase(s, tc);
	tc = tcase_create("closed windows, out-of-window segments");
	tcase_add_test(tc, test_established_linux_zero_window_probes_are_empty);
	tcase_add_test(tc, test_established_linux_window_closed_on_data_in_flight_resends_it);
	tcase_add_test(tc, test_established_linux_window_shrinks_only_to_zero);
	tcase_add_test(tc, test_established_linux_old_ack_leaves_the_window_alone);
	tcase_add_test(tc, test_established_linux_out_of_window_acks_are_rate_limited);
	tcase_add_test(tc, test_syn_sent_linux_segments_bound_to_half_the_window);
	tcase_add_test(tc, test_established_linux_ack_of_unsent_data_is_dropped_silently);
	tcase_add_test(tc, test_syn_received_linux_text_outside_the_window_is_acked);
	suite_add_tcase(s, tc);
	return s;
}
