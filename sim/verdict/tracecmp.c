/* tracecmp.c — compare canonical text traces (see tracecmp.h). */
#include "sim/verdict/tracecmp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Every field a trace line can have (docs/trace-format.md): the three
 * positional ones, then the keys. */
static const char *const known_fields[] = {
	"time", "who", "kind",
	"event", "reason", "events", "pending", "conn", "from", "to", "pkt",
	"src", "dst", "flags", "seq", "ack", "win", "len", "mss", "wscale",
	"sackok", "ts", "ecr", "sack", "urp", "ecn",
	"rexmit", "injected", "fwd", "ttl", "waiting", "wait", "rule", "action", "by", "copy", "timer", "op",
	"at", "call", "peer", "port", "bytes", "error", "line", "rto", "srtt",
	"rttvar", "sample", "cwnd", "ssthresh", "flight", "why",
};

static const char *const positional[] = {"time", "who", "kind"};

/* ---- reading -------------------------------------------------------- */

static int split_lines(struct tfile *f)
{
	size_t cap = 0;
	for (size_t i = 0; i < f->size; i++)
		cap += f->buf[i] == '\n';
	cap++;
	f->l = malloc(cap * sizeof *f->l);
	if (!f->l)
		return -1;
	f->n = 0;
	const char *p = f->buf, *end = f->buf + f->size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		f->l[f->n++] = (struct tline){p, (size_t)(e - p), 0};
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int tfile_from_mem(struct tfile *f, const char *text, size_t len)
{
	memset(f, 0, sizeof *f);
	f->buf = malloc(len ? len : 1);
	if (!f->buf)
		return -1;
	memcpy(f->buf, text, len);
	f->size = len;
	if (split_lines(f) < 0) {
		tfile_free(f);
		return -1;
	}
	return 0;
}

int tfile_load(struct tfile *f, const char *path, char *err, size_t n)
{
	memset(f, 0, sizeof *f);
	FILE *in = fopen(path, "rb");
	if (!in) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		len += fread(buf + len, 1, cap - len, in);
		if (len < cap)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int bad = ferror(in);
	fclose(in);
	if (!buf || bad) {
		snprintf(err, n, "%s: %s", path,
			 buf ? "read error" : "out of memory");
		free(buf);
		return -1;
	}
	f->buf = buf;
	f->size = len;
	if (memchr(buf, '\0', len)) {
		snprintf(err, n, "%s: not a text trace (it holds NUL bytes)",
			 path);
		tfile_free(f);
		return -1;
	}
	if (split_lines(f) < 0) {
		snprintf(err, n, "%s: out of memory", path);
		tfile_free(f);
		return -1;
	}
	return 0;
}

void tfile_free(struct tfile *f)
{
	free(f->buf);
	free(f->l);
	memset(f, 0, sizeof *f);
}

/* ---- fields --------------------------------------------------------- */

int tcmp_parse_ignore(struct tcmp_opts *o, char *list, char *err, size_t n)
{
	for (char *save = NULL, *name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (size_t i = 0;
		     i < sizeof known_fields / sizeof *known_fields; i++)
			known |= strcmp(name, known_fields[i]) == 0;
		if (!known) {
			snprintf(err, n,
				 "--ignore: '%s' is not a field of the trace "
				 "(time, who, kind, or a key such as seq, win, "
				 "why; see docs/trace-format.md)",
				 name);
			return -1;
		}
		if (o->nignore == TCMP_MAX_IGNORE) {
			snprintf(err, n, "--ignore: at most %d fields",
				 TCMP_MAX_IGNORE);
			return -1;
		}
		o->ignore[o->nignore++] = name;
	}
	return 0;
}

/* One field of a line: the whole `key=value` (or positional) text and
 * its name. */
struct tok {
	const char *s;
	size_t len;
	const char *key;
	size_t keylen;
	const char *val;
	size_t vallen;
};

struct toker {
	const char *p, *end;
	int index;
};

/* The next field, or false at the end of the line. A quoted value may
 * hold spaces and escaped quotes. */
static bool next_tok(struct toker *k, struct tok *t)
{
	while (k->p < k->end && *k->p == ' ')
		k->p++;
	if (k->p >= k->end)
		return false;
	const char *s = k->p, *q = s;
	if (k->index < 3) {
		while (q < k->end && *q != ' ')
			q++;
		t->key = positional[k->index];
		t->keylen = strlen(t->key);
		t->val = s;
	} else {
		while (q < k->end && *q != '=' && *q != ' ')
			q++;
		t->key = s;
		t->keylen = (size_t)(q - s);
		if (q < k->end && *q == '=')
			q++;
		t->val = q;
		if (q < k->end && *q == '"') {
			for (q++; q < k->end && *q != '"'; q++)
				if (*q == '\\' && q + 1 < k->end)
					q++;
			if (q < k->end)
				q++;
		}
		while (q < k->end && *q != ' ')
			q++;
	}
	t->s = s;
	t->len = (size_t)(q - s);
	t->vallen = (size_t)(q - t->val);
	k->p = q;
	k->index++;
	return true;
}

static bool ignored(const struct tcmp_opts *o, const struct tok *t)
{
	for (size_t i = 0; i < o->nignore; i++)
		if (strlen(o->ignore[i]) == t->keylen &&
		    memcmp(o->ignore[i], t->key, t->keylen) == 0)
			return true;
	return false;
}

static bool is_header(const struct tline *l)
{
	return l->len > 0 && l->s[0] == '#';
}

/* The next field that is compared. */
static bool next_kept(struct toker *k, struct tok *t, const struct tcmp_opts *o)
{
	while (next_tok(k, t))
		if (!ignored(o, t))
			return true;
	return false;
}

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t line_hash(const struct tline *l, const struct tcmp_opts *o)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	if (is_header(l) || o->nignore == 0)
		return fnv(h, l->s, l->len);
	struct toker k = {l->s, l->s + l->len, 0};
	struct tok t;
	while (next_kept(&k, &t, o)) {
		h = fnv(h, t.s, t.len);
		h = fnv(h, " ", 1);
	}
	return h;
}

