/* sink_pcap.c — segments as IPv4 + TCP packets (LINKTYPE_RAW), in a
 * classic pcap file written with libpcap or a pcapng file written by
 * pcapng.c with a comment per note on each packet (docs/pcap.md); or of
 * IPv6 + TCP, each address label standing for the IPv6 address a map
 * gives it (`tcpsim pkt` with an IPv6 script).
 *
 * Where the capture is made (struct pcap_opts): at the senders, every
 * segment a host sends at its send time, whether or not the network
 * delivers it; at the receivers, every segment that reaches its
 * destination at its arrival time; at one host, what it sends and what
 * it receives; on one link, the segments that enter it, forwarded or
 * not, and their fate on it. At the senders and the receivers routers
 * are not ends: a segment a router forwards is an alias of the one its
 * host sent, followed to its fate (arrived at its destination, or lost
 * on any link or router of the way). A sent segment's fate is told in the IPv4
 * header: TTL 64 it arrived, TTL 0 the network lost it, TTL 1 it was still
 * on the way (or held) when the run ended; a received one has TTL 64. The
 * Identification field is the trace's pkt number modulo 2^16. In IPv6 the
 * Hop Limit tells the fate, with the same values, and the Flow Label
 * holds the pkt number modulo 2^20.
 *
 * Packets go out in the trace's order, which is time order. A drop can
 * be traced long after the send (the link going down with the segment
 * on the wire, a crashed destination), and a receiver's discard comes
 * just after the arrival, so records wait in a FIFO and go out as soon as
 * all is known of the oldest: its fate, and the instant past; the rest at
 * finish. What is known of each segment sent (its notes for the comments,
 * its fate) waits in a second FIFO, in pkt order, until no record needs
 * it. Both are rings of slots that keep their buffers, doubled when full.
 *
 * Corruption is not shown in the bytes: the record is the segment as
 * sent, with checksums that verify (pcapng's comment says it).
 *
 * Limits: an IPv4 packet holds at most 65535 bytes; the scenario loader
 * keeps injected segments within it, and should a segment not fit, its
 * payload is cut to fit, so its checksums still verify. A segment whose
 * fate stays unknown (held by a rule that nothing releases) keeps every
 * later record in memory until the run ends. libpcap writes the file in
 * the machine's byte order; pcapng is little-endian on every machine.
 */

/* pcap.h uses the BSD types u_int, u_char, which the Makefile's strict
 * _POSIX_C_SOURCE hides. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/engine/grow.h"
#include "models/segment.h"
#include "sim/out/pcapng.h"
#include "sim/out/sinks.h"

#define CAP_IP_HLEN 20
#define CAP_IP6_HLEN 40
#define CAP_IP_MAX 65535    /* IPv4 Total Length is 16 bits */
#define CAP_SNAPLEN CAP_IP_MAX

enum cap_fate {
	FATE_PENDING = 0,    /* neither recv nor drop traced yet */
	FATE_ARRIVED,
	FATE_LOST,
};

/* The TTL that tells a segment's fate (docs/pcap.md). */
#define TTL_ARRIVED 64
#define TTL_LOST 0
#define TTL_UNKNOWN 1        /* still on the way when the run ended */

/* What a note may say: at most this much; a longer one is cut. */
#define NOTE_MAX 512

/* Notes on a packet, for pcapng's comments: strings, each ended by its
 * NUL, one after the other. */
struct notes {
	char *s;
	size_t len, cap;
};

/* A segment a host sent, keyed by its pkt number: its fate, and what the
 * simulator said about it. In the senders' and the receivers' views a
 * segment is followed through the routers (its copies there are aliases
 * of it); on a link or at a host each hop is a segment of its own. */
struct cap_ent {
	uint64_t pkt;
	sim_time_t fate_t;
	enum cap_fate fate;
	unsigned refs;    /* records waiting to be written that name it */
	struct notes net; /* its sender, retransmission, the network */
	struct notes end; /* its end: lost, discarded, never known */
};

