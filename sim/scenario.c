/* scenario.c — YAML scenario loader (libyaml document API).
 *
 * The whole file is read into memory first, so an error message can quote
 * the offending line. The document is walked section by section; each
 * section lists its keys, and one walker rejects unknown and duplicate keys
 * for all of them. Host names are resolved before anything that refers to
 * them, wherever `hosts` appears in the file. The first error ends the load.
 *
 * Known limits: one YAML document per file; scenario files up to 16 MiB.
 */
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "segment.h"

#define MAX_FILE_SIZE (16u << 20)

struct ld {
	const char *file;
	const char *text;
	size_t len;
	yaml_document_t doc;
	struct scn_error *err;
	struct scenario *s;
	bool hosts_done;
};

/* ---- errors ---------------------------------------------------------- */

static void set_pos_from_index(struct ld *ld, size_t index, int line, int col)
{
	struct scn_error *e = ld->err;
	e->line = line;
	e->col = col;
	e->src[0] = '\0';
	if (!ld->text || index > ld->len)
		return;
	size_t start = index;
	while (start > 0 && ld->text[start - 1] != '\n')
		start--;
	size_t end = start;
	while (end < ld->len && ld->text[end] != '\n' && ld->text[end] != '\r')
		end++;
	size_t n = end - start;
	if (n >= sizeof e->src)
		n = sizeof e->src - 1;
	memcpy(e->src, ld->text + start, n);
	e->src[n] = '\0';
}

static int vfail_at(struct ld *ld, const yaml_mark_t *m, const char *fmt,
		    va_list ap)
{
	struct scn_error *e = ld->err;
	snprintf(e->file, sizeof e->file, "%s", ld->file);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	if (m)
		set_pos_from_index(ld, m->index, (int)m->line + 1,
				   (int)m->column + 1);
	else
		e->line = e->col = 0;
	return -1;
}

static int fail(struct ld *ld, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ld *ld, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail_at(ld, n ? &n->start_mark : NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int scn_error_format(const struct scn_error *e, char *buf, size_t n)
{
	if (e->line <= 0)
		return snprintf(buf, n, "%s: %s\n", e->file, e->msg);
	int len = snprintf(buf, n, "%s:%d:%d: %s\n", e->file, e->line, e->col,
			   e->msg);
	if (!e->src[0] || len < 0 || (size_t)len >= n)
		return len;
	int w = snprintf(buf + len, n - (size_t)len, "%5d | %s\n      | ",
			 e->line, e->src);
	if (w < 0 || (size_t)(len + w) >= n)
		return len;
	len += w;
	/* Walk the line up to the column, one glyph per column, keeping
	 * tabs so the caret lands under the right character. */
	const unsigned char *p = (const unsigned char *)e->src;
	for (int c = 1; c < e->col && *p && (size_t)len + 2 < n; c++) {
		buf[len++] = *p == '\t' ? '\t' : ' ';
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
	}
	if ((size_t)len + 3 <= n) {
		buf[len++] = '^';
		buf[len++] = '\n';
		buf[len] = '\0';
	}
	return len;
}

/* ---- node helpers ----------------------------------------------------- */

static yaml_node_t *node(struct ld *ld, int idx)
{
	return yaml_document_get_node(&ld->doc, idx);
}

static const char *type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* The text of a scalar node, or an error naming what was expected. */
static int scalar(struct ld *ld, yaml_node_t *n, const char *key,
		  const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail(ld, n, "'%s' expects a single value, found %s",
			    key, type_name(n));
	const char *v = (const char *)n->data.scalar.value;
	if (n->data.scalar.length == 0 &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return fail(ld, n, "'%s' has no value", key);
	if (strlen(v) != n->data.scalar.length)
		return fail(ld, n, "'%s' contains a NUL character", key);
	*out = v;
	return 0;
}

/* Optimal-string-alignment distance: insertions, deletions,
 * substitutions and swaps of neighbours each cost one ("mls" is one edit
 * from "msl"). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The closest of `names` to `word`, if close enough to be a typo. */
static const char *suggest(const char *word, const char *const *names,
			   size_t n)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, names[i]);
		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}

typedef int (*key_fn)(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		      void *obj);

/* Index of key node k in keys[], or -1 after reporting it as unknown. */
static int key_index(struct ld *ld, yaml_node_t *k, const char *what,
		     const char *const *keys, size_t nkeys)
{
	if (k->type != YAML_SCALAR_NODE)
		return fail(ld, k, "keys in %s must be plain names, found %s",
			    what, type_name(k));
	const char *name = (const char *)k->data.scalar.value;
	for (size_t i = 0; i < nkeys; i++)
		if (strcmp(keys[i], name) == 0)
			return (int)i;
	const char *hint = suggest(name, keys, nkeys);
	if (hint)
		return fail(ld, k, "unknown key '%s' in %s (did you mean '%s'?)",
			    name, what, hint);
	return fail(ld, k, "unknown key '%s' in %s", name, what);
}

/* Walk a mapping whose keys must come from keys[0..nkeys-1]; call fn with
 * the index of each. Unknown and repeated keys are errors. */
static int walk_map(struct ld *ld, yaml_node_t *map, const char *what,
		    const char *const *keys, size_t nkeys, key_fn fn,
		    void *obj)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail(ld, map, "%s should be a mapping of keys to "
				     "values, found %s",
			    what, type_name(map));
	yaml_node_pair_t *b = map->data.mapping.pairs.start;
	yaml_node_pair_t *e = map->data.mapping.pairs.top;
	for (yaml_node_pair_t *p = b; p < e; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		int i = key_index(ld, k, what, keys, nkeys);
		if (i < 0)
			return -1;
		for (yaml_node_pair_t *q = b; q < p; q++) {
			yaml_node_t *qk = node(ld, q->key);
			if (strcmp((const char *)qk->data.scalar.value,
				   keys[i]) == 0)
				return fail(ld, k, "duplicate key '%s' in %s "
						   "(first at line %zu)",
					    keys[i], what,
					    qk->start_mark.line + 1);
		}
		if (fn(ld, i, k, v, obj) < 0)
			return -1;
	}
	return 0;
}

