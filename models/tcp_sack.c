/* tcp_sack.c — SACK as a data sender: the scoreboard of what the peer has
 * SACKed (RFC 2018), conservative loss recovery by it (RFC 6675: IsLost,
 * SetPipe, NextSeg), and limited transmit (RFC 3042).
 *
 * The scoreboard is a short sorted list of ranges above SND.UNA. Everything
 * RFC 6675 defines octet by octet is computed per gap between them: the
 * octets of one gap have the same SACKed data above them, so IsLost() is
 * the same for all of a gap, and SetPipe() and NextSeg() walk the gaps.
 */
#include <stdlib.h>
#include <string.h>

#include "models/tcp_priv.h"

bool tcp_ranges_have(struct tcp_conn *c, struct tcp_range **v)
{
	if (!*v)
		*v = tcp_mem_grow(c, NULL, TCP_MAX_OOO * sizeof **v,
				  TCP_MAX_OOO * sizeof **v);
	return *v != NULL;
}

bool tcp_ranges_add(struct tcp_range *v, uint32_t *n, uint32_t cap,
		    uint32_t l, uint32_t r, uint32_t *added)
{
	uint32_t i = 0;
	while (i < *n && SEQ_LT(v[i].end, l))
		i++;
	uint32_t j = i, had = 0;
	while (j < *n && SEQ_LEQ(v[j].start, r)) {
		had += v[j].end - v[j].start;
		if (SEQ_LT(v[j].start, l))
			l = v[j].start;
		if (SEQ_GT(v[j].end, r))
			r = v[j].end;
		j++;
	}
	if (j == i && *n == cap)
		return false;
	memmove(&v[i + 1], &v[j], (*n - j) * sizeof v[0]);
	v[i] = (struct tcp_range){l, r};
	*n = *n - (j - i) + 1;
	*added = r - l - had;
	return true;
}

uint32_t tcp_sack_take(struct tcp_conn *c, const struct tcp_seg *in)
{
	uint32_t added = 0;
	/* RFC 2883 §4: a first block below the ACK, or inside the second,
	 * reports a duplicate */
	c->dsack_in = in->nsack &&
		      (SEQ_LEQ(in->sack[0].end, in->ack) ||
		       (in->nsack > 1 &&
			SEQ_GEQ(in->sack[0].start, in->sack[1].start) &&
			SEQ_LEQ(in->sack[0].end, in->sack[1].end)));
	for (uint32_t k = 0; k < in->nsack && k < TCP_MAX_SACK; k++) {
		uint32_t l = in->sack[k].start, r = in->sack[k].end;
		/* RFC 2883: a block below the cumulative ACK reports a
		 * duplicate, not data held; a block must lie within what
		 * was sent (RFC 2018 §4 leaves others to be ignored) */
		if (!SEQ_LT(l, r) || !SEQ_GT(r, c->snd_una) ||
		    SEQ_GT(r, c->snd_nxt))
			continue;
		if (SEQ_LT(l, c->snd_una))
			l = c->snd_una;
		uint32_t n = 0; /* none if there is no room to remember it */
		if (!tcp_ranges_have(c, &c->score))
			break;
		tcp_ranges_add(c->score, &c->nscore, TCP_MAX_OOO, l, r, &n);
		added += n;
	}
	return added;
}

void tcp_sack_acked(struct tcp_conn *c)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nscore; i++) {
		struct tcp_range r = c->score[i];
		if (!SEQ_GT(r.end, c->snd_una))
			continue;
		if (SEQ_LT(r.start, c->snd_una))
			r.start = c->snd_una;
		c->score[n++] = r;
	}
	c->nscore = n;
}

void tcp_sack_clear(struct tcp_conn *c)
{
	c->nscore = 0;
}

/* RFC 6675 §4 IsLost() for the gap below score[i] (i == nscore: the gap
 * above the highest SACKed octet): DupThresh SACKed ranges above it, or
 * more than (DupThresh − 1) · SMSS SACKed bytes. */
