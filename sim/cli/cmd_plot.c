/* cmd_plot.c — tcpsim plot KIND SCENARIO -o FILE: one run, drawn by
 * gnuplot (docs/plots.md).
 *
 * The kinds timeseq, cwnd, rtt and states run the scenario with the CSV
 * sink writing into a temporary directory (or --csv DIR), lay the picture
 * out from its tables (sim/diagram/plots.h) and have gnuplot draw it. The
 * kind ladder is the ladder plot sink, as `run --ladder-plot` draws it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/diagram/diagram.h"
#include "sim/diagram/diagram_sinks.h"
#include "sim/diagram/gnuplot.h"
#include "sim/diagram/hostsel.h"
#include "sim/diagram/plots.h"
#include "sim/out/outfile.h"
#include "sim/out/sink_csv.h"
#include "sim/out/sinks.h"

struct plot_args {
	enum plot_kind kind;
	const char *scenario, *out, *host;
	const char *hosts;              /* --hosts A,B */
	const char *csv_dir, *script;   /* --csv, --script: kept */
	uint64_t conn;
	bool has_conn, absolute;
	bool has_size;
	unsigned w, h;
	struct world_opts wopts;
};

static void usage(FILE *f)
{
	fputs("Usage: tcpsim plot KIND [SCENARIO] -o FILE [OPTIONS]\n"
	      "\n"
	      "Run a scenario (a file or a built-in one, as for run) and draw\n"
	      "it with gnuplot. KIND is one of:\n"
	      "  timeseq   time-sequence (Stevens) graph of each connection that\n"
	      "            sends data: segments, retransmissions, losses, the ACK\n"
	      "            and the receive window\n"
	      "  cwnd      cwnd, ssthresh and flight size, with timeouts, fast\n"
	      "            retransmits and losses marked\n"
	      "  rtt       RTT samples, SRTT and RTO\n"
	      "  states    a timeline of every connection's states\n"
	      "  queue     each link queue: segments waiting and how long each\n"
	      "            waited, drops marked\n"
	      "  ladder    the sequence diagram to scale (as run --ladder-plot)\n"
	      "\n"
	      "Options:\n"
	      "  -o, --output FILE     the picture: FILE.svg, FILE.png or FILE.pdf\n",
	      f);
	cli_run_options_help(f, CLI_SEED | CLI_LIMITS);
	fputs("      --host NAME       only the connections of host NAME\n"
	      "      --hosts A,B       only these hosts: their connections, their\n"
	      "                        link directions (queue), their lifelines\n"
	      "                        (ladder)\n"
	      "      --conn N          only connection N of --host (the id\n"
	      "                        column of connections.csv: run --csv DIR)\n"
	      "      --absolute        absolute sequence numbers (timeseq,\n"
	      "                        ladder); relative ones, as Wireshark\n"
	      "                        shows, by default\n"
	      "      --relative        relative sequence numbers (the default)\n"
	      "      --size WxH        picture size in pixels (1280x800); not for\n"
	      "                        ladder, whose size follows the run\n"
	      "      --csv DIR         keep the CSV files the picture is drawn\n"
	      "                        from in DIR (as run --csv DIR)\n"
	      "      --script FILE     keep gnuplot's input too, to edit and\n"
	      "                        redraw: gnuplot -c FILE OUT.png (needs\n"
	      "                        --csv; ladder's holds its data)\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 drawn; 1 the run did not finish (event limit:\n"
	      "drawn up to there; interrupted: nothing written); 2 usage error,\n"
	      "bad scenario, nothing of KIND to draw in this run, or gnuplot\n"
	      "missing or failing. See docs/plots.md.\n",
	      f);
}

static int parse_size(const char *v, struct plot_args *a)
{
	char *e;
	errno = 0;
	unsigned long w = strtoul(v, &e, 10);
	if (e == v || (*e != 'x' && *e != 'X') || errno)
		goto bad;
	const char *hs = e + 1;
	unsigned long h = strtoul(hs, &e, 10);
	if (e == hs || *e || errno)
		goto bad;
	if (w < 320 || h < 200 || w > 10000 || h > 10000) {
		fprintf(stderr, "tcpsim: --size: %lux%lu is out of range: from "
				"320x200 to 10000x10000 pixels\n",
			w, h);
		return -1;
	}
	a->w = (unsigned)w;
	a->h = (unsigned)h;
	a->has_size = true;
	return 0;
bad:
	fprintf(stderr, "tcpsim: --size expects WIDTHxHEIGHT in pixels, e.g. "
			"1280x800; found '%s'\n",
		v);
	return -1;
}

