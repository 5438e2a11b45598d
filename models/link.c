/* link.c — what the network does to a segment on its way (see link.h). */
#include "models/link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/pkt.h"
#include "sim/engine/sim.h"
#include "sim/engine/trace.h"

const struct link_cfg link_cfg_default = {
	.mtu = LINK_DEFAULT_MTU,
};

const char *link_action_name(enum link_action a)
{
	switch (a) {
	case LINK_DROP:
		return "drop";
	case LINK_DELAY:
		return "delay";
	case LINK_DUPLICATE:
		return "duplicate";
	case LINK_CORRUPT:
		return "corrupt";
	case LINK_HOLD:
		return "hold";
	case LINK_MARK_CE:
		return "mark-ce";
	}
	return "?";
}

uint32_t link_wire_bytes(const struct pkt *p)
{
	return tcp_seg_ip_len(&p->seg);
}

static void outage_edge(struct sim *sim, struct evq_timer *e);
static void tx_done(struct sim *sim, struct evq_timer *e);

static int dir_init(struct link_dir *d, uint64_t seed,
		    const struct link_end *from, const struct link_end *to,
		    const struct link_cfg *cfg)
{
	char name[160];
	memset(d, 0, sizeof *d);
	snprintf(name, sizeof name, "link:%s>%s", from->name, to->name);
	d->cfg = cfg;
	d->from = from;
	d->to = to;
	rng_derive(&d->rng, seed, name);
	d->red_count = -1;
	evq_timer_init(&d->outage_ev, outage_edge);
	evq_timer_init(&d->tx_done, tx_done);
	return 0;
}

int link_init(struct link *l, struct sim *sim, const struct link_end *a,
	      const struct link_end *b, const struct link_cfg *ab,
	      const struct link_cfg *ba, const struct link_rule *rules,
	      size_t nrules)
{
	memset(l, 0, sizeof *l);
	dir_init(&l->dir[0], sim->seed, a, b, ab);
	dir_init(&l->dir[1], sim->seed, b, a, ba);
	l->dir[0].link = l->dir[1].link = l;
	l->rules = rules;
	l->nrules = nrules;
	if (nrules) {
		l->rule_state = calloc(nrules, sizeof *l->rule_state);
		if (!l->rule_state)
			return -1;
	}
	return 0;
}

static void free_flight(struct link_dir *d)
{
	while (d->flight) {
		struct pkt *p = d->flight;
		d->flight = p->next;
		pkt_free(d->from->pool, p);
	}
}

void link_fini(struct link *l, struct sim *sim)
{
	for (int i = 0; i < 2; i++) {
		struct link_dir *d = &l->dir[i];
		for (struct pkt *p = d->flight; p; p = p->next)
			evq_cancel(&sim->q, &p->ev);
		free_flight(d);
		if (d->held)
			pkt_free(d->from->pool, d->held);
		d->held = NULL;
		evq_cancel(&sim->q, &d->outage_ev);
		evq_cancel(&sim->q, &d->tx_done);
		while (d->cq_head) {
			struct pkt *p = d->cq_head;
			d->cq_head = p->next;
			pkt_free(d->from->pool, p);
		}
		d->cq_tail = NULL;
		free(d->q);
		d->q = NULL;
	}
	free(l->rule_state);
	l->rule_state = NULL;
}

/* ---- tracing --------------------------------------------------------- */

static void trace_link(struct sim *sim, enum trace_kind k,
		       const struct link_dir *d, const struct pkt *p,
		       const char *what, int64_t value, const char *rule,
		       const char *why)
{
	const struct trace *tr = &sim->trace;
	if (!trace_on(tr, k))
		return;
	struct trace_event ev = {
		.t = sim->now,
		.kind = k,
		.host = d->from->id,
		.peer = d->to->id,
		.pkt = p ? p->id : 0,
		.seg = p ? &p->seg : NULL,
		.a = p ? p->sender_state : -1,
		.name = what,
		.text = rule,
		.why = why,
	};
	ev.v[0] = value;
	trace_emit(tr, &ev);
}

