/* diagram_sinks.h — the sequence diagrams, as trace sinks.
 *
 * ladder:  the sequence diagram for a terminal, one column per host, drawn
 *          when the run finishes (so a loss decided later can still be
 *          marked on its arrow).
 * msc:     a message sequence chart in mscgen's language; diagram renders
 *          one to SVG or PNG with mscgen (docs/diagrams.md).
 * ladder plot: the sequence diagram to scale, drawn by gnuplot to SVG,
 *          PNG or PDF (docs/diagrams.md, plots/).
 * html:    one self-contained page that draws the run to scale and steps
 *          through it, every segment's fields and fate and every
 *          connection's variables at each step (docs/diagrams.md); it
 *          keeps its own record (sink_html.c), written as the run goes.
 *
 * All but the HTML view are drawn from one record of the run (diagram.h).
 * Those given a FILE write to it and do not own it. The two that render
 * (diagram, ladder plot) run an external program when the run finishes,
 * and their commit renames the picture into place, so that it appears
 * whole or not at all, and only with every other output; on failure they
 * set base.error.
 */
#ifndef TCPSIM_DIAGRAM_SINKS_H
#define TCPSIM_DIAGRAM_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/engine/simtime.h"
#include "sim/engine/trace.h"

struct ladder_opts {
	bool ascii;        /* ASCII only, no box drawing */
	bool relative;     /* relative sequence numbers (sim/out/seqrel.h) */
	bool color;        /* ANSI colour (the caller decides: a terminal,
			      and NO_COLOR unset) */
	sim_time_t fold;   /* gaps at least this long get a fold line
			      (0: the ladder's rule, sim/diagram/timeaxis.h) */
	bool explain;      /* under each row, the rules that decided it;
			      discards and timers as rows of their own */
	bool vars;         /* SND.UNA, SND.NXT, RCV.NXT, SND.WND, RCV.WND
			      of the row's connection, after it */
};

/* The terminal ladder diagram to f. */
struct trace_sink *sink_ladder_new(FILE *f, const struct ladder_opts *o);

struct diagram_opts {
	bool relative;     /* relative sequence numbers */
	sim_time_t fold;   /* idle gaps at least this long are compressed
			      (0: the sink's rule, sim/diagram/timeaxis.h) */
	const char *script; /* ladder plot: keep gnuplot's input (the
			       layout and plots/ladder.gp, one file) here;
			       NULL: not kept */
};

/* mscgen source to f. */
struct trace_sink *sink_msc_new(FILE *f, const struct diagram_opts *o);
/* The chart rendered by mscgen to `path` (.svg or .png); NULL with a
 * message in err if the path's type is not one of those or mscgen is not
 * installed. */
struct trace_sink *sink_diagram_new(const char *path,
				    const struct diagram_opts *o, char *err,
				    size_t n);
/* The ladder plot rendered by gnuplot to `path` (.svg, .png or .pdf);
 * NULL with a message in err as for sink_diagram_new. */
struct trace_sink *sink_ladder_plot_new(const char *path,
					const struct diagram_opts *o,
					char *err, size_t n);

/* The events a page holds at most unless asked otherwise; after them the
 * page says how many more the run had and from when. */
#define HTML_MAX_EVENTS 100000

/* The HTML view to f: at most max_events events (0: HTML_MAX_EVENTS). */
struct trace_sink *sink_html_new(FILE *f, size_t max_events);
/* n bytes of JSON made safe inside a <script> element: '<', '>' and '&'
 * become \u003c, \u003e, \u0026, into out (NULL: only count); returns
 * the length written (no NUL added). */
size_t html_script_safe(const char *s, size_t n, char *out);
/* s with < > & " ' as HTML character references, NUL-terminated into out
 * (NULL: only count); returns the length without the NUL. */
size_t html_text_escape(const char *s, char *out);

#endif
