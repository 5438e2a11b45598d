/* explore.c — see explore.h.
 *
 * Each run is a sweep_measure_with() of the scenario with the set's
 * faults as rules on every link, judged by its metrics (an expectation
 * held, completed, established, the worst ending, finished) and by a
 * small sink that notes the segments that may take a fault, the states
 * each connection went through and how the run ended.
 *
 * Known limits: subsets are matched by segment number, as sets are
 * named; a segment number in a subset's run may stand for another
 * segment than in the set's own run when an earlier fault changed what
 * was sent.
 */
#include "sim/run/explore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/link.h"
#include "models/tcp.h"
#include "sim/engine/grow.h"
#include "sim/run/batch.h"
#include "sim/run/sweep.h"
#include "sim/scenario/expectation.h"

const char *const explore_kind_names[EX_NKINDS] = {"drop", "duplicate",
						   "delay"};

const char *const explore_inv_names[INV_N] = {
	[INV_DELIVERED_INTACT] = "delivered-intact",
	[INV_ESTABLISHED] = "established",
	[INV_NO_RESET] = "no-reset",
	[INV_NO_STUCK_TCB] = "no-stuck-tcb",
	[INV_FINISHED] = "finished",
};

int explore_parse_invariants(const char *list, unsigned *mask, char *err,
			     size_t n)
{
	*mask = 0;
	for (const char *p = list;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int k = 0;
		while (k < INV_N && !(strlen(explore_inv_names[k]) == len &&
				      memcmp(explore_inv_names[k], p, len) == 0))
			k++;
		if (k == INV_N) {
			snprintf(err, n, "--invariant: no invariant '%.*s' "
					 "(delivered-intact, established, "
					 "no-reset, no-stuck-tcb, finished)",
				 (int)len, p);
			return -1;
		}
		*mask |= 1u << k;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/* ---- one run ------------------------------------------------------------ */

/* What a run shows besides its metrics. */
struct watch {
	struct trace_sink base;
	const struct explore *x;
	int64_t *rec;
	struct conn_state {
		int host;
		uint32_t conn;
		struct trace_tuple t;
		int state;
	} *conns;
	size_t nconns, cap;
	bool quiescent, oom;
};

/* A segment's kind, for the (state, segment) pairs sent. */
static int seg_kind(const struct tcp_seg *s)
{
	if ((s->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		return 1;
	if (s->flags & TCP_SYN)
		return 0;
	if (s->flags & TCP_RST)
		return 2;
	if (s->flags & TCP_FIN)
		return 3;
	if (s->len)
		return 4;
	return s->flags & TCP_ACK ? 5 : 6;
}

static void set_bit(int64_t *words, unsigned bit)
{
	words[bit / 64] = (int64_t)((uint64_t)words[bit / 64] |
				    UINT64_C(1) << (bit % 64));
}

static void watch_emit(struct trace_sink *s, const struct trace *tr,
		       const struct trace_event *ev)
{
	(void)tr;
	struct watch *w = (struct watch *)s;
	int64_t *rec = w->rec;
	switch (ev->kind) {
	case TR_SEND:
		if (ev->b & TR_SEND_FORWARDED)
			break;
		if (ev->a >= 0 && ev->a < TCP_NSTATES)
			set_bit(rec + EXR_SENT,
				(unsigned)ev->a * 8 + (unsigned)seg_kind(ev->seg));
		if ((w->x->host < 0 || ev->host == w->x->host) &&
		    rec[EXR_NSEGS] < (int64_t)w->x->segments)
			rec[EXR_SEGS + rec[EXR_NSEGS]++] = (int64_t)ev->pkt;
		break;
	case TR_STATE: {
		set_bit(rec + EXR_TRANS,
			(unsigned)ev->a * TCP_NSTATES + (unsigned)ev->b);
		size_t i = 0;
		while (i < w->nconns && !(w->conns[i].host == ev->host &&
					  w->conns[i].conn == ev->conn))
			i++;
		if (i == w->nconns) {
			if (grow(&w->conns, &w->cap, w->nconns + 1,
				 sizeof *w->conns, 8) < 0) {
				w->oom = true;
				break;
			}
			w->conns[w->nconns++] = (struct conn_state){
				ev->host, ev->conn, ev->tuple, ev->b};
		}
		w->conns[i].state = ev->b;
		break;
	}
	case TR_RUN:
		if (strcmp(ev->name, "end") == 0)
			w->quiescent = ev->why && strcmp(ev->why, "quiescent") == 0;
		break;
	default:
		break;
	}
}

/* Is connection c's other end open: a connection with the reverse
 * tuple, not CLOSED? */
static bool peer_open(const struct watch *w, const struct conn_state *c)
{
	for (size_t i = 0; i < w->nconns; i++) {
		const struct conn_state *p = &w->conns[i];
		if (p->t.laddr == c->t.raddr && p->t.lport == c->t.rport &&
		    p->t.raddr == c->t.laddr && p->t.rport == c->t.lport &&
		    p->state != TCP_CLOSED && p->state != TCP_LISTEN)
			return true;
	}
	return false;
}

/* A run that ran out of events (nothing will ever move a TCB again)
 * left a connection half-way: in the handshake, or open while its other
 * end is not (half-open, RFC 9293 §3.5.1). Two ends idle in ESTABLISHED
 * are not stuck: they wait for their applications. */
static bool stuck(const struct watch *w)
{
	if (!w->quiescent)
		return false;
	for (size_t i = 0; i < w->nconns; i++) {
		const struct conn_state *c = &w->conns[i];
		if (c->state == TCP_CLOSED || c->state == TCP_LISTEN)
			continue;
		if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED ||
		    !peer_open(w, c))
			return true;
	}
	return false;
}

size_t explore_rules(const struct explore *x, const struct explore_set *s,
		     struct link_rule *rules, char (*names)[24])
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct explore_fault *f = &s->f[i];
		snprintf(names[i], 24, "explore-%u", i + 1);
		rules[i] = (struct link_rule){
			.name = names[i],
			.from = -1,
			.data = -1,
			.state = -1,
			.before = SIM_TIME_MAX,
			.segment = f->seg,
			.action = f->kind == EX_DROP	? LINK_DROP
				  : f->kind == EX_DUP ? LINK_DUPLICATE
							: LINK_DELAY,
			.delay = f->kind == EX_DELAY ? x->delay : 0,
			.copies = 1,
		};
	}
	return s->n;
}

/* The metrics that judge a run: an expectation each, or the invariants
 * the metrics measure (no-stuck-tcb is the watch's). */
static size_t judge_metrics(const struct explore *x, struct sweep_metric *m)
{
	size_t nm = 0;
	if (x->by_expect) {
		for (size_t i = 0; i < x->scn->nexpects && i < EXPLORE_MAX_CHECKS;
		     i++)
			m[nm++] = (struct sweep_metric){SM_EXPECT_N,
							(unsigned)i + 1, ""};
		return nm;
	}
	static const enum sweep_metric_kind by_inv[INV_N] = {
		[INV_DELIVERED_INTACT] = SM_COMPLETED,
		[INV_ESTABLISHED] = SM_ESTABLISHED,
		[INV_NO_RESET] = SM_END,
		[INV_NO_STUCK_TCB] = SM_FINISHED, /* unused: the watch's */
		[INV_FINISHED] = SM_FINISHED,
	};
	for (int k = 0; k < INV_N; k++)
		if (x->inv & (1u << k))
			m[nm++] = (struct sweep_metric){by_inv[k], 0, ""};
	return nm;
}

/* One level's sets, for its batch. */
struct level {
	const struct explore *x;
	const struct explore_set *sets;
};

static int explore_one(const void *ctx, uint64_t r, int64_t *rec)
{
	const struct level *lv = ctx;
	const struct explore *x = lv->x;
	const struct explore_set *s = &lv->sets[r];
	memset(rec, 0, x->width * sizeof *rec);
	struct link_rule rules[EXPLORE_MAX_FAULTS];
	char names[EXPLORE_MAX_FAULTS][24];
	struct world_opts o = x->wopts;
	o.faults = rules;
	o.nfaults = explore_rules(x, s, rules, names);
	struct watch w = {
		.base = {.emit = watch_emit,
			 .mask = TR_BIT(TR_SEND) | TR_BIT(TR_STATE) |
				 TR_BIT(TR_RUN)},
		.x = x,
		.rec = rec,
	};
	struct sweep_metric m[EXPLORE_MAX_CHECKS];
	int64_t v[EXPLORE_MAX_CHECKS];
	size_t nm = judge_metrics(x, m);
	uint64_t seed = x->wopts.has_seed ? x->wopts.seed : x->scn->seed;
	int rc = sweep_measure_with(x->scn, seed, &o, m, nm, v, &w.base);
	if (rc == 0 && !w.oom) {
		uint64_t fails = 0;
		for (size_t i = 0; i < nm; i++) {
			bool bad;
			if (x->by_expect) {
				bad = v[i] != 1;
			} else {
				int k = 0, seen = -1;
				while (k < INV_N) {
					seen += (x->inv >> k & 1u) != 0;
					if (seen == (int)i)
						break;
					k++;
				}
				bad = k == INV_NO_STUCK_TCB ? stuck(&w)
				      : k == INV_NO_RESET   ? v[i] == TCP_END_RESET
							    : v[i] != 1;
			}
			if (bad)
				fails |= UINT64_C(1) << i;
		}
		rec[EXR_FAILS] = (int64_t)fails;
		rec[EXR_DONE] = 1;
	}
	free(w.conns);
	return rc == 0 && !w.oom ? 0 : -1;
}

/* ---- the levels --------------------------------------------------------- */

/* The next level: each set of the last one grown by a fault on a segment
 * its run sent after its own last, of a kind still in its budget. */
static int grow_level(struct explore *x, uint64_t from, uint64_t to,
		      char *err, size_t n)
{
	size_t cap = (size_t)x->nsets;
	for (uint64_t i = from; i < to; i++) {
		const int64_t *rec = x->rec + i * x->width;
		if (!rec[EXR_DONE])
			continue;
		struct explore_set base = x->sets[i];
		if (base.n >= EXPLORE_MAX_FAULTS)
			continue;
		unsigned used[EX_NKINDS] = {0};
		for (unsigned k = 0; k < base.n; k++)
			used[base.f[k].kind]++;
		uint64_t last = base.n ? base.f[base.n - 1].seg : 0;
		for (int64_t j = 0; j < rec[EXR_NSEGS]; j++) {
			uint64_t seg = (uint64_t)rec[EXR_SEGS + j];
			if (seg <= last)
				continue;
			for (int k = 0; k < EX_NKINDS; k++) {
				if (used[k] >= x->budget[k])
					continue;
				if (x->nsets >= EXPLORE_MAX_SETS) {
					snprintf(err, n, "more than %d fault sets: "
							 "ask for fewer faults or "
							 "segments",
						 EXPLORE_MAX_SETS);
					return -1;
				}
				if (grow(&x->sets, &cap, (size_t)x->nsets + 1,
					 sizeof *x->sets, 256) < 0) {
					snprintf(err, n, "out of memory");
					return -1;
				}
				struct explore_set *s = &x->sets[x->nsets++];
				*s = base;
				s->f[s->n++] = (struct explore_fault){seg,
								      (uint8_t)k};
			}
		}
	}
	return 0;
}

static void name_checks(struct explore *x)
{
	x->nchecks = 0;
	if (x->by_expect) {
		for (size_t i = 0; i < x->scn->nexpects && i < EXPLORE_MAX_CHECKS;
		     i++)
			snprintf(x->check_names[x->nchecks++],
				 sizeof x->check_names[0], "expectation at line %d",
				 x->scn->expects[i].line);
		return;
	}
	for (int k = 0; k < INV_N; k++)
		if (x->inv & (1u << k))
			snprintf(x->check_names[x->nchecks++],
				 sizeof x->check_names[0], "%s",
				 explore_inv_names[k]);
}

static unsigned total_budget(const struct explore *x)
{
	unsigned t = 0;
	for (int k = 0; k < EX_NKINDS; k++)
		t += x->budget[k];
	return t > EXPLORE_MAX_FAULTS ? EXPLORE_MAX_FAULTS : t;
}

/* ---- subsets ------------------------------------------------------------ */

static uint64_t set_hash(const struct explore_set *s)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ s->n;
	for (unsigned i = 0; i < s->n; i++) {
		h ^= s->f[i].seg * 8 + s->f[i].kind;
		h *= 0xbf58476d1ce4e5b9u;
		h ^= h >> 31;
	}
	return h;
}

