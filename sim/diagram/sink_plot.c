/* sink_plot.c — the sequence diagram to scale ("ladder plot"), by gnuplot.
 *
 * Time runs down a vertical axis, one lifeline per host; each segment is
 * an arrow from (sender, send time) to (receiver, arrival time), so its
 * slant is its delay. The drawing itself — colours, fonts, marks — is
 * plots/ladder.gp, compiled into the binary (the build embeds it as
 * plot_ladder_gp); this file lays the picture out in pixels and hands
 * gnuplot the script with the layout as datablocks (see the script's
 * header for them) in one file, run as `gnuplot -c FILE OUTPUT`.
 *
 * Layout:
 *  - Time axis: piecewise. A quiet span between two things drawn folds
 *    by the ladder plot's rule (timeaxis.h: 20 times the median one-way
 *    delay, at most 1 s, or diagram_opts.fold) to a short fixed span
 *    with a break mark and "… 2h idle …"; the rest is to one scale, and
 *    the tick labels give real times.
 *  - Scale: the smallest (from a few hundred pixels for the whole run up)
 *    at which every label finds a place, tried in steps of 1.4, up to a
 *    picture PLOT_MAX_H pixels tall. A label sits on its arrow, at the
 *    middle if that is free, else slid along it; one that finds no free
 *    place even at the largest scale is left out (the arrow stays).
 *  - Lifelines as far apart as the widest label needs; states written
 *    beside their lifeline, on the side fewer arrows leave from.
 *  - A lost segment's arrow stops halfway to the receiver, at half the
 *    delay it would have had (diag_spans()), in a cross.
 *
 * Pixel positions are printed with one decimal: the same run gives the
 * same bytes.
 */
#include <math.h> /* NAN and isnan only: tcpsim links without libm */
#include <stdlib.h>
#include <string.h>

#include "sim/diagram/diagram.h"
#include "sim/diagram/gnuplot.h"
#include "sim/diagram/pages.h"
#include "sim/engine/grow.h"
#include "sim/out/outfile.h"
#include "sim/diagram/seglabel.h"
#include "sim/diagram/timeaxis.h"
#include "sim/diagram/diagram_sinks.h"

/* plots/ladder.gp, embedded by the build (Makefile, sim/gen-builtin.sh). */
extern const char plot_ladder_gp[];

#define CHAR_W 7.2       /* pixels per character of the label font */
#define LINE_H 14.0      /* pixels per line of text */
#define FOLD_H 56.0      /* pixels for a folded idle span, at most */
#define HEAD_H 34.0      /* pixels above t = 0 for the host names */
#define PLOT_MAX_H 16000.0
#define MARGIN_T 40.0    /* title */
#define MARGIN_B 56.0    /* key */
#define MARGIN_R 16.0

#define RGB_PLAIN 0x000000
#define RGB_LOST 0xd00000
#define RGB_REXMIT 0xc06000
#define RGB_INJECTED 0xa000a0
#define RGB_DUP 0x0050b0
#define RGB_STATE 0x1a3d7c
#define RGB_REBOOT 0x008000
#define RGB_DIM 0x606060

struct piece {
	sim_time_t a, b;     /* real times */
	double y;            /* where a is drawn */
};

struct box {
	double x0, x1, y0, y1;
	double key;          /* the y of the thing it belongs to */
};

struct plot {
	struct trace_sink base;
	char *path;
	struct outfile *out; /* the rendered pages, until commit */
	struct outfile *script; /* diagram_opts.script's, until commit */
	size_t nout;
	const char *fmt;
	struct diagram_opts o;
	struct diag d;
	const struct trace *tr;
	char err[1024];
	char warn[1024];     /* what gnuplot said while it succeeded */
	/* layout, at finish */
	sim_time_t *span;
	struct piece *pc;
	size_t npc;
	double s;            /* pixels per second */
	double fold_h;       /* pixels for a folded idle span */
	double *hx;          /* lifeline x per host */
	int *side;           /* per host: -1 states on the left, 1 right */
	double ph, pw;       /* plot area */
	struct box *bx;      /* labels placed */
	size_t nbx, bx_cap;
	struct box *fx;      /* what they keep clear of */
	size_t nfx, fx_cap;
	double gx;           /* x of the idle-gap notes */
	double reach;        /* how far below its key a box can end */
	double *lx, *ly;     /* per item: label centre (NAN: none) */
	double *sy;          /* per item: where a state's text sits */
	size_t failed;
};

static double secs(sim_time_t t)
{
	return (double)t / 1e9;
}

static int cmp_time(const void *a, const void *b)
{
	sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
	return (x > y) - (x < y);
}

