/* sweep.c — parameter values, per-run metrics, worker processes, and the
 * results table of `tcpsim sweep` (docs/sweep.md).
 *
 * Workers are forked after every combination's scenario is loaded and
 * checked, so each inherits them ready to run and none loads anything.
 * The parent hands out chunks of consecutive runs over one pipe per
 * worker and reads back one record per run over another; a record carries
 * its run number, so the table is the same whatever the number of workers
 * and whoever finishes first. With one job everything runs in this
 * process.
 *
 * Statistics are exact: sums in 128-bit integers, means and proportions
 * rounded in decimal by integer arithmetic, percentiles by nearest rank.
 * No floating point touches a number the CSV prints.
 */
#include "sim/run/sweep.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/verdict/expect.h"
#include "sim/engine/grow.h"
#include "sim/out/sink_csv.h"

/* ---- values ------------------------------------------------------------ */

/* A decimal number and its unit: "-1.25ms" → mant -125, dec 2, "ms". */
struct dec {
	int64_t mant;
	int dec;
	char unit[16];
};

static int64_t pow10i(int e)
{
	int64_t p = 1;
	while (e-- > 0)
		p *= 10;
	return p;
}

static bool parse_dec(const char *s, size_t len, struct dec *d)
{
	size_t i = 0;
	bool neg = false, digits = false;
	d->mant = 0;
	d->dec = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	bool frac = false;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if ((frac && d->dec >= 9) ||
			    d->mant > (INT64_MAX - 9) / 10)
				return false; /* 9 decimals at most */
			d->mant = d->mant * 10 + (s[i] - '0');
			d->dec += frac;
			digits = true;
		} else if (s[i] == '.' && !frac) {
			frac = true;
		} else {
			break;
		}
	}
	/* below 10^9 in whole units, so that any value scaled to 9
	 * decimals fits in 63 bits */
	if (!digits || d->mant / pow10i(d->dec) >= 1000000000)
		return false;
	size_t ul = len - i;
	if (ul >= sizeof d->unit)
		return false;
	for (size_t k = i; k < len; k++) {
		char c = s[k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '%' || c == '/'))
			return false;
	}
	memcpy(d->unit, s + i, ul);
	d->unit[ul] = '\0';
	if (neg)
		d->mant = -d->mant;
	return true;
}

bool sweep_value_number(const char *s, double *x, char *unit, size_t n)
{
	struct dec d;
	if (!parse_dec(s, strlen(s), &d))
		return false;
	*x = (double)d.mant / (double)pow10i(d.dec);
	snprintf(unit, n, "%s", d.unit);
	return true;
}

/* v / 10^dec in decimal, trailing zeros dropped, then the unit. */
static char *fmt_dec(int64_t v, int dec, const char *unit)
{
	char buf[64];
	int64_t p = pow10i(dec);
	int64_t a = v < 0 ? -v : v;
	int len = snprintf(buf, sizeof buf, "%s%lld", v < 0 ? "-" : "",
			   (long long)(a / p));
	if (dec > 0 && a % p) {
		char f[32];
		snprintf(f, sizeof f, "%0*lld", dec > 9 ? 9 : dec,
			 (long long)(a % p));
		size_t fl = strlen(f);
		while (fl > 0 && f[fl - 1] == '0')
			f[--fl] = '\0';
		len += snprintf(buf + len, sizeof buf - (size_t)len, ".%s", f);
	}
	snprintf(buf + len, sizeof buf - (size_t)len, "%s", unit);
	return strdup(buf);
}

static int push_value(struct sweep_values *out, size_t *cap, char *v,
		      char *err, size_t n)
{
	if (!v) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (out->n >= SWEEP_MAX_VALUES) {
		free(v);
		snprintf(err, n, "more than %d values", SWEEP_MAX_VALUES);
		return -1;
	}
	if (grow(&out->v, cap, out->n + 1, sizeof *out->v, 8) < 0) {
		free(v);
		snprintf(err, n, "out of memory");
		return -1;
	}
	out->v[out->n++] = v;
	return 0;
}

/* Item s[0..len) as a range, if it is one; 1 if it was, 0 if it is not a
 * range, -1 on an error. */
