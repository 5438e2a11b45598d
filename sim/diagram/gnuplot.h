/* gnuplot.h — how every picture tcpsim draws with gnuplot writes its
 * strings and runs gnuplot: the ladder plot (sink_plot.c), the plots of
 * `tcpsim plot` and the sweep plot.
 *
 * A script is written with gnuplot_str() for every string in it, then
 * run as `gnuplot -c SCRIPT OUTPUT` by gnuplot_render(), which makes the
 * picture appear whole or not at all (diagram.h, diag_render).
 */
#ifndef TCPSIM_GNUPLOT_H
#define TCPSIM_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "sim/out/outfile.h"

/* Where a string goes, for gnuplot reads the two differently. */
enum gnuplot_where {
	GP_COMMAND, /* in a command: a backslash and a double quote are
		       escaped with a backslash, as gnuplot reads them */
	GP_DATA,    /* in a datablock, where gnuplot reads no escapes and a
		       string's columns lose their backslashes: a double
		       quote, which cannot be held there, is written as ',
		       a backslash as / */
};

/* s as a double-quoted gnuplot string, control characters as spaces. */
void gnuplot_str(FILE *f, const char *s, enum gnuplot_where w);
/* Draw `path` (.svg, .png or .pdf; see diag_prepare) from the script
 * emit(f, ctx) writes, with gnuplot; the picture is left in *dst for the
 * caller to commit or abort. Returns 0, with whatever gnuplot printed as
 * "gnuplot: LINE" lines in said ("" if nothing); or -1 with what went
 * wrong in err. */
int gnuplot_render(const char *path, struct outfile *dst,
		   int (*emit)(FILE *f, void *ctx), void *ctx, char *err,
		   size_t n, char *said, size_t said_n);

#endif
