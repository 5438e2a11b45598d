/* batch.c — the contract of batch_run() over MPI (sim/run/batch.h),
 * without the simulator: tests/mpi.sh runs it under mpirun and alone.
 *
 *   batch [twice|disagree|leave]
 *
 * twice (the default): two batches in a row, the second's size and runs
 * computed from the first's records, as `tcpsim explore` computes a
 * level from the last. The runs are uneven (every seventh is 20 times
 * longer). Each rank prints one line: its rank, each batch's size and a
 * checksum of the whole record array it holds afterwards, and how many
 * runs it computed itself. Run alone, it prints the same checksums.
 *
 * disagree: rank 1 asks for one run more than the others; leave: the
 * last rank ends before the batch. Each rank prints what batch_run
 * returned and its message: the same on every rank that reached the
 * batch, and no rank waits for ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/batch.h"

struct work {
	const int64_t *prev;     /* the first batch's records (second batch) */
	uint64_t nprev;
	uint64_t *ran;           /* runs computed by this rank */
};

/* A little arithmetic whose length depends on r. */
static int64_t churn(uint64_t r, uint64_t seed)
{
	uint64_t x = r * 0x9e3779b97f4a7c15u + seed;
	unsigned steps = r % 7 == 0 ? 40000 : 2000;
	for (unsigned i = 0; i < steps; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	return (int64_t)(x >> 1);
}

static int first(const void *ctx, uint64_t r, int64_t *rec)
{
	const struct work *w = ctx;
	(*w->ran)++;
	rec[0] = churn(r, 1);
	rec[1] = (int64_t)(r % 5);
	rec[2] = rec[0] % 1000;
	return 0;
}

static int second(const void *ctx, uint64_t r, int64_t *rec)
{
	const struct work *w = ctx;
	(*w->ran)++;
	const int64_t *p = w->prev + (r % w->nprev) * 3;
	rec[0] = churn(r, (uint64_t)p[0]) ^ p[2];
	return 0;
}

static uint64_t checksum(const int64_t *a, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint64_t)a[i]) * 1099511628211u;
	return h;
}

int main(int argc, char **argv)
{
	char err[256];
	if (batch_init(&argc, &argv, err, sizeof err) < 0) {
		fprintf(stderr, "batch: %s\n", err);
		return 2;
	}
	int rank = 0, size = 1;
	const char *env = getenv("OMPI_COMM_WORLD_RANK");
	const char *envn = getenv("OMPI_COMM_WORLD_SIZE");
	if (env && envn) {
		rank = atoi(env);
		size = atoi(envn);
	}
	const char *mode = argc > 1 ? argv[1] : "twice";
	uint64_t ran = 0;
	struct work w = {.ran = &ran};
	uint64_t n1 = 3000;
	if (strcmp(mode, "leave") == 0 && rank == size - 1) {
		batch_finish(2);
		return 2;
	}
	if (strcmp(mode, "disagree") == 0 && rank == 1)
		n1++;
	int64_t *a = calloc(n1 * 3, sizeof *a);
	if (!a)
		return 2;
	struct batch b = {.n = n1, .width = 3, .run = first, .ctx = &w,
			  .jobs = 1};
	int rc = batch_run(&b, a, err, sizeof err);
	if (rc != 0) {
		printf("rank %d: %d %s\n", rank, rc, err);
		free(a);
		batch_finish(1);
		return 1;
	}
	/* the second batch from the first's records */
	uint64_t n2 = 500;
	for (uint64_t r = 0; r < n1; r++)
		n2 += (uint64_t)(a[r * 3 + 2] % 3);
	int64_t *c = calloc(n2, sizeof *c);
	if (!c)
		return 2;
	w.prev = a;
	w.nprev = n1;
	b = (struct batch){.n = n2, .width = 1, .run = second, .ctx = &w,
			   .jobs = 1};
	rc = batch_run(&b, c, err, sizeof err);
	if (rc != 0)
		printf("rank %d: %d %s\n", rank, rc, err);
	else
		printf("rank %d: %llu runs %016llx, %llu runs %016llx; ran %llu\n",
		       rank, (unsigned long long)n1,
		       (unsigned long long)checksum(a, n1 * 3),
		       (unsigned long long)n2,
		       (unsigned long long)checksum(c, n2),
		       (unsigned long long)ran);
	fflush(stdout);
	free(a);
	free(c);
	batch_finish(rc ? 1 : 0);
	return rc ? 1 : 0;
}
