/* tcp_rtt.c — round-trip samples and the RTO they give: RFC 6298's
 * estimator and Linux's (tcp_rtt_estimator, __tcp_set_rto), the samples
 * an ACK of new data yields (Karn's rule, RFC 7323's RTTM, Linux's send
 * times).
 */
#include "models/tcp_priv.h"

/* RFC 6298 §2: fold a round-trip sample into SRTT and RTTVAR; RTO =
 * SRTT + 4·RTTVAR, at least rto-min. */
static sim_time_t rtt_fold_rfc(struct tcp_conn *c, sim_time_t r)
{
	if (!c->have_rtt) {
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		sim_time_t d = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	sim_time_t rto = c->srtt + 4 * c->rttvar;
	return rto < c->p->rto_min ? c->p->rto_min : rto;
}

/* rules: linux — tcp_rtt_estimator() and __tcp_set_rto(): SRTT as RFC
 * 6298 has it, but the deviation falls by 1/32 where RFC 6298 takes 1/4,
 * its largest value over a window of data is what counts, and that term
 * is never below rto-min: RTO = SRTT + max(4·RTTVAR, rto-min). In whole
 * µs, as the kernel keeps them. */
static sim_time_t rtt_fold_linux(struct tcp_conn *c, sim_time_t r)
{
	int64_t m = r / 1000;
	int64_t rto_min = c->p->rto_min / 1000;
	int64_t srtt8 = c->lx_srtt8;
	if (srtt8) {
		m -= srtt8 >> 3;           /* the error of the estimate */
		srtt8 += m;                /* SRTT += error / 8 */
		if (m < 0) {
			m = -m - (c->lx_mdev4 >> 2);
			if (m > 0)
				m >>= 3;   /* a falling RTT moves it less */
		} else {
			m -= c->lx_mdev4 >> 2;
		}
		c->lx_mdev4 += m;          /* mdev += (|error| - mdev) / 4 */
		if (c->lx_mdev4 > c->lx_mdev_max) {
			c->lx_mdev_max = c->lx_mdev4;
			if (c->lx_mdev_max > c->lx_rttvar)
				c->lx_rttvar = c->lx_mdev_max;
		}
		/* once a window: let RTTVAR decay toward the window's max */
		if (SEQ_GT(c->snd_una, c->lx_rtt_seq)) {
			if (c->lx_mdev_max < c->lx_rttvar)
				c->lx_rttvar -= (c->lx_rttvar - c->lx_mdev_max) >> 2;
			c->lx_rtt_seq = c->snd_nxt;
			c->lx_mdev_max = rto_min;
		}
	} else {
		srtt8 = m << 3;
		c->lx_mdev4 = m << 1;      /* RTO = 3·RTT at first */
		c->lx_rttvar = c->lx_mdev4 > rto_min ? c->lx_mdev4 : rto_min;
		c->lx_mdev_max = c->lx_rttvar;
		c->lx_rtt_seq = c->snd_nxt;
	}
	c->lx_srtt8 = srtt8 > 1 ? srtt8 : 1;
	/* the RFC's variables, for the trace */
	c->srtt = (c->lx_srtt8 >> 3) * 1000;
	c->rttvar = c->lx_rttvar / 4 * 1000;
	return ((c->lx_srtt8 >> 3) + c->lx_rttvar) * 1000;
}

static void rtt_sample(struct tcp_conn *c, sim_time_t r)
{
	sim_time_t rto = c->p->rules == TCP_RULES_LINUX ? rtt_fold_linux(c, r)
						       : rtt_fold_rfc(c, r);
	c->have_rtt = true;
	/* in whole jiffies where timers run on a wheel (usecs_to_jiffies
	 * rounds up) */
	rto = tcp_ticks_ceil(c, rto);
	c->rto = rto > c->p->rto_max ? c->p->rto_max : rto;
	tcp_trace_rto(c, TR_RTO_SAMPLE, r);
}

sim_time_t tcp_ack_rtt(struct tcp_conn *c, uint32_t ack, bool has_ts,
		       uint32_t tsecr)
{
	/* RFC 7323 §4.1 (RTTM): the TSecr of an ACK of new data is the
	 * TSval of the segment that drew it — a sample from every such ACK,
	 * retransmissions too; in milliseconds, at least 1 (Linux:
	 * tcp_rtt_tsopt_us, used only where its send times give none) */
	bool ts = c->ts_ok && has_ts && tsecr;
	sim_time_t ts_rtt = 0;
	if (ts) {
		uint32_t d = tcp_ts_now(c) - tsecr;
		ts_rtt = SIM_MS(d ? d : 1);
		ts = d < (1u << 31);
	}
	sim_time_t now = sim_of(c)->now;
	/* the ring of segments in flight loses what is acknowledged, under
	 * every rule set: its oldest is where a retransmission's timing
	 * starts (retrans_stamp) */
	sim_time_t first, last;
	bool sent = tcp_sent_acked(c, ack, &first, &last);
	if (c->p->rules == TCP_RULES_LINUX) {
		/* the estimator times the oldest segment acknowledged; the
		 * congestion control the newest (tcp_clean_rtx_queue:
		 * seq_rtt_us from first_ackt, ca_rtt_us from last_ackt) */
		if (sent) {
			rtt_sample(c, now - first);
			return now - last;
		}
		if (ts) {
			rtt_sample(c, ts_rtt);
			return ts_rtt;
		}
		return -1;
	}
	if (ts) {
		c->rtt_timing = false;
		rtt_sample(c, ts_rtt);
		return ts_rtt;
	}
	if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq)) {
		c->rtt_timing = false;
		rtt_sample(c, now - c->rtt_start);
		return now - c->rtt_start;
	}
	return -1;
}
