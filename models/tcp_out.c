/* tcp_out.c — what a connection sends: data and the FIN as the windows
 * allow (RFC 9293 §3.8.6, RFC 5681), Nagle and the sender's SWS
 * avoidance, ACKs owed and delayed (RFC 1122 §4.2.3.2), RFC 5961's
 * challenge ACKs, resets, the SYN, fast and partial-ACK retransmissions
 * and zero-window probes. Every segment leaves through tcp_xmit_data(),
 * which fills in the ACK, the window and the MSS option and says why it
 * is sent.
 */
#include <stddef.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "models/tcp_priv.h"

static const uint8_t *payload(struct tcp_conn *c, uint32_t off, uint32_t len)
{
	struct tcp_buf *b = &c->sb;
	if (len == 0)
		return NULL;
	uint32_t start = (b->head + off) % b->size;
	if (start + len <= b->size)
		return b->data + start;
	struct tcp_stack *st = c->st;
	if (st->scratch_cap < len) {
		uint8_t *p = realloc(st->scratch, len);
		if (!p)
			return NULL;
		st->scratch = p;
		st->scratch_cap = len;
	}
	tcp_buf_copy(b, off, len, st->scratch);
	return st->scratch;
}

uint32_t tcp_max_window(const struct tcp_conn *c)
{
	uint32_t space = min32(c->p->rcvbuf, tcp_win_cap(c));
	/* Linux offers a whole number of MSS (tcp_select_initial_window:
	 * rounddown(space, mss)), the clamp of every later window; a
	 * passive OPEN that agreed on timestamps counts the MSS less their
	 * 12 bytes (tcp_openreq_init_rwin) — 65160 = 45 · 1448, where an
	 * active one, not knowing yet, offers 44 · 1460 = 64240 */
	uint32_t mss = c->our_mss;
	if (c->passive && c->ts_ok && mss > TCP_TS_ALIGNED)
		mss -= TCP_TS_ALIGNED;
	if (c->p->rules == TCP_RULES_LINUX && space > mss)
		space -= space % mss;
	return space;
}

uint32_t tcp_free_window(const struct tcp_conn *c)
{
	uint32_t max = tcp_max_window(c);
	return c->rb.len < max ? max - c->rb.len : 0;
}

/* The receive window to advertise: the buffer's free space, moved
 * forward only by a worthwhile step (RFC 1122 §4.2.3.3, receiver-side SWS
 * avoidance) and never pulled back (RFC 9293 §3.8.6.2.2). Sets RCV.WND so
 * that RCV.NXT + RCV.WND is the edge advertised. */
uint32_t tcp_window_freebsd(const struct tcp_conn *c)
{
	uint32_t win = c->p->rcvbuf > c->rb.len ? c->p->rcvbuf - c->rb.len : 0;
	if (win < c->p->rcvbuf / 4 && win < bsd_maxseg(c))
		win = 0;
	if (SEQ_GT(c->rcv_adv, c->rcv_nxt) && win < c->rcv_adv - c->rcv_nxt)
		win = c->rcv_adv - c->rcv_nxt;
	return win;
}

static void advertise_window(struct tcp_conn *c)
{
	if (c->p->rules == TCP_RULES_LINUX) {
		c->rcv_wnd = tcp_ack_window(c);
		c->rcv_adv = c->rcv_nxt + c->rcv_wnd;
		return;
	}
	if (c->p->rules == TCP_RULES_FREEBSD) {
		/* what the buffer takes is the window segments are judged
		 * by (tcp_input: rcv_wnd from sbspace); what the window
		 * field carries, at most, is the edge offered */
		c->rcv_wnd = tcp_window_freebsd(c);
		/* a passive SYN-RECEIVED is the syncache's, whose window is
		 * the one it offered (sc_wnd) */
		if (c->state == TCP_SYN_RECEIVED && c->passive)
			c->rcv_wnd = min32(c->rcv_wnd, tcp_win_cap(c));
		c->rcv_adv = c->rcv_nxt + min32(c->rcv_wnd, tcp_win_cap(c));
		return;
	}
	uint32_t free = tcp_free_window(c);
	uint32_t edge = c->rcv_nxt + free;
	uint32_t step = min32(c->p->rcvbuf / 2, c->our_mss);
	/* RCV.BUFF - RCV.USER - RCV.WND >= min(Fr * RCV.BUFF, Eff.snd.MSS)
	 * with Fr = 1/2, or the edge stays where it is */
	if (SEQ_LT(edge, c->rcv_adv) || edge - c->rcv_adv < step)
		edge = c->rcv_adv;
	c->rcv_adv = edge;
	c->rcv_wnd = edge - c->rcv_nxt;
}

/* Give x to the host, saying who sends it: c's state and initial
 * sequence numbers (none for a RST of no connection, or in LISTEN). */
