#!/bin/sh
# layers.sh [CC] — the architecture of docs/architecture.md, checked.
#
# The code lives in one folder per layer. Each folder may include only
# from the folders its row of the table below names (and from itself);
# an include from anywhere else is a back edge, and fails. Also checked:
#   - every project include names its file from the root of the tree
#     ("sim/engine/sim.h", "models/tcp.h") and that file exists;
#   - no two headers include each other, directly or round a circle;
#   - the body of a TCP connection (models/tcp_priv.h) is seen only by
#     the TCP model (models/tcp*.c) and the TCP test harness;
#   - only the command line (sim/cli/) calls exit(), and the library
#     writes to no terminal: stdout only where an output file may be
#     standard output (sim/out/outfile.c), stderr nowhere;
#   - every header compiles on its own;
#   - no .c file is longer than 1,500 lines.
set -u
cd "$(dirname "$0")/.."
cc=${1:-${CC:-cc}}

# The allowed edges: a folder, then the folders it may include from.
# Lower layers first; an edge may only point up this list, and only to
# the folders named.
table='
sim/engine
models       sim/engine
sim/scenario sim/engine models
sim/out      sim/engine models
sim/verdict  sim/engine models sim/scenario sim/out
sim/run      sim/engine models sim/scenario sim/out sim/verdict
sim/diagram  sim/engine models sim/out sim/run
sim/pkt      sim/engine models sim/out
sim/cli      sim/engine models sim/scenario sim/out sim/verdict sim/run sim/diagram sim/pkt
'

fail=0
checks=0
bad() {
	echo "layers: $*"
	fail=$((fail + 1))
}

folders=$(echo "$table" | awk 'NF { print $1 }')
files=$(for d in $folders; do ls "$d"/*.c "$d"/*.h 2>/dev/null; done)

# Every include edge of the layered code: FILE INCLUDED
edges=$(for f in $files; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r inc; do echo "$f $inc"; done
done)

# 1. and 2.: includes by path, and only along the table's edges
while read -r f inc; do
	[ -n "$f" ] || continue
	checks=$((checks + 1))
	if [ ! -f "$inc" ]; then
		bad "$f includes \"$inc\": no such file from the root (write the path, e.g. \"sim/engine/sim.h\")"
		continue
	fi
	from=$(dirname "$f")
	to=$(dirname "$inc")
	[ "$from" = "$to" ] && continue
	allowed=$(echo "$table" | awk -v d="$from" '$1 == d { $1 = ""; print }')
	case " $allowed " in
	*" $to "*) ;;
	*) bad "$f includes $inc: $from may not include from $to (a back edge; see the table in tests/layers.sh)" ;;
	esac
done <<EOF
$edges
EOF

# 3. no circle among headers: tsort fails on one
hedges=$(echo "$edges" | awk '$1 ~ /\.h$/ { print $1, $2 }')
checks=$((checks + 1))
if ! echo "$hedges" | tsort >/dev/null 2>"${TMPDIR:-/tmp}/layers.$$"; then
	bad "headers include each other in a circle:"
	sed 's/^/  /' "${TMPDIR:-/tmp}/layers.$$"
fi
rm -f "${TMPDIR:-/tmp}/layers.$$"

# 4. the TCB's body is the TCP model's and its harness's
for f in $(grep -rl --include='*.[ch]' '"models/tcp_priv.h"' sim models tests bench 2>/dev/null); do
	checks=$((checks + 1))
	case $f in
	models/tcp*.[ch] | tests/tcp_harness.h) ;;
	*) bad "$f includes models/tcp_priv.h: only models/tcp*.c and tests/tcp_harness.h may (use the accessors of models/tcp.h)" ;;
	esac
done

# 5. exit() only on the command line; the library prints to no terminal
for f in $files; do
	checks=$((checks + 1))
	case $f in sim/cli/*) continue ;; esac
	if grep -n '\(^\|[^_a-z]\)exit[[:space:]]*(' "$f" >/dev/null; then
		bad "$f calls exit(): only sim/cli/ may end the process"
	fi
	if grep -n '\bstderr\b\|\bprintf[[:space:]]*(\|\bputs[[:space:]]*(\|\bputchar[[:space:]]*(' "$f" >/dev/null; then
		bad "$f writes to the terminal: the library writes only to the FILE it is given"
	fi
	if [ "$f" != sim/out/outfile.c ] && grep -n '\bstdout\b' "$f" >/dev/null; then
		bad "$f uses stdout: only sim/out/outfile.c may (for the path \"-\")"
	fi
done

# 6. every header compiles alone
for h in $(echo "$files" | grep '\.h$'); do
	checks=$((checks + 1))
	if ! echo "#include \"$h\"" | $cc -std=c11 -D_POSIX_C_SOURCE=200809L \
		-I. -Wall -Wextra -Werror -fsyntax-only -x c - 2>"${TMPDIR:-/tmp}/layers.$$"; then
		bad "$h does not compile on its own:"
		sed 's/^/  /' "${TMPDIR:-/tmp}/layers.$$" | head -n 5
	fi
done
rm -f "${TMPDIR:-/tmp}/layers.$$"

# 7. no .c file over 1,500 lines
for f in $(git ls-files '*.c' 2>/dev/null || find . -name '*.c'); do
	checks=$((checks + 1))
	n=$(wc -l <"$f")
	[ "$n" -le 1500 ] || bad "$f has $n lines (at most 1,500: split it by job)"
done

echo "layers: $checks checks, $fail failed"
[ "$fail" -eq 0 ]
