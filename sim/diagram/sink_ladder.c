/* sink_ladder.c — the sequence diagram ("ladder") for a terminal.
 *
 * One column per host, time running down. Each segment is an arrow drawn
 * on the row of its sending time, from the sender's lifeline toward the
 * receiver's, labelled with its flags and sequence fields; a segment the
 * network loses ends in a cross halfway. A host's state is written in its
 * column on the row where it changes. The run is recorded as the other
 * diagrams record it (struct diag, sim/diagram/diagram.h) and drawn when it ends,
 * so that a drop decided after the send still marks the right arrow and
 * the columns can be sized to fit their labels. Long quiet spans are
 * marked with a fold line.
 *
 * Rows merge only "state, then the segment that state sent" at the same
 * time on the same host (a crash, reboot or link change written in the
 * host's column counts as a state here); anything else starts a new row,
 * so the diagram keeps the trace's order.
 *
 * The space between two lifelines is as wide as the arrows drawn across
 * it need, so three or thirty hosts take no more room than their labels.
 * Sequence numbers are absolute, or relative to each side's initial one
 * (sim/out/seqrel.h). Colour, when asked for, marks losses red,
 * retransmissions yellow, injected segments magenta and states bold.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/diagram/diagram.h"
#include "sim/diagram/seglabel.h"
#include "sim/diagram/timeaxis.h"
#include "sim/diagram/diagram_sinks.h"
#include "models/tcp.h"

/* The timers set on one row that --explain lists under it. */
#define LROW_TIMERS 4

/* A line of the diagram: what is written in a host's column, the arrow
 * of a segment, or a state and the segment it sent; explained, also the
 * timers its host set then and the connection's variables after it. */
struct lrow {
	sim_time_t t;
	int host;
	const struct diag_item *head; /* DIAG_STATE, DIAG_HOST, DIAG_LINK,
					 DIAG_DISCARD or a DIAG_TIMER firing;
					 NULL: none */
	const struct diag_item *seg;  /* DIAG_SEG, drawn as an arrow; NULL:
					 none */
	const struct diag_item *tm[LROW_TIMERS]; /* DIAG_TIMER set */
	int ntm;
	const struct diag_item *vars; /* DIAG_TCB */
	const struct diag_item *in;   /* the segment whose arrival at its
					 host began it (DIAG_ARRIVE), if one
					 did and no row before said so */
};

struct ladder {
	struct trace_sink base;
	FILE *f;
	struct ladder_opts o;
	struct diag d;
};

static void ladder_emit(struct trace_sink *s, const struct trace *tr,
			const struct trace_event *ev)
{
	diag_note(&((struct ladder *)s)->d, tr, ev);
}

/* in arrived at its host at its time, and no row said so yet. */
static bool unsaid(const struct diag_item *in, const struct diag_item *it)
{
	return in && in->t == it->t && in->host == it->host;
}

/* A row of nothing yet, for the item at host and time of it. */
static struct lrow *new_row(struct lrow *rows, size_t *n,
			    const struct diag_item *it,
			    const struct diag_item **in)
{
	struct lrow *r = &rows[(*n)++];
	*r = (struct lrow){.t = it->t, .host = it->host};
	if (unsaid(*in, it)) {
		r->in = *in;
		*in = NULL; /* said once, on the first row it began */
	}
	return r;
}

/* The row at *n - 1 if it is on its host at its time and holds only
 * timers (a timer set just before the segment or state it goes with). */
static struct lrow *timers_only(struct lrow *rows, size_t n,
				const struct diag_item *it)
{
	struct lrow *r = n ? &rows[n - 1] : NULL;
	return r && !r->head && !r->seg && !r->vars && r->t == it->t &&
			       r->host == it->host
		       ? r
		       : NULL;
}

/* Where a connection's variables go: the last row of its host at this
 * time, if that row has none yet; NULL: a row of their own. */
