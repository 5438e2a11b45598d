/* plots.h — what goes in the pictures of `tcpsim plot` (docs/plots.md):
 * the time-sequence graph, cwnd, RTT and the states timeline.
 *
 * The picture is drawn by gnuplot from the CSV files of the run
 * (sim/out/sink_csv.h): plots/common.gp and plots/KIND.gp (compiled in as
 * plot_NAME_gp), after a preamble this module writes, which says where
 * the files are, which connections to draw and how to map time onto the
 * x axis; the scripts read the CSV files themselves, as they would read a
 * directory of `tcpsim run --csv`.
 *
 * What is decided here, from the sink's tables: the panels (one per
 * connection that has something to draw, at most 8, or 40 rows of the
 * states timeline), each one's subtitle, and the time axis, folded by the
 * time series' rule (timeaxis.h), each piece at least a readable width.
 * Tick labels are real times. Numbers go to gnuplot printed exactly from
 * integers, so the same run gives the same bytes.
 */
#ifndef TCPSIM_PLOTS_H
#define TCPSIM_PLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/engine/trace.h"
#include "sim/out/sink_csv.h"

enum plot_kind {
	PLOT_TIMESEQ, /* time-sequence (Stevens) graph */
	PLOT_CWND,    /* cwnd, ssthresh and flight size */
	PLOT_RTT,     /* RTT samples, SRTT and RTO */
	PLOT_STATES,  /* a timeline of every connection's states */
	PLOT_QUEUE,   /* the links' queues: segments waiting, their waits */
	PLOT_LADDER,  /* the ladder plot sink (diagram_sinks.h) */
	PLOT_NKINDS
};

/* Their names on the command line: "timeseq", "cwnd", ... */
extern const char *const plot_kind_names[PLOT_NKINDS];

struct plot_opts {
	enum plot_kind kind;      /* not PLOT_LADDER */
	int host;                 /* only this host's connections; -1: all */
	const char *host_name;    /* its name, for messages */
	const bool *hosts;        /* only these hosts' connections (per host
				     of the run, --hosts); NULL: all */
	uint64_t conn;            /* only this connection of host ... */
	bool has_conn;            /* ... if set */
	bool absolute;            /* absolute sequence numbers */
	unsigned w, h;            /* the picture, pixels */
};

struct plot;

/* Lay out the picture o asks for, of the run traced by tr whose CSV
 * tables are d and whose files are in dir (ending in '/'; tr, d and dir
 * are kept by reference); fmt is the picture's type ("svg", "png",
 * "pdf"). NULL with why in err: nothing of that kind to draw (which says
 * what is missing), or memory ran out. */
struct plot *plot_new(const struct plot_opts *o, const struct trace *tr,
		      const struct csv_data *d, const char *dir,
		      const char *fmt, char *err, size_t n);
/* Write the gnuplot script of the plot ctx (a struct plot) to f: the
 * emit function for gnuplot_render. Returns 0, or -1 if writing failed. */
int plot_script(FILE *f, void *ctx);
/* Free a plot. */
void plot_free(struct plot *p);

#endif
