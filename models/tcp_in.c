/* tcp_in.c — a segment arrives: RFC 9293 §3.10.7, step by step in the
 * RFC's order (sequence number, RST, SYN, ACK, URG, text, FIN), with RFC
 * 5961's checks, RFC 6298's round-trip samples, NewReno's reaction to
 * ACKs (RFC 5681, RFC 6582) and reassembly of out-of-order data.
 */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/tcp_priv.h"

/* The segment as processing sees it; trimming narrows it to the window. */
struct seg_view {
	uint32_t seq, ack, len;
	uint32_t wnd;           /* scaled (RFC 7323 §2.3) but in a SYN */
	uint16_t up, mss;
	uint8_t flags;
	bool ts;                /* a timestamps option: tsval, tsecr */
	uint32_t tsval, tsecr;
	const uint8_t *data;        /* the payload, or if NULL: */
	const struct tcp_src *src;  /* its stream, from src_off */
	uint64_t src_off;
};

static void established(struct tcp_conn *c)
{
	c->last_rx = sim_of(c)->now;
	c->probes = 0;
	/* RFC 5681 §3.1: after a lost SYN or SYN,ACK the initial window is
	 * one segment */
	c->cwnd = c->syn_rexmitted ? c->snd_mss : tcp_initial_window(c);
	tcp_trace_cwnd(c);
	/* RFC 6298 (5.7): re-initialised to 3 s when data begins */
	if (c->syn_rexmitted && !c->have_rtt) {
		c->rto = TCP_RTO_AFTER_SYN_LOSS;
		tcp_trace_rto(c, TR_RTO_SYN_LOST, 0);
	}
	c->nrexmt = 0;
	/* Linux sends no segment larger than half the largest window the
	 * peer has offered, when that is over 536 (tcp_bound_to_half_wnd,
	 * in tcp_sync_mss once the handshake is done) */
	if (c->p->rules == TCP_RULES_LINUX && c->max_snd_wnd) {
		uint32_t cut = c->max_snd_wnd > TCP_DEFAULT_MSS
				       ? c->max_snd_wnd / 2
				       : c->max_snd_wnd;
		if (cut < 48)
			cut = 48;
		if (c->snd_mss > cut)
			c->snd_mss = cut;
	}
	if (c->p->rules == TCP_RULES_FREEBSD)
		tcp_round_buffers_freebsd(c);
	tcp_cc_init(c);
	tcp_ack_init(c);
	tcp_post(c, TCP_EV_CONNECTED);
	tcp_keepalive_arm(c);
}

static bool fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && c->snd_una == c->sb_seq + c->sb.len + 1;
}

static struct seg_view view_of(const struct tcp_conn *c,
				const struct tcp_seg *s)
{
	/* RFC 7323 §2.2: "The window field in a segment where the SYN bit
	 * is set ... MUST NOT be scaled" */
	uint32_t wnd = s->flags & TCP_SYN ? s->wnd
					  : (uint32_t)s->wnd << c->snd_wscale;
	return (struct seg_view){
		.seq = s->seq, .ack = s->ack, .len = s->len, .wnd = wnd,
		.up = s->up, .mss = s->mss, .flags = s->flags, .data = s->data,
		.src = s->src, .src_off = s->src_off, .ts = s->opts & TCP_OPT_TS,
		.tsval = s->tsval, .tsecr = s->tsecr,
	};
}

static uint32_t view_seqlen(const struct seg_view *s)
{
	return s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
}

/* RFC 9293 §3.10.7.4, first check: the four acceptability cases. */
static bool acceptable(const struct tcp_conn *c, const struct seg_view *s)
{
	uint32_t slen = view_seqlen(s);
	uint32_t lo = c->rcv_nxt, hi = c->rcv_nxt + c->rcv_wnd;
	if (slen == 0) {
		/* RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND (with a zero window:
		 * SEG.SEQ = RCV.NXT). Linux's tcp_sequence() takes the right
		 * edge itself too: an empty segment there holds nothing
		 * outside the window. Read strictly, two ends that have each
		 * filled the other's window (their first segments lost)
		 * refuse each other's ACKs, and answer each refusal with an
		 * ACK the other refuses in turn, once a round trip, until a
		 * retransmission repairs the loss. */
		if (c->p->rules == TCP_RULES_LINUX)
			return SEQ_LEQ(lo, s->seq) && SEQ_LEQ(s->seq, hi);
		return c->rcv_wnd == 0 ? s->seq == lo
				       : SEQ_LEQ(lo, s->seq) && SEQ_LT(s->seq, hi);
	}
	/* RFC 9293 §3.10.7.4: with a zero window "special allowance should
	 * be made to accept valid ACKs, URGs, and RSTs": a segment at
	 * RCV.NXT is taken, its text and FIN trimmed away. */
	if (c->rcv_wnd == 0)
		return s->seq == c->rcv_nxt;
	uint32_t last = s->seq + slen - 1;
	return (SEQ_LEQ(lo, s->seq) && SEQ_LT(s->seq, hi)) ||
	       (SEQ_LEQ(lo, last) && SEQ_LT(last, hi));
}

/* RFC 2883: [start, end) came again — the next ACK reports it first. */
static void dsack_note(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	if (!c->sack_ok || !SEQ_LT(start, end))
		return;
	c->dsack = true;
	c->dsack_block = (struct tcp_sack_block){start, end};
}

/* Cut the segment down to the part inside the receive window, so later
 * steps see "the idealized segment that begins at RCV.NXT". Returns true
 * if something was cut off at the right edge (an ACK is then owed). */
static bool trim(struct tcp_conn *c, struct seg_view *s)
{
	if (SEQ_LT(s->seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - s->seq;
		/* RFC 2883: text seen before — reported as a D-SACK */
		if (s->len)
			dsack_note(c, s->seq, s->seq + min32(d, s->len));
		if (d > s->len) {
			/* Everything, FIN included, was seen before. */
			s->flags &= (uint8_t)~TCP_FIN;
			d = s->len;
		}
		if (s->data)
			s->data += d;
		s->src_off += d;
		if (s->flags & TCP_URG) {
			if (s->up > d)
				s->up = (uint16_t)(s->up - d);
			else
				s->flags &= (uint8_t)~TCP_URG;
		}
		s->len -= d;
		s->seq += d;
	}
	/* the FIN, too, needs a place inside the window */
	uint32_t right = c->rcv_nxt + c->rcv_wnd;
	uint32_t end = s->seq + s->len + !!(s->flags & TCP_FIN);
	if (!SEQ_GT(end, right))
		return false;
	if (SEQ_GT(s->seq + s->len, right))
		s->len = SEQ_GT(right, s->seq) ? right - s->seq : 0;
	s->flags &= (uint8_t)~TCP_FIN;
	return true;
}

/* RFC 9293 §3.6.1: TIME-WAIT lasts 2*MSL (a profile may fix it). */
static sim_time_t time_wait_len(const struct tcp_conn *c)
{
	return c->p->time_wait ? c->p->time_wait : 2 * c->p->msl;
}

static void enter_time_wait(struct tcp_conn *c, const char *why)
{
	if (c->p->no_time_wait) {
		/* the peer's FIN is still acknowledged, once */
		if (c->ack_why)
			tcp_send_ack(c, c->ack_why);
		tcp_enter_closed(c, TCP_END_NORMAL,
			     "teaching variant time-wait: off — the active "
			     "closer goes straight to CLOSED (RFC 9293 §3.6.1 "
			     "says it MUST linger 2·MSL)");
		return;
	}
	tcp_set_state(c, TCP_TIME_WAIT, why);
	tcp_timer_stop(c, TCP_T_REXMT);
	tcp_timer_stop(c, TCP_T_KEEPALIVE);
	tcp_timer_stop(c, TCP_T_PERSIST);
	tcp_timer_arm(c, TCP_T_TIMEWAIT, time_wait_len(c));
}

/* "Return to LISTEN" (RFC 9293 §3.10.7.4): here the listening socket is a
 * TCB of its own, untouched, so the embryonic connection of the passive
 * OPEN is what goes — to CLOSED, which is what its trace says. */
static void back_to_listen(struct tcp_conn *c, const char *why)
{
	tcp_set_state(c, TCP_CLOSED, why);
	tcp_conn_delete(c, TCP_END_RESET);
}

/* RFC 5681 §3.2 with RFC 6582 (NewReno): a duplicate ACK. */
static void duplicate_ack(struct tcp_conn *c)
{
	uint32_t smss = c->snd_mss;
	c->dupacks++;
	if (c->in_recovery) {
		/* step 4: each further duplicate inflates the window */
		c->cwnd += smss;
		tcp_trace_cwnd(c);
		return;
	}
	if (c->dupacks != c->p->dupthresh)
		return;
	/* RFC 6582 §3.2 step 1: not again for losses of the same window */
	if (!SEQ_GT(c->snd_una, c->recover))
		return;
	c->ssthresh = tcp_cc_ssthresh(c, false);
	c->recover = c->snd_nxt - 1;
	c->in_recovery = true;
	c->rtt_timing = false;
	tcp_resend_first(c, TR_TX_FAST, "RFC 5681 §3.2: duplicate ACKs reached the threshold "
			"— fast retransmit");
	c->cwnd = c->ssthresh + c->p->dupthresh * smss;
	tcp_trace_cwnd(c);
}

/* New data acknowledged: leave recovery, or grow the window. */
static void new_ack(struct tcp_conn *c, uint32_t acked, uint32_t ndata)
{
	uint32_t smss = c->snd_mss;
	if (c->in_recovery && c->sack_ok) {
		tcp_sack_recovery_ack(c);
		return;
	}
	if (c->in_recovery) {
		if (SEQ_GT(c->snd_una, c->recover)) {
			/* RFC 6582 §3.2 step 3: a full ACK ends recovery */
			uint32_t flight = c->snd_nxt - c->snd_una;
			uint32_t w = (flight > smss ? flight : smss) + smss;
			c->cwnd = w < c->ssthresh ? w : c->ssthresh;
			c->in_recovery = false;
			c->dupacks = 0;
		} else {
			/* step 5: a partial ACK — the next hole is lost too */
			tcp_resend_first(c, TR_TX_PARTIAL, "RFC 6582 §3.2: partial ACK — "
					"retransmit the next unacknowledged "
					"segment");
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= smss)
				c->cwnd += smss;
			if (c->cwnd < smss)
				c->cwnd = smss;
		}
		tcp_trace_cwnd(c);
		return;
	}
	c->dupacks = 0;
	/* RFC 5681 §3.1: cwnd grows with acknowledged data; the SYN's and
	 * FIN's sequence numbers do not count. */
	if (ndata)
		tcp_cc_grow(c, ndata);
}

