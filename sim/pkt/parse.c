/* parse.c — packetdrill's script grammar (script.h, docs/pkt.md).
 *
 * Three passes over one copy of the text: comments become spaces (the
 * line and column of everything else stay where they were); the
 * preprocessor's conditionals blank the lines they leave out; then the
 * statements are read one by one — a statement ends at the end of its
 * line unless a bracket is still open, a shell command's backquote or a
 * code block's }% is still to come.
 *
 * Everything the script holds lives in one arena, freed at once.
 */
#include "sim/pkt/script.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the arena --------------------------------------------------------- */

struct pkt_arena {
	struct pkt_arena *next;
	size_t used, cap;
	max_align_t data[];
};

static void *arena_alloc(struct pkt_arena **a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
	    sizeof(max_align_t);
	if (!*a || (*a)->used + n > (*a)->cap) {
		size_t cap = n > 65536 ? n : 65536;
		struct pkt_arena *b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = *a;
		b->used = 0;
		b->cap = cap;
		*a = b;
	}
	void *p = (char *)(*a)->data + (*a)->used;
	(*a)->used += n;
	memset(p, 0, n);
	return p;
}

static void arena_free(struct pkt_arena *a)
{
	while (a) {
		struct pkt_arena *n = a->next;
		free(a);
		a = n;
	}
}

/* ---- the parser's state ------------------------------------------------ */

struct ps {
	const char *file;
	char *text;             /* the copy, comments blanked */
	size_t len;
	size_t pos;             /* the next character */
	size_t lc_at;           /* pos_of's cache: line and column there */
	int lc_line, lc_col;
	size_t stmt_end;        /* where the statement being read ends */
	struct pkt_arena *arena;
	char *err;
	size_t errlen;
	bool failed;
	/* growing arrays, copied into the arena at the end */
	struct pkt_event *ev;
	uint32_t nev, capev;
	struct pkt_setting *set;
	uint32_t nset, capset;
};

