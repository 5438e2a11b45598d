#!/bin/sh
# bad.sh TCPSIM — every file in tests/bad/ must be refused exactly as its
# .err file says: exit status 2, that first line on stderr
# (FILE:LINE:COL: message), no crash, and no output file left behind.
set -u
tcpsim=$1
case $tcpsim in /*) ;; *) tcpsim=$(pwd)/$tcpsim ;; esac
dir=$(dirname "$0")/bad
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0
fail=0
for f in "$dir"/*.yaml; do
	want=$(cat "${f%.yaml}.err")
	"$tcpsim" run --trace "$out/trace" "$f" >"$out/stdout" 2>"$out/stderr"
	rc=$?
	got=$(head -n 1 "$out/stderr")
	left=$(ls -A "$out" | grep -v '^std' || true)
	if [ "$rc" -ne 2 ] || [ "$got" != "$want" ] || [ -n "$left" ]; then
		echo "FAIL $f (exit $rc)"
		echo "  want: $want"
		echo "  got:  $got"
		[ -n "$left" ] && echo "  left behind: $left"
		sed 's/^/  | /' "$out/stderr" | head -n 20
		fail=$((fail + 1))
		rm -f "$out/trace" "$out"/.trace.*
	else
		pass=$((pass + 1))
	fi
done
# Bad command lines: NAME.args holds the arguments to tcpsim (@TMP@ is a
# scratch directory, which must stay empty), NAME.err the exact first
# line of the message, with @TMP@ in it too.
for f in "$dir"/*.args; do
	[ -f "$f" ] || continue
	scratch=$out/scratch
	rm -rf "$scratch"
	mkdir -p "$scratch"
	args=$(sed "s|@TMP@|$scratch|g" "$f")
	want=$(sed "s|@TMP@|$scratch|g" "${f%.args}.err")
	# shellcheck disable=SC2086
	(cd "$scratch" && eval "\"\$tcpsim\" $args") >"$out/stdout" 2>"$out/stderr"
	rc=$?
	got=$(head -n 1 "$out/stderr")
	left=$(ls -A "$scratch" | grep -v '^keep' || true)
	if [ "$rc" -ne 2 ] || [ "$got" != "$want" ] || [ -n "$left" ]; then
		echo "FAIL $f (exit $rc)"
		echo "  want: $want"
		echo "  got:  $got"
		[ -n "$left" ] && echo "  left behind: $left"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "bad inputs: $pass refused as expected, $fail wrong"
[ "$fail" -eq 0 ]