static int parse_range(const char *s, size_t len, struct sweep_values *out,
		       size_t *cap, char *err, size_t n)
{
	const char *c1 = memchr(s, ':', len);
	if (!c1)
		return 0;
	const char *c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s));
	if (!c2 || memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - s)))
		return 0;
	struct dec a, b, st;
	if (!parse_dec(s, (size_t)(c1 - s), &a) ||
	    !parse_dec(c1 + 1, (size_t)(c2 - c1 - 1), &b) ||
	    !parse_dec(c2 + 1, len - (size_t)(c2 + 1 - s), &st))
		return 0;
	/* one unit for all three; a part written without one ("0" in
	 * 0:100ms:10ms) takes it from the others */
	const char *unit = a.unit[0] ? a.unit : b.unit[0] ? b.unit : st.unit;
	if ((a.unit[0] && strcmp(a.unit, unit)) ||
	    (b.unit[0] && strcmp(b.unit, unit)) ||
	    (st.unit[0] && strcmp(st.unit, unit))) {
		snprintf(err, n, "range '%.*s': FIRST, LAST and STEP need the "
				 "same unit",
			 (int)len, s);
		return -1;
	}
	int dec = a.dec > b.dec ? a.dec : b.dec;
	dec = st.dec > dec ? st.dec : dec;
	int64_t x = a.mant * pow10i(dec - a.dec);
	int64_t y = b.mant * pow10i(dec - b.dec);
	int64_t step = st.mant * pow10i(dec - st.dec);
	if (step <= 0) {
		snprintf(err, n, "range '%.*s': the step must be more than 0",
			 (int)len, s);
		return -1;
	}
	if (y < x) {
		snprintf(err, n, "range '%.*s': LAST is less than FIRST",
			 (int)len, s);
		return -1;
	}
	if ((y - x) / step >= SWEEP_MAX_VALUES) {
		snprintf(err, n, "range '%.*s' has more than %d values",
			 (int)len, s, SWEEP_MAX_VALUES);
		return -1;
	}
	for (int64_t v = x; v <= y; v += step)
		if (push_value(out, cap, fmt_dec(v, dec, unit), err, n) < 0)
			return -1;
	return 1;
}

int sweep_parse_values(const char *spec, struct sweep_values *out, char *err,
		       size_t n)
{
	size_t cap = 0;
	out->v = NULL;
	out->n = 0;
	const char *p = spec;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0) {
			snprintf(err, n, "an empty value in '%s'", spec);
			goto fail;
		}
		int r = parse_range(p, len, out, &cap, err, n);
		if (r < 0)
			goto fail;
		if (r == 0 && push_value(out, &cap, strndup(p, len), err, n) < 0)
			goto fail;
		if (!p[len])
			return 0;
		p += len + 1;
	}
fail:
	sweep_values_free(out);
	return -1;
}

