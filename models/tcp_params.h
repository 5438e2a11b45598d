/* tcp_params.h — the parameters of a TCP socket, by their scenario names,
 * and the named profiles that fill them (docs/profiles.md).
 *
 * Plain data: the scenario loader reads these without knowing anything
 * else of the TCP model. tcp_param_fields[] is the table the loader walks;
 * tcp_profiles[] the sets of values a scenario names with `profile:`.
 */
#ifndef TCPSIM_TCP_PARAMS_H
#define TCPSIM_TCP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/simtime.h"

/* Whose rules decide where the RFCs leave a choice or a real stack departs
 * from them (docs/profiles.md, "Rules"): the RFCs read strictly, or
 * Linux's or FreeBSD's as their kernel sources have them. */
enum tcp_rules { TCP_RULES_RFC9293, TCP_RULES_LINUX, TCP_RULES_FREEBSD };

/* Congestion control (models/tcp_cc.c). */
enum tcp_cc { TCP_CC_NEWRENO, TCP_CC_CUBIC, TCP_CC_N };

/* Parameters of one socket. Profiles fill them; scenarios override. */
struct tcp_params {
	sim_time_t msl;          /* TIME-WAIT lasts 2*msl */
	sim_time_t rto_initial;  /* RFC 6298 (2.1) */
	sim_time_t rto_min;      /* RFC 6298 (2.4) */
	sim_time_t rto_max;      /* RFC 6298 (2.5) */
	uint32_t mss;            /* MSS we announce and send at most */
	uint32_t sndbuf;         /* send buffer, bytes */
	uint32_t rcvbuf;         /* receive buffer, bytes (window <= 65535) */
	uint32_t iw;             /* initial congestion window, segments */
	uint32_t syn_retries;    /* SYN retransmissions before giving up */
	uint32_t synack_retries; /* SYN,ACK retransmissions before giving up */
	uint32_t retries;        /* data/FIN retransmissions before giving up */
	bool nodelay;            /* Nagle's algorithm off (RFC 896) */
	bool keepalive;          /* RFC 1122 §4.2.3.6, off by default */
	sim_time_t keepidle;     /* idle time before the first probe */
	sim_time_t keepintvl;    /* time between unanswered probes */
	uint32_t keepcnt;        /* unanswered probes before giving up */
	uint32_t keepdata;       /* garbage octets in a probe: 0 or 1 */
	sim_time_t delack;       /* delayed-ACK timeout; 0: ACK at once */
	uint32_t delack_segs;    /* ACK at least every this many segments */
	sim_time_t time_wait;    /* TIME-WAIT length; 0: 2*MSL */
	uint32_t backlog;        /* listen: most half-open connections */
	uint32_t challenge_limit;/* challenge ACKs per window per host
				    (RFC 5961 §7); 0: unlimited */
	sim_time_t challenge_window;
	uint32_t dupthresh;      /* duplicate ACKs for fast retransmit */
	uint8_t two_way;         /* teaching variant: two-way handshake (1) */
	uint8_t rules;           /* enum tcp_rules */
	sim_time_t tick;         /* timers run on a Linux-style wheel of
				    this jiffy; 0: exact */
	uint32_t syn_linear;     /* SYN timeouts before the RTO backs off
				    (tcp_syn_linear_timeouts) */
	uint32_t orphan_retries; /* rules linux: `retries` of a closed
				    socket; 0: 8 (tcp_orphan_retries) */
	sim_time_t user_timeout; /* RFC 5482 / TCP_USER_TIMEOUT; 0: off */
	sim_time_t invalid_ratelimit; /* a socket answers segments outside
				    its window at most once per this
				    (tcp_invalid_ratelimit); 0: always */
	sim_time_t fin_timeout;  /* FIN-WAIT-2 of a closed socket; 0: no end
				    (tcp_fin_timeout) */
	sim_time_t linger;       /* SO_LINGER: -1 off, 0 close() resets,
				    else close() waits that long for the FIN's
				    ACK before the socket is orphaned */
	bool no_time_wait;       /* teaching variant: skip TIME-WAIT */
	sim_time_t rto_slop;     /* added to every RTO computed from an RTT
				    sample or a backoff (FreeBSD's
				    rexmit_slop); 0: none */
	sim_time_t keepinit;     /* the handshake must be done within this,
				    or the connection is dropped (FreeBSD's
				    TCP_KEEPINIT); 0: no limit */
	uint8_t wscale;          /* window scale shift we offer (RFC 7323
				    §2), or TCP_WSCALE_OFF / _AUTO */
	bool timestamps;         /* offer the timestamps option (RFC 7323) */
	bool sack;               /* offer SACK-permitted (RFC 2018) */
	uint8_t cc;              /* enum tcp_cc: congestion control */
	bool prr;                /* SACK recovery paced by Proportional
				    Rate Reduction (RFC 6937) */
	bool tlp;                /* tail loss probes (RFC 8985 §7) */
	bool rack;               /* RACK loss detection (RFC 8985 §6) */
	bool hystart;            /* CUBIC leaves slow start by HyStart's
				    ACK train or delay (Linux's hystart) */
	/* RFC 793's answers where RFC 5961 has a challenge ACK (FreeBSD's
	 * net.inet.tcp.insecure_rst, insecure_syn): a RST anywhere in the
	 * window resets the connection; a SYN in it resets it with a RST */
	bool insecure_rst, insecure_syn;
	bool drop_synfin;        /* a segment with SYN and FIN is dropped
				    unread (FreeBSD's drop_synfin) */
	bool no_options;         /* send no TCP options at all, not even
				    MSS, and take none but the peer's MSS
				    (FreeBSD's TCP_NOOPT) */
	uint32_t syn_drop_options; /* from this SYN retransmission on, a
				    SYN carries the MSS option only
				    (FreeBSD's rexmit_drop_options: 3);
				    0: never */
	uint8_t ecn;             /* enum tcp_ecn_mode: Explicit Congestion
				    Notification (RFC 3168) */
	uint32_t ecn_syn_retries; /* SYN retransmissions that still ask
				    for ECN (FreeBSD's ecn.maxretries;
				    Linux's tcp_ecn_fallback: 0) */
	bool icmp_may_rst;       /* rules freebsd: protocol, port and
				    prohibited unreachables and TTL exceeded
				    end a connection in SYN-SENT
				    (net.inet.tcp.icmp_may_rst) */
	bool strict_ts;          /* rules freebsd: a non-RST segment
				    without TSopt on a connection that
				    agreed on timestamps is dropped
				    (tolerate_missing_ts=0) */
	uint8_t opt_layout;      /* enum tcp_opt_layout: the order and
				    padding of options on the wire */
};