static bool gap_lost(const struct tcp_conn *c, uint32_t i)
{
	uint32_t bytes = 0;
	for (uint32_t k = i; k < c->nscore; k++)
		bytes += c->score[k].end - c->score[k].start;
	return c->nscore - i >= c->p->dupthresh ||
	       bytes > (c->p->dupthresh - 1) * c->snd_mss;
}

/* The gap below score[i]: [*l, *r) from the end of the range before it
 * (or SND.UNA); the last one reaches to SND.NXT. */
static void gap(const struct tcp_conn *c, uint32_t i, uint32_t *l,
		uint32_t *r)
{
	*l = i ? c->score[i - 1].end : c->snd_una;
	*r = i < c->nscore ? c->score[i].start : c->snd_nxt;
}

uint32_t tcp_sack_pipe(const struct tcp_conn *c)
{
	if (c->p->rack)
		return tcp_rack_pipe(c);
	/* RFC 6675 §4 SetPipe(): each unSACKed octet not lost counts once,
	 * each one retransmitted (below HighRxt) once more */
	uint32_t pipe = 0;
	for (uint32_t i = 0; i <= c->nscore; i++) {
		uint32_t l, r;
		gap(c, i, &l, &r);
		if (!SEQ_LT(l, r))
			continue;
		if (!gap_lost(c, i))
			pipe += r - l;
		if (c->in_recovery && SEQ_LT(l, c->high_rxt))
			pipe += (SEQ_LT(r, c->high_rxt) ? r : c->high_rxt) - l;
	}
	return pipe;
}

/* RFC 6675 §4 NextSeg() rules (1), (3) and (4): a retransmission, if one
 * is due; returns false if none. Rule (2), new data, is tcp_output's. */
static bool next_rexmit(struct tcp_conn *c, bool lost_only)
{
	uint32_t mss = tcp_seg_mss(c);
	if (c->p->rack) {
		/* RFC 8985 §6: what RACK marked lost, in order; no rule (3)
		 * or (4) — the tail loss probe stands for them */
		uint32_t seq, len;
		if (!lost_only || !tcp_rack_lost_next(c, &seq, &len))
			return false;
		uint32_t n = tcp_resend(c, seq, min32(len, mss), TR_TX_FAST,
					"RFC 8985 §6: RACK marked it lost — "
					"retransmit it");
		if (n && SEQ_GT(seq + n, c->high_rxt))
			c->high_rxt = seq + n;
		return n != 0;
	}
	/* (1) the first unSACKed octet past HighRxt, below the highest
	 * SACKed one, that IsLost(); (3) the same if not lost */
	for (uint32_t i = 0; i < c->nscore; i++) {
		uint32_t l, r;
		gap(c, i, &l, &r);
		if (SEQ_LT(l, c->high_rxt))
			l = c->high_rxt;
		if (!SEQ_LT(l, r) || (lost_only && !gap_lost(c, i)))
			continue;
		uint32_t n = tcp_resend(c, l, min32(r - l, mss), TR_TX_FAST,
					lost_only
						? "RFC 6675 §4 NextSeg (1): "
						  "the first octet presumed "
						  "lost — retransmit it"
						: "RFC 6675 §4 NextSeg (3): "
						  "no new data to send — "
						  "retransmit an unSACKed "
						  "segment");
		if (!n)
			return false;
		c->high_rxt = l + n;
		return true;
	}
	if (lost_only)
		return false;
	/* (4) once per recovery: the segment holding the highest unSACKed
	 * octet, HighRxt left as it is */
	if (c->rescued)
		return false;
	for (uint32_t i = c->nscore + 1; i-- > 0;) {
		uint32_t l, r;
		gap(c, i, &l, &r);
		if (SEQ_LT(l, c->high_rxt))
			l = c->high_rxt;
		if (!SEQ_LT(l, r))
			continue;
		uint32_t from = r - l > mss ? r - mss : l;
		if (!tcp_resend(c, from, r - from, TR_TX_FAST,
				"RFC 6675 §4 NextSeg (4): rescue "
				"retransmission of the last unSACKed "
				"segment"))
			return false;
		c->rescued = true;
		c->rescue_rxt = c->recover;
		return true;
	}
	return false;
}

