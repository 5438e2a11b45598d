/* load.c — a scenario from a file or from memory: read the text, parse
 * it with libyaml, read the top level of the document against its table,
 * refuse a second document.
 *
 * The whole file is read into memory first, so an error message can quote
 * the offending line. Before libyaml builds the document, a pass over its
 * events refuses nesting deeper than SCN_MAX_DEPTH: libyaml's scanner
 * pays for each token in proportion to the depth of the flow collections
 * open around it, so a file of deeply nested brackets would cost the
 * square of its depth before the loader saw a node. Host names are
 * resolved before anything that refers to them, wherever `hosts` appears
 * in the file. The first error ends the load.
 *
 * Known limits: one YAML document per file; scenario files up to 16 MiB;
 * lists and mappings nested at most SCN_MAX_DEPTH deep.
 */
#include "sim/scenario/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_SIZE (16u << 20)

/* ---- the top level ----------------------------------------------------- */

/* `link-rules: false` leaves the links' own rules out. */
static int h_link_rules(struct ld *ld, const struct ld_key *row,
			yaml_node_t *v, void *field)
{
	bool on;
	if (ld_bool(ld, &(struct ld_key){.key = row->key, .size = sizeof on},
		    v, &on) < 0)
		return -1;
	*(bool *)field = !on;
	return 0;
}

static const struct ld_key top_rows[] = {
	{"name", LD_TEXT, ld_string, AT(struct scenario, name)},
	{"description", LD_TEXT, ld_string, AT(struct scenario, description)},
	{"seed", LD_SCALAR, ld_uint, AT(struct scenario, seed),
	 .max = UINT64_MAX},
	{"stop", LD_SCALAR, ld_duration, AT(struct scenario, stop)},
	{"max-events", LD_SCALAR, ld_uint, AT(struct scenario, max_events),
	 .min = 1, .max = UINT64_MAX},
	{"max-conns", LD_SCALAR, ld_uint, AT(struct scenario, max_conns),
	 .min = 1, .max = UINT64_MAX},
	{"max-memory", LD_SCALAR, ld_nonzero_size,
	 AT(struct scenario, max_memory)},
	/* the limit the hosts are counted against, read before them */
	{"max-hosts", LD_SCALAR, ld_uint, AT(struct scenario, max_hosts),
	 .min = 1, .max = SCN_MAX_HOSTS_LIMIT, .flags = LDK_EARLY},
	{"tcp", LD_MAP, ld_sub, AT(struct scenario, tcp),
	 .sub = &ld_tcp_section},
	{"hosts", LD_MAP, ld_hosts_load,
	 .shape = "'hosts' should map host names to their settings",
	 .flags = LDK_EARLY},
	{"links", LD_LIST, ld_links_load,
	 .shape = "'links' should be a list of links"},
	{"faults", LD_LIST, ld_faults_load,
	 .shape = "'faults' should be a list of rules such as "
		  "[{segment: 3, action: drop}]"},
	{"link-rules", LD_SCALAR, h_link_rules, AT(struct scenario,
						   no_link_rules)},
	{"routing", LD_MAP, ld_sub, WHOLE, .sub = &ld_routing_section},
	{"routes", LD_LIST, ld_routes_load,
	 .shape = "'routes' should be a list of routes such as "
		  "[{at: r1, to: 10.0.1.0/24, via: r2}]"},
	{"apps", LD_MAP, ld_apps_load,
	 .shape = "'apps' should map host names to lists of actions"},
	{"expect", LD_LIST, ld_expect_load,
	 .shape = "'expect' should be a list of expectations"},
	{0},
};

static const struct ld_section top_section = {
	"the scenario",
	.shape = "a scenario is a mapping of keys (name, hosts, links, apps, "
		 "...)",
	.rows = top_rows,
};

static int load_doc(struct ld *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	if (!root) {
		yaml_mark_t m = {0, 0, 0};
		return ld_fail_mark(ld, &m, "empty scenario: expected a mapping "
					    "with at least 'hosts'");
	}
	if (ld_need_map(ld, root, &top_section) < 0)
		return -1;
	/* Report a misspelt key before complaining that 'hosts' is missing:
	 * "hots" is more likely a typo than an omission. */
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		struct ld_key buf;
		if (!ld_find(ld, ld_node(ld, p->key), &top_section, &buf))
			return -1;
	}
	if (!ld_map_get(ld, root, "hosts"))
		return ld_fail(ld, root, "a scenario needs 'hosts'");
	if (ld_read(ld, root, &top_section, "max-hosts", ld->s) < 0 ||
	    ld_read(ld, root, &top_section, "hosts", ld->s) < 0 ||
	    ld_walk(ld, root, &top_section, ld->s) < 0)
		return -1;
	if (ld_check_params(ld, root) < 0)
		return -1;
	return ld_check_routes(ld, root);
}

