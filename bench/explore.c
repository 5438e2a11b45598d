/* explore.c — how fast `tcpsim explore` tries fault sets.
 *
 * lost-final-ack (handshake, 1000 bytes, the close, 60 s of TIME-WAIT;
 * its own loss left out) explored with up to 4 drops and 2 duplicates on
 * its first 20 segments, judged by delivered-intact and no-stuck-tcb,
 * with one worker and with two. Reports fault sets per second of wall
 * time; the report itself is not written.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "sim/run/explore.h"

static int bench(const struct scenario *s, int jobs)
{
	char err[512];
	struct explore x = {
		.scn = s,
		.wopts = {.no_link_rules = true},
		.budget = {[EX_DROP] = 4, [EX_DUP] = 2},
		.segments = 20,
		.host = -1,
		.jobs = jobs,
	};
	if (explore_parse_invariants("delivered-intact,no-stuck-tcb", &x.inv,
				     err, sizeof err) < 0)
		return -1;
	double t0 = bench_now();
	int rc = explore_run(&x, err, sizeof err);
	double dt = bench_now() - t0;
	if (rc < 0) {
		fprintf(stderr, "explore: %s\n", err);
		return -1;
	}
	uint64_t failing = 0;
	for (uint64_t i = 0; i < x.nsets; i++)
		failing += x.rec[i * x.width + EXR_FAILS] != 0;
	printf("explore lost-final-ack --drops 4 --dups 2, %d job%s: %llu fault "
	       "sets (%llu fail) in %.3f s, %.0f runs/s\n",
	       jobs, jobs == 1 ? "" : "s", (unsigned long long)x.nsets,
	       (unsigned long long)failing, dt, (double)x.nsets / dt);
	explore_free(&x);
	return 0;
}

int main(void)
{
	bench_heap();
	struct scenario *s = bench_builtin("lost-final-ack");
	if (!s)
		return 1;
	int rc = bench(s, 1) < 0 || bench(s, 2) < 0;
	scn_free(s);
	return rc;
}
