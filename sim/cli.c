/* cli.c — what the tcpsim commands share. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

bool cli_is_path(const char *s)
{
	return strchr(s, '/') || strchr(s, '.');
}

int cli_load(const char *name, struct scenario **scn)
{
	struct scn_error err;
	char msg[2048];
	int rc;
	if (!name)
		name = BUILTIN_DEFAULT;
	const struct builtin_scenario *b = cli_is_path(name) ? NULL
							 : builtin_find(name);
	if (b) {
		char file[128];
		snprintf(file, sizeof file, "%s (built-in)", b->name);
		rc = scn_load_string(file, b->text, b->len, scn, &err);
	} else if (!cli_is_path(name) && access(name, F_OK) != 0) {
		fprintf(stderr, "tcpsim: no scenario file or built-in scenario "
				"named '%s' (try 'tcpsim list')\n",
			name);
		return -1;
	} else {
		rc = scn_load_file(name, scn, &err);
	}
	if (rc < 0) {
		scn_error_format(&err, msg, sizeof msg);
		fputs(msg, stderr);
		return -1;
	}
	return 0;
}
