/* tcp_harness.h — drive one TCP stack by hand and see exactly what it
 * sends and tells its application.
 *
 * The stack under test is LOCAL (10.0.0.1); every injected segment comes
 * from PEER (10.0.0.2:5000). Connections are brought into a state through
 * the RFC's own steps (th_open_*), with the peer's initial sequence number
 * fixed at PEER_ISS, so a test reads: a connection in a state, a segment
 * in, exactly these segments out.
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
#define PEER_ISS 1000u
#define TH_MAX 256

struct th_seg {
	struct tcp_seg seg;
	uint8_t data[2048];
	const char *why;
	enum trace_tx tx;
	bool rexmit;
	bool has_conn;
};

struct th_event {
	struct tcp_conn *c;
	enum tcp_event ev;
	uint64_t arg;
};

struct th {
	struct sim sim;
	struct rng rng;
	struct tcp_stack *st;
	struct th_seg out[TH_MAX];
	int nout;
	struct th_event ev[TH_MAX];
	int nev;
	bool no_read;               /* leave received data unread */
	uint16_t peer_mss;          /* MSS option on the peer's SYNs (0: none) */
	uint8_t rx[1 << 16];        /* what the application read */
	uint32_t nrx;
	struct tcp_conn *c;         /* the connection under test */
	uint32_t iss;               /* its initial sequence number */
};

/* A stack with parameters p (NULL: the defaults) at time 0. */
void th_init(struct th *h, const struct tcp_params *p);
void th_fini(struct th *h);
/* Forget captured segments and events. */
void th_clear(struct th *h);
/* A segment from the peer to port `dport` (0: the connection's port). */
void th_in_full(struct th *h, uint16_t dport, uint8_t flags, uint32_t seq,
		uint32_t ack, uint16_t wnd, const uint8_t *data, uint32_t len);
/* A segment from the peer to the connection under test, window 65535. */
void th_in(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack,
	   uint32_t len);
/* Run events until time t (absolute). */
void th_run_until(struct th *h, sim_time_t t);
/* Run the connection's next pending timer of kind k; fails if none. */
void th_fire(struct th *h, enum tcp_timer k);
/* Captured segment i (fails the test if there is none). */
const struct tcp_seg *th_out(struct th *h, int i);
/* Assert captured segment i has these fields (len in bytes). */
void th_expect(struct th *h, int i, uint8_t flags, uint32_t seq, uint32_t ack,
	       uint32_t len);
/* Number of events of kind ev captured; last arg in *arg if non-NULL. */
int th_events(struct th *h, enum tcp_event ev, uint64_t *arg);
/* Assert the connection under test is gone and the application was told
 * so exactly once, with this ending. */
void th_expect_closed(struct th *h, enum tcp_end end);

/* Bring h->c into a state, the way the RFC gets there. Active opens use
 * ephemeral port 49152; passive ones LOCAL_PORT. Captures are cleared. */
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
