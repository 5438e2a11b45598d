/* tcp_timer.c — the five timers of a connection and what each does when
 * it fires: retransmission (RFC 6298, with RFC 5681's loss window),
 * TIME-WAIT's 2·MSL (RFC 9293 §3.10.8), keepalive (RFC 1122 §4.2.3.6),
 * the delayed ACK (RFC 1122 §4.2.3.2) and the persist timer (RFC 9293
 * §3.8.6.1, RFC 1122 §4.2.2.17).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/tcp_priv.h"

/* Linux's timer wheel (kernel/time/timer.c), for a profile with a
 * `tick`: time counts in jiffies of one tick, and a timer due in n
 * jiffies lands in a bucket of level L, the first whose range holds n
 * (level 0: under 63 jiffies, each level's range 8 times the last's),
 * whose buckets are 8^L jiffies wide. It fires at the start of the jiffy
 * after its bucket's, never early: a timer set for n jiffies fires
 * between n and n+1 jiffies later at level 0, up to 8^L jiffies later
 * above. Jiffy 0 is the start of the run. */
#define WHEEL_LEVELS 9   /* LVL_DEPTH, HZ > 100 */
#define WHEEL_SHIFT 3    /* LVL_CLK_SHIFT */
#define WHEEL_SIZE 64    /* LVL_SIZE */


void tcp_go_back(struct tcp_conn *c)
{
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_nxt - 1;
	tcp_sack_clear(c);
	tcp_rack_reset(c);
	tcp_timer_stop(c, TCP_T_RACK);
	c->snd_cur = c->snd_una;
}

static uint64_t wheel_level_start(unsigned lvl)
{
	return (uint64_t)(WHEEL_SIZE - 1) << (WHEEL_SHIFT * (lvl - 1));
}

/* When a timer set at jiffy `now` to expire at jiffy `expires` fires, in
 * jiffies. */
static uint64_t wheel_fire(uint64_t now, uint64_t expires)
{
	uint64_t n = expires > now ? expires - now : 0;
	uint64_t cutoff = wheel_level_start(WHEEL_LEVELS);
	if (n >= cutoff) {
		/* beyond the wheel: the furthest it holds */
		n = cutoff - ((uint64_t)1 << (WHEEL_SHIFT * (WHEEL_LEVELS - 1)));
		expires = now + n;
	}
	unsigned lvl = 0;
	while (lvl + 1 < WHEEL_LEVELS && n >= wheel_level_start(lvl + 1))
		lvl++;
	unsigned sh = WHEEL_SHIFT * lvl;
	return ((expires >> sh) + 1) << sh;
}

static uint64_t jiffy_of(sim_time_t t, sim_time_t tick)
{
	return (uint64_t)t / (uint64_t)tick;
}

static uint64_t jiffies_ceil(sim_time_t d, sim_time_t tick)
{
	return d > 0 ? ((uint64_t)d + (uint64_t)tick - 1) / (uint64_t)tick : 0;
}

sim_time_t tcp_units(const struct tcp_conn *c, sim_time_t d)
{
	sim_time_t tick = c->p->tick;
	return tick ? (sim_time_t)jiffies_ceil(d, tick) : d;
}

sim_time_t tcp_clock(const struct tcp_conn *c)
{
	sim_time_t tick = c->p->tick;
	return tick ? (sim_time_t)jiffy_of(sim_of(c)->now, tick) : sim_of(c)->now;
}

sim_time_t tcp_ticks_ceil(const struct tcp_conn *c, sim_time_t d)
{
	sim_time_t tick = c->p->tick;
	return tick ? (sim_time_t)jiffies_ceil(d, tick) * tick : d;
}

/* Arm timer t to expire `delay` after `since` (no earlier than now); on a
 * wheel, `since` is counted in whole jiffies, as the kernel keeps its
 * timestamps. */
static void timer_arm_since(struct tcp_conn *c, enum tcp_timer t,
			    sim_time_t since, sim_time_t delay)
{
	struct sim *s = sim_of(c);
	sim_time_t tick = c->p->tick;
	sim_time_t when;
	if (tick) {
		uint64_t now = jiffy_of(s->now, tick);
		uint64_t exp = jiffy_of(since, tick) + jiffies_ceil(delay, tick);
		when = (sim_time_t)(wheel_fire(now, exp) * (uint64_t)tick);
	} else {
		when = since + delay > s->now ? since + delay : s->now;
	}
	sim_at(s, &c->timer[t], when);
	tcp_trace_timer(c, t, TR_TIMER_SET);
}

