/* scale.c — how tcpsim holds up as a run grows: many pairs, many short
 * connections, many idle ones (issue 18's workloads, generated here).
 *
 *   - bulk P pairs: P independent client-server pairs, each on its own
 *     10 Mbit/s, 10 ms link with a 100-segment drop-tail queue and 1 %
 *     loss on the data direction, NewReno, 1 MB each (P = 100, 1000);
 *   - conns: 10,000 connections of 1000 bytes, one every 100 µs, from one
 *     client to one server over 1 Gbit/s and 10 ms, TIME-WAIT 240 s;
 *   - idle: N connections that stay open, idle, with keepalive, for
 *     2 h 30 m simulated (every one probed once at 2 h), default buffers:
 *     from N / 10,000 clients to one server, and from N clients of one
 *     connection each (N = 100,000; 1,000,000 only when a WORD names it,
 *     as `scale 1,000,000` or `scale idle` do: it takes gigabytes).
 *
 * Each workload runs in a child process of its own, so that its peak
 * resident memory (getrusage of the child) is its own. Reported: wall
 * time of the run (loading and building included), events and events
 * per second, peak RSS, and bytes of peak RSS per connection (both its
 * ends simulated, and what the run needs besides). These are
 * measurements, never asserted. `scale WORD` runs only the workloads whose
 * label contains WORD (for example `scale idle`).
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/app.h"
#include "models/tcp.h"
#include "sim/run/world.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A growing text. */
struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL,
				  t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			exit(2);
		if (t->p && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? 2 * t->cap : 1 << 16;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (!p)
			exit(2);
		t->p = p;
		t->cap = cap;
	}
}

static void bulk_pairs(struct text *t, unsigned pairs)
{
	put(t, "name: bulk-%u-pairs\nstop: 1h\nmax-events: 1000000000\n"
	       "hosts: {c: {count: %u}, s: {count: %u}}\nlinks:\n",
	    pairs, pairs, pairs);
	for (unsigned i = 1; i <= pairs; i++)
		put(t, "  - {between: [c-%u, s-%u], delay: 10ms, rate: "
		       "10Mbit/s, queue: 100, c-%u>s-%u: {loss: 1%%}}\n",
		    i, i, i, i);
	put(t, "apps:\n  s: [{at: 0s, listen: 80}, {on: peer-closed, close: "
	       "true}]\n");
	for (unsigned i = 1; i <= pairs; i++)
		put(t, "  c-%u: [{at: 0s, connect: s-%u:80, bulk: 1000000}]\n",
		    i, i);
}

/* The server's backlog raised: with 128, a SYN every 100 µs and 20 ms
 * round trips overflow it, and a third of the connections wait a second
 * or more for a retransmitted SYN (ns-3's sockets have no backlog). */
static void conns(struct text *t, unsigned n)
{
	put(t, "name: conns\nstop: 1h\nmax-events: 1000000000\n"
	       "tcp: {msl: 120s, backlog: 1024}\n"
	       "hosts: {client: {}, server: {}}\n"
	       "links: [{between: [client, server], delay: 10ms, rate: "
	       "1Gbit/s}]\napps:\n  server: [{at: 0s, listen: 80}, "
	       "{on: peer-closed, close: true}]\n  client:\n"
	       "    - {at: 0s, connect: server:80, bulk: 1000, repeat: "
	       "{count: %u, every: 100us}}\n",
	    n);
}

/* n connections that stay open: from n / 10,000 clients (at least one),
 * each opening its share one every millisecond, to one server; or, with
 * `one_each`, from n clients of one connection each (the cost of a host
 * counted in). Default buffers and memory budget (max-memory: 2 GiB),
 * but for the clients of one connection each: they all connect at 1 s,
 * and their TCBs are whole until they have rested (2.4 GB for a
 * million); the server's backlog raised, so that every SYN finds room. */
static void idle_gen(struct text *t, unsigned n, bool one_each)
{
	unsigned clients = one_each ? n : (n + 9999) / 10000;
	put(t, "name: idle\nstop: 150m\nmax-events: 1000000000\n"
	       "max-hosts: %u\nmax-conns: %u\n%s"
	       "tcp: {keepalive: true, backlog: %u}\n"
	       "hosts: {c: {count: %u}, server: {}}\n"
	       "links: [{between: [c, server], delay: 10ms}]\n"
	       "apps:\n  server: [{at: 0s, listen: 80}]\n"
	       "  c: [{at: 1s, connect: server:80, repeat: {count: %u, "
	       "every: 1ms}}]\n",
	    clients + 1, n + 1, one_each ? "max-memory: 64GiB\n" : "", n,
	    clients, n / clients);
}