static bool same_set(const struct explore_set *a, const struct explore_set *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->f[i].seg != b->f[i].seg || a->f[i].kind != b->f[i].kind)
			return false;
	return true;
}

/* An open-addressing index of the sets by their faults. */
static int index_sets(struct explore *x)
{
	size_t size = 64;
	while (size < 2 * x->nsets)
		size *= 2;
	x->hidx = malloc(size * sizeof *x->hidx);
	if (!x->hidx)
		return -1;
	for (size_t i = 0; i < size; i++)
		x->hidx[i] = UINT64_MAX;
	x->hmask = size - 1;
	for (uint64_t i = 0; i < x->nsets; i++) {
		size_t k = (size_t)set_hash(&x->sets[i]) & x->hmask;
		while (x->hidx[k] != UINT64_MAX)
			k = (k + 1) & x->hmask;
		x->hidx[k] = i;
	}
	return 0;
}

static uint64_t find_set(const struct explore *x, const struct explore_set *s)
{
	if (!x->hidx)
		return UINT64_MAX;
	for (size_t k = (size_t)set_hash(s) & x->hmask;; k = (k + 1) & x->hmask) {
		uint64_t i = x->hidx[k];
		if (i == UINT64_MAX || same_set(&x->sets[i], s))
			return i;
	}
}

