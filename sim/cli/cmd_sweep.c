/* cmd_sweep.c — `tcpsim sweep`: one scenario over parameter values and
 * seeds, into a CSV table and, optionally, a plot (docs/sweep.md).
 *
 * Every combination's scenario is loaded and checked before the first
 * run, so a bad value is reported at once and the workers (sim/run/sweep.h)
 * inherit the loaded scenarios. The table and the plot are written to
 * temporary files and appear only when both are complete; an interrupted
 * sweep leaves neither. What goes to standard output is a function of
 * the scenario, the values and the seeds only; the progress bar and the
 * speed go to standard error, on a terminal.
 *
 * In tcpsim-mpi every rank runs this command and takes part in the runs
 * (sim/run/batch.h); only the leader opens, draws and writes anything,
 * so only its node needs gnuplot and a place for the files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/diagram/diagram.h"
#include "sim/diagram/gnuplot.h"
#include "sim/diagram/sweep_plot.h"
#include "sim/out/outfile.h"
#include "sim/run/batch.h"
#include "sim/run/sweep.h"

#define MAX_PARAMS 16

struct sweep_args {
	const char *scenario;
	const char *set[MAX_PARAMS];
	int nset;
	const char *seeds;
	const char *metrics;
	const char *out;
	const char *plot;
	const char *plot_metric;
	bool logx, logy;        /* --plot-log */
	long jobs;
	struct world_opts wopts;
	bool quiet;
};

static void sweep_usage(FILE *f)
{
	fprintf(f,
		"Usage: tcpsim sweep SCENARIO --set PATH=VALUES... -o FILE.csv\n"
		"                    [OPTIONS]\n"
		"\n"
		"Runs SCENARIO for every combination of the --set values, each\n"
		"with every seed, and writes one CSV row per run and a summary per\n"
		"combination (n, mean, median, p5, p95, min, max, proportion).\n"
		"\n"
		"Options:\n"
		"      --set PATH=VALUES a scenario value to vary (repeatable):\n"
		"                        PATH is keys and list indices joined by\n"
		"                        dots (links.0.loss, tcp.handshake);\n"
		"                        VALUES is a comma list of values and\n"
		"                        ranges FIRST:LAST:STEP (0:0.3:0.02)\n"
		"      --seeds N|A:B     seeds 1 to N, or A to B (default 10)\n"
		"  -j, --jobs J          worker processes (default: the CPUs)\n"
		"  -m, --metric LIST     what to measure, comma-separated:\n"
		"                        %s\n"
		"                        (default: %s,\n"
		"                        and expect if the scenario has some)\n"
		"  -o, --output FILE     the CSV table ('-': standard output)\n"
		"      --plot FILE       plot a metric against the first --set\n"
		"                        parameter: .svg, .png or .pdf (gnuplot)\n"
		"      --plot-metric M   the metric to plot (default: the first)\n"
		"      --plot-log AXES   log scale on x, y or xy\n",
		sweep_metric_names(), SWEEP_DEFAULT_METRICS);
	cli_run_options_help(f, CLI_LIMITS);
	fputs("  -q, --quiet           no summary, no progress bar\n"
	      "  -h, --help            show this help\n",
	      f);
}

