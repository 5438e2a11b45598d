/* timeaxis.c — the one policy for folding a time axis (timeaxis.h). */
#include "sim/diagram/timeaxis.h"

#include <assert.h>

/* The thresholds:
 *   ladder, chart  1 s, or as asked: the terminal and the chart show
 *                  every exchange row by row, and a second with nothing
 *                  in it is a blank screen.
 *   ladder plot    20 times the median one-way delay, between 1 ms and
 *                  1 s, or as asked: drawn to scale, a span much longer
 *                  than the exchanges around it is mostly white.
 *   series         the 8 longest spans, each at least 10 s and more than
 *                  a third of what is left to scale. */
#define SEQ_FOLD SIM_S(1)
#define PLOT_FOLD_PER_DELAY 20
#define PLOT_FOLD_MIN SIM_MS(1)
#define SERIES_FOLD_MIN SIM_S(10)
#define SERIES_MAX_FOLDS TIMEAXIS_MAX_FOLDS

struct timeaxis_rule timeaxis_rule(enum timeaxis_use use, sim_time_t asked,
				   sim_time_t median_delay)
{
	switch (use) {
	case TA_LADDER:
	case TA_CHART:
		break;
	case TA_LADDER_PLOT:
		if (asked <= 0 && median_delay > 0) {
			sim_time_t f = PLOT_FOLD_PER_DELAY * median_delay;
			f = f < PLOT_FOLD_MIN ? PLOT_FOLD_MIN : f;
			return (struct timeaxis_rule){f < SEQ_FOLD ? f : SEQ_FOLD,
						      0};
		}
		break;
	case TA_SERIES:
		return (struct timeaxis_rule){SERIES_FOLD_MIN,
					      SERIES_MAX_FOLDS};
	}
	return (struct timeaxis_rule){asked > 0 ? asked : SEQ_FOLD, 0};
}

bool timeaxis_folds(const struct timeaxis_rule *r, sim_time_t a,
		    sim_time_t b)
{
	assert(r->max_folds == 0);
	return b - a >= r->min_gap;
}

/* The longest spans that fold, as the indexes i of their first instant
 * (the span from t[i] to t[i+1]), chosen greedily: the longest first
 * (the earliest of equals), while it is long enough and longer than a
 * third of the time still to scale. Returns how many, into gap_at. */
static size_t longest(const sim_time_t *t, size_t n,
		      const struct timeaxis_rule *r, size_t *gap_at)
{
	size_t nfold = 0;
	sim_time_t drawn = t[n - 1] - t[0];
	while (nfold < r->max_folds) {
		size_t best = n;
		for (size_t i = 0; i + 1 < n; i++) {
			bool taken = false;
			for (size_t k = 0; k < nfold; k++)
				taken |= gap_at[k] == i;
			if (!taken && (best == n ||
				       t[i + 1] - t[i] > t[best + 1] - t[best]))
				best = i;
		}
		if (best == n)
			break;
		sim_time_t g = t[best + 1] - t[best];
		if (g < r->min_gap || 3 * g <= drawn)
			break;
		gap_at[nfold++] = best;
		drawn -= g;
	}
	return nfold;
}

size_t timeaxis_cut(const sim_time_t *t, size_t n,
		    const struct timeaxis_rule *r, struct timeaxis_piece *pc)
{
	if (n == 0)
		return 0;
	size_t npc = 0;
	pc[npc++] = (struct timeaxis_piece){t[0], t[0]};
	if (r->max_folds == 0) {
		for (size_t k = 1; k < n; k++) {
			if (timeaxis_folds(r, pc[npc - 1].b, t[k]))
				pc[npc++] = (struct timeaxis_piece){t[k], t[k]};
			else
				pc[npc - 1].b = t[k];
		}
		return npc;
	}
	/* the folds in time order: a flag per span would cost n; the
	 * chosen are few, so mark them in a sorted list */
	size_t gap_at[TIMEAXIS_MAX_FOLDS];
	assert(r->max_folds <= TIMEAXIS_MAX_FOLDS);
	size_t nfold = longest(t, n, r, gap_at);
	for (size_t i = 1; i < nfold; i++) /* insertion sort, few */
		for (size_t j = i; j > 0 && gap_at[j - 1] > gap_at[j]; j--) {
			size_t x = gap_at[j];
			gap_at[j] = gap_at[j - 1];
			gap_at[j - 1] = x;
		}
	for (size_t k = 0; k < nfold; k++) {
		pc[npc - 1].b = t[gap_at[k]];
		pc[npc++] = (struct timeaxis_piece){t[gap_at[k] + 1],
						    t[gap_at[k] + 1]};
	}
	pc[npc - 1].b = t[n - 1];
	return npc;
}
