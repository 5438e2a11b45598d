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
#include "sim/out/pcapng.h"
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

/* ---- pcapng, read here as draft-ietf-opsawg-pcapng lays it out ----- */

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

/* A block at b: its type and length, the length repeated at its end, a
 * multiple of 4. */
static uint32_t block(const uint8_t *b, size_t room, uint32_t type)
{
	ck_assert_uint_ge(room, 12);
	ck_assert_uint_eq(le32(b), type);
	uint32_t len = le32(b + 4);
	ck_assert_uint_le(len, room);
	ck_assert_uint_eq(len % 4, 0);
	ck_assert_uint_eq(le32(b + len - 4), len);
	return len;
}

/* The option at *p: its code and value, which padding zeros follow to
 * 32 bits; *p moves past it. */
static void option(const uint8_t **p, uint32_t code, const void *v,
		   uint32_t n)
{
	ck_assert_uint_eq(le16(*p), code);
	ck_assert_uint_eq(le16(*p + 2), n);
	ck_assert_mem_eq(*p + 4, v, n);
	for (uint32_t i = n; i % 4; i++)
		ck_assert_uint_eq((*p)[4 + i], 0);
	*p += 4 + ((n + 3) & ~3u);
}

START_TEST(pcapng_section_header)
{
	struct pcapng_buf o = {0};
	pcapng_shb(&o, "tcpsim");
	ck_assert(!o.nomem);
	/* 8 + 16 of body + userappl 4 + 8 (6 and 2 of padding) + end 4 +
	 * the length again 4 */
	ck_assert_uint_eq(o.len, 44);
	ck_assert_uint_eq(block(o.b, o.len, PCAPNG_SHB), 44);
	static const uint8_t head[] = {0x0a, 0x0d, 0x0d, 0x0a, 44, 0, 0, 0,
				       0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
				       0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff};
	ck_assert_mem_eq(o.b, head, sizeof head); /* little-endian */
	const uint8_t *p = o.b + 24;
	option(&p, PCAPNG_SHB_USERAPPL, "tcpsim", 6);
	option(&p, PCAPNG_OPT_END, "", 0);
	ck_assert_ptr_eq(p, o.b + 40);
	pcapng_free(&o);
}
END_TEST

START_TEST(pcapng_interface)
{
	struct pcapng_buf o = {0};
	pcapng_idb(&o, 101, 65535, "client");
	ck_assert_uint_eq(block(o.b, o.len, PCAPNG_IDB), o.len);
	/* 8 + 8 + if_name 12 + if_tsresol 8 + end 4 + 4 */
	ck_assert_uint_eq(o.len, 44);
	ck_assert_uint_eq(le16(o.b + 8), 101);
	ck_assert_uint_eq(le16(o.b + 10), 0); /* reserved */
	ck_assert_uint_eq(le32(o.b + 12), 65535);
	const uint8_t *p = o.b + 16;
	option(&p, PCAPNG_IF_NAME, "client", 6);
	option(&p, PCAPNG_IF_TSRESOL, "\x09", 1); /* 10^-9 s */
	option(&p, PCAPNG_OPT_END, "", 0);
	ck_assert_ptr_eq(p, o.b + o.len - 4);
	pcapng_free(&o);
}
END_TEST

START_TEST(pcapng_packet)
{
	struct pcapng_buf o = {0};
	static const uint8_t pkt[5] = {1, 2, 3, 4, 5};
	const char *cv[] = {"x", "four", "§"};
	pcapng_epb(&o, UINT64_C(0x123456789abcdef0), pkt, 5, cv, 3);
	/* 8 + 20 + 8 (5 bytes, 3 of padding) + 8 + 8 + 8 + 4 + 4 */
	ck_assert_uint_eq(o.len, 68);
	ck_assert_uint_eq(block(o.b, o.len, PCAPNG_EPB), 68);
	ck_assert_uint_eq(le32(o.b + 8), 0);           /* interface */
	ck_assert_uint_eq(le32(o.b + 12), 0x12345678u); /* time, high */
	ck_assert_uint_eq(le32(o.b + 16), 0x9abcdef0u); /* and low */
	ck_assert_uint_eq(le32(o.b + 20), 5);          /* captured */
	ck_assert_uint_eq(le32(o.b + 24), 5);          /* on the wire */
	static const uint8_t data[8] = {1, 2, 3, 4, 5, 0, 0, 0};
	ck_assert_mem_eq(o.b + 28, data, 8);
	const uint8_t *p = o.b + 36;
	option(&p, PCAPNG_OPT_COMMENT, "x", 1);
	option(&p, PCAPNG_OPT_COMMENT, "four", 4);
	option(&p, PCAPNG_OPT_COMMENT, "\xc2\xa7", 2); /* UTF-8 bytes */
	option(&p, PCAPNG_OPT_END, "", 0);
	ck_assert_ptr_eq(p, o.b + o.len - 4);
	/* blocks follow one another; reset starts over */
	size_t one = o.len;
	pcapng_epb(&o, 0, pkt, 4, NULL, 0);
	ck_assert_uint_eq(block(o.b + one, o.len - one, PCAPNG_EPB), 40);
	pcapng_reset(&o);
	ck_assert_uint_eq(o.len, 0);
	pcapng_free(&o);
}
END_TEST

