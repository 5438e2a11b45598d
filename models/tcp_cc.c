/* tcp_cc.c — congestion control as a small interface (struct tcp_cc_ops,
 * as Linux's tcp_congestion_ops or FreeBSD's cc modules): NewReno (RFC
 * 5681) and CUBIC (RFC 9438). Loss detection and recovery (NewReno's
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

/* ---- NewReno: RFC 5681 §3.1 ------------------------------------------- */

static void reno_grow(struct tcp_conn *c, const struct tcp_cc_ack *a)
{
	uint32_t smss = c->snd_mss;
	if (c->cwnd < c->ssthresh) {
		c->cwnd += min32(a->acked, smss); /* slow start */
		return;
	}
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

static void cubic_grow(struct tcp_conn *c, const struct tcp_cc_ack *a)
{
	uint32_t smss = c->snd_mss;
	if (c->cwnd < c->ssthresh) {
		c->cwnd += min32(a->acked, smss); /* slow start (§4.10) */
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
	c->cubic_west += alpha * a->acked / c->cwnd * smss;
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
	double inc = (target - c->cwnd) / c->cwnd * a->acked;
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
	(void)timeout;
	uint32_t smss = c->snd_mss;
	/* §4.7 fast convergence: below the last W_max, give way further */
	if (c->cwnd < c->cubic_wmax)
		c->cubic_wmax = (uint32_t)(c->cwnd * (1 + CUBIC_BETA) / 2);
	else
		c->cubic_wmax = c->cwnd;
	c->cubic_epoch = 0;
	c->cubic_frac = 0;
	/* §4.6: ssthresh = cwnd · β, at least 2 segments */
	uint32_t s = (uint32_t)(c->cwnd * CUBIC_BETA);
	return s > 2 * smss ? s : 2 * smss;
}

static const struct tcp_cc_ops cc_ops[] = {
	[TCP_CC_NEWRENO] = {"newreno", reno_grow, reno_ssthresh},
	[TCP_CC_CUBIC] = {"cubic", cubic_grow, cubic_ssthresh},
};

const struct tcp_cc_ops *tcp_cc(const struct tcp_conn *c)
{
	return &cc_ops[c->p.cc < TCP_CC_N ? c->p.cc : TCP_CC_NEWRENO];
}

void tcp_cc_grow(struct tcp_conn *c, uint32_t acked)
{
	struct tcp_cc_ack a = {.acked = acked,
			       .rtt = c->have_rtt ? c->srtt : 0};
	tcp_cc(c)->grow(c, &a);
	tcp_trace_cwnd(c);
}

uint32_t tcp_cc_ssthresh(struct tcp_conn *c, bool timeout)
{
	return tcp_cc(c)->ssthresh(c, c->snd_nxt - c->snd_una, timeout);
}