/* Has `d` passed since `since`? In jiffies on a wheel, as above. */
static bool passed_since(const struct tcp_conn *c, sim_time_t since,
			 sim_time_t d)
{
	sim_time_t now = sim_of(c)->now, tick = c->p->tick;
	if (!tick)
		return now >= since + d;
	return jiffy_of(now, tick) >= jiffy_of(since, tick) + jiffies_ceil(d, tick);
}

void tcp_timer_arm(struct tcp_conn *c, enum tcp_timer t, sim_time_t delay)
{
	timer_arm_since(c, t, sim_of(c)->now, delay);
}

void tcp_timer_stop(struct tcp_conn *c, enum tcp_timer t)
{
	if (!evq_pending(&c->timer[t]))
		return;
	evq_cancel(&sim_of(c)->q, &c->timer[t]);
	tcp_trace_timer(c, t, TR_TIMER_CANCEL);
}

/* The connection of timer e, firing: looked at for packing when done. */
static struct tcp_conn *conn_of_timer(struct evq_timer *e, enum tcp_timer t)
{
	struct tcp_conn *c = (struct tcp_conn *)(void *)((char *)(e - t) -
					   offsetof(struct tcp_conn, timer));
	tcp_touch(c);
	return c;
}

/* RFC 1122 §4.2.3.6: keepalive watches a connection that may sit idle
 * waiting for its peer. */
static bool keepalive_state(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_CLOSE_WAIT ||
	       s == TCP_FIN_WAIT_2;
}

void tcp_keepalive_arm(struct tcp_conn *c)
{
	/* before ESTABLISHED the timer is keepinit's, if anyone's */
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED)
		return;
	if (!c->p->keepalive || !keepalive_state(c->state)) {
		tcp_timer_stop(c, TCP_T_KEEPALIVE);
		return;
	}
	if (!evq_pending(&c->timer[TCP_T_KEEPALIVE]))
		timer_arm_since(c, TCP_T_KEEPALIVE, c->last_rx, c->p->keepidle);
}

/* Whole milliseconds from `since` to now, as the kernel's tcp_time_stamp
 * counts them. */
static sim_time_t ms_since(const struct tcp_conn *c, sim_time_t since)
{
	return (sim_of(c)->now / SIM_MS(1) - since / SIM_MS(1)) * SIM_MS(1);
}

/* Linux's tcp_model_timeout(): how long `boundary` retransmissions take
 * from an RTO of rto-min doubling up to rto-max — the time after which
 * the connection gives up, whatever the real RTO was. */
static sim_time_t model_timeout(const struct tcp_conn *c, uint32_t boundary)
{
	sim_time_t base = c->p->rto_min, max = c->p->rto_max;
	uint32_t thresh = 0;
	while (thresh < 62 && (base << (thresh + 1)) <= max)
		thresh++;
	if (boundary <= thresh)
		return (((sim_time_t)2 << boundary) - 1) * base;
	return (((sim_time_t)2 << thresh) - 1) * base +
	       (sim_time_t)(boundary - thresh) * max;
}

/* rules: linux — `retries`, or for a socket let go of orphan-retries,
 * 0 meaning 8 while the RTO is below rto-max (tcp_orphan_retries). */
static uint32_t linux_retries(const struct tcp_conn *c)
{
	if (!tcp_orphaned(c))
		return c->p->retries;
	if (c->p->orphan_retries == 0 && c->rto < c->p->rto_max)
		return 8;
	return c->p->orphan_retries;
}

/* Does the retransmission timer give up, rather than send again? SYN
 * and SYN,ACK: after syn-retries (plus the linear timeouts, as Linux
 * counts them) or synack-retries timeouts. Data and FIN: after `retries`
 * timeouts (rfc9293), or once the time `retries` would take from rto-min
 * has passed since the first retransmission (Linux's
 * retransmits_timed_out; a socket the application has closed counts
 * orphan-retries, 0 being 8 while the RTO is below rto-max). A user
 * timeout replaces the count for data, and adds to it for a SYN
 * (tcp_write_timeout). */
static bool rexmt_expired(struct tcp_conn *c, bool syn)
{
	sim_time_t ut = c->p->user_timeout;
	bool timed = c->nrexmt > 0 && c->rexmitting;
	if (c->state == TCP_SYN_SENT || syn) {
		uint32_t limit = c->state == TCP_SYN_SENT
					 ? c->p->syn_retries + c->p->syn_linear
					 : c->p->synack_retries;
		return c->nrexmt >= limit ||
		       (ut && timed && ms_since(c, c->retrans_stamp) >= ut);
	}
	if (ut)
		return timed && ms_since(c, c->retrans_stamp) >= ut;
	if (c->p->rules != TCP_RULES_LINUX)
		return c->nrexmt >= c->p->retries;
	return timed && ms_since(c, c->retrans_stamp) >=
				model_timeout(c, linux_retries(c));
}

