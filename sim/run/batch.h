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
 * Workers are forked here, so they inherit ctx ready to run.
 *
 * In tcpsim-mpi, started by mpirun on several ranks, the contract is:
 *   - every rank runs the same command line on the same inputs, so calls
 *     batch_run() with the same batches in the same order (a command may
 *     call it several times, each batch computed from the records of the
 *     last); ranks that disagree on n or width, or a rank that ended
 *     before a batch, make it fail on every rank that reached it;
 *   - the runs are split over the ranks: rank 0 hands out chunks of
 *     consecutive runs to the others as they ask, and runs some itself
 *     between their requests; b->jobs is ignored (one rank is one worker:
 *     start one rank per core);
 *   - when it returns, every rank returns the same value and err, and
 *     on 0 holds all of out, the same bytes as one process would have
 *     computed, so the next batch can be worked out the same everywhere;
 *   - b->progress is called on rank 0 only;
 *   - an interrupt seen on any rank (mpirun passes Ctrl-C on as SIGTERM)
 *     stops the batch on all of them after their current run: each
 *     returns -2.
 * With one rank (or without MPI) it is the local pool above. */
int batch_run(const struct batch *b, int64_t *out, char *err, size_t n);

/* The pool of this process and its forked workers: what batch_run does
 * without MPI, and on a single rank. */
int batch_run_local(const struct batch *b, int64_t *out, char *err,
		    size_t n);

/* First thing in main(): join the MPI job (tcpsim-mpi; nothing
 * otherwise). Returns 0, or -1 with why in err. */
int batch_init(int *argc, char ***argv, char *err, size_t n);

/* True on the rank that writes the outputs (files, standard output,
 * progress): rank 0. Always true without MPI. */
bool batch_leader(void);

/* Last thing in main(): leave the MPI job, this rank having ended with
 * status. Returns true when the leader ended with the same status (always
 * on the leader and without MPI): a rank's messages are worth showing
 * only when they say something the leader's do not. */
bool batch_finish(int status);

#endif
