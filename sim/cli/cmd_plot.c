/* cmd_plot.c — tcpsim plot KIND SCENARIO -o FILE: one run, drawn by
 * gnuplot (docs/plots.md).
 *
 * The kinds timeseq, cwnd, rtt and states run the scenario with the CSV
 * sink writing into a temporary directory, then render plots/common.gp
 * and plots/KIND.gp (compiled in as plot_NAME_gp) with a preamble that
 * says where the files are, which connections to draw and how to map
 * time onto the x axis; the scripts read the CSV files themselves, as
 * they would read a directory of `tcpsim run --csv`. The kind ladder is
 * the ladder plot sink (sim/sink_plot.c) as `run --ladder-plot` draws it.
 *
 * This file decides what goes in the picture, from the sink's tables
 * (sim/sink_csv.h): the panels (one per connection that has something to
 * draw, at most PLOT_MAX_PANELS), each one's subtitle, the rows of the
 * states timeline, and the time axis. The axis is to scale except where
 * a long idle span would squash the rest (two hours of keepalive idle
 * before a minute of probes): such a span is folded to a narrow shaded
 * band that says how long it was, and the parts on either side keep
 * their own scale, each at least a readable width. Tick labels are real
 * times. Numbers go to gnuplot printed exactly from integers, so the same
 * run gives the same bytes.
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
#include "sim/diagram/gnuplot.h"
#include "sim/engine/grow.h"
#include "sim/out/outfile.h"
#include "sim/diagram/seglabel.h"
#include "sim/diagram/timeaxis.h"
#include "sim/out/sink_csv.h"
#include "sim/diagram/diagram_sinks.h"
#include "sim/out/sinks.h"
#include "models/tcp.h"
#include "sim/run/world.h"

/* plots/NAME.gp, embedded by the build (Makefile, sim/gen-builtin.sh). */
extern const char plot_common_gp[], plot_timeseq_gp[], plot_cwnd_gp[],
	plot_rtt_gp[], plot_states_gp[];

enum kind { K_TIMESEQ, K_CWND, K_RTT, K_STATES, K_LADDER, K_N };

static const char *const kind_names[K_N] = {"timeseq", "cwnd", "rtt",
					    "states", "ladder"};

static const char *const kind_titles[K_N] = {
	"Time-sequence graph", "Congestion window", "Round-trip time and RTO",
	"Connection states", "Ladder"};

#define PLOT_MAX_PANELS 8   /* panels one above the other, at most */
#define PLOT_MAX_ROWS 40    /* rows of the states timeline, at most */
#define AXIS_UNITS 1000.0   /* the drawn time axis runs 0 .. 1000 */
#define FOLD_W 60.0         /* a folded span's width, in axis units */
#define PIECE_MIN_W 60.0    /* a piece drawn to scale, at least */

struct plot_args {
	enum kind kind;
	const char *scenario, *out, *host;
	const char *csv_dir, *script;   /* --csv, --script: kept */
	uint64_t conn;
	bool has_conn, absolute;
	bool has_size;
	unsigned w, h;
	struct world_opts wopts;
};

/* The time axis: pieces to scale, folds between them. */
struct piece {
	sim_time_t a, b;
	double x, s;        /* where a is drawn; axis units per second */
};

struct axis {
	struct piece pc[TIMEAXIS_MAX_FOLDS + 1];
	size_t npc;
	double xmin, xmax;
};

