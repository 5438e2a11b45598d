/* cmd_explore.c — `tcpsim explore`: every set of at most K faults on a
 * run's first segments, judged, with the smallest failing ones written
 * as scenarios of their own (docs/explore.md).
 *
 * Exit statuses: 0 every fault set passed; 1 some set failed, or the
 * exploration was interrupted (the report covers the runs done); 2 a
 * usage or input error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/link.h"
#include "models/tcp.h"
#include "sim/cli/cli.h"
#include "sim/diagram/seglabel.h"
#include "sim/out/outfile.h"
#include "sim/out/seqrel.h"
#include "sim/run/batch.h"
#include "sim/run/explore.h"

#define SHOW_MINIMAL 20 /* minimal sets printed (all are written to -o) */
#define MAX_SETS 16

struct explore_args {
	const char *scenario, *invariants, *host, *out;
	struct scn_set set[MAX_SETS];
	char *set_buf[MAX_SETS];
	size_t nset;
	unsigned budget[EX_NKINDS];
	sim_time_t delay;
	uint64_t segments;
	long jobs;
	bool expect, keep_rules, coverage, quiet;
	struct world_opts wopts;
};

static void usage(FILE *f)
{
	fputs("Usage: tcpsim explore [SCENARIO] --drops K [OPTIONS]\n"
	      "\n"
	      "Run the scenario with every set of at most K faults on its first\n"
	      "segments, judge each run, and report the smallest failing sets.\n"
	      "\n"
	      "Options:\n"
	      "      --drops K         up to K segments lost\n"
	      "      --dups K          up to K segments duplicated\n"
	      "      --delays K:TIME   up to K segments delayed by TIME more\n"
	      "      --segments N      faults on the first N segments of each\n"
	      "                        run (default 20, at most 64)\n"
	      "      --host NAME       only segments NAME sends\n"
	      "      --set PATH=VALUE  change one value of the scenario first\n"
	      "                        (as sweep --set; up to 16)\n"
	      "      --invariant LIST  judge by these, comma-separated:\n"
	      "                        delivered-intact, established, no-reset,\n"
	      "                        no-stuck-tcb, finished (default\n"
	      "                        delivered-intact,no-stuck-tcb)\n"
	      "      --expect          judge by the scenario's expectations\n"
	      "      --keep-rules      keep the links' own rules (by default\n"
	      "                        they are left out: the exploration's\n"
	      "                        faults replace the scenario's)\n"
	      "  -o, --output DIR      write each minimal failing set as a\n"
	      "                        scenario, DIR/minimal-N.yaml\n"
	      "      --coverage        the state transitions and the (state,\n"
	      "                        segment) pairs the runs reached, as tables\n"
	      "  -j, --jobs J          worker processes (default: the CPUs)\n",
	      f);
	cli_run_options_help(f, CLI_SEED | CLI_LIMITS);
	fputs("  -q, --quiet           no progress bar\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 every fault set passed, 1 some failed (or\n"
	      "interrupted), 2 usage or input error. See docs/explore.md.\n",
	      f);
}

static int parse_budget(const char *opt, const char *v, unsigned *out)
{
	uint64_t k;
	if (cli_parse_u64(opt, v, &k) < 0)
		return -1;
	if (k > EXPLORE_MAX_FAULTS) {
		fprintf(stderr, "tcpsim: %s: at most %d faults in a set\n", opt,
			EXPLORE_MAX_FAULTS);
		return -1;
	}
	*out = (unsigned)k;
	return 0;
}

/* --delays K:TIME */
static int parse_delays(const char *v, struct explore_args *a)
{
	const char *colon = strchr(v, ':');
	char k[32];
	if (!colon || (size_t)(colon - v) >= sizeof k) {
		fprintf(stderr, "tcpsim: --delays K:TIME, e.g. 1:200ms (found "
				"'%s')\n",
			v);
		return -1;
	}
	memcpy(k, v, (size_t)(colon - v));
	k[colon - v] = '\0';
	if (parse_budget("--delays", k, &a->budget[EX_DELAY]) < 0)
		return -1;
	struct world_opts o = {0};
	if (cli_parse_limit("--stop", colon + 1, &o) < 0)
		return -1;
	a->delay = o.stop;
	return 0;
}

