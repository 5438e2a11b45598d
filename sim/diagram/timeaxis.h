/* timeaxis.h — where a picture's time axis folds: one policy for every
 * picture tcpsim draws.
 *
 * A picture lists the instants at which it draws something. A quiet span
 * between two of them may fold: drawn as a short fixed span that says how
 * long it was ("… 1h 59m 59s idle …"), so that two hours of keepalive
 * idle do not squash the minute of probes after them. The axis is cut at
 * the folds into pieces, each drawn to one scale.
 *
 * Which spans fold depends on what the picture is for:
 *   - a sequence diagram (terminal ladder, mscgen chart, ladder plot)
 *     folds every span of at least a threshold: a span with nothing in it
 *     is not worth its height;
 *   - a time series (tcpsim plot) folds only the longest spans, at most a
 *     few, each at least 10 s and longer than a third of the time left to
 *     scale: a retransmission timeout's stall is what such a plot is
 *     read for, and must show as it was.
 * timeaxis_rule() says each picture's rule; the thresholds are in one
 * table in timeaxis.c.
 */
#ifndef TCPSIM_TIMEAXIS_H
#define TCPSIM_TIMEAXIS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/engine/simtime.h"

/* The most folds any rule makes (the time series'). */
#define TIMEAXIS_MAX_FOLDS 8

enum timeaxis_use {
	TA_LADDER,      /* the terminal ladder */
	TA_CHART,       /* the mscgen chart */
	TA_LADDER_PLOT, /* the ladder drawn to scale by gnuplot */
	TA_SERIES,      /* the plots of tcpsim plot: timeseq, cwnd, rtt,
			   states */
};

struct timeaxis_rule {
	sim_time_t min_gap; /* a span shorter than this never folds */
	size_t max_folds;   /* 0: every span of min_gap or more folds; else
			       at most this many, longest first, each
			       longer than a third of the time still drawn
			       to scale */
};

/* The rule of a picture. `asked` (> 0) is a threshold the user gave
 * (sequence diagrams); `median_delay` is the run's median one-way delay,
 * which the ladder plot's threshold follows. */
struct timeaxis_rule timeaxis_rule(enum timeaxis_use use, sim_time_t asked,
				   sim_time_t median_delay);

/* Under r (a rule that folds every long span: max_folds 0), does the quiet
 * span between consecutive instants a <= b fold? For a picture that lays
 * out as it goes. */
bool timeaxis_folds(const struct timeaxis_rule *r, sim_time_t a,
		    sim_time_t b);

/* A piece of the axis drawn to scale: from instant a to instant b. */
struct timeaxis_piece {
	sim_time_t a, b;
};

/* Cut the sorted instants t[0..n) into pieces under r, in time order,
 * into pc, which has room for n of them (max_folds + 1 are enough when
 * r sets max_folds); returns how many (0 if n is 0). */
size_t timeaxis_cut(const sim_time_t *t, size_t n,
		    const struct timeaxis_rule *r, struct timeaxis_piece *pc);

#endif