/* Linux's tcp_may_update_window: an ACK of new data, a later sequence
 * number, or the same one with a larger window — or a zero one. */
static bool lx_may_update_window(const struct tcp_conn *c,
				 const struct seg_view *s)
{
	return SEQ_GT(s->ack, c->snd_una) || SEQ_GT(s->seq, c->snd_wl1) ||
	       (s->seq == c->snd_wl1 && (s->wnd > c->snd_wnd || s->wnd == 0));
}

/* RFC 9293 §3.10.7.4 fifth step for the synchronized states. Returns false
 * when the segment is to be dropped. */
static bool process_ack(struct tcp_conn *c, const struct tcp_seg *in,
			const struct seg_view *s)
{
	if (SEQ_GT(s->ack, c->snd_nxt)) {
		/* Linux drops it without a word in ESTABLISHED
		 * (tcp_rcv_established: tcp_ack() < 0) */
		if (c->p->rules == TCP_RULES_LINUX &&
		    c->state == TCP_ESTABLISHED) {
			tcp_trace_ignore(c->st, c, in,
					 "Linux tcp_ack: ACK of data not yet "
					 "sent in ESTABLISHED — discard");
			return false;
		}
		tcp_challenge_ack(c, in, "RFC 9293 §3.10.7.4 (fifth): ACK of data "
				     "not yet sent — send ACK, drop the "
				     "segment");
		return false;
	}
	/* RFC 5961 §5.2 (in RFC 9293's fifth step): too old to be real */
	if (SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
		tcp_challenge_ack(c, in, "RFC 5961 §5.2: ACK below SND.UNA - "
				     "MAX.SND.WND — send ACK, drop the "
				     "segment");
		return false;
	}
	/* RFC 5681 §2: a duplicate ACK acknowledges nothing new, carries
	 * no data, no SYN or FIN, and leaves the window alone, while data
	 * is outstanding. Against a zero window these are the answers to
	 * window probes, not signs of loss. */
	bool dup = s->ack == c->snd_una && s->len == 0 &&
		   !(s->flags & (TCP_SYN | TCP_FIN)) &&
		   c->snd_una != c->snd_nxt && s->wnd == c->snd_wnd &&
		   s->wnd != 0;
	/* RFC 6675 §2: with SACK, a duplicate is an ACK that SACKs data
	 * not SACKed before (whatever its window) */
	if (c->sack_ok) {
		uint32_t newly = tcp_sack_take(c, in);
		/* RFC 6937 DeliveredData: what the peer newly holds */
		c->delivered = newly + (SEQ_GT(s->ack, c->snd_una)
						? s->ack - c->snd_una : 0);
		dup = s->ack == c->snd_una && s->len == 0 &&
		      !(s->flags & (TCP_SYN | TCP_FIN)) &&
		      c->snd_una != c->snd_nxt && newly;
	}
	uint32_t prior_una = c->snd_una;
	/* Linux decides on the window against SND.UNA before this ACK; an
	 * ACK below SND.UNA goes to tcp_ack's old_ack, window untouched */
	bool lx_wnd = c->p->rules == TCP_RULES_LINUX &&
		      SEQ_GEQ(s->ack, c->snd_una) && lx_may_update_window(c, s);
	/* Send-window update, guarded against old segments by WL1/WL2, and
	 * done before anything this ACK lets go out (loss recovery sends
	 * from here): the old window measured from the new SND.UNA would
	 * reach past the edge the peer offered. A segment that acknowledges
	 * more than the last update did was sent after it, whatever its
	 * sequence number (a retransmission carries the current ACK and
	 * window): its window is taken too, for the same reason. Linux
	 * (tcp_may_update_window) takes a window from an ACK of new data or
	 * a newer segment, and from one of the same sequence number only if
	 * it is larger or zero: it never shrinks the window but to close
	 * it. */
	if (c->p->rules == TCP_RULES_LINUX
		    ? lx_wnd
		    : SEQ_LEQ(c->snd_una, s->ack) &&
			      (SEQ_LT(c->snd_wl1, s->seq) ||
			       (c->snd_wl1 == s->seq &&
				SEQ_LEQ(c->snd_wl2, s->ack)) ||
			       SEQ_LT(c->snd_wl2, s->ack))) {
		bool opened = c->snd_wnd == 0 && s->wnd > 0;
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
		if (opened && evq_pending(&c->timer[TCP_T_PERSIST])) {
			/* the window reopened: resend from the probe on */
			tcp_timer_stop(c, TCP_T_PERSIST);
			c->persist_shift = 0;
			c->snd_cur = c->snd_una;
			c->resume = true;
		}
	}
	if (SEQ_GT(s->ack, c->snd_una)) {
		uint32_t acked = s->ack - c->snd_una;
		uint32_t ndata = 0;
		if (SEQ_GT(s->ack, c->sb_seq))
			ndata = min32(s->ack - c->sb_seq, c->sb.len);
		tcp_buf_consume(&c->sb, ndata);
		c->sb_seq += ndata;
		c->snd_una = s->ack;
		if (c->sack_ok)
			tcp_sack_acked(c);
		tcp_cc_acked(c, tcp_ack_rtt(c, s->ack, s->ts, s->tsecr));
		if (c->rexmitting && SEQ_GEQ(s->ack, c->rexmit_high))
			c->rexmitting = false;
		if (SEQ_LT(c->snd_cur, c->snd_una))
			c->snd_cur = c->snd_una;
		c->nrexmt = 0;
		new_ack(c, acked, ndata);
		if (ndata)
			tcp_post(c, TCP_EV_WRITABLE);
		/* RFC 6298 (5.2), (5.3) */
		if (c->snd_una == c->snd_nxt)
			tcp_timer_stop(c, TCP_T_REXMT);
		else
			tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
	} else if (dup && c->sack_ok) {
		tcp_sack_dupack(c);
	} else if (dup) {
		duplicate_ack(c);
	}
	/* RFC 3168 §6.1.2: the receiver saw congestion */
	if (c->ecn_ok && (s->flags & TCP_ECE))
		tcp_ecn_echo(c);
	/* RFC 8985 §6: RACK looks at what this ACK delivered */
	if (c->p->rack && c->sack_ok &&
	    tcp_rack_ack(c, s->ts && c->ts_ok, s->tsecr))
		tcp_sack_losses(c);
	if (c->p->tlp)
		tcp_tlp_ack(c, s->ack, s->len == 0 && !(s->flags & TCP_FIN),
			    SEQ_GT(s->ack, prior_una));
	return true;
}

