/* cmd_run.c — `tcpsim run`: one scenario, its ladder, its outputs and the
 * verdicts on its expectations (docs/cli.md).
 *
 * Exit statuses: 0 the run completed and every expectation held; 1 an
 * expectation failed or the run did not complete (an event limit was
 * hit, or it was interrupted); 2 a usage or input error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/diagram/diagram_sinks.h"
#include "sim/diagram/hostsel.h"
#include "sim/out/outfile.h"
#include "sim/out/sinks.h"
#include "sim/verdict/expect.h"

/* The files a run writes, each appearing whole or not at all. */
enum out_kind {
	OUT_TRACE,
	OUT_JSONL,
	OUT_PCAP,
	OUT_MSC,
	OUT_HTML,
	OUT_NKINDS
};

struct run_args {
	const char *scenario;
	const char *out[OUT_NKINDS];  /* paths; "-" is standard output */
	const char *diagram, *ladder_plot, *csv;
	const char *pcap_at;          /* sender, receiver, HOST, A-B, A>B */
	const char *pcap_format;      /* pcap or pcapng; else by the name */
	struct world_opts wopts;
	bool no_ladder, ascii, quiet, absolute, no_color;
	bool explain, vars;           /* the ladder's --explain, --vars */
	const char *hosts;            /* --hosts: the pictures' hosts */
	bool *show;                   /* which, once the world is built */
	bool queue_events;            /* the trace and JSON Lines get them */
};

static int parse_run_args(int argc, char **argv, struct run_args *a)
{
	static const struct option own[] = {
		{"trace", required_argument, NULL, 't'},
		{"jsonl", required_argument, NULL, 'J'},
		{"pcap", required_argument, NULL, 'P'},
		{"pcap-at", required_argument, NULL, 'K'},
		{"pcap-format", required_argument, NULL, 'F'},
		{"queue-events", no_argument, NULL, 'Q'},
		{"payload-bytes", no_argument, NULL, 'B'},
		{"whole", no_argument, NULL, 'H'},
		{"msc", required_argument, NULL, 'C'},
		{"html", required_argument, NULL, 'M'},
		{"diagram", required_argument, NULL, 'D'},
		{"ladder-plot", required_argument, NULL, 'G'},
		{"csv", required_argument, NULL, 'V'},
		{"relative", no_argument, NULL, 'R'},
		{"absolute", no_argument, NULL, 'a'},
		{"no-color", no_argument, NULL, 'N'},
		{"no-ladder", no_argument, NULL, 'L'},
		{"ascii", no_argument, NULL, 'A'},
		{"explain", no_argument, NULL, 'E'},
		{"hosts", required_argument, NULL, 'O'},
		{"vars", no_argument, NULL, 'W'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "s:t:qh", CLI_SEED | CLI_LIMITS, own,
				&a->wopts)) != -1) {
		if (c == CLI_BAD_VALUE)
			return -1;
		switch (c) {
		case 't':
			a->out[OUT_TRACE] = optarg;
			break;
		case 'J':
			a->out[OUT_JSONL] = optarg;
			break;
		case 'P':
			a->out[OUT_PCAP] = optarg;
			break;
		case 'K':
			a->pcap_at = optarg;
			break;
		case 'F':
			a->pcap_format = optarg;
			break;
		case 'Q':
			a->queue_events = true;
			break;
		case 'B':
			a->wopts.payload_bytes = true;
			break;
		case 'H':
			a->wopts.whole = true;
			break;
		case 'C':
			a->out[OUT_MSC] = optarg;
			break;
		case 'M':
			a->out[OUT_HTML] = optarg;
			break;
		case 'D':
			a->diagram = optarg;
			break;
		case 'G':
			a->ladder_plot = optarg;
			break;
		case 'V':
			a->csv = optarg;
			break;
		case 'R':
			a->absolute = false;
			break;
		case 'a':
			a->absolute = true;
			break;
		case 'N':
			a->no_color = true;
			break;
		case 'L':
			a->no_ladder = true;
			break;
		case 'A':
			a->ascii = true;
			break;
		case 'E':
			a->explain = true;
			break;
		case 'O':
			a->hosts = optarg;
			break;
		case 'W':
			a->vars = true;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			cli_usage(stdout);
			exit(EXIT_OK);
		default:
			fputs("Try 'tcpsim --help'.\n", stderr);
			return -1;
		}
	}
	int to_stdout = 0;
	for (int k = 0; k < OUT_NKINDS; k++)
		to_stdout += a->out[k] && strcmp(a->out[k], "-") == 0;
	if (to_stdout > 1) {
		fputs("tcpsim: only one output can go to standard output "
		      "('-')\n",
		      stderr);
		return -1;
	}
	if (a->queue_events && !a->out[OUT_TRACE] && !a->out[OUT_JSONL]) {
		fputs("tcpsim: --queue-events adds to --trace or --jsonl: give "
		      "one of them\n",
		      stderr);
		return -1;
	}
	if (a->hosts && a->no_ladder && !a->out[OUT_MSC] &&
	    !a->out[OUT_HTML] && !a->diagram && !a->ladder_plot && !a->csv) {
		fputs("tcpsim: --hosts chooses the hosts of the pictures: "
		      "without one it has nothing to do\n",
		      stderr);
		return -1;
	}
	if ((a->explain || a->vars) && (a->no_ladder || a->quiet)) {
		fprintf(stderr, "tcpsim: %s adds to the sequence diagram: "
				"not with %s\n",
			a->explain ? "--explain" : "--vars",
			a->quiet ? "--quiet" : "--no-ladder");
		return -1;
	}
	if ((a->pcap_at || a->pcap_format) && !a->out[OUT_PCAP]) {
		fprintf(stderr, "tcpsim: --%s says how --pcap captures: give "
				"--pcap FILE too\n",
			a->pcap_at ? "pcap-at" : "pcap-format");
		return -1;
	}
	if (a->pcap_format && cli_pcap_ng(NULL, a->pcap_format) < 0)
		return -1;
	if (cli_take_scenario("run", argc, argv, &optind, &a->scenario) < 0)
		return -1;
	return 0;
}

