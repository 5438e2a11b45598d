#!/bin/sh
# sweep.sh TCPSIM OUTDIR — `tcpsim sweep` from the outside.
#
# A small sweep whose every number is worked out by hand (RFC 6298's SYN
# schedule); the same table with 1, 2 and 3 worker processes; nothing on
# standard error without a terminal; the plot as SVG and PNG, the same
# bytes twice, gnuplot silent; errors with their exact messages and no
# file left behind; an interrupted sweep that writes nothing.
set -eu
tcpsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
scratch "$2"

# ok NAME CMD... — the command succeeds and writes nothing to stderr
ok() {
	name=$1
	shift
	n=$((n + 1))
	if ! "$@" >"$out/stdout" 2>"$out/stderr"; then
		fail "$name: exit status $? from $*"
		sed 's/^/  | /' "$out/stderr" | head -n 5
		return 1
	fi
	if [ -s "$out/stderr" ]; then
		fail "$name: wrote to stderr"
		sed 's/^/  | /' "$out/stderr" | head -n 5
		return 1
	fi
	return 0
}

# bad NAME STATUS MESSAGE ARGS... — tcpsim sweep ARGS exits STATUS and
# says MESSAGE (the whole of stderr), leaving $out/t empty
bad() {
	name=$1
	want=$2
	msg=$3
	shift 3
	n=$((n + 1))
	rm -rf "$out/t"
	mkdir -p "$out/t"
	set +e
	(cd "$out/t" && "$tcpsim" sweep "$@") >"$out/stdout" 2>"$out/stderr"
	rc=$?
	set -e
	if [ "$rc" != "$want" ]; then
		fail "$name: exit status $rc, want $want"
		sed 's/^/  | /' "$out/stderr" | head -n 5
	elif [ "$(cat "$out/stderr")" != "$msg" ]; then
		fail "$name: said"
		sed 's/^/  | /' "$out/stderr" | head -n 5
		echo "  want:"
		echo "$msg" | sed 's/^/  | /'
	elif [ -n "$(ls -A "$out/t")" ]; then
		fail "$name: left files behind:" $(ls -A "$out/t")
	fi
}

# ---- a sweep worked out by hand ------------------------------------------
# syn-retransmit drops the client's first N SYNs (rule lost-syn, first: N)
# and its first data segment. RFC 6298: the SYN goes again after 1 s, then
# 2 s, then 4 s, so the connection is established (SYN,ACK back, 40 ms
# round trip) at 1.040, 3.040 and 7.040 s after the connect for N = 1, 2,
# 3; retransmissions: the N SYNs and the data segment. Both ends close
# normally; expectation 1 (four SYNs in all) holds only for N = 3.
n=$((n + 1))
cat >"$out/want.csv" <<'EOF'
row,links.0.rules.0.first,seed,stat,established,connect_time,retransmissions,end,expect:1
run,1,1,,1,1.040000000,2,normal,0
run,1,2,,1,1.040000000,2,normal,0
run,2,1,,1,3.040000000,3,normal,0
run,2,2,,1,3.040000000,3,normal,0
run,3,1,,1,7.040000000,4,normal,1
run,3,2,,1,7.040000000,4,normal,1
summary,1,,n,2,2,2,2,2
summary,1,,mean,1.000000,1.040000000,2.000000,,0.000000
summary,1,,median,1,1.040000000,2,,0
summary,1,,p5,1,1.040000000,2,,0
summary,1,,p95,1,1.040000000,2,,0
summary,1,,min,1,1.040000000,2,,0
summary,1,,max,1,1.040000000,2,,0
summary,1,,proportion,1.000000,1.000000,1.000000,normal:1.000000,0.000000
summary,2,,n,2,2,2,2,2
summary,2,,mean,1.000000,3.040000000,3.000000,,0.000000
summary,2,,median,1,3.040000000,3,,0
summary,2,,p5,1,3.040000000,3,,0
summary,2,,p95,1,3.040000000,3,,0
summary,2,,min,1,3.040000000,3,,0
summary,2,,max,1,3.040000000,3,,0
summary,2,,proportion,1.000000,1.000000,1.000000,normal:1.000000,0.000000
summary,3,,n,2,2,2,2,2
summary,3,,mean,1.000000,7.040000000,4.000000,,1.000000
summary,3,,median,1,7.040000000,4,,1
summary,3,,p5,1,7.040000000,4,,1
summary,3,,p95,1,7.040000000,4,,1
summary,3,,min,1,7.040000000,4,,1
summary,3,,max,1,7.040000000,4,,1
summary,3,,proportion,1.000000,1.000000,1.000000,normal:1.000000,1.000000
EOF
cat >"$out/want.txt" <<'EOF'
3 combinations × 2 seeds = 6 runs; per combination: yes/no as a share of the runs, end as each way's share, the rest as medians (times in s)
  links.0.rules.0.first=1: established=100.0% connect_time=1.040000000 retransmissions=2 end=normal:1.000000 expect:1=0.0%
  links.0.rules.0.first=2: established=100.0% connect_time=3.040000000 retransmissions=3 end=normal:1.000000 expect:1=0.0%
  links.0.rules.0.first=3: established=100.0% connect_time=7.040000000 retransmissions=4 end=normal:1.000000 expect:1=100.0%
