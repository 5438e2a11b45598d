/* batch.c — every run of a batch, in this process or in worker processes
 * (batch.h).
 *
 * Workers are forked when the batch starts, after everything its runs
 * read (a sweep's scenarios) is loaded and checked, so each inherits it
 * ready to run and none loads anything.
 * The parent hands out chunks of consecutive runs over one pipe per
 * worker and reads back one record per run over another; a record carries
 * its run number, so the table is the same whatever the number of workers
 * and whoever finishes first. With one job everything runs in this
 * process. A worker ends with _exit(), leaving what it inherited to the
 * parent.
 *
 * batch_run() itself is batch_single.c's (one machine: this pool) or, in
 * tcpsim-mpi, batch_mpi.c's (the ranks of an MPI job).
 */
#include "sim/run/batch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- running ----------------------------------------------------------- */

static bool stop_asked(const struct batch *sw)
{
	return sw->interrupt && *sw->interrupt;
}

static size_t chunk_size(const struct batch *sw)
{
	uint64_t c = sw->n / ((uint64_t)sw->jobs * 32);
	return c < 1 ? 1 : c > 1024 ? 1024 : (size_t)c;
}

static int run_here(const struct batch *sw, int64_t *out, char *err, size_t n)
{
	uint64_t total = sw->n, chunk = chunk_size(sw);
	for (uint64_t r = 0; r < total; r++) {
		if (stop_asked(sw))
			return -2;
		if (sw->run(sw->ctx, r, out + r * sw->width) < 0) {
			snprintf(err, n, "out of memory in run %llu",
				 (unsigned long long)r);
			return -1;
		}
		if (sw->progress && ((r + 1) % chunk == 0 || r + 1 == total))
			sw->progress(sw->pctx, r + 1, total);
	}
	return 0;
}