/* ---- parsing ------------------------------------------------------------ */

/* The document (1 or 2; the loader reads no further) in which lists and
 * mappings first nest deeper than SCN_MAX_DEPTH, and where; 0 if none
 * does or the text is no YAML before that, which the load reports. The
 * events stop at the limit, before the scanner's cost grows. */
static int too_deep(const struct ld *ld, yaml_mark_t *at)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, doc = 0, found = 0;
	if (!yaml_parser_initialize(&p))
		return 0;
	yaml_parser_set_input_string(&p, (const unsigned char *)ld->text,
				     ld->len);
	while (!found && yaml_parser_parse(&p, &ev)) {
		bool end = ev.type == YAML_STREAM_END_EVENT;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			doc++;
			break;
		case YAML_DOCUMENT_END_EVENT:
			end = doc == 2;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > SCN_MAX_DEPTH) {
				found = doc;
				*at = ev.start_mark;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	return found;
}

static int fail_deep(struct ld *ld, const yaml_mark_t *at)
{
	return ld_fail_mark(ld, at, "too deeply nested: lists and mappings go "
				    "at most %d levels deep",
			    SCN_MAX_DEPTH);
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

/* libyaml could not parse the text: say where and what. Reader errors
 * (bad encoding, control characters) carry a byte offset, the others a
 * mark. */
static int yaml_failure(struct ld *ld, const yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "malformed YAML";
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return ld_fail_mark(ld, NULL, "out of memory while parsing");
	case YAML_READER_ERROR:
		offset_to_pos(ld, p->problem_offset, &m);
		if (p->problem_value >= 0)
			return ld_fail_mark(ld, &m, "unreadable text: %s (byte "
						 "0x%02x); a scenario is UTF-8 "
						 "text",
					 problem, (unsigned)p->problem_value & 0xffu);
		return ld_fail_mark(ld, &m, "unreadable text: %s; a scenario "
					 "is UTF-8 text",
				 problem);
	default:
		break;
	}
	if (m.index < ld->len && ld->text[m.index] == '\t')
		return ld_fail_mark(ld, &m, "YAML syntax error: a tab here; YAML "
					 "indents with spaces only");
	if (p->context)
		return ld_fail_mark(ld, &m, "YAML syntax error: %s %s (opened at "
					 "%zu:%zu)",
				 problem, p->context, p->context_mark.line + 1,
				 p->context_mark.column + 1);
	return ld_fail_mark(ld, &m, "YAML syntax error: %s", problem);
}

/* ---- the scenario -------------------------------------------------------- */

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
	ld_tcp_init(&s->tcp);
	return s;
}

/* Loading is done: a host whose actions are, byte for byte, those of
 * the host before it (members of one template, mostly) keeps that host's
 * copy. Nothing is added to a host's actions after this. */
static void share_actions(struct scenario *s)
{
	for (size_t i = 1; i < s->nhosts; i++) {
		struct scn_host *h = &s->hosts[i], *p = &s->hosts[i - 1];
		if (!h->nacts || h->nacts != p->nacts ||
		    memcmp(h->acts, p->acts, h->nacts * sizeof *h->acts) != 0)
			continue;
		free(h->acts);
		h->acts = p->acts;
		h->acts_cap = h->nacts;
		h->acts_shared = true;
	}
}

