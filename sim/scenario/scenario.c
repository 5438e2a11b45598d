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
#include "sim/scenario/scenario.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "models/segment.h"
#include "sim/engine/grow.h"

#define MAX_FILE_SIZE (16u << 20)

struct name_ix;

struct ld {
	const char *file;
	const char *text;
	size_t len;
	yaml_document_t doc;
	struct scn_error *err;
	struct scenario *s;
	bool hosts_done;
	struct name_ix *ix;      /* names of hosts and templates */
	uint32_t ixmask;
	const struct scn_set *sets; /* --set overrides, applied to doc */
	size_t nsets;
};

/* Nodes made for the k-th override carry this mark index plus k, beyond
 * any file, so an error about one names the override, not a line. */
#define SET_MARK_BASE (SIZE_MAX / 2)

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
	if (m && m->index >= SET_MARK_BASE &&
	    m->index - SET_MARK_BASE < ld->nsets) {
		const struct scn_set *o = &ld->sets[m->index - SET_MARK_BASE];
		char msg[380];
		vsnprintf(msg, sizeof msg, fmt, ap);
		snprintf(e->msg, sizeof e->msg, "--set %.60s=%.60s: %s",
			 o->path, o->value, msg);
		e->line = e->col = 0;
		e->src[0] = '\0';
		return -1;
	}
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
		if (fn && fn(ld, i, k, v, obj) < 0)
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

