# tcpsim — one non-recursive Makefile; everything is built under $(BUILD).
#
#   make run       install missing packages, build, run the default scenario
#   make test      install missing packages, build, run every test
#   make prop      the property test: PROP_RUNS random scenarios (10000)
#   make asan      the tests under ASan + UBSan (clang), 3000 property runs
#   make valgrind  unit tests, the scenarios (every output) and 50 property
#                  runs under valgrind
#   make bench     benchmarks (not part of make test); with OpenMPI
#                  installed, also a sweep on 2 MPI ranks
#   make mpi       build/tcpsim-mpi: tcpsim whose batches of runs (sweep)
#                  are split over the ranks of an MPI job (OpenMPI;
#                  docs/mpi.md)
#   make bench-ns3 tcpsim and ns-3 side by side on the scale workloads
#                  (installs libns3-dev)
#   make fuzz      the libFuzzer harnesses (clang), FUZZ_TIME s each (1800)
#   make determinism  gcc and clang, -O0 and -O2: every output the same
#   make fuzz-build  build the three fuzz harnesses and replay their inputs
#   make layers    the architecture's rules (tests/layers.sh)
#   make install   the binary, the man pages, the scenarios and shell
#                  completion under PREFIX (/usr/local); DESTDIR stages
#                  it; make uninstall removes them again
#   make conformance  the FreeBSD suite's packetdrill scripts under the
#                  freebsd profile, a count per group (make test runs it
#                  when ../shared/conformance is there)
#
# Warnings are errors in CI and in the developers' targets (asan,
# determinism, fuzz): .ci/run says WERROR=-Werror. A user's make run
# builds with warnings shown, not fatal, so a newer compiler's new
# warning does not stop them.
#
# Variants build in their own directory: make BUILD=build/clang CC=clang.

.DEFAULT_GOAL := all
.SUFFIXES:

BUILD ?= build
OPT ?= -O2 -g
SAN ?=
EXTRA_CFLAGS ?=

YAML_CFLAGS := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
PCAP_LIBS := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
# OpenMPI, for tcpsim-mpi only; looked up when it is built
MPI_CFLAGS = $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS = $(shell pkg-config --libs ompi-c 2>/dev/null || echo -lmpi)

WERROR ?=
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	$(WERROR)
CPPFLAGS := -D_POSIX_C_SOURCE=200809L -I. -I$(BUILD)/gen
CFLAGS := -std=c11 $(WARN) $(OPT) $(SAN) $(EXTRA_CFLAGS) -MMD -MP
LDFLAGS := $(SAN)

