/* tcp_harness.c — see tcp_harness.h. */
#include "tcp_harness.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define ISS (h->iss)

static void cap_output(struct tcp_stack *st, struct tcp_conn *c,
		       const struct tcp_xmit *x)
{
	struct th *h = tcp_stack_owner(st);
	ck_assert_int_lt(h->nout, TH_MAX);
	struct th_seg *o = &h->out[h->nout++];
	o->seg = x->seg;
	ck_assert_uint_le(x->seg.len, sizeof o->data);
	/* the bytes, written out if the segment carries a reference (its
	 * src and src_off stay, for a test to look at) */
	o->ref = x->seg.len && !x->seg.data;
	tcp_seg_payload(&x->seg, x->seg.len, o->data);
	o->seg.data = o->data;
	o->why = x->why;
	o->tx = x->tx;
	o->rexmit = x->tx != TR_TX_NEW;
	o->has_conn = c != NULL;
	ck_assert_ptr_nonnull(x->why);
}

static void cap_notify(struct tcp_stack *st, struct tcp_conn *c,
		       enum tcp_event ev, uint64_t arg)
{
	struct th *h = tcp_stack_owner(st);
	ck_assert_int_lt(h->nev, TH_MAX);
	h->ev[h->nev++] = (struct th_event){c, ev, arg};
	if (ev == TCP_EV_CONNECTED && !c->app)
		c->app = h; /* accepted */
	if (ev == TCP_EV_DATA && !h->no_read) {
		uint32_t n = tcp_read(c, h->rx + h->nrx,
				      (uint32_t)(sizeof h->rx - h->nrx));
		h->nrx += n;
	}
	if (ev == TCP_EV_CLOSED && c == h->c) {
		struct tcp_conn_info ci;
		tcp_conn_info(c, &ci);
		h->closed_err = ci.err;
		h->c = NULL;
	}
}

static const struct tcp_stack_ops cap_ops = {
	.output = cap_output,
	.notify = cap_notify,
};

void th_init(struct th *h, const struct tcp_params *p)
{
	memset(h, 0, sizeof *h);
	sim_init(&h->sim, 1, SIM_TIME_MAX, UINT64_MAX);
	rng_derive(&h->rng, 1, "harness");
	h->peer_mss = 1460;
	h->lport = LOCAL_PORT;
	h->st = tcp_stack_new(&h->sim, &cap_ops, h, 0, LOCAL_ADDR, &h->rng,
			      p ? p : &tcp_params_default);
	ck_assert_ptr_nonnull(h->st);
}

/* A segment in words, for a failure message. */
static void seg_fmt(const struct th_seg *o, char *buf, size_t n)
{
	char fl[40];
	tcp_flags_fmt(o->seg.flags, fl, sizeof fl);
	snprintf(buf, n, "%s %u>%u seq=%u ack=%u len=%u win=%u mss=%u tx=%d "
			 "(%s)",
		 fl, (unsigned)o->seg.sport, (unsigned)o->seg.dport,
		 (unsigned)o->seg.seq, (unsigned)o->seg.ack,
		 (unsigned)o->seg.len, (unsigned)o->seg.wnd,
		 (unsigned)o->seg.mss, (int)o->tx, o->why);
}

void th_fini(struct th *h)
{
	if (h->nchecked < h->nout) {
		char s[512];
		seg_fmt(&h->out[h->nchecked], s, sizeof s);
		ck_abort_msg("%d segment(s) sent and never checked; the first: "
			     "%s",
			     h->nout - h->nchecked, s);
	}
	tcp_stack_free(h->st);
	h->st = NULL;
	ck_assert_msg(h->sim.mem == 0, "%llu bytes of connection memory "
				       "not given back",
		      (unsigned long long)h->sim.mem);
	ck_assert_msg(evq_size(&h->sim.q) == 0, "%zu timer(s) left pending",
		      evq_size(&h->sim.q));
	sim_fini(&h->sim);
}

