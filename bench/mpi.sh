#!/bin/sh
# mpi.sh TCPSIM TCPSIM_MPI — how fast a sweep and an exploration run on
# MPI ranks.
#
# The sweep of bench/sweep.c (handshake-and-close, many seeds, the
# default metrics) and the exploration of bench/explore.c (lost-final-ack,
# up to 4 drops and 2 duplicates: 20,403 fault sets) as whole commands:
# tcpsim with 1 and 2 worker processes, and tcpsim-mpi on 2 ranks under
# mpirun. Runs per second of
# wall time, from start to the table written, so the MPI figure includes
# mpirun starting the ranks (about half a second here). Prints numbers,
# asserts nothing about them; the tables must be the same bytes.
set -eu
tcpsim=$1
tcpsim_mpi=$2
seeds=${BENCH_MPI_SEEDS:-400000}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none

now() { date +%s.%N; }
sweep="sweep -q handshake-and-close --seeds $seeds"
# one NAME RUNS WHAT CMD...: CMD, and how fast it ran RUNS runs
one() {
	name=$1
	runs=$2
	what=$3
	shift 3
	t0=$(now)
	"$@"
	t1=$(now)
	awk -v n="$runs" -v a="$t0" -v b="$t1" -v name="$name" -v what="$what" 'BEGIN {
		printf "%s, %s: %.3f s, %.0f runs/s\n",
			what, name, b - a, n / (b - a) }'
}
what="sweep handshake-and-close, $seeds seeds"
one "1 job" "$seeds" "$what" "$tcpsim" $sweep --jobs 1 -o "$t/1.csv"
one "2 jobs" "$seeds" "$what" "$tcpsim" $sweep --jobs 2 -o "$t/2.csv"
one "2 MPI ranks" "$seeds" "$what" timeout 600 mpirun --oversubscribe \
	--allow-run-as-root -np 2 "$tcpsim_mpi" $sweep -o "$t/mpi.csv"
cmp "$t/1.csv" "$t/mpi.csv"
cmp "$t/1.csv" "$t/2.csv"

# judged by `finished`, which no set fails: a rank ending with status 1
# makes mpirun take its abort path, two seconds that would be counted
explore="explore lost-final-ack --drops 4 --dups 2 --invariant finished -q"
sets=20403
what="explore lost-final-ack --drops 4 --dups 2, $sets fault sets"
one "1 job" "$sets" "$what" sh -c "\"$tcpsim\" $explore --jobs 1 >\"$t/e1\""
one "2 jobs" "$sets" "$what" sh -c "\"$tcpsim\" $explore --jobs 2 >\"$t/e2\""
one "2 MPI ranks" "$sets" "$what" sh -c "timeout 600 mpirun --oversubscribe \
	--allow-run-as-root -np 2 \"$tcpsim_mpi\" $explore >\"$t/em\""
cmp "$t/e1" "$t/e2"
cmp "$t/e1" "$t/em"
grep -q "^fault sets: $sets run" "$t/e1"