/* A size of at least one byte ("1500", "64KB"). */
static int get_nonzero_size(struct ld *ld, yaml_node_t *n, const char *key,
			    uint64_t *out)
{
	const char *v, *msg;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	if (scn_parse_size(v, out, &msg) < 0 || !*out)
		return fail(ld, n, "'%s' expects a size of at least 1 byte "
				   "(found '%s')",
			    key, v);
	return 0;
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

static int get_bool(struct ld *ld, yaml_node_t *n, const char *key, bool *out)
{
	const char *v;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0)
		*out = false;
	else
		return fail(ld, n, "'%s' is true or false (found '%s')", key,
			    v);
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

/* ---- names: hosts and templates ---------------------------------------- */

/* The loader's index of names: a template's name maps to its group, every
 * host's own name to the host. Open addressing on FNV-1a. */
struct name_ix {
	const char *name;
	int group;  /* >= 0: a group (a host or a template) */
	int host;   /* >= 0: a template member */
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static const struct name_ix *ix_find(const struct ld *ld, const char *name)
{
	if (!ld->ix)
		return NULL;
	for (uint32_t i = name_hash(name) & ld->ixmask;; i = (i + 1) & ld->ixmask) {
		if (!ld->ix[i].name)
			return NULL;
		if (strcmp(ld->ix[i].name, name) == 0)
			return &ld->ix[i];
	}
}

static int ix_add(struct ld *ld, const char *name, int group, int host)
{
	for (uint32_t i = name_hash(name) & ld->ixmask;; i = (i + 1) & ld->ixmask)
		if (!ld->ix[i].name) {
			ld->ix[i] = (struct name_ix){name, group, host};
			return 0;
		}
}

int scn_find_group(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if (strcmp(s->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int unknown_host(struct ld *ld, yaml_node_t *n, const char *name)
{
	const char *names[256];
	size_t k = 0;
	for (size_t i = 0; i < ld->s->ngroups && k < 256; i++)
		names[k++] = ld->s->groups[i].name;
	const char *hint = suggest(name, names, k);
	if (hint)
		return fail(ld, n, "unknown host '%s' (did you mean '%s'?)",
			    name, hint);
	return fail(ld, n, "unknown host '%s' (hosts are declared under "
			   "'hosts')",
		    name);
}

/* A host or a template's members, by name. */
static int resolve(struct ld *ld, yaml_node_t *n, const char *name,
		   struct exp_hosts *out)
{
	const struct name_ix *x = ix_find(ld, name);
	if (!x)
		return unknown_host(ld, n, name);
	if (x->group >= 0) {
		const struct scn_group *g = &ld->s->groups[x->group];
		*out = (struct exp_hosts){g->first, g->count};
	} else {
		*out = (struct exp_hosts){x->host, 1};
	}
	return 0;
}

static int get_hosts_ref(struct ld *ld, yaml_node_t *n, const char *key,
			 struct exp_hosts *out)
{
	const char *v;
	if (scalar(ld, n, key, &v) < 0)
		return -1;
	return resolve(ld, n, v, out);
}

/* Exactly one host: a template's name is refused, with its members'. */
static int one_host(struct ld *ld, yaml_node_t *n, const char *name,
		    int *out)
{
	struct exp_hosts h = {0, 0};
	if (resolve(ld, n, name, &h) < 0)
		return -1;
	if (h.count != 1)
		return fail(ld, n, "'%s' names %d hosts (%s .. %s); name one "
				   "of them",
			    name, h.count, ld->s->hosts[h.first].name,
			    ld->s->hosts[h.first + h.count - 1].name);
	*out = h.first;
	return 0;
}

/* ---- memory the scenario owns ------------------------------------------ */

static void *own(struct ld *ld, yaml_node_t *n, void *p)
{
	struct scenario *s = ld->s;
	if (!p) {
		fail(ld, n, "out of memory");
		return NULL;
	}
	if (grow(&s->owned, &s->owned_cap, s->nowned + 1, sizeof *s->owned,
		 32) < 0) {
		free(p);
		fail(ld, n, "out of memory");
		return NULL;
	}
	s->owned[s->nowned++] = p;
	return p;
}

static char *own_str(struct ld *ld, yaml_node_t *n, const char *text)
{
	return own(ld, n, strdup(text));
}

/* ---- tcp: and socket options ------------------------------------------ */

static const char *const *tcp_keys(void)
{
	static const char *keys[64];
	for (size_t i = 0; i < tcp_nparam_fields; i++)
		keys[i] = tcp_param_fields[i].key;
	return keys;
}

/* One TCP parameter into t->v, by the table in models/tcp.c. */
static int get_tcp_param(struct ld *ld, int key, yaml_node_t *v,
			 struct tcp_params *tp, uint64_t *set)
{
	const struct tcp_param_field *f = &tcp_param_fields[key];
	char *base = (char *)tp + f->off;
	const char *t, *msg;
	uint64_t x;
	switch (f->type) {
	case TP_DURATION: {
		sim_time_t d;
		if (get_duration(ld, v, f->key, &d) < 0)
			return -1;
		if (f->min && d < (sim_time_t)f->min)
			return fail(ld, v, "'%s' must be greater than 0", f->key);
		memcpy(base, &d, sizeof d);
		break;
	}
	case TP_COUNT:
		if (get_u64(ld, v, f->key, f->min, f->max, &x) < 0)
			return -1;
		*(uint32_t *)(void *)base = (uint32_t)x;
		break;
	case TP_SIZE:
		if (scalar(ld, v, f->key, &t) < 0)
			return -1;
		if (scn_parse_size(t, &x, &msg) < 0)
			return fail(ld, v, "'%s': %s (found '%s')", f->key, msg, t);
		if (x < f->min || x > f->max)
			return fail(ld, v, "'%s' must be between %llu and %llu "
					   "bytes",
				    f->key, (unsigned long long)f->min,
				    (unsigned long long)f->max);
		*(uint32_t *)(void *)base = (uint32_t)x;
		break;
	case TP_BOOL:
		if (get_bool(ld, v, f->key, (bool *)(void *)base) < 0)
			return -1;
		break;
	case TP_TIME_WAIT:
		if (scalar(ld, v, f->key, &t) < 0)
			return -1;
		tp->no_time_wait = strcmp(t, "off") == 0;
		tp->time_wait = 0;
		if (tp->no_time_wait || strcmp(t, "on") == 0)
			break;
		if (sim_time_parse(t, &tp->time_wait, &msg) < 0 ||
		    tp->time_wait == 0)
			return fail(ld, v, "'time-wait' is off, on (2*MSL) or a "
					   "duration above 0 (found '%s')",
				    t);
		break;
	case TP_HANDSHAKE:
		if (scalar(ld, v, f->key, &t) < 0)
			return -1;
		if (strcmp(t, "three-way") == 0)
			tp->two_way = false;
		else if (strcmp(t, "two-way") == 0)
			tp->two_way = true;
		else
			return fail(ld, v, "'handshake' is three-way or two-way "
					   "(found '%s')",
				    t);
		break;
	}
	*set |= UINT64_C(1) << key;
	return 0;
}

/* A `tcp:` mapping: "profile" or any parameter. */
static int on_tcp_map(struct ld *ld, yaml_node_t *k, yaml_node_t *v,
		      struct scn_tcp *t, const char *what)
{
	(void)what;
	const char *name = (const char *)k->data.scalar.value;
	if (strcmp(name, "profile") == 0) {
		const char *pn;
		if (scalar(ld, v, "profile", &pn) < 0)
			return -1;
		const struct tcp_profile *pr = tcp_profile_find(pn);
		if (!pr) {
			const char *names[8];
			for (size_t i = 0; i < tcp_nprofiles && i < 8; i++)
				names[i] = tcp_profiles[i].name;
			const char *hint = suggest(pn, names, tcp_nprofiles);
			return fail(ld, v, "unknown profile '%s'%s%s%s (profiles: "
					   "rfc9293, linux, textbook)",
				    pn, hint ? " (did you mean '" : "",
				    hint ? hint : "", hint ? "'?)" : "");
		}
		t->profile = (int)(pr - tcp_profiles);
		return 0;
	}
	int key = key_index(ld, k, what, tcp_keys(), tcp_nparam_fields);
	if (key < 0)
		return -1;
	return get_tcp_param(ld, key, v, &t->v, &t->set);
}

static int load_tcp(struct ld *ld, yaml_node_t *v, struct scn_tcp *t,
		    const char *what)
{
	if (v->type != YAML_MAPPING_NODE)
		return fail(ld, v, "%s should be a mapping of keys to values, "
				   "found %s",
			    what, type_name(v));
	yaml_node_pair_t *b = v->data.mapping.pairs.start;
	for (yaml_node_pair_t *p = b; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key);
		if (k->type != YAML_SCALAR_NODE)
			return fail(ld, k, "keys in %s must be plain names", what);
		for (yaml_node_pair_t *q = b; q < p; q++)
			if (strcmp((const char *)node(ld, q->key)->data.scalar.value,
				   (const char *)k->data.scalar.value) == 0)
				return fail(ld, k, "duplicate key '%s' in %s",
					    (const char *)k->data.scalar.value,
					    what);
		if (on_tcp_map(ld, k, node(ld, p->value), t, what) < 0)
			return -1;
	}
	return 0;
}

void scn_host_params(const struct scenario *s, size_t i,
		     struct tcp_params *out)
{
	int prof = 0;
	if (s->tcp.profile >= 0)
		prof = s->tcp.profile;
	if (i < s->nhosts && s->hosts[i].tcp.profile >= 0)
		prof = s->hosts[i].tcp.profile;
	*out = tcp_profiles[prof].p;
	tcp_params_apply(out, &s->tcp.v, s->tcp.set);
	if (i < s->nhosts)
		tcp_params_apply(out, &s->hosts[i].tcp.v, s->hosts[i].tcp.set);
}

/* ---- hosts: ---------------------------------------------------------- */

enum { HK_ADDR, HK_TCP, HK_COUNT };
static const char *const host_keys[] = {"addr", "tcp", "count"};

struct host_ld {
	uint32_t addr;
	bool has_addr;
	uint64_t count;
	struct scn_tcp tcp;
};

static void scn_tcp_init(struct scn_tcp *t)
{
	memset(t, 0, sizeof *t);
	t->profile = -1;
}

static int on_host(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		   void *obj)
{
	(void)k;
	struct host_ld *h = obj;
	switch (key) {
	case HK_ADDR: {
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
		h->has_addr = true;
		return 0;
	}
	case HK_TCP:
		return load_tcp(ld, v, &h->tcp, "a host's tcp");
	case HK_COUNT:
		if (get_u64(ld, v, "count", 1, UINT64_MAX, &h->count) < 0)
			return -1;
		if (h->count > ld->s->max_hosts)
			return fail(ld, v, "'count' is too large (at most %llu "
					   "hosts; raise the limit with "
					   "'max-hosts:')",
				    (unsigned long long)ld->s->max_hosts);
		return 0;
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

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* No two hosts share an address: sort (address, host) pairs. The error
 * points at the later host's 'addr', or at its name. */
static int check_addresses(struct ld *ld, yaml_node_t *hosts)
{
	struct scenario *s = ld->s;
	uint64_t *v = malloc(s->nhosts * sizeof *v);
	if (!v)
		return fail(ld, hosts, "out of memory");
	for (size_t i = 0; i < s->nhosts; i++)
		v[i] = ((uint64_t)s->hosts[i].addr << 32) | i;
	qsort(v, s->nhosts, sizeof *v, cmp_addr);
	for (size_t i = 1; i < s->nhosts; i++) {
		if (v[i] >> 32 != v[i - 1] >> 32)
			continue;
		/* host indexes follow declaration order */
		const struct scn_host *a = &s->hosts[(uint32_t)v[i - 1]];
		const struct scn_host *b = &s->hosts[(uint32_t)v[i]];
		free(v);
		yaml_node_pair_t *p = &hosts->data.mapping.pairs.start[b->group];
		yaml_node_t *at = map_get(ld, node(ld, p->value), "addr");
		char addr[16];
		ip4_fmt(b->addr, addr);
		return fail(ld, at ? at : node(ld, p->key),
			    "address %s of '%s' is already used by '%s'", addr,
			    b->name, a->name);
	}
	free(v);
	return 0;
}

static int load_hosts(struct ld *ld, yaml_node_t *v)
{
	struct scenario *s = ld->s;
	if (v->type != YAML_MAPPING_NODE)
		return fail(ld, v, "'hosts' should map host names to their "
				   "settings, found %s",
			    type_name(v));
	size_t ng = (size_t)(v->data.mapping.pairs.top -
			     v->data.mapping.pairs.start);
	if (ng == 0)
		return fail(ld, v, "'hosts' is empty: a scenario needs at "
				   "least one host");
	struct host_ld *hl = calloc(ng, sizeof *hl);
	s->groups = calloc(ng, sizeof *s->groups);
	if (!hl || !s->groups) {
		free(hl);
		return fail(ld, v, "out of memory");
	}
	/* First pass: names and settings, so the hosts can be counted. */
	size_t total = 0;
	int rc = -1;
	for (size_t g = 0; g < ng; g++) {
		yaml_node_pair_t *p = &v->data.mapping.pairs.start[g];
		yaml_node_t *k = node(ld, p->key), *hv = node(ld, p->value);
		if (k->type != YAML_SCALAR_NODE) {
			fail(ld, k, "a host name must be a plain name, found %s",
			     type_name(k));
			goto out;
		}
		const char *name = (const char *)k->data.scalar.value;
		if (!valid_name(name)) {
			fail(ld, k, "host name '%s' must start with a letter "
				    "and use only letters, digits, '-', '_' "
				    "and '.' (at most 63)",
			     name);
			goto out;
		}
		for (size_t j = 0; j < g; j++)
			if (strcmp(s->groups[j].name, name) == 0) {
				fail(ld, k, "duplicate host '%s' (first at "
					    "line %d)",
				     name, s->groups[j].line);
				goto out;
			}
		struct scn_group *gr = &s->groups[g];
		gr->name = strdup(name);
		if (!gr->name) {
			fail(ld, k, "out of memory");
			goto out;
		}
		s->ngroups++;
		gr->line = (int)k->start_mark.line + 1;
		gr->col = (int)k->start_mark.column + 1;
		hl[g].count = 1;
		scn_tcp_init(&hl[g].tcp);
		bool empty = hv->type == YAML_SCALAR_NODE &&
			     hv->data.scalar.length == 0 &&
			     hv->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (!empty && walk_map(ld, hv, "a host", host_keys, 3, on_host,
				       &hl[g]) < 0)
			goto out;
		gr->is_template = map_get(ld, hv, "count") != NULL;
		if (gr->is_template && strlen(name) + 7 > 63) {
			fail(ld, k, "template name '%s' is too long for its "
				    "members' names",
			     name);
			goto out;
		}
		gr->first = (int)total;
		gr->count = (int)hl[g].count;
		total += hl[g].count;
		if (total > ld->s->max_hosts) {
			fail(ld, k, "too many hosts (more than %llu; raise the "
				    "limit with 'max-hosts:')",
			     (unsigned long long)ld->s->max_hosts);
			goto out;
		}
	}
	s->hosts = calloc(total, sizeof *s->hosts);
	ld->ixmask = 1;
	while (ld->ixmask < 2 * (total + ng))
		ld->ixmask <<= 1;
	ld->ix = calloc(ld->ixmask, sizeof *ld->ix);
	ld->ixmask--;
	if (!s->hosts || !ld->ix) {
		fail(ld, v, "out of memory");
		goto out;
	}
	/* Second pass: the hosts themselves; addresses count up from the
	 * given one, or from 10.0.0.1 in declaration order. */
	uint32_t next_auto = (UINT32_C(10) << 24) | 1;
	for (size_t g = 0; g < ng; g++) {
		struct scn_group *gr = &s->groups[g];
		uint32_t base = hl[g].has_addr ? hl[g].addr : next_auto;
		if ((uint64_t)base + hl[g].count - 1 >= UINT32_MAX) {
			yaml_node_t *k = node(ld, v->data.mapping.pairs.start[g].key);
			fail(ld, k, "the addresses of '%s' run past "
				    "255.255.255.254",
			     gr->name);
			goto out;
		}
		ix_add(ld, gr->name, (int)g, -1);
		for (int i = 0; i < gr->count; i++) {
			struct scn_host *h = &s->hosts[gr->first + i];
			char nm[80];
			if (gr->is_template)
				snprintf(nm, sizeof nm, "%s-%d", gr->name, i + 1);
			else
				snprintf(nm, sizeof nm, "%s", gr->name);
			h->name = strdup(nm);
			if (!h->name) {
				fail(ld, v, "out of memory");
				goto out;
			}
			s->nhosts++;
			h->line = gr->line;
			h->col = gr->col;
			h->group = (int)g;
			h->addr = base + (uint32_t)i;
			h->tcp = hl[g].tcp;
			if (gr->is_template) {
				const struct name_ix *x = ix_find(ld, h->name);
				if (x) {
					yaml_node_t *k = node(ld,
						v->data.mapping.pairs.start[g].key);
					fail(ld, k, "template '%s' makes a host "
						    "named '%s', which is "
						    "already declared",
					     gr->name, h->name);
					goto out;
				}
				ix_add(ld, h->name, -1, gr->first + i);
			}
		}
		if (!hl[g].has_addr)
			next_auto += hl[g].count;
	}
	/* A plain host may share its name with a template member only if
	 * declared first; catch the other order too. */
	for (size_t g = 0; g < ng; g++) {
		const struct scn_group *gr = &s->groups[g];
		if (gr->is_template)
			continue;
		for (size_t j = 0; j < ng; j++) {
			const struct scn_group *t = &s->groups[j];
			if (!t->is_template)
				continue;
			size_t tl = strlen(t->name);
			if (strncmp(gr->name, t->name, tl) == 0 &&
			    gr->name[tl] == '-') {
				char *end;
				long m = strtol(gr->name + tl + 1, &end, 10);
				if (!*end && m >= 1 && m <= t->count &&
				    gr->name[tl + 1] != '0') {
					yaml_node_t *k = node(ld,
						v->data.mapping.pairs.start[j].key);
					fail(ld, k, "template '%s' makes a host "
						    "named '%s', which is "
						    "already declared",
					     t->name, gr->name);
					goto out;
				}
			}
		}
	}
	if (check_addresses(ld, v) < 0)
		goto out;
	ld->hosts_done = true;
	rc = 0;
out:
	free(hl);
	return rc;
}

/* ---- links: ---------------------------------------------------------- */

int scn_parse_rate(const char *s, uint64_t *bps, const char **msg)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{"bps", 1},          {"bit/s", 1},        {"bit", 1},
		{"kbps", 1000},      {"kbit/s", 1000},    {"kbit", 1000},
		{"Mbps", 1000000},   {"Mbit/s", 1000000}, {"Mbit", 1000000},
		{"Gbps", 1000000000}, {"Gbit/s", 1000000000},
		{"Gbit", 1000000000},
	};
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;
	if (*p < '0' || *p > '9') {
		*msg = "expected a rate such as 10Mbit/s or 56kbps";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		if (whole > UINT64_MAX / 100) {
			*msg = "rate is too large";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (scale >= 1000000000) {
				*msg = "a rate has at most 9 decimals";
				return -1;
			}
			frac = frac * 10 + (uint64_t)(*p++ - '0');
			scale *= 10;
		}
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		uint64_t m = units[i].mul;
		if (whole > UINT64_MAX / m / 2) {
			*msg = "rate is too large";
			return -1;
		}
		if ((frac * m) % scale) {
			*msg = "rate is not a whole number of bits per second";
			return -1;
		}
		*bps = whole * m + frac * m / scale;
		if (*bps == 0) {
			*msg = "a rate must be above zero";
			return -1;
		}
		return 0;
	}
	*msg = "unknown rate unit (use bps, kbps, Mbps, Gbps or bit/s, "
	       "kbit/s, Mbit/s, Gbit/s)";
	return -1;
}

enum {
	DK_DELAY,
	DK_JITTER,
	DK_JITTER_REORDERS,
	DK_LOSS,
	DK_BURST_LOSS,
	DK_DUPLICATE,
	DK_CORRUPT,
	DK_REORDER,
	DK_RATE,
	DK_QUEUE,
	DK_MTU,
	DK_DOWN,
	DK_BETWEEN,
	DK_RULES,
	DK_N
};
static const char *const link_keys[] = {
	"delay",     "jitter",  "jitter-reorders", "loss", "burst-loss",
	"duplicate", "corrupt", "reorder",         "rate", "queue",
	"mtu",       "down",    "between",         "rules",
};

static const char *const ge_keys[] = {"p", "r", "loss-good", "loss-bad"};

static int on_ge(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		 void *obj)
{
	(void)k;
	struct link_ge *ge = obj;
	uint32_t *f[] = {&ge->p, &ge->r, &ge->loss_good, &ge->loss_bad};
	return get_prob(ld, v, ge_keys[key], f[key]);
}

static const char *const reorder_keys[] = {"probability", "delay"};

static int on_reorder(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		      void *obj)
{
	(void)k;
	struct link_cfg *c = obj;
	if (key == 0)
		return get_prob(ld, v, "probability", &c->reorder_ppb);
	return get_duration(ld, v, "delay", &c->reorder_delay);
}

static const char *const outage_keys[] = {"at", "for", "until"};

struct outage_ld {
	sim_time_t at, len, until;
	bool has_at, has_for, has_until;
};

static int on_outage(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		     void *obj)
{
	(void)k;
	struct outage_ld *o = obj;
	switch (key) {
	case 0:
		o->has_at = true;
		return get_duration(ld, v, "at", &o->at);
	case 1:
		o->has_for = true;
		return get_duration(ld, v, "for", &o->len);
	default:
		o->has_until = true;
		return get_duration(ld, v, "until", &o->until);
	}
}

static int load_outages(struct ld *ld, yaml_node_t *v, struct link_cfg *c)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(ld, v, "'down' is a list of outages such as [{at: "
				   "5s, for: 2s}], found %s",
			    type_name(v));
	size_t n = (size_t)(v->data.sequence.items.top -
			    v->data.sequence.items.start);
	struct link_outage *o = own(ld, v, calloc(n ? n : 1, sizeof *o));
	if (!o)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *on = node(ld, v->data.sequence.items.start[i]);
		struct outage_ld ol = {0};
		if (walk_map(ld, on, "an outage", outage_keys, 3, on_outage,
			     &ol) < 0)
			return -1;
		if (!ol.has_at)
			return fail(ld, on, "an outage needs 'at'");
		if (ol.has_for == ol.has_until)
			return fail(ld, on, "an outage needs 'for' or 'until' "
					    "(one of them)");
		o[i].from = ol.at;
		o[i].until = ol.has_for ? ol.at + ol.len : ol.until;
		if (ol.has_for && ol.len > SIM_TIME_MAX - ol.at)
			return fail(ld, on, "the outage ends too late");
		if (o[i].until <= o[i].from)
			return fail(ld, on, "an outage must end after it "
					    "begins");
		if (i > 0 && o[i].from < o[i - 1].until)
			return fail(ld, on, "outages must be in time order and "
					    "not overlap");
	}
	c->outages = o;
	c->noutages = n;
	return 0;
}

/* One property of a link direction (shared by the link and its
 * "A>B" overrides). */
static int on_dirprop(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		      void *obj)
{
	(void)k;
	struct link_cfg *c = obj;
	const char *t, *msg;
	switch (key) {
	case DK_DELAY:
		return get_duration(ld, v, "delay", &c->delay);
	case DK_JITTER:
		return get_duration(ld, v, "jitter", &c->jitter);
	case DK_JITTER_REORDERS:
		return get_bool(ld, v, "jitter-reorders", &c->jitter_reorders);
	case DK_LOSS:
		return get_prob(ld, v, "loss", &c->loss_ppb);
	case DK_BURST_LOSS:
		c->ge = (struct link_ge){.on = true, .loss_bad = RNG_PPB_ONE};
		if (walk_map(ld, v, "burst-loss", ge_keys, 4, on_ge, &c->ge) < 0)
			return -1;
		if (!map_get(ld, v, "p") || !map_get(ld, v, "r"))
			return fail(ld, v, "burst-loss needs 'p' (good to bad) "
					   "and 'r' (bad to good)");
		return 0;
	case DK_DUPLICATE:
		return get_prob(ld, v, "duplicate", &c->dup_ppb);
	case DK_CORRUPT:
		return get_prob(ld, v, "corrupt", &c->corrupt_ppb);
	case DK_REORDER:
		if (walk_map(ld, v, "reorder", reorder_keys, 2, on_reorder, c) < 0)
			return -1;
		if (!map_get(ld, v, "probability") || !map_get(ld, v, "delay"))
			return fail(ld, v, "reorder needs 'probability' and "
					   "'delay'");
		return 0;
	case DK_RATE:
		if (scalar(ld, v, "rate", &t) < 0)
			return -1;
		if (scn_parse_rate(t, &c->rate_bps, &msg) < 0)
			return fail(ld, v, "'rate': %s (found '%s')", msg, t);
		return 0;
	case DK_QUEUE: {
		uint64_t x;
		if (scalar(ld, v, "queue", &t) < 0)
			return -1;
		if (scn_parse_size(t, &x, &msg) < 0)
			return fail(ld, v, "'queue': %s (found '%s')", msg, t);
		bool bytes = t[strspn(t, "0123456789")] != '\0';
		if (x == 0 || x > (bytes ? UINT64_C(1) << 40 : UINT32_MAX))
			return fail(ld, v, "'queue' must be between 1 and %s",
				    bytes ? "1 TiB" : "4294967295 segments");
		if (bytes)
			c->queue_bytes = x;
		else
			c->queue_pkts = (uint32_t)x;
		return 0;
	}
	case DK_MTU: {
		uint64_t x;
		if (get_u64(ld, v, "mtu", 68, 65535, &x) < 0)
			return -1;
		c->mtu = (uint32_t)x;
		return 0;
	}
	case DK_DOWN:
		return load_outages(ld, v, c);
	}
	return 0;
}

static const char *const rule_keys[] = {
	"name",  "from",   "flags", "flags-exact", "data",  "seq",
	"ack",   "state",  "nth",   "first",       "after", "before",
	"action", "delay", "copies", "must-match",
};

struct rule_ld {
	struct link_rule *r;
	const char *ends[2];      /* the link's two end names */
	bool has_delay, has_copies;
	yaml_node_t *action;
};

static int get_flags(struct ld *ld, yaml_node_t *v, const char *key,
		     uint8_t *out)
{
	const char *t;
	if (scalar(ld, v, key, &t) < 0)
		return -1;
	uint8_t f = 0;
	if (strcmp(t, "-") == 0 || strcmp(t, "none") == 0) {
		*out = 0;
		return 0;
	}
	char buf[128];
	snprintf(buf, sizeof buf, "%s", t);
	for (char *save = NULL, *w = strtok_r(buf, ", ", &save); w;
	     w = strtok_r(NULL, ", ", &save)) {
		uint8_t b = tcp_flag_parse(w);
		if (!b)
			return fail(ld, v, "'%s': unknown flag '%s' (flags: "
					   "SYN FIN RST PSH ACK URG ECE CWR)",
				    key, w);
		f |= b;
	}
	*out = f;
	return 0;
}

static int get_state(struct ld *ld, yaml_node_t *v, const char *key, int *out)
{
	const char *t;
	if (scalar(ld, v, key, &t) < 0)
		return -1;
	int st = tcp_state_parse(t);
	if (st < 0) {
		const char *names[TCP_NSTATES];
		for (int i = 0; i < TCP_NSTATES; i++)
			names[i] = tcp_state_name(i);
		const char *hint = suggest(t, names, TCP_NSTATES);
		return fail(ld, v, "'%s': unknown TCP state '%s'%s%s%s", key, t,
			    hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
	}
	*out = st;
	return 0;
}

static int on_rule(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		   void *obj)
{
	(void)k;
	struct rule_ld *rl = obj;
	struct link_rule *r = rl->r;
	const char *t;
	uint64_t x;
	switch (key) {
	case 0:
		if (scalar(ld, v, "name", &t) < 0)
			return -1;
		if (!valid_name(t))
			return fail(ld, v, "rule name '%s' must start with a "
					   "letter and use only letters, "
					   "digits, '-', '_' and '.'",
				    t);
		r->name = own_str(ld, v, t);
		return r->name ? 0 : -1;
	case 1:
		if (scalar(ld, v, "from", &t) < 0)
			return -1;
		for (int i = 0; i < 2; i++)
			if (strcmp(t, rl->ends[i]) == 0) {
				r->from = i;
				return 0;
			}
		return fail(ld, v, "'from' must be one end of this link: '%s' "
				   "or '%s' (found '%s')",
			    rl->ends[0], rl->ends[1], t);
	case 2:
	case 3:
		if (r->match_flags)
			return fail(ld, k, "a rule has 'flags' or "
					   "'flags-exact', not both");
		r->match_flags = true;
		r->flags_exact = key == 3;
		return get_flags(ld, v, rule_keys[key], &r->flags);
	case 4: {
		bool b;
		if (get_bool(ld, v, "data", &b) < 0)
			return -1;
		r->data = b;
		return 0;
	}
	case 5:
		if (get_u64(ld, v, "seq", 0, UINT32_MAX, &x) < 0)
			return -1;
		r->match_seq = true;
		r->seq = (uint32_t)x;
		return 0;
	case 6:
		if (get_u64(ld, v, "ack", 0, UINT32_MAX, &x) < 0)
			return -1;
		r->match_ack = true;
		r->ack = (uint32_t)x;
		return 0;
	case 7:
		return get_state(ld, v, "state", &r->state);
	case 8:
		return get_u64(ld, v, "nth", 1, UINT64_MAX, &r->nth);
	case 9:
		return get_u64(ld, v, "first", 1, UINT64_MAX, &r->first);
	case 10:
		return get_duration(ld, v, "after", &r->after);
	case 11:
		return get_duration(ld, v, "before", &r->before);
	case 12: {
		if (scalar(ld, v, "action", &t) < 0)
			return -1;
		static const char *const acts[] = {"drop", "delay", "duplicate",
						   "corrupt", "hold"};
		rl->action = v;
		for (int i = 0; i < 5; i++)
			if (strcmp(t, acts[i]) == 0) {
				r->action = (enum link_action)i;
				return 0;
			}
		const char *hint = suggest(t, acts, 5);
		return fail(ld, v, "unknown action '%s'%s%s%s (actions: drop, "
				   "delay, duplicate, corrupt, hold)",
			    t, hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
	}
	case 13:
		rl->has_delay = true;
		return get_duration(ld, v, "delay", &r->delay);
	case 14:
		rl->has_copies = true;
		if (get_u64(ld, v, "copies", 1, 100, &x) < 0)
			return -1;
		r->copies = (uint32_t)x;
		return 0;
	case 15:
		return get_bool(ld, v, "must-match", &r->must_match);
	}
	return 0;
}

static int load_rules(struct ld *ld, yaml_node_t *v, const char *a,
		      const char *b, struct link_rule **out, size_t *nout)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(ld, v, "'rules' is a list of rules, found %s",
			    type_name(v));
	size_t n = (size_t)(v->data.sequence.items.top -
			    v->data.sequence.items.start);
	struct link_rule *rules = own(ld, v, calloc(n ? n : 1, sizeof *rules));
	if (!rules)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *rn = node(ld, v->data.sequence.items.start[i]);
		struct link_rule *r = &rules[i];
		struct rule_ld rl = {.r = r, .ends = {a, b}};
		*r = (struct link_rule){
			.line = (int)rn->start_mark.line + 1,
			.col = (int)rn->start_mark.column + 1,
			.from = -1,
			.data = -1,
			.state = -1,
			.before = SIM_TIME_MAX,
			.copies = 1,
		};
		if (walk_map(ld, rn, "a rule", rule_keys,
			     sizeof rule_keys / sizeof rule_keys[0], on_rule,
			     &rl) < 0)
			return -1;
		if (!rl.action)
			return fail(ld, rn, "a rule needs 'action' (drop, delay, "
					    "duplicate, corrupt or hold)");
		if (r->nth && r->first)
			return fail(ld, rn, "a rule has 'nth' or 'first', not "
					    "both");
		if (r->after > r->before)
			return fail(ld, rn, "'after' is later than 'before'");
		if (r->action == LINK_DELAY && !rl.has_delay)
			return fail(ld, rl.action, "action 'delay' needs "
						   "'delay: TIME'");
		if (r->action != LINK_DELAY && rl.has_delay)
			return fail(ld, rn, "'delay' belongs to action 'delay'");
		if (r->action != LINK_DUPLICATE && rl.has_copies)
			return fail(ld, rn, "'copies' belongs to action "
					    "'duplicate'");
		if (!r->name) {
			char nm[32];
			snprintf(nm, sizeof nm, "line-%d", r->line);
			r->name = own_str(ld, rn, nm);
			if (!r->name)
				return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(rules[j].name, r->name) == 0)
				return fail(ld, rn, "duplicate rule name '%s' "
						    "(first at line %d)",
					    r->name, rules[j].line);
	}
	*out = rules;
	*nout = n;
	return 0;
}

static int add_link(struct ld *ld, yaml_node_t *n, int a, int b,
		    const struct link_cfg *ab, const struct link_cfg *ba,
		    const struct link_rule *rules, size_t nrules)
{
	struct scenario *s = ld->s;
	if (s->nlinks >= (1u << 20))
		return fail(ld, n, "too many links (more than %u)", 1u << 20);
	if (grow(&s->links, &s->links_cap, s->nlinks + 1, sizeof *s->links,
		 8) < 0)
		return fail(ld, n, "out of memory");
	struct scn_link *l = &s->links[s->nlinks++];
	*l = (struct scn_link){
		.line = (int)n->start_mark.line + 1,
		.col = (int)n->start_mark.column + 1,
		.a = a,
		.b = b,
		.dir = {*ab, *ba},
		.rules = rules,
		.nrules = nrules,
	};
	return 0;
}

static int load_link(struct ld *ld, yaml_node_t *ln)
{
	struct scenario *s = ld->s;
	if (ln->type != YAML_MAPPING_NODE)
		return fail(ld, ln, "a link should be a mapping of keys to "
				    "values, found %s",
			    type_name(ln));
	yaml_node_t *bt = map_get(ld, ln, "between");
	if (!bt)
		return fail(ld, ln, "a link needs 'between: [A, B]'");
	if (bt->type != YAML_SEQUENCE_NODE ||
	    bt->data.sequence.items.top - bt->data.sequence.items.start != 2)
		return fail(ld, bt, "'between' expects a list of two host "
				    "names, e.g. [client, server]");
	yaml_node_t *en[2];
	const char *names[2];
	struct exp_hosts ends[2];
	for (int i = 0; i < 2; i++) {
		en[i] = node(ld, bt->data.sequence.items.start[i]);
		if (scalar(ld, en[i], "between", &names[i]) < 0 ||
		    resolve(ld, en[i], names[i], &ends[i]) < 0)
			return -1;
	}
	if (ends[0].count > 1 && ends[1].count > 1)
		return fail(ld, en[1], "a link joins one host to one host, or "
				       "every host of a template to one host; "
				       "'%s' and '%s' are both templates",
			    names[0], names[1]);
	if (ends[0].first == ends[1].first && ends[0].count == ends[1].count)
		return fail(ld, en[1], "a link joins two different hosts; "
				       "'%s' is linked to itself",
			    names[0]);
	/* The properties for both directions, then per-direction ones. */
	struct link_cfg base = link_cfg_default;
	struct link_rule *rules = NULL;
	size_t nrules = 0;
	yaml_node_pair_t *pb = ln->data.mapping.pairs.start;
	yaml_node_pair_t *pe = ln->data.mapping.pairs.top;
	for (yaml_node_pair_t *p = pb; p < pe; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		if (k->type == YAML_SCALAR_NODE &&
		    strchr((const char *)k->data.scalar.value, '>'))
			continue;
		int key = key_index(ld, k, "a link", link_keys, DK_N);
		if (key < 0)
			return -1;
		for (yaml_node_pair_t *q = pb; q < p; q++)
			if (strcmp((const char *)node(ld, q->key)->data.scalar.value,
				   link_keys[key]) == 0)
				return fail(ld, k, "duplicate key '%s' in a link",
					    link_keys[key]);
		if (key == DK_BETWEEN)
			continue;
		if (key == DK_RULES) {
			if (load_rules(ld, v, names[0], names[1], &rules,
				       &nrules) < 0)
				return -1;
			continue;
		}
		if (on_dirprop(ld, key, k, v, &base) < 0)
			return -1;
	}
	struct link_cfg dir[2] = {base, base};
	for (yaml_node_pair_t *p = pb; p < pe; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		const char *kn = (const char *)k->data.scalar.value;
		const char *gt = strchr(kn, '>');
		if (!gt)
			continue;
		int d = -1;
		for (int i = 0; i < 2; i++) {
			size_t l0 = strlen(names[i]);
			if (strncmp(kn, names[i], l0) == 0 && kn + l0 == gt &&
			    strcmp(gt + 1, names[1 - i]) == 0)
				d = i;
		}
		if (d < 0)
			return fail(ld, k, "'%s' is not a direction of this "
					   "link: use '%s>%s' or '%s>%s'",
				    kn, names[0], names[1], names[1], names[0]);
		if (walk_map(ld, v, "a link direction", link_keys, DK_BETWEEN,
			     on_dirprop, &dir[d]) < 0)
			return -1;
	}
	/* One link per member of a template end. */
	int tmpl = ends[0].count > 1 ? 0 : 1;
	struct exp_hosts single = ends[1 - tmpl];
	for (int i = 0; i < ends[tmpl].count; i++) {
		int ha = tmpl == 0 ? ends[0].first + i : single.first;
		int hb = tmpl == 1 ? ends[1].first + i : single.first;
		if (ha == hb)
			return fail(ld, en[1], "a link joins two different "
					       "hosts; '%s' is linked to itself",
				    s->hosts[ha].name);
		if (add_link(ld, ln, ha, hb, &dir[0], &dir[1], rules, nrules) < 0)
			return -1;
	}
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
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
	for (size_t i = 0; i < n; i++)
		if (load_link(ld, node(ld, v->data.sequence.items.start[i])) < 0)
			return -1;
	/* One link per pair of hosts: sort the pairs (20 bits per host, 20
	 * for the link's index), look at neighbours. */
	uint64_t *keys = malloc((s->nlinks ? s->nlinks : 1) * sizeof *keys);
	if (!keys)
		return fail(ld, v, "out of memory");
	for (size_t i = 0; i < s->nlinks; i++) {
		uint64_t a = (uint64_t)s->links[i].a, b = (uint64_t)s->links[i].b;
		uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
		keys[i] = (lo << 40) | (hi << 20) | i;
	}
	qsort(keys, s->nlinks, sizeof *keys, cmp_pair);
	for (size_t i = 1; i < s->nlinks; i++) {
		if (keys[i] >> 20 != keys[i - 1] >> 20)
			continue;
		size_t first = keys[i - 1] & 0xfffff, dup = keys[i] & 0xfffff;
		const struct scn_link *o = &s->links[first], *l = &s->links[dup];
		free(keys);
		/* l's position is that of its list item */
		yaml_node_t *item = v;
		for (size_t j = 0; j < n; j++) {
			yaml_node_t *c = node(ld, v->data.sequence.items.start[j]);
			if ((int)c->start_mark.line + 1 == l->line &&
			    (int)c->start_mark.column + 1 == l->col)
				item = c;
		}
		return fail(ld, item, "'%s' and '%s' are already linked (line "
				      "%d): one link per pair of hosts",
			    s->hosts[l->a].name, s->hosts[l->b].name, o->line);
	}
	free(keys);
	return 0;
}

/* ---- apps: ----------------------------------------------------------- */

enum {
	AK_AT,
	AK_ON,
	AK_BYTES,
	AK_LISTEN,
	AK_CONNECT,
	AK_SEND,
	AK_SEND_TEXT,
	AK_SHUTDOWN,
	AK_CLOSE,
	AK_ABORT,
	AK_SET,
	AK_INJECT,
	AK_CRASH,
	AK_REBOOT,
	AK_OPTIONS,
	AK_SERVE,
	AK_REQUESTS,
	AK_BULK,
	AK_AS,
	AK_SOCK,
	AK_READ,
	AK_N
};
static const char *const action_keys[] = {
	"at",       "on",     "bytes",  "listen",   "connect", "send",
	"send-text", "shutdown", "close", "abort",  "set",     "inject",
	"crash",    "reboot", "options", "serve",   "requests", "bulk",
	"as",       "sock",    "read",
};

static const char *const event_names[] = {
	"connected", "received", "peer-closed", "closed",
	"refused",   "reset",    "timed-out",
};

struct action_ld {
	struct app_action *a;
	int host;
	bool has_at, has_on, has_bytes;
	yaml_node_t *op_node;
	const char *op_key;
	yaml_node_t *mods[AK_N];
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

/* Socket options: every TCP parameter, and linger0. After the socket is
 * open (`set`), what is fixed by then cannot change. */
static int load_opts(struct ld *ld, yaml_node_t *v, struct app_opts *o,
		     const char *what, bool after_open)
{
	if (v->type != YAML_MAPPING_NODE)
		return fail(ld, v, "%s should be a mapping of socket options, "
				   "found %s",
			    what, type_name(v));
	const char *keys[65];
	size_t n = 0;
	for (size_t i = 0; i < tcp_nparam_fields; i++)
		keys[n++] = tcp_param_fields[i].key;
	keys[n++] = "linger0";
	yaml_node_pair_t *b = v->data.mapping.pairs.start;
	for (yaml_node_pair_t *p = b; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key), *val = node(ld, p->value);
		int key = key_index(ld, k, what, keys, n);
		if (key < 0)
			return -1;
		for (yaml_node_pair_t *q = b; q < p; q++)
			if (strcmp((const char *)node(ld, q->key)->data.scalar.value,
				   keys[key]) == 0)
				return fail(ld, k, "duplicate key '%s' in %s",
					    keys[key], what);
		if ((size_t)key == n - 1) {
			o->linger0_set = true;
			if (get_bool(ld, val, "linger0", &o->linger0) < 0)
				return -1;
			continue;
		}
		const char *kn = keys[key];
		if (strncmp(kn, "challenge-ack-", 14) == 0)
			return fail(ld, k, "'%s' is a host's, not a socket's: "
					   "give it under the host's 'tcp'",
				    kn);
		if (after_open && (strcmp(kn, "sndbuf") == 0 ||
				   strcmp(kn, "rcvbuf") == 0 ||
				   strcmp(kn, "mss") == 0 ||
				   strcmp(kn, "handshake") == 0))
			return fail(ld, k, "'%s' can only be set when the socket "
					   "is opened: give it as an option of "
					   "listen or connect",
				    kn);
		if (get_tcp_param(ld, key, val, &o->tcp, &o->set) < 0)
			return -1;
	}
	return 0;
}

/* ---- injected segments ------------------------------------------------- */

static const char *const inject_keys[] = {"src", "dst", "flags", "seq", "ack",
					  "win", "mss", "len", "data"};

struct inject_ld {
	struct app_inject *j;
	int host;                 /* the injecting host */
	bool has_dst, has_sport, has_len;
};

/* "HOST:PORT" or "A.B.C.D:PORT"; *host is -1 for an address that is no
 * host's. */
static int get_endpoint(struct ld *ld, yaml_node_t *v, const char *key,
			uint32_t *addr, uint16_t *port, int *host)
{
	const char *t;
	if (scalar(ld, v, key, &t) < 0)
		return -1;
	const char *colon = strrchr(t, ':');
	if (!colon || colon == t)
		return fail(ld, v, "'%s' expects HOST:PORT or ADDRESS:PORT "
				   "(found '%s')",
			    key, t);
	char hn[80];
	size_t hl = (size_t)(colon - t);
	if (hl >= sizeof hn)
		return fail(ld, v, "'%s': name too long", key);
	memcpy(hn, t, hl);
	hn[hl] = '\0';
	*host = -1;
	if (ip4_parse(hn, addr) == 0) {
		for (size_t i = 0; i < ld->s->nhosts; i++)
			if (ld->s->hosts[i].addr == *addr)
				*host = (int)i;
	} else {
		if (one_host(ld, v, hn, host) < 0)
			return -1;
		*addr = ld->s->hosts[*host].addr;
	}
	return get_port(ld, v, key, colon + 1, port);
}

static int get_seqexpr(struct ld *ld, yaml_node_t *v, const char *key,
		       struct app_seqexpr *out)
{
	static const struct {
		const char *name;
		enum app_seqvar var;
	} vars[] = {
		{"rcv.nxt", APP_SEQ_RCV_NXT}, {"snd.nxt", APP_SEQ_SND_NXT},
		{"snd.una", APP_SEQ_SND_UNA}, {"iss", APP_SEQ_ISS},
		{"irs", APP_SEQ_IRS},
	};
	const char *t;
	if (scalar(ld, v, key, &t) < 0)
		return -1;
	const char *p = t;
	while (*p == ' ')
		p++;
	*out = (struct app_seqexpr){APP_SEQ_ABS, 0};
	bool var = false;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		size_t n = strlen(vars[i].name);
		if (strncasecmp(p, vars[i].name, n) == 0) {
			out->var = vars[i].var;
			p += n;
			var = true;
			break;
		}
	}
	while (*p == ' ')
		p++;
	int sign = 1;
	if (var) {
		if (*p == '\0')
			return 0;
		if (*p != '+' && *p != '-')
			goto bad;
		sign = *p == '-' ? -1 : 1;
		p++;
		while (*p == ' ')
			p++;
	}
	uint64_t x;
	char num[32];
	size_t n = strspn(p, "0123456789");
	if (n == 0 || n >= sizeof num || p[n] != '\0')
		goto bad;
	memcpy(num, p, n);
	num[n] = '\0';
	if (parse_u64(num, &x) < 0 || x > UINT32_MAX)
		goto bad;
	out->off = sign * (int64_t)x;
	return 0;
bad:
	return fail(ld, v, "'%s' expects a number (0 to 4294967295), or a "
			   "variable of the receiving connection with an "
			   "optional offset: rcv.nxt, snd.nxt, snd.una, iss, "
			   "irs, e.g. rcv.nxt+100 (found '%s')",
		    key, t);
}

static int on_inject(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		     void *obj)
{
	(void)k;
	struct inject_ld *il = obj;
	struct app_inject *j = il->j;
	uint64_t x;
	const char *t, *msg;
	int h;
	switch (key) {
	case 0:
		il->has_sport = true;
		return get_endpoint(ld, v, "src", &j->saddr, &j->sport, &h);
	case 1:
		il->has_dst = true;
		if (get_endpoint(ld, v, "dst", &j->daddr, &j->dport,
				 &j->dst_host) < 0)
			return -1;
		if (j->dst_host < 0)
			return fail(ld, v, "'dst' must be a host of the "
					   "scenario");
		if (j->dst_host == il->host)
			return fail(ld, v, "a host cannot inject to itself: "
					   "tcpsim has no loopback");
		return 0;
	case 2:
		return get_flags(ld, v, "flags", &j->flags);
	case 3:
		return get_seqexpr(ld, v, "seq", &j->seq);
	case 4:
		return get_seqexpr(ld, v, "ack", &j->ack);
	case 5:
		if (get_u64(ld, v, "win", 0, 65535, &x) < 0)
			return -1;
		j->wnd = (uint16_t)x;
		return 0;
	case 6:
		if (get_u64(ld, v, "mss", 1, 65535, &x) < 0)
			return -1;
		j->mss = (uint16_t)x;
		return 0;
	case 7:
		il->has_len = true;
		if (scalar(ld, v, "len", &t) < 0)
			return -1;
		if (scn_parse_size(t, &x, &msg) < 0)
			return fail(ld, v, "'len': %s (found '%s')", msg, t);
		if (x > 65495)
			return fail(ld, v, "'len' is at most 65495 bytes");
		j->len = (uint32_t)x;
		return 0;
	case 8:
		if (scalar(ld, v, "data", &t) < 0)
			return -1;
		if (strlen(t) > 65495)
			return fail(ld, v, "'data' is at most 65495 bytes");
		j->text = own_str(ld, v, t);
		j->len = (uint32_t)strlen(t);
		return j->text ? 0 : -1;
	}
	return 0;
}

static int load_inject(struct ld *ld, yaml_node_t *v, struct app_action *a,
		       int host)
{
	struct app_inject *j = &a->inj;
	struct inject_ld il = {.j = j, .host = host};
	j->wnd = 65535;
	j->saddr = ld->s->hosts[host].addr;
	if (walk_map(ld, v, "inject", inject_keys, 9, on_inject, &il) < 0)
		return -1;
	if (!il.has_dst)
		return fail(ld, v, "inject needs 'dst: HOST:PORT'");
	if (!il.has_sport)
		return fail(ld, v, "inject needs 'src: ADDRESS:PORT' (or "
				   "HOST:PORT)");
	if (il.has_len && j->text)
		return fail(ld, v, "inject has 'len' or 'data', not both");
	/* An IPv4 packet holds 65535 bytes: 20 of IP header, 20 of TCP,
	 * and 4 more for the MSS option. */
	if (j->mss && j->len > 65491)
		return fail(ld, v, "with 'mss', 'len' (or 'data') is at most "
				   "65491 bytes: the MSS option takes 4 of "
				   "the 65535 an IPv4 packet holds");
	if (!map_get(ld, v, "win") && (j->flags & TCP_RST))
		j->wnd = 0;
	return 0;
}

static int on_action(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		     void *obj)
{
	struct action_ld *al = obj;
	struct app_action *a = al->a;
	const char *t, *msg;
	switch (key) {
	case AK_AT:
		al->has_at = true;
		return get_duration(ld, v, "at", &a->at);
	case AK_ON: {
		const char *e;
		size_t ne = sizeof event_names / sizeof event_names[0];
		if (scalar(ld, v, "on", &e) < 0)
			return -1;
		for (size_t i = 0; i < ne; i++)
			if (strcmp(e, event_names[i]) == 0) {
				a->on = (enum app_on)(APP_ON_CONNECTED + i);
				al->has_on = true;
				return 0;
			}
		const char *hint = suggest(e, event_names, ne);
		return fail(ld, v, "unknown event '%s'%s%s%s (events: "
				   "connected, received, peer-closed, closed, "
				   "refused, reset, timed-out)",
			    e, hint ? " (did you mean '" : "",
			    hint ? hint : "", hint ? "'?)" : "");
	}
	case AK_BYTES:
		al->has_bytes = true;
		return get_u64(ld, v, "bytes", 1, UINT64_MAX, &a->on_bytes);
	case AK_LISTEN:
		if (set_op(ld, al, k, APP_OP_LISTEN) < 0 ||
		    scalar(ld, v, "listen", &t) < 0)
			return -1;
		return get_port(ld, v, "listen", t, &a->port);
	case AK_CONNECT: {
		if (set_op(ld, al, k, APP_OP_CONNECT) < 0 ||
		    scalar(ld, v, "connect", &t) < 0)
			return -1;
		const char *colon = strrchr(t, ':');
		if (!colon || colon == t)
			return fail(ld, v, "'connect' expects HOST:PORT, e.g. "
					   "server:80 (found '%s')",
				    t);
		char hn[80];
		size_t hl = (size_t)(colon - t);
		if (hl >= sizeof hn)
			return unknown_host(ld, v, t);
		memcpy(hn, t, hl);
		hn[hl] = '\0';
		int h;
		if (one_host(ld, v, hn, &h) < 0)
			return -1;
		if (h == al->host)
			return fail(ld, v, "'%s' cannot connect to itself: "
					   "tcpsim has no loopback",
				    hn);
		a->peer = h;
		a->peer_addr = ld->s->hosts[h].addr;
		return get_port(ld, v, "connect", colon + 1, &a->port);
	}
	case AK_SEND:
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
	case AK_SEND_TEXT:
		if (set_op(ld, al, k, APP_OP_SEND) < 0 ||
		    scalar(ld, v, "send-text", &t) < 0)
			return -1;
		a->text = own_str(ld, v, t);
		if (!a->text)
			return -1;
		a->bytes = strlen(t);
		return 0;
	case AK_SHUTDOWN:
	case AK_CLOSE:
	case AK_ABORT:
	case AK_CRASH:
	case AK_REBOOT: {
		static const enum app_op ops[] = {APP_OP_SHUTDOWN, APP_OP_CLOSE,
						  APP_OP_ABORT, 0, 0,
						  APP_OP_CRASH, APP_OP_REBOOT};
		if (set_op(ld, al, k, ops[key - AK_SHUTDOWN]) < 0)
			return -1;
		return get_true(ld, v, action_keys[key]);
	}
	case AK_SET:
		if (set_op(ld, al, k, APP_OP_SET) < 0)
			return -1;
		return load_opts(ld, v, &a->opts, "set", true);
	case AK_INJECT:
		if (set_op(ld, al, k, APP_OP_INJECT) < 0)
			return -1;
		return load_inject(ld, v, a, al->host);
	case AK_OPTIONS:
		al->mods[key] = k;
		return load_opts(ld, v, &a->opts, "options", false);
	case AK_SERVE:
		al->mods[key] = k;
		if (v->type == YAML_SCALAR_NODE) {
			if (scalar(ld, v, "serve", &t) < 0)
				return -1;
			if (strcmp(t, "echo") == 0)
				a->serve = APP_SERVE_ECHO;
			else if (strcmp(t, "sink") == 0)
				a->serve = APP_SERVE_SINK;
			else
				return fail(ld, v, "'serve' is echo, sink, or "
						   "{respond: SIZE, per: SIZE} "
						   "(found '%s')",
					    t);
			return 0;
		} else {
			static const char *const rk[] = {"respond", "per"};
			yaml_node_t *r = map_get(ld, v, "respond");
			yaml_node_t *p = map_get(ld, v, "per");
			if (walk_map(ld, v, "serve", rk, 2, NULL, NULL) < 0)
				return -1;
			if (!r || !p)
				return fail(ld, v, "a responding server needs "
						   "'respond: SIZE' and 'per: "
						   "SIZE'");
			if (get_nonzero_size(ld, r, "respond",
					     &a->resp_size) < 0 ||
			    get_nonzero_size(ld, p, "per", &a->req_size) < 0)
				return -1;
			a->serve = APP_SERVE_RESPOND;
			return 0;
		}
	case AK_REQUESTS: {
		al->mods[key] = k;
		static const char *const rk[] = {"count", "size", "response"};
		if (walk_map(ld, v, "requests", rk, 3, NULL, NULL) < 0)
			return -1;
		yaml_node_t *c = map_get(ld, v, "count");
		yaml_node_t *sz = map_get(ld, v, "size");
		yaml_node_t *re = map_get(ld, v, "response");
		if (!c || !sz || !re)
			return fail(ld, v, "requests need 'count', 'size' and "
					   "'response'");
		if (get_u64(ld, c, "count", 1, UINT32_MAX, &a->req_count) < 0)
			return -1;
		if (get_nonzero_size(ld, sz, "size", &a->req_size) < 0 ||
		    get_nonzero_size(ld, re, "response", &a->resp_size) < 0)
			return -1;
		return 0;
	}
	case AK_AS:
	case AK_SOCK:
		al->mods[key] = k;
		if (scalar(ld, v, action_keys[key], &t) < 0)
			return -1;
		if (!valid_name(t))
			return fail(ld, v, "a socket name starts with a letter "
					   "and uses only letters, digits, '-', "
					   "'_' and '.' (found '%s')",
				    t);
		if (!(*(key == AK_AS ? &a->as : &a->sock) = own_str(ld, v, t)))
			return -1;
		return 0;
	case AK_READ: {
		al->mods[key] = k;
		static const char *const rk[] = {"bytes", "every"};
		if (walk_map(ld, v, "read", rk, 2, NULL, NULL) < 0)
			return -1;
		yaml_node_t *b = map_get(ld, v, "bytes");
		yaml_node_t *e = map_get(ld, v, "every");
		if (!b || !e)
			return fail(ld, v, "a slow reader needs 'bytes' and "
					   "'every', e.g. {bytes: 512, every: "
					   "100ms}");
		if (get_nonzero_size(ld, b, "bytes", &a->read_bytes) < 0)
			return -1;
		if (get_duration(ld, e, "every", &a->read_every) < 0)
			return -1;
		if (!a->read_every)
			return fail(ld, e, "'every' must be greater than 0");
		return 0;
	}
	case AK_BULK:
		al->mods[key] = k;
		return get_nonzero_size(ld, v, "bulk", &a->bulk);
	}
	return 0;
}

/* Check an action after its keys are read. */
static int check_action(struct ld *ld, yaml_node_t *an, struct action_ld *al)
{
	struct app_action *a = al->a;
	if (al->has_at && al->has_on)
		return fail(ld, an, "an action runs 'at' a time or 'on' an "
				    "event, not both");
	if (!al->has_at && !al->has_on)
		return fail(ld, an, "an action needs 'at: TIME' or 'on: EVENT'");
	if (al->has_bytes && a->on != APP_ON_RECEIVED)
		return fail(ld, an, "'bytes' belongs to 'on: received'");
	if (a->on == APP_ON_RECEIVED && !al->has_bytes)
		a->on_bytes = 1;
	if (!al->op_node)
		return fail(ld, an, "an action needs one thing to do: listen, "
				    "connect, send, send-text, shutdown, "
				    "close, abort, set, inject, crash or "
				    "reboot");
	static const struct {
		int key;
		enum app_op op1, op2;
	} mods[] = {
		{AK_OPTIONS, APP_OP_LISTEN, APP_OP_CONNECT},
		{AK_SERVE, APP_OP_LISTEN, APP_OP_LISTEN},
		{AK_REQUESTS, APP_OP_CONNECT, APP_OP_CONNECT},
		{AK_BULK, APP_OP_CONNECT, APP_OP_CONNECT},
		{AK_AS, APP_OP_LISTEN, APP_OP_CONNECT},
		{AK_READ, APP_OP_LISTEN, APP_OP_CONNECT},
	};
	for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
		yaml_node_t *m = al->mods[mods[i].key];
		if (m && a->op != mods[i].op1 && a->op != mods[i].op2)
			return fail(ld, m, "'%s' belongs to %s",
				    action_keys[mods[i].key],
				    mods[i].op1 == mods[i].op2
					    ? (mods[i].op1 == APP_OP_LISTEN
						       ? "'listen'"
						       : "'connect'")
					    : "'listen' or 'connect'");
	}
	if (al->mods[AK_SOCK] && (a->op == APP_OP_LISTEN ||
				   a->op == APP_OP_CONNECT ||
				   a->op == APP_OP_INJECT ||
				   a->op == APP_OP_CRASH ||
				   a->op == APP_OP_REBOOT))
		return fail(ld, al->mods[AK_SOCK], "'sock' picks the sockets "
						   "an action works on; '%s' "
						   "works on no socket (name "
						   "a new one with 'as')",
			    al->op_key);
	if (al->mods[AK_REQUESTS] && al->mods[AK_BULK])
		return fail(ld, al->mods[AK_BULK], "a connection makes "
						   "'requests' or sends "
						   "'bulk', not both");
	return 0;
}

