/* cmd_pkt.c — `tcpsim pkt [--profile NAME] [-v] SCRIPT.pkt...`: play
 * packetdrill scripts against a profile's stack (sim/pkt/run.h,
 * docs/pkt.md). A line per script — ok, FAIL file:line: what, or
 * unsupported: what — then the counts. Exit 0 if every script passed,
 * 1 if one failed or was unsupported, 2 if one does not parse. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/tcp_params.h"
#include "sim/cli/cli.h"
#include "sim/pkt/run.h"

static void usage(FILE *f)
{
	fputs("Usage: tcpsim pkt [--profile freebsd|linux|rfc9293] [-v] "
	      "SCRIPT.pkt...\n"
	      "\n"
	      "Play packetdrill scripts against the profile's stack, in "
	      "virtual time.\n"
	      "  -p, --profile NAME  the stack under test (default freebsd)\n"
	      "  -v, --verbose       print each segment as the script goes\n"
	      "  -h, --help          show this help\n",
	      f);
}

/* The whole file, or NULL (said). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "tcpsim: %s: cannot open\n", path);
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (n < cap)
			break;
		if (cap >= PKT_MAX_TEXT + 1) {
			n = cap;
			break;
		}
		char *b = realloc(buf, cap * 2);
		if (!b) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = b;
		cap *= 2;
	}
	fclose(f);
	if (!buf)
		fprintf(stderr, "tcpsim: %s: out of memory\n", path);
	*len = n;
	return buf;
}

int cmd_pkt(int argc, char **argv)
{
	static const struct option opts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *profile = "freebsd";
	bool verbose = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	const struct tcp_profile *prof = tcp_profile_find(profile);
	if (!prof) {
		fprintf(stderr, "tcpsim: unknown profile '%s'\n", profile);
		return EXIT_USAGE;
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	enum pkt_system sys = strcmp(profile, "linux") == 0 ? PKT_SYS_LINUX
							      : PKT_SYS_FREEBSD;
	static const char *const bsd[] = {"FreeBSD", NULL};
	static const char *const lnx[] = {"Linux", NULL};
	static const char *const std[] = {"STANDARD", NULL};
	const char *const *defs = !strcmp(profile, "freebsd") ? bsd
				  : !strcmp(profile, "linux") ? lnx
							      : std;
	int passed = 0, failed = 0, unsupported = 0, bad = 0;
	for (int i = optind; i < argc; i++) {
		size_t len;
		char *text = slurp(argv[i], &len);
		if (!text) {
			bad++;
			continue;
		}
		struct pkt_script s;
		char err[512];
		int rc = pkt_parse(argv[i], text, len, defs, &s, err, sizeof err);
		free(text);
		if (rc < 0) {
			printf("%s\n", err);
			bad++;
			continue;
		}
		struct pkt_result res;
		pkt_run(&s, &prof->p, sys, verbose ? stdout : NULL, &res);
		switch (res.verdict) {
		case PKT_PASS:
			printf("ok    %s\n", argv[i]);
			passed++;
			break;
		case PKT_FAIL:
			printf("FAIL  %s:%d: %s\n", argv[i], res.line, res.msg);
			failed++;
			break;
		case PKT_UNSUPPORTED:
			printf("unsupported  %s:%d: %s\n", argv[i], res.line,
			       res.msg);
			unsupported++;
			break;
		}
		pkt_script_free(&s);
	}
	printf("%d passed, %d failed, %d unsupported", passed, failed,
	       unsupported);
	if (bad)
		printf(", %d not read", bad);
	printf("\n");
	return bad ? EXIT_USAGE : failed || unsupported ? EXIT_FAILED : EXIT_OK;
}
