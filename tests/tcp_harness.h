/* tcp_harness.h — drive one TCP stack by hand and see exactly what it
 * sends and tells its application.
 *
 * The stack under test is LOCAL (10.0.0.1); every injected segment comes
 * from PEER (10.0.0.2:5000). Connections are brought into a state through
 * the RFC's own steps (th_open_*), with the peer's initial sequence number
 * fixed at PEER_ISS, so a test reads: a connection in a state, a segment
 * in, exactly these segments out.
 *
 * Exactly: every segment the stack sends is captured, and th_fini()
 * fails the test if one was never checked, by th_expect_only() or, in a
 * loop over many, field by field with th_next() and then th_checked();
 * th_expect_only() compares every field of the header, addresses, ports,
 * window and the reason for sending (new, or sent again and why)
 * included. th_fini()
 * also fails if the stack's connections did not give back every byte of
 * memory they took, or left a timer behind.
 *
 * The harness sees the connection's body (models/tcp_priv.h), as a test
 * of the TCP core must: the state and the RFC's variables.
 */
#ifndef TCPSIM_TCP_HARNESS_H
#define TCPSIM_TCP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "models/tcp.h"
#include "models/tcp_priv.h"
#include "sim/engine/rng.h"
#include "sim/engine/sim.h"

#define LOCAL_ADDR 0x0a000001u
#define PEER_ADDR 0x0a000002u
#define PEER_PORT 5000
#define LOCAL_PORT 80 /* for passive opens */
#define EPHEMERAL_PORT 49152 /* the first port an active open takes */
#define PEER_ISS 1000u
/* The window a connection offers with the default receive buffer
 * (65535 bytes) and nothing in it unread: all of it. */
#define WIN 65535u
/* Segments captured and not yet checked, at most. */
#define TH_MAX 256

struct th_seg {
	struct tcp_seg seg;
	uint8_t data[2048];
	const char *why;
	enum trace_tx tx;
	bool rexmit;
	bool has_conn;
	bool ref;       /* its payload was a reference (seg.src, src_off) */
};

struct th_event {
	struct tcp_conn *c;
	enum tcp_event ev;
	uint64_t arg;
};

/* One segment a test expects the stack to send. Every field is compared:
 * what is not written is expected to be zero (no ACK number on a segment
 * without ACK, no MSS option, window 0), except the ports, where 0 stands
 * for the connection's own (its local port, PEER_PORT). Write it with
 * designated initializers:
 *   {.flags = TCP_ACK, .seq = ISS + 1, .ack = PEER_ISS + 1, .win = 65535}
 */
struct th_want {
	uint8_t flags;
	uint32_t seq, ack;
	uint32_t len;
	uint16_t win;
	uint16_t up;
	uint16_t mss;          /* the MSS option; 0: none */
	uint8_t opts;          /* TCP_OPT_* besides MSS; 0: none */
	uint8_t wscale;
	uint32_t tsval, tsecr;
	uint8_t nsack;         /* SACK blocks, compared in order */
	struct tcp_sack_block sack[TCP_MAX_SACK];
	uint16_t sport, dport; /* 0: the connection's ports */
	enum trace_tx tx;      /* TR_TX_NEW, or why it is sent again */
	const char *data;      /* if not NULL: the payload, len bytes */
};

struct th {
	struct sim sim;
	struct rng rng;
	struct tcp_stack *st;
	struct th_seg out[TH_MAX];
	int nout;
	int nchecked;               /* out[0 .. nchecked-1] were checked */
	struct th_event ev[TH_MAX];
	int nev;
	bool no_read;               /* leave received data unread */
	uint16_t peer_mss;          /* MSS option on the peer's SYNs (0: none) */
	/* options on the peer's segments: window scale and SACK-permitted
	 * on its SYNs only, timestamps (peer_tsval, tsecr) on all */
	uint8_t peer_opts;
	uint8_t peer_wscale;
	uint32_t peer_tsval, peer_tsecr;
	uint8_t peer_nsack;         /* SACK blocks on its non-SYN segments */
	uint8_t peer_ecn;           /* the ECN field of its IP headers */
	struct tcp_sack_block peer_sack[TCP_MAX_SACK];
	uint8_t rx[1 << 16];        /* what the application read */
	uint32_t nrx;
	struct tcp_conn *c;         /* the connection under test */
	uint32_t iss;               /* its initial sequence number */
	uint16_t lport;             /* its local port */
	enum tcp_error closed_err;  /* what it reported as it closed */
};

