/* tcp_icmp.c — what a connection does with an ICMP error about a segment
 * it sent (tcp.h: tcp_stack_icmp).
 *
 * Common to every rule set: the message names a connection by the
 * segment it quotes, and is believed only if that segment's sequence
 * number is one the connection has in flight (RFC 5927 §4.1, as the
 * stacks check it); a "fragmentation needed" lowers
 * the send MSS to what the next-hop MTU carries and sends the flight
 * again in smaller segments (RFC 1191 §6); source quench is ignored (RFC
 * 6633), so are redirects. The rest is a hard or a soft error:
 *
 * rfc9293: RFC 1122 §4.2.3.9 — protocol and port unreachable are hard
 *   errors and end a connection not yet synchronized (a synchronized one
 *   takes them as soft, RFC 5927 §7.2); every other unreachable, time
 *   exceeded and parameter problem is soft: kept, and reported if the
 *   connection then times out.
 * freebsd: tcp_ctlinput — protocol, port and administratively
 *   prohibited unreachables and TTL exceeded in transit end a connection
 *   in SYN-SENT (net.inet.tcp.icmp_may_rst, on by default) and are
 *   ignored in other states; the rest is soft (tcp_notify): ignored in
 *   ESTABLISHED if it says the host or net is unreachable, else kept,
 *   and a second one after the fourth retransmission of a connection not
 *   yet established ends it. A SYN-RECEIVED made by a listener (the
 *   syncache) believes only its ISS, and drops itself on a second error
 *   once its SYN,ACK was sent again four times (syncache_unreach).
 * linux: tcp_v4_err — in SYN-SENT, and in a SYN-RECEIVED of its own
 *   making, every unreachable, time exceeded and parameter problem ends
 *   the connection; a listener's SYN-RECEIVED (a request socket) drops
 *   on the fatal ones and on time exceeded, parameter problem and net or
 *   host unreachable (tcp_req_err); elsewhere each is a soft error.
 */
#include "models/tcp_priv.h"

/* The errno a stack reports for an unreachable code (FreeBSD's
 * inetctlerrmap, Linux's icmp_err_convert). */
static enum tcp_error unreach_error(const struct tcp_conn *c, uint8_t code)
{
	bool lx = c->p->rules == TCP_RULES_LINUX;
	switch (code) {
	case TCP_ICMP_PROTOCOL:
		return lx ? TCP_ERR_NOPROTOOPT : TCP_ERR_CONNREFUSED;
	case TCP_ICMP_PORT:
	case TCP_ICMP_NET_PROHIB:
	case TCP_ICMP_HOST_PROHIB:
	case TCP_ICMP_FILTER_PROHIB:
		if (!lx || code == TCP_ICMP_PORT)
			return TCP_ERR_CONNREFUSED;
		return code == TCP_ICMP_NET_PROHIB ? TCP_ERR_NETUNREACH
						   : TCP_ERR_HOSTUNREACH;
	case TCP_ICMP_NET:
	case TCP_ICMP_NET_UNKNOWN:
	case TCP_ICMP_TOSNET:
		return lx ? TCP_ERR_NETUNREACH : TCP_ERR_HOSTUNREACH;
	case TCP_ICMP_HOST_UNKNOWN:
		return lx ? TCP_ERR_HOSTDOWN : TCP_ERR_HOSTUNREACH;
	case TCP_ICMP_ISOLATED:
		return lx ? TCP_ERR_NONET : TCP_ERR_HOSTUNREACH;
	case TCP_ICMP_SRCFAIL:
		return lx ? TCP_ERR_OPNOTSUPP : TCP_ERR_HOSTUNREACH;
	default:
		return TCP_ERR_HOSTUNREACH;
	}
}

/* A quoted sequence number the connection has in flight: SND.UNA =<
 * SEQ < SND.NXT (Linux's `between` takes SND.NXT too); a listener's
 * SYN-RECEIVED only its ISS. */