static int push_action(struct ld *ld, yaml_node_t *n, int host,
		       const struct app_action *a)
{
	struct scn_host *h = &ld->s->hosts[host];
	if (grow(&h->acts, &h->acts_cap, h->nacts + 1, sizeof *h->acts, 4) < 0)
		return fail(ld, n, "out of memory");
	h->acts[h->nacts++] = *a;
	return 0;
}

static int load_actions(struct ld *ld, struct exp_hosts hs, const char *name,
			yaml_node_t *v)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(ld, v, "the actions of '%s' should be a list, "
				   "found %s",
			    name, type_name(v));
	size_t n = (size_t)(v->data.sequence.items.top -
			    v->data.sequence.items.start);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *an = node(ld, v->data.sequence.items.start[i]);
		/* Each member of a template reads the action for itself:
		 * 'connect' and 'inject' refer to it. */
		for (int m = 0; m < hs.count; m++) {
			struct app_action a = {
				.line = (int)an->start_mark.line + 1,
				.col = (int)an->start_mark.column + 1,
				.peer = -1,
			};
			struct action_ld al = {.a = &a, .host = hs.first + m};
			if (walk_map(ld, an, "an action", action_keys, AK_N,
				     on_action, &al) < 0 ||
			    check_action(ld, an, &al) < 0 ||
			    push_action(ld, an, hs.first + m, &a) < 0)
				return -1;
		}
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
		struct exp_hosts hs;
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *qk = node(ld, q->key);
			if (k->type == YAML_SCALAR_NODE &&
			    qk->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)qk->data.scalar.value,
				   (const char *)k->data.scalar.value) == 0)
				return fail(ld, k, "duplicate key '%s' in apps "
						   "(first at line %zu)",
					    (const char *)k->data.scalar.value,
					    qk->start_mark.line + 1);
		}
		if (get_hosts_ref(ld, k, "apps", &hs) < 0)
			return -1;
		if (load_actions(ld, hs, (const char *)k->data.scalar.value,
				 node(ld, p->value)) < 0)
			return -1;
	}
	return 0;
}

