/* expect.c — watch a run, then judge a scenario's expectations.
 *
 * Event expectations are counted as the trace goes by (each expectation
 * keeps its count and the times of its first matches); state changes are
 * recorded so a state can be looked up at any time afterwards; deliveries
 * and endings are read from the applications after the run. Messages are
 * formatted only when judging, never on the hot path.
 *
 * Semantics (docs/scenario-format.md, "expect"):
 *   state S at T: some matching connection was in S at the end of instant
 *     T; for S = CLOSED, every matching connection that existed by T was
 *     CLOSED (none left open). Listening sockets count only for LISTEN.
 *   end R: every matching connection ended with R, and there was one.
 */
#include "sim/verdict/expect.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "models/app.h"
#include "sim/engine/grow.h"
#include "models/segment.h"
#include "sim/out/seqrel.h"

#define FIRST_TIMES 3

struct state_rec {
	int host;
	uint32_t conn;
	struct trace_tuple tuple;
	sim_time_t t;
	int from, to;
};

struct expect_run {
	struct trace_sink sink;
	struct seqrel rel;      /* every segment sent, for relative seq/ack */
	const struct expectation *e;
	size_t n;
	uint64_t *count;
	sim_time_t (*first)[FIRST_TIMES];
	struct state_rec *hist;
	size_t nhist, cap;
	bool oom;
	const struct trace *tr;
	/* verdicts */
	bool *ok;
	char **msg;
	size_t failed;
};

static bool in_hosts(const struct exp_hosts *h, int host)
{
	return h->count == 0 || (host >= h->first && host < h->first + h->count);
}

/* The host with address addr, or -1. */
static int host_of_addr(const struct trace *tr, uint32_t addr)
{
	for (int i = 0; i < tr->nhosts; i++)
		if (tr->host_addrs[i] == addr)
			return i;
	return -1;
}