static void drop(struct sim *sim, struct link_dir *d, struct pkt *p,
		 const char *rule, const char *why)
{
	d->lost++;
	trace_link(sim, TR_DROP, d, p, NULL, 0, rule, why);
	pkt_free(d->from->pool, p);
}

/* A segment enters a queue, or leaves a CoDel one (trace.h, TR_QUEUE). */
static void trace_queue(struct sim *sim, const struct link_dir *d,
			const struct pkt *p, const char *what, size_t waiting,
			uint64_t bytes, sim_time_t wait)
{
	const struct trace *tr = &sim->trace;
	if (!trace_on(tr, TR_QUEUE))
		return;
	struct trace_event ev = {
		.t = sim->now,
		.kind = TR_QUEUE,
		.host = d->from->id,
		.peer = d->to->id,
		.pkt = p->id,
		.seg = &p->seg,
		.name = what,
	};
	ev.v[0] = (int64_t)waiting;
	ev.v[1] = (int64_t)bytes;
	ev.v[2] = wait;
	trace_emit(tr, &ev);
}

/* ---- outages --------------------------------------------------------- */

static void arm_outage(struct sim *sim, struct link_dir *d)
{
	size_t i = d->outage_next;
	if (i >= 2 * d->cfg->noutages)
		return;
	const struct link_outage *o = &d->cfg->outages[i / 2];
	sim_at(sim, &d->outage_ev, i % 2 ? o->until : o->from);
}

static void outage_edge(struct sim *sim, struct evq_timer *e)
{
	struct link_dir *d = (struct link_dir *)(void *)((char *)e -
		offsetof(struct link_dir, outage_ev));
	bool going_down = d->outage_next % 2 == 0;
	d->outage_next++;
	d->down = going_down;
	trace_link(sim, TR_LINK, d, NULL, going_down ? "down" : "up", 0, NULL,
		   going_down ? "scheduled outage begins"
			      : "scheduled outage ends");
	if (going_down) {
		/* Whatever is on the wire is lost with the link. */
		while (d->flight) {
			struct pkt *p = d->flight;
			d->flight = p->next;
			if (d->flight)
				d->flight->prev = NULL;
			evq_cancel(&sim->q, &p->ev);
			drop(sim, d, p, NULL, "the link went down with the "
					      "segment on the wire");
		}
	}
	arm_outage(sim, d);
	if (d->link->changed)
		d->link->changed(d->link->changed_ctx, d->link);
}

void link_start(struct link *l, struct sim *sim)
{
	for (int i = 0; i < 2; i++)
		arm_outage(sim, &l->dir[i]);
}

/* ---- delivery -------------------------------------------------------- */

static void flight_remove(struct link_dir *d, struct pkt *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		d->flight = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
}

static void arrive(struct sim *sim, struct evq_timer *e)
{
	(void)sim;
	struct pkt *p = (struct pkt *)(void *)((char *)e - offsetof(struct pkt, ev));
	struct link_dir *d = p->dir;
	flight_remove(d, p);
	d->delivered++;
	d->to->deliver(d->to->ctx, p);
}

/* Put p on the wire to arrive at `when`. */
static void launch(struct sim *sim, struct link_dir *d, struct pkt *p,
		   sim_time_t when)
{
	p->dir = d;
	p->ev.fn = arrive;
	p->prev = NULL;
	p->next = d->flight;
	if (d->flight)
		d->flight->prev = p;
	d->flight = p;
	sim_at(sim, &p->ev, when);
}

/* ---- rules ----------------------------------------------------------- */

