/* loader.h — what the parts of the scenario loader share: the loader's
 * context, the rows of the key tables, the walker that reads a mapping
 * against a table, and the generic value handlers the rows name.
 *
 * Included only by the loader's files in sim/scenario/; everyone else
 * goes through scenario.h. Each section of a scenario has its table in
 * the file that loads it: load.c (top level), hosts.c, params.c (tcp and
 * socket options), links.c, apps.c, expect_keys.c. walk.c walks them and
 * reports errors, values.c holds the handlers they share, set.c applies
 * the --set overrides.
 */
#ifndef TCPSIM_SCN_LOADER_H
#define TCPSIM_SCN_LOADER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "sim/scenario/scenario.h"

/* Lists and mappings inside one another a scenario may use; the deepest
 * key of a real scenario is six levels down (docs/scenario-format.md). */
#define SCN_MAX_DEPTH 64

/* Nodes made for the k-th override carry this mark index plus k, beyond
 * any file, so an error about one names the override, not a line. */
#define SET_MARK_BASE (SIZE_MAX / 2)

struct name_ix;

/* The loader's context: one per load. */
struct ld {
	const char *file;
	const char *text;
	size_t len;
	yaml_document_t doc;
	struct scn_error *err;
	struct scenario *s;
	struct name_ix *ix;         /* names of hosts and templates */
	uint32_t ixmask;
	const struct scn_set *sets; /* --set overrides, applied to doc */
	size_t nsets;
	int host;                   /* the host whose actions are read */
	const char *ends[2];        /* the link being read: its ends' names */
};

/* ---- errors (walk.c) ---------------------------------------------------- */

/* Fill ld->err about node n (NULL: no position; a node an override made:
 * the override); returns -1. */