static void pos_of(struct ps *p, size_t at, int *line, int *col)
{
	/* from the last place asked for, if before: statements come in
	 * order, so the whole script is counted once */
	size_t i = 0;
	int l = 1, c = 1;
	if (p->lc_line && p->lc_at <= at) {
		i = p->lc_at;
		l = p->lc_line;
		c = p->lc_col;
	}
	for (; i < at && i < p->len; i++) {
		if (p->text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	p->lc_at = i;
	p->lc_line = l;
	p->lc_col = c;
	*line = l;
	*col = c;
}

static int fail_at(struct ps *p, size_t at, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = true;
	int line, col;
	pos_of(p, at, &line, &col);
	int n = snprintf(p->err, p->errlen, "%s:%d:%d: ", p->file, line, col);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static char peek(const struct ps *p)
{
	return p->pos < p->stmt_end ? p->text[p->pos] : '\0';
}

static void skip_space(struct ps *p)
{
	while (p->pos < p->stmt_end && isspace((unsigned char)p->text[p->pos]))
		p->pos++;
}

static bool eat(struct ps *p, char c)
{
	skip_space(p);
	if (peek(p) != c)
		return false;
	p->pos++;
	return true;
}

static bool eat_str(struct ps *p, const char *s)
{
	skip_space(p);
	size_t n = strlen(s);
	if (p->pos + n > p->stmt_end || memcmp(p->text + p->pos, s, n) != 0)
		return false;
	p->pos += n;
	return true;
}

static char *dup_range(struct ps *p, size_t from, size_t to)
{
	char *s = arena_alloc(&p->arena, to - from + 1);
	if (!s) {
		fail_at(p, from, "out of memory");
		return NULL;
	}
	memcpy(s, p->text + from, to - from);
	s[to - from] = '\0';
	return s;
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A word: letters, digits, '_'; NULL (no error) if there is none. */
static char *word(struct ps *p)
{
	skip_space(p);
	size_t from = p->pos;
	while (p->pos < p->stmt_end && is_word(p->text[p->pos]))
		p->pos++;
	if (p->pos == from)
		return NULL;
	return dup_range(p, from, p->pos);
}

static bool next_is_word(struct ps *p, const char *w)
{
	skip_space(p);
	size_t n = strlen(w);
	if (p->pos + n > p->stmt_end ||
	    memcmp(p->text + p->pos, w, n) != 0)
		return false;
	return p->pos + n == p->stmt_end || !is_word(p->text[p->pos + n]);
}

/* An unsigned number: decimal, or hexadecimal after 0x. */
static int number(struct ps *p, uint64_t *v, uint64_t max)
{
	skip_space(p);
	size_t at = p->pos;
	uint64_t x = 0;
	int base = 10, digits = 0;
	if (p->pos + 1 < p->stmt_end && p->text[p->pos] == '0' &&
	    (p->text[p->pos + 1] == 'x' || p->text[p->pos + 1] == 'X')) {
		base = 16;
		p->pos += 2;
	}
	for (;;) {
		char c = peek(p);
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && isxdigit((unsigned char)c))
			d = (tolower((unsigned char)c) - 'a') + 10;
		else
			break;
		if (x > (max - (uint64_t)d) / (uint64_t)base)
			return fail_at(p, at, "number too large (at most %llu)",
				       (unsigned long long)max);
		x = x * (uint64_t)base + (uint64_t)d;
		digits++;
		p->pos++;
	}
	if (!digits)
		return fail_at(p, at, "expected a number");
	if (is_word(peek(p)))
		return fail_at(p, p->pos, "unexpected '%c' in a number",
			       peek(p));
	*v = x;
	return 0;
}

static int u32(struct ps *p, uint32_t *v)
{
	uint64_t x;
	if (number(p, &x, UINT32_MAX) < 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* ---- times ------------------------------------------------------------- */

/* Seconds with up to nine decimals, as nanoseconds. */
static int seconds(struct ps *p, sim_time_t *t)
{
	skip_space(p);
	size_t at = p->pos;
	int64_t whole = 0, frac = 0;
	int digits = 0, fdigits = 0;
	while (isdigit((unsigned char)peek(p))) {
		if (whole > (INT64_MAX / SIM_S(1) - 9) / 10)
			return fail_at(p, at, "time too large");
		whole = whole * 10 + (peek(p) - '0');
		digits++;
		p->pos++;
	}
	if (peek(p) == '.' && p->pos + 1 < p->stmt_end &&
	    p->text[p->pos + 1] != '.') {
		p->pos++;
		while (isdigit((unsigned char)peek(p))) {
			if (fdigits < 9) {
				frac = frac * 10 + (peek(p) - '0');
				fdigits++;
			}
			digits++;
			p->pos++;
		}
	}
	if (!digits)
		return fail_at(p, at, "expected a time in seconds");
	for (int i = fdigits; i < 9; i++)
		frac *= 10;
	*t = whole * SIM_S(1) + frac;
	return 0;
}

static int time_spec(struct ps *p, struct pkt_time *t)
{
	skip_space(p);
	if (eat(p, '*')) {
		t->kind = PKT_T_ANY;
		return 0;
	}
	t->kind = eat(p, '+') ? PKT_T_REL : PKT_T_ABS;
	if (seconds(p, &t->t) < 0)
		return -1;
	if (eat_str(p, "...")) {
		t->range = t->blocking = true;
	} else if (eat(p, '~')) {
		t->range = true;
	} else {
		return 0;
	}
	eat(p, '+');
	if (seconds(p, &t->end) < 0)
		return -1;
	return 0;
}

/* ---- segments ---------------------------------------------------------- */

static int flag_bit(char c)
{
	switch (c) {
	case 'S': return PKT_F_SYN;
	case 'F': return PKT_F_FIN;
	case 'R': return PKT_F_RST;
	case 'P': return PKT_F_PSH;
	case '.': return PKT_F_ACK;
	case 'U': return PKT_F_URG;
	case 'E': return PKT_F_ECE;
	case 'W': return PKT_F_CWR;
	default: return 0;
	}
}

/* An option's number, or `...` for any. */
static int opt_value(struct ps *p, uint32_t *v, bool *any)
{
	skip_space(p);
	if (eat_str(p, "...")) {
		*any = true;
		return 0;
	}
	return u32(p, v);
}

static int one_option(struct ps *p, struct pkt_opt *o)
{
	skip_space(p);
	size_t at = p->pos;
	char *w = word(p);
	if (!w)
		return fail_at(p, at, "expected a TCP option");
	if (!strcmp(w, "eol")) {
		o->kind = PKT_OPT_EOL;
	} else if (!strcmp(w, "nop")) {
		o->kind = PKT_OPT_NOP;
	} else if (!strcmp(w, "mss")) {
		o->kind = PKT_OPT_MSS;
		return opt_value(p, &o->a, &o->any_a);
	} else if (!strcmp(w, "wscale")) {
		o->kind = PKT_OPT_WSCALE;
		return opt_value(p, &o->a, &o->any_a);
	} else if (!strcmp(w, "sackOK")) {
		o->kind = PKT_OPT_SACKOK;
	} else if (!strcmp(w, "TS")) {
		o->kind = PKT_OPT_TS;
		if (!next_is_word(p, "val"))
			return fail_at(p, p->pos, "expected 'val' in TS");
		word(p);
		if (opt_value(p, &o->a, &o->any_a) < 0)
			return -1;
		if (!next_is_word(p, "ecr"))
			return fail_at(p, p->pos, "expected 'ecr' in TS");
		word(p);
		return opt_value(p, &o->b, &o->any_b);
	} else if (!strcmp(w, "sack")) {
		o->kind = PKT_OPT_SACK;
		while (isdigit((unsigned char)(skip_space(p), peek(p)))) {
			if (o->nsack == PKT_MAX_SACK)
				return fail_at(p, p->pos, "more than %d SACK "
					       "blocks", PKT_MAX_SACK);
			if (u32(p, &o->sack[o->nsack][0]) < 0)
				return -1;
			if (!eat(p, ':'))
				return fail_at(p, p->pos, "expected ':' in a "
					       "SACK block");
			if (u32(p, &o->sack[o->nsack][1]) < 0)
				return -1;
			o->nsack++;
		}
	} else {
		/* md5 valid, FO, experimental options...: kept as written,
		 * up to the next ',' or '>' */
		o->kind = strncmp(w, "md5", 3) == 0 ? PKT_OPT_MD5
						    : PKT_OPT_OTHER;
		while (p->pos < p->stmt_end && peek(p) != ',' && peek(p) != '>')
			p->pos++;
		o->text = dup_range(p, at, p->pos);
		return o->text ? 0 : -1;
	}
	return 0;
}

#define PKT_MAX_OPTS 40

static int options(struct ps *p, struct pkt_seg *s)
{
	s->has_opts = true;
	if (eat_str(p, "...")) {
		s->opts_any = true;
		if (!eat(p, '>'))
			return fail_at(p, p->pos, "expected '>' after '<...'");
		return 0;
	}
	struct pkt_opt tmp[PKT_MAX_OPTS];
	uint32_t n = 0;
	if (!eat(p, '>')) {
		for (;;) {
			if (n == PKT_MAX_OPTS)
				return fail_at(p, p->pos, "more than %d options",
					       PKT_MAX_OPTS);
			memset(&tmp[n], 0, sizeof tmp[n]);
			if (one_option(p, &tmp[n]) < 0)
				return -1;
			n++;
			if (eat(p, '>'))
				break;
			if (!eat(p, ','))
				return fail_at(p, p->pos, "expected ',' or '>' "
					       "in the options");
		}
	}
	s->nopts = n;
	s->opts = arena_alloc(&p->arena, (n ? n : 1) * sizeof *s->opts);
	if (!s->opts)
		return fail_at(p, p->pos, "out of memory");
	memcpy(s->opts, tmp, n * sizeof *tmp);
	return 0;
}

static int segment(struct ps *p, struct pkt_seg *s)
{
	skip_space(p);
	/* (ttl 64), (hlim 64), (tos 0x2): IP fields asked of the segment;
	 * [noecn], [ect0], [ce]: its ECN codepoint */
	if (peek(p) == '(' || peek(p) == '[') {
		char close = peek(p) == '(' ? ')' : ']';
		size_t from = p->pos;
		while (p->pos < p->stmt_end && peek(p) != close)
			p->pos++;
		if (!eat(p, close))
			return fail_at(p, from, "unclosed '%c' of IP fields",
				       p->text[from]);
		s->ip = dup_range(p, from, p->pos);
		if (!s->ip)
			return -1;
		skip_space(p);
	}
	size_t at = p->pos;
	while (flag_bit(peek(p)) || peek(p) == '.') {
		s->flags |= (uint8_t)flag_bit(peek(p));
		p->pos++;
	}
	if (p->pos == at)
		return fail_at(p, at, "expected the segment's flags (S, F, R, "
			       "P, ., U, E, W)");
	if (is_word(peek(p)))
		return fail_at(p, p->pos, "unknown flag '%c'", peek(p));
	/* start:end(len), or ...(len) for any sequence number */
	skip_space(p);
	if (eat_str(p, "...")) {
		s->seq_any = true;
	} else {
		if (u32(p, &s->start) < 0)
			return -1;
		if (!eat(p, ':'))
			return fail_at(p, p->pos, "expected ':' in start:end");
		if (u32(p, &s->end) < 0)
			return -1;
	}
	if (!eat(p, '('))
		return fail_at(p, p->pos, "expected '(' before the length");
	if (u32(p, &s->len) < 0)
		return -1;
	if (!eat(p, ')'))
		return fail_at(p, p->pos, "expected ')' after the length");
	/* a '!' after the length: the mark of a segment the peer sends
	 * with a bad checksum (or another mark a packetdrill has) */
	if (peek(p) == '!') {
		p->pos++;
		s->mark = "!";
	}
	if (!s->seq_any && s->end - s->start != s->len)
		return fail_at(p, at, "start:end(len) does not add up: %u:%u "
			       "is %u bytes, not %u", s->start, s->end,
			       s->end - s->start, s->len);
	for (;;) {
		skip_space(p);
		if (p->pos >= p->stmt_end)
			return 0;
		if (next_is_word(p, "ack")) {
			word(p);
			s->has_ack = true;
			if (u32(p, &s->ack) < 0)
				return -1;
		} else if (next_is_word(p, "win")) {
			word(p);
			s->has_win = true;
			if (u32(p, &s->win) < 0)
				return -1;
		} else if (next_is_word(p, "urg")) {
			word(p);
			s->has_urg = true;
			if (u32(p, &s->urg) < 0)
				return -1;
		} else if (eat(p, '<')) {
			if (options(p, s) < 0)
				return -1;
		} else if (peek(p) == '/') {
			/* /udp(1 > 9811): the segment encapsulated */
			size_t from = p->pos;
			p->pos = p->stmt_end;
			s->encap = dup_range(p, from, p->pos);
			if (!s->encap)
				return -1;
		} else {
			return fail_at(p, p->pos, "unexpected text in a "
				       "segment");
		}
	}
}

/* The quoted packet of an ICMP message: [start:end(len)], or another
 * kind kept as text. */
static int icmp_echo(struct ps *p, struct pkt_icmp *m)
{
	size_t from = p->pos;
	if (!eat(p, '['))
		return fail_at(p, from, "expected '['");
	skip_space(p);
	if (isdigit((unsigned char)peek(p))) {
		m->has_echo = true;
		if (u32(p, &m->start) < 0)
			return -1;
		if (!eat(p, ':'))
			return fail_at(p, p->pos, "expected ':' in start:end");
		if (u32(p, &m->end) < 0)
			return -1;
		if (!eat(p, '('))
			return fail_at(p, p->pos, "expected '(' before the "
				       "length");
		if (u32(p, &m->len) < 0)
			return -1;
		if (!eat(p, ')'))
			return fail_at(p, p->pos, "expected ')' after the "
				       "length");
		if (!eat(p, ']'))
			return fail_at(p, p->pos, "expected ']' after the "
				       "quoted segment");
		return 0;
	}
	while (p->pos < p->stmt_end && peek(p) != ']')
		p->pos++;
	if (!eat(p, ']'))
		return fail_at(p, from, "unclosed '['");
	m->echo_text = dup_range(p, from, p->pos);
	return m->echo_text ? 0 : -1;
}

/* Whether an ICMP message comes next: `icmp`, or a quoted segment
 * `[N:` before it (IP fields in brackets hold no digits first). */
static bool icmp_next(struct ps *p)
{
	skip_space(p);
	if (next_is_word(p, "icmp"))
		return true;
	if (peek(p) != '[')
		return false;
	size_t q = p->pos + 1;
	while (q < p->stmt_end && p->text[q] == ' ')
		q++;
	if (q < p->stmt_end && isdigit((unsigned char)p->text[q]))
		return true;
	/* [udp (8)] icmp ...: another kind of quoted packet */
	while (q < p->stmt_end && p->text[q] != ']')
		q++;
	size_t save = p->pos;
	p->pos = q + 1;
	bool icmp = q < p->stmt_end && next_is_word(p, "icmp");
	p->pos = save;
	return icmp;
}

static int icmp(struct ps *p, struct pkt_icmp *m)
{
	skip_space(p);
	if (peek(p) == '[' && icmp_echo(p, m) < 0)
		return -1;
	if (!next_is_word(p, "icmp"))
		return fail_at(p, p->pos, "expected 'icmp'");
	word(p);
	size_t at = p->pos;
	m->type = word(p);
	if (!m->type)
		return fail_at(p, at, "expected the ICMP type");
	for (;;) {
		skip_space(p);
		if (p->pos >= p->stmt_end)
			return 0;
		if (peek(p) == '[') {
			if (m->has_echo || m->echo_text)
				return fail_at(p, p->pos, "a second quoted "
					       "packet");
			if (icmp_echo(p, m) < 0)
				return -1;
		} else if (next_is_word(p, "mtu")) {
			word(p);
			m->has_mtu = true;
			if (u32(p, &m->mtu) < 0)
				return -1;
		} else if (!m->code && is_word(peek(p))) {
			m->code = word(p);
			if (!m->code)
				return -1;
		} else {
			return fail_at(p, p->pos, "unexpected text in an "
				       "ICMP message");
		}
	}
}

/* ---- system calls ------------------------------------------------------ */

static int expr(struct ps *p, struct pkt_expr *e, int depth);

/* items separated by ',' up to `close`: into e->sub, e->n */
static int expr_list(struct ps *p, struct pkt_expr *e, char close, int depth)
{
	struct pkt_expr tmp[32];
	uint32_t n = 0;
	if (!eat(p, close)) {
		for (;;) {
			if (n == 32)
				return fail_at(p, p->pos, "more than 32 items");
			memset(&tmp[n], 0, sizeof tmp[n]);
			/* a struct member may be named: name = value */
			const char *field = NULL;
			if (close == '}') {
				size_t save = p->pos;
				field = word(p);
				if (!field || !eat(p, '=')) {
					field = NULL;
					p->pos = save;
				}
			}
			if (expr(p, &tmp[n], depth + 1) < 0)
				return -1;
			tmp[n].field = field;
			n++;
			if (eat(p, close))
				break;
			if (!eat(p, ','))
				return fail_at(p, p->pos, "expected ',' or '%c'",
					       close);
		}
	}
	e->n = n;
	e->sub = arena_alloc(&p->arena, (n ? n : 1) * sizeof *e->sub);
	if (!e->sub)
		return fail_at(p, p->pos, "out of memory");
	memcpy(e->sub, tmp, n * sizeof *tmp);
	return 0;
}

static int primary(struct ps *p, struct pkt_expr *e, int depth)
{
	skip_space(p);
	size_t at = p->pos;
	if (depth > 16)
		return fail_at(p, at, "expression nested too deep");
	char c = peek(p);
	if (eat_str(p, "...")) {
		e->kind = PKT_E_ELLIPSIS;
	} else if (c == '[') {
		p->pos++;
		e->kind = PKT_E_ARRAY;
		return expr_list(p, e, ']', depth);
	} else if (c == '{') {
		p->pos++;
		e->kind = PKT_E_STRUCT;
		return expr_list(p, e, '}', depth);
	} else if (c == '"') {
		p->pos++;
		size_t from = p->pos;
		while (p->pos < p->stmt_end && peek(p) != '"')
			p->pos += peek(p) == '\\' ? 2 : 1;
		if (peek(p) != '"')
			return fail_at(p, at, "unclosed string");
		e->kind = PKT_E_STRING;
		e->name = dup_range(p, from, p->pos);
		p->pos++;
		return e->name ? 0 : -1;
	} else if (c == '-' || isdigit((unsigned char)c)) {
		bool neg = c == '-';
		if (neg)
			p->pos++;
		uint64_t v;
		if (number(p, &v, (uint64_t)INT64_MAX) < 0)
			return -1;
		e->kind = PKT_E_NUM;
		e->num = neg ? -(int64_t)v : (int64_t)v;
	} else if (is_word(c)) {
		e->name = word(p);
		if (!e->name)
			return -1;
		e->kind = PKT_E_NAME;
		if (eat(p, '(')) {
			e->kind = PKT_E_CALL;
			return expr_list(p, e, ')', depth);
		}
	} else {
		return fail_at(p, at, "expected a value");
	}
	return 0;
}

static int expr(struct ps *p, struct pkt_expr *e, int depth)
{
	if (primary(p, e, depth) < 0)
		return -1;
	if (!eat(p, '|'))
		return 0;
	/* a | b | c */
	struct pkt_expr tmp[16];
	uint32_t n = 1;
	tmp[0] = *e;
	do {
		if (n == 16)
			return fail_at(p, p->pos, "more than 16 terms in an or");
		memset(&tmp[n], 0, sizeof tmp[n]);
		if (primary(p, &tmp[n], depth + 1) < 0)
			return -1;
		n++;
	} while (eat(p, '|'));
	memset(e, 0, sizeof *e);
	e->kind = PKT_E_OR;
	e->n = n;
	e->sub = arena_alloc(&p->arena, n * sizeof *e->sub);
	if (!e->sub)
		return fail_at(p, p->pos, "out of memory");
	memcpy(e->sub, tmp, n * sizeof *tmp);
	return 0;
}

/* "(text)" after a value: kept as its note */
static int note(struct ps *p, const char **out)
{
	if (!eat(p, '('))
		return 0;
	size_t from = p->pos;
	int open = 1;
	while (p->pos < p->stmt_end && open) {
		if (peek(p) == '(')
			open++;
		else if (peek(p) == ')')
			open--;
		p->pos++;
	}
	if (open)
		return fail_at(p, from - 1, "unclosed '('");
	*out = dup_range(p, from, p->pos - 1);
	return *out ? 0 : -1;
}

static int syscall(struct ps *p, struct pkt_call *call)
{
	call->name = word(p);
	if (!call->name)
		return fail_at(p, p->pos, "expected an event: <, >, a system "
			       "call, `command` or %%{ code }%%");
	if (!eat(p, '('))
		return fail_at(p, p->pos, "expected '(' after '%s'", call->name);
	struct pkt_expr args = {0};
	if (expr_list(p, &args, ')', 0) < 0)
		return -1;
	call->nargs = args.n;
	call->args = args.sub;
	if (!eat(p, '='))
		return fail_at(p, p->pos, "expected '= result' after the call");
	if (expr(p, &call->ret, 0) < 0)
		return -1;
	skip_space(p);
	if (isupper((unsigned char)peek(p))) {
		call->err = word(p);
		if (!call->err)
			return -1;
		if (note(p, &call->err_text) < 0)
			return -1;
	} else if (note(p, &call->ret.note) < 0) {
		return -1;
	}
	skip_space(p);
	if (p->pos < p->stmt_end)
		return fail_at(p, p->pos, "unexpected text after the call");
	return 0;
}

/* ---- statements -------------------------------------------------------- */

/* Where the statement starting at `from` ends: the end of its line, or
 * later while a bracket is open, a `command` or a %{ block unfinished. */
static size_t statement_end(const struct ps *p, size_t from)
{
	int depth = 0;
	size_t i = from;
	while (i < p->len) {
		char c = p->text[i];
		if (c == '`') {
			const char *q = memchr(p->text + i + 1, '`', p->len - i - 1);
			if (!q)
				return p->len;
			i = (size_t)(q - p->text) + 1;
			continue;
		}
		if (c == '%' && i + 1 < p->len && p->text[i + 1] == '{') {
			size_t j = i + 2;
			while (j + 1 < p->len &&
			       !(p->text[j] == '}' && p->text[j + 1] == '%'))
				j++;
			i = j + 2 <= p->len ? j + 2 : p->len;
			continue;
		}
		if (c == '"') {
			i++;
			while (i < p->len && p->text[i] != '"' &&
			       p->text[i] != '\n')
				i += p->text[i] == '\\' ? 2 : 1;
			i++;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		else if (c == '\n' && depth == 0)
			return i;
		i++;
	}
	return p->len;
}

static struct pkt_event *new_event(struct ps *p, size_t at)
{
	if (p->nev == p->capev) {
		uint32_t cap = p->capev ? 2 * p->capev : 64;
		struct pkt_event *e = realloc(p->ev, cap * sizeof *e);
		if (!e) {
			fail_at(p, at, "out of memory");
			return NULL;
		}
		p->ev = e;
		p->capev = cap;
	}
	struct pkt_event *e = &p->ev[p->nev++];
	memset(e, 0, sizeof *e);
	pos_of(p, at, &e->line, &e->col);
	return e;
}

static int setting(struct ps *p)
{
	size_t at = p->pos;
	p->pos += 2;
	size_t from = p->pos;
	while (p->pos < p->stmt_end &&
	       (is_word(peek(p)) || peek(p) == '-'))
		p->pos++;
	if (p->pos == from)
		return fail_at(p, at, "expected a setting's name after '--'");
	if (p->nset == p->capset) {
		uint32_t cap = p->capset ? 2 * p->capset : 8;
		struct pkt_setting *s = realloc(p->set, cap * sizeof *s);
		if (!s)
			return fail_at(p, at, "out of memory");
		p->set = s;
		p->capset = cap;
	}
	struct pkt_setting *s = &p->set[p->nset++];
	int col;
	pos_of(p, at, &s->line, &col);
	s->name = dup_range(p, from, p->pos);
	if (!s->name)
		return -1;
	if (peek(p) == '=') {
		p->pos++;
		size_t v = p->pos;
		while (p->pos < p->stmt_end && !isspace((unsigned char)peek(p)))
			p->pos++;
		s->value = dup_range(p, v, p->pos);
	} else {
		s->value = dup_range(p, p->pos, p->pos);
	}
	if (!s->value)
		return -1;
	skip_space(p);
	if (p->pos < p->stmt_end)
		return fail_at(p, p->pos, "unexpected text after a setting");
	return 0;
}

static int statement(struct ps *p)
{
	skip_space(p);
	size_t at = p->pos;
	if (eat_str(p, "--")) {
		p->pos = at;
		if (p->nev)
			return fail_at(p, at, "a setting after the first event");
		return setting(p);
	}
	struct pkt_event *e = new_event(p, at);
	if (!e)
		return -1;
	/* a command alone, with no time: as if at +0 */
	if (peek(p) == '`')
		e->time.kind = PKT_T_REL;
	else if (time_spec(p, &e->time) < 0)
		return -1;
	skip_space(p);
	size_t what = p->pos;
	char c = peek(p);
	if (c == '<' || c == '>') {
		p->pos++;
		if (icmp_next(p)) {
			e->kind = PKT_EV_ICMP;
			e->outbound = c == '>';
			return icmp(p, &e->icmp);
		}
		e->kind = c == '<' ? PKT_EV_IN : PKT_EV_OUT;
		return segment(p, &e->seg);
	}
	if (c == '`') {
		const char *q = memchr(p->text + what + 1, '`',
				       p->stmt_end - what - 1);
		if (!q)
			return fail_at(p, what, "unclosed '`'");
		e->kind = PKT_EV_SHELL;
		e->text = dup_range(p, what + 1, (size_t)(q - p->text));
		p->pos = (size_t)(q - p->text) + 1;
	} else if (eat_str(p, "%{")) {
		size_t from = p->pos, j = from;
		while (j + 1 < p->stmt_end &&
		       !(p->text[j] == '}' && p->text[j + 1] == '%'))
			j++;
		if (j + 1 >= p->stmt_end)
			return fail_at(p, what, "unclosed '%%{'");
		e->kind = PKT_EV_CODE;
		e->text = dup_range(p, from, j);
		p->pos = j + 2;
	} else {
		e->kind = PKT_EV_CALL;
		return syscall(p, &e->call);
	}
	if (!e->text)
		return -1;
	skip_space(p);
	if (p->pos < p->stmt_end)
		return fail_at(p, p->pos, "unexpected text after the event");
	return 0;
}

/* ---- comments and the preprocessor ------------------------------------- */

/* Blank comments (keeping newlines) outside `commands`, %{ }% and
 * strings. */
static int strip_comments(struct ps *p)
{
	char *t = p->text;
	size_t i = 0;
	while (i < p->len) {
		if (t[i] == '`') {
			char *q = memchr(t + i + 1, '`', p->len - i - 1);
			i = q ? (size_t)(q - t) + 1 : p->len;
		} else if (t[i] == '%' && i + 1 < p->len && t[i + 1] == '{') {
			size_t j = i + 2;
			while (j + 1 < p->len && !(t[j] == '}' && t[j + 1] == '%'))
				j++;
			i = j + 2;
		} else if (t[i] == '"') {
			i++;
			while (i < p->len && t[i] != '"' && t[i] != '\n')
				i += t[i] == '\\' ? 2 : 1;
			i++;
		} else if (t[i] == '/' && i + 1 < p->len && t[i + 1] == '/') {
			while (i < p->len && t[i] != '\n')
				t[i++] = ' ';
		} else if (t[i] == '/' && i + 1 < p->len && t[i + 1] == '*') {
			size_t at = i;
			t[i++] = ' ';
			t[i++] = ' ';
			while (i + 1 < p->len && !(t[i] == '*' && t[i + 1] == '/')) {
				if (t[i] != '\n')
					t[i] = ' ';
				i++;
			}
			if (i + 1 >= p->len)
				return fail_at(p, at, "unclosed comment");
			t[i++] = ' ';
			t[i++] = ' ';
		} else {
			i++;
		}
	}
	return 0;
}

static bool defined(const char *const *defs, const char *name, size_t n)
{
	for (; defs && *defs; defs++)
		if (strlen(*defs) == n && memcmp(*defs, name, n) == 0)
			return true;
	return false;
}

#define PKT_MAX_NEST 16

/* #ifdef, #ifndef, #else, #endif: the lines left out become blank. */
static int preprocess(struct ps *p, const char *const *defs)
{
	bool live[PKT_MAX_NEST + 1] = {true};
	bool seen_else[PKT_MAX_NEST + 1] = {false};
	int depth = 0;
	size_t i = 0;
	size_t open_at = 0;
	while (i < p->len) {
		size_t eol = i;
		while (eol < p->len && p->text[eol] != '\n')
			eol++;
		size_t j = i;
		while (j < eol && (p->text[j] == ' ' || p->text[j] == '\t'))
			j++;
		if (j < eol && p->text[j] == '#') {
			size_t k = j + 1;
			while (k < eol && isspace((unsigned char)p->text[k]))
				k++;
			size_t w = k;
			while (k < eol && is_word(p->text[k]))
				k++;
			size_t wlen = k - w;
			const char *d = p->text + w;
			while (k < eol && isspace((unsigned char)p->text[k]))
				k++;
			size_t a = k;
			while (k < eol && is_word(p->text[k]))
				k++;
			if ((wlen == 5 && !memcmp(d, "ifdef", 5)) ||
			    (wlen == 6 && !memcmp(d, "ifndef", 6))) {
				if (a == k)
					return fail_at(p, a, "expected a name "
						       "after #%.*s", (int)wlen,
						       d);
				if (depth == PKT_MAX_NEST)
					return fail_at(p, j, "#if nested more "
						       "than %d deep",
						       PKT_MAX_NEST);
				bool def = defined(defs, p->text + a, k - a);
				depth++;
				open_at = j;
				live[depth] = live[depth - 1] &&
					      (wlen == 5 ? def : !def);
				seen_else[depth] = false;
			} else if (wlen == 4 && !memcmp(d, "else", 4)) {
				if (!depth || seen_else[depth])
					return fail_at(p, j, "#else without "
						       "#ifdef");
				seen_else[depth] = true;
				live[depth] = live[depth - 1] && !live[depth];
			} else if (wlen == 5 && !memcmp(d, "endif", 5)) {
				if (!depth)
					return fail_at(p, j, "#endif without "
						       "#ifdef");
				depth--;
			} else {
				return fail_at(p, j, "unsupported: the "
					       "preprocessor directive '#%.*s'",
					       (int)wlen, d);
			}
			memset(p->text + i, ' ', eol - i);
		} else if (!live[depth]) {
			memset(p->text + i, ' ', eol - i);
		}
		i = eol + 1;
	}
	if (depth)
		return fail_at(p, open_at, "#ifdef without #endif");
	return 0;
}

/* ---- the whole script -------------------------------------------------- */

int pkt_parse(const char *file, const char *text, size_t len,
	      const char *const *defs, struct pkt_script *out, char *err,
	      size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct ps p = {.file = file, .err = err, .errlen = errlen};
	if (errlen)
		err[0] = '\0';
	if (len > PKT_MAX_TEXT) {
		snprintf(err, errlen, "%s:1:1: script larger than %u bytes",
			 file, PKT_MAX_TEXT);
		return -1;
	}
	p.text = malloc(len + 1);
	if (!p.text) {
		snprintf(err, errlen, "%s:1:1: out of memory", file);
		return -1;
	}
	memcpy(p.text, text, len);
	p.text[len] = '\0';
	p.len = len;
	for (size_t i = 0; i < len; i++)
		if (p.text[i] == '\0' || p.text[i] == '\r')
			p.text[i] = ' ';
	int rc = strip_comments(&p);
	if (rc == 0)
		rc = preprocess(&p, defs);
	while (rc == 0) {
		while (p.pos < p.len && isspace((unsigned char)p.text[p.pos]))
			p.pos++;
		if (p.pos >= p.len)
			break;
		p.stmt_end = statement_end(&p, p.pos);
		rc = statement(&p);
		p.pos = p.stmt_end;
	}
	if (rc == 0) {
		out->file = file;
		out->nevents = p.nev;
		out->events = arena_alloc(&p.arena,
					  (p.nev ? p.nev : 1) * sizeof *p.ev);
		out->nsettings = p.nset;
		out->settings = arena_alloc(&p.arena, (p.nset ? p.nset : 1) *
							      sizeof *p.set);
		if (!out->events || !out->settings) {
			snprintf(err, errlen, "%s:1:1: out of memory", file);
			rc = -1;
		} else {
			if (p.nev)
				memcpy(out->events, p.ev, p.nev * sizeof *p.ev);
			if (p.nset)
				memcpy(out->settings, p.set,
				       p.nset * sizeof *p.set);
			out->arena = p.arena;
			p.arena = NULL;
		}
	}
	free(p.ev);
	free(p.set);
	free(p.text);
	arena_free(p.arena);
	if (rc < 0)
		memset(out, 0, sizeof *out);
	return rc;
}

void pkt_script_free(struct pkt_script *s)
{
	arena_free(s->arena);
	memset(s, 0, sizeof *s);
}

const char *pkt_setting(const struct pkt_script *s, const char *name)
{
	for (uint32_t i = 0; i < s->nsettings; i++)
		if (!strcmp(s->settings[i].name, name))
			return s->settings[i].value;
	return NULL;
}