static void hand_over(struct tcp_stack *st, struct tcp_conn *c,
		      struct tcp_xmit *x)
{
	x->state = c ? c->state : TCP_CLOSED;
	if (c)
		tcp_trace_worked(c);
	if (c && c->state != TCP_LISTEN) {
		x->iss = c->iss;
		x->irs = c->irs;
	}
	st->ops->output(st, c, x);
}

void tcp_sent_init(struct tcp_conn *c)
{
	c->sent_head = c->sent_n = 0;
	c->sent_start = c->sent_end = c->iss;
	c->sent_gap = false;
	c->snd_sml = c->iss;
}

static struct tcp_sent *sent_at(struct tcp_conn *c, uint32_t i)
{
	return &c->sent[(c->sent_head + i) % c->sent_cap];
}

/* Room in the ring of segments in flight for one more: made on first use
 * with 4 records (a handshake, a request), doubling up to TCP_MAX_SENT,
 * charged to the budget with the connection; false if it is full or
 * there is no memory. */
static bool sent_room(struct tcp_conn *c)
{
	if (c->sent && c->sent_n < c->sent_cap)
		return true;
	uint32_t cap = c->sent ? 2 * c->sent_cap : 4;
	if (cap > TCP_MAX_SENT)
		return false;
	struct tcp_sent *r = tcp_mem_grow(c, NULL, cap * sizeof *r,
					  (cap - c->sent_cap) * sizeof *r);
	if (!r)
		return false;
	/* laid out afresh from the oldest */
	for (uint32_t i = 0; i < c->sent_n; i++)
		r[i] = *sent_at(c, i);
	free(c->sent);
	c->sent = r;
	c->sent_head = 0;
	c->sent_cap = cap;
	return true;
}

void tcp_sent_release(struct tcp_conn *c)
{
	if (!c->sent || c->sent_n || c->sent_gap)
		return;
	uint64_t size = (uint64_t)c->sent_cap * sizeof *c->sent;
	sim_give_mem(sim_of(c), size);
	c->mem -= size;
	free(c->sent);
	c->sent = NULL;
	c->sent_cap = 0;
	c->sent_head = 0;
}

/* rules: linux — [seq, seq+n) goes out: remember when, and mark what it
 * sends again. */
static void sent_note(struct tcp_conn *c, uint32_t seq, uint32_t n)
{
	uint32_t end = seq + n;
	bool again = SEQ_LT(seq, c->sent_end);
	if (again) {
		uint32_t start = c->sent_start;
		for (uint32_t i = 0; i < c->sent_n && SEQ_LT(start, end); i++) {
			struct tcp_sent *r = sent_at(c, i);
			if (SEQ_GT(r->end, seq))
				r->again = true;
			start = r->end;
		}
	}
	if (!SEQ_GT(end, c->sent_end))
		return;
	/* no room (or no memory for the ring): no samples until it drains */
	if (!c->sent_gap && !sent_room(c))
		c->sent_gap = true;
	if (!c->sent_gap)
		*sent_at(c, c->sent_n++) = (struct tcp_sent){
			.end = end, .again = again, .at = sim_of(c)->now};
	c->sent_end = end;
}

void tcp_note_rexmit(struct tcp_conn *c, uint32_t seq, uint32_t n)
{
	if (!c->rexmitting) {
		c->rexmitting = true;
		/* when the oldest segment was first sent (this one, if the
		 * ring lost track) */
		c->retrans_stamp = c->sent_n && !c->sent_gap ? c->sent[c->sent_head].at
						      : sim_of(c)->now;
		c->rexmit_high = seq + n;
	}
	if (SEQ_GT(seq + n, c->rexmit_high))
		c->rexmit_high = seq + n;
}

bool tcp_sent_acked(struct tcp_conn *c, uint32_t ack, sim_time_t *first,
		    sim_time_t *last)
{
	bool any = false, again = false;
	while (c->sent_n && SEQ_LEQ(c->sent[c->sent_head].end, ack)) {
		const struct tcp_sent *r = &c->sent[c->sent_head];
		if (!any)
			*first = r->at;
		*last = r->at;
		any = true;
		again |= r->again;
		c->sent_start = r->end;
		c->sent_head = (c->sent_head + 1) % c->sent_cap;
		c->sent_n--;
	}
	if (c->sent_gap) {
		/* what the ring could not hold may have gone twice */
		if (c->sent_n == 0 && SEQ_GEQ(ack, c->sent_end)) {
			c->sent_gap = false;
			c->sent_start = c->sent_end;
		}
		return false;
	}
	/* nothing in flight: an idle connection holds no ring */
	tcp_sent_release(c);
	return any && !again;
}

/* Build and hand one segment to the host. ACK, window and MSS option are
 * filled in here so that every segment carries the current values. The
 * payload comes from the send buffer at seq, or from `data` if given. */
