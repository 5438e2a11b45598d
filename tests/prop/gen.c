/* gen.c — the property test's scenario generator (see prop.c): run i
 * draws its scenario from the stream "prop:i" of the master seed and
 * writes it as YAML text, with the plan of what it should do. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/rng.h"
#include "models/tcp_params.h"
#include "prop.h"

/* ---- text ------------------------------------------------------------ */

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? 2 * b->cap : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static void sb_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void sb_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* A duration in the scenario's own syntax ("250ms", "1.5s"). */
static void sb_dur(struct sbuf *b, sim_time_t t)
{
	char tb[40];
	sim_time_fmt_short(t, tb, sizeof tb);
	sb_printf(b, "%s", tb);
}

/* A probability given in hundredths of a percent, as "12.34%". */
static void sb_prob(struct sbuf *b, unsigned bp)
{
	sb_printf(b, "%u.%02u%%", bp / 100, bp % 100);
}

/* ---- random choices ---------------------------------------------------- */

static uint64_t below(struct rng *r, uint64_t n)
{
	return rng_below(r, n);
}

/* Uniform in [lo, hi]. */
static uint64_t range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* True with probability pct %. */
static bool pct(struct rng *r, unsigned p)
{
	return rng_below(r, 100) < p;
}

/* Mostly small, sometimes large: sizes spread over orders of magnitude
 * reach both the one-segment and the many-windows cases. */
static uint64_t log_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t top = lo;
	unsigned steps = 0;
	while (top < hi && steps < 40) {
		top = top * 2 > hi ? hi : top * 2;
		steps++;
	}
	uint64_t cap = lo;
	for (uint64_t k = below(r, steps + 1); k; k--)
		cap = cap * 2 > hi ? hi : cap * 2;
	return range(r, lo, cap);
}


static const char *const pattern_names[PAT_N] = {
	"send", "bulk", "echo", "requests", "half-close",
};

static const char *const trigger_names[] = {"done", "peer-closed"};

static const char *const op_names[] = {"none", "close", "shutdown"};

/* ---- scenario generator ---------------------------------------------- */

/* the hosts, then the routers (PROP_MAX_HOSTS + k) */
static const char *const host_names[PROP_MAX_HOSTS + PROP_MAX_ROUTERS] = {
	"h0", "h1", "h2", "r0", "r1"};

static void bufs_default(struct bufs *b)
{
	/* every profile's (models/tcp_params.c) but freebsd's send
	 * buffer, 32 KiB */
	*b = (struct bufs){.sndbuf = 65536, .rcvbuf = 65535, .mss = 1460,
			   .wscale = TCP_WSCALE_OFF};
}

/* A buffer size: now and then tiny, so windows close and the persist
 * timer and silly-window avoidance get their turn. */
static uint32_t gen_buf(struct rng *r)
{
	if (pct(r, 10))
		return (uint32_t)range(r, 1, 64);
	return (uint32_t)log_range(r, 64, 65535);
}

/* The largest window a shift lets a receive buffer offer. */
static uint64_t ws_cap(uint8_t ws)
{
	if (ws == TCP_WSCALE_OFF)
		return 65535;
	return (uint64_t)65535 << (ws == TCP_WSCALE_AUTO ? 14 : ws);
}

/* Window scaling: now and then offered (off, auto or a shift), and
 * always when the receive buffer needs it — never a shift too small for
 * the buffer, which the loader refuses. */
static void gen_wscale(struct rng *r, struct sbuf *y, struct bufs *b,
		       unsigned p)
{
	bool need = b->rcvbuf > ws_cap(b->wscale);
	if (!need && !pct(r, p))
		return;
	uint8_t least = 0;
	while (((uint64_t)65535 << least) < b->rcvbuf)
		least++;
	unsigned k = (unsigned)below(r, 3);
	if (k == 0 && b->rcvbuf <= 65535)
		b->wscale = TCP_WSCALE_OFF;
	else if (k <= 1)
		b->wscale = TCP_WSCALE_AUTO;
	else
		b->wscale = (uint8_t)range(r, least, 14);
	if (b->wscale == TCP_WSCALE_OFF)
		sb_printf(y, ", wscale: off");
	else if (b->wscale == TCP_WSCALE_AUTO)
		sb_printf(y, ", wscale: auto");
	else
		sb_printf(y, ", wscale: %u", (unsigned)b->wscale);
}