static yaml_node_t *map_get(struct ld *ld, yaml_node_t *map, const char *key)
{
	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return node(ld, p->value);
	}
	return NULL;
}

/* ---- value parsers ---------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -2;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int get_u64(struct ld *ld, yaml_node_t *n, const char *key,
		   uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	uint64_t x;
	int rc = parse_u64(v, &x);
	if (rc == -2 || (rc == 0 && x > max))
		return fail(ld, n, "'%s' is too large (at most %llu)", key,
			    (unsigned long long)max);
	if (rc < 0)
		return fail(ld, n, "'%s' expects a whole number, found '%s'",
			    key, v);
	if (x < min)
		return fail(ld, n, "'%s' must be at least %llu", key,
			    (unsigned long long)min);
	*out = x;
	return 0;
}

static int get_duration(struct ld *ld, yaml_node_t *n, const char *key,
			sim_time_t *out)
{
	const char *v, *msg;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	if (sim_time_parse(v, out, &msg) < 0)
		return fail(ld, n, "'%s': %s (found '%s')", key, msg, v);
	return 0;
}

int scn_parse_size(const char *s, uint64_t *out, const char **msg)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{"", 1},
		{"B", 1},
		{"KB", 1000},
		{"KiB", 1024},
		{"MB", 1000000},
		{"MiB", 1048576},
		{"GB", 1000000000},
		{"GiB", 1073741824},
	};
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9') {
		*msg = "expected a size such as 1000, 64KiB or 5MB";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10) {
			*msg = "size is too large";
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (v > UINT64_MAX / units[i].mul) {
			*msg = "size is too large";
			return -1;
		}
		*out = v * units[i].mul;
		return 0;
	}
	*msg = "unknown size unit (use B, KB, KiB, MB, MiB, GB or GiB)";
	return -1;
}

int scn_parse_prob(const char *s, uint32_t *ppb, const char **msg)
{
	uint64_t whole = 0, frac = 0;
	int nfrac = 0, ndig = 0;
	const char *p = s;
	if (*p == '-') {
		*msg = "a probability must be between 0 and 1";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		if (whole > 1000) {
			*msg = "a probability must be between 0 and 1";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		ndig++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nfrac < 11) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				nfrac++;
			} else if (*p != '0') {
				*msg = "a probability has at most 9 decimals";
				return -1;
			}
			p++;
			ndig++;
		}
	}
	bool pct = false;
	if (*p == '%') {
		pct = true;
		p++;
	}
	if (ndig == 0 || *p) {
		*msg = "expected a probability such as 0.05 or 5%";
		return -1;
	}
	/* value = (whole + frac/10^nfrac) [/100]; in parts per 1e9. */
	int scale = pct ? 7 : 9; /* decimal digits of a ppb */
	while (nfrac > scale) {
		if (frac % 10) {
			*msg = "a probability has at most 9 decimals";
			return -1;
		}
		frac /= 10;
		nfrac--;
	}
	uint64_t v = whole;
	for (int i = 0; i < scale; i++)
		v *= 10;
	uint64_t f = frac;
	for (int i = nfrac; i < scale; i++)
		f *= 10;
	v += f;
	if (v > RNG_PPB_ONE) {
		*msg = "a probability must be between 0 and 1";
		return -1;
	}
	*ppb = (uint32_t)v;
	return 0;
}

