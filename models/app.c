/* app.c — run a host's scripted socket calls and check what it reads. */
#include "app.h"

#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "sim.h"
#include "trace.h"

const char *app_on_name(enum app_on on)
{
	switch (on) {
	case APP_ON_TIME:
		return "time";
	case APP_ON_CONNECTED:
		return "connected";
	case APP_ON_RECEIVED:
		return "received";
	case APP_ON_PEER_CLOSED:
		return "peer-closed";
	case APP_ON_CLOSED:
		return "closed";
	case APP_ON_COUNT:
		break;
	}
	return "?";
}

static const char *op_name(enum app_op op)
{
	switch (op) {
	case APP_OP_LISTEN:
		return "listen";
	case APP_OP_CONNECT:
		return "connect";
	case APP_OP_SEND:
		return "send";
	case APP_OP_CLOSE:
		return "close";
	}
	return "?";
}

uint8_t app_pattern(uint64_t off)
{
	/* Each 8-byte word holds a mix of its own index, so a byte that
	 * lands at the wrong offset almost surely reads back wrong. */
	uint64_t z = (off >> 3) + UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (uint8_t)(z >> ((off & 7) * 8));
}

static void trace_app(struct app *a, struct app_sock *s, enum trace_app_kind k,
		      const struct app_action *act, int64_t value,
		      const char *text)
{
	struct sim *sim = a->host->sim;
	const struct trace *tr = &sim->trace;
	if (!trace_on(tr, TR_APP))
		return;
	struct trace_event ev = {
		.t = sim->now,
		.kind = TR_APP,
		.host = a->host->id,
		.peer = -1,
		.a = (int)k,
		.name = op_name(act->op),
		.text = text,
	};
	ev.v[0] = value;
	ev.v[1] = act->line;
	if (s) {
		ev.conn = s->conn;
		ev.tuple = s->tuple;
	}
	if (act->op == APP_OP_CONNECT && k == TR_APP_CALL)
		ev.peer = act->peer;
	trace_emit(tr, &ev);
}

static int ensure_buf(struct app *a, uint32_t n)
{
	if (a->bufcap >= n)
		return 0;
	uint8_t *b = realloc(a->buf, n);
	if (!b)
		return -1;
	a->buf = b;
	a->bufcap = n;
	return 0;
}

static struct app_sock *sock_new(struct app *a, struct tcp_conn *c)
{
	struct app_sock *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->fired = calloc(a->nacts ? a->nacts : 1, 1);
	if (!s->fired) {
		free(s);
		return NULL;
	}
	s->app = a;
	s->c = c;
	s->conn = c->id;
	s->tuple = (struct trace_tuple){c->laddr, c->raddr, c->lport, c->rport};
	s->listener = c->state == TCP_LISTEN;
	c->app = s;
	if (a->socks_tail)
		a->socks_tail->next = s;
	else
		a->socks = s;
	a->socks_tail = s;
	return s;
}

static void do_close(struct app_sock *s);

/* Hand the script's pending bytes to TCP as far as its buffer allows. */
static void pump(struct app_sock *s)
{
	struct app *a = s->app;
	while (s->c && s->unsent) {
		uint32_t space = tcp_send_space(s->c);
		if (space == 0)
			break;
		uint32_t n = s->unsent < space ? (uint32_t)s->unsent : space;
		if (ensure_buf(a, n) < 0) {
			a->host->sim->nomem = true;
			return;
		}
		for (uint32_t i = 0; i < n; i++)
			a->buf[i] = app_pattern(s->written + i);
		long took = tcp_send(s->c, a->buf, n);
		if (took <= 0)
			break;
		s->written += (uint64_t)took;
		s->unsent -= (uint64_t)took;
	}
	if (s->c && !s->unsent && s->close_pending) {
		s->close_pending = false;
		do_close(s);
	}
}

static void do_close(struct app_sock *s)
{
	if (s->unsent) {
		s->close_pending = true;
		return;
	}
	tcp_close(s->c);
}

static void run_action(struct app *a, const struct app_action *act,
		       struct app_sock *s);

/* Run every event action for `on` that has not yet run for s. */
static void fire(struct app_sock *s, enum app_on on)
{
	struct app *a = s->app;
	for (size_t i = 0; i < a->nacts; i++) {
		const struct app_action *act = &a->acts[i];
		if (act->on != on || s->fired[i])
			continue;
		if (on == APP_ON_RECEIVED && s->received < act->on_bytes)
			continue;
		s->fired[i] = 1;
		run_action(a, act, s);
	}
}

static bool sock_open(const struct app_sock *s)
{
	return s->c != NULL;
}

static void apply(struct app *a, const struct app_action *act,
		  struct app_sock *s)
{
	switch (act->op) {
	case APP_OP_SEND:
		if (s->listener || !s->c || s->close_pending ||
		    s->c->fin_queued) {
			trace_app(a, s, TR_APP_ERROR, act, (int64_t)act->bytes,
				  "connection closing or closed");
			return;
		}
		trace_app(a, s, TR_APP_CALL, act, (int64_t)act->bytes, NULL);
		s->unsent += act->bytes;
		pump(s);
		break;
	case APP_OP_CLOSE:
		if (!s->c || s->close_pending || s->c->fin_queued) {
			trace_app(a, s, TR_APP_ERROR, act, 0,
				  "connection closing or closed");
			return;
		}
		trace_app(a, s, TR_APP_CALL, act, 0, NULL);
		do_close(s);
		break;
	default:
		break;
	}
}

