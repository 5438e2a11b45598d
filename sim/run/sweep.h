/* sweep.h — many runs of one scenario: parameter values × seeds.
 *
 * A sweep is every combination of some parameters' values (each an
 * override of one scenario value, struct scn_set) times a list of seeds.
 * Each run is a pure function of (combination, seed), so the results do
 * not depend on how many worker processes share the work or in what order
 * they finish: sweep_run() stores them by run number.
 *
 * Run r is combination r / nseeds with seed seeds[r % nseeds];
 * combinations are numbered with the last parameter varying fastest.
 *
 * Metrics are measured without any trace output: a small sink counts the
 * few events it needs, and the world is read after the run. Each run's
 * metric is an int64 (times in nanoseconds, bytes, counts, 1/0 for yes/no,
 * an enum tcp_end for `end`) or SWEEP_NONE when it has no value in that
 * run (connect_time when a connection was never established).
 */
#ifndef TCPSIM_SWEEP_H
#define TCPSIM_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scenario/scenario.h"
#include "sim/run/world.h"

#define SWEEP_NONE INT64_MIN
#define SWEEP_MAX_METRICS 64
#define SWEEP_MAX_VALUES 100000   /* values of one --set */
#define SWEEP_MAX_RUNS 10000000   /* combinations × seeds */

/* ---- values ------------------------------------------------------------ */

/* A parameter's values, in the order given. */
struct sweep_values {
	char **v;
	size_t n;
};

/* Parse "a,b,c" where each item is a value or a range FIRST:LAST:STEP of
 * decimal numbers with the same unit ("0:0.3:0.02", "10ms:100ms:10ms",
 * "1%:5%:1%"; a part without a unit takes the others'), LAST
 * included; range values are computed exactly in
 * decimal and written without trailing zeros. An item that is not three
 * numbers joined by ':' is a value as written ("server:80"). Returns 0,
 * or -1 with why in err. */
int sweep_parse_values(const char *spec, struct sweep_values *out, char *err,
		       size_t n);
void sweep_values_free(struct sweep_values *v);

/* A value read as a number and its unit ("20ms" → 20, "ms"); false if
 * it is not a decimal number followed by letters or '%' only. */
bool sweep_value_number(const char *s, double *x, char *unit, size_t n);

/* The ways a connection ends (enum tcp_end), and their order from best
 * to worst: normal, open, aborted, refused, reset, timed out, crashed. */
#define SWEEP_ENDS (TCP_END_UNREACHABLE + 1)
#define SWEEP_END_RANKS 8
/* An ending's place in that order, from 0 (normal). */
int sweep_end_rank(enum tcp_end e);

/* ---- metrics ----------------------------------------------------------- */

enum sweep_metric_kind {
	SM_ESTABLISHED,     /* every connect() reached ESTABLISHED: 1/0 */
	SM_CONNECT_TIME,    /* the longest connect() to ESTABLISHED, ns */
	SM_COMPLETED,       /* established, and every byte written read
			       intact by the peer: 1/0 */
	SM_FAILED,          /* not completed: 1/0 */
	SM_COMPLETION_TIME, /* when the last byte was read (no bytes: the
			       last connection established), ns; only when
			       completed */
	SM_DELIVERED,       /* bytes read by the applications */
	SM_RETRANSMISSIONS, /* segments sent again */
	SM_SEGMENTS,        /* segments sent */
	SM_LOST,            /* segments the network lost */
	SM_END,             /* how the connections ended: the worst of
			       them (enum tcp_end) */
	SM_EXPECT,          /* every expectation held: 1/0 */
	SM_EXPECT_N,        /* expectation `arg` (from 1) held: 1/0 */
	SM_FINISHED,        /* the run ended quietly or at its stop time,
			       not at a limit: 1/0 */
	SM_EVENTS,          /* events run */
	SM_SIM_TIME,        /* simulated time at the end, ns */
	SM_FLOWS,           /* flows: connections' directions that carried
			       data to an application */
	SM_GOODPUT,         /* bits per second read by the applications,
			       from the first flow's start to the last
			       byte read */
	SM_FAIRNESS,        /* Jain's index over the flows' goodputs,
			       millionths: 1 when they are equal, 1/n when
			       one flow has it all */
	SM_THROUGHPUT,      /* bits per second of data the connections
			       sent, retransmissions too, over goodput's
			       span */
	SM_QDELAY_P50,      /* the median, over the data segments that
			       reached their destination, of the time each
			       waited in the queues on its way, ns */
	SM_QDELAY_P99,      /* their 99th percentile (nearest rank), ns */
};

