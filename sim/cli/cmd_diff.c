/* cmd_diff.c — `tcpsim diff A.trace B.trace`: two traces compared as the
 * golden check compares them (sim/verdict/tracecmp.h), what differs
 * shown with its context. */
#include <getopt.h>
#include <stdio.h>

#include "sim/cli/cli.h"

int cmd_diff(int argc, char **argv)
{
	struct cmp_args a = {0};
	struct tfile x = {0}, y = {0};
	char err[1024];
	int status = EXIT_USAGE;
	int rc = cmp_parse_args(argc, argv, &a, false);
	if (rc != 0) {
		if (rc > 0)
			cmp_usage(stdout);
		cmp_free_args(&a);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (argc - optind != 2) {
		fputs("tcpsim: diff compares two trace files\n", stderr);
		cmp_usage(stderr);
		goto out;
	}
	const char *pa = argv[optind], *pb = argv[optind + 1];
	if (tfile_load(&x, pa, err, sizeof err) < 0 ||
	    tfile_load(&y, pb, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", err);
		goto out;
	}
	struct tcmp_result r;
	if (tcmp_compare(&x, &y, &a.cmp, &r) < 0) {
		fputs("tcpsim: out of memory\n", stderr);
		goto out;
	}
	if (r.equal) {
		status = EXIT_OK;
		if (!r.identical)
			printf("%s and %s differ only in ignored fields\n", pa,
			       pb);
		goto out;
	}
	printf("%s and %s differ\n", pa, pb);
	tcmp_report(stdout, &x, &y, pa, pb, &a.cmp, &r);
	status = EXIT_FAILED;
out:
	tfile_free(&x);
	tfile_free(&y);
	cmp_free_args(&a);
	return status;
}
