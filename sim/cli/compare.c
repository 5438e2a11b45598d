/* compare.c — the options and usage tcpsim check and tcpsim diff share
 * (cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"

void cmp_usage(FILE *f)
{
	fputs("Usage: tcpsim check SCENARIO.yaml... | DIR [OPTIONS]\n"
	      "       tcpsim diff A.trace B.trace [OPTIONS]\n"
	      "\n"
	      "check runs each scenario and compares its trace with\n"
	      "DIR/golden/NAME.trace; diff compares two trace files.\n"
	      "\n"
	      "Options:\n"
	      "      --golden FILE   (check, one scenario) compare with FILE\n"
	      "      --update        (check) write the golden trace from this\n"
	      "                      run and say what changed\n"
	      "      --ignore F,...  leave these fields out of the comparison:\n"
	      "                      time, who, kind, or keys such as win, why\n"
	      "      --with-lines    compare the scenario line of each\n"
	      "                      application call too (left out unless\n"
	      "                      asked: a comment added to a scenario\n"
	      "                      moves them all)\n"
	      "  -C, --context N     lines of context shown (3)\n"
	      "  -q, --quiet         (check) print only failures and the total\n"
	      "  -h, --help          show this help\n",
	      f);
}

int cmp_parse_args(int argc, char **argv, struct cmp_args *a,
		   bool is_check)
{
	static const struct option longopts[] = {
		{"golden", required_argument, NULL, 'g'},
		{"update", no_argument, NULL, 'u'},
		{"ignore", required_argument, NULL, 'i'},
		{"context", required_argument, NULL, 'C'},
		{"with-lines", no_argument, NULL, 'l'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char err[256];
	int c;
	bool with_lines = false;
	a->cmp.context = 3;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":C:qh", longopts, NULL)) != -1) {
		if (!is_check && (c == 'g' || c == 'u' || c == 'q')) {
			fprintf(stderr, "tcpsim: diff has no option '%s'\n",
				argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case 'g':
			a->golden = optarg;
			break;
		case 'u':
			a->update = true;
			break;
		case 'i': {
			char *copy = strdup(optarg);
			if (!copy || a->nlists == TCMP_MAX_IGNORE) {
				free(copy);
				fputs("tcpsim: too many --ignore options\n",
				      stderr);
				return -1;
			}
			a->ignore_lists[a->nlists++] = copy;
			if (tcmp_parse_ignore(&a->cmp, copy, err, sizeof err) <
			    0) {
				fprintf(stderr, "tcpsim: %s\n", err);
				return -1;
			}
			break;
		}
		case 'C': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 1000) {
				fprintf(stderr, "tcpsim: --context: '%s' is not "
						"a number of lines (0 to 1000)\n",
					optarg);
				return -1;
			}
			a->cmp.context = (int)v;
			break;
		}
		case 'q':
			a->quiet = true;
			break;
		case 'l':
			with_lines = true;
			break;
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "tcpsim: option '%s' needs a value\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "tcpsim: unknown option '%s'\n",
				argv[optind - 1]);
			return -1;
		}
	}
	/* where the scenario wrote each call is not what the run did */
	bool has_line = false;
	for (size_t i = 0; i < a->cmp.nignore; i++)
		has_line |= strcmp(a->cmp.ignore[i], "line") == 0;
	if (!with_lines && !has_line) {
		if (a->cmp.nignore == TCMP_MAX_IGNORE) {
			fputs("tcpsim: too many --ignore fields\n", stderr);
			return -1;
		}
		a->cmp.ignore[a->cmp.nignore++] = "line";
	}
	return 0;
}

void cmp_free_args(struct cmp_args *a)
{
	for (int i = 0; i < a->nlists; i++)
		free(a->ignore_lists[i]);
}