/* TCP parameters shared by the top level, hosts and socket options;
 * `kind` 0 top level, 1 a host, 2 a socket (which takes no profile). */
static void gen_tcp_keys(struct rng *r, struct sbuf *y, struct bufs *b,
			 int kind, unsigned p)
{
	static const char *const profiles[] = {"linux", "linux", "textbook",
					       "freebsd"};
	static const char *const rules[] = {"rfc9293", "linux", "freebsd"};
	if (kind < 2 && pct(r, p + 10)) {
		const char *name = profiles[below(r, 4)];
		sb_printf(y, ", profile: %s", name);
		if (strcmp(name, "freebsd") == 0)
			b->sndbuf = 32768;
	}
	if (pct(r, p)) {
		b->mss = (uint32_t)log_range(r, 64, 1460);
		sb_printf(y, ", mss: %" PRIu32, b->mss);
	}
	if (pct(r, p)) {
		b->sndbuf = gen_buf(r);
		sb_printf(y, ", sndbuf: %" PRIu32, b->sndbuf);
	}
	if (pct(r, p)) {
		/* now and then past 64 KiB, which takes window scaling */
		b->rcvbuf = pct(r, 15) ? (uint32_t)log_range(r, 65536, 4u << 20)
				       : gen_buf(r);
		sb_printf(y, ", rcvbuf: %" PRIu32, b->rcvbuf);
	}
	gen_wscale(r, y, b, p / 2);
	/* the options and the algorithms: each now and then, one way or
	 * the other (60 % the first) */
	static const struct {
		const char *key, *on, *off;
	} knobs[] = {
		{"timestamps", "true", "false"}, {"sack", "true", "false"},
		{"cc", "cubic", "newreno"},      {"prr", "true", "false"},
		{"tlp", "true", "false"},        {"rack", "true", "false"},
		{"hystart", "true", "false"},
		{"insecure-rst", "true", "false"},
		{"drop-synfin", "true", "false"},
		{"ecn", "on", "passive"},
	};
	for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
		if (pct(r, p / 2))
			sb_printf(y, ", %s: %s", knobs[i].key,
				  pct(r, 60) ? knobs[i].on : knobs[i].off);
	if (kind < 2 && pct(r, p / 4))
		sb_printf(y, ", option-layout: %s",
			  pct(r, 50) ? "freebsd" : "linux");
	if (pct(r, p))
		sb_printf(y, ", nodelay: %s", pct(r, 70) ? "true" : "false");
	if (pct(r, p)) {
		sb_printf(y, ", delack: ");
		sb_dur(y, pct(r, 20) ? 0 : SIM_MS(range(r, 1, 500)));
	}
	if (pct(r, p / 2))
		sb_printf(y, ", delack-segs: %" PRIu64, range(r, 1, 4));
	if (kind == 2)
		return;
	if (pct(r, p / 2))
		sb_printf(y, ", iw: %" PRIu64, range(r, 1, 10));
	if (pct(r, p / 2))
		sb_printf(y, ", dupthresh: %" PRIu64, range(r, 1, 6));
	if (pct(r, p / 2)) {
		sim_time_t mn = SIM_MS(log_range(r, 10, 1000));
		sb_printf(y, ", rto-min: ");
		sb_dur(y, mn);
		/* rto-max may not be below rto-min, whichever profile the
		 * host ends up with (the largest default rto-min is 1 s) */
		if (pct(r, 50)) {
			sim_time_t lo = mn > SIM_S(1) ? mn : SIM_S(1);
			sb_printf(y, ", rto-max: ");
			sb_dur(y, lo + SIM_MS(range(r, 0, 60000)));
		}
	}
	if (pct(r, p / 2)) {
		sb_printf(y, ", rto-initial: ");
		sb_dur(y, SIM_MS(log_range(r, 50, 3000)));
	}
	if (pct(r, p / 2)) {
		sb_printf(y, ", msl: ");
		sb_dur(y, SIM_MS(range(r, 100, 60000)));
	}
	if (pct(r, p / 4)) {
		sb_printf(y, ", time-wait: ");
		if (pct(r, 50))
			sb_printf(y, "on");
		else
			sb_dur(y, SIM_MS(range(r, 1, 30000)));
	}
	if (pct(r, p / 4)) {
		/* probes every so often while idle, and never giving up */
		sb_printf(y, ", keepalive: true, keepidle: ");
		sb_dur(y, SIM_MS(range(r, 100, 20000)));
		sb_printf(y, ", keepintvl: ");
		sb_dur(y, SIM_MS(range(r, 100, 5000)));
		/* the top level has it already, for every host */
		if (kind != 0)
			sb_printf(y, ", keepcnt: 255");
	}
	/* either rule set on any profile, timers on a wheel or not */
	if (pct(r, p / 3))
		sb_printf(y, ", rules: %s", rules[below(r, 3)]);
	if (pct(r, p / 4)) {
		sb_printf(y, ", rto-slop: ");
		sb_dur(y, SIM_MS(range(r, 0, 300)));
	}
	if (pct(r, p / 3)) {
		sb_printf(y, ", tick: ");
		sb_dur(y, pct(r, 20) ? 0 : SIM_MS(range(r, 1, 10)));
	}
}