static int parse_sweep_args(int argc, char **argv, struct sweep_args *a)
{
	static const struct option opts[] = {
		{"set", required_argument, NULL, 'S'},
		{"seeds", required_argument, NULL, 'n'},
		{"jobs", required_argument, NULL, 'j'},
		{"metric", required_argument, NULL, 'm'},
		{"output", required_argument, NULL, 'o'},
		{"plot", required_argument, NULL, 'p'},
		{"plot-metric", required_argument, NULL, 'P'},
		{"plot-log", required_argument, NULL, 'G'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = cli_getopt(argc, argv, ":j:m:o:qh", CLI_LIMITS, opts,
				&a->wopts)) != -1) {
		if (c == CLI_BAD_VALUE)
			return -1;
		switch (c) {
		case 'S':
			if (a->nset >= MAX_PARAMS) {
				fprintf(stderr, "tcpsim: at most %d --set "
						"options\n",
					MAX_PARAMS);
				return -1;
			}
			a->set[a->nset++] = optarg;
			break;
		case 'n':
			a->seeds = optarg;
			break;
		case 'j':
			if (cli_parse_jobs(optarg, &a->jobs) < 0)
				return -1;
			break;
		case 'm':
			a->metrics = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'p':
			a->plot = optarg;
			break;
		case 'P':
			a->plot_metric = optarg;
			break;
		case 'G':
			a->logx = strcmp(optarg, "x") == 0 ||
				  strcmp(optarg, "xy") == 0;
			a->logy = strcmp(optarg, "y") == 0 ||
				  strcmp(optarg, "xy") == 0;
			if (!a->logx && !a->logy) {
				fprintf(stderr, "tcpsim: --plot-log takes x, y "
						"or xy (found '%s')\n",
					optarg);
				return -1;
			}
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			sweep_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "tcpsim: %s needs a value\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "tcpsim: sweep has no option '%s'; try "
					"'tcpsim sweep --help'\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (cli_take_scenario("sweep", argc, argv, &optind, &a->scenario) < 0)
		return -1;
	if (!a->scenario) {
		fputs("tcpsim: sweep needs a scenario; try 'tcpsim sweep "
		      "--help'\n",
		      stderr);
		return -1;
	}
	if (!a->out) {
		fputs("tcpsim: sweep needs -o FILE.csv for its results\n",
		      stderr);
		return -1;
	}
	if ((a->plot_metric || a->logx || a->logy) && !a->plot) {
		fprintf(stderr, "tcpsim: %s needs --plot FILE\n",
			a->plot_metric ? "--plot-metric" : "--plot-log");
		return -1;
	}
	return 0;
}

/* --seeds: "N" is 1 to N, "A:B" is A to B. */
static int parse_seeds(const char *s, uint64_t **seeds, size_t *n)
{
	uint64_t a = 1, b = 10;
	if (s) {
		const char *colon = strchr(s, ':');
		char first[32];
		if (colon) {
			size_t l = (size_t)(colon - s);
			if (l >= sizeof first) {
				fprintf(stderr, "tcpsim: --seeds: '%s' is not N or "
						"FIRST:LAST\n",
					s);
				return -1;
			}
			memcpy(first, s, l);
			first[l] = '\0';
			if (cli_parse_u64("--seeds", first, &a) < 0 ||
			    cli_parse_u64("--seeds", colon + 1, &b) < 0)
				return -1;
			if (b < a) {
				fprintf(stderr, "tcpsim: --seeds %s: the last seed "
						"is less than the first\n",
					s);
				return -1;
			}
		} else {
			if (cli_parse_u64("--seeds", s, &b) < 0)
				return -1;
			if (b == 0) {
				fputs("tcpsim: --seeds must be at least 1\n",
				      stderr);
				return -1;
			}
		}
	}
	if (b - a >= SWEEP_MAX_RUNS) {
		fprintf(stderr, "tcpsim: --seeds: at most %d seeds\n",
			SWEEP_MAX_RUNS);
		return -1;
	}
	*n = (size_t)(b - a + 1);
	*seeds = malloc(*n * sizeof **seeds);
	if (!*seeds) {
		fputs("tcpsim: out of memory\n", stderr);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		(*seeds)[i] = a + i;
	return 0;
}

/* ---- the summary on the terminal --------------------------------------- */

/* One metric's headline: a share for yes/no, the median for times and
 * counts, the shares for `end`. */
static void headline(const struct sweep_metric *m, const struct sweep_stats *st,
		     char *buf, size_t n)
{
	switch (sweep_metric_unit(m)) {
	case SU_FLAG:
		sweep_stat_fmt(m, st, "percent", buf, n);
		break;
	case SU_END:
		sweep_stat_fmt(m, st, "proportion", buf, n);
		break;
	default:
		sweep_stat_fmt(m, st, "median", buf, n);
		break;
	}
	if (!buf[0])
		snprintf(buf, n, "-");
}

static void print_summary(FILE *f, const struct sweep *sw,
			  const char *const *params, size_t np,
			  const char *const *const *value, const int64_t *res)
{
	int64_t *scratch = malloc(sw->nseeds * sizeof *scratch);
	if (!scratch)
		return;
	fprintf(f, "%zu combination%s × %zu seed%s = %llu runs; per "
		   "combination: yes/no as a share of the runs, end as each "
		   "way's share, the rest as medians (times in s)\n",
		sw->ncombos, sw->ncombos == 1 ? "" : "s", sw->nseeds,
		sw->nseeds == 1 ? "" : "s",
		(unsigned long long)sw->ncombos * sw->nseeds);
	for (size_t c = 0; c < sw->ncombos; c++) {
		if (c == 50) {
			fprintf(f, "  ... and %zu more combinations (all in the "
				   "CSV)\n",
				sw->ncombos - 50);
			break;
		}
		fputs(" ", f);
		for (size_t i = 0; i < np; i++)
			fprintf(f, " %s=%s", params[i], value[c][i]);
		if (np)
			fputs(":", f);
		for (size_t j = 0; j < sw->nm; j++) {
			struct sweep_stats st;
			char buf[256];
			sweep_stats(sw, res, c, j, scratch, &st);
			headline(&sw->m[j], &st, buf, sizeof buf);
			fprintf(f, " %s=%s", sw->m[j].name, buf);
		}
		fputc('\n', f);
	}
	free(scratch);
}

/* ---- the command ----------------------------------------------------------- */

/* One sweep command's state, phase by phase. */
struct sweep_cmd {
	struct sweep_args a;
	struct sweep_values vals[MAX_PARAMS];
	char *paths[MAX_PARAMS];
	size_t ncombos;
	char *text;                 /* the scenario's, before any --set */
	size_t len;
	char file[600];
	struct scenario **scns;     /* one per combination */
	size_t nloaded;
	const char ***value;        /* per combination, per --set */
	uint64_t *seeds;
	size_t nseeds;
	struct sweep_metric metrics[SWEEP_MAX_METRICS];
	int nm;
	size_t pm;                  /* the metric plotted */
	struct sweep_plot pin;
	struct sweep sw;
	int64_t *res;
	struct outfile out, pic;
	double took;
	bool tty;
	char err[1024], said[1100];
};

/* --set PATH=VALUES, each into its path and its values. */
static int parse_sets(struct sweep_cmd *sc)
{
	sc->ncombos = 1;
	for (int i = 0; i < sc->a.nset; i++) {
		const char *set = sc->a.set[i], *values;
		if (cli_split_set(set, "VALUES, e.g. links.0.loss=0:0.3:0.02",
				  sc->paths, (size_t)i, &sc->paths[i],
				  &values) < 0)
			return -1;
		if (sweep_parse_values(values, &sc->vals[i], sc->err,
				       sizeof sc->err) < 0) {
			fprintf(stderr, "tcpsim: --set %s: %s\n", set, sc->err);
			return -1;
		}
		if (sc->vals[i].n > SWEEP_MAX_RUNS / sc->ncombos) {
			fprintf(stderr, "tcpsim: more than %d combinations\n",
				SWEEP_MAX_RUNS);
			return -1;
		}
		sc->ncombos *= sc->vals[i].n;
	}
	if (parse_seeds(sc->a.seeds, &sc->seeds, &sc->nseeds) < 0)
		return -1;
	if (sc->nseeds > SWEEP_MAX_RUNS / sc->ncombos) {
		fprintf(stderr, "tcpsim: %zu combinations × %zu seeds is more than "
				"%d runs\n",
			sc->ncombos, sc->nseeds, SWEEP_MAX_RUNS);
		return -1;
	}
	return 0;
}

/* Every combination's scenario, loaded and checked before any run:
 * combination c takes value c / (product of the later parameters'
 * counts) of each, the last parameter varying fastest. */
static int load_combos(struct sweep_cmd *sc)
{
	if (cli_scenario_text(sc->a.scenario, &sc->text, &sc->len, sc->file,
			      sizeof sc->file) < 0)
		return -1;
	sc->scns = calloc(sc->ncombos, sizeof *sc->scns);
	sc->value = calloc(sc->ncombos, sizeof *sc->value);
	if (!sc->scns || !sc->value) {
		fputs("tcpsim: out of memory\n", stderr);
		return -1;
	}
	int np = sc->a.nset;
	for (size_t c = 0; c < sc->ncombos; c++) {
		struct scn_set sets[MAX_PARAMS];
		struct scn_error e;
		sc->value[c] = calloc((size_t)np + 1, sizeof *sc->value[c]);
		if (!sc->value[c]) {
			fputs("tcpsim: out of memory\n", stderr);
			return -1;
		}
		size_t rest = c;
		for (int i = np; i-- > 0;) {
			sc->value[c][i] = sc->vals[i].v[rest % sc->vals[i].n];
			rest /= sc->vals[i].n;
			sets[i] = (struct scn_set){sc->paths[i], sc->value[c][i]};
		}
		if (scn_load_string_set(sc->file, sc->text, sc->len, sets,
					(size_t)np, &sc->scns[c], &e) < 0) {
			char msg[2048];
			scn_error_format(&e, msg, sizeof msg);
			fputs(msg, stderr);
			return -1;
		}
		sc->nloaded = c + 1;
	}
	return 0;
}

/* The metrics asked for (or the default ones), and the one plotted;
 * then what the plot needs, checked before the runs. */
static int choose_metrics(struct sweep_cmd *sc)
{
	const char *mlist = sc->a.metrics;
	char deflist[256];
	if (!mlist) {
		snprintf(deflist, sizeof deflist, "%s%s", SWEEP_DEFAULT_METRICS,
			 sc->scns[0]->nexpects ? ",expect" : "");
		mlist = deflist;
	}
	sc->nm = sweep_parse_metrics(mlist, sc->scns[0], sc->metrics, sc->err,
				     sizeof sc->err);
	if (sc->nm < 0) {
		fprintf(stderr, "tcpsim: %s\n", sc->err);
		return -1;
	}
	size_t nm = (size_t)sc->nm;
	if (sc->a.plot_metric) {
		while (sc->pm < nm &&
		       strcmp(sc->metrics[sc->pm].name, sc->a.plot_metric))
			sc->pm++;
		if (sc->pm == nm) {
			fprintf(stderr, "tcpsim: --plot-metric %s is not one of the "
					"--metric list\n",
				sc->a.plot_metric);
			return -1;
		}
	}
	if (!sc->a.plot)
		return 0;
	if (sc->a.nset == 0) {
		fputs("tcpsim: --plot draws a metric against the first --set "
		      "parameter; give one\n",
		      stderr);
		return -1;
	}
	if (sweep_metric_unit(&sc->metrics[sc->pm]) == SU_END) {
		fprintf(stderr, "tcpsim: --plot: '%s' is a category, not a "
				"number; plot completed, failed or an "
				"expectation instead\n",
			sc->metrics[sc->pm].name);
		return -1;
	}
	/* a log scale needs numbers above 0 on its axis */
	if (sc->a.logy && sweep_metric_unit(&sc->metrics[sc->pm]) == SU_FLAG) {
		fprintf(stderr, "tcpsim: --plot-log y: '%s' is drawn as a "
				"share of the runs, from 0 to 1; a log scale is "
				"for numbers\n",
			sc->metrics[sc->pm].name);
		return -1;
	}
	for (size_t i = 0; sc->a.logx && i < sc->vals[0].n; i++) {
		double x;
		char unit[16];
		if (!sweep_value_number(sc->vals[0].v[i], &x, unit,
					sizeof unit) ||
		    x <= 0) {
			fprintf(stderr, "tcpsim: --plot-log x: the values of "
					"%s must be numbers above 0 (found "
					"'%s')\n",
				sc->paths[0], sc->vals[0].v[i]);
			return -1;
		}
	}
	sc->pin.logx = sc->a.logx;
	sc->pin.logy = sc->a.logy;
	if (!batch_leader())
		return 0;
	sc->pin.fmt = diag_prepare(sc->a.plot, "gnuplot", "gnuplot-nox", "",
				   sc->err, sizeof sc->err);
	if (!sc->pin.fmt) {
		fprintf(stderr, "tcpsim: --plot: %s\n", sc->err);
		return -1;
	}
	return 0;
}

/* Every run, with a progress bar on a terminal. Returns EXIT_OK, or the
 * status to end with. */
static int run_all(struct sweep_cmd *sc,
		   const volatile sig_atomic_t *interrupt)
{
	size_t n = sc->ncombos * sc->nseeds * (size_t)sc->nm;
	sc->res = malloc(n * sizeof *sc->res);
	if (!sc->res) {
		fputs("tcpsim: out of memory for the results\n", stderr);
		return EXIT_USAGE;
	}
	cli_keep_heap();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct cli_progress prog = cli_progress_start();
	sc->tty = !sc->a.quiet && batch_leader() && isatty(STDERR_FILENO);
	sc->sw = (struct sweep){
		.scns = (const struct scenario *const *)sc->scns,
		.ncombos = sc->ncombos,
		.seeds = sc->seeds,
		.nseeds = sc->nseeds,
		.m = sc->metrics,
		.nm = (size_t)sc->nm,
		.wopts = sc->a.wopts,
		.jobs = (int)(sc->a.jobs ? sc->a.jobs : cpus > 0 ? cpus : 1),
		.progress = sc->tty ? cli_progress_show : NULL,
		.ctx = &prog,
		.interrupt = interrupt,
	};
	int rc = sweep_run(&sc->sw, sc->res, sc->err, sizeof sc->err);
	cli_progress_end(&prog);
	if (rc == -2) {
		fputs("tcpsim: interrupted; no output file was written\n",
		      stderr);
		return EXIT_FAILED;
	}
	if (rc < 0) {
		fprintf(stderr, "tcpsim: sweep: %s\n", sc->err);
		return EXIT_FAILED;
	}
	sc->took = cli_progress_elapsed(&prog);
	return EXIT_OK;
}

/* The table, the plot, then both made to appear; the summary. Returns
 * the status to end with. */
static int write_outputs(struct sweep_cmd *sc)
{
	const struct sweep_args *a = &sc->a;
	const char *const *pnames = (const char *const *)sc->paths;
	const char *const *const *pval =
		(const char *const *const *)sc->value;
	if (sweep_write_csv(sc->out.f, &sc->sw, pnames, (size_t)a->nset,
			    pval, sc->res) < 0) {
		fprintf(stderr, "tcpsim: writing %s failed: %s\n", a->out,
			strerror(errno));
		return EXIT_USAGE;
	}
	if (a->plot) {
		struct sweep_plot *p = &sc->pin;
		p->sw = &sc->sw;
		p->params = pnames;
		p->np = (size_t)a->nset;
		p->value = pval;
		p->vals = sc->vals;
		p->res = sc->res;
		p->metric = sc->pm;
		p->scenario = sc->scns[0]->name;
		if (sweep_plot_prepare(p) < 0) {
			fputs("tcpsim: out of memory\n", stderr);
			return EXIT_USAGE;
		}
		if (p->nkeep == 0) {
			/* the table is right; there is just nothing to draw */
			if (outfile_commit(&sc->out, sc->err, sizeof sc->err) < 0) {
				fprintf(stderr, "tcpsim: %s\n", sc->err);
				return EXIT_USAGE;
			}
			fprintf(stderr, "tcpsim: --plot: no run has a value of %s, "
					"so there is nothing to draw; the table "
					"is in %s\n",
				sc->metrics[sc->pm].name, a->out);
			return EXIT_FAILED;
		}
		if (gnuplot_render(a->plot, &sc->pic, sweep_plot_script, p,
				   sc->err, sizeof sc->err, sc->said,
				   sizeof sc->said) < 0) {
			fprintf(stderr, "tcpsim: --plot: %s\n", sc->err);
			return EXIT_USAGE;
		}
	}
	if (outfile_commit(&sc->out, sc->err, sizeof sc->err) < 0 ||
	    (a->plot && outfile_commit(&sc->pic, sc->err, sizeof sc->err) < 0)) {
		fprintf(stderr, "tcpsim: %s\n", sc->err);
		return EXIT_USAGE;
	}
	cli_print_said(sc->said);
	size_t runs = sc->ncombos * sc->nseeds;
	if (sc->tty)
		fprintf(stderr, "sweep: %llu runs in %.2f s (%.0f runs/s, %d "
				"job%s)\n",
			(unsigned long long)runs, sc->took,
			sc->took > 0 ? (double)runs / sc->took : 0.0,
			sc->sw.jobs, sc->sw.jobs == 1 ? "" : "s");
	if (!a->quiet && strcmp(a->out, "-") != 0)
		print_summary(stdout, &sc->sw, pnames, (size_t)a->nset, pval,
			      sc->res);
	return EXIT_OK;
}

static void free_cmd(struct sweep_cmd *sc)
{
	outfile_abort(&sc->out);
	outfile_abort(&sc->pic);
	for (size_t c = 0; c < sc->nloaded; c++)
		scn_free(sc->scns[c]);
	if (sc->value)
		for (size_t c = 0; c < sc->ncombos; c++)
			free(sc->value[c]);
	free(sc->value);
	free(sc->scns);
	for (int i = 0; i < sc->a.nset; i++) {
		free(sc->paths[i]);
		sweep_values_free(&sc->vals[i]);
	}
	free(sc->res);
	sweep_plot_fini(&sc->pin);
	free(sc->seeds);
	free(sc->text);
	free(sc);
}

int cmd_sweep(int argc, char **argv, const volatile sig_atomic_t *interrupt)
{
	struct sweep_cmd *sc = calloc(1, sizeof *sc);
	if (!sc) {
		fputs("tcpsim: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	int status = EXIT_USAGE;
	int rc = parse_sweep_args(argc, argv, &sc->a);
	if (rc) {
		status = rc > 0 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	if (parse_sets(sc) < 0 || load_combos(sc) < 0 ||
	    choose_metrics(sc) < 0)
		goto out;
	bool leader = batch_leader();
	if (leader &&
	    outfile_open(&sc->out, sc->a.out, sc->err, sizeof sc->err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", sc->err);
		goto out;
	}
	status = run_all(sc, interrupt);
	if (status == EXIT_OK && leader)
		status = write_outputs(sc);
out:
	free_cmd(sc);
	return status;
}
