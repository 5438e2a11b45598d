#!/bin/sh
# mpi.sh TCPSIM TCPSIM_MPI BATCH OUTDIR — tcpsim-mpi against tcpsim.
#
# The contract of batch_run() over MPI (BATCH: tests/mpi/batch.c): two
# batches in a row, the second computed from the first's records, with
# every rank holding the same records as one process, every run done
# exactly once and each rank doing some; ranks that disagree on a batch,
# or one that ends before it, fail it on every rank instead of hanging.
# Then sweeps run by 3 ranks under mpirun against `tcpsim sweep --jobs 1`:
# the table, the plot and the summary the same bytes, one of them with
# runs of very uneven lengths, one with --jobs (ignored under MPI); a
# usage error said once, not once per rank; an interrupted sweep (mpirun
# passes the signal on) that writes nothing and leaves no rank behind.
#
# Every mpirun has a time limit, so a rank left waiting fails the test
# instead of hanging it. OpenMPI's plugins keep memory to the end and are
# unloaded before LeakSanitizer could name them, so under make asan the
# leak check is off for these runs (ASan's other checks stay on); the
# same code is leak-checked without MPI by tests/sweep.sh.
set -eu
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
tcpsim=$(abs "$1")
tcpsim_mpi=$(abs "$2")
batch=$(abs "$3")
. "$(dirname "$0")/lib.sh"
scratch "$4"

# As root (CI, containers) OpenMPI wants to be told it may run; shared
# memory between the ranks of one machine, and nothing on the network.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
mpi() { # NP CMD...: under mpirun, two minutes at most
	np=$1
	shift
	timeout -k 5 120 mpirun --oversubscribe --allow-run-as-root -np "$np" "$@"
}

# ---- the contract, without the simulator ----------------------------------
n=$((n + 1))
if ! timeout 60 "$batch" >"$out/one" 2>"$out/one.err"; then
	fail "batch alone: exit status $?"
	cat "$out/one.err"
fi
if ! mpi 3 "$batch" >"$out/three" 2>"$out/three.err"; then
	fail "batch on 3 ranks: exit status $?"
	cat "$out/three.err"
fi
n=$((n + 1))
[ -s "$out/three.err" ] && fail "batch on 3 ranks wrote to stderr: $(head -n 3 "$out/three.err")"
# "rank R: N1 runs SUM1, N2 runs SUM2; ran K"
want=$(sed 's/^rank 0: \(.*\); ran .*/\1/' "$out/one")
n=$((n + 1))
[ "$(sed 's/^rank [0-9]*: \(.*\); ran .*/\1/' "$out/three" | sort -u)" = "$want" ] ||
	fail "ranks hold other records than one process: $(cat "$out/one" "$out/three")"
n=$((n + 1))
[ "$(sed 's/^rank \([0-9]*\):.*/\1/' "$out/three" | sort | tr '\n' ' ')" = "0 1 2 " ] ||
	fail "not one line per rank: $(cat "$out/three")"
# every run done once, by one rank or another, and each rank did some
n=$((n + 1))
if [ "$(grep -c '^rank [0-9]: [0-9]* runs [0-9a-f]*, [0-9]* runs [0-9a-f]*; ran [0-9]*$' "$out/three")" -ne 3 ]; then
	fail "batch on 3 ranks: said $(cat "$out/three")"
else
	runs=$(echo "$want" | sed 's/^\([0-9]*\) runs [0-9a-f]*, \([0-9]*\) runs.*/\1 + \2/')
	ran=$(sed 's/.*; ran //' "$out/three" | paste -sd+ -)
	[ "$(( $ran ))" -eq "$(( $runs ))" ] || fail "the ranks ran $ran runs, not $runs"
	n=$((n + 1))
	grep -q '; ran 0$' "$out/three" && fail "a rank ran nothing: $(cat "$out/three")"
fi

# disagree: rank 1 has one run more; leave: rank 2 ends before the batch
for mode in disagree leave; do
	n=$((n + 1))
	set +e
	mpi 3 "$batch" "$mode" >"$out/$mode" 2>"$out/$mode.err"
	rc=$?
	set -e
	case $mode in
	disagree)
		msg="-1 the ranks disagree on the batch (rank 0: 3000 runs of 3 words, rank 1: 3001 of 3): does every node run the same binary on the same scenario?"
		lines=3 ;;
	leave)
		msg="-1 rank 2 ended (exit status 2) before this batch"
		lines=2 ;;
	esac
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "$mode: exit status $rc"
	elif [ "$(sed 's/^rank [0-9]*: //' "$out/$mode" | sort -u)" != "$msg" ] ||
		[ "$(wc -l <"$out/$mode")" -ne "$lines" ]; then
		fail "$mode: said"
		sed 's/^/  | /' "$out/$mode"
	fi
done

