/* sink_text.c — the canonical line-per-event trace.
 *
 * Format (docs/trace-format.md):  TIME WHO KIND key=value ...
 * TIME is seconds with nine decimals; WHO is a host name, "A>B" for a link
 * direction, or "-" for the run itself. Values that may hold spaces are
 * double-quoted. Nothing in it depends on the machine, the build or the
 * wall clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment.h"
#include "sinks.h"

#define TRACE_FORMAT_VERSION 1

struct text_sink {
	struct trace_sink base;
	FILE *f;
	bool header_done;
};

struct lbuf {
	char *p;
	size_t n, len;
};

/* Append len bytes. As with snprintf, len counts everything the line
 * needs, and what does not fit is cut, always NUL-terminated. The trace
 * is written for every event of a run a user asks to see, so these are
 * plain copies, not printf. */
static void put_mem(struct lbuf *b, const char *s, size_t len)
{
	if (b->len + 1 < b->n) {
		size_t room = b->n - 1 - b->len;
		size_t k = len < room ? len : room;
		memcpy(b->p + b->len, s, k);
		b->p[b->len + k] = '\0';
	}
	b->len += len;
}

static void put_s(struct lbuf *b, const char *s)
{
	put_mem(b, s, strlen(s));
}

static void put_c(struct lbuf *b, char c)
{
	put_mem(b, &c, 1);
}

static void put_u(struct lbuf *b, uint64_t v)
{
	char d[20];
	int i = (int)sizeof d;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(b, d + i, sizeof d - (size_t)i);
}

static void put_i(struct lbuf *b, int64_t v)
{
	if (v < 0) {
		put_c(b, '-');
		put_u(b, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u(b, (uint64_t)v);
	}
}

/* " key=" then the value */
static void put_ks(struct lbuf *b, const char *key, const char *v)
{
	put_c(b, ' ');
	put_s(b, key);
	put_c(b, '=');
	put_s(b, v);
}

static void put_ku(struct lbuf *b, const char *key, uint64_t v)
{
	put_c(b, ' ');
	put_s(b, key);
	put_c(b, '=');
	put_u(b, v);
}

static void put_ki(struct lbuf *b, const char *key, int64_t v)
{
	put_c(b, ' ');
	put_s(b, key);
	put_c(b, '=');
	put_i(b, v);
}

static void put_quoted(struct lbuf *b, const char *key, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	put_c(b, ' ');
	put_s(b, key);
	put_mem(b, "=\"", 2);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			put_c(b, '\\');
			put_c(b, (char)c);
		} else if (c < 0x20) {
			char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			put_mem(b, e, 4);
		} else {
			put_c(b, (char)c);
		}
	}
	put_c(b, '"');
}

