/* builtin.h — the scenarios compiled into the binary.
 *
 * The build turns every scenarios/NAME.yaml into a string
 * (build/gen/builtin_data.c), so `tcpsim run` works without the source tree
 * and `tcpsim run NAME` finds a scenario by name.
 */
#ifndef TCPSIM_BUILTIN_H
#define TCPSIM_BUILTIN_H

#include <stddef.h>

struct builtin_scenario {
	const char *name;  /* file name without .yaml */
	const char *text;
	size_t len;
};

extern const struct builtin_scenario builtin_scenarios[];
extern const size_t builtin_count;

/* The scenario run when none is named. */
#define BUILTIN_DEFAULT "handshake-and-close"

/* The built-in scenario called name, or NULL. */
const struct builtin_scenario *builtin_find(const char *name);

#endif