/* A packet of the capture, in the order of the trace (its time order):
 * a segment sent (TTL from its entry's fate) or received (TTL 64). */
struct cap_rec {
	uint64_t key; /* its entry */
	uint64_t pkt;
	sim_time_t t;
	bool recv;
	uint32_t len;        /* bytes of buf in use: the IP packet */
	size_t cap;
	uint8_t *buf;        /* kept when the slot is reused */
	struct notes own;    /* what only this copy has: duplicate, discarded */
};

/* A segment that goes by another number: a router's copy (fwd) of the
 * segment its host first sent, or a copy the network made (dup). */
struct cap_alias {
	uint64_t fwd, orig;
	bool dup;
	const char *rule; /* the duplicating rule, or NULL (random) */
};

/* A ring of elem-sized slots, n of them in use from head, wrapping; the
 * slots keep what they point to when reused, and the ring doubles when
 * full: no malloc per segment once it has grown to the run's largest
 * number of segments in flight. */
struct ring {
	char *v;
	size_t elem, cap, head, n;
};

struct cap_sink {
	struct trace_sink base;
	struct pcap_opts o;
	bool follow;             /* a segment is followed through routers */
	struct cap_alias *alias; /* in fwd order (numbers grow) */
	size_t nalias, alias_cap;
	struct ring ents;        /* struct cap_ent, in pkt order */
	struct ring recs;        /* struct cap_rec, in time order */
	FILE *f;
	pcap_t *pd;
	pcap_dumper_t *dump;
	struct pcapng_buf ng;    /* the pcapng block being written */
	const char **cv;         /* its comments */
	size_t ncv, cv_cap;
	struct pcap_addr6 *map6;
	bool nomem;
	char error[128];
};

/* ---- encoding ------------------------------------------------------ */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One's-complement sum of 16-bit big-endian words, odd byte padded with
 * zero (RFC 1071); not yet folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		if (sum & 0x80000000u)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t ip_hlen(const struct cap_sink *ps)
{
	return ps->o.v6 ? CAP_IP6_HLEN : CAP_IP_HLEN;
}

/* Bytes of the IP packet for seg, and of its payload (cut to fit: an
 * IPv4 Total Length, an IPv6 Payload Length, is 16 bits). */
static uint32_t wire_len(const struct cap_sink *ps, const struct tcp_seg *seg,
			 uint32_t *paylen)
{
	uint32_t hdr = tcp_seg_hdr_len(seg) - CAP_IP_HLEN;
	uint32_t room = CAP_IP_MAX - hdr - (ps->o.v6 ? 0 : CAP_IP_HLEN);
	uint32_t len = seg->len < room ? seg->len : room;
	*paylen = len;
	return ip_hlen(ps) + hdr + len;
}

/* The IPv6 address that label stands for: the map's, else the
 * IPv4-mapped address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
static void addr6(const struct cap_sink *ps, uint32_t label, uint8_t *out)
{
	for (size_t i = 0; i < ps->o.nmap6; i++)
		if (ps->map6[i].label == label) {
			memcpy(out, ps->map6[i].addr, 16);
			return;
		}
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	put32(out + 12, label);
}

/* The IP header before a TCP segment of tcplen bytes; the pseudo-header
 * of its checksum (RFC 9293 §3.1, RFC 8200 §8.1) into pseudo, returning
 * its length. TTL or Hop Limit, and IPv4's checksum, are left for
 * rec_write, which knows the fate. */