static struct lrow *vars_row(struct lrow *rows, size_t n,
			     const struct diag_item *it)
{
	for (size_t k = n; k-- > 0 && rows[k].t == it->t;)
		if (rows[k].host == it->host)
			return rows[k].vars ? NULL : &rows[k];
	return NULL;
}

/* The connection's variables say what the last shown of them said (as
 * far back as a few rows look: a new row too many is no error). */
static bool vars_unchanged(const struct lrow *rows, size_t n,
			   const struct diag_item *it)
{
	for (size_t k = n, seen = 0; k-- > 0 && seen < 64; seen++) {
		const struct diag_item *v = rows[k].vars;
		if (v && v->host == it->host && v->conn == it->conn)
			return v->state == it->state &&
			       memcmp(v->var, it->var, sizeof v->var) == 0;
	}
	return false;
}

/* The rows, in the record's order, into rows (room for d->n); returns how
 * many. Arrivals and drops draw nothing of their own: a loss is a mark on
 * its segment's arrow. Timers and variables exist only in a record that
 * explains. */
static size_t make_rows(const struct diag *d, struct lrow *rows)
{
	size_t n = 0;
	/* the last arrival, until a row says what it began */
	const struct diag_item *in = NULL;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		struct lrow *last = n ? &rows[n - 1] : NULL;
		struct lrow *r;
		switch (it->kind) {
		case DIAG_ARRIVE:
			in = it;
			break;
		case DIAG_SEG:
			/* the segment a state (or crash, reboot, link
			 * change) on its host sent at that instant, or the
			 * one a timer set just before goes with */
			if (last && !last->seg && !last->vars &&
			    last->t == it->t && last->host == it->host &&
			    (!last->head || last->head->kind != DIAG_DISCARD))
				last->seg = it;
			else
				new_row(rows, &n, it, &in)->seg = it;
			break;
		case DIAG_STATE:
		case DIAG_HOST:
		case DIAG_LINK:
		case DIAG_DISCARD:
			/* A listening socket's clone entering SYN-RECEIVED,
			 * or a state written twice on one row, starts a new
			 * row. */
			r = timers_only(rows, n, it);
			(r ? r : new_row(rows, &n, it, &in))->head = it;
			break;
		case DIAG_TIMER:
			if (it->op == TR_TIMER_FIRE) {
				/* 2·MSL's end is the state row that follows */
				if (strcmp(it->timer, "time-wait") != 0)
					new_row(rows, &n, it, &in)->head = it;
				break;
			}
			if (it->op != TR_TIMER_SET)
				break; /* a cancel: the rule that stopped it
					  is on the row that did */
			/* with the row before, unless a segment arrived
			 * since: then it begins a row of its own */
			r = last && last->t == it->t && last->host == it->host &&
					    last->ntm < LROW_TIMERS &&
					    !unsaid(in, it)
				    ? last
				    : new_row(rows, &n, it, &in);
			r->tm[r->ntm++] = it;
			break;
		case DIAG_TCB:
			/* on the row of what changed them, or on a row of
			 * their own when they changed with nothing drawn (an
			 * ACK arrives) */
			r = unsaid(in, it) ? NULL : vars_row(rows, n, it);
			if (!r && vars_unchanged(rows, n, it))
				break;
			(r ? r : new_row(rows, &n, it, &in))->vars = it;
			break;
		default:
			break;
		}
	}
	return n;
}

/* What is written in the head's column. */
static const char *head_label(const struct trace *tr,
			      const struct diag_item *h, char *buf, size_t n)
{
	switch (h->kind) {
	case DIAG_HOST:
		return (h->marks & DIAG_CRASH) ? "(crashed)" : "(rebooted)";
	case DIAG_LINK:
		return (h->marks & DIAG_DOWN) ? "(link down)" : "(link up)";
	case DIAG_DISCARD:
		return "\xe2\x9c\x95 discarded";
	case DIAG_TIMER:
		snprintf(buf, n, "(%s)", diag_timer_short(h->timer));
		return buf;
	default:
		return tr->state_name(h->state);
	}
}

