/* replay.c — run a fuzz harness on saved inputs, without libFuzzer.
 *
 * Linked with one harness (tests/fuzz/scenario.c or segment.c), it calls
 * LLVMFuzzerTestOneInput once per file named on the command line: the
 * inputs that once crashed (tests/fuzz/regress/) and the seeds, so that
 * `make test` (and `make asan`, with the sanitizers) keeps every bug the
 * fuzzers found fixed. A harness that finds a broken invariant aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int main(int argc, char **argv)
{
	int ran = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		static uint8_t buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		/* a copy of exactly n bytes, so that ASan sees a read past
		 * the input as one */
		uint8_t *d = malloc(n ? n : 1);
		if (!d)
			return 2;
		for (size_t k = 0; k < n; k++)
			d[k] = buf[k];
		LLVMFuzzerTestOneInput(d, n);
		free(d);
		ran++;
	}
	printf("%d inputs\n", ran);
	return 0;
}
