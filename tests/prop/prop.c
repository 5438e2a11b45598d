/* prop.c — property test of the TCP model: thousands of random scenarios,
 * each checked against what TCP promises.
 *
 * Run i draws its scenario from the stream "prop:i" of the master seed
 * (sim/engine/rng.h), so any run can be regenerated on its own: two or three
 * hosts; one to three connections between them; links that lose up to 30 %
 * of segments each way (independent, burst, corrupted), duplicate, reorder,
 * delay, jitter, rate-limit and queue them, and now and then go down; data
 * both ways in one of five patterns (plain sends, bulk, echo,
 * request/response, half-close); one of several orders of closing; and
 * random TCP parameters: profiles, MSS, buffer sizes, Nagle, delayed
 * ACKs, RTO bounds, initial window, duplicate-ACK threshold, MSL and
 * TIME-WAIT, keepalive, and slow readers. Retry limits are raised to 255 so that giving up is
 * practically impossible even at 30 % loss: every run must complete.
 *
 * The scenario is written as YAML text and loaded with scn_load_string, so
 * the loader is exercised too, and the text is what a failure saves: it
 * replays with `tcpsim run FILE`. Every run must satisfy:
 *
 *   delivered  each connection's two byte streams arrive complete and
 *              intact: the receiving application read exactly the bytes
 *              the sending one wrote, every byte as written (app.h checks
 *              each byte read against the writer's stream);
 *   closed     the run ends quiescent (not at the stop time or the event
 *              cap); every connection ended normally (or by a RST in
 *              CLOSING, LAST-ACK or TIME-WAIT, see check_ended()) and no
 *              TCB is left on any host (TIME-WAIT has expired) but
 *              listening sockets, which hold no half-open connection;
 *   expect     the scenario's own expectations hold (bytes delivered
 *              intact between each pair of hosts, no connection open at
 *              the end);
 *   script     no application action failed (a check on the generator: a
 *              script that acts on a closed socket is a wrong scenario);
 *   replay     loading the same text again and running it with the same
 *              seed, its payloads carried as bytes where the first run
 *              carried references (--payload-bytes), gives a
 *              byte-identical canonical text trace (compared
 *              by FNV-1a 64 over its lines, made as the text sink makes
 *              them; a difference reruns both keeping the text, and saves
 *              the two traces beside the scenario).
 *
 * What the generator avoids, because TCP is right to fail there: close()
 * with data still unread or still to come (RFC 1122 §4.2.2.13 answers it
 * with RST), keepalive that can give up, teaching variants (two-way
 * handshake, no TIME-WAIT), MTUs that differ by direction (no path MTU
 * discovery), and with routers any smaller MTU (routers send no ICMP).
 *
 * Topologies: two or three hosts, linked directly; or, in some 30 % of
 * runs, hanging off one or two routers (a chain r0-r1), with direct links
 * besides, so connections cross one to three links and routes follow
 * outages (by hops or delay, converging in up to 500 ms).
 *
 * What the properties forgive: a run in which Linux's rules gave up a
 * connection whose send window stayed closed on data in flight (by time,
 * whatever the retry limits; see forgiven()) may break delivered, closed
 * and expect; it is named on standard error and counted as forgiven.
 *
 * Usage: prop [-n RUNS] [-s SEED] [-j WORKERS] [-o DIR] [-r RUN]
 *   -n  runs (default 10000; the environment's TCPSIM_PROP_RUNS wins)
 *   -s  master seed (default fixed; TCPSIM_PROP_SEED wins)
 *   -j  worker processes (default 2); worker k takes runs k, k+j, ...
 *   -o  where a failing scenario is written, as prop-fail-RUN.yaml
 *   -r  run only run RUN, printing its scenario first
 * Exit status: 0 every run held every property, 1 one did not, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/app.h"
#include "sim/verdict/expect.h"
#include "models/host.h"
#include "models/link.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"
#include "sim/out/sinks.h"
#include "models/tcp.h"
#include "sim/run/world.h"
#include "prop.h"

/* ---- running one scenario -------------------------------------------- */

