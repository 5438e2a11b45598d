/* segment.c — flag names, address text, and options as bytes. */
#include "models/segment.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	uint8_t bit;
	const char *name;
} flag_names[] = {
	{TCP_SYN, "SYN"}, {TCP_FIN, "FIN"}, {TCP_RST, "RST"}, {TCP_PSH, "PSH"},
	{TCP_ACK, "ACK"}, {TCP_URG, "URG"}, {TCP_ECE, "ECE"}, {TCP_CWR, "CWR"},
};

size_t tcp_flags_fmt(uint8_t flags, char *buf, size_t n)
{
	size_t len = 0;
	if (n == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		int w = snprintf(buf + len, n - len, "%s%s", len ? "," : "",
				 flag_names[i].name);
		if (w < 0 || (size_t)w >= n - len)
			return len;
		len += (size_t)w;
	}
	if (len == 0 && n > 1) {
		buf[0] = '-';
		buf[1] = '\0';
		len = 1;
	}
	return len;
}

uint8_t tcp_flag_parse(const char *name)
{
	for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
		if (strcasecmp(name, flag_names[i].name) == 0)
			return flag_names[i].bit;
	return 0;
}

void ip4_fmt(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(a >> 24) & 255,
		 (unsigned)(a >> 16) & 255, (unsigned)(a >> 8) & 255,
		 (unsigned)a & 255);
}

int ip4_parse(const char *s, uint32_t *out)
{
	uint32_t a = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			if (++digits > 3 || v > 255)
				return -1;
			s++;
		}
		if (digits == 0)
			return -1;
		a = (a << 8) | v;
		if (part < 3) {
			if (*s != '.')
				return -1;
			s++;
		}
	}
	if (*s != '\0')
		return -1;
	*out = a;
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static uint8_t *put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, v >> 16), v & 0xffff);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

static uint8_t *put_ts(uint8_t *p, const struct tcp_seg *s)
{
	*p++ = TCPOPT_TS;
	*p++ = 10;
	return put32(put32(p, s->tsval), s->tsecr);
}

/* How many SACK blocks, the most recent first, fit in `room` bytes: the
 * option takes 2 + 8·n. */
static uint32_t sack_fit(const struct tcp_seg *s, int room)
{
	uint32_t n = s->nsack > TCP_MAX_SACK ? TCP_MAX_SACK : s->nsack;
	while (n && (int)(2 + 8 * n) > room)
		n--;
	return n;
}

static uint8_t *put_sack(uint8_t *p, const struct tcp_seg *s, uint32_t n)
{
	*p++ = TCPOPT_SACK;
	*p++ = (uint8_t)(2 + 8 * n);
	for (uint32_t i = 0; i < n; i++)
		p = put32(put32(p, s->sack[i].start), s->sack[i].end);
	return p;
}

/* Linux, tcp_options_write: every option starts on a word boundary, the
 * nops in front of it. */
static uint32_t encode_linux(const struct tcp_seg *s, uint8_t *out)
{
	uint8_t *p = out;
	if (s->mss) {
		*p++ = TCPOPT_MSS;
		*p++ = 4;
		p = put16(p, s->mss);
	}
	if (s->opts & TCP_OPT_TS) {
		if (s->opts & TCP_OPT_SACKOK) {
			*p++ = TCPOPT_SACKOK;
			*p++ = 2;
		} else {
			*p++ = TCPOPT_NOP;
			*p++ = TCPOPT_NOP;
		}
		p = put_ts(p, s);
	}
	if (s->opts & TCP_OPT_WS) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_WS;
		*p++ = 3;
		*p++ = s->wscale;
	}
	if ((s->opts & TCP_OPT_SACKOK) && !(s->opts & TCP_OPT_TS)) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACKOK;
		*p++ = 2;
	}
	uint32_t n = sack_fit(s, TCP_MAX_OPTLEN - (int)(p - out) - 2);
	if (n) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		p = put_sack(p, s, n);
	}
	return (uint32_t)(p - out);
}

