#!/bin/sh
# plots.sh TCPSIM OUTDIR — tcpsim plot, and the CSV files it draws from.
#
# 1. `run --csv` of handshake-and-close, checked against tables worked
#    out by hand from the scenario (20 ms each way, a 200 ms delayed ACK,
#    2·MSL = 4 min): the segments with their relative numbers, the state
#    spans, cwnd, the RTT samples.
# 2. Every kind for every scenario (scenarios/*.yaml, tests/outputs/*.yaml)
#    as SVG and PNG: where the run has something of that kind (read from
#    its CSV files) the picture is made, gnuplot says nothing (tcpsim
#    passes on any warning it prints), the file starts as its type does,
#    and a second run gives the same bytes; where it has nothing, exit 2
#    "nothing to draw" and no file. PDF for a few, byte-identical too
#    (cairo's creation date is fixed by tcpsim). The ladder kind for a few.
# 3. The errors — unknown kind, wrong extension, no -o, gnuplot missing,
#    gnuplot failing, nothing to draw, bad options, a --csv DIR that is a
#    file — exit 2 with the message and leave no file, temporary file or
#    temporary directory behind; gnuplot's warnings are passed on.
set -eu
tcpsim=$1
out=$2
case $tcpsim in /*) ;; *) tcpsim=$(pwd)/$tcpsim ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out/tmp"
# tcpsim plot makes its temporary directory here: it must be empty at
# the end
TMPDIR=$out/tmp
export TMPDIR
. "$top/tests/lib.sh"

# cols FILE NAME... — those columns of a CSV file, by header name
cols() {
	f=$1
	shift
	awk -F, -v want="$*" '
		NR == 1 { n = split(want, w, " ")
			  for (i = 1; i <= NF; i++) at[$i] = i
			  for (k = 1; k <= n; k++) if (!(w[k] in at)) {
				print "no column " w[k] > "/dev/stderr"; exit 2 }
			  next }
		{ line = ""
		  for (k = 1; k <= n; k++) line = line (k > 1 ? "," : "") $(at[w[k]])
		  print line }' "$f"
}

# same NAME EXPECTED ACTUAL — the two files hold the same lines
same() {
	n=$((n + 1))
	if ! cmp -s "$2" "$3"; then
		fail "$1"
		diff "$2" "$3" | sed 's/^/  | /' | head -n 20
	fi
}

# ---- 1. the CSV files of handshake-and-close, by hand ------------------

hc=$out/hc
"$tcpsim" run --quiet "$top/scenarios/handshake-and-close.yaml" --csv "$hc"
n=$((n + 1))
for f in run connections segments acks cwnd rtt states losses; do
	[ -f "$hc/$f.csv" ] || fail "run --csv wrote no $f.csv"
done
ls -A "$hc" | grep -q '^\.' && fail "run --csv left temporary files"

cat >"$out/want" <<'EOF'
handshake-and-close,1,240.540000000,quiescent
EOF
cols "$hc/run.csv" scenario seed end reason >"$out/got"
same "run.csv" "$out/want" "$out/got"

# SYN, SYN,ACK, ACK, 1000 bytes; the server's delayed ACK 200 ms after
# the data arrived; FIN at 500 ms, the server's ACK and FIN at once
# (close on peer-closed), the last ACK. Relative: each SYN is 0, the
# data 1..1000, the client's FIN 1001.
cat >"$out/want" <<'EOF'
0.001000000,client,server,1,SYN,0,,0,delivered,0.021000000
0.021000000,server,client,2,SYN+ACK,0,1,0,delivered,0.041000000
0.041000000,client,server,1,ACK,1,1,0,delivered,0.061000000
0.041000000,client,server,1,PSH+ACK,1,1,1000,delivered,0.061000000
0.261000000,server,client,2,ACK,1,1001,0,delivered,0.281000000
0.500000000,client,server,1,FIN+ACK,1001,1,0,delivered,0.520000000
0.520000000,server,client,2,ACK,1,1002,0,delivered,0.540000000
0.520000000,server,client,2,FIN+ACK,1,1002,0,delivered,0.540000000
0.540000000,client,server,1,ACK,1002,2,0,delivered,0.560000000
EOF
cols "$hc/segments.csv" time host peer id flags rel_seq rel_ack len fate \
	fate_time >"$out/got"
same "segments.csv" "$out/want" "$out/got"

# what each sender sees come back, relative to its own ISN; the window
# the server advertises shrinks by the 1000 bytes its application has
# not read
cat >"$out/want" <<'EOF'
0.041000000,client,1,1,65535
0.061000000,server,2,1,65535
0.061000000,server,2,1,65535
0.281000000,client,1,1001,64535
0.520000000,server,2,1,65535
0.540000000,client,1,1002,64535
0.540000000,client,1,1002,64535
0.560000000,server,2,2,65535
EOF
cols "$hc/acks.csv" time host id rel_ack win >"$out/got"
same "acks.csv" "$out/want" "$out/got"

# the server's listening socket (1) and its connection (2); CLOSED ends
# a row; LISTEN lasts to the end of the run, 2·MSL after the last ACK
cat >"$out/want" <<'EOF'
client,1,SYN-SENT,0.001000000,0.041000000,ESTABLISHED
client,1,ESTABLISHED,0.041000000,0.500000000,FIN-WAIT-1
client,1,FIN-WAIT-1,0.500000000,0.540000000,FIN-WAIT-2
client,1,FIN-WAIT-2,0.540000000,0.540000000,TIME-WAIT
client,1,TIME-WAIT,0.540000000,240.540000000,CLOSED
server,1,LISTEN,0.000000000,240.540000000,
server,2,SYN-RECEIVED,0.021000000,0.061000000,ESTABLISHED
server,2,ESTABLISHED,0.061000000,0.520000000,CLOSE-WAIT
server,2,CLOSE-WAIT,0.520000000,0.520000000,LAST-ACK
server,2,LAST-ACK,0.520000000,0.560000000,CLOSED
EOF
cols "$hc/states.csv" host id state start end next >"$out/got"
same "states.csv" "$out/want" "$out/got"

# initial window 3 × 1460 (RFC 5681 §3.1, MSS 1460 > 1095); slow start
# adds the 1000 bytes acknowledged; flight counts the SYN and FIN too;
# ssthresh stays "arbitrarily high" (2^31 - 1): no loss
cat >"$out/want" <<'EOF'
0.021000000,server,2,4380,2147483647,1
0.041000000,client,1,4380,2147483647,0
0.041000000,client,1,4380,2147483647,1000
0.061000000,server,2,4380,2147483647,0
0.281000000,client,1,5380,2147483647,0
0.500000000,client,1,5380,2147483647,1
0.520000000,server,2,4380,2147483647,1
0.540000000,client,1,5380,2147483647,0
EOF
cols "$hc/cwnd.csv" time host id cwnd ssthresh flight >"$out/got"
same "cwnd.csv" "$out/want" "$out/got"

# RFC 6298: the first sample R gives SRTT = R, RTTVAR = R/2; then
# RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R; the RTO
# stays at its 1 s floor. The data's sample is 240 ms: the delayed ACK.
cat >"$out/want" <<'EOF'
0.041000000,client,1,sample,0.040000000,0.040000000,0.020000000,1.000000000
0.061000000,server,2,sample,0.040000000,0.040000000,0.020000000,1.000000000
0.281000000,client,1,sample,0.240000000,0.065000000,0.065000000,1.000000000
0.540000000,client,1,sample,0.040000000,0.061875000,0.055000000,1.000000000
0.560000000,server,2,sample,0.040000000,0.040000000,0.015000000,1.000000000
EOF
cols "$hc/rtt.csv" time host id event sample srtt rttvar rto >"$out/got"
same "rtt.csv" "$out/want" "$out/got"

cat >"$out/want" <<'EOF'
client,1,10.0.0.1:49152>10.0.0.2:80,server,CLOSED,5,1000,0,3
server,1,10.0.0.2:80>*,,LISTEN,0,0,0,0
server,2,10.0.0.2:80>10.0.0.1:49152,client,CLOSED,4,0,0,2
EOF
cols "$hc/connections.csv" host id conn peer state segments bytes rexmits \
	rtt_samples >"$out/got"
same "connections.csv" "$out/want" "$out/got"

n=$((n + 1))
[ "$(wc -l <"$hc/losses.csv")" -eq 1 ] || fail "losses.csv: rows for a run without loss"

# The same directory again: the files replaced, the same bytes.
cp -r "$hc" "$out/hc-first"
"$tcpsim" run --quiet "$top/scenarios/handshake-and-close.yaml" --csv "$hc"
n=$((n + 1))
diff -r "$hc" "$out/hc-first" >/dev/null || fail "run --csv differs between runs"

# ---- 2. every kind for every scenario ------------------------------------

# fits KIND CSVDIR — the run has something of KIND to draw
fits() {
	case $1 in
	timeseq | cwnd)
		cols "$2/connections.csv" bytes | grep -qv '^0$' ;;
	rtt) [ "$(wc -l <"$2/rtt.csv")" -gt 1 ] ;;
	states) [ "$(wc -l <"$2/states.csv")" -gt 1 ] ;;
	# a segment found another waiting, or waited itself
	queue) awk -F, 'NR > 1 && ($6 > 0 || ($8 != "" && $8 > 0))' \
		"$2/queue.csv" | grep -q . ;;
	esac
}

# plot NAME FILE ARGS... — tcpsim plot ARGS -o FILE; 0 if it drew
# silently (a failure is reported)
plot() {
	name=$1
	file=$2
	shift 2
	rc=0
	"$tcpsim" plot "$@" -o "$file" >"$out/stdout" 2>"$out/stderr" || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$name: exit $rc"
		sed 's/^/  | /' "$out/stderr" | head -n 5
		return 1
	fi
	if [ -s "$out/stderr" ] || [ -s "$out/stdout" ]; then
		fail "$name: not silent"
		sed 's/^/  | /' "$out/stderr" "$out/stdout" | head -n 5
		return 1
	fi
	return 0
}

# drawn NAME FMT ARGS... — drawn twice, the right type, the same bytes
drawn() {
	name=$1
	t=$2
	shift 2
	n=$((n + 1))
	f1=$d/$name-1.$t
	f2=$d/$name-2.$t
	plot "$name .$t" "$f1" "$@" && plot "$name .$t again" "$f2" "$@" ||
		return 0
	if [ ! -s "$f1" ]; then
		fail "$name .$t: no file or an empty one"
	elif ! magic "$f1" "$t"; then
		fail "$name .$t: not $t"
	elif ! cmp -s "$f1" "$f2"; then
		fail "$name .$t differs between runs"
	fi
	rm -f "$f2"
}

drew=0
for scn in "$top"/scenarios/*.yaml "$top"/tests/outputs/*.yaml; do
	[ -f "$scn" ] || continue
	b=$(basename "$scn" .yaml)
	d=$out/$b
	mkdir -p "$d"
	"$tcpsim" run --quiet "$scn" --csv "$d/csv" >/dev/null 2>&1 || true
	for kind in timeseq cwnd rtt states queue; do
		if fits $kind "$d/csv"; then
			for t in svg png; do
				drawn "$b-$kind" $t $kind "$scn"
			done
			drew=$((drew + 1))
			continue
		fi
		n=$((n + 1))
		rc=0
		"$tcpsim" plot $kind "$scn" -o "$d/$kind.png" >"$out/stdout" \
			2>"$out/stderr" || rc=$?
		if [ "$rc" -ne 2 ] || ! grep -q "nothing to draw" "$out/stderr"; then
			fail "$b $kind: nothing to draw, but exit $rc"
			sed 's/^/  | /' "$out/stderr" | head -n 3
		fi
		[ ! -e "$d/$kind.png" ] || fail "$b $kind: a picture of nothing"
	done
	if ls -A "$d" | grep -q '^\.'; then
		fail "$b: temporary files left: $(ls -A "$d" | grep '^\.' | tr '\n' ' ')"
	fi
done
n=$((n + 1))
[ "$drew" -ge 40 ] || fail "only $drew kind × scenario pictures drawn"

d=$out/more
mkdir -p "$d"
drawn timeseq-bulk pdf timeseq "$top/scenarios/bulk-transfer-loss.yaml"
drawn cwnd-bulk pdf cwnd "$top/scenarios/bulk-transfer-loss.yaml"
drawn rtt-syn-timeout pdf rtt "$top/scenarios/syn-timeout.yaml"
drawn states-keepalive pdf states \
	"$top/scenarios/keepalive-client-crash.yaml"
for t in svg png pdf; do
	drawn ladder-hc $t ladder "$top/scenarios/handshake-and-close.yaml"
	drawn ladder-keepalive $t ladder "$top/tests/outputs/keepalive-crash.yaml" \
		--absolute
done
# options: a host, a connection, a size, absolute numbers
drawn timeseq-client png timeseq bulk-transfer-loss --host client --conn 1 \
	--absolute --size 800x600
drawn states-server svg states syn-flood-backlog --host server
drawn rtt-small png rtt lost-final-ack --size 640x400 --seed 3
# a connection still open when the run stops: its panel runs to the end
drawn timeseq-open svg timeseq bulk-transfer-loss --stop 2s
# the queues of one host's links only; --conn does not apply
drawn queue-r1 png queue dumbbell --host r1
n=$((n + 1))
if "$tcpsim" plot queue dumbbell --host r1 --conn 1 -o "$d/qc.png" \
	2>"$out/stderr"; then
	fail "plot queue --conn: exit 0"
elif ! grep -q -- "--conn does not apply to queue" "$out/stderr"; then
	fail "plot queue --conn: not said why"
fi
n=$((n + 1))
if [ -f "$d/timeseq-client-1.png" ]; then
	# PNG header: width and height, big-endian, at bytes 16..23
	wh=$(od -An -tu1 -j16 -N8 "$d/timeseq-client-1.png" | tr -s ' ' | sed 's/^ //')
	[ "$wh" = "0 0 3 32 0 0 2 88" ] || fail "--size 800x600 drew $wh"
fi

# --csv and --script: the files kept, and gnuplot redraws the same
# picture from them
n=$((n + 1))
plot "plot --script" "$d/s.png" cwnd bulk-transfer-loss --csv "$d/kept" \
	--script "$d/kept.gp" &&
	if [ ! -f "$d/kept/cwnd.csv" ] || [ ! -f "$d/kept.gp" ]; then
		fail "plot --csv --script kept nothing"
	elif ! gnuplot -c "$d/kept.gp" "$d/again.png" >"$out/stderr" 2>&1 ||
		[ -s "$out/stderr" ]; then
		fail "gnuplot -c on the kept script"
		sed 's/^/  | /' "$out/stderr" | head -n 5
	elif ! cmp -s "$d/s.png" "$d/again.png"; then
		fail "the kept script draws another picture"
	fi

# ---- 3. errors -------------------------------------------------------------

e=$out/errors
mkdir -p "$e"
# expect_fail NAME FILE PATTERN CMD... — exit 2, PATTERN on stderr, FILE
# not written, no temporary file beside it or in TMPDIR
expect_fail() {
	name=$1
	file=$2
	pattern=$3
	shift 3
	n=$((n + 1))
	rc=0
	"$@" >"$e/stdout" 2>"$e/stderr" || rc=$?
	if [ "$rc" -ne 2 ]; then
		fail "$name: exit $rc, expected 2"
		sed 's/^/  | /' "$e/stderr" | head -n 5
	elif ! grep -q -- "$pattern" "$e/stderr"; then
		fail "$name: '$pattern' not in the message"
		sed 's/^/  | /' "$e/stderr" | head -n 5
	fi
	if [ -e "$file" ]; then
		fail "$name: $file was written"
		rm -rf "$file"
	fi
	if ls -A "$e" | grep -q '^\.'; then
		fail "$name: temporary files left: $(ls -A "$e" | grep '^\.' | tr '\n' ' ')"
		rm -f "$e"/.??*
	fi
	if [ -n "$(ls -A "$TMPDIR")" ]; then
		fail "$name: left in TMPDIR: $(ls -A "$TMPDIR" | tr '\n' ' ')"
		rm -rf "${TMPDIR:?}"/*
	fi
}

hcs=$top/scenarios/handshake-and-close.yaml
expect_fail "unknown kind" "$e/x.png" "unknown kind 'nope'" \
	"$tcpsim" plot nope "$hcs" -o "$e/x.png"
expect_fail "no kind" "$e/x.png" "which kind" "$tcpsim" plot -o "$e/x.png"
expect_fail "no -o" "$e/x.png" "where to? -o FILE.svg" \
	"$tcpsim" plot timeseq "$hcs"
expect_fail "wrong extension" "$e/x.gif" "use .svg, .png or .pdf" \
	"$tcpsim" plot timeseq "$hcs" -o "$e/x.gif"
expect_fail "no directory" "$e/none/x.png" "no directory" \
	"$tcpsim" plot timeseq "$hcs" -o "$e/none/x.png"
expect_fail "gnuplot missing" "$e/x.svg" \
	"gnuplot is not installed (not found on PATH); install it (Debian: apt-get install gnuplot-nox)" \
	env PATH=/nonexistent "$tcpsim" plot states "$hcs" -o "$e/x.svg"
expect_fail "nothing to draw" "$e/x.png" \
	"plot cwnd: nothing to draw: no connection sent data" \
	"$tcpsim" plot cwnd syn-timeout -o "$e/x.png"
expect_fail "nothing on that host" "$e/x.png" \
	"nothing to draw on host server: no connection sent data there" \
	"$tcpsim" plot timeseq "$hcs" --host server -o "$e/x.png"
expect_fail "no such connection" "$e/x.png" "host client has no connection 7" \
	"$tcpsim" plot rtt "$hcs" --host client --conn 7 -o "$e/x.png"
expect_fail "no such host" "$e/x.png" "no host 'nobody'" \
	"$tcpsim" plot rtt "$hcs" --host nobody -o "$e/x.png"
expect_fail "--conn alone" "$e/x.png" "give --host NAME too" \
	"$tcpsim" plot rtt "$hcs" --conn 1 -o "$e/x.png"
expect_fail "bad --size" "$e/x.png" "expects WIDTHxHEIGHT" \
	"$tcpsim" plot rtt "$hcs" --size 100 -o "$e/x.png"
expect_fail "ladder --host" "$e/x.png" "does not apply to ladder" \
	"$tcpsim" plot ladder "$hcs" --host client -o "$e/x.png"
expect_fail "--script alone" "$e/x.png" "give --csv DIR too" \
	"$tcpsim" plot rtt "$hcs" --script "$e/x.gp" -o "$e/x.png"
expect_fail "bad scenario" "$e/x.png" "no scenario file or built-in" \
	"$tcpsim" plot rtt no-such-scenario -o "$e/x.png"

# gnuplot failing after writing half a picture; gnuplot succeeding with a
# warning, which is passed on
fake=$out/fakebin
mkdir -p "$fake"
cat >"$fake/gnuplot" <<'EOF'
#!/bin/sh
# stands in for a gnuplot that breaks halfway
for a in "$@"; do last=$a; done
echo "half a picture" >"$last"
echo "renderer exploded" >&2
exit 3
EOF
chmod +x "$fake/gnuplot"
expect_fail "gnuplot fails" "$e/x.png" \
	"gnuplot failed (exit status 3): renderer exploded" \
	env PATH="$fake:$PATH" "$tcpsim" plot timeseq bulk-transfer-loss \
	-o "$e/x.png"
# what was asked for besides the picture stays, to see what gnuplot was
# given: the CSV files and its input
expect_fail "gnuplot fails, --csv --script" "$e/x.png" \
	"the CSV files are kept in $e/kept" \
	env PATH="$fake:$PATH" "$tcpsim" plot timeseq bulk-transfer-loss \
	-o "$e/x.png" --csv "$e/kept" --script "$e/kept.gp"
n=$((n + 2))
grep -q "gnuplot's input is kept in $e/kept.gp (gnuplot -c $e/kept.gp $e/x.png)" "$e/stderr" ||
	fail "gnuplot fails, --script: not said"
[ -s "$e/kept/segments.csv" ] && [ -s "$e/kept.gp" ] ||
	fail "gnuplot fails, --csv --script: not kept ($(ls "$e/kept" 2>&1))"
rm -rf "$e/kept" "$e/kept.gp"
warn=$out/warnbin
mkdir -p "$warn"
cat >"$warn/gnuplot" <<'EOF'
#!/bin/sh
# stands in for a gnuplot that draws, with a warning
for a in "$@"; do last=$a; done
echo "a picture" >"$last"
echo '"input", line 7: warning: something odd' >&2
exit 0
EOF
chmod +x "$warn/gnuplot"
for kind in states ladder; do
	n=$((n + 1))
	rc=0
	env PATH="$warn:$PATH" "$tcpsim" plot $kind "$hcs" -o "$e/w.png" \
		>"$e/stdout" 2>"$e/stderr" || rc=$?
	[ "$rc" -eq 0 ] && [ -s "$e/w.png" ] ||
		fail "$kind: a render with a warning failed (exit $rc)"
	grep -q '^tcpsim: gnuplot: "input", line 7: warning: something odd$' \
		"$e/stderr" || fail "$kind: gnuplot's warning was not passed on"
	rm -f "$e/w.png"
done
n=$((n + 1))
rc=0
env PATH="$warn:$PATH" "$tcpsim" run --quiet "$hcs" --ladder-plot "$e/w.svg" \
	>"$e/stdout" 2>"$e/stderr" || rc=$?
[ "$rc" -eq 0 ] && grep -q '^tcpsim: gnuplot: .*something odd$' "$e/stderr" ||
	fail "run --ladder-plot: gnuplot's warning was not passed on"
rm -f "$e/w.svg"

# run --csv: a DIR that is a file, or under one; a DIR made for a run
# that then fails is taken away again
echo keep >"$e/file"
expect_fail "--csv on a file" "$e/nothing" "is not a directory" \
	"$tcpsim" run --quiet "$hcs" --csv "$e/file"
n=$((n + 1))
[ "$(cat "$e/file")" = keep ] || fail "--csv on a file changed the file"
expect_fail "--csv under a file" "$e/file/sub" "file/sub" \
	"$tcpsim" run --quiet "$hcs" --csv "$e/file/sub"
rm -f "$e/file"
expect_fail "--csv with a failing render" "$e/new" "gnuplot failed" \
	env PATH="$fake:$PATH" "$tcpsim" run --quiet "$hcs" \
	--csv "$e/new/deep" --ladder-plot "$e/l.png"
n=$((n + 1))
[ ! -e "$e/l.png" ] || fail "a failed render left its picture"

n=$((n + 1))
[ -z "$(ls -A "$TMPDIR")" ] ||
	fail "temporary directories left: $(ls -A "$TMPDIR" | tr '\n' ' ')"

echo "plots: $n checks, $fails failed"
[ "$fails" -eq 0 ]