static int get_prob(struct ld *ld, yaml_node_t *n, const char *key,
		    uint32_t *out)
{
	const char *v, *msg;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	if (scn_parse_prob(v, out, &msg) < 0)
		return fail(ld, n, "'%s': %s (found '%s')", key, msg, v);
	return 0;
}

static int get_true(struct ld *ld, yaml_node_t *n, const char *key)
{
	const char *v;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	if (strcmp(v, "true") != 0 && strcmp(v, "yes") != 0)
		return fail(ld, n, "'%s' takes the value true (found '%s')",
			    key, v);
	return 0;
}

static int get_string(struct ld *ld, yaml_node_t *n, const char *key,
		      char **out)
{
	const char *v;
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0) {
		v = "";
	} else if (scalar(ld, n, key, &v) < 0) {
		return -1;
	}
	char *d = strdup(v);
	if (!d)
		return fail(ld, n, "out of memory");
	free(*out);
	*out = d;
	return 0;
}

static int get_port(struct ld *ld, yaml_node_t *n, const char *key,
		    const char *text, uint16_t *out)
{
	uint64_t p;
	if (parse_u64(text, &p) < 0 || p == 0 || p > 65535)
		return fail(ld, n, "'%s': a port is a number from 1 to 65535 "
				   "(found '%s')",
			    key, text);
	*out = (uint16_t)p;
	return 0;
}

static int find_host(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int unknown_host(struct ld *ld, yaml_node_t *n, const char *name)
{
	const char *names[64];
	size_t k = 0;
	for (size_t i = 0; i < ld->s->nhosts && k < 64; i++)
		names[k++] = ld->s->hosts[i].name;
	const char *hint = suggest(name, names, k);
	if (hint)
		return fail(ld, n, "unknown host '%s' (did you mean '%s'?)",
			    name, hint);
	return fail(ld, n, "unknown host '%s' (hosts are declared under "
			   "'hosts')",
		    name);
}

static int get_host_ref(struct ld *ld, yaml_node_t *n, const char *key,
			int *out)
{
	const char *v;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	int h = find_host(ld->s, v);
	if (h < 0)
		return unknown_host(ld, n, v);
	*out = h;
	return 0;
}

/* ---- tcp: ----------------------------------------------------------- */

enum tcp_ftype { FT_DUR, FT_U32, FT_SIZE };

struct tcp_field {
	const char *key;
	enum tcp_ftype type;
	size_t off;
	uint64_t min, max;
};

#define TF(k, t, f, lo, hi) {k, t, offsetof(struct tcp_params, f), lo, hi}
static const struct tcp_field tcp_fields[] = {
	TF("msl", FT_DUR, msl, 0, 0),
	TF("rto-initial", FT_DUR, rto_initial, 1, 0),
	TF("rto-min", FT_DUR, rto_min, 1, 0),
	TF("rto-max", FT_DUR, rto_max, 1, 0),
	TF("mss", FT_U32, mss, 64, 65495),
	TF("sndbuf", FT_SIZE, sndbuf, 1, 1u << 30),
	TF("rcvbuf", FT_SIZE, rcvbuf, 1, 1u << 30),
	TF("iw", FT_U32, iw, 0, 1000),
	TF("syn-retries", FT_U32, syn_retries, 0, 255),
	TF("synack-retries", FT_U32, synack_retries, 0, 255),
	TF("retries", FT_U32, retries, 0, 255),
};
#define NTCP (sizeof tcp_fields / sizeof tcp_fields[0])

static const char *const *tcp_keys(void)
{
	static const char *keys[NTCP];
	for (size_t i = 0; i < NTCP; i++)
		keys[i] = tcp_fields[i].key;
	return keys;
}

static int on_tcp(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		  void *obj)
{
	(void)k;
	struct scn_tcp *t = obj;
	const struct tcp_field *f = &tcp_fields[key];
	char *base = (char *)&t->v + f->off;
	switch (f->type) {
	case FT_DUR: {
		sim_time_t d;
		if (get_duration(ld, v, f->key, &d) < 0)
			return -1;
		if (f->min && d < (sim_time_t)f->min)
			return fail(ld, v, "'%s' must be greater than 0",
				    f->key);
		memcpy(base, &d, sizeof d);
		break;
	}
	case FT_U32: {
		uint64_t x;
		if (get_u64(ld, v, f->key, f->min, f->max, &x) < 0)
			return -1;
		uint32_t y = (uint32_t)x;
		memcpy(base, &y, sizeof y);
		break;
	}
	case FT_SIZE: {
		const char *s, *msg;
		uint64_t x;
		if (scalar(ld, v, f->key, &s) < 0)
			return -1;
		if (scn_parse_size(s, &x, &msg) < 0)
			return fail(ld, v, "'%s': %s (found '%s')", f->key,
				    msg, s);
		if (x < f->min || x > f->max)
			return fail(ld, v, "'%s' must be between %llu and "
					   "%llu bytes",
				    f->key, (unsigned long long)f->min,
				    (unsigned long long)f->max);
		uint32_t y = (uint32_t)x;
		memcpy(base, &y, sizeof y);
		break;
	}
	}
	t->set |= 1u << key;
	return 0;
}

static int load_tcp(struct ld *ld, yaml_node_t *v, struct scn_tcp *t,
		    const char *what)
{
	return walk_map(ld, v, what, tcp_keys(), NTCP, on_tcp, t);
}

static void apply_tcp(struct tcp_params *p, const struct scn_tcp *t)
{
	for (size_t i = 0; i < NTCP; i++) {
		if (!(t->set & (1u << i)))
			continue;
		size_t sz = tcp_fields[i].type == FT_DUR ? sizeof(sim_time_t)
							 : sizeof(uint32_t);
		memcpy((char *)p + tcp_fields[i].off,
		       (const char *)&t->v + tcp_fields[i].off, sz);
	}
}

void scn_host_params(const struct scenario *s, size_t i,
		     struct tcp_params *out)
{
	*out = tcp_params_default;
	apply_tcp(out, &s->tcp);
	if (i < s->nhosts)
		apply_tcp(out, &s->hosts[i].tcp);
}

/* ---- hosts: ---------------------------------------------------------- */

static const char *const host_keys[] = {"addr", "tcp"};

static int on_host(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		   void *obj)
{
	(void)k;
	struct scn_host *h = obj;
	switch (key) {
	case 0: {
		const char *a;
		if (scalar(ld, v, "addr", &a) < 0)
			return -1;
		if (ip4_parse(a, &h->addr) < 0)
			return fail(ld, v, "'addr' expects an IPv4 address "
					   "such as 10.0.0.1 (found '%s')",
				    a);
		if (h->addr == 0 || h->addr == UINT32_MAX)
			return fail(ld, v, "'addr' %s is not a host address",
				    a);
		return 0;
	}
	case 1:
		return load_tcp(ld, v, &h->tcp, "a host's tcp");
	}
	return 0;
}

static bool valid_name(const char *n)
{
	if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z')))
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '.'))
			return false;
	return strlen(n) <= 63;
}

