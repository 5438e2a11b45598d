/* batch_mpi.c — batches over the ranks of an MPI job (batch.h), linked
 * into tcpsim-mpi in place of batch_single.c.
 *
 * Every rank runs the same command, so every rank calls batch_run() with
 * the same batch. Rank 0 leads: it hands out chunks of consecutive runs
 * to the other ranks as they ask, each ask carrying the records of the
 * chunk before, and runs chunks itself between the asks (it looks for
 * them every half millisecond, so a rank waits at most that plus one run
 * of rank 0's for its next chunk). When every run is done, rank 0 sends
 * the outcome and the whole record array to every rank, so each returns
 * the same value with the same bytes in out.
 *
 * Each batch starts, and the job ends (batch_finish), with every rank
 * saying where it is: a rank that ended before a batch or that sees
 * another batch makes the batch fail on every rank instead of leaving
 * them waiting for each other. The waits test and nap rather than spin,
 * so a rank waiting on a machine with more ranks than cores leaves the
 * cores to those running.
 *
 * Known limits: a rank killed outright (not through SIGTERM/SIGINT)
 * leaves the others to mpirun, which ends the job; records travel as
 * int64 words, so all ranks must share one byte order.
 */
#include "sim/run/batch.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_ASK = 1, TAG_ORDER = 2 };

/* Where a rank says it is, when they all meet. */
enum { AT_BATCH = 1, AT_END = 2 };

/* A rank ended while the others were at a batch: no meeting is complete
 * any more, so batch_finish() must not wait for one. Process-wide, as
 * the MPI job itself is. */
static bool someone_left;

static bool joined(void)
{
	int init = 0, fin = 0;
	MPI_Initialized(&init);
	MPI_Finalized(&fin);
	return init && !fin;
}

static int job_size(void)
{
	int size = 1;
	if (joined())
		MPI_Comm_size(MPI_COMM_WORLD, &size);
	return size;
}