static int parse_args(int argc, char **argv, struct explore_args *a)
{
	static const struct option own[] = {
		{"drops", required_argument, NULL, 'd'},
		{"dups", required_argument, NULL, 'u'},
		{"delays", required_argument, NULL, 'l'},
		{"segments", required_argument, NULL, 'N'},
		{"host", required_argument, NULL, 'H'},
		{"set", required_argument, NULL, 'S'},
		{"invariant", required_argument, NULL, 'I'},
		{"expect", no_argument, NULL, 'E'},
		{"keep-rules", no_argument, NULL, 'K'},
		{"output", required_argument, NULL, 'o'},
		{"coverage", no_argument, NULL, 'C'},
		{"jobs", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	a->segments = 20;
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "o:j:s:qh", CLI_SEED | CLI_LIMITS,
				own, &a->wopts)) != -1) {
		if (c == CLI_BAD_VALUE)
			return -1;
		switch (c) {
		case 'd':
			if (parse_budget("--drops", optarg,
					 &a->budget[EX_DROP]) < 0)
				return -1;
			break;
		case 'u':
			if (parse_budget("--dups", optarg, &a->budget[EX_DUP]) <
			    0)
				return -1;
			break;
		case 'l':
			if (parse_delays(optarg, a) < 0)
				return -1;
			break;
		case 'N':
			if (cli_parse_u64("--segments", optarg, &a->segments) <
				    0)
				return -1;
			if (a->segments < 1 ||
			    a->segments > EXPLORE_MAX_SEGMENTS) {
				fprintf(stderr, "tcpsim: --segments must be 1 to "
						"%d\n",
					EXPLORE_MAX_SEGMENTS);
				return -1;
			}
			break;
		case 'H':
			a->host = optarg;
			break;
		case 'S':
			if (a->nset >= MAX_SETS) {
				fprintf(stderr, "tcpsim: at most %d --set "
						"options\n",
					MAX_SETS);
				return -1;
			}
			if (cli_split_set(optarg, "VALUE, e.g. tcp.time-wait=0s",
					  a->set_buf, a->nset,
					  &a->set_buf[a->nset],
					  &a->set[a->nset].value) < 0)
				return -1;
			a->set[a->nset].path = a->set_buf[a->nset];
			a->nset++;
			break;
		case 'I':
			a->invariants = optarg;
			break;
		case 'E':
			a->expect = true;
			break;
		case 'K':
			a->keep_rules = true;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'C':
			a->coverage = true;
			break;
		case 'j':
			if (cli_parse_jobs(optarg, &a->jobs) < 0)
				return -1;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			fputs("Try 'tcpsim explore --help'.\n", stderr);
			return -1;
		}
	}
	if (!a->budget[EX_DROP] && !a->budget[EX_DUP] &&
	    !a->budget[EX_DELAY]) {
		fputs("tcpsim: explore: which faults? --drops K, --dups K or "
		      "--delays K:TIME\n",
		      stderr);
		return -1;
	}
	if (a->expect && a->invariants) {
		fputs("tcpsim: --expect or --invariant, not both\n", stderr);
		return -1;
	}
	return cli_take_scenario("explore", argc, argv, &optind, &a->scenario);
}

/* ---- describing a fault set --------------------------------------------- */

/* What the segments of a set were, seen in its own run. */
struct seen {
	struct trace_sink base;
	const struct explore_set *set;
	struct seqrel rel;
	char what[EXPLORE_MAX_FAULTS][160];
};

static void seen_emit(struct trace_sink *s, const struct trace *tr,
		      const struct trace_event *ev)
{
	struct seen *w = (struct seen *)s;
	(void)seqrel_note(&w->rel, ev->seg);
	for (unsigned i = 0; i < w->set->n; i++) {
		if (w->set->f[i].seg != ev->pkt)
			continue;
		char label[96], t[40];
		seglabel_fmt(label, sizeof label, ev->seg, &w->rel);
		sim_time_fmt(ev->t, t, sizeof t);
		snprintf(w->what[i], sizeof w->what[i], "%s %s, sent at %s",
			 trace_host_name(tr, ev->host), label, t);
	}
}

