/* main.c — the tcpsim command line: which command, and the usage.
 *
 * sim/cli/ is the only code that writes to the terminal (with the trace
 * sinks, to the files they are given) and the only code that calls
 * exit(); it is linked into the tcpsim binary, not into libtcpsim.a.
 * Each command is one file, cmd_NAME.c. Exit statuses, for every
 * command: 0 success; 1 a run or comparison failed; 2 a usage or input
 * error.
 *
 * tcpsim-mpi (docs/mpi.md) runs the same command on every rank of an MPI
 * job; only the leader, rank 0, shows anything. The others' standard
 * output goes nowhere, and their standard error is held back and shown
 * only if the rank ends with another status than the leader (then it
 * says what the leader could not).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/run/batch.h"
#include "sim/scenario/builtin.h"

#define TCPSIM_VERSION "0.1.0"

/* The one piece of process-wide state: raised by SIGINT/SIGTERM, read by
 * the event loop through sim.interrupt. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void cli_usage(FILE *f)
{
	fputs("Usage: tcpsim COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  run [SCENARIO] [OPTIONS]  run a scenario file (SCENARIO.yaml) or a\n"
	      "                            built-in scenario by name; with none, the\n"
	      "                            built-in '" BUILTIN_DEFAULT "'\n"
	      "  check SCENARIO.yaml...|DIR  run scenarios and compare each trace\n"
	      "                            with its golden, DIR/golden/NAME.trace\n"
	      "                            (tcpsim check --help)\n"
	      "  diff A.trace B.trace      compare two traces\n"
	      "  plot KIND SCENARIO -o FILE  draw a plot of a run with gnuplot:\n"
	      "                            timeseq, cwnd, rtt, states, queue, ladder\n"
	      "                            (tcpsim plot --help)\n"
	      "  sweep SCENARIO --set PATH=VALUES... -o FILE.csv\n"
	      "                            run a scenario over parameter values and\n"
	      "                            seeds into a table (tcpsim sweep --help)\n"
	      "  explore SCENARIO --drops K  run every set of at most K faults\n"
	      "                            on the first segments; report the\n"
	      "                            smallest failing sets (tcpsim\n"
	      "                            explore --help)\n"
	      "  pkt SCRIPT.pkt...         play packetdrill scripts against a\n"
	      "                            profile's stack (tcpsim pkt --help)\n"
	      "  list                      list the built-in scenarios\n"
	      "  show NAME                 print a built-in scenario's YAML, to\n"
	      "                            start one of your own from it\n"
	      "  help                      show this help\n"
	      "\n"
	      "Options of run:\n",
	      f);
	cli_run_options_help(f, CLI_SEED | CLI_LIMITS);
	fputs("  -t, --trace FILE      write the canonical text trace to FILE (- for\n"
	      "                        standard output)\n"
	      "      --jsonl FILE      write the events as JSON Lines to FILE\n"
	      "      --queue-events    add each segment's entry into a link's queue\n"
	      "                        (and CoDel's exit) to the trace and JSON Lines\n"
	      "      --payload-bytes   carry payloads as bytes, copied at every step,\n"
	      "                        not as references into the senders' streams:\n"
	      "                        slower, the same run (a check of the\n"
	      "                        references)\n"
	      "      --whole           keep connections at rest whole, not packed:\n"
	      "                        more memory, the same run (a check of the\n"
	      "                        packing)\n"
	      "      --pcap FILE       write every segment to FILE, a pcap capture\n"
	      "                        (pcapng, with comments, if FILE ends in\n"
	      "                        .pcapng)\n"
	      "      --pcap-at WHERE   sender (send times, the default), receiver\n"
	      "                        (arrival times), HOST (what it sends and\n"
	      "                        receives), or one link (A-B, or A>B)\n"
	      "      --pcap-format pcap|pcapng\n"
	      "                        the capture's format, whatever FILE's name\n"
	      "      --msc FILE        write a message sequence chart (mscgen) to\n"
	      "                        FILE\n"
	      "      --diagram FILE    render that chart to FILE.svg or FILE.png\n"
	      "                        (needs mscgen)\n"
	      "      --ladder-plot FILE\n"
	      "                        draw the sequence diagram to scale,\n"
	      "                        FILE.svg, FILE.png or FILE.pdf (needs\n"
	      "                        gnuplot)\n"
	      "      --html FILE       write one self-contained HTML page that\n"
	      "                        steps through the run: the diagram to\n"
	      "                        scale, every segment's fields and fate,\n"
	      "                        each connection's variables\n"
	      "      --csv DIR         write segments, ACKs, cwnd, RTT, states and\n"
	      "                        losses as CSV files into DIR (docs/plots.md)\n"
	      "      --absolute        sequence numbers in the diagrams as the\n"
	      "                        trace has them, not relative to each\n"
	      "                        side's initial one (as Wireshark shows\n"
	      "                        them, the default)\n"
	      "      --relative        relative ones (the default)\n"
	      "      --explain         under each row of the sequence diagram, the\n"
	      "                        rule that decided it; discards at the\n"
	      "                        receiver and timers set and fired as rows\n"
	      "      --vars            add SND.UNA, SND.NXT, RCV.NXT, SND.WND and\n"
	      "                        RCV.WND of the row's connection, after it\n"
	      "      --hosts A,B       draw only these hosts in the ladder, the\n"
	      "                        chart, the ladder plot and the CSV files\n"
	      "                        (segments through the others are followed)\n"
	      "      --no-ladder       do not draw the sequence diagram\n"
	      "      --ascii           draw the diagram with ASCII characters only\n"
	      "      --no-color        no colour in the diagram (also: NO_COLOR\n"
	      "                        set, or standard output not a terminal)\n"
	      "  -q, --quiet           print nothing but errors\n"
	      "\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version\n"
	      "\n"
	      "Exit status: 0 the run completed and every expectation held,\n"
	      "1 an expectation failed or the run did not complete (event\n"
	      "limit, interrupted), 2 usage or input error. See docs/cli.md.\n",
	      f);
}

static int run_command(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		cli_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("tcpsim %s\n", TCPSIM_VERSION);
		return EXIT_OK;
	}
	/* each command gets its own argv, with its name as argv[0] */
	argc--;
	argv++;
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc, argv, &interrupted);
	if (strcmp(cmd, "list") == 0)
		return cmd_list();
	if (strcmp(cmd, "show") == 0)
		return cmd_show(argc, argv);
	if (strcmp(cmd, "pkt") == 0)
		return cmd_pkt(argc, argv);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc, argv, &interrupted);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(argc, argv);
	if (strcmp(cmd, "plot") == 0)
		return cmd_plot(argc, argv, &interrupted);
	if (strcmp(cmd, "sweep") == 0)
		return cmd_sweep(argc, argv, &interrupted);
	if (strcmp(cmd, "explore") == 0)
		return cmd_explore(argc, argv, &interrupted);
	/* a scenario where a command goes: say how to run it */
	size_t n = strlen(cmd);
	bool yaml = (n > 5 && strcmp(cmd + n - 5, ".yaml") == 0) ||
		    (n > 4 && strcmp(cmd + n - 4, ".yml") == 0);
	if (yaml || builtin_find(cmd)) {
		fprintf(stderr,
			"tcpsim: unknown command '%s': to run that scenario, "
			"tcpsim run %s\n",
			cmd, cmd);
		return EXIT_USAGE;
	}
	fprintf(stderr, "tcpsim: unknown command '%s' (tcpsim help lists the "
			"commands)\n",
		cmd);
	return EXIT_USAGE;
}

