#!/bin/sh
# replay.sh FUZZER INPUT... — run a libFuzzer harness once over each input
# (no fuzzing), quietly; print a one-line summary, or the harness's own
# report and a non-zero status if any input makes it fail.
set -u
fuzzer=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "$fuzzer" "$@" >"$log" 2>&1; then
	echo "$(basename "$fuzzer"): $# inputs replayed, none failed"
else
	cat "$log"
	echo "$(basename "$fuzzer"): an input failed (above)"
	exit 1
fi
