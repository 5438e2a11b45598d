/* check_jsonl.c — the JSON Lines trace: every line one valid JSON object
 * (checked by a strict RFC 8259 parser below, not by looking for braces),
 * its header, exact fields of a known event, escaping, and — the promise
 * of docs/trace-format.md — the same events with the same fields, in the
 * same order, as the canonical text trace of the same run. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/builtin.h"
#include "models/segment.h"
#include "sim/out/sinks.h"
#include "suites.h"
#include "sim/out/tracefmt.h"
#include "sim/run/world.h"

/* ---- a strict JSON parser (RFC 8259) -------------------------------- */

enum { JMAX_FIELDS = 48, JMAX_STR = 4096, JMAX_DEPTH = 64 };

/* One member of a top-level object: its key, the raw text of its value,
 * and, for a string, the decoded value. */
struct jfield {
	char key[64];
	char type; /* 's' string, 'n' number, 't' true, 'f' false, 'z' null,
		      '[' array, '{' object */
	const char *raw;
	size_t rawlen;
	char str[JMAX_STR];
};

struct jobj {
	int n;
	struct jfield f[JMAX_FIELDS];
};

struct jp {
	const char *p, *end;
	int depth;
};

static void jws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool jlit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return false;
	j->p += n;
	return true;
}

static int jhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool jhex4(struct jp *j, unsigned *u)
{
	if (j->end - j->p < 4)
		return false;
	*u = 0;
	for (int i = 0; i < 4; i++) {
		int h = jhex(j->p[i]);
		if (h < 0)
			return false;
		*u = *u << 4 | (unsigned)h;
	}
	j->p += 4;
	return true;
}

/* Appends to out (if any), keeping it NUL-terminated; false if full. */
static bool jout(char *out, size_t *len, const char *s, size_t n)
{
	if (!out)
		return true;
	if (*len + n + 1 > JMAX_STR)
		return false;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return true;
}

static size_t utf8_enc(unsigned cp, char *b)
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | cp >> 18);
	b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* One well-formed UTF-8 sequence of 2 to 4 bytes (RFC 3629 §4: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static bool jutf8(struct jp *j, char *out, size_t *len)
{
	const unsigned char *s = (const unsigned char *)j->p;
	size_t left = (size_t)(j->end - j->p);
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t n;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
	} else if (c == 0xE0) {
		n = 2;
		lo = 0xA0;
	} else if (c == 0xED) {
		n = 2;
		hi = 0x9F;
	} else if (c >= 0xE1 && c <= 0xEF) {
		n = 2;
	} else if (c == 0xF0) {
		n = 3;
		lo = 0x90;
	} else if (c >= 0xF1 && c <= 0xF3) {
		n = 3;
	} else if (c == 0xF4) {
		n = 3;
		hi = 0x8F;
	} else {
		return false;
	}
	if (left < n + 1 || s[1] < lo || s[1] > hi)
		return false;
	for (size_t i = 2; i <= n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return false;
	if (!jout(out, len, j->p, n + 1))
		return false;
	j->p += n + 1;
	return true;
}

/* A string at j->p (the opening quote), decoded into out if not NULL. */
static bool jstring(struct jp *j, char *out)
{
	size_t len = 0;
	if (out)
		out[0] = '\0';
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false; /* control characters must be escaped */
		if (c >= 0x80) {
			if (!jutf8(j, out, &len))
				return false;
			continue;
		}
		if (c != '\\') {
			if (!jout(out, &len, j->p, 1))
				return false;
			j->p++;
			continue;
		}
		j->p++;
		if (j->p >= j->end)
			return false;
		char e = *j->p++, d;
		switch (e) {
		case '"': d = '"'; break;
		case '\\': d = '\\'; break;
		case '/': d = '/'; break;
		case 'b': d = '\b'; break;
		case 'f': d = '\f'; break;
		case 'n': d = '\n'; break;
		case 'r': d = '\r'; break;
		case 't': d = '\t'; break;
		case 'u': {
			unsigned u, lo;
			if (!jhex4(j, &u))
				return false;
			if (u >= 0xDC00 && u <= 0xDFFF)
				return false; /* a lone low surrogate */
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (!jlit(j, "\\u") || !jhex4(j, &lo) ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return false;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			}
			char b[4];
			if (!jout(out, &len, b, utf8_enc(u, b)))
				return false;
			continue;
		}
		default:
			return false;
		}
		if (!jout(out, &len, &d, 1))
			return false;
	}
	return false; /* unterminated */
}

static bool jdigits(struct jp *j)
{
	const char *s = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

/* number = [ minus ] int [ frac ] [ exp ]; int = zero / digit1-9 *DIGIT */
static bool jnumber(struct jp *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p >= j->end || *j->p < '1' || *j->p > '9' || !jdigits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jdigits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jdigits(j))
			return false;
	}
	return true;
}

static bool jvalue(struct jp *j, struct jobj *top);