/* The script opened c (listen or connect): track it and trace the call.
 * The SYN of a connect is traced already; the call line follows it. */
static void opened(struct app *a, const struct app_action *act,
		   struct tcp_conn *c, const char *failure)
{
	if (!c) {
		trace_app(a, NULL, TR_APP_ERROR, act, act->port, failure);
		return;
	}
	struct app_sock *s = sock_new(a, c);
	if (!s) {
		a->host->sim->nomem = true;
		return;
	}
	trace_app(a, s, TR_APP_CALL, act, act->port,
		  act->op == APP_OP_CONNECT
			  ? trace_host_name(&a->host->sim->trace, act->peer)
			  : NULL);
}

static void run_action(struct app *a, const struct app_action *act,
		       struct app_sock *s)
{
	struct host *h = a->host;
	switch (act->op) {
	case APP_OP_LISTEN:
		opened(a, act, tcp_listen(&h->tcp, act->port, NULL),
		       "port already in use");
		return;
	case APP_OP_CONNECT:
		opened(a, act, tcp_connect(&h->tcp, 0, act->peer_addr,
					   act->port, NULL),
		       "no free local port");
		return;
	default:
		break;
	}
	if (s) {
		apply(a, act, s);
		return;
	}
	/* A timed send or close acts on every open socket of the host that
	 * it applies to: connections for send, connections and listeners
	 * for close. */
	bool any = false;
	for (struct app_sock *t = a->socks; t; t = t->next) {
		if (!sock_open(t) || (act->op == APP_OP_SEND && t->listener))
			continue;
		any = true;
		apply(a, act, t);
	}
	if (!any)
		trace_app(a, NULL, TR_APP_ERROR, act,
			  act->op == APP_OP_SEND ? (int64_t)act->bytes : 0,
			  "no open connection");
}

static void timer_fire(struct sim *sim, struct evq_timer *e)
{
	(void)sim;
	struct app_timer *t = (struct app_timer *)(void *)e;
	run_action(t->app, &t->app->acts[t->action], NULL);
}

int app_init(struct app *a, struct host *h, const struct app_action *acts,
	     size_t nacts)
{
	memset(a, 0, sizeof *a);
	a->host = h;
	a->acts = acts;
	a->nacts = nacts;
	a->timers = calloc(nacts ? nacts : 1, sizeof *a->timers);
	if (!a->timers)
		return -1;
	for (size_t i = 0; i < nacts; i++) {
		evq_timer_init(&a->timers[i].ev, timer_fire);
		a->timers[i].app = a;
		a->timers[i].action = i;
	}
	h->app = a;
	return 0;
}

void app_start(struct app *a)
{
	for (size_t i = 0; i < a->nacts; i++)
		if (a->acts[i].on == APP_ON_TIME)
			sim_at(a->host->sim, &a->timers[i].ev, a->acts[i].at);
}

void app_fini(struct app *a)
{
	struct app_sock *s = a->socks;
	while (s) {
		struct app_sock *n = s->next;
		if (s->c)
			s->c->app = NULL;
		free(s->fired);
		free(s);
		s = n;
	}
	for (size_t i = 0; i < a->nacts; i++)
		if (evq_pending(&a->timers[i].ev))
			evq_cancel(&a->host->sim->q, &a->timers[i].ev);
	free(a->timers);
	free(a->buf);
	memset(a, 0, sizeof *a);
}

/* Read everything TCP has for s and check it against the pattern. */
static void drain(struct app_sock *s)
{
	struct app *a = s->app;
	if (ensure_buf(a, 16384) < 0) {
		a->host->sim->nomem = true;
		return;
	}
	for (;;) {
		uint32_t n = tcp_read(s->c, a->buf, a->bufcap);
		if (n == 0)
			break;
		for (uint32_t i = 0; i < n; i++) {
			if (a->buf[i] != app_pattern(s->received + i)) {
				if (!s->bad)
					s->first_bad = s->received + i;
				s->bad++;
			}
		}
		s->received += n;
		if (!s->c)
			break;
	}
}

void app_notify(struct app *a, struct tcp_conn *c, enum tcp_event ev,
		uint64_t arg)
{
	struct app_sock *s = c->app;
	if (!s) {
		if (ev != TCP_EV_CONNECTED)
			return;
		s = sock_new(a, c); /* accepted from a listening socket */
		if (!s) {
			a->host->sim->nomem = true;
			return;
		}
	}
	switch (ev) {
	case TCP_EV_CONNECTED:
		fire(s, APP_ON_CONNECTED);
		break;
	case TCP_EV_DATA:
		drain(s);
		fire(s, APP_ON_RECEIVED);
		break;
	case TCP_EV_EOF:
		s->eof = true;
		fire(s, APP_ON_PEER_CLOSED);
		break;
	case TCP_EV_WRITABLE:
		pump(s);
		break;
	case TCP_EV_CLOSED:
		s->end = (enum tcp_end)arg;
		s->c = NULL;
		c->app = NULL;
		s->close_pending = false;
		fire(s, APP_ON_CLOSED);
		break;
	}
}