static bool line_eq(const struct tline *a, const struct tline *b,
		    const struct tcmp_opts *o)
{
	if (a->h != b->h)
		return false;
	if (is_header(a) || is_header(b) || o->nignore == 0)
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	struct toker ka = {a->s, a->s + a->len, 0};
	struct toker kb = {b->s, b->s + b->len, 0};
	struct tok ta, tb;
	for (;;) {
		bool ha = next_kept(&ka, &ta, o), hb = next_kept(&kb, &tb, o);
		if (!ha || !hb)
			return ha == hb;
		if (ta.len != tb.len || memcmp(ta.s, tb.s, ta.len) != 0)
			return false;
	}
}

/* ---- the edit script ------------------------------------------------ */

/* Myers' greedy algorithm on a[0..n) and b[0..m), keeping every round's
 * furthest points so the path can be traced back. Marks the lines of a
 * that go (del) and of b that come (ins). Returns the number of edits,
 * -1 past `cap`, -2 if memory runs out. */
static long myers(const struct tline *a, size_t n, const struct tline *b,
		  size_t m, const struct tcmp_opts *o, size_t cap, bool *del,
		  bool *ins)
{
	long max = (long)(n + m < cap ? n + m : cap);
	/* round d keeps x for k = -d, -d+2, ..., d at index (k + d) / 2,
	 * starting at offset d(d+1)/2 */
	size_t vcap = 1024, used = 0;
	long *v = malloc(vcap * sizeof *v);
	if (!v)
		return -2;
	long d, found = -1;
	for (d = 0; d <= max && found < 0; d++) {
		size_t need = used + (size_t)d + 1;
		if (need > vcap) {
			while (vcap < need)
				vcap *= 2;
			long *nv = realloc(v, vcap * sizeof *nv);
			if (!nv) {
				free(v);
				return -2;
			}
			v = nv;
		}
		long *cur = v + used, *prev = d ? v + used - d : NULL;
		for (long k = -d; k <= d; k += 2) {
			long x;
			if (d == 0)
				x = 0;
			else if (k == -d ||
				 (k != d && prev[(k - 1 + d - 1) / 2] <
						    prev[(k + 1 + d - 1) / 2]))
				x = prev[(k + 1 + d - 1) / 2];
			else
				x = prev[(k - 1 + d - 1) / 2] + 1;
			long y = x - k;
			while (x < (long)n && y < (long)m &&
			       line_eq(&a[x], &b[y], o)) {
				x++;
				y++;
			}
			cur[(k + d) / 2] = x;
			if (x >= (long)n && y >= (long)m)
				found = d;
		}
		used = need;
	}
	if (found < 0) {
		free(v);
		return -1;
	}
	/* Trace back from (n, m). */
	long x = (long)n, y = (long)m;
	size_t off = used - (size_t)found - 1;
	for (long dd = found; dd > 0; dd--) {
		long *prev = v + off - dd;
		long k = x - y;
		bool down = k == -dd ||
			    (k != dd && prev[(k - 1 + dd - 1) / 2] <
						prev[(k + 1 + dd - 1) / 2]);
		long pk = down ? k + 1 : k - 1;
		long px = prev[(pk + dd - 1) / 2], py = px - pk;
		if (down)
			ins[py] = true;
		else
			del[px] = true;
		x = px;
		y = py;
		off -= (size_t)dd;
	}
	free(v);
	return found;
}

