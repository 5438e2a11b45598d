/* tcp_rack.c — RACK (RFC 8985 §6): loss detection by time. Every segment
 * in flight has a record of when it was last sent; a segment is lost once
 * one sent after it has been delivered (ACKed or SACKed) and a round trip
 * and a reordering window have passed since it was sent. With `rack`,
 * these marks replace RFC 6675's IsLost() for SACK loss recovery
 * (tcp_sack.c asks tcp_rack_lost_next and tcp_rack_pipe), and the
 * reordering timer (`rack`) catches what no later ACK will.
 *
 * The records are an array sorted by sequence number, from SND.UNA to
 * SND.NXT; it grows by doubling (rarely: it is sized by the flight), and
 * a retransmission of part of a record splits it.
 */
#include <stdlib.h>
#include <string.h>

#include "models/tcp_priv.h"

#define TXR_RETRANS 1
#define TXR_SACKED 2
#define TXR_LOST 4

/* Room for one more record; false if there is no memory, or the
 * scenario's memory budget is spent (RACK then knows less, and the RTO
 * still repairs what it would have). The records count towards the
 * connection's memory, as its buffers do. */
static bool txr_room(struct tcp_conn *c)
{
	if (c->ntxr < c->txr_cap)
		return true;
	uint32_t cap = c->txr_cap ? 2 * c->txr_cap : 64;
	struct tcp_txr *t = tcp_mem_grow(c, c->txr, cap * sizeof *t,
					 (uint64_t)(cap - c->txr_cap) * sizeof *t);
	if (!t)
		return false;
	c->txr = t;
	c->txr_cap = cap;
	return true;
}

/* Split the record holding seq so that one starts there; returns its
 * index, or ntxr if seq is past them all. */
static uint32_t txr_split(struct tcp_conn *c, uint32_t seq)
{
	for (uint32_t i = 0; i < c->ntxr; i++) {
		struct tcp_txr *r = &c->txr[i];
		if (SEQ_GEQ(seq, r->end))
			continue;
		if (!SEQ_GT(seq, r->start))
			return i;
		if (!txr_room(c))
			return i;
		r = &c->txr[i];
		memmove(&c->txr[i + 2], &c->txr[i + 1],
			(c->ntxr - i - 1) * sizeof *r);
		c->txr[i + 1] = *r;
		c->txr[i].end = seq;
		c->txr[i + 1].start = seq;
		c->ntxr++;
		return i + 1;
	}
	return c->ntxr;
}

void tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t n)
{
	sim_time_t now = sim_of(c)->now;
	uint32_t end = seq + n;
	/* before anything is delivered, the highest delivered is where
	 * sending began */
	if (!c->rack_xmit && !c->ntxr)
		c->rack_fack = c->rack_end = seq;
	if (!c->ntxr || SEQ_GEQ(seq, c->txr[c->ntxr - 1].end)) {
		if (txr_room(c))
			c->txr[c->ntxr++] = (struct tcp_txr){seq, end, now, 0};
		return;
	}
	/* sent again: every record it covers */
	uint32_t i = txr_split(c, seq);
	uint32_t j = txr_split(c, end);
	for (; i < j && i < c->ntxr; i++) {
		c->txr[i].xmit = now;
		c->txr[i].f = (uint8_t)((c->txr[i].f | TXR_RETRANS) & ~TXR_LOST);
	}
	/* beyond the last record (after a timeout went back): new again */
	if (c->ntxr && SEQ_GT(end, c->txr[c->ntxr - 1].end) && txr_room(c)) {
		uint32_t from = c->txr[c->ntxr - 1].end;
		c->txr[c->ntxr] = (struct tcp_txr){from, end, now, 0};
		c->ntxr++;
	}
}

void tcp_rack_reset(struct tcp_conn *c)
{
	for (uint32_t i = 0; i < c->ntxr; i++)
		c->txr[i].f &= (uint8_t)~(TXR_SACKED | TXR_LOST);
}

void tcp_rack_free(struct tcp_conn *c)
{
	free(c->txr);
	c->txr = NULL;
	c->ntxr = c->txr_cap = 0;
}

/* §6.2 step 2: a segment delivered now; the most recently sent of them
 * says how far loss detection may look. */
static void rack_update(struct tcp_conn *c, const struct tcp_txr *r,
			bool ts, uint32_t tsecr)
{
	sim_time_t now = sim_of(c)->now;
	sim_time_t rtt = now - r->xmit;
	if (r->f & TXR_RETRANS) {
		/* ambiguous: which transmission does this answer? Taken
		 * only if the timestamp echo says the last one */
		if (rtt < c->rack_min_rtt)
			return;
		if (ts && SEQ_LT(tsecr, (uint32_t)(r->xmit / SIM_MS(1)) +
					      c->ts_off))
			return;
	}
	if (!c->rack_min_rtt || rtt < c->rack_min_rtt)
		c->rack_min_rtt = rtt;
	if (r->xmit > c->rack_xmit ||
	    (r->xmit == c->rack_xmit && SEQ_GT(r->end, c->rack_end))) {
		c->rack_xmit = r->xmit;
		c->rack_end = r->end;
		c->rack_rtt = rtt;
	}
	/* step 3: delivered below one delivered before it, never sent
	 * again: the network reordered */
	if (!(r->f & TXR_RETRANS) && SEQ_LT(r->end, c->rack_fack))
		c->rack_reord = true;
	if (SEQ_GT(r->end, c->rack_fack))
		c->rack_fack = r->end;
}