/* The median one-way delay of the segments delivered, 0 if none. */
static sim_time_t median_delay(const struct plot *p)
{
	const struct diag *d = &p->d;
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->it[i].kind == DIAG_SEG && !(d->it[i].marks & DIAG_LOST) &&
		     d->it[i].end >= d->it[i].t;
	sim_time_t *v = n ? malloc(n * sizeof *v) : NULL;
	if (!v)
		return 0;
	n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->it[i].kind == DIAG_SEG &&
		    !(d->it[i].marks & DIAG_LOST) && d->it[i].end >= d->it[i].t)
			v[n++] = d->it[i].end - d->it[i].t;
	qsort(v, n, sizeof *v, cmp_time);
	sim_time_t m = v[n / 2];
	free(v);
	return m;
}

/* ---- the time axis --------------------------------------------------- */

/* The drawn instants, sorted, cut into pieces where the axis folds. */
static int make_pieces(struct plot *p)
{
	const struct diag *d = &p->d;
	sim_time_t *t = malloc((2 * d->n + 1) * sizeof *t);
	if (!t)
		return -1;
	size_t n = 0;
	t[n++] = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		if (it->kind == DIAG_ARRIVE || it->kind == DIAG_DROP)
			continue;
		t[n++] = it->t;
		if (it->kind == DIAG_SEG)
			t[n++] = it->t + ((it->marks & DIAG_LOST) ? p->span[i] / 2
								 : p->span[i]);
	}
	qsort(t, n, sizeof *t, cmp_time);
	struct timeaxis_piece *cut = malloc(n * sizeof *cut);
	p->pc = malloc(n * sizeof *p->pc);
	if (!cut || !p->pc) {
		free(cut);
		free(t);
		return -1;
	}
	struct timeaxis_rule fold = timeaxis_rule(TA_LADDER_PLOT, p->o.fold,
						  median_delay(p));
	p->npc = timeaxis_cut(t, n, &fold, cut);
	for (size_t k = 0; k < p->npc; k++)
		p->pc[k] = (struct piece){.a = cut[k].a, .b = cut[k].b};
	free(cut);
	free(t);
	return 0;
}

/* Place the pieces at scale s; returns the height they take. */
static double scale_pieces(struct plot *p, double s)
{
	double y = 0;
	for (size_t k = 0; k < p->npc; k++) {
		if (k)
			y += p->fold_h;
		p->pc[k].y = y;
		y += secs(p->pc[k].b - p->pc[k].a) * s;
	}
	return y;
}

static double map_y(const struct plot *p, sim_time_t t)
{
	size_t lo = 0, hi = p->npc;
	while (lo < hi) { /* the last piece starting at or before t */
		size_t mid = lo + (hi - lo) / 2;
		if (p->pc[mid].a <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return p->pc[0].y;
	const struct piece *c = &p->pc[lo - 1];
	if (t <= c->b || lo == p->npc)
		return c->y + secs((t < c->b ? t : c->b) - c->a) * p->s;
	/* inside a fold: spread over its fixed span */
	double yb = c->y + secs(c->b - c->a) * p->s;
	return yb + p->fold_h * secs(t - c->b) / secs(p->pc[lo].a - c->b);
}

/* ---- labels ------------------------------------------------------------ */

static double text_w(const char *a, const char *b)
{
	size_t n = seglabel_chars(a), m = b ? seglabel_chars(b) : 0;
	return (double)(n > m ? n : m) * CHAR_W + 6.0;
}

/* Does c overlap a label placed before it? Labels are placed in the
 * order of their arrows' send times (their keys), and none ends more than
 * `reach` below its key. */
static bool hits(const struct plot *p, const struct box *c)
{
	for (size_t j = p->nbx; j-- > 0;) {
		const struct box *o = &p->bx[j];
		if (o->key + p->reach <= c->y0)
			break;
		if (o->x0 < c->x1 && c->x0 < o->x1 && o->y0 < c->y1 &&
		    c->y0 < o->y1)
			return true;
	}
	return false;
}

/* Does c overlap something fixed (a state, an idle-gap note, a link
 * note)? Those are sorted by y0 and no taller than FIXED_H. */
#define FIXED_H (2 * LINE_H)
static bool hits_fixed(const struct plot *p, const struct box *c)
{
	size_t lo = 0, hi = p->nfx;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->fx[mid].y0 < c->y0 - FIXED_H)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t j = lo; j < p->nfx && p->fx[j].y0 < c->y1; j++) {
		const struct box *o = &p->fx[j];
		if (o->x0 < c->x1 && c->x0 < o->x1 && o->y0 < c->y1 &&
		    c->y0 < o->y1)
			return true;
	}
	return false;
}

static int push_box(struct box **a, size_t *n, size_t *cap,
		    const struct box *b)
{
	if (grow(a, cap, *n + 1, sizeof **a, 256) < 0)
		return -1;
	(*a)[(*n)++] = *b;
	return 0;
}

static int cmp_box(const void *a, const void *b)
{
	double x = ((const struct box *)a)->y0, y = ((const struct box *)b)->y0;
	return (x > y) - (x < y);
}

/* An arrow's ends: from the sender at its send time to the receiver at
 * its arrival, or halfway for a lost one. */
