/* builtin.c — look up the compiled-in scenarios. */
#include "sim/scenario/builtin.h"

#include <string.h>

const struct builtin_scenario *builtin_find(const char *name)
{
	for (size_t i = 0; i < builtin_count; i++)
		if (strcmp(builtin_scenarios[i].name, name) == 0)
			return &builtin_scenarios[i];
	return NULL;
}