/* An object; with `top`, its members are recorded (keys must differ). */
static bool jobject(struct jp *j, struct jobj *top)
{
	j->p++; /* { */
	jws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		struct jfield *f = NULL;
		char key[JMAX_STR];
		if (!jstring(j, key))
			return false;
		if (top) {
			if (top->n == JMAX_FIELDS || strlen(key) >= sizeof f->key)
				return false;
			for (int i = 0; i < top->n; i++)
				if (strcmp(top->f[i].key, key) == 0)
					return false;
			f = &top->f[top->n++];
			strcpy(f->key, key);
		}
		jws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return false;
		jws(j);
		if (f) {
			f->raw = j->p;
			f->type = *j->p == '"' ? 's'
				  : *j->p == 't' ? 't'
				  : *j->p == 'f' ? 'f'
				  : *j->p == 'n' ? 'z'
				  : *j->p == '[' ? '['
				  : *j->p == '{' ? '{'
						 : 'n';
			if (f->type == 's') {
				if (!jstring(j, f->str))
					return false;
			} else if (!jvalue(j, NULL)) {
				return false;
			}
			f->rawlen = (size_t)(j->p - f->raw);
		} else if (!jvalue(j, NULL)) {
			return false;
		}
		jws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == '}') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
		jws(j);
	}
}

static bool jarray(struct jp *j)
{
	j->p++; /* [ */
	jws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		if (!jvalue(j, NULL))
			return false;
		jws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == ']') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
		jws(j);
	}
}

static bool jvalue(struct jp *j, struct jobj *top)
{
	if (j->p >= j->end)
		return false;
	bool ok;
	switch (*j->p) {
	case '{':
		if (++j->depth > JMAX_DEPTH)
			return false;
		ok = jobject(j, top);
		j->depth--;
		return ok;
	case '[':
		if (++j->depth > JMAX_DEPTH)
			return false;
		ok = jarray(j);
		j->depth--;
		return ok;
	case '"':
		return jstring(j, NULL);
	case 't':
		return jlit(j, "true");
	case 'f':
		return jlit(j, "false");
	case 'n':
		return jlit(j, "null");
	default:
		return jnumber(j);
	}
}

/* True if s[0..len) is exactly one JSON text: a value with optional
 * whitespace around it and nothing else. */
static bool json_valid(const char *s, size_t len)
{
	struct jp j = {s, s + len, 0};
	jws(&j);
	if (!jvalue(&j, NULL))
		return false;
	jws(&j);
	return j.p == j.end;
}

/* True if the line is exactly one JSON object and nothing else (no
 * whitespace either: JSON Lines as tcpsim writes them); its members go
 * to o. */
static bool json_object_line(const char *s, size_t len, struct jobj *o)
{
	struct jp j = {s, s + len, 1};
	o->n = 0;
	if (len == 0 || s[0] != '{' || !jobject(&j, o))
		return false;
	return j.p == j.end;
}

static const struct jfield *jget(const struct jobj *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->f[i].key, key) == 0)
			return &o->f[i];
	return NULL;
}

static bool jraw_is(const struct jfield *f, const char *raw)
{
	return f && strlen(raw) == f->rawlen &&
	       memcmp(f->raw, raw, f->rawlen) == 0;
}

START_TEST(test_validator_accepts_rfc8259_and_rejects_the_rest)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5e10", "-12.25E-3", "1E+2", "\"\"",
		"true", "false", "null", " {\"a\" : [1, {\"b\": null}] } ",
		"\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"",
		"\"\xc2\xa7 \xe2\x80\x94 \xf0\x9f\x98\x80\"", "[\"\x7f\"]",
	};
	static const char *const bad[] = {
		"", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]",
		"[1 2]", "{a:1}", "{'a':1}", "01", "1.", ".5", "1e", "+1",
		"-", "0x10", "NaN", "Infinity", "tru", "nul", "True",
		"\"abc", "\"a\tb\"", "\"a\nb\"", "\"\\x41\"", "\"\\u12\"",
		"\"\\ud83d\"", "\"\\ude00\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xe2\x80\"", "\"\x80\"",
		"{} {}", "{}x", "[] ,", "1 2", "{\"a\":1}\n{\"b\":2}",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(json_valid(good[i], strlen(good[i])),
			      "rejected: %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!json_valid(bad[i], strlen(bad[i])),
			      "accepted: %s", bad[i]);
	/* nesting is bounded, not a stack overflow */
	char deep[2 * JMAX_DEPTH + 10];
	memset(deep, '[', JMAX_DEPTH + 5);
	memset(deep + JMAX_DEPTH + 5, ']', JMAX_DEPTH + 5);
	ck_assert(!json_valid(deep, sizeof deep));

	struct jobj o;
	const char *l = "{\"a\":1,\"b\":\"x\\\"y\",\"c\":[true]}";
	ck_assert(json_object_line(l, strlen(l), &o));
	ck_assert_int_eq(o.n, 3);
	ck_assert_str_eq(o.f[1].str, "x\"y");
	ck_assert(jraw_is(jget(&o, "c"), "[true]"));
	l = "{\"a\":1,\"a\":2}";
	ck_assert(!json_object_line(l, strlen(l), &o)); /* duplicate key */
	l = "[1]";
	ck_assert(!json_object_line(l, strlen(l), &o));
	l = " {}";
	ck_assert(!json_object_line(l, strlen(l), &o));
}
END_TEST

