/* tracefmt.c — a trace event's fields, walked once, spelt as text or JSON.
 *
 * walk() is the only place that knows which fields each kind of event has
 * (docs/trace-format.md). It calls a handful of field writers — f_word,
 * f_text, f_u, f_i, f_time, f_bool, f_endpoint, f_conn, f_flags — and each
 * of those switches on the style:
 *
 *   writer    text                    JSON
 *   f_word    " key=value"            ,"key":"value"   (escaped)
 *   f_text    " key=\"va\\\"lue\""    ,"key":"va\"lue" (escaped)
 *   f_u, f_i  " key=42"               ,"key":42
 *   f_time    " key=1.500000000"      ,"key_ns":1500000000
 *   f_bool    " key=1" when true      ,"key":true / false, always
 *   f_flags   " flags=SYN,ACK" ("-")  ,"flags":["SYN","ACK"] ([])
 *   endpoint  10.0.0.1:80 or *        "10.0.0.1:80" or "*"
 *
 * The style is a plain enum tested in each writer rather than a table of
 * function pointers: the test is one predictable branch, and the writers
 * stay small enough to inline, which keeps the text trace — written for
 * every event of a run a user asks to see — as fast as it was when it had
 * its own code. No printf and no allocation per event.
 *
 * tracefmt_sink_new() is the one sink both styles use: a header, then a
 * line per event, into a FILE it does not own.
 *
 * Limits: strings are assumed to be UTF-8 (libyaml checks the scenario's,
 * the rest are the program's own); bytes >= 0x80 pass through unchanged.
 */
#include "sim/out/tracefmt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"

#define TEXT_FORMAT_VERSION 1

struct out {
	char *p;
	size_t n, len;
	enum tracefmt_style style;
};

/* Append len bytes. As with snprintf, len counts everything the line
 * needs, and what does not fit is cut, always NUL-terminated. */
static void put_mem(struct out *o, const char *s, size_t len)
{
	if (o->len + 1 < o->n) {
		size_t room = o->n - 1 - o->len;
		size_t k = len < room ? len : room;
		memcpy(o->p + o->len, s, k);
		o->p[o->len + k] = '\0';
	}
	o->len += len;
}

static void put_s(struct out *o, const char *s)
{
	put_mem(o, s, strlen(s));
}

static void put_c(struct out *o, char c)
{
	put_mem(o, &c, 1);
}

static void put_u(struct out *o, uint64_t v)
{
	char d[20];
	int i = (int)sizeof d;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(o, d + i, sizeof d - (size_t)i);
}

static void put_i(struct out *o, int64_t v)
{
	if (v < 0) {
		put_c(o, '-');
		put_u(o, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u(o, (uint64_t)v);
	}
}

/* s with '"' and '\' escaped by a backslash and control characters as
 * \xNN (text) or \u00NN (JSON, RFC 8259 §7); every other byte, UTF-8
 * included, as it is. Runs of plain bytes go in one copy. */
static void put_escaped(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put_mem(o, run, (size_t)(s - run));
		if (c == '\0')
			return;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put_mem(o, e, 2);
		} else if (o->style == TRACEFMT_TEXT) {
			char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			put_mem(o, e, 4);
		} else {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put_mem(o, e, 6);
		}
		run = s + 1;
	}
}

/* "s", escaped for the style. */
static void put_quoted(struct out *o, const char *s)
{
	put_c(o, '"');
	put_escaped(o, s);
	put_c(o, '"');
}

/* What comes before a value: " key=" or ,"key": — with `suffix` after the
 * key in JSON only (the unit of a time). */
static void key(struct out *o, const char *k, const char *suffix)
{
	if (o->style == TRACEFMT_TEXT) {
		put_c(o, ' ');
		put_s(o, k);
		put_c(o, '=');
		return;
	}
	put_mem(o, ",\"", 2);
	put_escaped(o, k);
	if (suffix)
		put_s(o, suffix);
	put_mem(o, "\":", 2);
}

/* A name or a word: bare in text, unless something in it would make
 * the line read otherwise (a space, a quote, nothing at all). */
static void f_word(struct out *o, const char *k, const char *v)
{
	key(o, k, NULL);
	if (o->style == TRACEFMT_TEXT && *v && !strpbrk(v, " \t\"\\="))
		put_s(o, v);
	else
		put_quoted(o, v);
}

