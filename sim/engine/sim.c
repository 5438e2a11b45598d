/* sim.c — the event loop. */
#include "sim/engine/sim.h"

#include <stdlib.h>
#include <string.h>

void sim_init(struct sim *s, uint64_t seed, sim_time_t stop,
	      uint64_t max_events)
{
	memset(s, 0, sizeof *s);
	evq_init(&s->q);
	trace_init(&s->trace);
	s->seed = seed;
	s->stop = stop;
	s->max_events = max_events;
	s->max_conns = UINT64_MAX;
	s->max_mem = UINT64_MAX;
	s->trace.seed = seed;
}

void sim_fini(struct sim *s)
{
	evq_fini(&s->q);
	/* the list of sinks, if trace_fini did not free it: a caller whose
	 * sinks need no destroying may skip that */
	free(s->trace.sinks);
	s->trace.sinks = NULL;
	s->trace.sinks_cap = 0;
	s->trace.nsinks = 0;
}

void sim_at(struct sim *s, struct evq_timer *t, sim_time_t when)
{
	if (evq_schedule(&s->q, t, when) < 0)
		s->nomem = true;
}

void sim_after(struct sim *s, struct evq_timer *t, sim_time_t delay)
{
	sim_time_t when = s->now > SIM_TIME_MAX - delay ? SIM_TIME_MAX
							 : s->now + delay;
	sim_at(s, t, when);
}

enum sim_end sim_run(struct sim *s)
{
	for (;;) {
		if (s->hit) {
			s->end = s->hit;
			break;
		}
		if (s->nomem) {
			s->end = SIM_END_NOMEM;
			break;
		}
		if (s->interrupt && *s->interrupt) {
			s->end = SIM_END_INTERRUPT;
			break;
		}
		if (evq_size(&s->q) == 0) {
			s->end = SIM_END_QUIET;
			break;
		}
		sim_time_t t = evq_next_time(&s->q);
		if (s->q.nomem) {
			s->end = SIM_END_NOMEM;
			break;
		}
		if (t > s->stop) {
			s->now = s->stop;
			s->end = SIM_END_STOP;
			break;
		}
		if (s->events >= s->max_events) {
			s->end = SIM_END_LIMIT;
			break;
		}
		struct evq_timer *e = evq_pop(&s->q);
		s->now = t;
		s->events++;
		e->fn(s, e);
	}
	return s->end;
}

bool sim_take_conn(struct sim *s)
{
	if (s->conns >= s->max_conns) {
		s->hit = SIM_END_CONNS;
		return false;
	}
	s->conns++;
	return true;
}

void sim_give_conn(struct sim *s)
{
	if (s->conns)
		s->conns--;
}

bool sim_take_mem(struct sim *s, uint64_t n)
{
	if (s->mem > s->max_mem || n > s->max_mem - s->mem) {
		s->hit = SIM_END_MEMORY;
		return false;
	}
	s->mem += n;
	return true;
}

void sim_charge_mem(struct sim *s, uint64_t n)
{
	if (!sim_take_mem(s, n))
		s->mem += n;
}

void sim_give_mem(struct sim *s, uint64_t n)
{
	s->mem -= n < s->mem ? n : s->mem;
}

const char *sim_end_name(enum sim_end e)
{
	switch (e) {
	case SIM_END_NONE:
		return "running";
	case SIM_END_QUIET:
		return "quiescent";
	case SIM_END_STOP:
		return "stop-time";
	case SIM_END_LIMIT:
		return "event-limit";
	case SIM_END_INTERRUPT:
		return "interrupted";
	case SIM_END_NOMEM:
		return "out-of-memory";
	case SIM_END_CONNS:
		return "connection-limit";
	case SIM_END_MEMORY:
		return "memory-limit";
	}
	return "?";
}
