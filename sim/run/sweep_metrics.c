/* sweep_metrics.c — what one run of a sweep measures (sweep.h): the
 * metrics by name, and a run measured with no trace output but a small
 * sink that counts the few events they need. */
#include "sim/run/sweep.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/grow.h"
#include "sim/verdict/expect.h"

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
	{"flows", SM_FLOWS, SU_COUNT},
	{"goodput", SM_GOODPUT, SU_COUNT},
	{"fairness", SM_FAIRNESS, SU_FRACTION},
	{"throughput", SM_THROUGHPUT, SU_COUNT},
	{"qdelay_p50", SM_QDELAY_P50, SU_TIME},
	{"qdelay_p99", SM_QDELAY_P99, SU_TIME},
};
#define NMETRIC_NAMES (sizeof metric_table / sizeof metric_table[0])

const char *sweep_metric_names(void)
{
	return "established, connect_time, completed, failed, "
	       "completion_time, delivered, retransmissions, segments, lost, "
	       "end, expect, expect:N, finished, events, sim_time, flows, "
	       "goodput, fairness, throughput, qdelay_p50, qdelay_p99";
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

/* A flow: the data one connection's application read, from when the
 * connection was made to the last byte. */
struct probe_flow {
	uint64_t key;           /* host << 32 | connection number; 0: free */
	sim_time_t start, last; /* -1: not yet */
	uint64_t bytes;
};

struct probe {
	struct trace_sink base;
	uint64_t sends, rexmits, drops;
	uint64_t sent_bytes;    /* data the connections sent (not routers'
				   copies, not the scenario's injections) */
	sim_time_t last_data;
	struct probe_conn *c;
	size_t n, cap;
	struct probe_flow *f;   /* open addressing, at most half full */
	size_t fmask, nf;
	int64_t *acc;           /* by segment number: the time it has waited
				   in queues so far, hop after hop */
	size_t nacc, acc_cap;
	int64_t *wait;          /* each data segment's total wait, ns */
	size_t nwait, wait_cap;
	bool want_queue;
	bool oom;
};

/* Room in p->acc for segment number id (new entries 0); false if memory
 * runs out. */
static bool acc_at(struct probe *p, uint64_t id)
{
	if (id < p->nacc)
		return true;
	if (grow(&p->acc, &p->acc_cap, (size_t)id + 1, sizeof *p->acc, 1024) <
	    0) {
		p->oom = true;
		return false;
	}
	memset(p->acc + p->nacc, 0, ((size_t)id + 1 - p->nacc) * sizeof *p->acc);
	p->nacc = (size_t)id + 1;
	return true;
}

/* The flow of (host, conn), made if new; NULL if memory runs out. */
static struct probe_flow *flow_of(struct probe *p, int host, uint32_t conn)
{
	uint64_t key = (uint64_t)(uint32_t)(host + 1) << 32 | conn;
	if (2 * (p->nf + 1) > p->fmask + 1 || !p->f) {
		size_t size = p->f ? 2 * (p->fmask + 1) : 64;
		struct probe_flow *t = calloc(size, sizeof *t);
		if (!t)
			return NULL;
		for (size_t i = 0; p->f && i <= p->fmask; i++) {
			if (!p->f[i].key)
				continue;
			size_t j = (p->f[i].key * UINT64_C(0x9e3779b97f4a7c15)) >>
				   20 & (size - 1);
			while (t[j].key)
				j = (j + 1) & (size - 1);
			t[j] = p->f[i];
		}
		free(p->f);
		p->f = t;
		p->fmask = size - 1;
	}
	size_t j = (key * UINT64_C(0x9e3779b97f4a7c15)) >> 20 & p->fmask;
	while (p->f[j].key && p->f[j].key != key)
		j = (j + 1) & p->fmask;
	if (!p->f[j].key) {
		p->f[j] = (struct probe_flow){key, -1, -1, 0};
		p->nf++;
	}
	return &p->f[j];
}

static void probe_emit(struct trace_sink *s, const struct trace *tr,
		       const struct trace_event *ev)
{
	struct probe *p = (struct probe *)s;
	switch (ev->kind) {
	case TR_SEND:
		p->sends++;
		p->rexmits += (ev->b & TR_SEND_REXMIT) != 0;
		if (!(ev->b & (TR_SEND_FORWARDED | TR_SEND_INJECTED)))
			p->sent_bytes += ev->seg->len;
		/* a router's copy goes on with what the segment waited */
		if ((ev->b & TR_SEND_FORWARDED) && p->want_queue &&
		    acc_at(p, ev->pkt) && (uint64_t)ev->v[0] < p->nacc)
			p->acc[ev->pkt] = p->acc[ev->v[0]];
		break;
	case TR_DROP:
		p->drops++;
		break;
	case TR_QUEUE:
		/* entering a CoDel queue: its wait comes as it leaves */
		if (ev->v[2] >= 0 && ev->seg->len && acc_at(p, ev->pkt))
			p->acc[ev->pkt] += ev->v[2];
		break;
	case TR_RECV:
		/* a data segment at its destination: its wait on the way */
		if (!ev->seg->len || ev->host < 0 || ev->host >= tr->nhosts ||
		    tr->host_addrs[ev->host] != ev->seg->daddr ||
		    !acc_at(p, ev->pkt))
			break;
		if (grow(&p->wait, &p->wait_cap, p->nwait + 1, sizeof *p->wait,
			 256) < 0) {
			p->oom = true;
			break;
		}
		p->wait[p->nwait++] = p->acc[ev->pkt];
		break;
	case TR_APP:
		if (ev->a == TR_APP_EVENT && ev->conn &&
		    (strcmp(ev->name, "data") == 0 ||
		     strcmp(ev->name, "connected") == 0)) {
			struct probe_flow *f = flow_of(p, ev->host, ev->conn);
			if (!f) {
				p->oom = true;
				break;
			}
			if (ev->name[0] == 'c') {
				if (f->start < 0)
					f->start = ev->t;
			} else {
				f->bytes += (uint64_t)ev->v[0];
				f->last = ev->t;
			}
		}
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
int sweep_end_rank(enum tcp_end e)
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
	case TCP_END_UNREACHABLE:
		return 4;
	case TCP_END_RESET:
		return 5;
	case TCP_END_TIMEOUT:
		return 6;
	case TCP_END_CRASHED:
		return 7;
	}
	return 0;
}

/* What a run's metrics are made of. */
struct facts {
	uint64_t wrote, read, bad;   /* bytes, over every connection */
	int worst;                   /* the worst ending's rank, -1 */
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
			if (sweep_end_rank(s->end) > f->worst) {
				f->worst = sweep_end_rank(s->end);
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

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The flows' goodputs: how many, their sum as bits per second over the
 * whole span, and Jain's index over each flow's own rate; and over the
 * same span, what the connections sent. */
static void flow_rates(const struct probe *p, int64_t *nflows,
		       int64_t *goodput, int64_t *fairness,
		       int64_t *throughput)
{
	double sum = 0, sum2 = 0;
	uint64_t bytes = 0;
	sim_time_t first = -1, last = -1;
	int64_t n = 0;
	for (size_t i = 0; p->f && i <= p->fmask; i++) {
		const struct probe_flow *f = &p->f[i];
		if (!f->key || !f->bytes || f->start < 0 || f->last <= f->start)
			continue;
		double rate = (double)f->bytes * 8e9 / (double)(f->last - f->start);
		sum += rate;
		sum2 += rate * rate;
		bytes += f->bytes;
		if (first < 0 || f->start < first)
			first = f->start;
		if (f->last > last)
			last = f->last;
		n++;
	}
	*nflows = n;
	*goodput = n ? (int64_t)((double)bytes * 8e9 / (double)(last - first) +
				 0.5)
		     : SWEEP_NONE;
	*fairness = n ? (int64_t)(sum * sum / ((double)n * sum2) * 1e6 + 0.5)
		      : SWEEP_NONE;
	*throughput = n ? (int64_t)((double)p->sent_bytes * 8e9 /
					    (double)(last - first) +
				    0.5)
			: SWEEP_NONE;
}

/* The wait at rank ceil(q/100 * n) of the sorted waits (nearest rank). */
static int64_t percentile(const struct probe *p, unsigned q)
{
	if (!p->nwait)
		return SWEEP_NONE;
	size_t rank = (p->nwait * q + 99) / 100;
	return p->wait[rank ? rank - 1 : 0];
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
	case SM_FLOWS:
	case SM_GOODPUT:
	case SM_FAIRNESS:
	case SM_THROUGHPUT: {
		int64_t v[4];
		flow_rates(pr, &v[0], &v[1], &v[2], &v[3]);
		return v[m->kind - SM_FLOWS];
	}
	case SM_QDELAY_P50:
		return percentile(pr, 50);
	case SM_QDELAY_P99:
		return percentile(pr, 99);
	}
	return SWEEP_NONE;
}

int sweep_measure(const struct scenario *scn, uint64_t seed,
		  const struct world_opts *opts, const struct sweep_metric *m,
		  size_t nm, int64_t *out)
{
	return sweep_measure_with(scn, seed, opts, m, nm, out, NULL);
}

int sweep_measure_with(const struct scenario *scn, uint64_t seed,
		       const struct world_opts *opts,
		       const struct sweep_metric *m, size_t nm, int64_t *out,
		       struct trace_sink *extra)
{
	struct world w;
	struct world_opts o = opts ? *opts : (struct world_opts){0};
	o.seed = seed;
	o.has_seed = true;
	bool want_expect = false, want_queue = false;
	for (size_t j = 0; j < nm; j++) {
		want_expect |= m[j].kind == SM_EXPECT || m[j].kind == SM_EXPECT_N;
		want_queue |= m[j].kind == SM_QDELAY_P50 ||
			      m[j].kind == SM_QDELAY_P99;
	}
	if (world_build(&w, scn, &o) < 0)
		return -1;
	struct probe pr = {
		.base = {.emit = probe_emit,
			 .mask = TR_BIT(TR_SEND) | TR_BIT(TR_DROP) |
				 TR_BIT(TR_APP) |
				 (want_queue ? TR_BIT(TR_QUEUE) | TR_BIT(TR_RECV)
					     : 0)},
		.want_queue = want_queue,
		.last_data = -1,
	};
	struct expect_run *er = NULL;
	int rc = -1;
	if (trace_add_sink(&w.sim.trace, &pr.base) < 0 ||
	    (extra && trace_add_sink(&w.sim.trace, extra) < 0))
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
	if (pr.nwait)
		qsort(pr.wait, pr.nwait, sizeof *pr.wait, cmp_i64);
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
	free(pr.f);
	free(pr.acc);
	free(pr.wait);
	return rc;
}