/* ---- expect: --------------------------------------------------------- */

enum {
	EK_HOST,
	EK_PEER,
	EK_PORT,
	EK_STATE,
	EK_AT,
	EK_EVENT,
	EK_FLAGS,
	EK_FLAGS_EXACT,
	EK_FROM,
	EK_TO,
	EK_TIMER,
	EK_OP,
	EK_WHAT,
	EK_RULE,
	EK_AFTER,
	EK_BEFORE,
	EK_COUNT,
	EK_MIN,
	EK_MAX,
	EK_DELIVERED,
	EK_END,
	EK_SEQ,
	EK_ACK,
	EK_LEN,
	EK_WIN,
	EK_WHY,
	EK_N
};
static const char *const expect_keys[] = {
	"host",  "peer",   "port",   "state",  "at",       "event", "flags",
	"flags-exact", "from", "to", "timer",  "op",       "what",  "rule",
	"after", "before", "count",  "min",    "max",      "delivered", "end",
	"seq",   "ack",    "len",    "win",    "why",
};

static const char *const exp_event_names[] = {
	"send", "retransmit", "recv", "drop",  "ignore",
	"state", "timer",     "app",  "link",  "host",
};

static const char *const end_names[] = {"normal",    "reset",   "refused",
					"timed-out", "aborted", "crashed"};