/* The out-of-order table holds: within its size, each range not empty,
 * sorted and apart (ranges that touch are merged into one), every one
 * beyond RCV.NXT — or at it while text that came with a SYN waits for
 * ESTABLISHED (hold_syn_text), our SYN unacknowledged. Costs a pass over
 * at most TCP_MAX_OOO ranges, none when nothing is held. */
static void ooo_check(const struct tcp_conn *c)
{
#ifndef NDEBUG
	assert(c->nooo <= TCP_MAX_OOO);
	for (uint32_t i = 0; i < c->nooo; i++) {
		const struct tcp_range *r = &c->ooo[i];
		assert(SEQ_LT(r->start, r->end));
		assert(SEQ_GT(r->start, c->rcv_nxt) ||
		       (r->start == c->rcv_nxt && c->snd_una == c->iss));
		assert(i == 0 || SEQ_LT(c->ooo[i - 1].end, r->start));
	}
#else
	(void)c;
#endif
}

/* RFC 2018 §4: data at seq joined the out-of-order ranges: its range
 * goes first among those the ACKs report, the others keep their order,
 * and what no range holds any more is forgotten. */
static void sack_note(struct tcp_conn *c, uint32_t seq)
{
	if (!c->sack_ok)
		return;
	const struct tcp_range *mine = tcp_ooo_holding(c, seq);
	uint32_t keep[TCP_MAX_SACK], n = 0;
	keep[n++] = seq;
	for (uint32_t i = 0; i < c->nsack_recent && n < TCP_MAX_SACK; i++) {
		const struct tcp_range *r = tcp_ooo_holding(c, c->sack_recent[i]);
		if (r && r != mine)
			keep[n++] = c->sack_recent[i];
	}
	memcpy(c->sack_recent, keep, n * sizeof keep[0]);
	c->nsack_recent = n;
}

/* Out-of-order data goes into the receive ring where it belongs; the
 * ranges say what is there. Returns false if no room to record it. */
static bool queue_out_of_order(struct tcp_conn *c, const struct seg_view *s)
{
	if (s->flags & TCP_FIN) {
		c->ooo_fin = true;
		c->ooo_fin_seq = s->seq + s->len;
	}
	if (!s->len)
		return true;
	uint32_t start = s->seq, end = s->seq + s->len;
	const struct tcp_range *had = tcp_ooo_holding(c, start);
	if (had && SEQ_LEQ(end, had->end))
		dsack_note(c, start, end); /* all of it held already */
	if (tcp_buf_put(c, &c->rb, c->rb.len + (start - c->rcv_nxt), s->data,
			s->src, s->src_off, s->len) < s->len)
		return false; /* no memory: the run ends */
	/* insert [start, end), merging with what it touches */
	uint32_t added;
	if (!tcp_ranges_have(c, &c->ooo) ||
	    !tcp_ranges_add(c->ooo, &c->nooo, TCP_MAX_OOO, start, end, &added))
		return false;
	ooo_check(c);
	sack_note(c, s->seq);
	return true;
}

/* RFC 9293 §3.10.7.2-3: text (and FIN) that came with a SYN is queued
 * for processing once ESTABLISHED is reached. */
static void hold_syn_text(struct tcp_conn *c, const struct tcp_seg *in)
{
	if (!in->len && !(in->flags & TCP_FIN))
		return;
	struct seg_view v = {
		.seq = in->seq + 1,
		.len = min32(in->len, c->rb.cap),
		.flags = (uint8_t)(in->flags & TCP_FIN),
		.data = in->data, .src = in->src, .src_off = in->src_off,
	};
	if (v.len < in->len)
		v.flags = 0; /* the FIN lies beyond what fits */
	/* FreeBSD queues the text for reassembly, which before
	 * ESTABLISHED hands back no FIN (tcp_reass): the FIN is lost */
	if (c->p->rules == TCP_RULES_FREEBSD)
		v.flags = 0;
	if (!v.len && !v.flags)
		return;
	queue_out_of_order(c, &v);
}

/* After in-order data: take in the queued ranges it reaches. Returns the
 * bytes added. */
static uint32_t absorb_out_of_order(struct tcp_conn *c)
{
	uint32_t added = 0;
	while (c->nooo && SEQ_LEQ(c->ooo[0].start, c->rcv_nxt)) {
		if (SEQ_GT(c->ooo[0].end, c->rcv_nxt)) {
			uint32_t n = c->ooo[0].end - c->rcv_nxt;
			c->rb.len += n;
			c->rcv_nxt += n;
			added += n;
		}
		c->nooo--;
		memmove(&c->ooo[0], &c->ooo[1], c->nooo * sizeof c->ooo[0]);
	}
	if (c->nooo) /* nothing held: the common case of in-order data */
		ooo_check(c);
	return added;
}

/* RFC 9293 §3.10.7.2: on reaching ESTABLISHED, the text held since the
 * SYN (hold_syn_text) is the application's, and is acknowledged. */
static void take_syn_text(struct tcp_conn *c)
{
	uint32_t held = absorb_out_of_order(c);
	if (!held)
		return;
	c->rcv_wnd = c->rcv_adv - c->rcv_nxt;
	c->ev_data += held;
	tcp_post(c, TCP_EV_DATA);
	if (c->p->rules == TCP_RULES_FREEBSD)
		tcp_owe_ack_delayed(c, "FreeBSD tcp_input: text that came "
				       "with the SYN, delivered at ESTABLISHED "
				       "— its ACK delayed (DELAY_ACK)");
	else
		tcp_owe_ack(c, "RFC 9293 §3.10.7.2: text that came with the "
			       "SYN, held until ESTABLISHED — acknowledge it");
}

/* In-order text of a receiving connection into the receive buffer, with
 * what it joins up of the out-of-order queue; the ACK owed. Returns false
 * if not all of it fitted (a FIN after it is not reached). *fin becomes
 * true when a FIN queued out of order is reached. */
static bool take_text(struct tcp_conn *c, const struct seg_view *s, bool *fin)
{
	uint32_t n =
		tcp_buf_append(c, &c->rb, s->data, s->src, s->src_off, s->len);
	c->rcv_nxt += n;
	uint32_t filled = absorb_out_of_order(c);
	c->rcv_wnd = c->rcv_adv - c->rcv_nxt;
	c->ev_data += n + filled;
	tcp_post(c, TCP_EV_DATA);
	if (c->p->rules == TCP_RULES_LINUX) {
		tcp_ack_data_in(c, s->len, s->flags);
		if (filled)
			tcp_ack_gap_filled(c);
	} else if (filled) {
		tcp_owe_ack(c, "RFC 5681 §4.2: the segment fills a gap — ACK "
			       "at once");
	} else {
		tcp_owe_ack_delayed(c, "RFC 9293 §3.10.7.4 (seventh): data "
				       "received — acknowledge it");
	}
	if (n < s->len)
		return false; /* the FIN, if any, lies beyond */
	if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq)
		*fin = true; /* a queued FIN is reached */
	return true;
}