void th_in_full(struct th *h, uint16_t dport, uint8_t flags, uint32_t seq,
		uint32_t ack, uint16_t wnd, const uint8_t *data, uint32_t len)
{
	static const uint8_t zeros[65536];
	struct tcp_seg s = {
		.saddr = PEER_ADDR,
		.daddr = LOCAL_ADDR,
		.sport = PEER_PORT,
		.dport = dport ? dport : h->lport,
		.seq = seq,
		.ack = ack,
		.wnd = wnd,
		.flags = flags,
		.len = len,
		.data = data ? data : zeros,
		.mss = (flags & TCP_SYN) ? h->peer_mss : 0,
		.opts = (uint8_t)(h->peer_opts &
				  ((flags & TCP_SYN) ? 0xff : TCP_OPT_TS)),
		.wscale = h->peer_wscale,
		.tsval = h->peer_tsval,
		.tsecr = h->peer_tsecr,
		.nsack = (flags & TCP_SYN) ? 0 : h->peer_nsack,
		.ecn = h->peer_ecn,
	};
	memcpy(s.sack, h->peer_sack, sizeof s.sack);
	tcp_stack_input(h->st, &s, 0);
}

void th_in_ref(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack,
	       const struct tcp_src *src, uint64_t off, uint32_t len)
{
	struct tcp_seg s = {
		.saddr = PEER_ADDR,
		.daddr = LOCAL_ADDR,
		.sport = PEER_PORT,
		.dport = h->lport,
		.seq = seq,
		.ack = ack,
		.wnd = 65535,
		.flags = flags,
		.len = len,
		.src = src,
		.src_off = off,
	};
	tcp_stack_input(h->st, &s, 0);
}

void th_in(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack,
	   uint32_t len)
{
	th_in_full(h, 0, flags, seq, ack, 65535, NULL, len);
}

void th_run_until(struct th *h, sim_time_t t)
{
	h->sim.stop = t;
	h->sim.end = SIM_END_NONE;
	sim_run(&h->sim);
	h->sim.now = t;
}

void th_fire(struct th *h, enum tcp_timer k)
{
	ck_assert_ptr_nonnull(h->c);
	struct evq_timer *t = &h->c->timer[k];
	ck_assert_msg(evq_pending(t), "timer %s is not armed",
		      tcp_timer_name(k));
	th_run_until(h, t->when);
}

int th_unchecked(const struct th *h)
{
	return h->nout - h->nchecked;
}

const struct th_seg *th_next(struct th *h, int i)
{
	ck_assert_msg(i < th_unchecked(h), "segment %d expected, %d sent", i,
		      th_unchecked(h));
	return &h->out[h->nchecked + i];
}

/* Once every captured segment is checked the buffer starts over, so a
 * long flow or a fuzz run never runs out of room. */
static void mark_checked(struct th *h, int n)
{
	h->nchecked += n;
	if (h->nchecked == h->nout)
		h->nchecked = h->nout = 0;
}

void th_checked(struct th *h, int n)
{
	ck_assert_msg(n <= th_unchecked(h), "%d segment(s) to mark, %d sent",
		      n, th_unchecked(h));
	mark_checked(h, n);
}

#define FIELD(name, got, want)                                              \
	ck_assert_msg((got) == (want),                                      \
		      "segment %d: %s is %llu, expected %llu\n  got: %s", i,  \
		      name, (unsigned long long)(got),                      \
		      (unsigned long long)(want), desc)

static void expect_one(const struct th *h, int i, const struct th_seg *o,
		       const struct th_want *w)
{
	char desc[512];
	seg_fmt(o, desc, sizeof desc);
	const struct tcp_seg *s = &o->seg;
	char want[40], got[40];
	tcp_flags_fmt(w->flags, want, sizeof want);
	tcp_flags_fmt(s->flags, got, sizeof got);
	ck_assert_msg(s->flags == w->flags,
		      "segment %d: flags %s, expected %s\n  got: %s", i, got,
		      want, desc);
	FIELD("seq", s->seq, w->seq);
	FIELD("ack", s->ack, w->ack);
	FIELD("len", s->len, w->len);
	FIELD("win", s->wnd, w->win);
	FIELD("urgent pointer", s->up, w->up);
	FIELD("mss option", s->mss, w->mss);
	FIELD("options", s->opts, w->opts);
	FIELD("wscale", s->wscale, w->wscale);
	FIELD("tsval", s->tsval, w->tsval);
	FIELD("tsecr", s->tsecr, w->tsecr);
	FIELD("sack blocks", s->nsack, w->nsack);
	for (int k = 0; k < s->nsack && k < TCP_MAX_SACK; k++) {
		FIELD("sack left", s->sack[k].start, w->sack[k].start);
		FIELD("sack right", s->sack[k].end, w->sack[k].end);
	}
	FIELD("saddr", s->saddr, LOCAL_ADDR);
	FIELD("daddr", s->daddr, PEER_ADDR);
	FIELD("sport", s->sport, w->sport ? w->sport : h->lport);
	FIELD("dport", s->dport, w->dport ? w->dport : PEER_PORT);
	FIELD("tx", o->tx, w->tx);
	if (w->data)
		ck_assert_msg(memcmp(s->data, w->data, w->len) == 0,
			      "segment %d: payload differs\n  got: %s", i,
			      desc);
}

