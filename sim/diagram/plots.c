/* plots.c — the pictures of tcpsim plot, laid out (plots.h). */
#include "sim/diagram/plots.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"
#include "models/tcp.h"
#include "sim/diagram/diagram.h"
#include "sim/diagram/gnuplot.h"
#include "sim/diagram/seglabel.h"
#include "sim/diagram/timeaxis.h"
#include "sim/engine/grow.h"

/* plots/NAME.gp, embedded by the build (Makefile, sim/scenario/embed.sh). */
extern const char plot_common_gp[], plot_timeseq_gp[], plot_cwnd_gp[],
	plot_rtt_gp[], plot_states_gp[], plot_queue_gp[];

const char *const plot_kind_names[PLOT_NKINDS] = {
	"timeseq", "cwnd", "rtt", "states", "queue", "ladder"};

static const char *const kind_titles[PLOT_NKINDS] = {
	"Time-sequence graph", "Congestion window", "Round-trip time and RTO",
	"Connection states", "Link queues", "Ladder"};

#define PLOT_MAX_PANELS 8   /* panels one above the other, at most */
#define PLOT_MAX_ROWS 40    /* rows of the states timeline, at most */
#define AXIS_UNITS 1000.0   /* the drawn time axis runs 0 .. 1000 */
#define FOLD_W 60.0         /* a folded span's width, in axis units */
#define PIECE_MIN_W 60.0    /* a piece drawn to scale, at least */

/* The time axis: pieces to scale, folds between them. */
struct piece {
	sim_time_t a, b;
	double x, s;        /* where a is drawn; axis units per second */
};

struct axis {
	struct piece pc[TIMEAXIS_MAX_FOLDS + 1];
	size_t npc;
	double xmin, xmax;
};

struct plot {
	struct plot_opts o;
	const struct trace *tr;
	const struct csv_data *d;
	const char *fmt;
	const char *dir;      /* the CSV files, ending in '/' */
	int *panels;          /* connection indexes; for PLOT_QUEUE, link
				 directions as from << 16 | to, sorted */
	size_t np, more;      /* drawn; left out */
	struct axis ax;
	char note[256];
};

/* ---- choosing what to draw ------------------------------------------- */

static bool selected(const struct plot *p, int ci)
{
	const struct csv_conn *c = &p->d->conns[ci];
	if (p->o.host >= 0 && c->host != p->o.host)
		return false;
	if (p->o.hosts && (c->host < 0 || !p->o.hosts[c->host]))
		return false;
	return !p->o.has_conn || c->id == p->o.conn;
}

/* Does connection ci have what kind draws? */
static bool has_data(const struct plot *p, int ci, const size_t *rows)
{
	const struct csv_conn *c = &p->d->conns[ci];
	switch (p->o.kind) {
	case PLOT_TIMESEQ:
		return c->bytes > 0;
	case PLOT_CWND:
		return c->bytes > 0 && rows[ci] > 0;
	case PLOT_RTT:
	case PLOT_STATES:
		return rows[ci] > 0;
	default:
		return false;
	}
}

/* What "nothing to draw" says is missing, and why it matters. */
static const char *const missing[PLOT_NKINDS][2] = {
	[PLOT_TIMESEQ] = {"no connection sent data",
		       "a time-sequence graph draws data segments"},
	[PLOT_CWND] = {"no connection sent data",
		    "the congestion window limits a sender of data"},
	[PLOT_RTT] = {"no connection measured a round trip or timed out",
		   "an RTT sample needs the ACK of a segment sent once"},
	[PLOT_STATES] = {"no connection changed state", "nothing opened"},
	[PLOT_QUEUE] = {"no segment waited in a link's queue",
		     "a queue forms in front of a link with a rate when "
		     "segments come faster than it sends them"},
};

/* A link direction and the longest wait in its queue. */
struct qdir {
	int dir;            /* from << 16 | to */
	sim_time_t longest;
};

/* Directions in the order of their numbers. */
static int cmp_dir(const void *a, const void *b)
{
	const struct qdir *x = a, *y = b;
	return (x->dir > y->dir) - (x->dir < y->dir);
}

/* The longest wait first, then in the order of the hosts' numbers. */
static int cmp_longest(const void *a, const void *b)
{
	const struct qdir *x = a, *y = b;
	if (x->longest != y->longest)
		return x->longest > y->longest ? -1 : 1;
	return cmp_dir(a, b);
}

/* The queue plot's panels: every link direction (from the chosen host)
 * where a segment found another waiting or waited itself, the one with
 * the longest wait first (where a bottleneck is). */
