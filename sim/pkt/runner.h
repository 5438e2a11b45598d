/* runner.h — the runner's own state, shared by its files (run.c: the
 * script's events, the socket calls and the segments; host.c: what a
 * script asks of the host around the socket — sysctls, shell commands
 * and code blocks; icmp.c: the peer's ICMP messages). Not an interface: nothing outside sim/pkt includes
 * it.
 */
#ifndef TCPSIM_PKT_RUNNER_H
#define TCPSIM_PKT_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/segment.h"
#include "models/tcp.h"
#include "sim/engine/rng.h"
#include "sim/engine/sim.h"
#include "sim/pkt/run.h"

#define LOCAL_ADDR 0xc0a80001u  /* 192.168.0.1 */
#define REMOTE_ADDR 0xc0000201u /* 192.0.2.1 */
#define LOCAL_PORT 8080         /* bind's port */
#define REMOTE_PORT 8080        /* connect's port */
#define PEER_PORT 51000         /* the peer's port toward a listener */
#define MAX_FDS 32
#define MAX_OUT 256
#define MAX_ACCEPT 16
#define DEFAULT_TOLERANCE SIM_US(4000)
/* no script of the kind needs more; a bound, so that none runs on */
#define PKT_MAX_EVENTS 2000000u
#define PKT_MAX_TIME (SIM_TIME_MAX / 8)

struct fd {
	bool used, nonblock, listening, bound, reuse, debug;
	struct tcp_conn *c;
	struct tcp_params p;
	uint64_t set;
	int so_error;           /* ECONNREFUSED, ... waiting for SO_ERROR */
	bool ended;             /* its connection is gone */
	bool eof;
	bool connected;         /* ESTABLISHED was reached */
	struct tcp_conn *queue[MAX_ACCEPT];
	int nqueue;
};

struct out {
	struct tcp_seg seg;
	uint8_t opt[TCP_MAX_OPTLEN];
	uint32_t optlen;
	sim_time_t t;
	const char *why;        /* the rule that sent it */
};

struct run {
	struct sim sim;
	struct rng rng;
	struct tcp_stack *st;
	struct tcp_params p;
	enum pkt_system sys;
	FILE *trace;
	struct fd fd[MAX_FDS];
	struct out out[MAX_OUT];
	int nout;
	volatile sig_atomic_t wake;
	uint16_t lport;         /* the connection the script talks to */
	uint16_t rport;
	bool have_iss, have_ts;
	uint32_t iss;
	uint32_t ts_off;
	sim_time_t tolerance;
	struct fd *last;        /* the socket under test, as packetdrill
				   has it: the last one socket() made or
				   accept() returned; a code block's tcpi_*
				   are its */
	/* a call that blocks while the script goes on (packetdrill runs it
	 * in a thread): made again once it can return */
	const struct pkt_event *pending;
	struct fd *pending_fd;
	bool (*pending_ready)(struct run *, struct fd *);
	sim_time_t pending_end;
	bool deferred;          /* set by do_call: it blocked */
	struct pkt_result *res;
	int line;
	bool done;
};

/* Decide the run (the first verdict stands): `fmt` says why. */
void pkt_verdict(struct run *r, enum pkt_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define UNSUPPORTED(r, ...) pkt_verdict(r, PKT_UNSUPPORTED, __VA_ARGS__)
#define FAIL(r, ...) pkt_verdict(r, PKT_FAIL, __VA_ARGS__)

/* Values a sysctl or a socket option may take here: no time, size or
 * count past 10^9 of its unit (no overflow on the way to nanoseconds),
 * and parameters the model can run with. */
#define PKT_MAX_VALUE 1000000000LL
bool pkt_params_sane(const struct tcp_params *p);

/* The names of the states, as FreeBSD's sockstat prints them. */
extern const char *const pkt_bsd_states[TCP_NSTATES];

/* A shell command of the script (host.c): false if it failed the run
 * or is unsupported (the verdict says which). */
bool pkt_shell(struct run *r, const char *cmd);

/* A code block `%{ ... }%` of the script (host.c). */
void pkt_code(struct run *r, const char *text);

/* An ICMP message of the script (icmp.c); ipv6 if the script's is. */
void pkt_icmp(struct run *r, const struct pkt_event *e, bool ipv6);

#endif
