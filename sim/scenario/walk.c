/* walk.c — errors with their position, and the walker that reads a
 * mapping against a section's table of keys (loader.h).
 *
 * Every section goes through ld_walk: it rejects unknown keys (offering
 * the closest known one), repeated keys, keys the section refuses and a
 * second key of a one_of group, checks each value's node type, and calls
 * the row's handler with a pointer to its field. The order of the checks
 * is that of the messages users have always seen: a file with several
 * errors reports the same first one.
 *
 * Known limits: suggestions are drawn from at most 128 keys, and only for
 * keys of at most 40 characters.
 */
#include "sim/scenario/loader.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* ---- errors ----------------------------------------------------------- */

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

int ld_vfail(struct ld *ld, const yaml_mark_t *m, const char *fmt, va_list ap)
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

int ld_fail(struct ld *ld, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = ld_vfail(ld, n ? &n->start_mark : NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int ld_fail_mark(struct ld *ld, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = ld_vfail(ld, m, fmt, ap);
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

/* ---- nodes ------------------------------------------------------------ */

yaml_node_t *ld_node(struct ld *ld, int id)
{
	return yaml_document_get_node(&ld->doc, id);
}

const char *ld_type_name(const yaml_node_t *n)
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

int ld_scalar(struct ld *ld, yaml_node_t *n, const char *key,
	      const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return ld_fail(ld, n, "'%s' expects a single value, found %s",
			       key, ld_type_name(n));
	const char *v = ld_text(n);
	if (n->data.scalar.length == 0 &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return ld_fail(ld, n, "'%s' has no value", key);
	if (strlen(v) != n->data.scalar.length)
		return ld_fail(ld, n, "'%s' contains a NUL character", key);
	*out = v;
	return 0;
}

const char *ld_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static yaml_node_pair_t *pair_of(struct ld *ld, yaml_node_t *map,
				 const char *key)
{
	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key);
		if (k->type == YAML_SCALAR_NODE && strcmp(ld_text(k), key) == 0)
			return p;
	}
	return NULL;
}

yaml_node_t *ld_map_get(struct ld *ld, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p = pair_of(ld, map, key);
	return p ? ld_node(ld, p->value) : NULL;
}

yaml_node_t *ld_map_key(struct ld *ld, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p = pair_of(ld, map, key);
	return p ? ld_node(ld, p->key) : NULL;
}

size_t ld_nitems(const yaml_node_t *list)
{
	return (size_t)(list->data.sequence.items.top -
			list->data.sequence.items.start);
}

yaml_node_t *ld_item(struct ld *ld, yaml_node_t *list, size_t i)
{
	return ld_node(ld, list->data.sequence.items.start[i]);
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

const char *ld_suggest(const char *word, const char *const *names, size_t n)
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

int ld_check_dup(struct ld *ld, yaml_node_t *map, yaml_node_pair_t *p,
		 const char *what)
{
	yaml_node_t *k = ld_node(ld, p->key);
	for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
		yaml_node_t *qk = ld_node(ld, q->key);
		if (k->type != YAML_SCALAR_NODE ||
		    qk->type != YAML_SCALAR_NODE ||
		    strcmp(ld_text(qk), ld_text(k)) != 0)
			continue;
		return ld_fail(ld, k, "duplicate key '%s' in %s (first at line "
				      "%zu)",
			       ld_text(k), what, qk->start_mark.line + 1);
	}
	return 0;
}

/* ---- the walker ------------------------------------------------------- */

static int wrong_shape(struct ld *ld, yaml_node_t *v, const char *shape)
{
	return ld_fail(ld, v, "%s, found %s", shape, ld_type_name(v));
}

int ld_need_map(struct ld *ld, yaml_node_t *v, const struct ld_section *sec)
{
	if (v->type == YAML_MAPPING_NODE)
		return 0;
	if (sec->shape)
		return wrong_shape(ld, v, sec->shape);
	return ld_fail(ld, v, "%s should be a mapping of keys to values, "
			      "found %s",
		       sec->what, ld_type_name(v));
}

/* The row called name among sec's own rows (not its parameters). */
static const struct ld_key *own_row(const struct ld_section *sec,
				    const char *name)
{
	LD_ROWS(sec, r)
		if (r->match ? r->match(name) : strcmp(r->key, name) == 0)
			return r;
	return NULL;
}

static int unknown_key(struct ld *ld, yaml_node_t *k,
		       const struct ld_section *sec)
{
	const char *names[128];
	size_t n = 0, max = sizeof names / sizeof names[0];
	for (size_t i = 0; sec->params && i < tcp_nparam_fields && n < max; i++)
		names[n++] = tcp_param_fields[i].key;
	LD_ROWS(sec, r)
		if (!r->match && n < max)
			names[n++] = r->key;
	const char *name = ld_text(k);
	const char *hint = ld_suggest(name, names, n);
	if (hint)
		return ld_fail(ld, k, "unknown key '%s' in %s (did you mean "
				      "'%s'?)",
			       name, sec->what, hint);
	return ld_fail(ld, k, "unknown key '%s' in %s", name, sec->what);
}

const struct ld_key *ld_find(struct ld *ld, yaml_node_t *k,
			     const struct ld_section *sec, struct ld_key *buf)
{
	if (k->type != YAML_SCALAR_NODE) {
		ld_fail(ld, k, "keys in %s must be plain names, found %s",
			sec->what, ld_type_name(k));
		return NULL;
	}
	const char *name = ld_text(k);
	for (size_t i = 0; sec->params && i < tcp_nparam_fields; i++)
		if (strcmp(tcp_param_fields[i].key, name) == 0) {
			ld_param_row(sec, i, buf);
			return buf;
		}
	const struct ld_key *r = own_row(sec, name);
	if (!r)
		unknown_key(ld, k, sec);
	return r;
}

/* Type check, handler, and what the section notes of a key given. */
static int take(struct ld *ld, const struct ld_section *sec,
		const struct ld_key *row, yaml_node_t *v, void *obj)
{
	const char *t;
	switch (row->type) {
	case LD_TEXT:
		if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
			break;
		/* fall through */
	case LD_SCALAR:
		if (ld_scalar(ld, v, row->key, &t) < 0)
			return -1;
		break;
	case LD_MAP:
		if (v->type != YAML_MAPPING_NODE)
			return row->shape ? wrong_shape(ld, v, row->shape)
					  : ld_need_map(ld, v, row->sub);
		break;
	case LD_LIST:
		if (v->type != YAML_SEQUENCE_NODE)
			return wrong_shape(ld, v, row->shape);
		break;
	case LD_ANY:
		break;
	}
	char *base = obj;
	if (row->fn && row->fn(ld, row, v, base + row->off) < 0)
		return -1;
	if (row->seen)
		*(bool *)(void *)(base + row->seen - 1) = true;
	if (row->flags & LDK_PARAM)
		*(uint64_t *)(void *)(base + sec->params->set) |=
			UINT64_C(1) << row->value;
	return 0;
}

/* Pair p gives row, of a one_of group: refused if a key before it is of
 * the same group, else the group's field takes the row's value. */
static int one_of(struct ld *ld, yaml_node_t *map, yaml_node_pair_t *p,
		  const struct ld_section *sec, const struct ld_key *row,
		  void *obj)
{
	const struct ld_one_of *g = row->one_of;
	for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
		const char *first = ld_text(ld_node(ld, q->key));
		const struct ld_key *r = own_row(sec, first);
		if (!r || r->one_of != g)
			continue;
		if (g->say_first)
			return ld_fail(ld, ld_node(ld, p->key),
				       "%s: it already has '%s'", g->msg, first);
		return ld_fail(ld, ld_node(ld, p->key), "%s", g->msg);
	}
	ld_put((char *)obj + g->off, g->size, (uint64_t)row->value);
	return 0;
}

int ld_walk(struct ld *ld, yaml_node_t *map, const struct ld_section *sec,
	    void *obj)
{
	if (ld_need_map(ld, map, sec) < 0)
		return -1;
	yaml_node_pair_t *b = map->data.mapping.pairs.start;
	yaml_node_pair_t *e = map->data.mapping.pairs.top;
	for (yaml_node_pair_t *p = b; p < e; p++) {
		yaml_node_t *k = ld_node(ld, p->key);
		struct ld_key buf;
		const struct ld_key *row = ld_find(ld, k, sec, &buf);
		if (!row)
			return -1;
		if (ld_check_dup(ld, map, p, sec->what) < 0)
			return -1;
		for (const struct ld_refusal *r = sec->refused; r && r->key;
		     r++)
			if (strcmp(r->key, row->key) == 0)
				return ld_fail(ld, k, "'%s' %s", r->key, r->why);
		if (row->one_of && one_of(ld, map, p, sec, row, obj) < 0)
			return -1;
		if (sec->flags & LDS_KEYS_FIRST || row->flags & LDK_EARLY)
			continue;
		if (take(ld, sec, row, ld_node(ld, p->value), obj) < 0)
			return -1;
	}
	LD_ROWS(sec, r)
		if (r->flags & LDK_REQUIRED && !ld_map_get(ld, map, r->key))
			return ld_fail(ld, map, "%s", sec->need);
	if (sec->flags & LDS_KEYS_FIRST)
		LD_ROWS(sec, r) {
			yaml_node_t *v = ld_map_get(ld, map, r->key);
			if (v && take(ld, sec, r, v, obj) < 0)
				return -1;
		}
	return 0;
}

int ld_read(struct ld *ld, yaml_node_t *map, const struct ld_section *sec,
	    const char *key, void *obj)
{
	yaml_node_t *v = ld_map_get(ld, map, key);
	const struct ld_key *row = own_row(sec, key);
	assert(row);
	return v ? take(ld, sec, row, v, obj) : 0;
}

const struct ld_key *ld_given(struct ld *ld, yaml_node_t *map,
			      const struct ld_section *sec,
			      const struct ld_one_of *g)
{
	LD_ROWS(sec, r)
		if (r->one_of == g && ld_map_get(ld, map, r->key))
			return r;
	return NULL;
}
