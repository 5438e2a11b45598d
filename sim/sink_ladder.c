/* sink_ladder.c — the sequence diagram ("ladder") for a terminal.
 *
 * One column per host, time running down. Each segment is an arrow drawn
 * on the row of its sending time, from the sender's lifeline toward the
 * receiver's, labelled with its flags and sequence fields; a segment the
 * network loses ends in a cross halfway. A host's state is written in its
 * column on the row where it changes. Rows are kept until the run ends, so
 * that a drop decided after the send still marks the right arrow and the
 * columns can be sized to fit their labels. Long quiet spans are marked
 * with a fold line.
 *
 * Rows merge only "state, then the segment that state sent" at the same
 * time on the same host; anything else starts a new row, so the diagram
 * keeps the trace's order.
 *
 * The space between two lifelines is as wide as the arrows drawn across
 * it need, so three or thirty hosts take no more room than their labels.
 * Sequence numbers are absolute, or relative to each side's initial one
 * (sim/seqrel.h). Colour, when asked for, marks losses red,
 * retransmissions yellow, injected segments magenta and states bold.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment.h"
#include "seglabel.h"
#include "seqrel.h"
#include "sinks.h"
#include "tcp.h"

#define LABEL_MAX 80

/* What a row says on the right, beside the diagram. */
enum {
	NOTE_REXMIT = 1 << 0,   /* a retransmission */
	NOTE_LOST = 1 << 1,     /* lost: `why`, or by `rule` */
	NOTE_DUP = 1 << 2,      /* a duplicate the network made */
	NOTE_DELAY = 1 << 3,    /* held back `delay` more */
	NOTE_CORRUPT = 1 << 4,  /* arrives with a bad checksum */
	NOTE_HELD = 1 << 5,     /* held back until the next one went */
	NOTE_INJECTED = 1 << 6, /* crafted by the scenario */
	NOTE_RESTART = 1 << 7,  /* re-ACK in TIME-WAIT: 2*MSL restarted */
	NOTE_TEXT = 1 << 8,     /* `why` as it is */
};

struct lrow {
	sim_time_t t;
	int state_host;          /* -1: none */
	int state;               /* a TCP state, or -1 with `label` */
	const char *label;
	int from, to;            /* arrow; from == -1: none */
	bool lost;
	uint64_t pkt;
	char seg[LABEL_MAX];
	unsigned notes;
	const char *why, *rule, *delay_rule;
	sim_time_t delay;
};

struct ladder {
	struct trace_sink base;
	FILE *f;
	struct ladder_opts o;
	struct lrow *rows;
	size_t n, cap;
	size_t *arrows;          /* indexes of arrow rows, in pkt order */
	size_t narrows, arrows_cap;
	int *last_state;         /* per host: the latest state shown */
	sim_time_t *tw_since;    /* per host: when it entered TIME-WAIT */
	int nhosts;
	unsigned pending_note;   /* for the host's next arrow this instant */
	int pending_host;
	sim_time_t pending_t;
	struct seqrel rel;       /* for relative sequence numbers */
	bool oom;
};

static struct lrow *new_row(struct ladder *l, sim_time_t t)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct lrow *r = realloc(l->rows, cap * sizeof *r);
		if (!r) {
			l->oom = true;
			return NULL;
		}
		l->rows = r;
		l->cap = cap;
	}
	struct lrow *r = &l->rows[l->n++];
	memset(r, 0, sizeof *r);
	r->t = t;
	r->state_host = -1;
	r->state = -1;
	r->from = r->to = -1;
	return r;
}

static struct lrow *last_row(struct ladder *l)
{
	return l->n ? &l->rows[l->n - 1] : NULL;
}

static void add_arrow_index(struct ladder *l, size_t row)
{
	if (l->narrows == l->arrows_cap) {
		size_t cap = l->arrows_cap ? 2 * l->arrows_cap : 256;
		size_t *a = realloc(l->arrows, cap * sizeof *a);
		if (!a) {
			l->oom = true;
			return;
		}
		l->arrows = a;
		l->arrows_cap = cap;
	}
	l->arrows[l->narrows++] = row;
}

