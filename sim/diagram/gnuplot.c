/* gnuplot.c — gnuplot's strings and its run (gnuplot.h). */
#include "sim/diagram/gnuplot.h"

#include "sim/diagram/diagram.h"

void gnuplot_str(FILE *f, const char *s, enum gnuplot_where w)
{
	fputc('"', f);
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		unsigned char c = *q < 0x20 || *q == 0x7f ? ' ' : *q;
		if (w == GP_DATA && c == '"')
			c = '\'';
		else if (w == GP_DATA && c == '\\')
			c = '/';
		else if (c == '"' || c == '\\')
			fputc('\\', f);
		fputc(c, f);
	}
	fputc('"', f);
}

int gnuplot_render(const char *path, struct outfile *dst,
		   int (*emit)(FILE *f, void *ctx), void *ctx, char *err,
		   size_t n, char *said, size_t said_n)
{
	const char *const argv[] = {"gnuplot", "-c", "{in}", "{out}", NULL};
	*said = '\0';
	if (diag_render(path, dst, emit, ctx, argv, err, n) < 0)
		return -1;
	diag_warning_fmt("gnuplot", err, said, said_n);
	return 0;
}
