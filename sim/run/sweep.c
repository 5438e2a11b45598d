/* sweep.c — the values of `tcpsim sweep` (docs/sweep.md) and its results:
 * the statistics of each combination and the CSV table.
 *
 * Statistics are exact: sums in 128-bit integers, means and proportions
 * rounded in decimal by integer arithmetic, percentiles by nearest rank.
 * No floating point touches a number the CSV prints. What a run measures
 * is in sweep_metrics.c; how the runs are shared among worker processes,
 * in workers.c.
 */
#include "sim/run/sweep.h"
#include "sim/run/batch.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/grow.h"
#include "sim/out/sink_csv.h"

/* ---- values ------------------------------------------------------------ */

/* A decimal number and its unit: "-1.25ms" → mant -125, dec 2, "ms". */
struct dec {
	int64_t mant;
	int dec;
	char unit[16];
};

static int64_t pow10i(int e)
{
	int64_t p = 1;
	while (e-- > 0)
		p *= 10;
	return p;
}

static bool parse_dec(const char *s, size_t len, struct dec *d)
{
	size_t i = 0;
	bool neg = false, digits = false;
	d->mant = 0;
	d->dec = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	bool frac = false;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if ((frac && d->dec >= 9) ||
			    d->mant > (INT64_MAX - 9) / 10)
				return false; /* 9 decimals at most */
			d->mant = d->mant * 10 + (s[i] - '0');
			d->dec += frac;
			digits = true;
		} else if (s[i] == '.' && !frac) {
			frac = true;
		} else {
			break;
		}
	}
	/* below 10^9 in whole units, so that any value scaled to 9
	 * decimals fits in 63 bits */
	if (!digits || d->mant / pow10i(d->dec) >= 1000000000)
		return false;
	size_t ul = len - i;
	if (ul >= sizeof d->unit)
		return false;
	for (size_t k = i; k < len; k++) {
		char c = s[k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '%' || c == '/'))
			return false;
	}
	memcpy(d->unit, s + i, ul);
	d->unit[ul] = '\0';
	if (neg)
		d->mant = -d->mant;
	return true;
}

bool sweep_value_number(const char *s, double *x, char *unit, size_t n)
{
	struct dec d;
	if (!parse_dec(s, strlen(s), &d))
		return false;
	*x = (double)d.mant / (double)pow10i(d.dec);
	snprintf(unit, n, "%s", d.unit);
	return true;
}

/* v / 10^dec in decimal, trailing zeros dropped, then the unit. */
static char *fmt_dec(int64_t v, int dec, const char *unit)
{
	char buf[64];
	int64_t p = pow10i(dec);
	int64_t a = v < 0 ? -v : v;
	int len = snprintf(buf, sizeof buf, "%s%lld", v < 0 ? "-" : "",
			   (long long)(a / p));
	if (dec > 0 && a % p) {
		char f[32];
		snprintf(f, sizeof f, "%0*lld", dec > 9 ? 9 : dec,
			 (long long)(a % p));
		size_t fl = strlen(f);
		while (fl > 0 && f[fl - 1] == '0')
			f[--fl] = '\0';
		len += snprintf(buf + len, sizeof buf - (size_t)len, ".%s", f);
	}
	snprintf(buf + len, sizeof buf - (size_t)len, "%s", unit);
	return strdup(buf);
}

static int push_value(struct sweep_values *out, size_t *cap, char *v,
		      char *err, size_t n)
{
	if (!v) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (out->n >= SWEEP_MAX_VALUES) {
		free(v);
		snprintf(err, n, "more than %d values", SWEEP_MAX_VALUES);
		return -1;
	}
	if (grow(&out->v, cap, out->n + 1, sizeof *out->v, 8) < 0) {
		free(v);
		snprintf(err, n, "out of memory");
		return -1;
	}
	out->v[out->n++] = v;
	return 0;
}

/* Item s[0..len) as a range, if it is one; 1 if it was, 0 if it is not a
 * range, -1 on an error. */