struct plot {
	const struct plot_args *a;
	const struct trace *tr;
	const struct csv_data *d;
	const char *fmt;
	const char *dir;      /* the CSV files, ending in '/' */
	int host;             /* --host's index, -1 */
	int *panels;          /* connection indexes */
	size_t np, more;      /* drawn; left out */
	struct axis ax;
	char note[256];
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
	a->kind = K_N;
	for (int k = 0; k < K_N; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			a->kind = (enum kind)k;
	if (a->kind == K_N) {
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
	if (a->kind == K_LADDER &&
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

/* ---- choosing what to draw ------------------------------------------- */

static bool selected(const struct plot *p, int ci)
{
	const struct csv_conn *c = &p->d->conns[ci];
	if (p->host >= 0 && c->host != p->host)
		return false;
	return !p->a->has_conn || c->id == p->a->conn;
}

/* Does connection ci have what kind draws? */
static bool has_data(const struct plot *p, int ci, const size_t *rows)
{
	const struct csv_conn *c = &p->d->conns[ci];
	switch (p->a->kind) {
	case K_TIMESEQ:
		return c->bytes > 0;
	case K_CWND:
		return c->bytes > 0 && rows[ci] > 0;
	case K_RTT:
	case K_STATES:
		return rows[ci] > 0;
	default:
		return false;
	}
}

/* What "nothing to draw" says is missing, and why it matters. */
static const char *const missing[K_N][2] = {
	[K_TIMESEQ] = {"no connection sent data",
		       "a time-sequence graph draws data segments"},
	[K_CWND] = {"no connection sent data",
		    "the congestion window limits a sender of data"},
	[K_RTT] = {"no connection measured a round trip or timed out",
		   "an RTT sample needs the ACK of a segment sent once"},
	[K_STATES] = {"no connection changed state", "nothing opened"},
};

static int choose_panels(struct plot *p)
{
	const struct csv_data *d = p->d;
	size_t *rows = calloc(d->nconns ? d->nconns : 1, sizeof *rows);
	p->panels = malloc((d->nconns ? d->nconns : 1) * sizeof *p->panels);
	if (!rows || !p->panels) {
		free(rows);
		fputs("tcpsim: out of memory\n", stderr);
		return -1;
	}
	if (p->a->kind == K_CWND)
		for (size_t i = 0; i < d->ncwnd; i++)
			rows[d->cwnd[i].conn]++;
	if (p->a->kind == K_RTT)
		for (size_t i = 0; i < d->nrtt; i++)
			rows[d->rtt[i].conn]++;
	if (p->a->kind == K_STATES)
		for (size_t i = 0; i < d->nstates; i++)
			rows[d->states[i].conn]++;
	/* panels one above the other: at most one per 170 pixels */
	size_t panels = p->a->h / 170;
	panels = panels < 1 ? 1 : panels > PLOT_MAX_PANELS ? PLOT_MAX_PANELS
							   : panels;
	size_t max = p->a->kind == K_STATES ? PLOT_MAX_ROWS : panels;
	bool any_conn = false;
	for (size_t i = 0; i < d->nconns; i++) {
		if (!selected(p, (int)i))
			continue;
		any_conn = true;
		if (!has_data(p, (int)i, rows))
			continue;
		if (p->np < max)
			p->panels[p->np++] = (int)i;
		else
			p->more++;
	}
	free(rows);
	if (p->np)
		return 0;
	const char *kn = kind_names[p->a->kind];
	if (p->a->has_conn && !any_conn)
		fprintf(stderr, "tcpsim: plot %s: host %s has no connection "
				"%" PRIu64 " in this run (run --csv DIR lists "
				"them in connections.csv)\n",
			kn, p->a->host, p->a->conn);
	else if (p->host >= 0)
		fprintf(stderr, "tcpsim: plot %s: nothing to draw on host %s: "
				"%s there (%s)\n",
			kn, p->a->host, missing[p->a->kind][0],
			missing[p->a->kind][1]);
	else
		fprintf(stderr, "tcpsim: plot %s: nothing to draw: %s in this "
				"run (%s)\n",
			kn, missing[p->a->kind][0], missing[p->a->kind][1]);
	return -1;
}

static bool in_panels(const struct plot *p, int ci)
{
	for (size_t i = 0; i < p->np; i++)
		if (p->panels[i] == ci)
			return true;
	return false;
}

/* ---- the time axis --------------------------------------------------- */

struct instants {
	sim_time_t *t;
	size_t n, cap;
	bool oom;
};

static void add_instant(struct instants *v, sim_time_t t)
{
	if (t < 0)
		return;
	if (grow(&v->t, &v->cap, v->n + 1, sizeof *v->t, 256) < 0) {
		v->oom = true;
		return;
	}
	v->t[v->n++] = t;
}

static int cmp_time(const void *a, const void *b)
{
	sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
	return (x > y) - (x < y);
}

/* An injected segment drawn in the panel of connection ci: in its
 * direction, while it lived. */
static bool injected_into(const struct plot *p, const struct csv_seg *g,
			  int ci)
{
	const struct csv_conn *c = &p->d->conns[ci];
	return (g->how & TR_SEND_INJECTED) && g->conn < 0 &&
	       g->tuple.laddr == c->tuple.laddr &&
	       g->tuple.lport == c->tuple.lport &&
	       g->tuple.raddr == c->tuple.raddr &&
	       g->tuple.rport == c->tuple.rport && g->t >= c->start &&
	       (c->end < 0 || g->t <= c->end);
}

static uint32_t seqlen(const struct csv_seg *g)
{
	return g->len + !!(g->flags & TCP_SYN) + !!(g->flags & TCP_FIN);
}

/* Every instant the picture draws something at. */
static int collect(const struct plot *p, struct instants *v)
{
	const struct csv_data *d = p->d;
	switch (p->a->kind) {
	case K_TIMESEQ:
		for (size_t i = 0; i < d->nsegs; i++) {
			const struct csv_seg *g = &d->segs[i];
			bool mine = seqlen(g) && g->conn >= 0 &&
				    in_panels(p, g->conn);
			for (size_t k = 0; !mine && k < p->np; k++)
				mine = injected_into(p, g, p->panels[k]);
			if (mine)
				add_instant(v, g->t);
		}
		for (size_t i = 0; i < d->nacks; i++)
			if (d->acks[i].conn >= 0 && in_panels(p, d->acks[i].conn))
				add_instant(v, d->acks[i].t);
		break;
	case K_CWND:
		for (size_t i = 0; i < d->ncwnd; i++)
			if (in_panels(p, d->cwnd[i].conn))
				add_instant(v, d->cwnd[i].t);
		for (size_t i = 0; i < d->nlosses; i++)
			if (d->losses[i].conn >= 0 &&
			    in_panels(p, d->losses[i].conn))
				add_instant(v, d->losses[i].t);
		break;
	case K_RTT:
		for (size_t i = 0; i < d->nrtt; i++)
			if (in_panels(p, d->rtt[i].conn))
				add_instant(v, d->rtt[i].t);
		for (size_t i = 0; i < d->nlosses; i++)
			if (d->losses[i].kind == CSV_TIMEOUT &&
			    in_panels(p, d->losses[i].conn))
				add_instant(v, d->losses[i].t);
		break;
	case K_STATES:
		for (size_t i = 0; i < d->nstates; i++)
			if (in_panels(p, d->states[i].conn)) {
				add_instant(v, d->states[i].start);
				add_instant(v, d->states[i].end);
			}
		break;
	default:
		break;
	}
	if (v->oom)
		return -1;
	qsort(v->t, v->n, sizeof *v->t, cmp_time);
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++)
		if (!k || v->t[i] != v->t[k - 1])
			v->t[k++] = v->t[i];
	v->n = k;
	return 0;
}

static double secs(sim_time_t t)
{
	return (double)t / 1e9;
}

/* Fold the axis by the time series' rule (timeaxis.h: the longest idle
 * spans, if long enough to squash the rest), lay the pieces out along
 * it. */
static void make_axis(struct axis *ax, const sim_time_t *t, size_t n)
{
	struct timeaxis_rule rule = timeaxis_rule(TA_SERIES, 0, 0);
	struct timeaxis_piece cut[TIMEAXIS_MAX_FOLDS + 1];
	ax->npc = timeaxis_cut(t, n, &rule, cut);
	if (ax->npc == 0)
		cut[ax->npc++] = (struct timeaxis_piece){0, 0};
	for (size_t k = 0; k < ax->npc; k++)
		ax->pc[k] = (struct piece){.a = cut[k].a, .b = cut[k].b};
	/* an instant alone is drawn as a millisecond */
	if (ax->npc == 1 && ax->pc[0].b == ax->pc[0].a)
		ax->pc[0].b = ax->pc[0].a + SIM_MS(1);
	size_t nfold = ax->npc - 1;
	/* widths: to one scale, but none narrower than PIECE_MIN_W (an
	 * instant alone takes none) */
	double avail = AXIS_UNITS - FOLD_W * (double)nfold;
	double w[TIMEAXIS_MAX_FOLDS + 1];
	bool fixed[TIMEAXIS_MAX_FOLDS + 1] = {false};
	for (int round = 0; round < 12; round++) {
		double rest = avail, dur = 0;
		for (size_t k = 0; k < ax->npc; k++) {
			if (fixed[k])
				rest -= w[k];
			else
				dur += secs(ax->pc[k].b - ax->pc[k].a);
		}
		bool changed = false;
		for (size_t k = 0; k < ax->npc; k++) {
			if (fixed[k])
				continue;
			double dk = secs(ax->pc[k].b - ax->pc[k].a);
			w[k] = dur > 0 ? rest * dk / dur : 0;
			if (dk > 0 && w[k] < PIECE_MIN_W) {
				w[k] = PIECE_MIN_W;
				fixed[k] = changed = true;
			}
		}
		if (!changed)
			break;
	}
	double x = 0;
	for (size_t k = 0; k < ax->npc; k++) {
		struct piece *c = &ax->pc[k];
		double dk = secs(c->b - c->a);
		c->x = x;
		c->s = dk > 0 ? w[k] / dk : 0;
		x += w[k] + FOLD_W;
	}
	x -= FOLD_W;
	ax->xmin = -0.015 * AXIS_UNITS;
	/* an instant alone after a fold (a TIME-WAIT's end) needs room
	 * for its tick label */
	ax->xmax = x + (ax->pc[ax->npc - 1].s == 0 ? 0.04 : 0.015) * AXIS_UNITS;
}

static double map_x(const struct axis *ax, sim_time_t t)
{
	for (size_t k = 0; k < ax->npc; k++) {
		const struct piece *c = &ax->pc[k];
		if (t <= c->b || k + 1 == ax->npc)
			return c->x + secs(t - c->a) * c->s;
		if (t < ax->pc[k + 1].a) {
			double xb = c->x + secs(c->b - c->a) * c->s;
			return xb + (ax->pc[k + 1].x - xb) * secs(t - c->b) /
					    secs(ax->pc[k + 1].a - c->b);
		}
	}
	return 0;
}

/* t in seconds with at most `digits` decimals (rounded) and no
 * trailing zeros. */
static void time_str(sim_time_t t, int digits, char *buf, size_t n)
{
	char b[48];
	sim_time_t unit = 1;
	for (int k = digits; k < 9; k++)
		unit *= 10;
	diag_time_fmt((t + unit / 2) / unit * unit, 9, b, sizeof b);
	char *dot = strchr(b, '.');
	if (dot) {
		dot[digits ? digits + 1 : 0] = '\0';
		char *e = b + strlen(b);
		while (e > dot + 1 && e[-1] == '0')
			*--e = '\0';
		if (e == dot + 1)
			*dot = '\0';
	}
	snprintf(buf, n, "%s", b);
}

/* X(t) as a chain of gnuplot functions, one per piece (a single nested
 * expression could exceed gnuplot's line length), and the tic list. */
static void put_axis(FILE *f, const struct axis *ax, double plot_px)
{
	char a[48], b[48], a1[48];
	for (size_t k = ax->npc; k-- > 0;) {
		const struct piece *c = &ax->pc[k];
		diag_time_fmt(c->a, 9, a, sizeof a);
		diag_time_fmt(c->b, 9, b, sizeof b);
		fprintf(f, "X%zu(t) = t <= %s || %d ? %.6f + (t - %s) * %.9g : ",
			k, b, k + 1 == ax->npc, c->x, a, c->s);
		if (k + 1 == ax->npc) {
			fputs("0\n", f);
			continue;
		}
		const struct piece *nx = &ax->pc[k + 1];
		diag_time_fmt(nx->a, 9, a1, sizeof a1);
		double xb = c->x + secs(c->b - c->a) * c->s;
		fprintf(f, "t < %s ? %.6f + %.6f * (t - %s) / (%s - %s) : X%zu(t)\n",
			a1, xb, nx->x - xb, b, a1, b, k + 1);
	}
	fputs("X(t) = X0(t)\n", f);
	fprintf(f, "XMIN = %.6f; XMAX = %.6f\n", ax->xmin, ax->xmax);
	/* ticks: multiples of a 1-2-5 step at least 90 pixels apart in
	 * each piece, and where a piece after a fold begins */
	static const int64_t steps[] = {1, 2, 5};
	double px_per_unit = plot_px / (ax->xmax - ax->xmin);
	fputs("xtics = '(", f);
	bool first = true;
	for (size_t k = 0; k < ax->npc; k++) {
		const struct piece *c = &ax->pc[k];
		double last = -1e9;
		char buf[48];
		if (k > 0 || c->s == 0) {
			/* where a piece after a fold begins, to the ms */
			time_str(c->a, 3, buf, sizeof buf);
			fprintf(f, "%s\"%s\" %.6f", first ? "" : ", ", buf, c->x);
			first = false;
			last = c->x;
		}
		if (c->s == 0)
			continue;
		sim_time_t step = SIM_S(1);
		bool found = false;
		for (int64_t dec = 1; !found && dec <= INT64_C(1000000000000);
		     dec *= 10)
			for (size_t j = 0; j < 3; j++)
				if (secs(steps[j] * dec) * c->s * px_per_unit >= 90) {
					step = steps[j] * dec;
					found = true;
					break;
				}
		int digits = 0;
		for (sim_time_t u = SIM_S(1); u > step && digits < 9; u /= 10)
			digits++;
		/* the first piece is drawn from a little before its first
		 * instant (the margin) */
		sim_time_t lo = c->a;
		if (k == 0) {
			double back = (c->x - ax->xmin) / c->s * 1e9;
			lo = (double)lo > back ? lo - (sim_time_t)back : 0;
		}
		sim_time_t t0 = (lo + step - 1) / step * step;
		for (sim_time_t t = t0; t <= c->b; t += step) {
			double x = map_x(ax, t);
			if (x < ax->xmin || (x - last) * px_per_unit < 70)
				continue;
			/* clear of the label after the next fold */
			if (k + 1 < ax->npc &&
			    (ax->pc[k + 1].x - x) * px_per_unit < 70)
				continue;
			time_str(t, digits, buf, sizeof buf);
			fprintf(f, "%s\"%s\" %.6f", first ? "" : ", ", buf, x);
			first = false;
			last = x;
		}
	}
	fputs(")'\n", f);
	fprintf(f, "NF = %zu\n$folds << EOD\n", ax->npc - 1);
	for (size_t k = 0; k + 1 < ax->npc; k++) {
		const struct piece *c = &ax->pc[k];
		char idle[64];
		seglabel_idle(ax->pc[k + 1].a - c->b, idle, sizeof idle);
		fprintf(f, "%.6f %.6f \"%s idle\"\n",
			c->x + secs(c->b - c->a) * c->s, ax->pc[k + 1].x, idle);
	}
	fputs("EOD\n", f);
}

/* ---- the gnuplot input ------------------------------------------------ */

static void endpoint(char *buf, size_t n, uint32_t addr, uint16_t port)
{
	char a[16];
	if (!addr && !port) {
		snprintf(buf, n, "*");
		return;
	}
	ip4_fmt(addr, a);
	snprintf(buf, n, "%s:%u", a, (unsigned)port);
}

/* "client 10.0.0.1:49152 → server 10.0.0.2:80" */
static void conn_label(const struct plot *p, int ci, char *buf, size_t n)
{
	const struct csv_conn *c = &p->d->conns[ci];
	char l[32], r[32];
	endpoint(l, sizeof l, c->tuple.laddr, c->tuple.lport);
	endpoint(r, sizeof r, c->tuple.raddr, c->tuple.rport);
	if (!c->tuple.raddr) {
		snprintf(buf, n, "%s %s (listening)",
			 trace_host_name(p->tr, c->host), l);
		return;
	}
	snprintf(buf, n, "%s %s → %s%s%s", trace_host_name(p->tr, c->host), l,
		 c->peer >= 0 ? trace_host_name(p->tr, c->peer) : "",
		 c->peer >= 0 ? " " : "", r);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* What a panel says under its connection. */
static void panel_sub(const struct plot *p, int ci, char *buf, size_t n)
{
	const struct csv_conn *c = &p->d->conns[ci];
	char who[160];
	conn_label(p, ci, who, sizeof who);
	switch (p->a->kind) {
	case K_TIMESEQ:
		snprintf(buf, n, "%s: %" PRIu64 " %s sent, %" PRIu64
				 " retransmitted, %" PRIu64 " lost",
			 who, c->segs, plural(c->segs, "segment", "segments"),
			 c->rexmits, c->lost);
		break;
	case K_CWND:
		snprintf(buf, n, "%s: %" PRIu64 " %s, %" PRIu64 " fast "
				 "%s, %" PRIu64 " partial-ACK %s, %" PRIu64
				 " lost",
			 who, c->timeouts,
			 plural(c->timeouts, "timeout", "timeouts"), c->fast,
			 plural(c->fast, "retransmit", "retransmits"),
			 c->partial,
			 plural(c->partial, "retransmission", "retransmissions"),
			 c->lost);
		break;
	case K_RTT:
		snprintf(buf, n, "%s: %" PRIu64 " RTT %s, %" PRIu64 " %s", who,
			 c->samples, plural(c->samples, "sample", "samples"),
			 c->timeouts, plural(c->timeouts, "timeout", "timeouts"));
		break;
	default:
		snprintf(buf, n, "%s", who);
		break;
	}
}

/* The top of a time-sequence panel: the data and the ACKs, unless the
 * window line is far above them (a 64 KB window over a 1 KB transfer),
 * where it would squash them to the bottom: then the top is a little
 * above them and the window line leaves the picture (the key says so).
 * -1: let gnuplot scale to everything. */
static double seq_top(const struct plot *p, int ci)
{
	const struct csv_data *d = p->d;
	bool rel = !p->a->absolute, any = false;
	double lo = 0, hi = 0, win = 0;
	for (size_t i = 0; i < d->nsegs; i++) {
		const struct csv_seg *g = &d->segs[i];
		if (!injected_into(p, g, ci) && (!seqlen(g) || g->conn != ci))
			continue;
		double y = rel ? g->rel_seq : g->seq;
		if (!any || y < lo)
			lo = y;
		if (!any || y + seqlen(g) > hi)
			hi = y + seqlen(g);
		any = true;
	}
	for (size_t i = 0; any && i < d->nacks; i++) {
		const struct csv_ack *k = &d->acks[i];
		if (k->conn != ci || k->discarded)
			continue;
		double y = rel ? k->rel_ack : k->ack;
		if (y > hi)
			hi = y;
		if (y + k->win > win)
			win = y + k->win;
	}
	double span = hi - lo;
	if (!any || span <= 0 || win - lo <= 3 * span)
		return -1;
	return hi + 0.6 * span;
}

static const char *state_color(int s)
{
	/* hues by phase: opening yellow-orange, open green, closing blue
	 * to violet, TIME-WAIT grey-brown; LISTEN slate */
	static const char *const colors[TCP_NSTATES] = {
		[TCP_CLOSED] = "#ffffff",      [TCP_LISTEN] = "#8fa3b8",
		[TCP_SYN_SENT] = "#f2c14e",    [TCP_SYN_RECEIVED] = "#f08a24",
		[TCP_ESTABLISHED] = "#5cb85c", [TCP_FIN_WAIT_1] = "#5bc0de",
		[TCP_FIN_WAIT_2] = "#3a87c8",  [TCP_CLOSE_WAIT] = "#9b7fd4",
		[TCP_CLOSING] = "#d46fb0",     [TCP_LAST_ACK] = "#c0587e",
		[TCP_TIME_WAIT] = "#a8896c",
	};
	return s >= 0 && s < TCP_NSTATES ? colors[s] : "#cccccc";
}

/* The states timeline's rows, their labels, and which states occur. */
static void put_rows(FILE *f, const struct plot *p)
{
	char lab[PLOT_MAX_ROWS][192];
	for (size_t i = 0; i < p->np; i++)
		conn_label(p, p->panels[i], lab[i], sizeof lab[i]);
	/* the same label twice (a 4-tuple used again): add the number */
	for (size_t i = 0; i < p->np; i++) {
		bool dup = false;
		for (size_t j = 0; j < p->np; j++)
			dup |= j != i && strcmp(lab[i], lab[j]) == 0;
		if (dup) {
			size_t len = strlen(lab[i]);
			snprintf(lab[i] + len, sizeof lab[i] - len, " #%" PRIu32,
				 p->d->conns[p->panels[i]].id);
		}
	}
	/* ROW(host, id): the row of a connection, NaN if not drawn */
	fputs("ROW(h, i) = ", f);
	for (size_t i = 0; i < p->np; i++) {
		const struct csv_conn *c = &p->d->conns[p->panels[i]];
		fputs("h eq ", f);
		gnuplot_str(f, trace_host_name(p->tr, c->host), GP_COMMAND);
		fprintf(f, " && i eq \"%" PRIu32 "\" ? %zu : ", c->id, i + 1);
	}
	fputs("NaN\n", f);
	fprintf(f, "NR = %zu\n", p->np);
	fputs("ytics = '(", f);
	for (size_t i = 0; i < p->np; i++) {
		fputs(i ? ", " : "", f);
		/* the tic list is itself in single quotes: no ' inside */
		fputc('"', f);
		for (const char *s = lab[i]; *s; s++)
			if (*s != '\'' && *s != '"' && *s != '\\')
				fputc(*s, f);
		fprintf(f, "\" %zu", i + 1);
	}
	fputs(")'\n", f);
	/* state colours, and the states that occur, in RFC order, for
	 * the key */
	bool seen[TCP_NSTATES] = {false};
	for (size_t i = 0; i < p->d->nstates; i++) {
		const struct csv_state *s = &p->d->states[i];
		if (in_panels(p, s->conn) && s->state >= 0 &&
		    s->state < TCP_NSTATES)
			seen[s->state] = true;
	}
	fputs("SCOL(s) = ", f);
	for (int s = 1; s < TCP_NSTATES; s++)
		fprintf(f, "s eq \"%s\" ? %ld : ", tcp_state_name(s),
			strtol(state_color(s) + 1, NULL, 16));
	fputs("0xcccccc\n$seen << EOD\n", f);
	for (int s = 1; s < TCP_NSTATES; s++)
		if (seen[s])
			fprintf(f, "\"%s\" \"%s\"\n", tcp_state_name(s),
				state_color(s));
	fputs("EOD\n", f);
	size_t lm = 0;
	for (size_t i = 0; i < p->np; i++)
		if (seglabel_chars(lab[i]) > lm)
			lm = seglabel_chars(lab[i]);
	fprintf(f, "LM = %zu\n", lm + 3);
}

static int write_input(FILE *f, void *ctx)
{
	const struct plot *p = ctx;
	const struct plot_args *a = p->a;
	const struct trace *tr = p->tr;
	char text[512];
	fprintf(f, "# tcpsim plot %s: %s (seed %" PRIu64 ")\n",
		kind_names[a->kind], tr->scenario ? tr->scenario : "-", tr->seed);
	fprintf(f, "fmt = \"%s\"\nW = %u; H = %u\n", p->fmt, a->w, a->h);
	fputs("DIR = ", f);
	gnuplot_str(f, p->dir, GP_COMMAND);
	snprintf(text, sizeof text, "%s: %s (seed %" PRIu64 ")",
		 kind_titles[a->kind], tr->scenario ? tr->scenario : "-",
		 tr->seed);
	fputs("\ntitle = ", f);
	gnuplot_str(f, text, GP_COMMAND);
	fputs("\nnote = ", f);
	gnuplot_str(f, p->note, GP_COMMAND);
	fprintf(f, "\nrelative = %d\n", !a->absolute);
	/* rows of each file: gnuplot warns about reading one that has
	 * none, so the scripts leave those alone */
	fprintf(f, "N_SEGMENTS = %zu; N_ACKS = %zu; N_CWND = %zu; N_RTT = %zu; "
		   "N_STATES = %zu; N_LOSSES = %zu\n",
		p->d->nsegs, p->d->nacks, p->d->ncwnd, p->d->nrtt,
		p->d->nstates, p->d->nlosses);
	/* the plot area is about 85% of the width */
	put_axis(f, &p->ax, 0.85 * a->w);
	if (a->kind == K_STATES) {
		put_rows(f, p);
	} else {
		fprintf(f, "NP = %zu\n$panels << EOD\n", p->np);
		for (size_t i = 0; i < p->np; i++) {
			int ci = p->panels[i];
			const struct csv_conn *c = &p->d->conns[ci];
			char l[32], r[32], s[48], e[48];
			endpoint(l, sizeof l, c->tuple.laddr, c->tuple.lport);
			endpoint(r, sizeof r, c->tuple.raddr, c->tuple.rport);
			diag_time_fmt(c->start, 9, s, sizeof s);
			if (c->end >= 0)
				diag_time_fmt(c->end, 9, e, sizeof e);
			else
				snprintf(e, sizeof e, "1e30");
			/* host id conn start end subtitle ymax */
			gnuplot_str(f, trace_host_name(tr, c->host), GP_DATA);
			fprintf(f, " \"%" PRIu32 "\" \"%s>%s\" %s %s ", c->id, l, r,
				s, e);
			panel_sub(p, ci, text, sizeof text);
			gnuplot_str(f, text, GP_DATA);
			double top = a->kind == K_TIMESEQ ? seq_top(p, ci) : -1;
			if (top >= 0)
				fprintf(f, " %.0f\n", top);
			else
				fputs(" *\n", f);
		}
		fputs("EOD\n", f);
	}
	fputc('\n', f);
	fputs(plot_common_gp, f);
	switch (a->kind) {
	case K_TIMESEQ:
		fputs(plot_timeseq_gp, f);
		break;
	case K_CWND:
		fputs(plot_cwnd_gp, f);
		break;
	case K_RTT:
		fputs(plot_rtt_gp, f);
		break;
	case K_STATES:
		fputs(plot_states_gp, f);
		break;
	default:
		break;
	}
	return ferror(f) ? -1 : 0;
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
	struct plot p = {0};
	struct scenario *scn = NULL;
	struct world w;
	struct outfile pic = {0}, script = {0};
	struct trace_sink *csv = NULL;
	struct instants inst = {0};
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
	p.a = &a;
	p.tr = &w.sim.trace;
	p.fmt = fmt;
	p.host = -1;
	if (a.host) {
		for (size_t i = 0; i < w.nhosts; i++)
			if (strcmp(w.host_names[i], a.host) == 0)
				p.host = (int)i;
		if (p.host < 0) {
			fprintf(stderr, "tcpsim: --host: no host '%s' in %s\n",
				a.host, scn->file);
			goto out;
		}
	}
	if (a.kind == K_LADDER) {
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
		p.dir = dirslash;
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
	if (a.kind != K_LADDER) {
		p.d = sink_csv_data(csv);
		if (choose_panels(&p) < 0)
			goto out;
		if (p.more)
			snprintf(p.note, sizeof p.note,
				 "%zu more %s not drawn: choose with --host NAME "
				 "[--conn N]",
				 p.more, p.more == 1 ? "connection" : "connections");
		if (collect(&p, &inst) < 0) {
			fputs("tcpsim: out of memory\n", stderr);
			goto out;
		}
		make_axis(&p.ax, inst.t, inst.n);
		if (a.script) {
			if (outfile_open(&script, a.script, err, sizeof err) < 0 ||
			    write_input(script.f, &p) < 0) {
				fprintf(stderr, "tcpsim: --script: %s\n",
					script.f ? a.script : err);
				goto out;
			}
		}
		char said[1100];
		if (gnuplot_render(a.out, &pic, write_input, &p, err,
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
	free(p.panels);
	free(inst.t);
	scn_free(scn);
	return status;
}
