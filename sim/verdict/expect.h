/* expect.h — the verdicts on a scenario's expectations.
 *
 * The scenario loader fills struct expectation (sim/scenario/
 * expectation.h); an expect_run watches the trace as a sink, then judges
 * each expectation after the run and explains every failure: what was
 * expected, and what happened instead.
 */
#ifndef TCPSIM_EXPECT_H
#define TCPSIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/app.h"
#include "sim/engine/trace.h"
#include "sim/scenario/expectation.h"

struct expect_run;

/* What a run leaves for the verdicts: its trace (host names and
 * addresses) and every host's application, whose sockets say what was
 * delivered and how each connection ended. */
struct expect_outcome {
	const struct trace *tr;
	const struct app *apps;     /* one per host */
	size_t napps;
};

/* Watch a run for these expectations (kept by reference); the returned
 * sink must be attached to the run's trace, and is owned by it. */
struct expect_run *expect_new(const struct expectation *e, size_t n,
			      struct trace_sink **sink);
/* Judge every expectation after the run; returns how many fail. */
size_t expect_judge(struct expect_run *r, const struct expect_outcome *o);
/* As expect_judge, without the explanations (expect_report then says
 * only pass or fail): what a sweep needs, many times over. */
size_t expect_verdicts(struct expect_run *r,
		       const struct expect_outcome *o);
/* Print the verdicts: one line each, failures explained. */
void expect_report(const struct expect_run *r, FILE *f);
/* Free the verdicts (the sink is freed with the trace). */
void expect_free(struct expect_run *r);
/* Number of expectations that held / failed after expect_judge. */
size_t expect_passed(const struct expect_run *r);
size_t expect_failed(const struct expect_run *r);
/* After expect_judge: whether expectation i (from 0) held. */
bool expect_ok(const struct expect_run *r, size_t i);

#endif
