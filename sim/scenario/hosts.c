/* hosts.c — the `hosts` section, and the names every other section uses
 * to refer to hosts.
 *
 * Hosts are read before anything that refers to them, wherever `hosts`
 * stands in the file. A host with `count: N` is a template: it makes N
 * hosts, NAME-1 .. NAME-N, and its name stands for all of them. Addresses
 * count up from the one given, else from 10.0.0.1 in declaration order.
 *
 * Known limits: at most max-hosts hosts (SCN_MAX_HOSTS_LIMIT); names of at
 * most 63 characters; "did you mean" looks at the first 256 names.
 */
#include "sim/scenario/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"

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

static void ix_add(struct ld *ld, const char *name, int group, int host)
{
	for (uint32_t i = name_hash(name) & ld->ixmask;; i = (i + 1) & ld->ixmask)
		if (!ld->ix[i].name) {
			ld->ix[i] = (struct name_ix){name, group, host};
			return;
		}
}

int scn_find_group(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if (strcmp(s->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

int ld_unknown_host(struct ld *ld, yaml_node_t *n, const char *name)
{
	const char *names[256];
	size_t k = 0;
	for (size_t i = 0; i < ld->s->ngroups && k < 256; i++)
		names[k++] = ld->s->groups[i].name;
	const char *hint = ld_suggest(name, names, k);
	if (hint)
		return ld_fail(ld, n, "unknown host '%s' (did you mean '%s'?)",
			       name, hint);
	return ld_fail(ld, n, "unknown host '%s' (hosts are declared under "
			      "'hosts')",
		       name);
}

int ld_resolve(struct ld *ld, yaml_node_t *n, const char *name,
	       struct exp_hosts *out)
{
	const struct name_ix *x = ix_find(ld, name);
	if (!x)
		return ld_unknown_host(ld, n, name);
	if (x->group >= 0) {
		const struct scn_group *g = &ld->s->groups[x->group];
		*out = (struct exp_hosts){g->first, g->count};
	} else {
		*out = (struct exp_hosts){x->host, 1};
	}
	return 0;
}

int ld_one_host(struct ld *ld, yaml_node_t *n, const char *name, int *out)
{
	struct exp_hosts h = {0, 0};
	if (ld_resolve(ld, n, name, &h) < 0)
		return -1;
	if (h.count != 1)
		return ld_fail(ld, n, "'%s' names %d hosts (%s .. %s); name one "
				      "of them",
			       name, h.count, ld->s->hosts[h.first].name,
			       ld->s->hosts[h.first + h.count - 1].name);
	*out = h.first;
	return 0;
}

/* ---- a host's keys ------------------------------------------------------ */

/* What a host's keys say, before its hosts are made. */
struct host_ld {
	uint32_t addr;
	bool has_addr;
	uint64_t count;
	struct scn_tcp tcp;
	bool router;
	uint64_t ttl;
};

static int h_addr(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		  void *field)
{
	(void)row;
	const char *a = ld_text(v);
	uint32_t *addr = field;
	if (ip4_parse(a, addr) < 0)
		return ld_fail(ld, v, "'addr' expects an IPv4 address such as "
				      "10.0.0.1 (found '%s')",
			       a);
	if (*addr == 0 || *addr == UINT32_MAX)
		return ld_fail(ld, v, "'addr' %s is not a host address", a);
	return 0;
}

static int h_count(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	if (ld_uint(ld, row, v, field) < 0)
		return -1;
	if (*(uint64_t *)field > ld->s->max_hosts)
		return ld_fail(ld, v, "'count' is too large (at most %llu "
				      "hosts; raise the limit with "
				      "'max-hosts:')",
			       (unsigned long long)ld->s->max_hosts);
	return 0;
}

static const struct ld_key host_rows[] = {
	{"addr", LD_SCALAR, h_addr, AT(struct host_ld, addr),
	 .seen = SEEN(struct host_ld, has_addr)},
	{"tcp", LD_MAP, ld_sub, AT(struct host_ld, tcp),
	 .sub = &ld_host_tcp_section},
	{"count", LD_SCALAR, h_count, AT(struct host_ld, count), .min = 1,
	 .max = UINT64_MAX},
	{"router", LD_SCALAR, ld_bool, AT(struct host_ld, router)},
	{"ttl", LD_SCALAR, ld_uint, AT(struct host_ld, ttl), .min = 1,
	 .max = 255},
	{0},
};

static const struct ld_section host_section = {"a host", .rows = host_rows};

/* ---- hosts: ------------------------------------------------------------ */

static yaml_node_t *group_key(struct ld *ld, yaml_node_t *hosts, size_t g)
{
	return ld_node(ld, hosts->data.mapping.pairs.start[g].key);
}

/* Group g: its name and keys, counted against max-hosts. */
static int read_group(struct ld *ld, yaml_node_t *hosts, size_t g,
		      struct host_ld *hl, size_t *total)
{
	struct scenario *s = ld->s;
	yaml_node_pair_t *p = &hosts->data.mapping.pairs.start[g];
	yaml_node_t *k = ld_node(ld, p->key), *hv = ld_node(ld, p->value);
	if (k->type != YAML_SCALAR_NODE)
		return ld_fail(ld, k, "a host name must be a plain name, found "
				      "%s",
			       ld_type_name(k));
	const char *name = ld_text(k);
	if (!ld_valid_name(name))
		return ld_fail(ld, k, "host name '%s' must start with a letter "
				      "and use only letters, digits, '-', '_' "
				      "and '.' (at most 63)",
			       name);
	for (size_t j = 0; j < g; j++)
		if (strcmp(s->groups[j].name, name) == 0)
			return ld_fail(ld, k, "duplicate host '%s' (first at "
					      "line %d)",
				       name, s->groups[j].line);
	struct scn_group *gr = &s->groups[g];
	gr->name = strdup(name);
	if (!gr->name)
		return ld_fail(ld, k, "out of memory");
	s->ngroups++;
	gr->line = (int)k->start_mark.line + 1;
	gr->col = (int)k->start_mark.column + 1;
	hl->count = 1;
	ld_tcp_init(&hl->tcp);
	bool empty = hv->type == YAML_SCALAR_NODE &&
		     hv->data.scalar.length == 0 &&
		     hv->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (!empty && ld_walk(ld, hv, &host_section, hl) < 0)
		return -1;
	gr->is_template = ld_map_get(ld, hv, "count") != NULL;
	if (gr->is_template && strlen(name) + 7 > 63)
		return ld_fail(ld, k, "template name '%s' is too long for its "
				      "members' names",
			       name);
	gr->first = (int)*total;
	gr->count = (int)hl->count;
	*total += hl->count;
	if (*total > s->max_hosts)
		return ld_fail(ld, k, "too many hosts (more than %llu; raise the "
				      "limit with 'max-hosts:')",
			       (unsigned long long)s->max_hosts);
	return 0;
}

/* The hosts of group g, from *next_auto if it gives no address. */
static int make_hosts(struct ld *ld, yaml_node_t *hosts, size_t g,
		      const struct host_ld *hl, uint32_t *next_auto)
{
	struct scenario *s = ld->s;
	struct scn_group *gr = &s->groups[g];
	uint32_t base = hl->has_addr ? hl->addr : *next_auto;
	if ((uint64_t)base + hl->count - 1 >= UINT32_MAX)
		return ld_fail(ld, group_key(ld, hosts, g),
			       "the addresses of '%s' run past "
			       "255.255.255.254",
			       gr->name);
	ix_add(ld, gr->name, (int)g, -1);
	for (int i = 0; i < gr->count; i++) {
		struct scn_host *h = &s->hosts[gr->first + i];
		char nm[80];
		if (gr->is_template)
			snprintf(nm, sizeof nm, "%s-%d", gr->name, i + 1);
		else
			snprintf(nm, sizeof nm, "%s", gr->name);
		h->name = strdup(nm);
		if (!h->name)
			return ld_fail(ld, hosts, "out of memory");
		s->nhosts++;
		h->line = gr->line;
		h->col = gr->col;
		h->group = (int)g;
		h->addr = base + (uint32_t)i;
		h->tcp = hl->tcp;
		h->router = hl->router;
		h->ttl = (uint8_t)hl->ttl;
		s->routed |= hl->router;
		if (!gr->is_template)
			continue;
		if (ix_find(ld, h->name))
			return ld_fail(ld, group_key(ld, hosts, g),
				       "template '%s' makes a host named '%s', "
				       "which is already declared",
				       gr->name, h->name);
		ix_add(ld, h->name, -1, gr->first + i);
	}
	if (!hl->has_addr)
		*next_auto += (uint32_t)hl->count;
	return 0;
}

/* A plain host may share its name with a template member only if
 * declared first (make_hosts sees it then); catch the other order. */
static int check_members(struct ld *ld, yaml_node_t *hosts)
{
	const struct scenario *s = ld->s;
	for (size_t g = 0; g < s->ngroups; g++) {
		const struct scn_group *gr = &s->groups[g];
		if (gr->is_template)
			continue;
		for (size_t j = 0; j < s->ngroups; j++) {
			const struct scn_group *t = &s->groups[j];
			size_t tl = strlen(t->name);
			if (!t->is_template ||
			    strncmp(gr->name, t->name, tl) != 0 ||
			    gr->name[tl] != '-')
				continue;
			char *end;
			long m = strtol(gr->name + tl + 1, &end, 10);
			if (!*end && m >= 1 && m <= t->count &&
			    gr->name[tl + 1] != '0')
				return ld_fail(ld, group_key(ld, hosts, j),
					       "template '%s' makes a host "
					       "named '%s', which is already "
					       "declared",
					       t->name, gr->name);
		}
	}
	return 0;
}

/* No two hosts share an address: sort (address, host) pairs. The error
 * points at the later host's 'addr', or at its name. */
static int check_addresses(struct ld *ld, yaml_node_t *hosts)
{
	struct scenario *s = ld->s;
	uint64_t *v = malloc(s->nhosts * sizeof *v);
	if (!v)
		return ld_fail(ld, hosts, "out of memory");
	for (size_t i = 0; i < s->nhosts; i++)
		v[i] = ((uint64_t)s->hosts[i].addr << 32) | i;
	qsort(v, s->nhosts, sizeof *v, ld_cmp_u64);
	for (size_t i = 1; i < s->nhosts; i++) {
		if (v[i] >> 32 != v[i - 1] >> 32)
			continue;
		/* host indexes follow declaration order */
		const struct scn_host *a = &s->hosts[(uint32_t)v[i - 1]];
		const struct scn_host *b = &s->hosts[(uint32_t)v[i]];
		free(v);
		yaml_node_pair_t *p = &hosts->data.mapping.pairs.start[b->group];
		yaml_node_t *at = ld_map_get(ld, ld_node(ld, p->value), "addr");
		char addr[16];
		ip4_fmt(b->addr, addr);
		return ld_fail(ld, at ? at : ld_node(ld, p->key),
			       "address %s of '%s' is already used by '%s'",
			       addr, b->name, a->name);
	}
	free(v);
	return 0;
}

int ld_hosts_load(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		  void *field)
{
	(void)row;
	(void)field;
	struct scenario *s = ld->s;
	size_t ng = (size_t)(v->data.mapping.pairs.top -
			     v->data.mapping.pairs.start);
	if (ng == 0)
		return ld_fail(ld, v, "'hosts' is empty: a scenario needs at "
				      "least one host");
	struct host_ld *hl = calloc(ng, sizeof *hl);
	s->groups = calloc(ng, sizeof *s->groups);
	if (!hl || !s->groups) {
		free(hl);
		return ld_fail(ld, v, "out of memory");
	}
	/* First the names and settings, so the hosts can be counted. */
	size_t total = 0;
	int rc = -1;
	for (size_t g = 0; g < ng; g++)
		if (read_group(ld, v, g, &hl[g], &total) < 0)
			goto out;
	s->hosts = calloc(total, sizeof *s->hosts);
	ld->ixmask = 1;
	while (ld->ixmask < 2 * (total + ng))
		ld->ixmask <<= 1;
	ld->ix = calloc(ld->ixmask, sizeof *ld->ix);
	ld->ixmask--;
	if (!s->hosts || !ld->ix) {
		ld_fail(ld, v, "out of memory");
		goto out;
	}
	uint32_t next_auto = (UINT32_C(10) << 24) | 1;
	for (size_t g = 0; g < ng; g++)
		if (make_hosts(ld, v, g, &hl[g], &next_auto) < 0)
			goto out;
	if (check_members(ld, v) < 0 || check_addresses(ld, v) < 0)
		goto out;
	rc = 0;
out:
	free(hl);
	return rc;
}
