/* cmd_list.c — the built-in scenarios: `tcpsim list`, each with the
 * first sentence of its description; `tcpsim show NAME`, one's YAML. */
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

int cmd_show(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
			  strcmp(argv[1], "--help") == 0)) {
		puts("Usage: tcpsim show NAME\n\n"
		     "Print the YAML of the built-in scenario NAME (tcpsim "
		     "list names\nthem), as its file has it: save it, edit "
		     "it, run it with\ntcpsim run FILE.yaml.");
		return EXIT_OK;
	}
	if (argc != 2) {
		fputs("tcpsim: show takes one built-in scenario's name "
		      "(tcpsim list names them)\n",
		      stderr);
		return EXIT_USAGE;
	}
	const struct builtin_scenario *b = builtin_find(argv[1]);
	if (!b) {
		fprintf(stderr, "tcpsim: show: no built-in scenario '%s' "
				"(tcpsim list names them)\n",
			argv[1]);
		return EXIT_USAGE;
	}
	if (fwrite(b->text, 1, b->len, stdout) != b->len ||
	    fflush(stdout) != 0) {
		fputs("tcpsim: show: writing the scenario failed\n", stderr);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