static int choose_queues(struct plot *p, size_t max, char *err, size_t n)
{
	const struct csv_data *d = p->d;
	struct qdir *q = malloc((d->nqueue ? d->nqueue : 1) * sizeof *q);
	if (!q) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < d->nqueue; i++) {
		const struct csv_queue *r = &d->queue[i];
		if ((r->waiting || r->wait > 0) &&
		    (p->o.host < 0 || r->host == p->o.host) &&
		    (!p->o.hosts || (r->host >= 0 && p->o.hosts[r->host])))
			q[k++] = (struct qdir){r->host << 16 | r->peer, r->wait};
	}
	/* one per direction, with its longest wait */
	qsort(q, k, sizeof *q, cmp_dir);
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (m && q[m - 1].dir == q[i].dir) {
			if (q[i].longest > q[m - 1].longest)
				q[m - 1].longest = q[i].longest;
		} else {
			q[m++] = q[i];
		}
	}
	qsort(q, m, sizeof *q, cmp_longest);
	for (size_t i = 0; i < m; i++) {
		if (p->np < max)
			p->panels[p->np++] = q[i].dir;
		else
			p->more++;
	}
	free(q);
	return 0;
}

static bool queue_drawn(const struct plot *p, int host, int peer)
{
	for (size_t i = 0; i < p->np; i++)
		if (p->panels[i] == (host << 16 | peer))
			return true;
	return false;
}

