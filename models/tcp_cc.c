/* tcp_cc.c — congestion control as a small interface (struct tcp_cc_ops,
 * as Linux's tcp_congestion_ops or FreeBSD's cc modules): NewReno (RFC
 * 5681) and CUBIC (RFC 9438) with Linux's HyStart; slow start as each
 * rule set has it. Loss detection and recovery (NewReno's
 * RFC 6582, SACK's RFC 6675) stay where they are and ask the algorithm
 * two things: how cwnd grows on an ACK of new data outside recovery, and
 * what ssthresh becomes on a loss. An algorithm that needs more per ACK
 * (BBR's delivery rate) gets it from struct tcp_cc_ack without a change
 * to the interface.
 *
 * CUBIC is computed in integers and IEEE double products and quotients
 * only, so a run gives the same cwnd on every machine: the cube root is
 * an integer one, no libm.
 */
#include "models/tcp_priv.h"

/* ---- slow start ------------------------------------------------------ */

/* Slow start for an ACK of `acked` bytes; returns what is left of them
 * for congestion avoidance. RFC 5681 §3.1: cwnd += min(N, SMSS). FreeBSD
 * counts bytes with RFC 3465's L = 2 (net.inet.tcp.abc_l_var), 1 while
 * resending after a timeout (newreno_ack_received). Linux adds every
 * segment acknowledged, up to ssthresh, and hands the rest on
 * (tcp_slow_start). */
static uint32_t slow_start(struct tcp_conn *c, uint32_t acked)
{
	uint32_t smss = c->snd_mss;
	switch (c->p->rules) {
	case TCP_RULES_LINUX: {
		uint32_t room = c->ssthresh - c->cwnd;
		uint32_t inc = min32(acked, room);
		c->cwnd += inc;
		return acked - inc;
	}
	case TCP_RULES_FREEBSD:
		c->cwnd += min32(acked, (c->rexmitting ? 1 : 2) * smss);
		return 0;
	default:
		c->cwnd += min32(acked, smss);
		return 0;
	}
}

/* ---- NewReno: RFC 5681 §3.1 ------------------------------------------- */

static void reno_grow(struct tcp_conn *c, const struct tcp_cc_ack *a)
{
	uint32_t smss = c->snd_mss;
	if (c->cwnd < c->ssthresh && !slow_start(c, a->acked))
		return;
	/* congestion avoidance: about one SMSS per round trip */
	uint32_t inc = (uint32_t)(((uint64_t)smss * smss) / c->cwnd);
	c->cwnd += inc ? inc : 1;
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 · SMSS) */
static uint32_t reno_ssthresh(struct tcp_conn *c, uint32_t flight,
			      bool timeout)
{
	(void)timeout;
	uint32_t half = flight / 2;
	return half > 2 * c->snd_mss ? half : 2 * c->snd_mss;
}

/* ---- CUBIC: RFC 9438 -------------------------------------------------- */

#define CUBIC_C 0.4      /* §5.1: segments per second cubed */
#define CUBIC_BETA 0.7   /* §4.6 */

/* The largest integer whose cube is at most x. */
static uint64_t icbrt(uint64_t x)
{
	uint64_t lo = 0, hi = 2097152; /* 2^21: its cube passes 2^63 */
	while (lo < hi) {
		uint64_t m = (lo + hi + 1) / 2;
		if (m * m * m <= x)
			lo = m;
		else
			hi = m - 1;
	}
	return lo;
}

/* §4.2: K, in ms, the time W_cubic takes from cwnd to W_max:
 * cbrt((W_max − cwnd) / C) seconds, windows in segments. */
static sim_time_t cubic_k(uint32_t wmax, uint32_t cwnd, uint32_t smss)
{
	if (wmax <= cwnd)
		return 0;
	double segs = (double)(wmax - cwnd) / smss;
	/* K³ in ms³: segs / C · 10⁹ */
	double k3 = segs / CUBIC_C * 1e9;
	if (k3 > 9.0e18)
		k3 = 9.0e18;
	return SIM_MS((int64_t)icbrt((uint64_t)k3));
}

double tcp_cubic_window(uint32_t wmax, sim_time_t k, sim_time_t t,
			uint32_t smss)
{
	/* §4.2: W_cubic(t) = C · (t − K)³ + W_max, in bytes */
	double d = (double)(t - k) / 1e9;
	return CUBIC_C * d * d * d * smss + wmax;
}

/* ---- HyStart (Linux's tcp_cubic.c) ----------------------------------- *
 *
 * Slow start ends before a loss when a round's ACKs show the path is
 * full: the ACK train of a round has stretched over half the least RTT
 * (ACKs less than 2 ms apart count as one train), or the least RTT of a
 * round's first eight samples has grown by an eighth of the least RTT
 * seen (between 4 and 16 ms). ssthresh becomes cwnd. Only from 16
 * segments of cwnd on. */