static bool rule_matches(const struct link_rule *r, const struct link *l,
			 const struct link_dir *d, const struct pkt *p,
			 sim_time_t now)
{
	const struct tcp_seg *s = &p->seg;
	if (r->segment && p->id != r->segment)
		return false;
	if (r->from >= 0 && &l->dir[r->from] != d)
		return false;
	if (r->match_flags &&
	    (r->flags_exact ? s->flags != r->flags
			    : (s->flags & r->flags) != r->flags))
		return false;
	if (s->flags & r->flags_clear)
		return false;
	if (r->data >= 0 && (s->len > 0) != (r->data > 0))
		return false;
	if (r->match_ip_len && tcp_seg_ip_len(s) != r->ip_len)
		return false;
	if (r->match_seq && s->seq - p->seq_base != r->seq)
		return false;
	if (r->match_ack && s->ack - p->ack_base != r->ack)
		return false;
	if (r->state >= 0 && r->state != p->sender_state)
		return false;
	if (now < r->after || now > r->before)
		return false;
	return true;
}

/* Apply the rules to p. Returns false if p is gone (dropped or held);
 * otherwise *extra is the added delay and *copies the extra copies. */

/* RFC 3168 §5: a router marks an ECN-capable segment CE where it would
 * drop another; a Not-ECT segment is left alone. */
static void mark_ce(struct sim *sim, struct link_dir *d, struct pkt *p,
		    const char *rule, const char *why)
{
	if (p->seg.ecn != TCP_IP_ECT0 && p->seg.ecn != TCP_IP_ECT1)
		return;
	p->seg.ecn = TCP_IP_CE;
	d->marked++;
	trace_link(sim, TR_LINK, d, p, "mark-ce", 0, rule, why);
}

static bool apply_rules(struct sim *sim, struct link *l, struct link_dir *d,
			struct pkt *p, const struct link_rule *rules,
			struct link_rule_state *state, size_t nrules,
			sim_time_t *extra, uint32_t *copies,
			const char **dup_rule)
{
	for (size_t i = 0; i < nrules; i++) {
		const struct link_rule *r = &rules[i];
		struct link_rule_state *rs = &state[i];
		if (!rule_matches(r, l, d, p, sim->now))
			continue;
		rs->matched++;
		if (r->nth && rs->matched != r->nth)
			continue;
		if (r->first && rs->matched > r->first)
			continue;
		rs->acted++;
		switch (r->action) {
		case LINK_DROP:
			drop(sim, d, p, r->name, "scripted rule");
			return false;
		case LINK_DELAY:
			*extra += r->delay;
			trace_link(sim, TR_LINK, d, p, "delay", r->delay, r->name,
				   "scripted rule");
			break;
		case LINK_DUPLICATE:
			*copies += r->copies;
			*dup_rule = r->name;
			break;
		case LINK_CORRUPT:
			p->corrupt = true;
			d->corrupted++;
			trace_link(sim, TR_LINK, d, p, "corrupt", 0, r->name,
				   "scripted rule");
			break;
		case LINK_MARK_CE:
			mark_ce(sim, d, p, r->name, "scripted rule");
			break;
		case LINK_HOLD:
			if (d->held) /* one at a time: release the older */
				launch(sim, d, d->held, sim->now + d->cfg->delay);
			d->held = p;
			trace_link(sim, TR_LINK, d, p, "hold", 0, r->name,
				   "scripted rule: held until the next segment "
				   "has gone");
			return false;
		}
	}
	return true;
}

/* ---- the transmitter -------------------------------------------------- */

/* Forget queued segments whose transmission has started by `now`. */
static void queue_advance(struct link_dir *d, sim_time_t now)
{
	while (d->qlen && d->q[d->qhead].start <= now) {
		d->qbytes -= d->q[d->qhead].bytes;
		d->qhead = (d->qhead + 1) % d->qcap;
		d->qlen--;
	}
}

static int queue_push(struct link_dir *d, sim_time_t start, uint32_t bytes)
{
	if (d->qlen == d->qcap) {
		size_t cap = d->qcap ? 2 * d->qcap : 4;
		struct link_q *q = malloc(cap * sizeof *q);
		if (!q)
			return -1;
		for (size_t i = 0; i < d->qlen; i++)
			q[i] = d->q[(d->qhead + i) % d->qcap];
		free(d->q);
		d->q = q;
		d->qcap = cap;
		d->qhead = 0;
	}
	d->q[(d->qhead + d->qlen) % d->qcap] = (struct link_q){start, bytes};
	d->qlen++;
	d->qbytes += bytes;
	return 0;
}