EOF
if ok "by hand" "$tcpsim" sweep syn-retransmit --set links.0.rules.0.first=1:3:1 \
	--seeds 2 --metric established,connect_time,retransmissions,end,expect:1 \
	-o "$out/hand.csv"; then
	cmp -s "$out/hand.csv" "$out/want.csv" || {
		fail "by hand: the table differs"
		diff "$out/want.csv" "$out/hand.csv" | head -n 10
	}
	cmp -s "$out/stdout" "$out/want.txt" || {
		fail "by hand: the summary differs"
		diff "$out/want.txt" "$out/stdout" | head -n 10
	}
fi
# -o - puts the table on standard output, and nothing else
if ok "to stdout" "$tcpsim" sweep syn-retransmit --set links.0.rules.0.first=1,2,3 \
	--seeds 1:2 --metric established,connect_time,retransmissions,end,expect:1 -o -; then
	cmp -s "$out/stdout" "$out/want.csv" || fail "-o -: the table differs"
fi

# ---- the same table whoever runs it -------------------------------------
args="handshake-under-loss --set links.0.loss=0:0.3:0.1 --set tcp.handshake=two-way,three-way --seeds 60"
for j in 1 2 3; do
	# shellcheck disable=SC2086
	ok "jobs $j" "$tcpsim" sweep $args --jobs $j -o "$out/j$j.csv" &&
		cp "$out/stdout" "$out/j$j.txt"
done
for j in 2 3; do
	n=$((n + 1))
	cmp -s "$out/j1.csv" "$out/j$j.csv" || fail "--jobs $j: the table differs from --jobs 1"
	cmp -s "$out/j1.txt" "$out/j$j.txt" || fail "--jobs $j: the summary differs from --jobs 1"
done
# every run row is there, in order: 4 loss rates × 2 handshakes × 60
n=$((n + 1))
rows=$(grep -c '^run,' "$out/j1.csv" || true)
[ "$rows" = 480 ] || fail "jobs: $rows run rows, want 480"
n=$((n + 1))
grep '^run,' "$out/j1.csv" | cut -d, -f2-4 | awk -F, '
	{ k = $1 "," $2; if (k != last) { blocks++; last = k; s = 0 }
	  if ($3 != ++s) bad = 1 }
	END { exit !(blocks == 8 && !bad) }' ||
	fail "jobs: run rows not in combination and seed order"
# the two-way handshake fails more often than the three-way at 30 % loss
n=$((n + 1))
# (column 8: completed)
awk -F, '$1 == "summary" && $2 == "0.3" && $5 == "proportion" { p[$3] = $8 }
	END { exit !(p["three-way"] + 0 > p["two-way"] + 0.1) }' "$out/j1.csv" ||
	fail "jobs: at 30 % loss two-way does not fail more than three-way"