void sweep_values_free(struct sweep_values *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* ---- metrics ----------------------------------------------------------- */

static const struct {
	const char *name;
	enum sweep_metric_kind kind;
	enum sweep_unit unit;
} metric_table[] = {
	{"established", SM_ESTABLISHED, SU_FLAG},
	{"connect_time", SM_CONNECT_TIME, SU_TIME},
	{"completed", SM_COMPLETED, SU_FLAG},
	{"failed", SM_FAILED, SU_FLAG},
	{"completion_time", SM_COMPLETION_TIME, SU_TIME},
	{"delivered", SM_DELIVERED, SU_COUNT},
	{"retransmissions", SM_RETRANSMISSIONS, SU_COUNT},
	{"segments", SM_SEGMENTS, SU_COUNT},
	{"lost", SM_LOST, SU_COUNT},
	{"end", SM_END, SU_END},
	{"expect", SM_EXPECT, SU_FLAG},
	{"expect:N", SM_EXPECT_N, SU_FLAG},
	{"finished", SM_FINISHED, SU_FLAG},
	{"events", SM_EVENTS, SU_COUNT},
	{"sim_time", SM_SIM_TIME, SU_TIME},
};
#define NMETRIC_NAMES (sizeof metric_table / sizeof metric_table[0])

const char *sweep_metric_names(void)
{
	return "established, connect_time, completed, failed, "
	       "completion_time, delivered, retransmissions, segments, lost, "
	       "end, expect, expect:N, finished, events, sim_time";
}

enum sweep_unit sweep_metric_unit(const struct sweep_metric *m)
{
	for (size_t i = 0; i < NMETRIC_NAMES; i++)
		if (metric_table[i].kind == m->kind)
			return metric_table[i].unit;
	return SU_COUNT;
}

int sweep_parse_metrics(const char *list, const struct scenario *scn,
			struct sweep_metric *m, char *err, size_t n)
{
	int nm = 0;
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= sizeof m->name) {
			snprintf(err, n, "--metric: %s in '%s'",
				 len ? "a name too long" : "an empty name", list);
			return -1;
		}
		if (nm >= SWEEP_MAX_METRICS) {
			snprintf(err, n, "--metric: more than %d metrics",
				 SWEEP_MAX_METRICS);
			return -1;
		}
		struct sweep_metric *x = &m[nm];
		memcpy(x->name, p, len);
		x->name[len] = '\0';
		x->arg = 0;
		bool found = false;
		if (len > 7 && strncmp(p, "expect:", 7) == 0) {
			unsigned long v = 0;
			bool digits = true;
			for (size_t k = 7; k < len && digits; k++) {
				digits = p[k] >= '0' && p[k] <= '9' && v < 100000;
				v = v * 10 + (unsigned long)(p[k] - '0');
			}
			if (!digits || v == 0 || v > scn->nexpects) {
				snprintf(err, n, "--metric %s: the scenario has "
						 "%zu expectation%s (expect:1 to "
						 "expect:%zu)",
					 x->name, scn->nexpects,
					 scn->nexpects == 1 ? "" : "s",
					 scn->nexpects);
				return -1;
			}
			x->kind = SM_EXPECT_N;
			x->arg = (unsigned)v;
			found = true;
		}
		for (size_t i = 0; i < NMETRIC_NAMES && !found; i++) {
			if (metric_table[i].kind != SM_EXPECT_N &&
			    strcmp(metric_table[i].name, x->name) == 0) {
				x->kind = metric_table[i].kind;
				found = true;
			}
		}
		if (!found) {
			snprintf(err, n, "--metric: unknown metric '%s'; the "
					 "metrics are %s",
				 x->name, sweep_metric_names());
			return -1;
		}
		if (x->kind == SM_EXPECT && scn->nexpects == 0) {
			snprintf(err, n, "--metric expect: the scenario has no "
					 "expectations");
			return -1;
		}
		for (int k = 0; k < nm; k++) {
			if (strcmp(m[k].name, x->name) == 0) {
				snprintf(err, n, "--metric: '%s' twice",
					 x->name);
				return -1;
			}
		}
		nm++;
		if (!p[len])
			return nm;
		p += len + 1;
	}
}

/* What a run's metrics need from the trace: sends, losses, and each
 * connect() with the time it was made and the time it was answered. */
struct probe_conn {
	int host;
	uint32_t conn;
	sim_time_t called, connected; /* -1: not (yet) */
};

struct probe {
	struct trace_sink base;
	uint64_t sends, rexmits, drops;
	sim_time_t last_data;
	struct probe_conn *c;
	size_t n, cap;
	bool oom;
};

static void probe_emit(struct trace_sink *s, const struct trace *tr,
		       const struct trace_event *ev)
{
	(void)tr;
	struct probe *p = (struct probe *)s;
	switch (ev->kind) {
	case TR_SEND:
		p->sends++;
		p->rexmits += (ev->b & TR_SEND_REXMIT) != 0;
		break;
	case TR_DROP:
		p->drops++;
		break;
	case TR_APP:
		if (ev->a == TR_APP_CALL && strcmp(ev->name, "connect") == 0) {
			if (grow(&p->c, &p->cap, p->n + 1, sizeof *p->c, 4) < 0) {
				p->oom = true;
				break;
			}
			p->c[p->n++] = (struct probe_conn){
				.host = ev->host,
				.conn = ev->conn,
				.called = ev->t,
				.connected = -1,
			};
		} else if (ev->a == TR_APP_EVENT) {
			if (strcmp(ev->name, "data") == 0) {
				p->last_data = ev->t;
			} else if (strcmp(ev->name, "connected") == 0) {
				/* the latest connect() is the likeliest */
				for (size_t i = p->n; i-- > 0;) {
					struct probe_conn *c = &p->c[i];
					if (c->host == ev->host &&
					    c->conn == ev->conn) {
						if (c->connected < 0)
							c->connected = ev->t;
						break;
					}
				}
			}
		}
		break;
	default:
		break;
	}
}