static struct lrow *find_arrow(struct ladder *l, uint64_t pkt)
{
	size_t lo = 0, hi = l->narrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->rows[l->arrows[mid]].pkt < pkt)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->narrows && l->rows[l->arrows[lo]].pkt == pkt)
		return &l->rows[l->arrows[lo]];
	return NULL;
}

static bool host_ok(struct ladder *l, const struct trace *tr, int h)
{
	if (!l->last_state && tr->nhosts > 0) {
		l->nhosts = tr->nhosts;
		l->last_state = calloc((size_t)tr->nhosts, sizeof *l->last_state);
		l->tw_since = calloc((size_t)tr->nhosts, sizeof *l->tw_since);
		if (!l->last_state || !l->tw_since)
			l->oom = true;
	}
	return h >= 0 && h < l->nhosts && l->last_state;
}

static struct lrow *arrow_row(struct ladder *l, const struct trace_event *ev)
{
	struct lrow *r = last_row(l);
	if (!r || r->t != ev->t || r->from >= 0 || r->state_host != ev->host)
		r = new_row(l, ev->t);
	if (!r)
		return NULL;
	r->from = ev->host;
	r->to = ev->peer;
	r->pkt = ev->pkt;
	if (l->o.relative && seqrel_note(&l->rel, ev->seg) < 0)
		l->oom = true;
	seglabel_fmt(r->seg, sizeof r->seg, ev->seg,
		  l->o.relative ? &l->rel : NULL);
	add_arrow_index(l, (size_t)(r - l->rows));
	return r;
}

static void ladder_emit(struct trace_sink *s, const struct trace *tr,
			const struct trace_event *ev)
{
	struct ladder *l = (struct ladder *)s;
	struct lrow *r;
	switch (ev->kind) {
	case TR_STATE:
		/* A listening socket's clone entering SYN-RECEIVED, or a
		 * state written twice on one row, starts a new row. */
		r = new_row(l, ev->t);
		if (!r)
			return;
		r->state_host = ev->host;
		r->state = ev->b;
		if (ev->a == TCP_TIME_WAIT && ev->b == TCP_CLOSED) {
			r->notes |= NOTE_TEXT;
			r->why = "2·MSL expired";
		}
		if (host_ok(l, tr, ev->host)) {
			l->last_state[ev->host] = ev->b;
			if (ev->b == TCP_TIME_WAIT)
				l->tw_since[ev->host] = ev->t;
		}
		break;
	case TR_TIMER:
		/* The 2*MSL timer set again after TIME-WAIT began: a
		 * retransmitted FIN was re-acknowledged. */
		if (ev->a == TR_TIMER_SET && host_ok(l, tr, ev->host) &&
		    strcmp(ev->name, "time-wait") == 0 &&
		    l->last_state[ev->host] == TCP_TIME_WAIT &&
		    ev->t > l->tw_since[ev->host]) {
			l->pending_note = NOTE_RESTART;
			l->pending_host = ev->host;
			l->pending_t = ev->t;
		}
		break;
	case TR_SEND:
		r = arrow_row(l, ev);
		if (!r)
			return;
		if (ev->b == TR_SEND_REXMIT)
			r->notes |= NOTE_REXMIT;
		if (ev->b == TR_SEND_INJECTED)
			r->notes |= NOTE_INJECTED;
		if (l->pending_note && l->pending_host == ev->host &&
		    l->pending_t == ev->t)
			r->notes |= l->pending_note;
		l->pending_note = 0;
		break;
	case TR_DROP:
		r = find_arrow(l, ev->pkt);
		if (r) {
			r->lost = true;
			r->notes |= NOTE_LOST;
			r->why = ev->why;
			r->rule = ev->text;
		}
		break;
	case TR_LINK:
		if (!ev->seg) { /* a direction goes down or comes up */
			r = new_row(l, ev->t);
			if (!r)
				return;
			r->notes |= NOTE_TEXT;
			r->why = strcmp(ev->name, "down") == 0 ? "link down"
							       : "link up";
			r->state_host = ev->host;
			r->label = strcmp(ev->name, "down") == 0 ? "(link down)"
								 : "(link up)";
			break;
		}
		r = find_arrow(l, ev->pkt);
		if (!r)
			break;
		if (strcmp(ev->name, "duplicate") == 0) {
			struct trace_event copy = *ev;
			copy.pkt = (uint64_t)ev->v[0];
			size_t orig = (size_t)(r - l->rows);
			struct lrow *d = arrow_row(l, &copy);
			if (!d)
				return;
			r = &l->rows[orig];
			d->to = r->to;
			d->from = r->from;
			d->notes |= NOTE_DUP;
			d->rule = ev->text;
		} else if (strcmp(ev->name, "delay") == 0) {
			r->notes |= NOTE_DELAY;
			r->delay += ev->v[0];
			r->delay_rule = ev->text;
		} else if (strcmp(ev->name, "corrupt") == 0) {
			r->notes |= NOTE_CORRUPT;
		} else if (strcmp(ev->name, "hold") == 0) {
			r->notes |= NOTE_HELD;
		}
		break;
	case TR_HOST:
		r = new_row(l, ev->t);
		if (!r)
			return;
		r->state_host = ev->host;
		r->label = strcmp(ev->name, "crash") == 0 ? "(crashed)"
							  : "(rebooted)";
		break;
	default:
		break;
	}
}

