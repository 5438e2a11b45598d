#!/bin/sh
# conformance.sh [--if-present] TCPSIM — the FreeBSD suite's packetdrill
# scripts (../shared/conformance/freebsd-tcp-testsuite, beside the
# project, never copied into it) played by `tcpsim pkt --profile
# freebsd`, a count per group. Fails if a script fails, or if fewer than
# 90 % of the IPv4 state-event-engine scripts pass. With --if-present
# (make test) a missing suite is said and skipped; else it is an error.
# What is unsupported, and why: docs/conformance.md.
set -u
present_only=false
if [ "$1" = "--if-present" ]; then
	present_only=true
	shift
fi
tcpsim=$1
top=$(cd "$(dirname "$0")/.." && pwd)
# the suite beside the project, or where TCPSIM_CONFORMANCE says
suite=${TCPSIM_CONFORMANCE:-$top/../shared/conformance}/freebsd-tcp-testsuite
if [ ! -d "$suite" ]; then
	echo "conformance: no suite at $suite"
	$present_only && exit 0
	exit 2
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
sep_pass=0
sep_total=0
for group in state-event-engine snd-syn snippets socket-api; do
	for ip in ipv4 ipv6; do
		files=$(find "$suite/$group" -name "*-$ip*.pkt" | LC_ALL=C sort)
		[ -n "$files" ] || continue
		# shellcheck disable=SC2086
		"$tcpsim" pkt --profile freebsd $files >"$log" 2>&1
		counts=$(tail -n 1 "$log")
		printf '  %-20s %s  %s\n' "$group" "$ip" "$counts"
		grep '^FAIL' "$log" | sed 's/^/    /'
		n=$(grep -c '^FAIL' "$log")
		failed=$((failed + n))
		if [ "$group" = state-event-engine ] && [ "$ip" = ipv4 ]; then
			sep_pass=$(grep -c '^ok ' "$log")
			sep_total=$(echo "$files" | wc -l)
		fi
	done
done
echo "conformance: $failed failed; IPv4 state-event-engine $sep_pass of $sep_total pass"
[ "$failed" -eq 0 ] && [ $((sep_pass * 10)) -ge $((sep_total * 9)) ]
