/* host.c — what a packetdrill script asks of the host around the
 * socket (runner.h): sysctls that become parameters of the profile, the
 * shell commands FreeBSD's scripts use to count and drop connections, and
 * the code blocks that look at TCP_INFO.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/pkt/runner.h"

/* ---- shell commands ------------------------------------------------- */

/* Linux's sysctls that are parameters here (Documentation/networking/
 * ip-sysctl.rst). */
static bool sysctl_linux(struct tcp_params *p, const char *name, int64_t v)
{
	if (strncmp(name, "net.ipv4.", 9) != 0)
		return false;
	name += 9;
	if (!strcmp(name, "tcp_timestamps"))
		p->timestamps = v != 0;
	else if (!strcmp(name, "tcp_sack"))
		p->sack = v != 0;
	else if (!strcmp(name, "tcp_window_scaling"))
		p->wscale = v ? 10 : TCP_WSCALE_OFF;
	else if (!strcmp(name, "tcp_syn_retries"))
		p->syn_retries = (uint32_t)v;
	else if (!strcmp(name, "tcp_synack_retries"))
		p->synack_retries = (uint32_t)v;
	else if (!strcmp(name, "tcp_retries2"))
		p->retries = (uint32_t)v;
	else if (!strcmp(name, "tcp_orphan_retries"))
		p->orphan_retries = (uint32_t)v;
	else if (!strcmp(name, "tcp_fin_timeout"))
		p->fin_timeout = SIM_S(v);
	else if (!strcmp(name, "tcp_keepalive_time"))
		p->keepidle = SIM_S(v);
	else if (!strcmp(name, "tcp_keepalive_intvl"))
		p->keepintvl = SIM_S(v);
	else if (!strcmp(name, "tcp_keepalive_probes"))
		p->keepcnt = (uint32_t)v;
	else if (!strcmp(name, "tcp_syn_linear_timeouts"))
		p->syn_linear = (uint32_t)v;
	else if (!strcmp(name, "tcp_invalid_ratelimit"))
		p->invalid_ratelimit = SIM_MS(v);
	else if (!strcmp(name, "tcp_challenge_ack_limit"))
		p->challenge_limit = (uint32_t)v;
	else if (!strcmp(name, "tcp_ecn") && v <= 2)
		p->ecn = v == 0 ? TCP_ECN_OFF : v == 1 ? TCP_ECN_ON
						       : TCP_ECN_PASSIVE;
	else if (!strcmp(name, "tcp_ecn_fallback"))
		/* on: a retransmitted SYN asks no more (tcp_ecn_clear_syn) */
		p->ecn_syn_retries = v ? 0 : 255;
	else
		return false;
	return true;
}

