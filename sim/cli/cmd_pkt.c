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
#include "sim/diagram/diagram_sinks.h"
#include "sim/out/outfile.h"
#include "sim/out/sinks.h"
#include "sim/pkt/run.h"

static void usage(FILE *f)
{
	fputs("Usage: tcpsim pkt [--profile freebsd|linux|rfc9293] [-v] "
	      "SCRIPT.pkt...\n"
	      "       tcpsim pkt [OPTIONS] [-t FILE] [--jsonl FILE] "
	      "[--pcap FILE] [--ladder] SCRIPT.pkt\n"
	      "\n"
	      "Play packetdrill scripts against the profile's stack, in "
	      "virtual time.\n"
	      "  -p, --profile NAME  the stack under test (default freebsd)\n"
	      "  -v, --verbose       print each segment as the script goes\n"
	      "With one script, its run as tcpsim run gives it (hosts tcp "
	      "and peer):\n"
	      "  -t, --trace FILE    the canonical text trace (- for standard "
	      "output)\n"
	      "      --jsonl FILE    the events as JSON Lines\n"
	      "      --pcap FILE     every segment, a pcap capture (pcapng if\n"
	      "                      FILE ends in .pcapng)\n"
	      "      --pcap-at WHERE sender (default), receiver, tcp or peer\n"
	      "      --pcap-format pcap|pcapng\n"
	      "      --ladder        the sequence diagram on standard output\n"
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

/* --pcap-at and --pcap-format: sender, receiver, or one of the two
 * hosts, tcp (0) and peer (1); -1 (said) if wrong or without --pcap. */
static int pcap_options(const char *path, const char *at, const char *fmt,
			struct pcap_opts *po)
{
	static const char *const where[] = {"sender", "receiver", "tcp",
					    "peer"};
	memset(po, 0, sizeof *po);
	po->a = po->b = -1;
	po->where = "sender";
	if ((at || fmt) && !path) {
		fprintf(stderr, "tcpsim: --%s says how --pcap captures: give "
				"--pcap FILE too\n",
			at ? "pcap-at" : "pcap-format");
		return -1;
	}
	int ng = cli_pcap_ng(path, fmt);
	if (ng < 0)
		return -1;
	po->ng = ng == 1;
	if (!at)
		return 0;
	for (int i = 0; i < 4; i++)
		if (strcmp(at, where[i]) == 0) {
			po->where = where[i];
			po->at = i == 0 ? PCAP_AT_SENDER
				 : i == 1 ? PCAP_AT_RECEIVER
					  : PCAP_AT_HOST;
			po->a = i >= 2 ? i - 2 : -1;
			return 0;
		}
	fprintf(stderr, "tcpsim: --pcap-at %s: say sender, receiver, tcp or "
			"peer\n",
		at);
	return -1;
}

/* The file outputs asked for, each a sink on a file that appears whole
 * or not at all, and the ladder on standard output. */
static int open_outputs(const struct pkt_script *s,
			const char *const paths[3], struct pcap_opts po,
			bool ladder,
			struct outfile files[3], struct trace_sink **sinks,
			int *n)
{
	char err[1024];
	struct pcap_addr6 map[2];
	po.v6 = pkt_ipv6(s, map);
	po.map6 = map;
	po.nmap6 = po.v6 ? 2 : 0;
	for (int k = 0; k < 3; k++) {
		if (!paths[k])
			continue;
		if (outfile_open(&files[k], paths[k], err, sizeof err) < 0) {
			fprintf(stderr, "tcpsim: %s\n", err);
			goto fail;
		}
		struct trace_sink *sk =
			k == 0	 ? sink_text_new(files[k].f)
			: k == 1 ? sink_jsonl_new(files[k].f)
				 : sink_pcap_open(files[k].f, &po, err,
						  sizeof err);
		if (!sk) {
			fprintf(stderr, "tcpsim: %s\n",
				k == 2 ? err : "out of memory");
			goto fail;
		}
		sinks[(*n)++] = sk;
	}
	if (ladder) {
		struct ladder_opts lo = {.relative = true};
		struct trace_sink *sk = sink_ladder_new(stdout, &lo);
		if (!sk) {
			fputs("tcpsim: out of memory\n", stderr);
			goto fail;
		}
		sinks[(*n)++] = sk;
	}
	return 0;
fail:
	for (int i = 0; i < *n; i++)
		if (sinks[i]->destroy)
			sinks[i]->destroy(sinks[i]);
	*n = 0;
	for (int k = 0; k < 3; k++)
		if (files[k].f)
			outfile_abort(&files[k]);
	return -1;
}

/* The files made whole, or none of them if a sink failed. */
static int close_outputs(struct outfile files[3], const struct pkt_result *res)
{
	char err[1024];
	int rc = 0;
	if (res->output_failed) {
		fprintf(stderr, "tcpsim: writing the outputs failed%s%s\n",
			res->output_error[0] ? ": " : "", res->output_error);
		rc = -1;
	}
	for (int k = 0; k < 3; k++) {
		if (!files[k].f)
			continue;
		if (rc < 0) {
			outfile_abort(&files[k]);
		} else if (outfile_commit(&files[k], err, sizeof err) < 0) {
			fprintf(stderr, "tcpsim: %s\n", err);
			rc = -1;
		}
	}
	return rc;
}

int cmd_pkt(int argc, char **argv)
{
	static const struct option opts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"verbose", no_argument, NULL, 'v'},
		{"trace", required_argument, NULL, 't'},
		{"jsonl", required_argument, NULL, 'J'},
		{"pcap", required_argument, NULL, 'P'},
		{"pcap-at", required_argument, NULL, 'K'},
		{"pcap-format", required_argument, NULL, 'F'},
		{"ladder", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *profile = "freebsd";
	const char *paths[3] = {NULL, NULL, NULL}; /* trace, jsonl, pcap */
	const char *pcap_at = NULL, *pcap_format = NULL;
	bool verbose = false, ladder = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:vt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 't':
			paths[0] = optarg;
			break;
		case 'J':
			paths[1] = optarg;
			break;
		case 'P':
			paths[2] = optarg;
			break;
		case 'K':
			pcap_at = optarg;
			break;
		case 'F':
			pcap_format = optarg;
			break;
		case 'L':
			ladder = true;
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
	struct pcap_opts po;
	if (pcap_options(paths[2], pcap_at, pcap_format, &po) < 0)
		return EXIT_USAGE;
	bool outputs = ladder || paths[0] || paths[1] || paths[2];
	if (outputs && argc - optind != 1) {
		fputs("tcpsim: pkt writes a trace, a capture or a ladder for "
		      "one script at a time\n",
		      stderr);
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
		struct outfile files[3] = {{0}};
		struct trace_sink *sinks[4];
		int nsinks = 0;
		if (outputs &&
		    open_outputs(&s, paths, po, ladder, files, sinks, &nsinks) < 0) {
			pkt_script_free(&s);
			return EXIT_USAGE;
		}
		struct pkt_result res;
		pkt_run(&s, &prof->p, sys, verbose ? stdout : NULL, sinks,
			nsinks, &res);
		if (outputs && close_outputs(files, &res) < 0)
			bad++;
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
