/* set.c — --set overrides (tcpsim sweep --set PATH=VALUE): each puts a
 * value into the loaded document before the scenario is read, so that
 * the walker judges it like a value written in the file.
 *
 * The nodes an override makes carry a mark that names it, so an error
 * about its value names the override instead of a line (walk.c).
 *
 * Known limits: a path steps through mappings and lists only; list
 * indices up to 9 digits; a value is always a plain scalar.
 */
#include "sim/scenario/loader.h"

#include <limits.h>
#include <string.h>

static int set_fail(struct ld *ld, const struct scn_set *o, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int set_fail(struct ld *ld, const struct scn_set *o, const char *fmt,
		    ...)
{
	yaml_mark_t m = {.index = SET_MARK_BASE + (size_t)(o - ld->sets)};
	va_list ap;
	va_start(ap, fmt);
	int rc = ld_vfail(ld, &m, fmt, ap);
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
		ld_node(ld, id)->start_mark.index = SET_MARK_BASE + k;
	return id;
}

/* How much of the path comes before step p ("links.0" before "loss"). */
static int before(const struct scn_set *o, const char *p)
{
	return (int)(p == o->path ? 0 : p - o->path - 1);
}

/* Step p (n bytes) into list c: where the indexed item's id is kept, or
 * NULL after an error. */
static int *list_slot(struct ld *ld, const struct scn_set *o, yaml_node_t *c,
		      const char *p, size_t n)
{
	size_t len = ld_nitems(c);
	size_t i = 0;
	bool num = n <= 9;
	for (size_t j = 0; j < n && num; j++)
		num = p[j] >= '0' && p[j] <= '9';
	for (size_t j = 0; j < n && num; j++)
		i = i * 10 + (size_t)(p[j] - '0');
	if (!num) {
		set_fail(ld, o, "'%.*s' is a list: the step after it is an "
				"index (0, 1, ...), not '%.*s'",
			 before(o, p), o->path, (int)n, p);
		return NULL;
	}
	if (i >= len) {
		set_fail(ld, o, "'%.*s' has %zu entr%s (0 to %zu): no index %zu",
			 before(o, p), o->path, len, len == 1 ? "y" : "ies",
			 len ? len - 1 : 0, i);
		return NULL;
	}
	return &c->data.sequence.items.start[i];
}

/* Where the value of key p (n bytes) in mapping c is kept, or NULL. */
static int *map_slot(struct ld *ld, yaml_node_t *c, const char *p, size_t n)
{
	for (yaml_node_pair_t *q = c->data.mapping.pairs.start;
	     q < c->data.mapping.pairs.top; q++) {
		yaml_node_t *key = ld_node(ld, q->key);
		if (key->type == YAML_SCALAR_NODE &&
		    key->data.scalar.length == n &&
		    memcmp(key->data.scalar.value, p, n) == 0)
			return &q->value;
	}
	return NULL;
}

/* Add key p (n bytes), which the file does not have, to mapping cur:
 * with the override's value if it is the last step, else with an empty
 * mapping to step into. The new value's id, or 0 after an error. */
static int add_key(struct ld *ld, size_t k, int cur, const char *p, size_t n,
		   bool last)
{
	const struct scn_set *o = &ld->sets[k];
	int kid = set_scalar(ld, k, p, n);
	int vid = last ? set_scalar(ld, k, o->value, strlen(o->value))
		       : yaml_document_add_mapping(&ld->doc, NULL,
						   YAML_BLOCK_MAPPING_STYLE);
	if (!kid || !vid ||
	    !yaml_document_append_mapping_pair(&ld->doc, cur, kid, vid)) {
		set_fail(ld, o, "out of memory");
		return 0;
	}
	if (!last)
		ld_node(ld, vid)->start_mark.index = SET_MARK_BASE + k;
	return vid;
}

/* Apply override k to the document: follow its path (mapping keys, list
 * indices from 0) and put its value there as a plain scalar. A key the
 * document lacks is added (with mappings on the way), so that the
 * walker judges it like any key in the file: an unknown one is an error
 * with a suggestion. Nodes are handled by id, since adding one may move
 * the nodes (not a list's or a mapping's own array). */
int ld_apply_set(struct ld *ld, size_t k)
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
		yaml_node_t *c = ld_node(ld, cur);
		int *slot; /* where the next node's id is kept */
		if (c->type == YAML_SEQUENCE_NODE) {
			slot = list_slot(ld, o, c, p, n);
			if (!slot)
				return -1;
		} else if (c->type == YAML_MAPPING_NODE) {
			slot = map_slot(ld, c, p, n);
			if (!slot) {
				cur = add_key(ld, k, cur, p, n, last);
				if (!cur)
					return -1;
				if (last)
					return 0;
				p = dot + 1;
				continue;
			}
		} else {
			return set_fail(ld, o, "'%.*s' is a single value: there "
					       "is nothing inside it to set",
					before(o, p), o->path);
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
