/* sink_pcap.c — every segment a host sends, as a classic pcap record of
 * IPv4 + TCP (LINKTYPE_RAW), written with libpcap (docs/pcap.md); or of
 * IPv6 + TCP, each address label standing for the IPv6 address a map
 * gives it (sink_pcap_new6: `tcpsim pkt` with an IPv6 script).
 *
 * The capture point is the sender: a segment appears at its send time
 * whether or not the network delivers it. Routers are not senders: a
 * segment a router forwards is followed to its fate (arrived at its
 * destination, or lost on any link or router of the way) and recorded
 * once, as its host sent it. sink_pcap_new_at captures one link
 * instead, or one host's sending on all of its links: the segments that
 * enter the link, forwarded or not, and their fate on it. Its fate is told in the IPv4
 * header: TTL 64 it arrived, TTL 0 the network lost it, TTL 1 it was still
 * on the way (or held) when the run ended; the Identification field is the
 * trace's pkt number modulo 2^16. In IPv6 the Hop Limit tells the fate,
 * with the same values, and the Flow Label holds the pkt number modulo
 * 2^20. A drop can be traced long after the send
 * (the link going down with the segment on the wire, a crashed
 * destination), so records wait in a FIFO, in send order, and go out as
 * soon as the oldest one's fate is known, the rest at finish. The FIFO is a ring of slots that
 * keep their buffers, doubled when full: no malloc per segment once it has
 * grown to the run's largest number of segments in flight.
 *
 * Copies the network makes (link action=duplicate) are not captured: no
 * host sent them. Corruption is not shown either: the record is the
 * segment as sent, with checksums that verify.
 *
 * Limits: an IPv4 packet holds at most 65535 bytes; the scenario loader
 * keeps injected segments within it, and should a segment not fit, its
 * payload is cut to fit, so its checksums still verify. A segment whose
 * fate stays unknown (held by a rule that nothing releases) keeps every
 * later record in memory until the run ends. libpcap writes the file in
 * the machine's byte order.
 */

/* pcap.h uses the BSD types u_int, u_char, which the Makefile's strict
 * _POSIX_C_SOURCE hides. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/engine/grow.h"
#include "models/segment.h"
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

struct cap_rec {
	uint64_t pkt;
	sim_time_t t;
	enum cap_fate fate;
	uint32_t len;        /* bytes of buf in use: the IPv4 packet */
	size_t cap;
	uint8_t *buf;        /* kept when the slot is reused */
};

/* A router's copy of a segment, and the segment its host first sent. */
struct cap_alias {
	uint64_t fwd, orig;
};

struct cap_sink {
	struct trace_sink base;
	/* where it captures: the senders (a = -1), link a-b (both
	 * directions, or only a>b if one_way), or what host a sends on any
	 * link (b = -1, one_way) */
	int at_a, at_b;
	bool one_way;
	struct cap_alias *alias; /* in fwd order (numbers grow) */
	size_t nalias, alias_cap;
	pcap_t *pd;
	pcap_dumper_t *dump;
	struct cap_rec *ring;
	size_t cap, head, n; /* n records from ring[head], wrapping */
	bool v6;             /* IPv6 headers, addresses from map6 */
	struct pcap_addr6 *map6;
	size_t nmap6;
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
	return ps->v6 ? CAP_IP6_HLEN : CAP_IP_HLEN;
}

/* Bytes of the IP packet for seg, and of its payload (cut to fit: an
 * IPv4 Total Length, an IPv6 Payload Length, is 16 bits). */
static uint32_t wire_len(const struct cap_sink *ps, const struct tcp_seg *seg,
			 uint32_t *paylen)
{
	uint32_t hdr = tcp_seg_hdr_len(seg) - CAP_IP_HLEN;
	uint32_t room = CAP_IP_MAX - hdr - (ps->v6 ? 0 : CAP_IP_HLEN);
	uint32_t len = seg->len < room ? seg->len : room;
	*paylen = len;
	return ip_hlen(ps) + hdr + len;
}

/* The IPv6 address that label stands for: the map's, else the
 * IPv4-mapped address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
static void addr6(const struct cap_sink *ps, uint32_t label, uint8_t *out)
{
	for (size_t i = 0; i < ps->nmap6; i++)
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
	if (ps->v6) {
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

/* ---- the FIFO of records awaiting their fate ----------------------- */

static struct cap_rec *slot(struct cap_sink *ps, size_t i)
{
	return &ps->ring[(ps->head + i) % ps->cap];
}