/* Eighth: the FIN, at RCV.NXT. */
static void take_fin(struct tcp_conn *c)
{
	if (!c->fin_rcvd) {
		c->fin_rcvd = true;
		/* the FIN takes a sequence number but no buffer space:
		 * the window it leaves is the same */
		c->rcv_nxt++;
		c->rcv_adv++;
		/* it ends the stream: text a confused or lying peer sent
		 * beyond it, held out of order, can never be delivered */
		c->nooo = 0;
		c->ooo_fin = false;
		tcp_post(c, TCP_EV_EOF);
	}
	if (c->p->rules == TCP_RULES_LINUX)
		tcp_ack_fin_in(c, c->state == TCP_ESTABLISHED ||
					  c->state == TCP_SYN_RECEIVED);
	else
		tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (eighth): FIN — acknowledge "
			       "it");
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(c, TCP_CLOSE_WAIT,
			      "RFC 9293 §3.10.7.4 (eighth): FIN — the peer has "
			      "finished sending");
		break;
	case TCP_FIN_WAIT_1:
		if (fin_acked(c))
			enter_time_wait(c, "RFC 9293 §3.10.7.4 (eighth): FIN "
					   "and our FIN acknowledged — start "
					   "the 2·MSL timer");
		else
			tcp_set_state(c, TCP_CLOSING,
				      "RFC 9293 §3.10.7.4 (eighth): FIN before "
				      "our FIN is acknowledged — simultaneous "
				      "close");
		break;
	case TCP_FIN_WAIT_2:
		enter_time_wait(c, "RFC 9293 §3.10.7.4 (eighth): FIN in "
				   "FIN-WAIT-2 — start the 2·MSL timer");
		break;
	default: /* CLOSE-WAIT, CLOSING, LAST-ACK: remain (TIME-WAIT
		  * answers at the fifth step, check_ack) */
		break;
	}
}

/* Sixth to eighth steps: urgent pointer, text, FIN. */
static void process_text_fin(struct tcp_conn *c, const struct seg_view *s)
{
	bool receiving = c->state == TCP_ESTABLISHED ||
			 c->state == TCP_FIN_WAIT_1 ||
			 c->state == TCP_FIN_WAIT_2;
	/* The segment was trimmed to RCV.NXT (first step), but the ACK of
	 * our SYN that it carries has since taken in the text held from
	 * the peer's SYN (take_syn_text), moving RCV.NXT on: cut what
	 * that text already covered, as the first step would have. */
	struct seg_view cut;
	if (receiving && SEQ_LT(s->seq, c->rcv_nxt) &&
	    (s->len || (s->flags & TCP_FIN))) {
		uint32_t old = c->rcv_nxt - s->seq;
		cut = *s;
		if (old > cut.len) {
			/* a FIN before what is already received is no FIN */
			cut.flags &= (uint8_t)~TCP_FIN;
			old = cut.len;
		}
		cut.seq += old;
		if (cut.data)
			cut.data += old;
		cut.src_off += old;
		cut.len -= old;
		s = &cut;
	}
	/* sixth: URG — remember the pointer; no urgent-mode interface. */
	if ((s->flags & TCP_URG) && receiving &&
	    SEQ_GT(s->seq + s->up, c->rcv_up))
		c->rcv_up = s->seq + s->up;

	if ((s->len || (s->flags & TCP_FIN)) && s->seq != c->rcv_nxt) {
		if (!receiving)
			tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (seventh): segment "
				       "beyond RCV.NXT — ACK what is expected");
		else if (queue_out_of_order(c, s))
			tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (seventh) / RFC 5681 "
				       "§4.2: out-of-order segment — kept; ACK "
				       "what is expected at once");
		else
			tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (seventh): "
				       "out-of-order segment — no room to keep "
				       "it; ACK what is expected");
		return;
	}
	/* seventh: segment text */
	if (s->len && receiving && c->rcv_closed) {
		tcp_xmit(c, TCP_RST, c->snd_nxt, 0,
			 "RFC 1122 §4.2.2.13: data after the application "
			 "closed — reset to show it was lost",
			 TR_TX_NEW);
		tcp_enter_closed(c, TCP_END_ABORTED, "RFC 1122 §4.2.2.13: data "
						     "arrived after CLOSE — "
						     "reset");
		return;
	}
	bool fin = (s->flags & TCP_FIN) ||
		   (c->ooo_fin && !c->fin_rcvd && c->rcv_nxt == c->ooo_fin_seq);
	/* in CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT a FIN has been
	 * received; text cannot be new, and is ignored */
	if (s->len && receiving && !take_text(c, s, &fin))
		return;
	/* eighth: FIN */
	if (fin)
		take_fin(c);
}

static void input_syn_sent(struct tcp_conn *c, const struct tcp_seg *in,
			   struct seg_view *s)
{
	bool ack_ok = false;
	/* first: check the ACK bit */
	if (s->flags & TCP_ACK) {
		if (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_nxt)) {
			if (s->flags & TCP_RST)
				tcp_trace_ignore(c->st, c, in,
					     "RFC 9293 §3.10.7.3: RST whose ACK "
					     "is unacceptable — discard");
			else
				tcp_send_reset_reply(c->st, c, in,
						 "RFC 9293 §3.10.7.3 (first): "
						 "ACK acknowledges nothing we "
						 "sent — send RST");
			return;
		}
		ack_ok = true;
	}
	/* second: check the RST bit */
	if (s->flags & TCP_RST) {
		if (ack_ok)
			tcp_enter_closed(c, TCP_END_REFUSED,
				     "RFC 9293 §3.10.7.3 (second): RST with an "
				     "acceptable ACK — connection refused");
		else
			tcp_trace_ignore(c->st, c, in,
				     "RFC 9293 §3.10.7.3 (second): RST "
				     "without ACK — discard");
		return;
	}
	/* fourth: check the SYN bit */
	if (!(s->flags & TCP_SYN)) {
		tcp_trace_ignore(c->st, c, in, "RFC 9293 §3.10.7.3 (fifth): "
					   "neither SYN nor RST — discard");
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	tcp_negotiate(c, in);
	tcp_set_snd_mss(c, s->mss);
	c->cwnd = tcp_initial_window(c);
	if (ack_ok) {
		c->snd_una = s->ack;
		tcp_ack_rtt(c, s->ack, s->ts, s->tsecr);
		c->rexmitting = false;
	}
	c->snd_wnd = c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->rcv_adv = c->rcv_nxt + c->rcv_wnd;
	if (SEQ_GT(c->snd_una, c->iss)) {
		tcp_timer_stop(c, TCP_T_REXMT);
		tcp_set_state(c, TCP_ESTABLISHED,
			  "RFC 9293 §3.10.7.3 (fourth): SYN,ACK acknowledges "
			  "our SYN");
		established(c);
		/* the two-way variant sends no third segment of its own */
		if (!c->p->two_way)
			tcp_owe_ack(c, "RFC 9293 §3.10.7.3 (fourth): acknowledge "
				   "the SYN,ACK");
		s->flags &= (uint8_t)~TCP_SYN;
		s->seq++;
		process_text_fin(c, s);
	} else {
		hold_syn_text(c, in);
		/* FreeBSD knows the MSS now (tcp_mss in SYN-SENT) */
		if (c->p->rules == TCP_RULES_FREEBSD)
			tcp_round_buffers_freebsd(c);
		tcp_set_state(c, TCP_SYN_RECEIVED,
			  "RFC 9293 §3.10.7.3 (fourth): SYN without ACK — "
			  "simultaneous open");
		tcp_send_syn(c, true, false, "RFC 9293 §3.10.7.3 (fourth): "
					 "simultaneous open — send SYN,ACK");
	}
}

/* A SYN for listener l; tw_isn, if not 0, is the ISS a TIME-WAIT
 * connection it ended chose (Linux). */