static int choose_panels(struct plot *p, char *err, size_t n)
{
	const struct csv_data *d = p->d;
	size_t *rows = calloc(d->nconns ? d->nconns : 1, sizeof *rows);
	size_t cap = d->nconns > d->nqueue ? d->nconns : d->nqueue;
	p->panels = malloc((cap ? cap : 1) * sizeof *p->panels);
	if (!rows || !p->panels) {
		free(rows);
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (p->o.kind == PLOT_CWND)
		for (size_t i = 0; i < d->ncwnd; i++)
			rows[d->cwnd[i].conn]++;
	if (p->o.kind == PLOT_RTT)
		for (size_t i = 0; i < d->nrtt; i++)
			rows[d->rtt[i].conn]++;
	if (p->o.kind == PLOT_STATES)
		for (size_t i = 0; i < d->nstates; i++)
			rows[d->states[i].conn]++;
	/* panels one above the other: at most one per 170 pixels */
	size_t panels = p->o.h / 170;
	panels = panels < 1 ? 1 : panels > PLOT_MAX_PANELS ? PLOT_MAX_PANELS
							   : panels;
	size_t max = p->o.kind == PLOT_STATES ? PLOT_MAX_ROWS : panels;
	bool any_conn = false;
	if (p->o.kind == PLOT_QUEUE) {
		any_conn = true;
		if (choose_queues(p, panels, err, n) < 0) {
			free(rows);
			return -1;
		}
	}
	for (size_t i = 0; p->o.kind != PLOT_QUEUE && i < d->nconns; i++) {
		if (!selected(p, (int)i))
			continue;
		any_conn = true;
		if (!has_data(p, (int)i, rows))
			continue;
		if (p->np < max)
			p->panels[p->np++] = (int)i;
		else
			p->more++;
	}
	free(rows);
	if (p->np)
		return 0;
	const char *kn = plot_kind_names[p->o.kind];
	if (p->o.has_conn && !any_conn)
		snprintf(err, n, "plot %s: host %s has no connection %" PRIu64
				 " in this run (run --csv DIR lists them in "
				 "connections.csv)",
			 kn, p->o.host_name, p->o.conn);
	else if (p->o.host >= 0)
		snprintf(err, n, "plot %s: nothing to draw on host %s: %s there "
				 "(%s)",
			 kn, p->o.host_name, missing[p->o.kind][0],
			 missing[p->o.kind][1]);
	else
		snprintf(err, n, "plot %s: nothing to draw: %s in this run (%s)",
			 kn, missing[p->o.kind][0], missing[p->o.kind][1]);
	return -1;
}

static bool in_panels(const struct plot *p, int ci)
{
	for (size_t i = 0; i < p->np; i++)
		if (p->panels[i] == ci)
			return true;
	return false;
}

/* The states timeline's rows of host h (1 at the top), which follow
 * each other (rows are in host order): false if it has none. */
static bool host_rows(const struct plot *p, int h, size_t *first,
		      size_t *last)
{
	bool any = false;
	for (size_t i = 0; i < p->np; i++) {
		if (p->d->conns[p->panels[i]].host != h)
			continue;
		if (!any && first)
			*first = i + 1;
		if (last)
			*last = i + 1;
		any = true;
	}
	return any;
}

/* ---- the time axis --------------------------------------------------- */

struct instants {
	sim_time_t *t;
	size_t n, cap;
	bool oom;
};

static void add_instant(struct instants *v, sim_time_t t)
{
	if (t < 0)
		return;
	if (grow(&v->t, &v->cap, v->n + 1, sizeof *v->t, 256) < 0) {
		v->oom = true;
		return;
	}
	v->t[v->n++] = t;
}

static int cmp_time(const void *a, const void *b)
{
	sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
	return (x > y) - (x < y);
}

/* An injected segment drawn in the panel of connection ci: in its
 * direction, while it lived. */
static bool injected_into(const struct plot *p, const struct csv_seg *g,
			  int ci)
{
	const struct csv_conn *c = &p->d->conns[ci];
	return (g->how & TR_SEND_INJECTED) && g->conn < 0 &&
	       g->tuple.laddr == c->tuple.laddr &&
	       g->tuple.lport == c->tuple.lport &&
	       g->tuple.raddr == c->tuple.raddr &&
	       g->tuple.rport == c->tuple.rport && g->t >= c->start &&
	       (c->end < 0 || g->t <= c->end);
}

static uint32_t seqlen(const struct csv_seg *g)
{
	return g->len + !!(g->flags & TCP_SYN) + !!(g->flags & TCP_FIN);
}

/* Every instant the picture draws something at. */
static int collect(const struct plot *p, struct instants *v)
{
	const struct csv_data *d = p->d;
	switch (p->o.kind) {
	case PLOT_TIMESEQ:
		for (size_t i = 0; i < d->nsegs; i++) {
			const struct csv_seg *g = &d->segs[i];
			bool mine = seqlen(g) && g->conn >= 0 &&
				    in_panels(p, g->conn);
			for (size_t k = 0; !mine && k < p->np; k++)
				mine = injected_into(p, g, p->panels[k]);
			if (mine)
				add_instant(v, g->t);
		}
		for (size_t i = 0; i < d->nacks; i++)
			if (d->acks[i].conn >= 0 && in_panels(p, d->acks[i].conn))
				add_instant(v, d->acks[i].t);
		break;
	case PLOT_CWND:
		for (size_t i = 0; i < d->ncwnd; i++)
			if (in_panels(p, d->cwnd[i].conn))
				add_instant(v, d->cwnd[i].t);
		for (size_t i = 0; i < d->nlosses; i++)
			if (d->losses[i].conn >= 0 &&
			    in_panels(p, d->losses[i].conn))
				add_instant(v, d->losses[i].t);
		break;
	case PLOT_RTT:
		for (size_t i = 0; i < d->nrtt; i++)
			if (in_panels(p, d->rtt[i].conn))
				add_instant(v, d->rtt[i].t);
		for (size_t i = 0; i < d->nlosses; i++)
			if (d->losses[i].kind == CSV_TIMEOUT &&
			    in_panels(p, d->losses[i].conn))
				add_instant(v, d->losses[i].t);
		break;
	case PLOT_STATES:
		for (size_t i = 0; i < d->nstates; i++)
			if (in_panels(p, d->states[i].conn)) {
				add_instant(v, d->states[i].start);
				add_instant(v, d->states[i].end);
			}
		/* A connection that sends (keepalive or zero-window
		 * probes, retransmissions) is not idle, whatever its
		 * state: a span with a segment in it is never folded. */
		for (size_t i = 0; i < d->nsegs; i++)
			if (d->segs[i].conn >= 0 && in_panels(p, d->segs[i].conn))
				add_instant(v, d->segs[i].t);
		/* nor one with a crash or reboot drawn in it */
		for (size_t i = 0; i < d->nhostev; i++)
			if (host_rows(p, d->hostev[i].host, NULL, NULL))
				add_instant(v, d->hostev[i].t);
		break;
	case PLOT_QUEUE:
		for (size_t i = 0; i < d->nqueue; i++)
			if (queue_drawn(p, d->queue[i].host, d->queue[i].peer))
				add_instant(v, d->queue[i].t);
		break;
	default:
		break;
	}
	if (v->oom)
		return -1;
	qsort(v->t, v->n, sizeof *v->t, cmp_time);
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++)
		if (!k || v->t[i] != v->t[k - 1])
			v->t[k++] = v->t[i];
	v->n = k;
	return 0;
}

static double secs(sim_time_t t)
{
	return (double)t / 1e9;
}

/* Fold the axis by the time series' rule (timeaxis.h: the longest idle
 * spans, if long enough to squash the rest), lay the pieces out along
 * it. */