/* ---- running scenarios ------------------------------------------------ */

/* Exercises every kind and most fields: link rules of every action, an
 * outage, an injected URG segment and a blind RST, an application call
 * that fails, a crash and a reboot. */
static const char kitchen[] =
	"name: kitchen\n"
	"seed: 3\n"
	"stop: 10m\n"
	"hosts: {client: {}, server: {}, attacker: {}}\n"
	"links:\n"
	"  - between: [client, server]\n"
	"    delay: 10ms\n"
	"    down: [{at: 3s, for: 500ms}]\n"
	"    rules:\n"
	"      - {name: slow-synack, from: server, flags: \"SYN,ACK\", action: delay, delay: 300ms}\n"
	"      - {name: twin, from: client, flags-exact: SYN, action: duplicate, copies: 2}\n"
	"      - {name: swap, from: client, data: true, nth: 2, action: hold}\n"
	"      - {name: bad-third, from: client, data: true, nth: 3, action: corrupt}\n"
	"      - {name: lost-one, from: client, data: true, nth: 4, action: drop}\n"
	"  - between: [attacker, server]\n"
	"    delay: 5ms\n"
	"apps:\n"
	"  server:\n"
	"    - {at: 0s, listen: 80}\n"
	"    - {on: peer-closed, close: true}\n"
	"    - {at: 20s, crash: true}\n"
	"    - {at: 21s, reboot: true}\n"
	"  client:\n"
	"    - {at: 1ms, connect: \"server:80\"}\n"
	"    - {on: connected, send: 2500}\n"
	"    - {at: 2s, send: 3000}\n"
	"    - {at: 4s, close: true}\n"
	"    - {at: 5s, send: 10}\n"
	"  attacker:\n"
	"    - {at: 1s, inject: {src: \"10.0.0.1:49152\", dst: \"server:80\", flags: RST, seq: rcv.nxt+100}}\n"
	"    - {at: 1500ms, inject: {src: \"attacker:40000\", dst: \"server:81\", flags: \"SYN,URG\", seq: 4242}}\n";

/* Retransmissions, fast retransmit, RTO and cwnd lines. */
static const char lossy[] =
	"name: lossy\n"
	"seed: 7\n"
	"hosts: {client: {}, server: {}}\n"
	"links:\n"
	"  - between: [client, server]\n"
	"    delay: 15ms\n"
	"    loss: 4%\n"
	"    duplicate: 2%\n"
	"    reorder: {probability: 3%, delay: 5ms}\n"
	"apps:\n"
	"  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n"
	"  client: [{at: 1ms, connect: \"server:80\", bulk: 60KB}]\n";

/* Keepalive timers over a long idle gap, a crash, a reset. */
static const char keepalive[] =
	"name: keepalive-crash\n"
	"stop: 3h\n"
	"tcp: {profile: textbook}\n"
	"hosts: {client: {}, server: {}}\n"
	"links: [{between: [client, server], delay: 20ms}]\n"
	"apps:\n"
	"  server: [{at: 0s, listen: 80, options: {keepalive: true, keepcnt: 3}}]\n"
	"  client: [{at: 1ms, connect: \"server:80\"}, {at: 1s, crash: true}]\n";

struct outputs {
	char *text, *jsonl;
	size_t text_len, jsonl_len;
};

/* Run a scenario (YAML text, or NULL for the built-in default) with its
 * text trace and its JSON Lines both in memory. */
static void run_both(const char *yaml, const uint64_t *seed,
		     struct outputs *out)
{
	struct scenario *s;
	struct scn_error e;
	int rc;
	if (yaml) {
		rc = scn_load_string("t.yaml", yaml, strlen(yaml), &s, &e);
	} else {
		const struct builtin_scenario *b = builtin_find(BUILTIN_DEFAULT);
		ck_assert_ptr_nonnull(b);
		rc = scn_load_string(b->name, b->text, b->len, &s, &e);
	}
	ck_assert_msg(rc == 0, "%d:%d: %s", e.line, e.col, e.msg);
	struct world_opts o = {.seed = seed ? *seed : 0, .has_seed = seed != NULL};
	struct world w;
	ck_assert_int_eq(world_build(&w, s, &o), 0);
	memset(out, 0, sizeof *out);
	FILE *tf = open_memstream(&out->text, &out->text_len);
	FILE *jf = open_memstream(&out->jsonl, &out->jsonl_len);
	ck_assert_ptr_nonnull(tf);
	ck_assert_ptr_nonnull(jf);
	struct trace_sink *ts = sink_text_new(tf), *js = sink_jsonl_new(jf);
	ck_assert_ptr_nonnull(ts);
	ck_assert_ptr_nonnull(js);
	ck_assert_int_eq(trace_add_sink(&w.sim.trace, ts), 0);
	ck_assert_int_eq(trace_add_sink(&w.sim.trace, js), 0);
	world_run(&w);
	ck_assert_int_eq(trace_finish(&w.sim.trace), 0);
	trace_fini(&w.sim.trace);
	world_free(&w);
	scn_free(s);
	ck_assert_int_eq(fclose(tf), 0);
	ck_assert_int_eq(fclose(jf), 0);
}