static uint32_t encode_ip(const struct cap_sink *ps, uint8_t *ip, uint64_t pkt,
			  const struct tcp_seg *seg, uint32_t tcplen,
			  uint8_t pseudo[40])
{
	if (ps->o.v6) {
		memset(ip, 0, CAP_IP6_HLEN);
		/* the traffic class's low bits are ECN (RFC 3168 §5) */
		put32(ip, 6u << 28 | (uint32_t)(seg->ecn & 3) << 20 |
				  (uint32_t)(pkt & 0xfffff));
		put16(ip + 4, tcplen);
		ip[6] = 6; /* TCP */
		addr6(ps, seg->saddr, ip + 8);
		addr6(ps, seg->daddr, ip + 24);
		memcpy(pseudo, ip + 8, 32);
		put32(pseudo + 32, tcplen);
		memset(pseudo + 36, 0, 3);
		pseudo[39] = 6;
		return 40;
	}
	/* IPv4 (RFC 791 §3.1): no options; DF, as a sender doing path MTU
	 * discovery sets it, and the links drop what exceeds their MTU
	 * rather than fragment it. */
	memset(ip, 0, CAP_IP_HLEN);
	ip[0] = 0x45;
	ip[1] = seg->ecn & 3; /* DSCP 0, the ECN field */
	put16(ip + 2, CAP_IP_HLEN + tcplen);
	put16(ip + 4, (uint32_t)(pkt & 0xffff));
	put16(ip + 6, 0x4000);
	ip[9] = 6; /* TCP */
	put32(ip + 12, seg->saddr);
	put32(ip + 16, seg->daddr);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, tcplen);
	return 12;
}

/* The IP packet for seg into b (wire_len bytes). */
static void encode(const struct cap_sink *ps, uint8_t *b, uint64_t pkt,
		   const struct tcp_seg *seg)
{
	uint32_t paylen;
	uint32_t total = wire_len(ps, seg, &paylen);
	uint32_t thl = total - ip_hlen(ps) - paylen;
	uint8_t pseudo[40];
	uint32_t plen = encode_ip(ps, b, pkt, seg, thl + paylen, pseudo);

	/* TCP (RFC 9293 §3.1) */
	uint8_t *tcp = b + ip_hlen(ps);
	memset(tcp, 0, thl);
	put16(tcp, seg->sport);
	put16(tcp + 2, seg->dport);
	put32(tcp + 4, seg->seq);
	put32(tcp + 8, seg->ack);
	tcp[12] = (uint8_t)(thl / 4 << 4);
	tcp[13] = seg->flags;
	put16(tcp + 14, seg->wnd);
	put16(tcp + 18, seg->up);
	/* the options as the sender's stack lays them out */
	tcp_opts_encode(seg, tcp + 20);
	uint8_t *data = tcp + thl;
	/* the bytes, written out here if the segment carries a reference */
	tcp_seg_payload(seg, paylen, data);

	/* Checksum over the pseudo-header, header and data; the
	 * pseudo-header does not hold the TTL or Hop Limit, so the fate can
	 * be written later without touching it. */
	uint32_t sum = csum_add(0, pseudo, plen);
	sum = csum_add(sum, tcp, thl + paylen);
	put16(tcp + 16, csum_fold(sum));
}

/* ---- rings ----------------------------------------------------------- */

static void *at(const struct ring *r, size_t i)
{
	return r->v + (r->head + i) % r->cap * r->elem;
}

/* A new slot at the end (zeroed the first time it is used), or NULL. */
static void *ring_push(struct ring *r)
{
	if (r->n == r->cap) {
		size_t old = r->cap;
		if (grow(&r->v, &r->cap, old + 1, r->elem, 64) < 0)
			return NULL;
		/* the slots before head wrapped around: they go on after
		 * the old end, and every other new slot starts empty */
		char *v = r->v;
		size_t e = r->elem;
		memmove(v + old * e, v, r->head * e);
		memset(v, 0, r->head * e);
		memset(v + (old + r->head) * e, 0,
		       (r->cap - old - r->head) * e);
	}
	return at(r, r->n++);
}

static void ring_pop(struct ring *r)
{
	r->head = (r->head + 1) % r->cap;
	r->n--;
}

/* ---- notes ----------------------------------------------------------- */

