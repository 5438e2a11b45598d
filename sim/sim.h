/* sim.h — the engine: one clock, one future-event set, one trace, limits.
 *
 * Everything a model needs from the engine hangs off struct sim, passed
 * explicitly; there are no globals, so several simulations can run in one
 * process. sim_run() pops events in (time, insertion) order until nothing is
 * left, the stop time is passed, or the event cap is hit.
 */
#ifndef TCPSIM_SIM_H
#define TCPSIM_SIM_H

#include <signal.h>
#include <stdint.h>

#include "evq.h"
#include "simtime.h"
#include "trace.h"

enum sim_end {
	SIM_END_NONE,      /* still running */
	SIM_END_QUIET,     /* no event left: every timer has fired */
	SIM_END_STOP,      /* the scenario's stop time was reached */
	SIM_END_LIMIT,     /* the maximum number of events was reached */
	SIM_END_INTERRUPT, /* the interrupt flag was raised */
	SIM_END_NOMEM,     /* the event queue could not grow */
};

struct sim {
	struct evq q;
	sim_time_t now;
	sim_time_t stop;       /* events after this time do not run */
	uint64_t events;       /* events run so far */
	uint64_t max_events;   /* cap on events */
	uint64_t seed;
	uint64_t pkt_seq;      /* last segment number handed out */
	enum sim_end end;
	bool nomem;            /* a schedule failed; the run ends */
	const volatile sig_atomic_t *interrupt; /* optional: stop when set */
	struct trace trace;
};

/* Prepare an engine at time 0 with the given limits. */
void sim_init(struct sim *s, uint64_t seed, sim_time_t stop,
	      uint64_t max_events);
/* Free the engine (not the trace sinks: see trace_fini). */
void sim_fini(struct sim *s);
/* Arm t at absolute time `when`; on allocation failure the run ends. */
void sim_at(struct sim *s, struct evq_timer *t, sim_time_t when);
/* Arm t `delay` after now. */
void sim_after(struct sim *s, struct evq_timer *t, sim_time_t delay);
/* Run until an end condition; returns it (also in s->end). */
enum sim_end sim_run(struct sim *s);
/* Human-readable name of an end condition ("quiescent", ...). */
const char *sim_end_name(enum sim_end e);

#endif