/* respond: a segment FreeBSD makes with tcp_respond, not tcp_output */
static void xmit(struct tcp_conn *c, uint8_t flags, uint32_t seq,
		 const uint8_t *data, uint32_t len, const char *why,
		 enum trace_tx tx, bool respond)
{
	/* FreeBSD's tcp_output: while our FIN is out and unacknowledged,
	 * the state's flags (tcp_outflags) put FIN on every segment, and an
	 * ACK goes as the FIN again, at its sequence number (not an answer
	 * tcp_respond makes: a challenge ACK) */
	uint32_t data_end = c->sb_seq + c->sb.len;
	if (c->p->rules == TCP_RULES_FREEBSD && flags == TCP_ACK && !len &&
	    !respond &&
	    seq == c->snd_nxt && c->fin_queued &&
	    SEQ_GT(c->snd_nxt, data_end) && SEQ_LEQ(c->snd_una, data_end)) {
		flags |= TCP_FIN;
		seq = data_end;
	}
	/* RFC 3168 §6.1: once agreed, new data goes ECN-capable (not a
	 * retransmission, not a window probe, §6.1.5, §6.1.6), the first
	 * after an ECE answered with CWR; and while a CE mark is
	 * unanswered, every segment carries ECE (§6.1.3) */
	uint8_t ecn = TCP_IP_NOT_ECT;
	if (c->ecn_ok && !(flags & (TCP_SYN | TCP_RST))) {
		if (len && tx == TR_TX_NEW && c->snd_wnd) {
			ecn = TCP_IP_ECT0;
			if (c->ecn_cwr) {
				flags |= TCP_CWR;
				c->ecn_cwr = false;
			}
		}
		if (c->ecn_ce)
			flags |= TCP_ECE;
	}
	struct tcp_xmit x = {.why = why, .tx = tx};
	struct tcp_seg *s = &x.seg;
	*s = (struct tcp_seg){
		.ecn = ecn,
		.saddr = c->laddr,
		.daddr = c->raddr,
		.sport = c->lport,
		.dport = c->rport,
		.seq = seq,
		.flags = flags,
		.len = len,
		.data = data,
		.from_conn = true,
	};
	if (len && !data && c->sb.src) {
		/* by reference into the stream the send buffer is a window on */
		s->src = c->sb.src;
		s->src_off = c->sb.src_off + (seq - c->sb_seq);
	} else if (len && !data) {
		s->data = payload(c, seq - c->sb_seq, len);
		if (!s->data) {
			/* No memory for the copy. A segment lost where no
			 * link dropped it would be a lie in the trace: the
			 * run ends instead, out of memory. */
			sim_of(c)->nomem = true;
			return;
		}
	}
	if (flags & TCP_ACK) {
		s->ack = c->rcv_nxt;
		c->ack_why = NULL;
		x.challenge = c->ack_challenge;
		c->ack_challenge = false;
		c->unacked_segs = 0;
		tcp_timer_stop(c, TCP_T_DELACK);
	}
	/* FreeBSD's tcp_output offers no window on a RST */
	if ((!(flags & TCP_RST) || (flags & TCP_ACK)) &&
	    !((flags & TCP_RST) && c->p->rules == TCP_RULES_FREEBSD)) {
		advertise_window(c);
		/* RFC 7323 §2.2: a SYN's window is never scaled; others
		 * carry it shifted — rounded up to the unit of the shift,
		 * so that a window short of one unit is not offered as
		 * none (§2.4; Linux's __tcp_select_window, FreeBSD's
		 * tcp_output): the buffer has room for the difference */
		uint32_t w = c->rcv_wnd;
		if (!(flags & TCP_SYN) && c->rcv_wscale) {
			/* what the buffer can take: never more, or roundings
			 * would pile up as RCV.NXT moves */
			uint32_t unit = 1u << c->rcv_wscale;
			uint32_t room = c->rb.cap - c->rb.len;
			assert(w <= room);
			w = min32((w + unit - 1) & ~(unit - 1), room);
			c->rcv_wnd = w;
			c->rcv_adv = c->rcv_nxt + w;
			w >>= c->rcv_wscale;
		}
		s->wnd = (uint16_t)min32(w, TCP_MAX_WIN);
	}
	if (c->p->rules == TCP_RULES_LINUX) {
		if (flags & TCP_ACK)
			tcp_ack_sent(c, c->rcv_wnd);
		if (len)
			tcp_ack_data_out(c);
	}
	s->layout = c->p->opt_layout;
	if (flags & TCP_SYN)
		tcp_syn_options(c, s);
	else if (c->ts_ok) {
		/* RFC 7323 §3.2: on every segment once agreed, a RST too */
		s->opts |= TCP_OPT_TS;
		s->tsval = tcp_ts_now(c);
		s->tsecr = c->ts_recent;
	}
	if (flags & TCP_ACK) {
		c->last_ack_sent = c->rcv_nxt;
		if (c->sack_ok && !(flags & (TCP_SYN | TCP_RST)))
			tcp_sack_fill(c, s);
	}
	uint32_t seqlen = len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	/* RFC 8985 §6: each segment's last sending, for RACK */
	if (seqlen && c->p->rack && c->sack_ok &&
	    !(flags & (TCP_SYN | TCP_RST)))
		tcp_rack_sent(c, seq, seqlen);
	/* RFC 6937 prr_out: what recovery has sent */
	if (c->in_recovery && c->sack_ok && !(flags & TCP_RST))
		c->prr_out += len;
	if (seqlen && !(flags & TCP_RST)) {
		sent_note(c, seq, seqlen);
		if (tx == TR_TX_TIMEOUT || tx == TR_TX_FAST ||
		    tx == TR_TX_PARTIAL)
			tcp_note_rexmit(c, seq, seqlen);
	}
	hand_over(c->st, c, &x);
}