static int load_hosts(struct ld *ld, yaml_node_t *v)
{
	struct scenario *s = ld->s;
	if (v->type != YAML_MAPPING_NODE)
		return fail(ld, v, "'hosts' should map host names to their "
				   "settings, found %s",
			    type_name(v));
	size_t n = (size_t)(v->data.mapping.pairs.top -
			    v->data.mapping.pairs.start);
	if (n == 0)
		return fail(ld, v, "'hosts' is empty: a scenario needs at "
				   "least one host");
	if (n > SCN_MAX_HOSTS)
		return fail(ld, v, "too many hosts (%zu; at most %d)", n,
			    SCN_MAX_HOSTS);
	s->hosts = calloc(n, sizeof *s->hosts);
	if (!s->hosts)
		return fail(ld, v, "out of memory");
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	     p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key), *hv = node(ld, p->value);
		if (k->type != YAML_SCALAR_NODE)
			return fail(ld, k, "a host name must be a plain name, "
					   "found %s",
				    type_name(k));
		const char *name = (const char *)k->data.scalar.value;
		if (!valid_name(name))
			return fail(ld, k, "host name '%s' must start with a "
					   "letter and use only letters, "
					   "digits, '-', '_' and '.' (at most "
					   "63)",
				    name);
		int dup = find_host(s, name);
		if (dup >= 0)
			return fail(ld, k, "duplicate host '%s' (first at "
					   "line %d)",
				    name, s->hosts[dup].line);
		struct scn_host *h = &s->hosts[s->nhosts];
		h->name = strdup(name);
		if (!h->name)
			return fail(ld, k, "out of memory");
		h->line = (int)k->start_mark.line + 1;
		h->col = (int)k->start_mark.column + 1;
		s->nhosts++;
		bool empty = hv->type == YAML_SCALAR_NODE &&
			     hv->data.scalar.length == 0 &&
			     hv->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (!empty && walk_map(ld, hv, "a host", host_keys, 2, on_host,
				       h) < 0)
			return -1;
		if (h->addr == 0)
			h->addr = (UINT32_C(10) << 24) | (uint32_t)s->nhosts;
		for (size_t j = 0; j + 1 < s->nhosts; j++)
			if (s->hosts[j].addr == h->addr) {
				char a[16];
				ip4_fmt(h->addr, a);
				yaml_node_t *at = map_get(ld, hv, "addr");
				return fail(ld, at ? at : k,
					    "address %s of '%s' is already "
					    "used by '%s'",
					    a, name, s->hosts[j].name);
			}
	}
	ld->hosts_done = true;
	return 0;
}

