/* tcp_ack.c — when a receiver acknowledges, under `rules: linux`: Linux's
 * delayed-ACK engine (net/ipv4/tcp_input.c, tcp_output.c, tcp_timer.c,
 * tcp.c; the state the kernel keeps in icsk_ack).
 *
 * The RFCs (RFC 1122 §4.2.3.2, RFC 5681 §4.2) let an ACK wait up to the
 * delayed-ACK time and no longer than every second full segment;
 * `rules: rfc9293` does just that (tcp_owe_ack_delayed, tcp_out.c).
 * Linux adapts:
 *  - quick-ACK mode: the first data of a connection, and data after a
 *    silence longer than the RTO, are acknowledged at once, for a number
 *    of ACKs (up to 16) that grows with the window (tcp_incr_quickack);
 *  - ping-pong mode: a connection that answers within the delayed-ACK
 *    time of receiving (tcp_event_data_sent), or that has received a FIN
 *    (tcp_fin), is taken for an interactive one, whose ACKs can wait for
 *    the reply; a delayed-ACK timeout ends it;
 *  - the delay itself (ato) starts at 40 ms and follows the gaps between
 *    arriving segments (tcp_event_data_recv), bounded by 200 or 500 ms
 *    and by the RTT (tcp_send_delayed_ack);
 *  - an ACK goes at once when more than one segment's worth (the
 *    receiver's guess of the peer's MSS, tcp_measure_rcv_mss) has come
 *    since the last, when a gap fills, and when the application has read
 *    everything and the last segment was a small one (tcp_cleanup_rbuf).
 *
 * Times here are in jiffies when the profile has a tick, else in ns:
 * the kernel's arithmetic on them is in jiffies.
 */
#include "models/tcp_priv.h"

/* TCP_MAX_QUICKACKS */
#define LX_MAX_QUICKACKS 16
/* TCP_DELACK_MAX, the delayed ACK's bound (icsk_delack_max) */
#define LX_DELACK_MAX SIM_MS(200)
/* HZ/2: the bound of a delay that is neither interactive nor pushed */
#define LX_ATO_CAP SIM_MS(500)
/* TCP_MSS_DEFAULT, TCP_MIN_MSS, and the header the kernel adds to a
 * segment's length when it measures the peer's MSS */
#define LX_MSS_DEFAULT 536
#define LX_MIN_MSS 88
#define LX_TCP_HDR 20

static bool in_pingpong(const struct tcp_conn *c)
{
	return c->lx_pingpong >= 1; /* tcp_pingpong_thresh */
}

/* tcp_initialize_rcv_mss: the first guess of the peer's MSS; and
 * tcp_init_buffer_space: the window's clamp and ceiling. */
void tcp_ack_init(struct tcp_conn *c)
{
	uint32_t hint = min32(c->our_mss, c->snd_mss);
	hint = min32(hint, c->rcv_wnd / 2);
	hint = min32(hint, LX_MSS_DEFAULT);
	c->lx_rcv_mss = hint < LX_MIN_MSS ? LX_MIN_MSS : hint;
	c->rcv_wup = c->rcv_nxt;
	c->lx_adv_wnd = c->rcv_wnd;
	/* The buffer is the window's whole space (tcp_full_space); the
	 * clamp keeps one segment of it in reserve (tcp_app_win) when the
	 * 16-bit window would otherwise reach it */
	uint32_t full = c->p->rcvbuf, adv = c->our_mss;
	uint32_t clamp = tcp_win_cap(c);
	if (clamp >= full)
		clamp = full;
	if (clamp > 2 * adv && clamp + adv > full)
		clamp = full - adv > 2 * adv ? full - adv : 2 * adv;
	c->lx_clamp = clamp;
	c->lx_ssthresh = min32(tcp_max_window(c), clamp);
}

/* __tcp_select_window: the window the receiver would offer now, before
 * the rule that it never shrinks. */
