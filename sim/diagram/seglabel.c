/* seglabel.c — see seglabel.h. */
#include "sim/diagram/seglabel.h"

#include <inttypes.h>
#include <stdio.h>

#include "models/segment.h"

void seglabel_fmt(char *buf, size_t n, const struct tcp_seg *s,
		  const struct seqrel *rel)
{
	char fl[40];
	tcp_flags_fmt(s->flags, fl, sizeof fl);
	uint32_t seq = rel ? seqrel_seq(rel, s) : s->seq;
	uint32_t ack = rel ? seqrel_ack(rel, s) : s->ack;
	int w = snprintf(buf, n, "%s seq=%" PRIu32, fl, seq);
	if (w < 0 || (size_t)w >= n)
		return;
	if (s->flags & TCP_ACK)
		w += snprintf(buf + w, n - (size_t)w, " ack=%" PRIu32, ack);
	if (w >= 0 && (size_t)w < n && s->len)
		w += snprintf(buf + w, n - (size_t)w, " len=%" PRIu32, s->len);
	/* SACK, briefly: the first block, numbered as the ACK is, and how
	 * many more */
	if (w >= 0 && (size_t)w < n && s->nsack) {
		uint32_t off = s->ack - ack;
		w += snprintf(buf + w, n - (size_t)w, " sack=%" PRIu32 "-%" PRIu32,
			      s->sack[0].start - off, s->sack[0].end - off);
		if (w >= 0 && (size_t)w < n && s->nsack > 1)
			snprintf(buf + w, n - (size_t)w, "+%u",
				 (unsigned)(s->nsack - 1));
	}
}

size_t seglabel_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

void seglabel_idle(sim_time_t d, char *buf, size_t n)
{
	uint64_t s = (uint64_t)d / 1000000000u;
	if (s < 60) {
		sim_time_fmt_short(d, buf, n);
		return;
	}
	uint64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
	size_t len = 0;
	buf[0] = '\0';
	if (h)
		len += (size_t)snprintf(buf + len, n - len, "%" PRIu64 "h", h);
	if (m && len < n)
		len += (size_t)snprintf(buf + len, n - len, "%s%" PRIu64 "m",
					len ? " " : "", m);
	if (sec && len < n)
		snprintf(buf + len, n - len, "%s%" PRIu64 "s", len ? " " : "",
			 sec);
}