# The library: every layer but the command line (sim/cli/, linked into
# the tcpsim binary only). docs/architecture.md maps the layers.
# sim/run/batch_mpi.c is tcpsim-mpi's, in place of batch_single.c.
LIB_SRCS := $(filter-out sim/run/batch_mpi.c,$(sort $(wildcard \
	sim/engine/*.c sim/scenario/*.c sim/run/*.c sim/verdict/*.c \
	sim/out/*.c sim/diagram/*.c sim/pkt/*.c models/*.c)))
CLI_SRCS := $(sort $(wildcard sim/cli/*.c))
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
# Every plots/NAME.gp is compiled in as the string plot_NAME_gp.
PLOT_SCRIPTS := $(sort $(wildcard plots/*.gp))
# The HTML view's stylesheet and script, compiled in as the strings
# html_view_css and html_view_js (sim/diagram/sink_html.c).
HTML_ASSETS := sim/diagram/html/view.css sim/diagram/html/view.js
HTML_GEN := $(HTML_ASSETS:sim/diagram/html/view.%=$(BUILD)/gen/html_view_%.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/builtin_data.o \
	$(PLOT_SCRIPTS:plots/%.gp=$(BUILD)/gen/%_gp.o) $(HTML_GEN:.c=.o)
SCENARIOS := $(sort $(wildcard scenarios/*.yaml))
TEST_SRCS := $(sort $(wildcard tests/check_*.c)) tests/tcp_harness.c \
	tests/failalloc.c
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCHES := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

TCPSIM := $(BUILD)/tcpsim
TCPSIM_MPI := $(BUILD)/tcpsim-mpi
BATCH_MPI := $(BUILD)/sim/run/batch_mpi.o
# tcpsim-mpi: the same objects, batch_mpi.o in place of batch_single.o
MPI_OBJS := $(CLI_OBJS) $(BATCH_MPI) \
	$(filter-out $(BUILD)/sim/run/batch_single.o,$(LIB_OBJS))
LIB := $(BUILD)/libtcpsim.a
CHECK_ALL := $(BUILD)/tests/check_all
PROP := $(BUILD)/tests/prop/prop
# Random scenarios the property test runs; its own TCPSIM_PROP_RUNS wins.
PROP_RUNS ?= 10000

.PHONY: all run test check unit buildsys layers bad cli golden payload prop pcap diagrams html pictures docs sweep \
	mpi mpi-test \
	fuzz fuzz-build fuzz-regress determinism pkt conformance \
	plots asan valgrind valgrind-run bench bench-run bench-ns3 clean deps-build \
	deps-test deps-asan deps-valgrind install uninstall install-test

all: $(TCPSIM)

# Two stamps rewritten only when what they hold changes: the compiler and
# its flags (a build with other flags rebuilds everything), and the list
# of scenarios (adding or deleting one rebuilds the built-in table, which
# the files' own dates cannot tell).
FLAGS_STAMP := $(BUILD)/gen/flags
SCN_LIST := $(BUILD)/gen/scenarios
stamp = $(shell mkdir -p $(BUILD)/gen && printf '%s\n' '$(2)' | \
	cmp -s - $(1) || printf '%s\n' '$(2)' >$(1))
$(call stamp,$(FLAGS_STAMP),$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS))
$(call stamp,$(SCN_LIST),$(SCENARIOS))

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(YAML_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/builtin_data.c: $(SCENARIOS) $(SCN_LIST) sim/scenario/embed.sh
	@mkdir -p $(@D)
	sh sim/scenario/embed.sh $@ $(SCENARIOS)

$(BUILD)/gen/builtin_data.o: $(BUILD)/gen/builtin_data.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The gnuplot scripts, each compiled in as the string plot_NAME_gp
# (plots/README.md), so an installed tcpsim needs no source tree to draw.
$(BUILD)/gen/%_gp.c: plots/%.gp sim/scenario/embed.sh
	@mkdir -p $(@D)
	sh sim/scenario/embed.sh --string plot_$*_gp $@ $<

$(BUILD)/gen/%_gp.o: $(BUILD)/gen/%_gp.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/html_view_%.c: sim/diagram/html/view.% sim/scenario/embed.sh
	@mkdir -p $(@D)
	sh sim/scenario/embed.sh --string html_view_$* $@ $<

$(BUILD)/gen/html_view_%.o: $(BUILD)/gen/html_view_%.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Kept, or make would delete them as intermediates and build them again
# (and relink everything) on every run.
.SECONDARY: $(PLOT_SCRIPTS:plots/%.gp=$(BUILD)/gen/%_gp.c) $(HTML_GEN)

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(TCPSIM): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PCAP_LIBS)

$(BATCH_MPI): sim/run/batch_mpi.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(MPI_CFLAGS) $(CFLAGS) -c $< -o $@

$(TCPSIM_MPI): $(MPI_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PCAP_LIBS) $(MPI_LIBS)

mpi: $(TCPSIM_MPI)

# The contract of batch_run() over MPI, without the simulator
# (tests/mpi/batch.c, run by tests/mpi.sh).
MPI_BATCH_TEST := $(BUILD)/tests/mpi/batch
$(MPI_BATCH_TEST): tests/mpi/batch.c $(BATCH_MPI) $(BUILD)/sim/run/batch.o
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MPI_LIBS)

$(BUILD)/tests/%.o: tests/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(YAML_CFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -c $< -o $@

# Allocations go through tests/failalloc.c, which can make one fail.
$(CHECK_ALL): $(TEST_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -Wl,--wrap=malloc -Wl,--wrap=calloc \
		-Wl,--wrap=realloc -o $@ $(TEST_OBJS) $(LIB) $(CHECK_LIBS) \
		$(YAML_LIBS) $(PCAP_LIBS)

# Not a Check suite: it reports its own figures (tests/prop/prop.c).
PROP_SRCS := $(sort $(wildcard tests/prop/*.c))
PROP_OBJS := $(PROP_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/tests/prop/%.o: tests/prop/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(YAML_CFLAGS) $(CFLAGS) -c $< -o $@

$(PROP): $(PROP_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(PROP_OBJS) $(LIB) $(YAML_LIBS) $(PCAP_LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(YAML_CFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(YAML_LIBS) \
		$(PCAP_LIBS) -lm

# ---- the README's two commands ------------------------------------------

deps-build deps-test deps-asan deps-valgrind:
	@sh .ci/deps $(@:deps-%=%)

run: deps-build
	@$(MAKE) --no-print-directory all
	$(TCPSIM) run

test: deps-test
	@$(MAKE) --no-print-directory check

# ---- install -------------------------------------------------------------
#
# GNU conventions: PREFIX (/usr/local) and the directories under it, each
# of which may be given on its own; DESTDIR stages the whole tree
# elsewhere (for a package: make install DESTDIR=/tmp/pkg). The scenarios
# are compiled into tcpsim too; installed, they are files to read and
# start from, and with their golden traces `tcpsim check
# $(DATADIR)/tcpsim/scenarios` checks the installed program.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
INSTALL ?= install
SCN_DIR := $(DATADIR)/tcpsim/scenarios
GOLDENS := $(sort $(wildcard scenarios/golden/*.trace))

install: $(TCPSIM)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SCN_DIR)/golden \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 755 $(TCPSIM) $(DESTDIR)$(BINDIR)/tcpsim
	$(INSTALL) -m 644 docs/man/tcpsim.1 $(DESTDIR)$(MANDIR)/man1/tcpsim.1
	$(INSTALL) -m 644 docs/man/tcpsim-scenario.5 \
		$(DESTDIR)$(MANDIR)/man5/tcpsim-scenario.5
	$(INSTALL) -m 644 $(SCENARIOS) $(DESTDIR)$(SCN_DIR)
	$(INSTALL) -m 644 $(GOLDENS) $(DESTDIR)$(SCN_DIR)/golden
	$(INSTALL) -m 644 docs/completion/tcpsim.bash \
		$(DESTDIR)$(BASHCOMPDIR)/tcpsim
	$(INSTALL) -m 644 docs/completion/_tcpsim $(DESTDIR)$(ZSHCOMPDIR)/_tcpsim

# Every file install made, and the directories that are tcpsim's own;
# the shared ones (bin, man1, ...) stay.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tcpsim $(DESTDIR)$(MANDIR)/man1/tcpsim.1 \
		$(DESTDIR)$(MANDIR)/man5/tcpsim-scenario.5 \
		$(DESTDIR)$(BASHCOMPDIR)/tcpsim $(DESTDIR)$(ZSHCOMPDIR)/_tcpsim \
		$(DESTDIR)$(SCN_DIR)/*.yaml $(DESTDIR)$(SCN_DIR)/golden/*.trace
	rmdir $(DESTDIR)$(SCN_DIR)/golden $(DESTDIR)$(SCN_DIR) \
		$(DESTDIR)$(DATADIR)/tcpsim 2>/dev/null || :

# ---- tests ---------------------------------------------------------------

check: unit layers buildsys bad cli golden payload pcap diagrams html docs \
	sweep mpi-test plots pictures pkt fuzz-regress install-test prop
	sh tests/conformance.sh --if-present $(TCPSIM)

unit: $(CHECK_ALL)
	$(CHECK_ALL)

# What the Makefile promises about rebuilding (tests/build.sh), and that
# .ci/deps installs what a fresh machine lacks (tests/deps.sh).
buildsys:
	sh tests/build.sh
	sh tests/deps.sh

# The layers of docs/architecture.md: no back edge, no circle, the TCB
# private, exit() only on the command line, headers that stand alone.
layers:
	sh tests/layers.sh $(CC)

bad: $(TCPSIM)
	sh tests/bad.sh $(TCPSIM)

cli: $(TCPSIM)
	sh tests/cli.sh $(TCPSIM)

# make install and uninstall staged with DESTDIR, the installed tcpsim
# run; the man pages through mandoc -Tlint; every command and option the
# program accepts in tcpsim(1) and both completion scripts, and every
# scenario key in tcpsim-scenario(5); bash and zsh completion exercised
# (tests/install.sh).
install-test: $(TCPSIM)
	sh tests/install.sh $(TCPSIM) $(BUILD)/install

# tcpsim pkt: the project's own packetdrill scripts (tests/pkt/) under the
# linux profile, and each verdict with its exit status.
pkt: $(TCPSIM)
	sh tests/pkt.sh $(TCPSIM)

# The FreeBSD suite's packetdrill scripts (../shared/conformance, beside
# the project) under the freebsd profile: a count per group
# (docs/conformance.md). make test runs it when the suite is there.
conformance: $(TCPSIM)
	sh tests/conformance.sh $(TCPSIM)

# Every scenario's trace against its golden (DIR/golden/NAME.trace).
golden: $(TCPSIM)
	$(TCPSIM) check --quiet scenarios tests/outputs

# The outputs pasted in the docs are what tcpsim prints now
# (tests/docs.sh; --update rewrites them).
docs: $(TCPSIM)
	sh tests/docs.sh $(TCPSIM) README.md $(wildcard docs/*.md)

# Every scenario's capture read by tshark, checksums validated; the
# capture points of --pcap-at, pcapng and its comments.
pcap: $(TCPSIM)
	sh tests/pcap.sh $(TCPSIM) $(BUILD)/pcap

# Payloads by reference against payloads as bytes: every scenario's
# outputs identical (tests/payload.sh).
payload: $(TCPSIM)
	sh tests/payload.sh $(TCPSIM) $(BUILD)/payload

# Every scenario's chart rendered by mscgen, its ladder plot by gnuplot.
diagrams: $(TCPSIM)
	sh tests/diagrams.sh $(TCPSIM) $(BUILD)/diagrams

# run --html: each page opened by headless chromium, which steps through
# it and reports errors; the same bytes twice; nothing outside the file.
html: $(TCPSIM)
	sh tests/html.sh $(TCPSIM) $(BUILD)/html

# tcpsim sweep: a table worked out by hand, the same with 1 to 3 jobs,
# the plot, errors, an interruption.
sweep: $(TCPSIM)
	sh tests/sweep.sh $(TCPSIM) $(BUILD)/sweep

# tcpsim-mpi: the contract of batch_run() over MPI ranks, and sweeps on 3
# ranks under mpirun the same bytes as tcpsim --jobs 1 (tests/mpi.sh).
mpi-test: $(TCPSIM) $(TCPSIM_MPI) $(MPI_BATCH_TEST)
	sh tests/mpi.sh $(TCPSIM) $(TCPSIM_MPI) $(MPI_BATCH_TEST) $(BUILD)/mpi

# tcpsim plot: every kind for every scenario it fits, silent and the same
# bytes twice; run --csv's files checked by hand; the errors.
plots: $(TCPSIM)
	sh tests/plots.sh $(TCPSIM) $(BUILD)/plots

# Pictures that scale and stay right: labels apart, colours kept, crashes
# marked, panels aligned, a 50-host run bounded (tests/pictures.sh).
pictures: $(TCPSIM)
	sh tests/pictures.sh $(TCPSIM) $(BUILD)/pictures

# The fuzz harnesses' saved inputs, replayed without libFuzzer: every
# input that once crashed one (tests/fuzz/regress/), and the loader's
# seeds. Under make asan they run with the sanitizers.
REPLAY_SCN := $(BUILD)/tests/replay_scenario
REPLAY_SEG := $(BUILD)/tests/replay_segment
REPLAY_PKT := $(BUILD)/tests/replay_pkt
$(BUILD)/tests/fuzz/%.o: tests/fuzz/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(YAML_CFLAGS) $(CFLAGS) -c $< -o $@
# tcp_harness.c again, with tests/fuzz/check.h for Check's assertions
$(BUILD)/tests/fuzz/tcp_harness.o: tests/tcp_harness.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) -Itests/fuzz -Itests $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(REPLAY_SCN): $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/scenario.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PCAP_LIBS)
$(REPLAY_SEG): $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/segment.o \
		$(BUILD)/tests/fuzz/tcp_harness.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PCAP_LIBS)
$(BUILD)/tests/fuzz/segment.o: CPPFLAGS += -Itests/fuzz -Itests
$(REPLAY_PKT): $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/pkt.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PCAP_LIBS)

fuzz-regress: $(REPLAY_SCN) $(REPLAY_SEG) $(REPLAY_PKT)
	$(REPLAY_SCN) tests/fuzz/regress/scenario/* $(SCENARIOS) \
		tests/outputs/*.yaml tests/bad/*.yaml
	$(REPLAY_SEG) tests/fuzz/regress/segment/*
	$(REPLAY_PKT) tests/fuzz/regress/pkt/* tests/pkt/*.pkt

# libFuzzer harnesses for the scenario loader, the segment-arrival
# path and the packetdrill parser, built with clang and ASan + UBSan in
# build/fuzz, run side by side for FUZZ_TIME seconds each
# (tests/fuzz/run.sh).
FUZZ_TIME ?= 1800
FUZZ_DIR := build/fuzz
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(WARN) -Werror $(CPPFLAGS) $(YAML_CFLAGS)
# The segment path alone: the TCP model and the engine under it.
TCP_SRCS := $(sort $(wildcard models/tcp*.c)) models/segment.c
ENGINE_SRCS := $(sort $(wildcard sim/engine/*.c))
FUZZ_SEG_SRCS := tests/fuzz/segment.c tests/tcp_harness.c $(TCP_SRCS) \
	$(ENGINE_SRCS)
FUZZ_GEN := $(BUILD)/gen/builtin_data.c \
	$(PLOT_SCRIPTS:plots/%.gp=$(BUILD)/gen/%_gp.c) $(HTML_GEN)

$(FUZZ_DIR)/fuzz_scenario: tests/fuzz/scenario.c $(LIB_SRCS) $(FUZZ_GEN)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(YAML_LIBS) $(PCAP_LIBS)
$(FUZZ_DIR)/fuzz_segment: $(FUZZ_SEG_SRCS) tests/fuzz/check.h
	@mkdir -p $(@D)
	clang -Itests/fuzz -Itests $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)
# The packetdrill script parser and runner, over the TCP model.
$(FUZZ_DIR)/fuzz_pkt: tests/fuzz/pkt.c $(sort $(wildcard sim/pkt/*.c)) \
		$(TCP_SRCS) $(ENGINE_SRCS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

fuzz: deps-asan
	@$(MAKE) --no-print-directory $(FUZZ_DIR)/fuzz_scenario \
		$(FUZZ_DIR)/fuzz_segment $(FUZZ_DIR)/fuzz_pkt
	sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME)

# Both harnesses built with libFuzzer, and every saved input run through
# each once: CI does this, so a harness cannot rot between the fuzzing
# sessions that make fuzz is for.
fuzz-build: deps-asan
	@$(MAKE) --no-print-directory $(FUZZ_DIR)/fuzz_scenario \
		$(FUZZ_DIR)/fuzz_segment $(FUZZ_DIR)/fuzz_pkt
	sh tests/fuzz/replay.sh $(FUZZ_DIR)/fuzz_scenario \
		tests/fuzz/regress/scenario/* $(SCENARIOS) tests/outputs/*.yaml \
		tests/bad/*.yaml
	sh tests/fuzz/replay.sh $(FUZZ_DIR)/fuzz_segment \
		tests/fuzz/regress/segment/*
	sh tests/fuzz/replay.sh $(FUZZ_DIR)/fuzz_pkt tests/fuzz/regress/pkt/* \
		tests/pkt/*.pkt

# A failing run leaves its scenario in $(BUILD)/prop-fail-RUN.yaml.
prop: $(PROP)
	$(PROP) -n $(PROP_RUNS) -o $(BUILD)

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
asan: deps-asan
	@$(MAKE) --no-print-directory BUILD=build/asan CC=clang OPT="-O1 -g" \
		SAN="$(SAN_FLAGS)" PROP_RUNS=3000 WERROR=-Werror check

# Reachable blocks are not errors: a forked sweep worker ends with
# _exit() holding what it inherited from its parent, which the parent
# frees. tcpsim keeps nothing in globals, so in a process that returns
# from main a block not freed is lost, and that is an error.
VALGRIND := valgrind --error-exitcode=3 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect,possible --quiet
valgrind: deps-valgrind
	@$(MAKE) --no-print-directory valgrind-run

valgrind-run: $(CHECK_ALL) $(TCPSIM) $(PROP)
	CK_FORK=no $(VALGRIND) $(CHECK_ALL)
	$(VALGRIND) $(PROP) -n 50 -j 1 -o $(BUILD)
	@mkdir -p $(BUILD)/valgrind
	for s in $(SCENARIOS); do \
		$(VALGRIND) $(TCPSIM) run --quiet $$s \
			--trace $(BUILD)/valgrind/t --jsonl $(BUILD)/valgrind/j \
			--pcap $(BUILD)/valgrind/p --msc $(BUILD)/valgrind/m \
			--diagram $(BUILD)/valgrind/d.svg \
			--ladder-plot $(BUILD)/valgrind/l.png \
			--html $(BUILD)/valgrind/h.html || exit 1; \
		$(VALGRIND) $(TCPSIM) run --relative $$s >/dev/null || exit 1; \
	done
	$(VALGRIND) $(TCPSIM) check --quiet scenarios tests/outputs
	$(VALGRIND) $(TCPSIM) run --quiet scenarios/bulk-transfer-loss.yaml \
		--csv $(BUILD)/valgrind/csv
	for k in timeseq cwnd rtt states ladder; do \
		$(VALGRIND) $(TCPSIM) plot $$k bulk-transfer-loss \
			-o $(BUILD)/valgrind/$$k.svg || exit 1; \
	done
	$(VALGRIND) $(TCPSIM) plot states keepalive-client-crash \
		-o $(BUILD)/valgrind/states.pdf
	$(VALGRIND) $(TCPSIM) sweep -q -j 1 handshake-under-loss \
		--set links.0.loss=0,0.2 --set tcp.handshake=two-way,three-way \
		--seeds 5 -o $(BUILD)/valgrind/s1.csv --plot $(BUILD)/valgrind/s.svg
	$(VALGRIND) $(TCPSIM) sweep -q -j 2 handshake-under-loss \
		--set links.0.loss=0,0.2 --set tcp.handshake=two-way,three-way \
		--seeds 5 -o $(BUILD)/valgrind/s2.csv
	cmp $(BUILD)/valgrind/s1.csv $(BUILD)/valgrind/s2.csv

# The same bytes from four builds: gcc and clang, each at -O0 and -O2
# (tests/determinism.sh: every scenario's trace, JSON Lines, pcap and
# chart, and a sweep table). CI runs it after make test.
DET_BUILDS := gcc-O0 gcc-O2 clang-O0 clang-O2
determinism: deps-asan
	@for b in $(DET_BUILDS); do \
		$(MAKE) --no-print-directory -j2 BUILD=build/det-$$b \
			CC=$${b%-*} OPT="-$${b#*-} -g" WERROR=-Werror \
			build/det-$$b/tcpsim \
			>/dev/null || exit 1; \
	done
	sh tests/determinism.sh build/det $(DET_BUILDS:%=build/det-%/tcpsim)

bench: deps-build
	@$(MAKE) --no-print-directory bench-run

# The sweep on 2 MPI ranks against 1 and 2 worker processes
# (bench/mpi.sh), where OpenMPI is installed (sh .ci/deps test).
bench-run: $(BENCHES) $(TCPSIM)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done
	@echo "== bench/mpi.sh"
	@if command -v mpirun >/dev/null && pkg-config --exists ompi-c; then \
		$(MAKE) --no-print-directory -s $(TCPSIM_MPI) && \
		sh bench/mpi.sh $(TCPSIM) $(TCPSIM_MPI); \
	else \
		echo "skipped: no OpenMPI (sh .ci/deps test installs it)"; \
	fi

# tcpsim against ns-3 (Debian's libns3-dev, installed here) on the scale
# workloads, side by side (bench/ns3/compare.sh); not part of make bench.
bench-ns3: $(BUILD)/bench/scale
	sh .ci/deps ns3
	sh bench/ns3/compare.sh $(BUILD)

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(CLI_OBJS:.o=.d) \
	$(BATCH_MPI:.o=.d) \
	$(BENCHES:=.d) \
	$(wildcard $(BUILD)/tests/fuzz/*.d) \
	$(PROP_OBJS:.o=.d)