static void outputs_free(struct outputs *out)
{
	free(out->text);
	free(out->jsonl);
}

/* The next line of *p (without its newline), advancing past it; NULL at
 * the end. Every line must end in a newline. */
static const char *next_line(const char **p, size_t *len)
{
	if (**p == '\0')
		return NULL;
	const char *s = *p, *nl = strchr(s, '\n');
	ck_assert_msg(nl != NULL, "last line has no newline: %s", s);
	*len = (size_t)(nl - s);
	*p = nl + 1;
	return s;
}

/* ---- the text trace's fields, parsed back ----------------------------- */

struct tfield {
	char key[64];
	char val[JMAX_STR];
};

struct tline {
	char time[32], who[64], kind[16];
	int n;
	struct tfield f[JMAX_FIELDS];
};

/* Parse "TIME WHO KIND k=v k=\"quoted\" ..." (docs/trace-format.md),
 * undoing the quoting of quoted values. */
static void text_parse(const char *s, size_t len, struct tline *t)
{
	const char *end = s + len;
	memset(t, 0, sizeof *t);
	char *head[3] = {t->time, t->who, t->kind};
	size_t cap[3] = {sizeof t->time, sizeof t->who, sizeof t->kind};
	for (int i = 0; i < 3; i++) {
		size_t k = 0;
		while (s < end && *s != ' ') {
			ck_assert_uint_lt(k + 1, cap[i]);
			head[i][k++] = *s++;
		}
		if (s < end)
			s++;
	}
	while (s < end) {
		ck_assert_int_lt(t->n, JMAX_FIELDS);
		struct tfield *f = &t->f[t->n++];
		size_t k = 0;
		while (s < end && *s != '=') {
			ck_assert_uint_lt(k + 1, sizeof f->key);
			f->key[k++] = *s++;
		}
		ck_assert_msg(s < end, "no '=' after %s", f->key);
		s++;
		k = 0;
		if (s < end && *s == '"') {
			for (s++; s < end && *s != '"'; s++) {
				char c = *s;
				if (c == '\\' && s[1] == 'x') {
					c = (char)(jhex(s[2]) << 4 | jhex(s[3]));
					s += 3;
				} else if (c == '\\') {
					c = *++s;
				}
				ck_assert_uint_lt(k + 1, sizeof f->val);
				f->val[k++] = c;
			}
			ck_assert_msg(s < end, "unterminated quote");
			s++;
		} else {
			while (s < end && *s != ' ') {
				ck_assert_uint_lt(k + 1, sizeof f->val);
				f->val[k++] = *s++;
			}
		}
		if (s < end) {
			ck_assert_int_eq(*s, ' ');
			s++;
		}
	}
}

/* "12.000500000" -> nanoseconds, as the raw JSON integer would read. */
static void seconds_to_ns(const char *sec, char *out, size_t n)
{
	const char *dot = strchr(sec, '.');
	ck_assert_ptr_nonnull(dot);
	ck_assert_int_eq((int)strlen(dot + 1), 9);
	long long s = atoll(sec), ns = atoll(dot + 1);
	bool neg = sec[0] == '-';
	snprintf(out, n, "%lld", neg ? s * 1000000000LL - ns
				     : s * 1000000000LL + ns);
}

/* ["SYN","ACK"] -> SYN,ACK and [] -> -, as the text trace spells them. */
static void flags_to_text(const struct jfield *f, char *out, size_t n)
{
	struct jp j = {f->raw, f->raw + f->rawlen, 0};
	size_t len = 0;
	out[0] = '\0';
	j.p++; /* [ */
	while (*j.p != ']') {
		char name[JMAX_STR];
		ck_assert(jstring(&j, name));
		len += (size_t)snprintf(out + len, n - len, "%s%s",
					len ? "," : "", name);
		ck_assert_uint_lt(len, n);
		if (*j.p == ',')
			j.p++;
	}
	if (len == 0)
		snprintf(out, n, "-");
}

