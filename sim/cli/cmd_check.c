/* cmd_check.c — `tcpsim check`: scenarios run against their golden
 * traces (`tcpsim diff`, cmd_diff.c, compares two trace files; the two
 * share their options, compare.c).
 *
 * The golden trace of DIR/NAME.yaml is DIR/golden/NAME.trace; that of a
 * built-in scenario, scenarios/golden/NAME.trace. A check runs the
 * scenario with its own seed, keeps the canonical text trace in memory
 * and compares it with the golden (sim/verdict/tracecmp.h). A scenario whose
 * expectations fail, or whose run does not finish, fails the check too:
 * its golden would record a broken run. `--update` writes the golden
 * atomically (sim/out/outfile.h) and says what changed; it refuses to record
 * a failing run.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cli/cli.h"
#include "sim/verdict/expect.h"
#include "sim/out/outfile.h"
#include "sim/out/sinks.h"
#include "sim/verdict/tracecmp.h"
#include "sim/run/world.h"
#include "sim/engine/grow.h"

/* ---- the scenarios to check --------------------------------------- */

struct target {
	char *scenario;   /* path or built-in name */
	char *golden;
	char *name;       /* file name without .yaml */
};

struct targets {
	struct target *t;
	size_t n, cap;
};

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *dup_printf(const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, fmt, a, b);
	return s;
}

static int add_target(struct targets *ts, const char *scenario,
		      const char *golden)
{
	if (grow(&ts->t, &ts->cap, ts->n + 1, sizeof *ts->t, 16) < 0)
		return -1;
	struct target *t = &ts->t[ts->n];
	const char *base = strrchr(scenario, '/');
	base = base ? base + 1 : scenario;
	size_t blen = strlen(base);
	if (blen > 5 && strcmp(base + blen - 5, ".yaml") == 0)
		blen -= 5;
	t->scenario = strdup(scenario);
	t->name = strndup(base, blen);
	if (golden) {
		t->golden = strdup(golden);
	} else if (!cli_is_path(scenario)) {
		t->golden = dup_printf("scenarios/golden/%s%s.trace", t->name,
				       "");
	} else {
		size_t dlen = (size_t)(base - scenario);
		char *dir = strndup(scenario, dlen);
		t->golden = dir ? dup_printf("%sgolden/%s.trace", dir, t->name)
				: NULL;
		free(dir);
	}
	if (!t->scenario || !t->name || !t->golden) {
		free(t->scenario);
		free(t->name);
		free(t->golden);
		return -1;
	}
	ts->n++;
	return 0;
}

/* Every DIR/ *.yaml, in name order. */
static int add_dir(struct targets *ts, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "tcpsim: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0 ||
		    e->d_name[0] == '.')
			continue;
		if (grow(&names, &cap, n + 1, sizeof *names, 16) < 0) {
			rc = -1;
			break;
		}
		size_t dl = strlen(dir);
		const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
		char *full = malloc(dl + strlen(sep) + len + 1);
		if (!full) {
			rc = -1;
			break;
		}
		snprintf(full, dl + strlen(sep) + len + 1, "%s%s%s", dir, sep,
			 e->d_name);
		names[n++] = full;
	}
	closedir(d);
	if (rc == 0) {
		qsort(names, n, sizeof *names, cmp_str);
		if (n == 0)
			fprintf(stderr, "tcpsim: %s: no scenario (*.yaml) in "
					"it\n",
				dir);
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && add_target(ts, names[i], NULL) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	if (rc < 0 && n)
		fputs("tcpsim: out of memory\n", stderr);
	return rc < 0 || n == 0 ? -1 : 0;
}

static void free_targets(struct targets *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->t[i].scenario);
		free(ts->t[i].golden);
		free(ts->t[i].name);
	}
	free(ts->t);
}

/* ---- running one -------------------------------------------------- */

struct run_result {
	char *trace;
	size_t len;
	uint64_t events;
	bool complete;        /* it ended by itself or at its stop time */
	const char *how;      /* how it ended */
	size_t failed;        /* expectations that failed */
	struct expect_run *er;
};

/* Run scn with its own seed, the text trace into memory; warnings on
 * standard error unless quiet. Returns 0; -1 with the reason printed; -2
 * if interrupted. */