/* RFC 6937 §3: with PRR, cwnd in recovery is what may be in the network
 * now — pipe, and sndcnt more: in proportion to what the peer has been
 * delivered while pipe is above ssthresh, and with the slow start
 * reduction bound once it is not (PRR-SSRB). */
static void prr_cwnd(struct tcp_conn *c)
{
	if (!c->p->prr)
		return;
	uint32_t mss = c->snd_mss;
	c->prr_delivered += c->delivered;
	uint32_t pipe = tcp_sack_pipe(c);
	int64_t sndcnt;
	if (pipe > c->ssthresh) {
		/* CEIL(prr_delivered · ssthresh / RecoverFS) − prr_out */
		uint64_t num = (uint64_t)c->prr_delivered * c->ssthresh;
		uint64_t fs = c->prr_recover_fs ? c->prr_recover_fs : 1;
		sndcnt = (int64_t)((num + fs - 1) / fs) - c->prr_out;
	} else {
		int64_t limit = (int64_t)c->prr_delivered - c->prr_out;
		if (limit < (int64_t)c->delivered)
			limit = c->delivered;
		limit += mss;
		sndcnt = (int64_t)c->ssthresh - pipe;
		if (sndcnt > limit)
			sndcnt = limit;
	}
	if (sndcnt < 0)
		sndcnt = 0;
	c->cwnd = pipe + (uint32_t)sndcnt;
	tcp_trace_cwnd(c);
}

/* RFC 6675 §5 (C): while cwnd − pipe ≥ 1 SMSS, send what NextSeg()
 * gives: a lost segment, new data, a segment not known lost, a rescue. */
static void recovery_send(struct tcp_conn *c)
{
	prr_cwnd(c);
	for (int guard = 0; guard < 1024; guard++) {
		uint32_t mss = tcp_seg_mss(c);
		if (c->cwnd < tcp_sack_pipe(c) + mss)
			return;
		if (next_rexmit(c, true))
			continue;
		uint32_t nxt = c->snd_nxt;
		tcp_output(c);
		if (c->snd_nxt != nxt)
			continue;
		if (!next_rexmit(c, false))
			return;
	}
}

static void enter_recovery(struct tcp_conn *c);

void tcp_sack_dupack(struct tcp_conn *c)
{
	c->dupacks++;
	if (c->in_recovery) {
		recovery_send(c);
		return;
	}
	/* RFC 6675 §5: recovery begins with DupThresh duplicates, or once
	 * the first unacknowledged octet IsLost(); not again for losses of
	 * the window already recovered from (RFC 6582 §3.2 step 1) */
	bool lost = c->nscore && gap_lost(c, 0);
	/* with RACK, time decides what is lost (tcp_sack_losses) */
	if (c->p->rack || (c->dupacks < c->p->dupthresh && !lost) ||
	    !SEQ_GT(c->snd_una, c->recover)) {
		/* RFC 3042: each of the first two duplicates lets one new
		 * segment go past cwnd */
		if (c->dupacks <= 2) {
			uint32_t cwnd = c->cwnd;
			c->cwnd += c->dupacks * c->snd_mss;
			tcp_output(c);
			c->cwnd = cwnd;
		}
		return;
	}
	enter_recovery(c);
	uint32_t first = c->nscore ? c->score[0].start : c->snd_nxt;
	uint32_t n = tcp_resend(c, c->snd_una,
				min32(first - c->snd_una, tcp_seg_mss(c)),
				TR_TX_FAST,
				"RFC 6675 §5: duplicate ACKs reached the "
				"threshold — enter loss recovery, "
				"retransmit the first unacknowledged segment");
	c->high_rxt = c->snd_una + n;
	recovery_send(c);
}

/* RFC 6675 §5 (1) RecoveryPoint = HighData; (2) ssthresh = cwnd = half
 * the flight (RFC 5681 (4)), or by PRR; no probes meanwhile. */
