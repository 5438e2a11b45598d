/* check_pcap.c — the pcap sink's packets, byte by byte: the IPv4 header
 * (RFC 791) and the IPv6 header (RFC 8200) in front of the same TCP
 * segment, addresses as the map gives them, the fate in the TTL or Hop
 * Limit, and a TCP checksum that verifies over each family's
 * pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1). The file is read back
 * here as the pcap format lays it out, not through the sink's code. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "models/segment.h"
#include "sim/out/sinks.h"
#include "suites.h"

#define A_LOCAL 0xc0a80001u  /* 192.168.0.1 */
#define A_REMOTE 0xc0000201u /* 192.0.2.1 */

enum { MAXPKTS = 4, MAXLEN = 256 };

struct capture {
	int n;
	uint32_t len[MAXPKTS];
	uint8_t b[MAXPKTS][MAXLEN];
};

/* The segment the tests send: a SYN with an MSS option and 4 bytes. */
static struct tcp_seg syn(void)
{
	static const uint8_t data[4] = {'a', 'b', 'c', 'd'};
	struct tcp_seg s = {
		.saddr = A_LOCAL, .daddr = A_REMOTE, .sport = 8080,
		.dport = 51000, .seq = 0x01020304u, .ack = 0, .wnd = 65535,
		.flags = TCP_SYN, .mss = 1460, .len = 4, .data = data,
	};
	return s;
}

static void send_ev(struct trace_sink *sk, const struct trace *tr,
		    const struct tcp_seg *s, uint64_t pkt, enum trace_kind k)
{
	struct trace_event ev = {.t = SIM_MS(5), .kind = k, .host = 0,
				 .peer = 1, .pkt = pkt, .seg = s};
	sk->emit(sk, tr, &ev);
}

/* Run the sink over events; read the file back record by record. */
static void capture(struct trace_sink *sk, FILE *f, struct capture *c)
{
	struct trace tr;
	memset(&tr, 0, sizeof tr);
	ck_assert_int_eq(sk->finish(sk, &tr), 0);
	sk->destroy(sk);
	fflush(f);
	rewind(f);
	uint8_t gh[24];
	ck_assert_uint_eq(fread(gh, 1, sizeof gh, f), sizeof gh);
	uint32_t magic, linktype;
	memcpy(&magic, gh, 4);
	memcpy(&linktype, gh + 20, 4);
	ck_assert_uint_eq(magic, 0xa1b23c4du); /* nanosecond pcap */
	ck_assert_uint_eq(linktype, 101);      /* LINKTYPE_RAW */
	c->n = 0;
	uint8_t rh[16];
	while (fread(rh, 1, sizeof rh, f) == sizeof rh) {
		ck_assert_int_lt(c->n, MAXPKTS);
		uint32_t caplen;
		memcpy(&caplen, rh + 8, 4);
		ck_assert_uint_le(caplen, MAXLEN);
		ck_assert_uint_eq(fread(c->b[c->n], 1, caplen, f), caplen);
		c->len[c->n++] = caplen;
	}
	fclose(f);
}