# ---- sweeps: 3 ranks against one process ------------------------------------
# compare NAME CMD ARGS...: tcpsim-mpi CMD on 3 ranks and tcpsim CMD
# --jobs 1, each in a directory of its own; the same exit status, files
# and standard output, and nothing on standard error
compare() {
	name=$1
	cmd=$2
	shift 2
	n=$((n + 1))
	rm -rf "$out/$name"
	mkdir -p "$out/$name/mpi" "$out/$name/one"
	set +e
	(cd "$out/$name/mpi" && mpi 3 "$tcpsim_mpi" "$cmd" "$@") \
		>"$out/$name/mpi.out" 2>"$out/$name/mpi.err"
	st_mpi=$?
	(cd "$out/$name/one" && "$tcpsim" "$cmd" --jobs 1 "$@") \
		>"$out/$name/one.out" 2>"$out/$name/one.err"
	st_one=$?
	set -e
	if [ "$st_mpi" -gt 1 ] || [ "$st_mpi" -ne "$st_one" ]; then
		fail "$name: exit status $st_mpi under mpirun, $st_one alone"
		sed 's/^/  | /' "$out/$name/mpi.err" | head -n 5
		return 0
	fi
	# mpirun's own notice of a rank ending with a status but 0 (explore
	# ends with 1 when a fault set fails) is framed in dashed lines
	sed '/^-\{20,\}$/,/^-\{20,\}$/d' "$out/$name/mpi.err" >"$out/$name/mpi.err2"
	[ -s "$out/$name/mpi.err2" ] && fail "$name: wrote to stderr: $(head -n 3 "$out/$name/mpi.err2")"
	cmp -s "$out/$name/mpi.out" "$out/$name/one.out" ||
		fail "$name: standard output differs"
	[ "$(cd "$out/$name/mpi" && find . | sort)" = "$(cd "$out/$name/one" && find . | sort)" ] ||
		fail "$name: other files: $(ls -R "$out/$name/mpi") | $(ls -R "$out/$name/one")"
	for f in $(cd "$out/$name/one" && find . -type f); do
		cmp -s "$out/$name/one/$f" "$out/$name/mpi/$f" ||
			fail "$name: $f differs"
	done
}

compare handshake sweep handshake-under-loss --set links.0.loss=0:0.3:0.05 \
	--set tcp.handshake=two-way,three-way --seeds 40 -o t.csv \
	--plot p.svg --plot-metric completed
# no loss: 0.7 ms a run; 20% loss: several RTOs and many times longer
compare uneven sweep bulk-transfer-loss --set links.0.loss=0,0.001,0.2 \
	--seeds 1:25 --metric completed,completion_time,retransmissions,end \
	-o t.csv
compare jobs sweep syn-retransmit --set links.0.rules.0.first=1:3:1 --seeds 7 \
	--jobs 2 -o t.csv

# explore: one batch a level, each built from the last one's records on
# every rank; the report and the minimal sets written the same
compare explore explore handshake-and-close --drops 2 --dups 1 -q -o min
compare explore-none explore lost-syn-ack-three-way --drops 2 -q --coverage

# ---- errors and interruptions ------------------------------------------------
# a usage error: every rank ends with status 2, the leader alone says why
n=$((n + 1))
set +e
(cd "$out" && mpi 3 "$tcpsim_mpi" sweep handshake-under-loss --seeds 0 \
	-o never.csv) >"$out/usage.out" 2>"$out/usage.err"
rc=$?
set -e
if [ "$rc" -ne 2 ]; then
	fail "usage error: exit status $rc, want 2"
elif [ "$(grep -c '^tcpsim:' "$out/usage.err")" -ne 1 ] ||
	! grep -qx 'tcpsim: --seeds must be at least 1' "$out/usage.err"; then
	fail "usage error: said"
	sed 's/^/  | /' "$out/usage.err" | head -n 10
fi

# Ctrl-C reaches mpirun alone (each rank has a process group of its
# own), which passes it on as SIGTERM: every rank stops, nothing is
# written. (--foreground: timeout must not send a second signal, which
# mpirun takes for "kill them now".)
n=$((n + 1))
mkdir -p "$out/int"
(cd "$out/int" && exec timeout --foreground -k 5 120 mpirun --oversubscribe \
	--allow-run-as-root -np 3 "$tcpsim_mpi" sweep bulk-transfer-loss \
	--set links.0.loss=0.01,0.02 --seeds 50000 -o never.csv) \
	>"$out/int.out" 2>"$out/int.err" &
pid=$!
# once every rank runs
for _ in $(seq 100); do
	[ "$(pgrep -f -c "$tcpsim_mpi sweep bulk-transfer-loss" || :)" -ge 3 ] && break
	sleep 0.1
done
sleep 1
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
if [ "$rc" -ne 1 ]; then
	fail "interrupted: exit status $rc, want 1"
	sed 's/^/  | /' "$out/int.err" | head -n 10
elif [ "$(grep -v '^\[warn\] ' "$out/int.err")" != \
	"tcpsim: interrupted; no output file was written" ]; then
	# (mpirun's event library may warn, "[warn] Epoll ...", as it
	# takes the job down: its own words, not a rank's)
	fail "interrupted: said"
	sed 's/^/  | /' "$out/int.err" | head -n 10
fi
n=$((n + 1))
[ -z "$(ls -A "$out/int")" ] || fail "interrupted: left files: $(ls -A "$out/int")"
n=$((n + 1))
sleep 0.5
pgrep -f "$tcpsim_mpi sweep bulk-transfer-loss" >/dev/null &&
	fail "interrupted: a rank is still there"

echo "mpi: $n checks, $fails failed"
[ "$fails" -eq 0 ]