static int parse_range(const char *s, size_t len, struct sweep_values *out,
		       size_t *cap, char *err, size_t n)
{
	const char *c1 = memchr(s, ':', len);
	if (!c1)
		return 0;
	const char *c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s));
	if (!c2 || memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - s)))
		return 0;
	struct dec a, b, st;
	if (!parse_dec(s, (size_t)(c1 - s), &a) ||
	    !parse_dec(c1 + 1, (size_t)(c2 - c1 - 1), &b) ||
	    !parse_dec(c2 + 1, len - (size_t)(c2 + 1 - s), &st))
		return 0;
	/* one unit for all three; a part written without one ("0" in
	 * 0:100ms:10ms) takes it from the others */
	const char *unit = a.unit[0] ? a.unit : b.unit[0] ? b.unit : st.unit;
	if ((a.unit[0] && strcmp(a.unit, unit)) ||
	    (b.unit[0] && strcmp(b.unit, unit)) ||
	    (st.unit[0] && strcmp(st.unit, unit))) {
		snprintf(err, n, "range '%.*s': FIRST, LAST and STEP need the "
				 "same unit",
			 (int)len, s);
		return -1;
	}
	int dec = a.dec > b.dec ? a.dec : b.dec;
	dec = st.dec > dec ? st.dec : dec;
	int64_t x = a.mant * pow10i(dec - a.dec);
	int64_t y = b.mant * pow10i(dec - b.dec);
	int64_t step = st.mant * pow10i(dec - st.dec);
	if (step <= 0) {
		snprintf(err, n, "range '%.*s': the step must be more than 0",
			 (int)len, s);
		return -1;
	}
	if (y < x) {
		snprintf(err, n, "range '%.*s': LAST is less than FIRST",
			 (int)len, s);
		return -1;
	}
	if ((y - x) / step >= SWEEP_MAX_VALUES) {
		snprintf(err, n, "range '%.*s' has more than %d values",
			 (int)len, s, SWEEP_MAX_VALUES);
		return -1;
	}
	for (int64_t v = x; v <= y; v += step)
		if (push_value(out, cap, fmt_dec(v, dec, unit), err, n) < 0)
			return -1;
	return 1;
}

int sweep_parse_values(const char *spec, struct sweep_values *out, char *err,
		       size_t n)
{
	size_t cap = 0;
	out->v = NULL;
	out->n = 0;
	const char *p = spec;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0) {
			snprintf(err, n, "an empty value in '%s'", spec);
			goto fail;
		}
		int r = parse_range(p, len, out, &cap, err, n);
		if (r < 0)
			goto fail;
		if (r == 0 && push_value(out, &cap, strndup(p, len), err, n) < 0)
			goto fail;
		if (!p[len])
			return 0;
		p += len + 1;
	}
fail:
	sweep_values_free(out);
	return -1;
}

