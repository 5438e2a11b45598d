/* trace.c — fan events out to the sinks that asked for them. */
#include "sim/engine/trace.h"

#include <string.h>

#include "sim/engine/grow.h"

void trace_init(struct trace *tr)
{
	memset(tr, 0, sizeof *tr);
}

int trace_add_sink(struct trace *tr, struct trace_sink *s)
{
	if (grow(&tr->sinks, &tr->sinks_cap, (size_t)tr->nsinks + 1,
		 sizeof *tr->sinks, 8) < 0)
		return -1;
	tr->sinks[tr->nsinks++] = s;
	tr->mask |= s->mask;
	return 0;
}

void trace_emit(const struct trace *tr, const struct trace_event *ev)
{
	uint32_t bit = TR_BIT(ev->kind);
	for (int i = 0; i < tr->nsinks; i++)
		if (tr->sinks[i]->mask & bit)
			tr->sinks[i]->emit(tr->sinks[i], tr, ev);
}

int trace_finish(struct trace *tr)
{
	int rc = 0;
	for (int i = 0; i < tr->nsinks; i++)
		if (tr->sinks[i]->finish && tr->sinks[i]->finish(tr->sinks[i], tr) < 0)
			rc = -1;
	return rc;
}

int trace_commit(struct trace *tr)
{
	int rc = 0;
	for (int i = 0; i < tr->nsinks; i++)
		if (tr->sinks[i]->commit && tr->sinks[i]->commit(tr->sinks[i]) < 0)
			rc = -1;
	return rc;
}

void trace_fini(struct trace *tr)
{
	for (int i = 0; i < tr->nsinks; i++)
		if (tr->sinks[i]->destroy)
			tr->sinks[i]->destroy(tr->sinks[i]);
	free(tr->sinks);
	tr->sinks = NULL;
	tr->sinks_cap = 0;
	tr->nsinks = 0;
	tr->mask = 0;
}

const char *trace_host_name(const struct trace *tr, int i)
{
	if (i < 0 || i >= tr->nhosts || !tr->host_names)
		return "-";
	return tr->host_names[i];
}
