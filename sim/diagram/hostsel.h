/* hostsel.h — pictures of some hosts only (`--hosts a,b`).
 *
 * A filter in front of a picture's sink: the sink sees a run of the chosen
 * hosts alone, numbered 0, 1, ... in the scenario's order, as if the
 * others were part of the network. A segment one shown host sends toward
 * another is kept; through hosts not shown (routers) it keeps its first
 * number, so that its arrival, loss, duplication or delay at the far end
 * belongs to the arrow that left the sender. Events of hosts not shown,
 * and segments between them or toward them, are left out.
 */
#ifndef TCPSIM_HOSTSEL_H
#define TCPSIM_HOSTSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/engine/trace.h"

/* Which of the nhosts names `list` ("a,b,c") picks, into show[nhosts].
 * Returns 0, or -1 with why in err (an unknown or repeated name, an empty
 * one). */
int hostsel_parse(const char *list, const char *const *names, int nhosts,
		  bool *show, char *err, size_t n);
/* A sink that gives inner the shown hosts' part of the run; inner is
 * owned by it from now on (also when NULL is returned, out of memory). */
struct trace_sink *sink_hosts_new(struct trace_sink *inner, const bool *show,
				  int nhosts);

#endif