/* Run set s again to say what its segments were. */
static void describe(const struct explore *x, const struct explore_set *s,
		     struct seen *w)
{
	struct link_rule rules[EXPLORE_MAX_FAULTS];
	char names[EXPLORE_MAX_FAULTS][24];
	struct world_opts o = x->wopts;
	o.faults = rules;
	o.nfaults = explore_rules(x, s, rules, names);
	if (!o.has_seed) {
		o.seed = x->scn->seed;
		o.has_seed = true;
	}
	*w = (struct seen){
		.base = {.emit = seen_emit, .mask = TR_BIT(TR_SEND)},
		.set = s,
	};
	seqrel_init(&w->rel);
	for (unsigned i = 0; i < s->n; i++)
		snprintf(w->what[i], sizeof w->what[i], "?");
	struct world wd;
	if (world_build(&wd, x->scn, &o) == 0) {
		if (trace_add_sink(&wd.sim.trace, &w->base) == 0)
			world_run(&wd);
		trace_fini(&wd.sim.trace);
		world_free(&wd);
	}
	seqrel_fini(&w->rel);
}

static void print_fault(FILE *f, const struct explore *x,
			const struct explore_fault *fl)
{
	if (fl->kind == EX_DELAY) {
		char d[32];
		sim_time_fmt_short(x->delay, d, sizeof d);
		fprintf(f, "delay pkt %llu by %s", (unsigned long long)fl->seg,
			d);
	} else {
		fprintf(f, "%s pkt %llu", explore_kind_names[fl->kind],
			(unsigned long long)fl->seg);
	}
}

/* ---- the minimal sets as scenarios -------------------------------------- */