static void enter_recovery(struct tcp_conn *c)
{
	c->ssthresh = tcp_cc_ssthresh(c, false);
	if (c->p->prr) {
		/* RFC 6937: the reduction spreads over the recovery */
		c->prr_recover_fs = c->snd_nxt - c->snd_una;
		c->prr_delivered = c->prr_out = 0;
	} else {
		c->cwnd = c->ssthresh;
	}
	c->recover = c->snd_nxt - 1;
	c->in_recovery = true;
	c->rtt_timing = false;
	c->rescued = false;
	/* no probes in recovery: the RTO again */
	if (evq_pending(&c->timer[TCP_T_PTO])) {
		tcp_timer_stop(c, TCP_T_PTO);
		if (!evq_pending(&c->timer[TCP_T_REXMT]))
			tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
	}
	c->high_rxt = c->snd_una;
	tcp_trace_cwnd(c);
}

void tcp_sack_losses(struct tcp_conn *c)
{
	/* RFC 8985 §6: RACK marked segments lost — recovery, once per
	 * window (RFC 6582 §3.2 step 1), then what pipe allows */
	if (!c->in_recovery && SEQ_GT(c->snd_una, c->recover)) {
		enter_recovery(c);
		/* as RFC 6675 §5 (3): the first lost segment goes at once,
		 * whatever pipe says */
		next_rexmit(c, true);
	}
	if (c->in_recovery)
		recovery_send(c);
}

void tcp_sack_recovery_ack(struct tcp_conn *c)
{
	if (SEQ_GT(c->snd_una, c->recover)) {
		/* RFC 6675 §5: a cumulative ACK past RecoveryPoint ends
		 * recovery; cwnd is ssthresh already (no inflation) */
		c->in_recovery = false;
		c->dupacks = 0;
		/* RFC 8985 §6.2 step 4: the D-SACK widening lasts 16
		 * recoveries */
		if (c->reo_wnd_persist && !--c->reo_wnd_persist)
			c->reo_wnd_mult = 1;
		/* RFC 6937: PRR ends at ssthresh, whatever it reached */
		if (c->cwnd > c->ssthresh || c->p->prr)
			c->cwnd = c->ssthresh;
		tcp_trace_cwnd(c);
		return;
	}
	c->dupacks = 0; /* (A): a cumulative ACK resets it */
	if (SEQ_LT(c->high_rxt, c->snd_una))
		c->high_rxt = c->snd_una;
	recovery_send(c);
}

/* ---- tail loss probes: RFC 8985 §7 ------------------------------------ */

#define TLP_WC_DELACK SIM_MS(200) /* WCDelAckT, the worst delayed ACK */

void tcp_tlp_arm(struct tcp_conn *c)
{
	/* §7.2: only with SACK, in the open state (no fast or RTO
	 * recovery), with data outstanding and no probe outstanding */
	if (!c->p->tlp || !c->sack_ok || c->in_recovery || c->tlp_out ||
	    c->snd_una == c->snd_nxt || SEQ_LT(c->snd_cur, c->snd_nxt) ||
	    !tcp_synchronized(c->state)) {
		if (evq_pending(&c->timer[TCP_T_PTO]) &&
		    (c->snd_una == c->snd_nxt || c->in_recovery)) {
			tcp_timer_stop(c, TCP_T_PTO);
			if (c->snd_una != c->snd_nxt &&
			    !evq_pending(&c->timer[TCP_T_REXMT]))
				tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
		}
		return;
	}
	/* §7.2 TLP_calc_PTO: 2·SRTT, and the worst delayed ACK when a
	 * single segment is out; 1 s before any sample; never past the
	 * RTO */
	sim_time_t pto = SIM_S(1);
	bool one = c->snd_nxt - c->snd_una <= c->snd_mss;
	if (c->have_rtt && c->p->rules == TCP_RULES_LINUX) {
		/* tcp_schedule_loss_probe: 2·SRTT, with one segment out at
		 * least 1.5·SRTT + TCP_DELACK_MAX, and never below 10 ms */
		pto = 2 * c->srtt;
		if (one && pto < c->srtt * 3 / 2 + TLP_WC_DELACK)
			pto = c->srtt * 3 / 2 + TLP_WC_DELACK;
		if (pto < SIM_MS(10))
			pto = SIM_MS(10);
	} else if (c->have_rtt) {
		pto = 2 * c->srtt;
		if (one)
			pto += TLP_WC_DELACK;
	}
	/* the probe timer stands in for the RTO while it runs (§7.2;
	 * Linux's ICSK_TIME_LOSS_PROBE uses the one timer): the RTO comes
	 * back after the probe */
	const struct evq_timer *rto = &c->timer[TCP_T_REXMT];
	if (evq_pending(rto) && sim_of(c)->now + pto > rto->when)
		pto = rto->when - sim_of(c)->now;
	tcp_timer_stop(c, TCP_T_REXMT);
	tcp_timer_arm(c, TCP_T_PTO, pto);
}

