/* cli.h — the tcpsim commands beyond `run`, and what commands share.
 *
 * Exit statuses, for every command: 0 success; 1 a run or comparison
 * failed (an expectation, a golden trace that differs, a run that did not
 * finish); 2 a usage or input error.
 */
#ifndef TCPSIM_CLI_H
#define TCPSIM_CLI_H

#include "scenario.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* True if s names a file rather than a built-in scenario: it holds a '/'
 * or a '.'. */
bool cli_is_path(const char *s);
/* Load a scenario file, or the built-in scenario called name (NULL: the
 * default one). Errors are printed to standard error; returns 0 or -1. */
int cli_load(const char *name, struct scenario **scn);

/* tcpsim check SCENARIO.yaml... | DIR [--golden FILE] [--update]
 *        [--ignore FIELDS] [--context N] [-q] */
int cmd_check(int argc, char **argv);
/* tcpsim diff A.trace B.trace [--ignore FIELDS] [--context N] */
int cmd_diff(int argc, char **argv);

#endif
