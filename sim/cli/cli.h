/* cli.h — the tcpsim commands beyond `run`, and what commands share.
 *
 * Exit statuses, for every command: 0 success; 1 a run or comparison
 * failed (an expectation, a golden trace that differs, a run that did not
 * finish); 2 a usage or input error.
 */
#ifndef TCPSIM_CLI_H
#define TCPSIM_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>

#include "sim/scenario/scenario.h"
#include "sim/run/world.h"
#include "sim/verdict/tracecmp.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* True if s names a file rather than a built-in scenario: it holds a '/'
 * or a '.'. */
bool cli_is_path(const char *s);
/* Load a scenario file, or the built-in scenario called name (NULL: the
 * default one). Errors are printed to standard error; returns 0 or -1. */
int cli_load(const char *name, struct scenario **scn);

/* Parse the value of option `opt` as a whole number; prints why not.
 * Returns 0 or -1. */
int cli_parse_u64(const char *opt, const char *v, uint64_t *out);
/* The command's one scenario operand, argv[*ind] if there is one (left
 * NULL otherwise); more is an error, printed. Returns 0 or -1. */
int cli_take_scenario(const char *cmd, int argc, char **argv, int *ind,
		      const char **scenario);
/* cli_load, then build its world with o (errors printed). Returns 0
 * with *w built, or -1 (*scn, if loaded, is the caller's to free). */
int cli_load_world(const char *name, const struct world_opts *o,
		   struct scenario **scn, struct world *w);
/* --hosts LIST against w's hosts: a new array of which it names (freed by
 * the caller), or NULL having said why on standard error. */
bool *cli_hosts(const struct world *w, const char *list);
/* Attach sink s to w's trace (NULL: out of memory, which is printed);
 * returns 0, or -1 with s destroyed. */
int cli_attach(struct world *w, struct trace_sink *s);
/* What each sink whose finish or commit failed says went wrong, and what
 * each renderer said while it succeeded, on standard error. */
void cli_print_sink_errors(const struct trace *tr);
void cli_print_sink_warnings(const struct trace *tr);
/* After a run: true, with FILE:LINE:COL printed, if a rule marked
 * must-match never acted (it describes a segment that does not exist:
 * the scenario is wrong, and no output is kept). */
bool cli_idle_rule(const struct world *w);
/* After a run, onto f: a warning for each rule that never acted on a
 * segment (must-match makes it an error: cli_idle_rule), saying so when
 * its flags fit no segment TCP sends, and for each host whose
 * application made calls that could not be made. */
void cli_warn(const struct world *w, FILE *f);
/* After a run: true, with "FILE: N segments found no route" and the
 * first of them printed to f, if segments found no route and no
 * expectation says the scenario means them: the run fails as an
 * expectation does. */
bool cli_noroute(const struct world *w, FILE *f);
/* ---- the options of every command that runs a scenario ---------------
 *
 * --seed, --stop, --max-events, --max-conns and --max-memory are one
 * table, one parser and one help text for run, plot and sweep (which has
 * --seeds instead of --seed). A command builds its getopt_long table with
 * cli_options() and hands each option to cli_run_option() first. */

/* Which of the shared options a command takes. */
enum { CLI_SEED = 1, CLI_LIMITS = 2 };

/* Room for a command's options: its own plus the shared ones. */
#define CLI_MAX_OPTIONS 40
/* What cli_getopt returns for a shared option with a wrong value. */
#define CLI_BAD_VALUE (-2)

/* getopt_long(argc, argv, shortopts, ...) over the shared options `which`
 * asks for and the command's own (`own`, ending with a zero entry): the
 * shared ones are applied to o as they come, and the next of the
 * command's own is returned; -1 at the end, CLI_BAD_VALUE if a shared
 * option's value was wrong (said). */
int cli_getopt(int argc, char **argv, const char *shortopts, unsigned which,
	       const struct option *own, struct world_opts *o);
/* The help lines of the shared options `which` asks for. */
void cli_run_options_help(FILE *f, unsigned which);
/* If the run ended at one of its limits (events, connections, memory)
 * or ran out of memory, say so on f, with the option that raises the
 * limit, and return true. */
bool cli_report_limit(FILE *f, const struct world *w, enum sim_end end);
/* Print what a renderer said while it succeeded (diag_warning_fmt),
 * each line as "tcpsim: LINE" on standard error: never swallowed. */
void cli_print_said(const char *said);
/* Parse the value of --stop (a time after 0s), --max-events or
 * --max-conns (at least 1) or --max-memory (a size), as `opt` says, into
 * o; prints why not. Returns 0 or -1. */
