/* outfile.h — output files that appear whole or not at all.
 *
 * outfile_open() creates a temporary file next to the target; the caller
 * writes through o->f; outfile_commit() flushes, syncs and renames it over
 * the target, outfile_abort() deletes it. An interrupted or failed run so
 * never leaves a half-written trace behind. The path "-" means standard
 * output, written directly.
 */
#ifndef TCPSIM_OUTFILE_H
#define TCPSIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	char *path;
	char *tmp;      /* NULL for standard output */
	FILE *f;
};

/* Start writing `path`; returns 0, or -1 with a message in err. */
int outfile_open(struct outfile *o, const char *path, char *err, size_t n);
/* Make the file appear at its path; returns 0, or -1 with a message. */
int outfile_commit(struct outfile *o, char *err, size_t n);
/* Throw the partial file away (safe after commit: does nothing). */
void outfile_abort(struct outfile *o);
/* Path of the temporary file, for removal from a signal handler. */
const char *outfile_tmp_path(const struct outfile *o);

#endif
