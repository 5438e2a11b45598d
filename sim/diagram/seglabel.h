/* seglabel.h — how the sequence diagrams name a segment and an idle span.
 *
 * The terminal ladder, the mscgen chart and the ladder plot label every
 * segment the same way, so one picture can be read against another.
 */
#ifndef TCPSIM_SEGLABEL_H
#define TCPSIM_SEGLABEL_H

#include <stddef.h>

#include "sim/out/seqrel.h"
#include "sim/engine/simtime.h"

struct tcp_seg;

/* The segment as "FLAGS seq=N[ ack=N][ len=N]" (ack only with the ACK
 * bit, len only when there is payload); relative numbers if rel is not
 * NULL. Truncated to fit n. */
void seglabel_fmt(char *buf, size_t n, const struct tcp_seg *s,
		  const struct seqrel *rel);
/* Characters (code points) in UTF-8 text: its width in a fixed-width
 * font. */
size_t seglabel_chars(const char *s);
/* An idle span as people say it: "2.54s", "1m 15s", "2h", "1h 59m 59s". */
void seglabel_idle(sim_time_t d, char *buf, size_t n);

#endif
