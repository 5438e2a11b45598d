/* run_rate.c — end-to-end speed of the engine and the segment path.
 *
 * Runs two scenarios with no trace sink attached (the way a sweep runs
 * them) and reports events and segments per second of wall time:
 *   - bulk: 50 MB over one 10 ms link with 1 % loss, both directions,
 *     with the RFCs' rules and again with profile linux (its delayed-ACK
 *     engine, RTT samples from every ACK, timers on the wheel), and with
 *     window scaling, timestamps and SACK (the scoreboard and RFC 6675
 *     recovery: what SACK processing costs), with NewReno and CUBIC;
 *   - a dumbbell: four flows through two routers and a 10 Mbit/s
 *     bottleneck for 60 s, behind a drop-tail queue and behind CoDel
 *     (forwarding, route lookup, the queues' transmitters);
 *   - handshake-and-close, the default scenario, many times in a row
 *     (runs per second, loading the scenario once);
 * then the bulk run again writing each output a user can ask for (the
 * text trace, JSON Lines, pcap) to /dev/null: what that costs, in lines
 * or segments per second.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/scenario/builtin.h"
#include "sim/out/sinks.h"
#include "sim/run/world.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define BULK(tcp)                                                          \
	"name: bulk\n"                                                      \
	"stop: 1h\n"                                                        \
	"max-events: 1000000000\n"                                          \
	"tcp: {" tcp "rcvbuf: 65535, sndbuf: 256KiB, rto-min: 200ms}\n"     \
	"hosts: {a: {}, b: {}}\n"                                           \
	"links: [{between: [a, b], delay: 10ms, loss: 0.01}]\n"             \
	"apps:\n"                                                           \
	"  b: [{at: 0s, listen: 9}, {on: peer-closed, close: true}]\n"      \
	"  a: [{at: 0s, connect: b:9}, {on: connected, send: 50MB},\n"      \
	"      {on: connected, close: true}]\n"
static const char bulk[] = BULK("");
static const char bulk_linux[] = BULK("profile: linux, ");
/* the options: window scaling, timestamps, SACK with RFC 6675 recovery,
 * with NewReno and with CUBIC — what SACK processing costs */
static const char bulk_sack[] =
	BULK("wscale: auto, timestamps: true, sack: true, ");
static const char bulk_cubic[] =
	BULK("wscale: auto, timestamps: true, sack: true, cc: cubic, ");

#define DUMBBELL(queue)                                                    \
	"name: dumbbell\n"                                                  \
	"stop: 60s\n"                                                       \
	"max-events: 1000000000\n"                                          \
	"hosts: {s: {count: 4}, r1: {router: true}, r2: {router: true},\n"  \
	"        d: {count: 4}}\n"                                           \
	"links:\n"                                                          \
	"  - {between: [s, r1], delay: 1ms, rate: 100Mbit/s}\n"             \
	"  - {between: [r1, r2], delay: 10ms, rate: 10Mbit/s, queue: " queue \
	"}\n"                                                               \
	"  - {between: [r2, d], delay: 1ms, rate: 100Mbit/s}\n"             \
	"apps:\n"                                                           \
	"  d: [{at: 0s, listen: 80}]\n"                                     \
	"  s-1: [{at: 0s, connect: d-1:80}, {on: connected, send: 1GB}]\n"  \
	"  s-2: [{at: 0s, connect: d-2:80}, {on: connected, send: 1GB}]\n"  \
	"  s-3: [{at: 0s, connect: d-3:80}, {on: connected, send: 1GB}]\n"  \
	"  s-4: [{at: 0s, connect: d-4:80}, {on: connected, send: 1GB}]\n"
static const char dumbbell_tail[] = DUMBBELL("100");
static const char dumbbell_codel[] = DUMBBELL("100, codel: {}");

struct count_sink {
	struct trace_sink base;
	uint64_t n;
};

static void count_emit(struct trace_sink *s, const struct trace *tr,
		       const struct trace_event *ev)
{
	(void)tr;
	(void)ev;
	((struct count_sink *)s)->n++;
}

/* The bulk run again with one output written to /dev/null: 0 the text
 * trace, 1 JSON Lines, 2 pcap. Reports events (lines) per second, and
 * segments per second for the pcap. */
