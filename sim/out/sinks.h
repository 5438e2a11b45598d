/* sinks.h — trace sinks that turn events into outputs.
 *
 * text:    the canonical trace, one line per event (docs/trace-format.md);
 *          golden traces are files of it.
 * ladder:  the sequence diagram for a terminal, one column per host, drawn
 *          when the run finishes (so a loss decided later can still be
 *          marked on its arrow).
 * jsonl:   the same events as JSON Lines, for programs
 *          (docs/trace-format.md).
 * pcap:    every segment as a classic pcap record of IPv4 + TCP, written
 *          with libpcap (docs/pcap.md).
 * msc:     a message sequence chart in mscgen's language; diagram renders
 *          one to SVG or PNG with mscgen (docs/diagrams.md).
 * ladder plot: the sequence diagram to scale, drawn by gnuplot to SVG,
 *          PNG or PDF (docs/diagrams.md, plots/).
 * csv:     a directory of CSV files — segments, ACKs as the sender sees
 *          them, cwnd, RTT, state spans, losses — for plots and for any
 *          program (docs/plots.md; its tables: sink_csv.h).
 * Sinks given a FILE write to it and do not own it; opening and atomically
 * renaming files is the caller's business (sim/outfile.h). The two that
 * render (diagram, ladder plot) run an external program when the run
 * finishes, and their commit renames the picture into place, so that it
 * appears whole or not at all, and only with every other output; on
 * failure they set base.error.
 */
#ifndef TCPSIM_SINKS_H
#define TCPSIM_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/engine/trace.h"

/* The canonical text trace to f; the header is written on the first
 * event. */
struct trace_sink *sink_text_new(FILE *f);
/* Format one event as its canonical trace line (no newline); returns the
 * length as snprintf does. */
int trace_format_line(const struct trace *tr, const struct trace_event *ev,
		      char *buf, size_t n);

struct ladder_opts {
	bool ascii;        /* ASCII only, no box drawing */
	bool relative;     /* relative sequence numbers (sim/seqrel.h) */
	bool color;        /* ANSI colour (the caller decides: a terminal,
			      and NO_COLOR unset) */
	sim_time_t fold;   /* gaps at least this long get a fold line; 0: 1s */
};

/* The terminal ladder diagram to f. */
struct trace_sink *sink_ladder_new(FILE *f, const struct ladder_opts *o);

/* JSON Lines to f: one object per event. */
struct trace_sink *sink_jsonl_new(FILE *f);

/* pcap to f (libpcap, LINKTYPE_RAW IPv4); NULL with a message in err if
 * libpcap refuses. */
struct trace_sink *sink_pcap_new(FILE *f, char *err, size_t n);

struct diagram_opts {
	bool relative;     /* relative sequence numbers */
	sim_time_t fold;   /* idle gaps at least this long are compressed
			      (0: the sink's default) */
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

/* The CSV files into directory `dir`, made (with its parents) if
 * missing; each file appears at commit, and a directory the sink made is
 * removed again if none does. NULL with a message in err if dir is not a
 * directory, cannot be made or cannot be written in. */
struct trace_sink *sink_csv_new(const char *dir, char *err, size_t n);

#endif
