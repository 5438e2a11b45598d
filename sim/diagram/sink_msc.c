/* sink_msc.c — the run as a message sequence chart for mscgen.
 *
 * One entity per host, in scenario order (a host that does nothing keeps
 * its empty lifeline, so the chart's columns match the ladder's), after a
 * column of times. Each row of the chart is one moment of the trace:
 * a segment leaving (an arc), state changes and crashes (boxes on the
 * host's lifeline), or only arrivals. An arc is slanted with `arcskip` so
 * that it ends on the row where its segment arrives: it starts on the row
 * of its send and ends on the first row at its arrival time that draws
 * nothing on the receiver before it (an arrival shares the row of the
 * segment the receiver sends in reply: the arcs meet on the lifeline). A
 * lost segment is a lost arc (`-x`) ending where the network dropped it;
 * one dropped as it was sent slants by one row. Retransmissions, injected
 * and duplicated segments are coloured and say so on a second line. Long
 * idle spans become mscgen's "..." row, a link going down or up a "---"
 * divider. Empty rows ("|||") before an arc keep its label, which mscgen
 * centres on the arc, clear of the labels of arcs that left just before
 * it (pad_rows).
 *
 * sink_diagram_new() feeds that source to mscgen (sim/diagram/diagram.h).
 *
 * Known limits: mscgen spaces its entities evenly, so the time column is
 * as wide as a host's; arcs that overlap in time cross each other's
 * labels, as they do on paper.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/diagram/diagram.h"
#include "sim/diagram/pages.h"
#include "sim/engine/grow.h"
#include "sim/out/outfile.h"
#include "sim/diagram/seglabel.h"
#include "sim/diagram/timeaxis.h"
#include "sim/diagram/diagram_sinks.h"

enum row_kind { R_ARC, R_BOX, R_END, R_GAP, R_DIV };

struct mrow {
	sim_time_t t;
	sim_time_t gap;     /* R_GAP: the idle span */
	enum row_kind kind;
	int arc_from;       /* R_ARC: the sender */
};

struct layout {
	struct mrow *rows;
	size_t n, cap;
	size_t *row_of;     /* per item: its row */
	size_t *end_row;    /* per DIAG_SEG item: the row its arc ends on */
	sim_time_t *span;   /* per item: diag_spans() */
	size_t *pad;        /* per row: empty rows (|||) drawn before it */
	size_t *at;         /* per row: its place in the chart, padding
			       included */
};

/* end_row of a segment lost as it was sent: slanted like its peers */
#define END_GUESS (SIZE_MAX - 1)

struct msc {
	struct trace_sink base;
	FILE *f;            /* sink_msc_new: the source goes here */
	char *path;         /* sink_diagram_new: the picture */
	struct outfile *out; /* the rendered pages, until commit */
	size_t nout;
	const char *fmt;
	struct diagram_opts o;
	struct diag d;
	const struct trace *tr;
	char err[1024];
	char warn[1024];  /* what mscgen said while it succeeded */
	const char *page; /* "scenario, page K of N" on a paged run */
};

/* Invisible columns between two hosts: a box on a lifeline is one column
 * wide, so arc labels, centred between lifelines, clear the boxes. */
#define SPACERS 2

#define COLOUR_LOST "#d00000"
#define COLOUR_REXMIT "#c06000"
#define COLOUR_INJECTED "#a000a0"
#define COLOUR_DUP "#0050b0"
#define COLOUR_DIM "#606060"
#define COLOUR_REBOOT "#008000"

static int push_row(struct layout *L, sim_time_t t, enum row_kind kind,
		    const struct timeaxis_rule *fold)
{
	for (int k = 0; k < 2; k++) {
		if (grow(&L->rows, &L->cap, L->n + 1, sizeof *L->rows, 256) < 0)
			return -1;
		struct mrow *prev = L->n ? &L->rows[L->n - 1] : NULL;
		struct mrow *r = &L->rows[L->n++];
		memset(r, 0, sizeof *r);
		r->t = t;
		r->arc_from = -1;
		if (k == 0 && prev && timeaxis_folds(fold, prev->t, t)) {
			r->kind = R_GAP;
			r->gap = t - prev->t;
			continue;
		}
		r->kind = kind;
		break;
	}
	return 0;
}

