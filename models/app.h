/* app.h — scripted applications: socket calls at given times or when
 * something happens to a connection, plus a few ready-made behaviours.
 *
 * A scenario gives each host a list of actions. A timed action runs once,
 * at its time; an event action runs once per connection, when that
 * connection reports the event or a set time after it. listen and
 * connect may carry a behaviour
 * for the socket they open: echo, a request/response server or client, a
 * bulk sender.
 *
 * Every byte an application writes is recorded as a piece of its outgoing
 * stream (a pattern of the offset, scenario text, or "what I read from
 * that other stream", for echoes), so the receiving application checks
 * every byte it reads against what was written: a corrupted, lost,
 * duplicated or misplaced byte shows up as a bad byte.
 */
#ifndef TCPSIM_APP_H
#define TCPSIM_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/evq.h"
#include "sim/engine/simtime.h"
#include "models/tcp.h"
#include "sim/engine/trace.h"

struct host;

enum app_op {
	APP_OP_LISTEN,   /* passive OPEN on `port` */
	APP_OP_CONNECT,  /* active OPEN to peer_addr:port */
	APP_OP_SEND,     /* write `bytes` bytes of the pattern, or `text` */
	APP_OP_SHUTDOWN, /* shutdown(write): FIN after what was written; keep
			    reading */
	APP_OP_CLOSE,    /* close(): as shutdown, and read no more — data
			    that still arrives is answered with RST; with
			    linger0, abort instead */
	APP_OP_ABORT,    /* ABORT: RST now */
	APP_OP_SET,      /* change socket options */
	APP_OP_INJECT,   /* send a crafted segment */
	APP_OP_CRASH,    /* the host crashes */
	APP_OP_REBOOT,   /* the host comes back */
};

enum app_on {
	APP_ON_TIME,        /* at a time, not on an event */
	APP_ON_CONNECTED,   /* the connection reached ESTABLISHED */
	APP_ON_RECEIVED,    /* at least on_bytes bytes have been read */
	APP_ON_PEER_CLOSED, /* end of stream: the peer's FIN */
	APP_ON_CLOSED,      /* the connection ended, however */
	APP_ON_REFUSED,     /* ... because a RST answered our SYN */
	APP_ON_RESET,       /* ... because the peer reset it */
	APP_ON_TIMED_OUT,   /* ... because retransmissions or keepalive
			       probes went unanswered */
	APP_ON_COUNT
};

/* Socket options (setsockopt): any TCP parameter (bit i of `set` for
 * tcp_param_fields[i]), and linger 0. */
struct app_opts {
	struct tcp_params tcp;
	uint64_t set;
	bool linger0, linger0_set;
};

/* The variables of the receiving connection (RFC 9293 §3.3.1) that a
 * number of an injected segment may be made of. */
enum app_seqvar {
	APP_SEQ_RCV_NXT,
	APP_SEQ_RCV_WND,
	APP_SEQ_SND_NXT,
	APP_SEQ_SND_UNA,
	APP_SEQ_SND_WND,
	APP_SEQ_ISS,
	APP_SEQ_IRS,
	APP_SEQ_NVARS
};

/* A number for an injected segment: off plus each variable k[v] times,
 * modulo 2^32 as sequence numbers are (RFC 9293 §3.4); with every k
 * zero, the number off. */
struct app_seqexpr {
	int8_t k[APP_SEQ_NVARS];
	uint32_t off;
};

struct app_inject {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	int dst_host;           /* the receiving host */
	uint8_t flags;
	struct app_seqexpr seq, ack;
	uint16_t wnd;
	uint16_t mss;
	uint32_t len;           /* pattern bytes, when no text */
	const char *text;       /* payload text */
};

enum app_serve {
	APP_SERVE_SINK,    /* read everything (the default) */
	APP_SERVE_ECHO,    /* write back every byte read */
	APP_SERVE_RESPOND, /* after each `req_size` bytes read, write
			      `resp_size` bytes */
};