sim_time_t tcp_rto_delay(const struct tcp_conn *c)
{
	sim_time_t ut = c->p->user_timeout;
	sim_time_t rto = c->rto;
	/* FreeBSD's TCPT_RANGESET: every RTO computed from a sample or a
	 * backoff carries rexmit_slop, up to the maximum; the first SYN's
	 * rexmit_initial does not */
	if (c->p->rto_slop && (c->have_rtt || c->nrexmt)) {
		rto += c->p->rto_slop;
		if (rto > c->p->rto_max)
			rto = c->p->rto_max;
	}
	if (!ut || !c->rexmitting)
		return rto;
	/* tcp_clamp_rto_to_user_timeout: fire when the user timeout is
	 * up, if that comes first (at once if it has passed) */
	sim_time_t left = ut - ms_since(c, c->retrans_stamp);
	if (left <= 0)
		return c->p->tick;
	return left < rto ? left : rto;
}

bool tcp_orphaned(const struct tcp_conn *c)
{
	if (!c->rcv_closed)
		return false;
	if (sim_of(c)->now >= c->orphan_at)
		return true;
	/* a lingering close() returns once the FIN is acknowledged */
	return c->fin_queued && c->snd_una == c->sb_seq + c->sb.len + 1;
}

void tcp_fin_wait_2_arm(struct tcp_conn *c)
{
	if (c->state != TCP_FIN_WAIT_2 || !c->p->fin_timeout ||
	    !tcp_orphaned(c) || evq_pending(&c->timer[TCP_T_TIMEWAIT]))
		return;
	/* Linux: the socket becomes a time-wait socket in its FIN-WAIT-2
	 * guise (tcp_time_wait(sk, TCP_FIN_WAIT2, tcp_fin_time())): no
	 * keepalive, and gone when the time-wait timer fires */
	tcp_timer_stop(c, TCP_T_KEEPALIVE);
	tcp_timer_arm(c, TCP_T_TIMEWAIT, c->p->fin_timeout);
}