static int job_rank(void)
{
	int rank = 0;
	if (joined())
		MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	return rank;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(void)
{
	struct timespec ts = {0, 100000};
	nanosleep(&ts, NULL);
}

/* Wait for rq: a few quick tests, then a nap between tests. */
static void wait_for(MPI_Request *rq)
{
	int done = 0;
	for (int i = 0; !done; i++) {
		MPI_Test(rq, &done, MPI_STATUS_IGNORE);
		if (!done && i >= 64)
			nap();
	}
}

/* Every rank says (kind, a, b); all of them, rank by rank, into all
 * (3 words each). */
static int meet(int64_t kind, int64_t a, int64_t b, int64_t *all)
{
	int64_t me[3] = {kind, a, b};
	MPI_Request rq;
	if (MPI_Iallgather(me, 3, MPI_INT64_T, all, 3, MPI_INT64_T,
			   MPI_COMM_WORLD, &rq) != MPI_SUCCESS)
		return -1;
	wait_for(&rq);
	return 0;
}

/* The meeting at the start of a batch: 0 when every rank is at the same
 * batch; else -1 with why (the same on every rank). */
static int meet_at_batch(const struct batch *b, int size, char *err,
			 size_t n)
{
	int64_t *all = malloc((size_t)size * 3 * sizeof *all);
	if (!all || meet(AT_BATCH, (int64_t)b->n, (int64_t)b->width,
			 all) < 0) {
		free(all);
		snprintf(err, n, "the ranks could not meet");
		return -1;
	}
	int rc = 0;
	for (int r = 0; r < size && rc == 0; r++) {
		const int64_t *w = all + 3 * r;
		if (w[0] == AT_END) {
			someone_left = true;
			snprintf(err, n, "rank %d ended (exit status %lld) "
					 "before this batch",
				 r, (long long)w[1]);
			rc = -1;
		} else if (w[1] != all[1] || w[2] != all[2]) {
			snprintf(err, n, "the ranks disagree on the batch "
					 "(rank 0: %lld runs of %lld words, "
					 "rank %d: %lld of %lld): does every "
					 "node run the same binary on the "
					 "same scenario?",
				 (long long)all[1], (long long)all[2], r,
				 (long long)w[1], (long long)w[2]);
			rc = -1;
		}
	}
	free(all);
	return rc;
}

/* Runs per chunk: about 32 chunks per rank, so uneven runs even out. */
static uint64_t chunk_of(const struct batch *b, int size)
{
	uint64_t c = b->n / ((uint64_t)size * 32);
	return c < 1 ? 1 : c > 1024 ? 1024 : c;
}

static bool stop_asked(const struct batch *b)
{
	return b->interrupt && *b->interrupt;
}

/* ---- the other ranks ---------------------------------------------------- */

/* An ask: status (0, -1 a run ran out of memory, -2 interrupted), the
 * first run of the chunk before and how many of its runs are done, then
 * their records. */
enum { ASK_HEAD = 3 };

static int send_ask(int64_t *msg, size_t words)
{
	MPI_Request rq;
	if (MPI_Isend(msg, (int)words, MPI_INT64_T, 0, TAG_ASK, MPI_COMM_WORLD,
		      &rq) != MPI_SUCCESS)
		return -1;
	wait_for(&rq);
	return 0;
}

/* Ask for chunks and run them until rank 0 says stop. */
static void follow(const struct batch *b, int size)
{
	uint64_t chunk = chunk_of(b, size);
	int64_t *msg = malloc((ASK_HEAD + chunk * b->width) * sizeof *msg);
	int64_t head[ASK_HEAD] = {0, 0, 0};
	int64_t *ask = msg ? msg : head;
	if (!msg)
		head[0] = -1;   /* rank 0 will stop the batch */
	else
		memcpy(msg, head, sizeof head);
	size_t words = ASK_HEAD;
	for (;;) {
		uint64_t order[2];
		MPI_Request rq;
		if (send_ask(ask, words) < 0 ||
		    MPI_Irecv(order, 2, MPI_UINT64_T, 0, TAG_ORDER,
			      MPI_COMM_WORLD, &rq) != MPI_SUCCESS)
			break;
		wait_for(&rq);
		if (order[1] == 0)
			break;
		uint64_t k = 0;
		int64_t status = 0;
		for (; k < order[1]; k++) {
			if (stop_asked(b)) {
				status = -2;
				break;
			}
			if (b->run(b->ctx, order[0] + k,
				   msg + ASK_HEAD + k * b->width) < 0) {
				status = -1;
				break;
			}
		}
		msg[0] = status;
		msg[1] = (int64_t)order[0];
		msg[2] = (int64_t)k;
		words = ASK_HEAD + k * b->width;
	}
	free(msg);
}

/* ---- rank 0 ------------------------------------------------------------- */

struct lead {
	const struct batch *b;
	int64_t *out;
	int64_t *msg;           /* an ask being read */
	uint64_t next, done, chunk;
	int following;          /* ranks not yet told to stop */
	int rc;
	char *err;
	size_t n;
};

/* Read rank src's ask, keep its records, answer with the next chunk or
 * with stop. */
static int answer(struct lead *l, int src)
{
	const struct batch *b = l->b;
	int64_t *m = l->msg;
	MPI_Status st;
	if (MPI_Recv(m, (int)(ASK_HEAD + l->chunk * b->width), MPI_INT64_T,
		     src, TAG_ASK, MPI_COMM_WORLD, &st) != MPI_SUCCESS)
		return -1;
	uint64_t start = (uint64_t)m[1], count = (uint64_t)m[2];
	if (count > l->chunk || start > b->n || count > b->n - start) {
		snprintf(l->err, l->n, "rank %d answered for runs it was not "
				       "given",
			 src);
		l->rc = -1;
		count = 0;
	}
	memcpy(l->out + start * b->width, m + ASK_HEAD,
	       count * b->width * sizeof *m);
	l->done += count;
	if (m[0] == -1 && l->rc != -1) {
		snprintf(l->err, l->n, "out of memory on rank %d", src);
		l->rc = -1;
	} else if (m[0] == -2 && l->rc == 0) {
		l->rc = -2;
	}
	uint64_t order[2] = {l->next, 0};
	if (l->rc == 0 && l->next < b->n) {
		order[1] = b->n - l->next < l->chunk ? b->n - l->next : l->chunk;
		l->next += order[1];
	} else {
		l->following--;
	}
	MPI_Request rq;
	if (MPI_Isend(order, 2, MPI_UINT64_T, src, TAG_ORDER, MPI_COMM_WORLD,
		      &rq) != MPI_SUCCESS)
		return -1;
	wait_for(&rq);
	if (b->progress && count)
		b->progress(b->pctx, l->done, b->n);
	return 0;
}

/* Answer every ask waiting; 1 if there was one. */
static int answer_waiting(struct lead *l)
{
	int any = 0;
	for (;;) {
		int flag = 0;
		MPI_Status st;
		MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &flag, &st);
		if (!flag)
			return any;
		if (answer(l, st.MPI_SOURCE) < 0)
			return -1;
		any = 1;
	}
}

/* Lead the batch until every other rank is told to stop; rank 0's own
 * runs in between. */
