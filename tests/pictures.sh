#!/bin/sh
# pictures.sh TCPSIM OUTDIR — pictures that scale and stay right (issue
# 19): each check reads the data a picture is drawn from (the mscgen
# source, the ladder plot's gnuplot input, a plot's kept script and CSV
# files) or the picture's own dimensions, never the time it took.
#
# 1. mscgen chart: segments that leave together have their arcs on rows
#    of their own, so their labels cannot overlap.
# 2. ladder plot: a line shared by segments sent together (a burst) is
#    drawn last in the colour of a retransmission it carries.
# 3. states plot: crashes and reboots are marked; a span with keepalive
#    or zero-window probes is not folded away as idle.
# 4. cwnd panels share one time axis: the same x range and plot area on
#    every panel.
# 5. a 50-host run: every picture stays bounded in pixels and bytes.
set -eu
tcpsim=$1
out=$2
case $tcpsim in /*) ;; *) tcpsim=$(pwd)/$tcpsim ;; esac
. "$(dirname "$0")/lib.sh"
scratch "$out"

# block FILE NAME — the rows of gnuplot datablock $NAME in FILE
block() {
	awk -v b="\$$2" '$1 == b && $2 == "<<" { on = 1; next }
		on && $1 == "EOD" { on = 0 } on' "$1"
}

# ---- 1. mscgen chart: labels of segments that leave together ------------
# mscgen draws every row of the chart 28 pixels tall, an arc's label
# centred between its lifelines at the middle of the arc (arcskip rows
# down), 11 pixels a line. Arcs that leave at one instant (a burst; both
# ends at once) sit on consecutive rows; if they arrive together their
# middles are half a row apart, and a two-line label needs more. From
# the .msc text: for every two arcs sent at the same time, side by side,
# their middles must be (lines_a + lines_b) * 11 / 2 + 6 pixels apart.
# bulk-transfer-loss: a window lost to the outage at 0.6 s (two-line
# labels, "lost: …"); simultaneous-open: both ends send at 0.261.
msc_crowded() {
	awk '
	/^  [a-z0-9_]+ \[label/ || /^msc/ || /^  hscale/ { next }
	/^  t box t \[label="/ { split($0, q, "\""); t = q[2] }
	/^  / {
		line = $0
		if (match(line, /h[0-9]+ (=>|-x) h[0-9]+ \[label="[^"]*"/)) {
			a = substr(line, RSTART, RLENGTH)
			split(a, w, " ")
			f = substr(w[1], 2) + 0; g = substr(w[3], 2) + 0
			lab = a; sub(/^[^"]*"/, "", lab)
			lines = 1 + gsub(/\\n/, "", lab)
			skip = 0
			if (match(line, /arcskip="[0-9]+"/))
				skip = substr(line, RSTART + 9, RLENGTH - 10) + 0
			n++
			T[n] = t; M[n] = row + skip / 2; L[n] = lines
			lo[n] = f < g ? f : g; hi[n] = f < g ? g : f
		}
		if (line ~ /;$/) row++
	}
	END {
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n && T[j] == T[i]; j++) {
				if (!(lo[i] < hi[j] && lo[j] < hi[i]))
					continue
				d = (M[j] - M[i]) * 28; if (d < 0) d = -d
				if (d < (L[i] + L[j]) * 11 / 2 + 6)
					print T[i] ": labels " d " px apart"
			}
	}' "$1"
}
for s in bulk-transfer-loss simultaneous-open; do
	if ! "$tcpsim" run "$s" --quiet --msc "$out/$s.msc" 2>"$out/err"; then
		fail "run $s --msc"
		continue
	fi
	crowded=$(msc_crowded "$out/$s.msc")
	[ -z "$crowded" ] && ok ||
		fail "msc chart of $s: overlapping labels of segments sent together: $(echo "$crowded" | head -n 3)"
	# and mscgen draws it
	mscgen -T svg -i "$out/$s.msc" -o "$out/$s-msc.svg" 2>"$out/err" &&
		[ ! -s "$out/err" ] && ok || fail "mscgen on $s's chart"
done

# ---- 2. ladder plot: a retransmission keeps its colour in a burst --------
# bulk-transfer-loss: after a timeout the sender resends several segments
# at once (1.918814400: pkt 107 a retransmission, 108 and 109 new data).
# Their arrows leave from one point and, the link sending them one after
# the other, end a few pixels apart: nearly one line. gnuplot draws the
# rows in order, so a black arrow after an orange one would hide it.
if "$tcpsim" plot ladder bulk-transfer-loss -o "$out/bl.svg" \
	--script "$out/bl.gp" 2>"$out/err"; then
	block "$out/bl.gp" arrows >"$out/arrows"
	# per start point (x1 y1): a plain arrow drawn after a coloured one
	# (bad), and how many bursts hold both (what the check tests)
	set -- $(awk '{ k = $1 " " $2
			if ($5 != 0) { col[k] = 1 } else { plain[k] = 1
				if (col[k]) bad[k] = 1 } }
		      END { for (k in bad) b++
			    for (k in col) if (k in plain) both++
			    print b + 0, both + 0 }' "$out/arrows")
	if [ "$1" != 0 ]; then
		fail "ladder plot: in $1 bursts a black arrow is drawn over a retransmission's"
	elif [ "$2" = 0 ]; then
		fail "ladder plot: bulk-transfer-loss has no burst holding a retransmission any more: the check tests nothing"
	else
		ok
	fi
	[ -s "$out/bl.svg" ] && ok || fail "plot ladder --script: no picture"
	# the kept input draws the picture again, on its own
	if (cd "$out" && gnuplot -c bl.gp again.svg 2>err2) &&
		cmp -s "$out/bl.svg" "$out/again.svg"; then
		ok
	else
		fail "gnuplot -c on plot ladder's --script does not draw the same picture"
	fi
else
	fail "plot ladder --script"
	sed 's/^/  | /' "$out/err"
fi

# ---- 3. states plot: crashes marked, probes not idle ----------------------
# keepalive-client-reboot: the client crashes at 20 s and reboots at 1 h.
# run --csv writes them to hosts.csv; the states plot draws them on the
# client's row ($hostev in its script).
if "$tcpsim" plot states keepalive-client-reboot -o "$out/kr.png" \
	--csv "$out/kr" --script "$out/kr.gp" 2>"$out/err"; then
	want='time,host,event,why
20.000000000,client,crash,"scripted crash: no FIN, no RST, nothing more sent or received"
3600.000000000,client,reboot,scripted reboot: empty connection tables'
	[ "$(cat "$out/kr/hosts.csv")" = "$want" ] && ok ||
		fail "hosts.csv of keepalive-client-reboot: $(cat "$out/kr/hosts.csv")"
	got=$(block "$out/kr.gp" hostev | tr '\n' ' ')
	[ "$got" = "time,first,last,host,event 20.000000000,1,1,client,crashed 3600.000000000,1,1,client,rebooted " ] &&
		ok || fail "states plot: crash and reboot not marked on the client's row: $got"
else
	fail "plot states keepalive-client-reboot"
	sed 's/^/  | /' "$out/err"
fi

# inside_folds DIR SCRIPT FILE — the times in FILE (a CSV file of DIR
# with a time column) that the plot's folded time axis puts inside a
# fold, where the picture says "idle"
inside_folds() {
	[ "$(wc -l <"$1/$3")" -gt 1 ] || return 0
	{
		# the preamble: X(t), $folds, NF
		sed '/^# common.gp/,$d' "$2"
		cat <<GP
set datafile separator comma
set datafile columnheaders
set table \$t
plot "$1/$3" using (X(column("time"))):(column("time")) with table
unset table
set datafile separator whitespace
set datafile nocolumnheaders
do for [i = 1:|\$t|] {
	x = real(word(\$t[i], 1))
	do for [k = 1:NF] {
		if (x > real(word(\$folds[k], 1)) + 1e-3 && x < real(word(\$folds[k], 2)) - 1e-3) {
			print word(\$t[i], 2)
		}
	}
}
GP
	} | gnuplot 2>&1
}

# keepalive-client-crash: the server probes its dead peer every 75 s
# from 2 h on; zero-window: the sender probes a closed window. Those
# spans are not idle: no segment may fall in a fold.
for s in keepalive-client-crash keepalive-client-reboot zero-window; do
	if ! "$tcpsim" plot states "$s" -o "$out/$s.png" --csv "$out/$s" \
		--script "$out/$s.gp" 2>"$out/err"; then
		fail "plot states $s"
		sed 's/^/  | /' "$out/err"
		continue
	fi
	folded=$(inside_folds "$out/$s" "$out/$s.gp" segments.csv)
	[ -z "$folded" ] && ok ||
		fail "states plot of $s folds away as idle the segments sent at: $(echo $folded)"
	folded=$(inside_folds "$out/$s" "$out/$s.gp" hosts.csv)
	[ -z "$folded" ] && ok ||
		fail "states plot of $s folds away a crash or reboot at: $(echo $folded)"
done
# and the check can fail: the long silence before the first probe is
# still folded
grep -q 'idle"$' "$out/keepalive-client-crash.gp" && ok ||
	fail "states plot of keepalive-client-crash: the 2 h before the first probe are no longer folded"

# ---- 4. cwnd and rtt panels share one time axis --------------------------
# Two senders: only a's link loses, so only a's panels have timeouts in
# their keys; a key outside the plot that is wider on one panel must not
# make that panel's plot area narrower.
cat >"$out/two.yaml" <<'YAML'
name: two-senders
description: Two clients send to one server; only a's link loses.
seed: 1
hosts:
  a: {}
  b: {}
  server: {}
links:
  - {between: [a, server], delay: 10ms, loss: 5%}
  - {between: [b, server], delay: 30ms}
apps:
  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]
  a: [{at: 1ms, connect: "server:80", bulk: 50KB}, {on: peer-closed, close: true}]
  b: [{at: 500ms, connect: "server:80", bulk: 20KB}, {on: peer-closed, close: true}]
YAML
for kind in cwnd rtt; do
	if ! "$tcpsim" plot "$kind" "$out/two.yaml" -o "$out/two-$kind.png" \
		--csv "$out/two-$kind" --script "$out/two-$kind.gp" 2>"$out/err"; then
		fail "plot $kind two-senders"
		sed 's/^/  | /' "$out/err"
		continue
	fi
	# after each panel is drawn, where gnuplot put its plot area and
	# which time range it drew
	sed 's/^\teval cmd$/&\n\tprint sprintf("panel %d %d %.3f %.3f", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_X_MIN, GPVAL_X_MAX)/' \
		"$out/two-$kind.gp" >"$out/two-$kind-probe.gp"
	gnuplot -c "$out/two-$kind-probe.gp" "$out/probe.png" \
		2>"$out/panels" || { fail "$kind: gnuplot on the probe"; continue; }
	np=$(grep -c '^panel' "$out/panels" || true)
	nd=$(grep '^panel' "$out/panels" | sort -u | wc -l)
	if [ "$np" -lt 2 ]; then
		fail "$kind: two-senders draws $np panels, not several"
	elif [ "$nd" != 1 ]; then
		fail "$kind: the panels do not share one time axis:"
		sed 's/^/  | /' "$out/panels"
	else
		ok
	fi
done

# ---- 5. a 50-host run: every picture bounded ----------------------------
# One server, 49 clients (a template), each sending 20 KB over a lossy
# link. Before paging, mscgen drew it as one 20562 x 73592 pixel PNG of
# 114 MB (66 s, 10 GB of memory), the ladder plot as 16298 x 7478 pixels.
# Now each is drawn on pages of at most 8 hosts (docs/diagrams.md):
# FILE, then FILE-2 … FILE-7, each within bounds of pixels and bytes.
cat >"$out/fifty.yaml" <<'YAML'
name: fifty-hosts
description: 49 clients of one server, each sending 20 KB.
seed: 1
stop: 60s
hosts:
  server: {addr: 10.1.0.1}
  client: {count: 49, addr: 10.2.0.1}
links:
  - {between: [client, server], delay: 5ms, loss: 1%}
apps:
  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]
  client: [{at: 1ms, connect: "server:80", bulk: 20KB}, {on: peer-closed, close: true}]
YAML
# svg_size FILE — "W H" of an SVG picture (mscgen: "123px", gnuplot: "123")
svg_size() {
	head -c 2000 "$1" | tr ' ' '\n' |
		sed -n 's/^width="\([0-9.]*\)\(px\)\{0,1\}"$/\1/p; s/^height="\([0-9.]*\)\(px\)\{0,1\}"$/\1/p' |
		head -n 2 | tr '\n' ' '
}
# bounded NAME FILE MAXW MAXH MAXBYTES
bounded() {
	if [ ! -s "$2" ]; then
		fail "$1: $2 not written"
		return
	fi
	set -- "$@" $(svg_size "$2")
	bytes=$(wc -c <"$2")
	if [ -z "${6:-}" ]; then
		fail "$1: $2 has no size"
	elif [ "${6%.*}" -gt "$3" ] || [ "${7%.*}" -gt "$4" ] || [ "$bytes" -gt "$5" ]; then
		fail "$1: $2 is ${6}x${7} pixels, $bytes bytes (at most ${3}x${4}, $5)"
	else
		ok
	fi
}
for pic in diagram ladder-plot; do
	rm -f "$out/$pic"*.svg
	if ! "$tcpsim" run "$out/fifty.yaml" --quiet --"$pic" "$out/$pic.svg" \
		2>"$out/err"; then
		fail "run fifty-hosts --$pic"
		sed 's/^/  | /' "$out/err"
		continue
	fi
	grep -q "50 hosts, drawn on 7 pages of at most 8 hosts each.*$pic.svg … .*$pic-7.svg" \
		"$out/err" && ok || fail "--$pic of 50 hosts: no word of its pages: $(cat "$out/err")"
	pages=$(ls "$out/$pic".svg "$out/$pic"-[0-9]*.svg 2>/dev/null | wc -l)
	[ "$pages" = 7 ] && ok || fail "--$pic of 50 hosts: $pages pages, not 7"
	for f in "$out/$pic".svg "$out/$pic"-[0-9]*.svg; do
		[ -f "$f" ] || continue
		bounded "--$pic of 50 hosts" "$f" 4000 16000 2000000
		# every page names its place
		grep -q "page [1-7] of 7" "$f" || fail "$f does not say which page it is"
	done
	# a server on every page, 7 clients on each, every client once
	n=$(cat "$out/$pic".svg "$out/$pic"-[0-9]*.svg |
		grep -o 'client-[0-9][0-9]*' | sort -u | wc -l)
	[ "$n" = 49 ] && ok || fail "--$pic of 50 hosts: $n of 49 clients drawn"
done
# a run of 3 hosts is one picture, as before
rm -f "$out"/three*.svg
"$tcpsim" run "$(dirname "$0")/outputs/three-hosts.yaml" --quiet \
	--ladder-plot "$out/three.svg" 2>"$out/err" &&
	[ -s "$out/three.svg" ] && [ ! -e "$out/three-2.svg" ] && [ ! -s "$out/err" ] &&
	ok || fail "three-hosts: not one ladder plot, silently"
# the plots of tcpsim plot keep their size, whatever the run
for kind in timeseq cwnd rtt states; do
	"$tcpsim" plot "$kind" "$out/fifty.yaml" -o "$out/fifty-$kind.svg" \
		2>"$out/err" || { fail "plot $kind fifty-hosts"; continue; }
	bounded "plot $kind of 50 hosts" "$out/fifty-$kind.svg" 1280 800 2000000
done

echo "pictures: $n checks passed, $fails failed"
[ "$fails" = 0 ]