/* One direction's loss: independent, corruption and burst together stay
 * within 30 %. Keys are separated by sep (", " in a flow mapping, a
 * newline and indent in a block one). */
static void gen_loss(struct rng *r, struct sbuf *y, const char *sep)
{
	unsigned budget = 3000; /* hundredths of a percent */
	unsigned loss = pct(r, 25) ? 0 : (unsigned)below(r, budget + 1);
	sb_printf(y, "loss: ");
	sb_prob(y, loss);
	budget -= loss;
	if (pct(r, 10) && budget) {
		unsigned most = budget < 500 ? budget : 500;
		unsigned c = (unsigned)below(r, most + 1);
		sb_printf(y, "%scorrupt: ", sep);
		sb_prob(y, c);
		budget -= c;
	}
	if (pct(r, 5) && budget >= 1000) {
		/* the share lost, p / (p + r), stays under 10 % */
		unsigned p = (unsigned)range(r, 10, 200);
		unsigned rr = (unsigned)range(r, 2000, 6000);
		sb_printf(y, "%sburst-loss: {p: ", sep);
		sb_prob(y, p);
		sb_printf(y, ", r: ");
		sb_prob(y, rr);
		sb_printf(y, "}");
	}
	/* CE marks, up to 20 %, on ECN-capable segments (no loss) */
	if (pct(r, 10)) {
		sb_printf(y, "%sce: ", sep);
		sb_prob(y, (unsigned)below(r, 2001));
	}
}