/* Free text (why, error): quoted in both. */
static void f_text(struct out *o, const char *k, const char *v)
{
	key(o, k, NULL);
	put_quoted(o, v);
}

static void f_u(struct out *o, const char *k, uint64_t v)
{
	key(o, k, NULL);
	put_u(o, v);
}

static void f_i(struct out *o, const char *k, int64_t v)
{
	key(o, k, NULL);
	put_i(o, v);
}

/* Seconds with nine decimals, as sim_time_fmt writes them. */
static void put_seconds(struct out *o, sim_time_t t)
{
	uint64_t u = (uint64_t)t;
	if (t < 0) {
		put_c(o, '-');
		u = (uint64_t)0 - u;
	}
	put_u(o, u / 1000000000u);
	char f[10];
	uint64_t ns = u % 1000000000u;
	f[0] = '.';
	for (int i = 9; i >= 1; i--) {
		f[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	put_mem(o, f, sizeof f);
}

/* A time: seconds in text, integer nanoseconds under key_ns in JSON. */
static void f_time(struct out *o, const char *k, sim_time_t t)
{
	key(o, k, "_ns");
	if (o->style == TRACEFMT_TEXT)
		put_seconds(o, t);
	else
		put_i(o, t);
}

/* A mark: in text only when set; in JSON always, true or false. */
static void f_bool(struct out *o, const char *k, bool v)
{
	if (o->style == TRACEFMT_TEXT) {
		if (v) {
			key(o, k, NULL);
			put_c(o, '1');
		}
		return;
	}
	key(o, k, NULL);
	if (v)
		put_mem(o, "true", 4);
	else
		put_mem(o, "false", 5);
}

/* address:port, or * for none; never needs escaping. */
static void put_endpoint(struct out *o, uint32_t addr, uint16_t port)
{
	if (addr == 0 && port == 0) {
		put_c(o, '*');
		return;
	}
	for (int sh = 24; sh >= 0; sh -= 8) {
		put_u(o, (addr >> sh) & 255);
		put_c(o, sh ? '.' : ':');
	}
	put_u(o, port);
}

static void quote_if_json(struct out *o)
{
	if (o->style == TRACEFMT_JSON)
		put_c(o, '"');
}

static void f_endpoint(struct out *o, const char *k, uint32_t addr,
		       uint16_t port)
{
	key(o, k, NULL);
	quote_if_json(o);
	put_endpoint(o, addr, port);
	quote_if_json(o);
}

static void f_conn(struct out *o, const struct trace_tuple *t)
{
	key(o, "conn", NULL);
	quote_if_json(o);
	put_endpoint(o, t->laddr, t->lport);
	put_c(o, '>');
	put_endpoint(o, t->raddr, t->rport);
	quote_if_json(o);
}

/* The control bits in the order tcp_flags_fmt gives them: its comma list
 * in text, an array of the same names in JSON. */
static void f_flags(struct out *o, uint8_t flags)
{
	char fl[40];
	size_t len = tcp_flags_fmt(flags, fl, sizeof fl);
	key(o, "flags", NULL);
	if (o->style == TRACEFMT_TEXT) {
		put_mem(o, fl, len);
		return;
	}
	put_c(o, '[');
	if (flags) {
		put_c(o, '"');
		for (size_t i = 0; i < len; i++) {
			if (fl[i] == ',')
				put_mem(o, "\",\"", 3);
			else
				put_c(o, fl[i]);
		}
		put_c(o, '"');
	}
	put_c(o, ']');
}

/* The SACK blocks, most recent first: " sack=1000-1500,3000-4000" or
 * ,"sack":[[1000,1500],[3000,4000]]. */
static void f_sack(struct out *o, const struct tcp_seg *s)
{
	bool json = o->style != TRACEFMT_TEXT;
	put_s(o, json ? ",\"sack\":[" : " sack=");
	for (uint32_t i = 0; i < s->nsack && i < TCP_MAX_SACK; i++) {
		if (i)
			put_c(o, ',');
		if (json)
			put_c(o, '[');
		put_u(o, s->sack[i].start);
		put_c(o, json ? ',' : '-');
		put_u(o, s->sack[i].end);
		if (json)
			put_c(o, ']');
	}
	if (json)
		put_c(o, ']');
}

static void f_seg(struct out *o, const struct tcp_seg *s)
{
	f_endpoint(o, "src", s->saddr, s->sport);
	f_endpoint(o, "dst", s->daddr, s->dport);
	f_flags(o, s->flags);
	f_u(o, "seq", s->seq);
	f_u(o, "ack", s->ack);
	f_u(o, "win", s->wnd);
	f_u(o, "len", s->len);
	if (s->mss)
		f_u(o, "mss", s->mss);
	if (s->opts & TCP_OPT_WS)
		f_u(o, "wscale", s->wscale);
	if (s->opts & TCP_OPT_SACKOK)
		f_bool(o, "sackok", true);
	if (s->opts & TCP_OPT_TS) {
		f_u(o, "ts", s->tsval);
		f_u(o, "ecr", s->tsecr);
	}
	if (s->nsack)
		f_sack(o, s);
	if (s->flags & TCP_URG)
		f_u(o, "urp", s->up);
	/* the IP header's ECN field, when it is not Not-ECT */
	static const char *const ecn_names[] = {"", "ect1", "ect0", "ce"};
	if (s->ecn & 3)
		f_word(o, "ecn", ecn_names[s->ecn & 3]);
}

static const char *const kind_names[TR_KINDS] = {
	[TR_RUN] = "run",     [TR_STATE] = "state",   [TR_SEND] = "send",
	[TR_RECV] = "recv",   [TR_IGNORE] = "ignore", [TR_DROP] = "drop",
	[TR_LINK] = "link",   [TR_TIMER] = "timer",   [TR_APP] = "app",
	[TR_VAR] = "var",     [TR_HOST] = "host",   [TR_QUEUE] = "queue",
	[TR_TCB] = "tcb",
};

static const char *const timer_ops[] = {"set", "fire", "cancel"};

/* Host names are written as they are in text (the loader allows no space
 * in them) and escaped in JSON. */
static void put_name(struct out *o, const char *s)
{
	if (o->style == TRACEFMT_TEXT)
		put_s(o, s);
	else
		put_escaped(o, s);
}

/* WHO: the host, "A>B" for a link direction, "-" for the run. */
static void put_who(struct out *o, const struct trace *tr,
		    const struct trace_event *ev)
{
	if ((ev->kind == TR_DROP || ev->kind == TR_LINK ||
	     ev->kind == TR_QUEUE) &&
	    ev->peer >= 0) {
		put_name(o, trace_host_name(tr, ev->host));
		put_c(o, '>');
		put_name(o, trace_host_name(tr, ev->peer));
	} else if (ev->host >= 0) {
		put_name(o, trace_host_name(tr, ev->host));
	} else {
		put_c(o, '-');
	}
}

/* TIME WHO KIND, or {"t_ns":N,"who":"WHO","kind":"KIND" */
static void head(struct out *o, const struct trace *tr,
		 const struct trace_event *ev)
{
	if (o->style == TRACEFMT_TEXT) {
		put_seconds(o, ev->t);
		put_c(o, ' ');
		put_who(o, tr, ev);
		put_c(o, ' ');
		put_s(o, kind_names[ev->kind]);
		return;
	}
	put_mem(o, "{\"t_ns\":", 8);
	put_i(o, ev->t);
	put_mem(o, ",\"who\":\"", 8);
	put_who(o, tr, ev);
	put_mem(o, "\",\"kind\":\"", 10);
	put_s(o, kind_names[ev->kind]);
	put_c(o, '"');
}

/* The fields of every kind of event, in order (docs/trace-format.md). */
/* A link action: on a segment, or on the direction itself. */
static void link_fields(struct out *o, const struct trace_event *ev)
{
	f_word(o, "action", ev->name);
	if (!ev->seg)
		return;
	f_u(o, "pkt", ev->pkt);
	if (strcmp(ev->name, "delay") == 0)
		f_time(o, "by", ev->v[0]);
	else if (strcmp(ev->name, "duplicate") == 0)
		f_i(o, "copy", ev->v[0]);
	f_seg(o, ev->seg);
	if (ev->text)
		f_word(o, "rule", ev->text);
}

/* What an application was told, or did (a call, done or refused). */
static void app_fields(struct out *o, const struct trace *tr,
		       const struct trace_event *ev)
{
	if (ev->conn)
		f_conn(o, &ev->tuple);
	if (ev->a == TR_APP_EVENT) {
		f_word(o, "event", ev->name);
		if (strcmp(ev->name, "data") == 0)
			f_i(o, "bytes", ev->v[0]);
		if (ev->text)
			f_word(o, "reason", ev->text);
		return;
	}
	f_word(o, "call", ev->name);
	if (strcmp(ev->name, "connect") == 0) {
		f_word(o, "peer", trace_host_name(tr, ev->peer));
		f_i(o, "port", ev->v[0]);
	} else if (strcmp(ev->name, "listen") == 0) {
		f_i(o, "port", ev->v[0]);
	} else if (strcmp(ev->name, "send") == 0 ||
		   strcmp(ev->name, "inject") == 0) {
		f_i(o, "bytes", ev->v[0]);
	}
	if (ev->a == TR_APP_ERROR && ev->text)
		f_text(o, "error", ev->text);
	f_i(o, "line", ev->v[1]);
}

/* The RFC 6298 variables, or cwnd with ssthresh and the flight size. */
static void var_fields(struct out *o, const struct trace_event *ev)
{
	f_conn(o, &ev->tuple);
	if (strcmp(ev->name, "rto") == 0) {
		f_time(o, "rto", ev->v[0]);
		f_time(o, "srtt", ev->v[1]);
		f_time(o, "rttvar", ev->v[2]);
		if (ev->a == TR_RTO_SAMPLE)
			f_time(o, "sample", ev->v[3]);
		return;
	}
	f_i(o, ev->name, ev->v[0]);
	if (strcmp(ev->name, "cwnd") == 0) {
		f_i(o, "ssthresh", ev->v[1]);
		f_i(o, "flight", ev->v[2]);
	}
}

static void walk(struct out *o, const struct trace *tr,
		 const struct trace_event *ev)
{
	head(o, tr, ev);
	switch (ev->kind) {
	case TR_RUN:
		f_word(o, "event", ev->name);
		if (ev->why)
			f_word(o, "reason", ev->why);
		if (strcmp(ev->name, "end") == 0) {
			f_i(o, "events", ev->v[0]);
			f_i(o, "pending", ev->v[1]);
		}
		break;
	case TR_STATE:
		f_conn(o, &ev->tuple);
		f_word(o, "from", tr->state_name(ev->a));
		f_word(o, "to", tr->state_name(ev->b));
		break;
	case TR_SEND:
	case TR_RECV:
	case TR_IGNORE:
	case TR_DROP:
		f_u(o, "pkt", ev->pkt);
		f_seg(o, ev->seg);
		if (ev->kind == TR_SEND) {
			f_bool(o, "rexmit", ev->b & TR_SEND_REXMIT);
			f_bool(o, "injected", ev->b & TR_SEND_INJECTED);
			if (ev->b & TR_SEND_FORWARDED) {
				f_u(o, "fwd", (uint64_t)ev->v[0]);
				f_i(o, "ttl", ev->v[1]);
			}
		}
		if (ev->text)
			f_word(o, "rule", ev->text);
		break;
	case TR_LINK:
		link_fields(o, ev);
		break;
	case TR_HOST:
		f_word(o, "event", ev->name);
		break;
	case TR_QUEUE:
		f_word(o, "event", ev->name);
		f_u(o, "pkt", ev->pkt);
		f_i(o, "waiting", ev->v[0]);
		f_i(o, "bytes", ev->v[1]);
		if (ev->v[2] >= 0)
			f_time(o, "wait", ev->v[2]);
		break;
	case TR_TIMER:
		f_conn(o, &ev->tuple);
		f_word(o, "timer", ev->name);
		f_word(o, "op", timer_ops[ev->a]);
		if (ev->a == TR_TIMER_SET)
			f_time(o, "at", ev->v[0]);
		break;
	case TR_APP:
		app_fields(o, tr, ev);
		break;
	case TR_VAR:
		var_fields(o, ev);
		break;
	case TR_TCB:
		f_conn(o, &ev->tuple);
		f_word(o, "state", tr->state_name(ev->b));
		f_u(o, "snd.una", (uint64_t)ev->v[0]);
		f_u(o, "snd.nxt", (uint64_t)ev->v[1]);
		f_u(o, "rcv.nxt", (uint64_t)ev->v[2]);
		f_u(o, "snd.wnd", (uint64_t)ev->v[3]);
		f_u(o, "rcv.wnd", (uint64_t)(unsigned)ev->a);
		break;
	case TR_KINDS:
		break;
	}
	if (ev->why && ev->kind != TR_RUN)
		f_text(o, "why", ev->why);
	if (o->style == TRACEFMT_JSON)
		put_c(o, '}');
}

int tracefmt_event(const struct trace *tr, const struct trace_event *ev,
		   enum tracefmt_style style, char *buf, size_t n)
{
	struct out o = {buf, n, 0, style};
	if (n)
		buf[0] = '\0';
	walk(&o, tr, ev);
	return (int)o.len;
}

int tracefmt_json_header(const struct trace *tr, char *buf, size_t n)
{
	struct out o = {buf, n, 0, TRACEFMT_JSON};
	if (n)
		buf[0] = '\0';
	put_s(&o, "{\"format\":\"tcpsim-jsonl\"");
	f_u(&o, "version", TRACEFMT_JSON_VERSION);
	if (tr->scenario)
		f_word(&o, "scenario", tr->scenario);
	else
		put_s(&o, ",\"scenario\":null");
	f_u(&o, "seed", tr->seed);
	put_c(&o, '}');
	return (int)o.len;
}

/* One event as one line of f; 0, or -1 if it could not be written (out
 * of memory for a very long line, or f's error). */
static int write_event(FILE *f, const struct trace *tr,
		       const struct trace_event *ev, enum tracefmt_style style)
{
	/* Room for nearly every line; a longer one (a long rule name or
	 * error) is formatted again into a buffer of its size. */
	char line[1024];
	int n = tracefmt_event(tr, ev, style, line, sizeof line - 1);
	if (n < (int)sizeof line - 1) {
		line[n] = '\n';
		return fwrite(line, 1, (size_t)n + 1, f) == (size_t)n + 1 ? 0 : -1;
	}
	char *big = malloc((size_t)n + 2);
	if (!big)
		return -1; /* no line rather than a cut one */
	tracefmt_event(tr, ev, style, big, (size_t)n + 1);
	big[n] = '\n';
	size_t w = fwrite(big, 1, (size_t)n + 1, f);
	free(big);
	return w == (size_t)n + 1 ? 0 : -1;
}

/* The file's first lines: the text trace's comment header, or the JSON
 * Lines header object. Once per file, so stdio formatting is fine. */
static int write_header(FILE *f, const struct trace *tr,
			enum tracefmt_style style)
{
	if (style == TRACEFMT_TEXT)
		return fprintf(f, "# tcpsim trace v%d\n# scenario: %s\n# seed: %llu\n",
			       TEXT_FORMAT_VERSION,
			       tr->scenario ? tr->scenario : "-",
			       (unsigned long long)tr->seed) < 0 ? -1 : 0;
	/* sized first, so any scenario name fits */
	int n = tracefmt_json_header(tr, NULL, 0);
	char *h = malloc((size_t)n + 2);
	if (!h)
		return -1;
	tracefmt_json_header(tr, h, (size_t)n + 1);
	h[n] = '\n';
	size_t w = fwrite(h, 1, (size_t)n + 1, f);
	free(h);
	return w == (size_t)n + 1 ? 0 : -1;
}

struct line_sink {
	struct trace_sink base;
	FILE *f;
	enum tracefmt_style style;
	bool header_done;
	bool failed; /* a line could not be written */
};

static void line_emit(struct trace_sink *s, const struct trace *tr,
		      const struct trace_event *ev)
{
	struct line_sink *l = (struct line_sink *)s;
	/* The header goes out with the first event: by then the world has
	 * named the scenario and chosen the seed. */
	if (!l->header_done) {
		if (write_header(l->f, tr, l->style) < 0)
			l->failed = true;
		l->header_done = true;
	}
	if (write_event(l->f, tr, ev, l->style) < 0)
		l->failed = true;
}

static int line_finish(struct trace_sink *s, const struct trace *tr)
{
	(void)tr;
	struct line_sink *l = (struct line_sink *)s;
	return fflush(l->f) == 0 && !ferror(l->f) && !l->failed ? 0 : -1;
}

static void line_destroy(struct trace_sink *s)
{
	free(s);
}

struct trace_sink *tracefmt_sink_new(FILE *f, enum tracefmt_style style)
{
	struct line_sink *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->base.emit = line_emit;
	l->base.finish = line_finish;
	l->base.destroy = line_destroy;
	l->base.mask = TR_USUAL;
	l->f = f;
	l->style = style;
	return &l->base;
}
