/* app.h — scripted applications: socket calls at given times or when
 * something happens to a connection.
 *
 * A scenario gives each host a list of actions. A timed action runs once,
 * at its time; an event action runs once per connection, when that
 * connection reports the event (connected, N bytes received, the peer
 * closed, closed). Data sent with `send: N` is a deterministic byte pattern
 * of the stream offset, so the receiver checks every byte it reads: a
 * corrupted, lost or misplaced byte shows up as a bad byte.
 */
#ifndef TCPSIM_APP_H
#define TCPSIM_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evq.h"
#include "tcp.h"
#include "simtime.h"
#include "trace.h"

struct host;

enum app_op {
	APP_OP_LISTEN,  /* passive OPEN on `port` */
	APP_OP_CONNECT, /* active OPEN to peer_addr:port */
	APP_OP_SEND,    /* write `bytes` bytes of the pattern */
	APP_OP_CLOSE,   /* CLOSE once everything written is handed over */
};

enum app_on {
	APP_ON_TIME,        /* at a time, not on an event */
	APP_ON_CONNECTED,   /* the connection reached ESTABLISHED */
	APP_ON_RECEIVED,    /* at least on_bytes bytes have been read */
	APP_ON_PEER_CLOSED, /* end of stream: the peer's FIN */
	APP_ON_CLOSED,      /* the connection ended, however */
	APP_ON_COUNT
};

/* One scripted step, as the scenario states it (plain data). */
struct app_action {
	int line, col;       /* where the scenario wrote it */
	enum app_on on;
	sim_time_t at;       /* APP_ON_TIME */
	uint64_t on_bytes;   /* APP_ON_RECEIVED */
	enum app_op op;
	uint16_t port;       /* listen: local; connect: remote */
	int peer;            /* connect: host index */
	uint32_t peer_addr;  /* connect: its address */
	uint64_t bytes;      /* send */
};

/* The application's side of one socket. */
struct app_sock {
	struct app *app;
	struct app_sock *next;
	uint32_t conn;          /* the TCP connection's number */
	struct tcp_conn *c;     /* NULL once the connection is gone */
	struct trace_tuple tuple;
	bool listener;
	bool eof;               /* the peer's FIN was read */
	bool close_pending;     /* CLOSE waits for unsent bytes */
	enum tcp_end end;       /* how it ended, TCP_END_NONE while open */
	uint64_t unsent;        /* bytes written by the script, not yet taken */
	uint64_t written;       /* bytes taken by TCP (stream offset) */
	uint64_t received;      /* bytes read */
	uint64_t bad;           /* bytes read that differ from the pattern */
	uint64_t first_bad;     /* stream offset of the first bad byte */
	uint8_t *fired;         /* per action: already run for this socket */
};

struct app_timer {
	struct evq_timer ev;
	struct app *app;
	size_t action;
};

struct app {
	struct host *host;
	const struct app_action *acts;
	size_t nacts;
	struct app_timer *timers;   /* one per timed action */
	struct app_sock *socks, *socks_tail;
	uint8_t *buf;               /* staging for writes and reads */
	uint32_t bufcap;
};

/* Byte `off` of every stream written with `send: N`. */
uint8_t app_pattern(uint64_t off);
/* Set up h's application with its actions (kept by reference). */
int app_init(struct app *a, struct host *h, const struct app_action *acts,
	     size_t nacts);
/* Schedule the timed actions. */
void app_start(struct app *a);
/* Free the application's sockets and buffers. */
void app_fini(struct app *a);
/* The host's TCP reports ev on c. */
void app_notify(struct app *a, struct tcp_conn *c, enum tcp_event ev,
		uint64_t arg);
/* Name of an event trigger ("connected", "received", ...). */
const char *app_on_name(enum app_on on);

#endif