static void lead(struct lead *l)
{
	const struct batch *b = l->b;
	uint64_t mine = 0, end = 0;      /* rank 0's chunk: [mine, end) */
	double looked = 0;
	while (l->following > 0 || (l->rc == 0 && (mine < end ||
						   l->next < b->n))) {
		if (l->rc == 0 && stop_asked(b))
			l->rc = -2;
		if (l->rc == 0 && mine == end && l->next < b->n) {
			mine = l->next;
			end = b->n - mine < l->chunk ? b->n : mine + l->chunk;
			l->next = end;
		}
		bool work = l->rc == 0 && mine < end;
		double t = now();
		if (!work || t - looked > 0.0005) {
			looked = t;
			int any = answer_waiting(l);
			if (any < 0) {
				snprintf(l->err, l->n, "lost the other ranks");
				l->rc = -1;
				return;
			}
			if (!work && !any)
				nap();
		}
		if (!work)
			continue;
		if (b->run(b->ctx, mine, l->out + mine * b->width) < 0) {
			snprintf(l->err, l->n, "out of memory in run %llu",
				 (unsigned long long)mine);
			l->rc = -1;
			continue;
		}
		mine++;
		l->done++;
		if (b->progress && mine == end)
			b->progress(b->pctx, l->done, b->n);
	}
}

/* ---- every rank --------------------------------------------------------- */

/* The outcome, from rank 0 to every rank. */
struct outcome {
	int64_t rc;
	char err[504];
};

/* Rank 0's outcome and (unless the batch failed) its records, to every
 * rank, in pieces an int count can hold. */
static int share(struct outcome *o, int64_t *out, uint64_t words)
{
	MPI_Request rq;
	if (MPI_Ibcast(o, (int)sizeof *o, MPI_BYTE, 0, MPI_COMM_WORLD,
		       &rq) != MPI_SUCCESS)
		return -1;
	wait_for(&rq);
	if (o->rc == -1)
		return 0;
	for (uint64_t at = 0; at < words;) {
		uint64_t k = words - at < (1u << 24) ? words - at : (1u << 24);
		if (MPI_Ibcast(out + at, (int)k, MPI_INT64_T, 0, MPI_COMM_WORLD,
			       &rq) != MPI_SUCCESS)
			return -1;
		wait_for(&rq);
		at += k;
	}
	return 0;
}

int batch_run(const struct batch *b, int64_t *out, char *err, size_t n)
{
	int size = job_size();
	if (someone_left) {
		snprintf(err, n, "a rank has ended");
		return -1;
	}
	if (size == 1)
		return batch_run_local(b, out, err, n);
	if (meet_at_batch(b, size, err, n) < 0)
		return -1;
	if (b->n == 0)
		return 0;
	struct outcome o = {0, ""};
	int64_t head[ASK_HEAD];
	if (job_rank() == 0) {
		struct lead l = {
			.b = b,
			.out = out,
			.chunk = chunk_of(b, size),
			.following = size - 1,
			.err = o.err,
			.n = sizeof o.err,
		};
		l.msg = malloc((ASK_HEAD + l.chunk * b->width) * sizeof *l.msg);
		if (!l.msg) {
			/* still answer each rank's first ask, with stop */
			l.msg = head;
			l.chunk = 0;
			l.rc = -1;
			snprintf(o.err, sizeof o.err, "out of memory");
		}
		lead(&l);
		if (l.chunk)
			free(l.msg);
		o.rc = l.rc;
	} else {
		follow(b, size);
	}
	if (share(&o, out, b->n * b->width) < 0) {
		snprintf(err, n, "the ranks could not share the records");
		return -1;
	}
	if (o.rc == -1)
		snprintf(err, n, "%s", o.err);
	return (int)o.rc;
}

int batch_init(int *argc, char ***argv, char *err, size_t n)
{
	if (MPI_Init(argc, argv) != MPI_SUCCESS) {
		snprintf(err, n, "MPI_Init failed");
		return -1;
	}
	return 0;
}

bool batch_leader(void)
{
	return job_rank() == 0;
}

bool batch_finish(int status)
{
	if (!joined())
		return true;
	bool same = true;
	int size = job_size(), rank = job_rank();
	int64_t *all = malloc((size_t)size * 3 * sizeof *all);
	if (size > 1 && !someone_left && all &&
	    meet(AT_END, status, 0, all) == 0)
		same = rank == 0 || (all[0] == AT_END && all[1] == status);
	else
		same = rank == 0;
	free(all);
	MPI_Finalize();
	return same;
}