/* How bad an end is, for the worst of a run's connections. */
static int end_rank(enum tcp_end e)
{
	switch (e) {
	case TCP_END_NORMAL:
		return 0;
	case TCP_END_NONE:
		return 1;
	case TCP_END_ABORTED:
		return 2;
	case TCP_END_REFUSED:
		return 3;
	case TCP_END_RESET:
		return 4;
	case TCP_END_TIMEOUT:
		return 5;
	case TCP_END_CRASHED:
		return 6;
	}
	return 0;
}

/* What a run's metrics are made of. */
struct facts {
	uint64_t wrote, read, bad;   /* bytes, over every connection */
	int worst;                   /* end_rank of the worst ending, -1 */
	enum tcp_end worst_end;
	bool established, completed;
	sim_time_t connect_time;     /* the longest connect() */
	sim_time_t done;             /* the last byte read, or the last
					connection made if none was sent */
};

static void tally(const struct world *w, const struct probe *pr,
		  struct facts *f)
{
	*f = (struct facts){.worst = -1, .worst_end = TCP_END_NORMAL};
	/* the connections' side: bytes and how they ended */
	for (size_t h = 0; h < w->nhosts; h++) {
		for (const struct app_sock *s = w->apps[h].socks; s; s = s->next) {
			if (s->listener)
				continue;
			f->wrote += app_sock_wrote(s);
			f->read += s->received;
			f->bad += s->bad + s->unverified;
			if (end_rank(s->end) > f->worst) {
				f->worst = end_rank(s->end);
				f->worst_end = s->end;
			}
		}
	}
	f->established = pr->n > 0;
	sim_time_t last_conn = -1;
	for (size_t i = 0; i < pr->n; i++) {
		if (pr->c[i].connected < 0) {
			f->established = false;
			continue;
		}
		if (pr->c[i].connected - pr->c[i].called > f->connect_time)
			f->connect_time = pr->c[i].connected - pr->c[i].called;
		if (pr->c[i].connected > last_conn)
			last_conn = pr->c[i].connected;
	}
	f->completed = f->established && f->wrote == f->read && f->bad == 0;
	f->done = f->wrote ? pr->last_data : last_conn;
}

/* One metric's value in a run that ended with `end`. */
static int64_t metric_value(const struct sweep_metric *m,
			    const struct facts *f, const struct probe *pr,
			    const struct expect_run *er, const struct world *w,
			    enum sim_end end)
{
	switch (m->kind) {
	case SM_ESTABLISHED:
		return pr->n ? f->established : SWEEP_NONE;
	case SM_CONNECT_TIME:
		return f->established ? f->connect_time : SWEEP_NONE;
	case SM_COMPLETED:
		return f->completed;
	case SM_FAILED:
		return !f->completed;
	case SM_COMPLETION_TIME:
		return f->completed && f->done >= 0 ? f->done : SWEEP_NONE;
	case SM_DELIVERED:
		return (int64_t)f->read;
	case SM_RETRANSMISSIONS:
		return (int64_t)pr->rexmits;
	case SM_SEGMENTS:
		return (int64_t)pr->sends;
	case SM_LOST:
		return (int64_t)pr->drops;
	case SM_END:
		return f->worst < 0 ? SWEEP_NONE : (int64_t)f->worst_end;
	case SM_EXPECT:
		return er && expect_failed(er) == 0;
	case SM_EXPECT_N:
		return er && expect_ok(er, m->arg - 1);
	case SM_FINISHED:
		return end == SIM_END_QUIET || end == SIM_END_STOP;
	case SM_EVENTS:
		return (int64_t)w->sim.events;
	case SM_SIM_TIME:
		return w->sim.now;
	}
	return SWEEP_NONE;
}