static int write_minimal(const struct explore_args *a, const struct explore *x,
			 const struct explore_set *s, unsigned k,
			 const char *text, size_t len, char *path, size_t pn)
{
	char err[512];
	struct outfile of = {0};
	snprintf(path, pn, "%s/minimal-%u.yaml", a->out, k);
	if (outfile_open(&of, path, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: -o: %s\n", err);
		return -1;
	}
	/* --set, and --seed and --stop, which the run must have too */
	struct scn_set sets[MAX_SETS + 2];
	size_t nsets = a->nset;
	memcpy(sets, a->set, a->nset * sizeof *sets);
	char seed[32], stop[48];
	if (x->wopts.has_seed) {
		snprintf(seed, sizeof seed, "%llu",
			 (unsigned long long)x->wopts.seed);
		sets[nsets++] = (struct scn_set){"seed", seed};
	}
	if (x->wopts.stop > 0) {
		sim_time_fmt(x->wopts.stop, stop, sizeof stop - 1);
		strcat(stop, "s");
		sets[nsets++] = (struct scn_set){"stop", stop};
	}
	if (nsets) {
		/* the overrides put in: the document as YAML again */
		struct scn_error e;
		if (scn_render_set(a->scenario ? a->scenario : "", text, len,
				   sets, nsets, of.f, &e) < 0) {
			fprintf(stderr, "tcpsim: -o: %s\n", e.msg);
			outfile_abort(&of);
			return -1;
		}
	} else {
		fwrite(text, 1, len, of.f);
		if (len && text[len - 1] != '\n')
			fputc('\n', of.f);
	}
	fprintf(of.f, "\n# tcpsim explore: minimal failing set %u:%s", k,
		s->n ? "" : " no fault at all");
	for (unsigned i = 0; i < s->n; i++) {
		fputs(i ? "," : "", of.f);
		fputc(' ', of.f);
		print_fault(of.f, x, &s->f[i]);
	}
	fputc('\n', of.f);
	if (!a->keep_rules)
		fputs("link-rules: false\n", of.f);
	if (s->n)
		fputs("faults:\n", of.f);
	for (unsigned i = 0; i < s->n; i++) {
		const struct explore_fault *fl = &s->f[i];
		fprintf(of.f, "  - {name: explore-%u, segment: %llu, action: %s",
			i + 1, (unsigned long long)fl->seg,
			explore_kind_names[fl->kind]);
		if (fl->kind == EX_DELAY) {
			char d[40];
			sim_time_fmt(x->delay, d, sizeof d);
			fprintf(of.f, ", delay: %ss", d);
		}
		fputs("}\n", of.f);
	}
	if (outfile_commit(&of, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: -o: %s\n", err);
		outfile_abort(&of);
		return -1;
	}
	return 0;
}

/* ---- the report --------------------------------------------------------- */

/* A table's row without its trailing blanks. */
static void put_row(FILE *f, char *row)
{
	size_t n = strlen(row);
	while (n && row[n - 1] == ' ')
		row[--n] = '\0';
	fprintf(f, "%s\n", row);
}

static void coverage(FILE *f, const struct explore *x, bool tables)
{
	uint64_t trans[2] = {0}, sent[2] = {0};
	for (uint64_t i = 0; i < x->nsets; i++) {
		const int64_t *r = x->rec + i * x->width;
		if (!r[EXR_DONE])
			continue;
		for (int w = 0; w < 2; w++) {
			trans[w] |= (uint64_t)r[EXR_TRANS + w];
			sent[w] |= (uint64_t)r[EXR_SENT + w];
		}
	}
	unsigned known = 0, reached = 0, pairs = 0;
	for (int a = 0; a < TCP_NSTATES; a++)
		for (int b = 0; b < TCP_NSTATES; b++) {
			unsigned bit = (unsigned)(a * TCP_NSTATES + b);
			bool got = trans[bit / 64] >> (bit % 64) & 1u;
			known += tcp_transition_known(a, b);
			reached += got && tcp_transition_known(a, b);
		}
	for (unsigned bit = 0; bit < 128; bit++)
		pairs += (unsigned)(sent[bit / 64] >> (bit % 64) & 1u);
	fprintf(f, "coverage: %u of the %u state transitions the model has; "
		   "%u (state, segment sent) pairs\n",
		reached, known, pairs);
	if (!tables)
		return;
	static const char *const kinds[7] = {"SYN", "SYN,ACK", "RST", "FIN",
					     "data", "ACK", "none"};
	fputs("\ntransitions (from \\ to; + reached, . possible, not "
	      "reached):\n",
	      f);
	char row[256];
	size_t len = (size_t)snprintf(row, sizeof row, "  %-15s", "");
	for (int b = 0; b < TCP_NSTATES; b++)
		len += (size_t)snprintf(row + len, sizeof row - len, " %2d", b);
	put_row(f, row);
	for (int a = 0; a < TCP_NSTATES; a++) {
		len = (size_t)snprintf(row, sizeof row, "  %2d %-12s", a,
				       tcp_state_name(a));
		for (int b = 0; b < TCP_NSTATES; b++) {
			unsigned bit = (unsigned)(a * TCP_NSTATES + b);
			bool got = trans[bit / 64] >> (bit % 64) & 1u;
			len += (size_t)snprintf(
				row + len, sizeof row - len, "  %c",
				got ? '+' : tcp_transition_known(a, b) ? '.' : ' ');
		}
		put_row(f, row);
	}
	fputs("\nsegments sent, by the sender's state (+ sent):\n", f);
	len = (size_t)snprintf(row, sizeof row, "  %-15s", "");
	for (int k = 0; k < 7; k++)
		len += (size_t)snprintf(row + len, sizeof row - len, " %-7s",
					kinds[k]);
	put_row(f, row);
	for (int a = 0; a < TCP_NSTATES; a++) {
		len = (size_t)snprintf(row, sizeof row, "  %-15s",
				       tcp_state_name(a));
		for (int k = 0; k < 7; k++) {
			unsigned bit = (unsigned)(a * 8 + k);
			len += (size_t)snprintf(
				row + len, sizeof row - len, " %-7s",
				sent[bit / 64] >> (bit % 64) & 1u ? "+" : "");
		}
		put_row(f, row);
	}
}

static int report(FILE *f, const struct explore_args *a,
		  const struct explore *x)
{
	uint64_t done = 0, failing = 0, per[EXPLORE_MAX_CHECKS] = {0};
	for (uint64_t i = 0; i < x->nsets; i++) {
		const int64_t *r = x->rec + i * x->width;
		if (!r[EXR_DONE])
			continue;
		done++;
		uint64_t m = (uint64_t)r[EXR_FAILS];
		failing += m != 0;
		for (unsigned c = 0; c < x->nchecks; c++)
			per[c] += m >> c & 1u;
	}
	fprintf(f, "explore %s (seed %llu):", x->scn->name ? x->scn->name : "",
		(unsigned long long)(x->wopts.has_seed ? x->wopts.seed
						       : x->scn->seed));
	const char *sep = "";
	for (int k = 0; k < EX_NKINDS; k++) {
		if (!x->budget[k])
			continue;
		fprintf(f, "%s up to %u %s%s", sep, x->budget[k],
			k == EX_DROP ? "drop" : k == EX_DUP ? "duplicate" : "delay",
			x->budget[k] == 1 ? "" : "s");
		if (k == EX_DELAY) {
			char d[32];
			sim_time_fmt_short(x->delay, d, sizeof d);
			fprintf(f, " of %s", d);
		}
		sep = ",";
	}
	fprintf(f, " on the first %u segments%s%s%s\n", x->segments,
		a->host ? " " : "", a->host ? a->host : "",
		a->host ? " sends" : "");
	for (size_t i = 0; i < a->nset; i++)
		fprintf(f, "%s %s=%s%s", i ? "," : "with", a->set[i].path,
			a->set[i].value, i + 1 == a->nset ? "\n" : "");
	if (!a->keep_rules)
		fputs("the scenario's own link rules are left out "
		      "(--keep-rules keeps them)\n",
		      f);
	fputs("judged by:", f);
	for (unsigned c = 0; c < x->nchecks; c++)
		fprintf(f, "%s %s", c ? "," : "", x->check_names[c]);
	fputc('\n', f);
	double unpruned = explore_unpruned(x);
	fprintf(f, "fault sets: %llu run", (unsigned long long)done);
	if (x->interrupted)
		fprintf(f, " (interrupted: %llu were to run)",
			(unsigned long long)x->nsets);
	else if (unpruned > (double)done)
		fprintf(f, "; %.0f more pruned (their segments were never sent)",
			unpruned - (double)done);
	fprintf(f, "; %llu fail\n", (unsigned long long)failing);
	for (unsigned c = 0; c < x->nchecks; c++)
		fprintf(f, "  %-30s fails in %llu\n", x->check_names[c],
			(unsigned long long)per[c]);
	uint64_t nmin = 0;
	for (uint64_t i = 0; i < x->nsets; i++)
		nmin += explore_minimal(x, i);
	fprintf(f, "minimal failing sets: %llu%s\n", (unsigned long long)nmin,
		nmin > SHOW_MINIMAL ? " (the first 20)" : "");
	char *text = NULL;
	size_t len = 0;
	char file[512];
	int rc = 0;
	if (a->out && nmin) {
		if (x->scn->nfaults || x->scn->no_link_rules) {
			fprintf(stderr, "tcpsim: -o: %s has its own 'faults' or "
					"'link-rules': a minimal set cannot be "
					"added to it\n",
				x->scn->file);
			return -1;
		}
		if (mkdir(a->out, 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "tcpsim: -o: %s: %s\n", a->out,
				strerror(errno));
			return -1;
		}
		if (cli_scenario_text(a->scenario, &text, &len, file,
				      sizeof file) < 0)
			return -1;
	}
	unsigned k = 0;
	for (uint64_t i = 0; i < x->nsets; i++) {
		if (!explore_minimal(x, i))
			continue;
		k++;
		const struct explore_set *s = &x->sets[i];
		uint64_t m = (uint64_t)x->rec[i * x->width + EXR_FAILS];
		if (k <= SHOW_MINIMAL) {
			struct seen w;
			describe(x, s, &w);
			fprintf(f, "  %u.%s", k, s->n ? "" : " no fault at all");
			for (unsigned j = 0; j < s->n; j++) {
				fputs(j ? "\n     " : " ", f);
				print_fault(f, x, &s->f[j]);
				fprintf(f, ": %s", w.what[j]);
			}
			fputs("\n     fails:", f);
			for (unsigned c = 0, first = 1; c < x->nchecks; c++)
				if (m >> c & 1u) {
					fprintf(f, "%s %s", first ? "" : ",",
						x->check_names[c]);
					first = 0;
				}
			fputc('\n', f);
		}
		if (text) {
			char path[4200];
			if (write_minimal(a, x, s, k, text, len, path,
					  sizeof path) < 0) {
				rc = -1;
				break;
			}
			if (k <= SHOW_MINIMAL)
				fprintf(f, "     tcpsim run %s\n", path);
		}
	}
	free(text);
	coverage(f, x, a->coverage);
	return rc;
}

/* The scenario, with the --set overrides put in. */
static int load(const struct explore_args *a, struct scenario **scn)
{
	if (!a->nset)
		return cli_load(a->scenario, scn);
	char *text = NULL, file[512], msg[2048];
	size_t len = 0;
	if (cli_scenario_text(a->scenario, &text, &len, file, sizeof file) < 0)
		return -1;
	struct scn_error e;
	int rc = scn_load_string_set(file, text, len, a->set, a->nset, scn, &e);
	free(text);
	if (rc < 0) {
		scn_error_format(&e, msg, sizeof msg);
		fputs(msg, stderr);
	}
	return rc;
}

int cmd_explore(int argc, char **argv, const volatile sig_atomic_t *interrupt)
{
	struct explore_args a = {0};
	struct scenario *scn = NULL;
	struct explore x = {0};
	int status = EXIT_USAGE;
	if (parse_args(argc, argv, &a) < 0)
		goto out;
	if (load(&a, &scn) < 0)
		goto out;
	x.scn = scn;
	x.wopts = a.wopts;
	x.wopts.no_link_rules = !a.keep_rules;
	memcpy(x.budget, a.budget, sizeof x.budget);
	x.delay = a.delay;
	x.segments = (unsigned)a.segments;
	x.host = -1;
	if (a.host) {
		for (size_t i = 0; i < scn->nhosts && x.host < 0; i++)
			if (strcmp(scn->hosts[i].name, a.host) == 0)
				x.host = (int)i;
		if (x.host < 0) {
			fprintf(stderr, "tcpsim: --host: no host '%s' in %s\n",
				a.host, scn->file);
			goto out;
		}
	}
	char err[512];
	x.by_expect = a.expect;
	if (a.expect && !scn->nexpects) {
		fprintf(stderr, "tcpsim: --expect: %s has no expectations\n",
			scn->file);
		goto out;
	}
	if (a.expect && scn->nexpects > EXPLORE_MAX_CHECKS) {
		fprintf(stderr, "tcpsim: --expect: at most %d expectations\n",
			EXPLORE_MAX_CHECKS);
		goto out;
	}
	if (!a.expect &&
	    explore_parse_invariants(a.invariants ? a.invariants
						  : "delivered-intact,"
						    "no-stuck-tcb",
				     &x.inv, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", err);
		goto out;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	x.jobs = (int)(a.jobs ? a.jobs : cpus > 0 ? cpus : 1);
	struct cli_progress prog = cli_progress_start();
	if (!a.quiet && isatty(STDERR_FILENO) && batch_leader()) {
		x.progress = cli_progress_show;
		x.pctx = &prog;
	}
	x.interrupt = interrupt;
	cli_keep_heap();
	int rc = explore_run(&x, err, sizeof err);
	cli_progress_end(&prog);
	if (rc == -1) {
		fprintf(stderr, "tcpsim: explore: %s\n", err);
		status = EXIT_FAILED;
		goto out;
	}
	/* every rank holds every record: all end with the same status, the
	 * leader alone reports */
	bool any = false;
	for (uint64_t i = 0; i < x.nsets && !any; i++)
		any = x.rec[i * x.width + EXR_DONE] &&
		      x.rec[i * x.width + EXR_FAILS];
	status = any || x.interrupted ? EXIT_FAILED : EXIT_OK;
	if (!batch_leader())
		goto out;
	if (report(stdout, &a, &x) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (x.interrupted)
		fputs("tcpsim: interrupted; the report covers the runs done\n",
		      stderr);
out:
	explore_free(&x);
	scn_free(scn);
	for (size_t i = 0; i < a.nset; i++)
		free(a.set_buf[i]);
	return status;
}