static int check_args(const struct plot_args *a);

static int parse_args(int argc, char **argv, struct plot_args *a)
{
	static const struct option own[] = {
		{"output", required_argument, NULL, 'o'},
		{"host", required_argument, NULL, 'H'},
		{"hosts", required_argument, NULL, 'O'},
		{"conn", required_argument, NULL, 'c'},
		{"absolute", no_argument, NULL, 'A'},
		{"relative", no_argument, NULL, 'R'},
		{"size", required_argument, NULL, 'z'},
		{"csv", required_argument, NULL, 'C'},
		{"script", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	a->w = 1280;
	a->h = 800;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "o:s:h", CLI_SEED | CLI_LIMITS, own,
				&a->wopts)) != -1) {
		if (c == CLI_BAD_VALUE)
			return -1;
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'H':
			a->host = optarg;
			break;
		case 'O':
			a->hosts = optarg;
			break;
		case 'c':
			if (cli_parse_u64("--conn", optarg, &a->conn) < 0)
				return -1;
			a->has_conn = true;
			break;
		case 'A':
			a->absolute = true;
			break;
		case 'R':
			a->absolute = false;
			break;
		case 'z':
			if (parse_size(optarg, a) < 0)
				return -1;
			break;
		case 'C':
			a->csv_dir = optarg;
			break;
		case 'g':
			a->script = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			fputs("Try 'tcpsim plot --help'.\n", stderr);
			return -1;
		}
	}
	if (optind >= argc) {
		fputs("tcpsim: plot: which kind? timeseq, cwnd, rtt, states, "
		      "queue or ladder (tcpsim plot --help)\n",
		      stderr);
		return -1;
	}
	const char *kind = argv[optind++];
	a->kind = PLOT_NKINDS;
	for (int k = 0; k < PLOT_NKINDS; k++)
		if (strcmp(kind, plot_kind_names[k]) == 0)
			a->kind = (enum plot_kind)k;
	if (a->kind == PLOT_NKINDS) {
		fprintf(stderr, "tcpsim: plot: unknown kind '%s': use timeseq, "
				"cwnd, rtt, states, queue or ladder\n",
			kind);
		return -1;
	}
	if (cli_take_scenario("plot", argc, argv, &optind, &a->scenario) < 0)
		return -1;
	return check_args(a);
}

/* Options that need one another, or do not go with the kind. */
static int check_args(const struct plot_args *a)
{
	if (!a->out) {
		fputs("tcpsim: plot: where to? -o FILE.svg, FILE.png or "
		      "FILE.pdf\n",
		      stderr);
		return -1;
	}
	if (a->has_conn && !a->host) {
		fputs("tcpsim: --conn N numbers a connection on a host: give "
		      "--host NAME too\n",
		      stderr);
		return -1;
	}
	if (a->host && a->hosts) {
		fputs("tcpsim: --host NAME or --hosts A,B, not both\n", stderr);
		return -1;
	}
	if (a->kind == PLOT_LADDER && (a->host || a->has_size || a->csv_dir)) {
		fprintf(stderr, "tcpsim: %s does not apply to ladder: it draws "
				"every host (or those of --hosts), at a size "
				"that follows the run, from no CSV file "
				"(docs/diagrams.md)\n",
			a->host	      ? "--host"
			: a->has_size ? "--size"
				      : "--csv");
		return -1;
	}
	if (a->kind == PLOT_QUEUE && a->has_conn) {
		fputs("tcpsim: --conn does not apply to queue: it draws link "
		      "directions (--host NAME: those from NAME)\n",
		      stderr);
		return -1;
	}
	if (a->script && !a->csv_dir && a->kind != PLOT_LADDER) {
		fputs("tcpsim: --script FILE writes a gnuplot input that reads "
		      "the CSV files: give --csv DIR too, to keep them\n",
		      stderr);
		return -1;
	}
	return 0;
}

/* ---- the command ------------------------------------------------------ */

