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
#include "sim/diagram/plots.h"
#include "sim/out/outfile.h"
#include "sim/out/sink_csv.h"
#include "sim/out/sinks.h"

struct plot_args {
	enum plot_kind kind;
	const char *scenario, *out, *host;
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
	      "  ladder    the sequence diagram to scale (as run --ladder-plot)\n"
	      "\n"
	      "Options:\n"
	      "  -o, --output FILE     the picture: FILE.svg, FILE.png or FILE.pdf\n",
	      f);
	cli_run_options_help(f, CLI_SEED | CLI_LIMITS);
	fputs("      --host NAME       only the connections of host NAME\n"
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
	      "                        --csv)\n"
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

static int parse_args(int argc, char **argv, struct plot_args *a)
{
	static const struct option own[] = {
		{"output", required_argument, NULL, 'o'},
		{"host", required_argument, NULL, 'H'},
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
		fputs("tcpsim: plot: which kind? timeseq, cwnd, rtt, states or "
		      "ladder (tcpsim plot --help)\n",
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
				"cwnd, rtt, states or ladder\n",
			kind);
		return -1;
	}
	if (cli_take_scenario("plot", argc, argv, &optind, &a->scenario) < 0)
		return -1;
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
	if (a->kind == PLOT_LADDER &&
	    (a->host || a->has_size || a->csv_dir || a->script)) {
		fprintf(stderr, "tcpsim: %s does not apply to ladder: it draws "
				"every host, at a size that follows the run, "
				"from no CSV file (docs/diagrams.md)\n",
			a->host	      ? "--host"
			: a->has_size ? "--size"
			: a->csv_dir  ? "--csv"
				      : "--script");
		return -1;
	}
	if (a->script && !a->csv_dir) {
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

int cmd_plot(int argc, char **argv, const volatile sig_atomic_t *interrupt)
{
	struct plot_args a = {0};
	struct plot *p = NULL;
	int host = -1;
	struct scenario *scn = NULL;
	struct world w;
	struct outfile pic = {0}, script = {0};
	struct trace_sink *csv = NULL;
	char err[1024], dirslash[4200];
	char *tmpdir = NULL;
	int status = EXIT_USAGE;
	bool built = false, committed = false;

	if (parse_args(argc, argv, &a) < 0)
		return EXIT_USAGE;
	/* the picture's type, directory and gnuplot, before the run */
	const char *fmt = diag_prepare(a.out, "gnuplot", "gnuplot-nox", "",
				       err, sizeof err);
	if (!fmt) {
		fprintf(stderr, "tcpsim: plot: %s\n", err);
		return EXIT_USAGE;
	}
	if (cli_load_world(a.scenario, &a.wopts, &scn, &w) < 0)
		goto out;
	built = true;
	w.sim.interrupt = interrupt;
	if (a.host) {
		for (size_t i = 0; i < w.nhosts; i++)
			if (strcmp(w.host_names[i], a.host) == 0)
				host = (int)i;
		if (host < 0) {
			fprintf(stderr, "tcpsim: --host: no host '%s' in %s\n",
				a.host, scn->file);
			goto out;
		}
	}
	if (a.kind == PLOT_LADDER) {
		struct diagram_opts dopts = {.relative = !a.absolute};
		struct trace_sink *s = sink_ladder_plot_new(a.out, &dopts, err,
							    sizeof err);
		if (!s) {
			fprintf(stderr, "tcpsim: plot: %s\n", err);
			goto out;
		}
		if (cli_attach(&w, s) < 0)
			goto out;
	} else {
		if (!a.csv_dir && !(tmpdir = make_tmpdir()))
			goto out;
		const char *dir = a.csv_dir ? a.csv_dir : tmpdir;
		csv = sink_csv_new(dir, err, sizeof err);
		if (!csv) {
			fprintf(stderr, "tcpsim: --csv: %s\n", err);
			goto out;
		}
		if (cli_attach(&w, csv) < 0) {
			csv = NULL;
			goto out;
		}
		size_t dl = strlen(dir);
		if (dl + 2 > sizeof dirslash) {
			fprintf(stderr, "tcpsim: --csv: %s: name too long\n", dir);
			goto out;
		}
		snprintf(dirslash, sizeof dirslash, "%s%s", dir,
			 dir[dl - 1] == '/' ? "" : "/");
	}

	enum sim_end end = world_run(&w);
	if (end == SIM_END_INTERRUPT) {
		fputs("tcpsim: interrupted; no picture was drawn\n", stderr);
		status = EXIT_FAILED;
		goto out;
	}
	if (cli_idle_rule(&w))
		goto out;
	if (trace_finish(&w.sim.trace) < 0 || trace_commit(&w.sim.trace) < 0) {
		cli_print_sink_errors(&w.sim.trace);
		goto out;
	}
	committed = true;
	if (a.kind != PLOT_LADDER) {
		struct plot_opts po = {
			.kind = a.kind,
			.host = host,
			.host_name = a.host,
			.conn = a.conn,
			.has_conn = a.has_conn,
			.absolute = a.absolute,
			.w = a.w,
			.h = a.h,
		};
		p = plot_new(&po, &w.sim.trace, sink_csv_data(csv), dirslash,
			     fmt, err, sizeof err);
		if (!p) {
			fprintf(stderr, "tcpsim: %s\n", err);
			goto out;
		}
		if (a.script) {
			if (outfile_open(&script, a.script, err, sizeof err) < 0 ||
			    plot_script(script.f, p) < 0) {
				fprintf(stderr, "tcpsim: --script: %s\n",
					script.f ? a.script : err);
				goto out;
			}
		}
		char said[1100];
		if (gnuplot_render(a.out, &pic, plot_script, p, err,
				   sizeof err, said, sizeof said) < 0) {
			fprintf(stderr, "tcpsim: %s\n", err);
			goto out;
		}
		if (outfile_commit(&script, err, sizeof err) < 0 ||
		    outfile_commit(&pic, err, sizeof err) < 0) {
			fprintf(stderr, "tcpsim: %s\n", err);
			goto out;
		}
		cli_print_said(said);
	} else {
		for (int i = 0; i < w.sim.trace.nsinks; i++)
			cli_print_said(w.sim.trace.sinks[i]->warning);
	}
	status = EXIT_OK;
	if (cli_report_limit(stderr, &w, end)) {
		if (end != SIM_END_NOMEM)
			fputs("tcpsim: the picture shows the run up to then\n",
			      stderr);
		status = EXIT_FAILED;
	}
out:
	outfile_abort(&pic);
	outfile_abort(&script);
	if (csv && committed && !(a.csv_dir && status != EXIT_USAGE)) {
		/* the CSV files were only for gnuplot, or the plot
		 * failed: none stays (the sink removes a directory it
		 * made once it is empty) */
		const char *const *files = sink_csv_files(csv);
		for (size_t k = 0; files && files[k]; k++)
			(void)unlink(files[k]);
	}
	if (built) {
		trace_fini(&w.sim.trace);
		world_free(&w);
	}
	if (tmpdir) {
		(void)rmdir(tmpdir);
		free(tmpdir);
	}
	plot_free(p);
	scn_free(scn);
	return status;
}