/* (1 - w)^m by squaring: only IEEE multiplications, which every
 * machine rounds alike (no libm). */
static double power(double x, uint64_t m)
{
	double r = 1.0;
	while (m) {
		if (m & 1)
			r *= x;
		x *= x;
		m >>= 1;
	}
	return r;
}

/* RED at p's arrival (Floyd and Jacobson 1993, §4 and the figure of its
 * algorithm): the average queue, an exponentially weighted mean of the
 * number of segments waiting, taken at each arrival — after an idle
 * spell, decayed as if m small segments had arrived to an empty queue,
 * m the idle time over one MTU's transmission time; below min_th the
 * segment goes on; from max_th on it is dropped (marked); between, with
 * p_a = p_b / (1 - count · p_b), p_b = max_p (avg - min_th) / (max_th -
 * min_th), count the arrivals since the last drop, which spreads drops
 * evenly. Returns false if p was dropped. */
static bool red_arrival(struct sim *sim, struct link_dir *d, struct pkt *p)
{
	const struct link_red *red = &d->cfg->red;
	queue_advance(d, sim->now);
	double w = red->weight_ppb / 1e9;
	if (d->qlen || d->busy_until > sim->now) {
		d->red_avg = (1 - w) * d->red_avg + w * (double)d->qlen;
	} else {
		/* s: the time one MTU takes on the wire */
		uint64_t s = (uint64_t)d->cfg->mtu * 8 * 1000000000u /
			     d->cfg->rate_bps;
		uint64_t m = s ? (uint64_t)(sim->now - d->busy_until) / s : 0;
		d->red_avg *= power(1 - w, m);
	}
	bool act;
	const char *why;
	if (d->red_avg < red->min_th) {
		d->red_count = -1;
		return true;
	} else if (d->red_avg >= red->max_th) {
		act = true;
		why = red->ecn ? "RED: average queue above max_th — mark"
			       : "RED: average queue above max_th — drop";
	} else {
		d->red_count++;
		double pb = red->max_p_ppb / 1e9 * (d->red_avg - red->min_th) /
			    (red->max_th - red->min_th);
		double pa = d->red_count * pb >= 1 ? 1
						   : pb / (1 - d->red_count * pb);
		act = rng_below(&d->rng, 1u << 30) < pa * (1u << 30);
		why = red->ecn ? "RED: early mark (average queue between the "
				 "thresholds)"
			       : "RED: early drop (average queue between the "
				 "thresholds)";
	}
	if (!act)
		return true;
	d->red_count = 0;
	if (red->ecn && (p->seg.ecn == TCP_IP_ECT0 ||
			 p->seg.ecn == TCP_IP_ECT1)) {
		mark_ce(sim, d, p, NULL, why);
		return true;
	}
	d->red_drops++;
	drop(sim, d, p, NULL,
	     red->ecn ? "RED: not ECN-capable — drop" : why);
	return false;
}

/* How long `bytes` take on the wire: ceil(bits * 1e9 / rate)
 * nanoseconds, without overflow for any packet size and rate. */
static sim_time_t ser_time(const struct link_dir *d, uint32_t bytes)
{
	uint64_t bits = (uint64_t)bytes * 8;
	uint64_t ns = bits / d->cfg->rate_bps * 1000000000u +
		      ((bits % d->cfg->rate_bps) * 1000000000u +
		       d->cfg->rate_bps - 1) / d->cfg->rate_bps;
	return (sim_time_t)ns;
}

/* Is the queue in front of the transmitter full for `bytes` more? (The
 * segment being sent does not count.) */
static bool queue_full(const struct link_dir *d, size_t waiting,
		       uint64_t waiting_bytes, uint32_t bytes)
{
	return (d->cfg->queue_pkts && waiting >= d->cfg->queue_pkts) ||
	       (d->cfg->queue_bytes &&
		waiting_bytes + bytes > d->cfg->queue_bytes);
}