/* §6.2 step 4: the reordering window. */
static sim_time_t reo_wnd(const struct tcp_conn *c, uint32_t sacked_segs)
{
	if (!c->rack_reord && (c->in_recovery ||
			       sacked_segs >= c->p->dupthresh))
		return 0;
	sim_time_t w = c->rack_min_rtt / 4 * c->reo_wnd_mult;
	return c->have_rtt && w > c->srtt ? c->srtt : w;
}

/* §6.2 step 5: mark what is lost; returns how many newly, and arms the
 * reordering timer for the earliest of the rest. `sacked` is how many
 * records are SACKed. */
static uint32_t detect_loss(struct tcp_conn *c, uint32_t sacked)
{
	sim_time_t now = sim_of(c)->now, wnd = reo_wnd(c, sacked);
	sim_time_t wait = 0;
	uint32_t lost = 0;
	for (uint32_t i = 0; i < c->ntxr; i++) {
		struct tcp_txr *r = &c->txr[i];
		if (r->f & (TXR_SACKED | TXR_LOST))
			continue;
		/* only what was sent before the segment last delivered */
		if (r->xmit > c->rack_xmit ||
		    (r->xmit == c->rack_xmit && !SEQ_LT(r->end, c->rack_end)))
			continue;
		sim_time_t left = r->xmit + c->rack_rtt + wnd - now;
		if (left <= 0) {
			r->f |= TXR_LOST;
			lost++;
		} else if (left > wait) {
			wait = left;
		}
	}
	/* set for that instant already (by the ACK before this one):
	 * left as it is */
	const struct evq_timer *tm = &c->timer[TCP_T_RACK];
	if (wait && !(evq_pending(tm) && tm->when == now + wait))
		tcp_timer_arm(c, TCP_T_RACK, wait);
	else if (!wait)
		tcp_timer_stop(c, TCP_T_RACK);
	return lost;
}

uint32_t tcp_rack_ack(struct tcp_conn *c, bool ts, uint32_t tsecr)
{
	/* what this ACK delivered: records below SND.UNA, and records the
	 * scoreboard now holds */
	uint32_t k = 0, nsacked = 0;
	for (uint32_t i = 0; i < c->ntxr; i++) {
		struct tcp_txr *r = &c->txr[i];
		bool acked = !SEQ_GT(r->end, c->snd_una);
		bool sacked = false;
		for (uint32_t s = 0; !acked && s < c->nscore; s++)
			sacked |= SEQ_LEQ(c->score[s].start, r->start) &&
				  SEQ_LEQ(r->end, c->score[s].end);
		if ((acked || sacked) && !(r->f & TXR_SACKED))
			rack_update(c, r, ts, tsecr);
		if (sacked)
			r->f |= TXR_SACKED;
		if (!acked) {
			nsacked += (r->f & TXR_SACKED) != 0;
			c->txr[k++] = *r;
		}
	}
	c->ntxr = k;
	/* §6.2 step 4: D-SACK widens the window for 16 recoveries */
	if (c->dsack_in && (!c->dsack_round_set ||
			    SEQ_GEQ(c->snd_una, c->dsack_round))) {
		c->dsack_round = c->snd_nxt;
		c->dsack_round_set = true;
		c->reo_wnd_mult++;
		c->reo_wnd_persist = 16;
	}
	if (!c->ntxr) {
		tcp_timer_stop(c, TCP_T_RACK);
		return 0;
	}
	return detect_loss(c, nsacked);
}

bool tcp_rack_lost_next(const struct tcp_conn *c, uint32_t *seq,
			uint32_t *len)
{
	for (uint32_t i = 0; i < c->ntxr; i++) {
		const struct tcp_txr *r = &c->txr[i];
		if ((r->f & TXR_LOST) && !(r->f & TXR_SACKED)) {
			*seq = r->start;
			*len = r->end - r->start;
			return true;
		}
	}
	return false;
}

uint32_t tcp_rack_pipe(const struct tcp_conn *c)
{
	/* in flight: sent, neither SACKed nor lost (a lost segment sent
	 * again is in flight again) */
	uint32_t pipe = 0;
	for (uint32_t i = 0; i < c->ntxr; i++) {
		const struct tcp_txr *r = &c->txr[i];
		if (!(r->f & (TXR_SACKED | TXR_LOST)))
			pipe += r->end - r->start;
	}
	return pipe;
}

uint32_t tcp_rack_timeout(struct tcp_conn *c)
{
	uint32_t sacked = 0;
	for (uint32_t i = 0; i < c->ntxr; i++)
		sacked += (c->txr[i].f & TXR_SACKED) != 0;
	return detect_loss(c, sacked);
}
