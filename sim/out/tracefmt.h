/* tracefmt.h — one walk over a trace event's fields, written in either of
 * two styles: the canonical text line or a JSON object
 * (docs/trace-format.md). The walk decides which fields an event has and
 * in what order; the style decides only how a field is spelt. So the text
 * trace and the JSON Lines carry the same fields by construction.
 *
 * The formatters fill a caller's buffer as snprintf does and never
 * allocate; the sink writes lines to a FILE it does not own (sink_text.c
 * and sink_jsonl.c are its two public faces).
 */
#ifndef TCPSIM_TRACEFMT_H
#define TCPSIM_TRACEFMT_H

#include <stddef.h>
#include <stdio.h>

#include "sim/engine/trace.h"

enum tracefmt_style {
	TRACEFMT_TEXT, /* TIME WHO KIND key=value ... */
	TRACEFMT_JSON, /* {"t_ns":N,"who":"...","kind":"...",...} */
};

/* Version of the JSON Lines format, in its header object. */
#define TRACEFMT_JSON_VERSION 1

/* Format one event in `style` into buf (no newline); returns the length
 * the whole line needs, as snprintf does: a result >= n means it was cut. */
int tracefmt_event(const struct trace *tr, const struct trace_event *ev,
		   enum tracefmt_style style, char *buf, size_t n);
/* The JSON Lines header object (no newline); returns the length as
 * snprintf does. */
int tracefmt_json_header(const struct trace *tr, char *buf, size_t n);
/* A sink writing the style's header with the first event, then each
 * event as one line, to f (not closed); finish reports any write that
 * failed. */
struct trace_sink *tracefmt_sink_new(FILE *f, enum tracefmt_style style);

#endif