static void input_listen(struct tcp_conn *l, const struct tcp_seg *in,
			 uint32_t tw_isn)
{
	struct tcp_stack *st = l->st;
	if (in->flags & TCP_RST) {
		tcp_trace_ignore(st, l, in, "RFC 9293 §3.10.7.2 (first): RST in "
					"LISTEN — discard");
		return;
	}
	if ((in->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
	    l->p->rules == TCP_RULES_FREEBSD) {
		tcp_trace_ignore(st, l, in, "FreeBSD tcp_input: SYN,ACK is "
					"bogus on a listening socket — "
					"discard");
		return;
	}
	if (in->flags & TCP_ACK) {
		tcp_send_reset_reply(st, l, in, "RFC 9293 §3.10.7.2 (second): ACK "
					    "in LISTEN — send RST");
		return;
	}
	if (!(in->flags & TCP_SYN)) {
		tcp_trace_ignore(st, l, in, "RFC 9293 §3.10.7.2 (fourth): no SYN "
					"in LISTEN — discard");
		return;
	}
	if ((in->flags & TCP_FIN) && l->p->rules == TCP_RULES_LINUX) {
		tcp_trace_ignore(st, l, in, "Linux tcp_rcv_state_process: SYN "
					"and FIN in LISTEN — discard");
		return;
	}
	if (l->half_open >= l->p->backlog) {
		tcp_trace_ignore(st, l, in, "listen backlog full: the SYN is "
					"dropped (as Linux does without SYN "
					"cookies)");
		return;
	}
	struct tcp_conn *c = tcp_conn_open(st, l->p, true, true,
					   !in->from_conn, l->lport, in->saddr,
					   in->sport);
	if (!c) {
		tcp_trace_ignore(st, l, in, "out of memory for a new connection");
		return;
	}
	c->listener = l;
	c->passive = true;
	c->state = TCP_LISTEN;
	c->irs = in->seq;
	c->rcv_nxt = in->seq + 1;
	c->rcv_adv = c->rcv_nxt; /* no window advertised yet */
	c->rcv_wnd = 0;
	c->iss = tw_isn ? tw_isn : tcp_choose_iss(st);
	tcp_sent_init(c);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_cur = c->iss + 1;
	c->sb_seq = c->iss + 1;
	c->snd_wnd = c->max_snd_wnd = in->wnd;
	c->snd_wl1 = in->seq;
	c->snd_wl2 = c->iss;
	c->recover = c->iss;
	tcp_set_our_mss(c);
	tcp_negotiate(c, in);
	tcp_set_snd_mss(c, in->mss);
	c->cwnd = tcp_initial_window(c);
	hold_syn_text(c, in);
	tcp_set_state(c, TCP_SYN_RECEIVED,
		  "RFC 9293 §3.10.7.2 (third): SYN in LISTEN — new connection");
	tcp_send_syn(c, true, false, "RFC 9293 §3.10.7.2 (third): SYN in LISTEN "
				 "— send SYN,ACK");
	if (c->p->two_way) {
		/* The variant's one change: the server does not wait for the
		 * ACK of its SYN, it counts it as received. */
		c->snd_una = c->iss + 1;
		tcp_set_state(c, TCP_ESTABLISHED,
			  "teaching variant handshake: two-way — established "
			  "once the SYN,ACK is sent (RFC 9293 §3.5 waits for "
			  "the third segment)");
		established(c);
		take_syn_text(c);
		tcp_flush(c);
		return;
	}
	tcp_start_rtt(c, c->iss);
	tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
	tcp_flush(c);
}

/* RFC 9293 §3.10.7.4: with RCV.WND zero "no segments will be acceptable,
 * but special allowance should be made to accept valid ACKs". A segment at
 * RCV.NXT already is (its text is trimmed away); after a window probe we
 * refused, the peer's SND.NXT is one past RCV.NXT and every segment it
 * sends starts there. Such a segment is taken as an empty one at RCV.NXT:
 * its ACK and window count, its text and FIN wait (an ACK says so). */
static bool zero_window_allowance(struct tcp_conn *c, struct seg_view *s)
{
	if (c->rcv_wnd != 0 || s->seq != c->rcv_nxt + 1 ||
	    (s->flags & (TCP_ACK | TCP_RST | TCP_SYN)) != TCP_ACK)
		return false;
	if (s->len || (s->flags & TCP_FIN))
		tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (first): zero window — the "
			   "ACK is taken, the text refused");
	s->seq = c->rcv_nxt;
	s->len = 0;
	s->flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	return true;
}

/* rules: freebsd — a segment wholly before RCV.NXT (tcp_input, after
 * Stevens vol. 2 p. 960): its text and FIN are old, "send an ACK to
 * resynchronize and drop any data. But keep on processing for RST or
 * ACK": it goes on as an empty segment at RCV.NXT. */
static bool old_duplicate_freebsd(struct tcp_conn *c, struct seg_view *s)
{
	if (c->p->rules != TCP_RULES_FREEBSD || (s->flags & (TCP_SYN | TCP_RST)))
		return false;
	uint32_t todrop = c->rcv_nxt - s->seq;
	if ((int32_t)todrop <= 0 ||
	    !(todrop > s->len || (todrop == s->len && !(s->flags & TCP_FIN))))
		return false;
	if (s->len && SEQ_LEQ(s->seq + s->len, c->rcv_nxt))
		dsack_note(c, s->seq, s->seq + s->len);
	tcp_owe_ack(c, "FreeBSD tcp_input: an old duplicate — ACK to "
		       "resynchronize, its ACK still taken");
	s->seq = c->rcv_nxt;
	s->len = 0;
	s->flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	return true;
}

/* RFC 9293 §3.10.7.4 first: check the sequence number. Returns false if
 * the segment is dropped here (answered, or not); else it is trimmed to
 * the window and *seq_as_sent is where it began. */
static bool check_sequence(struct tcp_conn *c, const struct tcp_seg *in,
			   struct seg_view *s, uint32_t *seq_as_sent)
{
	/* Simultaneous open (RFC 9293 §3.5, figure 8, line 6): the peer's
	 * SYN,ACK repeats the SYN we already have. That SYN is a duplicate;
	 * what matters is the ACK, so the SYN is trimmed before the
	 * acceptability test rather than failing it. */
	if (c->state == TCP_SYN_RECEIVED && !c->passive &&
	    (s->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
	    s->seq == c->irs) {
		s->flags &= (uint8_t)~TCP_SYN;
		s->seq++;
	}
	if (!acceptable(c, s) && !zero_window_allowance(c, s) &&
	    !old_duplicate_freebsd(c, s)) {
		/* only with ACK: the fifth step drops a segment without
		 * one before the eighth could restart the timer */
		if (c->state == TCP_TIME_WAIT && (s->flags & TCP_FIN) &&
		    (s->flags & TCP_ACK) && !(s->flags & TCP_RST) &&
		    c->fin_rcvd &&
		    s->seq + s->len + 1 == c->rcv_nxt) {
			tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (TIME-WAIT): "
				   "retransmitted FIN — ACK it and restart "
				   "the 2·MSL timer");
			tcp_timer_arm(c, TCP_T_TIMEWAIT, time_wait_len(c));
			return false;
		}
		if (s->flags & TCP_RST)
			tcp_trace_ignore(c->st, c, in,
				     "RFC 9293 §3.10.7.4 (first): RST outside "
				     "the window — discard");
		else if ((s->flags & TCP_SYN) && tcp_synchronized(c->state))
			tcp_challenge_ack(c, in, "RFC 9293 §3.10.7.4 / RFC 5961 §4: "
					     "SYN in a synchronized state, "
					     "whatever its sequence number — "
					     "challenge ACK");
		else if (!tcp_oow_limited(c, in, false)) {
			/* RFC 2883: text wholly seen before, a D-SACK */
			if (s->len && SEQ_LEQ(s->seq + s->len, c->rcv_nxt))
				dsack_note(c, s->seq, s->seq + s->len);
			tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (first): unacceptable "
				   "segment — send ACK, drop it");
			/* Linux: old or out-of-window text means the peer
			 * missed our ACKs: quick ACKs again (tcp_data_queue) */
			if (c->p->rules == TCP_RULES_LINUX &&
			    tcp_synchronized(c->state) &&
			    (s->len || (s->flags & TCP_FIN)))
				tcp_ack_enter_quickack(c);
			/* Linux restarts TIME-WAIT for every segment with ACK
			 * it answers (tcp_timewait_state_process) */
			if (c->state == TCP_TIME_WAIT &&
			    c->p->rules == TCP_RULES_LINUX && (s->flags & TCP_ACK))
				tcp_timer_arm(c, TCP_T_TIMEWAIT,
					      time_wait_len(c));
		}
		return false;
	}
	*seq_as_sent = s->seq;
	/* A RST or a SYN ends the segment's processing at the second or
	 * fourth check, whatever else it carries: nothing to trim. RFC 5961
	 * §4.2 answers a SYN "irrespective of the sequence number"; one that
	 * begins at RCV.NXT-1 must not lose its SYN here and have its text
	 * or FIN processed. */
	if (s->flags & (TCP_RST | TCP_SYN))
		return true;
	if (trim(c, s))
		tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (first): part of the segment "
			   "lies beyond the window — dropped; ACK with the "
			   "current window");
	return true;
}

