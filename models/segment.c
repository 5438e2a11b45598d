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

/* Where options are written: bytes at p, or, with p NULL, only counted —
 * the same code says how long the options are and what they hold. */
struct ob {
	uint8_t *p;
	uint32_t n;
};

static void ob8(struct ob *o, uint32_t v)
{
	if (o->p)
		o->p[o->n] = (uint8_t)v;
	o->n++;
}

static void ob16(struct ob *o, uint32_t v)
{
	ob8(o, v >> 8);
	ob8(o, v);
}

static void ob32(struct ob *o, uint32_t v)
{
	ob16(o, v >> 16);
	ob16(o, v & 0xffff);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

static void ob_ts(struct ob *o, const struct tcp_seg *s)
{
	ob8(o, TCPOPT_TS);
	ob8(o, 10);
	ob32(o, s->tsval);
	ob32(o, s->tsecr);
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

static void ob_sack(struct ob *o, const struct tcp_seg *s, uint32_t n)
{
	ob8(o, TCPOPT_SACK);
	ob8(o, 2 + 8 * n);
	for (uint32_t i = 0; i < n; i++) {
		ob32(o, s->sack[i].start);
		ob32(o, s->sack[i].end);
	}
}

/* Linux, tcp_options_write: every option starts on a word boundary, the
 * nops in front of it. */
static void encode_linux(const struct tcp_seg *s, struct ob *o)
{
	if (s->mss) {
		ob8(o, TCPOPT_MSS);
		ob8(o, 4);
		ob16(o, s->mss);
	}
	if (s->opts & TCP_OPT_TS) {
		if (s->opts & TCP_OPT_SACKOK) {
			ob8(o, TCPOPT_SACKOK);
			ob8(o, 2);
		} else {
			ob8(o, TCPOPT_NOP);
			ob8(o, TCPOPT_NOP);
		}
		ob_ts(o, s);
	}
	if (s->opts & TCP_OPT_WS) {
		ob8(o, TCPOPT_NOP);
		ob8(o, TCPOPT_WS);
		ob8(o, 3);
		ob8(o, s->wscale);
	}
	if ((s->opts & TCP_OPT_SACKOK) && !(s->opts & TCP_OPT_TS)) {
		ob8(o, TCPOPT_NOP);
		ob8(o, TCPOPT_NOP);
		ob8(o, TCPOPT_SACKOK);
		ob8(o, 2);
	}
	uint32_t n = sack_fit(s, TCP_MAX_OPTLEN - (int)o->n - 2);
	if (n) {
		ob8(o, TCPOPT_NOP);
		ob8(o, TCPOPT_NOP);
		ob_sack(o, s, n);
	}
}

/* Nops until the length is `mod` modulo 4 and not 0 (FreeBSD's
 * "while (!optlen || optlen % 4 != mod)"), or just modulo 4 if !nz. */
static void align(struct ob *o, uint32_t mod, int nz)
{
	while ((nz && o->n == 0) || o->n % 4 != mod)
		ob8(o, TCPOPT_NOP);
}

/* FreeBSD, tcp_addoptions: in the order mss, wscale, sackOK, TS, sack;
 * each aligned as its value likes; EOL and zeros to a whole word. */
static void encode_freebsd(const struct tcp_seg *s, struct ob *o)
{
	if (s->mss) {
		align(o, 0, 0);
		ob8(o, TCPOPT_MSS);
		ob8(o, 4);
		ob16(o, s->mss);
	}
	if (s->opts & TCP_OPT_WS) {
		align(o, 1, 1);
		ob8(o, TCPOPT_WS);
		ob8(o, 3);
		ob8(o, s->wscale);
	}
	if (s->opts & TCP_OPT_SACKOK) {
		while (o->n % 2)
			ob8(o, TCPOPT_NOP);
		ob8(o, TCPOPT_SACKOK);
		ob8(o, 2);
	}
	if (s->opts & TCP_OPT_TS) {
		align(o, 2, 1);
		ob_ts(o, s);
	}
	if (s->nsack) {
		/* the nops go only if a block follows them */
		struct ob q = *o;
		align(&q, 2, 1);
		uint32_t n = sack_fit(s, TCP_MAX_OPTLEN - (int)q.n);
		if (n) {
			*o = q;
			ob_sack(o, s, n);
		}
	}
	if (o->n % 4)
		ob8(o, TCPOPT_EOL);
}

/* Either layout, then EOL and zeros to a word boundary (Linux's options
 * all end on one already). */
static uint32_t encode(const struct tcp_seg *s, uint8_t *out)
{
	struct ob o = {out, 0};
	if (s->layout == TCP_LAYOUT_FREEBSD)
		encode_freebsd(s, &o);
	else
		encode_linux(s, &o);
	while (o.n % 4)
		ob8(&o, 0);
	return o.n;
}

uint32_t tcp_opts_encode(const struct tcp_seg *s, uint8_t *out)
{
	return encode(s, out);
}

uint32_t tcp_opts_len_slow(const struct tcp_seg *s)
{
	return encode(s, NULL);
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