/* ---- links: ---------------------------------------------------------- */

static const char *const link_keys[] = {"between", "delay", "loss"};

static int on_link(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		   void *obj)
{
	(void)k;
	struct scn_link *l = obj;
	switch (key) {
	case 0: {
		if (v->type != YAML_SEQUENCE_NODE ||
		    v->data.sequence.items.top - v->data.sequence.items.start != 2)
			return fail(ld, v, "'between' expects a list of two "
					   "host names, e.g. [client, server]");
		yaml_node_t *a = node(ld, v->data.sequence.items.start[0]);
		yaml_node_t *b = node(ld, v->data.sequence.items.start[1]);
		if (get_host_ref(ld, a, "between", &l->a) < 0 ||
		    get_host_ref(ld, b, "between", &l->b) < 0)
			return -1;
		if (l->a == l->b)
			return fail(ld, b, "a link joins two different hosts; "
					   "'%s' is linked to itself",
				    ld->s->hosts[l->a].name);
		return 0;
	}
	case 1: {
		sim_time_t d;
		if (get_duration(ld, v, "delay", &d) < 0)
			return -1;
		l->dir[0].delay = l->dir[1].delay = d;
		return 0;
	}
	case 2: {
		uint32_t p;
		if (get_prob(ld, v, "loss", &p) < 0)
			return -1;
		l->dir[0].loss_ppb = l->dir[1].loss_ppb = p;
		return 0;
	}
	}
	return 0;
}

static int load_links(struct ld *ld, yaml_node_t *v)
{
	struct scenario *s = ld->s;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(ld, v, "'links' should be a list of links, found "
				   "%s",
			    type_name(v));
	size_t n = (size_t)(v->data.sequence.items.top -
			    v->data.sequence.items.start);
	s->links = calloc(n ? n : 1, sizeof *s->links);
	if (!s->links)
		return fail(ld, v, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *ln = node(ld, v->data.sequence.items.start[i]);
		struct scn_link *l = &s->links[s->nlinks];
		l->a = l->b = -1;
		l->line = (int)ln->start_mark.line + 1;
		l->col = (int)ln->start_mark.column + 1;
		if (walk_map(ld, ln, "a link", link_keys, 3, on_link, l) < 0)
			return -1;
		if (l->a < 0)
			return fail(ld, ln, "a link needs 'between: [A, B]'");
		for (size_t j = 0; j < s->nlinks; j++) {
			const struct scn_link *o = &s->links[j];
			if ((o->a == l->a && o->b == l->b) ||
			    (o->a == l->b && o->b == l->a))
				return fail(ld, ln, "'%s' and '%s' are already "
						    "linked (line %d): one "
						    "link per pair of hosts",
					    s->hosts[l->a].name,
					    s->hosts[l->b].name, o->line);
		}
		s->nlinks++;
	}
	return 0;
}

/* ---- apps: ----------------------------------------------------------- */

enum { AK_AT, AK_ON, AK_BYTES, AK_LISTEN, AK_CONNECT, AK_SEND, AK_CLOSE };
static const char *const action_keys[] = {"at",      "on",   "bytes", "listen",
					  "connect", "send", "close"};

struct action_ld {
	struct app_action *a;
	int host;
	bool has_at, has_on, has_bytes;
	yaml_node_t *op_node;
	const char *op_key;
};

static int set_op(struct ld *ld, struct action_ld *al, yaml_node_t *k,
		  enum app_op op)
{
	if (al->op_node)
		return fail(ld, k, "an action does one thing: it already has "
				   "'%s'",
			    al->op_key);
	al->op_node = k;
	al->op_key = (const char *)k->data.scalar.value;
	al->a->op = op;
	return 0;
}