/* ECN (RFC 3168 §6.1.1): never; ask for it on an active open and agree
 * when asked; agree when asked only (Linux's tcp_ecn=2, FreeBSD's
 * ecn.enable=2, both their defaults). */
enum tcp_ecn_mode { TCP_ECN_OFF, TCP_ECN_ON, TCP_ECN_PASSIVE };

#define TCP_WSCALE_OFF 255  /* no window scale option */
#define TCP_WSCALE_AUTO 254 /* the least shift that carries rcvbuf */

/* The parameters by their scenario names (docs/scenario-format.md): the
 * loader reads them into a struct tcp_params with a bit set per field
 * given, and tcp_params_apply() lays those over other parameters. */
enum tcp_param_type {
	TP_DURATION,   /* sim_time_t, >= min nanoseconds */
	TP_COUNT,      /* uint32_t in [min, max] */
	TP_SIZE,       /* uint32_t bytes in [min, max], size syntax */
	TP_BOOL,       /* bool */
	TP_TIME_WAIT,  /* "off", "on" (2*MSL) or a duration */
	TP_CHOICE,     /* uint8_t: the index of one of `choices` */
	TP_LINGER,     /* "off" (-1) or a duration */
	TP_WSCALE,     /* uint8_t: "off", "auto" or a shift 0..14 */
};

struct tcp_param_field {
	const char *key;
	enum tcp_param_type type;
	size_t off;             /* of the field in struct tcp_params */
	uint64_t min, max;
	const char *const *choices; /* TP_CHOICE: the names, NULL-ended */
};

extern const struct tcp_param_field tcp_param_fields[];
extern const size_t tcp_nparam_fields;

/* Copy into dst the fields of src whose bit (1 << index in
 * tcp_param_fields) is set. */
void tcp_params_apply(struct tcp_params *dst, const struct tcp_params *src,
		      uint64_t set);

/* A named set of parameters (docs/profiles.md). */
struct tcp_profile {
	const char *name;
	const char *summary;
	struct tcp_params p;
};

/* The profiles: rfc9293 (the default), linux, textbook. */
extern const struct tcp_profile tcp_profiles[];
extern const size_t tcp_nprofiles;
/* The profile called name, or NULL. */
const struct tcp_profile *tcp_profile_find(const char *name);

/* The defaults: the rfc9293 profile. */
extern const struct tcp_params tcp_params_default;

#endif