static int run_output(const struct scenario *s, int kind, const char *name)
{
	struct world w;
	char err[256];
	FILE *null = fopen("/dev/null", "w");
	if (!null || world_build(&w, s, NULL) < 0)
		return -1;
	struct trace_sink *out = kind == 0   ? sink_text_new(null)
				 : kind == 1 ? sink_jsonl_new(null)
					     : sink_pcap_new(null, err, sizeof err);
	struct count_sink cs = {.base = {.emit = count_emit, .mask = TR_USUAL}};
	if (!out || trace_add_sink(&w.sim.trace, out) < 0 ||
	    trace_add_sink(&w.sim.trace, &cs.base) < 0)
		return -1;
	double t0 = now_s();
	world_run(&w);
	int rc = trace_finish(&w.sim.trace);
	double dt = now_s() - t0;
	if (kind == 2)
		printf("bulk 50 MB with the %s to /dev/null: %llu segments in "
		       "%.3f s, %.2f M segments/s\n",
		       name, (unsigned long long)w.sim.pkt_seq, dt,
		       (double)w.sim.pkt_seq / dt / 1e6);
	else
		printf("bulk 50 MB with the %s to /dev/null: %llu lines in "
		       "%.3f s, %.2f M lines/s\n",
		       name, (unsigned long long)cs.n, dt,
		       (double)cs.n / dt / 1e6);
	w.sim.trace.nsinks--; /* the counter lives on this stack frame */
	trace_fini(&w.sim.trace);
	world_free(&w);
	fclose(null);
	return rc;
}

/* Load `yaml` and run it with no output into *w (the caller frees w and
 * *s); *dt the wall time of the run. */
static int load_run(const char *yaml, struct scenario **s, struct world *w,
		    enum sim_end *end, double *dt)
{
	struct scn_error e;
	if (scn_load_string("bench", yaml, strlen(yaml), s, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	if (world_build(w, *s, NULL) < 0) {
		scn_free(*s);
		return -1;
	}
	double t0 = now_s();
	*end = world_run(w);
	*dt = now_s() - t0;
	return 0;
}

/* A run of `yaml` with no output: events and segments (each hop one)
 * per second, and the bytes hosts rcv .. rcv+nrcv-1 read. */
static int run_quiet(const char *what, const char *yaml, size_t rcv,
		     size_t nrcv)
{
	struct scenario *s;
	struct world w;
	enum sim_end end;
	double dt;
	if (load_run(yaml, &s, &w, &end, &dt) < 0)
		return -1;
	uint64_t got = 0, bad = 0;
	for (size_t h = rcv; h < rcv + nrcv; h++)
		for (const struct app_sock *k = w.apps[h].socks; k; k = k->next) {
			got += k->received;
			bad += k->bad;
		}
	printf("%s: %s, %llu events, %llu segments in %.3f s: %.2f M "
	       "events/s, %.2f M segments/s; %llu bytes delivered, %s\n",
	       what, sim_end_name(end), (unsigned long long)w.sim.events,
	       (unsigned long long)w.sim.pkt_seq, dt,
	       (double)w.sim.events / dt / 1e6,
	       (double)w.sim.pkt_seq / dt / 1e6, (unsigned long long)got,
	       bad ? "NOT INTACT" : "intact");
	world_free(&w);
	scn_free(s);
	return 0;
}

int main(void)
{
	struct scenario *s;
	struct scn_error e;
	struct world w;
	double t0, dt;
	if (run_quiet("bulk 50 MB, 1% loss", bulk, 1, 1) < 0 ||
	    run_quiet("bulk 50 MB, 1% loss, profile linux", bulk_linux, 1, 1) <
		    0 ||
	    run_quiet("bulk 50 MB, 1% loss, SACK + timestamps + wscale",
		      bulk_sack, 1, 1) < 0 ||
	    run_quiet("bulk 50 MB, 1% loss, SACK + timestamps + wscale, CUBIC",
		      bulk_cubic, 1, 1) < 0 ||
	    run_quiet("dumbbell, 4 flows through 2 routers, 60 s, drop-tail",
		      dumbbell_tail, 6, 4) < 0 ||
	    run_quiet("dumbbell, 4 flows through 2 routers, 60 s, CoDel",
		      dumbbell_codel, 6, 4) < 0)
		return 1;

	const struct builtin_scenario *b = builtin_find(BUILTIN_DEFAULT);
	if (scn_load_string(b->name, b->text, b->len, &s, &e) < 0)
		return 1;
	int runs = 20000;
	uint64_t events = 0;
	t0 = now_s();
	for (int i = 0; i < runs; i++) {
		struct world_opts o = {.seed = (uint64_t)i, .has_seed = true};
		world_build(&w, s, &o);
		world_run(&w);
		events += w.sim.events;
		world_free(&w);
	}
	dt = now_s() - t0;
	printf("%s x %d: %.3f s, %.0f runs/s, %.2f M events/s\n", b->name, runs,
	       dt, runs / dt, (double)events / dt / 1e6);
	scn_free(s);

	if (scn_load_string("bulk", bulk, strlen(bulk), &s, &e) < 0)
		return 1;
	static const char *const outs[] = {"text trace", "JSON Lines", "pcap"};
	for (int k = 0; k < 3; k++)
		if (run_output(s, k, outs[k]) < 0)
			return 1;
	scn_free(s);
	return 0;
}