static int run_scenario(const struct scenario *scn, struct run_result *r,
			bool quiet, const volatile sig_atomic_t *interrupt)
{
	struct world w;
	struct world_opts wo = {0};
	memset(r, 0, sizeof *r);
	if (world_build(&w, scn, &wo) < 0) {
		fputs("tcpsim: out of memory building the world\n", stderr);
		return -1;
	}
	int rc = -1;
	FILE *f = open_memstream(&r->trace, &r->len);
	struct trace_sink *s = f ? sink_text_new(f) : NULL;
	if (!s || trace_add_sink(&w.sim.trace, s) < 0) {
		if (s)
			s->destroy(s);
		goto oom;
	}
	if (scn->nexpects) {
		struct trace_sink *es = NULL;
		r->er = expect_new(scn->expects, scn->nexpects, &es);
		if (!r->er || trace_add_sink(&w.sim.trace, es) < 0) {
			if (es)
				es->destroy(es);
			goto oom;
		}
	}
	w.sim.interrupt = interrupt;
	enum sim_end end = world_run(&w);
	if (end == SIM_END_INTERRUPT) {
		rc = -2;
		goto done;
	}
	r->events = w.sim.events;
	r->how = sim_end_name(end);
	r->complete = end == SIM_END_QUIET || end == SIM_END_STOP;
	if (cli_idle_rule(&w))
		goto done;
	if (trace_finish(&w.sim.trace) < 0 || fflush(f) != 0)
		goto oom;
	struct expect_outcome oc = world_outcome(&w);
	if (r->er)
		r->failed = expect_judge(r->er, &oc);
	if (cli_noroute(&w, stderr))
		r->failed++;
	if (!quiet)
		cli_warn(&w, stderr);
	rc = 0;
	goto done;
oom:
	fputs("tcpsim: out of memory\n", stderr);
done:
	trace_fini(&w.sim.trace);
	world_free(&w);
	if (f)
		fclose(f);
	if (rc < 0) {
		free(r->trace);
		r->trace = NULL;
	}
	return rc;
}

static void free_result(struct run_result *r)
{
	free(r->trace);
	expect_free(r->er);
}

