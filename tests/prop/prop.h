/* prop.h — what the property test's generator (gen.c) and runner
 * (prop.c) share: the plan of what a random scenario makes each
 * connection do, and growing text. See prop.c for what is tested. */
#ifndef TCPSIM_PROP_H
#define TCPSIM_PROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/simtime.h"

#define PROP_RUNS 10000
#define PROP_SEED UINT64_C(0x74637073696d2134) /* "tcpsim!4" */
#define PROP_JOBS 2
#define PROP_MAX_JOBS 64
#define PROP_MAX_HOSTS 3
#define PROP_MAX_ROUTERS 2
#define PROP_MAX_CONNS 3
/* A worker stops after this many failures: enough to tell bugs apart. */
#define PROP_MAX_FAILS 10
/* Far beyond any run that completes: a run that gets here is stuck. */
#define PROP_STOP "1000h"
#define PROP_MAX_EVENTS 3000000

/* Text that grows as it is written; oom is set if memory ran out. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Append printf-style. */
void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Free the text. */
void sb_free(struct sbuf *b);

/* ---- the plan: what the scenario makes each connection do ------------ */

enum pattern {
	PAT_SEND,     /* each side sends its bytes when connected */
	PAT_BULK,     /* the client's `bulk:` (then shutdown); the server
			 sends its bytes when connected */
	PAT_ECHO,     /* the server echoes: s2c = c2s */
	PAT_REQUESTS, /* `requests:` against `serve: {respond, per}` */
	PAT_HALF,     /* the client sends and shuts down at once; the server
			 sends its bytes when the client's FIN arrives */
	PAT_N
};

/* When a side closes: once it has read all it will be sent (`done`), or
 * when the peer's FIN arrives. */
enum trigger { TRIG_DONE, TRIG_PEER_CLOSED };

enum closeop { OP_NONE, OP_CLOSE, OP_SHUTDOWN };

/* The TCP parameters the generator must know to size the data. */
struct bufs {
	uint32_t sndbuf, rcvbuf, mss;
	uint8_t wscale; /* TCP_WSCALE_OFF, _AUTO or a shift */
};

struct side {
	enum trigger trig;
	enum closeop op;
	bool slow;              /* a slow reader */
	struct bufs b;          /* effective for this socket */
};

struct conn_plan {
	int client, server;     /* host indexes */
	uint16_t port;
	enum pattern pat;
	uint64_t c2s, s2c;      /* bytes each way */
	uint64_t nreq, req, resp; /* PAT_REQUESTS */
	struct side cs, ss;     /* client side, server side */
};

struct plan {
	int nhosts, nconns;
	int nrouters;           /* 0: hosts linked directly */
	struct conn_plan c[PROP_MAX_CONNS];
	struct bufs host[PROP_MAX_HOSTS];
};

/* Write run `run`'s scenario of master seed `master` into y, and what it
 * should do into pl. */
void gen_scenario(uint64_t master, uint64_t run, struct sbuf *y,
		  struct plan *pl);

#endif