static void gen_link(struct rng *r, struct sbuf *y, int a, int b,
		     bool routed)
{
	sb_printf(y, "  - between: [%s, %s]\n    delay: ", host_names[a],
		  host_names[b]);
	sim_time_t delay = pct(r, 10) ? 0 : SIM_US(log_range(r, 100, 200000));
	sb_dur(y, delay);
	sb_printf(y, "\n");
	if (pct(r, 30)) {
		sb_printf(y, "    jitter: ");
		sb_dur(y, SIM_US(log_range(r, 1, 50000)));
		sb_printf(y, "\n");
		if (pct(r, 30))
			sb_printf(y, "    jitter-reorders: true\n");
	}
	if (pct(r, 15)) {
		sb_printf(y, "    duplicate: ");
		sb_prob(y, (unsigned)range(r, 1, 1000));
		sb_printf(y, "\n");
	}
	if (pct(r, 15)) {
		sb_printf(y, "    reorder: {probability: ");
		sb_prob(y, (unsigned)range(r, 1, 2000));
		sb_printf(y, ", delay: ");
		sb_dur(y, SIM_US(log_range(r, 10, 100000)));
		sb_printf(y, "}\n");
	}
	if (pct(r, 20)) {
		static const char *const rates[] = {
			"56kbps", "256kbps", "1Mbit/s", "2Mbps", "10Mbit/s",
			"100Mbps",
		};
		sb_printf(y, "    rate: %s\n", rates[below(r, 6)]);
		if (pct(r, 50)) {
			if (pct(r, 50))
				sb_printf(y, "    queue: %" PRIu64 "\n",
					  range(r, 2, 100));
			else
				sb_printf(y, "    queue: %" PRIu64 "B\n",
					  log_range(r, 1600, 100000));
		}
		/* RED on the queue, marking or dropping; or CoDel */
		if (pct(r, 30)) {
			uint64_t mn = range(r, 1, 20);
			sb_printf(y, "    red: {min: %" PRIu64 ", max: %" PRIu64
				  ", max-p: ", mn, mn + range(r, 1, 30));
			sb_prob(y, (unsigned)range(r, 1, 5000));
			sb_printf(y, ", weight: ");
			sb_prob(y, (unsigned)range(r, 1, 10000));
			sb_printf(y, ", ecn: %s}\n",
				  pct(r, 50) ? "true" : "false");
		} else if (pct(r, 20)) {
			sim_time_t target = SIM_US(log_range(r, 500, 20000));
			sb_printf(y, "    codel: {target: ");
			sb_dur(y, target);
			sb_printf(y, ", interval: ");
			sb_dur(y, target + SIM_US(log_range(r, 1000, 200000)));
			sb_printf(y, ", ecn: %s}\n",
				  pct(r, 50) ? "true" : "false");
		}
	}
	/* no smaller MTU where routes may go round it: routers send no
	 * ICMP "fragmentation needed", and a host sizes its segments by the
	 * first link of its route when the connection opens
	 * (docs/scenario-format.md), so a smaller MTU further on, or on a
	 * way taken later, is a black hole */
	if (pct(r, 5) && !routed)
		sb_printf(y, "    mtu: %" PRIu64 "\n", range(r, 104, 1500));
	if (pct(r, 5)) {
		sb_printf(y, "    down: [{at: ");
		sb_dur(y, SIM_MS(range(r, 0, 5000)));
		sb_printf(y, ", for: ");
		sb_dur(y, SIM_MS(range(r, 1, 10000)));
		sb_printf(y, "}]\n");
	}
	if (pct(r, 50)) {
		/* each direction its own loss */
		for (int d = 0; d < 2; d++) {
			sb_printf(y, "    %s>%s: {", host_names[d ? b : a],
				  host_names[d ? a : b]);
			gen_loss(r, y, ", ");
			sb_printf(y, "}\n");
		}
	} else {
		sb_printf(y, "    ");
		gen_loss(r, y, "\n    ");
		sb_printf(y, "\n");
	}
}

/* Bytes one way, kept small when the buffers on the way are (a one-byte
 * window moves one byte per round trip). */
static uint64_t gen_size(struct rng *r, const struct bufs *from,
			 const struct bufs *to)
{
	uint64_t n;
	unsigned k = (unsigned)below(r, 100);
	if (k < 15)
		n = 0;
	else if (k < 50)
		n = range(r, 1, 1500);
	else if (k < 80)
		n = range(r, 1501, 20000);
	else
		n = range(r, 20001, 200000);
	uint64_t lim = from->sndbuf < to->rcvbuf ? from->sndbuf : to->rcvbuf;
	if (lim < 4096 && n > lim * 32)
		n = lim * 32;
	return n;
}

/* The socket options of a listen or connect, and the buffers that
 * result. */
static void gen_sock_opts(struct rng *r, struct sbuf *y, struct bufs *b)
{
	if (!pct(r, 15))
		return;
	struct sbuf t = {0};
	gen_tcp_keys(r, &t, b, 2, 30);
	if (t.len)
		sb_printf(y, ", options: {%s}", t.p + 2); /* skip ", " */
	sb_free(&t);
}

/* A slow reader, now and then, on a side that closes only once it has
 * read everything. It reads its `incoming` bytes in at most 256 periods,
 * which bounds the events a run spends on it. */
static void gen_slow(struct rng *r, struct sbuf *y, struct side *s,
		     uint64_t incoming)
{
	if (s->trig != TRIG_DONE || !pct(r, 10))
		return;
	s->slow = true;
	uint64_t bytes = log_range(r, 1, 8192);
	if (bytes < (incoming + 255) / 256)
		bytes = (incoming + 255) / 256;
	sb_printf(y, ", read: {bytes: %" PRIu64 ", every: ", bytes);
	sb_dur(y, SIM_MS(range(r, 1, 200)));
	sb_printf(y, "}");
}

/* The action that closes one side, on its trigger. */
static void gen_close(struct sbuf *y, const char *sock, const struct side *s,
		      uint64_t incoming)
{
	if (s->op == OP_NONE)
		return;
	if (s->trig == TRIG_PEER_CLOSED)
		sb_printf(y, "    - {on: peer-closed, sock: %s", sock);
	else if (incoming)
		sb_printf(y, "    - {on: received, bytes: %" PRIu64
			     ", sock: %s",
			  incoming, sock);
	else
		sb_printf(y, "    - {on: connected, sock: %s", sock);
	sb_printf(y, ", %s: true}\n", op_names[s->op]);
}