/* Does row `row` (the last one) already draw a box on host h? Its items
 * are the latest ones before item i. */
static bool boxed(const struct diag *d, const struct layout *L, size_t i,
		  size_t row, int h)
{
	while (i-- > 0 && L->row_of[i] == row) {
		const struct diag_item *it = &d->it[i];
		if ((it->kind == DIAG_STATE || it->kind == DIAG_HOST) &&
		    it->host == h)
			return true;
	}
	return false;
}

/* Give every item a row (see the top of the file). */
static int lay_out(const struct diag *d, int nhosts, struct layout *L,
		   const struct timeaxis_rule *fold)
{
	L->row_of = malloc((d->n ? d->n : 1) * sizeof *L->row_of);
	L->end_row = malloc((d->n ? d->n : 1) * sizeof *L->end_row);
	L->span = malloc((d->n ? d->n : 1) * sizeof *L->span);
	if (!L->row_of || !L->end_row || !L->span ||
	    diag_spans(d, nhosts, L->span) < 0)
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		struct mrow *cur = L->n ? &L->rows[L->n - 1] : NULL;
		bool now = cur && cur->t == it->t;
		size_t last = L->n ? L->n - 1 : 0;
		L->end_row[i] = SIZE_MAX;
		switch (it->kind) {
		case DIAG_SEG:
			if (now && cur->kind == R_END) {
				cur->kind = R_ARC;
				cur->arc_from = it->host;
				break;
			}
			if (push_row(L, it->t, R_ARC, fold) < 0)
				return -1;
			L->rows[L->n - 1].arc_from = it->host;
			break;
		case DIAG_ARRIVE:
		case DIAG_DROP: {
			const struct diag_item *s = &d->it[it->seg];
			if (it->kind == DIAG_DROP && it->t == s->t) {
				/* lost as it was sent: slant by a row */
				L->row_of[i] = last;
				L->end_row[it->seg] = END_GUESS;
				continue;
			}
			int h = it->kind == DIAG_ARRIVE ? it->host
				: s->peer >= 0		 ? s->peer
							 : s->host;
			bool fits = now && (cur->kind == R_END ||
					    (cur->kind == R_ARC &&
					     cur->arc_from != h) ||
					    (cur->kind == R_BOX &&
					     !boxed(d, L, i, last, h)));
			if (!fits && push_row(L, it->t, R_END, fold) < 0)
				return -1;
			L->end_row[it->seg] = L->n - 1;
			break;
		}
		case DIAG_STATE:
		case DIAG_HOST:
			if (now && cur->kind == R_BOX &&
			    !boxed(d, L, i, last, it->host))
				break;
			if (push_row(L, it->t, R_BOX, fold) < 0)
				return -1;
			break;
		case DIAG_LINK:
			if (push_row(L, it->t, R_DIV, fold) < 0)
				return -1;
			break;
		case DIAG_TIMER:
		case DIAG_DISCARD:
		case DIAG_TCB:
			break; /* recorded only for the explained ladder */
		}
		L->row_of[i] = L->n - 1;
	}
	return 0;
}

/* The rows a lost arc from row r slants across: to the first row at or
 * after the time it would have arrived, if that row is not much later
 * (then it stays level: the chart would suggest a delay it never had). */
static size_t guess_skip(const struct layout *L, size_t r, sim_time_t t,
			 sim_time_t span)
{
	sim_time_t want = t + span;
	size_t lo = r + 1, hi = L->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (L->rows[mid].t < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (span <= 0 || lo >= L->n || L->rows[lo].kind == R_GAP ||
	    L->rows[lo].t - t > 2 * span)
		return 0;
	return lo - r;
}

/* Text inside an mscgen string: '"' escaped; a backslash, which mscgen
 * would print doubled if escaped and would let escape the closing quote
 * if not, as '/'; control characters as spaces. */
static void put_str(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\\')
			fputc('/', f);
		else
			fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
	}
}