/* One scripted step, as the scenario states it (plain data). */
struct app_action {
	int line, col;          /* where the scenario wrote it */
	enum app_on on;
	sim_time_t at;          /* APP_ON_TIME */
	uint64_t repeat;        /* APP_ON_TIME: runs in all, from `at` on,
				   `every` apart (0 or 1: once) */
	sim_time_t every;
	uint64_t on_bytes;      /* APP_ON_RECEIVED */
	bool has_after;         /* an event action: run `after` the event */
	sim_time_t after;
	enum app_op op;
	uint16_t port;          /* listen: local; connect: remote */
	uint16_t bind;          /* connect: local port, 0: an ephemeral one */
	int peer;               /* connect: host index */
	uint32_t peer_addr;     /* connect: its address */
	uint64_t bytes;         /* send: pattern bytes */
	const char *text;       /* send: text instead */
	struct app_opts opts;   /* set; and listen/connect options */
	enum app_serve serve;   /* listen: behaviour of accepted sockets */
	uint64_t req_count;     /* connect: requests to make (0: none) */
	uint64_t req_size;      /* request size (client and server) */
	uint64_t resp_size;     /* response size (client and server) */
	uint64_t bulk;          /* connect: write this much, then close */
	struct app_inject inj;  /* inject */
	const char *as;         /* listen/connect: the socket's name */
	const char *sock;       /* acts only on sockets with this name */
	uint64_t read_bytes;    /* listen/connect: read at most this much ... */
	sim_time_t read_every;  /* ... each period (0: read at once) */
};

struct app_stream;
struct app_sock;

/* An event action of a socket waiting for its time (one per action with
 * `after`, made with the socket). */
struct app_later {
	struct evq_timer ev;
	struct app_sock *s;
	size_t action;
};

/* The application's side of one socket. */
struct app_sock {
	/* What a socket keeps once it is retired (app.c: ended, or in
	 * TIME-WAIT, with nothing left to run or read; the rest is given
	 * back): how it went. */
	struct app_sock *next, *prev;
	const struct app_action *opened_by; /* its `as` names it (accepted
				   sockets: the listening socket's) */
	struct tcp_conn *c;     /* NULL once the connection is gone (a
				   socket retired in TIME-WAIT keeps it
				   until then) */
	struct app_stream *out; /* what this socket writes (NULL: a
				   listener) */
	struct trace_tuple tuple;
	uint32_t conn;          /* the TCP connection's number */
	bool listener;
	bool ended;
	bool retired;           /* only the fields above `app` remain */
	uint8_t end;            /* how it ended: enum tcp_end */
	sim_time_t end_time;
	uint64_t written;       /* bytes taken by TCP; out->len - written are
				   written by the script but not yet taken */
	uint64_t received;      /* bytes read */
	uint64_t bad;           /* bytes read that differ from what was sent */
	uint64_t first_bad;     /* stream offset of the first bad byte */
	uint64_t unverified;    /* bytes read with no known writer */
	/* while it lives */
	struct app *app;
	bool fin_in;            /* the peer's FIN has arrived */
	bool eof;               /* ... and everything before it is read:
				   the application sees the end */
	bool shut_wr;           /* shutdown or close was asked for */
	bool closed;            /* close(): nothing more is read */
	bool linger0;           /* close() aborts */
	enum app_serve serve;
	uint64_t req_size, resp_size, req_count;
	uint64_t resp_sent;     /* requests (client) or responses (server)
				   written */
	uint64_t read_bytes;    /* a slow reader: this much ... */
	sim_time_t read_every;  /* ... per period; 0: reads at once */
	uint64_t read_allow;    /* left in this period */
	struct evq_timer read_timer; /* the next period */
	uint8_t *rest;          /* what TCP held unread when the connection
				   ended normally: the socket keeps it
				   readable after the TCB is gone */
	uint32_t rest_len, rest_off;
	const struct app_stream *in; /* what the peer writes, once known */
	uint64_t *fired;        /* per event action (app.ev_act), a bit:
				   already run for this socket; &fired1 for
				   up to 64, else allocated */
	uint64_t fired1;
	struct app_later *later; /* per action with `after`, in list order */
	struct app_sock *rnext;  /* the app's list of sockets to retire */
	bool retiring;           /* ... on it */
};

