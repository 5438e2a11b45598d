/* tcp_trace.c — what the TCP model tells the trace (tcp_priv.h): timers,
 * the RFC 6298 and congestion variables, discards, and the connections'
 * sequence variables when an entry point is done with them. Each checks
 * trace_on() first, so a run nobody watches pays one mask test. */
#include "models/tcp_priv.h"
#include "sim/engine/grow.h"

void tcp_ev_init(struct trace_event *ev, const struct tcp_conn *c,
		    enum trace_kind k)
{
	*ev = (struct trace_event){
		.t = sim_of(c)->now,
		.kind = k,
		.host = c->st->host,
		.peer = -1,
		.conn = c->id,
		.tuple = {c->laddr, c->raddr, c->lport, c->rport},
	};
}

void tcp_trace_timer(struct tcp_conn *c, enum tcp_timer t,
			enum trace_timer_op op)
{
	const struct trace *tr = &sim_of(c)->trace;
	tcp_trace_worked(c);
	if (!trace_on(tr, TR_TIMER))
		return;
	struct trace_event ev;
	tcp_ev_init(&ev, c, TR_TIMER);
	ev.name = tcp_timer_name(t);
	ev.a = (int)op;
	ev.v[0] = c->timer[t].when;
	trace_emit(tr, &ev);
}

/* The RFC 6298 variables, and why they changed: `sample` is the round
 * trip just measured when cause is TR_RTO_SAMPLE (a plot of RTT wants the
 * measurement itself, not only what SRTT made of it). */
void tcp_trace_rto(struct tcp_conn *c, enum trace_rto_cause cause,
		      sim_time_t sample)
{
	const struct trace *tr = &sim_of(c)->trace;
	if (!trace_on(tr, TR_VAR))
		return;
	struct trace_event ev;
	tcp_ev_init(&ev, c, TR_VAR);
	ev.name = "rto";
	ev.v[0] = c->rto;
	ev.v[1] = c->srtt;
	ev.v[2] = c->rttvar;
	ev.a = (int)cause;
	ev.v[3] = sample;
	trace_emit(tr, &ev);
}

/* cwnd, ssthresh and the flight size, whenever one of them has changed
 * since the connection last reported them. */
void tcp_trace_cwnd(struct tcp_conn *c)
{
	const struct trace *tr = &sim_of(c)->trace;
	if (!trace_on(tr, TR_VAR))
		return;
	uint32_t flight = c->snd_nxt - c->snd_una;
	if (c->tr_cwnd == c->cwnd && c->tr_ssthresh == c->ssthresh &&
	    c->tr_flight == flight)
		return;
	c->tr_cwnd = c->cwnd;
	c->tr_ssthresh = c->ssthresh;
	c->tr_flight = flight;
	struct trace_event ev;
	tcp_ev_init(&ev, c, TR_VAR);
	ev.name = "cwnd";
	ev.v[0] = c->cwnd;
	ev.v[1] = c->ssthresh;
	ev.v[2] = flight;
	trace_emit(tr, &ev);
}

void tcp_trace_worked(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	if (!trace_on(&st->sim->trace, TR_TCB) || c->state == TCP_LISTEN)
		return;
	for (size_t i = st->nworked; i-- > 0;)
		if (st->worked[i] == c)
			return;
	/* without room the report is left out, as any trace line is when
	 * memory runs out: the run itself goes on unchanged */
	if (grow(&st->worked, &st->worked_cap, st->nworked + 1,
		 sizeof *st->worked, 8) == 0)
		st->worked[st->nworked++] = c;
}

/* The variables of the connections an entry point worked on, now that it
 * is done with them. */
void tcp_trace_report(struct tcp_stack *st)
{
	const struct trace *tr = &st->sim->trace;
	for (size_t i = 0; i < st->nworked; i++) {
		const struct tcp_conn *c = st->worked[i];
		if (c->state == TCP_LISTEN)
			continue; /* it was CLOSED when first worked on */
		struct trace_event ev;
		tcp_ev_init(&ev, c, TR_TCB);
		ev.v[0] = c->snd_una;
		ev.v[1] = c->snd_nxt;
		ev.v[2] = c->rcv_nxt;
		ev.v[3] = c->snd_wnd;
		ev.a = (int)c->rcv_wnd;
		ev.b = (int)c->state;
		trace_emit(tr, &ev);
	}
	st->nworked = 0;
}

/* The receiving TCP discards the segment in hand without answering. */
void tcp_trace_ignore(struct tcp_stack *st, struct tcp_conn *c,
			 const struct tcp_seg *seg, const char *why)
{
	const struct trace *tr = &st->sim->trace;
	if (!trace_on(tr, TR_IGNORE))
		return;
	struct trace_event ev = {
		.t = st->sim->now,
		.kind = TR_IGNORE,
		.host = st->host,
		.peer = -1,
		.conn = c ? c->id : 0,
		.pkt = st->in_pkt,
		.seg = seg,
		.why = why,
	};
	trace_emit(tr, &ev);
}