int cli_parse_limit(const char *opt, const char *v, struct world_opts *o);
/* The text of a scenario file or built-in scenario (NULL: the default
 * one), which the caller frees, and its name for messages in file.
 * Errors are printed; returns 0 or -1. */
int cli_scenario_text(const char *name, char **text, size_t *len,
		      char *file, size_t n);

/* A progress bar on standard error: runs done, runs/s, time left. */
struct cli_progress {
	double t0, last;
	bool shown;
};
struct cli_progress cli_progress_start(void);
/* A batch's progress callback (batch.h), with a struct cli_progress. */
void cli_progress_show(void *ctx, uint64_t done, uint64_t total);
/* Clear the bar, if one was drawn. */
void cli_progress_end(struct cli_progress *p);
/* Seconds since the bar started. */
double cli_progress_elapsed(const struct cli_progress *p);

/* --set PATH=VALUE: a copy of PATH in *path (the caller frees it) and
 * VALUE in *value; `example` shows the form in the message ("VALUES,
 * e.g. links.0.loss=0:0.3:0.02"); a PATH one of the n before it names
 * already is refused. Prints why not; returns 0 or -1. */
int cli_split_set(const char *arg, const char *example, char *const *before,
		  size_t n, char **path, const char **value);
/* --jobs J: 1 to 256 worker processes; prints why not. Returns 0 or -1. */
int cli_parse_jobs(const char *v, long *jobs);
/* Before many runs in this process (sweep, explore): keep the heap's top
 * instead of giving it back between runs. */
void cli_keep_heap(void);

/* The usage of tcpsim and of tcpsim run (main.c). */
void cli_usage(FILE *f);

/* tcpsim run [SCENARIO] [OPTIONS] (cmd_run.c; docs/cli.md). */
int cmd_run(int argc, char **argv, const volatile sig_atomic_t *interrupt);
/* tcpsim list: the built-in scenarios (cmd_list.c). */
int cmd_list(void);
/* tcpsim show NAME: a built-in scenario's YAML, as its file has it
 * (cmd_list.c). */
int cmd_show(int argc, char **argv);
/* tcpsim pkt [--profile NAME] [-v] SCRIPT.pkt... (cmd_pkt.c,
 * docs/pkt.md). */
int cmd_pkt(int argc, char **argv);

/* The options of check and diff (compare.c). */
struct cmp_args {
	const char *golden;
	bool update, quiet;
	struct tcmp_opts cmp;
	char *ignore_lists[TCMP_MAX_IGNORE];
	int nlists;
};
/* Their usage, together. */
void cmp_usage(FILE *f);
/* Parse the options common to check and diff (is_check: those of check
 * too); the operands are left in argv[optind..argc). Returns 0, 1 for
 * --help, or -1 (said). */
int cmp_parse_args(int argc, char **argv, struct cmp_args *a, bool is_check);
/* Free what parsing kept. */
void cmp_free_args(struct cmp_args *a);

/* tcpsim check SCENARIO.yaml... | DIR [--golden FILE] [--update]
 *        [--ignore FIELDS] [--context N] [-q] */
int cmd_check(int argc, char **argv, const volatile sig_atomic_t *interrupt);
/* tcpsim diff A.trace B.trace [--ignore FIELDS] [--context N] */
int cmd_diff(int argc, char **argv);

/* tcpsim plot KIND SCENARIO -o FILE.svg|.png|.pdf [OPTIONS]
 * (docs/plots.md); stops early, writing nothing, once *interrupt is
 * set. */
int cmd_plot(int argc, char **argv, const volatile sig_atomic_t *interrupt);

/* tcpsim sweep SCENARIO --set PATH=VALUES... -o FILE.csv [OPTIONS]
 * (docs/sweep.md); stops early, writing nothing, once *interrupt is
 * set. */
int cmd_sweep(int argc, char **argv, const volatile sig_atomic_t *interrupt);
/* tcpsim explore SCENARIO --drops K ... (cmd_explore.c). */
int cmd_explore(int argc, char **argv, const volatile sig_atomic_t *interrupt);

/* Is the capture to path pcapng (1) or classic pcap (0)? --pcap-format
 * (fmt, may be NULL) says, else a path ending in ".pcapng" is pcapng;
 * -1 (said) if fmt is neither "pcap" nor "pcapng". */
int cli_pcap_ng(const char *path, const char *fmt);

#endif