static void arrow_ends(const struct plot *p, size_t i, double *x1, double *y1,
		       double *x2, double *y2)
{
	const struct diag_item *it = &p->d.it[i];
	bool lost = it->marks & DIAG_LOST;
	int to = it->peer >= 0 ? it->peer : it->host;
	double xt = it->peer >= 0 ? p->hx[to]
				  : p->hx[it->host] + (it->host ? -60.0 : 60.0);
	*x1 = p->hx[it->host];
	*y1 = map_y(p, it->t);
	*x2 = lost ? (*x1 + xt) / 2 : xt;
	*y2 = map_y(p, it->t + (lost ? p->span[i] / 2 : p->span[i]));
}

/* The text written beside a lifeline for a state or host item. */
static void side_text(const struct plot *p, const struct diag_item *it,
		      char *buf, size_t n)
{
	if (it->kind == DIAG_STATE)
		diag_state_fmt(p->tr, it, buf, n);
	else
		snprintf(buf, n, "%s",
			 (it->marks & DIAG_CRASH) ? "crashed" : "rebooted");
}

/* The things labels must keep clear of: states (at one instant on one
 * host they line up below each other), idle-gap notes, link notes. */
static int place_fixed(struct plot *p)
{
	const struct diag *d = &p->d;
	const struct trace *tr = p->tr;
	char text[128];
	p->nfx = 0;
	double *last_y = malloc(((size_t)tr->nhosts + 1) * sizeof *last_y);
	if (!last_y)
		return -1;
	for (int h = 0; h < tr->nhosts; h++)
		last_y[h] = -1e9;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		p->sy[i] = NAN;
		struct box b;
		if (it->kind == DIAG_STATE || it->kind == DIAG_HOST) {
			if (it->host < 0 || it->host >= tr->nhosts)
				continue;
			double y = map_y(p, it->t);
			if (y < last_y[it->host] + LINE_H)
				y = last_y[it->host] + LINE_H;
			last_y[it->host] = y;
			p->sy[i] = y;
			side_text(p, it, text, sizeof text);
			double w = text_w(text, NULL);
			double x = p->hx[it->host] + p->side[it->host] * 8.0;
			b = (struct box){
				.x0 = p->side[it->host] < 0 ? x - w : x - 8,
				.x1 = p->side[it->host] < 0 ? x + 8 : x + w,
				.y0 = y - LINE_H / 2,
				.y1 = y + LINE_H / 2,
			};
		} else if (it->kind == DIAG_LINK && it->host >= 0 &&
			   it->peer >= 0 && it->host < tr->nhosts &&
			   it->peer < tr->nhosts) {
			double x = (p->hx[it->host] + p->hx[it->peer]) / 2;
			double y = map_y(p, it->t);
			double w = 24 * CHAR_W;
			b = (struct box){x - w, x + w, y - LINE_H / 2,
					 y + LINE_H / 2, y};
		} else {
			continue;
		}
		if (push_box(&p->fx, &p->nfx, &p->fx_cap, &b) < 0)
			goto oom;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->it[i].kind != DIAG_SEG || !(d->it[i].marks & DIAG_LOST))
			continue;
		double x1, y1, x2, y2;
		arrow_ends(p, i, &x1, &y1, &x2, &y2);
		struct box b = {x2 - 8, x2 + 8, y2 - 8, y2 + 8, y2};
		if (push_box(&p->fx, &p->nfx, &p->fx_cap, &b) < 0)
			goto oom;
	}
	for (size_t k = 1; k < p->npc; k++) {
		double y = p->pc[k].y - p->fold_h / 2, w = 16 * CHAR_W;
		struct box b = {p->gx - w, p->gx + w, y - LINE_H / 2,
				y + LINE_H / 2, y};
		if (push_box(&p->fx, &p->nfx, &p->fx_cap, &b) < 0)
			goto oom;
	}
	qsort(p->fx, p->nfx, sizeof *p->fx, cmp_box);
	free(last_y);
	return 0;
oom:
	free(last_y);
	return -1;
}

static const double fracs[] = {0.5,  0.42, 0.58, 0.34, 0.66, 0.26, 0.74,
			       0.18, 0.82, 0.38, 0.62, 0.46, 0.54, 0.3,
			       0.7,  0.22, 0.78, 0.14, 0.86, 0.1,  0.9};
#define NFRACS (sizeof fracs / sizeof *fracs)

/* Do segments i and j share one path (sent together, drawn alike)? */
static bool same_path(const struct plot *p, size_t i, size_t j)
{
	const struct diag_item *a = &p->d.it[i], *b = &p->d.it[j];
	return b->kind == DIAG_SEG && a->t == b->t && a->host == b->host &&
	       a->peer == b->peer && p->span[i] == p->span[j] &&
	       (a->marks & DIAG_LOST) == (b->marks & DIAG_LOST);
}

