/* tracecmp.h — compare two canonical text traces, line by line.
 *
 * What `tcpsim check` (a run against its golden trace) and `tcpsim diff`
 * (two trace files) share. A trace line is `TIME WHO KIND key=value ...`
 * (docs/trace-format.md); comparison can ignore chosen fields — `time`,
 * `who`, `kind` or any key — so that a benign change (a new default
 * window) need not touch every golden. Header lines (`#`) are compared as
 * they are.
 *
 * The comparison finds the first line that differs, then a shortest edit
 * script (Myers' O(ND) algorithm) between the rest of the two traces, to
 * say how many further places differ and how many lines each side has
 * that the other has not. The report shows the first difference with
 * lines of context from both sides and, when the two lines are the same
 * kind of event, which fields changed.
 */
#ifndef TCPSIM_TRACECMP_H
#define TCPSIM_TRACECMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tline {
	const char *s;   /* not NUL-terminated */
	size_t len;      /* without the newline */
	uint64_t h;      /* hash of the compared fields */
};

/* A trace held in memory, split into lines. */
struct tfile {
	char *buf;
	size_t size;
	struct tline *l;
	size_t n;
};

/* Read a trace file; returns 0, or -1 with a message in err. */
int tfile_load(struct tfile *f, const char *path, char *err, size_t n);
/* Take a copy of len bytes of trace text; returns 0, or -1 (no memory). */
int tfile_from_mem(struct tfile *f, const char *text, size_t len);
void tfile_free(struct tfile *f);

#define TCMP_MAX_IGNORE 16
/* Edit scripts longer than this are not worked out: the report then says
 * only that more than this many lines differ. */
#define TCMP_MAX_EDITS 4000

struct tcmp_opts {
	const char *ignore[TCMP_MAX_IGNORE]; /* field names */
	size_t nignore;
	int context;                          /* lines shown around (3) */
};

/* Add the comma-separated field names in list to o->ignore; an unknown
 * name (not a field the trace format has) is an error, so that a typo
 * does not silently compare everything. Returns 0, or -1 with a message
 * in err. The names point into list, which must outlive o. */
int tcmp_parse_ignore(struct tcmp_opts *o, char *list, char *err, size_t n);

struct tcmp_result {
	bool equal;        /* the same, ignoring the chosen fields */
	bool identical;    /* byte for byte */
	size_t first_a, first_b; /* line indexes of the first difference */
	/* The first hunk: lines [first_a, first_a + hunk_a) of a replaced by
	 * [first_b, first_b + hunk_b) of b. */
	size_t hunk_a, hunk_b;
	size_t hunks;      /* places that differ, the first included */
	size_t next_a;     /* where the second begins in a (a's line count
			      if there is none) */
	size_t only_a, only_b; /* lines of one not in the other, in all */
	bool capped;       /* more than TCMP_MAX_EDITS: counts unknown */
};

/* Compare a and b. Returns 0, or -1 if memory runs out. */
int tcmp_compare(struct tfile *a, struct tfile *b, const struct tcmp_opts *o,
		 struct tcmp_result *r);

/* Describe a difference found by tcmp_compare, naming the sides
 * name_a / name_b (e.g. "golden" and "run"), indented by two spaces. */
void tcmp_report(FILE *out, const struct tfile *a, const struct tfile *b,
		 const char *name_a, const char *name_b,
		 const struct tcmp_opts *o, const struct tcmp_result *r);

/* One line summing up r, e.g. "3 lines changed: 2 removed, 5 added",
 * for --update. */
void tcmp_summary(char *buf, size_t n, const struct tcmp_result *r);

#endif
