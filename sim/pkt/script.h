/* script.h — a packetdrill script, parsed into plain data (docs/pkt.md).
 *
 * A script is a list of events, each at a time: a segment the remote
 * peer sends (`<`), one the stack under test must send (`>`), a system
 * call with its expected result, a shell command, or a block of code
 * (`%{ }%`). pkt_parse() reads the text into a struct pkt_script, or
 * says where it stopped reading it (file:line:col: message). Nothing
 * here runs anything: the runner gives the events their meaning.
 *
 * The preprocessor's conditionals that scripts use (#ifdef, #ifndef,
 * #else, #endif) are resolved while parsing, against a list of defined
 * names (the runner defines the profile's system: FreeBSD, Linux).
 */
#ifndef TCPSIM_PKT_SCRIPT_H
#define TCPSIM_PKT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/simtime.h"

enum pkt_time_kind {
	PKT_T_ABS,  /* 1.0: from the start of the script */
	PKT_T_REL,  /* +0.1: from the previous event */
	PKT_T_ANY,  /* *: whenever it comes */
};

struct pkt_time {
	enum pkt_time_kind kind;
	sim_time_t t;
	/* T1...T2 (a blocking call returns at T2) or T1~T2 (the event
	 * anywhere between): end is T2, as written (absolute or relative
	 * as kind says) */
	bool range;
	bool blocking; /* the range was written with ... */
	sim_time_t end;
};

/* TCP options as a script writes them. */
enum pkt_opt_kind {
	PKT_OPT_EOL,
	PKT_OPT_NOP,
	PKT_OPT_MSS,
	PKT_OPT_WSCALE,
	PKT_OPT_SACKOK,
	PKT_OPT_SACK,
	PKT_OPT_TS,
	PKT_OPT_MD5,   /* md5 valid|invalid: TCP-MD5 (RFC 2385) */
	PKT_OPT_OTHER, /* anything else, kept as text */
};

#define PKT_MAX_SACK 4

struct pkt_opt {
	enum pkt_opt_kind kind;
	uint32_t a, b;          /* mss; wscale; TS val, ecr */
	bool any_a, any_b;      /* written `...`: any value (expected
				   segments only) */
	uint32_t nsack;
	uint32_t sack[PKT_MAX_SACK][2];
	const char *text;       /* PKT_OPT_OTHER, PKT_OPT_MD5 */
};

/* Control bits as letters: S F R P . (ACK) U E (ECE) W (CWR). */
enum {
	PKT_F_FIN = 0x01,
	PKT_F_SYN = 0x02,
	PKT_F_RST = 0x04,
	PKT_F_PSH = 0x08,
	PKT_F_ACK = 0x10,
	PKT_F_URG = 0x20,
	PKT_F_ECE = 0x40,
	PKT_F_CWR = 0x80,
};

struct pkt_seg {
	uint8_t flags;
	bool seq_any;           /* ...(len) or ... : any sequence number */
	uint32_t start, end, len;
	bool has_ack, has_win, has_urg;
	uint32_t ack, win, urg;
	bool has_opts;          /* <...> written */
	bool opts_any;          /* <...> literally: any options */
	uint32_t nopts;
	struct pkt_opt *opts;
	/* IP fields a script may ask of an outbound segment: (ttl N),
	 * (hlim N), (tos X), or the ECN codepoint [ect0] — kept as
	 * text; the runner says whether it can check them */
	const char *ip;
	const char *mark;       /* "!" after the length, or NULL */
	const char *encap;      /* "/udp(1 > 9811)": encapsulation, or NULL */
};

/* An ICMP message about a segment the stack sent, as a script writes it:
 * `< [start:end(len)] icmp TYPE [CODE] [mtu N]`, the quoted segment
 * first or last (`< icmp unreachable port_unreachable [0:0(0)]`). Its
 * sequence numbers are the stack's, as in a `>` line. */
struct pkt_icmp {
	const char *type;       /* unreachable, time_exceeded, ... */
	const char *code;       /* port_unreachable, ..., or NULL */
	bool has_mtu;
	uint32_t mtu;
	bool has_echo;          /* [start:end(len)] written */
	uint32_t start, end, len;
	const char *echo_text;  /* a quoted packet of another kind, e.g.
				   "[udp (8)]", as written; NULL if none */
};

/* An argument of a system call, or its expected value. */
enum pkt_expr_kind {
	PKT_E_ELLIPSIS, /* ... */
	PKT_E_NUM,      /* 3, -1, 0x02 */
	PKT_E_NAME,     /* SOCK_STREAM, ECONNRESET */
	PKT_E_OR,       /* a | b */
	PKT_E_ARRAY,    /* [ e, ... ] */
	PKT_E_STRUCT,   /* { name = e, ... } or { e, ... } */
	PKT_E_STRING,   /* "text" */
	PKT_E_CALL,     /* htons(8080): a name applied to arguments */
};

struct pkt_expr {
	enum pkt_expr_kind kind;
	int64_t num;
	const char *name;       /* NAME, CALL, STRING */
	const char *field;      /* a STRUCT member's name, if written */
	uint32_t n;             /* ARRAY, STRUCT, OR, CALL: members */
	struct pkt_expr *sub;
	/* "0x02 (flags O_RDWR)": the comment after a value */
	const char *note;
};

struct pkt_call {
	const char *name;
	uint32_t nargs;
	struct pkt_expr *args;
	struct pkt_expr ret;
	const char *err;        /* ECONNREFUSED after "= -1", or NULL */
	const char *err_text;   /* its (description), or NULL */
};

enum pkt_event_kind {
	PKT_EV_IN,    /* < : the remote peer sends this */
	PKT_EV_OUT,   /* > : the stack must send this */
	PKT_EV_CALL,  /* a system call and its result */
	PKT_EV_SHELL, /* `command` */
	PKT_EV_CODE,  /* %{ code }% */
	PKT_EV_ICMP,  /* < icmp ...: the peer sends an ICMP error; > icmp
			 ...: the stack must send one */
};

struct pkt_event {
	int line, col;
	struct pkt_time time;
	enum pkt_event_kind kind;
	struct pkt_seg seg;     /* IN, OUT */
	struct pkt_call call;   /* CALL */
	struct pkt_icmp icmp;   /* ICMP */
	bool outbound;          /* ICMP: written with '>' */
	const char *text;       /* SHELL, CODE */
};

/* --name=value lines before the first event. */
struct pkt_setting {
	const char *name;
	const char *value;      /* "" for --name alone */
	int line;
};

struct pkt_script {
	const char *file;
	uint32_t nsettings;
	struct pkt_setting *settings;
	uint32_t nevents;
	struct pkt_event *events;
	struct pkt_arena *arena; /* everything above lives in it */
};

/* Parse `len` bytes of `text` (the script `file`, for messages) with the
 * names in `defs` (NULL-ended; NULL: none) defined for #ifdef. Returns 0,
 * or -1 with `err` holding "file:line:col: message" (nothing to free
 * then). A script is at most PKT_MAX_TEXT bytes. */
#define PKT_MAX_TEXT (4u << 20)
int pkt_parse(const char *file, const char *text, size_t len,
	      const char *const *defs, struct pkt_script *out, char *err,
	      size_t errlen);
void pkt_script_free(struct pkt_script *s);

/* The value of setting `name`, or NULL. */
const char *pkt_setting(const struct pkt_script *s, const char *name);

#endif
