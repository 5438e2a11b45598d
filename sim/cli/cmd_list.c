/* cmd_list.c — `tcpsim list`: the built-in scenarios, each with the first
 * sentence of its description. */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/scenario/builtin.h"

int cmd_list(void)
{
	for (size_t i = 0; i < builtin_count; i++) {
		struct scenario *scn;
		struct scn_error err;
		const struct builtin_scenario *b = &builtin_scenarios[i];
		if (scn_load_string(b->name, b->text, b->len, &scn, &err) < 0) {
			printf("%-28s (does not load: %s)\n", b->name, err.msg);
			continue;
		}
		/* The first sentence of the description is the summary. */
		const char *d = scn->description ? scn->description : "";
		size_t n = strcspn(d, ".\n");
		printf("%-28s %.*s\n", b->name, (int)n, d);
		scn_free(scn);
	}
	return EXIT_OK;
}