/* Lay every label out at the current scale; counts those left out. */
static int place_labels(struct plot *p)
{
	const struct diag *d = &p->d;
	char marks[256];
	p->nbx = 0;
	p->failed = 0;
	if (place_fixed(p) < 0)
		return -1;
	p->reach = 3 * LINE_H;
	for (size_t i = 0; i < d->n; i++) {
		if (d->it[i].kind != DIAG_SEG)
			continue;
		double x1, y1, x2, y2;
		arrow_ends(p, i, &x1, &y1, &x2, &y2);
		if (y2 - y1 + 3 * LINE_H > p->reach)
			p->reach = y2 - y1 + 3 * LINE_H;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		p->lx[i] = p->ly[i] = NAN;
		if (it->kind != DIAG_SEG)
			continue;
		diag_marks_fmt(it, marks, sizeof marks);
		double w = text_w(it->label, marks);
		double h = (*marks ? 2 : 1) * LINE_H + 2;
		double x1, y1, x2, y2;
		arrow_ends(p, i, &x1, &y1, &x2, &y2);
		double xr = it->peer >= 0 ? p->hx[it->peer] : x2;
		double lo = (x1 < xr ? x1 : xr) + 10, hi = (x1 < xr ? xr : x1) - 10;
		/* Arrows sent together on one path (a burst) are one line:
		 * their labels go down it in the order they were sent. */
		size_t g = 0, ng = 1;
		for (size_t j = i; j-- > 0 && d->it[j].t == it->t;)
			g += same_path(p, i, j);
		for (size_t j = i + 1; j < d->n && d->it[j].t == it->t; j++)
			ng += same_path(p, i, j);
		double f0 = 0.5;
		if (ng > 1 && y2 > y1) {
			double slot = (h + 2) / (y2 - y1);
			f0 += ((double)g - (double)(ng - 1) / 2) * slot;
			f0 = f0 < 0.1 ? 0.1 : f0 > 0.9 ? 0.9 : f0;
		}
		bool placed = false;
		for (size_t k = 0; !placed && k < 4 * NFRACS + 2; k++) {
			double f = k < 2 ? f0 : fracs[(k - 2) % NFRACS];
			/* just above the line, else just below it; in a
			 * crowd, a line further off */
			static const double offs[] = {-0.5, 0.5, -1.5, 1.5};
			double off = k < 2 ? offs[k] * (h + 2)
				     : offs[(k - 2) / NFRACS] * (h + 2);
			double x = x1 + f * (x2 - x1);
			double y = y1 + f * (y2 - y1) + off;
			/* kept between the two lifelines if it fits there
			 * (a lost arrow's label may reach past its cross) */
			if (x - w / 2 < lo)
				x = lo + w / 2;
			if (x + w / 2 > hi)
				x = hi - w / 2 < lo + w / 2 ? (lo + hi) / 2
							    : hi - w / 2;
			struct box b = {.x0 = x - w / 2, .x1 = x + w / 2,
					.y0 = y - h / 2, .y1 = y + h / 2,
					.key = y1};
			if (hits(p, &b) || hits_fixed(p, &b))
				continue;
			if (push_box(&p->bx, &p->nbx, &p->bx_cap, &b) < 0)
				return -1;
			p->lx[i] = x;
			p->ly[i] = y;
			placed = true;
		}
		if (!placed)
			p->failed++;
	}
	return 0;
}

/* Lifelines: states on the side of each lifeline fewer arrows leave
 * from; lanes as wide as the widest label per lane an arrow crosses. */
static int place_hosts(struct plot *p)
{
	const struct diag *d = &p->d;
	const struct trace *tr = p->tr;
	int nh = tr->nhosts;
	char marks[256], text[128];
	p->hx = calloc((size_t)nh + 1, sizeof *p->hx);
	p->side = calloc((size_t)nh + 1, sizeof *p->side);
	int *lr = calloc(2 * (size_t)nh + 2, sizeof *lr);
	double *sw = calloc((size_t)nh + 1, sizeof *sw);
	if (!p->hx || !p->side || !lr || !sw) {
		free(lr);
		free(sw);
		return -1;
	}
	double lane = 200;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		if (it->kind == DIAG_SEG && it->host >= 0 && it->host < nh &&
		    it->peer >= 0 && it->peer < nh && it->peer != it->host) {
			bool right = it->peer > it->host;
			lr[2 * it->host + right]++;
			lr[2 * it->peer + !right]++;
			diag_marks_fmt(it, marks, sizeof marks);
			double need = text_w(it->label, marks) + 60;
			need /= abs(it->peer - it->host);
			if (need > lane)
				lane = need;
		}
		if ((it->kind == DIAG_STATE || it->kind == DIAG_HOST) &&
		    it->host >= 0 && it->host < nh) {
			if (it->kind == DIAG_STATE)
				diag_state_fmt(tr, it, text, sizeof text);
			else
				snprintf(text, sizeof text, "rebooted");
			double w = text_w(text, NULL) + 12;
			if (w > sw[it->host])
				sw[it->host] = w;
		}
	}
	for (int h = 0; h < nh; h++)
		p->side[h] = h == 0 ? -1 : h == nh - 1 ? 1
				    : lr[2 * h] < lr[2 * h + 1] ? -1 : 1;
	double left = nh > 0 && p->side[0] < 0 ? sw[0] + 12 : 60;
	if (left < 60)
		left = 60;
	for (int h = 0; h < nh; h++)
		p->hx[h] = left + h * lane;
	double right = nh > 0 && p->side[nh - 1] > 0 ? sw[nh - 1] + 12 : 60;
	if (right < 60)
		right = 60;
	p->pw = (nh > 0 ? p->hx[nh - 1] : left) + right;
	p->gx = nh > 1 ? (p->hx[0] + p->hx[nh - 1]) / 2 : p->pw / 2;
	free(lr);
	free(sw);
	return 0;
}