/* The host called name (len bytes of it), or -1. */
static int host_named(const struct world *w, const char *name, size_t len)
{
	for (size_t i = 0; i < w->nhosts; i++)
		if (strlen(w->host_names[i]) == len &&
		    memcmp(w->host_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static bool linked(const struct world *w, int a, int b)
{
	for (size_t i = 0; i < w->scn->nlinks; i++) {
		const struct scn_link *l = &w->scn->links[i];
		if ((l->a == a && l->b == b) || (l->a == b && l->b == a))
			return true;
	}
	return false;
}

/* --pcap-at sender or receiver; HOST (what it sends and receives);
 * A>B (one direction) or A-B (both; names may hold '-', so every '-' is
 * tried, and exactly one split must name two linked hosts). The words
 * sender and receiver come before a host of that name. */
static int parse_pcap_at(const struct world *w, const char *at,
			 struct pcap_opts *o)
{
	const char *gt = strchr(at, '>');
	int found = 0;
	o->a = o->b = -1;
	if (strcmp(at, "sender") == 0 || strcmp(at, "receiver") == 0) {
		o->at = at[0] == 's' ? PCAP_AT_SENDER : PCAP_AT_RECEIVER;
		return 0;
	}
	o->a = host_named(w, at, strlen(at));
	if (o->a >= 0) {
		o->at = PCAP_AT_HOST;
		return 0;
	}
	o->at = PCAP_AT_LINK;
	if (gt) {
		o->a = host_named(w, at, (size_t)(gt - at));
		o->b = host_named(w, gt + 1, strlen(gt + 1));
		o->one_way = true;
		found = o->a >= 0 && o->b >= 0 && linked(w, o->a, o->b);
	} else {
		for (const char *d = strchr(at, '-'); d; d = strchr(d + 1, '-')) {
			int x = host_named(w, at, (size_t)(d - at));
			int y = host_named(w, d + 1, strlen(d + 1));
			if (x >= 0 && y >= 0 && linked(w, x, y)) {
				o->a = x;
				o->b = y;
				found++;
			}
		}
	}
	if (found == 1)
		return 0;
	fprintf(stderr, "tcpsim: --pcap-at %s: %s\n", at,
		found > 1 ? "names more than one link; say A>B"
			  : "not sender, receiver, a host or a link of the "
			    "scenario (HOST, A-B for both directions of a "
			    "link, A>B for one)");
	return -1;
}

static void print_summary(FILE *f, const struct world *w, enum sim_end end)
{
	char tb[40];
	sim_time_fmt(w->sim.now, tb, sizeof tb);
	fprintf(f, "\n%s (seed %llu): %s at %s s after %llu events\n",
		w->scn->name, (unsigned long long)w->sim.seed, sim_end_name(end),
		tb, (unsigned long long)w->sim.events);
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < w->nhosts; i++)
		for (const struct app_sock *s = w->apps[i].socks; s; s = s->next)
			total += !s->listener;
	for (size_t i = 0; i < w->nhosts; i++) {
		for (const struct app_sock *s = w->apps[i].socks; s; s = s->next) {
			if (s->listener)
				continue;
			if (++shown > 20) /* a scale scenario: totals only */
				break;
			char la[16], ra[16];
			ip4_fmt(s->tuple.laddr, la);
			ip4_fmt(s->tuple.raddr, ra);
			const char *st = s->c ? tcp_state_name(tcp_conn_state(s->c))
					      : "CLOSED";
			fprintf(f, "  %-10s %s:%u > %s:%u  %s (%s), sent %llu B, "
				   "received %llu B",
				w->hosts[i].name, la, (unsigned)s->tuple.lport,
				ra, (unsigned)s->tuple.rport, st,
				tcp_end_name(s->end),
				(unsigned long long)s->written,
				(unsigned long long)s->received);
			if (s->bad)
				fprintf(f, ", %llu BAD bytes from offset %llu",
					(unsigned long long)s->bad,
					(unsigned long long)s->first_bad);
			else if (s->unverified)
				fprintf(f, ", %llu from no known sender",
					(unsigned long long)s->unverified);
			else if (s->received)
				fputs(" intact", f);
			fputc('\n', f);
		}
	}
	if (total > 20)
		fprintf(f, "  ... and %zu more connections\n", total - 20);
	cli_report_limit(f, w, end);
}

/* A picture's sink s, of the hosts --hosts names (all without it). */
static struct trace_sink *picture(const struct world *w,
				  const struct run_args *a, struct trace_sink *s)
{
	return a->show ? sink_hosts_new(s, a->show, (int)w->nhosts) : s;
}

/* The file outputs asked for, each a sink writing to a file that appears
 * whole or not at all; *any_stdout if one of them is standard output. */
static int attach_files(struct world *w, const struct run_args *a,
			struct outfile out[OUT_NKINDS], bool *any_stdout)
{
	char err[1024];
	struct diagram_opts dopts = {.relative = !a->absolute};
	for (int k = 0; k < OUT_NKINDS; k++) {
		if (!a->out[k])
			continue;
		*any_stdout |= strcmp(a->out[k], "-") == 0;
		if (outfile_open(&out[k], a->out[k], err, sizeof err) < 0) {
			fprintf(stderr, "tcpsim: %s\n", err);
			return -1;
		}
		struct trace_sink *s = NULL;
		switch ((enum out_kind)k) {
		case OUT_TRACE:
		case OUT_JSONL:
			s = k == OUT_TRACE ? sink_text_new(out[k].f)
					   : sink_jsonl_new(out[k].f);
			if (s && a->queue_events)
				s->mask |= TR_BIT(TR_QUEUE);
			break;
		case OUT_PCAP: {
			struct pcap_opts po = {.at = PCAP_AT_SENDER,
					       .a = -1, .b = -1};
			if (a->pcap_at && parse_pcap_at(w, a->pcap_at, &po) < 0)
				return -1;
			po.where = a->pcap_at ? a->pcap_at : "sender";
			po.ng = cli_pcap_ng(a->out[k], a->pcap_format) == 1;
			s = sink_pcap_open(out[k].f, &po, err, sizeof err);
			if (!s) {
				fprintf(stderr, "tcpsim: --pcap: %s\n", err);
				return -1;
			}
			break;
		}
		case OUT_MSC:
			s = picture(w, a, sink_msc_new(out[k].f, &dopts));
			break;
		case OUT_HTML:
			s = picture(w, a, sink_html_new(out[k].f, 0));
			break;
		case OUT_NKINDS:
			break;
		}
		if (cli_attach(w, s) < 0)
			return -1;
	}
	return 0;
}

/* A sink made from a path (a picture, a directory of CSV files): NULL
 * from make is said as coming from `opt`. */
static int attach_made(struct world *w, const char *opt,
		       struct trace_sink *s, const char *err)
{
	if (!s) {
		fprintf(stderr, "tcpsim: %s: %s\n", opt, err);
		return -1;
	}
	return cli_attach(w, s);
}

/* Every output the options ask for: files, pictures, CSV, the ladder on
 * the terminal (unless an output goes there), and the expectations. */
static int attach_all(struct world *w, const struct scenario *scn,
		      const struct run_args *a, struct outfile out[OUT_NKINDS],
		      bool *any_stdout, struct expect_run **er)
{
	char err[1024];
	struct diagram_opts dopts = {.relative = !a->absolute};
	if (attach_files(w, a, out, any_stdout) < 0)
		return -1;
	if (a->diagram &&
	    attach_made(w, "--diagram",
			picture(w, a, sink_diagram_new(a->diagram, &dopts, err,
						       sizeof err)),
			err) < 0)
		return -1;
	if (a->ladder_plot &&
	    attach_made(w, "--ladder-plot",
			picture(w, a, sink_ladder_plot_new(a->ladder_plot,
							   &dopts, err,
							   sizeof err)),
			err) < 0)
		return -1;
	if (a->csv && attach_made(w, "--csv",
				  picture(w, a, sink_csv_new(a->csv, err,
							     sizeof err)),
				  err) < 0)
		return -1;
	if (!a->no_ladder && !a->quiet && !*any_stdout) {
		const char *nc = getenv("NO_COLOR");
		struct ladder_opts lo = {
			.ascii = a->ascii,
			.relative = !a->absolute,
			.color = !a->no_color && !(nc && *nc) &&
				 isatty(fileno(stdout)),
			.explain = a->explain,
			.vars = a->vars,
		};
		if (cli_attach(w, picture(w, a, sink_ladder_new(stdout, &lo))) <
		    0)
			return -1;
	}
	if (scn->nexpects) {
		struct trace_sink *s = NULL;
		*er = expect_new(scn->expects, scn->nexpects, &s);
		if (!*er || cli_attach(w, s) < 0)
			return -1;
	}
	return 0;
}

/* After the run: every output finished and made to appear (the pictures
 * last, once every other output is there), the summary and the verdicts.
 * Returns the exit status. */
static int finish_run(struct world *w, const struct run_args *a,
		      struct outfile out[OUT_NKINDS], bool any_stdout,
		      struct expect_run *er, enum sim_end end)
{
	char err[1024];
	bool complete = end == SIM_END_QUIET || end == SIM_END_STOP;
	if (end == SIM_END_INTERRUPT) {
		fputs("tcpsim: interrupted; no output file was written\n",
		      stderr);
		return EXIT_FAILED;
	}
	if (cli_idle_rule(w))
		return EXIT_USAGE;
	if (trace_finish(&w->sim.trace) < 0) {
		cli_print_sink_errors(&w->sim.trace);
		fputs("tcpsim: writing the output failed\n", stderr);
		return EXIT_USAGE;
	}
	for (int k = 0; k < OUT_NKINDS; k++) {
		if (outfile_commit(&out[k], err, sizeof err) < 0) {
			fprintf(stderr, "tcpsim: %s\n", err);
			return EXIT_USAGE;
		}
	}
	if (trace_commit(&w->sim.trace) < 0) {
		cli_print_sink_errors(&w->sim.trace);
		return EXIT_USAGE;
	}
	cli_print_sink_warnings(&w->sim.trace);
	FILE *rep = any_stdout ? stderr : stdout;
	if (!a->quiet)
		print_summary(rep, w, end);
	else if (!complete)
		print_summary(stderr, w, end);
	int status = complete ? EXIT_OK : EXIT_FAILED;
	struct expect_outcome oc = world_outcome(w);
	if (er && expect_judge(er, &oc)) {
		expect_report(er, a->quiet ? stderr : rep);
		status = EXIT_FAILED;
	} else if (er && !a->quiet) {
		expect_report(er, rep);
	}
	if (cli_noroute(w, a->quiet ? stderr : rep))
		status = EXIT_FAILED;
	if (!a->quiet)
		cli_warn(w, stderr);
	return status;
}

int cmd_run(int argc, char **argv, const volatile sig_atomic_t *interrupt)
{
	struct run_args a = {0};
	struct scenario *scn = NULL;
	struct world w;
	struct outfile out[OUT_NKINDS] = {{0}};
	struct expect_run *er = NULL;
	int status = EXIT_USAGE;
	bool built = false, any_stdout = false;

	if (parse_run_args(argc, argv, &a) < 0)
		return EXIT_USAGE;
	if (cli_load_world(a.scenario, &a.wopts, &scn, &w) < 0)
		goto out;
	built = true;
	w.sim.interrupt = interrupt;
	if (a.hosts && !(a.show = cli_hosts(&w, a.hosts)))
		goto out;
	if (attach_all(&w, scn, &a, out, &any_stdout, &er) < 0)
		goto out;
	status = finish_run(&w, &a, out, any_stdout, er, world_run(&w));
out:
	free(a.show);
	for (int k = 0; k < OUT_NKINDS; k++)
		outfile_abort(&out[k]);
	if (built) {
		trace_fini(&w.sim.trace);
		world_free(&w);
	}
	expect_free(er);
	scn_free(scn);
	return status;
}
