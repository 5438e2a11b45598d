/* batch_single.c — batches on one machine (batch.h): the local pool of
 * batch.c, and no MPI job to join or leave. tcpsim links this file;
 * tcpsim-mpi links batch_mpi.c in its place.
 */
#include "sim/run/batch.h"

int batch_run(const struct batch *b, int64_t *out, char *err, size_t n)
{
	return batch_run_local(b, out, err, n);
}

int batch_init(int *argc, char ***argv, char *err, size_t n)
{
	(void)argc;
	(void)argv;
	(void)err;
	(void)n;
	return 0;
}

bool batch_leader(void)
{
	return true;
}

bool batch_finish(int status)
{
	(void)status;
	return true;
}