/* Write text to path atomically. */
static int write_golden(const char *path, const char *text, size_t len)
{
	struct outfile o = {0};
	char err[512];
	/* The golden/ directory appears with its first trace. */
	const char *slash = strrchr(path, '/');
	if (slash) {
		char *dir = strndup(path, (size_t)(slash - path));
		if (dir && *dir && mkdir(dir, 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "tcpsim: cannot create %s: %s\n", dir,
				strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	if (outfile_open(&o, path, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", err);
		return -1;
	}
	if (fwrite(text, 1, len, o.f) != len ||
	    outfile_commit(&o, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", err);
		outfile_abort(&o);
		return -1;
	}
	return 0;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Check (or update) one target; returns its exit status, or -2 if
 * interrupted (nothing written). */
static int check_one(const struct target *t, const struct cmp_args *a,
		     const volatile sig_atomic_t *interrupt)
{
	struct scenario *scn = NULL;
	struct run_result r;
	struct tfile gold = {0}, got = {0};
	char err[1024];
	int status = EXIT_USAGE;

	if (!a->update && !file_exists(t->golden)) {
		fprintf(stderr, "tcpsim: %s: no golden trace %s; record one "
				"with: tcpsim check --update %s\n",
			t->name, t->golden, t->scenario);
		return EXIT_USAGE;
	}
	if (cli_load(t->scenario, &scn) < 0)
		return EXIT_USAGE;
	int rc = run_scenario(scn, &r, a->quiet, interrupt);
	if (rc < 0) {
		scn_free(scn);
		return rc == -2 ? -2 : EXIT_USAGE;
	}
	if (tfile_from_mem(&got, r.trace, r.len) < 0) {
		fputs("tcpsim: out of memory\n", stderr);
		goto out;
	}
	bool run_ok = r.complete && r.failed == 0;
	if (!run_ok) {
		printf("FAIL  %s: ", t->name);
		if (!r.complete)
			printf("the run did not finish (%s after %llu events)\n",
			       r.how, (unsigned long long)r.events);
		else
			printf("%zu expectation%s failed\n", r.failed,
			       r.failed == 1 ? "" : "s");
		if (r.er)
			expect_report(r.er, stdout);
	}
	if (a->update && !run_ok) {
		printf("      %s not updated: a golden trace records a run "
		       "that passes\n",
		       t->golden);
		status = EXIT_FAILED;
		goto out;
	}
	bool have_gold = file_exists(t->golden);
	if (have_gold && tfile_load(&gold, t->golden, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", err);
		goto out;
	}
	struct tcmp_result cr = {0};
	if (have_gold && tcmp_compare(&gold, &got, &a->cmp, &cr) < 0) {
		fputs("tcpsim: out of memory\n", stderr);
		goto out;
	}
	if (a->update) {
		char what[200];
		if (have_gold && cr.identical) {
			if (!a->quiet)
				printf("ok    %s: %s unchanged\n", t->name,
				       t->golden);
			status = EXIT_OK;
			goto out;
		}
		if (write_golden(t->golden, r.trace, r.len) < 0)
			goto out;
		if (have_gold) {
			tcmp_summary(what, sizeof what, &cr);
			printf("updated %s: %s\n", t->golden, what);
			if (!cr.equal)
				tcmp_report(stdout, &gold, &got, "old", "new",
					    &a->cmp, &cr);
		} else {
			printf("created %s (%zu lines, %llu events)\n",
			       t->golden, got.n, (unsigned long long)r.events);
		}
		status = EXIT_OK;
		goto out;
	}
	if (!cr.equal) {
		printf("FAIL  %s: the run differs from %s\n", t->name,
		       t->golden);
		tcmp_report(stdout, &gold, &got, "golden", "run", &a->cmp, &cr);
		status = EXIT_FAILED;
		goto out;
	}
	if (run_ok && !a->quiet)
		printf("ok    %s (%llu events%s)\n", t->name,
		       (unsigned long long)r.events,
		       cr.identical ? "" : ", differs only in ignored fields");
	status = run_ok ? EXIT_OK : EXIT_FAILED;
out:
	tfile_free(&gold);
	tfile_free(&got);
	free_result(&r);
	scn_free(scn);
	return status;
}

int cmd_check(int argc, char **argv, const volatile sig_atomic_t *interrupt)
{
	struct cmp_args a = {0};
	struct targets ts = {0};
	int status = EXIT_USAGE;
	int rc = cmp_parse_args(argc, argv, &a, true);
	if (rc != 0) {
		if (rc > 0)
			cmp_usage(stdout);
		cmp_free_args(&a);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (optind == argc) {
		fputs("tcpsim: check needs scenarios or a directory of them\n",
		      stderr);
		cmp_usage(stderr);
		goto out;
	}
	if (a.golden && argc - optind != 1) {
		fputs("tcpsim: --golden goes with exactly one scenario\n",
		      stderr);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (a.golden) {
				fputs("tcpsim: --golden goes with one scenario "
				      "file, not a directory\n",
				      stderr);
				goto out;
			}
			if (add_dir(&ts, argv[i]) < 0)
				goto out;
		} else if (add_target(&ts, argv[i], a.golden) < 0) {
			fputs("tcpsim: out of memory\n", stderr);
			goto out;
		}
	}
	size_t passed = 0, failed = 0, errors = 0;
	status = EXIT_OK;
	for (size_t i = 0; i < ts.n; i++) {
		int s = *interrupt ? -2 : check_one(&ts.t[i], &a, interrupt);
		fflush(stdout);
		if (s == -2) {
			fprintf(stderr, "tcpsim: interrupted after %zu of %zu "
					"scenario%s; no golden trace was left "
					"half-written\n",
				i, ts.n, ts.n == 1 ? "" : "s");
			status = EXIT_FAILED;
			goto out;
		}
		passed += s == EXIT_OK;
		failed += s == EXIT_FAILED;
		errors += s == EXIT_USAGE;
		if (s > status)
			status = s;
	}
	if (ts.n > 1 || a.quiet)
		printf("check: %zu scenario%s, %zu %s, %zu failed, %zu "
		       "error%s\n",
		       ts.n, ts.n == 1 ? "" : "s", passed,
		       a.update ? "recorded" : "passed", failed, errors,
		       errors == 1 ? "" : "s");
out:
	free_targets(&ts);
	cmp_free_args(&a);
	return status;
}