/* A stack with parameters p (NULL: the defaults) at time 0. */
void th_init(struct th *h, const struct tcp_params *p);
/* Free the stack; fails the test if a segment it sent was never checked,
 * if memory taken for connections was not given back, or if a timer is
 * left pending. */
void th_fini(struct th *h);
/* A segment from the peer to port `dport` (0: the connection's port). */
void th_in_full(struct th *h, uint16_t dport, uint8_t flags, uint32_t seq,
		uint32_t ack, uint16_t wnd, const uint8_t *data, uint32_t len);
/* A segment from the peer whose payload is a reference: bytes
 * [off, off + len) of the stream src; window 65535, no options. */
void th_in_ref(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack,
	       const struct tcp_src *src, uint64_t off, uint32_t len);
/* A segment from the peer to the connection under test, window 65535. */
void th_in(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack,
	   uint32_t len);
/* Run events until time t (absolute). */
void th_run_until(struct th *h, sim_time_t t);
/* Run the connection's next pending timer of kind k; fails if none. */
void th_fire(struct th *h, enum tcp_timer k);

/* Assert that the stack sent exactly n segments since the last check,
 * each equal in every field to wants[i], and mark them checked. */
void th_expect_only(struct th *h, int n, const struct th_want wants[]);
/* th_expect_only() with the segments written in place:
 *   TH_EXPECT(&h, {.flags = TCP_ACK, ...}, {.flags = TCP_FIN, ...}); */
#define TH_EXPECT(h, ...)                                                  \
	th_expect_only((h),                                                \
		       (int)(sizeof((const struct th_want[]){__VA_ARGS__}) / \
			     sizeof(struct th_want)),                      \
		       (const struct th_want[]){__VA_ARGS__})
/* Assert that the stack sent nothing since the last check. */
void th_expect_none(struct th *h);
/* Exactly one segment: a bare ACK with these numbers and window. */
void th_expect_ack(struct th *h, uint32_t seq, uint32_t ack, uint32_t win);
/* Segments sent since the last check (not yet checked). */
int th_unchecked(const struct th *h);
/* Captured segment i, counting from the first not yet checked; fails the
 * test if there is none. For tests that assert fields in a loop; mark
 * them checked with th_checked() afterwards. */
const struct th_seg *th_next(struct th *h, int i);
/* Mark the next n unchecked segments as checked, after a test asserted
 * what it needs of them field by field (th_next). */
void th_checked(struct th *h, int n);
/* Number of events of kind ev captured; last arg in *arg if non-NULL. */
int th_events(struct th *h, enum tcp_event ev, uint64_t *arg);
/* Forget the captured events. */
void th_clear_events(struct th *h);
/* Assert the connection under test is gone and the application was told
 * so exactly once, with this ending. */
void th_expect_closed(struct th *h, enum tcp_end end);

/* Bring h->c into a state, the way the RFC gets there. Active opens use
 * ephemeral port 49152; passive ones LOCAL_PORT. The segments of the way
 * there are checked (each one as the RFC says), and events forgotten. */
/* An active OPEN to the peer; its SYN is left for the test to check. */
void th_connect(struct th *h);
void th_open_syn_sent(struct th *h);
void th_open_established(struct th *h);      /* active */
void th_open_listen(struct th *h);
void th_open_syn_received(struct th *h);     /* passive */
void th_open_established_passive(struct th *h);
void th_open_fin_wait_1(struct th *h);
void th_open_fin_wait_2(struct th *h);
void th_open_closing(struct th *h);
void th_open_time_wait(struct th *h);
void th_open_close_wait(struct th *h);
void th_open_last_ack(struct th *h);

/* True if c is still on the stack's list (not yet CLOSED). */
bool th_alive(struct th *h, const struct tcp_conn *c);

#endif