/* The JSON object says what the text line says: t_ns, who and kind for
 * TIME WHO KIND, then the text's fields in the text's order — strings
 * equal after unescaping, numbers equal as written, times as integer
 * nanoseconds under KEY_ns, flags as an array, a "1" mark as true — and
 * nothing else but the false marks of a send. */
static void assert_same_event(const char *tl, size_t tlen, const struct jobj *o,
			      int lineno)
{
	static struct tline t; /* large: keep it off the stack */
	char buf[64];
	text_parse(tl, tlen, &t);
	ck_assert_int_ge(o->n, 3);
	ck_assert_str_eq(o->f[0].key, "t_ns");
	ck_assert_int_eq(o->f[0].type, 'n');
	seconds_to_ns(t.time, buf, sizeof buf);
	ck_assert_msg(jraw_is(&o->f[0], buf), "line %d: t_ns %.*s, text %s",
		      lineno, (int)o->f[0].rawlen, o->f[0].raw, t.time);
	ck_assert_str_eq(o->f[1].key, "who");
	ck_assert_int_eq(o->f[1].type, 's');
	ck_assert_str_eq(o->f[1].str, t.who);
	ck_assert_str_eq(o->f[2].key, "kind");
	ck_assert_int_eq(o->f[2].type, 's');
	ck_assert_str_eq(o->f[2].str, t.kind);
	int k = 3;
	for (int i = 0; i < t.n; i++, k++) {
		const struct tfield *tf = &t.f[i];
		/* a mark the text leaves out when it is not set */
		while (k < o->n && o->f[k].type == 'f' &&
		       strcmp(o->f[k].key, tf->key) != 0) {
			ck_assert_str_eq(t.kind, "send");
			ck_assert_msg(strcmp(o->f[k].key, "rexmit") == 0 ||
					      strcmp(o->f[k].key, "injected") == 0,
				      "line %d: unexpected false %s", lineno,
				      o->f[k].key);
			k++;
		}
		ck_assert_msg(k < o->n, "line %d: JSON lacks %s", lineno, tf->key);
		const struct jfield *jf = &o->f[k];
		char want[JMAX_STR];
		snprintf(want, sizeof want, "%s_ns", tf->key);
		if (strcmp(jf->key, want) == 0) {
			ck_assert_int_eq(jf->type, 'n');
			seconds_to_ns(tf->val, buf, sizeof buf);
			ck_assert_msg(jraw_is(jf, buf), "line %d: %s", lineno,
				      jf->key);
			continue;
		}
		ck_assert_msg(strcmp(jf->key, tf->key) == 0,
			      "line %d: JSON has %s where the text has %s",
			      lineno, jf->key, tf->key);
		switch (jf->type) {
		case 's':
			ck_assert_str_eq(jf->str, tf->val);
			break;
		case 'n':
			ck_assert_msg(jraw_is(jf, tf->val), "line %d: %s=%s",
				      lineno, tf->key, tf->val);
			break;
		case 't':
			ck_assert_str_eq(tf->val, "1");
			break;
		case '[':
			ck_assert_str_eq(jf->key, "flags");
			flags_to_text(jf, want, sizeof want);
			ck_assert_str_eq(want, tf->val);
			break;
		default:
			ck_abort_msg("line %d: %s of type %c", lineno, jf->key,
				     jf->type);
		}
	}
	while (k < o->n && o->f[k].type == 'f' &&
	       (strcmp(o->f[k].key, "rexmit") == 0 ||
		strcmp(o->f[k].key, "injected") == 0))
		k++;
	ck_assert_msg(k == o->n, "line %d: JSON has %s, the text has no more",
		      lineno, k < o->n ? o->f[k].key : "");
}

/* Every line of the JSON Lines is one object; the first is the header,
 * the rest match the text trace's lines one to one. Returns the number of
 * events. */
static int assert_jsonl_matches_text(const struct outputs *out)
{
	static struct jobj o; /* large: keep it off the stack */
	const char *jp = out->jsonl, *tp = out->text, *jl, *tl;
	size_t jlen, tlen;
	ck_assert_uint_eq(strlen(out->jsonl), out->jsonl_len); /* no NUL */

	jl = next_line(&jp, &jlen);
	ck_assert_ptr_nonnull(jl);
	ck_assert_msg(json_object_line(jl, jlen, &o), "header: %.*s",
		      (int)jlen, jl);
	ck_assert_int_eq(o.n, 4);
	ck_assert_str_eq(o.f[0].key, "format");
	ck_assert_str_eq(o.f[0].str, "tcpsim-jsonl");
	ck_assert_str_eq(o.f[1].key, "version");
	ck_assert(jraw_is(&o.f[1], "1"));
	ck_assert_str_eq(o.f[2].key, "scenario");
	ck_assert_int_eq(o.f[2].type, 's');
	ck_assert_str_eq(o.f[3].key, "seed");
	ck_assert_int_eq(o.f[3].type, 'n');
	/* the text header says the same */
	char th[JMAX_STR + 64];
	snprintf(th, sizeof th, "# tcpsim trace v1\n# scenario: %s\n# seed: %.*s\n",
		 o.f[2].str, (int)o.f[3].rawlen, o.f[3].raw);
	ck_assert_int_eq(strncmp(out->text, th, strlen(th)), 0);
	tp += strlen(th);

	int events = 0;
	while ((jl = next_line(&jp, &jlen))) {
		events++;
		ck_assert_msg(json_object_line(jl, jlen, &o),
			      "event %d is not one JSON object: %.*s", events,
			      (int)jlen, jl);
		tl = next_line(&tp, &tlen);
		ck_assert_msg(tl != NULL, "the text trace ends before event %d",
			      events);
		assert_same_event(tl, tlen, &o, events);
	}
	ck_assert_msg(next_line(&tp, &tlen) == NULL,
		      "the text trace has more events than %d", events);
	return events;
}