static const char *seg_colour(unsigned marks)
{
	if (marks & DIAG_LOST)
		return COLOUR_LOST;
	if (marks & DIAG_INJECTED)
		return COLOUR_INJECTED;
	if (marks & DIAG_REXMIT)
		return COLOUR_REXMIT;
	if (marks & DIAG_DUP)
		return COLOUR_DUP;
	return NULL;
}

static void put_arc(FILE *f, const struct diag_item *it, size_t skip)
{
	char marks[256];
	diag_marks_fmt(it, marks, sizeof marks);
	int to = it->peer >= 0 ? it->peer : it->host;
	bool lost = (it->marks & DIAG_LOST) || it->peer < 0;
	fprintf(f, "h%d %s h%d [label=\"", it->host, lost ? "-x" : "=>", to);
	put_str(f, it->label);
	if (*marks) {
		fputs("\\n", f);
		put_str(f, marks);
	} else if (it->end < 0 && !lost) {
		fputs("\\nin flight when the run ended", f);
	}
	fputc('"', f);
	if (skip)
		fprintf(f, ", arcskip=\"%zu\"", skip);
	const char *c = seg_colour(it->marks);
	if (c)
		fprintf(f, ", linecolour=\"%s\", textcolour=\"%s\"", c, c);
	fputc(']', f);
}

static void put_box(FILE *f, const struct trace *tr,
		    const struct diag_item *it)
{
	char text[96];
	if (it->kind == DIAG_STATE) {
		diag_state_fmt(tr, it, text, sizeof text);
		fprintf(f, "h%d abox h%d [label=\"", it->host, it->host);
		put_str(f, text);
		fputs("\"]", f);
		return;
	}
	bool crash = it->marks & DIAG_CRASH;
	const char *c = crash ? COLOUR_LOST : COLOUR_REBOOT;
	fprintf(f,
		"h%d rbox h%d [label=\"%s\", linecolour=\"%s\", "
		"textcolour=\"%s\"]",
		it->host, it->host, crash ? "crashed" : "rebooted", c, c);
}

/* mscgen's hscale, so that labels fit (mscgen draws 12 px text, about 7
 * px a character, and makes every column 600 * hscale / columns wide).
 * A box is one column wide: boxes must hold a state, and an arc's label,
 * centred between two lifelines, must stay clear of the boxes on them. */
static double hscale(const struct diag *d, const struct trace *tr, int nh)
{
	size_t need = 24; /* pixels a column, at least */
	char text[256];
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		size_t w = 0, len;
		if (it->kind == DIAG_SEG) {
			int span = it->peer >= 0 ? abs(it->peer - it->host) : 0;
			if (span < 1)
				span = 1;
			diag_marks_fmt(it, text, sizeof text);
			len = seglabel_chars(it->label);
			if (seglabel_chars(text) > len)
				len = seglabel_chars(text);
			/* lifelines (SPACERS + 1) * span columns apart, less
			 * half a box at each end */
			size_t cols = (size_t)(SPACERS + 1) * (size_t)span - 1;
			w = (len * 7 + 24 + cols - 1) / cols;
		} else if (it->kind == DIAG_STATE) {
			diag_state_fmt(tr, it, text, sizeof text);
			w = seglabel_chars(text) * 7 + 40;
		}
		if (w > need)
			need = w;
	}
	int cols = 1 + nh + SPACERS * (nh > 0 ? nh - 1 : 0);
	double h = (double)cols * (double)need / 600.0;
	return h < 1.0 ? 1.0 : h;
}

/* The rows (in layout rows) an arc from row r slants across. */
static size_t arc_skip(const struct layout *L, size_t i, size_t r,
		       sim_time_t t)
{
	size_t end = L->end_row[i];
	if (end == END_GUESS)
		return guess_skip(L, r, t, L->span[i]);
	return end != SIZE_MAX && end > r ? end - r : 0;
}

/* Lines of an arc's label (put_arc): the segment, and its marks. */
static int label_lines(const struct diag_item *it)
{
	char marks[256];
	diag_marks_fmt(it, marks, sizeof marks);
	bool lost = (it->marks & DIAG_LOST) || it->peer < 0;
	return *marks || (it->end < 0 && !lost) ? 2 : 1;
}

