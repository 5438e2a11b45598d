/* sink_text.c — the canonical line-per-event trace.
 *
 * Format (docs/trace-format.md):  TIME WHO KIND key=value ...
 * TIME is seconds with nine decimals; WHO is a host name, "A>B" for a link
 * direction, or "-" for the run itself. Values that may hold spaces are
 * double-quoted. Nothing in it depends on the machine, the build or the
 * wall clock.
 */
#include <stdarg.h>
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

static void put(struct lbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct lbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = b->len < b->n ? b->n - b->len : 0;
	int w = vsnprintf(b->p + (b->len < b->n ? b->len : b->n), room, fmt, ap);
	va_end(ap);
	if (w > 0)
		b->len += (size_t)w;
}

static void put_quoted(struct lbuf *b, const char *key, const char *s)
{
	put(b, " %s=\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			put(b, "\\x%02x", (unsigned)(unsigned char)*s);
		else
			put(b, "%c", *s);
	}
	put(b, "\"");
}

static void put_time(struct lbuf *b, const char *key, sim_time_t t)
{
	char tb[32];
	sim_time_fmt(t, tb, sizeof tb);
	if (key)
		put(b, " %s=%s", key, tb);
	else
		put(b, "%s", tb);
}

static void put_endpoint(struct lbuf *b, uint32_t addr, uint16_t port)
{
	char a[16];
	if (addr == 0 && port == 0) {
		put(b, "*");
		return;
	}
	ip4_fmt(addr, a);
	put(b, "%s:%u", a, (unsigned)port);
}

static void put_conn(struct lbuf *b, const struct trace_tuple *t)
{
	put(b, " conn=");
	put_endpoint(b, t->laddr, t->lport);
	put(b, ">");
	put_endpoint(b, t->raddr, t->rport);
}

static void put_seg(struct lbuf *b, const struct tcp_seg *s)
{
	char fl[40];
	tcp_flags_fmt(s->flags, fl, sizeof fl);
	put(b, " src=");
	put_endpoint(b, s->saddr, s->sport);
	put(b, " dst=");
	put_endpoint(b, s->daddr, s->dport);
	put(b, " flags=%s seq=%u ack=%u win=%u len=%u", fl, s->seq, s->ack,
	    (unsigned)s->wnd, s->len);
	if (s->mss)
		put(b, " mss=%u", (unsigned)s->mss);
	if (s->flags & TCP_URG)
		put(b, " urp=%u", (unsigned)s->up);
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
	if ((ev->kind == TR_DROP || ev->kind == TR_LINK) && ev->peer >= 0)
		put(&b, " %s>%s", trace_host_name(tr, ev->host),
		    trace_host_name(tr, ev->peer));
	else if (ev->host >= 0)
		put(&b, " %s", trace_host_name(tr, ev->host));
	else
		put(&b, " -");
	put(&b, " %s", kind_names[ev->kind]);

	switch (ev->kind) {
	case TR_RUN:
		put(&b, " event=%s", ev->name);
		if (ev->why)
			put(&b, " reason=%s", ev->why);
		if (strcmp(ev->name, "end") == 0)
			put(&b, " events=%lld pending=%lld", (long long)ev->v[0],
			    (long long)ev->v[1]);
		break;
	case TR_STATE:
		put_conn(&b, &ev->tuple);
		put(&b, " from=%s to=%s", tr->state_name(ev->a),
		    tr->state_name(ev->b));
		break;
	case TR_SEND:
	case TR_RECV:
	case TR_IGNORE:
	case TR_DROP:
		put(&b, " pkt=%llu", (unsigned long long)ev->pkt);
		put_seg(&b, ev->seg);
		if (ev->kind == TR_SEND && (ev->b & TR_SEND_REXMIT))
			put(&b, " rexmit=1");
		if (ev->kind == TR_SEND && (ev->b & TR_SEND_INJECTED))
			put(&b, " injected=1");
		if (ev->text)
			put(&b, " rule=%s", ev->text);
		break;
	case TR_LINK:
		put(&b, " action=%s", ev->name);
		if (!ev->seg)
			break;
		put(&b, " pkt=%llu", (unsigned long long)ev->pkt);
		if (strcmp(ev->name, "delay") == 0)
			put_time(&b, "by", ev->v[0]);
		else if (strcmp(ev->name, "duplicate") == 0)
			put(&b, " copy=%lld", (long long)ev->v[0]);
		put_seg(&b, ev->seg);
		if (ev->text)
			put(&b, " rule=%s", ev->text);
		break;
	case TR_HOST:
		put(&b, " event=%s", ev->name);
		break;
	case TR_TIMER:
		put_conn(&b, &ev->tuple);
		put(&b, " timer=%s op=%s", ev->name, timer_ops[ev->a]);
		if (ev->a == TR_TIMER_SET)
			put_time(&b, "at", ev->v[0]);
		break;
	case TR_APP:
		if (ev->conn)
			put_conn(&b, &ev->tuple);
		if (ev->a == TR_APP_EVENT) {
			put(&b, " event=%s", ev->name);
			if (strcmp(ev->name, "data") == 0)
				put(&b, " bytes=%lld", (long long)ev->v[0]);
			if (ev->text)
				put(&b, " reason=%s", ev->text);
			break;
		}
		put(&b, " call=%s", ev->name);
		if (strcmp(ev->name, "connect") == 0) {
			put(&b, " peer=%s port=%lld",
			    ev->text ? ev->text : trace_host_name(tr, ev->peer),
			    (long long)ev->v[0]);
		} else if (strcmp(ev->name, "listen") == 0) {
			put(&b, " port=%lld", (long long)ev->v[0]);
		} else if (strcmp(ev->name, "send") == 0 ||
			   strcmp(ev->name, "inject") == 0) {
			put(&b, " bytes=%lld", (long long)ev->v[0]);
		}
		if (ev->a == TR_APP_ERROR && ev->text)
			put_quoted(&b, "error", ev->text);
		put(&b, " line=%lld", (long long)ev->v[1]);
		break;
	case TR_VAR:
		put_conn(&b, &ev->tuple);
		if (strcmp(ev->name, "rto") == 0) {
			put_time(&b, "rto", ev->v[0]);
			put_time(&b, "srtt", ev->v[1]);
			put_time(&b, "rttvar", ev->v[2]);
		} else {
			put(&b, " %s=%lld", ev->name, (long long)ev->v[0]);
			if (strcmp(ev->name, "cwnd") == 0)
				put(&b, " ssthresh=%lld flight=%lld",
				    (long long)ev->v[1], (long long)ev->v[2]);
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
