/* tcp_params.c — the parameters' table and the named profiles (see
 * tcp_params.h; every value and its source: docs/profiles.md). */
#include "models/tcp_params.h"
#include "models/segment.h"

#include <stddef.h>
#include <string.h>

/* The profiles. Sources and derivations: docs/profiles.md. Every value
 * that differs between them is an argument; the rest are common. */
#define PROFILE(msl_, tw_, rtomin_, rtomax_, syn_, synack_, retries_, iw_, \
		delack_, keepcnt_, backlog_, climit_, rules_, tick_,       \
		synlin_, fint_, oowlim_, ackwin_, ext_)                    \
	{                                                                  \
		.msl = msl_, .time_wait = tw_, .rto_initial = SIM_S(1),    \
		.rto_min = rtomin_, .rto_max = rtomax_, .mss = 1460,       \
		.iw = iw_,                                                 \
		.syn_retries = syn_, .synack_retries = synack_,            \
		.retries = retries_, .nodelay = false,                     \
		.keepidle = SIM_S(7200), .keepintvl = SIM_S(75),           \
		.keepcnt = keepcnt_, .keepdata = 0, .delack = delack_,     \
		.delack_segs = 2, .backlog = backlog_,                     \
		.challenge_limit = climit_, .challenge_window = ackwin_,    \
		.dupthresh = 3,                                            \
		.two_way = 0, .no_time_wait = false, .rules = rules_,      \
		.tick = tick_, .syn_linear = synlin_, .orphan_retries = 0,  \
		.user_timeout = 0, .fin_timeout = fint_, .linger = -1,     \
		.invalid_ratelimit = oowlim_, ext_                         \
	}

/* The buffers, the options and the algorithms a profile turns on, and
 * the timers only FreeBSD has. */
#define NO_OPTIONS                                                          \
	.keepalive = false,                                                 \
	.sndbuf = 65536, .rcvbuf = 65535, .opt_layout = TCP_LAYOUT_LINUX,   \
	.wscale = TCP_WSCALE_OFF, .timestamps = false, .sack = false,       \
	.cc = TCP_CC_NEWRENO, .prr = false, .tlp = false, .rack = false,    \
	.rto_slop = 0, .keepinit = 0, .hystart = false
/* Linux 6.x negotiates window scale 10 (ilog2 of tcp_rmem[2], 32 MiB,
 * less 15), timestamps and SACK, and recovers with RACK-TLP and PRR
 * under CUBIC with HyStart */
#define LINUX_OPTIONS                                                       \
	.keepalive = false,                                                 \
	.sndbuf = 65536, .rcvbuf = 65535, .opt_layout = TCP_LAYOUT_LINUX,   \
	.wscale = 10, .timestamps = true, .sack = true,                     \
	.cc = TCP_CC_CUBIC, .prr = true, .tlp = true, .rack = true,         \
	.rto_slop = 0, .keepinit = 0, .hystart = true,                      \
	.ecn = TCP_ECN_PASSIVE, .ecn_syn_retries = 0
/* FreeBSD 14's default stack (icmp_may_rst on): keepalive on every connection
 * (net.inet.tcp.always_keepalive); sendspace 32 KiB, recvspace 64 KiB
 * (65535 offered without window scaling); its own option layout; window scale 6, the least shift that carries
 * kern.ipc.maxsockbuf (2 MiB); timestamps and SACK; CUBIC (FreeBSD 14's
 * default) with PRR (net.inet.tcp.do_prr), no RACK or TLP; rexmit_slop
 * 200 ms, keepinit 75 s */
#define FREEBSD_OPTIONS                                                     \
	.keepalive = true,                                                  \
	.sndbuf = 32768, .rcvbuf = 65536, .opt_layout = TCP_LAYOUT_FREEBSD, \
	.wscale = 6, .timestamps = true, .sack = true,                      \
	.cc = TCP_CC_CUBIC, .prr = true, .tlp = false, .rack = false,       \
	.rto_slop = SIM_MS(200), .keepinit = SIM_S(75), .hystart = false,  \
	.icmp_may_rst = true, .ecn = TCP_ECN_PASSIVE, .ecn_syn_retries = 1