/* The head's own note beside the diagram, or NULL. */
static const char *head_note(const struct diag_item *h, char *buf,
			     size_t n)
{
	if (h->kind == DIAG_LINK)
		return (h->marks & DIAG_DOWN) ? "link down" : "link up";
	if (h->kind == DIAG_STATE && (h->marks & DIAG_EXPIRED))
		return "2·MSL expired";
	if (h->kind == DIAG_TIMER) {
		snprintf(buf, n, "%s fired", diag_timer_short(h->timer));
		return buf;
	}
	return NULL;
}

/* The segment's marks the ladder shows: of a copy the network made only
 * that it is one. */
static unsigned row_marks(const struct lrow *r)
{
	if (!r->seg)
		return 0;
	unsigned m = r->seg->marks;
	if (m & DIAG_DUP)
		m &= ~(DIAG_REXMIT | DIAG_INJECTED);
	return m;
}

/* The row's notes as one line of text; "" for none. */
static void format_notes(const struct trace *tr, const struct lrow *r,
			 char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	unsigned m = row_marks(r);
	const struct diag_item *s = r->seg;
	char hb[64];
	const char *text = r->head ? head_note(r->head, hb, sizeof hb) : NULL;
	/* The segment's marks, then the note of what heads the row (a
	 * state, a crash, a link going down). */
	const char *dup_rule = s ? s->dup_rule : NULL;
	const char *lost_rule = s ? s->rule : NULL;
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
	if (m & DIAG_INJECTED)
		ADD("injected");
	if (m & DIAG_REXMIT)
		ADD("retransmission");
	if (m & DIAG_DUP)
		ADD(dup_rule ? "duplicate (rule %s)" : "duplicate%s",
		    dup_rule ? dup_rule : "");
	if (m & DIAG_DELAYED) {
		char tb[32];
		sim_time_fmt_short(s->delay, tb, sizeof tb);
		ADD(s->delay_rule ? "delayed %s more (rule %s)"
				  : "delayed %s more%s",
		    tb, s->delay_rule ? s->delay_rule : "");
	}
	if (m & DIAG_CORRUPT)
		ADD("corrupted");
	if (m & DIAG_HELD)
		ADD("held back");
	if (m & DIAG_CE)
		ADD("marked CE");
	if (m & DIAG_RESTART)
		ADD("2·MSL restarted");
	if (m & DIAG_LOST) {
		if (lost_rule)
			ADD("lost: rule %s", lost_rule);
		else
			ADD("lost: %s", s && s->why ? s->why : "?");
	}
	if (m & DIAG_DISCARDED)
		ADD("discarded by %s", trace_host_name(tr, s->peer));
	if (m & DIAG_CHALLENGED)
		ADD("challenged by %s", trace_host_name(tr, s->peer));
	if (text)
		ADD("%s", text);
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
	case 0x2715: /* the cross of a discard */
		return 'x';
	case 0x21b3: /* the arrow before an explanation */
		return '>';
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

/* A segment's arrow's endpoints as columns: lo < hi. */
static void arrow_cols(const struct diag_item *seg, int *lo, int *hi)
{
	bool rightward = seg->peer < 0 || seg->peer > seg->host;
	*lo = rightward ? seg->host : seg->peer;
	*hi = rightward ? seg->peer : seg->host;
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
	const struct diag_item *seg = r->seg;
	unsigned m = row_marks(r);
	bool lost = m & DIAG_LOST;
	enum attr a = lost		     ? A_LOST
		      : (m & DIAG_INJECTED) ? A_INJECTED
		      : (m & DIAG_REXMIT)   ? A_REXMIT
					    : A_NONE;
	bool rightward = seg->peer < 0 || seg->peer > seg->host;
	int lo, hi;
	arrow_cols(seg, &lo, &hi);
	size_t s = col_x(g, lo) + g->sw;
	size_t e = col_x(g, hi) - 1; /* exclusive */
	if (e <= s + 8)
		return;
	size_t len = seglabel_chars(seg->label);
	size_t span = e - s;
	bool fits = len + 6 <= span;
	size_t lx = rightward ? s + 2 : e - 2 - len;
	size_t from = s, to = e;
	if (!lost) {
		/* a segment the receiver threw away ends in a cross at it */
		bool gone = m & DIAG_DISCARDED;
		size_t x = rightward ? e - 1 : s;
		cv->c[x] = gone ? cross : rightward ? right : left;
		if (gone)
			cv->a[x] = A_LOST;
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
		if (cv->c[k] != cross)
			cv->a[k] = (uint8_t)a;
	}
	if (fits)
		cv_text(cv, lx, seg->label, a);
}

/* Columns as far apart as the arrows across them need: each arrow wants
 * its label and some line around it between its two lifelines. Shorter
 * spans are settled first; a longer one adds what it still lacks, shared
 * over the gaps it crosses. */
static int place_columns(const struct lrow *rows, size_t nrows,
			 struct geom *g, int nh)
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
		for (size_t i = 0; i < nrows; i++) {
			const struct diag_item *seg = rows[i].seg;
			if (!seg)
				continue;
			int lo, hi;
			arrow_cols(seg, &lo, &hi);
			if (hi >= nh || hi - lo != width)
				continue;
			size_t need = seglabel_chars(seg->label) + 14;
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

/* ---- --explain and --vars ------------------------------------------- */

#define VAR_W 11 /* one variable's column */
static const char *const var_names[DIAG_NVARS] = {
	"SND.UNA", "SND.NXT", "RCV.NXT", "SND.WND", "RCV.WND",
};

/* The variables' column titles, or a row's values, from x. */
static void draw_vars(struct canvas *cv, size_t x, const struct diag_item *v)
{
	for (int k = 0; k < DIAG_NVARS; k++) {
		char b[24];
		if (v)
			snprintf(b, sizeof b, "%*" PRIu32, VAR_W - 1, v->var[k]);
		else
			snprintf(b, sizeof b, "%*s", VAR_W - 1, var_names[k]);
		cv_text(cv, x + (size_t)k * VAR_W, b, v ? A_NONE : A_STATE);
	}
}

/* One line of explanation under a row, from x. */
static void explain_line(struct canvas *cv, FILE *f, size_t x,
			 const char *text)
{
	cv_clear(cv);
	cv_text(cv, x, cv->ascii ? "-> " : "\xe2\x86\xb3 ", A_DIM);
	cv_text(cv, x + (cv->ascii ? 3 : 2), text, A_DIM);
	cv_print(cv, f);
}

/* The timer of `fire` set last before it fired, or NULL. */
static const struct diag_item *set_before(const struct diag *d,
					  const struct diag_item *fire)
{
	for (size_t k = (size_t)(fire - d->it); k-- > 0;) {
		const struct diag_item *it = &d->it[k];
		if (it->kind == DIAG_TIMER && it->op == TR_TIMER_SET &&
		    it->host == fire->host && it->conn == fire->conn &&
		    strcmp(it->timer, fire->timer) == 0)
			return it;
	}
	return NULL;
}

/* The 2·MSL timer that fired to end the TIME-WAIT of state item h. */
static const struct diag_item *fired_before(const struct diag *d,
					    const struct diag_item *h)
{
	for (size_t k = (size_t)(h - d->it); k-- > 0 && d->it[k].t == h->t;) {
		const struct diag_item *it = &d->it[k];
		if (it->kind == DIAG_TIMER && it->op == TR_TIMER_FIRE &&
		    it->host == h->host && strcmp(it->timer, "time-wait") == 0)
			return it;
	}
	return NULL;
}

/* What decided a row, a line each: the segment that arrived, the timer
 * that fired, the state's rule, the discard's, the sender's (once when
 * the state's is the same), then the timers the host set. */
static void explain_row(struct canvas *cv, FILE *f, size_t x,
			const struct geom *g, const struct trace *tr,
			const struct diag *d, const struct lrow *r)
{
	char b[640], t1[40], t2[40];
	const struct diag_item *h = r->head, *s = r->seg;
	const char *who = trace_host_name(tr, r->host);
	/* (a discard says what arrived itself) */
	if (r->in && !(h && h->kind == DIAG_DISCARD && h->seg == r->in->seg)) {
		const struct diag_item *seg = &d->it[r->in->seg];
		diag_time_fmt(seg->t, g->ns_digits, t1, sizeof t1);
		snprintf(b, sizeof b, "%s receives %s (sent at %s)%s", who,
			 seg->label, t1,
			 (seg->marks & DIAG_CHALLENGED) ? ", and challenges it"
							: "");
		explain_line(cv, f, x, b);
	}
	/* a timer that fired: how long it ran; TIME-WAIT's end is its
	 * state's row */
	const struct diag_item *fired = h && h->kind == DIAG_TIMER ? h
					: h && (h->marks & DIAG_EXPIRED)
					    ? fired_before(d, h)
					    : NULL;
	if (fired) {
		const struct diag_item *set = set_before(d, fired);
		int len = snprintf(b, sizeof b, "%s: %s expired", who,
				   diag_timer_short(fired->timer));
		if (set && len > 0 && (size_t)len < sizeof b) {
			diag_time_fmt(set->t, g->ns_digits, t1, sizeof t1);
			sim_time_fmt_short(fired->t - set->t, t2, sizeof t2);
			len += snprintf(b + len, sizeof b - (size_t)len,
					", set at %s for %s", t1, t2);
		}
		/* what it does, unless a segment sent or a state entered
		 * now says it */
		if (!s && fired == h && len > 0 && (size_t)len < sizeof b)
			snprintf(b + len, sizeof b - (size_t)len, ": %s",
				 diag_timer_fired(fired->timer));
		explain_line(cv, f, x, b);
	}
	if (h && h->kind == DIAG_STATE && h->reason &&
	    !(s && s->reason && strcmp(s->reason, h->reason) == 0)) {
		snprintf(b, sizeof b, "%s: %s", who, h->reason);
		explain_line(cv, f, x, b);
	}
	if (h && h->kind == DIAG_DISCARD) {
		const struct diag_item *seg = &d->it[h->seg];
		diag_time_fmt(seg->t, g->ns_digits, t1, sizeof t1);
		snprintf(b, sizeof b, "%s discards %s (sent at %s): %s", who,
			 seg->label, t1, h->reason ? h->reason : "?");
		explain_line(cv, f, x, b);
	}
	if (s && s->reason) {
		snprintf(b, sizeof b, "%s: %s", trace_host_name(tr, s->host),
			 s->reason);
		explain_line(cv, f, x, b);
	}
	for (int k = 0; k < r->ntm; k++) {
		const struct diag_item *tm = r->tm[k];
		diag_time_fmt(tm->end, g->ns_digits, t1, sizeof t1);
		sim_time_fmt_short(tm->end - tm->t, t2, sizeof t2);
		snprintf(b, sizeof b, "%s: %s timer set, expires at %s (in %s)",
			 who, diag_timer_short(tm->timer), t1, t2);
		explain_line(cv, f, x, b);
	}
}

/* The widest explanation any row can have, in characters. */
static size_t explain_width(const struct diag *d)
{
	size_t w = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->it[i].reason && seglabel_chars(d->it[i].reason) > w)
			w = seglabel_chars(d->it[i].reason);
	return w + 2 * DIAG_LABEL_MAX + 64;
}

static int ladder_finish(struct trace_sink *s, const struct trace *tr)
{
	struct ladder *l = (struct ladder *)s;
	FILE *f = l->f;
	int nh = tr->nhosts > 0 ? tr->nhosts : 1;
	struct geom g = {.ascii = l->o.ascii, .ns_digits = 6};
	struct canvas cv = {.ascii = g.ascii, .color = l->o.color};
	struct lrow *rows = NULL;
	int ret = -1;
	if (l->d.oom)
		goto out;
	rows = malloc((l->d.n ? l->d.n : 1) * sizeof *rows);
	if (!rows)
		goto out;
	size_t nrows = make_rows(&l->d, rows);
	size_t maxname = 12;
	sim_time_t tmax = 0;
	for (size_t i = 0; i < nrows; i++) {
		sim_time_t t = rows[i].t;
		if (t % 1000)
			g.ns_digits = 9;
		if (t > tmax)
			tmax = t;
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
	if (place_columns(rows, nrows, &g, nh) < 0)
		goto out;
	size_t notes_x = col_x(&g, nh - 1) + g.sw + 1, vars_x = notes_x;
	if (l->o.vars)
		notes_x += DIAG_NVARS * VAR_W + 2;
	size_t explain_x = col_x(&g, 0);
	cv.w = notes_x + 96;
	if (l->o.explain && explain_x + explain_width(&l->d) > cv.w)
		cv.w = explain_x + explain_width(&l->d);
	cv.c = malloc(cv.w * sizeof *cv.c);
	cv.a = malloc(cv.w);
	if (!cv.c || !cv.a)
		goto out;

	/* Header: time, host names, and every host starting CLOSED. */
	cv_clear(&cv);
	cv_text(&cv, g.time_w >= 8 ? g.time_w - 8 : 0, "time (s)", A_NONE);
	for (int h = 0; h < nh; h++)
		cv_text(&cv, col_x(&g, h), trace_host_name(tr, h), A_STATE);
	if (l->o.vars)
		draw_vars(&cv, vars_x, NULL);
	cv_print(&cv, f);
	cv_clear(&cv);
	for (int h = 0; h < nh; h++)
		cv_text(&cv, col_x(&g, h), tr->state_name(0), A_STATE);
	cv_print(&cv, f);

	struct timeaxis_rule fold = timeaxis_rule(TA_LADDER, l->o.fold, 0);
	for (size_t i = 0; i < nrows; i++) {
		const struct lrow *r = &rows[i];
		sim_time_t t = r->t;
		if (i > 0 && timeaxis_folds(&fold, rows[i - 1].t, t)) {
			char gap[64];
			seglabel_idle(t - rows[i - 1].t, gap, sizeof gap);
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
		draw_time(&cv, &g, t);
		if (r->seg)
			draw_arrow(&cv, &g, r);
		char hb[64];
		if (r->head)
			cv_text(&cv, col_x(&g, r->head->host),
				head_label(tr, r->head, hb, sizeof hb), A_STATE);
		if (r->vars)
			draw_vars(&cv, vars_x, r->vars);
		char note[256];
		format_notes(tr, r, note, sizeof note);
		if (note[0])
			cv_text(&cv, notes_x, note,
				(row_marks(r) & DIAG_LOST) ? A_LOST : A_NONE);
		cv_print(&cv, f);
		if (l->o.explain)
			explain_row(&cv, f, explain_x, &g, tr, &l->d, r);
	}
	ret = fflush(f) == 0 && !ferror(f) ? 0 : -1;
out:
	free(cv.c);
	free(cv.a);
	free(g.x);
	free(rows);
	return ret;
}

static void ladder_destroy(struct trace_sink *s)
{
	struct ladder *l = (struct ladder *)s;
	diag_fini(&l->d);
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
	/* Arrivals are not drawn, but say which segment a challenge ACK
	 * answers; a discard is the cross at its arrow's end. */
	l->base.mask = DIAG_TRACE_MASK;
	l->f = f;
	if (o)
		l->o = *o;
	diag_init(&l->d, l->o.relative);
	l->d.explain = l->o.explain;
	l->d.vars = l->o.vars;
	if (l->o.vars)
		l->base.mask |= TR_BIT(TR_TCB);
	return &l->base;
}