# ---- on a terminal: a progress bar, and the same table -------------------
if command -v script >/dev/null 2>&1; then
	n=$((n + 1))
	# shellcheck disable=SC2086
	script -qec "'$tcpsim' sweep $args --jobs 2 -o '$out/tty.csv'" /dev/null \
		>"$out/tty.out" 2>&1 </dev/null || fail "tty: exit status $?"
	tr '\r' '\n' <"$out/tty.out" >"$out/tty.lines"
	grep -aq '^\[#\{30\}\] 480/480 runs 100%  [0-9]* runs/s  0:00 left' "$out/tty.lines" ||
		fail "tty: no finished progress bar"
	grep -aq 'sweep: 480 runs in [0-9.]* s ([0-9]* runs/s, 2 jobs)' "$out/tty.lines" ||
		fail "tty: no speed at the end"
	cmp -s "$out/tty.csv" "$out/j1.csv" || fail "tty: the table differs"
fi

# ---- the plot -------------------------------------------------------------
if command -v gnuplot >/dev/null 2>&1; then
	for t in svg png; do
		for m in failed completion_time; do
			for k in 1 2; do
				ok "plot $m .$t" "$tcpsim" sweep $args -q --metric failed,completion_time \
					--plot-metric $m -o "$out/p.csv" --plot "$out/p$k-$m.$t"
			done
			n=$((n + 1))
			magic "$out/p1-$m.$t" $t || fail "plot $m .$t: not a $t file"
			cmp -s "$out/p1-$m.$t" "$out/p2-$m.$t" || fail "plot $m .$t: differs between runs"
		done
	done
	# PDF, the same bytes twice
	for k in 1 2; do
		ok "plot .pdf" "$tcpsim" sweep $args -q --metric failed -o "$out/p.csv" \
			--plot "$out/p$k.pdf"
	done
	n=$((n + 1))
	magic "$out/p1.pdf" pdf || fail "plot .pdf: not a pdf file"
	cmp -s "$out/p1.pdf" "$out/p2.pdf" || fail "plot .pdf: differs between runs"
	# the band is p5 to p95, or with fewer than 20 seeds, where those are
	# the extremes, min to max, and says so
	for sd in 3 20; do
		ok "plot band $sd" "$tcpsim" sweep handshake-under-loss --set links.0.loss=0.1,0.3 \
			--seeds $sd -q --metric completion_time -o "$out/b.csv" --plot "$out/b$sd.svg"
	done
	n=$((n + 2))
	grep -qF 'completion_time: min to max' "$out/b3.svg" || fail "plot band 3: not min to max"
	grep -qF 'completion_time: p5 to p95' "$out/b20.svg" || fail "plot band 20: not p5 to p95"
	# log scales: the same picture drawn otherwise, and retransmissions'
	# zeros (no point on a log scale) left out rather than refused
	for lg in none xy; do
		ok "plot log $lg" "$tcpsim" sweep handshake-under-loss \
			--set links.0.loss=0.05,0.1,0.2,0.4 --seeds 5 -q \
			--metric retransmissions -o "$out/l.csv" --plot "$out/l-$lg.svg" \
			$( [ $lg = none ] || echo "--plot-log $lg" )
	done
	n=$((n + 1))
	magic "$out/l-xy.svg" svg && ! cmp -s "$out/l-none.svg" "$out/l-xy.svg" ||
		fail "plot log: not a log-scaled svg"
	# a series with no value anywhere is left out, silently
	ok "plot gaps" "$tcpsim" sweep handshake-under-loss --set links.0.loss=0.5,0.97 \
		--set tcp.handshake=two-way,three-way --seeds 5 -q --metric completion_time \
		-o "$out/g.csv" --plot "$out/g.svg" && { magic "$out/g.svg" svg || fail "plot gaps: not svg"; }
	# nothing to draw at all: the table, a message, status 1
	n=$((n + 1))
	rm -rf "$out/t" && mkdir -p "$out/t"
	set +e
	(cd "$out/t" && "$tcpsim" sweep handshake-under-loss --set links.0.loss=0.99 --seeds 3 -q \
		--metric completion_time -o r.csv --plot p.svg) >/dev/null 2>"$out/stderr"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "nothing to draw: exit status $rc, want 1"
	[ "$(cat "$out/stderr")" = "tcpsim: --plot: no run has a value of completion_time, so there is nothing to draw; the table is in r.csv" ] ||
		fail "nothing to draw: said $(cat "$out/stderr")"
	[ "$(ls -A "$out/t")" = r.csv ] || fail "nothing to draw: files" $(ls -A "$out/t")
	# words on the x axis
	ok "plot words" "$tcpsim" sweep handshake-under-loss --set tcp.handshake=two-way,three-way \
		--set links.0.loss=0.1,0.2 --seeds 20 -q --metric failed -o "$out/w.csv" \
		--plot "$out/w.svg" && { magic "$out/w.svg" svg || fail "plot words: not svg"; }
	# values with a backslash and a quote, in the key and on the axis:
	# gnuplot reads no escapes in a datablock, so they are written as
	# / and ' there, never doubled or cut short
	ok "plot quoted" "$tcpsim" sweep handshake-under-loss \
		--set 'description=a\b,c"d' --set 'name=p\q,r"s' --seeds 2 -q \
		-o "$out/q.csv" --plot "$out/q.svg"
	for want in '>a/b<' ">c'd<" '>name=p/q<' ">name=r's<"; do
		n=$((n + 1))
		grep -qF -- "$want" "$out/q.svg" || fail "plot quoted: '$want' not in the picture"
	done
	n=$((n + 1))
	! grep -qF 'a\\b' "$out/q.svg" || fail "plot quoted: a backslash doubled"