void scn_free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nhosts; i++) {
		free(s->hosts[i].name);
		if (!s->hosts[i].acts_shared)
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

int scn_load_string(const char *file, const char *text, size_t len,
		    struct scenario **out, struct scn_error *err)
{
	return scn_load_string_set(file, text, len, NULL, 0, out, err);
}

/* A second document would be silently ignored: refuse it; if it nests too
 * deeply, as such, without building it. */
static int refuse_second(struct ld *ld, yaml_parser_t *parser, int deep_doc,
			 const yaml_mark_t *deep)
{
	if (deep_doc == 2)
		return fail_deep(ld, deep);
	yaml_document_t next;
	if (!yaml_parser_load(parser, &next))
		return yaml_failure(ld, parser);
	yaml_node_t *nroot = yaml_document_get_root_node(&next);
	int rc = 0;
	if (nroot)
		rc = ld_fail_mark(ld, &nroot->start_mark,
				  "a scenario file holds one YAML document; a "
				  "second one starts here");
	yaml_document_delete(&next);
	return rc;
}

int scn_load_string_set(const char *file, const char *text, size_t len,
			const struct scn_set *sets, size_t nsets,
			struct scenario **out, struct scn_error *err)
{
	struct ld ld = {.file = file, .text = text, .len = len, .err = err,
			.sets = sets, .nsets = nsets};
	yaml_parser_t parser;
	yaml_mark_t deep;
	int rc = -1;
	bool have_doc = false;

	memset(err, 0, sizeof *err);
	*out = NULL;
	ld.s = scn_new();
	if (!ld.s) {
		ld_fail_mark(&ld, NULL, "out of memory");
		return -1;
	}
	ld.s->file = strdup(file);
	int deep_doc = too_deep(&ld, &deep);
	if (deep_doc == 1) {
		fail_deep(&ld, &deep);
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		ld_fail_mark(&ld, NULL, "out of memory");
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		yaml_failure(&ld, &parser);
		goto out_parser;
	}
	have_doc = true;
	for (size_t k = 0; k < nsets; k++)
		if (ld_apply_set(&ld, k) < 0)
			goto out_parser;
	if (load_doc(&ld) < 0 ||
	    refuse_second(&ld, &parser, deep_doc, &deep) < 0)
		goto out_parser;
	share_actions(ld.s);
	if (!ld.s->name)
		ld.s->name = default_name(file);
	if (!ld.s->name || !ld.s->file) {
		ld_fail_mark(&ld, NULL, "out of memory");
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

int scn_render_set(const char *file, const char *text, size_t len,
		   const struct scn_set *sets, size_t nsets, FILE *out,
		   struct scn_error *err)
{
	struct ld ld = {.file = file, .text = text, .len = len, .err = err,
			.sets = sets, .nsets = nsets};
	yaml_parser_t parser;
	yaml_emitter_t em;
	int rc = -1;
	memset(err, 0, sizeof *err);
	if (!yaml_parser_initialize(&parser))
		return ld_fail_mark(&ld, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		yaml_failure(&ld, &parser);
		yaml_parser_delete(&parser);
		return -1;
	}
	for (size_t k = 0; k < nsets; k++)
		if (ld_apply_set(&ld, k) < 0)
			goto out;
	if (!yaml_emitter_initialize(&em)) {
		ld_fail_mark(&ld, NULL, "out of memory");
		goto out;
	}
	yaml_emitter_set_output_file(&em, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, 78);
	/* the dump takes the document (and deletes it) */
	if (yaml_emitter_open(&em) && yaml_emitter_dump(&em, &ld.doc) &&
	    yaml_emitter_close(&em))
		rc = 0;
	else
		ld_fail_mark(&ld, NULL, "cannot write the scenario");
	yaml_emitter_delete(&em);
	yaml_parser_delete(&parser);
	return rc;
out:
	yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
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
		return ld_fail_mark(&ld, NULL, "cannot open the scenario: %s",
				 strerror(errno));
	if (fstat(fileno(f), &st) < 0) {
		ld_fail_mark(&ld, NULL, "cannot read the scenario: %s",
			  strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ld_fail_mark(&ld, NULL, "is a directory, not a scenario file");
		goto out;
	}
	if (st.st_size > (off_t)MAX_FILE_SIZE) {
		ld_fail_mark(&ld, NULL, "scenario file is too large (%lld bytes; "
				     "at most %u)",
			  (long long)st.st_size, MAX_FILE_SIZE);
		goto out;
	}
	/* A regular file is read in one go; a pipe up to the limit. */
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1
					 : MAX_FILE_SIZE + 1;
	text = malloc(cap);
	if (!text) {
		ld_fail_mark(&ld, NULL, "out of memory");
		goto out;
	}
	size_t n = fread(text, 1, cap, f);
	if (ferror(f)) {
		ld_fail_mark(&ld, NULL, "cannot read the scenario: %s",
			  strerror(errno));
		goto out;
	}
	if (n > MAX_FILE_SIZE || (n == cap && S_ISREG(st.st_mode))) {
		ld_fail_mark(&ld, NULL, "scenario file is too large (at most %u "
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
