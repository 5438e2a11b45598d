/* outfile.c — temp file + rename. */
#include "sim/out/outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path, char *err, size_t n)
{
	memset(o, 0, sizeof *o);
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, n, "%s: is a directory", path);
		return -1;
	}
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;
	size_t len = dirlen + strlen(base) + 16;
	o->path = strdup(path);
	o->tmp = malloc(len);
	if (!o->path || !o->tmp) {
		snprintf(err, n, "%s: out of memory", path);
		goto fail;
	}
	snprintf(o->tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		snprintf(err, n, "%s: cannot create: %s", path, strerror(errno));
		goto fail;
	}
	/* mkstemp makes 0600; an output file should look like any other. */
	mode_t um = umask(0);
	umask(um);
	(void)fchmod(fd, 0666 & ~um);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, n, "%s: cannot open: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof *o);
	return -1;
}

int outfile_commit(struct outfile *o, char *err, size_t n)
{
	if (!o->f)
		return 0;
	if (!o->tmp) {
		int rc = fflush(o->f) == 0 ? 0 : -1;
		if (rc < 0)
			snprintf(err, n, "standard output: %s", strerror(errno));
		o->f = NULL;
		return rc;
	}
	int rc = 0;
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0) {
		snprintf(err, n, "%s: write failed: %s", o->path, strerror(errno));
		rc = -1;
	}
	if (fclose(o->f) != 0 && rc == 0) {
		snprintf(err, n, "%s: write failed: %s", o->path, strerror(errno));
		rc = -1;
	}
	o->f = NULL;
	if (rc == 0 && rename(o->tmp, o->path) != 0) {
		snprintf(err, n, "%s: cannot rename into place: %s", o->path,
			 strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (o->f && o->tmp) {
		fclose(o->f);
		unlink(o->tmp);
	}
	o->f = NULL;
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
}

const char *outfile_tmp_path(const struct outfile *o)
{
	return o->tmp;
}
