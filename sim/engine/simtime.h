/* simtime.h — simulated time: int64_t nanoseconds, parsed and printed exactly.
 *
 * The engine and the models never use floating point for time. Scenario
 * durations are written with units ("250ms", "1.5s", "2h30m") and converted
 * to whole nanoseconds; a value that is not a whole number of nanoseconds,
 * or that does not fit in int64_t, is rejected rather than rounded.
 */
#ifndef TCPSIM_SIMTIME_H
#define TCPSIM_SIMTIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t sim_time_t;

#define SIM_NS(x) ((sim_time_t)(x))
#define SIM_US(x) ((sim_time_t)(x) * 1000)
#define SIM_MS(x) ((sim_time_t)(x) * 1000000)
#define SIM_S(x) ((sim_time_t)(x) * 1000000000)
#define SIM_MIN(x) (SIM_S(x) * 60)
#define SIM_HOUR(x) (SIM_S(x) * 3600)
#define SIM_TIME_MAX INT64_MAX
#define SIM_TIME_NEVER INT64_MAX

/* Parse a non-negative duration: one or more parts "DIGITS[.DIGITS]UNIT",
 * UNIT one of ns us ms s m h, their units from the largest to the
 * smallest and each once ("2h30m", "1s500ms"), decimals only in the last
 * part ("1m1.5s"); "0" alone needs no unit. Returns 0 and sets *out, or
 * -1 and points *err at a static message. */
int sim_time_parse(const char *s, sim_time_t *out, const char **err);

/* Write t as seconds with nine decimals ("12.000250000"); returns the
 * length as snprintf does. */
int sim_time_fmt(sim_time_t t, char *buf, size_t n);

/* Write t in the shortest exact form with a unit ("250ms", "1.5s", "2h");
 * returns the length as snprintf does. */
int sim_time_fmt_short(sim_time_t t, char *buf, size_t n);

#endif