int sweep_measure(const struct scenario *scn, uint64_t seed,
		  const struct world_opts *opts, const struct sweep_metric *m,
		  size_t nm, int64_t *out)
{
	struct world w;
	struct world_opts o = opts ? *opts : (struct world_opts){0};
	o.seed = seed;
	o.has_seed = true;
	bool want_expect = false;
	for (size_t j = 0; j < nm; j++)
		want_expect |= m[j].kind == SM_EXPECT || m[j].kind == SM_EXPECT_N;
	if (world_build(&w, scn, &o) < 0)
		return -1;
	struct probe pr = {
		.base = {.emit = probe_emit,
			 .mask = TR_BIT(TR_SEND) | TR_BIT(TR_DROP) |
				 TR_BIT(TR_APP)},
		.last_data = -1,
	};
	struct expect_run *er = NULL;
	int rc = -1;
	if (trace_add_sink(&w.sim.trace, &pr.base) < 0)
		goto out;
	if (want_expect && scn->nexpects) {
		struct trace_sink *es = NULL;
		er = expect_new(scn->expects, scn->nexpects, &es);
		if (!er)
			goto out;
		if (trace_add_sink(&w.sim.trace, es) < 0) {
			es->destroy(es);
			goto out;
		}
	}
	enum sim_end end = world_run(&w);
	if (end == SIM_END_NOMEM || pr.oom)
		goto out;
	struct expect_outcome oc = world_outcome(&w);
	if (er)
		expect_verdicts(er, &oc);
	struct facts f;
	tally(&w, &pr, &f);
	for (size_t j = 0; j < nm; j++)
		out[j] = metric_value(&m[j], &f, &pr, er, &w, end);
	rc = 0;
out:
	trace_fini(&w.sim.trace);
	world_free(&w);
	expect_free(er);
	free(pr.c);
	return rc;
}

/* ---- running ----------------------------------------------------------- */

static uint64_t total_runs(const struct sweep *sw)
{
	return (uint64_t)sw->ncombos * sw->nseeds;
}

static int measure_run(const struct sweep *sw, uint64_t r, int64_t *out)
{
	return sweep_measure(sw->scns[r / sw->nseeds], sw->seeds[r % sw->nseeds],
			     &sw->wopts, sw->m, sw->nm, out);
}

static bool stop_asked(const struct sweep *sw)
{
	return sw->interrupt && *sw->interrupt;
}

static size_t chunk_size(const struct sweep *sw)
{
	uint64_t c = total_runs(sw) / ((uint64_t)sw->jobs * 32);
	return c < 1 ? 1 : c > 1024 ? 1024 : (size_t)c;
}