fi
# gnuplot missing: the install line, and no table either
n=$((n + 1))
rm -rf "$out/t" && mkdir -p "$out/t"
set +e
(cd "$out/t" && PATH=/nonexistent "$tcpsim" sweep syn-retransmit \
	--set links.0.rules.0.first=1,2 -o r.csv --plot p.png) >/dev/null 2>"$out/stderr"
rc=$?
set -e
[ "$rc" = 2 ] || fail "no gnuplot: exit status $rc, want 2"
[ "$(cat "$out/stderr")" = "tcpsim: --plot: p.png: gnuplot is not installed (not found on PATH); install it (Debian: apt-get install gnuplot-nox)" ] ||
	fail "no gnuplot: no install line"
[ -z "$(ls -A "$out/t")" ] || fail "no gnuplot: left files behind"

# ---- errors -----------------------------------------------------------------
s=syn-retransmit
f="syn-retransmit (built-in)"
bad "no -o" 2 "tcpsim: sweep needs -o FILE.csv for its results" $s --set links.0.loss=0.1
bad "no scenario" 2 "tcpsim: sweep needs a scenario; try 'tcpsim sweep --help'" -o r.csv
bad "no =" 2 "tcpsim: --set links.0.loss: expected PATH=VALUES, e.g. links.0.loss=0:0.3:0.02" \
	$s --set links.0.loss -o r.csv
bad "twice" 2 "tcpsim: --set links.0.loss is given twice" \
	$s --set links.0.loss=0.1 --set links.0.loss=0.2 -o r.csv
bad "index" 2 "$f: --set links.3.loss=0.1: 'links' has 1 entry (0 to 0): no index 3" \
	$s --set links.3.loss=0.1 -o r.csv
bad "not an index" 2 "$f: --set links.first.loss=0.1: 'links' is a list: the step after it is an index (0, 1, ...), not 'first'" \
	$s --set links.first.loss=0.1 -o r.csv
bad "typo" 2 "$f: --set links.0.los=0.1: unknown key 'los' in a link (did you mean 'loss'?)" \
	$s --set links.0.los=0.1 -o r.csv
bad "top typo" 2 "$f: --set sed=3: unknown key 'sed' in the scenario (did you mean 'seed'?)" \
	$s --set sed=3 -o r.csv
bad "bad value" 2 "$f: --set links.0.loss=lots: 'loss': expected a probability such as 0.05 or 5% (found 'lots')" \
	$s --set links.0.loss=0.1,lots -o r.csv
bad "bad duration" 2 "$f: --set tcp.msl=5: 'msl': duration needs a unit (ns, us, ms, s, m, h) (found '5')" \
	$s --set tcp.msl=5 -o r.csv
bad "inside a value" 2 "$f: --set name.x=1: 'name' is a single value: there is nothing inside it to set" \
	$s --set name.x=1 -o r.csv
bad "bad range" 2 "tcpsim: --set links.0.loss=0:0.3:0: range '0:0.3:0': the step must be more than 0" \
	$s --set links.0.loss=0:0.3:0 -o r.csv