static bool fails(const struct explore *x, uint64_t i)
{
	const int64_t *rec = x->rec + i * x->width;
	return rec[EXR_DONE] && rec[EXR_FAILS];
}

bool explore_minimal(const struct explore *x, uint64_t i)
{
	if (!fails(x, i))
		return false;
	const struct explore_set *s = &x->sets[i];
	unsigned all = (1u << s->n) - 1;
	for (unsigned m = 0; m < all; m++) {
		struct explore_set sub = {0};
		for (unsigned k = 0; k < s->n; k++)
			if (m >> k & 1u)
				sub.f[sub.n++] = s->f[k];
		uint64_t j = find_set(x, &sub);
		if (j != UINT64_MAX && fails(x, j))
			return false;
	}
	return true;
}

/* ---- the whole ---------------------------------------------------------- */

int explore_run(struct explore *x, char *err, size_t n)
{
	x->width = EXR_SEGS + x->segments;
	name_checks(x);
	x->sets = calloc(1, sizeof *x->sets); /* level 0: no fault */
	if (!x->sets) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	x->nsets = 1;
	x->level_end[0] = 0;
	uint64_t from = 0;
	unsigned top = total_budget(x);
	int rc = 0;
	for (unsigned lvl = 0; lvl <= top; lvl++) {
		uint64_t to = x->nsets;
		x->level_end[lvl] = to;
		if (to == from)
			break;
		int64_t *rec = realloc(x->rec, (size_t)to * x->width * sizeof *rec);
		if (!rec) {
			snprintf(err, n, "out of memory");
			return -1;
		}
		x->rec = rec;
		memset(rec + from * x->width, 0,
		       (size_t)(to - from) * x->width * sizeof *rec);
		x->levels = lvl + 1;
		struct level lv = {x, x->sets + from};
		struct batch b = {
			.n = to - from,
			.width = x->width,
			.run = explore_one,
			.ctx = &lv,
			.jobs = x->jobs,
			.progress = x->progress,
			.pctx = x->pctx,
			.interrupt = x->interrupt,
		};
		rc = batch_run(&b, x->rec + from * x->width, err, n);
		if (rc < 0)
			break;
		if (lvl < top && grow_level(x, from, to, err, n) < 0) {
			rc = -1;
			break;
		}
		from = to;
	}
	if (rc == -2)
		x->interrupted = true;
	if (rc != -1 && index_sets(x) < 0) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	return rc;
}

void explore_free(struct explore *x)
{
	free(x->sets);
	free(x->rec);
	free(x->hidx);
	x->sets = NULL;
	x->rec = NULL;
	x->hidx = NULL;
}

/* n choose k, as a double: counts can pass 2^64 long before memory. */
static double choose(unsigned n, unsigned k)
{
	double c = 1;
	for (unsigned i = 1; i <= k; i++)
		c = c * (n - k + i) / i;
	return c;
}

double explore_unpruned(const struct explore *x)
{
	/* sets of a drops, b duplicates, c delays on distinct segments:
	 * C(N, a) C(N-a, b) C(N-a-b, c) */
	double total = 0;
	unsigned N = x->segments, top = total_budget(x);
	for (unsigned a = 0; a <= x->budget[EX_DROP]; a++)
		for (unsigned b = 0; b <= x->budget[EX_DUP]; b++)
			for (unsigned c = 0; c <= x->budget[EX_DELAY]; c++) {
				if (a + b + c > top || a + b + c > N)
					continue;
				total += choose(N, a) * choose(N - a, b) *
					 choose(N - a - b, c);
			}
	return total;
}
