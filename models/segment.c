/* segment.c — flag names and address text. */
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
