#!/bin/sh
# compare.sh BUILD [REPS] — tcpsim against ns-3 on issue 18's workloads,
# side by side on this machine (make bench-ns3).
#
# The same work each way: bench/scale.c's scenarios for tcpsim, and
# bench/ns3/workloads.cc, their counterpart for Debian's ns-3 (libns3-dev,
# which `make bench-ns3` installs). Each workload runs REPS times (3),
# tcpsim and ns-3 taking turns, so that both see the same machine; the
# best wall time of each and its peak RSS are reported, with tcpsim's
# speed-up and its memory next to ns-3's. Measurements, never asserted.
set -eu
build=$1
reps=${2:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
ns3=$build/bench/ns3-workloads
mkdir -p "$build/bench"
g++ -O2 -std=c++17 -o "$ns3" "$top/bench/ns3/workloads.cc" \
	-lns3-core -lns3-network -lns3-internet -lns3-point-to-point \
	-lns3-applications -lns3-traffic-control -lns3-stats

# best (lowest) wall time and its RSS over the runs: lines "WALL RSS"
best() {
	sort -n | head -1
}

printf '%-22s %23s %23s %9s %8s\n' work ns-3 tcpsim speed memory
for w in "bulk 100:bulk 100 pairs" "bulk 1000:bulk 1000 pairs" \
	"conns 10000:10,000 connections"; do
	args=${w%%:*}
	label=${w#*:}
	: >"$build/bench/cmp-ns3"
	: >"$build/bench/cmp-tcpsim"
	i=0
	while [ $i -lt "$reps" ]; do
		"$build/bench/scale" "$label" |
			sed -n 's/.*, \([0-9.]*\) s, .*peak RSS \([0-9.]*\) MB.*/\1 \2/p' \
				>>"$build/bench/cmp-tcpsim"
		# shellcheck disable=SC2086
		"$ns3" $args |
			sed -n 's/.*: \([0-9.]*\) s wall, peak RSS \([0-9.]*\) MB.*/\1 \2/p' \
				>>"$build/bench/cmp-ns3"
		i=$((i + 1))
	done
	n=$(best <"$build/bench/cmp-ns3")
	t=$(best <"$build/bench/cmp-tcpsim")
	echo "$args|$n|$t" | awk -F'|' '{
		split($2, n, " "); split($3, t, " ");
		printf "%-22s %10.3f s %7.1f MB %10.3f s %7.1f MB %8.1fx %7.2fx\n",
			$1, n[1], n[2], t[1], t[2], n[1] / t[1], t[2] / n[2] }'
done
echo "speed: ns-3's wall time over tcpsim's; memory: tcpsim's peak RSS over ns-3's"