/* Connections a run may make, counting embryonic ones from late SYNs. */
#define PROP_MAX_CONN_RECS 256

/* Counts what the totals report and the script's failures, and keeps
 * each connection's last state change. */
struct count_sink {
	struct trace_sink base;
	uint64_t rexmits, app_errors;
	uint64_t probe0_aborts; /* ended by TCP_WHY_PROBE0_TIMEOUT */
	char first_error[160];
	struct conn_rec {
		int host;
		uint32_t conn;
		int from, to;       /* its last state change */
	} conns[PROP_MAX_CONN_RECS];
	size_t nconns;
};

static struct conn_rec *conn_rec(struct count_sink *k, int host,
				 uint32_t conn)
{
	for (size_t i = 0; i < k->nconns; i++)
		if (k->conns[i].host == host && k->conns[i].conn == conn)
			return &k->conns[i];
	if (k->nconns == PROP_MAX_CONN_RECS)
		return NULL; /* its ending reads as unknown: a failure */
	k->conns[k->nconns] = (struct conn_rec){.host = host, .conn = conn};
	return &k->conns[k->nconns++];
}

static void count_emit(struct trace_sink *s, const struct trace *tr,
		       const struct trace_event *ev)
{
	struct count_sink *k = (struct count_sink *)s;
	if (ev->kind == TR_SEND && (ev->b & TR_SEND_REXMIT))
		k->rexmits++;
	if (ev->kind == TR_STATE) {
		struct conn_rec *c = conn_rec(k, ev->host, ev->conn);
		if (c) {
			c->from = ev->a;
			c->to = ev->b;
		}
		if (ev->b == TCP_CLOSED && ev->why &&
		    strcmp(ev->why, TCP_WHY_PROBE0_TIMEOUT) == 0)
			k->probe0_aborts++;
	}
	if (ev->kind == TR_APP && ev->a == TR_APP_ERROR) {
		char tb[40];
		sim_time_fmt(ev->t, tb, sizeof tb);
		if (!k->app_errors++)
			snprintf(k->first_error, sizeof k->first_error,
				 "%s at %s s: %s: %s",
				 trace_host_name(tr, ev->host), tb,
				 ev->name ? ev->name : "?",
				 ev->text ? ev->text : "?");
	}
}

struct totals {
	uint64_t runs, failed, forgiven, events, segments, lost, dup,
		corrupt, qdrops, rexmits, bytes, marked, routed;
	int64_t simtime;        /* ns, summed */
};

struct outcome {
	enum sim_end end;
	uint64_t events;
	uint64_t hash;          /* of the canonical trace */
	char *trace;            /* the trace itself */
	size_t trace_len;
	struct sbuf why;        /* the properties violated, one a line */
	bool firm;              /* one of them is `script` or `replay` */
	bool probe0;            /* Linux's zero-window rule ended a
				   connection (see forgiven()) */
};

static void violated(struct outcome *o, const char *prop, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
static void violated(struct outcome *o, const char *prop, const char *fmt,
		     ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sb_printf(&o->why, "  %-9s %s\n", prop, msg);
	if (!strcmp(prop, "script") || !strcmp(prop, "replay"))
		o->firm = true;
}

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)