/* The row's notes as one line of text. */
static void format_notes(const struct lrow *r, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
#define ADD(...)                                                            \
	do {                                                                \
		if (len < n) {                                              \
			int w_ = snprintf(buf + len, n - len, "%s",        \
					  len ? ", " : "");                 \
			len += w_ > 0 ? (size_t)w_ : 0;                     \
		}                                                           \
		if (len < n) {                                              \
			int w_ = snprintf(buf + len, n - len, __VA_ARGS__); \
			len += w_ > 0 ? (size_t)w_ : 0;                     \
		}                                                           \
	} while (0)
	if (r->notes & NOTE_INJECTED)
		ADD("injected");
	if (r->notes & NOTE_REXMIT)
		ADD("retransmission");
	if (r->notes & NOTE_DUP)
		ADD(r->rule ? "duplicate (rule %s)" : "duplicate%s",
		    r->rule ? r->rule : "");
	if (r->notes & NOTE_DELAY) {
		char tb[32];
		sim_time_fmt_short(r->delay, tb, sizeof tb);
		ADD(r->delay_rule ? "delayed %s more (rule %s)"
				  : "delayed %s more%s",
		    tb, r->delay_rule ? r->delay_rule : "");
	}
	if (r->notes & NOTE_CORRUPT)
		ADD("corrupted");
	if (r->notes & NOTE_HELD)
		ADD("held back");
	if (r->notes & NOTE_RESTART)
		ADD("2·MSL restarted");
	if (r->notes & NOTE_LOST) {
		if (r->rule)
			ADD("lost: rule %s", r->rule);
		else
			ADD("lost: %s", r->why);
	}
	if (r->notes & NOTE_TEXT)
		ADD("%s", r->why);
#undef ADD
}

/* ---- drawing --------------------------------------------------------- */

/* What a cell is drawn as, when colour is on. */
enum attr { A_NONE, A_STATE, A_LOST, A_REXMIT, A_INJECTED, A_DIM };

static const char *const attr_sgr[] = {
	[A_NONE] = "\033[0m",      [A_STATE] = "\033[1m",
	[A_LOST] = "\033[31m",     [A_REXMIT] = "\033[33m",
	[A_INJECTED] = "\033[35m", [A_DIM] = "\033[2m",
};

struct canvas {
	uint32_t *c;
	uint8_t *a;     /* enum attr per cell */
	size_t w;
	bool ascii, color;
};