void th_expect_ack(struct th *h, uint32_t seq, uint32_t ack, uint32_t win)
{
	struct th_want w = {.flags = TCP_ACK, .seq = seq, .ack = ack,
			    .win = (uint16_t)win};
	th_expect_only(h, 1, &w);
}

void th_expect_only(struct th *h, int n, const struct th_want wants[])
{
	if (th_unchecked(h) != n) {
		char s[512] = "";
		if (th_unchecked(h) > n)
			seg_fmt(&h->out[h->nchecked + n], s, sizeof s);
		ck_abort_msg("%d segment(s) sent, %d expected%s%s",
			     th_unchecked(h), n, *s ? "; the first extra: " : "",
			     s);
	}
	for (int i = 0; i < n; i++)
		expect_one(h, i, &h->out[h->nchecked + i], &wants[i]);
	mark_checked(h, n);
}

void th_expect_none(struct th *h)
{
	th_expect_only(h, 0, NULL);
}

int th_events(struct th *h, enum tcp_event ev, uint64_t *arg)
{
	int n = 0;
	for (int i = 0; i < h->nev; i++)
		if (h->ev[i].ev == ev) {
			n++;
			if (arg)
				*arg = h->ev[i].arg;
		}
	return n;
}

void th_clear_events(struct th *h)
{
	h->nev = 0;
}

void th_expect_closed(struct th *h, enum tcp_end end)
{
	uint64_t got = 0;
	ck_assert_msg(h->c == NULL, "still %s", tcp_state_name(h->c->state));
	ck_assert_int_eq(th_events(h, TCP_EV_CLOSED, &got), 1);
	ck_assert_msg(got == (uint64_t)end, "ended '%s', expected '%s'",
		      tcp_end_name((enum tcp_end)got), tcp_end_name(end));
}

/* The one segment the way to a state sends: flags, seq, ack as the RFC
 * says. Nothing has been received but SYNs and FINs, which take no room:
 * the window is the whole receive buffer, as far as 16 bits go (or the
 * scaled field carries); a SYN announces the socket's MSS (the harness
 * has no path to lower it) and the options its parameters offer — a
 * SYN,ACK only those the peer's SYN had; later segments the timestamps,
 * if agreed (RFC 7323). */
static void expect_step(struct th *h, uint8_t flags, uint32_t seq,
			uint32_t ack)
{
	const struct tcp_conn *c = h->c;
	bool syn = flags & TCP_SYN, synack = syn && (flags & TCP_ACK);
	uint32_t win = tcp_max_window(c);
	struct th_want w = {
		.flags = flags,
		.seq = seq,
		.ack = ack,
		.win = (uint16_t)(syn ? (win < 65535 ? win : 65535)
				      : (win + (1u << c->rcv_wscale) - 1) >>
						c->rcv_wscale),
		.mss = syn ? (uint16_t)c->p->mss : 0,
	};
	/* scaled under Linux's rules, the window is clamped short of the
	 * buffer (tcp_ack_init's clamp): take the one the step set, which
	 * the window tests check on their own */
	if (!syn && c->rcv_wscale && c->p->rules == TCP_RULES_LINUX)
		w.win = (uint16_t)(c->rcv_wnd >> c->rcv_wscale);
	if (syn && c->p->wscale != TCP_WSCALE_OFF && (!synack || c->ws_ok)) {
		w.opts |= TCP_OPT_WS;
		w.wscale = c->ws_offer;
	}
	if (syn && c->p->sack && (!synack || c->sack_ok))
		w.opts |= TCP_OPT_SACKOK;
	if (syn ? c->p->timestamps && (!synack || c->ts_ok) : c->ts_ok) {
		w.opts |= TCP_OPT_TS;
		w.tsval = tcp_ts_now(c);
		w.tsecr = syn && !synack ? 0 : c->ts_recent;
	}
	th_expect_only(h, 1, &w);
	th_clear_events(h);
}

