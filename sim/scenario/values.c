/* values.c — the value types of a scenario (docs/scenario-format.md,
 * "Value types") and the generic handlers the tables' rows name.
 *
 * A handler gets a node the walker has checked to be of the row's type
 * and a pointer to the field it fills; bounds come from the row (min,
 * max), names from its name table. Sizes, probabilities and rates are
 * parsed exactly, as integers: a value that does not fit is refused,
 * never rounded.
 *
 * Known limits: a flags value is read up to 127 characters; a name list
 * in a message up to 255.
 */
#include "sim/scenario/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"
#include "sim/engine/grow.h"

/* ---- parsers ---------------------------------------------------------- */

int ld_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -2;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int scn_parse_size(const char *s, uint64_t *out, const char **msg)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{"", 1},
		{"B", 1},
		{"KB", 1000},
		{"KiB", 1024},
		{"MB", 1000000},
		{"MiB", 1048576},
		{"GB", 1000000000},
		{"GiB", 1073741824},
	};
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9') {
		*msg = "expected a size such as 1000, 64KiB or 5MB";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10) {
			*msg = "size is too large";
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (v > UINT64_MAX / units[i].mul) {
			*msg = "size is too large";
			return -1;
		}
		*out = v * units[i].mul;
		return 0;
	}
	*msg = "unknown size unit (use B, KB, KiB, MB, MiB, GB or GiB)";
	return -1;
}

int scn_parse_prob(const char *s, uint32_t *ppb, const char **msg)
{
	uint64_t whole = 0, frac = 0;
	int nfrac = 0, ndig = 0;
	const char *p = s;
	if (*p == '-') {
		*msg = "a probability must be between 0 and 1";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		if (whole > 1000) {
			*msg = "a probability must be between 0 and 1";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		ndig++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nfrac < 11) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				nfrac++;
			} else if (*p != '0') {
				*msg = "a probability has at most 9 decimals";
				return -1;
			}
			p++;
			ndig++;
		}
	}
	bool pct = false;
	if (*p == '%') {
		pct = true;
		p++;
	}
	if (ndig == 0 || *p) {
		*msg = "expected a probability such as 0.05 or 5%";
		return -1;
	}
	/* value = (whole + frac/10^nfrac) [/100]; in parts per 1e9. */
	int scale = pct ? 7 : 9; /* decimal digits of a ppb */
	while (nfrac > scale) {
		if (frac % 10) {
			*msg = "a probability has at most 9 decimals";
			return -1;
		}
		frac /= 10;
		nfrac--;
	}
	uint64_t v = whole;
	for (int i = 0; i < scale; i++)
		v *= 10;
	uint64_t f = frac;
	for (int i = nfrac; i < scale; i++)
		f *= 10;
	v += f;
	if (v > RNG_PPB_ONE) {
		*msg = "a probability must be between 0 and 1";
		return -1;
	}
	*ppb = (uint32_t)v;
	return 0;
}

int scn_parse_rate(const char *s, uint64_t *bps, const char **msg)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{"bps", 1},          {"bit/s", 1},        {"bit", 1},
		{"kbps", 1000},      {"kbit/s", 1000},    {"kbit", 1000},
		{"Mbps", 1000000},   {"Mbit/s", 1000000}, {"Mbit", 1000000},
		{"Gbps", 1000000000}, {"Gbit/s", 1000000000},
		{"Gbit", 1000000000},
	};
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;
	if (*p < '0' || *p > '9') {
		*msg = "expected a rate such as 10Mbit/s or 56kbps";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		if (whole > UINT64_MAX / 100) {
			*msg = "rate is too large";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (scale >= 1000000000) {
				*msg = "a rate has at most 9 decimals";
				return -1;
			}
			frac = frac * 10 + (uint64_t)(*p++ - '0');
			scale *= 10;
		}
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		uint64_t m = units[i].mul;
		if (whole > UINT64_MAX / m / 2) {
			*msg = "rate is too large";
			return -1;
		}
		if ((frac * m) % scale) {
			*msg = "rate is not a whole number of bits per second";
			return -1;
		}
		*bps = whole * m + frac * m / scale;
		if (*bps == 0) {
			*msg = "a rate must be above zero";
			return -1;
		}
		return 0;
	}
	*msg = "unknown rate unit (use bps, kbps, Mbps, Gbps or bit/s, "
	       "kbit/s, Mbit/s, Gbit/s)";
	return -1;
}

int ld_get_u64(struct ld *ld, yaml_node_t *n, const char *key, uint64_t min,
	       uint64_t max, uint64_t *out)
{
	const char *v;
	if (ld_scalar(ld, n, key, &v) < 0)
		return -1;
	uint64_t x;
	int rc = ld_parse_u64(v, &x);
	if (rc == -2 || (rc == 0 && x > max))
		return ld_fail(ld, n, "'%s' is too large (at most %llu)", key,
			       (unsigned long long)max);
	if (rc < 0)
		return ld_fail(ld, n, "'%s' expects a whole number, found '%s'",
			       key, v);
	if (x < min)
		return ld_fail(ld, n, "'%s' must be at least %llu", key,
			       (unsigned long long)min);
	*out = x;
	return 0;
}