void tcp_xmit_data(struct tcp_conn *c, uint8_t flags, uint32_t seq,
		   const uint8_t *data, uint32_t len, const char *why,
		   enum trace_tx tx)
{
	xmit(c, flags, seq, data, len, why, tx, false);
}

void tcp_xmit(struct tcp_conn *c, uint8_t flags, uint32_t seq,
	      uint32_t len, const char *why, enum trace_tx tx)
{
	xmit(c, flags, seq, NULL, len, why, tx, false);
}

void tcp_send_active_reset(struct tcp_conn *c, const char *why)
{
	if (c->p->rules == TCP_RULES_FREEBSD) {
		/* tcp_drop: tcp_output in CLOSED, whose flags are RST,ACK,
		 * with a window of zero */
		tcp_xmit(c, TCP_RST | TCP_ACK, c->snd_nxt, 0, why, TR_TX_NEW);
		return;
	}
	if (c->p->rules != TCP_RULES_LINUX) {
		/* RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST> */
		tcp_xmit(c, TCP_RST, c->snd_nxt, 0, why, TR_TX_NEW);
		return;
	}
	/* tcp_send_active_reset: RST,ACK at tcp_acceptable_seq() — SND.NXT,
	 * or the window's right edge if SND.NXT lies beyond it — with
	 * RCV.NXT and the window, as any segment the socket sends */
	uint32_t edge = c->snd_una + c->snd_wnd;
	uint32_t seq = SEQ_LEQ(c->snd_nxt, edge) ? c->snd_nxt : edge;
	tcp_xmit(c, TCP_RST | TCP_ACK, seq, 0, why, TR_TX_NEW);
}

/* RFC 9293 §3.10.7.1 and the other "send a reset" rules: answer `in`
 * with a RST that the sender will accept. */
void tcp_send_reset_reply(struct tcp_stack *st, struct tcp_conn *c,
			     const struct tcp_seg *in, const char *why)
{
	struct tcp_xmit x = {.why = why, .tx = TR_TX_NEW};
	struct tcp_seg *r = &x.seg;
	*r = (struct tcp_seg){
		.saddr = in->daddr,
		.daddr = in->saddr,
		.sport = in->dport,
		.dport = in->sport,
	};
	if (in->flags & TCP_ACK) {
		r->seq = in->ack;
		r->flags = TCP_RST;
	} else {
		r->seq = 0;
		r->ack = in->seq + tcp_seg_seqlen(in);
		r->flags = TCP_RST | TCP_ACK;
	}
	hand_over(st, c, &x);
}

void tcp_start_rtt(struct tcp_conn *c, uint32_t seq)
{
	c->rtt_timing = true;
	c->rtt_seq = seq;
	c->rtt_start = sim_of(c)->now;
}