void th_connect(struct th *h)
{
	h->c = tcp_connect(h->st, 0, PEER_ADDR, PEER_PORT, NULL);
	ck_assert_ptr_nonnull(h->c);
	h->c->app = h;
	h->iss = h->c->iss;
	h->lport = h->c->lport;
	ck_assert_int_eq(h->c->state, TCP_SYN_SENT);
}

void th_open_syn_sent(struct th *h)
{
	th_connect(h);
	expect_step(h, TCP_SYN, ISS, 0);
}

void th_open_established(struct th *h)
{
	th_open_syn_sent(h);
	th_in(h, TCP_SYN | TCP_ACK, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	if (h->c->p->two_way)
		th_expect_none(h); /* the variant sends no third segment */
	else
		expect_step(h, TCP_ACK, ISS + 1, PEER_ISS + 1);
	th_clear_events(h);
}

void th_open_listen(struct th *h)
{
	h->c = tcp_listen(h->st, LOCAL_PORT, NULL);
	ck_assert_ptr_nonnull(h->c);
	h->lport = LOCAL_PORT;
	ck_assert_int_eq(h->c->state, TCP_LISTEN);
	th_expect_none(h);
	th_clear_events(h);
}

/* The newest connection on the stack (a listener's new child). */
static struct tcp_conn *newest(struct th *h)
{
	return h->st->tail;
}

void th_open_syn_received(struct th *h)
{
	th_open_listen(h);
	th_in_full(h, LOCAL_PORT, TCP_SYN, PEER_ISS, 0, 65535, NULL, 0);
	h->c = newest(h);
	h->iss = h->c->iss;
	ck_assert_int_eq(h->c->state,
			 h->c->p->two_way ? TCP_ESTABLISHED : TCP_SYN_RECEIVED);
	expect_step(h, TCP_SYN | TCP_ACK, ISS, PEER_ISS + 1);
}

void th_open_established_passive(struct th *h)
{
	th_open_syn_received(h);
	th_in(h, TCP_ACK, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	th_expect_none(h);
	th_clear_events(h);
}

void th_open_fin_wait_1(struct th *h)
{
	th_open_established(h);
	ck_assert_int_eq(tcp_close(h->c), 0);
	ck_assert_int_eq(h->c->state, TCP_FIN_WAIT_1);
	expect_step(h, TCP_FIN | TCP_ACK, ISS + 1, PEER_ISS + 1);
}

void th_open_fin_wait_2(struct th *h)
{
	th_open_fin_wait_1(h);
	th_in(h, TCP_ACK, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h->c->state, TCP_FIN_WAIT_2);
	th_expect_none(h);
	th_clear_events(h);
}

void th_open_closing(struct th *h)
{
	th_open_fin_wait_1(h);
	th_in(h, TCP_FIN | TCP_ACK, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_CLOSING);
	expect_step(h, TCP_ACK, ISS + 2, PEER_ISS + 2);
}

void th_open_time_wait(struct th *h)
{
	th_open_fin_wait_2(h);
	th_in(h, TCP_FIN | TCP_ACK, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h->c->state, TCP_TIME_WAIT);
	expect_step(h, TCP_ACK, ISS + 2, PEER_ISS + 2);
}

void th_open_close_wait(struct th *h)
{
	th_open_established(h);
	th_in(h, TCP_FIN | TCP_ACK, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_CLOSE_WAIT);
	if (h->c->p->rules == TCP_RULES_LINUX) {
		/* Linux delays the ACK of the FIN that brings CLOSE-WAIT
		 * (ping-pong mode, tcp_fin) */
		th_expect_none(h);
		th_fire(h, TCP_T_DELACK);
	}
	expect_step(h, TCP_ACK, ISS + 1, PEER_ISS + 2);
}

void th_open_last_ack(struct th *h)
{
	th_open_close_wait(h);
	ck_assert_int_eq(tcp_close(h->c), 0);
	ck_assert_int_eq(h->c->state, TCP_LAST_ACK);
	expect_step(h, TCP_FIN | TCP_ACK, ISS + 1, PEER_ISS + 2);
}

bool th_alive(struct th *h, const struct tcp_conn *c)
{
	for (const struct tcp_conn *x = h->st->head; x; x = x->next)
		if (x == c)
			return true;
	return false;
}