static void make_axis(struct axis *ax, const sim_time_t *t, size_t n)
{
	struct timeaxis_rule rule = timeaxis_rule(TA_SERIES, 0, 0);
	struct timeaxis_piece cut[TIMEAXIS_MAX_FOLDS + 1];
	ax->npc = timeaxis_cut(t, n, &rule, cut);
	if (ax->npc == 0)
		cut[ax->npc++] = (struct timeaxis_piece){0, 0};
	for (size_t k = 0; k < ax->npc; k++)
		ax->pc[k] = (struct piece){.a = cut[k].a, .b = cut[k].b};
	/* an instant alone is drawn as a millisecond */
	if (ax->npc == 1 && ax->pc[0].b == ax->pc[0].a)
		ax->pc[0].b = ax->pc[0].a + SIM_MS(1);
	size_t nfold = ax->npc - 1;
	/* widths: to one scale, but none narrower than PIECE_MIN_W (an
	 * instant alone takes none) */
	double avail = AXIS_UNITS - FOLD_W * (double)nfold;
	double w[TIMEAXIS_MAX_FOLDS + 1];
	bool fixed[TIMEAXIS_MAX_FOLDS + 1] = {false};
	for (int round = 0; round < 12; round++) {
		double rest = avail, dur = 0;
		for (size_t k = 0; k < ax->npc; k++) {
			if (fixed[k])
				rest -= w[k];
			else
				dur += secs(ax->pc[k].b - ax->pc[k].a);
		}
		bool changed = false;
		for (size_t k = 0; k < ax->npc; k++) {
			if (fixed[k])
				continue;
			double dk = secs(ax->pc[k].b - ax->pc[k].a);
			w[k] = dur > 0 ? rest * dk / dur : 0;
			if (dk > 0 && w[k] < PIECE_MIN_W) {
				w[k] = PIECE_MIN_W;
				fixed[k] = changed = true;
			}
		}
		if (!changed)
			break;
	}
	double x = 0;
	for (size_t k = 0; k < ax->npc; k++) {
		struct piece *c = &ax->pc[k];
		double dk = secs(c->b - c->a);
		c->x = x;
		c->s = dk > 0 ? w[k] / dk : 0;
		x += w[k] + FOLD_W;
	}
	x -= FOLD_W;
	ax->xmin = -0.015 * AXIS_UNITS;
	/* an instant alone after a fold (a TIME-WAIT's end) needs room
	 * for its tick label */
	ax->xmax = x + (ax->pc[ax->npc - 1].s == 0 ? 0.04 : 0.015) * AXIS_UNITS;
}

static double map_x(const struct axis *ax, sim_time_t t)
{
	for (size_t k = 0; k < ax->npc; k++) {
		const struct piece *c = &ax->pc[k];
		if (t <= c->b || k + 1 == ax->npc)
			return c->x + secs(t - c->a) * c->s;
		if (t < ax->pc[k + 1].a) {
			double xb = c->x + secs(c->b - c->a) * c->s;
			return xb + (ax->pc[k + 1].x - xb) * secs(t - c->b) /
					    secs(ax->pc[k + 1].a - c->b);
		}
	}
	return 0;
}

/* t in seconds with at most `digits` decimals (rounded) and no
 * trailing zeros. */
static void time_str(sim_time_t t, int digits, char *buf, size_t n)
{
	char b[48];
	sim_time_t unit = 1;
	for (int k = digits; k < 9; k++)
		unit *= 10;
	diag_time_fmt((t + unit / 2) / unit * unit, 9, b, sizeof b);
	char *dot = strchr(b, '.');
	if (dot) {
		dot[digits ? digits + 1 : 0] = '\0';
		char *e = b + strlen(b);
		while (e > dot + 1 && e[-1] == '0')
			*--e = '\0';
		if (e == dot + 1)
			*dot = '\0';
	}
	snprintf(buf, n, "%s", b);
}

/* X(t) as a chain of gnuplot functions, one per piece (a single nested
 * expression could exceed gnuplot's line length), and the tic list. */
