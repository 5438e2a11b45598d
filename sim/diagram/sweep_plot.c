/* sweep_plot.c — the picture of a sweep (sweep_plot.h). */
#include "sim/diagram/sweep_plot.h"

#include <stdlib.h>
#include <string.h>

#include "sim/diagram/gnuplot.h"

/* plots/sweep.gp, embedded by the build (Makefile, sim/scenario/embed.sh). */
extern const char plot_sweep_gp[];

/* Which series have something to draw: a yes/no metric always does (a
 * share), a number only where some run has one (completion_time when
 * no run completed has none, and gnuplot refuses an empty series).
 * Returns how many do. */
static size_t drawable(const struct sweep *sw, const int64_t *res,
		       size_t metric, size_t nx, bool *keep)
{
	size_t nseries = nx ? sw->ncombos / nx : 0, n = 0;
	int64_t *scratch = malloc(sw->nseeds * sizeof *scratch);
	for (size_t s = 0; s < nseries; s++) {
		keep[s] = sweep_metric_unit(&sw->m[metric]) == SU_FLAG;
		for (size_t i = 0; i < nx && !keep[s] && scratch; i++) {
			struct sweep_stats st;
			sweep_stats(sw, res, i * nseries + s, metric, scratch,
				    &st);
			keep[s] = st.n > 0;
		}
		n += keep[s];
	}
	free(scratch);
	return n;
}

int sweep_plot_script(FILE *f, void *ctx)
{
	const struct sweep_plot *p = ctx;
	const struct sweep *sw = p->sw;
	const struct sweep_metric *m = &sw->m[p->metric];
	enum sweep_unit u = sweep_metric_unit(m);
	size_t nx = p->vals[0].n;
	size_t nseries = nx ? sw->ncombos / nx : 0;
	int64_t *scratch = malloc(sw->nseeds * sizeof *scratch);
	if (!scratch)
		return -1;
	/* p5 and p95 by nearest rank are the least and the greatest value
	 * of fewer than 20 */
	fprintf(f, "fmt = \"%s\"\nflag = %d\nNS = %zu\nNX = %zu\n"
		   "numeric_x = %d\nband = \"%s\"\nlogx = %d\nlogy = %d\n",
		p->fmt, u == SU_FLAG, p->nkeep, nx, p->numeric_x,
		sw->nseeds < 20 ? "min to max" : "p5 to p95",
		p->logx && p->numeric_x, p->logy && u != SU_FLAG);
	fputs("title = ", f);
	char t[512];
	snprintf(t, sizeof t, "%s: %s over %zu seed%s per point", p->scenario,
		 m->name, sw->nseeds, sw->nseeds == 1 ? "" : "s");
	gnuplot_str(f, t, GP_COMMAND);
	fputs("\nxlabel = ", f);
	snprintf(t, sizeof t, "%s%s%s%s", p->params[0], p->xunit[0] ? " (" : "",
		 p->xunit, p->xunit[0] ? ")" : "");
	gnuplot_str(f, t, GP_COMMAND);
	fputs("\nylabel = ", f);
	snprintf(t, sizeof t, "%s%s", m->name,
		 u == SU_FLAG   ? " (share of runs; bars: 95 % interval)"
		 : u == SU_TIME ? " (s)"
				: "");
	gnuplot_str(f, t, GP_COMMAND);
	fputs("\n$xlabels << EOD\n", f);
	for (size_t i = 0; i < nx; i++) {
		gnuplot_str(f, p->vals[0].v[i], GP_DATA);
		fputc('\n', f);
	}
	fputs("EOD\n", f);
	/* series names: the other parameters' values */
	fputs("$series << EOD\n", f);
	for (size_t s = 0; s < nseries; s++) {
		if (!p->keep[s])
			continue;
		char name[512];
		size_t len = 0;
		name[0] = '\0';
		for (size_t i = 1; i < p->np; i++)
			len += (size_t)snprintf(name + len,
						len < sizeof name ? sizeof name - len
								  : 0,
						"%s%s=%s", i > 1 ? ", " : "",
						p->params[i], p->value[s][i]);
		if (p->np < 2)
			snprintf(name, sizeof name, "%s", m->name);
		gnuplot_str(f, name, GP_DATA);
		fputc('\n', f);
	}
	fputs("EOD\n", f);
	/* one block per series: x, n, runs, proportion, median, p5, p95 */
	fputs("$data << EOD\n", f);
	bool first = true;
	for (size_t s = 0; s < nseries; s++) {
		if (!p->keep[s])
			continue;
		if (!first)
			fputs("\n\n", f);
		first = false;
		for (size_t i = 0; i < nx; i++) {
			/* combination numbers: the first parameter varies
			 * slowest */
			size_t c = i * nseries + s;
			struct sweep_stats st;
			sweep_stats(sw, p->res, c, p->metric, scratch, &st);
			char x[64], prop[64], med[64], p5[64], p95[64];
			if (p->numeric_x) {
				double xv;
				char unit[16];
				sweep_value_number(p->vals[0].v[i], &xv, unit,
						   sizeof unit);
				snprintf(x, sizeof x, "%.9g", xv);
			} else {
				snprintf(x, sizeof x, "%zu", i);
			}
			sweep_stat_fmt(m, &st, "proportion", prop, sizeof prop);
			sweep_stat_fmt(m, &st, "median", med, sizeof med);
			sweep_stat_fmt(m, &st, "p5", p5, sizeof p5);
			sweep_stat_fmt(m, &st, "p95", p95, sizeof p95);
			/* on a log scale, nothing at or below 0 */
			if (p->logy && st.median2 <= 0)
				med[0] = '\0';
			if (p->logy && st.p5 <= 0)
				p5[0] = '\0';
			if (p->logy && st.p95 <= 0)
				p95[0] = '\0';
			fprintf(f, "%s %llu %llu %s %s %s %s\n", x,
				(unsigned long long)st.n,
				(unsigned long long)st.runs, prop[0] ? prop : "NaN",
				med[0] ? med : "NaN", p5[0] ? p5 : "NaN",
				p95[0] ? p95 : "NaN");
		}
	}
	fputs("EOD\n", f);
	free(scratch);
	fputs(plot_sweep_gp, f);
	return ferror(f) ? -1 : 0;
}

int sweep_plot_prepare(struct sweep_plot *p)
{
	const struct sweep_values *x = &p->vals[0];
	/* numbers with one unit on the x axis, else categories */
	p->numeric_x = true;
	for (size_t i = 0; i < x->n && p->numeric_x; i++) {
		double v;
		char unit[16];
		p->numeric_x = sweep_value_number(x->v[i], &v, unit,
						  sizeof unit) &&
			       (i == 0 || strcmp(unit, p->xunit) == 0);
		if (i == 0 && p->numeric_x)
			snprintf(p->xunit, sizeof p->xunit, "%s", unit);
	}
	if (!p->numeric_x)
		p->xunit[0] = '\0';
	size_t nseries = p->sw->ncombos / x->n;
	p->keep = calloc(nseries ? nseries : 1, sizeof *p->keep);
	if (!p->keep)
		return -1;
	p->nkeep = drawable(p->sw, p->res, p->metric, x->n, p->keep);
	return 0;
}

void sweep_plot_fini(struct sweep_plot *p)
{
	free(p->keep);
	p->keep = NULL;
}