int ld_fail(struct ld *ld, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same about a mark (NULL: no position). */
int ld_fail_mark(struct ld *ld, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with a va_list. */
int ld_vfail(struct ld *ld, const yaml_mark_t *m, const char *fmt,
	     va_list ap);

/* ---- nodes (walk.c) ----------------------------------------------------- */

/* The node of the document with this id. */
yaml_node_t *ld_node(struct ld *ld, int id);
/* "a single value", "a list", "a mapping", for messages. */
const char *ld_type_name(const yaml_node_t *n);
/* The text of a scalar node, or an error naming what was expected. */
int ld_scalar(struct ld *ld, yaml_node_t *n, const char *key,
	      const char **out);
/* The text of a node the walker has checked to be a scalar. */
const char *ld_text(const yaml_node_t *n);
/* The value of key in a mapping, or NULL. */
yaml_node_t *ld_map_get(struct ld *ld, yaml_node_t *map, const char *key);
/* The key node of key in a mapping, or NULL. */
yaml_node_t *ld_map_key(struct ld *ld, yaml_node_t *map, const char *key);
/* How many items a list has, and its i-th. */
size_t ld_nitems(const yaml_node_t *list);
yaml_node_t *ld_item(struct ld *ld, yaml_node_t *list, size_t i);
/* The closest of names[0..n-1] to word, if close enough to be a typo. */
const char *ld_suggest(const char *word, const char *const *names, size_t n);
/* Report pair p of map if a key before it has the same text: "duplicate
 * key 'K' in WHAT (first at line N)". */
int ld_check_dup(struct ld *ld, yaml_node_t *map, yaml_node_pair_t *p,
		 const char *what);

/* ---- the rows of a section's table ---------------------------------------- */

/* What a value must be; the walker checks it before the handler runs. */
enum ld_type {
	LD_ANY,      /* the handler looks */
	LD_SCALAR,   /* one value, not empty */
	LD_TEXT,     /* one value, maybe empty */
	LD_MAP,      /* a mapping (the message: the row's shape, else sub's) */
	LD_LIST,     /* a list (the message: the row's shape) */
};

struct ld_key;
struct ld_section;

/* Read value node v into field (the section's struct plus the row's off;
 * a WHOLE row gets the whole struct). Returns 0 or -1. */
typedef int (*ld_fn)(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		     void *field);

/* An enumerated value: names and what each stands for. */
struct ld_name {
	const char *name;
	int value;
};

/* A name table and how a wrong name is reported: "unknown NOUN 'x' ...
 * (NOUNS: a, b)", or without noun "'key': unknown value 'x' ... (one of:
 * a, b)". */
struct ld_names {
	const char *noun, *nouns;
	const struct ld_name *v;   /* ends with a NULL name */
};

/* Keys of which a mapping holds one at most: a second is refused at its
 * key, with msg (followed by ": it already has 'FIRST'" if say_first);
 * the one given stores its row's value in the field at off. */
struct ld_one_of {
	const char *msg;
	bool say_first;
	size_t off, size;
};

/* A known key that a section refuses, and why ("'KEY' WHY"). */
struct ld_refusal {
	const char *key;
	const char *why;
};

enum {
	LDK_REQUIRED = 2, /* the section's `need` says it is missing */
	LDK_EARLY = 4,    /* read before the walk, which only checks it */
	LDK_PARAM = 8,    /* from tcp_param_fields[value]: bit value of the
			     section's mask */
};

struct ld_key {
	const char *key;
	enum ld_type type;
	ld_fn fn;                 /* NULL: a key read elsewhere */
	size_t off, size;         /* the field fn fills: AT(struct, field) */
	uint64_t min, max;        /* bounds of a number or a size */
	const struct ld_names *names;      /* an enumerated value */
	const struct ld_section *sub;      /* a mapping's own table */
	const char *shape;        /* "'down' is a list of ...", for the
				     message when the value is no list */
	const struct ld_one_of *one_of;
	int value;                /* what the key stands for in one_of; a
				     parameter's index */
	size_t seen;              /* SEEN(struct, bool): set when given */
	unsigned tags;            /* what the section makes of the key */
	unsigned flags;           /* LDK_* */
	/* A pattern row: matches every key match() accepts. */
	bool (*match)(const char *key);
};

#define AT(T, f) .off = offsetof(T, f), .size = sizeof(((T *)0)->f)
/* A composite key's row: its handler fills fields of the whole struct. */
#define WHOLE .off = 0
#define SEEN(T, f) (offsetof(T, f) + 1)

/* TCP parameters a section takes as keys, from tcp_param_fields[]: where
 * its struct tcp_params and its mask of the parameters given are. */
struct ld_params {
	size_t off, set;
};

enum {
	LDS_KEYS_FIRST = 4, /* check every key and `need` before any value,
			       then read the values in table order */
};

struct ld_section {
	const char *what;          /* in messages: "a link", "tcp" */
	const char *shape;         /* "set should be a mapping of socket
				      options"; NULL: "WHAT should be a
				      mapping of keys to values" */
	const struct ld_key *rows; /* ends with a row without key */
	const struct ld_key *more; /* more rows after those, or NULL */
	const struct ld_params *params; /* before the rows, or NULL */
	const struct ld_refusal *refused; /* ends with a NULL key */
	const char *need;          /* when an LDK_REQUIRED key is missing */
	unsigned flags;            /* LDS_* */
};

/* ---- the walker (walk.c) ------------------------------------------------ */

/* Read mapping map against sec into obj: unknown keys (with a
 * suggestion), repeated keys, refused keys and a second key of a one_of
 * are errors, in the order of the file; each value's type is checked and
 * its row's handler called. */
int ld_walk(struct ld *ld, yaml_node_t *map, const struct ld_section *sec,
	    void *obj);
/* v is a mapping, or an error in sec's words. */
int ld_need_map(struct ld *ld, yaml_node_t *v, const struct ld_section *sec);
/* The row of key node k in sec (buf holds one made from
 * tcp_param_fields); NULL after reporting an unknown key. */
const struct ld_key *ld_find(struct ld *ld, yaml_node_t *k,
			     const struct ld_section *sec, struct ld_key *buf);
/* Read the value of the row called key, if the mapping has it (for
 * LDK_EARLY rows). */
int ld_read(struct ld *ld, yaml_node_t *map, const struct ld_section *sec,
	    const char *key, void *obj);
/* The row of sec's key that the mapping gives from group g, or NULL. */
const struct ld_key *ld_given(struct ld *ld, yaml_node_t *map,
			      const struct ld_section *sec,
			      const struct ld_one_of *g);
/* Each row of sec, as r, in table order (for suggestions and messages). */
#define LD_ROWS(sec, r)                                                    \
	for (const struct ld_key *const *t_ = (const struct ld_key *const[]){ \
		     (sec)->rows, (sec)->more, NULL};                      \
	     *t_; t_++)                                                    \
		for (const struct ld_key *r = *t_; r->key; r++)

/* ---- handlers (values.c), by what the row's value is ---------------------- */

/* "'KEY': MSG (found 'VALUE')", for a value a parser refused with msg. */
int ld_bad_value(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		 const char *msg);

#define LD_FN(name) \
	int name(struct ld *ld, const struct ld_key *row, yaml_node_t *v, \
		 void *field)
LD_FN(ld_duration);     /* sim_time_t; with min, above 0 */
LD_FN(ld_uint);         /* a whole number in [min, max], any width */
LD_FN(ld_size);         /* a size in [min, max] bytes */
LD_FN(ld_nonzero_size); /* a size of at least one byte */
LD_FN(ld_prob);         /* a probability: uint32_t parts per billion */
LD_FN(ld_rate);         /* a bit rate: uint64_t bits per second */
LD_FN(ld_bool);         /* true or false: a bool, or 1 or 0 */
LD_FN(ld_true);         /* only true: a key that says "do it" */
LD_FN(ld_string);       /* text, maybe empty: char *, the scenario's */
LD_FN(ld_owned);        /* text: const char *, in the owned memory */
LD_FN(ld_port);         /* a port: uint16_t from 1 to 65535 */
LD_FN(ld_enum);         /* one of names: the value it stands for */
LD_FN(ld_host_ref);     /* a host or a template: struct exp_hosts */
LD_FN(ld_state);        /* an RFC 9293 state: int */
LD_FN(ld_flags);        /* TCP control bits: uint8_t */
LD_FN(ld_sub);          /* a mapping read against sub */

/* ---- values (values.c) ---------------------------------------------------- */

/* A decimal whole number: 0, -1 if it is none, -2 if too large. */
int ld_parse_u64(const char *s, uint64_t *out);
/* A whole number of key in [min, max] from a scalar node. */
int ld_get_u64(struct ld *ld, yaml_node_t *n, const char *key, uint64_t min,
	       uint64_t max, uint64_t *out);
/* A port number (text may be part of n's text). */
int ld_get_port(struct ld *ld, yaml_node_t *n, const char *key,
		const char *text, uint16_t *out);
/* Index of the scalar n's text in names[0..n-1]; else an error in the
 * style of t (its names are not used). */
int ld_pick(struct ld *ld, yaml_node_t *v, const char *key,
	    const char *const *names, size_t n, const struct ld_names *t);
/* Store x in a field of size bytes: an unsigned integer of that width,
 * or a bool (the one-byte fields the tables fill are bools). */
void ld_put(void *field, size_t size, uint64_t x);
/* Names start with a letter and use letters, digits, '-', '_', '.'. */
bool ld_valid_name(const char *n);
/* Keep p until the scenario is freed; NULL (reported) if p is NULL or
 * memory runs out. */
void *ld_own(struct ld *ld, yaml_node_t *n, void *p);
char *ld_own_str(struct ld *ld, yaml_node_t *n, const char *text);
/* An owned array of one zeroed element of size bytes per item of list. */
void *ld_own_items(struct ld *ld, yaml_node_t *list, size_t size);
/* Order of uint64_t values, for qsort. */
int ld_cmp_u64(const void *a, const void *b);

/* ---- names (hosts.c) ------------------------------------------------------ */

/* A host or a template's members, by name. */
int ld_resolve(struct ld *ld, yaml_node_t *n, const char *name,
	       struct exp_hosts *out);
/* Exactly one host: a template's name is refused, with its members'. */
int ld_one_host(struct ld *ld, yaml_node_t *n, const char *name, int *out);
int ld_unknown_host(struct ld *ld, yaml_node_t *n, const char *name);

/* ---- the sections' loaders ------------------------------------------------ */

LD_FN(ld_hosts_load);   /* `hosts` (hosts.c) */
LD_FN(ld_links_load);   /* `links` (links.c) */
LD_FN(ld_faults_load);  /* `faults` (links.c) */
LD_FN(ld_apps_load);    /* `apps` (apps.c) */
LD_FN(ld_expect_load);  /* `expect` (expect_keys.c) */
LD_FN(ld_routes_load);  /* `routes` (routes.c) */
extern const struct ld_section ld_routing_section; /* `routing` */
/* After the whole file: static routes go to neighbours, every connect
 * has a route both ways (routes.c). */
int ld_check_routes(struct ld *ld, yaml_node_t *root);
/* The parameters of tcp_param_fields[i] as a row of sec (params.c). */
void ld_param_row(const struct ld_section *sec, size_t i, struct ld_key *row);
/* rto-min above rto-max anywhere (params.c). */
int ld_check_params(struct ld *ld, yaml_node_t *root);
/* Apply the --set override k to ld->doc (set.c). */
int ld_apply_set(struct ld *ld, size_t k);

/* TCP parameters with nothing given and no profile (params.c). */
void ld_tcp_init(struct scn_tcp *t);
/* The scenario's `tcp`, a host's, a socket's `set` and `options`. */
extern const struct ld_section ld_tcp_section, ld_host_tcp_section,
	ld_set_section, ld_options_section;

#endif