/* Double the full ring; slots keep their buffers, records their order. */
static int ring_grow(struct cap_sink *ps)
{
	size_t old = ps->cap;
	if (grow(&ps->ring, &ps->cap, old + 1, sizeof *ps->ring, 64) < 0)
		return -1;
	/* The records before head wrapped around: they go on after the old
	 * end, and every other new slot starts empty. */
	struct cap_rec *r = ps->ring;
	memmove(r + old, r, ps->head * sizeof *r);
	memset(r, 0, ps->head * sizeof *r);
	memset(r + old + ps->head, 0, (ps->cap - old - ps->head) * sizeof *r);
	return 0;
}

/* Index of pkt among the pending records, or -1: pkt numbers grow in
 * send order, so the FIFO is sorted by them. */
static long find(struct cap_sink *ps, uint64_t pkt)
{
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (slot(ps, mid)->pkt < pkt)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->n && slot(ps, lo)->pkt == pkt ? (long)lo : -1;
}

static void rec_write(struct cap_sink *ps, struct cap_rec *r)
{
	uint8_t *ip = r->buf;
	uint8_t ttl = r->fate == FATE_ARRIVED ? TTL_ARRIVED
		      : r->fate == FATE_LOST  ? TTL_LOST
					      : TTL_UNKNOWN;
	if (ps->v6) {
		ip[7] = ttl; /* Hop Limit; IPv6 has no header checksum */
	} else {
		ip[8] = ttl;
		put16(ip + 10, 0);
		put16(ip + 10, csum_fold(csum_add(0, ip, CAP_IP_HLEN)));
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

/* Write the oldest records whose fate is known (all of them at the end). */
static void drain(struct cap_sink *ps, bool all)
{
	while (ps->n) {
		struct cap_rec *r = slot(ps, 0);
		if (r->fate == FATE_PENDING && !all)
			break;
		rec_write(ps, r);
		ps->head = (ps->head + 1) % ps->cap;
		ps->n--;
	}
}

static void on_send(struct cap_sink *ps, const struct trace_event *ev)
{
	if (ps->n == ps->cap && ring_grow(ps) < 0) {
		ps->nomem = true;
		return;
	}
	struct cap_rec *r = slot(ps, ps->n);
	uint32_t paylen;
	uint32_t len = wire_len(ps, ev->seg, &paylen);
	if (grow(&r->buf, &r->cap, len, 1, 128) < 0) {
		ps->nomem = true;
		return;
	}
	r->pkt = ev->pkt;
	r->t = ev->t;
	r->fate = FATE_PENDING;
	r->len = len;
	encode(ps, r->buf, ev->pkt, ev->seg);
	ps->n++;
}

/* The segment a host first sent that pkt is a router's copy of, or pkt
 * itself. */
static int cmp_alias(const void *a, const void *b)
{
	const struct cap_alias *x = a, *y = b;
	return x->fwd < y->fwd ? -1 : x->fwd > y->fwd;
}

static uint64_t origin(const struct cap_sink *ps, uint64_t pkt)
{
	struct cap_alias key = {pkt, 0};
	const struct cap_alias *a =
		ps->nalias ? bsearch(&key, ps->alias, ps->nalias,
				     sizeof *ps->alias, cmp_alias)
			   : NULL;
	return a ? a->orig : pkt;
}

/* Is the segment ev sends on the captured link? */
static bool on_link(const struct cap_sink *ps, const struct trace_event *ev)
{
	return (ev->host == ps->at_a && (ps->at_b < 0 || ev->peer == ps->at_b)) ||
	       (!ps->one_way && ev->host == ps->at_b && ev->peer == ps->at_a);
}

static void cap_emit(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev)
{
	struct cap_sink *ps = (struct cap_sink *)s;
	if (ps->nomem)
		return;
	bool at_link = ps->at_a >= 0;
	switch (ev->kind) {
	case TR_SEND:
		if (at_link) {
			if (on_link(ps, ev))
				on_send(ps, ev);
		} else if (ev->b & TR_SEND_FORWARDED) {
			/* the senders' capture follows the segment through
			 * the routers to its fate */
			if (grow(&ps->alias, &ps->alias_cap, ps->nalias + 1,
				 sizeof *ps->alias, 64) < 0) {
				ps->nomem = true;
				return;
			}
			uint64_t orig = origin(ps, (uint64_t)ev->v[0]);
			ps->alias[ps->nalias++] = (struct cap_alias){ev->pkt,
								    orig};
		} else {
			on_send(ps, ev);
		}
		break;
	case TR_RECV:
	case TR_DROP: {
		/* A copy made by the network has a pkt number no send has,
		 * and is not found. */
		long i = find(ps, at_link ? ev->pkt : origin(ps, ev->pkt));
		if (i < 0)
			return;
		/* a router that receives a segment for another address
		 * sends it on (or drops it): not yet its fate */
		if (!at_link && ev->kind == TR_RECV && ev->host >= 0 &&
		    ev->host < tr->nhosts && tr->host_addrs &&
		    tr->host_addrs[ev->host] != ev->seg->daddr)
			return;
		struct cap_rec *r = slot(ps, (size_t)i);
		if (r->fate == FATE_PENDING)
			r->fate = ev->kind == TR_RECV ? FATE_ARRIVED
						      : FATE_LOST;
		drain(ps, false);
		break;
	}
	default:
		break;
	}
}

static int cap_finish(struct trace_sink *s, const struct trace *tr)
{
	(void)tr;
	struct cap_sink *ps = (struct cap_sink *)s;
	if (ps->nomem) {
		snprintf(ps->error, sizeof ps->error,
			 "pcap: out of memory for the capture");
		ps->base.error = ps->error;
		return -1;
	}
	drain(ps, true);
	errno = 0;
	if (pcap_dump_flush(ps->dump) != 0 ||
	    ferror(pcap_dump_file(ps->dump))) {
		snprintf(ps->error, sizeof ps->error, "pcap: write failed: %s",
			 errno ? strerror(errno) : "I/O error");
		ps->base.error = ps->error;
		return -1;
	}
	return 0;
}

static void cap_destroy(struct trace_sink *s)
{
	struct cap_sink *ps = (struct cap_sink *)s;
	if (ps->dump)
		pcap_dump_close(ps->dump); /* closes our dup, not the caller's */
	if (ps->pd)
		pcap_close(ps->pd);
	for (size_t i = 0; i < ps->cap; i++)
		free(ps->ring[i].buf);
	free(ps->ring);
	free(ps->alias);
	free(ps->map6);
	free(ps);
}

static struct trace_sink *pcap_new(FILE *f, const struct pcap_addr6 *map,
				    size_t nmap, bool v6, char *err, size_t n)
{
	struct cap_sink *ps = calloc(1, sizeof *ps);
	FILE *df = NULL;
	if (!ps) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	ps->v6 = v6;
	ps->at_a = ps->at_b = -1;
	if (nmap) {
		ps->map6 = malloc(nmap * sizeof *map);
		if (!ps->map6) {
			snprintf(err, n, "out of memory");
			goto fail;
		}
		memcpy(ps->map6, map, nmap * sizeof *map);
		ps->nmap6 = nmap;
	}
	ps->base.emit = cap_emit;
	ps->base.finish = cap_finish;
	ps->base.destroy = cap_destroy;
	ps->base.mask = TR_BIT(TR_SEND) | TR_BIT(TR_RECV) | TR_BIT(TR_DROP);

	ps->pd = pcap_open_dead_with_tstamp_precision(
		DLT_RAW, CAP_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (!ps->pd) {
		snprintf(err, n, "libpcap cannot make a raw-IP capture");
		goto fail;
	}
	/* pcap_dump_close() closes the stream it wrote to, and the caller
	 * owns f (it syncs and renames it after finish): libpcap gets a
	 * stream of its own on a duplicate of f's descriptor, flushed at
	 * finish, closed at destroy. */
	if (fflush(f) != 0) {
		snprintf(err, n, "%s", strerror(errno));
		goto fail;
	}
	int fd = dup(fileno(f));
	if (fd < 0) {
		snprintf(err, n, "%s", strerror(errno));
		goto fail;
	}
	df = fdopen(fd, "wb");
	if (!df) {
		snprintf(err, n, "%s", strerror(errno));
		close(fd);
		goto fail;
	}
	ps->dump = pcap_dump_fopen(ps->pd, df);
	if (!ps->dump) {
		snprintf(err, n, "%s", pcap_geterr(ps->pd));
		fclose(df);
		goto fail;
	}
	return &ps->base;
fail:
	cap_destroy(&ps->base);
	return NULL;
}

struct trace_sink *sink_pcap_new(FILE *f, char *err, size_t n)
{
	return pcap_new(f, NULL, 0, false, err, n);
}

struct trace_sink *sink_pcap_new_at(FILE *f, int a, int b, bool one_way,
				    char *err, size_t n)
{
	struct trace_sink *s = pcap_new(f, NULL, 0, false, err, n);
	if (s) {
		struct cap_sink *ps = (struct cap_sink *)s;
		ps->at_a = a;
		ps->at_b = b;
		ps->one_way = one_way;
	}
	return s;
}

struct trace_sink *sink_pcap_new6(FILE *f, const struct pcap_addr6 *map,
				  size_t nmap, char *err, size_t n)
{
	return pcap_new(f, map, nmap, true, err, n);
}
