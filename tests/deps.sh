#!/bin/sh
# deps.sh — .ci/deps installs what a goal needs on a machine that has
# none of it, with stand-ins for dpkg-query, id, apt-get and sudo on PATH
# (nothing is installed for real):
#   - as root, the missing packages are installed with apt-get, and when
#     the first install fails (a fresh image has no package lists) the
#     lists are updated once and the install tried again;
#   - nothing is installed when nothing is missing;
#   - without root or password-less sudo, the exact apt-get line is
#     printed and the script fails.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
n=0
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
mkdir "$t/bin"
# every package is installed but those named in $t/missing
cat >"$t/bin/dpkg-query" <<'X'
#!/bin/sh
for p; do :; done
if grep -qx "$p" "$T/missing" 2>/dev/null; then exit 1; fi
echo "install ok installed"
X
cat >"$t/bin/id" <<'X'
#!/bin/sh
echo "$UID_IS"
X
# apt-get: logs each call; an install fails until the lists are updated
cat >"$t/bin/apt-get" <<'X'
#!/bin/sh
echo "apt-get $*" >>"$T/log"
case " $* " in
*" update "*) touch "$T/lists"; exit 0 ;;
*" install "*) [ -e "$T/lists" ] || exit 100; exit 0 ;;
esac
X
cat >"$t/bin/sudo" <<'X'
#!/bin/sh
exit 1
X
chmod +x "$t/bin/"*
run() { # UID GOAL: .ci/deps with the stand-ins, status in $rc
	rm -f "$t/log" "$t/lists"
	rc=0
	env PATH="$t/bin:$PATH" T="$t" UID_IS="$1" sh "$top/.ci/deps" "$2" \
		>"$t/out" 2>&1 || rc=$?
}

printf 'make\nmscgen\ncheck\n' >"$t/missing"
run 0 test
n=$((n + 1))
[ "$rc" -eq 0 ] || fail "root, fresh machine: exit $rc: $(cat "$t/out")"
n=$((n + 1))
want="apt-get install -y -q --no-install-recommends make check mscgen
apt-get update -q
apt-get install -y -q --no-install-recommends make check mscgen"
[ "$(cat "$t/log" 2>/dev/null)" = "$want" ] ||
	fail "root, fresh machine: apt-get was called as: $(cat "$t/log" 2>/dev/null)"

: >"$t/missing"
run 0 asan
n=$((n + 1))
[ "$rc" -eq 0 ] && [ ! -e "$t/log" ] || fail "nothing missing: exit $rc, apt-get called"

printf 'clang\n' >"$t/missing"
run 1000 asan
n=$((n + 1))
[ "$rc" -eq 1 ] && [ ! -e "$t/log" ] &&
	grep -q "sudo apt-get install -y clang" "$t/out" ||
	fail "no root, no sudo: exit $rc: $(cat "$t/out")"

run 0 nonsense
n=$((n + 1))
[ "$rc" -eq 2 ] || fail "unknown goal: exit $rc"

echo "deps: $n checks, $fails failed"
[ "$fails" -eq 0 ]