/* When p has been serialized onto the wire, or -1 if the queue is full. */
static sim_time_t transmit(struct sim *sim, struct link_dir *d, struct pkt *p)
{
	if (!d->cfg->rate_bps)
		return sim->now;
	uint32_t bytes = link_wire_bytes(p);
	queue_advance(d, sim->now);
	bool busy = d->busy_until > sim->now;
	/* Waiting segments: those queued behind the one being sent. */
	if (busy && queue_full(d, d->qlen, d->qbytes, bytes))
		return -1;
	sim_time_t start = busy ? d->busy_until : sim->now;
	trace_queue(sim, d, p, "enqueue", d->qlen, d->qbytes, start - sim->now);
	d->busy_until = start + ser_time(d, bytes);
	if (start > sim->now && queue_push(d, start, bytes) < 0)
		sim->nomem = true;
	return d->busy_until;
}

/* ---- on the wire ------------------------------------------------------- */

/* Loss on the wire: independent loss, then the Gilbert–Elliott chain,
 * which steps once for every segment that reaches it. */
static const char *wire_loss(struct link_dir *d)
{
	if (rng_chance(&d->rng, d->cfg->loss_ppb))
		return "random loss";
	const struct link_ge *ge = &d->cfg->ge;
	if (!ge->on)
		return NULL;
	bool was = d->ge_bad;
	if (rng_chance(&d->rng, d->ge_bad ? ge->r : ge->p))
		d->ge_bad = !d->ge_bad;
	if (d->ge_bad != was)
		d->ge_transitions++;
	if (d->ge_bad)
		d->ge_bad_segments++;
	if (rng_chance(&d->rng, d->ge_bad ? ge->loss_bad : ge->loss_good))
		return d->ge_bad ? "burst loss (bad state)"
				 : "burst loss (good state)";
	return NULL;
}

/* Arrival time of a segment serialized by `sent`, after propagation,
 * jitter and random reordering. */
static sim_time_t arrival(struct sim *sim, struct link_dir *d, struct pkt *p,
			  sim_time_t sent, sim_time_t extra)
{
	sim_time_t t = sent + d->cfg->delay + extra;
	if (d->cfg->jitter)
		t += (sim_time_t)rng_below(&d->rng, (uint64_t)d->cfg->jitter + 1);
	bool keep_order = !d->cfg->jitter_reorders && extra == 0;
	if (rng_chance(&d->rng, d->cfg->reorder_ppb)) {
		t += d->cfg->reorder_delay;
		keep_order = false;
		trace_link(sim, TR_LINK, d, p, "delay", d->cfg->reorder_delay,
			   NULL, "random reordering");
	}
	if (keep_order && t < d->last_arrival)
		t = d->last_arrival;
	if (keep_order)
		d->last_arrival = t;
	return t;
}

/* From the transmitter on: p left it at `sent` (serialized); loss on
 * the wire, corruption, a CE mark, copies, and its arrival. */
static void egress(struct sim *sim, struct link_dir *d, struct pkt *p,
		   sim_time_t sent, sim_time_t extra, uint32_t copies,
		   const char *dup_rule)
{
	const char *lost = wire_loss(d);
	if (lost) {
		drop(sim, d, p, NULL, lost);
		return;
	}
	if (rng_chance(&d->rng, d->cfg->corrupt_ppb)) {
		p->corrupt = true;
		d->corrupted++;
		trace_link(sim, TR_LINK, d, p, "corrupt", 0, NULL,
			   "random corruption");
	}
	/* only an ECN-capable segment may be marked, and only it draws */
	if ((p->seg.ecn == TCP_IP_ECT0 || p->seg.ecn == TCP_IP_ECT1) &&
	    rng_chance(&d->rng, d->cfg->ce_ppb))
		mark_ce(sim, d, p, NULL, "random CE mark (an AQM's)");
	bool random_dup = rng_chance(&d->rng, d->cfg->dup_ppb);
	sim_time_t when = arrival(sim, d, p, sent, extra);
	launch(sim, d, p, when);
	for (uint32_t i = 0; i < copies + random_dup; i++) {
		struct pkt *c = pkt_clone(d->from->pool, p);
		if (!c) {
			sim->nomem = true;
			break;
		}
		c->id = ++sim->pkt_seq;
		d->duplicated++;
		trace_link(sim, TR_LINK, d, p, "duplicate", (int64_t)c->id,
			   i < copies ? dup_rule : NULL,
			   i < copies ? "scripted rule" : "random duplication");
		launch(sim, d, c, when);
	}
}

