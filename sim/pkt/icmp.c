/* icmp.c — an ICMP message the script's peer sends (runner.h): its type
 * and code as packetdrill names them, ICMPv6's given as their ICMPv4
 * equivalents, handed to the stack about the segment it quotes. */
#include <stdio.h>
#include <string.h>

#include "sim/pkt/runner.h"

struct icmp_name {
	const char *name;
	uint8_t v;
};

static const struct icmp_name types4[] = {
	{"unreachable", TCP_ICMP_UNREACH},
	{"source_quench", TCP_ICMP_SOURCE_QUENCH},
	{"redirect", TCP_ICMP_REDIRECT},
	{"time_exceeded", TCP_ICMP_TIME_EXCEEDED},
	{"parameter_problem", TCP_ICMP_PARAMPROB},
	{NULL, 0},
};

static const struct icmp_name unreach4[] = {
	{"net_unreachable", TCP_ICMP_NET},
	{"host_unreachable", TCP_ICMP_HOST},
	{"protocol_unreachable", TCP_ICMP_PROTOCOL},
	{"port_unreachable", TCP_ICMP_PORT},
	{"frag_needed", TCP_ICMP_NEEDFRAG},
	{"source_route_failed", TCP_ICMP_SRCFAIL},
	{"net_unknown", TCP_ICMP_NET_UNKNOWN},
	{"host_unknown", TCP_ICMP_HOST_UNKNOWN},
	{"source_host_isolated", TCP_ICMP_ISOLATED},
	{"net_prohibited", TCP_ICMP_NET_PROHIB},
	{"host_prohibited", TCP_ICMP_HOST_PROHIB},
	{"net_unreachable_for_tos", TCP_ICMP_TOSNET},
	{"host_unreachable_for_tos", TCP_ICMP_TOSHOST},
	{"packet_filtered", TCP_ICMP_FILTER_PROHIB},
	{"precedence_violation", TCP_ICMP_PREC_VIOLATION},
	{"precedence_cutoff", TCP_ICMP_PREC_CUTOFF},
	{NULL, 0},
};

/* ICMPv6 Destination Unreachable's codes (RFC 4443 §3.1), as the
 * ICMPv4 code the stacks treat them like */
static const struct icmp_name unreach6[] = {
	{"no_route", TCP_ICMP_NET},
	{"admin_prohibited", TCP_ICMP_FILTER_PROHIB},
	{"beyond_scope", TCP_ICMP_NET},
	{"address_unreachable", TCP_ICMP_HOST},
	{"port_unreachable", TCP_ICMP_PORT},
	{NULL, 0},
};

static const struct icmp_name time4[] = {
	{"ttl_exceeded_in_transit", 0},
	{"frag_reass_exceeded", 1},
	{"hop_limit_exceeded", 0},   /* ICMPv6 */
	{"reassembly_time_exceeded", 1},
	{NULL, 0},
};

static const struct icmp_name numbered[] = {{NULL, 0}};

static bool lookup(const struct icmp_name *t, const char *name, uint8_t *v)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name)) {
			*v = t->v;
			return true;
		}
	/* code_N: any code by number */
	unsigned n;
	char tail;
	if (sscanf(name, "code_%u%c", &n, &tail) == 1 && n < 256) {
		*v = (uint8_t)n;
		return true;
	}
	return false;
}

void pkt_icmp(struct run *r, const struct pkt_event *e, bool ipv6)
{
	const struct pkt_icmp *g = &e->icmp;
	if (e->outbound) {
		UNSUPPORTED(r, "unsupported: an ICMP message from the stack "
			       "(TCP sends none)");
		return;
	}
	if (g->echo_text) {
		UNSUPPORTED(r, "unsupported: ICMP quoting %s", g->echo_text);
		return;
	}
	struct tcp_icmp m = {.mtu = (uint16_t)(g->mtu > 65535 ? 65535
								: g->mtu)};
	bool ok;
	if (ipv6 && !strcmp(g->type, "packet_too_big")) {
		/* the stack counts 40 bytes of IPv4 and TCP headers: IPv6's
		 * are 20 more */
		m.type = TCP_ICMP_UNREACH;
		m.code = TCP_ICMP_NEEDFRAG;
		m.mtu = (uint16_t)(m.mtu > 20 ? m.mtu - 20 : 0);
		ok = !g->code;
	} else {
		ok = lookup(types4, g->type, &m.type);
		const struct icmp_name *codes =
			m.type == TCP_ICMP_UNREACH ? (ipv6 ? unreach6 : unreach4)
			: m.type == TCP_ICMP_TIME_EXCEEDED ? time4
							   : numbered;
		if (ok && g->code)
			ok = lookup(codes, g->code, &m.code);
		if (ipv6 && m.type == TCP_ICMP_REDIRECT)
			ok = false; /* not an ICMPv6 error */
	}
	if (!ok) {
		UNSUPPORTED(r, "unsupported: ICMP %s %s", g->type,
			    g->code ? g->code : "");
		return;
	}
	if (!r->have_iss)
		return; /* the stack sent nothing it could be about */
	struct tcp_conn *c = tcp_find(r->st, REMOTE_ADDR, r->rport, r->lport);
	struct tcp_conn_info ci = {.snd_una = r->iss};
	if (c)
		tcp_conn_info(c, &ci);
	m.saddr = LOCAL_ADDR;
	m.daddr = REMOTE_ADDR;
	m.sport = r->lport;
	m.dport = r->rport;
	/* the quoted sequence number, the stack's relative to its ISS;
	 * none written: the oldest unacknowledged */
	m.seq = g->has_echo ? r->iss + g->start : ci.snd_una;
	if (r->trace)
		fprintf(r->trace, "%.6f < icmp %s%s%s\n",
			(double)r->sim.now / 1e9, g->type, g->code ? " " : "",
			g->code ? g->code : "");
	tcp_stack_icmp(r->st, &m);
}