/* An arc's label as mscgen places it: centred between its lifelines,
 * at the middle of the arc, here in rows (of the padded chart). */
struct placed {
	double mid;        /* in rows, as placed (before later padding) */
	size_t end;        /* its end row, in layout rows */
	int lines;
	int lo, hi;        /* lifelines, left and right */
};

#define RECENT 64      /* labels compared with each new one */

/* Are two labels side by side (their arcs span common lifelines)? */
static bool beside(const struct placed *a, const struct placed *b)
{
	if (a->lo == a->hi || b->lo == b->hi)
		return a->lo <= b->hi && b->lo <= a->hi;
	return a->lo < b->hi && b->lo < a->hi;
}

/* mscgen draws every row ROW_PX pixels tall and a label's line
 * LINE_PX: two labels of arcs that overlap side by side must have
 * their middles (lines_a + lines_b) * LINE_PX / 2 apart, plus a gap. */
#define ROW_PX 28.0
#define LINE_PX 11.0
#define GAP_PX 6.0

/* Segments that leave together (a burst, or both ends at once) start on
 * rows that follow each other and, arriving together too, end on one
 * row: their labels, at the arcs' middles, come half a row apart, and
 * two-line labels overlap. Give each arc's row enough empty rows (|||)
 * before it that its label clears those of the recent arcs beside it:
 * an empty row moves this label down a whole row from the arcs that
 * ended before it, half a row from those still in flight (whose ends
 * move down with it). */
static int pad_rows(const struct diag *d, struct layout *L)
{
	L->pad = calloc(L->n ? L->n : 1, sizeof *L->pad);
	L->at = malloc((L->n ? L->n : 1) * sizeof *L->at);
	if (!L->pad || !L->at)
		return -1;
	struct placed recent[RECENT];
	size_t nrec = 0, cum = 0, done = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		if (it->kind != DIAG_SEG)
			continue;
		size_t r = L->row_of[i];
		for (; done < r; done++) /* rows above r are final */
			cum += L->pad[done];
		size_t end = r + arc_skip(L, i, r, it->t);
		int to = it->peer >= 0 ? it->peer : it->host;
		struct placed me = {
			.end = end,
			.lines = label_lines(it),
			.lo = it->host < to ? it->host : to,
			.hi = it->host < to ? to : it->host,
		};
		/* rows r and end, in padded rows, before any padding at r */
		double base = (double)(r + cum + end + cum) / 2;
		size_t need = 0;
		/* until no recent label beside it is too near: each step
		 * moves it below the one it meets (a label above it too,
		 * as padding moves this one down faster) */
		for (int round = 0; round < 16; round++) {
			size_t more = 0;
			for (size_t k = 0; k < nrec && k < RECENT; k++) {
				const struct placed *o = &recent[k];
				if (!beside(&me, o))
					continue;
				double per = o->end >= r ? 0.5 : 1.0;
				double want = ((me.lines + o->lines) * LINE_PX / 2 +
					       GAP_PX) / ROW_PX;
				double gap = base + (double)need -
					     (o->mid + (double)need * (1 - per));
				if (gap >= want || gap <= -want)
					continue;
				size_t p = (size_t)((want - gap) / per + 0.999);
				if (p > more)
					more = p;
			}
			if (!more)
				break;
			need += more;
		}
		L->pad[r] += need; /* cum takes it in at the next row */
		/* those still in flight move down by half the padding */
		for (size_t k = 0; k < nrec && k < RECENT; k++)
			if (recent[k].end >= r)
				recent[k].mid += (double)need / 2;
		me.mid = base + (double)need;
		recent[nrec++ % RECENT] = me;
	}
	for (size_t r = 0, c = 0; r < L->n; r++)
		L->at[r] = r + (c += L->pad[r]);
	return 0;
}