int tcmp_compare(struct tfile *a, struct tfile *b, const struct tcmp_opts *o,
		 struct tcmp_result *r)
{
	memset(r, 0, sizeof *r);
	r->identical = a->size == b->size &&
		       memcmp(a->buf, b->buf, a->size) == 0;
	for (size_t i = 0; i < a->n; i++)
		a->l[i].h = line_hash(&a->l[i], o);
	for (size_t i = 0; i < b->n; i++)
		b->l[i].h = line_hash(&b->l[i], o);
	size_t p = 0;
	while (p < a->n && p < b->n && line_eq(&a->l[p], &b->l[p], o))
		p++;
	size_t s = 0;
	while (s < a->n - p && s < b->n - p &&
	       line_eq(&a->l[a->n - 1 - s], &b->l[b->n - 1 - s], o))
		s++;
	r->first_a = r->first_b = p;
	size_t na = a->n - p - s, nb = b->n - p - s;
	if (na == 0 && nb == 0) {
		r->equal = true;
		return 0;
	}
	bool *del = calloc(na + nb + 1, sizeof *del);
	if (!del)
		return -1;
	bool *ins = del + na;
	long e = myers(a->l + p, na, b->l + p, nb, o, TCMP_MAX_EDITS, del,
		       ins);
	if (e == -2) {
		free(del);
		return -1;
	}
	if (e == -1) {
		r->capped = true;
		r->hunks = 1;
		/* Only the first lines are known to differ. */
		r->hunk_a = na ? 1 : 0;
		r->hunk_b = nb ? 1 : 0;
		free(del);
		return 0;
	}
	size_t i = 0, j = 0;
	r->next_a = a->n;
	while (i < na || j < nb) {
		if ((i < na && del[i]) || (j < nb && ins[j])) {
			size_t i0 = i, j0 = j;
			while (i < na && del[i])
				i++;
			while (j < nb && ins[j])
				j++;
			if (r->hunks++ == 0) {
				r->first_a = p + i0;
				r->first_b = p + j0;
				r->hunk_a = i - i0;
				r->hunk_b = j - j0;
			} else if (r->hunks == 2) {
				r->next_a = p + i0;
			}
			r->only_a += i - i0;
			r->only_b += j - j0;
		} else {
			i++;
			j++;
		}
	}
	free(del);
	return 0;
}

/* ---- reporting ------------------------------------------------------ */

static void show_line(FILE *out, char mark, size_t no, const struct tline *l)
{
	fprintf(out, "  %c %6zu  %.*s\n", mark, no + 1, (int)l->len, l->s);
}

/* The value of key in line l, if it has it. */
static bool find_field(const struct tline *l, const struct tok *want,
		       struct tok *t)
{
	struct toker k = {l->s, l->s + l->len, 0};
	while (next_tok(&k, t))
		if (t->keylen == want->keylen &&
		    memcmp(t->key, want->key, t->keylen) == 0)
			return true;
	return false;
}

