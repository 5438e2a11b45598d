/* segment.c — libFuzzer harness for the TCP segment-arrival path.
 *
 * The first two bytes pick the state the connection under test is brought
 * to (through the RFC's own steps, tests/tcp_harness.h) and a few of its
 * parameters; every following 12 bytes are one step: a segment from the
 * peer with any flags, a sequence and an acknowledgment number near the
 * connection's own (or anywhere), any window, up to 1499 bytes of payload,
 * timestamps that mostly move on and now and then go back (PAWS), window
 * scaling offered or not,
 * then a wait of up to 255 ms so that timers fire, and now and then the
 * application writes, reads, closes or aborts. After every step each
 * connection on the stack must still satisfy the invariants below; a
 * broken one aborts, which libFuzzer reports with the input.
 *
 * `make fuzz` builds it (clang -fsanitize=fuzzer,address,undefined),
 * -DFUZZ_TRACE prints each step and the receive queue after it;
 * with tests/fuzz/check.h standing in for Check's assertions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"
#include "tcp_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c, what)                                                   \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "invariant broken in %s: %s\n",    \
				tcp_state_name(x->state), what);           \
			abort();                                           \
		}                                                          \
	} while (0)

/* RFC 9293 §3.3.1's variables, the buffers and the out-of-order list of
 * one live connection. */
static void check_conn(const struct tcp_conn *x)
{
	REQUIRE(x->state < TCP_NSTATES, "a known state");
	if (x->state == TCP_LISTEN || x->state == TCP_CLOSED)
		return;
	REQUIRE(SEQ_LEQ(x->snd_una, x->snd_nxt), "SND.UNA <= SND.NXT");
	REQUIRE(SEQ_LEQ(x->snd_una, x->snd_cur) ||
			x->state == TCP_SYN_SENT || x->state == TCP_SYN_RECEIVED,
		"SND.UNA <= the next byte to send");
	/* nothing beyond the data and the FIN was ever sent */
	uint32_t end = x->sb_seq + x->sb.len + (x->fin_queued ? 1 : 0);
	REQUIRE(SEQ_LEQ(x->snd_nxt, end) || x->state == TCP_SYN_SENT ||
			x->state == TCP_SYN_RECEIVED,
		"SND.NXT within what was written");
	REQUIRE(x->sb.len <= x->sb.cap, "send buffer within its size");
	REQUIRE(x->rb.len <= x->rb.cap, "receive buffer within its size");
	REQUIRE(x->rcv_wnd <= 65535u || x->rcv_wnd <= x->rb.cap,
		"RCV.WND within the buffer");
	REQUIRE(x->nooo <= TCP_MAX_OOO && (x->nooo == 0 || x->ooo),
		"out-of-order list within its table");
	for (uint32_t i = 0; i < x->nooo; i++) {
		REQUIRE(SEQ_LT(x->ooo[i].start, x->ooo[i].end),
			"an out-of-order range is not empty");
		/* text that came with a SYN waits at RCV.NXT until our
		 * SYN is acknowledged (RFC 9293 §3.10.7.2) */
		REQUIRE(SEQ_GT(x->ooo[i].start, x->rcv_nxt) ||
				(x->snd_una == x->iss &&
				 x->ooo[i].start == x->rcv_nxt),
			"out-of-order data lies beyond RCV.NXT");
		REQUIRE(SEQ_LEQ(x->ooo[i].end, x->rcv_nxt + x->rb.cap),
			"out-of-order data fits in the buffer");
		if (i)
			REQUIRE(SEQ_LT(x->ooo[i - 1].end, x->ooo[i].start),
				"out-of-order ranges sorted and apart");
	}
	REQUIRE(x->rto >= x->p->rto_min || x->rto == 0,
		"RTO at least its minimum");
	REQUIRE(x->rto <= x->p->rto_max, "RTO at most its maximum");
	if (x->cwnd)
		REQUIRE(x->cwnd >= 1 && x->ssthresh >= 1, "a window to send in");
}

static void check_all(struct th *h)
{
#ifdef FUZZ_TRACE
	for (const struct tcp_conn *x = h->st->head; x; x = x->next)
		if (!x->dead && x->state > TCP_LISTEN) {
			fprintf(stderr, "  %s rcv_nxt %u rb.len %u ooo", tcp_state_name(x->state),
				x->rcv_nxt - PEER_ISS, x->rb.len);
			for (uint32_t i = 0; i < x->nooo; i++)
				fprintf(stderr, " [%u,%u)", x->ooo[i].start - PEER_ISS,
					x->ooo[i].end - PEER_ISS);
			fprintf(stderr, " fin %d@%u\n", x->ooo_fin, x->ooo_fin_seq - PEER_ISS);
		}
#endif
	for (const struct tcp_conn *x = h->st->head; x; x = x->next)
		if (!x->dead)
			check_conn(x);
}

static void open_in(struct th *h, unsigned which)
{
	switch (which % 11) {
	case 0: th_open_listen(h); break;
	case 1: th_open_syn_sent(h); break;
	case 2: th_open_syn_received(h); break;
	case 3: th_open_established(h); break;
	case 4: th_open_established_passive(h); break;
	case 5: th_open_fin_wait_1(h); break;
	case 6: th_open_fin_wait_2(h); break;
	case 7: th_open_closing(h); break;
	case 8: th_open_time_wait(h); break;
	case 9: th_open_close_wait(h); break;
	default: th_open_last_ack(h); break;
	}
}