static int msc_write(FILE *f, void *ctx)
{
	struct msc *m = ctx;
	const struct diag *d = &m->d;
	const struct trace *tr = m->tr;
	struct layout L = {0};
	int ret = -1;
	struct timeaxis_rule fold = timeaxis_rule(TA_CHART, m->o.fold, 0);
	if (d->oom || lay_out(d, tr->nhosts, &L, &fold) < 0 ||
	    pad_rows(d, &L) < 0)
		goto out;

	int nh = tr->nhosts;
	int digits = diag_time_digits(d);
	fprintf(f, "# tcpsim: %s (seed %llu) — render with: mscgen -T svg "
		   "-i FILE\n",
		tr->scenario ? tr->scenario : "-", (unsigned long long)tr->seed);
	fprintf(f, "msc {\n  hscale = \"%.2f\", arcgradient = \"0\";\n",
		hscale(d, tr, nh));
	fprintf(f, "  t [label=\"time (s)\", linecolour=\"white\", "
		   "textcolour=\"" COLOUR_DIM "\"]");
	for (int h = 0; h < nh; h++) {
		for (int k = 0; h > 0 && k < SPACERS; k++)
			fprintf(f, ",\n  s%d_%d [label=\"\", "
				   "linecolour=\"white\"]", h, k);
		fprintf(f, ",\n  h%d [label=\"", h);
		put_str(f, trace_host_name(tr, h));
		fputs("\"]", f);
	}
	fputs(";\n", f);
	if (m->page && *m->page) {
		fputs("  --- [label=\"", f);
		put_str(f, m->page);
		fputs("\", textcolour=\"" COLOUR_DIM "\"];\n", f);
	}

	sim_time_t shown = -1;
	size_t i = 0;
	for (size_t r = 0; r < L.n; r++) {
		const struct mrow *row = &L.rows[r];
		char buf[96];
		if (row->kind == R_GAP) {
			seglabel_idle(row->gap, buf, sizeof buf);
			fprintf(f, "  ... [label=\"… %s idle …\", textcolour="
				   "\"" COLOUR_DIM "\"];\n", buf);
			continue;
		}
		for (size_t k = 0; k < L.pad[r]; k++)
			fputs("  |||;\n", f);
		int cells = 0;
		fputs("  ", f);
		if (row->kind != R_DIV && row->t != shown) {
			diag_time_fmt(row->t, digits, buf, sizeof buf);
			fprintf(f, "t box t [label=\"%s\", linecolour=\"white\", "
				   "textcolour=\"" COLOUR_DIM "\"]",
				buf);
			shown = row->t;
			cells++;
		}
		for (; i < d->n && L.row_of[i] == r; i++) {
			const struct diag_item *it = &d->it[i];
			if (it->kind == DIAG_ARRIVE || it->kind == DIAG_DROP)
				continue;
			if (row->kind == R_DIV) {
				bool down = it->marks & DIAG_DOWN;
				fputs("--- [label=\"link ", f);
				put_str(f, trace_host_name(tr, it->host));
				fputs(" → ", f);
				put_str(f, trace_host_name(tr, it->peer));
				diag_time_fmt(it->t, digits, buf, sizeof buf);
				fprintf(f, " %s at %s\", textcolour=\"%s\", "
					   "linecolour=\"%s\"]",
					down ? "down" : "up", buf,
					down ? COLOUR_LOST : COLOUR_REBOOT,
					down ? COLOUR_LOST : COLOUR_REBOOT);
				cells++;
				break; /* a divider is a row of its own */
			}
			if (cells++)
				fputs(",\n  ", f);
			if (it->kind == DIAG_SEG) {
				size_t skip = arc_skip(&L, i, r, it->t);
				put_arc(f, it, L.at[r + skip] - L.at[r]);
			} else {
				put_box(f, tr, it);
			}
		}
		for (; i < d->n && L.row_of[i] == r; i++)
			; /* a divider's row has one item */
		if (!cells)
			fputs("|||", f);
		fputs(";\n", f);
	}
	fputs("}\n", f);
	ret = ferror(f) ? -1 : 0;
out:
	free(L.rows);
	free(L.row_of);
	free(L.end_row);
	free(L.span);
	free(L.pad);
	free(L.at);
	return ret;
}

static void msc_emit(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev)
{
	diag_note(&((struct msc *)s)->d, tr, ev);
}