/* Choose how connection i closes. A side that closes with data still to
 * read or still to come would be reset, rightly; the choices below never
 * do that:
 *  - `done` fires only once everything the peer will send has been read;
 *  - a side closing on the peer's FIN has read everything before it (the
 *    FIN is in sequence after the data), unless it reads slowly, so slow
 *    readers only close on `done`; and everything it still writes goes
 *    out before its own FIN;
 *  - at least one side closes without waiting for the other's FIN, or
 *    the client's script shuts down by itself (bulk, requests, half).
 */
static void gen_closing(struct rng *r, struct conn_plan *c)
{
	bool auto_shut = c->pat == PAT_BULK || c->pat == PAT_REQUESTS ||
			 c->pat == PAT_HALF;
	if (auto_shut) {
		c->cs.trig = pct(r, 50) ? TRIG_DONE : TRIG_PEER_CLOSED;
		c->cs.op = pct(r, 50) ? OP_CLOSE : OP_NONE;
		c->ss.trig = c->pat == PAT_HALF || pct(r, 50) ? TRIG_PEER_CLOSED
							      : TRIG_DONE;
	} else {
		switch (below(r, 3)) {
		case 0: /* the client first */
			c->cs.trig = TRIG_DONE;
			c->ss.trig = TRIG_PEER_CLOSED;
			break;
		case 1: /* the server first */
			c->cs.trig = TRIG_PEER_CLOSED;
			c->ss.trig = TRIG_DONE;
			break;
		default: /* each when done: the FINs may cross */
			c->cs.trig = TRIG_DONE;
			c->ss.trig = TRIG_DONE;
			break;
		}
		c->cs.op = pct(r, 70) ? OP_CLOSE : OP_SHUTDOWN;
	}
	c->ss.op = pct(r, 70) ? OP_CLOSE : OP_SHUTDOWN;
}

/* Connection i: its listening and connecting actions into the server's
 * and the client's lists. */
static void gen_conn(struct rng *r, struct plan *pl, int i,
		     struct sbuf acts[PROP_MAX_HOSTS])
{
	struct conn_plan *c = &pl->c[i];
	struct sbuf *sy = &acts[c->server], *cy = &acts[c->client];
	char cn[8], sn[8];
	snprintf(cn, sizeof cn, "c%d", i);
	snprintf(sn, sizeof sn, "s%d", i);
	c->cs.b = pl->host[c->client];
	c->ss.b = pl->host[c->server];
	c->pat = (enum pattern)below(r, PAT_N);
	gen_closing(r, c);

	/* the server */
	sb_printf(sy, "    - {at: 0s, listen: %u, as: %s", (unsigned)c->port,
		  sn);
	gen_sock_opts(r, sy, &c->ss.b);
	/* the client's options first: the sizes depend on both */
	struct sbuf copt = {0};
	gen_sock_opts(r, &copt, &c->cs.b);

	c->c2s = gen_size(r, &c->cs.b, &c->ss.b);
	c->s2c = gen_size(r, &c->ss.b, &c->cs.b);
	switch (c->pat) {
	case PAT_BULK:
		if (!c->c2s)
			c->c2s = range(r, 1, 1000);
		break;
	case PAT_ECHO:
		c->s2c = c->c2s;
		sb_printf(sy, ", serve: echo");
		break;
	case PAT_REQUESTS: {
		uint64_t lim = c->c2s > c->s2c ? c->c2s : c->s2c;
		c->nreq = range(r, 1, 20);
		c->req = range(r, 1, lim / c->nreq > 1 ? lim / c->nreq : 1);
		c->resp = range(r, 1, lim / c->nreq > 1 ? lim / c->nreq : 1);
		c->c2s = c->nreq * c->req;
		c->s2c = c->nreq * c->resp;
		sb_printf(sy, ", serve: {respond: %" PRIu64 ", per: %" PRIu64
			      "}",
			  c->resp, c->req);
		break;
	}
	default:
		break;
	}
	gen_slow(r, sy, &c->ss, c->c2s);
	gen_slow(r, &copt, &c->cs, c->s2c);
	sb_printf(sy, "}\n");
	if ((c->pat == PAT_SEND || c->pat == PAT_BULK) && c->s2c)
		sb_printf(sy, "    - {on: connected, sock: %s, send: %" PRIu64
			      "}\n",
			  sn, c->s2c);
	if (c->pat == PAT_HALF && c->s2c)
		sb_printf(sy, "    - {on: peer-closed, sock: %s, send: %" PRIu64
			      "}\n",
			  sn, c->s2c);
	gen_close(sy, sn, &c->ss, c->c2s);