/* Read (or write) exactly n bytes; 0, or -1 (EOF counts as an error). */
static int move_all(int fd, void *buf, size_t n, bool out)
{
	char *p = buf;
	while (n > 0) {
		ssize_t k = out ? write(fd, p, n) : read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	return move_all(fd, buf, n, false);
}

static int write_all(int fd, const void *buf, size_t n)
{
	return move_all(fd, (void *)buf, n, true);
}

/* A chunk order: runs [start, start + count); count 0 ends the worker. */
struct order {
	uint64_t start, count;
};

/* The worker: take orders, answer each with the chunk's records (run
 * number, then the metrics; run number UINT64_MAX for out of memory). */
static _Noreturn void worker(const struct batch *sw, int in, int outfd)
{
	size_t rec = (1 + sw->width) * sizeof(int64_t);
	int64_t *buf = NULL;
	size_t cap = 0;
	struct order o;
	while (read_all(in, &o, sizeof o) == 0 && o.count > 0) {
		if (o.count * rec > cap) {
			free(buf);
			cap = o.count * rec;
			buf = malloc(cap);
			if (!buf)
				_exit(3);
		}
		for (uint64_t i = 0; i < o.count; i++) {
			int64_t *r = buf + i * (1 + sw->width);
			uint64_t run = o.start + i;
			r[0] = (int64_t)run;
			if (sw->run(sw->ctx, run, r + 1) < 0)
				r[0] = -1;
		}
		if (write_all(outfd, buf, o.count * rec) < 0)
			_exit(4);
	}
	free(buf);
	_exit(0);
}

struct wk {
	pid_t pid;
	int to, from;        /* order pipe (write end), record pipe (read) */
	struct order o;      /* the chunk it is on (count 0: idle) */
};

static void describe_status(int status, char *buf, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(buf, n, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(buf, n, "status %d", status);
}

/* The parent's side of the workers of one batch. */
struct pool {
	const struct batch *sw;
	struct wk *w;
	struct pollfd *pf;
	int64_t *buf;           /* records being read */
	int jobs, started;
	uint64_t total, next, done, chunk;
	size_t rec;             /* bytes of one record */
	char *err;
	size_t n;
};

/* Fork the workers, each with an order pipe and a record pipe. */
static int start_workers(struct pool *p)
{
	fflush(NULL);
	for (; p->started < p->jobs; p->started++) {
		int a[2], b[2];
		if (pipe(a) < 0) {
			snprintf(p->err, p->n, "pipe: %s", strerror(errno));
			return -1;
		}
		if (pipe(b) < 0) {
			snprintf(p->err, p->n, "pipe: %s", strerror(errno));
			close(a[0]);
			close(a[1]);
			return -1;
		}
		pid_t pid = fork();
		if (pid < 0) {
			snprintf(p->err, p->n, "fork: %s", strerror(errno));
			close(a[0]);
			close(a[1]);
			close(b[0]);
			close(b[1]);
			return -1;
		}
		if (pid == 0) {
			/* the parent decides about interruptions */
			signal(SIGINT, SIG_IGN);
			signal(SIGTERM, SIG_DFL);
			close(a[1]);
			close(b[0]);
			for (int k = 0; k < p->started; k++) {
				close(p->w[k].to);
				close(p->w[k].from);
			}
			/* the parent's bookkeeping is not the worker's */
			free(p->w);
			free(p->pf);
			free(p->buf);
			worker(p->sw, a[0], b[1]);
		}
		close(a[0]);
		close(b[1]);
		p->w[p->started] = (struct wk){.pid = pid, .to = a[1],
					       .from = b[0]};
	}
	return 0;
}

/* Give worker k the next chunk, if any is left. */
static int give_order(struct pool *p, int k)
{
	if (p->next >= p->total)
		return 0;
	uint64_t left = p->total - p->next;
	p->w[k].o = (struct order){p->next, left < p->chunk ? left : p->chunk};
	p->next += p->w[k].o.count;
	return write_all(p->w[k].to, &p->w[k].o, sizeof p->w[k].o);
}

/* Read worker k's chunk of records into out, each checked to be one of
 * the runs ordered. -2: the worker went away (which died() says). */
static int take_results(struct pool *p, int k, int64_t *out)
{
	const struct batch *sw = p->sw;
	struct order o = p->w[k].o;
	for (uint64_t got = 0; got < o.count;) {
		uint64_t m = o.count - got < 1024 ? o.count - got : 1024;
		if (read_all(p->w[k].from, p->buf, m * p->rec) < 0)
			return -2;
		for (uint64_t j = 0; j < m; j++) {
			int64_t *r = p->buf + j * (1 + sw->width);
			if (r[0] < 0) {
				snprintf(p->err, p->n, "out of memory in a "
						       "worker");
				return -1;
			}
			uint64_t run = (uint64_t)r[0];
			if (run < o.start || run >= o.start + o.count) {
				snprintf(p->err, p->n, "a worker answered for "
						       "the wrong run");
				return -1;
			}
			memcpy(out + run * sw->width, r + 1,
			       sw->width * sizeof(int64_t));
		}
		got += m;
	}
	p->done += o.count;
	p->w[k].o.count = 0;
	return 0;
}

/* Orders out, results in, until every run is done. 0, -1 (err says
 * why), -2 interrupted, -3 a worker went away. */
static int collect_all(struct pool *p, int64_t *out)
{
	for (int k = 0; k < p->jobs; k++)
		if (give_order(p, k) < 0)
			return -3;
	while (p->done < p->total) {
		if (stop_asked(p->sw))
			return -2;
		int np = 0;
		for (int k = 0; k < p->jobs; k++)
			if (p->w[k].o.count)
				p->pf[np++] = (struct pollfd){
					.fd = p->w[k].from, .events = POLLIN};
		int pr = poll(p->pf, (nfds_t)np, 200);
		if (pr < 0 && errno != EINTR) {
			snprintf(p->err, p->n, "poll: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; pr > 0 && i < np; i++) {
			if (!(p->pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			int k = 0;
			while (p->w[k].from != p->pf[i].fd)
				k++;
			int rc = take_results(p, k, out);
			if (rc < 0)
				return rc == -2 ? -3 : -1;
			if (give_order(p, k) < 0)
				return -3;
			if (p->sw->progress)
				p->sw->progress(p->sw->pctx, p->done, p->total);
		}
	}
	return 0;
}

/* A worker went away in the middle of a chunk: say which, and how. */
static void died(struct pool *p)
{
	for (int k = 0; k < p->jobs; k++) {
		int status;
		if (!p->w[k].o.count ||
		    waitpid(p->w[k].pid, &status, WNOHANG) <= 0)
			continue;
		p->w[k].pid = 0;
		char how[64];
		describe_status(status, how, sizeof how);
		snprintf(p->err, p->n, "a worker process died (%s) during "
				       "runs %llu to %llu",
			 how, (unsigned long long)p->w[k].o.start,
			 (unsigned long long)(p->w[k].o.start +
					      p->w[k].o.count - 1));
		return;
	}
	snprintf(p->err, p->n, "a worker process stopped answering");
}

/* End the workers: told to stop after a success, else killed; each
 * waited for. A worker that ended badly after a success fails it. */
static int stop_workers(struct pool *p, int rc)
{
	for (int k = 0; k < p->started; k++) {
		struct order end = {0, 0};
		if (rc == 0)
			(void)write_all(p->w[k].to, &end, sizeof end);
		else if (p->w[k].pid > 0)
			kill(p->w[k].pid, SIGTERM);
		close(p->w[k].to);
		close(p->w[k].from);
	}
	for (int k = 0; k < p->started; k++) {
		int status;
		if (p->w[k].pid <= 0)
			continue;
		while (waitpid(p->w[k].pid, &status, 0) < 0 && errno == EINTR)
			;
		if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			char how[64];
			describe_status(status, how, sizeof how);
			snprintf(p->err, p->n, "a worker process ended badly "
					       "(%s)",
				 how);
			rc = -1;
		}
	}
	return rc;
}

static int run_workers(const struct batch *sw, int64_t *out, char *err,
		       size_t n)
{
	struct pool p = {
		.sw = sw,
		.jobs = sw->jobs,
		.total = sw->n,
		.chunk = chunk_size(sw),
		.rec = (1 + sw->width) * sizeof(int64_t),
		.err = err,
		.n = n,
	};
	if ((uint64_t)p.jobs > p.total)
		p.jobs = (int)p.total;
	p.w = calloc((size_t)p.jobs, sizeof *p.w);
	p.pf = calloc((size_t)p.jobs, sizeof *p.pf);
	p.buf = malloc(p.rec * 1024);
	int rc = -1;
	if (!p.w || !p.pf || !p.buf) {
		snprintf(err, n, "out of memory");
		goto out;
	}
	/* a worker that died must not kill us with SIGPIPE */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	rc = start_workers(&p) < 0 ? -1 : collect_all(&p, out);
	if (rc == -3) {
		died(&p);
		rc = -1;
	}
	rc = stop_workers(&p, rc);
	sigaction(SIGPIPE, &old_pipe, NULL);
out:
	free(p.w);
	free(p.pf);
	free(p.buf);
	return rc;
}

int batch_run_local(const struct batch *b, int64_t *out, char *err, size_t n)
{
	if (b->n == 0)
		return 0;
	if (b->jobs <= 1)
		return run_here(b, out, err, n);
	return run_workers(b, out, err, n);
}