static int msc_finish(struct trace_sink *s, const struct trace *tr)
{
	struct msc *m = (struct msc *)s;
	m->tr = tr;
	if (m->f) {
		if (msc_write(m->f, m) < 0)
			return -1;
		return fflush(m->f) == 0 && !ferror(m->f) ? 0 : -1;
	}
	const char *argv[] = {"mscgen", "-T", m->fmt, "-o", "{out}",
			      "-i", "{in}", NULL};
	if (m->d.oom) {
		snprintf(m->err, sizeof m->err, "%s: out of memory", m->path);
		m->base.error = m->err;
		return -1;
	}
	/* a run of many hosts on several pages (pages.h) */
	struct diag_pages pg;
	if (diag_paginate(&m->d, tr, PAGE_HOSTS, &pg) < 0 ||
	    !(m->out = calloc(pg.n, sizeof *m->out))) {
		diag_pages_free(&pg);
		snprintf(m->err, sizeof m->err, "%s: out of memory", m->path);
		m->base.error = m->err;
		return -1;
	}
	m->nout = pg.n;
	struct diag whole = m->d;
	int rc = 0;
	size_t len = 0;
	for (size_t k = 0; k < pg.n && rc == 0; k++) {
		struct trace view;
		diag_page_trace(&pg.p[k], tr, &view);
		m->d = pg.p[k].d;
		m->tr = &view;
		m->page = pg.p[k].title;
		char *path = diag_page_path(m->path, k);
		rc = path ? diag_render(path, &m->out[k], msc_write, m, argv,
					m->err, sizeof m->err)
			  : -1;
		if (!path)
			snprintf(m->err, sizeof m->err, "out of memory");
		free(path);
		if (rc == 0 && *m->err && len < sizeof m->warn) {
			diag_warning_fmt("mscgen", m->err, m->warn + len,
					 sizeof m->warn - len);
			len = strlen(m->warn);
		}
	}
	m->d = whole;
	m->tr = tr;
	m->page = NULL;
	if (rc == 0 && pg.of_hosts && len + 2 < sizeof m->warn) {
		if (len)
			m->warn[len++] = '\n';
		diag_pages_note(&pg, m->path, m->warn + len,
				sizeof m->warn - len);
	}
	diag_pages_free(&pg);
	if (rc < 0) {
		m->base.error = m->err;
		return -1;
	}
	if (*m->warn)
		m->base.warning = m->warn;
	return 0;
}

static int msc_commit(struct trace_sink *s)
{
	struct msc *m = (struct msc *)s;
	if (!m->path ||
	    diag_pages_commit(m->out, m->nout, m->err, sizeof m->err) == 0)
		return 0;
	m->base.error = m->err;
	return -1;
}

static void msc_destroy(struct trace_sink *s)
{
	struct msc *m = (struct msc *)s;
	diag_pages_abort(m->out, m->nout);
	diag_fini(&m->d);
	free(m->path);
	free(m);
}

static struct msc *msc_alloc(const struct diagram_opts *o)
{
	struct msc *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->base.emit = msc_emit;
	m->base.finish = msc_finish;
	m->base.commit = msc_commit;
	m->base.destroy = msc_destroy;
	m->base.mask = DIAG_TRACE_MASK;
	if (o)
		m->o = *o;
	diag_init(&m->d, m->o.relative);
	return m;
}

struct trace_sink *sink_msc_new(FILE *f, const struct diagram_opts *o)
{
	struct msc *m = msc_alloc(o);
	if (!m)
		return NULL;
	m->f = f;
	return &m->base;
}

struct trace_sink *sink_diagram_new(const char *path,
				    const struct diagram_opts *o, char *err,
				    size_t n)
{
	const char *fmt = diag_prepare_as(path, "svg png", "mscgen", "mscgen",
				       ", or write the chart's source with "
				       "--msc FILE",
				       err, n);
	if (!fmt)
		return NULL;
	struct msc *m = msc_alloc(o);
	if (m)
		m->path = strdup(path);
	if (!m || !m->path) {
		if (m)
			msc_destroy(&m->base);
		snprintf(err, n, "%s: out of memory", path);
		return NULL;
	}
	m->fmt = fmt;
	return &m->base;
}
