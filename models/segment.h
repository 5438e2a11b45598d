/* segment.h — a TCP segment as the models see it: the header fields of
 * RFC 9293 §3.1 plus the payload bytes.
 *
 * Addresses are IPv4 in host byte order. Options: MSS (a zero `mss` means
 * absent), window scale, timestamps and SACK-permitted (bits in `opts`),
 * and up to four SACK blocks. `layout` says in which order and with which
 * padding a stack writes them (tcp_opts_encode), so that the bytes are
 * those that stack would send. The `len` payload bytes are either at
 * `data`, owned by whoever built the segment, or, with `data` NULL, bytes
 * [src_off, src_off + len) of the byte stream `src`: a segment carries a
 * reference into its sender's stream, and the bytes are written out only
 * where someone asks for them (tcp_seg_payload: a pcap, a receiver that
 * reads bytes).
 */
#ifndef TCPSIM_SEGMENT_H
#define TCPSIM_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Control bits, as in the header's flags byte (RFC 9293 §3.1). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Options present, besides MSS (RFC 7323, RFC 2018). */
#define TCP_OPT_WS 0x01     /* window scale: `wscale` */
#define TCP_OPT_TS 0x02     /* timestamps: `tsval`, `tsecr` */
#define TCP_OPT_SACKOK 0x04 /* SACK permitted */

/* Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACKOK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8

#define TCP_MAX_SACK 4      /* blocks that fit in 40 bytes of options */
#define TCP_MAX_OPTLEN 40   /* a header of at most 60 bytes */
#define TCP_MAX_WSCALE 14   /* RFC 7323 §2.3 */

/* How a stack lays its options out. */
enum tcp_opt_layout {
	/* Linux's tcp_options_write: mss, sackOK with TS as one word (or
	 * nop,nop,TS; nop,nop,sackOK), nop,wscale, nop,nop,sack; RFC 7323
	 * appendix A's layout too */
	TCP_LAYOUT_LINUX,
	/* FreeBSD's tcp_addoptions: mss, nop,wscale, sackOK, TS and sack
	 * each after the nops that align it, eol padding at the end */
	TCP_LAYOUT_FREEBSD,
};

struct tcp_sack_block {
	uint32_t start, end; /* [start, end) */
};

/* The ECN field of the IP header that carries a segment (RFC 3168 §5). */
enum {
	TCP_IP_NOT_ECT = 0,
	TCP_IP_ECT1 = 1,
	TCP_IP_ECT0 = 2,
	TCP_IP_CE = 3,
};

/* A byte stream that can write out any stretch of itself: what a sender's
 * application writes (models/app.c), known by offset from its start. */
struct tcp_src {
	void (*fill)(const struct tcp_src *src, uint64_t off, uint32_t n,
		     uint8_t *out);
};

struct tcp_seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t wnd;
	uint16_t up;   /* urgent pointer */
	uint8_t flags;
	uint16_t mss;  /* MSS option, 0 = absent */
	uint8_t opts;  /* TCP_OPT_* present */
	uint8_t wscale;
	uint8_t nsack; /* SACK blocks, most recent first */
	uint8_t layout; /* enum tcp_opt_layout */
	uint8_t ecn;    /* the IP header's ECN codepoint (TCP_IP_*) */
	bool from_conn; /* sent by a simulated connection, not injected (a
			   connection counts once against max-conns: a
			   SYN from one makes a child that does not) */
	uint32_t tsval, tsecr;
	struct tcp_sack_block sack[TCP_MAX_SACK];
	uint32_t len;  /* payload length */
	const uint8_t *data;
	const struct tcp_src *src; /* if data is NULL: the payload's stream */
	uint64_t src_off;          /* and its offset there */
};

/* Write the first n (at most len) of s's payload bytes into out (zeros
 * if it has neither bytes nor a stream). */
static inline void tcp_seg_payload(const struct tcp_seg *s, uint32_t n,
				   uint8_t *out)
{
	if (!n)
		return;
	if (s->data)
		memcpy(out, s->data, n);
	else if (s->src)
		s->src->fill(s->src, s->src_off, n, out);
	else
		memset(out, 0, n);
}

/* Sequence-space comparisons, modulo 2^32 (RFC 9293 §3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

/* SEG.LEN: sequence space the segment occupies (data, SYN and FIN). */
static inline uint32_t tcp_seg_seqlen(const struct tcp_seg *s)
{
	return s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
}

/* Bytes of s's options as its layout writes them, padded to a whole
 * number of 32-bit words; at most TCP_MAX_OPTLEN (SACK blocks that do not
 * fit are left out, the oldest first). */
uint32_t tcp_opts_len_slow(const struct tcp_seg *s);
static inline uint32_t tcp_opts_len(const struct tcp_seg *s)
{
	if (!s->opts && !s->nsack)
		return s->mss ? 4u : 0u; /* kind 2, length 4 */
	return tcp_opts_len_slow(s);
}

/* Write s's options into out (TCP_MAX_OPTLEN bytes); returns their
 * length, tcp_opts_len(s). */
uint32_t tcp_opts_encode(const struct tcp_seg *s, uint8_t *out);

/* Read n bytes of options into s's option fields (RFC 9293 §3.2: an
 * unknown kind is skipped by its length; EOL ends the list). Returns 0, or
 * -1 if the list is malformed (a length below 2 or past the end, or a
 * known option of the wrong length); s then holds what came before. */
int tcp_opts_decode(const uint8_t *p, uint32_t n, struct tcp_seg *s);

/* Bytes of the headers of the IPv4 packet that carries s: IPv4 and TCP,
 * 20 each without options, and its options. */
static inline uint32_t tcp_seg_hdr_len(const struct tcp_seg *s)
{
	return 20 + 20 + tcp_opts_len(s);
}

/* The IPv4 Total Length of the packet that carries s: its headers and
 * payload. The link's MTU, transmitter and rules (ip-len) and the pcap
 * all measure a segment by it. */
static inline uint32_t tcp_seg_ip_len(const struct tcp_seg *s)
{
	return tcp_seg_hdr_len(s) + s->len;
}

/* Write the flags as "SYN,ACK" (SYN FIN RST PSH ACK URG ECE CWR order, "-"
 * if none); returns the length written (buffer of 32 bytes suffices). */
size_t tcp_flags_fmt(uint8_t flags, char *buf, size_t n);
/* Parse one flag name ("SYN", "ack", ...); returns its bit or 0. */
uint8_t tcp_flag_parse(const char *name);
/* Write an IPv4 address in dotted form; buf needs 16 bytes. */
void ip4_fmt(uint32_t addr, char *buf);
/* Parse a dotted IPv4 address; returns 0 on success. */
int ip4_parse(const char *s, uint32_t *out);

#endif