static uint32_t select_window(struct tcp_conn *c)
{
	uint32_t full = min32(c->lx_clamp, c->p->rcvbuf);
	/* the kernel's buffers are never so small that the MSS guess
	 * exceeds the window's ceiling; tcpsim's may be (rcvbuf: 100), and
	 * rounding down to such a guess would offer nothing for ever */
	uint32_t mss = min32(min32(c->lx_rcv_mss, full), c->lx_ssthresh);
	uint32_t free = c->p->rcvbuf > c->rb.len ? c->p->rcvbuf - c->rb.len : 0;
	uint32_t window;
	if (mss == 0)
		return 0; /* no room at all: rcvbuf 0, or a zero clamp */
	if (free < full / 2)
		c->lx_quick = 0; /* the buffer fills: no more quick ACKs */
	if (free < full / 2 && (free < full / 16 || free < mss)) {
		window = 0; /* receiver SWS avoidance: nothing till an MSS frees */
	} else {
		if (free > c->lx_ssthresh)
			free = c->lx_ssthresh;
		/* with window scaling the free space itself, rounded up to
		 * the shift's unit when it goes out (tcp_xmit_data) */
		if (c->rcv_wscale)
			return free;
		window = c->lx_adv_wnd;
		/* keep the offer while it is within an MSS of the free space;
		 * else the largest multiple of the MSS that fits */
		if ((uint64_t)window + mss <= free || window > free)
			window = free - free % mss;
		else if (mss == full && free > window + full / 2)
			window = free;
	}
	return window;
}

uint32_t tcp_ack_window(struct tcp_conn *c)
{
	/* before ESTABLISHED: the initial window, less what text came in
	 * while our SYN was unacknowledged (a CLOSE in SYN-RECEIVED) */
	if (!c->lx_clamp)
		return tcp_free_window(c);
	uint32_t window = select_window(c);
	/* never shrink the offered window (tcp_select_window) */
	uint32_t cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	if (window < cur)
		window = cur;
	return min32(window, tcp_win_cap(c));
}

/* tcp_incr_quickack: quick ACKs for a window's worth of pairs of
 * segments, at least 2, at most max. */
static void incr_quickack(struct tcp_conn *c, uint32_t max)
{
	uint32_t q = c->lx_adv_wnd / (2 * c->lx_rcv_mss);
	if (q == 0)
		q = 2;
	if (q > max)
		q = max;
	if (q > c->lx_quick)
		c->lx_quick = q;
}

void tcp_ack_enter_quickack(struct tcp_conn *c)
{
	incr_quickack(c, LX_MAX_QUICKACKS);
	c->lx_pingpong = 0;
	c->lx_ato = tcp_units(c, c->p->delack);
}

/* tcp_measure_rcv_mss: a segment of len bytes tells how large the
 * peer's segments are; a small one is "pushed" — the sender had no
 * more. */
static void measure_rcv_mss(struct tcp_conn *c, uint32_t len, uint8_t flags)
{
	uint32_t lss = c->lx_last_seg;
	c->lx_last_seg = 0;
	if (len >= c->lx_rcv_mss) {
		c->lx_rcv_mss = min32(len, c->our_mss);
		if (flags & TCP_PSH)
			c->lx_ack |= TCP_LXACK_PUSHED;
		return;
	}
	uint32_t whole = len + LX_TCP_HDR;
	if (whole >= LX_MSS_DEFAULT + LX_TCP_HDR ||
	    (whole >= LX_MIN_MSS + LX_TCP_HDR &&
	     !(flags & (TCP_FIN | TCP_URG | TCP_SYN | TCP_PSH)))) {
		/* two alike in a row: that is the peer's MSS */
		c->lx_last_seg = len;
		if (len == lss) {
			c->lx_rcv_mss = len;
			return;
		}
	}
	if (c->lx_ack & TCP_LXACK_PUSHED)
		c->lx_ack |= TCP_LXACK_PUSHED2;
	c->lx_ack |= TCP_LXACK_PUSHED;
}