static void note(struct cap_sink *ps, struct notes *nt, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct cap_sink *ps, struct notes *nt, const char *fmt, ...)
{
	if (!ps->o.ng)
		return; /* classic pcap has nowhere to put them */
	char b[NOTE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	size_t n = k < 0 ? 0 : (size_t)k < sizeof b ? (size_t)k : sizeof b - 1;
	if (grow(&nt->s, &nt->cap, nt->len + n + 1, 1, 256) < 0) {
		ps->nomem = true;
		return;
	}
	memcpy(nt->s + nt->len, b, n + 1);
	nt->len += n + 1;
}

/* Each of nt's notes as a comment to write. */
static void comments_add(struct cap_sink *ps, const struct notes *nt)
{
	for (size_t i = 0; i < nt->len; i += strlen(nt->s + i) + 1) {
		if (grow(&ps->cv, &ps->cv_cap, ps->ncv + 1, sizeof *ps->cv,
			 8) < 0) {
			ps->nomem = true;
			return;
		}
		ps->cv[ps->ncv++] = nt->s + i;
	}
}

/* "20 ms", "1500 us", "7 ns": a span as the trace's rules give it. */
static const char *span(int64_t ns, char b[32])
{
	if (ns % 1000000 == 0)
		snprintf(b, 32, "%lld ms", (long long)(ns / 1000000));
	else if (ns % 1000 == 0)
		snprintf(b, 32, "%lld us", (long long)(ns / 1000));
	else
		snprintf(b, 32, "%lld ns", (long long)ns);
	return b;
}

static const char *tx_name(enum trace_tx tx)
{
	switch (tx) {
	case TR_TX_NEW:
		break;
	case TR_TX_TIMEOUT:
		return "timeout";
	case TR_TX_FAST:
		return "fast retransmit";
	case TR_TX_PARTIAL:
		return "partial ACK";
	case TR_TX_PROBE:
		return "zero-window probe";
	case TR_TX_RESUME:
		return "the window reopened";
	case TR_TX_ANSWER:
		return "answering a duplicate";
	case TR_TX_PMTU:
		return "path MTU";
	}
	return "";
}

/* "(rule NAME)" if a rule did it, else "(WHY)". */
static const char *cause(const struct trace_event *ev, char b[160])
{
	if (ev->text)
		snprintf(b, 160, "rule %s", ev->text);
	else
		snprintf(b, 160, "%s", ev->why ? ev->why : "?");
	return b;
}

/* ---- segments and records ------------------------------------------- */

static struct cap_ent *ent(const struct cap_sink *ps, size_t i)
{
	return at(&ps->ents, i);
}

static struct cap_rec *rec(const struct cap_sink *ps, size_t i)
{
	return at(&ps->recs, i);
}

/* The segment numbered pkt, or NULL: numbers grow in send order, so the
 * ring is sorted by them. */
static struct cap_ent *find(const struct cap_sink *ps, uint64_t pkt)
{
	size_t lo = 0, hi = ps->ents.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ent(ps, mid)->pkt < pkt)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->ents.n && ent(ps, lo)->pkt == pkt ? ent(ps, lo) : NULL;
}

static int cmp_alias(const void *a, const void *b)
{
	const struct cap_alias *x = a, *y = b;
	return x->fwd < y->fwd ? -1 : x->fwd > y->fwd;
}

static const struct cap_alias *alias_of(const struct cap_sink *ps,
					uint64_t pkt)
{
	struct cap_alias key = {.fwd = pkt};
	return ps->nalias ? bsearch(&key, ps->alias, ps->nalias,
				    sizeof *ps->alias, cmp_alias)
			  : NULL;
}