static bool flags_match(const struct expectation *e, const struct tcp_seg *s)
{
	if (!e->match_flags)
		return true;
	return e->flags_exact ? s->flags == e->flags
			      : (s->flags & e->flags) == e->flags;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The segment fields an expectation names. */
static bool seg_match(const struct expectation *e, const struct seqrel *rel,
		      const struct tcp_seg *s)
{
	if (!s)
		return !(e->has_seq || e->has_ack || e->has_len || e->has_win);
	return (!e->has_seq ||
		(e->seq_abs ? s->seq : seqrel_seq(rel, s)) == e->seq) &&
	       (!e->has_ack ||
		(e->ack_abs ? s->ack : seqrel_ack(rel, s)) == e->ack) &&
	       (!e->has_len || s->len == e->len) &&
	       (!e->has_win || s->wnd == e->win);
}

static bool matches(const struct expectation *e, const struct trace *tr,
		    const struct seqrel *rel, const struct trace_event *ev)
{
	if (ev->t < e->after || ev->t > e->before)
		return false;
	const struct tcp_seg *s = ev->seg;
	int host = ev->host, peer = ev->peer;
	uint16_t port = 0;
	switch (e->event) {
	case EXP_EV_SEND:
	case EXP_EV_RETRANSMIT:
		if (ev->kind != TR_SEND ||
		    (e->event == EXP_EV_RETRANSMIT &&
		     !(ev->b & TR_SEND_REXMIT)))
			return false;
		port = s->sport;
		break;
	case EXP_EV_RECV:
	case EXP_EV_IGNORE:
		if (ev->kind != (e->event == EXP_EV_RECV ? TR_RECV : TR_IGNORE))
			return false;
		port = s->dport;
		peer = host_of_addr(tr, s->saddr);
		break;
	case EXP_EV_DROP:
		if (ev->kind != TR_DROP)
			return false;
		port = s->sport;
		if (peer < 0) /* dropped at the receiving host */
			peer = host_of_addr(tr, s->daddr);
		if (e->rule && !str_eq(e->rule, ev->text))
			return false;
		break;
	case EXP_EV_LINK:
		if (ev->kind != TR_LINK)
			return false;
		if (s)
			port = s->sport;
		if (e->what && !str_eq(e->what, ev->name))
			return false;
		if (e->rule && !str_eq(e->rule, ev->text))
			return false;
		break;
	case EXP_EV_STATE:
		if (ev->kind != TR_STATE)
			return false;
		if (e->from_state >= 0 && ev->a != e->from_state)
			return false;
		if (e->to_state >= 0 && ev->b != e->to_state)
			return false;
		break;
	case EXP_EV_TIMER:
		if (ev->kind != TR_TIMER)
			return false;
		if (e->timer && !str_eq(e->timer, ev->name))
			return false;
		if (e->timer_op >= 0 && ev->a != e->timer_op)
			return false;
		break;
	case EXP_EV_APP:
		if (ev->kind != TR_APP)
			return false;
		/* "refused" etc. name how a connection closed */
		if (e->what && !str_eq(e->what, ev->name) &&
		    !(str_eq(ev->name, "closed") && str_eq(e->what, ev->text)))
			return false;
		break;
	case EXP_EV_HOST:
		if (ev->kind != TR_HOST)
			return false;
		if (e->what && !str_eq(e->what, ev->name))
			return false;
		break;
	}
	if (ev->kind == TR_STATE || ev->kind == TR_TIMER || ev->kind == TR_APP) {
		port = ev->tuple.lport;
		peer = ev->tuple.raddr ? host_of_addr(tr, ev->tuple.raddr) : -1;
	}
	if (!in_hosts(&e->host, host))
		return false;
	if (e->peer.count && !in_hosts(&e->peer, peer))
		return false;
	if (e->port && port != e->port)
		return false;
	if (s && !flags_match(e, s))
		return false;
	/* the sender's state (send, retransmit, drop, link: in `a`) */
	if (e->kind == EXP_EVENT && e->state >= 0 && ev->a != e->state)
		return false;
	if (!seg_match(e, rel, s))
		return false;
	if (e->why && !(ev->why && strstr(ev->why, e->why)))
		return false;
	return true;
}

static void record_state(struct expect_run *r, const struct trace_event *ev)
{
	if (grow(&r->hist, &r->cap, r->nhist + 1, sizeof *r->hist, 64) < 0) {
		r->oom = true;
		return;
	}
	r->hist[r->nhist++] = (struct state_rec){ev->host, ev->conn, ev->tuple,
						 ev->t, ev->a, ev->b};
}

static void expect_emit(struct trace_sink *s, const struct trace *tr,
			const struct trace_event *ev)
{
	struct expect_run *r = (struct expect_run *)(void *)s;
	r->tr = tr;
	if (ev->kind == TR_STATE)
		record_state(r, ev);
	if (ev->kind == TR_SEND && seqrel_note(&r->rel, ev->seg) < 0)
		r->oom = true;
	for (size_t i = 0; i < r->n; i++) {
		const struct expectation *e = &r->e[i];
		if (e->kind != EXP_EVENT || !matches(e, tr, &r->rel, ev))
			continue;
		if (r->count[i] < FIRST_TIMES)
			r->first[i][r->count[i]] = ev->t;
		r->count[i]++;
	}
}

static void sink_destroy(struct trace_sink *s)
{
	(void)s; /* the run owns its memory; expect_free frees it */
}

struct expect_run *expect_new(const struct expectation *e, size_t n,
			      struct trace_sink **sink)
{
	struct expect_run *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->e = e;
	r->n = n;
	seqrel_init(&r->rel);
	r->count = calloc(n ? n : 1, sizeof *r->count);
	r->first = calloc(n ? n : 1, sizeof *r->first);
	r->ok = calloc(n ? n : 1, sizeof *r->ok);
	r->msg = calloc(n ? n : 1, sizeof *r->msg);
	if (!r->count || !r->first || !r->ok || !r->msg) {
		expect_free(r);
		return NULL;
	}
	r->sink.emit = expect_emit;
	r->sink.destroy = sink_destroy;
	r->sink.mask = TR_USUAL;
	*sink = &r->sink;
	return r;
}

void expect_free(struct expect_run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n && r->msg; i++)
		free(r->msg[i]);
	free(r->msg);
	free(r->ok);
	free(r->count);
	free(r->first);
	free(r->hist);
	seqrel_fini(&r->rel);
	free(r);
}

/* ---- judging ----------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool mute;      /* verdicts only: write nothing */
};

