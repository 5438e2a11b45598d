#!/bin/sh
# build.sh — what the Makefile promises about rebuilding, checked in a
# scratch build directory (the developer's own build/ is not touched):
#   - the built-in scenario table follows the list of scenarios, so a
#     scenario deleted from scenarios/ leaves the binary too;
#   - an object built with other flags (WERROR, OPT, a sanitizer) is built
#     again, rather than mixed with objects of the old flags;
#   - a plain build does not make warnings errors (CI asks for that).
set -u
cd "$(dirname "$0")/.."
# A make run from make (make test WERROR=-Werror, as CI does) hands its
# variables down, in MAKEFLAGS and as environment variables: these checks
# need a make of their own, with the Makefile's own defaults.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL WERROR OPT SAN EXTRA_CFLAGS \
	BUILD
b=$(mktemp -d)
trap 'rm -rf "$b"' EXIT
fails=0
n=0
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
table=$b/gen/builtin_data.c
names() { sed -n 's/^	{"\([^"]*\)".*/\1/p' "$table" | tr '\n' ' '; }

two="scenarios/half-close.yaml scenarios/zero-window.yaml"
make -s BUILD="$b" SCENARIOS="$two" "$table" >/dev/null
n=$((n + 1))
[ "$(names)" = "half-close zero-window " ] || fail "table of two: $(names)"
make -s BUILD="$b" SCENARIOS="scenarios/half-close.yaml" "$table" >/dev/null
n=$((n + 1))
[ "$(names)" = "half-close " ] || fail "a scenario deleted stays in the table: $(names)"

obj=$b/sim/engine/rng.o
make -s BUILD="$b" "$obj" >/dev/null
n=$((n + 1))
make -q BUILD="$b" "$obj" || fail "$obj is not up to date right after it was built"
n=$((n + 1))
make -q BUILD="$b" WERROR=-Werror "$obj" && fail "$obj not rebuilt for WERROR=-Werror"
n=$((n + 1))
make -q BUILD="$b" OPT=-O0 "$obj" && fail "$obj not rebuilt for OPT=-O0"
n=$((n + 1))
make -n BUILD="$b" "$b/sim/engine/sim.o" | grep -q -- '-Werror' &&
	fail "a plain build makes warnings errors"

echo "build: $n checks, $fails failed"
[ "$fails" -eq 0 ]