/* A rank but the leader: standard output to nowhere, standard error into
 * a temporary file; returns the real standard error's descriptor, or -1
 * (then standard error is left as it is). */
static int hold_output(void)
{
	if (!freopen("/dev/null", "w", stdout))
		return -1;
	FILE *t = tmpfile();
	int real = t ? dup(STDERR_FILENO) : -1;
	if (real < 0 || dup2(fileno(t), STDERR_FILENO) < 0) {
		if (real >= 0)
			close(real);
		if (t)
			fclose(t);
		return -1;
	}
	fclose(t);
	return real;
}

/* What the rank held back, to the real standard error. */
static void show_held(int real)
{
	fflush(stderr);
	if (lseek(STDERR_FILENO, 0, SEEK_SET) < 0)
		return;
	char buf[4096];
	ssize_t k;
	while ((k = read(STDERR_FILENO, buf, sizeof buf)) > 0)
		if (write(real, buf, (size_t)k) != k)
			return;
}

int main(int argc, char **argv)
{
	char err[256];
	if (batch_init(&argc, &argv, err, sizeof err) < 0) {
		fprintf(stderr, "tcpsim: %s\n", err);
		return EXIT_USAGE;
	}
	int real = batch_leader() ? -1 : hold_output();
	int status = run_command(argc, argv);
	fflush(stdout);
	if (!batch_finish(status) && real >= 0)
		show_held(real);
	return status;
}