static void rexmt_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_REXMT);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_REXMT, TR_TIMER_FIRE);
	/* What is at the front of the retransmission queue (RFC 9293
	 * §3.10.8): the SYN while it is unacknowledged — also after a CLOSE
	 * in SYN-RECEIVED moved the connection on to FIN-WAIT-1 — else data
	 * or the FIN. */
	bool syn = c->snd_una == c->iss && c->state != TCP_LISTEN;
	/* Linux: a window closed on data in flight turns the
	 * retransmissions into probes that never time out by count or
	 * time — only once nothing has come from the peer, nor been
	 * acknowledged, for twice rto-max (tcp_rtx_probe0_timed_out) */
	bool lx_probe = c->p->rules == TCP_RULES_LINUX && !syn &&
			c->snd_wnd == 0 && !tcp_orphaned(c) &&
			tcp_synchronized(c->state);
	if (lx_probe ? c->rexmitting &&
			       sim_of(c)->now - c->last_rx > 2 * c->p->rto_max &&
			       sim_of(c)->now - c->retrans_stamp >
				       2 * c->p->rto_max
		     : rexmt_expired(c, syn)) {
		tcp_enter_closed(c, TCP_END_TIMEOUT,
			     lx_probe ? TCP_WHY_PROBE0_TIMEOUT
				      : "RFC 9293 §3.8.3 / RFC 1122 §4.2.3.5: "
					"retransmission limit reached — "
					"abort");
		tcp_flush(c);
		tcp_leave(st);
		return;
	}
	c->nrexmt++;
	/* RFC 6298 (5.5): back off — but for the first syn-linear-timeouts
	 * timeouts of a SYN (Linux's tcp_retransmit_timer); Karn: no sample
	 * from a retransmission. */
	if (c->state != TCP_SYN_SENT || c->nrexmt > c->p->syn_linear)
		c->rto = c->rto > c->p->rto_max / 2 ? c->p->rto_max : 2 * c->rto;
	c->rtt_timing = false;
	tcp_trace_rto(c, TR_RTO_BACKOFF, 0);
	switch (syn ? c->state : TCP_ESTABLISHED) {
	case TCP_SYN_SENT:
		c->syn_rexmitted = true;
		/* FreeBSD's rexmit_drop_options: past a middlebox that
		 * drops SYNs with options it does not know, the MSS alone */
		struct tcp_params *mp;
		if (c->p->syn_drop_options &&
		    c->nrexmt == c->p->syn_drop_options &&
		    (mp = tcp_params_mut(c)) != NULL) {
			mp->wscale = TCP_WSCALE_OFF;
			mp->timestamps = false;
			mp->sack = false;
		}
		tcp_send_syn(c, false, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					 "SYN retransmission");
		tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
		break;
	case TCP_SYN_RECEIVED:
	case TCP_FIN_WAIT_1:
		c->syn_rexmitted = true;
		tcp_send_syn(c, true, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					"SYN,ACK retransmission");
		tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
		/* a FIN queued behind it goes again too */
		c->snd_cur = c->iss + 1;
		break;
	default: {
		/* RFC 5681 (4): the loss window; RFC 6582 §3.2 step 1 keeps
		 * the duplicate ACKs of this window from a fast retransmit */
		c->ssthresh = tcp_cc_ssthresh(c, true);
		c->cwnd = c->snd_mss;
		tcp_go_back(c);
		/* RFC 8985 §7: a timeout ends any probe episode */
		c->tlp_out = false;
		tcp_timer_stop(c, TCP_T_PTO);
		tcp_trace_cwnd(c);
		if (lx_probe) {
			/* tcp_retransmit_timer: the first segment again,
			 * window or not */
			tcp_resend_first(c, TR_TX_TIMEOUT,
					 "Linux tcp_retransmit_timer: the window "
					 "closed on data in flight — resend the "
					 "first segment anyway");
			tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
			break;
		}
		if (c->snd_wnd == 0) {
			/* RFC 1122 §4.2.2.17: data waits behind a closed
			 * window — probe it on the persist timer, which
			 * keeps going while the peer answers */
			c->nrexmt = 0;
			tcp_window_probe(c);
			break;
		}
		tcp_output(c);
		/* Nothing could be resent (the window is closed): keep the
		 * timer running so the retry limit still applies. */
		if (!evq_pending(&c->timer[TCP_T_REXMT]))
			tcp_timer_arm(c, TCP_T_REXMT, tcp_rto_delay(c));
		break;
	}
	}
	tcp_flush(c);
	tcp_leave(st);
}

static void timewait_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_TIMEWAIT);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_TIMEWAIT, TR_TIMER_FIRE);
	if (c->state == TCP_FIN_WAIT_2)
		tcp_enter_closed(c, TCP_END_TIMEOUT,
				 "Linux tcp_fin_timeout: FIN-WAIT-2 of a closed "
				 "socket lasts fin-timeout — delete the TCB, "
				 "nothing sent");
	else
		tcp_enter_closed(c, TCP_END_NORMAL,
				 "RFC 9293 §3.10.8: time-wait timeout — delete "
				 "the TCB");
	tcp_flush(c);
	tcp_leave(st);
}

static void keepalive_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_KEEPALIVE);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_KEEPALIVE, TR_TIMER_FIRE);
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		/* FreeBSD tcp_timer_keep, then tcp_drop: a RST only to a
		 * peer whose SYN we have */
		if (c->state == TCP_SYN_RECEIVED)
			tcp_send_active_reset(c, "FreeBSD tcp_drop: the "
						 "handshake outlived keepinit "
						 "— reset");
		tcp_enter_closed(c, TCP_END_TIMEOUT,
				 "FreeBSD tcp_timer_keep: not established "
				 "within keepinit — drop the connection");
		goto out;
	}
	if (!c->p->keepalive || !keepalive_state(c->state))
		goto out;
	/* Heard from the peer since: wait the rest of the idle time. Data
	 * in flight: the retransmission timer watches the peer instead. */
	if ((c->probes == 0 && !passed_since(c, c->last_rx, c->p->keepidle)) ||
	    c->snd_una != c->snd_nxt) {
		c->probes = 0;
		if (!passed_since(c, c->last_rx, c->p->keepidle))
			timer_arm_since(c, TCP_T_KEEPALIVE, c->last_rx,
					c->p->keepidle);
		else
			tcp_timer_arm(c, TCP_T_KEEPALIVE, c->p->keepidle);
		goto out;
	}
	/* With a user timeout, the probes go on until the peer has been
	 * silent that long (tcp_keepalive_timer), whatever keepcnt says. */
	sim_time_t ut = c->p->user_timeout;
	if (ut ? c->probes > 0 && passed_since(c, c->last_rx, ut)
	       : c->probes >= c->p->keepcnt) {
		/* As Linux does, tell a peer that may still be there. */
		tcp_send_active_reset(c, "RFC 1122 §4.2.3.6: keepalive probes "
					 "unanswered — reset");
		tcp_enter_closed(c, TCP_END_TIMEOUT,
			     "RFC 1122 §4.2.3.6: keepalive probes unanswered — "
			     "the peer is considered dead");
		goto out;
	}
	/* The probe: SEG.SEQ = SND.NXT-1, no data; a live peer finds it
	 * outside its window and answers with an ACK. */
	static const uint8_t garbage = 0;
	tcp_xmit_data(c, TCP_ACK, c->snd_nxt - 1, &garbage, c->p->keepdata ? 1 : 0,
		  c->probes == 0 ? "RFC 1122 §4.2.3.6: keepalive — idle for "
				   "the keepalive time, probe the peer"
				 : "RFC 1122 §4.2.3.6: keepalive — probe "
				   "unanswered, probe again", TR_TX_NEW);
	c->probes++;
	tcp_timer_arm(c, TCP_T_KEEPALIVE, c->p->keepintvl);
