#!/bin/sh
# diagrams.sh TCPSIM OUTDIR — the pictures of every scenario.
#
# For each of scenarios/*.yaml and tests/outputs/*.yaml: the mscgen source
# (--msc) is the same bytes twice and mscgen renders it to SVG and PNG
# silently; --diagram and --ladder-plot write non-empty SVG and PNG files
# (right magic bytes), the same bytes on a second run. Then the failures:
# an unknown picture type, a missing program, and a program that fails
# all exit 2 with a clear message and leave no file, temporary or final.
set -eu
tcpsim=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"
scratch "$out"

# run NAME ARGS... — tcpsim run, quietly; a failure is reported
run() {
	name=$1
	shift
	if ! "$tcpsim" run --quiet "$@" >"$out/stdout" 2>"$out/stderr"; then
		fail "$name: tcpsim run $*"
		sed 's/^/  | /' "$out/stderr" | head -n 5
		return 1
	fi
	# a run of many hosts says which pages it drew (tests/pictures.sh)
	sed -i '/^tcpsim: [0-9]* hosts, drawn on [0-9]* pages /d' "$out/stderr"
	if [ -s "$out/stderr" ]; then
		fail "$name: tcpsim wrote to stderr"
		sed 's/^/  | /' "$out/stderr" | head -n 5
		return 1
	fi
	return 0
}

for scn in "$top"/scenarios/*.yaml "$top"/tests/outputs/*.yaml; do
	[ -f "$scn" ] || continue
	b=$(basename "$scn" .yaml)
	big=0
	d=$out/$b
	mkdir -p "$d"

	n=$((n + 1))
	if run "$b msc" "$scn" --msc "$d/a.msc" &&
		run "$b msc again" "$scn" --msc "$d/b.msc"; then
		cmp -s "$d/a.msc" "$d/b.msc" || fail "$b: --msc differs between runs"
		# mscgen rasterises a chart whole: past some 2,500 rows (the
		# routed scenarios, every hop a row) a PNG takes minutes and
		# gigabytes, so those charts are checked as SVG only
		big=0
		[ "$(wc -l <"$d/a.msc")" -le 2500 ] || big=1
		for t in svg png; do
			[ "$t" = png ] && [ "$big" -eq 1 ] && continue
			n=$((n + 1))
			if ! mscgen -T $t -o "$d/mscgen.$t" -i "$d/a.msc" \
				>"$d/mscgen.out" 2>&1; then
				fail "$b: mscgen -T $t exited non-zero"
				sed 's/^/  | /' "$d/mscgen.out" | head -n 5
			elif [ -s "$d/mscgen.out" ]; then
				fail "$b: mscgen -T $t said something"
				sed 's/^/  | /' "$d/mscgen.out" | head -n 5
			fi
		done
	fi

	for kind in diagram ladder-plot; do
		for t in svg png; do
			[ "$kind$t" = diagrampng ] && [ "${big:-0}" -eq 1 ] && continue
			n=$((n + 1))
			f1=$d/$kind-1.$t
			f2=$d/$kind-2.$t
			run "$b --$kind .$t" "$scn" --relative --$kind "$f1" &&
				run "$b --$kind .$t again" "$scn" --relative \
					--$kind "$f2" || continue
			if [ ! -s "$f1" ]; then
				fail "$b: --$kind $t: no file or an empty one"
			elif ! magic "$f1" $t; then
				fail "$b: --$kind $t: not $t"
			elif ! cmp -s "$f1" "$f2"; then
				fail "$b: --$kind $t differs between runs"
			fi
		done
	done
	# nothing but the pictures: no temporary file left behind
	if ls -A "$d" | grep -q '^\.'; then
		fail "$b: temporary files left: $(ls -A "$d" | grep '^\.' | tr '\n' ' ')"
	fi
done

# expect_fail NAME FILE PATTERN CMD... — exit 2, PATTERN on stderr, FILE
# (and no temporary file beside it) not written
e=$out/errors
mkdir -p "$e"
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
	fi
	if ls -A "$e" | grep -q '^\.'; then
		fail "$name: temporary files left: $(ls -A "$e" | grep '^\.' | tr '\n' ' ')"
		rm -f "$e"/.??*
	fi
}

scn=$top/scenarios/handshake-and-close.yaml
expect_fail "diagram .gif" "$e/x.gif" "use .svg or .png" \
	"$tcpsim" run --quiet --diagram "$e/x.gif" "$scn"
# mscgen draws no PDF (the ladder plot does: tests/plots.sh)
expect_fail "diagram .pdf" "$e/x.pdf" "use .svg or .png" \
	"$tcpsim" run --quiet --diagram "$e/x.pdf" "$scn"
expect_fail "ladder-plot no extension" "$e/x" "use .svg, .png or .pdf" \
	"$tcpsim" run --quiet --ladder-plot "$e/x" "$scn"
# A PATH without the programs: said before the run, nothing written.
expect_fail "diagram without mscgen" "$e/x.svg" "mscgen is not installed" \
	env PATH=/nonexistent "$tcpsim" run --quiet --diagram "$e/x.svg" "$scn"
expect_fail "ladder-plot without gnuplot" "$e/x.png" \
	"gnuplot is not installed" \
	env PATH=/nonexistent "$tcpsim" run --quiet --ladder-plot "$e/x.png" \
	"$scn"
# Programs that fail after writing half a picture: their message is
# passed on, and neither the half picture nor its input stays.
fake=$out/fakebin
mkdir -p "$fake"
for prog in mscgen gnuplot; do
	cat >"$fake/$prog" <<'EOF'
#!/bin/sh
# stands in for a renderer that breaks halfway
for a in "$@"; do last=$a; done
case $0 in *mscgen) while [ $# -gt 0 ]; do
	[ "$1" = -o ] && last=$2; shift; done ;; esac
echo "half a picture" >"$last"
echo "renderer exploded" >&2
exit 3
EOF
	chmod +x "$fake/$prog"
done
expect_fail "mscgen fails" "$e/x.svg" "mscgen failed (exit status 3): renderer exploded" \
	env PATH="$fake:$PATH" "$tcpsim" run --quiet --diagram "$e/x.svg" "$scn"
expect_fail "gnuplot fails" "$e/x.png" "gnuplot failed (exit status 3): renderer exploded" \
	env PATH="$fake:$PATH" "$tcpsim" run --quiet --ladder-plot "$e/x.png" \
	"$scn"
# A picture that exists is not touched by a failing render.
echo old >"$e/keep.svg"
n=$((n + 1))
env PATH="$fake:$PATH" "$tcpsim" run --quiet --diagram "$e/keep.svg" "$scn" \
	>/dev/null 2>&1 || true
[ "$(cat "$e/keep.svg")" = old ] || fail "a failed render replaced keep.svg"
rm -f "$e/keep.svg"

# One render failing spoils the whole run: the chart mscgen did render,
# and the trace, are not left behind either (pictures are renamed into
# place only once every output is ready).
fakegp=$out/fakegp
mkdir -p "$fakegp"
cp "$fake/gnuplot" "$fakegp/gnuplot"
expect_fail "one of two renders fails" "$e/ok.svg" "gnuplot failed" \
	env PATH="$fakegp:$PATH" "$tcpsim" run --quiet --diagram "$e/ok.svg" \
	--ladder-plot "$e/bad.png" --trace "$e/t.trace" "$scn"
n=$((n + 1))
[ ! -e "$e/t.trace" ] && [ ! -e "$e/bad.png" ] ||
	fail "a failed render left the trace or its own picture behind"

echo "diagrams: $n checks, $fails failed"
[ "$fails" -eq 0 ]
