/* tcp_harness.c — see tcp_harness.h. */
#include "tcp_harness.h"

#include <check.h>
#include <string.h>

#define ISS (h->iss)

static void cap_output(struct tcp_stack *st, struct tcp_conn *c,
		       const struct tcp_xmit *x)
{
	const struct tcp_seg *seg = &x->seg;
	const char *why = x->why;
	struct th *h = tcp_stack_owner(st);
	ck_assert_int_lt(h->nout, TH_MAX);
	struct th_seg *o = &h->out[h->nout++];
	o->seg = *seg;
	ck_assert_uint_le(seg->len, sizeof o->data);
	if (seg->len)
		memcpy(o->data, seg->data, seg->len);
	o->seg.data = o->data;
	o->why = why;
	o->tx = x->tx;
	o->rexmit = x->tx != TR_TX_NEW;
	o->has_conn = c != NULL;
	ck_assert_ptr_nonnull(why);
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
		uint32_t n = tcp_read(c, h->rx + h->nrx, (uint32_t)(sizeof h->rx - h->nrx));
		h->nrx += n;
	}
	if (ev == TCP_EV_CLOSED && c == h->c)
		h->c = NULL;
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
	h->st = tcp_stack_new(&h->sim, &cap_ops, h, 0, LOCAL_ADDR, &h->rng,
			      p ? p : &tcp_params_default);
	ck_assert_ptr_nonnull(h->st);
}

void th_fini(struct th *h)
{
	tcp_stack_free(h->st);
	sim_fini(&h->sim);
}

void th_clear(struct th *h)
{
	h->nout = 0;
	h->nev = 0;
}

void th_in_full(struct th *h, uint16_t dport, uint8_t flags, uint32_t seq,
		uint32_t ack, uint16_t wnd, const uint8_t *data, uint32_t len)
{
	static uint8_t zeros[65536];
	struct tcp_seg s = {
		.saddr = PEER_ADDR,
		.daddr = LOCAL_ADDR,
		.sport = PEER_PORT,
		.dport = dport ? dport : h->c->lport,
		.seq = seq,
		.ack = ack,
		.wnd = wnd,
		.flags = flags,
		.len = len,
		.data = data ? data : zeros,
		.mss = (flags & TCP_SYN) ? h->peer_mss : 0,
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
	ck_assert_msg(evq_pending(t), "timer %s is not armed", tcp_timer_name(k));
	th_run_until(h, t->when);
}

const struct tcp_seg *th_out(struct th *h, int i)
{
	ck_assert_msg(i < h->nout, "segment %d expected, %d sent", i, h->nout);
	return &h->out[i].seg;
}

void th_expect(struct th *h, int i, uint8_t flags, uint32_t seq, uint32_t ack,
	       uint32_t len)
{
	const struct tcp_seg *s = th_out(h, i);
	char want[40], got[40];
	tcp_flags_fmt(flags, want, sizeof want);
	tcp_flags_fmt(s->flags, got, sizeof got);
	ck_assert_msg(s->flags == flags, "segment %d: flags %s, expected %s", i,
		      got, want);
	ck_assert_msg(s->seq == seq, "segment %d (%s): seq %u, expected %u", i,
		      got, s->seq, seq);
	if (flags & TCP_ACK)
		ck_assert_msg(s->ack == ack, "segment %d (%s): ack %u, expected %u",
			      i, got, s->ack, ack);
	ck_assert_msg(s->len == len, "segment %d (%s): len %u, expected %u", i,
		      got, s->len, len);
	ck_assert_uint_eq(s->saddr, LOCAL_ADDR);
	ck_assert_uint_eq(s->daddr, PEER_ADDR);
	ck_assert_uint_eq(s->dport, PEER_PORT);
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

void th_expect_closed(struct th *h, enum tcp_end end)
{
	uint64_t got = 0;
	ck_assert_msg(h->c == NULL, "still %s", tcp_state_name(h->c->state));
	ck_assert_int_eq(th_events(h, TCP_EV_CLOSED, &got), 1);
	ck_assert_msg(got == (uint64_t)end, "ended '%s', expected '%s'",
		      tcp_end_name((enum tcp_end)got), tcp_end_name(end));
}

void th_open_syn_sent(struct th *h)
{
	h->c = tcp_connect(h->st, 0, PEER_ADDR, PEER_PORT, NULL);
	ck_assert_ptr_nonnull(h->c);
	h->c->app = h;
	h->iss = h->c->iss;
	ck_assert_int_eq(h->c->state, TCP_SYN_SENT);
	th_clear(h);
}

void th_open_established(struct th *h)
{
	th_open_syn_sent(h);
	th_in(h, TCP_SYN | TCP_ACK, PEER_ISS, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	th_clear(h);
}

void th_open_listen(struct th *h)
{
	h->c = tcp_listen(h->st, LOCAL_PORT, NULL);
	ck_assert_ptr_nonnull(h->c);
	ck_assert_int_eq(h->c->state, TCP_LISTEN);
	th_clear(h);
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
	ck_assert_int_eq(h->c->state, TCP_SYN_RECEIVED);
	th_clear(h);
}

void th_open_established_passive(struct th *h)
{
	th_open_syn_received(h);
	th_in(h, TCP_ACK, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_ESTABLISHED);
	th_clear(h);
}

void th_open_fin_wait_1(struct th *h)
{
	th_open_established(h);
	ck_assert_int_eq(tcp_close(h->c), 0);
	ck_assert_int_eq(h->c->state, TCP_FIN_WAIT_1);
	th_clear(h);
}

void th_open_fin_wait_2(struct th *h)
{
	th_open_fin_wait_1(h);
	th_in(h, TCP_ACK, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h->c->state, TCP_FIN_WAIT_2);
	th_clear(h);
}

void th_open_closing(struct th *h)
{
	th_open_fin_wait_1(h);
	th_in(h, TCP_FIN | TCP_ACK, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_CLOSING);
	th_clear(h);
}

void th_open_time_wait(struct th *h)
{
	th_open_fin_wait_2(h);
	th_in(h, TCP_FIN | TCP_ACK, PEER_ISS + 1, ISS + 2, 0);
	ck_assert_int_eq(h->c->state, TCP_TIME_WAIT);
	th_clear(h);
}

void th_open_close_wait(struct th *h)
{
	th_open_established(h);
	th_in(h, TCP_FIN | TCP_ACK, PEER_ISS + 1, ISS + 1, 0);
	ck_assert_int_eq(h->c->state, TCP_CLOSE_WAIT);
	th_clear(h);
}

void th_open_last_ack(struct th *h)
{
	th_open_close_wait(h);
	ck_assert_int_eq(tcp_close(h->c), 0);
	ck_assert_int_eq(h->c->state, TCP_LAST_ACK);
	th_clear(h);
}

bool th_alive(struct th *h, const struct tcp_conn *c)
{
	for (const struct tcp_conn *x = h->st->head; x; x = x->next)
		if (x == c)
			return true;
	return false;
}