/* Second: check the RST bit (RFC 5961 §3.2 as adopted by RFC 9293). A
 * RST is always the end of the segment's processing. */
static void check_rst(struct tcp_conn *c, const struct tcp_seg *in,
		      uint32_t seq_as_sent)
{
	/* insecure-rst: RFC 793's "if the RST bit is set" — anywhere in
	 * the window */
	if (seq_as_sent != c->rcv_nxt && !c->p->insecure_rst) {
		if (c->p->rules == TCP_RULES_LINUX &&
		    c->state == TCP_TIME_WAIT) {
			tcp_trace_ignore(c->st, c, in,
					 "Linux tcp_timewait_state_process: "
					 "RST not at RCV.NXT — discard");
			return;
		}
		tcp_challenge_ack(c, in, "RFC 9293 §3.10.7.4 (second) / RFC "
				     "5961 §3.2: RST in the window but "
				     "not at RCV.NXT — challenge ACK");
		return;
	}
	switch (c->state) {
	case TCP_SYN_RECEIVED:
		if (c->passive)
			back_to_listen(c, "RFC 9293 §3.10.7.4 (second): "
					  "RST in SYN-RECEIVED from a "
					  "passive OPEN — return to "
					  "LISTEN (this connection "
					  "is deleted)");
		else
			tcp_enter_closed(c, TCP_END_REFUSED,
				     "RFC 9293 §3.10.7.4 (second): RST "
				     "in SYN-RECEIVED from an active "
				     "OPEN — connection refused");
		return;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		/* "All segment queues should be flushed": what the
		 * application has not read is lost with the rest */
		tcp_buf_consume(&c->rb, c->rb.len);
		tcp_enter_closed(c, TCP_END_RESET,
			     "RFC 9293 §3.10.7.4 (second): RST — "
			     "connection reset");
		return;
	default: /* CLOSING, LAST-ACK, TIME-WAIT: both FINs are in,
		  * the stream before the peer's is whole and stays
		  * readable */
		tcp_enter_closed(c, TCP_END_RESET,
			     "RFC 9293 §3.10.7.4 (second): RST while "
			     "closing — delete the TCB");
		return;
	}
}

/* Fourth: check the SYN bit (third, security and compartment, is not
 * modelled). A SYN is always the end of the segment's processing. */
static void check_syn(struct tcp_conn *c, const struct tcp_seg *in)
{
	if (c->state == TCP_SYN_RECEIVED && c->passive) {
		back_to_listen(c, "RFC 9293 §3.10.7.4 (fourth): SYN in "
				  "SYN-RECEIVED from a passive OPEN — return to "
				  "LISTEN (this connection is deleted)");
		return;
	}
	if (c->p->insecure_syn) {
		/* RFC 793: a SYN in the window is an error — reset */
		tcp_buf_consume(&c->rb, c->rb.len);
		tcp_send_active_reset(c, "RFC 793 §3.9 (insecure-syn): SYN in "
					 "the window — send a reset");
		tcp_enter_closed(c, TCP_END_RESET,
				 "RFC 793 §3.9 (insecure-syn): SYN in the "
				 "window — connection reset");
		return;
	}
	tcp_challenge_ack(c, in, "RFC 9293 §3.10.7.4 (fourth) / RFC 5961 §4: "
			     "SYN in a synchronized state — challenge ACK");
}

/* Fifth, in SYN-RECEIVED: the ACK of our SYN. Returns false if it is
 * not one (a RST answers it). */
static bool ack_of_our_syn(struct tcp_conn *c, const struct tcp_seg *in,
			   const struct seg_view *s)
{
	if (!(SEQ_LT(c->snd_una, s->ack) && SEQ_LEQ(s->ack, c->snd_nxt))) {
		tcp_send_reset_reply(c->st, c, in,
				     "RFC 9293 §3.10.7.4 (fifth): unacceptable "
				     "ACK in SYN-RECEIVED — send RST");
		return false;
	}
	tcp_set_state(c, TCP_ESTABLISHED,
		      "RFC 9293 §3.10.7.4 (fifth): ACK of our SYN in "
		      "SYN-RECEIVED");
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (c->snd_wnd > c->max_snd_wnd)
		c->max_snd_wnd = c->snd_wnd;
	tcp_timer_stop(c, TCP_T_REXMT);
	established(c);
	take_syn_text(c);
	if (c->fin_queued)
		tcp_set_state(c, TCP_FIN_WAIT_1,
			      "RFC 9293 §3.10.4: CLOSE queued in SYN-RECEIVED "
			      "— send FIN now");
	return true;
}

/* Fifth: check the ACK field. Returns true if the segment's text and
 * FIN are to be processed next. */
static bool check_ack(struct tcp_conn *c, const struct tcp_seg *in,
		      const struct seg_view *s)
{
	if (!(s->flags & TCP_ACK)) {
		tcp_trace_ignore(c->st, c, in, "RFC 9293 §3.10.7.4 (fifth): ACK "
					   "bit off — discard");
		return false;
	}
	if (c->state == TCP_SYN_RECEIVED && !ack_of_our_syn(c, in, s))
		return false;
	/* A CLOSE in SYN-RECEIVED went on to FIN-WAIT-1 before our SYN
	 * was acknowledged: the text held since the peer's SYN is taken in
	 * when the ACK of ours comes. */
	bool syn_unacked = c->snd_una == c->iss;
	if (!process_ack(c, in, s))
		return false;
	if (syn_unacked && c->snd_una != c->iss)
		take_syn_text(c);
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(c)) {
			tcp_set_state(c, TCP_FIN_WAIT_2,
				      "RFC 9293 §3.10.7.4 (fifth): our FIN is "
				      "acknowledged");
			tcp_keepalive_arm(c);
			tcp_fin_wait_2_arm(c);
		}
		return true;
	case TCP_CLOSING:
		if (!fin_acked(c))
			return false;
		enter_time_wait(c, "RFC 9293 §3.10.7.4 (fifth): our FIN is "
				   "acknowledged in CLOSING");
		/* FreeBSD hands the connection to tcp_twstart and returns:
		 * no ACK this segment may have owed goes out */
		if (c->p->rules == TCP_RULES_FREEBSD)
			c->ack_why = NULL;
		return true;
	case TCP_LAST_ACK:
		if (fin_acked(c))
			tcp_enter_closed(c, TCP_END_NORMAL,
					 "RFC 9293 §3.10.7.4 (fifth): our FIN is "
					 "acknowledged in LAST-ACK — delete the "
					 "TCB");
		return false;
	case TCP_TIME_WAIT:
		/* "The only thing that can arrive in this state is a
		 * retransmission of the remote FIN. Acknowledge it, and
		 * restart the 2 MSL timeout." Whatever else arrives in the
		 * window is answered so too, but a bare ACK at RCV.NXT: it
		 * repeats the peer's ACK of our FIN, and answering it would
		 * have two ends in TIME-WAIT after a simultaneous close
		 * answer each other's answers for ever (FreeBSD's
		 * tcp_twcheck is silent there too; Linux restarts its
		 * timer, tcp_timewait_state_process). */
		if (s->len == 0 && !(s->flags & TCP_FIN) &&
		    s->seq == c->rcv_nxt) {
			if (c->p->rules == TCP_RULES_LINUX)
				tcp_timer_arm(c, TCP_T_TIMEWAIT,
					      time_wait_len(c));
			return false;
		}
		if (!tcp_oow_limited(c, in, false))
			tcp_owe_ack(c, "RFC 9293 §3.10.7.4 (fifth): a segment "
				       "in TIME-WAIT — acknowledge it and "
				       "restart the 2·MSL timer");
		tcp_timer_arm(c, TCP_T_TIMEWAIT, time_wait_len(c));
		return false;
	default:
		return true;
	}
}

