/* world.h — a scenario turned into a runnable simulation.
 *
 * world_build() creates the engine, the hosts, the links between them and
 * each host's application from a loaded scenario; world_run() runs it.
 * Sinks are attached to w->sim.trace between the two. A world owns
 * everything it creates and frees it in world_free(); the scenario is
 * borrowed and must outlive the world.
 */
#ifndef TCPSIM_WORLD_H
#define TCPSIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "models/app.h"
#include "models/host.h"
#include "models/link.h"
#include "models/pkt.h"
#include "sim/run/script.h"
#include "sim/scenario/scenario.h"
#include "sim/engine/sim.h"
#include "sim/verdict/expect.h"

/* Overrides a caller may apply on top of the scenario. */
struct world_opts {
	uint64_t seed;          /* used if has_seed */
	bool has_seed;
	sim_time_t stop;        /* used if > 0 */
	uint64_t max_events;    /* used if > 0 */
	uint64_t max_conns;     /* used if > 0 */
	uint64_t max_memory;    /* used if > 0 */
	bool payload_bytes;     /* applications hand TCP bytes, not
				   references into their streams */
	bool whole;             /* connections at rest stay whole, not
				   packed (tcp_stack_set_packing) */
	/* rules every link applies, after the scenario's `faults` (tcpsim
	 * explore's fault sets) */
	const struct link_rule *faults;
	size_t nfaults;
	bool no_link_rules;     /* leave the links' own rules out */
};

struct world {
	struct sim sim;
	const struct scenario *scn;
	struct pkt_pool pool;
	struct host *hosts;
	size_t nhosts;
	struct link *links;
	size_t nlinks;
	struct app *apps;       /* one per host */
	struct app_registry streams;
	struct script script;   /* inject, crash, reboot */
	const char **host_names;
	uint32_t *host_addrs;
	/* routing (scenarios with routers): the tables being computed, and
	 * the recomputation a link's change asks for after `converge` */
	struct route_fib *fibs;
	bool *up;               /* each link direction: up? */
	struct evq_timer reroute;
	/* the scenario's and the options' faults, shared by every link */
	struct link_faults faults;
	struct link_rule *fault_rules;
};

/* Build the world for scn. Returns 0, or -1 if memory runs out. */
int world_build(struct world *w, const struct scenario *scn,
		const struct world_opts *opts);
/* Run to the end; emits the run's start and end events. */
enum sim_end world_run(struct world *w);
/* What the run left, for the verdicts on its expectations. */
struct expect_outcome world_outcome(const struct world *w);
/* Free everything the world created (not its trace sinks). */
void world_free(struct world *w);
/* After a run: segments dropped for want of a route (0: none, or the
 * scenario expects such drops: an `event: drop` whose `why` is part of
 * "no route to the destination address"), with the host of the first,
 * when, and where it was going. */
uint64_t world_noroute(const struct world *w, int *host, sim_time_t *t,
		       uint32_t *dst);
/* After a run: the next rule (from *at, which it moves past it; start at
 * {0, 0}) that never acted on a segment, only those marked must-match if
 * `must`; NULL when there is none. *link is set to the link it belongs
 * to (NULL for one of the scenario's `faults`, after the links'); a rule
 * a template's links share is named once. */
struct world_rule_at {
	size_t link, rule;
};
const struct link_rule *world_idle_rule(const struct world *w, bool must,
					struct world_rule_at *at,
					const struct scn_link **link);

#endif
