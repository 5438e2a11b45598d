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

void tcp_timer_arm(struct tcp_conn *c, enum tcp_timer t, sim_time_t delay)
{
	sim_after(sim_of(c), &c->timer[t], delay);
	tcp_trace_timer(c, t, TR_TIMER_SET);
}

void tcp_timer_stop(struct tcp_conn *c, enum tcp_timer t)
{
	if (!evq_pending(&c->timer[t]))
		return;
	evq_cancel(&sim_of(c)->q, &c->timer[t]);
	tcp_trace_timer(c, t, TR_TIMER_CANCEL);
}

static struct tcp_conn *conn_of_timer(struct evq_timer *e, enum tcp_timer t)
{
	return (struct tcp_conn *)(void *)((char *)(e - t) -
					   offsetof(struct tcp_conn, timer));
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
	if (!c->p.keepalive || !keepalive_state(c->state)) {
		tcp_timer_stop(c, TCP_T_KEEPALIVE);
		return;
	}
	if (!evq_pending(&c->timer[TCP_T_KEEPALIVE])) {
		sim_time_t due = c->last_rx + c->p.keepidle - sim_of(c)->now;
		tcp_timer_arm(c, TCP_T_KEEPALIVE, due > 0 ? due : 0);
	}
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
	uint32_t limit = c->state == TCP_SYN_SENT ? c->p.syn_retries
			 : syn                    ? c->p.synack_retries
						  : c->p.retries;
	if (c->nrexmt >= limit) {
		tcp_enter_closed(c, TCP_END_TIMEOUT,
			     "RFC 9293 §3.8.3 / RFC 1122 §4.2.3.5: "
			     "retransmission limit reached — abort");
		tcp_flush(c);
		tcp_leave(st);
		return;
	}
	c->nrexmt++;
	/* RFC 6298 (5.5): back off; Karn: no sample from a retransmission. */
	c->rto = c->rto > c->p.rto_max / 2 ? c->p.rto_max : 2 * c->rto;
	c->rtt_timing = false;
	tcp_trace_rto(c, TR_RTO_BACKOFF, 0);
	switch (syn ? c->state : TCP_ESTABLISHED) {
	case TCP_SYN_SENT:
		c->syn_rexmitted = true;
		tcp_send_syn(c, false, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					 "SYN retransmission");
		tcp_timer_arm(c, TCP_T_REXMT, c->rto);
		break;
	case TCP_SYN_RECEIVED:
	case TCP_FIN_WAIT_1:
		c->syn_rexmitted = true;
		tcp_send_syn(c, true, true, "RFC 6298 §5.4 / RFC 9293 §3.8.1: "
					"SYN,ACK retransmission");
		tcp_timer_arm(c, TCP_T_REXMT, c->rto);
		/* a FIN queued behind it goes again too */
		c->snd_cur = c->iss + 1;
		break;
	default: {
		/* RFC 5681 (4): the loss window; RFC 6582 §3.2 step 1 keeps
		 * the duplicate ACKs of this window from a fast retransmit */
		uint32_t flight = c->snd_nxt - c->snd_una;
		uint32_t half = flight / 2;
		c->ssthresh = half > 2 * c->snd_mss ? half : 2 * c->snd_mss;
		c->cwnd = c->snd_mss;
		c->in_recovery = false;
		c->dupacks = 0;
		c->recover = c->snd_nxt - 1;
		tcp_trace_cwnd(c);
		c->snd_cur = c->snd_una;
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
			tcp_timer_arm(c, TCP_T_REXMT, c->rto);
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
	tcp_enter_closed(c, TCP_END_NORMAL, "RFC 9293 §3.10.8: time-wait timeout "
					"— delete the TCB");
	tcp_flush(c);
	tcp_leave(st);
}

static void keepalive_fire(struct sim *s, struct evq_timer *e)
{
	(void)s;
	struct tcp_conn *c = conn_of_timer(e, TCP_T_KEEPALIVE);
	struct tcp_stack *st = c->st;
	sim_time_t now = st->sim->now;
	tcp_enter(st);
	tcp_trace_timer(c, TCP_T_KEEPALIVE, TR_TIMER_FIRE);
	if (!c->p.keepalive || !keepalive_state(c->state))
		goto out;
	/* Heard from the peer since: wait the rest of the idle time. Data
	 * in flight: the retransmission timer watches the peer instead. */
	if ((c->probes == 0 && now < c->last_rx + c->p.keepidle) ||
	    c->snd_una != c->snd_nxt) {
		c->probes = 0;
		sim_time_t due = c->last_rx + c->p.keepidle - now;
		tcp_timer_arm(c, TCP_T_KEEPALIVE, due > 0 ? due : c->p.keepidle);
		goto out;
	}
	if (c->probes >= c->p.keepcnt) {
		/* As Linux does, tell a peer that may still be there. */
		tcp_xmit(c, TCP_RST, c->snd_nxt, 0,
		     "RFC 1122 §4.2.3.6: keepalive probes unanswered — reset", TR_TX_NEW);
		tcp_enter_closed(c, TCP_END_TIMEOUT,
			     "RFC 1122 §4.2.3.6: keepalive probes unanswered — "
			     "the peer is considered dead");
		goto out;
	}
	/* The probe: SEG.SEQ = SND.NXT-1, no data; a live peer finds it
	 * outside its window and answers with an ACK. */
	static const uint8_t garbage = 0;
	tcp_xmit_data(c, TCP_ACK, c->snd_nxt - 1, &garbage, c->p.keepdata ? 1 : 0,
		  c->probes == 0 ? "RFC 1122 §4.2.3.6: keepalive — idle for "
				   "the keepalive time, probe the peer"
				 : "RFC 1122 §4.2.3.6: keepalive — probe "
				   "unanswered, probe again", TR_TX_NEW);
	c->probes++;
	tcp_timer_arm(c, TCP_T_KEEPALIVE, c->p.keepintvl);
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
	tcp_owe_ack(c, "RFC 1122 §4.2.3.2: delayed-ACK timer — acknowledge now");
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
	if (c->persist_probes > c->p.retries) {
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

void tcp_timers_init(struct tcp_conn *c)
{
	static const evq_fn fire[TCP_NTIMERS] = {
		[TCP_T_REXMT] = rexmt_fire,
		[TCP_T_TIMEWAIT] = timewait_fire,
		[TCP_T_KEEPALIVE] = keepalive_fire,
		[TCP_T_DELACK] = delack_fire,
		[TCP_T_PERSIST] = persist_fire,
	};
	for (int t = 0; t < TCP_NTIMERS; t++)
		evq_timer_init(&c->timer[t], fire[t]);
}
