/* scenario.c — libFuzzer harness for the scenario loader.
 *
 * Any bytes are a scenario file: the loader must either return a
 * scenario or an error with a message and a position inside the text
 * (line and column in range, the quoted source line one of the text's),
 * never crash, leak or read out of bounds. A scenario that loads is then
 * built and run for at most 20,000 events with every trace kind going to
 * the canonical text formatter, so that what the loader lets through is
 * also something the world can run.
 *
 * Seeds: every scenario in scenarios/ and tests/outputs/, and every bad
 * input in tests/bad/ (`make fuzz` copies them into the corpus).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/out/sinks.h"
#include "sim/run/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void fail(const char *what, const struct scn_error *e)
{
	fprintf(stderr, "loader: %s (%d:%d: %s)\n", what, e->line, e->col,
		e->msg);
	abort();
}

struct count_sink {
	struct trace_sink base;
	uint64_t lines;
};

static void count_emit(struct trace_sink *s, const struct trace *tr,
		       const struct trace_event *ev)
{
	char buf[2048];
	int len = trace_format_line(tr, ev, buf, sizeof buf);
	if (len < 0)
		abort();
	((struct count_sink *)s)->lines++;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct scenario *s = NULL;
	struct scn_error e;
	if (scn_load_string("fuzz.yaml", (const char *)d, n, &s, &e) < 0) {
		if (s)
			fail("an error and a scenario", &e);
		if (!e.msg[0])
			fail("an error without a message", &e);
		if (e.line < 0 || e.col < 0)
			fail("a negative position", &e);
		/* a line number names a line of the text (YAML also breaks
		 * lines at CR, NEL U+0085 and U+2028/9: count bytes that
		 * may start one) */
		size_t lines = 1;
		for (size_t i = 0; i < n; i++)
			lines += d[i] == '\n' || d[i] == '\r' || d[i] == 0xc2 ||
				 d[i] == 0xe2;
		if ((size_t)e.line > lines + 1)
			fail("a line beyond the text", &e);
		char msg[4096];
		scn_error_format(&e, msg, sizeof msg);
		return 0;
	}
	if (!s)
		fail("success without a scenario", &e);
	struct world w;
	struct world_opts o = {.max_events = 20000, .stop = SIM_S(3600)};
	if (world_build(&w, s, &o) == 0) {
		struct count_sink cs = {.base = {.emit = count_emit,
						 .mask = TR_USUAL}};
		if (trace_add_sink(&w.sim.trace, &cs.base) == 0)
			world_run(&w);
		trace_fini(&w.sim.trace);
		world_free(&w);
	}
	scn_free(s);
	return 0;
}