static int lay_out(struct plot *p)
{
	const struct diag *d = &p->d;
	size_t n = d->n ? d->n : 1;
	p->span = malloc(n * sizeof *p->span);
	p->lx = malloc(n * sizeof *p->lx);
	p->ly = malloc(n * sizeof *p->ly);
	p->sy = malloc(n * sizeof *p->sy);
	if (!p->span || !p->lx || !p->ly || !p->sy ||
	    diag_spans(d, p->tr->nhosts, p->span) < 0 || make_pieces(p) < 0 ||
	    place_hosts(p) < 0)
		return -1;
	/* start where the whole run is a few hundred pixels tall */
	sim_time_t total = 0;
	for (size_t k = 0; k < p->npc; k++)
		total += p->pc[k].b - p->pc[k].a;
	double s = total > 0 ? 400.0 / secs(total) : 1000.0;
	/* and a typical arrow slants by three lines of text at least */
	sim_time_t md = median_delay(p);
	if (md > 0 && s < 3 * LINE_H / secs(md))
		s = 3 * LINE_H / secs(md);
	/* Within PLOT_MAX_H: folds take at most half of it, the pieces
	 * the rest (a long run gets a small scale and loses labels, not
	 * its picture: cairo draws nothing over 32767 pixels). */
	p->fold_h = FOLD_H;
	if (p->npc > 1 && (double)(p->npc - 1) * FOLD_H > PLOT_MAX_H / 2)
		p->fold_h = PLOT_MAX_H / 2 / (double)(p->npc - 1);
	if (total > 0 && scale_pieces(p, s) > PLOT_MAX_H)
		s = (PLOT_MAX_H - (double)(p->npc - 1) * p->fold_h) / secs(total);
	double best = s;
	size_t fewest = SIZE_MAX;
	for (;;) {
		p->s = s;
		p->ph = scale_pieces(p, s);
		if (place_labels(p) < 0)
			return -1;
		if (p->failed < fewest) {
			fewest = p->failed;
			best = s;
		}
		if (!p->failed || scale_pieces(p, s * 1.4) > PLOT_MAX_H)
			break;
		s *= 1.4;
	}
	if (best != p->s) { /* the cap reached: the best scale seen */
		p->s = best;
		p->ph = scale_pieces(p, best);
		if (place_labels(p) < 0)
			return -1;
	}
	return 0;
}

/* ---- the gnuplot input ------------------------------------------------- */

static unsigned seg_rgb(unsigned marks)
{
	if (marks & DIAG_LOST)
		return RGB_LOST;
	if (marks & DIAG_INJECTED)
		return RGB_INJECTED;
	if (marks & DIAG_REXMIT)
		return RGB_REXMIT;
	if (marks & DIAG_DUP)
		return RGB_DUP;
	return RGB_PLAIN;
}

/* Ticks: in each piece, multiples of a 1-2-5 step at least 48 px apart,
 * and the piece's first instant. Written as a gnuplot tic list. */
static void put_ticks(FILE *f, const struct plot *p)
{
	static const int64_t steps[] = {1, 2, 5};
	bool first = true;
	fputs("ticks = '(", f);
	for (size_t k = 0; k < p->npc; k++) {
		const struct piece *c = &p->pc[k];
		char buf[64];
		sim_time_t step = 1;
		for (int64_t dec = 1; dec <= INT64_C(1000000000000); dec *= 10) {
			size_t j = 0;
			for (; j < 3; j++)
				if (secs(steps[j] * dec) * p->s >= 48)
					break;
			if (j < 3) {
				step = steps[j] * dec;
				break;
			}
		}
		int digits = 0;
		sim_time_t unit = SIM_S(1); /* of the last decimal shown */
		for (; unit > step && digits < 9; unit /= 10)
			digits++;
		/* the first instant, exactly (trailing zeros dropped) */
		diag_time_fmt(c->a, 9, buf, sizeof buf);
		char *e = buf + strlen(buf);
		while (e[-1] == '0')
			*--e = '\0';
		if (e[-1] == '.')
			e[-1] = '\0';
		fprintf(f, "%s\"%s\" %.1f", first ? "" : ", ", buf, c->y);
		first = false;
		sim_time_t t0 = (c->a / step + 1) * step;
		for (sim_time_t t = t0; t <= c->b; t += step) {
			double y = map_y(p, t);
			if (y - c->y < 30)
				continue;
			sim_time_t sec = t / SIM_S(1), frac = t % SIM_S(1);
			if (digits)
				fprintf(f, ", \"%lld.%0*lld\" %.1f", (long long)sec,
					digits, (long long)(frac / unit), y);
			else
				fprintf(f, ", \"%lld\" %.1f", (long long)sec, y);
		}
	}
	fputs(")'\n", f);
}