/* Which fields of two lines of the same kind differ. */
static void show_fields(FILE *out, const struct tline *a,
			const struct tline *b, const char *name_a,
			const char *name_b, const struct tcmp_opts *o)
{
	if (is_header(a) || is_header(b))
		return;
	struct tok t, u;
	struct tok want = {.key = "kind", .keylen = 4};
	if (!find_field(a, &want, &t) || !find_field(b, &want, &u) ||
	    t.len != u.len || memcmp(t.s, u.s, t.len) != 0)
		return;
	bool any = false;
	struct toker k = {a->s, a->s + a->len, 0};
	while (next_kept(&k, &t, o)) {
		bool has = find_field(b, &t, &u);
		if (has && u.len == t.len && memcmp(u.s, t.s, t.len) == 0)
			continue;
		if (!any)
			fputs("  fields that differ:\n", out);
		any = true;
		if (has)
			fprintf(out, "    %.*s: %.*s → %.*s\n", (int)t.keylen,
				t.key, (int)t.vallen, t.val, (int)u.vallen,
				u.val);
		else
			fprintf(out, "    %.*s: only in %s: %.*s\n",
				(int)t.keylen, t.key, name_a, (int)t.vallen,
				t.val);
	}
	k = (struct toker){b->s, b->s + b->len, 0};
	while (next_kept(&k, &u, o)) {
		if (find_field(a, &u, &t))
			continue;
		if (!any)
			fputs("  fields that differ:\n", out);
		any = true;
		fprintf(out, "    %.*s: only in %s: %.*s\n", (int)u.keylen,
			u.key, name_b, (int)u.vallen, u.val);
	}
}

void tcmp_report(FILE *out, const struct tfile *a, const struct tfile *b,
		 const char *name_a, const char *name_b,
		 const struct tcmp_opts *o, const struct tcmp_result *r)
{
	size_t ctx = o->context > 0 ? (size_t)o->context : 0;
	fprintf(out, "  first difference: %s line %zu, %s line %zu\n", name_a,
		r->first_a + 1, name_b, r->first_b + 1);
	size_t from = r->first_a > ctx ? r->first_a - ctx : 0;
	for (size_t i = from; i < r->first_a; i++)
		show_line(out, ' ', i, &a->l[i]);
	/* Long hunks are cut to a few lines per side. */
	size_t lim = 2 * ctx + 1;
	fprintf(out, "  %s:\n", name_a);
	for (size_t i = 0; i < r->hunk_a && i < lim; i++)
		show_line(out, '-', r->first_a + i, &a->l[r->first_a + i]);
	if (r->hunk_a == 0)
		fputs("    (nothing here)\n", out);
	else if (r->hunk_a > lim)
		fprintf(out, "    ... %zu more\n", r->hunk_a - lim);
	fprintf(out, "  %s:\n", name_b);
	for (size_t i = 0; i < r->hunk_b && i < lim; i++)
		show_line(out, '+', r->first_b + i, &b->l[r->first_b + i]);
	if (r->hunk_b == 0)
		fputs("    (nothing here)\n", out);
	else if (r->hunk_b > lim)
		fprintf(out, "    ... %zu more\n", r->hunk_b - lim);
	if (!r->capped) {
		/* the lines after it that both have, up to the next place
		 * that differs */
		size_t after = r->first_a + r->hunk_a;
		for (size_t i = after; i < r->next_a && i < after + ctx; i++)
			show_line(out, ' ', i, &a->l[i]);
	}
	if (r->hunk_a && r->hunk_b)
		show_fields(out, &a->l[r->first_a], &b->l[r->first_b], name_a,
			    name_b, o);
	if (r->capped)
		fprintf(out, "  more than %d lines differ after it\n",
			TCMP_MAX_EDITS);
	else if (r->hunks > 1)
		fprintf(out, "  %zu more difference%s after it; in all %zu "
			     "line%s only in %s, %zu only in %s\n",
			r->hunks - 1, r->hunks == 2 ? "" : "s", r->only_a,
			r->only_a == 1 ? "" : "s", name_a, r->only_b, name_b);
	else
		fputs("  no other difference\n", out);
}

void tcmp_summary(char *buf, size_t n, const struct tcmp_result *r)
{
	if (r->identical)
		snprintf(buf, n, "unchanged");
	else if (r->equal)
		snprintf(buf, n, "changed only in ignored fields");
	else if (r->capped)
		snprintf(buf, n, "changed from line %zu on, in more than %d "
				 "lines",
			 r->first_a + 1, TCMP_MAX_EDITS);
	else
		snprintf(buf, n, "%zu place%s changed from line %zu on: %zu "
				 "line%s removed, %zu added",
			 r->hunks, r->hunks == 1 ? "" : "s", r->first_a + 1,
			 r->only_a, r->only_a == 1 ? "" : "s", r->only_b);
}