struct app_timer {
	struct evq_timer ev;
	struct app *app;
	size_t action;
	uint64_t runs;          /* times it has run (`repeat`) */
};

/* What the applications of a run share: every stream, so a receiver can
 * find what its peer wrote. */
struct app_registry {
	struct app_stream **s;
	size_t n, cap;
	/* hand TCP bytes, not references into the streams (tcp_send_ref):
	 * slower, the same run; to check the references against */
	bool bytes;
};

struct app;

/* Carries out an action that is the host's rather than a socket's:
 * inject, crash, reboot (the host is up, or the action is a reboot). */
typedef void (*app_host_action_fn)(void *ctx, struct app *a,
				   const struct app_action *act);

struct app {
	struct host *host;
	app_host_action_fn host_action;
	void *host_action_ctx;
	struct app_registry *reg;
	const struct app_action *acts;
	size_t nacts;
	struct app_timer *timers;   /* one per timed action */
	size_t nlater;              /* event actions with `after` */
	/* the event actions by trigger, each in list order: those for `on`
	 * are ev_act[on_first[on] .. on_first[on + 1] - 1], so an event
	 * looks at its own actions only, and a socket keeps one flag per
	 * event action, not one per action */
	size_t *ev_act;
	size_t on_first[APP_ON_COUNT + 1];
	struct app_sock *socks, *socks_tail;
	/* ended sockets, retired once no call into the application is
	 * under way (depth 0): a socket it works on stays where it is */
	int depth;
	struct app_sock *retiring;
	size_t sockops_left;        /* timed actions on sockets still to run
				       (send, shutdown, close, abort, set) */
	/* calls that could not be made (traced as errors), and the first */
	uint64_t failed;
	const struct app_action *failed_act;
	sim_time_t failed_at;
	const char *failed_why;
	uint8_t *buf;               /* staging for writes and reads */
	uint32_t bufcap;
};

/* Byte `off` of every stream written with `send: N`. */
uint8_t app_pattern(uint64_t off);
/* n bytes of that pattern from offset off into out. */
void app_pattern_fill(uint8_t *out, uint64_t off, uint64_t n);
/* Set up h's application with its actions (kept by reference). */
int app_init(struct app *a, struct host *h, struct app_registry *reg,
	     const struct app_action *acts, size_t nacts);
/* Who carries out a's host actions (inject, crash, reboot); must be set
 * before app_start if the actions hold any. */
void app_set_host_action(struct app *a, app_host_action_fn fn, void *ctx);
/* Trace an action of a that concerns no socket: done (TR_APP_CALL, with
 * `value`) or refused (TR_APP_ERROR, `text` says why). */
void app_trace(struct app *a, enum trace_app_kind k,
	       const struct app_action *act, int64_t value, const char *text);
/* Schedule the timed actions. */
void app_start(struct app *a);
/* Free the application's sockets and buffers. */
void app_fini(struct app *a);
/* Free every stream of a run. */
void app_registry_fini(struct app_registry *reg);
/* The host's TCP reports ev on c. */
/* c has moved (tcp_stack_ops.moved): the socket's pointer follows. */
void app_conn_moved(struct app *a, struct tcp_conn *c);
void app_notify(struct app *a, struct tcp_conn *c, enum tcp_event ev,
		uint64_t arg);
/* Name of an event trigger ("connected", "received", ...). */
const char *app_on_name(enum app_on on);
/* Bytes the script has written to s so far, taken by TCP or not yet. */
uint64_t app_sock_wrote(const struct app_sock *s);
/* The name its `as` gave s (accepted sockets: the listening socket's), or
 * NULL. */
const char *app_sock_name(const struct app_sock *s);

#endif
