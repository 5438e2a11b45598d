/* sinks.h — trace sinks that turn events into text.
 *
 * text:   the canonical trace, one line per event (docs/trace-format.md);
 *         golden traces are files of it.
 * ladder: the sequence diagram for a terminal, one column per host, drawn
 *         when the run finishes (so a loss decided later can still be
 *         marked on its arrow).
 * Sinks write to a FILE they do not own; opening and atomically renaming
 * files is the caller's business (sim/outfile.h).
 */
#ifndef TCPSIM_SINKS_H
#define TCPSIM_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "trace.h"

/* The canonical text trace to f; the header is written on the first
 * event. */
struct trace_sink *sink_text_new(FILE *f);
/* Format one event as its canonical trace line (no newline); returns the
 * length as snprintf does. */
int trace_format_line(const struct trace *tr, const struct trace_event *ev,
		      char *buf, size_t n);

struct ladder_opts {
	bool ascii;        /* ASCII only, no box drawing */
	sim_time_t fold;   /* gaps at least this long get a fold line; 0: 1s */
};

/* The terminal ladder diagram to f. */
struct trace_sink *sink_ladder_new(FILE *f, const struct ladder_opts *o);

#endif
