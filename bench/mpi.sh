#!/bin/sh
# mpi.sh TCPSIM TCPSIM_MPI — how fast a sweep runs on MPI ranks.
#
# The sweep of bench/sweep.c (handshake-and-close, many seeds, the
# default metrics) as a whole command: tcpsim with 1 and 2 worker
# processes, and tcpsim-mpi on 2 ranks under mpirun. Runs per second of
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
# one NAME CMD...: CMD (a sweep into $t/NAME.csv), and how fast it was
one() {
	name=$1
	shift
	t0=$(now)
	"$@"
	t1=$(now)
	awk -v n="$seeds" -v a="$t0" -v b="$t1" -v name="$name" 'BEGIN {
		printf "sweep handshake-and-close, %d seeds, %s: %.3f s, %.0f runs/s\n",
			n, name, b - a, n / (b - a) }'
}
one "1 job" "$tcpsim" $sweep --jobs 1 -o "$t/1.csv"
one "2 jobs" "$tcpsim" $sweep --jobs 2 -o "$t/2.csv"
one "2 MPI ranks" timeout 600 mpirun --oversubscribe --allow-run-as-root \
	-np 2 "$tcpsim_mpi" $sweep -o "$t/mpi.csv"
cmp "$t/1.csv" "$t/mpi.csv"
cmp "$t/1.csv" "$t/2.csv"
