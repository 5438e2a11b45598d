/* run_rate.c — end-to-end speed of the engine and the segment path.
 *
 * Runs two scenarios with no trace sink attached (the way a sweep runs
 * them) and reports events and segments per second of wall time:
 *   - bulk: 50 MB over one 10 ms link with 1 % loss, both directions,
 *     with the RFCs' rules and again with profile linux (its delayed-ACK
 *     engine, RTT samples from every ACK, timers on the wheel), and with
 *     window scaling, timestamps and SACK (the scoreboard and RFC 6675
 *     recovery: what SACK processing costs), with NewReno and CUBIC;
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

/* The bulk run of `yaml`, with no output. */
static int run_bulk(const char *label, const char *yaml)
{
	struct scenario *s;
	struct scn_error e;
	if (scn_load_string("bulk", yaml, strlen(yaml), &s, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	struct world w;
	world_build(&w, s, NULL);
	double t0 = now_s();
	enum sim_end end = world_run(&w);
	double dt = now_s() - t0;
	uint64_t segs = w.sim.pkt_seq;
	const struct app_sock *rcv = w.apps[1].socks->next;
	printf("bulk 50 MB, 1%% loss%s: %s, %llu events, %llu segments in "
	       "%.3f s: %.2f M events/s, %.2f M segments/s; %llu bytes "
	       "delivered, %s\n",
	       label, sim_end_name(end), (unsigned long long)w.sim.events,
	       (unsigned long long)segs, dt, (double)w.sim.events / dt / 1e6,
	       (double)segs / dt / 1e6,
	       (unsigned long long)(rcv ? rcv->received : 0),
	       rcv && !rcv->bad ? "intact" : "NOT INTACT");
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
	if (run_bulk("", bulk) < 0 || run_bulk(", profile linux", bulk_linux) < 0 ||
	    run_bulk(", SACK + timestamps + wscale", bulk_sack) < 0 ||
	    run_bulk(", SACK + timestamps + wscale, CUBIC", bulk_cubic) < 0)
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