#define HY_LOW_WINDOW 16               /* hystart_low_window */
#define HY_ACK_DELTA SIM_MS(2)         /* hystart_ack_delta_us */
#define HY_MIN_SAMPLES 8               /* HYSTART_MIN_SAMPLES */
#define HY_DELAY_MIN SIM_MS(4)         /* HYSTART_DELAY_MIN */
#define HY_DELAY_MAX SIM_MS(16)        /* HYSTART_DELAY_MAX */
#define HY_GSO_MAX 65536u              /* the device's gso_max_size */

/* bictcp_hystart_reset: a new round, up to what is sent now */
static void hystart_round(struct tcp_conn *c)
{
	c->hy_round_start = c->hy_last_ack = sim_of(c)->now;
	c->hy_end_seq = c->snd_nxt;
	c->hy_curr_rtt = INT64_MAX;
	c->hy_samples = 0;
}

/* hystart_ack_delay: the time the sender's pacing may spread a burst of
 * four GSO packets over, at most 1 ms. Linux paces at cwnd / SRTT times
 * 200 % in early slow start (cwnd under half ssthresh), 120 % after
 * (tcp_update_pacing_rate). */
static sim_time_t hystart_ack_delay(const struct tcp_conn *c)
{
	if (!c->have_rtt || !c->srtt)
		return 0;
	uint64_t ratio = c->cwnd < c->ssthresh / 2 ? 200 : 120;
	uint64_t flight = c->snd_nxt - c->snd_una;
	uint64_t wnd = c->cwnd > flight ? c->cwnd : flight;
	/* bytes per second: wnd · ratio / 100 / SRTT */
	double rate = (double)wnd * (double)ratio / 100.0 /
		      ((double)c->srtt / 1e9);
	if (rate <= 0)
		return 0;
	double d = 4.0 * HY_GSO_MAX / rate * 1e9;
	return d < (double)SIM_MS(1) ? (sim_time_t)d : SIM_MS(1);
}

static void hystart_found(struct tcp_conn *c)
{
	c->hy_found = true;
	c->ssthresh = c->cwnd;
	tcp_trace_cwnd(c);
}

/* hystart_update, for one RTT sample in slow start */
static void hystart_update(struct tcp_conn *c, sim_time_t delay)
{
	sim_time_t now = sim_of(c)->now;
	if (SEQ_GT(c->snd_una, c->hy_end_seq))
		hystart_round(c);
	/* the ACK train; unpaced, it may end at half the least RTT */
	if (now - c->hy_last_ack <= HY_ACK_DELTA) {
		c->hy_last_ack = now;
		sim_time_t threshold =
			(c->hy_delay_min + hystart_ack_delay(c)) / 2;
		if (now - c->hy_round_start > threshold) {
			hystart_found(c);
			return;
		}
	}
	/* the delay: the least of the round's first samples */
	if (c->hy_curr_rtt > delay)
		c->hy_curr_rtt = delay;
	if (c->hy_samples < HY_MIN_SAMPLES) {
		c->hy_samples++;
		return;
	}
	sim_time_t eighth = c->hy_delay_min / 8;
	if (eighth < HY_DELAY_MIN)
		eighth = HY_DELAY_MIN;
	if (eighth > HY_DELAY_MAX)
		eighth = HY_DELAY_MAX;
	if (c->hy_curr_rtt > c->hy_delay_min + eighth)
		hystart_found(c);
}

static void cubic_init(struct tcp_conn *c)
{
	c->hy_found = false;
	c->hy_delay_min = 0;
	if (c->p->hystart)
		hystart_round(c);
}

/* cubictcp_acked */
static void cubic_acked(struct tcp_conn *c, const struct tcp_cc_ack *a)
{
	sim_time_t delay = a->rtt;
	/* no samples in the first second after a loss: the queue the
	 * recovery drained would mislead */
	if (c->cubic_epoch && sim_of(c)->now - c->cubic_epoch < SIM_S(1))
		return;
	if (delay <= 0)
		delay = 1;
	if (!c->hy_delay_min || c->hy_delay_min > delay)
		c->hy_delay_min = delay;
	if (c->p->hystart && !c->hy_found && c->cwnd < c->ssthresh &&
	    c->cwnd >= HY_LOW_WINDOW * c->snd_mss)
		hystart_update(c, delay);
}

