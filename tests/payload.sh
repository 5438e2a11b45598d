#!/bin/sh
# payload.sh TCPSIM OUTDIR — payloads by reference are the same run as
# payloads as bytes.
#
# Applications hand TCP references into their streams, and segments carry
# them to the receiver, whose application checks a reference against the
# stream it expects without reading a byte (docs/architecture.md). With
# --payload-bytes they hand TCP the bytes instead, copied into every
# buffer and every packet, and the receiver compares bytes. Every scenario
# (scenarios/, tests/outputs/) runs both ways: what run prints (each
# connection's bytes received, intact or how many wrong, and the verdict
# on every expectation), the text trace, the JSON Lines and the pcap
# (whose payload bytes are written out from the references) must be
# byte-identical. The run as bytes also keeps connections at rest whole
# (--whole), so the same comparison checks the packing of the first.
set -eu
t=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out/ref" "$out/bytes"
n=0
diffs=0
for scn in "$top"/scenarios/*.yaml "$top"/tests/outputs/*.yaml; do
	b=$(basename "$scn" .yaml)
	for mode in ref bytes; do
		flag=
		# the reference run against bytes, connections whole
		[ "$mode" = bytes ] && flag="--payload-bytes --whole"
		d=$out/$mode
		# a scenario whose expectations fail still writes its outputs
		"$t" run --no-ladder --no-color $flag "$scn" \
			--trace "$d/$b.trace" --jsonl "$d/$b.jsonl" \
			--pcap "$d/$b.pcap" >"$d/$b.out" || [ $? -eq 1 ]
	done
	for f in out trace jsonl pcap; do
		n=$((n + 1))
		if ! cmp -s "$out/ref/$b.$f" "$out/bytes/$b.$f"; then
			echo "DIFFERS $b.$f: by reference and as bytes"
			diffs=$((diffs + 1))
		fi
	done
done
echo "payload: $n files by reference and as bytes, $diffs differences"
[ "$diffs" -eq 0 ]