static void put_axis(FILE *f, const struct axis *ax, double plot_px)
{
	char a[48], b[48], a1[48];
	for (size_t k = ax->npc; k-- > 0;) {
		const struct piece *c = &ax->pc[k];
		diag_time_fmt(c->a, 9, a, sizeof a);
		diag_time_fmt(c->b, 9, b, sizeof b);
		fprintf(f, "X%zu(t) = t <= %s || %d ? %.6f + (t - %s) * %.9g : ",
			k, b, k + 1 == ax->npc, c->x, a, c->s);
		if (k + 1 == ax->npc) {
			fputs("0\n", f);
			continue;
		}
		const struct piece *nx = &ax->pc[k + 1];
		diag_time_fmt(nx->a, 9, a1, sizeof a1);
		double xb = c->x + secs(c->b - c->a) * c->s;
		fprintf(f, "t < %s ? %.6f + %.6f * (t - %s) / (%s - %s) : X%zu(t)\n",
			a1, xb, nx->x - xb, b, a1, b, k + 1);
	}
	fputs("X(t) = X0(t)\n", f);
	fprintf(f, "XMIN = %.6f; XMAX = %.6f\n", ax->xmin, ax->xmax);
	/* ticks: multiples of a 1-2-5 step at least 90 pixels apart in
	 * each piece, and where a piece after a fold begins */
	static const int64_t steps[] = {1, 2, 5};
	double px_per_unit = plot_px / (ax->xmax - ax->xmin);
	fputs("xtics = '(", f);
	bool first = true;
	for (size_t k = 0; k < ax->npc; k++) {
		const struct piece *c = &ax->pc[k];
		double last = -1e9;
		char buf[48];
		if (k > 0 || c->s == 0) {
			/* where a piece after a fold begins, to the ms */
			time_str(c->a, 3, buf, sizeof buf);
			fprintf(f, "%s\"%s\" %.6f", first ? "" : ", ", buf, c->x);
			first = false;
			last = c->x;
		}
		if (c->s == 0)
			continue;
		sim_time_t step = SIM_S(1);
		bool found = false;
		for (int64_t dec = 1; !found && dec <= INT64_C(1000000000000);
		     dec *= 10)
			for (size_t j = 0; j < 3; j++)
				if (secs(steps[j] * dec) * c->s * px_per_unit >= 90) {
					step = steps[j] * dec;
					found = true;
					break;
				}
		int digits = 0;
		for (sim_time_t u = SIM_S(1); u > step && digits < 9; u /= 10)
			digits++;
		/* the first piece is drawn from a little before its first
		 * instant (the margin) */
		sim_time_t lo = c->a;
		if (k == 0) {
			double back = (c->x - ax->xmin) / c->s * 1e9;
			lo = (double)lo > back ? lo - (sim_time_t)back : 0;
		}
		sim_time_t t0 = (lo + step - 1) / step * step;
		for (sim_time_t t = t0; t <= c->b; t += step) {
			double x = map_x(ax, t);
			if (x < ax->xmin || (x - last) * px_per_unit < 70)
				continue;
			/* clear of the label after the next fold */
			if (k + 1 < ax->npc &&
			    (ax->pc[k + 1].x - x) * px_per_unit < 70)
				continue;
			time_str(t, digits, buf, sizeof buf);
			fprintf(f, "%s\"%s\" %.6f", first ? "" : ", ", buf, x);
			first = false;
			last = x;
		}
	}
	fputs(")'\n", f);
	fprintf(f, "NF = %zu\n$folds << EOD\n", ax->npc - 1);
	for (size_t k = 0; k + 1 < ax->npc; k++) {
		const struct piece *c = &ax->pc[k];
		char idle[64];
		seglabel_idle(ax->pc[k + 1].a - c->b, idle, sizeof idle);
		fprintf(f, "%.6f %.6f \"%s idle\"\n",
			c->x + secs(c->b - c->a) * c->s, ax->pc[k + 1].x, idle);
	}
	fputs("EOD\n", f);
}

/* ---- the gnuplot input ------------------------------------------------ */

static void endpoint(char *buf, size_t n, uint32_t addr, uint16_t port)
{
	char a[16];
	if (!addr && !port) {
		snprintf(buf, n, "*");
		return;
	}
	ip4_fmt(addr, a);
	snprintf(buf, n, "%s:%u", a, (unsigned)port);
}