static int run_here(const struct sweep *sw, int64_t *out, char *err, size_t n)
{
	uint64_t total = total_runs(sw), chunk = chunk_size(sw);
	for (uint64_t r = 0; r < total; r++) {
		if (stop_asked(sw))
			return -2;
		if (measure_run(sw, r, out + r * sw->nm) < 0) {
			snprintf(err, n, "out of memory in run %llu",
				 (unsigned long long)r);
			return -1;
		}
		if (sw->progress && ((r + 1) % chunk == 0 || r + 1 == total))
			sw->progress(sw->ctx, r + 1, total);
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
static _Noreturn void worker(const struct sweep *sw, int in, int outfd)
{
	size_t rec = (1 + sw->nm) * sizeof(int64_t);
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
			int64_t *r = buf + i * (1 + sw->nm);
			uint64_t run = o.start + i;
			r[0] = (int64_t)run;
			if (measure_run(sw, run, r + 1) < 0)
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

/* The parent's side of the workers of one sweep. */
struct pool {
	const struct sweep *sw;
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
	const struct sweep *sw = p->sw;
	struct order o = p->w[k].o;
	for (uint64_t got = 0; got < o.count;) {
		uint64_t m = o.count - got < 1024 ? o.count - got : 1024;
		if (read_all(p->w[k].from, p->buf, m * p->rec) < 0)
			return -2;
		for (uint64_t j = 0; j < m; j++) {
			int64_t *r = p->buf + j * (1 + sw->nm);
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
			memcpy(out + run * sw->nm, r + 1,
			       sw->nm * sizeof(int64_t));
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
				p->sw->progress(p->sw->ctx, p->done, p->total);
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

static int run_workers(const struct sweep *sw, int64_t *out, char *err,
		       size_t n)
{
	struct pool p = {
		.sw = sw,
		.jobs = sw->jobs,
		.total = total_runs(sw),
		.chunk = chunk_size(sw),
		.rec = (1 + sw->nm) * sizeof(int64_t),
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

int sweep_run(const struct sweep *sw, int64_t *out, char *err, size_t n)
{
	if (total_runs(sw) == 0)
		return 0;
	if (sw->jobs <= 1)
		return run_here(sw, out, err, n);
	return run_workers(sw, out, err, n);
}

/* ---- statistics and the table ------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void sweep_stats(const struct sweep *sw, const int64_t *res, size_t c,
		 size_t j, int64_t *scratch, struct sweep_stats *st)
{
	memset(st, 0, sizeof *st);
	st->runs = sw->nseeds;
	size_t k = 0;
	for (size_t s = 0; s < sw->nseeds; s++) {
		int64_t v = res[(c * sw->nseeds + s) * sw->nm + j];
		if (v == SWEEP_NONE)
			continue;
		scratch[k++] = v;
		st->sum += v;
		st->nonzero += v != 0;
		if (sw->m[j].kind == SM_END && v >= 0 && v < 8)
			st->end[v]++;
	}
	st->n = k;
	if (!k)
		return;
	qsort(scratch, k, sizeof *scratch, cmp_i64);
	st->min = scratch[0];
	st->max = scratch[k - 1];
	st->median2 = k % 2 ? 2 * scratch[k / 2]
			    : scratch[k / 2 - 1] + scratch[k / 2];
	/* nearest rank: the smallest value with at least p % at or below */
	st->p5 = scratch[(5 * k + 99) / 100 - 1];
	st->p95 = scratch[(95 * k + 99) / 100 - 1];
}

/* num / den rounded half up to `dec` decimals (num, den >= 0). */
static void fmt_ratio(__int128 num, __int128 den, int dec, char *buf,
		      size_t n)
{
	__int128 p = pow10i(dec);
	__int128 q = (num * p * 2 + den) / (den * 2);
	unsigned long long ip = (unsigned long long)(q / p);
	unsigned long long fp = (unsigned long long)(q % p);
	if (dec)
		snprintf(buf, n, "%llu.%0*llu", ip, dec, fp);
	else
		snprintf(buf, n, "%llu", ip);
}

/* A value of the metric's unit: seconds with 9 decimals for times. */
static void fmt_value(enum sweep_unit u, int64_t v, char *buf, size_t n)
{
	if (v == SWEEP_NONE) {
		buf[0] = '\0';
		return;
	}
	switch (u) {
	case SU_TIME:
		snprintf(buf, n, "%s%lld.%09lld", v < 0 ? "-" : "",
			 (long long)((v < 0 ? -v : v) / 1000000000),
			 (long long)((v < 0 ? -v : v) % 1000000000));
		break;
	case SU_END:
		snprintf(buf, n, "%s", tcp_end_name((enum tcp_end)v));
		break;
	default:
		snprintf(buf, n, "%lld", (long long)v);
		break;
	}
}

void sweep_stat_fmt(const struct sweep_metric *m, const struct sweep_stats *st,
		    const char *stat, char *buf, size_t n)
{
	enum sweep_unit u = sweep_metric_unit(m);
	buf[0] = '\0';
	if (strcmp(stat, "n") == 0) {
		snprintf(buf, n, "%llu", (unsigned long long)st->n);
		return;
	}
	if (strcmp(stat, "percent") == 0) {
		if (st->runs && u != SU_END) {
			fmt_ratio((__int128)st->nonzero * 100, st->runs, 1, buf,
				  n - 1);
			strcat(buf, "%");
		}
		return;
	}
	if (strcmp(stat, "proportion") == 0) {
		if (u == SU_END) {
			/* each way of ending with its share, worst last */
			size_t len = 0;
			for (int r = 0; r <= 6; r++) {
				for (int e = 0; e < 8; e++) {
					if (!st->end[e] ||
					    end_rank((enum tcp_end)e) != r)
						continue;
					char f[32];
					fmt_ratio(st->end[e], st->runs, 6, f,
						  sizeof f);
					len += (size_t)snprintf(
						buf + len, len < n ? n - len : 0,
						"%s%s:%s", len ? " " : "",
						tcp_end_name((enum tcp_end)e), f);
				}
			}
			return;
		}
		if (st->runs)
			fmt_ratio(st->nonzero, st->runs, 6, buf, n);
		return;
	}
	if (st->n == 0 || u == SU_END)
		return;
	if (strcmp(stat, "mean") == 0) {
		if (u == SU_TIME) {
			/* nanoseconds, rounded, as seconds */
			__int128 q = (st->sum * 2 + (__int128)st->n) /
				     (2 * (__int128)st->n);
			fmt_value(u, (int64_t)q, buf, n);
		} else {
			fmt_ratio(st->sum, st->n, 6, buf, n);
		}
	} else if (strcmp(stat, "median") == 0) {
		int64_t h = st->median2 / 2;
		fmt_value(u == SU_FLAG ? SU_COUNT : u, h, buf, n);
		if (st->median2 % 2) {
			size_t len = strlen(buf);
			snprintf(buf + len, n - len, u == SU_TIME ? "5" : ".5");
		}
	} else if (strcmp(stat, "p5") == 0) {
		fmt_value(u, st->p5, buf, n);
	} else if (strcmp(stat, "p95") == 0) {
		fmt_value(u, st->p95, buf, n);
	} else if (strcmp(stat, "min") == 0) {
		fmt_value(u, st->min, buf, n);
	} else if (strcmp(stat, "max") == 0) {
		fmt_value(u, st->max, buf, n);
	}
}

/* One CSV field, after a comma unless it is the first. */
static void put_field(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	csv_put_text(f, s);
}

static const char *const stat_names[] = {"n",   "mean", "median", "p5",
					 "p95", "min",  "max",    "proportion"};

int sweep_write_csv(FILE *f, const struct sweep *sw, const char *const *params,
		    size_t nparams, const char *const *const *value,
		    const int64_t *res)
{
	int64_t *scratch = malloc((sw->nseeds ? sw->nseeds : 1) * sizeof *scratch);
	if (!scratch)
		return -1;
	put_field(f, "row", true);
	for (size_t i = 0; i < nparams; i++)
		put_field(f, params[i], false);
	put_field(f, "seed", false);
	put_field(f, "stat", false);
	for (size_t j = 0; j < sw->nm; j++)
		put_field(f, sw->m[j].name, false);
	fputc('\n', f);
	char buf[256];
	for (size_t c = 0; c < sw->ncombos; c++) {
		for (size_t s = 0; s < sw->nseeds; s++) {
			put_field(f, "run", true);
			for (size_t i = 0; i < nparams; i++)
				put_field(f, value[c][i], false);
			snprintf(buf, sizeof buf, "%llu",
				 (unsigned long long)sw->seeds[s]);
			put_field(f, buf, false);
			put_field(f, "", false);
			const int64_t *r = res + (c * sw->nseeds + s) * sw->nm;
			for (size_t j = 0; j < sw->nm; j++) {
				fmt_value(sweep_metric_unit(&sw->m[j]), r[j], buf,
					  sizeof buf);
				put_field(f, buf, false);
			}
			fputc('\n', f);
		}
	}
	struct sweep_stats *st = malloc((sw->nm ? sw->nm : 1) * sizeof *st);
	if (!st) {
		free(scratch);
		return -1;
	}
	for (size_t c = 0; c < sw->ncombos; c++) {
		for (size_t j = 0; j < sw->nm; j++)
			sweep_stats(sw, res, c, j, scratch, &st[j]);
		for (size_t k = 0; k < sizeof stat_names / sizeof stat_names[0];
		     k++) {
			put_field(f, "summary", true);
			for (size_t i = 0; i < nparams; i++)
				put_field(f, value[c][i], false);
			put_field(f, "", false);
			put_field(f, stat_names[k], false);
			for (size_t j = 0; j < sw->nm; j++) {
				sweep_stat_fmt(&sw->m[j], &st[j], stat_names[k],
					       buf, sizeof buf);
				put_field(f, buf, false);
			}
			fputc('\n', f);
		}
	}
	free(st);
	free(scratch);
	return ferror(f) ? -1 : 0;
}