/* RFC 9293 §3.4.2 MSL 2 min, §3.6.1 TIME-WAIT 2*MSL; RFC 6298 RTO 1 s ..
 * 60 s; RFC 1122 4.2.3.5 retries reaching 3 min (SYN) and 100 s (data);
 * RFC 5681 IW; RFC 1122 4.2.3.2 delayed ACK under 0.5 s; RFC 1122 4.2.3.6
 * keepalive 2 h; RFC 5961 §7 at most 10 challenge ACKs per 5 s. */
#define RFC9293 PROFILE(SIM_S(120), 0, SIM_S(1), SIM_S(60), 7, 7, 6, 0, \
			SIM_MS(200), 9, 128, 10, TCP_RULES_RFC9293, 0, 0, 0, 0, \
			SIM_S(5), NO_OPTIONS)

const struct tcp_params tcp_params_default = RFC9293;


const struct tcp_profile tcp_profiles[] = {
	{"rfc9293", "the RFCs' own numbers", RFC9293},
	{"linux", "Linux's defaults",
	 PROFILE(SIM_S(30), SIM_S(60), SIM_MS(200), SIM_S(120), 6, 5, 15, 10,
		 SIM_MS(40), 9, 4096, 0, TCP_RULES_LINUX, SIM_MS(4), 4,
		 SIM_S(60), SIM_MS(500), SIM_S(5), LINUX_OPTIONS)},
	{"textbook", "the study notes': keepalive after 2 h, every 75 s, 10 "
		     "probes",
	 PROFILE(SIM_S(120), 0, SIM_S(1), SIM_S(60), 7, 7, 6, 0, SIM_MS(200),
		 10, 128, 10, TCP_RULES_RFC9293, 0, 0, 0, 0, SIM_S(5),
		 NO_OPTIONS)},
	{"freebsd", "FreeBSD 14's defaults",
	 PROFILE(SIM_S(30), 0, SIM_MS(30), SIM_S(64), 12, 3, 12, 10,
		 SIM_MS(40), 8, 128, 5, TCP_RULES_FREEBSD, 0, 0, SIM_S(600),
		 0, SIM_S(1), FREEBSD_OPTIONS)},
};
const size_t tcp_nprofiles = sizeof tcp_profiles / sizeof tcp_profiles[0];

#define PF(k, t, f, lo, hi) {k, t, offsetof(struct tcp_params, f), lo, hi, NULL}
#define PC(k, f, names) {k, TP_CHOICE, offsetof(struct tcp_params, f), 0, 0, names}
static const char *const handshake_names[] = {"three-way", "two-way", NULL};
static const char *const rules_names[] = {"rfc9293", "linux", "freebsd",
					   NULL};