/* A directory for the CSV files: $TMPDIR/tcpsim-plot.XXXXXX; NULL with
 * a message printed. */
static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	size_t n = strlen(base) + 32;
	char *dir = malloc(n);
	if (!dir) {
		fputs("tcpsim: out of memory\n", stderr);
		return NULL;
	}
	snprintf(dir, n, "%s/tcpsim-plot.XXXXXX", base);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "tcpsim: plot: cannot make a temporary "
				"directory in %s: %s (set TMPDIR)\n",
			base, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* One plot command's state. */
struct plot_cmd {
	struct plot_args a;
	const char *fmt;            /* the picture's type */
	int host;                   /* --host's index, -1 */
	bool *show;                 /* --hosts: per host of the run */
	struct scenario *scn;
	struct world w;
	bool built;
	struct trace_sink *csv;     /* the CSV sink, for all but ladder */
	char *tmpdir;               /* its files' directory, if ours */
	char dirslash[4200];        /* that directory, ending in '/' */
	bool committed;             /* the CSV files are written */
	bool keep;                  /* gnuplot failed: --csv and --script
				       stay, to find out why */
	struct plot *p;
	struct outfile pic, script;
	char err[1024];
};

/* --host by name, then the sink the kind draws from: the ladder plot, or
 * CSV files in --csv DIR or a temporary directory. */
static int attach_sink(struct plot_cmd *pc)
{
	const struct plot_args *a = &pc->a;
	struct world *w = &pc->w;
	if (a->host) {
		for (size_t i = 0; i < w->nhosts; i++)
			if (strcmp(w->host_names[i], a->host) == 0)
				pc->host = (int)i;
		if (pc->host < 0) {
			fprintf(stderr, "tcpsim: --host: no host '%s' in %s\n",
				a->host, pc->scn->file);
			return -1;
		}
	}
	if (a->hosts && !(pc->show = cli_hosts(w, a->hosts)))
		return -1;
	if (a->kind == PLOT_LADDER) {
		struct diagram_opts dopts = {.relative = !a->absolute,
					     .script = a->script};
		struct trace_sink *s = sink_ladder_plot_new(
			a->out, &dopts, pc->err, sizeof pc->err);
		if (s && pc->show)
			s = sink_hosts_new(s, pc->show, (int)w->nhosts);
		if (!s) {
			fprintf(stderr, "tcpsim: plot: %s\n", pc->err);
			return -1;
		}
		return cli_attach(w, s);
	}
	if (!a->csv_dir && !(pc->tmpdir = make_tmpdir()))
		return -1;
	const char *dir = a->csv_dir ? a->csv_dir : pc->tmpdir;
	pc->csv = sink_csv_new(dir, pc->err, sizeof pc->err);
	if (!pc->csv) {
		fprintf(stderr, "tcpsim: --csv: %s\n", pc->err);
		return -1;
	}
	if (cli_attach(w, pc->csv) < 0) {
		pc->csv = NULL;
		return -1;
	}
	size_t dl = strlen(dir);
	if (dl + 2 > sizeof pc->dirslash) {
		fprintf(stderr, "tcpsim: --csv: %s: name too long\n", dir);
		return -1;
	}
	snprintf(pc->dirslash, sizeof pc->dirslash, "%s%s", dir,
		 dir[dl - 1] == '/' ? "" : "/");
	return 0;
}

/* The picture from the CSV tables: laid out, its script kept if asked
 * for, drawn by gnuplot, then both made to appear. */