static bool in_flight(const struct tcp_conn *c, uint32_t seq)
{
	if (c->state == TCP_SYN_RECEIVED && c->passive &&
	    c->p->rules != TCP_RULES_RFC9293)
		return seq == c->iss;
	if (c->p->rules == TCP_RULES_LINUX)
		return SEQ_GEQ(seq, c->snd_una) && SEQ_LEQ(seq, c->snd_nxt);
	return SEQ_GEQ(seq, c->snd_una) && SEQ_LT(seq, c->snd_nxt);
}

static void end_with(struct tcp_conn *c, enum tcp_error err, const char *why)
{
	c->err = err;
	tcp_enter_closed(c, TCP_END_UNREACHABLE, why);
}

/* RFC 1191 §6: the path carries no more than `mtu`: segments shrink to
 * fit and what is in flight goes again in them, the congestion state
 * untouched (FreeBSD's tcp_mtudisc, Linux's tcp_simple_retransmit). */
static void path_mtu(struct tcp_conn *c, uint32_t mtu)
{
	/* no MTU given (an RFC 792 router): the next plateau down, RFC
	 * 1191 §7, from the largest segment sent */
	static const uint32_t plateaus[] = {32000, 17914, 8166, 4352, 2002,
					    1492, 1006, 508, 296, 68};
	uint32_t cur = c->snd_mss + 40 + (c->ts_ok ? TCP_TS_ALIGNED : 0);
	if (!mtu)
		for (size_t i = 0; i < sizeof plateaus / sizeof plateaus[0];
		     i++)
			if (plateaus[i] < cur) {
				mtu = plateaus[i];
				break;
			}
	/* the least MTU believed keeps a forged message from shrinking
	 * the segments to nothing: Linux's route min_pmtu (552), FreeBSD's
	 * minmss (216) with its headers, RFC 791's 68 */
	uint32_t floor = c->p->rules == TCP_RULES_LINUX     ? 552
			 : c->p->rules == TCP_RULES_FREEBSD ? 256
							   : 68;
	if (mtu < floor)
		mtu = floor;
	if (mtu >= cur || !tcp_synchronized(c->state))
		return;
	uint32_t mss = mtu - 40 - (c->ts_ok ? TCP_TS_ALIGNED : 0);
	c->snd_mss = mss;
	tcp_go_back(c);
	c->pmtu = true;
	tcp_output(c);
	c->pmtu = false;
}

/* A soft error: kept; FreeBSD's tcp_notify ends a connection not yet
 * established on a second one after its fourth retransmission. Returns
 * true if the connection ended. */
static bool soft(struct tcp_conn *c, enum tcp_error err)
{
	if (c->p->rules == TCP_RULES_FREEBSD) {
		if (c->state == TCP_ESTABLISHED &&
		    (err == TCP_ERR_HOSTUNREACH || err == TCP_ERR_NETUNREACH ||
		     err == TCP_ERR_HOSTDOWN))
			return false;
		if (!tcp_synchronized(c->state) && c->nrexmt > 3 &&
		    c->soft_err) {
			end_with(c, err, "FreeBSD tcp_notify: a second ICMP "
					 "error after the fourth "
					 "retransmission — drop");
			return true;
		}
	}
	c->soft_err = err;
	return false;
}

static void icmp_freebsd(struct tcp_conn *c, const struct tcp_icmp *m,
			 enum tcp_error err)
{
	bool may_rst =
		(m->type == TCP_ICMP_UNREACH &&
		 (m->code == TCP_ICMP_PROTOCOL || m->code == TCP_ICMP_PORT ||
		  m->code == TCP_ICMP_NET_PROHIB ||
		  m->code == TCP_ICMP_HOST_PROHIB ||
		  m->code == TCP_ICMP_FILTER_PROHIB)) ||
		(m->type == TCP_ICMP_TIME_EXCEEDED && m->code == 0);
	if (c->state == TCP_SYN_RECEIVED && c->passive) {
		/* syncache_unreach */
		if (c->soft_err && c->nrexmt > 3)
			end_with(c, err, "FreeBSD syncache_unreach: a second "
					 "ICMP error after the fourth SYN,ACK "
					 "retransmission — drop");
		else
			c->soft_err = err;
		return;
	}
	if (may_rst && c->p->icmp_may_rst) {
		if (c->state == TCP_SYN_SENT)
			end_with(c, err, "FreeBSD tcp_drop_syn_sent: a hard "
					 "ICMP error in SYN-SENT — drop "
					 "(icmp_may_rst)");
		return;
	}
	/* inetctlerrmap has no error for a reassembly timeout */
	if (m->type == TCP_ICMP_TIME_EXCEEDED && m->code != 0)
		return;
	soft(c, err);
}