struct expect_ld {
	struct expectation *e;
	yaml_node_t *nodes[EK_N];
};

static const char *const delivered_keys[] = {"from", "to", "bytes", "intact"};

static int on_delivered(struct ld *ld, int key, yaml_node_t *k,
			yaml_node_t *v, void *obj)
{
	(void)k;
	struct expectation *e = obj;
	switch (key) {
	case 0:
		return get_hosts_ref(ld, v, "from", &e->peer);
	case 1:
		return get_hosts_ref(ld, v, "to", &e->host);
	case 2:
		e->bytes_set = true;
		return get_u64(ld, v, "bytes", 0, UINT64_MAX, &e->bytes);
	default:
		e->intact_set = true;
		return get_bool(ld, v, "intact", &e->intact);
	}
}

static int pick(struct ld *ld, yaml_node_t *v, const char *key,
		const char *const *names, size_t n, int *out)
{
	const char *t;
	if (scalar(ld, v, key, &t) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	const char *hint = suggest(t, names, n);
	char list[256] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list),
			 "%s%s", i ? ", " : "", names[i]);
	return fail(ld, v, "'%s': unknown value '%s'%s%s%s (one of: %s)", key,
		    t, hint ? " (did you mean '" : "", hint ? hint : "",
		    hint ? "'?)" : "", list);
}