START_TEST(test_every_line_is_an_object_with_the_text_trace_fields)
{
	static const char *const yaml[] = {NULL, kitchen, lossy, keepalive};
	static const char *const kinds[] = {
		"\"kind\":\"run\"",    "\"kind\":\"state\"", "\"kind\":\"send\"",
		"\"kind\":\"recv\"",   "\"kind\":\"ignore\"", "\"kind\":\"drop\"",
		"\"kind\":\"link\"",   "\"kind\":\"timer\"", "\"kind\":\"app\"",
		"\"kind\":\"var\"",    "\"kind\":\"host\"",  "\"rexmit\":true",
		"\"injected\":true",   "\"by_ns\":",         "\"copy\":",
		"\"urp\":",            "\"error\":",         "\"rule\":",
		"\"rto_ns\":",         "\"action\":\"down\"",
	};
	bool seen[sizeof kinds / sizeof kinds[0]] = {false};
	for (size_t i = 0; i < sizeof yaml / sizeof yaml[0]; i++) {
		for (uint64_t seed = 1; seed <= 2; seed++) {
			struct outputs out;
			run_both(yaml[i], seed == 1 ? NULL : &seed, &out);
			int n = assert_jsonl_matches_text(&out);
			ck_assert_int_gt(n, 20);
			for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
				if (strstr(out.jsonl, kinds[k]))
					seen[k] = true;
			outputs_free(&out);
		}
	}
	/* the scenarios above did cover what the comparison compares */
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		ck_assert_msg(seen[k], "no line with %s", kinds[k]);
}
END_TEST

START_TEST(test_header_names_the_scenario_and_seed)
{
	struct outputs out;
	run_both(NULL, NULL, &out);
	const char *p = out.jsonl;
	size_t len;
	const char *l = next_line(&p, &len);
	const char want[] = "{\"format\":\"tcpsim-jsonl\",\"version\":1,"
			    "\"scenario\":\"handshake-and-close\",\"seed\":1}";
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_int_eq(memcmp(l, want, len), 0);
	outputs_free(&out);

	/* a seed beyond 2^53 is written whole */
	uint64_t big = UINT64_C(18446744073709551615);
	run_both(NULL, &big, &out);
	ck_assert_ptr_nonnull(strstr(out.jsonl, ",\"seed\":18446744073709551615}\n"));
	ck_assert_ptr_nonnull(strstr(out.text, "# seed: 18446744073709551615\n"));
	outputs_free(&out);
}
END_TEST

/* The first SYN of handshake-and-close, field for field; its seq is the
 * text trace's for the same pkt. */
START_TEST(test_first_syn_has_exactly_the_text_trace_fields)
{
	struct outputs out;
	run_both(NULL, NULL, &out);
	const char *t = strstr(out.text, " client send pkt=1 ");
	ck_assert_ptr_nonnull(t);
	const char *sq = strstr(t, " seq=");
	ck_assert_ptr_nonnull(sq);
	unsigned long seq = strtoul(sq + 5, NULL, 10);
	ck_assert_uint_gt(seq, 0);

	const char *p = strstr(out.jsonl, "\"kind\":\"send\"");
	ck_assert_ptr_nonnull(p);
	while (p > out.jsonl && p[-1] != '\n')
		p--;
	size_t len;
	const char *l = next_line(&p, &len);
	char want[1024];
	snprintf(want, sizeof want,
		 "{\"t_ns\":1000000,\"who\":\"client\",\"kind\":\"send\","
		 "\"pkt\":1,\"src\":\"10.0.0.1:49152\",\"dst\":\"10.0.0.2:80\","
		 "\"flags\":[\"SYN\"],\"seq\":%lu,\"ack\":0,\"win\":65535,"
		 "\"len\":0,\"mss\":1460,\"rexmit\":false,\"injected\":false,"
		 "\"why\":\"RFC 9293 \xc2\xa7" "3.10.1: OPEN (active) "
		 "\xe2\x80\x94 send SYN\"}",
		 seq);
	ck_assert_msg(len == strlen(want) && memcmp(l, want, len) == 0,
		      "got  %.*s\nwant %s", (int)len, l, want);

	static struct jobj o;
	ck_assert(json_object_line(l, len, &o));
	static const char *const keys[] = {
		"t_ns", "who", "kind", "pkt", "src", "dst", "flags", "seq",
		"ack", "win", "len", "mss", "rexmit", "injected", "why"};
	ck_assert_int_eq(o.n, (int)(sizeof keys / sizeof keys[0]));
	for (int i = 0; i < o.n; i++)
		ck_assert_str_eq(o.f[i].key, keys[i]);
	ck_assert_int_eq(jget(&o, "pkt")->type, 'n');
	ck_assert_int_eq(jget(&o, "seq")->type, 'n');
	ck_assert_int_eq(jget(&o, "rexmit")->type, 'f');
	ck_assert_str_eq(jget(&o, "why")->str,
			 "RFC 9293 \xc2\xa7" "3.10.1: OPEN (active) \xe2\x80\x94 send SYN");
	outputs_free(&out);
}
END_TEST

