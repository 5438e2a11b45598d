/* sweep.c — how fast `tcpsim sweep` runs a small scenario.
 *
 * handshake-and-close (the default scenario: handshake, 1000 bytes, the
 * four-way close) is loaded once and run for many seeds through
 * sweep_run(), as `tcpsim sweep` does, with one worker and with one per
 * CPU: once with the default metrics but no expectations, once with
 * every one of its 56 expectations judged in every run. Reports runs per
 * second of wall time. The table itself is not written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/run/sweep.h"

static int bench(const struct scenario *s, const char *metrics, int jobs,
		 size_t nseeds)
{
	struct sweep_metric m[SWEEP_MAX_METRICS];
	char err[512];
	int nm = sweep_parse_metrics(metrics, s, m, err, sizeof err);
	if (nm < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	uint64_t *seeds = malloc(nseeds * sizeof *seeds);
	int64_t *res = malloc(nseeds * (size_t)nm * sizeof *res);
	if (!seeds || !res)
		return -1;
	for (size_t i = 0; i < nseeds; i++)
		seeds[i] = i + 1;
	const struct scenario *scns[1] = {s};
	struct sweep sw = {
		.scns = scns,
		.ncombos = 1,
		.seeds = seeds,
		.nseeds = nseeds,
		.m = m,
		.nm = (size_t)nm,
		.jobs = jobs,
	};
	double t0 = bench_now();
	int rc = sweep_run(&sw, res, err, sizeof err);
	double dt = bench_now() - t0;
	if (rc < 0) {
		fprintf(stderr, "sweep: %s\n", err);
		return -1;
	}
	printf("sweep handshake-and-close, %zu seeds, %d job%s, %s: %.3f s, "
	       "%.0f runs/s\n",
	       nseeds, jobs, jobs == 1 ? "" : "s",
	       strstr(metrics, "expect") ? "every expectation judged"
					 : "default metrics",
	       dt, (double)nseeds / dt);
	free(seeds);
	free(res);
	return 0;
}

int main(void)
{
	bench_heap();
	struct scenario *s = bench_builtin("handshake-and-close");
	if (!s)
		return 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int all = cpus > 1 ? (int)cpus : 2;
	const char *plain = SWEEP_DEFAULT_METRICS;
	const char *judged = SWEEP_DEFAULT_METRICS ",expect";
	int rc = bench(s, plain, 1, 200000) || bench(s, plain, all, 400000) ||
		 bench(s, judged, 1, 100000) || bench(s, judged, all, 200000);
	scn_free(s);
	return rc ? 1 : 0;
}