int ld_get_port(struct ld *ld, yaml_node_t *n, const char *key,
		const char *text, uint16_t *out)
{
	uint64_t p;
	if (ld_parse_u64(text, &p) < 0 || p == 0 || p > 65535)
		return ld_fail(ld, n, "'%s': a port is a number from 1 to 65535 "
				      "(found '%s')",
			       key, text);
	*out = (uint16_t)p;
	return 0;
}

void ld_put(void *field, size_t size, uint64_t x)
{
	uint16_t x16 = (uint16_t)x;
	uint32_t x32 = (uint32_t)x;
	switch (size) {
	case sizeof(bool):
		*(bool *)field = x != 0;
		break;
	case sizeof x16:
		memcpy(field, &x16, sizeof x16);
		break;
	case sizeof x32:
		memcpy(field, &x32, sizeof x32);
		break;
	default:
		memcpy(field, &x, sizeof x);
		break;
	}
}

bool ld_valid_name(const char *n)
{
	if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z')))
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '.'))
			return false;
	return strlen(n) <= 63;
}

void *ld_own(struct ld *ld, yaml_node_t *n, void *p)
{
	struct scenario *s = ld->s;
	if (!p) {
		ld_fail(ld, n, "out of memory");
		return NULL;
	}
	if (grow(&s->owned, &s->owned_cap, s->nowned + 1, sizeof *s->owned,
		 32) < 0) {
		free(p);
		ld_fail(ld, n, "out of memory");
		return NULL;
	}
	s->owned[s->nowned++] = p;
	return p;
}

char *ld_own_str(struct ld *ld, yaml_node_t *n, const char *text)
{
	return ld_own(ld, n, strdup(text));
}

void *ld_own_items(struct ld *ld, yaml_node_t *list, size_t size)
{
	size_t n = ld_nitems(list);
	return ld_own(ld, list, calloc(n ? n : 1, size));
}

int ld_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- handlers --------------------------------------------------------- */

int ld_bad_value(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		 const char *msg)
{
	return ld_fail(ld, v, "'%s': %s (found '%s')", row->key, msg,
		       ld_text(v));
}

/* A duration; with min, above 0. */
int ld_duration(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		void *field)
{
	const char *msg;
	sim_time_t d;
	if (sim_time_parse(ld_text(v), &d, &msg) < 0)
		return ld_bad_value(ld, row, v, msg);
	if (row->min && d < (sim_time_t)row->min)
		return ld_fail(ld, v, "'%s' must be greater than 0", row->key);
	memcpy(field, &d, sizeof d);
	return 0;
}

/* A whole number in [min, max]. */
int ld_uint(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	uint64_t x;
	if (ld_get_u64(ld, v, row->key, row->min, row->max, &x) < 0)
		return -1;
	ld_put(field, row->size, x);
	return 0;
}

/* A size in [min, max] bytes. */
int ld_size(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	const char *msg;
	uint64_t x;
	if (scn_parse_size(ld_text(v), &x, &msg) < 0)
		return ld_bad_value(ld, row, v, msg);
	if (!row->min && x > row->max)
		return ld_fail(ld, v, "'%s' is at most %llu bytes", row->key,
			       (unsigned long long)row->max);
	if (x < row->min || x > row->max)
		return ld_fail(ld, v, "'%s' must be between %llu and %llu bytes",
			       row->key, (unsigned long long)row->min,
			       (unsigned long long)row->max);
	ld_put(field, row->size, x);
	return 0;
}

/* A size of at least one byte ("1500", "64KB"). */
int ld_nonzero_size(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		    void *field)
{
	const char *msg, *t = ld_text(v);
	uint64_t x;
	if (scn_parse_size(t, &x, &msg) < 0 || !x)
		return ld_fail(ld, v, "'%s' expects a size of at least 1 byte "
				      "(found '%s')",
			       row->key, t);
	ld_put(field, row->size, x);
	return 0;
}

/* A probability, in parts per billion. */
int ld_prob(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	const char *msg;
	uint32_t ppb;
	if (scn_parse_prob(ld_text(v), &ppb, &msg) < 0)
		return ld_bad_value(ld, row, v, msg);
	memcpy(field, &ppb, sizeof ppb);
	return 0;
}

/* A bit rate, in bits per second. */
int ld_rate(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	const char *msg;
	uint64_t bps;
	if (scn_parse_rate(ld_text(v), &bps, &msg) < 0)
		return ld_bad_value(ld, row, v, msg);
	memcpy(field, &bps, sizeof bps);
	return 0;
}

