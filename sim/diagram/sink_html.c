/* sink_html.c — the run as one self-contained HTML page a student can step
 * through (docs/diagrams.md, "The HTML view").
 *
 * The page is written as the run goes, so that a long run costs no memory
 * here beyond a segment's send time (for the fold rule) and the relative
 * numbers' table:
 *
 *   <!DOCTYPE html> <head> <title> <style>view.css</style> </head> <body>
 *   <script type="application/json" id="tcpsim-events">[ event, ... ]
 *   <script type="application/json" id="tcpsim-meta">{ hosts, fold, ... }
 *   <script>view.js</script>
 *
 * Each event is the trace's own JSON object (tracefmt.c, the same fields
 * as --jsonl) with a few more the page needs and the JSON Lines do not
 * carry: "h" and "p" the host indexes, "c" the connection number on the
 * host, "rs"/"ra" a segment's relative numbers (seqrel.h), "tx" why a
 * segment is sent again. The stylesheet and the script are the files
 * sim/diagram/html/view.css and view.js, compiled in (Makefile); the
 * script draws the sequence diagram as SVG from the events when the page
 * opens. Nothing refers to anything outside the file.
 *
 * Escaping: inside <script> every '<', '>' and '&' of the JSON is written
 * as \u003c, \u003e, \u0026 (they occur only inside JSON strings, where
 * that spelling means the same), so no text of the run (a host name, a
 * rule's `why`) can close the element or open a comment; the title is
 * HTML-escaped. The script puts text on the page only as text nodes.
 *
 * Huge runs: after HTML_MAX_EVENTS (100,000, some 20 MB and 20,000
 * segments) events the rest are counted, not written, and the page says
 * from which time on it shows nothing: a browser opens a page of 10,000
 * segments in a few seconds, and one of millions not at all.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/diagram/diagram_sinks.h"
#include "sim/diagram/timeaxis.h"
#include "sim/engine/grow.h"
#include "sim/out/seqrel.h"
#include "sim/out/tracefmt.h"

extern const char html_view_css[], html_view_js[];
extern const size_t html_view_css_len, html_view_js_len;

/* What the page asks for: everything a run traces, and each connection's
 * sequence variables. */
#define HTML_MASK (TR_USUAL | TR_BIT(TR_TCB))

struct html {
	struct trace_sink base;
	FILE *f;
	size_t max_events;
	bool started;
	size_t written;          /* events in the page */
	uint64_t omitted;        /* events after the cap */
	sim_time_t omitted_from; /* the first one's time */
	sim_time_t last_t;
	struct seqrel rel;
	sim_time_t *sent;        /* by segment number: when it was sent, or -1 */
	size_t nsent, sent_cap;
	sim_time_t *delays;      /* one-way delays of delivered segments */
	size_t ndelays, delays_cap;
	char *line;
	size_t line_cap;
	bool oom;
};

static const char *const tx_names[] = {
	[TR_TX_NEW] = "new",         [TR_TX_TIMEOUT] = "timeout",
	[TR_TX_FAST] = "fast",       [TR_TX_PARTIAL] = "partial",
	[TR_TX_PROBE] = "probe",     [TR_TX_RESUME] = "resume",
	[TR_TX_ANSWER] = "answer",   [TR_TX_PMTU] = "pmtu",
};

size_t html_script_safe(const char *s, size_t n, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = s[i] == '<'   ? "\\u003c"
				: s[i] == '>' ? "\\u003e"
				: s[i] == '&' ? "\\u0026"
					      : NULL;
		if (!e) {
			if (out)
				out[k] = s[i];
			k++;
			continue;
		}
		if (out)
			memcpy(out + k, e, 6);
		k += 6;
	}
	return k;
}

size_t html_text_escape(const char *s, char *out)
{
	size_t k = 0;
	for (; *s; s++) {
		const char *e = *s == '<'    ? "&lt;"
				: *s == '>'  ? "&gt;"
				: *s == '&'  ? "&amp;"
				: *s == '"'  ? "&quot;"
				: *s == '\'' ? "&#39;"
					     : NULL;
		size_t len = e ? strlen(e) : 1;
		if (out)
			memcpy(out + k, e ? e : s, len);
		k += len;
	}
	if (out)
		out[k] = '\0';
	return k;
}

/* JSON text made safe for a <script> element, written to f. Runs of
 * harmless bytes go in one write. */
static void put_safe(FILE *f, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '<' && s[i] != '>' && s[i] != '&')
			continue;
		fwrite(s + run, 1, i - run, f);
		char e[6];
		html_script_safe(s + i, 1, e);
		fwrite(e, 1, sizeof e, f);
		run = i + 1;
	}
	fwrite(s + run, 1, n - run, f);
}

/* A JSON string, escaped for JSON and for the <script> it is in. */
static void put_json_string(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void start_page(struct html *h, const struct trace *tr)
{
	FILE *f = h->f;
	const char *name = tr->scenario ? tr->scenario : "";
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<meta name=\"generator\" content=\"tcpsim run --html\">\n"
	      "<title>",
	      f);
	size_t len = html_text_escape(name, NULL);
	char *t = malloc(len + 1);
	if (t) {
		html_text_escape(name, t);
		fputs(t, f);
		free(t);
	} else {
		h->oom = true;
	}
	fputs(" \xe2\x80\x94 tcpsim</title>\n<style>\n", f);
	fwrite(html_view_css, 1, html_view_css_len, f);
	fputs("</style>\n</head>\n<body>\n<noscript>This page draws the run "
	      "with JavaScript; it needs nothing else.</noscript>\n"
	      "<script type=\"application/json\" id=\"tcpsim-events\">[\n",
	      f);
	h->started = true;
}

/* The event's JSON object, with the page's own fields added, in h->line;
 * its length, or 0 if memory ran out. */