static int on_expect(struct ld *ld, int key, yaml_node_t *k, yaml_node_t *v,
		     void *obj)
{
	(void)k;
	struct expect_ld *el = obj;
	struct expectation *e = el->e;
	const char *t;
	int x;
	el->nodes[key] = v;
	switch (key) {
	case EK_HOST:
		return get_hosts_ref(ld, v, "host", &e->host);
	case EK_PEER:
		return get_hosts_ref(ld, v, "peer", &e->peer);
	case EK_PORT:
		if (scalar(ld, v, "port", &t) < 0)
			return -1;
		return get_port(ld, v, "port", t, &e->port);
	case EK_STATE:
		return get_state(ld, v, "state", &e->state);
	case EK_AT:
		if (scalar(ld, v, "at", &t) < 0)
			return -1;
		if (strcmp(t, "end") == 0) {
			e->at_end = true;
			return 0;
		}
		return get_duration(ld, v, "at", &e->at);
	case EK_EVENT:
		if (pick(ld, v, "event", exp_event_names,
			 sizeof exp_event_names / sizeof exp_event_names[0],
			 &x) < 0)
			return -1;
		e->event = (enum exp_event)x;
		return 0;
	case EK_FLAGS:
	case EK_FLAGS_EXACT:
		if (e->match_flags)
			return fail(ld, k, "an expectation has 'flags' or "
					   "'flags-exact', not both");
		e->match_flags = true;
		e->flags_exact = key == EK_FLAGS_EXACT;
		return get_flags(ld, v, expect_keys[key], &e->flags);
	case EK_FROM:
		return get_state(ld, v, "from", &e->from_state);
	case EK_TO:
		return get_state(ld, v, "to", &e->to_state);
	case EK_TIMER: {
		if (pick(ld, v, "timer", tcp_timer_names, TCP_NTIMERS,
			 &x) < 0)
			return -1;
		e->timer = tcp_timer_names[x];
		return 0;
	}
	case EK_OP: {
		static const char *const ops[] = {"set", "fire", "cancel"};
		if (pick(ld, v, "op", ops, 3, &e->timer_op) < 0)
			return -1;
		return 0;
	}
	case EK_WHAT:
		if (scalar(ld, v, "what", &t) < 0)
			return -1;
		e->what = own_str(ld, v, t);
		return e->what ? 0 : -1;
	case EK_RULE:
		if (scalar(ld, v, "rule", &t) < 0)
			return -1;
		e->rule = own_str(ld, v, t);
		return e->rule ? 0 : -1;
	case EK_AFTER:
		return get_duration(ld, v, "after", &e->after);
	case EK_BEFORE:
		return get_duration(ld, v, "before", &e->before);
	case EK_COUNT: {
		uint64_t n;
		if (get_u64(ld, v, "count", 0, UINT64_MAX, &n) < 0)
			return -1;
		e->min = e->max = n;
		return 0;
	}
	case EK_MIN:
		return get_u64(ld, v, "min", 0, UINT64_MAX, &e->min);
	case EK_MAX:
		return get_u64(ld, v, "max", 0, UINT64_MAX, &e->max);
	case EK_DELIVERED:
		if (walk_map(ld, v, "delivered", delivered_keys, 4,
			     on_delivered, e) < 0)
			return -1;
		if (!map_get(ld, v, "from") || !map_get(ld, v, "to"))
			return fail(ld, v, "'delivered' needs 'from' and 'to'");
		return 0;
	case EK_END:
		if (pick(ld, v, "end", end_names, 6, &x) < 0)
			return -1;
		e->end = (enum tcp_end)(TCP_END_NORMAL + x);
		return 0;
	case EK_SEQ:
	case EK_ACK:
	case EK_LEN:
	case EK_WIN: {
		uint64_t n;
		static const uint64_t top[] = {UINT32_MAX, UINT32_MAX, 65535,
					       65535};
		if (get_u64(ld, v, expect_keys[key], 0, top[key - EK_SEQ],
			    &n) < 0)
			return -1;
		uint32_t *field[] = {&e->seq, &e->ack, &e->len, &e->win};
		bool *has[] = {&e->has_seq, &e->has_ack, &e->has_len,
			       &e->has_win};
		*field[key - EK_SEQ] = (uint32_t)n;
		*has[key - EK_SEQ] = true;
		return 0;
	}
	case EK_WHY:
		if (scalar(ld, v, "why", &t) < 0)
			return -1;
		if (!*t)
			return fail(ld, v, "'why' needs some text to look for");
		e->why = own_str(ld, v, t);
		return e->why ? 0 : -1;
	}
	return 0;
}

