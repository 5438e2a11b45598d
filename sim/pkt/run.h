/* run.h — play a parsed packetdrill script against a simulated stack
 * (docs/pkt.md).
 *
 * The script's side is the remote peer: its `<` segments are handed to
 * the stack under test, whose segments are matched against the `>` ones,
 * in virtual time. The system calls drive that stack through a small
 * socket layer; the shell commands scripts use to set sysctls become
 * parameters of the profile. What a script asks that this cannot do is
 * reported as unsupported, never guessed at.
 */
#ifndef TCPSIM_PKT_RUN_H
#define TCPSIM_PKT_RUN_H

#include <stdio.h>

#include "models/tcp_params.h"
#include "sim/out/sinks.h"
#include "sim/pkt/script.h"

enum pkt_verdict {
	PKT_PASS,
	PKT_FAIL,
	PKT_UNSUPPORTED,
};

enum pkt_system { PKT_SYS_FREEBSD, PKT_SYS_LINUX };

struct pkt_result {
	enum pkt_verdict verdict;
	int line;               /* of the event that decided it (0: none) */
	char msg[512];          /* what was expected and what came */
	bool output_failed;     /* a sink's finish or commit failed */
	char output_error[256]; /* what its `error` said, or "" */
};

struct trace_sink;

/* Run script `s` against a stack with parameters `p`, the system whose
 * constants and sysctls the script speaks (`sys`). `trace`, if not
 * NULL, gets a line per segment as it goes. The `nsinks` sinks get the
 * run's trace events, as a scenario's run gives them — hosts "tcp" (the
 * stack under test) and "peer" (the script) — and are finished,
 * committed and destroyed here. */
void pkt_run(const struct pkt_script *s, const struct tcp_params *p,
	     enum pkt_system sys, FILE *trace, struct trace_sink *const *sinks,
	     int nsinks, struct pkt_result *out);

/* Whether `s` speaks IPv6 (--ip_version=ipv6); if so, the IPv6
 * addresses packetdrill gives the stack and the peer, for a pcap, into
 * map. */
bool pkt_ipv6(const struct pkt_script *s, struct pcap_addr6 map[2]);

#endif
