/* cli.c — what the tcpsim commands share. */
#include "sim/cli/cli.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "models/segment.h"
#include "sim/diagram/hostsel.h"
#include "sim/scenario/builtin.h"

bool cli_is_path(const char *s)
{
	return strchr(s, '/') || strchr(s, '.');
}

int cli_load(const char *name, struct scenario **scn)
{
	struct scn_error err;
	char msg[2048];
	int rc;
	if (!name)
		name = BUILTIN_DEFAULT;
	const struct builtin_scenario *b = cli_is_path(name) ? NULL
							 : builtin_find(name);
	if (b) {
		char file[128];
		snprintf(file, sizeof file, "%s (built-in)", b->name);
		rc = scn_load_string(file, b->text, b->len, scn, &err);
	} else if (!cli_is_path(name) && access(name, F_OK) != 0) {
		fprintf(stderr, "tcpsim: no scenario file or built-in scenario "
				"named '%s' (try 'tcpsim list')\n",
			name);
		return -1;
	} else {
		rc = scn_load_file(name, scn, &err);
	}
	if (rc < 0) {
		scn_error_format(&err, msg, sizeof msg);
		fputs(msg, stderr);
		return -1;
	}
	return 0;
}

int cli_parse_u64(const char *opt, const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*v || *v == '-') {
		fprintf(stderr, "tcpsim: %s expects a non-negative number, "
				"found '%s'\n",
			opt, v);
		return -1;
	}
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || errno) {
		fprintf(stderr, "tcpsim: %s expects a number, found '%s'\n", opt,
			v);
		return -1;
	}
	*out = x;
	return 0;
}

int cli_scenario_text(const char *name, char **text, size_t *len,
		      char *file, size_t n)
{
	struct scn_error err;
	char msg[2048];
	*text = NULL;
	if (!name)
		name = BUILTIN_DEFAULT;
	const struct builtin_scenario *b = cli_is_path(name) ? NULL
							 : builtin_find(name);
	if (b) {
		snprintf(file, n, "%s (built-in)", b->name);
		*text = malloc(b->len ? b->len : 1);
		if (!*text) {
			fputs("tcpsim: out of memory\n", stderr);
			return -1;
		}
		memcpy(*text, b->text, b->len);
		*len = b->len;
		return 0;
	}
	if (!cli_is_path(name) && access(name, F_OK) != 0) {
		fprintf(stderr, "tcpsim: no scenario file or built-in scenario "
				"named '%s' (try 'tcpsim list')\n",
			name);
		return -1;
	}
	snprintf(file, n, "%s", name);
	if (scn_read_file(name, text, len, &err) < 0) {
		scn_error_format(&err, msg, sizeof msg);
		fputs(msg, stderr);
		return -1;
	}
	return 0;
}

int cli_parse_limit(const char *opt, const char *v, struct world_opts *o)
{
	const char *msg;
	if (strcmp(opt, "--stop") == 0) {
		if (sim_time_parse(v, &o->stop, &msg) < 0) {
			fprintf(stderr, "tcpsim: --stop: %s (found '%s')\n", msg,
				v);
			return -1;
		}
		if (o->stop == 0) {
			fprintf(stderr, "tcpsim: --stop must be after 0s\n");
			return -1;
		}
		return 0;
	}
	if (strcmp(opt, "--max-memory") == 0) {
		if (scn_parse_size(v, &o->max_memory, &msg) < 0 ||
		    o->max_memory == 0) {
			fprintf(stderr, "tcpsim: --max-memory expects a size of "
					"at least 1 byte, such as 512MiB (found "
					"'%s')\n",
				v);
			return -1;
		}
		return 0;
	}
	uint64_t *x = strcmp(opt, "--max-conns") == 0 ? &o->max_conns
						       : &o->max_events;
	if (cli_parse_u64(opt, v, x) < 0)
		return -1;
	if (*x == 0) {
		fprintf(stderr, "tcpsim: %s must be at least 1\n", opt);
		return -1;
	}
	return 0;
}