/* Nops until the length is `mod` modulo 4 and not 0 (FreeBSD's
 * "while (!optlen || optlen % 4 != mod)"), or just modulo 4 if !nz. */
static uint8_t *align(uint8_t *out, uint8_t *p, uint32_t mod, int nz)
{
	while ((nz && p == out) || (uint32_t)(p - out) % 4 != mod)
		*p++ = TCPOPT_NOP;
	return p;
}

/* FreeBSD, tcp_addoptions: in the order mss, wscale, sackOK, TS, sack;
 * each aligned as its value likes; EOL and zeros to a whole word. */
static uint32_t encode_freebsd(const struct tcp_seg *s, uint8_t *out)
{
	uint8_t *p = out;
	if (s->mss) {
		p = align(out, p, 0, 0);
		*p++ = TCPOPT_MSS;
		*p++ = 4;
		p = put16(p, s->mss);
	}
	if (s->opts & TCP_OPT_WS) {
		p = align(out, p, 1, 1);
		*p++ = TCPOPT_WS;
		*p++ = 3;
		*p++ = s->wscale;
	}
	if (s->opts & TCP_OPT_SACKOK) {
		while ((p - out) % 2)
			*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACKOK;
		*p++ = 2;
	}
	if (s->opts & TCP_OPT_TS) {
		p = align(out, p, 2, 1);
		p = put_ts(p, s);
	}
	if (s->nsack) {
		uint8_t *q = align(out, p, 2, 1);
		uint32_t n = sack_fit(s, TCP_MAX_OPTLEN - (int)(q - out));
		if (n)
			p = put_sack(q, s, n);
	}
	if ((p - out) % 4)
		*p++ = TCPOPT_EOL;
	while ((p - out) % 4)
		*p++ = 0;
	return (uint32_t)(p - out);
}

uint32_t tcp_opts_encode(const struct tcp_seg *s, uint8_t *out)
{
	uint32_t n = s->layout == TCP_LAYOUT_FREEBSD ? encode_freebsd(s, out)
						      : encode_linux(s, out);
	/* a word boundary: Linux's options all end on one */
	while (n % 4)
		out[n++] = TCPOPT_EOL;
	return n;
}

uint32_t tcp_opts_len_slow(const struct tcp_seg *s)
{
	uint8_t buf[TCP_MAX_OPTLEN + 8];
	return tcp_opts_encode(s, buf);
}

int tcp_opts_decode(const uint8_t *p, uint32_t n, struct tcp_seg *s)
{
	s->mss = 0;
	s->opts = 0;
	s->nsack = 0;
	uint32_t i = 0;
	while (i < n) {
		uint8_t kind = p[i];
		if (kind == TCPOPT_EOL)
			return 0;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || p[i + 1] < 2 || i + p[i + 1] > n)
			return -1;
		uint8_t len = p[i + 1];
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case TCPOPT_MSS:
			if (len != 4)
				return -1;
			s->mss = (uint16_t)get16(v);
			break;
		case TCPOPT_WS:
			if (len != 3)
				return -1;
			s->opts |= TCP_OPT_WS;
			s->wscale = v[0];
			break;
		case TCPOPT_SACKOK:
			if (len != 2)
				return -1;
			s->opts |= TCP_OPT_SACKOK;
			break;
		case TCPOPT_TS:
			if (len != 10)
				return -1;
			s->opts |= TCP_OPT_TS;
			s->tsval = get32(v);
			s->tsecr = get32(v + 4);
			break;
		case TCPOPT_SACK:
			if ((len - 2) % 8 || len == 2)
				return -1;
			for (uint32_t k = 0; k < (uint32_t)(len - 2) / 8 &&
					     s->nsack < TCP_MAX_SACK; k++) {
				s->sack[s->nsack].start = get32(v + 8 * k);
				s->sack[s->nsack].end = get32(v + 8 * k + 4);
				s->nsack++;
			}
			break;
		default:
			break; /* skipped by its length */
		}
		i += len;
	}
	return 0;
}