/* How many rows each plot clause will find: gnuplot (5.4) can crash
 * drawing boxed labels from a datablock none of whose rows a clause
 * selects, so ladder.gp leaves such clauses out. */
struct rows {
	size_t sent, lost, labels, left, right, marks, links;
};

/* The picture's size and margins, the title, the ticks. */
static void put_head(FILE *f, const struct plot *p)
{
	const struct trace *tr = p->tr;
	char text[256];
	/* the left margin holds the tick labels */
	char tb[64];
	diag_time_fmt(p->pc[p->npc - 1].b, 9, tb, sizeof tb);
	double lm = (double)strlen(tb) * CHAR_W + 3 * LINE_H;
	double w = lm + p->pw + MARGIN_R;
	double h = MARGIN_T + HEAD_H + p->ph + LINE_H + MARGIN_B;
	fprintf(f, "# tcpsim ladder plot: %s (seed %llu)\n",
		tr->scenario ? tr->scenario : "-", (unsigned long long)tr->seed);
	fprintf(f, "fmt = \"%s\"\n", p->fmt);
	fprintf(f, "W = %d; H = %d\n", (int)w + 1, (int)h + 1);
	fprintf(f, "LM = %.1f; RM = %.1f; TM = %.1f; BM = %.1f\n", lm,
		MARGIN_R, MARGIN_T, MARGIN_B);
	fprintf(f, "PW = %.1f; PH = %.1f; HEAD = %.1f\n", p->pw,
		p->ph + LINE_H, HEAD_H);
	fprintf(f, "NH = %d\n", tr->nhosts);
	fprintf(f, "GX = %.1f\n", p->gx);
	fputs("title = ", f);
	snprintf(text, sizeof text, "%s (seed %llu)",
		 tr->scenario ? tr->scenario : "-", (unsigned long long)tr->seed);
	gnuplot_str(f, text, GP_COMMAND);
	fputc('\n', f);
	fprintf(f, "omitted = %zu\n", p->failed);
	put_ticks(f, p);
}

/* The lifelines, the pieces of the time axis and the folds. */
static void put_axis(FILE *f, const struct plot *p)
{
	const struct trace *tr = p->tr;
	fputs("$hosts << EOD\n", f);
	for (int i = 0; i < tr->nhosts; i++) {
		fprintf(f, "%.1f ", p->hx[i]);
		gnuplot_str(f, trace_host_name(tr, i), GP_DATA);
		fputc('\n', f);
	}
	fputs("EOD\n$pieces << EOD\n", f);
	for (size_t k = 0; k < p->npc; k++) {
		const struct piece *c = &p->pc[k];
		fprintf(f, "%.1f %.1f\n", c->y,
			k + 1 < p->npc ? c->y + secs(c->b - c->a) * p->s
				       : p->ph + LINE_H);
	}
	fputs("EOD\n$gaps << EOD\n", f);
	for (size_t k = 1; k < p->npc; k++) {
		const struct piece *c = &p->pc[k - 1];
		char idle[64], text[96];
		seglabel_idle(p->pc[k].a - c->b, idle, sizeof idle);
		snprintf(text, sizeof text, "… %s idle …", idle);
		fprintf(f, "%.1f %.1f ", p->pc[k].y - p->fold_h, p->pc[k].y);
		gnuplot_str(f, text, GP_DATA);
		fputc('\n', f);
	}
	fputs("EOD\n", f);
}

/* Every segment's arrow, and the labels that found a place. Segments
 * sent together on one path share one line (same_path): gnuplot draws
 * the rows in order, so the plain arrows go first and a coloured one
 * (a retransmission in a burst after a timeout, say) is drawn over
 * them, keeping its colour. */