/* Linux keeps a passive OPEN's SYN-RECEIVED as a request, not a socket,
 * and tcp_check_req judges what comes for it in an order of its own.
 * Returns true if the segment goes on through the RFC's checks — it is
 * then in the window, carries the ACK of our SYN, and no RST. */
static bool lx_check_req(struct tcp_conn *c, const struct tcp_seg *in,
			 const struct seg_view *s)
{
	/* the peer's SYN again — our SYN,ACK was lost or is slow: the
	 * SYN,ACK again, its timer restarted (inet_rtx_syn_ack) */
	if (s->flags == TCP_SYN && s->seq == c->irs) {
		if (tcp_oow_limited(c, in, false))
			return false;
		tcp_xmit(c, TCP_SYN | TCP_ACK, c->iss, 0,
			 "Linux tcp_check_req: the SYN again — send the "
			 "SYN,ACK again",
			 TR_TX_ANSWER);
		tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
		return false;
	}
	/* an ACK of anything but our SYN goes to the listener, which
	 * answers it with a RST (none for a RST); the request stays */
	if ((s->flags & TCP_ACK) && s->ack != c->iss + 1) {
		if (s->flags & TCP_RST)
			tcp_trace_ignore(c->st, c, in,
					 "Linux tcp_check_req: RST with an "
					 "ACK not of our SYN — discard");
		else
			tcp_send_reset_reply(c->st, c, in,
					     "Linux tcp_check_req: ACK not "
					     "of our SYN — the listener "
					     "answers with RST");
		return false;
	}
	/* tcp_in_window: the segment starts at RCV.NXT, or overlaps the
	 * window, or is empty at its right edge */
	uint32_t end = s->seq + view_seqlen(s);
	uint32_t lo = c->rcv_nxt, hi = c->rcv_nxt + c->rcv_wnd;
	if (!(s->seq == lo || (SEQ_GT(end, lo) && SEQ_LT(s->seq, hi)) ||
	      (s->seq == hi && end == hi))) {
		if (s->flags & TCP_RST)
			tcp_trace_ignore(c->st, c, in,
					 "Linux tcp_check_req: RST outside "
					 "the window — discard");
		else if (!tcp_oow_limited(c, in, false))
			tcp_owe_ack(c, "Linux tcp_check_req: outside the "
				       "window — send ACK, drop it");
		return false;
	}
	/* in the window: a RST, at any sequence number, or a new SYN ends
	 * the request (embryonic_reset), the SYN answered with a RST */
	if (s->flags & TCP_RST) {
		back_to_listen(c, "Linux tcp_check_req: RST in the window — "
				  "drop the request");
		return false;
	}
	if ((s->flags & TCP_SYN) && s->seq != c->irs) {
		tcp_send_reset_reply(c->st, c, in,
				     "Linux tcp_check_req: a new SYN in the "
				     "window — send RST");
		back_to_listen(c, "Linux tcp_check_req: a new SYN in the "
				  "window — drop the request");
		return false;
	}
	if (!(s->flags & TCP_ACK)) {
		tcp_trace_ignore(c->st, c, in, "Linux tcp_check_req: ACK bit "
					   "off — discard");
		return false;
	}
	return true;
}

/* RFC 7323 §5.3 R1 (PAWS), before the sequence number is looked at: a
 * segment whose timestamp is older than TS.Recent is a duplicate from an
 * earlier wrap of the sequence space — ACK it and drop it. Returns false
 * if the segment is dropped. */
static bool check_timestamps(struct tcp_conn *c, const struct tcp_seg *in,
			     const struct seg_view *s)
{
	if (!c->ts_ok)
		return true;
	bool lx = c->p->rules == TCP_RULES_LINUX;
	if (!s->ts) {
		/* RFC 7323 §3.2: "a TCP SHOULD silently drop" a non-RST
		 * segment without TSopt; Linux takes it, and so does
		 * FreeBSD unless strict (net.inet.tcp.tolerate_missing_ts) */
		if ((s->flags & TCP_RST) || lx ||
		    (c->p->rules == TCP_RULES_FREEBSD && !c->p->strict_ts))
			return true;
		tcp_trace_ignore(c->st, c, in, "RFC 7323 §3.2: no timestamps "
					   "on a connection that agreed on "
					   "them — discard");
		return false;
	}
	int32_t behind = (int32_t)(c->ts_recent - s->tsval);
	/* a RST is not subject to PAWS; TS.Recent idle for 24 days is no
	 * longer valid (§5.5); Linux allows one tick behind
	 * (TCP_PAWS_WINDOW) */
	if (behind <= (lx ? 1 : 0) || (s->flags & TCP_RST) ||
	    sim_of(c)->now - c->ts_recent_at >= TCP_PAWS_IDLE)
		return true;
	if (lx) {
		/* tcp_disordered_ack: a pure duplicate ACK that changes no
		 * window, late by less than an RTO, is let through */
		if ((s->flags & TCP_ACK) && view_seqlen(s) == 0 &&
		    s->seq == c->rcv_nxt && s->ack == c->snd_una &&
		    !lx_may_update_window(c, s) &&
		    (sim_time_t)behind * SIM_MS(1) <=
					   c->rto * 1024 / 1000)
			return true;
		if (s->flags & TCP_SYN) {
			tcp_challenge_ack(c, in, "Linux tcp_validate_incoming: "
					     "a SYN that fails PAWS — "
					     "challenge ACK");
			return false;
		}
		if (!tcp_oow_limited(c, in, false))
			tcp_owe_ack(c, "Linux tcp_validate_incoming: PAWS — a "
				       "timestamp older than TS.Recent: "
				       "duplicate ACK, drop the segment");
		return false;
	}
	tcp_owe_ack(c, "RFC 7323 §5.3 (R1): PAWS — a timestamp older than "
		       "TS.Recent: send ACK, drop the segment");
	return false;
}

/* RFC 7323 §4.3 (2): an acceptable segment's TSval becomes TS.Recent if
 * it is not older and the segment starts at or before Last.ACK.sent —
 * the timestamp of the segment our next ACK acknowledges. */
static void note_ts_recent(struct tcp_conn *c, const struct seg_view *s,
			   uint32_t seq_as_sent)
{
	if (!c->ts_ok || !s->ts)
		return;
	bool stale = sim_of(c)->now - c->ts_recent_at >= TCP_PAWS_IDLE;
	if ((stale || (int32_t)(s->tsval - c->ts_recent) >= 0) &&
	    SEQ_LEQ(seq_as_sent, c->last_ack_sent)) {
		c->ts_recent = s->tsval;
		c->ts_recent_at = sim_of(c)->now;
	}
}

/* FreeBSD's tcp_twcheck, in TIME-WAIT, in place of RFC 9293's steps: no
 * window and no PAWS check; a RST is dropped (RFC 1337), so is a segment
 * without ACK; one without timestamps passes (tolerate_missing_ts); a
 * duplicate FIN restarts 2·MSL; everything but a bare duplicate ACK at
 * RCV.NXT is acknowledged. */
static void input_time_wait_freebsd(struct tcp_conn *c,
				    const struct tcp_seg *in,
				    const struct seg_view *s)
{
	if (s->flags & TCP_RST) {
		tcp_trace_ignore(c->st, c, in, "FreeBSD tcp_twcheck: RST in "
					   "TIME-WAIT — discard (RFC 1337)");
		return;
	}
	if (!(s->flags & TCP_ACK)) {
		tcp_trace_ignore(c->st, c, in, "FreeBSD tcp_twcheck: no ACK "
					   "bit in TIME-WAIT — discard");
		return;
	}
	bool dup_fin = (s->flags & TCP_FIN) &&
		       s->seq + s->len + (s->flags & TCP_SYN ? 1u : 0u) + 1 ==
			       c->rcv_nxt;
	if (dup_fin)
		tcp_timer_arm(c, TCP_T_TIMEWAIT, time_wait_len(c));
	if (in->flags != TCP_ACK || s->len || s->seq != c->rcv_nxt ||
	    s->ack != c->snd_nxt)
		tcp_owe_ack(c, dup_fin ? "FreeBSD tcp_twcheck: the FIN again "
					 "— ACK it and restart the 2·MSL "
					 "timer"
				       : "FreeBSD tcp_twcheck: not a bare "
					 "duplicate ACK — acknowledge it");
	else
		tcp_trace_ignore(c->st, c, in, "FreeBSD tcp_twcheck: a "
					   "duplicate ACK in TIME-WAIT — "
					   "nothing to do");
}