static const char *const names[] = {"client", "server"};
static const uint32_t addrs[] = {0x0a000001, 0x0a000002};

static const char *state_name(int s)
{
	(void)s;
	return "ESTABLISHED";
}

START_TEST(test_strings_are_escaped_and_utf8_passes_through)
{
	const char *nasty = "say \"hi\" \\ tab\there nl\nbell\x07 del\x7f "
			    "\xc2\xa7 \xe2\x80\x94";
	struct trace tr;
	trace_init(&tr);
	tr.scenario = nasty;
	tr.seed = 5;
	tr.nhosts = 2;
	tr.host_names = names;
	tr.host_addrs = addrs;
	tr.state_name = state_name;
	struct trace_event ev = {
		.t = 1500000001, .kind = TR_APP, .host = 0, .peer = 1,
		.conn = 1, .tuple = {0x0a000001, 0x0a000002, 49152, 80},
		.a = TR_APP_ERROR, .name = "send", .v = {10, 35},
		.text = nasty,
	};
	char buf[1024];
	int n = tracefmt_event(&tr, &ev, TRACEFMT_JSON, buf, sizeof buf);
	const char *want =
		"{\"t_ns\":1500000001,\"who\":\"client\",\"kind\":\"app\","
		"\"conn\":\"10.0.0.1:49152>10.0.0.2:80\",\"call\":\"send\","
		"\"bytes\":10,\"error\":\"say \\\"hi\\\" \\\\ tab\\u0009here "
		"nl\\u000abell\\u0007 del\x7f \xc2\xa7 \xe2\x80\x94\",\"line\":35}";
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(n, (int)strlen(want));
	static struct jobj o;
	ck_assert(json_object_line(buf, (size_t)n, &o));
	ck_assert_str_eq(jget(&o, "error")->str, nasty); /* round trip */

	/* the text trace's own quoting is unchanged by the sharing */
	n = tracefmt_event(&tr, &ev, TRACEFMT_TEXT, buf, sizeof buf);
	ck_assert_str_eq(buf, "1.500000001 client app "
			      "conn=10.0.0.1:49152>10.0.0.2:80 call=send bytes=10 "
			      "error=\"say \\\"hi\\\" \\\\ tab\\x09here nl\\x0abell"
			      "\\x07 del\x7f \xc2\xa7 \xe2\x80\x94\" line=35");
	ck_assert_int_eq(n, (int)strlen(buf));

	n = tracefmt_json_header(&tr, buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"format\":\"tcpsim-jsonl\",\"version\":1,"
			      "\"scenario\":\"say \\\"hi\\\" \\\\ tab\\u0009here "
			      "nl\\u000abell\\u0007 del\x7f \xc2\xa7 \xe2\x80\x94\","
			      "\"seed\":5}");
	ck_assert(json_object_line(buf, (size_t)n, &o));
	ck_assert_str_eq(jget(&o, "scenario")->str, nasty);

	/* a cut buffer: snprintf's contract, always terminated */
	char small[16];
	n = tracefmt_event(&tr, &ev, TRACEFMT_JSON, small, sizeof small);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_str_eq(small, "{\"t_ns\":1500000");
}
END_TEST

