/* sweep_plot.h — the picture of a sweep (`tcpsim sweep --plot`,
 * docs/sweep.md): a metric against the first --set parameter, one series
 * per combination of the others. Yes/no metrics are drawn as shares with
 * 95 % Wilson intervals, numbers as medians in a p5–p95 band (min–max,
 * and called so, with fewer than 20 seeds); the x axis
 * is to scale when every value is a number with one unit, categorical
 * otherwise. The drawing is plots/sweep.gp, after a preamble this module
 * writes from the results.
 */
#ifndef TCPSIM_SWEEP_PLOT_H
#define TCPSIM_SWEEP_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/run/sweep.h"

struct sweep_plot {
	/* given */
	const struct sweep *sw;
	const char *const *params;      /* the --set paths */
	size_t np;
	const char *const *const *value; /* per combination, per path */
	const struct sweep_values *vals; /* per path */
	const int64_t *res;             /* sweep_run's results */
	size_t metric;                  /* the one drawn */
	const char *scenario;           /* for the title */
	const char *fmt;                /* "svg", "png" or "pdf" */
	bool logx, logy;                /* log scales (x: numbers above 0;
					   y: values not above 0 left out) */
	/* found by sweep_plot_prepare */
	bool numeric_x;                 /* x values are numbers ... */
	char xunit[16];                 /* ... with this unit */
	bool *keep;                     /* per series: has a value to draw */
	size_t nkeep;                   /* how many do */
};

/* How the x axis reads and which series have something to draw (nkeep
 * may be 0: nothing to draw). Returns 0, or -1 if memory runs out. */
int sweep_plot_prepare(struct sweep_plot *p);
/* Write the gnuplot script of the struct sweep_plot ctx to f (an emit
 * function for gnuplot_render); 0, or -1 if writing failed. */
int sweep_plot_script(FILE *f, void *ctx);
/* Free what prepare took. */
void sweep_plot_fini(struct sweep_plot *p);

#endif