	/* the client */
	sb_printf(cy, "    - {at: ");
	sb_dur(cy, SIM_MS(range(r, 1, pct(r, 30) ? 1 : 2000)));
	sb_printf(cy, ", connect: \"%s:%u\", as: %s%s",
		  host_names[c->server], (unsigned)c->port, cn,
		  copt.p ? copt.p : "");
	sb_free(&copt);
	if (c->pat == PAT_BULK)
		sb_printf(cy, ", bulk: %" PRIu64, c->c2s);
	if (c->pat == PAT_REQUESTS)
		sb_printf(cy, ", requests: {count: %" PRIu64 ", size: %" PRIu64
			      ", response: %" PRIu64 "}",
			  c->nreq, c->req, c->resp);
	sb_printf(cy, "}\n");
	if ((c->pat == PAT_SEND || c->pat == PAT_ECHO || c->pat == PAT_HALF) &&
	    c->c2s)
		sb_printf(cy, "    - {on: connected, sock: %s, send: %" PRIu64
			      "}\n",
			  cn, c->c2s);
	if (c->pat == PAT_HALF)
		sb_printf(cy, "    - {on: connected, sock: %s, "
			      "shutdown: true}\n",
			  cn);
	gen_close(cy, cn, &c->cs, c->s2c);
}

/* Write run `run`'s scenario into y and what it should do into pl. */
void gen_scenario(uint64_t master, uint64_t run, struct sbuf *y,
		  struct plan *pl)
{
	struct rng r;
	char name[48];
	snprintf(name, sizeof name, "prop:%" PRIu64, run);
	rng_derive(&r, master, name);
	memset(pl, 0, sizeof *pl);
	sb_reset(y);

	pl->nhosts = (int)range(&r, 2, PROP_MAX_HOSTS);
	pl->nconns = (int)range(&r, 1, PROP_MAX_CONNS);
	sb_printf(y, "# tests/prop.c: master seed %" PRIu64 ", run %" PRIu64
		     "\n",
		  master, run);
	sb_printf(y, "name: prop-%" PRIu64 "\nseed: %" PRIu64 "\n", run,
		  rng_next(&r));
	sb_printf(y, "stop: %s\nmax-events: %d\n", PROP_STOP, PROP_MAX_EVENTS);

	/* retries high enough that no run gives up at 30 % loss (with
	 * Linux's rules: by time, some 8 h; a closed socket too), nor
	 * keepalive (on in the freebsd profile) or keepinit, and no
	 * end to a closed socket's FIN-WAIT-2 while the peer's FIN is
	 * being retransmitted */
	struct bufs top;
	bufs_default(&top);
	sb_printf(y, "tcp: {retries: 255, syn-retries: 255, "
		     "synack-retries: 255, orphan-retries: 255, "
		     "fin-timeout: 0, keepinit: 0, keepcnt: 255");
	gen_tcp_keys(&r, y, &top, 0, 15);
	sb_printf(y, "}\nhosts:\n");
	for (int h = 0; h < pl->nhosts; h++) {
		pl->host[h] = top;
		sb_printf(y, "  %s: {", host_names[h]);
		bool any = false;
		if (pct(&r, 20)) {
			sb_printf(y, "addr: 10.%" PRIu64 ".%" PRIu64 ".%d",
				  below(&r, 256), below(&r, 256), 10 + h);
			any = true;
		}
		if (pct(&r, 25)) {
			struct sbuf t = {0};
			gen_tcp_keys(&r, &t, &pl->host[h], 1, 25);
			if (t.len)
				sb_printf(y, "%stcp: {%s}", any ? ", " : "",
					  t.p + 2);
			sb_free(&t);
		}
		sb_printf(y, "}\n");
	}