static bool sysctl(struct run *r, const char *name, int64_t v)
{
	struct tcp_params *p = &r->p;
	if (r->sys == PKT_SYS_LINUX)
		return sysctl_linux(p, name, v);
	if (!strcmp(name, "net.inet.tcp.rfc1323")) {
		p->timestamps = v != 0;
		if (!v)
			p->wscale = TCP_WSCALE_OFF;
		else if (p->wscale == TCP_WSCALE_OFF)
			p->wscale = 6;
	} else if (!strcmp(name, "net.inet.tcp.sack.enable")) {
		p->sack = v != 0;
	} else if (!strcmp(name, "kern.ipc.maxsockbuf")) {
		if (p->wscale != TCP_WSCALE_OFF) {
			uint8_t ws = 0;
			while (ws < 14 && ((uint64_t)65535 << ws) < (uint64_t)v)
				ws++;
			p->wscale = ws;
		}
	} else if (!strcmp(name, "net.inet.tcp.recvspace")) {
		p->rcvbuf = (uint32_t)v;
	} else if (!strcmp(name, "net.inet.tcp.sendspace")) {
		p->sndbuf = (uint32_t)v;
	} else if (!strcmp(name, "net.inet.tcp.rexmit_initial")) {
		p->rto_initial = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.rexmit_slop")) {
		p->rto_slop = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.rexmit_min")) {
		p->rto_min = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.keepinit")) {
		p->keepinit = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.msl")) {
		p->msl = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.keepidle")) {
		p->keepidle = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.keepintvl")) {
		p->keepintvl = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.keepcnt")) {
		p->keepcnt = (uint32_t)v;
	} else if (!strcmp(name, "net.inet.tcp.hostcache.purgenow")) {
		/* nothing cached */
	} else if (!strcmp(name, "net.inet.tcp.insecure_rst")) {
		p->insecure_rst = v != 0;
	} else if (!strcmp(name, "net.inet.tcp.insecure_syn")) {
		p->insecure_syn = v != 0;
	} else if (!strcmp(name, "net.inet.tcp.drop_synfin")) {
		p->drop_synfin = v != 0;
	} else if (!strcmp(name, "net.inet.tcp.rexmit_drop_options")) {
		/* the SYN of the third retransmission on goes with MSS only */
		p->syn_drop_options = v ? 3 : 0;
	} else if (!strcmp(name, "net.inet.tcp.icmp_may_rst")) {
		p->icmp_may_rst = v != 0;
	} else if (!strcmp(name, "net.inet.tcp.tolerate_missing_ts")) {
		p->strict_ts = v == 0;
	} else if (!strcmp(name, "net.inet.tcp.syncookies")) {
		/* 1 (the default): cookies only once the syncache
		 * overflows, which a script's few SYNs never make it do;
		 * 0: never. Either way, the syncache's answers */
		return v == 0 || v == 1;
	} else if (!strcmp(name, "net.inet.tcp.blackhole") ||
		   !strcmp(name, "net.inet.tcp.syncookies_only") ||
		   !strcmp(name, "net.inet.tcp.fastopen.client_enable") ||
		   !strcmp(name, "net.inet.tcp.fastopen.server_enable")) {
		/* what the model does: 0 (no TCP Fast Open) */
		return v == 0;
	} else if (!strcmp(name, "net.inet.tcp.delacktime")) {
		p->delack = SIM_MS(v);
	} else if (!strcmp(name, "net.inet.tcp.initcwnd_segments")) {
		p->iw = (uint32_t)v;
	} else if (!strcmp(name, "net.inet.tcp.rfc6675_pipe")) {
		/* the model's pipe is RFC 6675's SetPipe() */
		return v == 1;
	} else if (!strcmp(name, "net.inet.tcp.ecn.enable")) {
		/* 0 off, 1 ask and answer, 2 answer only (3 and 4 are
		 * Accurate ECN's, not modelled) */
		if (v > 2)
			return false;
		p->ecn = v == 0 ? TCP_ECN_OFF : v == 1 ? TCP_ECN_ON
						       : TCP_ECN_PASSIVE;
	} else if (!strcmp(name, "net.inet.tcp.ecn.maxretries")) {
		p->ecn_syn_retries = (uint32_t)v;
	} else {
		return false;
	}
	return true;
}

