/* bench.h — what the benchmarks share: a clock, the heap settings the
 * commands use, and a built-in scenario loaded. */
#ifndef TCPSIM_BENCH_H
#define TCPSIM_BENCH_H

#include <stdio.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sim/scenario/builtin.h"
#include "sim/scenario/scenario.h"

/* Seconds of wall time, from an arbitrary start. */
static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The heap as tcpsim sweep and explore keep it (sim/cli/cmd_sweep.c):
 * runs free and take their buffers again, so the top stays. */
static inline void bench_heap(void)
{
#ifdef M_TRIM_THRESHOLD
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
}

/* Built-in scenario `name`, loaded; NULL (said) if it cannot be. */
static inline struct scenario *bench_builtin(const char *name)
{
	const struct builtin_scenario *b = builtin_find(name);
	struct scenario *s;
	struct scn_error e;
	if (!b || scn_load_string(b->name, b->text, b->len, &s, &e) < 0) {
		fprintf(stderr, "cannot load %s\n", name);
		return NULL;
	}
	return s;
}

#endif