static void sb(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->mute)
		return;
	for (;;) {
		va_start(ap, fmt);
		int w = vsnprintf(b->p ? b->p + b->len : NULL,
				  b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (w < 0)
			return;
		if (b->p && b->len + (size_t)w < b->cap) {
			b->len += (size_t)w;
			return;
		}
		size_t cap = (b->cap ? 2 * b->cap : 128) + (size_t)w;
		char *p = realloc(b->p, cap);
		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
}

static const char *tname(const struct trace *tr, int h)
{
	return trace_host_name(tr, h);
}

static void sb_hosts(struct sbuf *b, const struct trace *tr,
		     const struct exp_hosts *h)
{
	if (b->mute)
		return;
	if (h->count == 0)
		sb(b, "any host");
	else if (h->count == 1)
		sb(b, "%s", tname(tr, h->first));
	else
		sb(b, "%s..%s", tname(tr, h->first),
		   tname(tr, h->first + h->count - 1));
}

static void sb_time(struct sbuf *b, sim_time_t t)
{
	if (b->mute)
		return;
	char tb[40];
	sim_time_fmt(t, tb, sizeof tb);
	sb(b, "%s", tb);
}

static void sb_tuple(struct sbuf *b, const struct trace_tuple *t)
{
	if (b->mute)
		return;
	char l[16], r[16];
	ip4_fmt(t->laddr, l);
	ip4_fmt(t->raddr, r);
	if (t->raddr)
		sb(b, "%s:%u>%s:%u", l, (unsigned)t->lport, r,
		   (unsigned)t->rport);
	else
		sb(b, "%s:%u (listening)", l, (unsigned)t->lport);
}

static void sb_filters(struct sbuf *b, const struct trace *tr,
		       const struct expectation *e)
{
	if (b->mute)
		return;
	if (e->port)
		sb(b, " on port %u", (unsigned)e->port);
	if (e->peer.count) {
		sb(b, " with ");
		sb_hosts(b, tr, &e->peer);
	}
}

static const char *const event_words[] = {
	[EXP_EV_SEND] = "sends",
	[EXP_EV_RETRANSMIT] = "retransmits",
	[EXP_EV_RECV] = "receives",
	[EXP_EV_DROP] = "loses",
	[EXP_EV_IGNORE] = "discards",
	[EXP_EV_STATE] = "changes state",
	[EXP_EV_TIMER] = "timer",
	[EXP_EV_APP] = "application",
	[EXP_EV_LINK] = "link action",
	[EXP_EV_HOST] = "host event",
};

static void describe_event(struct sbuf *b, const struct trace *tr,
			   const struct expectation *e)
{
	if (e->event == EXP_EV_DROP || e->event == EXP_EV_LINK) {
		sb(b, "the network %s", e->event == EXP_EV_DROP ? "loses"
								 : "acts on");
		sb(b, " a segment from ");
		sb_hosts(b, tr, &e->host);
	} else {
		sb_hosts(b, tr, &e->host);
		sb(b, " %s", event_words[e->event]);
	}
	switch (e->event) {
	case EXP_EV_SEND:
	case EXP_EV_RETRANSMIT:
	case EXP_EV_RECV:
	case EXP_EV_IGNORE:
	case EXP_EV_DROP:
	case EXP_EV_LINK:
		if (e->event != EXP_EV_DROP && e->event != EXP_EV_LINK)
			sb(b, " a segment");
		if (e->match_flags) {
			char f[40];
			tcp_flags_fmt(e->flags, f, sizeof f);
			sb(b, " with %s%s", e->flags_exact ? "exactly " : "", f);
		}
		if (e->what)
			sb(b, " (%s)", e->what);
		if (e->rule)
			sb(b, " by rule %s", e->rule);
		if (e->has_seq)
			sb(b, " seq%s=%lu", e->seq_abs ? "-abs" : "",
			   (unsigned long)e->seq);
		if (e->has_ack)
			sb(b, " ack%s=%lu", e->ack_abs ? "-abs" : "",
			   (unsigned long)e->ack);
		if (e->has_len)
			sb(b, " len=%lu", (unsigned long)e->len);
		if (e->has_win)
			sb(b, " win=%lu", (unsigned long)e->win);
		if (e->state >= 0)
			sb(b, " sent in %s", tcp_state_name(e->state));
		break;
	case EXP_EV_STATE:
		if (e->from_state >= 0)
			sb(b, " from %s", tcp_state_name(e->from_state));
		if (e->to_state >= 0)
			sb(b, " to %s", tcp_state_name(e->to_state));
		break;
	case EXP_EV_TIMER:
		sb(b, " %s", e->timer ? e->timer : "(any)");
		if (e->timer_op >= 0) {
			static const char *const ops[] = {"set", "fires",
							  "cancelled"};
			sb(b, " %s", ops[e->timer_op]);
		}
		break;
	case EXP_EV_APP:
	case EXP_EV_HOST:
		sb(b, " %s", e->what ? e->what : "(anything)");
		break;
	}
	if (e->why)
		sb(b, " because \"%s\"", e->why);
	sb_filters(b, tr, e);
	if (e->after > 0 || e->before < SIM_TIME_MAX) {
		sb(b, " between ");
		sb_time(b, e->after);
		sb(b, " and ");
		if (e->before < SIM_TIME_MAX)
			sb_time(b, e->before);
		else
			sb(b, "the end");
	}
}

static void sb_count(struct sbuf *b, const struct expectation *e)
{
	if (e->min == e->max)
		sb(b, e->min == 0 ? "never" : "exactly %llu time%s",
		   (unsigned long long)e->min, e->min == 1 ? "" : "s");
	else if (e->max == UINT64_MAX)
		sb(b, "at least %llu time%s", (unsigned long long)e->min,
		   e->min == 1 ? "" : "s");
	else if (e->min == 0)
		sb(b, "at most %llu time%s", (unsigned long long)e->max,
		   e->max == 1 ? "" : "s");
	else
		sb(b, "%llu to %llu times", (unsigned long long)e->min,
		   (unsigned long long)e->max);
}

static bool judge_event(struct expect_run *r, size_t i, struct sbuf *b)
{
	const struct expectation *e = &r->e[i];
	uint64_t n = r->count[i];
	bool ok = n >= e->min && n <= e->max;
	describe_event(b, r->tr, e);
	sb(b, ": ");
	sb_count(b, e);
	sb(b, " — %s %llu", ok ? "it did" : "it happened",
	   (unsigned long long)n);
	if (!ok && n == 0)
		sb(b, " times");
	if (n) {
		sb(b, ", at ");
		for (uint64_t k = 0; k < n && k < FIRST_TIMES; k++) {
			if (k)
				sb(b, ", ");
			sb_time(b, r->first[i][k]);
		}
		if (n > FIRST_TIMES)
			sb(b, ", ...");
	}
	return ok;
}

/* The state of each matching connection at t, by its history. */
static bool judge_state(struct expect_run *r, size_t i, struct sbuf *b)
{
	const struct expectation *e = &r->e[i];
	const struct trace *tr = r->tr;
	sb_hosts(b, tr, &e->host);
	if (e->state == TCP_CLOSED)
		sb(b, " has no connection left open at ");
	else
		sb(b, " has a %s in %s at ",
		   e->state == TCP_LISTEN ? "listening socket" : "connection",
		   tcp_state_name(e->state));
	if (e->at_end)
		sb(b, "the end");
	else
		sb_time(b, e->at);
	sb_filters(b, tr, e);
	bool any = false, all = true, seen = false;
	struct sbuf got = {.mute = b->mute};
	for (size_t k = 0; k < r->nhist; k++) {
		const struct state_rec *h = &r->hist[k];
		if (!in_hosts(&e->host, h->host))
			continue;
		/* the first record of each connection only */
		bool first = true;
		for (size_t j = 0; j < k && first; j++)
			if (r->hist[j].host == h->host && r->hist[j].conn == h->conn)
				first = false;
		if (!first)
			continue;
		/* listening sockets answer for LISTEN, connections for the
		 * other states */
		bool listener = h->tuple.raddr == 0;
		if (listener != (e->state == TCP_LISTEN))
			continue;
		if (e->port && h->tuple.lport != e->port)
			continue;
		if (e->peer.count && !in_hosts(&e->peer, host_of_addr(tr, h->tuple.raddr)))
			continue;
		if (!e->at_end && h->t > e->at)
			continue; /* did not exist yet */
		/* its last record at or before the time */
		int st = h->from;
		sim_time_t since = h->t;
		for (size_t j = k; j < r->nhist; j++) {
			const struct state_rec *x = &r->hist[j];
			if (x->host != h->host || x->conn != h->conn)
				continue;
			if (!e->at_end && x->t > e->at)
				break;
			st = x->to;
			since = x->t;
		}
		seen = true;
		if (st == e->state)
			any = true;
		else
			all = false;
		sb(&got, "%s%s ", got.len ? "; " : "", tname(tr, h->host));
		sb_tuple(&got, &h->tuple);
		sb(&got, " %s since ", tcp_state_name(st));
		sb_time(&got, since);
	}
	bool ok = e->state == TCP_CLOSED ? all : any;
	sb(b, " — ");
	if (!seen)
		sb(b, "%s", e->state == TCP_CLOSED ? "it had no connection"
						   : "it had no connection then");
	else
		sb(b, "%s", got.p);
	free(got.p);
	return ok;
}

static bool sock_peer_in(const struct trace *tr, const struct app_sock *s,
			 const struct exp_hosts *h)
{
	return in_hosts(h, host_of_addr(tr, s->tuple.raddr));
}

static bool judge_delivered(struct expect_run *r, size_t i, struct sbuf *b,
			    const struct expect_outcome *w)
{
	const struct expectation *e = &r->e[i];
	const struct trace *tr = r->tr;
	uint64_t bytes = 0, bad = 0, unverified = 0, conns = 0;
	for (size_t h = 0; h < w->napps; h++) {
		if (!in_hosts(&e->host, (int)h))
			continue;
		for (const struct app_sock *s = w->apps[h].socks; s; s = s->next) {
			if (s->listener || !sock_peer_in(tr, s, &e->peer))
				continue;
			conns++;
			bytes += s->received;
			bad += s->bad;
			unverified += s->unverified;
		}
	}
	bool ok = true;
	sb(b, "bytes from ");
	sb_hosts(b, tr, &e->peer);
	sb(b, " reach ");
	sb_hosts(b, tr, &e->host);
	if (e->bytes_set) {
		sb(b, ": %llu", (unsigned long long)e->bytes);
		ok = ok && bytes == e->bytes;
	}
	if (e->intact_set) {
		sb(b, "%s %s", e->bytes_set ? "," : ":",
		   e->intact ? "intact" : "not intact");
		bool intact = bad == 0 && unverified == 0;
		ok = ok && intact == e->intact;
	}
	sb(b, " — %llu bytes over %llu connection%s", (unsigned long long)bytes,
	   (unsigned long long)conns, conns == 1 ? "" : "s");
	if (bad)
		sb(b, ", %llu bad", (unsigned long long)bad);
	if (unverified)
		sb(b, ", %llu with no known sender", (unsigned long long)unverified);
	if (!bad && !unverified && bytes)
		sb(b, ", every byte as sent");
	return ok;
}

static bool judge_end(struct expect_run *r, size_t i, struct sbuf *b,
		      const struct expect_outcome *w)
{
	const struct expectation *e = &r->e[i];
	const struct trace *tr = r->tr;
	sb(b, "connections of ");
	sb_hosts(b, tr, &e->host);
	sb_filters(b, tr, e);
	sb(b, " end %s —", tcp_end_name(e->end));
	size_t n = 0, good = 0;
	for (size_t h = 0; h < w->napps; h++) {
		if (!in_hosts(&e->host, (int)h))
			continue;
		for (const struct app_sock *s = w->apps[h].socks; s; s = s->next) {
			if (s->listener)
				continue;
			if (e->port && s->tuple.lport != e->port)
				continue;
			if (e->peer.count && !sock_peer_in(tr, s, &e->peer))
				continue;
			n++;
			bool ok = s->ended && s->end == e->end;
			good += ok;
			sb(b, "%s ", n > 1 ? ";" : "");
			sb_tuple(b, &s->tuple);
			if (s->ended) {
				sb(b, " %s at ", tcp_end_name(s->end));
				sb_time(b, s->end_time);
			} else {
				sb(b, " still %s",
				   s->c ? tcp_state_name(tcp_conn_state(s->c)) : "open");
			}
		}
	}
	if (!n)
		sb(b, " there was none");
	return n > 0 && good == n;
}

static size_t judge(struct expect_run *r, const struct expect_outcome *w,
		    bool mute)
{
	r->tr = w->tr;
	r->failed = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct sbuf b = {.mute = mute};
		bool ok = false;
		switch (r->e[i].kind) {
		case EXP_STATE:
			ok = judge_state(r, i, &b);
			break;
		case EXP_EVENT:
			ok = judge_event(r, i, &b);
			break;
		case EXP_DELIVERED:
			ok = judge_delivered(r, i, &b, w);
			break;
		case EXP_END:
			ok = judge_end(r, i, &b, w);
			break;
		}
		if (r->oom)
			ok = false;
		r->ok[i] = ok;
		free(r->msg[i]);
		r->msg[i] = b.p;
		r->failed += !ok;
	}
	return r->failed;
}

size_t expect_judge(struct expect_run *r, const struct expect_outcome *w)
{
	return judge(r, w, false);
}

size_t expect_verdicts(struct expect_run *r, const struct expect_outcome *w)
{
	return judge(r, w, true);
}

bool expect_ok(const struct expect_run *r, size_t i)
{
	return i < r->n && r->ok[i];
}

void expect_report(const struct expect_run *r, FILE *f)
{
	if (!r->n)
		return;
	fprintf(f, "\nexpectations:\n");
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "  %s  line %-4d %s\n", r->ok[i] ? "ok  " : "FAIL",
			r->e[i].line, r->msg[i] ? r->msg[i] : "(out of memory)");
	if (r->failed)
		fprintf(f, "%zu of %zu expectations failed\n", r->failed, r->n);
	else
		fprintf(f, "all %zu expectations hold\n", r->n);
}

size_t expect_passed(const struct expect_run *r)
{
	return r->n - r->failed;
}

size_t expect_failed(const struct expect_run *r)
{
	return r->failed;
}