bool tcp_may_send_data(enum tcp_state s)
{
	switch (s) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* Send new data, retransmissions after a timeout, and the FIN, as far as
 * the send window (RFC 9293 §3.8.6) and the congestion window (RFC 5681)
 * allow, holding back small segments by Nagle's rule (RFC 1122 §4.2.3.4)
 * and the sender's SWS avoidance (RFC 9293 §3.8.6.2.1). */
void tcp_output(struct tcp_conn *c)
{
	if (!tcp_may_send_data(c->state))
		return;
	bool held = false, sent_new = false;
	/* FreeBSD's tcp_output asks once, on entry, whether all that was
	 * sent is acknowledged: Nagle then lets the whole write out */
	bool idle = c->snd_una == c->snd_nxt;
	for (;;) {
		uint32_t data_end = c->sb_seq + c->sb.len;
		uint32_t unsent = SEQ_LT(c->snd_cur, data_end)
					  ? data_end - c->snd_cur : 0;
		uint32_t flight = c->snd_cur - c->snd_una;
		/* in SACK loss recovery cwnd is measured against pipe
		 * (RFC 6675 §5), the receive window against the flight */
		uint32_t inpipe = c->in_recovery && c->sack_ok
					  ? tcp_sack_pipe(c) : flight;
		uint32_t rw = c->snd_wnd > flight ? c->snd_wnd - flight : 0;
		uint32_t cw = c->cwnd > inpipe ? c->cwnd - inpipe : 0;
		uint32_t usable = min32(rw, cw);
		/* the SACK blocks this segment carries take room from its
		 * data, as its other options do */
		uint32_t mss = tcp_seg_mss(c);
		uint32_t len = min32(min32(unsent, usable), mss);
		bool rexmit = SEQ_LT(c->snd_cur, c->snd_nxt);
		/* The FIN follows the last byte, and takes a place in the
		 * window like one (a retransmitted FIN goes regardless). */
		bool fin = c->fin_queued && c->snd_cur + len == data_end &&
			   (usable > len || rexmit);
		if (len == 0 && !fin)
			break;
		if (len < mss && !fin && !rexmit) {
			/* Nagle (RFC 1122 §4.2.3.4): while anything is
			 * unacknowledged, wait for the ACK or for a full
			 * segment; Linux, only while a small segment is
			 * (Minshall's variant, tcp_nagle_check); FreeBSD,
			 * only if something was unacknowledged when this
			 * output began, and not for half the largest window
			 * the peer has offered */
			bool nagle;
			switch (c->p->rules) {
			case TCP_RULES_LINUX:
				nagle = SEQ_GT(c->snd_sml, c->snd_una) &&
					SEQ_LEQ(c->snd_sml, c->snd_nxt);
				break;
			case TCP_RULES_FREEBSD:
				nagle = !idle && len < c->max_snd_wnd / 2;
				break;
			default:
				nagle = c->snd_una != c->snd_nxt;
				break;
			}
			if (!c->p->nodelay && nagle)
				break;
			/* SWS: send less than a segment only if it is all
			 * there is, or half the largest window seen */
			if (len < unsent && len < c->max_snd_wnd / 2 &&
			    !c->sws_override) {
				held = true;
				break;
			}
		}
		c->sws_override = false;
		uint8_t flags = TCP_ACK;
		if (len && c->snd_cur + len == data_end)
			flags |= TCP_PSH;
		if (fin)
			flags |= TCP_FIN;
		const char *why;
		if (rexmit && c->resume)
			why = "RFC 9293 §3.8.6.1: the window reopened — send "
			      "again from the probe on";
		else if (rexmit && c->pmtu)
			why = "RFC 1191 §6: the path carries less (ICMP "
			      "fragmentation needed) — send again in smaller "
			      "segments";
		else if (rexmit)
			why = "RFC 6298 §5.4: retransmission timeout — "
			      "resend from the oldest unacknowledged byte";
		else if (fin && len)
			why = "RFC 9293 §3.10.4: CLOSE — last data, with FIN";
		else if (fin)
			why = "RFC 9293 §3.10.4: CLOSE — FIN after all data";
		else
			why = "RFC 9293 §3.8.6: data within the send window";
		tcp_xmit(c, flags, c->snd_cur, len, why,
			 !rexmit    ? TR_TX_NEW
			 : c->resume ? TR_TX_RESUME
			 : c->pmtu   ? TR_TX_PMTU
				      : TR_TX_TIMEOUT);
		c->resume = false;
		sent_new |= !rexmit;
		/* Linux's Nagle (tcp_minshall_update): remember the last
		 * small segment; only while it is unacknowledged does a
		 * small one wait */
		if (!rexmit && len < mss)
			c->snd_sml = c->snd_cur + len + fin;
		if (!rexmit && !c->rtt_timing)
			tcp_start_rtt(c, c->snd_cur);
		c->snd_cur += len + fin;
		if (SEQ_GT(c->snd_cur, c->snd_nxt))
			c->snd_nxt = c->snd_cur;
		/* RFC 6298 (5.1) */
		if (!evq_pending(&c->timer[TCP_T_REXMT]))
			tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
		if (fin)
			break;
	}
	/* Something waits and nothing in flight will bring an ACK: a zero
	 * window (RFC 9293 §3.8.6.1: probe it) or a small segment held by
	 * SWS avoidance (§3.8.6.2.1: the override timeout). Both run on the
	 * persist timer, first after one RTO. */
	bool waiting = SEQ_LT(c->snd_cur, c->sb_seq + c->sb.len) ||
		       (c->fin_queued &&
			!SEQ_GT(c->snd_nxt, c->sb_seq + c->sb.len));
	if (waiting && (c->snd_wnd == 0 || held) &&
	    c->snd_una == c->snd_nxt &&
	    !evq_pending(&c->timer[TCP_T_PERSIST]))
		tcp_timer_arm(c, TCP_T_PERSIST, c->rto);
	/* RFC 8985 §7.2: new data sent, a tail loss probe may be due */
	if (sent_new && c->p->tlp)
		tcp_tlp_arm(c);
}

void tcp_send_ack(struct tcp_conn *c, const char *why)
{
	tcp_xmit(c, TCP_ACK, c->snd_nxt, 0, why, TR_TX_NEW);
}

void tcp_syn_options(const struct tcp_conn *c, struct tcp_seg *s)
{
	if (c->p->no_options)
		return;
	s->mss = (uint16_t)c->our_mss;
	bool synack = s->flags & TCP_ACK;
	if (c->p->wscale != TCP_WSCALE_OFF && (!synack || c->ws_ok)) {
		s->opts |= TCP_OPT_WS;
		s->wscale = c->ws_offer;
	}
	/* RFC 2018 §2: SACK-permitted "MUST NOT be sent on non-SYN
	 * segments"; on a SYN,ACK only if the SYN had it */
	if (c->p->sack && (!synack || c->sack_ok))
		s->opts |= TCP_OPT_SACKOK;
	/* RFC 7323 §3.2: a SYN may carry TSopt; a SYN,ACK only if the SYN
	 * did, echoing its TSval */
	if (c->p->timestamps && (!synack || c->ts_ok)) {
		s->opts |= TCP_OPT_TS;
		s->tsval = tcp_ts_now(c);
		s->tsecr = synack ? c->ts_recent : 0;
	}
}

const struct tcp_range *tcp_ooo_holding(const struct tcp_conn *c,
				       uint32_t seq)
{
	for (uint32_t i = 0; i < c->nooo; i++)
		if (SEQ_LEQ(c->ooo[i].start, seq) && SEQ_LT(seq, c->ooo[i].end))
			return &c->ooo[i];
	return NULL;
}

/* The blocks, as tcp_sack_fill gives them, into b; returns how many. */
static uint32_t sack_blocks(const struct tcp_conn *c,
			    struct tcp_sack_block *b)
{
	uint32_t n = 0;
	if (c->dsack) {
		b[n++] = c->dsack_block;
		/* RFC 2883 §4: a duplicate within a range held out of
		 * order is followed by that range */
		const struct tcp_range *r = tcp_ooo_holding(c, c->dsack_block.start);
		if (r)
			b[n++] = (struct tcp_sack_block){r->start, r->end};
	}
	for (uint32_t i = 0; i < c->nsack_recent && n < TCP_MAX_SACK; i++) {
		const struct tcp_range *r = tcp_ooo_holding(c, c->sack_recent[i]);
		if (!r)
			continue;
		bool dup = false;
		for (uint32_t k = c->dsack ? 1 : 0; k < n; k++)
			dup |= b[k].start == r->start;
		if (!dup)
			b[n++] = (struct tcp_sack_block){r->start, r->end};
	}
	return n;
}

void tcp_sack_fill(struct tcp_conn *c, struct tcp_seg *s)
{
	s->nsack = (uint8_t)sack_blocks(c, s->sack);
	c->dsack = false; /* reported once */
}

uint32_t tcp_seg_mss(const struct tcp_conn *c)
{
	uint32_t sb = tcp_sack_bytes(c);
	return c->snd_mss > sb ? c->snd_mss - sb : 1;
}

uint32_t tcp_sack_bytes(const struct tcp_conn *c)
{
	if (!c->sack_ok || (!c->nooo && !c->dsack))
		return 0;
	struct tcp_sack_block b[TCP_MAX_SACK];
	uint32_t n = sack_blocks(c, b);
	/* the most that fit beside timestamps: 3 */
	if (c->ts_ok && n > 3)
		n = 3;
	return n ? 4 + 8 * n : 0;
}

uint32_t tcp_ts_now(const struct tcp_conn *c)
{
	return (uint32_t)(sim_of(c)->now / SIM_MS(1)) + c->ts_off;
}

void tcp_negotiate(struct tcp_conn *c, const struct tcp_seg *s)
{
	/* RFC 7323 §2.2: scaling in both directions only if both SYNs
	 * carry the option; §2.3: a shift above 14 is taken as 14 */
	bool any = !c->p->no_options;
	c->ws_ok = any && c->p->wscale != TCP_WSCALE_OFF &&
		   (s->opts & TCP_OPT_WS);
	c->snd_wscale = c->ws_ok ? (uint8_t)min32(s->wscale, TCP_MAX_WSCALE)
				 : 0;
	c->rcv_wscale = c->ws_ok ? c->ws_offer : 0;
	c->ts_ok = any && c->p->timestamps && (s->opts & TCP_OPT_TS);
	c->sack_ok = any && c->p->sack && (s->opts & TCP_OPT_SACKOK);
	/* RFC 3168 §6.1.1: a SYN asks for ECN with ECE and CWR, a SYN,ACK
	 * agrees with ECE alone, to a SYN that asked. A SYN crossing ours
	 * (simultaneous open) agrees if both asked; FreeBSD's
	 * tcp_ecn_input_parallel_syn takes its asking alone. */
	uint8_t ecn_bits = s->flags & (TCP_ECE | TCP_CWR);
	if (s->flags & TCP_ACK)
		c->ecn_ok = c->ecn_asked && ecn_bits == TCP_ECE;
	else if (c->state == TCP_SYN_SENT &&
		 c->p->rules != TCP_RULES_FREEBSD)
		c->ecn_ok = c->ecn_asked && ecn_bits == (TCP_ECE | TCP_CWR);
	else
		c->ecn_ok = c->p->ecn != TCP_ECN_OFF &&
			    ecn_bits == (TCP_ECE | TCP_CWR);
	if (c->ts_ok) {
		c->ts_recent = s->tsval;
		c->ts_recent_at = sim_of(c)->now;
	}
}

void tcp_send_syn(struct tcp_conn *c, bool with_ack, bool rexmit,
		     const char *why)
{
	uint8_t flags = TCP_SYN;
	if (with_ack) {
		/* RFC 3168 §6.1.1: an ECN-setup SYN,ACK, ECE alone */
		flags |= TCP_ACK | (c->ecn_ok ? TCP_ECE : 0);
	} else {
		/* an ECN-setup SYN, ECE and CWR — and only so many times
		 * again, lest a middlebox drop SYNs that carry them */
		c->ecn_asked = c->p->ecn == TCP_ECN_ON &&
			       (!rexmit || c->nrexmt <= c->p->ecn_syn_retries);
		if (c->ecn_asked)
			flags |= TCP_ECE | TCP_CWR;
	}
	tcp_xmit(c, flags, c->iss, 0, why, rexmit ? TR_TX_TIMEOUT : TR_TX_NEW);
}

/* An ACK goes out when this event's work is done (unless a segment
 * carries it first). */
void tcp_owe_ack(struct tcp_conn *c, const char *why)
{
	if (!c->ack_why)
		c->ack_why = why;
}

/* In-order data: RFC 1122 §4.2.3.2 and RFC 5681 §4.2 allow the ACK to
 * wait, but not beyond the delayed-ACK time, and not past every second
 * segment. */
void tcp_owe_ack_delayed(struct tcp_conn *c, const char *why)
{
	if (!c->p->delack) {
		tcp_owe_ack(c, why);
		return;
	}
	if (++c->unacked_segs >= c->p->delack_segs) {
		tcp_owe_ack(c, "RFC 1122 §4.2.3.2 / RFC 5681 §4.2: data received — "
			   "ACK at least every second segment");
		return;
	}
	if (!evq_pending(&c->timer[TCP_T_DELACK]))
		tcp_timer_arm(c, TCP_T_DELACK, c->p->delack);
}

bool tcp_oow_limited(struct tcp_conn *c, const struct tcp_seg *in,
		     bool always)
{
	/* tcp_oow_rate_limited: "data packets without SYNs are not likely
	 * part of an ACK loop" */
	if (!c->p->invalid_ratelimit ||
	    (!always && (in->len || (in->flags & TCP_FIN)) &&
	     !(in->flags & TCP_SYN)))
		return false;
	sim_time_t now = tcp_clock(c);
	if (c->oow_sent && now - c->oow_at < tcp_units(c, c->p->invalid_ratelimit)) {
		tcp_trace_ignore(c->st, c, in, "Linux tcp_invalid_ratelimit: "
					   "this socket answered a segment "
					   "outside its window too recently "
					   "— no ACK");
		return true;
	}
	c->oow_at = now;
	c->oow_sent = true;
	return false;
}

/* RFC 5961 §7: a host sends at most challenge_limit challenge ACKs in any
 * challenge_window, counted and limited host-wide (the host's parameters,
 * not the socket's); beyond that the segment is discarded unanswered.
 * Linux first holds each socket to invalid-ratelimit
 * (tcp_send_challenge_ack). */
void tcp_challenge_ack(struct tcp_conn *c, const struct tcp_seg *in,
			  const char *why)
{
	struct tcp_stack *st = c->st;
	sim_time_t now = st->sim->now;
	if (tcp_oow_limited(c, in, true))
		return;
	if (st->defaults->p.challenge_limit) {
		if (st->ca_count == 0 ||
		    now >= st->ca_since + st->defaults->p.challenge_window) {
			st->ca_since = now;
			st->ca_count = 0;
		}
		if (st->ca_count >= st->defaults->p.challenge_limit) {
			tcp_trace_ignore(st, c, in, "RFC 5961 §7: challenge ACK "
						"limit reached in this window — "
						"no ACK");
			return;
		}
		st->ca_count++;
	}
	/* FreeBSD answers at once (tcp_send_challenge_ack: tcp_respond),
	 * not by the ACK tcp_output would send */
	c->ack_challenge = true;
	if (c->p->rules == TCP_RULES_FREEBSD)
		xmit(c, TCP_ACK, c->snd_nxt, NULL, 0, why, TR_TX_NEW, true);
	else
		tcp_owe_ack(c, why);
}

/* RFC 5681 §3.1: initial window from the sender's MSS, unless the
 * profile fixes a number of segments. */
uint32_t tcp_initial_window(const struct tcp_conn *c)
{
	uint32_t smss = c->snd_mss;
	if (c->p->iw)
		return c->p->iw * smss;
	if (smss > 2190)
		return 2 * smss;
	if (smss > 1095)
		return 3 * smss;
	return 4 * smss;
}

/* Our MSS for c: the socket's, no more than the path carries. */
void tcp_set_our_mss(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint32_t path = st->ops->path_mss ? st->ops->path_mss(st, c->raddr) : 0;
	c->our_mss = path && path < c->p->mss ? path : c->p->mss;
}

void tcp_set_snd_mss(struct tcp_conn *c, uint16_t peer_mss)
{
	c->snd_mss = min32(peer_mss ? peer_mss : TCP_DEFAULT_MSS, c->our_mss);
	/* RFC 9293 §3.7.1: the MSS counts the TCP header's options out —
	 * the timestamps on every segment */
	if (c->ts_ok)
		c->snd_mss = c->snd_mss > TCP_TS_ALIGNED ? c->snd_mss - TCP_TS_ALIGNED
							 : 1;
	if (c->snd_mss == 0)
		c->snd_mss = 1;
}

/* The first unacknowledged segment again (fast retransmit, partial
 * ACK), with its FIN if it ends the data and the FIN was sent. */
uint32_t tcp_resend(struct tcp_conn *c, uint32_t seq, uint32_t max,
		    enum trace_tx tx, const char *why)
{
	uint32_t data_end = c->sb_seq + c->sb.len;
	/* only what was sent: up to SND.NXT */
	uint32_t sent_end = SEQ_LT(c->snd_nxt, data_end) ? c->snd_nxt
							 : data_end;
	uint32_t len = SEQ_LT(seq, sent_end) ? min32(sent_end - seq, max) : 0;
	bool fin = c->fin_queued && seq + len == data_end &&
		   SEQ_GT(c->snd_nxt, data_end);
	if (!len && !fin)
		return 0;
	uint8_t flags = TCP_ACK | (fin ? TCP_FIN : 0);
	if (len && seq + len == data_end)
		flags |= TCP_PSH;
	tcp_xmit(c, flags, seq, len, why, tx);
	if (SEQ_LT(c->snd_cur, seq + len + fin))
		c->snd_cur = seq + len + fin;
	return len + fin;
}

void tcp_resend_first(struct tcp_conn *c, enum trace_tx tx, const char *why)
{
	tcp_resend(c, c->snd_una, tcp_seg_mss(c), tx, why);
}

/* A zero-window probe (RFC 9293 §3.8.6.1): the octet at SND.UNA — new
 * data past the closed window, or the first of those outstanding — or
 * the FIN if that is all that is left; then the persist timer, backing
 * off: the first probe after one RTO, then 2, 4, 8 ... RTOs (RFC 1122
 * §4.2.2.17). */
void tcp_window_probe(struct tcp_conn *c)
{
	uint32_t data_end = c->sb_seq + c->sb.len;
	bool again = SEQ_LT(c->snd_una, c->snd_nxt);
	tcp_timer_stop(c, TCP_T_REXMT);
	if (c->p->rules == TCP_RULES_LINUX) {
		/* tcp_write_wakeup -> tcp_xmit_probe_skb: an empty segment
		 * at SND.UNA-1, which the peer answers with its window */
		tcp_xmit(c, TCP_ACK, c->snd_una - 1, 0,
			 "Linux tcp_xmit_probe_skb: zero window — probe with "
			 "an empty segment at SND.UNA-1",
			 c->persist_shift ? TR_TX_PROBE : TR_TX_NEW);
	} else if (SEQ_LT(c->snd_una, data_end))
		tcp_xmit(c, TCP_ACK, c->snd_una, 1,
		     "RFC 9293 §3.8.6.1: zero window — probe with one octet",
		     again ? TR_TX_PROBE : TR_TX_NEW);
	else
		tcp_xmit(c, TCP_ACK | TCP_FIN, c->snd_una, 0,
		     "RFC 9293 §3.8.6.1: zero window — probe with the FIN",
		     again ? TR_TX_PROBE : TR_TX_NEW);
	if (c->p->rules != TCP_RULES_LINUX) {
		c->snd_cur = c->snd_una + 1;
		if (SEQ_GT(c->snd_cur, c->snd_nxt))
			c->snd_nxt = c->snd_cur;
	}
	if (c->persist_shift == 0)
		c->probing_since = sim_of(c)->now;
	c->persist_probes++;
	c->persist_shift++;
	sim_time_t next = c->rto;
	for (uint32_t i = 0; i < c->persist_shift && next < c->p->rto_max; i++)
		next *= 2;
	if (next > c->p->rto_max)
		next = c->p->rto_max;
	/* not past the user timeout (tcp_clamp_probe0_to_user_timeout),
	 * but at least two ticks on */
	sim_time_t ut = c->p->user_timeout;
	if (ut) {
		sim_time_t left = tcp_ticks_ceil(c, ut) -
				  (sim_of(c)->now - c->probing_since);
		if (left < 2 * c->p->tick)
			left = 2 * c->p->tick;
		if (left < next)
			next = left;
	}
	tcp_timer_arm(c, TCP_T_PERSIST, next);
}