static const char *const layout_names[] = {"linux", "freebsd", NULL};
static const char *const cc_names[] = {"newreno", "cubic", NULL};
static const char *const ecn_names[] = {"off", "on", "passive", NULL};
const struct tcp_param_field tcp_param_fields[] = {
	PF("msl", TP_DURATION, msl, 0, 0),
	PF("time-wait", TP_TIME_WAIT, time_wait, 0, 0),
	PF("rto-initial", TP_DURATION, rto_initial, 1, 0),
	PF("rto-min", TP_DURATION, rto_min, 1, 0),
	PF("rto-max", TP_DURATION, rto_max, 1, 0),
	PF("mss", TP_COUNT, mss, 64, 65495),
	PF("sndbuf", TP_SIZE, sndbuf, 1, 1u << 30),
	PF("rcvbuf", TP_SIZE, rcvbuf, 1, 1u << 30),
	PF("iw", TP_COUNT, iw, 0, 1000),
	PF("syn-retries", TP_COUNT, syn_retries, 0, 255),
	PF("synack-retries", TP_COUNT, synack_retries, 0, 255),
	PF("retries", TP_COUNT, retries, 0, 255),
	PF("nodelay", TP_BOOL, nodelay, 0, 1),
	PF("keepalive", TP_BOOL, keepalive, 0, 1),
	PF("keepidle", TP_DURATION, keepidle, 1, 0),
	PF("keepintvl", TP_DURATION, keepintvl, 1, 0),
	PF("keepcnt", TP_COUNT, keepcnt, 1, 255),
	PF("keepdata", TP_COUNT, keepdata, 0, 1),
	PF("delack", TP_DURATION, delack, 0, 0),
	PF("delack-segs", TP_COUNT, delack_segs, 1, 1000),
	PF("backlog", TP_COUNT, backlog, 1, 1000000),
	PF("challenge-ack-limit", TP_COUNT, challenge_limit, 0, 1000000),
	PF("challenge-ack-window", TP_DURATION, challenge_window, 1, 0),
	PF("dupthresh", TP_COUNT, dupthresh, 1, 1000),
	PC("handshake", two_way, handshake_names),
	PC("rules", rules, rules_names),
	PF("tick", TP_DURATION, tick, 0, 0),
	PF("syn-linear-timeouts", TP_COUNT, syn_linear, 0, 255),
	PF("orphan-retries", TP_COUNT, orphan_retries, 0, 255),
	PF("user-timeout", TP_DURATION, user_timeout, 0, 0),
	PF("fin-timeout", TP_DURATION, fin_timeout, 0, 0),
	PF("invalid-ratelimit", TP_DURATION, invalid_ratelimit, 0, 0),
	PF("linger", TP_LINGER, linger, 0, 0),
	PF("wscale", TP_WSCALE, wscale, 0, 14),
	PF("timestamps", TP_BOOL, timestamps, 0, 1),
	PF("sack", TP_BOOL, sack, 0, 1),
	PC("option-layout", opt_layout, layout_names),
	PC("cc", cc, cc_names),
	PF("prr", TP_BOOL, prr, 0, 1),
	PF("tlp", TP_BOOL, tlp, 0, 1),
	PF("rack", TP_BOOL, rack, 0, 1),
	PF("rto-slop", TP_DURATION, rto_slop, 0, 0),
	PF("keepinit", TP_DURATION, keepinit, 0, 0),
	PF("hystart", TP_BOOL, hystart, 0, 1),
	PF("insecure-rst", TP_BOOL, insecure_rst, 0, 1),
	PF("insecure-syn", TP_BOOL, insecure_syn, 0, 1),
	PF("drop-synfin", TP_BOOL, drop_synfin, 0, 1),
	PF("no-options", TP_BOOL, no_options, 0, 1),
	PF("syn-drop-options", TP_COUNT, syn_drop_options, 0, 255),
	PF("strict-timestamps", TP_BOOL, strict_ts, 0, 1),
	PF("icmp-may-rst", TP_BOOL, icmp_may_rst, 0, 1),
	PC("ecn", ecn, ecn_names),
	PF("ecn-syn-retries", TP_COUNT, ecn_syn_retries, 0, 255),
};
const size_t tcp_nparam_fields =
	sizeof tcp_param_fields / sizeof tcp_param_fields[0];

void tcp_params_apply(struct tcp_params *dst, const struct tcp_params *src,
		      uint64_t set)
{
	/* Most socket options and host sections set nothing, or little:
	 * stop at the last bit set. */
	for (size_t i = 0; set && i < tcp_nparam_fields; i++, set >>= 1) {
		if (!(set & 1))
			continue;
		const struct tcp_param_field *f = &tcp_param_fields[i];
		size_t sz;
		switch (f->type) {
		case TP_DURATION:
		case TP_LINGER:
			sz = sizeof(sim_time_t);
			break;
		case TP_BOOL:
			sz = sizeof(bool);
			break;
		case TP_CHOICE:
		case TP_WSCALE:
			sz = sizeof(uint8_t);
			break;
		case TP_TIME_WAIT:
			/* the length and the variant travel together */
			dst->time_wait = src->time_wait;
			dst->no_time_wait = src->no_time_wait;
			continue;
		default:
			sz = sizeof(uint32_t);
			break;
		}
		memcpy((char *)dst + f->off, (const char *)src + f->off, sz);
	}
}

const struct tcp_profile *tcp_profile_find(const char *name)
{
	for (size_t i = 0; i < tcp_nprofiles; i++)
		if (strcmp(tcp_profiles[i].name, name) == 0)
			return &tcp_profiles[i];
	return NULL;
}
