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

#include "sim/engine/evq.h"
#include "sim/engine/simtime.h"
#include "sim/engine/trace.h"

enum sim_end {
	SIM_END_NONE,      /* still running */
	SIM_END_QUIET,     /* no event left: every timer has fired */
	SIM_END_STOP,      /* the scenario's stop time was reached */
	SIM_END_LIMIT,     /* the maximum number of events was reached */
	SIM_END_INTERRUPT, /* the interrupt flag was raised */
	SIM_END_NOMEM,     /* an allocation failed (the event queue, a copy) */
	SIM_END_CONNS,     /* the maximum number of connections was reached */
	SIM_END_MEMORY,    /* the memory budget was used up */
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
	bool nomem;            /* an allocation failed; the run ends */
	/* Limits on what a scenario may make the machine hold: connections
	 * opened (each with its buffers) and the bytes of those buffers and
	 * TCBs; reaching one ends the run (hit) instead of exhausting the
	 * machine. UINT64_MAX: none. */
	uint64_t conns, max_conns; /* connections open now, and the most */
	uint64_t mem, max_mem;
	enum sim_end hit;
	const volatile sig_atomic_t *interrupt; /* optional: stop when set */
	struct trace trace;
};

/* Prepare an engine at time 0 with the given limits. */
void sim_init(struct sim *s, uint64_t seed, sim_time_t stop,
	      uint64_t max_events);
/* Free the engine and its trace's list of sinks (not the sinks
 * themselves: see trace_fini, which a caller calls first if they need
 * destroying). */
void sim_fini(struct sim *s);
/* Arm t at absolute time `when`; on allocation failure the run ends. */
void sim_at(struct sim *s, struct evq_timer *t, sim_time_t when);
/* Arm t `delay` after now. */
void sim_after(struct sim *s, struct evq_timer *t, sim_time_t delay);
/* Run until an end condition; returns it (also in s->end). */
enum sim_end sim_run(struct sim *s);
/* Count one more connection open; false, and the run ends with
 * SIM_END_CONNS, if that is more than max_conns. */
bool sim_take_conn(struct sim *s);
/* One connection counted is gone. */
void sim_give_conn(struct sim *s);
/* Take n bytes of the memory budget; false, and the run ends with
 * SIM_END_MEMORY, if that would exceed max_mem. */
bool sim_take_mem(struct sim *s, uint64_t n);
/* Take n bytes that are needed whatever the budget says; past max_mem
 * the run ends (SIM_END_MEMORY) after the current event. */
void sim_charge_mem(struct sim *s, uint64_t n);
/* Give back n bytes taken. */
void sim_give_mem(struct sim *s, uint64_t n);
/* Human-readable name of an end condition ("quiescent", ...). */
const char *sim_end_name(enum sim_end e);

#endif