void tcp_ack_data_in(struct tcp_conn *c, uint32_t len, uint8_t flags)
{
	c->lx_ack |= TCP_LXACK_SCHED;
	c->lx_check = true;
	measure_rcv_mss(c, len, flags);
	/* tcp_grow_window: a segment of 128 bytes or more raises the
	 * window's ceiling toward the clamp, and is worth one quick ACK */
	uint32_t space = c->p->rcvbuf > c->rb.len ? c->p->rcvbuf - c->rb.len : 0;
	uint32_t top = min32(c->lx_clamp, space);
	if (len >= 128 && c->lx_clamp && top > c->lx_ssthresh) {
		uint32_t incr = 2 * c->our_mss > 2 * len ? 2 * c->our_mss : 2 * len;
		c->lx_ssthresh += min32(top - c->lx_ssthresh, incr);
		c->lx_quick |= 1;
	}
	sim_time_t now = tcp_clock(c);
	sim_time_t ato_min = tcp_units(c, c->p->delack);
	sim_time_t rto = tcp_units(c, c->rto);
	if (!c->lx_ato) {
		/* the first data: start the engine in quick-ACK mode */
		incr_quickack(c, LX_MAX_QUICKACKS);
		c->lx_ato = ato_min;
	} else {
		sim_time_t m = now - c->lx_lrcv;
		if (m <= ato_min / 2) {
			c->lx_ato = c->lx_ato / 2 + ato_min / 2;
		} else if (m < c->lx_ato) {
			c->lx_ato = c->lx_ato / 2 + m;
			if (c->lx_ato > rto)
				c->lx_ato = rto;
		} else if (m > rto) {
			/* a long silence: the sender may be waiting */
			incr_quickack(c, LX_MAX_QUICKACKS);
		}
	}
	c->lx_lrcv = now;
}

void tcp_ack_fin_in(struct tcp_conn *c, bool to_close_wait)
{
	c->lx_ack |= TCP_LXACK_SCHED;
	c->lx_check = true;
	if (to_close_wait)
		/* tcp_fin: the peer is done; our ACK can wait for our reply */
		c->lx_pingpong = 1;
	else
		/* tcp_fin: in FIN-WAIT-1 or -2 the ACK goes at once */
		tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (eighth): FIN — acknowledge "
			       "it");
}

void tcp_ack_gap_filled(struct tcp_conn *c)
{
	c->lx_ack |= TCP_LXACK_NOW;
}


/* tcp_send_delayed_ack: arm the delayed-ACK timer for ato, bounded —
 * or, if an ACK is already due within a quarter of that, send it now. */
static void send_delayed(struct tcp_conn *c)
{
	sim_time_t ato = c->lx_ato;
	sim_time_t ato_min = tcp_units(c, c->p->delack);
	if (ato > ato_min) {
		sim_time_t max_ato = tcp_units(c, LX_ATO_CAP);
		if (in_pingpong(c) || (c->lx_ack & TCP_LXACK_PUSHED))
			max_ato = tcp_units(c, LX_DELACK_MAX);
		if (c->lx_srtt8) {
			sim_time_t rtt = tcp_units(c, (c->lx_srtt8 >> 3) * 1000);
			if (rtt < ato_min)
				rtt = ato_min;
			if (rtt < max_ato)
				max_ato = rtt;
		}
		if (ato > max_ato)
			ato = max_ato;
	}
	if (ato > tcp_units(c, LX_DELACK_MAX))
		ato = tcp_units(c, LX_DELACK_MAX);
	sim_time_t now = tcp_clock(c);
	sim_time_t due = now + ato;
	if (evq_pending(&c->timer[TCP_T_DELACK])) {
		if (c->lx_dack_due <= now + (ato >> 2)) {
			tcp_owe_ack(c, "Linux tcp_send_delayed_ack: the delayed "
				       "ACK is due now — send it");
			return;
		}
		if (due >= c->lx_dack_due)
			return; /* the earlier timeout stands */
	}
	c->lx_dack_due = due;
	tcp_timer_arm(c, TCP_T_DELACK,
		      c->p->tick ? ato * c->p->tick : ato);
}