static int draw(struct plot_cmd *pc)
{
	const struct plot_args *a = &pc->a;
	struct plot_opts po = {
		.kind = a->kind,
		.host = pc->host,
		.host_name = a->host,
		.hosts = pc->show,
		.conn = a->conn,
		.has_conn = a->has_conn,
		.absolute = a->absolute,
		.w = a->w,
		.h = a->h,
	};
	pc->p = plot_new(&po, &pc->w.sim.trace, sink_csv_data(pc->csv),
			 pc->dirslash, pc->fmt, pc->err, sizeof pc->err);
	if (!pc->p) {
		fprintf(stderr, "tcpsim: %s\n", pc->err);
		return -1;
	}
	if (a->script && (outfile_open(&pc->script, a->script, pc->err,
				       sizeof pc->err) < 0 ||
			  plot_script(pc->script.f, pc->p) < 0)) {
		fprintf(stderr, "tcpsim: --script: %s\n",
			pc->script.f ? a->script : pc->err);
		return -1;
	}
	char said[1100];
	if (gnuplot_render(a->out, &pc->pic, plot_script, pc->p, pc->err,
			   sizeof pc->err, said, sizeof said) < 0) {
		fprintf(stderr, "tcpsim: %s\n", pc->err);
		/* what was asked for besides the picture is whole: it stays,
		 * to see what gnuplot was given */
		pc->keep = true;
		if (a->csv_dir)
			fprintf(stderr, "tcpsim: the CSV files are kept in %s\n",
				a->csv_dir);
		if (a->script &&
		    outfile_commit(&pc->script, pc->err, sizeof pc->err) == 0)
			fprintf(stderr, "tcpsim: gnuplot's input is kept in %s "
					"(gnuplot -c %s %s)\n",
				a->script, a->script, a->out);
		return -1;
	}
	if (outfile_commit(&pc->script, pc->err, sizeof pc->err) < 0 ||
	    outfile_commit(&pc->pic, pc->err, sizeof pc->err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", pc->err);
		return -1;
	}
	cli_print_said(said);
	return 0;
}

/* Run, then draw; returns the exit status. */
static int run_and_draw(struct plot_cmd *pc)
{
	struct world *w = &pc->w;
	enum sim_end end = world_run(w);
	if (end == SIM_END_INTERRUPT) {
		fputs("tcpsim: interrupted; no picture was drawn\n", stderr);
		return EXIT_FAILED;
	}
	if (cli_idle_rule(w))
		return EXIT_USAGE;
	cli_warn(w, stderr);
	if (trace_finish(&w->sim.trace) < 0 || trace_commit(&w->sim.trace) < 0) {
		cli_print_sink_errors(&w->sim.trace);
		return EXIT_USAGE;
	}
	pc->committed = true;
	if (pc->a.kind != PLOT_LADDER) {
		if (draw(pc) < 0)
			return EXIT_USAGE;
	} else {
		cli_print_sink_warnings(&w->sim.trace);
	}
	if (cli_report_limit(stderr, w, end)) {
		if (end != SIM_END_NOMEM)
			fputs("tcpsim: the picture shows the run up to then\n",
			      stderr);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static void free_cmd(struct plot_cmd *pc, int status)
{
	outfile_abort(&pc->pic);
	outfile_abort(&pc->script);
	if (pc->csv && pc->committed &&
	    !(pc->a.csv_dir && (status != EXIT_USAGE || pc->keep))) {
		/* the CSV files were only for gnuplot, or the plot
		 * failed before gnuplot did: none stays (the sink removes
		 * a directory it made once it is empty) */
		const char *const *files = sink_csv_files(pc->csv);
		for (size_t k = 0; files && files[k]; k++)
			(void)unlink(files[k]);
	}
	free(pc->show);
	if (pc->built) {
		trace_fini(&pc->w.sim.trace);
		world_free(&pc->w);
	}
	if (pc->tmpdir) {
		(void)rmdir(pc->tmpdir);
		free(pc->tmpdir);
	}
	plot_free(pc->p);
	scn_free(pc->scn);
	free(pc);
}

int cmd_plot(int argc, char **argv, const volatile sig_atomic_t *interrupt)
{
	struct plot_cmd *pc = calloc(1, sizeof *pc);
	if (!pc) {
		fputs("tcpsim: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	int status = EXIT_USAGE;
	pc->host = -1;
	if (parse_args(argc, argv, &pc->a) < 0)
		goto out;
	/* the picture's type, directory and gnuplot, before the run */
	pc->fmt = diag_prepare(pc->a.out, "gnuplot", "gnuplot-nox", "",
			       pc->err, sizeof pc->err);
	if (!pc->fmt) {
		fprintf(stderr, "tcpsim: plot: %s\n", pc->err);
		goto out;
	}
	if (cli_load_world(pc->a.scenario, &pc->a.wopts, &pc->scn, &pc->w) < 0)
		goto out;
	pc->built = true;
	pc->w.sim.interrupt = interrupt;
	if (attach_sink(pc) < 0)
		goto out;
	status = run_and_draw(pc);
out:
	free_cmd(pc, status);
	return status;
}