/* SU_FRACTION: a number in [0, 1], in millionths. */
enum sweep_unit { SU_FLAG, SU_COUNT, SU_TIME, SU_END, SU_FRACTION };

struct sweep_metric {
	enum sweep_metric_kind kind;
	unsigned arg;
	char name[32];
};

/* The metrics a sweep measures when none are named. */
#define SWEEP_DEFAULT_METRICS                                              \
	"established,connect_time,completed,completion_time,delivered,"      \
	"retransmissions,end"

/* Parse a comma-separated list of metric names against scn (expect:N
 * must name one of its expectations). Returns how many (at most
 * SWEEP_MAX_METRICS), or -1 with why in err. */
int sweep_parse_metrics(const char *list, const struct scenario *scn,
			struct sweep_metric *m, char *err, size_t n);
/* Every metric name, for help texts: "established, connect_time, ..." */
const char *sweep_metric_names(void);
enum sweep_unit sweep_metric_unit(const struct sweep_metric *m);

/* Run scn once with `seed` and measure m[0..nm-1] into out. opts may set
 * the stop time and event limit (its seed is ignored). Returns 0, or -1
 * if memory ran out. */
int sweep_measure(const struct scenario *scn, uint64_t seed,
		  const struct world_opts *opts, const struct sweep_metric *m,
		  size_t nm, int64_t *out);
/* The same, with one more sink watching the run (not destroyed here;
 * NULL: none), as the exploration of fault sets watches it. */
int sweep_measure_with(const struct scenario *scn, uint64_t seed,
		       const struct world_opts *opts,
		       const struct sweep_metric *m, size_t nm, int64_t *out,
		       struct trace_sink *extra);

/* ---- running ----------------------------------------------------------- */

struct sweep {
	const struct scenario *const *scns; /* one per combination */
	size_t ncombos;
	const uint64_t *seeds;
	size_t nseeds;
	const struct sweep_metric *m;
	size_t nm;
	struct world_opts wopts;
	int jobs;                  /* worker processes; 1: in this one */
	/* Called now and then with how many runs are done (optional). */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
	const volatile sig_atomic_t *interrupt; /* optional: stop when set */
};

/* Run every combination with every seed; out gets ncombos * nseeds * nm
 * values, run r's at out[r * nm]. Returns 0; -1 with why in err; -2 if
 * interrupted. */
int sweep_run(const struct sweep *sw, int64_t *out, char *err, size_t n);

/* ---- results ----------------------------------------------------------- */

/* Write the results as CSV (docs/sweep.md): a header, a row per run,
 * then for each combination a summary row per statistic (n, mean,
 * median, p5, p95, min, max, proportion). params[i] names parameter i,
 * value[c][i] is its value in combination c. Returns 0, or -1 on an
 * I/O error. */
int sweep_write_csv(FILE *f, const struct sweep *sw, const char *const *params,
		    size_t nparams, const char *const *const *value,
		    const int64_t *res);

/* The statistics of one metric over the runs of one combination. */
struct sweep_stats {
	uint64_t runs;      /* runs of the combination */
	uint64_t n;         /* runs in which the metric has a value */
	uint64_t nonzero;   /* ... a value other than 0 */
	int64_t min, max;
	int64_t median2;    /* twice the median (exact for an even n) */
	int64_t p5, p95;    /* nearest rank */
	__int128 sum;
	uint64_t end[SWEEP_ENDS]; /* SM_END: runs per enum tcp_end */
};

/* Statistics of metric j over combination c; scratch holds nseeds
 * values. */
void sweep_stats(const struct sweep *sw, const int64_t *res, size_t c,
		 size_t j, int64_t *scratch, struct sweep_stats *st);
/* A statistic as the CSV writes it: "mean", "median", "p5", "p95",
 * "min", "max", "proportion", "n" (`stat`), or "percent" (the
 * proportion as "97.5%"); "" when it has none. */
void sweep_stat_fmt(const struct sweep_metric *m, const struct sweep_stats *st,
		    const char *stat, char *buf, size_t n);

#endif