/* No control bit: "-" in text, an empty array in JSON. */
START_TEST(test_segment_without_flags_has_an_empty_array)
{
	struct trace tr;
	trace_init(&tr);
	tr.nhosts = 2;
	tr.host_names = names;
	tr.host_addrs = addrs;
	tr.state_name = state_name;
	struct tcp_seg seg = {.saddr = 0x0a000001, .daddr = 0x0a000002,
			      .sport = 1, .dport = 2, .seq = 7, .wnd = 9};
	struct trace_event ev = {.t = 3, .kind = TR_DROP, .host = 0,
				 .peer = 1, .pkt = 4, .seg = &seg,
				 .why = "random loss"};
	char buf[512];
	tracefmt_event(&tr, &ev, TRACEFMT_JSON, buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"t_ns\":3,\"who\":\"client>server\","
			      "\"kind\":\"drop\",\"pkt\":4,\"src\":\"10.0.0.1:1\","
			      "\"dst\":\"10.0.0.2:2\",\"flags\":[],\"seq\":7,"
			      "\"ack\":0,\"win\":9,\"len\":0,"
			      "\"why\":\"random loss\"}");
	tracefmt_event(&tr, &ev, TRACEFMT_TEXT, buf, sizeof buf);
	ck_assert_str_eq(buf, "0.000000003 client>server drop pkt=4 "
			      "src=10.0.0.1:1 dst=10.0.0.2:2 flags=- seq=7 ack=0 "
			      "win=9 len=0 why=\"random loss\"");
}
END_TEST

START_TEST(test_scenario_name_with_quotes_reaches_the_header_escaped)
{
	struct outputs out;
	run_both("name: \"a \\\"quoted\\\" \\\\ name\"\n"
		 "hosts: {a: {}, b: {}}\n"
		 "links: [{between: [a, b], delay: 1ms}]\n"
		 "apps: {b: [{at: 0s, listen: 9}], a: [{at: 0s, connect: b:9}]}\n",
		 NULL, &out);
	const char *p = out.jsonl;
	size_t len;
	const char *l = next_line(&p, &len);
	static struct jobj o;
	ck_assert(json_object_line(l, len, &o));
	ck_assert_str_eq(jget(&o, "scenario")->str, "a \"quoted\" \\ name");
	ck_assert_ptr_nonnull(strstr(l, "\"scenario\":\"a \\\"quoted\\\" \\\\ name\""));
	outputs_free(&out);
}
END_TEST

START_TEST(test_two_runs_are_byte_identical)
{
	struct outputs a, b;
	run_both(kitchen, NULL, &a);
	run_both(kitchen, NULL, &b);
	ck_assert_uint_eq(a.jsonl_len, b.jsonl_len);
	ck_assert_int_eq(memcmp(a.jsonl, b.jsonl, a.jsonl_len), 0);
	outputs_free(&a);
	outputs_free(&b);
}
END_TEST

/* A line longer than the sink's stack buffer is still written whole. */
START_TEST(test_a_line_longer_than_the_buffer_is_written_whole)
{
	char why[3000];
	memset(why, 'w', sizeof why - 1);
	why[sizeof why - 1] = '\0';
	struct trace tr;
	trace_init(&tr);
	tr.scenario = "long";
	tr.nhosts = 2;
	tr.host_names = names;
	tr.host_addrs = addrs;
	tr.state_name = state_name;
	struct trace_event ev = {.kind = TR_HOST, .host = 1, .peer = -1,
				 .name = "crash", .why = why};
	for (int style = TRACEFMT_TEXT; style <= TRACEFMT_JSON; style++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		ck_assert_ptr_nonnull(f);
		struct trace_sink *s = style == TRACEFMT_TEXT ? sink_text_new(f)
							      : sink_jsonl_new(f);
		s->emit(s, &tr, &ev);
		ck_assert_int_eq(s->finish(s, &tr), 0);
		s->destroy(s);
		fclose(f);
		const char *l;
		if (style == TRACEFMT_TEXT) {
			l = strstr(buf, "0.000000000 server host");
			ck_assert_ptr_nonnull(l);
		} else {
			static struct jobj o;
			const char *p = buf;
			size_t n;
			next_line(&p, &n); /* header */
			l = next_line(&p, &n);
			ck_assert(json_object_line(l, n, &o));
			ck_assert_uint_eq(strlen(jget(&o, "why")->str), sizeof why - 1);
		}
		ck_assert_ptr_nonnull(strstr(l, why));
		ck_assert_int_eq(buf[len - 1], '\n');
		free(buf);
	}
}
END_TEST

Suite *jsonl_suite(void)
{
	Suite *s = suite_create("jsonl");
	TCase *tc = tcase_create("validator");
	tcase_add_test(tc, test_validator_accepts_rfc8259_and_rejects_the_rest);
	suite_add_tcase(s, tc);
	tc = tcase_create("sink");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_line_is_an_object_with_the_text_trace_fields);
	tcase_add_test(tc, test_header_names_the_scenario_and_seed);
	tcase_add_test(tc, test_first_syn_has_exactly_the_text_trace_fields);
	tcase_add_test(tc, test_strings_are_escaped_and_utf8_passes_through);
	tcase_add_test(tc, test_segment_without_flags_has_an_empty_array);
	tcase_add_test(tc, test_scenario_name_with_quotes_reaches_the_header_escaped);
	tcase_add_test(tc, test_two_runs_are_byte_identical);
	tcase_add_test(tc, test_a_line_longer_than_the_buffer_is_written_whole);
	suite_add_tcase(s, tc);
	return s;
}
