/* scn_util.h — what the Check suites that run whole scenarios share. */
#ifndef TCPSIM_TEST_SCN_UTIL_H
#define TCPSIM_TEST_SCN_UTIL_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/out/sinks.h"
#include "sim/run/world.h"
#include "sim/scenario/builtin.h"
#include "sim/scenario/scenario.h"

/* A scenario from text that must load; the test fails with the loader's
 * message if it does not. */
static inline struct scenario *load(const char *text)
{
	struct scenario *s;
	struct scn_error e;
	int rc = scn_load_string("t.yaml", text, strlen(text), &s, &e);
	ck_assert_msg(rc == 0, "%d:%d: %s", e.line, e.col, e.msg);
	return s;
}

/* The built-in scenario `name`, which must exist and load. */
static inline struct scenario *load_builtin(const char *name)
{
	const struct builtin_scenario *b = builtin_find(name);
	ck_assert_ptr_nonnull(b);
	struct scenario *s;
	struct scn_error e;
	ck_assert_int_eq(scn_load_string(b->name, b->text, b->len, &s, &e), 0);
	return s;
}

/* Run s (with opts o, may be NULL) with the sink that make(f, arg)
 * returns writing to f, and return what it wrote (*len its length, if
 * len); with keep, the world is left in *keep after the run for the
 * caller to look at and free. */
static inline char *output_of(const struct scenario *s,
			      const struct world_opts *o, struct world *keep,
			      size_t *len,
			      struct trace_sink *(*make)(FILE *f, size_t arg),
			      size_t arg)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	ck_assert_ptr_nonnull(f);
	struct world w;
	ck_assert_int_eq(world_build(&w, s, o), 0);
	ck_assert_int_eq(trace_add_sink(&w.sim.trace, make(f, arg)), 0);
	world_run(&w);
	ck_assert_int_eq(trace_finish(&w.sim.trace), 0);
	trace_fini(&w.sim.trace);
	if (keep)
		*keep = w;
	else
		world_free(&w);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static inline struct trace_sink *text_sink(FILE *f, size_t unused)
{
	(void)unused;
	return sink_text_new(f);
}

/* The text trace of s, as output_of() runs it. */
static inline char *trace_of(const struct scenario *s,
			     const struct world_opts *o, struct world *keep,
			     size_t *len)
{
	return output_of(s, o, keep, len, text_sink, 0);
}

#endif