static void cubic_grow(struct tcp_conn *c, const struct tcp_cc_ack *a)
{
	uint32_t smss = c->snd_mss;
	uint32_t acked = a->acked;
	if (c->cwnd < c->ssthresh) {
		/* a round ends when SND.UNA passes what was sent as it
		 * began (cubictcp_cong_avoid) */
		if (c->p->hystart && SEQ_GT(c->snd_una, c->hy_end_seq))
			hystart_round(c);
		acked = slow_start(c, acked); /* §4.10 */
		if (!acked)
			return;
	}
	sim_time_t now = sim_of(c)->now;
	if (!c->cubic_epoch) {
		/* §4.2: a new congestion avoidance epoch */
		c->cubic_epoch = now ? now : 1;
		if (c->cubic_wmax < c->cwnd)
			c->cubic_wmax = c->cwnd;
		c->cubic_k = cubic_k(c->cubic_wmax, c->cwnd, smss);
		c->cubic_west = c->cwnd;
	}
	sim_time_t t = now - c->cubic_epoch;
	sim_time_t rtt = c->have_rtt ? c->srtt : 0;
	/* §4.3: the Reno-friendly estimate, α_cubic = 3(1 − β)/(1 + β)
	 * segments per round trip */
	double alpha = 3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	c->cubic_west += alpha * acked / c->cwnd * smss;
	double w = tcp_cubic_window(c->cubic_wmax, c->cubic_k, t, smss);
	if (w < c->cubic_west) {
		/* §4.3: the Reno-friendly region */
		if (c->cubic_west > c->cwnd)
			c->cwnd = (uint32_t)c->cubic_west;
		return;
	}
	/* §4.4, §4.5: towards W_cubic(t + RTT), at most 1.5 · cwnd; by
	 * (target − cwnd) / cwnd segments for each segment acknowledged */
	double target = tcp_cubic_window(c->cubic_wmax, c->cubic_k, t + rtt,
					 smss);
	if (target < c->cwnd)
		target = c->cwnd;
	if (target > 1.5 * c->cwnd)
		target = 1.5 * c->cwnd;
	double inc = (target - c->cwnd) / c->cwnd * acked;
	c->cubic_frac += inc;
	if (c->cubic_frac >= 1) {
		uint32_t whole = (uint32_t)c->cubic_frac;
		c->cwnd += whole;
		c->cubic_frac -= whole;
	}
}

static uint32_t cubic_ssthresh(struct tcp_conn *c, uint32_t flight,
			       bool timeout)
{
	(void)flight;
	uint32_t smss = c->snd_mss;
	/* §4.7 fast convergence: below the last W_max, give way further */
	if (c->cwnd < c->cubic_wmax)
		c->cubic_wmax = (uint32_t)(c->cwnd * (1 + CUBIC_BETA) / 2);
	else
		c->cubic_wmax = c->cwnd;
	c->cubic_epoch = 0;
	c->cubic_frac = 0;
	/* a timeout starts HyStart over (cubictcp_state, TCP_CA_Loss) */
	if (timeout)
		cubic_init(c);
	/* §4.6: ssthresh = cwnd · β, at least 2 segments */
	uint32_t s = (uint32_t)(c->cwnd * CUBIC_BETA);
	return s > 2 * smss ? s : 2 * smss;
}

static const struct tcp_cc_ops cc_ops[] = {
	[TCP_CC_NEWRENO] = {"newreno", NULL, NULL, reno_grow, reno_ssthresh},
	[TCP_CC_CUBIC] = {"cubic", cubic_init, cubic_acked, cubic_grow,
			  cubic_ssthresh},
};

const struct tcp_cc_ops *tcp_cc(const struct tcp_conn *c)
{
	return &cc_ops[c->p->cc < TCP_CC_N ? c->p->cc : TCP_CC_NEWRENO];
}

void tcp_cc_grow(struct tcp_conn *c, uint32_t acked)
{
	struct tcp_cc_ack a = {.acked = acked,
			       .rtt = c->have_rtt ? c->srtt : 0};
	tcp_cc(c)->grow(c, &a);
	tcp_trace_cwnd(c);
}

void tcp_cc_init(struct tcp_conn *c)
{
	if (tcp_cc(c)->init)
		tcp_cc(c)->init(c);
}

void tcp_cc_acked(struct tcp_conn *c, sim_time_t rtt)
{
	if (rtt < 0 || !tcp_cc(c)->acked)
		return;
	struct tcp_cc_ack a = {.acked = 0, .rtt = rtt};
	tcp_cc(c)->acked(c, &a);
}

uint32_t tcp_cc_ssthresh(struct tcp_conn *c, bool timeout)
{
	return tcp_cc(c)->ssthresh(c, c->snd_nxt - c->snd_una, timeout);
}

void tcp_ecn_echo(struct tcp_conn *c)
{
	/* RFC 3168 §6.1.2: "as if it had dropped a packet", without a
	 * retransmission: the congestion controller's decrease, once per
	 * window of data — none during loss recovery, nor until something
	 * above the window of an earlier echo is acknowledged: the ACKs of
	 * that window carry ECE until our CWR, which comes after it, has
	 * reached the receiver (Linux's TCP_CA_CWR ends so) */
	if (c->in_recovery ||
	    (c->ecn_reduced && SEQ_LEQ(c->snd_una, c->ecn_recover)))
		return;
	c->ssthresh = tcp_cc_ssthresh(c, false);
	c->cwnd = c->ssthresh;
	c->ecn_reduced = true;
	c->ecn_recover = c->snd_nxt;
	c->ecn_cwr = true;
	tcp_trace_cwnd(c);
}
