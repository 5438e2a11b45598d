/* sink_jsonl.c — the trace events as JSON Lines, for programs.
 *
 * Format (docs/trace-format.md, "JSON Lines"): a header object
 * {"format":"tcpsim-jsonl","version":1,"scenario":...,"seed":...}, then
 * one object per event with the same fields, in the same order, as the
 * text trace's line — written by the same walk (tracefmt.c), so the two
 * cannot drift apart. Times are integer nanoseconds (t_ns, at_ns, ...),
 * flags an array of names. Like the text trace it depends only on the
 * scenario and the seed.
 */
#include "sim/out/sinks.h"
#include "sim/out/tracefmt.h"

struct trace_sink *sink_jsonl_new(FILE *f)
{
	return tracefmt_sink_new(f, TRACEFMT_JSON);
}