bad "backwards" 2 "tcpsim: --set links.0.delay=30ms:10ms:10ms: range '30ms:10ms:10ms': LAST is less than FIRST" \
	$s --set links.0.delay=30ms:10ms:10ms -o r.csv
bad "units" 2 "tcpsim: --set links.0.delay=1ms:1s:1ms: range '1ms:1s:1ms': FIRST, LAST and STEP need the same unit" \
	$s --set links.0.delay=1ms:1s:1ms -o r.csv
bad "empty value" 2 "tcpsim: --set links.0.loss=0.1,: an empty value in '0.1,'" \
	$s --set links.0.loss=0.1, -o r.csv
bad "metric" 2 "tcpsim: --metric: unknown metric 'retransmits'; the metrics are established, connect_time, completed, failed, completion_time, delivered, retransmissions, segments, lost, end, expect, expect:N, finished, events, sim_time, flows, goodput, fairness, throughput, qdelay_p50, qdelay_p99" \
	$s --metric retransmits -o r.csv
bad "expect:N" 2 "tcpsim: --metric expect:99: the scenario has 29 expectations (expect:1 to expect:29)" \
	$s --metric expect:99 -o r.csv
bad "seeds" 2 "tcpsim: --seeds must be at least 1" $s --seeds 0 -o r.csv
bad "seeds order" 2 "tcpsim: --seeds 9:3: the last seed is less than the first" $s --seeds 9:3 -o r.csv
bad "jobs" 2 "tcpsim: --jobs must be 1 to 256" $s --jobs 0 -o r.csv
bad "plot metric" 2 "tcpsim: --plot-metric lost is not one of the --metric list" \
	$s --set links.0.loss=0.1 --metric failed --plot p.svg --plot-metric lost -o r.csv
bad "plot log axes" 2 "tcpsim: --plot-log takes x, y or xy (found 'z')" \
	$s --set links.0.loss=0.1 --plot p.svg --plot-log z -o r.csv
bad "plot log x at 0" 2 "tcpsim: --plot-log x: the values of links.0.loss must be numbers above 0 (found '0')" \
	$s --set links.0.loss=0,0.1 --plot p.svg --plot-log x -o r.csv
bad "plot log y share" 2 "tcpsim: --plot-log y: 'failed' is drawn as a share of the runs, from 0 to 1; a log scale is for numbers" \
	$s --set links.0.loss=0.1 --metric failed --plot p.svg --plot-log y -o r.csv
bad "plot log alone" 2 "tcpsim: --plot-log needs --plot FILE" \
	$s --set links.0.loss=0.1 --plot-log y -o r.csv
bad "plot end" 2 "tcpsim: --plot: 'end' is a category, not a number; plot completed, failed or an expectation instead" \
	$s --set links.0.loss=0.1 --metric end --plot p.svg -o r.csv
bad "plot type" 2 "tcpsim: --plot: p.jpg: the picture's type comes from its name: use .svg, .png or .pdf" \
	$s --set links.0.loss=0.1 --plot p.jpg -o r.csv
bad "plot without --set" 2 "tcpsim: --plot draws a metric against the first --set parameter; give one" \
	$s --plot p.svg -o r.csv
bad "unwritable" 2 "tcpsim: nodir/r.csv: cannot create: No such file or directory" \
	$s --set links.0.loss=0.1 -o nodir/r.csv
bad "bad scenario" 2 "tcpsim: no scenario file or built-in scenario named 'no-such' (try 'tcpsim list')" \
	no-such -o r.csv

# ---- interrupted ------------------------------------------------------------
n=$((n + 1))
rm -rf "$out/t" && mkdir -p "$out/t"
(cd "$out/t" && exec "$tcpsim" sweep bulk-transfer-loss --seeds 100000 --metric failed \
	--set links.0.delay=20ms -o r.csv --plot p.svg) >/dev/null 2>"$out/stderr" &
pid=$!
sleep 1
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
[ "$rc" = 1 ] || fail "interrupted: exit status $rc, want 1"
grep -qx 'tcpsim: interrupted; no output file was written' "$out/stderr" ||
	fail "interrupted: did not say so"
[ -z "$(ls -A "$out/t")" ] || fail "interrupted: left files behind:" $(ls -A "$out/t")

echo "sweep: $n checks, $fails failed"
[ "$fails" = 0 ]
