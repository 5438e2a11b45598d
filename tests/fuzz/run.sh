#!/bin/sh
# run.sh DIR SECONDS — run the three fuzz harnesses side by side for
# SECONDS each (libFuzzer's -max_total_time), from seeded corpora kept in
# DIR.
#
# The scenario loader's corpus starts from every scenario (scenarios/,
# tests/outputs/) and every bad input (tests/bad/); the segment path's
# from the inputs that once broke it (tests/fuzz/regress/segment/); the
# packetdrill parser's from tests/fuzz/regress/pkt/ and, if the FreeBSD
# suite is beside the project (../shared/conformance), its scripts —
# copied into DIR, never into the project.
# Corpora grow across runs. A crash is written to DIR/crashes/ and makes
# the run fail: fix it, then keep the input in tests/fuzz/regress/ so
# that `make test` replays it. At the end: executions, coverage and
# corpus size of each harness.
set -eu
dir=$1
secs=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir/corpus-scenario" "$dir/corpus-segment" "$dir/corpus-pkt" \
	"$dir/crashes"
for f in "$top"/scenarios/*.yaml "$top"/tests/outputs/*.yaml; do
	cp "$f" "$dir/corpus-scenario/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
done
for f in "$top"/tests/bad/*.yaml; do
	cp "$f" "$dir/corpus-scenario/seed-bad-$(basename "$f")"
done
cp "$top"/tests/fuzz/regress/segment/* "$dir/corpus-segment/"
cp "$top"/tests/fuzz/regress/scenario/* "$dir/corpus-scenario/"
cp "$top"/tests/fuzz/regress/pkt/* "$top"/tests/pkt/*.pkt "$dir/corpus-pkt/"
suite=$top/../shared/conformance
if [ -d "$suite" ]; then
	find "$suite" -name '*.pkt' | while read -r f; do
		cp "$f" "$dir/corpus-pkt/seed-$(basename "$f")"
	done
fi

before=$(ls "$dir/crashes" | wc -l)
echo "fuzz: scenario loader, segment path and packetdrill parser, ${secs} s each, in parallel"
"$dir/fuzz_scenario" "$dir/corpus-scenario" -max_total_time="$secs" \
	-max_len=8192 -print_final_stats=1 -artifact_prefix="$dir/crashes/scenario-" \
	>"$dir/scenario.log" 2>&1 &
p1=$!
"$dir/fuzz_segment" "$dir/corpus-segment" -max_total_time="$secs" \
	-print_final_stats=1 -artifact_prefix="$dir/crashes/segment-" \
	>"$dir/segment.log" 2>&1 &
p2=$!
"$dir/fuzz_pkt" "$dir/corpus-pkt" -max_total_time="$secs" \
	-max_len=16384 -print_final_stats=1 -artifact_prefix="$dir/crashes/pkt-" \
	>"$dir/pkt.log" 2>&1 &
p3=$!
rc=0
wait $p1 || rc=1
wait $p2 || rc=1
wait $p3 || rc=1

# report NAME — the last status line and the final statistics
report() {
	log=$dir/$1.log
	last=$(grep -a '^#[0-9]' "$log" | tail -n 1 || true)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
	echo "  $1: ${execs:-?} executions (${rate:-?}/s), coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}"
}
report scenario
report segment
report pkt
after=$(ls "$dir/crashes" | wc -l)
if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
	echo "fuzz: crashes in $dir/crashes (see $dir/*.log):"
	ls "$dir/crashes" | sed 's/^/  /'
	exit 1
fi
echo "fuzz: no crash"