void sweep_values_free(struct sweep_values *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* ---- statistics and the table ------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void sweep_stats(const struct sweep *sw, const int64_t *res, size_t c,
		 size_t j, int64_t *scratch, struct sweep_stats *st)
{
	memset(st, 0, sizeof *st);
	st->runs = sw->nseeds;
	size_t k = 0;
	for (size_t s = 0; s < sw->nseeds; s++) {
		int64_t v = res[(c * sw->nseeds + s) * sw->nm + j];
		if (v == SWEEP_NONE)
			continue;
		scratch[k++] = v;
		st->sum += v;
		st->nonzero += v != 0;
		if (sw->m[j].kind == SM_END && v >= 0 && v < 8)
			st->end[v]++;
	}
	st->n = k;
	if (!k)
		return;
	qsort(scratch, k, sizeof *scratch, cmp_i64);
	st->min = scratch[0];
	st->max = scratch[k - 1];
	st->median2 = k % 2 ? 2 * scratch[k / 2]
			    : scratch[k / 2 - 1] + scratch[k / 2];
	/* nearest rank: the smallest value with at least p % at or below */
	st->p5 = scratch[(5 * k + 99) / 100 - 1];
	st->p95 = scratch[(95 * k + 99) / 100 - 1];
}

/* num / den rounded half up to `dec` decimals (num, den >= 0). */
static void fmt_ratio(__int128 num, __int128 den, int dec, char *buf,
		      size_t n)
{
	__int128 p = pow10i(dec);
	__int128 q = (num * p * 2 + den) / (den * 2);
	unsigned long long ip = (unsigned long long)(q / p);
	unsigned long long fp = (unsigned long long)(q % p);
	if (dec)
		snprintf(buf, n, "%llu.%0*llu", ip, dec, fp);
	else
		snprintf(buf, n, "%llu", ip);
}

/* A value of the metric's unit: seconds with 9 decimals for times. */
static void fmt_value(enum sweep_unit u, int64_t v, char *buf, size_t n)
{
	if (v == SWEEP_NONE) {
		buf[0] = '\0';
		return;
	}
	switch (u) {
	case SU_TIME:
		snprintf(buf, n, "%s%lld.%09lld", v < 0 ? "-" : "",
			 (long long)((v < 0 ? -v : v) / 1000000000),
			 (long long)((v < 0 ? -v : v) % 1000000000));
		break;
	case SU_END:
		snprintf(buf, n, "%s", tcp_end_name((enum tcp_end)v));
		break;
	case SU_FRACTION:
		snprintf(buf, n, "%lld.%06lld", (long long)(v / 1000000),
			 (long long)(v % 1000000));
		break;
	default:
		snprintf(buf, n, "%lld", (long long)v);
		break;
	}
}

void sweep_stat_fmt(const struct sweep_metric *m, const struct sweep_stats *st,
		    const char *stat, char *buf, size_t n)
{
	enum sweep_unit u = sweep_metric_unit(m);
	buf[0] = '\0';
	if (strcmp(stat, "n") == 0) {
		snprintf(buf, n, "%llu", (unsigned long long)st->n);
		return;
	}
	if (strcmp(stat, "percent") == 0) {
		if (st->runs && u != SU_END) {
			fmt_ratio((__int128)st->nonzero * 100, st->runs, 1, buf,
				  n - 1);
			strcat(buf, "%");
		}
		return;
	}
	if (strcmp(stat, "proportion") == 0) {
		if (u == SU_END) {
			/* each way of ending with its share, worst last */
			size_t len = 0;
			for (int r = 0; r < SWEEP_END_RANKS; r++) {
				for (int e = 0; e < SWEEP_ENDS; e++) {
					if (!st->end[e] ||
					    sweep_end_rank((enum tcp_end)e) != r)
						continue;
					char f[32];
					fmt_ratio(st->end[e], st->runs, 6, f,
						  sizeof f);
					len += (size_t)snprintf(
						buf + len, len < n ? n - len : 0,
						"%s%s:%s", len ? " " : "",
						tcp_end_name((enum tcp_end)e), f);
				}
			}
			return;
		}
		if (st->runs)
			fmt_ratio(st->nonzero, st->runs, 6, buf, n);
		return;
	}
	if (st->n == 0 || u == SU_END)
		return;
	if (strcmp(stat, "mean") == 0) {
		if (u == SU_FRACTION) {
			fmt_ratio(st->sum, (__int128)st->n * 1000000, 6, buf, n);
		} else if (u == SU_TIME) {
			/* nanoseconds, rounded, as seconds */
			__int128 q = (st->sum * 2 + (__int128)st->n) /
				     (2 * (__int128)st->n);
			fmt_value(u, (int64_t)q, buf, n);
		} else {
			fmt_ratio(st->sum, st->n, 6, buf, n);
		}
	} else if (strcmp(stat, "median") == 0) {
		int64_t h = st->median2 / 2;
		fmt_value(u == SU_FLAG ? SU_COUNT : u, h, buf, n);
		if (st->median2 % 2) {
			size_t len = strlen(buf);
			snprintf(buf + len, n - len,
				 u == SU_TIME || u == SU_FRACTION ? "5" : ".5");
		}
	} else if (strcmp(stat, "p5") == 0) {
		fmt_value(u, st->p5, buf, n);
	} else if (strcmp(stat, "p95") == 0) {
		fmt_value(u, st->p95, buf, n);
	} else if (strcmp(stat, "min") == 0) {
		fmt_value(u, st->min, buf, n);
	} else if (strcmp(stat, "max") == 0) {
		fmt_value(u, st->max, buf, n);
	}
}

/* One CSV field, after a comma unless it is the first. */
static void put_field(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	csv_put_text(f, s);
}

static const char *const stat_names[] = {"n",   "mean", "median", "p5",
					 "p95", "min",  "max",    "proportion"};

int sweep_write_csv(FILE *f, const struct sweep *sw, const char *const *params,
		    size_t nparams, const char *const *const *value,
		    const int64_t *res)
{
	int64_t *scratch = malloc((sw->nseeds ? sw->nseeds : 1) * sizeof *scratch);
	if (!scratch)
		return -1;
	put_field(f, "row", true);
	for (size_t i = 0; i < nparams; i++)
		put_field(f, params[i], false);
	put_field(f, "seed", false);
	put_field(f, "stat", false);
	for (size_t j = 0; j < sw->nm; j++)
		put_field(f, sw->m[j].name, false);
	fputc('\n', f);
	char buf[256];
	for (size_t c = 0; c < sw->ncombos; c++) {
		for (size_t s = 0; s < sw->nseeds; s++) {
			put_field(f, "run", true);
			for (size_t i = 0; i < nparams; i++)
				put_field(f, value[c][i], false);
			snprintf(buf, sizeof buf, "%llu",
				 (unsigned long long)sw->seeds[s]);
			put_field(f, buf, false);
			put_field(f, "", false);
			const int64_t *r = res + (c * sw->nseeds + s) * sw->nm;
			for (size_t j = 0; j < sw->nm; j++) {
				fmt_value(sweep_metric_unit(&sw->m[j]), r[j], buf,
					  sizeof buf);
				put_field(f, buf, false);
			}
			fputc('\n', f);
		}
	}
	struct sweep_stats *st = malloc((sw->nm ? sw->nm : 1) * sizeof *st);
	if (!st) {
		free(scratch);
		return -1;
	}
	for (size_t c = 0; c < sw->ncombos; c++) {
		for (size_t j = 0; j < sw->nm; j++)
			sweep_stats(sw, res, c, j, scratch, &st[j]);
		for (size_t k = 0; k < sizeof stat_names / sizeof stat_names[0];
		     k++) {
			put_field(f, "summary", true);
			for (size_t i = 0; i < nparams; i++)
				put_field(f, value[c][i], false);
			put_field(f, "", false);
			put_field(f, stat_names[k], false);
			for (size_t j = 0; j < sw->nm; j++) {
				sweep_stat_fmt(&sw->m[j], &st[j], stat_names[k],
					       buf, sizeof buf);
				put_field(f, buf, false);
			}
			fputc('\n', f);
		}
	}
	free(st);
	free(scratch);
	return ferror(f) ? -1 : 0;
}

/* ---- running ----------------------------------------------------------- */

/* Run r of the sweep: combination r / nseeds with seed seeds[r % nseeds]. */
static int sweep_one(const void *ctx, uint64_t r, int64_t *rec)
{
	const struct sweep *sw = ctx;
	return sweep_measure(sw->scns[r / sw->nseeds], sw->seeds[r % sw->nseeds],
			     &sw->wopts, sw->m, sw->nm, rec);
}

int sweep_run(const struct sweep *sw, int64_t *out, char *err, size_t n)
{
	struct batch b = {
		.n = (uint64_t)sw->ncombos * sw->nseeds,
		.width = sw->nm,
		.run = sweep_one,
		.ctx = sw,
		.jobs = sw->jobs,
		.progress = sw->progress,
		.pctx = sw->ctx,
		.interrupt = sw->interrupt,
	};
	return batch_run(&b, out, err, n);
}