/* A SYN that may end a TIME-WAIT connection and open a new one with the
 * same pair of sockets: FreeBSD (tcp_twcheck) takes one without ACK
 * beyond RCV.NXT; Linux (tcp_timewait_state_process) also one with a
 * newer timestamp, if the timestamp passes PAWS, and chooses the new ISS
 * itself (*isn). RFC 9293 answers it with a challenge ACK instead. */
static bool time_wait_reopens(const struct tcp_conn *c,
			      const struct seg_view *s, uint32_t *isn)
{
	if ((s->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return false;
	if (c->p->rules == TCP_RULES_FREEBSD)
		return SEQ_GT(s->seq, c->rcv_nxt);
	if (c->p->rules != TCP_RULES_LINUX)
		return false;
	bool ts = c->ts_ok && s->ts;
	int32_t behind = ts ? (int32_t)(c->ts_recent - s->tsval) : 0;
	if (ts && behind > 1 &&
	    sim_of(c)->now - c->ts_recent_at < TCP_PAWS_IDLE)
		return false; /* tcp_paws_reject */
	if (!SEQ_GT(s->seq, c->rcv_nxt) && !(ts && behind < 0))
		return false;
	*isn = c->snd_nxt + 65535 + 2;
	if (*isn == 0)
		*isn = 1;
	return true;
}

/* RFC 9293 §3.10.7.4: a segment arrives in a synchronized state or
 * SYN-RECEIVED, its checks in the RFC's order; then its text and FIN
 * (sixth to eighth, process_text_fin). */
static void input_synchronized(struct tcp_conn *c, const struct tcp_seg *in,
			       struct seg_view *s)
{
	uint32_t seq_as_sent;
	if (c->state == TCP_TIME_WAIT && c->p->rules == TCP_RULES_FREEBSD) {
		input_time_wait_freebsd(c, in, s);
		return;
	}
	if (!check_timestamps(c, in, s))
		return;
	if (c->p->rules == TCP_RULES_LINUX && c->state == TCP_SYN_RECEIVED &&
	    c->passive && !lx_check_req(c, in, s))
		return;
	if (!check_sequence(c, in, s, &seq_as_sent))
		return;
	if (!(s->flags & TCP_RST))
		note_ts_recent(c, s, seq_as_sent);
	if (s->flags & TCP_RST) {
		check_rst(c, in, seq_as_sent);
		return;
	}
	if (s->flags & TCP_SYN) {
		check_syn(c, in);
		return;
	}
	/* RFC 3168 §6.1.3: a CE mark is echoed with ECE on every segment
	 * until the sender's CWR says it reacted — unless the CWR segment
	 * is marked too. Linux acknowledges the first CE mark at once
	 * (tcp_ecn_check_ce: quick-ACK mode); Linux and FreeBSD acknowledge
	 * data with CWR at once, the sender's window being small
	 * (tcp_ecn_accept_cwr, tcp_input's TF_ACKNOW). */
	if (c->ecn_ok) {
		if (s->flags & TCP_CWR) {
			c->ecn_ce = false;
			if (s->len && c->p->rules != TCP_RULES_RFC9293)
				tcp_owe_ack(c, c->p->rules == TCP_RULES_LINUX
						       ? "Linux tcp_ecn_accept_cwr: "
							 "data with CWR — "
							 "acknowledge at once"
						       : "FreeBSD tcp_input: CWR "
							 "— acknowledge at once");
		}
		if (in->ecn == TCP_IP_CE) {
			/* Linux: the first mark of an episode */
			if (c->p->rules == TCP_RULES_LINUX && !c->ecn_ce)
				tcp_owe_ack(c, "Linux tcp_ecn_check_ce: a CE "
					       "mark — acknowledge at once "
					       "with ECE");
			c->ecn_ce = true;
		}
	}
	if (check_ack(c, in, s))
		process_text_fin(c, s);
}

/* The connection a segment belongs to, or the listening socket on its
 * port, or NULL. */
static struct tcp_conn *find_conn(struct tcp_stack *st,
				  const struct tcp_seg *seg)
{
	struct tcp_conn *c = tcp_hash_find(st, seg->saddr, seg->sport, seg->dport);
	if (c)
		return c;
	return tcp_hash_find(st, 0, 0, seg->dport);
}

/* The SYN time_wait_reopens() took: the TIME-WAIT connection ends and
 * the SYN goes where one for no connection would — to a listener on its
 * port, else it draws a RST (FreeBSD). Linux keeps TIME-WAIT when no one
 * listens, and answers with an ACK (tcp_v4_rcv, TCP_TW_SYN falling
 * through to TCP_TW_ACK). */
static void reopen_time_wait(struct tcp_conn *c, const struct tcp_seg *in,
			     uint32_t isn)
{
	struct tcp_stack *st = c->st;
	struct tcp_conn *l = tcp_hash_find(st, 0, 0, in->dport);
	if (l)
		l = tcp_use(l); /* NULL if memory is out: the run ends */
	if (!l && c->p->rules == TCP_RULES_LINUX) {
		tcp_owe_ack(c, "Linux tcp_v4_rcv: a SYN that could reopen "
			       "the TIME-WAIT connection, but no one "
			       "listens — ACK it");
		tcp_flush(c);
		return;
	}
	tcp_enter_closed(c, TCP_END_NORMAL,
			 c->p->rules == TCP_RULES_LINUX
				 ? "Linux tcp_timewait_state_process: a SYN "
				   "beyond RCV.NXT or with a newer timestamp "
				   "— end TIME-WAIT, the SYN opens anew"
				 : "FreeBSD tcp_twcheck: a SYN beyond RCV.NXT "
				   "— end TIME-WAIT, the SYN opens anew");
	if (l)
		input_listen(l, in, isn);
	else
		tcp_send_reset_reply(st, NULL, in,
				     "RFC 9293 §3.10.7.1: segment for no "
				     "connection — send RST");
}

void tcp_stack_input(struct tcp_stack *st, const struct tcp_seg *seg,
		     uint64_t pkt)
{
	tcp_enter(st);
	st->in_pkt = pkt;
	struct tcp_conn *c = find_conn(st, seg);
	/* a packed connection whole again; if memory is out, the segment
	 * is dropped and the run ends with this event */
	if (c && !(c = tcp_use(c)))
		goto out;
	if (!c) {
		/* RFC 9293 §3.10.7.1: no TCB — the state is CLOSED. */
		if (seg->flags & TCP_RST)
			tcp_trace_ignore(st, NULL, seg,
				     "RFC 9293 §3.10.7.1: RST for no "
				     "connection — discard");
		else
			tcp_send_reset_reply(st, NULL, seg,
					 "RFC 9293 §3.10.7.1: segment for no "
					 "connection — send RST");
	} else if ((seg->flags & (TCP_SYN | TCP_FIN)) ==
			   (TCP_SYN | TCP_FIN) && c->p->drop_synfin) {
		tcp_trace_ignore(st, c, seg, "drop-synfin: SYN and FIN "
					     "together — discard (FreeBSD's "
					     "drop_synfin)");
	} else if (c->state == TCP_LISTEN) {
		input_listen(c, seg, 0);
	} else {
		struct seg_view s = view_of(c, seg);
		uint32_t isn = 0;
		if (c->state == TCP_TIME_WAIT &&
		    time_wait_reopens(c, &s, &isn)) {
			reopen_time_wait(c, seg, isn);
			goto out;
		}
		/* RFC 1122 §4.2.3.6: any segment from the peer shows it is
		 * alive. */
		c->last_rx = st->sim->now;
		tcp_trace_worked(c);
		c->probes = 0;
		c->persist_probes = 0;
		if (c->state == TCP_SYN_SENT)
			input_syn_sent(c, seg, &s);
		else
			input_synchronized(c, seg, &s);
		tcp_flush(c);
	}
out:
	st->in_pkt = 0;
	tcp_leave(st);
}