static int on_action(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		     void *obj)
{
	struct action_ld *al = obj;
	struct app_action *a = al->a;
	switch (key) {
	case AK_AT:
		al->has_at = true;
		return get_duration(ld, v, "at", &a->at);
	case AK_ON: {
		const char *e;
		if (scalar(ld, v, "on", &e) < 0)
			return -1;
		static const char *const evs[] = {"connected", "received",
						  "peer-closed", "closed"};
		for (int i = 0; i < 4; i++)
			if (strcmp(e, evs[i]) == 0) {
				a->on = (enum app_on)(APP_ON_CONNECTED + i);
				al->has_on = true;
				return 0;
			}
		const char *hint = suggest(e, evs, 4);
		return fail(ld, v, "unknown event '%s'%s%s%s (events: "
				   "connected, received, peer-closed, closed)",
			    e, hint ? " (did you mean '" : "",
			    hint ? hint : "", hint ? "'?)" : "");
	}
	case AK_BYTES:
		al->has_bytes = true;
		return get_u64(ld, v, "bytes", 1, UINT64_MAX, &a->on_bytes);
	case AK_LISTEN: {
		const char *p;
		if (set_op(ld, al, k, APP_OP_LISTEN) < 0 ||
		    scalar(ld, v, "listen", &p) < 0)
			return -1;
		return get_port(ld, v, "listen", p, &a->port);
	}
	case AK_CONNECT: {
		const char *t;
		if (set_op(ld, al, k, APP_OP_CONNECT) < 0 ||
		    scalar(ld, v, "connect", &t) < 0)
			return -1;
		const char *colon = strrchr(t, ':');
		if (!colon || colon == t)
			return fail(ld, v, "'connect' expects HOST:PORT, e.g. "
					   "server:80 (found '%s')",
				    t);
		char hn[64];
		size_t hl = (size_t)(colon - t);
		if (hl >= sizeof hn)
			return unknown_host(ld, v, t);
		memcpy(hn, t, hl);
		hn[hl] = '\0';
		int h = find_host(ld->s, hn);
		if (h < 0)
			return unknown_host(ld, v, hn);
		if (h == al->host)
			return fail(ld, v, "'%s' cannot connect to itself: "
					   "tcpsim has no loopback",
				    hn);
		a->peer = h;
		a->peer_addr = ld->s->hosts[h].addr;
		return get_port(ld, v, "connect", colon + 1, &a->port);
	}
	case AK_SEND: {
		const char *t, *msg;
		if (set_op(ld, al, k, APP_OP_SEND) < 0 ||
		    scalar(ld, v, "send", &t) < 0)
			return -1;
		if (scn_parse_size(t, &a->bytes, &msg) < 0)
			return fail(ld, v, "'send': %s (found '%s')", msg, t);
		if (a->bytes == 0)
			return fail(ld, v, "'send' needs at least one byte");
		if (a->bytes > (UINT64_C(1) << 40))
			return fail(ld, v, "'send' is limited to 1 TiB");
		return 0;
	}
	case AK_CLOSE:
		if (set_op(ld, al, k, APP_OP_CLOSE) < 0)
			return -1;
		return get_true(ld, v, "close");
	}
	return 0;
}

static int load_actions(struct ld *ld, int host, yaml_node_t *v)
{
	struct scn_host *h = &ld->s->hosts[host];
	if (h->acts)
		return fail(ld, v, "host '%s' already has its actions",
			    h->name);
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(ld, v, "the actions of '%s' should be a list, "
				   "found %s",
			    h->name, type_name(v));
	size_t n = (size_t)(v->data.sequence.items.top -
			    v->data.sequence.items.start);
	h->acts = calloc(n ? n : 1, sizeof *h->acts);
	if (!h->acts)
		return fail(ld, v, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *an = node(ld, v->data.sequence.items.start[i]);
		struct app_action *a = &h->acts[h->nacts];
		struct action_ld al = {.a = a, .host = host};
		a->line = (int)an->start_mark.line + 1;
		a->col = (int)an->start_mark.column + 1;
		if (walk_map(ld, an, "an action", action_keys, 7, on_action,
			     &al) < 0)
			return -1;
		if (al.has_at && al.has_on)
			return fail(ld, an, "an action runs 'at' a time or "
					    "'on' an event, not both");
		if (!al.has_at && !al.has_on)
			return fail(ld, an, "an action needs 'at: TIME' or "
					    "'on: EVENT'");
		if (al.has_bytes && a->on != APP_ON_RECEIVED)
			return fail(ld, an, "'bytes' belongs to 'on: "
					    "received'");
		if (a->on == APP_ON_RECEIVED && !al.has_bytes)
			a->on_bytes = 1;
		if (!al.op_node)
			return fail(ld, an, "an action needs one of listen, "
					    "connect, send or close");
		h->nacts++;
	}
	return 0;
}

static int load_apps(struct ld *ld, yaml_node_t *v)
{
	if (v->type != YAML_MAPPING_NODE)
		return fail(ld, v, "'apps' should map host names to lists of "
				   "actions, found %s",
			    type_name(v));
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	     p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key);
		int h;
		if (get_host_ref(ld, k, "apps", &h) < 0)
			return -1;
		if (load_actions(ld, h, node(ld, p->value)) < 0)
			return -1;
	}
	return 0;
}

/* ---- top level ------------------------------------------------------- */