static uint64_t fnv1a64(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* The canonical trace, hashed line by line as it is made: the lines are
 * the text sink's (trace_format_line), without keeping them. */
struct hash_sink {
	struct trace_sink base;
	uint64_t h;
	bool oom;
};

static void hash_emit(struct trace_sink *s, const struct trace *tr,
		      const struct trace_event *ev)
{
	struct hash_sink *k = (struct hash_sink *)s;
	char line[1024];
	int n = trace_format_line(tr, ev, line, sizeof line);
	if (n < 0)
		return;
	if ((size_t)n < sizeof line) {
		k->h = fnv1a64(k->h, line, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (!big) {
			k->oom = true;
			return;
		}
		trace_format_line(tr, ev, big, (size_t)n + 1);
		k->h = fnv1a64(k->h, big, (size_t)n);
		free(big);
	}
	k->h = fnv1a64(k->h, "\n", 1);
}

/* The one non-listening socket of host h named `name`, or NULL; *n says
 * how many there were. */
static const struct app_sock *find_sock(const struct world *w, int h,
					const char *name, int *n)
{
	const struct app_sock *found = NULL;
	*n = 0;
	for (const struct app_sock *s = w->apps[h].socks; s; s = s->next) {
		if (s->listener || !app_sock_name(s) ||
		    strcmp(app_sock_name(s), name) != 0)
			continue;
		if (!found)
			found = s;
		++*n;
	}
	return found;
}

/* One direction of connection i: `from` wrote `want` bytes, all of
 * which `to` must have read, intact. */
static void check_stream(struct outcome *o, int i, const char *dir,
			 const struct app_sock *from,
			 const struct app_sock *to, uint64_t want)
{
	if (from->written != want)
		violated(o, "delivered", "conn %d %s: the sender's TCP took "
					 "%" PRIu64 " of %" PRIu64 " bytes",
			 i, dir, from->written, want);
	if (to->received != want)
		violated(o, "delivered", "conn %d %s: %" PRIu64 " of %" PRIu64
					 " bytes read",
			 i, dir, to->received, want);
	if (to->bad)
		violated(o, "delivered", "conn %d %s: %" PRIu64 " bad bytes, "
					 "the first at offset %" PRIu64,
			 i, dir, to->bad, to->first_bad);
	if (to->unverified)
		violated(o, "delivered", "conn %d %s: %" PRIu64
					 " bytes from no known sender",
			 i, dir, to->unverified);
}

/* The state connection `conn` of host h left for CLOSED, or -1. */
static int closed_from(const struct count_sink *k, int h, uint32_t conn)
{
	for (size_t i = 0; i < k->nconns; i++)
		if (k->conns[i].host == h && k->conns[i].conn == conn &&
		    k->conns[i].to == TCP_CLOSED)
			return k->conns[i].from;
	return -1;
}

/* A connection must end normally, or by a RST in CLOSING, LAST-ACK or
 * TIME-WAIT, which RFC 9293 §3.10.7.4 (second) obeys (RFC 1337's
 * protection of TIME-WAIT is optional): the peer has forgotten the
 * connection, its TIME-WAIT over while our FIN's retransmissions were
 * lost, or a late duplicate met its closed port. Both FINs have arrived
 * by then; whether all the data did is checked on its own. */
static void check_ended(struct outcome *o, const struct count_sink *k,
			int h, int i, const char *side,
			const struct app_sock *s)
{
	if (!s->ended) {
		violated(o, "closed", "conn %d %s: still %s at the end", i,
			 side, s->c ? tcp_state_name(tcp_conn_state(s->c)) : "open");
		return;
	}
	if (s->end == TCP_END_NORMAL)
		return;
	int from = closed_from(k, h, s->conn);
	if (s->end == TCP_END_RESET &&
	    (from == TCP_CLOSING || from == TCP_LAST_ACK ||
	     from == TCP_TIME_WAIT))
		return;
	violated(o, "closed", "conn %d %s: ended %s in %s", i, side,
		 tcp_end_name(s->end), from < 0 ? "?" : tcp_state_name(from));
}

/* The properties that need the world after its run. */
static void check_world(struct outcome *o, const struct world *w,
			const struct plan *pl, const struct count_sink *k)
{
	if (o->end != SIM_END_QUIET) {
		char tb[40];
		sim_time_fmt(w->sim.now, tb, sizeof tb);
		violated(o, "closed", "the run ended %s at %s s, not "
				      "quiescent",
			 sim_end_name(o->end), tb);
	}
	for (int i = 0; i < pl->nconns; i++) {
		const struct conn_plan *c = &pl->c[i];
		char cn[8], sn[8];
		int ncs, nss;
		snprintf(cn, sizeof cn, "c%d", i);
		snprintf(sn, sizeof sn, "s%d", i);
		const struct app_sock *cs = find_sock(w, c->client, cn, &ncs);
		const struct app_sock *ss = find_sock(w, c->server, sn, &nss);
		if (ncs != 1 || nss != 1) {
			violated(o, "delivered", "conn %d: %d client and %d "
						 "server sockets, not one each",
				 i, ncs, nss);
			if (!cs || !ss)
				continue;
		}
		check_stream(o, i, "client>server", cs, ss, c->c2s);
		check_stream(o, i, "server>client", ss, cs, c->s2c);
		check_ended(o, k, c->client, i, "client", cs);
		check_ended(o, k, c->server, i, "server", ss);
	}
	/* no TCB left but listeners, and those with no half-open child */
	for (size_t h = 0; h < w->nhosts; h++) {
		const struct tcp_stack *st = w->hosts[h].tcp;
		for (const struct tcp_conn *c = tcp_stack_first(st); c;
		     c = tcp_conn_next(c)) {
			struct tcp_conn_info i;
			tcp_conn_info(c, &i);
			if (i.state == TCP_LISTEN && i.half_open == 0)
				continue;
			violated(o, "closed", "%s: connection %" PRIu32
					      " (port %u to %u) left in %s",
				 w->hosts[h].name, i.id, (unsigned)i.lport,
				 (unsigned)i.rport, tcp_state_name(i.state));
		}
	}
}

/* Give s to the trace, or destroy it if it cannot be attached. */
static int attach(struct trace *tr, struct trace_sink *s)
{
	if (!s)
		return -1;
	if (trace_add_sink(tr, s) == 0)
		return 0;
	if (s->destroy)
		s->destroy(s);
	return -1;
}

/* Load `text` and run it once, hashing its canonical trace; with
 * keep, the text sink also writes the trace to memory (o->trace). With
 * pl, also check the properties and add to *tot. With bytes, the
 * applications hand TCP bytes rather than references (--payload-bytes). */
static int run_text(const char *text, size_t len, const struct plan *pl,
		    bool keep, bool bytes, struct outcome *o,
		    struct totals *tot)
{
	struct scenario *scn = NULL;
	struct scn_error err;
	struct world w;
	struct expect_run *er = NULL;
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = NULL;
	bool built = false;
	int rc = -1;

	if (scn_load_string("prop.yaml", text, len, &scn, &err) < 0) {
		char msg[2048];
		scn_error_format(&err, msg, sizeof msg);
		violated(o, "script", "the scenario does not load: %s", msg);
		return -1;
	}
	/* the replay: payloads as bytes, connections at rest whole */
	struct world_opts wo = {.payload_bytes = bytes, .whole = bytes};
	if (world_build(&w, scn, &wo) < 0)
		goto out;
	built = true;
	struct hash_sink hs = {.base = {.emit = hash_emit, .mask = TR_USUAL},
			       .h = FNV_OFFSET};
	if (trace_add_sink(&w.sim.trace, &hs.base) < 0)
		goto out;
	if (keep) {
		f = open_memstream(&buf, &blen);
		if (attach(&w.sim.trace, f ? sink_text_new(f) : NULL) < 0)
			goto out;
	}
	struct count_sink cnt = {.base = {.emit = count_emit,
					  .mask = TR_BIT(TR_SEND) |
						  TR_BIT(TR_APP) |
						  TR_BIT(TR_STATE)}};
	if (trace_add_sink(&w.sim.trace, &cnt.base) < 0)
		goto out;
	if (pl && scn->nexpects) {
		struct trace_sink *es = NULL;
		er = expect_new(scn->expects, scn->nexpects, &es);
		if (!er || attach(&w.sim.trace, es) < 0)
			goto out;
	}

	o->end = world_run(&w);
	o->events = w.sim.events;
	/* fclose() sets buf and blen for the last time */
	int frc = trace_finish(&w.sim.trace);
	int crc = f ? fclose(f) : 0;
	f = NULL;
	if (frc < 0 || crc != 0 || hs.oom)
		goto out;
	o->hash = hs.h;
	o->trace = buf;
	o->trace_len = blen;
	buf = NULL;
	rc = 0;
	if (!pl)
		goto out;

	o->probe0 = cnt.probe0_aborts > 0;
	check_world(o, &w, pl, &cnt);
	if (cnt.app_errors)
		violated(o, "script", "%" PRIu64 " application errors, the "
				      "first: %s",
			 cnt.app_errors, cnt.first_error);
	struct expect_outcome oc = world_outcome(&w);
	if (er && expect_judge(er, &oc)) {
		char *rep = NULL;
		size_t rlen = 0;
		FILE *rf = open_memstream(&rep, &rlen);
		if (rf) {
			expect_report(er, rf);
			fclose(rf);
		}
		violated(o, "expect", "%zu of %zu expectations failed:",
			 expect_failed(er), scn->nexpects);
		sb_printf(&o->why, "%s", rep ? rep : "");
		free(rep);
	}
	tot->events += w.sim.events;
	tot->routed += pl->nrouters > 0;
	tot->rexmits += cnt.rexmits;
	tot->simtime += w.sim.now;
	for (size_t i = 0; i < w.nlinks; i++)
		for (int d = 0; d < 2; d++) {
			const struct link_dir *ld = &w.links[i].dir[d];
			tot->segments += ld->sent;
			tot->lost += ld->lost;
			tot->dup += ld->duplicated;
			tot->corrupt += ld->corrupted;
			tot->marked += ld->marked;
			tot->qdrops += ld->queue_drops + ld->red_drops +
				       ld->codel_drops;
		}
	for (int i = 0; i < pl->nconns; i++)
		tot->bytes += pl->c[i].c2s + pl->c[i].s2c;
out:
	if (built) {
		trace_fini(&w.sim.trace);
		world_free(&w);
	}
	if (f)
		fclose(f);
	free(buf);
	expect_free(er);
	scn_free(scn);
	if (rc < 0 && !o->why.len)
		violated(o, "script", "out of memory");
	return rc;
}

struct opts {
	uint64_t runs, seed;
	unsigned jobs;
	const char *dir;
	bool one;               /* -r: only run `only` */
	uint64_t only;
};

/* Under Linux's rules a connection whose send window closed on data in
 * flight is given up by time, not by a count of retransmissions: after
 * 2·rto-max with nothing from the peer (tcp_rtx_probe0_timed_out), and no
 * retries setting moves that. A stale zero-window ACK overtaken by the
 * window update after it, then two or three lost round trips at the
 * largest RTO, are enough; TCP is right to give up there. Such a run is
 * forgiven the properties that giving up breaks — delivered, closed and
 * expect — never script or replay, and is counted apart. */
static bool forgiven(const struct outcome *a, const struct outcome *b)
{
	return a->probe0 && !a->firm && !b->firm;
}

/* Write n bytes to DIR/prop-fail-RUN.SUFFIX; returns 0 or -1. */
static int save_file(const struct opts *op, uint64_t run, const char *suffix,
		     const char *p, size_t n, char *path, size_t pathn)
{
	snprintf(path, pathn, "%s/prop-fail-%" PRIu64 "%s", op->dir, run,
		 suffix);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "prop: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Save a failing scenario where `tcpsim run` can replay it. */
static void save_failure(const struct opts *op, uint64_t run,
			 const struct sbuf *y)
{
	char path[4096];
	if (save_file(op, run, ".yaml", y->p, y->len, path, sizeof path) == 0)
		fprintf(stderr, "prop: the scenario is in %s (replay: tcpsim "
				"run %s)\n",
			path, path);
}

/* Run `run`: generate, run, check, replay. Returns true if it held. */
static bool one_run(const struct opts *op, uint64_t run, struct sbuf *y,
		    struct totals *tot)
{
	struct plan pl;
	struct outcome a = {0}, b = {0};
	bool differs = false;
	gen_scenario(op->seed, run, y, &pl);
	if (y->oom) {
		fprintf(stderr, "prop: out of memory\n");
		exit(2);
	}
	tot->runs++;
	/* the replay carries payloads as bytes, the first run by reference:
	 * the same run either way */
	if (run_text(y->p, y->len, &pl, false, false, &a, tot) == 0 &&
	    run_text(y->p, y->len, NULL, false, true, &b, tot) == 0 &&
	    (a.hash != b.hash || a.events != b.events)) {
		violated(&a, "replay", "the replay's trace (payloads as bytes) "
				       "differs: %" PRIu64
				       " events, hash %016" PRIx64 "; then "
				       "%" PRIu64 " events, hash %016" PRIx64,
			 a.events, a.hash, b.events, b.hash);
		/* once more, each keeping its text, to show the difference */
		struct outcome a2 = {0}, b2 = {0};
		struct totals scratch = {0};
		if (run_text(y->p, y->len, NULL, true, false, &a2,
			     &scratch) == 0 &&
		    run_text(y->p, y->len, NULL, true, true, &b2,
			     &scratch) == 0) {
			a.trace = a2.trace;
			a.trace_len = a2.trace_len;
			b.trace = b2.trace;
			b.trace_len = b2.trace_len;
		} else {
			free(a2.trace);
			free(b2.trace);
		}
		sb_free(&a2.why);
		sb_free(&b2.why);
		differs = true;
	}
	bool ok = a.why.len == 0 && b.why.len == 0;
	if (!ok && forgiven(&a, &b)) {
		tot->forgiven++;
		fprintf(stderr, "prop: run %" PRIu64 " forgiven: a connection "
				"ended by Linux's zero-window rule (%s)\n",
			run, TCP_WHY_PROBE0_TIMEOUT);
		ok = true;
	} else if (!ok) {
		tot->failed++;
		fprintf(stderr, "prop: FAIL master seed %" PRIu64
				" run %" PRIu64 ":\n%s%s",
			op->seed, run, a.why.p ? a.why.p : "",
			b.why.p ? b.why.p : "");
		save_failure(op, run, y);
	}
	/* both traces, for diff: tcpsim alone may not reproduce a
	 * difference that depends on what ran before in the process */
	char path[4096];
	if (differs &&
	    save_file(op, run, ".trace", a.trace, a.trace_len, path,
		      sizeof path) == 0 &&
	    save_file(op, run, ".replay.trace", b.trace, b.trace_len, path,
		      sizeof path) == 0)
		fprintf(stderr, "prop: the two traces are in %s/prop-fail-"
				"%" PRIu64 ".trace and %s\n",
			op->dir, run, path);
	free(a.trace);
	free(b.trace);
	sb_free(&a.why);
	sb_free(&b.why);
	return ok;
}

/* ---- workers ----------------------------------------------------------- */

/* A worker reports on a pipe: the number of each run as it starts (so a
 * run that crashes the worker is known), then its totals. */
struct msg {
	char kind;              /* 'R' a run starts, 'T' totals */
	uint64_t run;
	struct totals tot;
};

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static void add_totals(struct totals *a, const struct totals *b)
{
	a->runs += b->runs;
	a->failed += b->failed;
	a->forgiven += b->forgiven;
	a->events += b->events;
	a->segments += b->segments;
	a->lost += b->lost;
	a->dup += b->dup;
	a->corrupt += b->corrupt;
	a->marked += b->marked;
	a->qdrops += b->qdrops;
	a->rexmits += b->rexmits;
	a->bytes += b->bytes;
	a->simtime += b->simtime;
	a->routed += b->routed;
}

/* Worker k: runs k, k + jobs, ...; reports on fd (-1: in process). */
static int worker(const struct opts *op, unsigned k, int fd,
		  struct totals *out)
{
	struct sbuf y = {0};
	struct totals tot = {0};
	for (uint64_t run = k; run < op->runs; run += op->jobs) {
		if (fd >= 0) {
			struct msg m = {.kind = 'R', .run = run};
			if (write_all(fd, &m, sizeof m) < 0)
				break;
		}
		one_run(op, run, &y, &tot);
		if (tot.failed >= PROP_MAX_FAILS) {
			fprintf(stderr, "prop: worker %u stops after %u "
					"failures\n",
				k, PROP_MAX_FAILS);
			break;
		}
	}
	sb_free(&y);
	if (fd >= 0) {
		struct msg m = {.kind = 'T', .tot = tot};
		write_all(fd, &m, sizeof m);
	}
	add_totals(out, &tot);
	return tot.failed ? 1 : 0;
}

/* Fork the workers, follow their reports, and add up their totals.
 * Returns the number of workers that failed or died. */
static int run_workers(const struct opts *op, struct totals *tot)
{
	struct wk {
		pid_t pid;
		int fd;
		bool done, got_totals;
		uint64_t last;  /* run in progress */
		bool started;
		struct msg m;
		size_t have;
	} ws[PROP_MAX_JOBS];
	int bad = 0;
	fflush(NULL);
	for (unsigned k = 0; k < op->jobs; k++) {
		int p[2];
		if (pipe(p) < 0) {
			perror("prop: pipe");
			exit(2);
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("prop: fork");
			exit(2);
		}
		if (pid == 0) {
			close(p[0]);
			for (unsigned j = 0; j < k; j++)
				close(ws[j].fd);
			struct totals mine = {0};
			int st = worker(op, k, p[1], &mine);
			close(p[1]);
			fflush(NULL);
			_exit(st);
		}
		close(p[1]);
		ws[k] = (struct wk){.pid = pid, .fd = p[0]};
	}
	/* read every pipe as it fills, so no worker waits on another */
	unsigned open = op->jobs;
	while (open) {
		struct pollfd pf[PROP_MAX_JOBS];
		unsigned idx[PROP_MAX_JOBS], n = 0;
		for (unsigned k = 0; k < op->jobs; k++)
			if (!ws[k].done) {
				pf[n] = (struct pollfd){.fd = ws[k].fd,
							.events = POLLIN};
				idx[n++] = k;
			}
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("prop: poll");
			exit(2);
		}
		for (unsigned i = 0; i < n; i++) {
			struct wk *x = &ws[idx[i]];
			if (!pf[i].revents)
				continue;
			ssize_t got = read(x->fd, (char *)&x->m + x->have,
					   sizeof x->m - x->have);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				x->done = true;
				open--;
				close(x->fd);
				continue;
			}
			x->have += (size_t)got;
			if (x->have < sizeof x->m)
				continue;
			x->have = 0;
			if (x->m.kind == 'R') {
				x->last = x->m.run;
				x->started = true;
			} else {
				add_totals(tot, &x->m.tot);
				x->got_totals = true;
			}
		}
	}
	for (unsigned k = 0; k < op->jobs; k++) {
		int st;
		while (waitpid(ws[k].pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) <= 1 && ws[k].got_totals) {
			bad += WEXITSTATUS(st) != 0;
			continue;
		}
		/* it died in a run: say which, and keep that scenario */
		bad++;
		tot->failed++;
		if (WIFSIGNALED(st))
			fprintf(stderr, "prop: FAIL worker %u killed by signal "
					"%d",
				k, WTERMSIG(st));
		else
			fprintf(stderr, "prop: FAIL worker %u exited with "
					"status %d",
				k, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		if (!ws[k].started) {
			fputc('\n', stderr);
			continue;
		}
		fprintf(stderr, " in master seed %" PRIu64 " run %" PRIu64 "\n",
			op->seed, ws[k].last);
		struct sbuf y = {0};
		struct plan pl;
		gen_scenario(op->seed, ws[k].last, &y, &pl);
		save_failure(op, ws[k].last, &y);
		sb_free(&y);
	}
	return bad;
}

/* ---- main ---------------------------------------------------------------- */

static int parse_u64(const char *what, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (!*s || *s == '-' || *end || errno) {
		fprintf(stderr, "prop: %s expects a number, found '%s'\n", what,
			s);
		return -1;
	}
	*out = x;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct opts op = {.runs = PROP_RUNS, .seed = PROP_SEED,
			  .jobs = PROP_JOBS, .dir = "."};
	uint64_t x;
	int c;
	while ((c = getopt(argc, argv, "n:s:j:o:r:")) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64("-n", optarg, &op.runs) < 0)
				return 2;
			break;
		case 's':
			if (parse_u64("-s", optarg, &op.seed) < 0)
				return 2;
			break;
		case 'j':
			if (parse_u64("-j", optarg, &x) < 0)
				return 2;
			if (x < 1 || x > PROP_MAX_JOBS) {
				fprintf(stderr, "prop: -j is 1 to %d\n",
					PROP_MAX_JOBS);
				return 2;
			}
			op.jobs = (unsigned)x;
			break;
		case 'o':
			op.dir = optarg;
			break;
		case 'r':
			if (parse_u64("-r", optarg, &op.only) < 0)
				return 2;
			op.one = true;
			break;
		default:
			fprintf(stderr, "usage: prop [-n RUNS] [-s SEED] "
					"[-j WORKERS] [-o DIR] [-r RUN]\n");
			return 2;
		}
	}
	const char *env = getenv("TCPSIM_PROP_RUNS");
	if (env && *env && parse_u64("TCPSIM_PROP_RUNS", env, &op.runs) < 0)
		return 2;
	env = getenv("TCPSIM_PROP_SEED");
	if (env && *env && parse_u64("TCPSIM_PROP_SEED", env, &op.seed) < 0)
		return 2;

	if (op.one) {
		struct sbuf y = {0};
		struct plan pl;
		struct totals tot = {0};
		gen_scenario(op.seed, op.only, &y, &pl);
		fputs(y.p, stdout);
		bool ok = one_run(&op, op.only, &y, &tot);
		printf("prop: run %" PRIu64 ": %s, %" PRIu64 " events\n",
		       op.only,
		       !ok ? "FAILED"
		       : tot.forgiven ? "forgiven (see above)"
				      : "every property holds",
		       tot.events);
		sb_free(&y);
		return ok ? 0 : 1;
	}

	struct totals tot = {0};
	double t0 = now_s();
	if (op.jobs > op.runs)
		op.jobs = op.runs ? (unsigned)op.runs : 1;
	int bad = 0;
	if (op.jobs == 1)
		bad = worker(&op, 0, -1, &tot);
	else
		bad = run_workers(&op, &tot);
	double t = now_s() - t0;
	/* events and segments count each run once, not its replay */
	printf("prop: %" PRIu64 " runs, %" PRIu64 " failed, %" PRIu64
	       " forgiven (master seed "
	       "%" PRIu64 ", %u worker%s, %.1f s wall): %" PRIu64 " events, "
	       "%.0f s simulated, %" PRIu64 " bytes delivered; segments: "
	       "%" PRIu64 " sent, %" PRIu64 " lost, %" PRIu64 " corrupted, "
	       "%" PRIu64 " duplicated, %" PRIu64 " queue drops, %" PRIu64
	       " marked CE, %" PRIu64 " retransmitted; %" PRIu64
	       " runs through routers\n",
	       tot.runs, tot.failed, tot.forgiven, op.seed, op.jobs, op.jobs == 1 ? "" : "s",
	       t, tot.events, (double)tot.simtime / 1e9, tot.bytes,
	       tot.segments, tot.lost, tot.corrupt, tot.dup, tot.qdrops,
	       tot.marked, tot.rexmits, tot.routed);
	return bad || tot.failed ? 1 : 0;
}