static void alias_add(struct cap_sink *ps, uint64_t fwd, uint64_t of,
		      bool dup, const char *rule)
{
	if (grow(&ps->alias, &ps->alias_cap, ps->nalias + 1, sizeof *ps->alias,
		 64) < 0) {
		ps->nomem = true;
		return;
	}
	const struct cap_alias *a = alias_of(ps, of);
	struct cap_alias n = {fwd, a ? a->orig : of, dup, rule};
	if (a && a->dup) { /* a router's copy of a network's copy */
		n.dup = true;
		n.rule = a->rule;
	}
	ps->alias[ps->nalias++] = n;
}

/* A packet of the capture: seg at ev's time, encoded now. */
static struct cap_rec *rec_add(struct cap_sink *ps,
			       const struct trace_event *ev, uint64_t key,
			       bool recv)
{
	struct cap_rec *r = ring_push(&ps->recs);
	uint32_t paylen;
	uint32_t len = wire_len(ps, ev->seg, &paylen);
	if (!r || grow(&r->buf, &r->cap, len, 1, 128) < 0) {
		ps->nomem = true;
		return NULL;
	}
	r->key = key;
	r->pkt = ev->pkt;
	r->t = ev->t;
	r->recv = recv;
	r->len = len;
	r->own.len = 0;
	encode(ps, r->buf, ev->pkt, ev->seg);
	struct cap_ent *e = find(ps, key);
	if (e)
		e->refs++;
	return r;
}

static void on_send(struct cap_sink *ps, const struct trace *tr,
		    const struct trace_event *ev)
{
	struct cap_ent *e = ring_push(&ps->ents);
	if (!e) {
		ps->nomem = true;
		return;
	}
	e->pkt = ev->pkt;
	e->fate = FATE_PENDING;
	e->refs = 0;
	e->net.len = e->end.len = 0;
	const char *who = trace_host_name(tr, ev->host);
	if (ev->b & TR_SEND_INJECTED)
		note(ps, &e->net, "injected by %s", who);
	if (ev->b & TR_SEND_FORWARDED)
		note(ps, &e->net, "forwarded by %s (pkt=%lld)", who,
		     (long long)ev->v[0]);
	if (ev->b & TR_SEND_REXMIT)
		note(ps, &e->net, "retransmission (%s)", tx_name(ev->tx));
	if (ev->why)
		note(ps, &e->net, "%s: %s", who, ev->why);
}

/* Is the segment ev sends on the captured link? */
static bool on_link(const struct cap_sink *ps, const struct trace_event *ev)
{
	const struct pcap_opts *o = &ps->o;
	return (ev->host == o->a && (o->b < 0 || ev->peer == o->b)) ||
	       (!o->one_way && ev->host == o->b && ev->peer == o->a);
}

/* Does the segment ev receives end its way here? A router that receives
 * a segment for another address sends it on (or drops it). */
static bool at_end(const struct trace *tr, const struct trace_event *ev)
{
	return !(ev->host >= 0 && ev->host < tr->nhosts && tr->host_addrs &&
		 tr->host_addrs[ev->host] != ev->seg->daddr);
}

/* ---- writing --------------------------------------------------------- */

static void rec_write(struct cap_sink *ps, struct cap_rec *r)
{
	struct cap_ent *e = find(ps, r->key);
	uint8_t *ip = r->buf;
	enum cap_fate fate = r->recv ? FATE_ARRIVED
			     : e     ? e->fate
				     : FATE_PENDING;
	uint8_t ttl = fate == FATE_ARRIVED ? TTL_ARRIVED
		      : fate == FATE_LOST  ? TTL_LOST
					   : TTL_UNKNOWN;
	if (ps->o.v6) {
		ip[7] = ttl; /* Hop Limit; IPv6 has no header checksum */
	} else {
		ip[8] = ttl;
		put16(ip + 10, 0);
		put16(ip + 10, csum_fold(csum_add(0, ip, CAP_IP_HLEN)));
	}
	if (e)
		e->refs--;

	if (ps->o.ng) {
		ps->ncv = 0;
		if (e)
			comments_add(ps, &e->net);
		if (e && !r->recv) {
			if (fate == FATE_PENDING)
				note(ps, &e->end, "still on the way (or held) "
						  "when the run ended");
			comments_add(ps, &e->end);
		}
		comments_add(ps, &r->own);
		pcapng_reset(&ps->ng);
		pcapng_epb(&ps->ng, (uint64_t)r->t, r->buf, r->len, ps->cv,
			   ps->ncv);
		if (ps->ng.nomem)
			ps->nomem = true;
		else
			fwrite(ps->ng.b, 1, ps->ng.len, ps->f);
		return;
	}
	/* The dumper was opened with nanosecond precision: tv_usec holds
	 * nanoseconds. Simulated time 0 is the epoch. */
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)(r->t / 1000000000);
	h.ts.tv_usec = (suseconds_t)(r->t % 1000000000);
	h.caplen = h.len = r->len;
	pcap_dump((u_char *)ps->dump, &h, r->buf);
}