bool cli_report_limit(FILE *f, const struct world *w, enum sim_end end)
{
	const char *what, *opt;
	uint64_t n;
	switch (end) {
	case SIM_END_LIMIT:
		what = "events", opt = "max-events", n = w->sim.max_events;
		break;
	case SIM_END_CONNS:
		what = "connections", opt = "max-conns", n = w->sim.max_conns;
		break;
	case SIM_END_MEMORY:
		what = "bytes of connection state and buffers",
		opt = "max-memory", n = w->sim.max_mem;
		break;
	case SIM_END_NOMEM:
		fputs("tcpsim: out of memory\n", f);
		return true;
	default:
		return false;
	}
	fprintf(f, "tcpsim: the run hit its limit of %llu %s before it "
		   "finished; raise it with --%s or '%s:'\n",
		(unsigned long long)n, what, opt, opt);
	return true;
}

void cli_print_said(const char *said)
{
	while (said && *said) {
		size_t n = strcspn(said, "\n");
		fprintf(stderr, "tcpsim: %.*s\n", (int)n, said);
		said += n + (said[n] == '\n');
	}
}

int cli_take_scenario(const char *cmd, int argc, char **argv, int *ind,
		      const char **scenario)
{
	if (*ind < argc)
		*scenario = argv[(*ind)++];
	if (*ind < argc) {
		fprintf(stderr, "tcpsim: %s takes one scenario; unexpected "
				"'%s'\n",
			cmd, argv[*ind]);
		return -1;
	}
	return 0;
}