const char *const pkt_bsd_states[TCP_NSTATES] = {
	[TCP_CLOSED] = "CLOSED",          [TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",      [TCP_SYN_RECEIVED] = "SYN_RCVD",
	[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2",  [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",        [TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

/* Sockets in a state, as sockstat lists them: every connection of the
 * stack, and every open descriptor whose connection is gone (CLOSED). */
static int count_state(struct run *r, const char *state)
{
	int n = 0;
	for (struct tcp_conn *c = tcp_stack_first(r->st); c;
	     c = tcp_conn_next(c)) {
		enum tcp_state s = tcp_conn_state(c);
		if (s < TCP_NSTATES && pkt_bsd_states[s] &&
		    !strcmp(pkt_bsd_states[s], state))
			n++;
	}
	if (!strcmp(state, "CLOSED"))
		for (int i = 0; i < MAX_FDS; i++)
			if (r->fd[i].used && !r->fd[i].c)
				n++;
	return n;
}

bool pkt_shell(struct run *r, const char *cmd)
{
	char name[128];
	long long v;
	/* sysctl -w NAME=VALUE, or FreeBSD's sysctl NAME=VALUE */
	if (sscanf(cmd, " sysctl -w %127[^= ]=%lld", name, &v) == 2 ||
	    (sscanf(cmd, " sysctl %127[^= ]=%lld", name, &v) == 2 &&
	     name[0] != '-')) {
		struct tcp_params before = r->p;
		/* sizes may be as large as 32 bits take; the rest
		 * (times above all) are kept from overflowing */
		long long most = !strcmp(name, "kern.ipc.maxsockbuf")
					 ? 4294967295LL
					 : PKT_MAX_VALUE;
		if (v < 0 || v > most || !sysctl(r, name, v) ||
		    !pkt_params_sane(&r->p)) {
			r->p = before;
			UNSUPPORTED(r, "unsupported: sysctl %s=%lld", name, v);
			return false;
		}
		tcp_stack_set_params(r->st, &r->p);
		return true;
	}
	/* the congestion control by name: FreeBSD's cc.algorithm, Linux's
	 * tcp_congestion_control */
	char algo[32];
	if (sscanf(cmd, " sysctl -w %127[^= ]=%31s", name, algo) == 2 ||
	    (sscanf(cmd, " sysctl %127[^= ]=%31s", name, algo) == 2 &&
	     name[0] != '-')) {
		bool known = !strcmp(name, r->sys == PKT_SYS_LINUX
						   ? "net.ipv4.tcp_congestion_control"
						   : "net.inet.tcp.cc.algorithm");
		if (known && (!strcmp(algo, "newreno") || !strcmp(algo, "reno")))
			r->p.cc = TCP_CC_NEWRENO;
		else if (known && !strcmp(algo, "cubic"))
			r->p.cc = TCP_CC_CUBIC;
		else {
			UNSUPPORTED(r, "unsupported: sysctl %s=%s", name, algo);
			return false;
		}
		tcp_stack_set_params(r->st, &r->p);
		return true;
	}
	/* sync: the file systems' business */
	if (!strcmp(cmd, "sync"))
		return true;
	/* sockstat ... | grep -c STATE | grep N: so many sockets in it */
	if (strncmp(cmd, "sockstat", 8) == 0) {
		const char *c = strstr(cmd, "grep -c ");
		const char *g = c ? strstr(c + 8, "| grep ") : NULL;
		char state[32];
		int want;
		if (!g || sscanf(c + 8, "%31s", state) != 1 ||
		    sscanf(g + 7, "%d", &want) != 1) {
			UNSUPPORTED(r, "unsupported: the command `%s`", cmd);
			return false;
		}
		int got = count_state(r, state);
		if (got != want)
			FAIL(r, "`%s`: %d sockets in %s, not %d", cmd, got,
			     state, want);
		return got == want;
	}
	/* tcpdrop -s STATE: drop every connection in that state */
	char state[32];
	if (sscanf(cmd, " tcpdrop -s %31s", state) == 1) {
		for (struct tcp_conn *c = tcp_stack_first(r->st); c;) {
			struct tcp_conn *next = tcp_conn_next(c);
			enum tcp_state s = tcp_conn_state(c);
			if (s < TCP_NSTATES && pkt_bsd_states[s] &&
			    !strcmp(pkt_bsd_states[s], state))
				tcp_abort(c);
			c = next;
		}
		return true;
	}
	UNSUPPORTED(r, "unsupported: the command `%s`", cmd);
	return false;
}

/* ---- code blocks ------------------------------------------------------ */

/* A tcpi_* field of TCP_INFO, as Linux and FreeBSD fill it: sizes in
 * segments, times in microseconds. False if the runner has no such
 * field. */
static bool tcpi_field(const struct tcp_conn_info *ci, const char *name,
		       int64_t *v)
{
	uint32_t mss = ci->snd_mss ? ci->snd_mss : 1;
	if (!strcmp(name, "snd_cwnd"))
		*v = ci->cwnd / mss;
	else if (!strcmp(name, "snd_ssthresh"))
		*v = ci->ssthresh >= 0x7fffffffu ? 0x7fffffff
						 : ci->ssthresh / mss;
	else if (!strcmp(name, "snd_mss"))
		*v = ci->snd_mss;
	else if (!strcmp(name, "rto"))
		*v = ci->rto / 1000;
	else if (!strcmp(name, "rtt"))
		*v = ci->srtt / 1000;
	else if (!strcmp(name, "rttvar"))
		*v = ci->rttvar / 1000;
	else if (!strcmp(name, "unacked"))
		*v = (ci->snd_nxt - ci->snd_una + mss - 1) / mss;
	else if (!strcmp(name, "snd_wnd"))
		*v = ci->snd_wnd;
	else if (!strcmp(name, "rcv_wnd") || !strcmp(name, "rcv_space"))
		*v = ci->rcv_wnd;
	else if (!strcmp(name, "options"))
		*v = (ci->ts_ok ? 1 : 0) | (ci->sack_ok ? 2 : 0) |
		     (ci->ws_ok ? 4 : 0) | (ci->ecn_ok ? 8 : 0);
	else
		return false;
	return true;
}

/* A value in a code block: a number, a TCPI_ name, or names or'ed. */
static bool code_value(const char *text, int64_t *v)
{
	static const struct {
		const char *name;
		int64_t v;
	} names[] = {
		{"TCPI_OPT_TIMESTAMPS", 1}, {"TCPI_OPT_SACK", 2},
		{"TCPI_OPT_WSCALE", 4}, {"TCPI_OPT_ECN", 8},
	};
	int64_t acc = 0;
	const char *q = text;
	for (;;) {
		while (*q == ' ' || *q == '(' || *q == ')')
			q++;
		char *end;
		long long n = strtoll(q, &end, 0);
		if (end != q) {
			acc |= n;
			q = end;
		} else {
			size_t i, len = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
			for (i = 0; i < sizeof names / sizeof names[0]; i++)
				if (strlen(names[i].name) == len &&
				    !strncmp(q, names[i].name, len))
					break;
			if (!len || i == sizeof names / sizeof names[0])
				return false;
			acc |= names[i].v;
			q += len;
		}
		while (*q == ' ' || *q == ')')
			q++;
		if (*q != '|')
			break;
		q++;
	}
	*v = acc;
	return *q == '\0';
}

/* The code blocks scripts use to look at TCP_INFO of the socket of the
 * last call: `assert tcpi_FIELD OP VALUE`, OP one of == != < <= > >=, a
 * message after a comma ignored; tcpi_state against TCPI_STATE names. */
void pkt_code(struct run *r, const char *text)
{
	char field[32], op[3], rhs[160];
	if (sscanf(text, " assert tcpi_%31[a-z_] %2[=!<>] %159[^\n]", field,
		   op, rhs) != 3 || !r->last) {
		UNSUPPORTED(r, "unsupported: the code block %%{%s}%%", text);
		return;
	}
	char *comma = strchr(rhs, ',');
	if (comma)
		*comma = '\0';
	for (size_t n = strlen(rhs); n && (rhs[n - 1] == ' ' ||
					   rhs[n - 1] == '}');)
		rhs[--n] = '\0';
	/* a socket with no connection yet: what a new socket has
	 * (tcp_init_sock: the initial window, a 536-byte MSS, the initial
	 * RTO) */
	const struct tcp_params *fp = &r->last->p;
	struct tcp_conn_info ci = {
		.state = TCP_CLOSED, .snd_mss = 536,
		.cwnd = (fp->iw ? fp->iw : 10) * 536u, .ssthresh = 0x7fffffffu,
		.rto = fp->rto_initial,
	};
	if (r->last->c)
		tcp_conn_info(r->last->c, &ci);
	if (!strcmp(field, "state")) {
		char want[32];
		if (strcmp(op, "==") != 0 ||
		    sscanf(rhs, " TCPI_%31[A-Z_0-9]", want) != 1) {
			UNSUPPORTED(r, "unsupported: tcpi_state %s %s", op, rhs);
			return;
		}
		const char *got = pkt_bsd_states[ci.state];
		/* Linux's names, TCPI_SYN_RECV, TCPI_FIN_WAIT1, TCPI_CLOSE,
		 * for FreeBSD's */
		static const char *const alias[][2] = {
			{"SYN_RECEIVED", "SYN_RCVD"}, {"SYN_RECV", "SYN_RCVD"},
			{"FIN_WAIT1", "FIN_WAIT_1"}, {"FIN_WAIT2", "FIN_WAIT_2"},
			{"CLOSE", "CLOSED"},
		};
		for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
			if (!strcmp(want, alias[i][0]))
				strcpy(want, alias[i][1]);
		if (!got || strcmp(got, want) != 0)
			FAIL(r, "tcpi_state is %s, not %s", got ? got : "?",
			     want);
		return;
	}
	int64_t got, want;
	if (!tcpi_field(&ci, field, &got)) {
		UNSUPPORTED(r, "unsupported: tcpi_%s", field);
		return;
	}
	if (!code_value(rhs, &want)) {
		UNSUPPORTED(r, "unsupported: tcpi_%s %s %s (ECN and other "
			       "fields are not modelled)", field, op, rhs);
		return;
	}
	bool ok = !strcmp(op, "==")   ? got == want
		  : !strcmp(op, "!=") ? got != want
		  : !strcmp(op, "<")  ? got < want
		  : !strcmp(op, "<=") ? got <= want
		  : !strcmp(op, ">")  ? got > want
		  : !strcmp(op, ">=") ? got >= want
				      : false;
	if (!ok)
		FAIL(r, "tcpi_%s is %lld, not %s %s", field, (long long)got, op,
		     rhs);
}