/* Seconds with nine decimals, as sim_time_fmt writes them. */
static void put_time(struct lbuf *b, const char *key, sim_time_t t)
{
	if (key) {
		put_c(b, ' ');
		put_s(b, key);
		put_c(b, '=');
	}
	uint64_t u = (uint64_t)t;
	if (t < 0) {
		put_c(b, '-');
		u = (uint64_t)0 - u;
	}
	put_u(b, u / 1000000000u);
	char f[10];
	uint64_t ns = u % 1000000000u;
	f[0] = '.';
	for (int i = 9; i >= 1; i--) {
		f[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	put_mem(b, f, sizeof f);
}

static void put_endpoint(struct lbuf *b, uint32_t addr, uint16_t port)
{
	if (addr == 0 && port == 0) {
		put_c(b, '*');
		return;
	}
	for (int sh = 24; sh >= 0; sh -= 8) {
		put_u(b, (addr >> sh) & 255);
		put_c(b, sh ? '.' : ':');
	}
	put_u(b, port);
}

static void put_conn(struct lbuf *b, const struct trace_tuple *t)
{
	put_s(b, " conn=");
	put_endpoint(b, t->laddr, t->lport);
	put_c(b, '>');
	put_endpoint(b, t->raddr, t->rport);
}

static void put_seg(struct lbuf *b, const struct tcp_seg *s)
{
	char fl[40];
	tcp_flags_fmt(s->flags, fl, sizeof fl);
	put_s(b, " src=");
	put_endpoint(b, s->saddr, s->sport);
	put_s(b, " dst=");
	put_endpoint(b, s->daddr, s->dport);
	put_ks(b, "flags", fl);
	put_ku(b, "seq", s->seq);
	put_ku(b, "ack", s->ack);
	put_ku(b, "win", s->wnd);
	put_ku(b, "len", s->len);
	if (s->mss)
		put_ku(b, "mss", s->mss);
	if (s->flags & TCP_URG)
		put_ku(b, "urp", s->up);
}

static const char *const kind_names[TR_KINDS] = {
	[TR_RUN] = "run",     [TR_STATE] = "state",   [TR_SEND] = "send",
	[TR_RECV] = "recv",   [TR_IGNORE] = "ignore", [TR_DROP] = "drop",
	[TR_LINK] = "link",   [TR_TIMER] = "timer",   [TR_APP] = "app",
	[TR_VAR] = "var",     [TR_HOST] = "host",
};

static const char *const timer_ops[] = {"set", "fire", "cancel"};

int trace_format_line(const struct trace *tr, const struct trace_event *ev,
		      char *buf, size_t n)
{
	struct lbuf b = {buf, n, 0};
	if (n)
		buf[0] = '\0';
	put_time(&b, NULL, ev->t);
	put_c(&b, ' ');
	if ((ev->kind == TR_DROP || ev->kind == TR_LINK) && ev->peer >= 0) {
		put_s(&b, trace_host_name(tr, ev->host));
		put_c(&b, '>');
		put_s(&b, trace_host_name(tr, ev->peer));
	} else if (ev->host >= 0) {
		put_s(&b, trace_host_name(tr, ev->host));
	} else {
		put_c(&b, '-');
	}
	put_c(&b, ' ');
	put_s(&b, kind_names[ev->kind]);

	switch (ev->kind) {
	case TR_RUN:
		put_ks(&b, "event", ev->name);
		if (ev->why)
			put_ks(&b, "reason", ev->why);
		if (strcmp(ev->name, "end") == 0) {
			put_ki(&b, "events", ev->v[0]);
			put_ki(&b, "pending", ev->v[1]);
		}
		break;
	case TR_STATE:
		put_conn(&b, &ev->tuple);
		put_ks(&b, "from", tr->state_name(ev->a));
		put_ks(&b, "to", tr->state_name(ev->b));
		break;
	case TR_SEND:
	case TR_RECV:
	case TR_IGNORE:
	case TR_DROP:
		put_ku(&b, "pkt", ev->pkt);
		put_seg(&b, ev->seg);
		if (ev->kind == TR_SEND && (ev->b & TR_SEND_REXMIT))
			put_s(&b, " rexmit=1");
		if (ev->kind == TR_SEND && (ev->b & TR_SEND_INJECTED))
			put_s(&b, " injected=1");
		if (ev->text)
			put_ks(&b, "rule", ev->text);
		break;
	case TR_LINK:
		put_ks(&b, "action", ev->name);
		if (!ev->seg)
			break;
		put_ku(&b, "pkt", ev->pkt);
		if (strcmp(ev->name, "delay") == 0)
			put_time(&b, "by", ev->v[0]);
		else if (strcmp(ev->name, "duplicate") == 0)
			put_ki(&b, "copy", ev->v[0]);
		put_seg(&b, ev->seg);
		if (ev->text)
			put_ks(&b, "rule", ev->text);
		break;
	case TR_HOST:
		put_ks(&b, "event", ev->name);
		break;
	case TR_TIMER:
		put_conn(&b, &ev->tuple);
		put_ks(&b, "timer", ev->name);
		put_ks(&b, "op", timer_ops[ev->a]);
		if (ev->a == TR_TIMER_SET)
			put_time(&b, "at", ev->v[0]);
		break;
	case TR_APP:
		if (ev->conn)
			put_conn(&b, &ev->tuple);
		if (ev->a == TR_APP_EVENT) {
			put_ks(&b, "event", ev->name);
			if (strcmp(ev->name, "data") == 0)
				put_ki(&b, "bytes", ev->v[0]);
			if (ev->text)
				put_ks(&b, "reason", ev->text);
			break;
		}
		put_ks(&b, "call", ev->name);
		if (strcmp(ev->name, "connect") == 0) {
			put_ks(&b, "peer", ev->text ? ev->text
						    : trace_host_name(tr, ev->peer));
			put_ki(&b, "port", ev->v[0]);
		} else if (strcmp(ev->name, "listen") == 0) {
			put_ki(&b, "port", ev->v[0]);
		} else if (strcmp(ev->name, "send") == 0 ||
			   strcmp(ev->name, "inject") == 0) {
			put_ki(&b, "bytes", ev->v[0]);
		}
		if (ev->a == TR_APP_ERROR && ev->text)
			put_quoted(&b, "error", ev->text);
		put_ki(&b, "line", ev->v[1]);
		break;
	case TR_VAR:
		put_conn(&b, &ev->tuple);
		if (strcmp(ev->name, "rto") == 0) {
			put_time(&b, "rto", ev->v[0]);
			put_time(&b, "srtt", ev->v[1]);
			put_time(&b, "rttvar", ev->v[2]);
		} else {
			put_ki(&b, ev->name, ev->v[0]);
			if (strcmp(ev->name, "cwnd") == 0) {
				put_ki(&b, "ssthresh", ev->v[1]);
				put_ki(&b, "flight", ev->v[2]);
			}
		}
		break;
	case TR_KINDS:
		break;
	}
	if (ev->why && ev->kind != TR_RUN)
		put_quoted(&b, "why", ev->why);
	return (int)b.len;
}

static void text_emit(struct trace_sink *s, const struct trace *tr,
		      const struct trace_event *ev)
{
	struct text_sink *t = (struct text_sink *)s;
	char line[1024];
	if (!t->header_done) {
		fprintf(t->f, "# tcpsim trace v%d\n# scenario: %s\n# seed: %llu\n",
			TRACE_FORMAT_VERSION, tr->scenario ? tr->scenario : "-",
			(unsigned long long)tr->seed);
		t->header_done = true;
	}
	int n = trace_format_line(tr, ev, line, sizeof line);
	if (n >= (int)sizeof line) {
		char *big = malloc((size_t)n + 1);
		if (big) {
			trace_format_line(tr, ev, big, (size_t)n + 1);
			fputs(big, t->f);
			free(big);
		}
	} else {
		fputs(line, t->f);
	}
	fputc('\n', t->f);
}

static int text_finish(struct trace_sink *s, const struct trace *tr)
{
	(void)tr;
	struct text_sink *t = (struct text_sink *)s;
	return fflush(t->f) == 0 && !ferror(t->f) ? 0 : -1;
}

static void text_destroy(struct trace_sink *s)
{
	free(s);
}

struct trace_sink *sink_text_new(FILE *f)
{
	struct text_sink *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->base.emit = text_emit;
	t->base.finish = text_finish;
	t->base.destroy = text_destroy;
	t->base.mask = TR_ALL;
	t->f = f;
	return &t->base;
}
