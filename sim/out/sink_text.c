/* sink_text.c — the canonical line-per-event trace.
 *
 * Format (docs/trace-format.md):  TIME WHO KIND key=value ...
 * TIME is seconds with nine decimals; WHO is a host name, "A>B" for a link
 * direction, or "-" for the run itself. Values that may hold spaces are
 * double-quoted. Nothing in it depends on the machine, the build or the
 * wall clock. The fields are walked, and the lines written, by
 * tracefmt.c, which the JSON Lines sink shares.
 */
#include "sim/out/sinks.h"
#include "sim/out/tracefmt.h"

int trace_format_line(const struct trace *tr, const struct trace_event *ev,
		      char *buf, size_t n)
{
	return tracefmt_event(tr, ev, TRACEFMT_TEXT, buf, n);
}

struct trace_sink *sink_text_new(FILE *f)
{
	return tracefmt_sink_new(f, TRACEFMT_TEXT);
}