bool *cli_hosts(const struct world *w, const char *list)
{
	char err[256];
	bool *show = calloc(w->nhosts ? w->nhosts : 1, sizeof *show);
	if (!show) {
		fputs("tcpsim: out of memory\n", stderr);
		return NULL;
	}
	if (hostsel_parse(list, w->host_names, (int)w->nhosts, show, err,
			  sizeof err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", err);
		free(show);
		return NULL;
	}
	return show;
}

int cli_attach(struct world *w, struct trace_sink *s)
{
	if (!s || trace_add_sink(&w->sim.trace, s) < 0) {
		if (s && s->destroy)
			s->destroy(s);
		fputs("tcpsim: out of memory\n", stderr);
		return -1;
	}
	return 0;
}

void cli_print_sink_errors(const struct trace *tr)
{
	for (int i = 0; i < tr->nsinks; i++)
		if (tr->sinks[i]->error)
			fprintf(stderr, "tcpsim: %s\n", tr->sinks[i]->error);
}

void cli_print_sink_warnings(const struct trace *tr)
{
	for (int i = 0; i < tr->nsinks; i++)
		cli_print_said(tr->sinks[i]->warning);
}

bool cli_idle_rule(const struct world *w)
{
	const struct scn_link *rl;
	struct world_rule_at at = {0, 0};
	const struct link_rule *idle = world_idle_rule(w, true, &at, &rl);
	if (idle)
		fprintf(stderr, "%s:%d:%d: rule '%s' never acted on a segment, "
				"and it is marked must-match\n",
			w->scn->file, idle->line, idle->col, idle->name);
	return idle != NULL;
}

/* flags-exact without ACK fits only a SYN or a RST: every other segment
 * TCP sends carries ACK (RFC 9293 §3.10.7) */
static bool fits_no_segment(const struct link_rule *r)
{
	uint8_t f = r->flags & (uint8_t)~(TCP_ECE | TCP_CWR);
	return r->match_flags && r->flags_exact && !(r->flags & TCP_ACK) &&
	       f != TCP_SYN && f != TCP_RST;
}

void cli_warn(const struct world *w, FILE *f)
{
	const struct scn_link *rl;
	struct world_rule_at at = {0, 0};
	const struct link_rule *r;
	while ((r = world_idle_rule(w, false, &at, &rl)) != NULL) {
		fprintf(f, "%s:%d:%d: warning: rule '%s' never acted on a "
			   "segment",
			w->scn->file, r->line, r->col, r->name);
		if (fits_no_segment(r)) {
			char fl[40];
			tcp_flags_fmt(r->flags, fl, sizeof fl);
			fprintf(f, ": flags-exact: %s fits none TCP sends (all "
				   "but a SYN or a RST carry ACK: flags: %s, or "
				   "flags-exact: %s,ACK?)",
				fl, fl, fl);
		}
		fputs(" (must-match: true makes it an error)\n", f);
	}
	for (size_t h = 0; h < w->nhosts; h++) {
		const struct app *a = &w->apps[h];
		if (!a->failed)
			continue;
		char t[40];
		sim_time_fmt(a->failed_at, t, sizeof t);
		fprintf(f, "%s:%d:%d: warning: %s: %llu application call%s "
			   "could not be made; the first, at %s s: %s\n",
			w->scn->file, a->failed_act->line, a->failed_act->col,
			w->host_names[h], (unsigned long long)a->failed,
			a->failed == 1 ? "" : "s", t, a->failed_why);
	}
}

bool cli_noroute(const struct world *w, FILE *f)
{
	int h = -1;
	sim_time_t t = 0;
	uint32_t dst = 0;
	uint64_t n = world_noroute(w, &h, &t, &dst);
	if (!n)
		return false;
	char at[40], addr[16];
	sim_time_fmt(t, at, sizeof at);
	ip4_fmt(dst, addr);
	fprintf(f, "%s: %llu segment%s found no route (the first at %s s: "
		   "%s had none to %s); if the scenario means it, expect it: "
		   "{event: drop, why: no route}\n",
		w->scn->file, (unsigned long long)n, n == 1 ? "" : "s", at,
		w->hosts[h].name, addr);
	return true;
}

int cli_load_world(const char *name, const struct world_opts *o,
		   struct scenario **scn, struct world *w)
{
	if (cli_load(name, scn) < 0)
		return -1;
	if (world_build(w, *scn, o) < 0) {
		fputs("tcpsim: out of memory building the world\n", stderr);
		return -1;
	}
	return 0;
}

/* The shared options' codes: --seed keeps its short -s; the others are
 * long only, so their codes lie beyond any character. */
enum { OPT_STOP = 0x100, OPT_MAX_EVENTS, OPT_MAX_CONNS, OPT_MAX_MEMORY };

static const struct {
	struct option o;
	unsigned which;
	const char *help;
} shared[] = {
	{{"seed", required_argument, NULL, 's'}, CLI_SEED,
	 "  -s, --seed N          random seed (overrides the scenario's)\n"},
	{{"stop", required_argument, NULL, OPT_STOP}, CLI_LIMITS,
	 "      --stop TIME       stop time, e.g. 10m (overrides the "
	 "scenario's)\n"},
	{{"max-events", required_argument, NULL, OPT_MAX_EVENTS}, CLI_LIMITS,
	 "      --max-events N    cap on events (overrides the scenario's)\n"},
	{{"max-conns", required_argument, NULL, OPT_MAX_CONNS}, CLI_LIMITS,
	 "      --max-conns N     cap on connections opened (overrides the\n"
	 "                        scenario's)\n"},
	{{"max-memory", required_argument, NULL, OPT_MAX_MEMORY}, CLI_LIMITS,
	 "      --max-memory SIZE cap on TCBs and buffers (overrides the\n"
	 "                        scenario's)\n"},
};
#define NSHARED (sizeof shared / sizeof shared[0])

/* A shared option's value into o: 1 if c is one, -1 if its value is
 * wrong (said), 0 if c is not a shared option. */
static int run_option(int c, const char *v, struct world_opts *o)
{
	switch (c) {
	case 's':
		if (cli_parse_u64("--seed", v, &o->seed) < 0)
			return -1;
		o->has_seed = true;
		return 1;
	case OPT_STOP:
		return cli_parse_limit("--stop", v, o) < 0 ? -1 : 1;
	case OPT_MAX_EVENTS:
		return cli_parse_limit("--max-events", v, o) < 0 ? -1 : 1;
	case OPT_MAX_CONNS:
		return cli_parse_limit("--max-conns", v, o) < 0 ? -1 : 1;
	case OPT_MAX_MEMORY:
		return cli_parse_limit("--max-memory", v, o) < 0 ? -1 : 1;
	default:
		return 0;
	}
}

int cli_getopt(int argc, char **argv, const char *shortopts, unsigned which,
	       const struct option *own, struct world_opts *o)
{
	struct option opts[CLI_MAX_OPTIONS];
	size_t n = 0;
	for (size_t i = 0; i < NSHARED; i++)
		if (shared[i].which & which)
			opts[n++] = shared[i].o;
	for (; own->name; own++) {
		assert(n + 1 < CLI_MAX_OPTIONS);
		opts[n++] = *own;
	}
	opts[n] = (struct option){NULL, 0, NULL, 0};
	for (;;) {
		int c = getopt_long(argc, argv, shortopts, opts, NULL);
		int r = c == -1 ? 0 : run_option(c, optarg, o);
		if (r < 0)
			return CLI_BAD_VALUE;
		if (r == 0)
			return c;
	}
}

void cli_run_options_help(FILE *f, unsigned which)
{
	for (size_t i = 0; i < NSHARED; i++)
		if (shared[i].which & which)
			fputs(shared[i].help, f);
}

int cli_pcap_ng(const char *path, const char *fmt)
{
	if (fmt) {
		if (strcmp(fmt, "pcap") == 0 || strcmp(fmt, "pcapng") == 0)
			return fmt[4] == 'n';
		fprintf(stderr, "tcpsim: --pcap-format %s: say pcap or pcapng\n",
			fmt);
		return -1;
	}
	size_t n = path ? strlen(path) : 0;
	return n >= 7 && strcmp(path + n - 7, ".pcapng") == 0;
}

/* ---- progress ------------------------------------------------------------ */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct cli_progress cli_progress_start(void)
{
	return (struct cli_progress){.t0 = wall()};
}

double cli_progress_elapsed(const struct cli_progress *p)
{
	return wall() - p->t0;
}

static void fmt_left(double s, char *buf, size_t n)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
			 t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

void cli_progress_show(void *ctx, uint64_t done, uint64_t total)
{
	struct cli_progress *p = ctx;
	double now = wall();
	if (done < total && now - p->last < 0.1)
		return;
	p->last = now;
	double el = now - p->t0;
	double rate = el > 0 ? (double)done / el : 0;
	char left[32] = "-";
	if (rate > 0)
		fmt_left((double)(total - done) / rate, left, sizeof left);
	int width = 30, fill = (int)((double)width * (double)done /
				     (double)total);
	char bar[64];
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r[%s] %llu/%llu runs %3d%%  %.0f runs/s  %s left ",
		bar, (unsigned long long)done, (unsigned long long)total,
		(int)(100 * done / total), rate, left);
	fflush(stderr);
	p->shown = true;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

void cli_keep_heap(void)
{
#ifdef M_TRIM_THRESHOLD
	/* Each run frees its buffers before the next takes them again:
	 * keep the heap instead of handing its top back to the kernel and
	 * asking for it again a moment later (two system calls per run). */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
}

int cli_parse_jobs(const char *v, long *jobs)
{
	uint64_t j;
	if (cli_parse_u64("--jobs", v, &j) < 0)
		return -1;
	if (j < 1 || j > 256) {
		fprintf(stderr, "tcpsim: --jobs must be 1 to 256\n");
		return -1;
	}
	*jobs = (long)j;
	return 0;
}

int cli_split_set(const char *arg, const char *example, char *const *before,
		  size_t n, char **path, const char **value)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		fprintf(stderr, "tcpsim: --set %s: expected PATH=%s\n", arg,
			example);
		return -1;
	}
	*path = strndup(arg, (size_t)(eq - arg));
	if (!*path) {
		fputs("tcpsim: out of memory\n", stderr);
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		if (strcmp(before[k], *path) == 0) {
			fprintf(stderr, "tcpsim: --set %s is given twice\n",
				*path);
			free(*path);
			*path = NULL;
			return -1;
		}
	*value = eq + 1;
	return 0;
}