/* Is the first record complete: is all that will be said of it said by
 * time now? A received segment's discard comes at its arrival time, a
 * sent one's fate whenever it is known. */
static bool ready(const struct cap_sink *ps, const struct cap_rec *r,
		  sim_time_t now)
{
	if (r->recv)
		return r->t < now;
	const struct cap_ent *e = find(ps, r->key);
	return !e || (e->fate != FATE_PENDING && e->fate_t < now);
}

/* Write the records complete before now, in order (all of them at the
 * end); then forget the segments no record waits for. */
static void flush(struct cap_sink *ps, sim_time_t now, bool all)
{
	while (ps->recs.n && !ps->nomem) {
		struct cap_rec *r = rec(ps, 0);
		if (!all && !ready(ps, r, now))
			break;
		rec_write(ps, r);
		ring_pop(&ps->recs);
	}
	while (ps->ents.n) {
		struct cap_ent *e = ent(ps, 0);
		if (!all && (e->refs || e->fate == FATE_PENDING ||
			     e->fate_t >= now))
			break;
		ring_pop(&ps->ents);
	}
}

/* ---- events ---------------------------------------------------------- */

static void link_event(struct cap_sink *ps, const struct trace_event *ev,
		       uint64_t key)
{
	struct cap_ent *e = find(ps, key);
	char c[160], sp[32];
	if (strcmp(ev->name, "duplicate") == 0) {
		alias_add(ps, (uint64_t)ev->v[0], key, true, ev->text);
		if (e)
			note(ps, &e->net, "duplicated by the network: copy "
					  "pkt=%lld (%s)",
			     (long long)ev->v[0], cause(ev, c));
	} else if (!e) {
		return;
	} else if (strcmp(ev->name, "delay") == 0) {
		note(ps, &e->net, "delayed %s more (%s)", span(ev->v[0], sp),
		     cause(ev, c));
	} else if (strcmp(ev->name, "corrupt") == 0) {
		note(ps, &e->net, "corrupted (%s)", cause(ev, c));
	} else if (strcmp(ev->name, "mark-ce") == 0) {
		note(ps, &e->net, "marked CE (%s)", cause(ev, c));
	} else if (strcmp(ev->name, "hold") == 0) {
		note(ps, &e->net, "held (%s)", cause(ev, c));
	} else {
		note(ps, &e->net, "%s (%s)", ev->name, cause(ev, c));
	}
}