static void icmp_linux(struct tcp_conn *c, const struct tcp_icmp *m,
		       enum tcp_error err)
{
	bool fatal = m->type == TCP_ICMP_UNREACH &&
		     (m->code == TCP_ICMP_PROTOCOL || m->code == TCP_ICMP_PORT ||
		      (m->code >= TCP_ICMP_NET_UNKNOWN &&
		       m->code <= TCP_ICMP_HOST_PROHIB) ||
		      m->code >= TCP_ICMP_FILTER_PROHIB);
	if (c->state == TCP_SYN_RECEIVED && c->passive) {
		/* tcp_req_err */
		if (fatal || m->type != TCP_ICMP_UNREACH ||
		    m->code <= TCP_ICMP_HOST)
			end_with(c, err, "Linux tcp_req_err: an ICMP error "
					 "for a request socket — drop it");
		return;
	}
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		end_with(c, err, "Linux tcp_v4_err: an ICMP error before the "
				 "connection is established — abort");
		return;
	}
	soft(c, err);
}

static void icmp_rfc(struct tcp_conn *c, const struct tcp_icmp *m,
		     enum tcp_error err)
{
	bool hard = m->type == TCP_ICMP_UNREACH &&
		    (m->code == TCP_ICMP_PROTOCOL || m->code == TCP_ICMP_PORT);
	if (hard && !tcp_synchronized(c->state)) {
		end_with(c, err, "RFC 1122 §4.2.3.9: protocol or port "
				 "unreachable, a hard error — abort");
		return;
	}
	soft(c, err);
}

void tcp_stack_icmp(struct tcp_stack *st, const struct tcp_icmp *m)
{
	if (m->saddr != st->addr)
		return;
	struct tcp_conn *c = tcp_hash_find(st, m->daddr, m->dport, m->sport);
	if (c && c->state != TCP_TIME_WAIT && c->state != TCP_LISTEN &&
	    !(c = tcp_use(c)))
		return; /* out of memory: the run ends */
	if (!c || c->dead || c->state == TCP_LISTEN ||
	    c->state == TCP_TIME_WAIT || !in_flight(c, m->seq))
		return;
	enum tcp_error err;
	switch (m->type) {
	case TCP_ICMP_UNREACH:
		if (m->code == TCP_ICMP_NEEDFRAG) {
			tcp_enter(st);
			path_mtu(c, m->mtu);
			tcp_flush(c);
			tcp_leave(st);
			return;
		}
		if (m->code > TCP_ICMP_PREC_CUTOFF)
			return;
		err = unreach_error(c, m->code);
		break;
	case TCP_ICMP_TIME_EXCEEDED:
		err = TCP_ERR_HOSTUNREACH;
		break;
	case TCP_ICMP_PARAMPROB:
		err = c->p->rules == TCP_RULES_LINUX ? TCP_ERR_PROTO
						    : TCP_ERR_NOPROTOOPT;
		break;
	default:
		/* source quench (RFC 6633), redirects, the rest */
		return;
	}
	tcp_enter(st);
	switch (c->p->rules) {
	case TCP_RULES_FREEBSD:
		icmp_freebsd(c, m, err);
		break;
	case TCP_RULES_LINUX:
		icmp_linux(c, m, err);
		break;
	default:
		icmp_rfc(c, m, err);
		break;
	}
	tcp_flush(c);
	tcp_leave(st);
}