/* In ASCII mode, the few non-ASCII glyphs of notes get stand-ins. */
static uint32_t ascii_of(uint32_t cp)
{
	switch (cp) {
	case 0x00b7: /* middle dot, as in 2·MSL */
		return '*';
	case 0x2014: /* em dash */
	case 0x2013:
		return '-';
	default:
		return cp < 0x80 ? cp : '?';
	}
}

static void cv_clear(struct canvas *cv)
{
	for (size_t i = 0; i < cv->w; i++) {
		cv->c[i] = ' ';
		cv->a[i] = A_NONE;
	}
}

static void cv_text(struct canvas *cv, size_t x, const char *s, enum attr a)
{
	/* ASCII and UTF-8 text, one code point per cell. */
	const unsigned char *p = (const unsigned char *)s;
	while (*p && x < cv->w) {
		uint32_t cp = *p++;
		if (cp >= 0xc0) {
			int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : 1;
			cp &= 0x3fu >> more;
			while (more-- && (*p & 0xc0) == 0x80)
				cp = (cp << 6) | (*p++ & 0x3fu);
		}
		cv->a[x] = (uint8_t)a;
		cv->c[x++] = cv->ascii ? ascii_of(cp) : cp;
	}
}

static void put_utf8(FILE *f, uint32_t cp)
{
	if (cp < 0x80) {
		fputc((int)cp, f);
	} else if (cp < 0x800) {
		fputc((int)(0xc0 | (cp >> 6)), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	} else {
		fputc((int)(0xe0 | (cp >> 12)), f);
		fputc((int)(0x80 | ((cp >> 6) & 0x3f)), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	}
}

static void cv_print(struct canvas *cv, FILE *f)
{
	size_t end = cv->w;
	while (end > 0 && cv->c[end - 1] == ' ')
		end--;
	uint8_t cur = A_NONE;
	for (size_t i = 0; i < end; i++) {
		if (cv->color && cv->a[i] != cur) {
			if (cur != A_NONE)
				fputs(attr_sgr[A_NONE], f);
			if (cv->a[i] != A_NONE)
				fputs(attr_sgr[cv->a[i]], f);
			cur = cv->a[i];
		}
		put_utf8(f, cv->c[i]);
	}
	if (cur != A_NONE)
		fputs(attr_sgr[A_NONE], f);
	fputc('\n', f);
}

struct geom {
	size_t time_w, sw;
	size_t *x;      /* per host: where its column starts */
	bool ascii;
	int ns_digits; /* 6 or 9 decimals */
};

static size_t col_x(const struct geom *g, int host)
{
	return g->x[host];
}

static void draw_time(struct canvas *cv, const struct geom *g, sim_time_t t)
{
	char tb[40];
	uint64_t s = (uint64_t)t / 1000000000u, ns = (uint64_t)t % 1000000000u;
	if (g->ns_digits == 6)
		snprintf(tb, sizeof tb, "%*" PRIu64 ".%06" PRIu64,
			 (int)g->time_w - 7, s, ns / 1000);
	else
		snprintf(tb, sizeof tb, "%*" PRIu64 ".%09" PRIu64,
			 (int)g->time_w - 10, s, ns);
	cv_text(cv, 0, tb, A_NONE);
}

/* An arrow row's endpoints as columns: lo < hi. */
static void arrow_cols(const struct lrow *r, int *lo, int *hi)
{
	bool rightward = r->to < 0 || r->to > r->from;
	*lo = rightward ? r->from : r->to;
	*hi = rightward ? r->to : r->from;
	if (*hi < 0)
		*hi = *lo + 1; /* no receiver: point at the next column */
}

/* An arrow between two lifelines, with its label near the tail. A lost
 * segment's arrow stops in a cross past its label, well short of the
 * receiver, so a loss reads as a loss even with a long label. */
static void draw_arrow(struct canvas *cv, const struct geom *g,
		       const struct lrow *r)
{
	uint32_t line = g->ascii ? '-' : 0x2500;
	uint32_t right = g->ascii ? '>' : 0x25b6;
	uint32_t left = g->ascii ? '<' : 0x25c0;
	uint32_t cross = g->ascii ? 'x' : 0x2715;
	enum attr a = r->lost ? A_LOST
		      : (r->notes & NOTE_INJECTED) ? A_INJECTED
		      : (r->notes & NOTE_REXMIT)   ? A_REXMIT
						   : A_NONE;
	bool rightward = r->to < 0 || r->to > r->from;
	int lo, hi;
	arrow_cols(r, &lo, &hi);
	size_t s = col_x(g, lo) + g->sw;
	size_t e = col_x(g, hi) - 1; /* exclusive */
	if (e <= s + 8)
		return;
	size_t len = seglabel_chars(r->seg);
	size_t span = e - s;
	bool fits = len + 6 <= span;
	size_t lx = rightward ? s + 2 : e - 2 - len;
	size_t from = s, to = e;
	if (!r->lost) {
		cv->c[rightward ? e - 1 : s] = rightward ? right : left;
	} else if (rightward) {
		size_t x = s + span / 2;
		if (fits && x < lx + len + 2)
			x = lx + len + 2;
		if (x > e - 3)
			x = e - 3;
		to = x + 1;
		cv->c[x] = cross;
	} else {
		size_t x = e - 1 - span / 2;
		if (fits && x + 3 > lx)
			x = lx >= s + 3 ? lx - 3 : s + 2;
		from = x;
		cv->c[x] = cross;
	}
	for (size_t k = from; k < to; k++) {
		if (cv->c[k] == ' ')
			cv->c[k] = line;
		cv->a[k] = (uint8_t)a;
	}
	if (fits)
		cv_text(cv, lx, r->seg, a);
}

/* Columns as far apart as the arrows across them need: each arrow wants
 * its label and some line around it between its two lifelines. Shorter
 * spans are settled first; a longer one adds what it still lacks, shared
 * over the gaps it crosses. */
static int place_columns(struct ladder *l, struct geom *g, int nh)
{
	size_t *gap = malloc((size_t)nh * sizeof *gap);
	g->x = malloc((size_t)nh * sizeof *g->x);
	if (!gap || !g->x) {
		free(gap);
		return -1;
	}
	for (int h = 0; h < nh; h++)
		gap[h] = 28;
	for (int width = 1; width < nh; width++) {
		for (size_t i = 0; i < l->n; i++) {
			const struct lrow *r = &l->rows[i];
			if (r->from < 0)
				continue;
			int lo, hi;
			arrow_cols(r, &lo, &hi);
			if (hi >= nh || hi - lo != width)
				continue;
			size_t need = seglabel_chars(r->seg) + 14;
			size_t have = (size_t)(width - 1) * g->sw;
			for (int k = lo; k < hi; k++)
				have += gap[k];
			if (have >= need)
				continue;
			size_t more = need - have, each = more / (size_t)width;
			for (int k = lo; k < hi; k++)
				gap[k] += each + (k - lo < (int)(more % (size_t)width));
		}
	}
	size_t x = g->time_w + 2;
	for (int h = 0; h < nh; h++) {
		g->x[h] = x;
		x += g->sw + gap[h];
	}
	free(gap);
	return 0;
}

static int ladder_finish(struct trace_sink *s, const struct trace *tr)
{
	struct ladder *l = (struct ladder *)s;
	FILE *f = l->f;
	int nh = tr->nhosts > 0 ? tr->nhosts : 1;
	struct geom g = {.ascii = l->o.ascii, .ns_digits = 6};
	size_t maxname = 12;
	sim_time_t tmax = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->rows[i].t % 1000)
			g.ns_digits = 9;
		if (l->rows[i].t > tmax)
			tmax = l->rows[i].t;
	}
	for (int h = 0; h < nh; h++) {
		size_t len = seglabel_chars(trace_host_name(tr, h));
		if (len > maxname)
			maxname = len;
	}
	char tb[40];
	int tw = snprintf(tb, sizeof tb, "%" PRIu64, (uint64_t)tmax / 1000000000u);
	g.time_w = (size_t)(tw < 4 ? 4 : tw) + 1 + (size_t)g.ns_digits;
	if (g.time_w < 10)
		g.time_w = 10;
	g.sw = maxname + 2;
	if (l->oom || place_columns(l, &g, nh) < 0) {
		free(g.x);
		return -1;
	}
	size_t notes_x = col_x(&g, nh - 1) + g.sw + 1;
	struct canvas cv = {.w = notes_x + 96, .ascii = g.ascii,
			    .color = l->o.color};
	cv.c = malloc(cv.w * sizeof *cv.c);
	cv.a = malloc(cv.w);
	if (!cv.c || !cv.a) {
		free(cv.c);
		free(cv.a);
		free(g.x);
		return -1;
	}

	/* Header: time, host names, and every host starting CLOSED. */
	cv_clear(&cv);
	cv_text(&cv, g.time_w >= 8 ? g.time_w - 8 : 0, "time (s)", A_NONE);
	for (int h = 0; h < nh; h++)
		cv_text(&cv, col_x(&g, h), trace_host_name(tr, h), A_STATE);
	cv_print(&cv, f);
	cv_clear(&cv);
	for (int h = 0; h < nh; h++)
		cv_text(&cv, col_x(&g, h), tr->state_name(0), A_STATE);
	cv_print(&cv, f);

	sim_time_t fold = l->o.fold > 0 ? l->o.fold : SIM_S(1);
	for (size_t i = 0; i < l->n; i++) {
		const struct lrow *r = &l->rows[i];
		if (i > 0 && r->t - l->rows[i - 1].t >= fold) {
			char gap[64];
			seglabel_idle(r->t - l->rows[i - 1].t, gap, sizeof gap);
			cv_clear(&cv);
			cv_text(&cv, g.time_w >= 3 ? g.time_w - 3 : 0,
				g.ascii ? "..." : "\xe2\x8b\xae", A_DIM);
			char msg[96];
			snprintf(msg, sizeof msg, g.ascii ? "... %s idle ..."
							  : "\xe2\x80\xa6 %s idle \xe2\x80\xa6",
				 gap);
			cv_text(&cv, col_x(&g, 0) + g.sw + 2, msg, A_DIM);
			cv_print(&cv, f);
		}
		cv_clear(&cv);
		draw_time(&cv, &g, r->t);
		if (r->from >= 0)
			draw_arrow(&cv, &g, r);
		if (r->state_host >= 0)
			cv_text(&cv, col_x(&g, r->state_host),
				r->label ? r->label : tr->state_name(r->state),
				A_STATE);
		if (r->notes) {
			char note[256];
			format_notes(r, note, sizeof note);
			cv_text(&cv, notes_x, note,
				(r->notes & NOTE_LOST) ? A_LOST : A_NONE);
		}
		cv_print(&cv, f);
	}
	free(cv.c);
	free(cv.a);
	free(g.x);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

static void ladder_destroy(struct trace_sink *s)
{
	struct ladder *l = (struct ladder *)s;
	free(l->rows);
	free(l->arrows);
	free(l->last_state);
	free(l->tw_since);
	seqrel_fini(&l->rel);
	free(l);
}

struct trace_sink *sink_ladder_new(FILE *f, const struct ladder_opts *o)
{
	struct ladder *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->base.emit = ladder_emit;
	l->base.finish = ladder_finish;
	l->base.destroy = ladder_destroy;
	l->base.mask = TR_BIT(TR_STATE) | TR_BIT(TR_SEND) | TR_BIT(TR_DROP) |
		       TR_BIT(TR_LINK) | TR_BIT(TR_HOST) | TR_BIT(TR_TIMER);
	l->f = f;
	if (o)
		l->o = *o;
	seqrel_init(&l->rel);
	return &l->base;
}
