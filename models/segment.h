/* segment.h — a TCP segment as the models see it: the header fields of
 * RFC 9293 §3.1 plus the payload bytes.
 *
 * Addresses are IPv4 in host byte order. The MSS option is the only option
 * modelled so far; a zero `mss` means the option is absent. `data` points at
 * `len` payload bytes owned by whoever built the segment.
 */
#ifndef TCPSIM_SEGMENT_H
#define TCPSIM_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Control bits, as in the header's flags byte (RFC 9293 §3.1). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

struct tcp_seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t wnd;
	uint16_t up;   /* urgent pointer */
	uint8_t flags;
	uint16_t mss;  /* MSS option, 0 = absent */
	uint32_t len;  /* payload length */
	const uint8_t *data;
};

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

/* Bytes of the headers of the IPv4 packet that carries s: IPv4 and TCP,
 * 20 each without options, and the MSS option (kind 2, length 4, RFC 9293
 * §3.2) when s has one. */
static inline uint32_t tcp_seg_hdr_len(const struct tcp_seg *s)
{
	return 20 + 20 + (s->mss ? 4u : 0u);
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