enum {
	TK_NAME,
	TK_DESCRIPTION,
	TK_SEED,
	TK_STOP,
	TK_MAX_EVENTS,
	TK_TCP,
	TK_HOSTS,
	TK_LINKS,
	TK_APPS
};
static const char *const top_keys[] = {"name",  "description", "seed",
				       "stop",  "max-events",  "tcp",
				       "hosts", "links",       "apps"};

static int on_top(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		  void *obj)
{
	(void)k;
	struct scenario *s = obj;
	switch (key) {
	case TK_NAME:
		return get_string(ld, v, "name", &s->name);
	case TK_DESCRIPTION:
		return get_string(ld, v, "description", &s->description);
	case TK_SEED:
		return get_u64(ld, v, "seed", 0, UINT64_MAX, &s->seed);
	case TK_STOP:
		return get_duration(ld, v, "stop", &s->stop);
	case TK_MAX_EVENTS:
		return get_u64(ld, v, "max-events", 1, UINT64_MAX,
			       &s->max_events);
	case TK_TCP:
		return load_tcp(ld, v, &s->tcp, "tcp");
	case TK_HOSTS:
		return ld->hosts_done ? 0 : load_hosts(ld, v);
	case TK_LINKS:
		return load_links(ld, v);
	case TK_APPS:
		return load_apps(ld, v);
	}
	return 0;
}

static int check_params(struct ld *ld, yaml_node_t *root)
{
	struct scenario *s = ld->s;
	for (size_t i = 0; i < s->nhosts; i++) {
		struct tcp_params p;
		scn_host_params(s, i, &p);
		if (p.rto_min > p.rto_max) {
			yaml_node_t *at = map_get(ld, root, "tcp");
			if (s->hosts[i].tcp.set) {
				struct scn_error *e = ld->err;
				snprintf(e->file, sizeof e->file, "%s", ld->file);
				snprintf(e->msg, sizeof e->msg,
					 "host '%s': rto-min is larger than "
					 "rto-max",
					 s->hosts[i].name);
				e->line = s->hosts[i].line;
				e->col = s->hosts[i].col;
				e->src[0] = '\0';
				return -1;
			}
			return fail(ld, at ? at : root,
				    "rto-min is larger than rto-max");
		}
	}
	return 0;
}

static char *default_name(const char *file)
{
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	size_t n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(b + n - 4, ".yml") == 0)
		n -= 4;
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, b, n);
		d[n] = '\0';
	}
	return d;
}

static void offset_to_pos(struct ld *ld, size_t off, yaml_mark_t *m)
{
	m->index = off;
	m->line = 0;
	m->column = 0;
	for (size_t i = 0; i < off && i < ld->len; i++) {
		if (ld->text[i] == '\n') {
			m->line++;
			m->column = 0;
		} else if (((unsigned char)ld->text[i] & 0xc0) != 0x80) {
			m->column++;
		}
	}
}

static int fail_mark(struct ld *ld, const yaml_mark_t *m, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
static int fail_mark(struct ld *ld, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail_at(ld, m, fmt, ap);
	va_end(ap);
	return rc;
}

/* libyaml could not parse the text: say where and what. Reader errors
 * (bad encoding, control characters) carry a byte offset, the others a
 * mark. */
static int yaml_failure(struct ld *ld, const yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "malformed YAML";
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_mark(ld, NULL, "out of memory while parsing");
	case YAML_READER_ERROR:
		offset_to_pos(ld, p->problem_offset, &m);
		if (p->problem_value >= 0)
			return fail_mark(ld, &m, "unreadable text: %s (byte "
						 "0x%02x); a scenario is UTF-8 "
						 "text",
					 problem, (unsigned)p->problem_value & 0xffu);
		return fail_mark(ld, &m, "unreadable text: %s; a scenario "
					 "is UTF-8 text",
				 problem);
	default:
		break;
	}
	if (m.index < ld->len && ld->text[m.index] == '\t')
		return fail_mark(ld, &m, "YAML syntax error: a tab here; YAML "
					 "indents with spaces only");
	if (p->context)
		return fail_mark(ld, &m, "YAML syntax error: %s %s (opened at "
					 "%zu:%zu)",
				 problem, p->context, p->context_mark.line + 1,
				 p->context_mark.column + 1);
	return fail_mark(ld, &m, "YAML syntax error: %s", problem);
}

static struct scenario *scn_new(void)
{
	struct scenario *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->seed = SCN_DEFAULT_SEED;
	s->stop = SCN_DEFAULT_STOP;
	s->max_events = SCN_DEFAULT_MAX_EVENTS;
	s->tcp.v = tcp_params_default;
	return s;
}