/* "client 10.0.0.1:49152 → server 10.0.0.2:80" */
static void conn_label(const struct plot *p, int ci, char *buf, size_t n)
{
	const struct csv_conn *c = &p->d->conns[ci];
	char l[32], r[32];
	endpoint(l, sizeof l, c->tuple.laddr, c->tuple.lport);
	endpoint(r, sizeof r, c->tuple.raddr, c->tuple.rport);
	if (!c->tuple.raddr) {
		snprintf(buf, n, "%s %s (listening)",
			 trace_host_name(p->tr, c->host), l);
		return;
	}
	snprintf(buf, n, "%s %s → %s%s%s", trace_host_name(p->tr, c->host), l,
		 c->peer >= 0 ? trace_host_name(p->tr, c->peer) : "",
		 c->peer >= 0 ? " " : "", r);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* What a queue's panel says: how many segments came, how full it got,
 * the longest wait, the drops; and the tops of its two axes. */
static void queue_sub(const struct plot *p, int dir, char *buf, size_t n,
		      double *ytop, double *y2top)
{
	const struct csv_data *d = p->d;
	int from = dir >> 16, to = dir & 0xffff;
	uint64_t segs = 0, most = 0, lost = 0;
	sim_time_t longest = 0;
	for (size_t i = 0; i < d->nqueue; i++) {
		const struct csv_queue *q = &d->queue[i];
		if (q->host != from || q->peer != to)
			continue;
		segs += !q->dequeue;
		if (q->waiting > most && !q->dequeue)
			most = q->waiting;
		if (q->wait > longest)
			longest = q->wait;
	}
	for (size_t i = 0; i < d->nlosses; i++)
		lost += d->losses[i].kind == CSV_DROP &&
			d->losses[i].host == from && d->losses[i].peer == to;
	snprintf(buf, n, "%s>%s: %" PRIu64 " %s queued, up to %" PRIu64
			 " waiting, the longest wait %.1f ms, %" PRIu64
			 " dropped on the link",
		 trace_host_name(p->tr, from), trace_host_name(p->tr, to),
		 segs, plural(segs, "segment", "segments"), most,
		 (double)longest / 1e6, lost);
	/* gnuplot finds no range in a column of zeros */
	*ytop = most ? 1.1 * (double)most : 1;
	*y2top = longest > 100000 ? 1.1 * (double)longest / 1e6 : 0.1;
}

/* What a panel says under its connection. */
static void panel_sub(const struct plot *p, int ci, char *buf, size_t n)
{
	const struct csv_conn *c = &p->d->conns[ci];
	char who[160];
	conn_label(p, ci, who, sizeof who);
	switch (p->o.kind) {
	case PLOT_TIMESEQ:
		snprintf(buf, n, "%s: %" PRIu64 " %s sent, %" PRIu64
				 " retransmitted, %" PRIu64 " lost",
			 who, c->segs, plural(c->segs, "segment", "segments"),
			 c->rexmits, c->lost);
		break;
	case PLOT_CWND:
		snprintf(buf, n, "%s: %" PRIu64 " %s, %" PRIu64 " fast "
				 "%s, %" PRIu64 " partial-ACK %s, %" PRIu64
				 " lost",
			 who, c->timeouts,
			 plural(c->timeouts, "timeout", "timeouts"), c->fast,
			 plural(c->fast, "retransmit", "retransmits"),
			 c->partial,
			 plural(c->partial, "retransmission", "retransmissions"),
			 c->lost);
		break;
	case PLOT_RTT:
		snprintf(buf, n, "%s: %" PRIu64 " RTT %s, %" PRIu64 " %s", who,
			 c->samples, plural(c->samples, "sample", "samples"),
			 c->timeouts, plural(c->timeouts, "timeout", "timeouts"));
		break;
	default:
		snprintf(buf, n, "%s", who);
		break;
	}
}

/* The top of a time-sequence panel: the data and the ACKs, unless the
 * window line is far above them (a 64 KB window over a 1 KB transfer),
 * where it would squash them to the bottom: then the top is a little
 * above them and the window line leaves the picture (the key says so).
 * -1: let gnuplot scale to everything. */
static double seq_top(const struct plot *p, int ci)
{
	const struct csv_data *d = p->d;
	bool rel = !p->o.absolute, any = false;
	double lo = 0, hi = 0, win = 0;
	for (size_t i = 0; i < d->nsegs; i++) {
		const struct csv_seg *g = &d->segs[i];
		if (!injected_into(p, g, ci) && (!seqlen(g) || g->conn != ci))
			continue;
		double y = rel ? g->rel_seq : g->seq;
		if (!any || y < lo)
			lo = y;
		if (!any || y + seqlen(g) > hi)
			hi = y + seqlen(g);
		any = true;
	}
	for (size_t i = 0; any && i < d->nacks; i++) {
		const struct csv_ack *k = &d->acks[i];
		if (k->conn != ci || k->discarded)
			continue;
		double y = rel ? k->rel_ack : k->ack;
		if (y > hi)
			hi = y;
		if (y + k->win > win)
			win = y + k->win;
	}
	double span = hi - lo;
	if (!any || span <= 0 || win - lo <= 3 * span)
		return -1;
	return hi + 0.6 * span;
}

static const char *state_color(int s)
{
	/* hues by phase: opening yellow-orange, open green, closing blue
	 * to violet, TIME-WAIT grey-brown; LISTEN slate */
	static const char *const colors[TCP_NSTATES] = {
		[TCP_CLOSED] = "#ffffff",      [TCP_LISTEN] = "#8fa3b8",
		[TCP_SYN_SENT] = "#f2c14e",    [TCP_SYN_RECEIVED] = "#f08a24",
		[TCP_ESTABLISHED] = "#5cb85c", [TCP_FIN_WAIT_1] = "#5bc0de",
		[TCP_FIN_WAIT_2] = "#3a87c8",  [TCP_CLOSE_WAIT] = "#9b7fd4",
		[TCP_CLOSING] = "#d46fb0",     [TCP_LAST_ACK] = "#c0587e",
		[TCP_TIME_WAIT] = "#a8896c",
	};
	return s >= 0 && s < TCP_NSTATES ? colors[s] : "#cccccc";
}

/* The states timeline's rows, their labels, and which states occur. */
static void put_rows(FILE *f, const struct plot *p)
{
	char lab[PLOT_MAX_ROWS][192];
	for (size_t i = 0; i < p->np; i++)
		conn_label(p, p->panels[i], lab[i], sizeof lab[i]);
	/* the same label twice (a 4-tuple used again): add the number */
	for (size_t i = 0; i < p->np; i++) {
		bool dup = false;
		for (size_t j = 0; j < p->np; j++)
			dup |= j != i && strcmp(lab[i], lab[j]) == 0;
		if (dup) {
			size_t len = strlen(lab[i]);
			snprintf(lab[i] + len, sizeof lab[i] - len, " #%" PRIu32,
				 p->d->conns[p->panels[i]].id);
		}
	}
	/* ROW(host, id): the row of a connection, NaN if not drawn */
	fputs("ROW(h, i) = ", f);
	for (size_t i = 0; i < p->np; i++) {
		const struct csv_conn *c = &p->d->conns[p->panels[i]];
		fputs("h eq ", f);
		gnuplot_str(f, trace_host_name(p->tr, c->host), GP_COMMAND);
		fprintf(f, " && i eq \"%" PRIu32 "\" ? %zu : ", c->id, i + 1);
	}
	fputs("NaN\n", f);
	fprintf(f, "NR = %zu\n", p->np);
	fputs("ytics = '(", f);
	for (size_t i = 0; i < p->np; i++) {
		fputs(i ? ", " : "", f);
		/* the tic list is itself in single quotes: no ' inside */
		fputc('"', f);
		for (const char *s = lab[i]; *s; s++)
			if (*s != '\'' && *s != '"' && *s != '\\')
				fputc(*s, f);
		fprintf(f, "\" %zu", i + 1);
	}
	fputs(")'\n", f);
	/* state colours, and the states that occur, in RFC order, for
	 * the key */
	bool seen[TCP_NSTATES] = {false};
	for (size_t i = 0; i < p->d->nstates; i++) {
		const struct csv_state *s = &p->d->states[i];
		if (in_panels(p, s->conn) && s->state >= 0 &&
		    s->state < TCP_NSTATES)
			seen[s->state] = true;
	}
	fputs("SCOL(s) = ", f);
	for (int s = 1; s < TCP_NSTATES; s++)
		fprintf(f, "s eq \"%s\" ? %ld : ", tcp_state_name(s),
			strtol(state_color(s) + 1, NULL, 16));
	fputs("0xcccccc\n$seen << EOD\n", f);
	for (int s = 1; s < TCP_NSTATES; s++)
		if (seen[s])
			fprintf(f, "\"%s\" \"%s\"\n", tcp_state_name(s),
				state_color(s));
	fputs("EOD\n", f);
	size_t lm = 0;
	for (size_t i = 0; i < p->np; i++)
		if (seglabel_chars(lab[i]) > lm)
			lm = seglabel_chars(lab[i]);
	fprintf(f, "LM = %zu\n", lm + 3);
	/* crashes and reboots across their host's rows */
	size_t nev = 0, ncrash = 0;
	/* comma-separated with a header, as the CSV files the same plot
	 * command reads */
	fputs("$hostev << EOD\ntime,first,last,host,event\n", f);
	for (size_t i = 0; i < p->d->nhostev; i++) {
		const struct csv_host_event *h = &p->d->hostev[i];
		size_t r0, r1;
		char t[48];
		if (!host_rows(p, h->host, &r0, &r1))
			continue;
		diag_time_fmt(h->t, 9, t, sizeof t);
		fprintf(f, "%s,%zu,%zu,", t, r0, r1);
		csv_put_text(f, trace_host_name(p->tr, h->host));
		fprintf(f, ",%s\n", h->crash ? "crashed" : "rebooted");
		nev++;
		ncrash += h->crash;
	}
	fprintf(f, "EOD\nN_CRASHED = %zu; N_REBOOTED = %zu\n", ncrash,
		nev - ncrash);
}

int plot_script(FILE *f, void *ctx)
{
	const struct plot *p = ctx;
	const struct plot_opts *a = &p->o;
	const struct trace *tr = p->tr;
	char text[512];
	fprintf(f, "# tcpsim plot %s: %s (seed %" PRIu64 ")\n",
		plot_kind_names[a->kind], tr->scenario ? tr->scenario : "-", tr->seed);
	fprintf(f, "fmt = \"%s\"\nW = %u; H = %u\n", p->fmt, a->w, a->h);
	fputs("DIR = ", f);
	gnuplot_str(f, p->dir, GP_COMMAND);
	snprintf(text, sizeof text, "%s: %s (seed %" PRIu64 ")",
		 kind_titles[a->kind], tr->scenario ? tr->scenario : "-",
		 tr->seed);
	fputs("\ntitle = ", f);
	gnuplot_str(f, text, GP_COMMAND);
	fputs("\nnote = ", f);
	gnuplot_str(f, p->note, GP_COMMAND);
	fprintf(f, "\nrelative = %d\n", !a->absolute);
	/* rows of each file: gnuplot warns about reading one that has
	 * none, so the scripts leave those alone */
	fprintf(f, "N_SEGMENTS = %zu; N_ACKS = %zu; N_CWND = %zu; N_RTT = %zu; "
		   "N_STATES = %zu; N_LOSSES = %zu\n",
		p->d->nsegs, p->d->nacks, p->d->ncwnd, p->d->nrtt,
		p->d->nstates, p->d->nlosses);
	/* the plot area is about 85% of the width */
	put_axis(f, &p->ax, 0.85 * a->w);
	if (a->kind == PLOT_STATES) {
		put_rows(f, p);
	} else if (a->kind == PLOT_QUEUE) {
		fprintf(f, "NP = %zu\n$panels << EOD\n", p->np);
		for (size_t i = 0; i < p->np; i++) {
			/* from to subtitle ytop y2top */
			gnuplot_str(f, trace_host_name(tr, p->panels[i] >> 16),
				    GP_DATA);
			fputc(' ', f);
			gnuplot_str(f, trace_host_name(tr, p->panels[i] & 0xffff),
				    GP_DATA);
			fputc(' ', f);
			double top, top2;
			queue_sub(p, p->panels[i], text, sizeof text, &top, &top2);
			gnuplot_str(f, text, GP_DATA);
			fprintf(f, " %.3f %.6f\n", top, top2);
		}
		fputs("EOD\n", f);
	} else {
		fprintf(f, "NP = %zu\n$panels << EOD\n", p->np);
		for (size_t i = 0; i < p->np; i++) {
			int ci = p->panels[i];
			const struct csv_conn *c = &p->d->conns[ci];
			char l[32], r[32], s[48], e[48];
			endpoint(l, sizeof l, c->tuple.laddr, c->tuple.lport);
			endpoint(r, sizeof r, c->tuple.raddr, c->tuple.rport);
			diag_time_fmt(c->start, 9, s, sizeof s);
			/* still open: until the run's end (gnuplot's real()
			 * reads no exponent) */
			diag_time_fmt(c->end >= 0 ? c->end : p->d->end, 9, e,
				      sizeof e);
			/* host id conn start end subtitle ymax */
			gnuplot_str(f, trace_host_name(tr, c->host), GP_DATA);
			fprintf(f, " \"%" PRIu32 "\" \"%s>%s\" %s %s ", c->id, l, r,
				s, e);
			panel_sub(p, ci, text, sizeof text);
			gnuplot_str(f, text, GP_DATA);
			double top = a->kind == PLOT_TIMESEQ ? seq_top(p, ci) : -1;
			if (top >= 0)
				fprintf(f, " %.0f\n", top);
			else
				fputs(" *\n", f);
		}
		fputs("EOD\n", f);
	}
	fputc('\n', f);
	fputs(plot_common_gp, f);
	switch (a->kind) {
	case PLOT_TIMESEQ:
		fputs(plot_timeseq_gp, f);
		break;
	case PLOT_CWND:
		fputs(plot_cwnd_gp, f);
		break;
	case PLOT_RTT:
		fputs(plot_rtt_gp, f);
		break;
	case PLOT_STATES:
		fputs(plot_states_gp, f);
		break;
	case PLOT_QUEUE:
		fputs(plot_queue_gp, f);
		break;
	default:
		break;
	}
	return ferror(f) ? -1 : 0;
}

struct plot *plot_new(const struct plot_opts *o, const struct trace *tr,
		      const struct csv_data *d, const char *dir,
		      const char *fmt, char *err, size_t n)
{
	struct instants inst = {0};
	struct plot *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	p->o = *o;
	p->tr = tr;
	p->d = d;
	p->dir = dir;
	p->fmt = fmt;
	if (choose_panels(p, err, n) < 0)
		goto fail;
	if (p->more)
		snprintf(p->note, sizeof p->note,
			 p->o.kind == PLOT_QUEUE
				 ? "%zu more %s not drawn: choose with --host "
				   "NAME"
				 : "%zu more %s not drawn: choose with --host "
				   "NAME [--conn N]",
			 p->more,
			 p->o.kind == PLOT_QUEUE
				 ? (p->more == 1 ? "queue" : "queues")
				 : (p->more == 1 ? "connection" : "connections"));
	if (collect(p, &inst) < 0) {
		snprintf(err, n, "out of memory");
		goto fail;
	}
	make_axis(&p->ax, inst.t, inst.n);
	free(inst.t);
	return p;
fail:
	free(inst.t);
	plot_free(p);
	return NULL;
}

void plot_free(struct plot *p)
{
	if (!p)
		return;
	free(p->panels);
	free(p);
}
