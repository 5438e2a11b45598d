#!/bin/sh
# determinism.sh OUTDIR TCPSIM... — the same bytes from every build.
#
# Each TCPSIM (built with another compiler or optimisation level) runs
# every scenario (scenarios/, tests/outputs/) writing the text trace,
# JSON Lines, pcap, mscgen chart and HTML view, and a sweep of 3 × 40
# random-loss runs to a CSV table; every file must be byte-identical to the first
# build's. Floating point, uninitialised memory, pointer order or
# undefined behaviour that an optimiser resolves differently shows up
# here as a difference.
set -eu
out=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out"
k=0
for t in "$@"; do
	k=$((k + 1))
	d=$out/$k
	mkdir -p "$d"
	for scn in "$top"/scenarios/*.yaml "$top"/tests/outputs/*.yaml; do
		b=$(basename "$scn" .yaml)
		# a scenario whose expectations fail still writes its outputs
		"$t" run --quiet "$scn" --trace "$d/$b.trace" --jsonl "$d/$b.jsonl" \
			--pcap "$d/$b.pcap" --msc "$d/$b.msc" --html "$d/$b.html" ||
			[ $? -eq 1 ]
	done
	"$t" sweep --quiet bulk-transfer-loss --set 'links.0.client>server.loss=0,0.02,0.05' \
		--seeds 40 --metric completed,completion_time,delivered,retransmissions,lost,events,sim_time,end \
		-o "$d/sweep.csv"
done
files=$(ls "$out/1" | wc -l)
diffs=0
for k2 in $(seq 2 "$k"); do
	for f in "$out"/1/*; do
		b=$(basename "$f")
		if ! cmp -s "$f" "$out/$k2/$b"; then
			echo "DIFFERS $b: build 1 ($1) and build $k2"
			diffs=$((diffs + 1))
		fi
	done
done
echo "determinism: $k builds, $files files each, $diffs differences"
[ "$diffs" -eq 0 ]