	/* sometimes routers: every host hangs off one of them, and the
	 * connections cross them (and any direct link drawn below) */
	int nr = pct(&r, 30) ? (int)range(&r, 1, PROP_MAX_ROUTERS) : 0;
	for (int k = 0; k < nr; k++)
		sb_printf(y, "  %s: {router: true}\n",
			  host_names[PROP_MAX_HOSTS + k]);
	if (nr && pct(&r, 50)) {
		sb_printf(y, "routing: {metric: %s, converge: ",
			  pct(&r, 50) ? "hops" : "delay");
		sb_dur(y, SIM_MS(range(&r, 0, 500)));
		sb_printf(y, "}\n");
	}

	/* connections: each its own port, so each its own listener */
	bool linked[PROP_MAX_HOSTS][PROP_MAX_HOSTS] = {{false}};
	for (int i = 0; i < pl->nconns; i++) {
		struct conn_plan *c = &pl->c[i];
		c->client = (int)below(&r, (uint64_t)pl->nhosts);
		c->server = (c->client + 1 +
			     (int)below(&r, (uint64_t)pl->nhosts - 1)) %
			    pl->nhosts;
		/* sometimes a port among the ephemeral ones */
		c->port = (uint16_t)(pct(&r, 50) ? (uint64_t)(80 + i)
						 : range(&r, 1, 65535));
		for (int j = 0; j < i; j++)
			if (pl->c[j].port == c->port)
				c->port = (uint16_t)(1000 + i);
		linked[c->client][c->server] = !nr;
		linked[c->server][c->client] = !nr;
	}
	sb_printf(y, "links:\n");
	for (int a = 0; a < pl->nhosts; a++)
		for (int b = a + 1; b < pl->nhosts; b++)
			if (linked[a][b] || pct(&r, 30))
				gen_link(&r, y, a, b, nr > 0);
	for (int h = 0; nr && h < pl->nhosts; h++)
		gen_link(&r, y, h, PROP_MAX_HOSTS + (int)below(&r, (uint64_t)nr),
			 true);
	if (nr == 2)
		gen_link(&r, y, PROP_MAX_HOSTS, PROP_MAX_HOSTS + 1, true);
	pl->nrouters = nr;

	struct sbuf acts[PROP_MAX_HOSTS] = {{0}};
	for (int i = 0; i < pl->nconns; i++)
		gen_conn(&r, pl, i, acts);
	sb_printf(y, "apps:\n");
	for (int h = 0; h < pl->nhosts; h++) {
		if (acts[h].len)
			sb_printf(y, "  %s:\n%s", host_names[h], acts[h].p);
		sb_free(&acts[h]);
	}

	/* the scenario's own expectations, per pair of hosts and per host */
	sb_printf(y, "expect:\n");
	for (int a = 0; a < pl->nhosts; a++) {
		bool has = false;
		for (int b = 0; b < pl->nhosts; b++) {
			uint64_t n = 0;
			bool any = false;
			for (int i = 0; i < pl->nconns; i++) {
				const struct conn_plan *c = &pl->c[i];
				if (c->client == a && c->server == b)
					n += c->c2s;
				if (c->server == a && c->client == b)
					n += c->s2c;
				any |= (c->client == a && c->server == b) ||
				       (c->server == a && c->client == b);
			}
			if (!any)
				continue;
			has = true;
			sb_printf(y, "  - {delivered: {from: %s, to: %s, "
				     "bytes: %" PRIu64 ", intact: true}}\n",
				  host_names[a], host_names[b], n);
		}
		if (has)
			sb_printf(y, "  - {host: %s, state: CLOSED, at: end}\n",
				  host_names[a]);
	}

	/* the plan, for whoever reads a failing scenario */
	for (int i = 0; i < pl->nconns; i++) {
		const struct conn_plan *c = &pl->c[i];
		sb_printf(y, "# conn %d: %s > %s:%u %s, %" PRIu64
			     " B up, %" PRIu64 " B down; client %s on %s%s, "
			     "server %s on %s%s\n",
			  i, host_names[c->client], host_names[c->server],
			  (unsigned)c->port, pattern_names[c->pat], c->c2s,
			  c->s2c, op_names[c->cs.op], trigger_names[c->cs.trig],
			  c->cs.slow ? " (slow reader)" : "",
			  op_names[c->ss.op], trigger_names[c->ss.trig],
			  c->ss.slow ? " (slow reader)" : "");
	}
}