/* Keys that make sense for each kind of expectation. */
static int check_expect(struct ld *ld, yaml_node_t *en, struct expect_ld *el)
{
	struct expectation *e = el->e;
	static const char *const kinds[] = {"state", "event", "delivered",
					    "end"};
	int chosen = 0;
	for (int i = 0; i < 4; i++) {
		static const int keys[] = {EK_STATE, EK_EVENT, EK_DELIVERED,
					   EK_END};
		if (!el->nodes[keys[i]])
			continue;
		if (chosen++)
			return fail(ld, el->nodes[keys[i]],
				    "an expectation checks one thing: '%s' "
				    "does not go with '%s'",
				    kinds[i], kinds[e->kind]);
		e->kind = (enum exp_kind)i;
	}
	if (!chosen)
		return fail(ld, en, "an expectation needs one of 'state', "
				    "'event', 'delivered' or 'end'");
	/* allowed keys per kind */
	static const uint32_t allowed[] = {
		[EXP_STATE] = 1u << EK_HOST | 1u << EK_PEER | 1u << EK_PORT |
			      1u << EK_STATE | 1u << EK_AT,
		[EXP_EVENT] = ~(1u << EK_STATE | 1u << EK_AT |
				1u << EK_DELIVERED | 1u << EK_END),
		[EXP_DELIVERED] = 1u << EK_DELIVERED,
		[EXP_END] = 1u << EK_HOST | 1u << EK_PEER | 1u << EK_PORT |
			    1u << EK_END,
	};
	for (int k = 0; k < EK_N; k++)
		if (el->nodes[k] && !(allowed[e->kind] & (1u << k)))
			return fail(ld, el->nodes[k], "'%s' does not belong to "
						      "a '%s' expectation",
				    expect_keys[k], kinds[e->kind]);
	switch (e->kind) {
	case EXP_STATE:
		if (!e->host.count)
			return fail(ld, en, "a state expectation needs 'host'");
		if (!el->nodes[EK_AT])
			return fail(ld, en, "a state expectation needs 'at: "
					    "TIME' or 'at: end'");
		break;
	case EXP_END:
		if (!e->host.count)
			return fail(ld, en, "an end expectation needs 'host'");
		break;
	case EXP_EVENT:
		if (e->min > e->max)
			return fail(ld, en, "'min' is larger than 'max'");
		if (e->after > e->before)
			return fail(ld, en, "'after' is later than 'before'");
		if ((el->nodes[EK_FROM] || el->nodes[EK_TO]) &&
		    e->event != EXP_EV_STATE)
			return fail(ld, el->nodes[EK_FROM] ? el->nodes[EK_FROM]
							   : el->nodes[EK_TO],
				    "'from' and 'to' are states: they belong "
				    "to 'event: state'");
		if ((el->nodes[EK_TIMER] || el->nodes[EK_OP]) &&
		    e->event != EXP_EV_TIMER)
			return fail(ld, el->nodes[EK_TIMER] ? el->nodes[EK_TIMER]
							    : el->nodes[EK_OP],
				    "'timer' and 'op' belong to 'event: "
				    "timer'");
		/* flags and the segment's fields */
		static const int seg_keys[] = {EK_FLAGS, EK_FLAGS_EXACT, EK_SEQ,
					       EK_ACK, EK_LEN, EK_WIN};
		enum exp_event ev = e->event;
		for (size_t i = 0; i < sizeof seg_keys / sizeof *seg_keys; i++)
			if (el->nodes[seg_keys[i]] &&
			    (ev == EXP_EV_STATE || ev == EXP_EV_TIMER ||
			     ev == EXP_EV_APP || ev == EXP_EV_HOST))
				return fail(ld, el->nodes[seg_keys[i]],
					    "'%s' belongs to segment events "
					    "(send, retransmit, recv, drop, "
					    "ignore, link)",
					    expect_keys[seg_keys[i]]);
		if (el->nodes[EK_WHAT]) {
			static const char *const app_what[] = {
				"connected", "data", "end-of-stream", "closed",
				"normal", "reset", "refused", "timed-out",
				"aborted", "crashed", "listen", "connect",
				"send", "shutdown", "close", "abort", "set",
				"inject", "crash", "reboot"};
			static const char *const link_what[] = {
				"duplicate", "delay", "corrupt", "hold",
				"release", "down", "up"};
			static const char *const host_what[] = {"crash",
								"reboot"};
			const char *const *names = NULL;
			size_t nn = 0;
			if (e->event == EXP_EV_APP)
				names = app_what, nn = 20;
			else if (e->event == EXP_EV_LINK)
				names = link_what, nn = 7;
			else if (e->event == EXP_EV_HOST)
				names = host_what, nn = 2;
			if (!names)
				return fail(ld, el->nodes[EK_WHAT],
					    "'what' belongs to 'event: app', "
					    "'event: link' or 'event: host'");
			int x;
			if (pick(ld, el->nodes[EK_WHAT], "what", names, nn,
				 &x) < 0)
				return -1;
		}
		if (el->nodes[EK_RULE] && e->event != EXP_EV_DROP &&
		    e->event != EXP_EV_LINK)
			return fail(ld, el->nodes[EK_RULE], "'rule' belongs to "
							    "'event: drop' or "
							    "'event: link'");
		break;
	case EXP_DELIVERED:
		break;
	}
	return 0;
}