static void cap_emit(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev)
{
	struct cap_sink *ps = (struct cap_sink *)s;
	if (ps->nomem)
		return;
	flush(ps, ev->t, false);
	const struct pcap_opts *o = &ps->o;
	if (!ev->seg)
		return; /* a link going down or up */
	const struct cap_alias *al = ev->kind == TR_SEND ? NULL
							 : alias_of(ps, ev->pkt);
	uint64_t key = al ? al->orig : ev->pkt;
	bool copy = al && al->dup;
	struct cap_ent *e = NULL;
	char c[160];
	switch (ev->kind) {
	case TR_SEND:
		if ((ev->b & TR_SEND_FORWARDED) && ps->follow) {
			alias_add(ps, ev->pkt, (uint64_t)ev->v[0], false, NULL);
			break;
		}
		if (o->at == PCAP_AT_LINK && !on_link(ps, ev))
			break;
		on_send(ps, tr, ev);
		if (o->at == PCAP_AT_SENDER || o->at == PCAP_AT_LINK ||
		    (o->at == PCAP_AT_HOST && ev->host == o->a))
			rec_add(ps, ev, ev->pkt, false);
		break;
	case TR_RECV: {
		if (ps->follow && !at_end(tr, ev))
			break;
		e = find(ps, key);
		if (e && !copy && e->fate == FATE_PENDING) {
			e->fate = FATE_ARRIVED;
			e->fate_t = ev->t;
		}
		if (o->at == PCAP_AT_RECEIVER ||
		    (o->at == PCAP_AT_HOST && ev->host == o->a)) {
			struct cap_rec *r = rec_add(ps, ev, key, true);
			if (r && copy)
				note(ps, &r->own, "duplicate of pkt=%llu made "
						  "by the network (%s%s)",
				     (unsigned long long)key,
				     al->rule ? "rule " : "",
				     al->rule ? al->rule : "random duplication");
		}
		break;
	}
	case TR_DROP:
		e = find(ps, key);
		if (e && !copy && e->fate == FATE_PENDING) {
			e->fate = FATE_LOST;
			e->fate_t = ev->t;
			note(ps, &e->end, "lost: %s", cause(ev, c));
		}
		break;
	case TR_IGNORE:
		e = find(ps, key);
		if (e && !copy)
			note(ps, &e->end, "discarded by the receiver: %s",
			     ev->why ? ev->why : "?");
		/* and the received packet it is, arrived just now */
		for (size_t i = ps->recs.n; i-- > 0;) {
			struct cap_rec *r = rec(ps, i);
			if (r->t != ev->t)
				break;
			if (r->recv && r->pkt == ev->pkt) {
				note(ps, &r->own, "discarded by the receiver: "
						  "%s",
				     ev->why ? ev->why : "?");
				break;
			}
		}
		break;
	case TR_LINK:
		link_event(ps, ev, key);
		break;
	default:
		break;
	}
}

static int cap_finish(struct trace_sink *s, const struct trace *tr)
{
	(void)tr;
	struct cap_sink *ps = (struct cap_sink *)s;
	flush(ps, 0, true);
	if (ps->nomem) {
		snprintf(ps->error, sizeof ps->error,
			 "pcap: out of memory for the capture");
		ps->base.error = ps->error;
		return -1;
	}
	errno = 0;
	FILE *f = ps->dump ? pcap_dump_file(ps->dump) : ps->f;
	if ((ps->dump ? pcap_dump_flush(ps->dump) : fflush(f)) != 0 ||
	    ferror(f)) {
		snprintf(ps->error, sizeof ps->error, "pcap: write failed: %s",
			 errno ? strerror(errno) : "I/O error");
		ps->base.error = ps->error;
		return -1;
	}
	return 0;
}

static void notes_free(struct notes *nt)
{
	free(nt->s);
}

static void cap_destroy(struct trace_sink *s)
{
	struct cap_sink *ps = (struct cap_sink *)s;
	if (ps->dump)
		pcap_dump_close(ps->dump); /* closes our dup, not the caller's */
	if (ps->pd)
		pcap_close(ps->pd);
	for (size_t i = 0; i < ps->recs.cap; i++) {
		struct cap_rec *r = (struct cap_rec *)(ps->recs.v +
						       i * ps->recs.elem);
		free(r->buf);
		notes_free(&r->own);
	}
	for (size_t i = 0; i < ps->ents.cap; i++) {
		struct cap_ent *e = (struct cap_ent *)(ps->ents.v +
						       i * ps->ents.elem);
		notes_free(&e->net);
		notes_free(&e->end);
	}
	free(ps->recs.v);
	free(ps->ents.v);
	free(ps->alias);
	free(ps->map6);
	free(ps->cv);
	pcapng_free(&ps->ng);
	free(ps);
}