void tcp_tlp_fire(struct tcp_conn *c)
{
	/* §7.3: new data if there is any and the window takes it, else
	 * the highest segment sent again; then the RTO, not the PTO */
	uint32_t data_end = c->sb_seq + c->sb.len;
	uint32_t mss = tcp_seg_mss(c);
	bool sent = false;
	uint32_t room = c->snd_una + c->snd_wnd;
	if (SEQ_LT(c->snd_nxt, data_end) && SEQ_LT(c->snd_nxt, room)) {
		uint32_t len = min32(min32(data_end - c->snd_nxt, mss),
				     room - c->snd_nxt);
		uint8_t flags = TCP_ACK;
		if (c->snd_nxt + len == data_end)
			flags |= TCP_PSH;
		tcp_xmit(c, flags, c->snd_nxt, len,
			 "RFC 8985 §7.3: probe timeout — a tail loss probe "
			 "with new data",
			 TR_TX_NEW);
		c->snd_nxt += len;
		c->snd_cur = c->snd_nxt;
		c->tlp_is_retrans = false;
		sent = true;
	} else if (SEQ_LT(c->snd_una, c->snd_nxt)) {
		/* the last segment: up to an MSS of data before SND.NXT,
		 * and the FIN if that is where it ends */
		bool fin = c->fin_queued && SEQ_GT(c->snd_nxt, data_end);
		uint32_t dend = fin ? data_end : c->snd_nxt;
		uint32_t from = dend - c->snd_una > mss ? dend - mss : c->snd_una;
		sent = tcp_resend(c, from, dend - from, TR_TX_PROBE,
				  "RFC 8985 §7.3: probe timeout — a tail loss "
				  "probe, the last segment again") != 0;
		c->tlp_is_retrans = true;
	}
	if (sent) {
		c->tlp_out = true;
		c->tlp_end_seq = c->snd_nxt;
		c->tlp_flight = c->snd_nxt - c->snd_una;
	}
	tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
}

void tcp_tlp_ack(struct tcp_conn *c, uint32_t ack, bool pure,
		 bool advanced)
{
	if (c->tlp_out && SEQ_GEQ(ack, c->tlp_end_seq)) {
		/* §7.4: a retransmitted probe acknowledged past its end, or
		 * by a pure ACK at it without a D-SACK, repaired a loss: the
		 * congestion response of a fast recovery */
		bool repaired = c->tlp_is_retrans && !c->dsack_in &&
				(SEQ_GT(ack, c->tlp_end_seq) || pure);
		bool done = !c->tlp_is_retrans || c->dsack_in || repaired;
		if (done)
			c->tlp_out = false;
		if (repaired) {
			/* the flight when the probe went, not what is
			 * left of it now */
			c->ssthresh = tcp_cc(c)->ssthresh(c, c->tlp_flight,
							  false);
			if (c->cwnd > c->ssthresh)
				c->cwnd = c->ssthresh;
			tcp_trace_cwnd(c);
		}
	}
	/* §7.2: restarted by an ACK of new data */
	if (advanced)
		tcp_tlp_arm(c);
}