/* The SYN sent as pkt and arrived, through the sink on f. */
static void one_syn(struct trace_sink *sk, FILE *f, uint64_t pkt,
		    struct capture *c)
{
	ck_assert_ptr_nonnull(sk);
	struct trace tr;
	memset(&tr, 0, sizeof tr);
	struct tcp_seg s = syn();
	send_ev(sk, &tr, &s, pkt, TR_SEND);
	send_ev(sk, &tr, &s, pkt, TR_RECV);
	capture(sk, f, c);
	ck_assert_int_eq(c->n, 1);
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

/* The 16-bit one's-complement sum of a byte string, folded. */
static uint32_t ones_sum(uint64_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc += i % 2 ? p[i] : (uint64_t)p[i] << 8;
	while (acc > 0xffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

/* TCP's header and data from `tcp` on: the fields the segment gave. */
static void assert_tcp(const uint8_t *tcp, uint32_t tcplen)
{
	ck_assert_uint_eq(tcplen, 24 + 4);
	ck_assert_uint_eq(be16(tcp), 8080);
	ck_assert_uint_eq(be16(tcp + 2), 51000);
	ck_assert_uint_eq(be32(tcp + 4), 0x01020304u);
	ck_assert_uint_eq(tcp[12] >> 4, 6); /* data offset: 24 bytes */
	ck_assert_uint_eq(tcp[13], TCP_SYN);
	ck_assert_uint_eq(be16(tcp + 14), 65535);
	ck_assert_uint_eq(tcp[20], 2); /* MSS, 4 bytes, 1460 */
	ck_assert_uint_eq(tcp[21], 4);
	ck_assert_uint_eq(be16(tcp + 22), 1460);
	ck_assert_mem_eq(tcp + 24, "abcd", 4);
}

START_TEST(ipv4_header)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	char err[128];
	struct capture c;
	one_syn(sink_pcap_new(f, err, sizeof err), f, 0x12345, &c);
	const uint8_t *ip = c.b[0];
	ck_assert_uint_eq(c.len[0], 20 + 28);
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(be16(ip + 2), 48);     /* Total Length */
	ck_assert_uint_eq(be16(ip + 4), 0x2345); /* pkt mod 2^16 */
	ck_assert_uint_eq(be16(ip + 6), 0x4000); /* DF */
	ck_assert_uint_eq(ip[8], 64);            /* arrived */
	ck_assert_uint_eq(ip[9], 6);
	ck_assert_uint_eq(be32(ip + 12), A_LOCAL);
	ck_assert_uint_eq(be32(ip + 16), A_REMOTE);
	ck_assert_uint_eq(ones_sum(0, ip, 20), 0xffff);
	assert_tcp(ip + 20, 28);
	/* pseudo-header: addresses, zero, protocol, TCP length */
	uint64_t ph = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) +
		      be16(ip + 18) + 6 + 28;
	ck_assert_uint_eq(ones_sum(ph, ip + 20, 28), 0xffff);
}
END_TEST

START_TEST(ipv6_header)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	char err[128];
	struct pcap_addr6 map[1] = {{.label = A_LOCAL,
				     .addr = {0xfd, 0x3d, 0xfa, 0x7b, 0xd1,
					      0x7d, [15] = 1}}};
	struct capture c;
	one_syn(sink_pcap_new6(f, map, 1, err, sizeof err), f, 0x123456, &c);
	const uint8_t *ip = c.b[0];
	ck_assert_uint_eq(c.len[0], 40 + 28);
	/* version 6, traffic class 0, flow label pkt mod 2^20 */
	ck_assert_uint_eq(be32(ip), 0x60023456u);
	ck_assert_uint_eq(be16(ip + 4), 28); /* Payload Length */
	ck_assert_uint_eq(ip[6], 6);         /* Next Header: TCP */
	ck_assert_uint_eq(ip[7], 64);        /* Hop Limit: arrived */
	ck_assert_mem_eq(ip + 8, map[0].addr, 16);
	/* a label the map lacks: IPv4-mapped, ::ffff:192.0.2.1 */
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff,
					   [12] = 192, [13] = 0, [14] = 2,
					   [15] = 1};
	ck_assert_mem_eq(ip + 24, mapped, 16);
	assert_tcp(ip + 40, 28);
	/* pseudo-header: addresses, upper-layer length, next header */
	uint64_t ph = 28 + 6;
	for (int i = 8; i < 40; i += 2)
		ph += be16(ip + i);
	ck_assert_uint_eq(ones_sum(ph, ip + 40, 28), 0xffff);
}
END_TEST

/* The fate, as in IPv4's TTL: 0 lost, 1 not known when the run ended;
 * records in send order whatever order the fates come in. */
START_TEST(ipv6_fates)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	char err[128];
	struct trace_sink *sk = sink_pcap_new6(f, NULL, 0, err, sizeof err);
	ck_assert_ptr_nonnull(sk);
	struct trace tr;
	memset(&tr, 0, sizeof tr);
	struct tcp_seg s = syn();
	send_ev(sk, &tr, &s, 1, TR_SEND);
	send_ev(sk, &tr, &s, 2, TR_SEND);
	send_ev(sk, &tr, &s, 2, TR_DROP);
	struct capture c;
	capture(sk, f, &c);
	ck_assert_int_eq(c.n, 2);
	ck_assert_uint_eq(be32(c.b[0]) & 0xfffff, 1);
	ck_assert_uint_eq(c.b[0][7], 1);
	ck_assert_uint_eq(be32(c.b[1]) & 0xfffff, 2);
	ck_assert_uint_eq(c.b[1][7], 0);
}
END_TEST

Suite *pcap_suite(void)
{
	Suite *s = suite_create("pcap");
	TCase *tc = tcase_create("headers");
	tcase_add_test(tc, ipv4_header);
	tcase_add_test(tc, ipv6_header);
	tcase_add_test(tc, ipv6_fates);
	suite_add_tcase(s, tc);
	return s;
}