static void forget(struct th *h)
{
	th_checked(h, th_unchecked(h));
	th_clear_events(h);
}

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct th h;
	static uint8_t payload[1500];
	if (n < 2)
		return 0;
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	struct tcp_params p = tcp_params_default;
	p.challenge_limit = d[1] & 1 ? 0 : p.challenge_limit;
	p.nodelay = (d[1] & 32) != 0;
	p.keepalive = (d[1] & 64) != 0;
	p.rules = (d[1] & 8) ? TCP_RULES_LINUX : TCP_RULES_RFC9293;
	/* options, offered by both ends or by one: window scale, and
	 * timestamps whose TSval each step moves, now and then back */
	unsigned o = d[0] / 11;
	if (o & 1)
		p.timestamps = true;
	if (o & 2)
		p.wscale = (uint8_t)(o >> 2 & 7);
	if (o & 4)
		p.rcvbuf = 200000, p.wscale = TCP_WSCALE_AUTO;
	p.sack = (d[1] & 128) != 0;
	p.tlp = p.sack && (d[0] & 1);
	p.rack = p.sack && (d[0] & 2);
	th_init(&h, &p);
	h.peer_opts = (uint8_t)((o & 8 ? TCP_OPT_TS : 0) |
				(o & 16 ? TCP_OPT_WS : 0) |
				(p.sack && (o & 1) ? TCP_OPT_SACKOK : 0));
	h.peer_wscale = (uint8_t)(d[0] & 15);
	h.peer_tsval = 1000;
	h.no_read = (d[1] & 16) != 0;
	open_in(&h, d[0]);
	/* the teaching variants change how a state is reached: switch
	 * them on once there, for what happens next */
	for (struct tcp_conn *x = h.st->head; x; x = x->next) {
		struct tcp_params *mp = tcp_params_mut(x);
		mp->two_way = (d[1] & 2) != 0;
		mp->no_time_wait = (d[1] & 4) != 0;
	}
	/* the invariants are the test here, not the segments: every one
	 * sent is passed over as checked, and the events forgotten */
	forget(&h);
	check_all(&h);
	for (const uint8_t *r = d + 2; r + 12 <= d + n; r += 12) {
		struct tcp_conn *c = h.c;
		uint32_t rn = c ? c->rcv_nxt : PEER_ISS + 1;
		uint32_t su = c ? c->snd_una : 0;
		uint32_t sn = c ? c->snd_nxt : 0;
		int16_t so = (int16_t)u16(r + 2), ao = (int16_t)u16(r + 4);
		/* near what the connection expects, or anywhere */
		uint32_t seq = r[1] & 1 ? rn + (uint32_t)so
				        : (uint32_t)u16(r + 2) << 16 | u16(r + 4);
		uint32_t ack = r[1] & 2 ? (r[1] & 4 ? sn : su) + (uint32_t)ao
					: (uint32_t)u16(r + 4) << 16 | u16(r + 2);
		uint32_t len = u16(r + 8) % sizeof payload;
		if (r[1] & 8)
			len %= 8;
		uint16_t dport = r[1] & 16 ? (uint16_t)(LOCAL_PORT + (r[1] >> 5))
					   : 0;
		if (!dport && !c)
			dport = LOCAL_PORT; /* the connection is gone */
#ifdef FUZZ_TRACE
		fprintf(stderr, "in: flags %02x seq %u ack %u wnd %u len %u "
				"(rcv_nxt %u snd_una %u iss %u %s)\n",
			r[0], seq - PEER_ISS, ack - (c ? c->iss : 0), u16(r + 6),
			len, c ? c->rcv_nxt - PEER_ISS : 0,
			c ? c->snd_una - c->iss : 0,
			c ? c->iss : 0, c ? tcp_state_name(c->state) : "-");
#endif
		h.peer_tsval += (uint32_t)(int8_t)r[9];
		/* now and then a SACK block near what the connection sent */
		h.peer_nsack = 0;
		if (c && (r[11] & 7) >= 5) {
			uint32_t l = su + (uint32_t)(r[11] >> 3) * 97;
			h.peer_sack[0] = (struct tcp_sack_block){
				l, l + 1 + (uint32_t)r[9] * 11};
			h.peer_nsack = 1;
		}
		h.peer_tsecr = c && c->ts_ok ? tcp_ts_now(c) - r[9] % 64 : 0;
		th_in_full(&h, dport, r[0], seq, ack, u16(r + 6), payload, len);
		check_all(&h);
		/* a connection the application never accepted (SYN-RECEIVED
		 * reset back to LISTEN) goes without telling it */
		if (h.c && !th_alive(&h, h.c))
			h.c = NULL;
		c = h.c;
		switch (r[11] & 7) {
		case 1:
			if (c)
				tcp_send(c, payload, (uint32_t)(r[11] >> 3) * 48);
			break;
		case 2:
			if (c)
				tcp_close(c);
			break;
		case 3:
			if (c && r[11] >> 3 == 31)
				tcp_abort(c);
			break;
		case 4:
			h.no_read = !h.no_read;
			if (c && !h.no_read)
				h.nrx = 0, tcp_read(c, h.rx, sizeof h.rx);
			break;
		default:
			break;
		}
		check_all(&h);
		if (r[10])
			th_run_until(&h, h.sim.now +
						 SIM_MS(r[10]) * (r[1] & 128 ? 100 : 1));
		check_all(&h);
		if (h.c && !th_alive(&h, h.c))
			h.c = NULL;
		forget(&h);
		h.nrx = 0;
	}
	th_fini(&h);
	return 0;
}