void tcp_ack_check(struct tcp_conn *c)
{
	if (!c->lx_check)
		return;
	c->lx_check = false;
	if (!(c->lx_ack & TCP_LXACK_SCHED))
		return;
	if (c->p->delack == 0) {
		tcp_owe_ack(c, "delack 0: data received — acknowledge it");
		return;
	}
	if (c->lx_ack & TCP_LXACK_NOW)
		tcp_owe_ack(c, "RFC 5681 §4.2: the segment fills a gap — ACK "
			       "at once");
	else if (c->lx_quick && !in_pingpong(c))
		tcp_owe_ack(c, "Linux __tcp_ack_snd_check: quick-ACK mode — "
			       "acknowledge at once");
	else if (c->rcv_nxt - c->rcv_wup > c->lx_rcv_mss &&
		 select_window(c) >= c->lx_adv_wnd)
		tcp_owe_ack(c, "Linux __tcp_ack_snd_check: more than one "
			       "segment's worth unacknowledged");
	else
		send_delayed(c);
}

void tcp_ack_read(struct tcp_conn *c, uint32_t copied)
{
	/* tcp_cleanup_rbuf */
	if (c->lx_ack & TCP_LXACK_SCHED) {
		bool small = (c->lx_ack & TCP_LXACK_PUSHED2) ||
			     ((c->lx_ack & TCP_LXACK_PUSHED) && !in_pingpong(c));
		if (c->rcv_nxt - c->rcv_wup > c->lx_rcv_mss) {
			tcp_owe_ack(c, "Linux tcp_cleanup_rbuf: read, and more "
				       "than one segment's worth "
				       "unacknowledged");
			return;
		}
		if (copied && small && c->rb.len == 0) {
			tcp_owe_ack(c, "Linux tcp_cleanup_rbuf: everything read, "
				       "the last segment a small one — "
				       "acknowledge it");
			return;
		}
	}
	if (!copied || c->fin_rcvd)
		return;
	/* a read that at least doubles a small window says so at once */
	uint32_t offered = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt
							 : 0;
	if (!c->lx_clamp || 2 * offered > c->lx_clamp)
		return;
	uint32_t now = select_window(c);
	if (now && now >= 2 * offered)
		tcp_owe_ack(c, "Linux tcp_cleanup_rbuf: the read at least doubles "
			       "the window — window update");
}

void tcp_ack_sent(struct tcp_conn *c, uint32_t wnd)
{
	/* tcp_event_ack_sent -> tcp_dec_quickack_mode */
	if ((c->lx_ack & TCP_LXACK_SCHED) && c->lx_quick) {
		if (--c->lx_quick == 0)
			c->lx_ato = tcp_units(c, c->p->delack);
	}
	c->lx_ack = 0;
	c->rcv_wup = c->rcv_nxt;
	c->lx_adv_wnd = wnd;
}

void tcp_ack_data_out(struct tcp_conn *c)
{
	/* tcp_event_data_sent: an answer within ato of the last data in */
	if (c->lx_ato && tcp_clock(c) - c->lx_lrcv < c->lx_ato &&
	    c->lx_pingpong < 255)
		c->lx_pingpong++;
}

void tcp_ack_timeout(struct tcp_conn *c)
{
	/* tcp_delack_timer_handler */
	if (!(c->lx_ack & TCP_LXACK_SCHED))
		return;
	if (!in_pingpong(c)) {
		/* the delay was too short for this peer: lengthen it */
		sim_time_t rto = tcp_units(c, c->rto);
		c->lx_ato = 2 * c->lx_ato < rto ? 2 * c->lx_ato : rto;
	} else {
		c->lx_pingpong = 0;
		c->lx_ato = tcp_units(c, c->p->delack);
	}
	tcp_owe_ack(c, "RFC 1122 §4.2.3.2 / Linux tcp_delack_timer_handler: "
		       "delayed-ACK timer — acknowledge now");
}