void scn_free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nhosts; i++) {
		free(s->hosts[i].name);
		free(s->hosts[i].acts);
	}
	free(s->hosts);
	free(s->links);
	free(s->file);
	free(s->name);
	free(s->description);
	free(s);
}

static int load_doc(struct ld *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	if (!root) {
		yaml_mark_t m = {0, 0, 0};
		return fail_mark(ld, &m, "empty scenario: expected a mapping "
					 "with at least 'hosts'");
	}
	if (root->type != YAML_MAPPING_NODE)
		return fail(ld, root, "a scenario is a mapping of keys (name, "
				      "hosts, links, apps, ...), found %s",
			    type_name(root));
	/* Report a misspelt key before complaining that 'hosts' is missing:
	 * "hots" is more likely a typo than an omission. */
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++)
		if (key_index(ld, node(ld, p->key), "the scenario", top_keys,
			      sizeof top_keys / sizeof top_keys[0]) < 0)
			return -1;
	yaml_node_t *hosts = map_get(ld, root, "hosts");
	if (!hosts)
		return fail(ld, root, "a scenario needs 'hosts'");
	if (load_hosts(ld, hosts) < 0)
		return -1;
	if (walk_map(ld, root, "the scenario", top_keys,
		     sizeof top_keys / sizeof top_keys[0], on_top, ld->s) < 0)
		return -1;
	return check_params(ld, root);
}

int scn_load_string(const char *file, const char *text, size_t len,
		    struct scenario **out, struct scn_error *err)
{
	struct ld ld = {.file = file, .text = text, .len = len, .err = err};
	yaml_parser_t parser;
	int rc = -1;
	bool have_doc = false;

	memset(err, 0, sizeof *err);
	*out = NULL;
	ld.s = scn_new();
	if (!ld.s) {
		fail_mark(&ld, NULL, "out of memory");
		return -1;
	}
	ld.s->file = strdup(file);
	if (!yaml_parser_initialize(&parser)) {
		fail_mark(&ld, NULL, "out of memory");
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		yaml_failure(&ld, &parser);
		goto out_parser;
	}
	have_doc = true;
	if (load_doc(&ld) < 0)
		goto out_parser;
	/* A second document would be silently ignored: refuse it. */
	yaml_document_t next;
	if (!yaml_parser_load(&parser, &next)) {
		yaml_failure(&ld, &parser);
		goto out_parser;
	}
	yaml_node_t *nroot = yaml_document_get_root_node(&next);
	if (nroot) {
		fail_mark(&ld, &nroot->start_mark,
			  "a scenario file holds one YAML document; a second "
			  "one starts here");
		yaml_document_delete(&next);
		goto out_parser;
	}
	yaml_document_delete(&next);
	if (!ld.s->name)
		ld.s->name = default_name(file);
	if (!ld.s->name || !ld.s->file) {
		fail_mark(&ld, NULL, "out of memory");
		goto out_parser;
	}
	*out = ld.s;
	ld.s = NULL;
	rc = 0;
out_parser:
	if (have_doc)
		yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
out:
	scn_free(ld.s);
	return rc;
}

int scn_load_file(const char *path, struct scenario **out,
		  struct scn_error *err)
{
	struct ld ld = {.file = path, .err = err};
	struct stat st;
	char *text = NULL;
	int rc = -1;

	memset(err, 0, sizeof *err);
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail_mark(&ld, NULL, "cannot open the scenario: %s",
				 strerror(errno));
	if (fstat(fileno(f), &st) < 0) {
		fail_mark(&ld, NULL, "cannot read the scenario: %s",
			  strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		fail_mark(&ld, NULL, "is a directory, not a scenario file");
		goto out;
	}
	if (st.st_size > (off_t)MAX_FILE_SIZE) {
		fail_mark(&ld, NULL, "scenario file is too large (%lld bytes; "
				     "at most %u)",
			  (long long)st.st_size, MAX_FILE_SIZE);
		goto out;
	}
	/* A regular file is read in one go; a pipe up to the limit. */
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1
					 : MAX_FILE_SIZE + 1;
	text = malloc(cap);
	if (!text) {
		fail_mark(&ld, NULL, "out of memory");
		goto out;
	}
	size_t n = fread(text, 1, cap, f);
	if (ferror(f)) {
		fail_mark(&ld, NULL, "cannot read the scenario: %s",
			  strerror(errno));
		goto out;
	}
	if (n > MAX_FILE_SIZE || (n == cap && S_ISREG(st.st_mode))) {
		fail_mark(&ld, NULL, "scenario file is too large (at most %u "
				     "bytes)",
			  MAX_FILE_SIZE);
		goto out;
	}
	rc = scn_load_string(path, text, n, out, err);
out:
	free(text);
	fclose(f);
	return rc;
}