static int load_expect(struct ld *ld, yaml_node_t *v)
{
	struct scenario *s = ld->s;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(ld, v, "'expect' should be a list of expectations, "
				   "found %s",
			    type_name(v));
	size_t n = (size_t)(v->data.sequence.items.top -
			    v->data.sequence.items.start);
	s->expects = calloc(n ? n : 1, sizeof *s->expects);
	if (!s->expects)
		return fail(ld, v, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *en = node(ld, v->data.sequence.items.start[i]);
		struct expectation *e = &s->expects[s->nexpects];
		*e = (struct expectation){
			.line = (int)en->start_mark.line + 1,
			.col = (int)en->start_mark.column + 1,
			.from_state = -1,
			.to_state = -1,
			.timer_op = -1,
			.before = SIM_TIME_MAX,
			.min = 1,
			.max = UINT64_MAX,
		};
		struct expect_ld el = {.e = e};
		if (walk_map(ld, en, "an expectation", expect_keys, EK_N,
			     on_expect, &el) < 0 ||
		    check_expect(ld, en, &el) < 0)
			return -1;
		s->nexpects++;
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
	TK_MAX_CONNS,
	TK_MAX_MEMORY,
	TK_MAX_HOSTS,
	TK_TCP,
	TK_HOSTS,
	TK_LINKS,
	TK_APPS,
	TK_EXPECT,
};
static const char *const top_keys[] = {
	"name",	      "description", "seed",  "stop",  "max-events",
	"max-conns",  "max-memory",  "max-hosts", "tcp", "hosts",
	"links",      "apps",	     "expect"};

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
	case TK_MAX_CONNS:
		return get_u64(ld, v, "max-conns", 1, UINT64_MAX,
			       &s->max_conns);
	case TK_MAX_MEMORY:
		return get_nonzero_size(ld, v, "max-memory", &s->max_memory);
	case TK_MAX_HOSTS:
		return 0; /* read before the hosts (load_doc) */
	case TK_TCP:
		return load_tcp(ld, v, &s->tcp, "tcp");
	case TK_HOSTS:
		return ld->hosts_done ? 0 : load_hosts(ld, v);
	case TK_LINKS:
		return load_links(ld, v);
	case TK_APPS:
		return load_apps(ld, v);
	case TK_EXPECT:
		return load_expect(ld, v);
	}
	return 0;
}

static int check_params(struct ld *ld, yaml_node_t *root)
{
	struct scenario *s = ld->s;
	for (size_t i = 0; i < s->nhosts; i++) {
		struct tcp_params p;
		scn_host_params(s, i, &p);
		if (p.rto_min <= p.rto_max)
			continue;
		yaml_node_t *at = map_get(ld, root, "tcp");
		if (s->hosts[i].tcp.set) {
			const struct scn_group *g = &s->groups[s->hosts[i].group];
			struct scn_error *e = ld->err;
			snprintf(e->file, sizeof e->file, "%s", ld->file);
			snprintf(e->msg, sizeof e->msg,
				 "host '%s': rto-min is larger than rto-max",
				 g->name);
			e->line = g->line;
			e->col = g->col;
			e->src[0] = '\0';
			return -1;
		}
		return fail(ld, at ? at : root, "rto-min is larger than rto-max");
	}
	/* a socket's options lie over its host's parameters */
	for (size_t i = 0; i < s->nhosts; i++) {
		struct tcp_params p;
		scn_host_params(s, i, &p);
		for (size_t j = 0; j < s->hosts[i].nacts; j++) {
			const struct app_action *a = &s->hosts[i].acts[j];
			if (a->op != APP_OP_LISTEN && a->op != APP_OP_CONNECT)
				continue;
			struct tcp_params q = p;
			tcp_params_apply(&q, &a->opts.tcp, a->opts.set);
			if (q.rto_min <= q.rto_max)
				continue;
			struct scn_error *e = ld->err;
			snprintf(e->file, sizeof e->file, "%s", ld->file);
			snprintf(e->msg, sizeof e->msg, "the socket's rto-min is "
				 "larger than its rto-max");
			e->line = a->line;
			e->col = a->col;
			e->src[0] = '\0';
			return -1;
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
	s->max_conns = SCN_DEFAULT_MAX_CONNS;
	s->max_hosts = SCN_DEFAULT_MAX_HOSTS;
	s->max_memory = SCN_DEFAULT_MAX_MEMORY;
	scn_tcp_init(&s->tcp);
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
	for (size_t i = 0; i < s->ngroups; i++)
		free(s->groups[i].name);
	for (size_t i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	free(s->owned);
	free(s->groups);
	free(s->hosts);
	free(s->links);
	free(s->expects);
	free(s->file);
	free(s->name);
	free(s->description);
	free(s);
}

/* ---- --set overrides -------------------------------------------------- */

static int set_fail(struct ld *ld, const struct scn_set *o, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int set_fail(struct ld *ld, const struct scn_set *o, const char *fmt,
		    ...)
{
	yaml_mark_t m = {.index = SET_MARK_BASE + (size_t)(o - ld->sets)};
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail_at(ld, &m, fmt, ap);
	va_end(ap);
	return rc;
}

/* A new plain scalar marked as the k-th override's; 0 if memory ran out. */
static int set_scalar(struct ld *ld, size_t k, const char *text, size_t len)
{
	if (len > INT_MAX)
		return 0;
	int id = yaml_document_add_scalar(&ld->doc, NULL,
					  (const yaml_char_t *)text, (int)len,
					  YAML_PLAIN_SCALAR_STYLE);
	if (id)
		node(ld, id)->start_mark.index = SET_MARK_BASE + k;
	return id;
}

/* Apply override k to the document: follow its path (mapping keys, list
 * indices from 0) and put its value there as a plain scalar. A key the
 * document lacks is added (with mappings on the way), so that the
 * walker judges it like any key in the file: an unknown one is an error
 * with a suggestion. Nodes are handled by id, since adding one may move
 * the nodes (not a list's or a mapping's own array). */
static int apply_set(struct ld *ld, size_t k)
{
	const struct scn_set *o = &ld->sets[k];
	const char *p = o->path;
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	if (!root)
		return set_fail(ld, o, "the scenario is empty");
	int cur = 1; /* the root node's id */
	if (!*p)
		return set_fail(ld, o, "no path before '='");
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		bool last = !dot;
		if (n == 0)
			return set_fail(ld, o, "empty step in the path '%s'",
					o->path);
		yaml_node_t *c = node(ld, cur);
		int *slot = NULL; /* where the next node's id is kept */
		if (c->type == YAML_SEQUENCE_NODE) {
			size_t len = (size_t)(c->data.sequence.items.top -
					      c->data.sequence.items.start);
			size_t i = 0;
			bool num = n <= 9;
			for (size_t j = 0; j < n && num; j++)
				num = p[j] >= '0' && p[j] <= '9';
			for (size_t j = 0; j < n && num; j++)
				i = i * 10 + (size_t)(p[j] - '0');
			if (!num)
				return set_fail(ld, o, "'%.*s' is a list: the step "
						       "after it is an index "
						       "(0, 1, ...), not '%.*s'",
						(int)(p == o->path ? 0
								   : p - o->path - 1),
						o->path, (int)n, p);
			if (i >= len)
				return set_fail(ld, o, "'%.*s' has %zu "
						       "entr%s (0 to %zu): no "
						       "index %zu",
						(int)(p == o->path ? 0
								   : p - o->path - 1),
						o->path, len, len == 1 ? "y" : "ies",
						len ? len - 1 : 0, i);
			slot = &c->data.sequence.items.start[i];
		} else if (c->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *q = c->data.mapping.pairs.start;
			     q < c->data.mapping.pairs.top; q++) {
				yaml_node_t *key = node(ld, q->key);
				if (key->type == YAML_SCALAR_NODE &&
				    key->data.scalar.length == n &&
				    memcmp(key->data.scalar.value, p, n) == 0) {
					slot = &q->value;
					break;
				}
			}
			if (!slot) {
				/* a key the file does not have: add it */
				int kid = set_scalar(ld, k, p, n);
				int vid = last ? set_scalar(ld, k, o->value,
							    strlen(o->value))
					       : yaml_document_add_mapping(
							 &ld->doc, NULL,
							 YAML_BLOCK_MAPPING_STYLE);
				if (!kid || !vid ||
				    !yaml_document_append_mapping_pair(
					    &ld->doc, cur, kid, vid))
					return set_fail(ld, o, "out of memory");
				if (!last)
					node(ld, vid)->start_mark.index =
						SET_MARK_BASE + k;
				if (last)
					return 0;
				cur = vid;
				p = dot + 1;
				continue;
			}
		} else {
			return set_fail(ld, o, "'%.*s' is a single value: there "
					       "is nothing inside it to set",
					(int)(p == o->path ? 0 : p - o->path - 1),
					o->path);
		}
		if (last) {
			/* slot lies in the list's or mapping's own array,
			 * which adding a node does not move */
			int vid = set_scalar(ld, k, o->value, strlen(o->value));
			if (!vid)
				return set_fail(ld, o, "out of memory");
			*slot = vid;
			return 0;
		}
		cur = *slot;
		p = dot + 1;
	}
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
	/* the limit the hosts are counted against comes first */
	yaml_node_t *mh = map_get(ld, root, "max-hosts");
	if (mh && get_u64(ld, mh, "max-hosts", 1, SCN_MAX_HOSTS_LIMIT,
			  &ld->s->max_hosts) < 0)
		return -1;
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
	return scn_load_string_set(file, text, len, NULL, 0, out, err);
}

int scn_load_string_set(const char *file, const char *text, size_t len,
			const struct scn_set *sets, size_t nsets,
			struct scenario **out, struct scn_error *err)
{
	struct ld ld = {.file = file, .text = text, .len = len, .err = err,
			.sets = sets, .nsets = nsets};
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
	for (size_t k = 0; k < nsets; k++)
		if (apply_set(&ld, k) < 0)
			goto out_parser;
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
	free(ld.ix);
	scn_free(ld.s);
	return rc;
}

int scn_read_file(const char *path, char **out, size_t *outlen,
		  struct scn_error *err)
{
	struct ld ld = {.file = path, .err = err};
	struct stat st;
	char *text = NULL;
	int rc = -1;

	memset(err, 0, sizeof *err);
	*out = NULL;
	*outlen = 0;
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
	*out = text;
	*outlen = n;
	text = NULL;
	rc = 0;
out:
	free(text);
	fclose(f);
	return rc;
}

int scn_load_file(const char *path, struct scenario **out,
		  struct scn_error *err)
{
	char *text;
	size_t n;
	*out = NULL;
	if (scn_read_file(path, &text, &n, err) < 0)
		return -1;
	int rc = scn_load_string(path, text, n, out, err);
	free(text);
	return rc;
}