/* ---- CoDel (RFC 8289) ---------------------------------------------------- */

/* floor(sqrt(x)), digit by digit. */
static uint64_t isqrt(uint64_t x)
{
	uint64_t r = 0, b = UINT64_C(1) << 62;
	while (b > x)
		b >>= 2;
	while (b) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

/* RFC 8289 §5.7: the next drop, interval / sqrt(count) after t (in
 * integers: sqrt(count) in 16.16 fixed point, the same on every
 * machine). */
static sim_time_t control_law(const struct link_dir *d, sim_time_t t)
{
	uint64_t root = isqrt((uint64_t)d->cd_count << 32);
	return t + (sim_time_t)(((uint64_t)d->cfg->codel.interval << 16) /
				(root ? root : 1));
}

/* RFC 8289 §5.5 (dodequeue): the oldest segment, and whether its wait
 * has stayed above target for an interval (*ok_to_drop). */
static struct pkt *codel_pop(struct sim *sim, struct link_dir *d,
			     bool *ok_to_drop)
{
	*ok_to_drop = false;
	struct pkt *p = d->cq_head;
	if (!p) {
		d->cd_first_above = 0;
		return NULL;
	}
	d->cq_head = p->next;
	if (!d->cq_head)
		d->cq_tail = NULL;
	p->next = NULL;
	d->cq_len--;
	d->cq_bytes -= link_wire_bytes(p);
	const struct link_codel *cd = &d->cfg->codel;
	if (sim->now - p->queued < cd->target || d->cq_bytes <= d->cfg->mtu)
		d->cd_first_above = 0;
	else if (d->cd_first_above == 0)
		d->cd_first_above = sim->now + cd->interval;
	else if (sim->now >= d->cd_first_above)
		*ok_to_drop = true;
	return p;
}

/* CoDel acts on p: marks it CE (ecn, and p ECN-capable; p goes on) or
 * drops it. Returns true if p was marked. */
static bool codel_act(struct sim *sim, struct link_dir *d, struct pkt *p)
{
	if (d->cfg->codel.ecn && (p->seg.ecn == TCP_IP_ECT0 ||
				 p->seg.ecn == TCP_IP_ECT1)) {
		mark_ce(sim, d, p, NULL, "CoDel: waited above target for an "
					 "interval — mark (RFC 8289)");
		return true;
	}
	d->codel_drops++;
	drop(sim, d, p, NULL, "CoDel: waited above target for an interval — "
			      "drop (RFC 8289)");
	return false;
}

/* RFC 8289 §5.6 (dequeue): the segment to send next, or NULL. */
static struct pkt *codel_dequeue(struct sim *sim, struct link_dir *d)
{
	bool ok;
	struct pkt *p = codel_pop(sim, d, &ok);
	if (!p) {
		d->cd_dropping = false;
		return NULL;
	}
	if (d->cd_dropping) {
		if (!ok)
			d->cd_dropping = false;
		while (d->cd_dropping && sim->now >= d->cd_drop_next) {
			d->cd_count++;
			if (codel_act(sim, d, p)) {
				d->cd_drop_next = control_law(d, d->cd_drop_next);
				return p;
			}
			p = codel_pop(sim, d, &ok);
			if (!p || !ok)
				d->cd_dropping = false;
			else
				d->cd_drop_next = control_law(d, d->cd_drop_next);
		}
	} else if (ok) {
		if (!codel_act(sim, d, p))
			p = codel_pop(sim, d, &ok);
		d->cd_dropping = true;
		uint32_t delta = d->cd_count - d->cd_lastcount;
		d->cd_count = 1;
		/* RFC 8289 §5.6: if dropping was left only a little while
		 * ago, start from about the rate that worked then */
		if (delta > 1 &&
		    sim->now - d->cd_drop_next < 16 * d->cfg->codel.interval)
			d->cd_count = delta;
		d->cd_drop_next = control_law(d, sim->now);
		d->cd_lastcount = d->cd_count;
	}
	return p;
}

/* The transmitter is free: send the next segment CoDel lets through. */
static void codel_next(struct sim *sim, struct link_dir *d)
{
	struct pkt *p = codel_dequeue(sim, d);
	if (!p) {
		d->cq_busy = false;
		return;
	}
	trace_queue(sim, d, p, "dequeue", d->cq_len, d->cq_bytes,
		    sim->now - p->queued);
	d->cq_busy = true;
	d->busy_until = sim->now + ser_time(d, link_wire_bytes(p));
	sim_at(sim, &d->tx_done, d->busy_until);
	if (d->down) {
		drop(sim, d, p, NULL, "the link is down");
		return;
	}
	egress(sim, d, p, d->busy_until, p->extra, p->copies, p->dup_rule);
}

static void tx_done(struct sim *sim, struct evq_timer *e)
{
	struct link_dir *d = (struct link_dir *)(void *)((char *)e -
		offsetof(struct link_dir, tx_done));
	codel_next(sim, d);
}

static void codel_enqueue(struct sim *sim, struct link_dir *d, struct pkt *p)
{
	uint32_t bytes = link_wire_bytes(p);
	if (d->cq_busy && queue_full(d, d->cq_len, d->cq_bytes, bytes)) {
		d->queue_drops++;
		drop(sim, d, p, NULL, "queue full (drop-tail)");
		return;
	}
	trace_queue(sim, d, p, "enqueue", d->cq_len, d->cq_bytes, -1);
	p->queued = sim->now;
	p->next = NULL;
	if (d->cq_tail)
		d->cq_tail->next = p;
	else
		d->cq_head = p;
	d->cq_tail = p;
	d->cq_len++;
	d->cq_bytes += bytes;
	if (!d->cq_busy)
		codel_next(sim, d);
}

/* ---- the whole path ------------------------------------------------------ */

void link_send(struct sim *sim, struct link *l, struct link_dir *d,
	       struct pkt *p)
{
	sim_time_t extra = 0;
	uint32_t copies = 0;
	const char *dup_rule = NULL;
	d->sent++;
	if (l->faults &&
	    !apply_rules(sim, l, d, p, l->faults->r, l->faults->st,
			 l->faults->n, &extra, &copies, &dup_rule))
		return;
	if (l->nrules &&
	    !apply_rules(sim, l, d, p, l->rules, l->rule_state, l->nrules,
			 &extra, &copies, &dup_rule))
		return;
	if (d->down) {
		drop(sim, d, p, NULL, "the link is down");
		goto release;
	}
	if (link_wire_bytes(p) > d->cfg->mtu) {
		drop(sim, d, p, NULL, "larger than the link MTU");
		goto release;
	}
	if (d->cfg->codel.on && d->cfg->rate_bps) {
		p->extra = extra;
		p->copies = copies;
		p->dup_rule = dup_rule;
		codel_enqueue(sim, d, p);
		goto release;
	}
	if (d->cfg->red.on && d->cfg->rate_bps && !red_arrival(sim, d, p))
		goto release;
	sim_time_t sent = transmit(sim, d, p);
	if (sent < 0) {
		d->queue_drops++;
		drop(sim, d, p, NULL, "queue full (drop-tail)");
		goto release;
	}
	egress(sim, d, p, sent, extra, copies, dup_rule);
release:
	/* A held segment goes right behind the next one. */
	if (d->held && d->held != p) {
		struct pkt *h = d->held;
		d->held = NULL;
		trace_link(sim, TR_LINK, d, h, "release", 0, NULL,
			   "the next segment has gone");
		sim_time_t t = sim->now + d->cfg->delay;
		if (t < d->last_arrival)
			t = d->last_arrival;
		launch(sim, d, h, t);
	}
}
