/* simtime.c — exact parsing and printing of nanosecond durations. */
#include "sim/engine/simtime.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{"ns", 1},
	{"us", 1000},
	{"ms", 1000000},
	{"s", 1000000000},
	{"m", INT64_C(60000000000)},
	{"h", INT64_C(3600000000000)},
};

/* One part of a duration, "DIGITS[.DIGITS]" then its unit, from *pp:
 * its nanoseconds in *ns, the unit's index in units[] in *unit (-1 for a
 * bare zero with no unit), whether it had decimals in *decimals; *pp
 * moves past it. Returns 0, or -1 with *err set. */
static int parse_part(const char **pp, uint64_t *ns, int *unit,
		      int *decimals, const char **err)
{
	const char *p = *pp;
	uint64_t whole = 0;
	uint64_t frac = 0, frac_scale = 1;
	int ndigits = 0, nfrac = 0;

	while (*p >= '0' && *p <= '9') {
		if (whole > (UINT64_MAX - 9) / 10) {
			*err = "duration is too large";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*p - '0');
		p++;
		ndigits++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			/* Beyond 18 digits only zeros can still be exact. */
			if (frac_scale <= UINT64_C(100000000000000000)) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_scale *= 10;
			} else if (*p != '0') {
				*err = "duration is not a whole number of nanoseconds";
				return -1;
			}
			p++;
			nfrac++;
		}
		if (nfrac == 0) {
			*err = "expected digits after the decimal point";
			return -1;
		}
		ndigits += nfrac;
	}
	if (ndigits == 0) {
		*err = "expected a duration such as 250ms, 1.5s or 2h";
		return -1;
	}
	/* The unit: everything up to the next part's digits. */
	size_t n = strcspn(p, "0123456789");
	*decimals = nfrac > 0;
	*pp = p + n;
	if (n == 0) {
		if (*p == '\0' && whole == 0 && frac == 0) {
			*ns = 0;
			*unit = -1;
			return 0;
		}
		*err = "duration needs a unit (ns, us, ms, s, m, h)";
		return -1;
	}
	*unit = -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i].name) == n &&
		    strncmp(p, units[i].name, n) == 0)
			*unit = (int)i;
	if (*unit < 0) {
		*err = "unknown time unit (use ns, us, ms, s, m or h)";
		return -1;
	}
	uint64_t u = (uint64_t)units[*unit].ns;
	if (whole > (uint64_t)INT64_MAX / u) {
		*err = "duration is too large";
		return -1;
	}
	*ns = whole * u;
	/* frac / frac_scale of a unit is exact only if frac * u divides
	 * evenly. frac < frac_scale <= 1e18 and u <= 3.6e12, so their
	 * product may not fit in 64 bits: reduce u and frac_scale by their
	 * gcd first. */
	if (frac != 0) {
		uint64_t a = u, b = frac_scale;
		while (b) {
			uint64_t t = a % b;
			a = b;
			b = t;
		}
		uint64_t ured = u / a, sred = frac_scale / a;
		if (frac % sred != 0) {
			*err = "duration is not a whole number of nanoseconds";
			return -1;
		}
		uint64_t part = (frac / sred) * ured; /* < u, no overflow */
		if (part > (uint64_t)INT64_MAX - *ns) {
			*err = "duration is too large";
			return -1;
		}
		*ns += part;
	}
	return 0;
}

int sim_time_parse(const char *s, sim_time_t *out, const char **err)
{
	const char *p = s;
	uint64_t total = 0;
	int last = -1, decimals = 0;

	if (*p == '-') {
		*err = "a duration cannot be negative";
		return -1;
	}
	/* Parts from the largest unit to the smallest, each unit once, as
	 * in 2h30m or 1s500ms; only the last part may have decimals, so
	 * that 1.5h30m cannot be read two ways. */
	do {
		uint64_t ns;
		int unit;
		if (decimals) {
			*err = "only the last part of a duration may have "
			       "decimals, as in 1m1.5s";
			return -1;
		}
		if (parse_part(&p, &ns, &unit, &decimals, err) < 0)
			return -1;
		if (last >= 0 && unit < 0) {
			*err = "duration needs a unit (ns, us, ms, s, m, h)";
			return -1;
		}
		if (last >= 0 && unit == last) {
			*err = "a duration gives each unit once, as in 1m30s";
			return -1;
		}
		if (last >= 0 && unit > last) {
			*err = "the units of a duration go from the largest to "
			       "the smallest, as in 2h30m";
			return -1;
		}
		if (ns > (uint64_t)INT64_MAX - total) {
			*err = "duration is too large";
			return -1;
		}
		total += ns;
		last = unit;
	} while (*p);
	*out = (sim_time_t)total;
	return 0;
}

int sim_time_fmt(sim_time_t t, char *buf, size_t n)
{
	const char *sign = "";
	uint64_t u = (uint64_t)t;
	if (t < 0) {
		sign = "-";
		u = (uint64_t)0 - u;
	}
	return snprintf(buf, n, "%s%llu.%09llu", sign,
			(unsigned long long)(u / 1000000000u),
			(unsigned long long)(u % 1000000000u));
}

int sim_time_fmt_short(sim_time_t t, char *buf, size_t n)
{
	if (t <= 0)
		return snprintf(buf, n, "%llds", (long long)(t / 1000000000));
	/* Prefer a whole number of the largest unit; otherwise up to three
	 * decimals of s, ms or us ("1.5s", "1000.5ms"). */
	for (int i = (int)(sizeof units / sizeof units[0]) - 1; i >= 0; i--) {
		int64_t u = units[i].ns;
		if (t % u == 0)
			return snprintf(buf, n, "%lld%s", (long long)(t / u),
					units[i].name);
		if (i >= 1 && i <= 3 && t >= u && t % (u / 1000) == 0) {
			int64_t milli = t / (u / 1000);
			int dec = 3;
			int64_t p10 = 1000;
			while (milli % 10 == 0) {
				milli /= 10;
				p10 /= 10;
				dec--;
			}
			return snprintf(buf, n, "%lld.%0*lld%s",
					(long long)(milli / p10), dec,
					(long long)(milli % p10), units[i].name);
		}
	}
	return snprintf(buf, n, "%lldns", (long long)t);
}
