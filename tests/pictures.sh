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
rm -rf "$out"
mkdir -p "$out"
n=0
fails=0

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

ok() {
	n=$((n + 1))
}

# block FILE NAME — the rows of gnuplot datablock $NAME in FILE
block() {
	awk -v b="\$$2" '$1 == b && $2 == "<<" { on = 1; next }
		on && $1 == "EOD" { on = 0 } on' "$1"
}

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

echo "pictures: $n checks passed, $fails failed"
[ "$fails" = 0 ]