static void put_segments(FILE *f, const struct plot *p, struct rows *n)
{
	const struct diag *d = &p->d;
	char marks[256];
	fputs("$arrows << EOD\n", f);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < d->n; i++) {
			if (d->it[i].kind != DIAG_SEG)
				continue;
			unsigned rgb = seg_rgb(d->it[i].marks);
			if ((rgb == RGB_PLAIN) != (pass == 0))
				continue;
			double x1, y1, x2, y2;
			arrow_ends(p, i, &x1, &y1, &x2, &y2);
			bool lost = (d->it[i].marks & DIAG_LOST) ||
				    d->it[i].peer < 0;
			fprintf(f, "%.1f %.1f %.1f %.1f %u %d\n", x1, y1, x2,
				y2, rgb, lost);
			n->lost += lost;
			n->sent += !lost;
		}
	}
	fputs("EOD\n$labels << EOD\n", f);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		if (it->kind != DIAG_SEG || isnan(p->lx[i]))
			continue;
		diag_marks_fmt(it, marks, sizeof marks);
		double y = *marks ? p->ly[i] - LINE_H / 2 : p->ly[i];
		fprintf(f, "%.1f %.1f %u ", p->lx[i], y, seg_rgb(it->marks));
		gnuplot_str(f, it->label, GP_DATA);
		fputc('\n', f);
		n->labels++;
		if (*marks) {
			fprintf(f, "%.1f %.1f %u ", p->lx[i], y + LINE_H,
				seg_rgb(it->marks));
			gnuplot_str(f, marks, GP_DATA);
			fputc('\n', f);
		}
	}
	fputs("EOD\n", f);
}

/* A state's colour on its lifeline, or a crash's, or a reboot's. */
static unsigned side_rgb(const struct diag_item *it)
{
	return it->kind == DIAG_STATE	       ? RGB_STATE
	       : (it->marks & DIAG_CRASH) ? RGB_LOST
					  : RGB_REBOOT;
}

/* What is written on the lifelines: states, crashes, reboots, with a
 * mark each (a dot where a state changes, a cross where a host crashes,
 * a ring where it reboots), and link outages between two lifelines. */
static void put_lifelines(FILE *f, const struct plot *p, struct rows *n)
{
	const struct diag *d = &p->d;
	const struct trace *tr = p->tr;
	int nh = tr->nhosts;
	char text[256];
	fputs("$states << EOD\n", f);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		if (isnan(p->sy[i]))
			continue;
		side_text(p, it, text, sizeof text);
		fprintf(f, "%.1f %.1f %u %d ",
			p->hx[it->host] + p->side[it->host] * 8.0, p->sy[i],
			side_rgb(it), p->side[it->host]);
		gnuplot_str(f, text, GP_DATA);
		fputc('\n', f);
		n->left += p->side[it->host] < 0;
		n->right += p->side[it->host] > 0;
	}
	fputs("EOD\n$marks << EOD\n", f);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		if (isnan(p->sy[i]))
			continue;
		int pt = it->kind == DIAG_STATE ? 7
			 : (it->marks & DIAG_CRASH) ? 2
						    : 6;
		fprintf(f, "%.1f %.1f %u %d\n", p->hx[it->host],
			map_y(p, it->t), side_rgb(it), pt);
		n->marks++;
	}
	fputs("EOD\n$links << EOD\n", f);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		if (it->kind != DIAG_LINK || it->host < 0 || it->peer < 0 ||
		    it->host >= nh || it->peer >= nh)
			continue;
		bool down = it->marks & DIAG_DOWN;
		snprintf(text, sizeof text, "link %s→%s %s",
			 trace_host_name(tr, it->host),
			 trace_host_name(tr, it->peer), down ? "down" : "up");
		fprintf(f, "%.1f %.1f %u ",
			(p->hx[it->host] + p->hx[it->peer]) / 2,
			map_y(p, it->t), down ? RGB_LOST : RGB_REBOOT);
		gnuplot_str(f, text, GP_DATA);
		fputc('\n', f);
		n->links++;
	}
	fputs("EOD\n", f);
}

static int plot_write(FILE *f, void *ctx)
{
	struct plot *p = ctx;
	struct rows n = {0};
	put_head(f, p);
	put_axis(f, p);
	put_segments(f, p, &n);
	put_lifelines(f, p, &n);
	fputc('\n', f);
	fprintf(f, "N_GAPS = %zu\nN_SENT = %zu\nN_LOST = %zu\n"
		   "N_LABELS = %zu\nN_LEFT = %zu\nN_RIGHT = %zu\n"
		   "N_MARKS = %zu\nN_LINKS = %zu\n\n",
		p->npc ? p->npc - 1 : 0, n.sent, n.lost, n.labels, n.left,
		n.right, n.marks, n.links);
	fputs(plot_ladder_gp, f);
	return ferror(f) ? -1 : 0;
}

/* ---- the sink ---------------------------------------------------------- */

static void plot_emit(struct trace_sink *s, const struct trace *tr,
		      const struct trace_event *ev)
{
	diag_note(&((struct plot *)s)->d, tr, ev);
}

static void free_layout(struct plot *p)
{
	free(p->span);
	free(p->pc);
	free(p->hx);
	free(p->side);
	free(p->bx);
	free(p->fx);
	free(p->lx);
	free(p->ly);
	free(p->sy);
	p->span = NULL;
	p->pc = NULL;
	p->hx = NULL;
	p->side = NULL;
	p->bx = p->fx = NULL;
	p->lx = p->ly = p->sy = NULL;
	p->nbx = p->bx_cap = p->nfx = p->fx_cap = p->npc = 0;
}