static size_t format_event(struct html *h, const struct trace *tr,
			   const struct trace_event *ev)
{
	char extra[160];
	int m = snprintf(extra, sizeof extra, ",\"h\":%d,\"p\":%d,\"c\":%lu",
			 ev->host, ev->peer, (unsigned long)ev->conn);
	if (ev->kind == TR_SEND && ev->seg) {
		m += snprintf(extra + m, sizeof extra - (size_t)m,
			      ",\"rs\":%lu,\"ra\":%lu",
			      (unsigned long)seqrel_seq(&h->rel, ev->seg),
			      (unsigned long)seqrel_ack(&h->rel, ev->seg));
		if (ev->tx != TR_TX_NEW && (unsigned)ev->tx <
			sizeof tx_names / sizeof *tx_names)
			m += snprintf(extra + m, sizeof extra - (size_t)m,
				      ",\"tx\":\"%s\"", tx_names[ev->tx]);
	}
	for (;;) {
		int n = tracefmt_event(tr, ev, TRACEFMT_JSON, h->line,
				       h->line_cap);
		if (n > 0 && (size_t)n + (size_t)m + 2 < h->line_cap) {
			/* the object without its '}', then ours and '}' */
			memcpy(h->line + n - 1, extra, (size_t)m);
			h->line[n - 1 + m] = '}';
			return (size_t)n + (size_t)m;
		}
		if (n < 0 || grow(&h->line, &h->line_cap,
				  (size_t)n + (size_t)m + 3, 1, 512) < 0) {
			h->oom = true;
			return 0;
		}
	}
}

/* Segment numbers and delays, for the fold rule. */
static void note_timing(struct html *h, const struct trace_event *ev)
{
	if (ev->kind == TR_SEND) {
		if (ev->seg && seqrel_note(&h->rel, ev->seg) < 0)
			h->oom = true;
		size_t need = (size_t)ev->pkt + 1;
		if (ev->pkt >= SIZE_MAX / 2) /* not a number of this run */
			return;
		size_t old = h->nsent;
		if (need > old) {
			if (grow(&h->sent, &h->sent_cap, need, sizeof *h->sent,
				 256) < 0) {
				h->oom = true;
				return;
			}
			for (size_t i = old; i < need; i++)
				h->sent[i] = -1;
			h->nsent = need;
		}
		h->sent[ev->pkt] = ev->t;
	} else if (ev->kind == TR_RECV && ev->pkt < h->nsent &&
		   h->sent[ev->pkt] >= 0) {
		if (grow(&h->delays, &h->delays_cap, h->ndelays + 1,
			 sizeof *h->delays, 256) < 0) {
			h->oom = true;
			return;
		}
		h->delays[h->ndelays++] = ev->t - h->sent[ev->pkt];
	}
}

static void html_emit(struct trace_sink *s, const struct trace *tr,
		      const struct trace_event *ev)
{
	struct html *h = (struct html *)s;
	if (!h->started)
		start_page(h, tr);
	note_timing(h, ev);
	h->last_t = ev->t;
	if (h->written >= h->max_events) {
		if (!h->omitted++)
			h->omitted_from = ev->t;
		return;
	}
	size_t n = format_event(h, tr, ev);
	if (!n)
		return;
	if (h->written++)
		fputs(",\n", h->f);
	put_safe(h->f, h->line, n);
}

static int cmp_time(const void *a, const void *b)
{
	sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
	return (x > y) - (x < y);
}

static sim_time_t median_delay(struct html *h)
{
	if (!h->ndelays)
		return 0;
	qsort(h->delays, h->ndelays, sizeof *h->delays, cmp_time);
	return h->delays[h->ndelays / 2];
}

static int html_finish(struct trace_sink *s, const struct trace *tr)
{
	struct html *h = (struct html *)s;
	FILE *f = h->f;
	if (!h->started)
		start_page(h, tr);
	struct timeaxis_rule fold =
		timeaxis_rule(TA_LADDER_PLOT, 0, median_delay(h));
	fputs("\n]</script>\n<script type=\"application/json\" "
	      "id=\"tcpsim-meta\">{\"scenario\":",
	      f);
	put_json_string(f, tr->scenario ? tr->scenario : "");
	fprintf(f, ",\"seed\":%llu,\"hosts\":[", (unsigned long long)tr->seed);
	for (int i = 0; i < tr->nhosts; i++) {
		if (i)
			fputc(',', f);
		put_json_string(f, trace_host_name(tr, i));
	}
	fprintf(f,
		"],\"fold_ns\":%lld,\"end_ns\":%lld,\"events\":%zu,"
		"\"omitted\":%llu,\"omitted_from_ns\":%lld,"
		"\"max_events\":%zu}</script>\n<script>\n",
		(long long)fold.min_gap, (long long)h->last_t, h->written,
		(unsigned long long)h->omitted, (long long)h->omitted_from,
		h->max_events);
	fwrite(html_view_js, 1, html_view_js_len, f);
	fputs("</script>\n</body>\n</html>\n", f);
	if (h->oom) {
		s->error = "out of memory while writing the HTML view";
		return -1;
	}
	return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

static void html_destroy(struct trace_sink *s)
{
	struct html *h = (struct html *)s;
	seqrel_fini(&h->rel);
	free(h->sent);
	free(h->delays);
	free(h->line);
	free(h);
}

struct trace_sink *sink_html_new(FILE *f, size_t max_events)
{
	struct html *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->base.emit = html_emit;
	h->base.finish = html_finish;
	h->base.destroy = html_destroy;
	h->base.mask = HTML_MASK;
	h->f = f;
	h->max_events = max_events ? max_events : HTML_MAX_EVENTS;
	seqrel_init(&h->rel);
	return &h->base;
}