/* true or false (yes, no) into a bool, or 1 or 0 into a wider field. */
int ld_bool(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	const char *t = ld_text(v);
	bool b;
	if (strcmp(t, "true") == 0 || strcmp(t, "yes") == 0)
		b = true;
	else if (strcmp(t, "false") == 0 || strcmp(t, "no") == 0)
		b = false;
	else
		return ld_fail(ld, v, "'%s' is true or false (found '%s')",
			       row->key, t);
	ld_put(field, row->size ? row->size : sizeof b, b);
	return 0;
}

/* A key that only says "do it": true (or yes), nothing to store. */
int ld_true(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	(void)field;
	const char *t = ld_text(v);
	if (strcmp(t, "true") != 0 && strcmp(t, "yes") != 0)
		return ld_fail(ld, v, "'%s' takes the value true (found '%s')",
			       row->key, t);
	return 0;
}

/* Text the scenario keeps as its own (char *), maybe empty. */
int ld_string(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	      void *field)
{
	(void)row;
	char *d = strdup(ld_text(v));
	if (!d)
		return ld_fail(ld, v, "out of memory");
	char **out = field;
	free(*out);
	*out = d;
	return 0;
}

/* Text among the scenario's owned memory (const char *). */
int ld_owned(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	     void *field)
{
	(void)row;
	const char **out = field;
	*out = ld_own_str(ld, v, ld_text(v));
	return *out ? 0 : -1;
}

int ld_port(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	return ld_get_port(ld, v, row->key, ld_text(v), field);
}

int ld_pick(struct ld *ld, yaml_node_t *v, const char *key,
	    const char *const *names, size_t n, const struct ld_names *t)
{
	const char *s;
	if (ld_scalar(ld, v, key, &s) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	const char *hint = ld_suggest(s, names, n);
	char list[256] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list),
			 "%s%s", i ? ", " : "", names[i]);
	if (t && t->noun)
		return ld_fail(ld, v, "unknown %s '%s'%s%s%s (%s: %s)", t->noun,
			       s, hint ? " (did you mean '" : "",
			       hint ? hint : "", hint ? "'?)" : "", t->nouns,
			       list);
	return ld_fail(ld, v, "'%s': unknown value '%s'%s%s%s (one of: %s)",
		       key, s, hint ? " (did you mean '" : "", hint ? hint : "",
		       hint ? "'?)" : "", list);
}

/* One of the row's names; stores what it stands for. */
int ld_enum(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	    void *field)
{
	const char *names[32];
	size_t n = 0;
	for (const struct ld_name *x = row->names->v;
	     x->name && n < sizeof names / sizeof names[0]; x++)
		names[n++] = x->name;
	int i = ld_pick(ld, v, row->key, names, n, row->names);
	if (i < 0)
		return -1;
	ld_put(field, row->size, (uint64_t)row->names->v[i].value);
	return 0;
}

/* A host or a template, as a set of hosts. */
int ld_host_ref(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	     void *field)
{
	(void)row;
	return ld_resolve(ld, v, ld_text(v), field);
}

/* An RFC 9293 state name, in any case, '_' for '-'. */
int ld_state(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	     void *field)
{
	const char *t = ld_text(v);
	int st = tcp_state_parse(t);
	if (st < 0) {
		const char *names[TCP_NSTATES];
		for (int i = 0; i < TCP_NSTATES; i++)
			names[i] = tcp_state_name(i);
		const char *hint = ld_suggest(t, names, TCP_NSTATES);
		return ld_fail(ld, v, "'%s': unknown TCP state '%s'%s%s%s",
			       row->key, t, hint ? " (did you mean '" : "",
			       hint ? hint : "", hint ? "'?)" : "");
	}
	memcpy(field, &st, sizeof st);
	return 0;
}

/* TCP control bits by name, separated by commas or spaces; "-" or
 * "none" for none. */
int ld_flags(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	     void *field)
{
	const char *t = ld_text(v);
	uint8_t f = 0, *out = field;
	if (strcmp(t, "-") == 0 || strcmp(t, "none") == 0) {
		*out = 0;
		return 0;
	}
	char buf[128];
	snprintf(buf, sizeof buf, "%s", t);
	for (char *save = NULL, *w = strtok_r(buf, ", ", &save); w;
	     w = strtok_r(NULL, ", ", &save)) {
		uint8_t b = tcp_flag_parse(w);
		if (!b)
			return ld_fail(ld, v, "'%s': unknown flag '%s' (flags: "
					      "SYN FIN RST PSH ACK URG ECE CWR)",
				       row->key, w);
		f |= b;
	}
	*out = f;
	return 0;
}

/* A mapping with a table of its own (row->sub). */
int ld_sub(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
	   void *field)
{
	return ld_walk(ld, v, row->sub, field);
}