/* Page k of the picture (pages.h): laid out, its script kept if asked
 * for, drawn. */
static int plot_page(struct plot *p, size_t k)
{
	int rc = -1;
	char *path = diag_page_path(p->path, k);
	char *script = p->o.script ? diag_page_path(p->o.script, k) : NULL;
	if (!path || (p->o.script && !script) || lay_out(p) < 0) {
		snprintf(p->err, sizeof p->err, "%s: out of memory", p->path);
		goto out;
	}
	if (script && (outfile_open(&p->script[k], script, p->err,
				    sizeof p->err) < 0 ||
		       plot_write(p->script[k].f, p) < 0)) {
		if (p->script[k].f)
			snprintf(p->err, sizeof p->err, "%s: cannot write",
				 script);
		goto out;
	}
	size_t len = strlen(p->warn);
	rc = gnuplot_render(path, &p->out[k], plot_write, p, p->err,
			    sizeof p->err, p->warn + len, sizeof p->warn - len);
	if (rc < 0 && script) {
		/* gnuplot failed: its input, which is whole, stays to see
		 * why */
		char e2[256];
		len = strlen(p->err);
		if (outfile_commit(&p->script[k], e2, sizeof e2) == 0)
			snprintf(p->err + len, sizeof p->err - len,
				 "\ngnuplot's input is kept in %s (gnuplot -c "
				 "%s %s)",
				 script, script, path);
	}
out:
	free_layout(p);
	free(path);
	free(script);
	return rc;
}

static int plot_finish(struct trace_sink *s, const struct trace *tr)
{
	struct plot *p = (struct plot *)s;
	p->tr = tr;
	int rc = -1;
	/* a run of many hosts on several pages (pages.h) */
	struct diag_pages pg;
	if (p->d.oom || diag_paginate(&p->d, tr, PAGE_HOSTS, &pg) < 0) {
		snprintf(p->err, sizeof p->err, "%s: out of memory", p->path);
		p->base.error = p->err;
		return -1;
	}
	p->out = calloc(pg.n, sizeof *p->out);
	p->script = calloc(pg.n, sizeof *p->script);
	if (!p->out || !p->script) {
		snprintf(p->err, sizeof p->err, "%s: out of memory", p->path);
		goto out;
	}
	p->nout = pg.n;
	struct diag whole = p->d;
	for (size_t k = 0; k < pg.n; k++) {
		struct trace view;
		diag_page_trace(&pg.p[k], tr, &view);
		p->d = pg.p[k].d;
		p->tr = &view;
		rc = plot_page(p, k);
		if (rc < 0)
			break;
	}
	p->d = whole;
	p->tr = tr;
	size_t len = strlen(p->warn);
	if (rc == 0 && pg.of_hosts && len + 2 < sizeof p->warn) {
		if (len)
			p->warn[len++] = '\n';
		diag_pages_note(&pg, p->path, p->warn + len,
				sizeof p->warn - len);
	}
	if (rc == 0 && *p->warn)
		p->base.warning = p->warn;
out:
	diag_pages_free(&pg);
	if (rc < 0)
		p->base.error = p->err;
	return rc;
}

static int plot_commit(struct trace_sink *s)
{
	struct plot *p = (struct plot *)s;
	if ((!p->o.script ||
	     diag_pages_commit(p->script, p->nout, p->err, sizeof p->err) ==
		     0) &&
	    diag_pages_commit(p->out, p->nout, p->err, sizeof p->err) == 0)
		return 0;
	p->base.error = p->err;
	return -1;
}

static void plot_destroy(struct trace_sink *s)
{
	struct plot *p = (struct plot *)s;
	diag_pages_abort(p->out, p->nout);
	diag_pages_abort(p->script, p->nout);
	diag_fini(&p->d);
	free_layout(p);
	free(p->path);
	free(p);
}

struct trace_sink *sink_ladder_plot_new(const char *path,
					const struct diagram_opts *o,
					char *err, size_t n)
{
	const char *fmt = diag_prepare(path, "gnuplot", "gnuplot-nox", "",
				       err, n);
	if (!fmt)
		return NULL;
	struct plot *p = calloc(1, sizeof *p);
	if (!p || !(p->path = strdup(path))) {
		free(p);
		snprintf(err, n, "%s: out of memory", path);
		return NULL;
	}
	p->base.emit = plot_emit;
	p->base.finish = plot_finish;
	p->base.commit = plot_commit;
	p->base.destroy = plot_destroy;
	p->base.mask = DIAG_TRACE_MASK;
	p->fmt = fmt;
	if (o)
		p->o = *o;
	diag_init(&p->d, p->o.relative);
	return &p->base;
}