out:
	tcp_flush(c);
	tcp_leave(st);
}

static void delack_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_DELACK);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_DELACK, TR_TIMER_FIRE);
	if (c->p->rules == TCP_RULES_LINUX)
		tcp_ack_timeout(c);
	else
		tcp_owe_ack(c, "RFC 1122 §4.2.3.2: delayed-ACK timer — "
			       "acknowledge now");
	tcp_flush(c);
	tcp_leave(st);
}

static void persist_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_PERSIST);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_PERSIST, TR_TIMER_FIRE);
	uint32_t data_end = c->sb_seq + c->sb.len;
	/* the FIN waits until acknowledged (a FIN probe is outstanding
	 * without the retransmission timer) */
	bool fin_waits = c->fin_queued && SEQ_LEQ(c->snd_una, data_end);
	if (!tcp_may_send_data(c->state) ||
	    (!SEQ_LT(c->snd_una, data_end) && !fin_waits)) {
		c->persist_shift = 0;
		goto out;
	}
	if (c->snd_wnd) {
		/* RFC 9293 §3.8.6.2.1: the SWS override — send what fits */
		c->sws_override = true;
		c->persist_shift = 0;
		goto out; /* tcp_flush() sends it */
	}
	/* RFC 1122 §4.2.2.17: keep probing while the receiver answers;
	 * give up when it does not, as with retransmissions. */
	sim_time_t ut = c->p->user_timeout;
	/* RFC 1122 §4.2.2.17 lets a live receiver's probes go on: `retries`
	 * + 1 unanswered ones in a row end it; Linux stops at `retries`
	 * (tcp_probe_timer), orphan-retries for a socket let go of */
	uint32_t limit = c->p->rules == TCP_RULES_LINUX ? linux_retries(c)
						       : c->p->retries + 1;
	if (c->persist_probes >= limit ||
	    (ut && c->persist_shift && passed_since(c, c->probing_since, ut))) {
		tcp_enter_closed(c, TCP_END_TIMEOUT,
			     "RFC 1122 §4.2.2.17: zero-window probes "
			     "unanswered — abort");
		goto out;
	}
	tcp_window_probe(c);
out:
	tcp_flush(c);
	tcp_leave(st);
}

static void pto_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_PTO);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_PTO, TR_TIMER_FIRE);
	tcp_tlp_fire(c);
	tcp_flush(c);
	tcp_leave(st);
}

static void rack_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_RACK);
	struct tcp_stack *st = c->st;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_RACK, TR_TIMER_FIRE);
	if (tcp_rack_timeout(c))
		tcp_sack_losses(c);
	tcp_flush(c);
	tcp_leave(st);
}

void tcp_timers_init(struct tcp_conn *c)
{
	static const evq_fn fire[TCP_NTIMERS] = {
		[TCP_T_REXMT] = rexmt_fire,
		[TCP_T_TIMEWAIT] = timewait_fire,
		[TCP_T_KEEPALIVE] = keepalive_fire,
		[TCP_T_DELACK] = delack_fire,
		[TCP_T_PERSIST] = persist_fire,
		[TCP_T_PTO] = pto_fire,
		[TCP_T_RACK] = rack_fire,
	};
	for (int t = 0; t < TCP_NTIMERS; t++)
		evq_timer_init(&c->timer[t], fire[t]);
}