static void idle(struct text *t, unsigned n)
{
	idle_gen(t, n, false);
}

static void idle_hosts(struct text *t, unsigned n)
{
	idle_gen(t, n, true);
}

/* Run the scenario of t in this process and print what it took. */
static int run_child(const char *label, const struct text *t,
		     uint64_t nconns)
{
	double t0 = now_s();
	struct scenario *s;
	struct scn_error e;
	if (scn_load_string(label, t->p, t->len, &s, &e) < 0) {
		fprintf(stderr, "%s: %d:%d: %s\n", label, e.line, e.col, e.msg);
		return 2;
	}
	struct world w;
	if (world_build(&w, s, NULL) < 0)
		return 2;
	enum sim_end end = world_run(&w);
	double dt = now_s() - t0;
	/* how the connections fared: still open, or closed normally */
	uint64_t open = 0, normal = 0;
	for (size_t h = 0; h < w.nhosts; h++)
		for (const struct app_sock *k = w.apps[h].socks; k; k = k->next)
			if (!k->listener && k->opened_by &&
			    k->opened_by->op == APP_OP_CONNECT) {
				open += k->c && tcp_conn_state(k->c) ==
							TCP_ESTABLISHED;
				normal += k->ended && k->end == TCP_END_NORMAL;
			}
	printf("%s: %s, %.3f s, %llu events, %.2f M events/s, %llu "
	       "connections (%llu open at the end, %llu closed normally)",
	       label, sim_end_name(end), dt,
	       (unsigned long long)w.sim.events,
	       (double)w.sim.events / dt / 1e6,
	       (unsigned long long)nconns, (unsigned long long)open,
	       (unsigned long long)normal);
	fflush(stdout);
	world_free(&w);
	scn_free(s);
	return end == SIM_END_QUIET || end == SIM_END_STOP ? 0 : 1;
}

/* The workload in a child; its peak RSS from the parent. */
static int workload(const char *label, const struct text *t, uint64_t nconns)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(run_child(label, t, nconns));
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	double rss = (double)ru.ru_maxrss * 1024; /* kilobytes on Linux */
	printf(", peak RSS %.1f MB, %.0f bytes per connection%s\n", rss / 1e6,
	       rss / (double)(nconns ? nconns : 1),
	       WIFEXITED(status) && WEXITSTATUS(status) == 0
		       ? ""
		       : " (the run did not finish)");
	return 0;
}

/* `scale [WORD]` runs only the workloads whose label contains WORD. */
static const char *only;

/* Run the workload if asked for (every one but the `big` ones, by
 * default). */
static int maybe(const char *label, void (*gen)(struct text *, unsigned),
		 unsigned n, uint64_t nconns, bool big)
{
	if (only ? !strstr(label, only) : big)
		return 0;
	struct text t = {0};
	gen(&t, n);
	int rc = workload(label, &t, nconns);
	free(t.p);
	return rc;
}

int main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	if (maybe("bulk 100 pairs, 1 MB each", bulk_pairs, 100, 100,
		  false) < 0 ||
	    maybe("bulk 1000 pairs, 1 MB each", bulk_pairs, 1000, 1000,
		  false) < 0 ||
	    maybe("10,000 connections of 1000 B, drained", conns, 10000,
		  10000, false) < 0 ||
	    maybe("100,000 idle keepalive connections from 10 clients, "
		  "2 h 30 m",
		  idle, 100000, 100000, false) < 0 ||
	    maybe("100,000 idle keepalive connections from 100,000 clients, "
		  "2 h 30 m",
		  idle_hosts, 100000, 100000, false) < 0 ||
	    /* gigabytes: only when a WORD names it */
	    maybe("1,000,000 idle keepalive connections from 100 clients, "
		  "2 h 30 m",
		  idle, 1000000, 1000000, true) < 0 ||
	    maybe("1,000,000 idle keepalive connections from 1,000,000 "
		  "clients, 2 h 30 m",
		  idle_hosts, 1000000, 1000000, true) < 0)
		return 1;
	return 0;
}