/* libpcap's dumper on a stream of its own. pcap_dump_close() closes the
 * stream it wrote to, and the caller owns f (it syncs and renames it
 * after finish): libpcap gets a duplicate of f's descriptor, flushed at
 * finish, closed at destroy. */
static int open_dumper(struct cap_sink *ps, FILE *f, char *err, size_t n)
{
	ps->pd = pcap_open_dead_with_tstamp_precision(
		DLT_RAW, CAP_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (!ps->pd) {
		snprintf(err, n, "libpcap cannot make a raw-IP capture");
		return -1;
	}
	if (fflush(f) != 0) {
		snprintf(err, n, "%s", strerror(errno));
		return -1;
	}
	int fd = dup(fileno(f));
	if (fd < 0) {
		snprintf(err, n, "%s", strerror(errno));
		return -1;
	}
	FILE *df = fdopen(fd, "wb");
	if (!df) {
		snprintf(err, n, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	ps->dump = pcap_dump_fopen(ps->pd, df);
	if (!ps->dump) {
		snprintf(err, n, "%s", pcap_geterr(ps->pd));
		fclose(df);
		return -1;
	}
	return 0;
}

struct trace_sink *sink_pcap_open(FILE *f, const struct pcap_opts *o,
				  char *err, size_t n)
{
	struct cap_sink *ps = calloc(1, sizeof *ps);
	if (!ps) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	ps->o = *o;
	ps->o.map6 = NULL;
	ps->f = f;
	ps->follow = o->at == PCAP_AT_SENDER || o->at == PCAP_AT_RECEIVER;
	ps->ents.elem = sizeof(struct cap_ent);
	ps->recs.elem = sizeof(struct cap_rec);
	if (o->nmap6) {
		ps->map6 = malloc(o->nmap6 * sizeof *o->map6);
		if (!ps->map6) {
			snprintf(err, n, "out of memory");
			goto fail;
		}
		memcpy(ps->map6, o->map6, o->nmap6 * sizeof *o->map6);
	}
	ps->base.emit = cap_emit;
	ps->base.finish = cap_finish;
	ps->base.destroy = cap_destroy;
	ps->base.mask = TR_BIT(TR_SEND) | TR_BIT(TR_RECV) | TR_BIT(TR_DROP);
	if (o->ng) {
		ps->base.mask |= TR_BIT(TR_IGNORE) | TR_BIT(TR_LINK);
		/* the file says only what the run makes: no clock, no
		 * machine, no version that changes from build to build */
		pcapng_shb(&ps->ng, "tcpsim");
		pcapng_idb(&ps->ng, DLT_RAW, CAP_SNAPLEN, o->where);
		if (ps->ng.nomem ||
		    fwrite(ps->ng.b, 1, ps->ng.len, f) != ps->ng.len) {
			snprintf(err, n, "cannot write the pcapng header");
			goto fail;
		}
	} else {
		if (open_dumper(ps, f, err, n) < 0)
			goto fail;
	}
	return &ps->base;
fail:
	cap_destroy(&ps->base);
	return NULL;
}

struct trace_sink *sink_pcap_new(FILE *f, char *err, size_t n)
{
	struct pcap_opts o = {.at = PCAP_AT_SENDER, .a = -1, .b = -1};
	return sink_pcap_open(f, &o, err, n);
}

struct trace_sink *sink_pcap_new6(FILE *f, const struct pcap_addr6 *map,
				  size_t nmap, char *err, size_t n)
{
	struct pcap_opts o = {.at = PCAP_AT_SENDER, .a = -1, .b = -1,
			      .v6 = true, .map6 = map, .nmap6 = nmap};
	return sink_pcap_open(f, &o, err, n);
}