/* The sink writing pcapng at the receivers: a segment sent at 5 ms and
 * arrived at 25 ms is stamped 25 ms, with its sender's why and its
 * delay; a lost one is not there. */
START_TEST(pcapng_receiver)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	char err[128];
	struct pcap_opts po = {.at = PCAP_AT_RECEIVER, .a = -1, .b = -1,
			       .ng = true, .where = "receiver"};
	struct trace_sink *sk = sink_pcap_open(f, &po, err, sizeof err);
	ck_assert_ptr_nonnull(sk);
	static const char *const names[] = {"a", "b"};
	struct trace tr;
	memset(&tr, 0, sizeof tr);
	tr.nhosts = 2;
	tr.host_names = names;
	struct tcp_seg s = syn();
	struct trace_event ev[] = {
		{.t = SIM_MS(5), .kind = TR_SEND, .host = 0, .peer = 1,
		 .pkt = 1, .seg = &s, .why = "because"},
		{.t = SIM_MS(6), .kind = TR_SEND, .host = 0, .peer = 1,
		 .pkt = 2, .seg = &s, .b = TR_SEND_REXMIT,
		 .tx = TR_TX_TIMEOUT},
		{.t = SIM_MS(6), .kind = TR_DROP, .host = 0, .peer = 1,
		 .pkt = 2, .seg = &s, .text = "r", .why = "scripted rule"},
		{.t = SIM_MS(5), .kind = TR_LINK, .host = 0, .peer = 1,
		 .pkt = 1, .seg = &s, .name = "delay", .v = {SIM_MS(10)},
		 .text = "slow"},
		{.t = SIM_MS(25), .kind = TR_RECV, .host = 1, .pkt = 1,
		 .seg = &s},
	};
	for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
		sk->emit(sk, &tr, &ev[i]);
	ck_assert_int_eq(sk->finish(sk, &tr), 0);
	sk->destroy(sk);
	uint8_t b[1024];
	rewind(f);
	size_t n = fread(b, 1, sizeof b, f);
	fclose(f);
	uint32_t shb = block(b, n, PCAPNG_SHB);
	uint32_t idb = block(b + shb, n - shb, PCAPNG_IDB);
	const uint8_t *e = b + shb + idb;
	uint32_t epb = block(e, n - shb - idb, PCAPNG_EPB);
	ck_assert_uint_eq(shb + idb + epb, n); /* one packet only */
	uint64_t ts = (uint64_t)le32(e + 12) << 32 | le32(e + 16);
	ck_assert_uint_eq(ts, SIM_MS(25));
	ck_assert_uint_eq(le32(e + 20), 20 + 24 + 4);
	ck_assert_uint_eq(e[28 + 8], 64); /* TTL: arrived */
	const uint8_t *p = e + 28 + 48;
	option(&p, PCAPNG_OPT_COMMENT, "a: because", 10);
	option(&p, PCAPNG_OPT_COMMENT, "delayed 10 ms more (rule slow)", 30);
	option(&p, PCAPNG_OPT_END, "", 0);
	ck_assert_ptr_eq(p, e + epb - 4);
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
	tc = tcase_create("pcapng");
	tcase_add_test(tc, pcapng_section_header);
	tcase_add_test(tc, pcapng_interface);
	tcase_add_test(tc, pcapng_packet);
	tcase_add_test(tc, pcapng_receiver);
	suite_add_tcase(s, tc);
	return s;
}
