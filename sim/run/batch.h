/* batch.h — many independent runs, in this process, in worker processes,
 * or (tcpsim-mpi) over MPI ranks.
 *
 * A batch is runs 0 .. n-1 of a pure function: run r writes `width`
 * int64 words of record into out[r * width]. Because each record depends
 * on r alone and is stored by r, the result is the same whatever the
 * number of workers or ranks and whoever finishes first. The sweep
 * (sweep.h) and the exploration (explore.h) are batches.
 */
#ifndef TCPSIM_BATCH_H
#define TCPSIM_BATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct batch {
	uint64_t n;        /* runs */
	size_t width;      /* int64 words of each run's record, >= 1 */
	/* Run r into rec (width words); 0, or -1 if memory ran out. */
	int (*run)(const void *ctx, uint64_t r, int64_t *rec);
	const void *ctx;
	int jobs;          /* worker processes; 1: in this one */
	/* Called now and then with how many runs are done (optional). */
	void (*progress)(void *pctx, uint64_t done, uint64_t total);
	void *pctx;
	const volatile sig_atomic_t *interrupt; /* optional: stop when set */
};

/* Every run of b into out (b->n * b->width words). Returns 0; -1 with why
 * in err; -2 if interrupted (then the records of runs not done are as
 * they were: a caller that must know which were done marks its records).
 * Workers are forked here, so they inherit ctx ready to run. */
int batch_run(const struct batch *b, int64_t *out, char *err, size_t n);
/* Does this process write the outputs? Always, but for the ranks of an
 * MPI run other than the first. */
bool batch_leader(void);

#endif
