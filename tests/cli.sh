#!/bin/sh
# cli.sh TCPSIM — the command line: exit statuses, the built-in default,
# byte-identical replays, output files that appear whole or not at all.
set -u
tcpsim=$1
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

# check NAME WANT_STATUS COMMAND... — run, keep stdout/stderr in $tmp
check() {
	name=$1
	want=$2
	shift 2
	n=$((n + 1))
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, expected $want"
		sed 's/^/  | /' "$tmp/err" | head -n 10
		fails=$((fails + 1))
		return 1
	fi
	return 0
}

# expect NAME FILE PATTERN — FILE contains PATTERN (grep -E)
expect() {
	n=$((n + 1))
	if ! grep -Eq -- "$3" "$2"; then
		echo "FAIL $1: '$3' not in $(basename "$2")"
		sed 's/^/  | /' "$2" | head -n 10
		fails=$((fails + 1))
	fi
}

check version 0 "$tcpsim" --version
expect version "$tmp/out" '^tcpsim [0-9]+\.[0-9]+\.[0-9]+$'
check help 0 "$tcpsim" --help
expect help "$tmp/out" '^Usage: tcpsim COMMAND'
check no-args 2 "$tcpsim"
check unknown-command 2 "$tcpsim" frobnicate
expect unknown-command "$tmp/err" "unknown command 'frobnicate' \\(tcpsim help"
# show: a built-in scenario's YAML as its file has it, which runs as
# the built-in does
check show 0 "$tcpsim" show bulk-transfer-loss
cmp -s "$tmp/out" "$top/scenarios/bulk-transfer-loss.yaml" ||
	{ echo "FAIL show: not the scenario's file"; fails=$((fails + 1)); }
cp "$tmp/out" "$tmp/shown.yaml"
check show-runs 0 "$tcpsim" run -q "$tmp/shown.yaml" -t "$tmp/shown.trace"
check show-builtin 0 "$tcpsim" run -q bulk-transfer-loss -t "$tmp/builtin.trace"
cmp -s "$tmp/shown.trace" "$tmp/builtin.trace" ||
	{ echo "FAIL show-runs: the shown scenario runs otherwise"; fails=$((fails + 1)); }
check show-unknown 2 "$tcpsim" show frobnicate
expect show-unknown "$tmp/err" "no built-in scenario 'frobnicate' \\(tcpsim list names them\\)"
check show-none 2 "$tcpsim" show
# a scenario given as the command: how to run it
check scenario-as-command 2 "$tcpsim" scenarios/bulk-transfer-loss.yaml
expect scenario-as-command "$tmp/err" "to run that scenario, tcpsim run scenarios/bulk-transfer-loss.yaml"
check builtin-as-command 2 "$tcpsim" handshake-and-close
expect builtin-as-command "$tmp/err" "tcpsim run handshake-and-close"
check bad-option 2 "$tcpsim" run --frobnicate
check bad-stop 2 "$tcpsim" run --stop 5parsecs
expect bad-stop "$tmp/err" "unknown time unit"
# a compound duration: the default scenario's TIME-WAIT ends at 240.54 s
check compound-stop 0 "$tcpsim" run --quiet --stop 4m0.6s
check compound-stop-early 1 "$tcpsim" run --quiet --stop 4m0.5s
check bad-compound-stop 2 "$tcpsim" run --stop 30m2h
expect bad-compound-stop "$tmp/err" "from the largest to the smallest"
check bad-seed 2 "$tcpsim" run --seed -4
check two-scenarios 2 "$tcpsim" run a.yaml b.yaml

# The built-in default: the ladder of handshake, data and close, its
# numbers counted from each side's ISN unless --absolute.
check default-absolute 0 "$tcpsim" run --absolute
expect default-absolute "$tmp/out" 'SYN seq=1518315216'
check default-relative 0 "$tcpsim" run --relative
expect default-relative "$tmp/out" 'SYN,ACK seq=0 ack=1'
check default 0 "$tcpsim" run
expect default "$tmp/out" 'SYN seq=0'
expect default "$tmp/out" 'PSH,ACK seq=1 ack=1 len=1000'
for s in LISTEN SYN-SENT SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 \
	CLOSE-WAIT LAST-ACK TIME-WAIT '2·MSL expired' 'received 1000 B intact'; do
	expect default "$tmp/out" "$s"
done
expect default "$tmp/out" 'SYN seq=[0-9]+─+▶'
check default-by-name 0 "$tcpsim" run handshake-and-close
check list 0 "$tcpsim" list
expect list "$tmp/out" '^handshake-and-close +The three-way handshake'

# --ascii draws with ASCII only (the ladder: up to the first blank line;
# the expectations' verdicts after it are text).
check ascii 0 "$tcpsim" run --ascii
n=$((n + 1))
if sed '/^$/q' "$tmp/out" | LC_ALL=C grep -q '[^ -~]'; then
	echo "FAIL ascii: non-ASCII bytes in the --ascii ladder"
	fails=$((fails + 1))
fi

# --explain and --vars add to the ladder: ASCII with --ascii, refused
# without a ladder to add to.
check explain-ascii 0 "$tcpsim" run lost-final-ack --explain --vars --ascii
n=$((n + 1))
if sed '/^$/q' "$tmp/out" | LC_ALL=C grep -q '[^ -~]'; then
	echo "FAIL explain-ascii: non-ASCII bytes in the --ascii ladder"
	fails=$((fails + 1))
fi
expect explain-ascii "$tmp/out" '^ +-> client: 2\*MSL timer set, expires at 61\.540000'
expect explain-ascii "$tmp/out" 'SND\.UNA +SND\.NXT +RCV\.NXT +SND\.WND +RCV\.WND$'
check explain-quiet 2 "$tcpsim" run --explain --quiet
expect explain-quiet "$tmp/err" '--explain adds to the sequence diagram: not with --quiet'
check vars-no-ladder 2 "$tcpsim" run --vars --no-ladder
expect vars-no-ladder "$tmp/err" '--vars adds to the sequence diagram: not with --no-ladder'

# --hosts: pictures of some hosts; a name not in the scenario is refused
# before anything is written.
check hosts 0 "$tcpsim" run ttl-expiry --hosts server,client --msc "$tmp/h.msc"
expect hosts "$tmp/out" '^ +time \(s\) +client +server$'
expect hosts "$tmp/h.msc" 'h1 \[label="server"\];'
check hosts-unknown 2 "$tcpsim" run ttl-expiry --hosts client,r9 --msc "$tmp/h2.msc"
expect hosts-unknown "$tmp/err" "no host named 'r9' in the scenario"
n=$((n + 1))
if [ -e "$tmp/h2.msc" ]; then
	echo "FAIL hosts-unknown: --msc written after a bad --hosts"
	fails=$((fails + 1))
fi
check hosts-nothing 2 "$tcpsim" run ttl-expiry --hosts client --no-ladder
expect hosts-nothing "$tmp/err" 'without one it has nothing to do'
check plot-host-hosts 2 "$tcpsim" plot cwnd dumbbell --host s-1 --hosts s-1 -o "$tmp/p.png"

# explore: every single loss; the minimal failing set written as a
# scenario that shows it; the same report for one worker or two.
check explore-none 0 "$tcpsim" explore lost-syn-ack-three-way --drops 1 -q
expect explore-none "$tmp/out" '^minimal failing sets: 0$'
check explore-two-way 1 "$tcpsim" explore two-way-handshake-deadlock --drops 1 -q -j 1 -o "$tmp/ex"
expect explore-two-way "$tmp/out" '^  1\. drop pkt 2: server SYN,ACK seq=0 ack=1, sent at 0\.021000000$'
cp "$tmp/out" "$tmp/ex-j1"
check explore-two-way-j2 1 "$tcpsim" explore two-way-handshake-deadlock --drops 1 -q -j 2 -o "$tmp/ex"
n=$((n + 1))
if ! cmp -s "$tmp/out" "$tmp/ex-j1"; then
	echo "FAIL explore: the report differs between one and two workers"
	fails=$((fails + 1))
fi
check explore-replay 1 "$tcpsim" run --no-color "$tmp/ex/minimal-1.yaml"
expect explore-replay "$tmp/out" 'SYN,ACK seq=0 ack=1── SYN-RECEIVED +lost: rule explore-1'
check explore-no-fault 2 "$tcpsim" explore two-way-handshake-deadlock
expect explore-no-fault "$tmp/err" 'which faults\?'
check explore-bad-invariant 2 "$tcpsim" explore handshake-and-close --drops 1 --invariant delivered
expect explore-bad-invariant "$tmp/err" "no invariant 'delivered'"
check explore-both 2 "$tcpsim" explore handshake-and-close --drops 1 --expect --invariant no-reset
check explore-bad-delays 2 "$tcpsim" explore handshake-and-close --delays 1
expect explore-bad-delays "$tmp/err" '--delays K:TIME'
check explore-bad-set 2 "$tcpsim" explore handshake-and-close --drops 1 --set tcp.msl=soon
check explore-coverage 0 "$tcpsim" explore lost-syn-ack-three-way --drops 1 -q --coverage
expect explore-coverage "$tmp/out" '^coverage: 12 of the 26 state transitions the model has; 9 '
# CLOSED -> SYN-SENT reached, CLOSED -> LISTEN too, the rest not possible
expect explore-coverage "$tmp/out" '^   0 CLOSED           \+  \+$'
expect explore-coverage "$tmp/out" '^   2 SYN-SENT      \.        \.  \+$'
expect explore-coverage "$tmp/out" '^  SYN-SENT        \+$'
check explore-delays 0 "$tcpsim" explore handshake-and-close --delays 1:300ms --dups 1 -q
expect explore-delays "$tmp/out" 'up to 1 duplicate, up to 1 delay of 300ms'

# Same scenario, same seed: byte-identical traces, from the file or the
# built-in copy; another seed gives another trace.
check trace-1 0 "$tcpsim" run --quiet --trace "$tmp/t1" "$top/scenarios/handshake-and-close.yaml"
check trace-2 0 "$tcpsim" run --quiet --trace "$tmp/t2" "$top/scenarios/handshake-and-close.yaml"
check trace-3 0 "$tcpsim" run --quiet --trace "$tmp/t3"
check trace-4 0 "$tcpsim" run --quiet --trace "$tmp/t4" --seed 99
n=$((n + 1))
if ! cmp -s "$tmp/t1" "$tmp/t2" || ! cmp -s "$tmp/t1" "$tmp/t3"; then
	echo "FAIL determinism: two runs of one scenario differ"
	fails=$((fails + 1))
fi
n=$((n + 1))
if cmp -s "$tmp/t1" "$tmp/t4"; then
	echo "FAIL seed: --seed 99 gave the same trace"
	fails=$((fails + 1))
fi
expect trace-header "$tmp/t1" '^# tcpsim trace v1$'
expect trace-header "$tmp/t4" '^# seed: 99$'
check trace-stdout 0 "$tcpsim" run --trace - 
expect trace-stdout "$tmp/out" ' client send pkt=1 src=10.0.0.1:49152 dst=10.0.0.2:80 flags=SYN '

# Input errors exit 2 and leave no output file.
check missing-file 2 "$tcpsim" run --trace "$tmp/t5" "$tmp/nope.yaml"
expect missing-file "$tmp/err" "nope.yaml: cannot open the scenario: No such file"
check directory 2 "$tcpsim" run "$top/scenarios/"
expect directory "$tmp/err" "is a directory, not a scenario file"
check unknown-name 2 "$tcpsim" run no-such-scenario
expect unknown-name "$tmp/err" "no scenario file or built-in scenario named 'no-such-scenario'"
check unwritable 2 "$tcpsim" run --trace "$tmp/no/such/dir/t"
expect unwritable "$tmp/err" "cannot create"
check trace-is-dir 2 "$tcpsim" run --trace "$tmp"
expect trace-is-dir "$tmp/err" "is a directory"
n=$((n + 1))
if [ -e "$tmp/t5" ] || ls -A "$tmp" | grep -q '^\.'; then
	echo "FAIL leftovers: an output or temporary file was left behind"
	fails=$((fails + 1))
fi

# Limits end a run clearly: the event cap is a failure (1), the stop time
# is a normal end.
# the other limits: a listener and three connections a second apart (a
# connection counts once, at the end that opened it: 4 in all)
printf '%s\n' 'hosts: {a: {}, b: {}}' 'links: [{between: [a, b], delay: 10ms}]' 'apps:' \
	'  b: [{at: 0s, listen: 9}]' \
	'  a: [{at: 0s, connect: "b:9"}, {at: 1s, connect: "b:9"}, {at: 2s, connect: "b:9"}]' \
	>"$tmp/conns.yaml"
check max-conns 1 "$tcpsim" run --quiet "$tmp/conns.yaml" --max-conns 3 --trace "$tmp/t7"
expect max-conns "$tmp/err" "^tcpsim: the run hit its limit of 3 connections before it finished; raise it with --max-conns or 'max-conns:'\$"
expect max-conns "$tmp/t7" 'run event=end reason=connection-limit '
check max-conns-enough 0 "$tcpsim" run --quiet "$tmp/conns.yaml" --max-conns 4
# connections open at once count, not all there ever were: three short
# ones, 5 s apart, each gone 2 s after it closes (TIME-WAIT 2 * 1 s)
printf '%s\n' 'tcp: {msl: 1s}' 'hosts: {a: {}, b: {}}' 'links: [{between: [a, b], delay: 10ms}]' \
	'apps:' '  b: [{at: 0s, listen: 9}, {on: peer-closed, close: true}]' \
	'  a: [{at: 0s, connect: "b:9", bulk: 100}, {at: 5s, connect: "b:9", bulk: 100}, {at: 10s, connect: "b:9", bulk: 100}]' \
	>"$tmp/serial.yaml"
check max-conns-at-once 0 "$tcpsim" run --quiet "$tmp/serial.yaml" --max-conns 2
# a SYN no simulated connection sent (injected) makes a child that counts
printf '%s\n' 'hosts: {b: {}, x: {}}' 'links: [{between: [x, b], delay: 1ms}]' 'apps:' \
	'  b: [{at: 0s, listen: 80}]' \
	'  x: [{at: 1s, inject: {src: "192.0.2.1:1001", dst: "b:80", flags: SYN, seq: 1}},' \
	'      {at: 1s, inject: {src: "192.0.2.2:1002", dst: "b:80", flags: SYN, seq: 2}}]' \
	'expect: [{event: drop, host: b, why: no route}]' >"$tmp/flood.yaml"
check max-conns-injected 1 "$tcpsim" run --quiet "$tmp/flood.yaml" --max-conns 2
expect max-conns-injected "$tmp/err" 'limit of 2 connections'
check max-conns-injected-enough 0 "$tcpsim" run --quiet "$tmp/flood.yaml" --max-conns 3 --stop 2s
# buffers are charged as they fill: carried as bytes (--payload-bytes), a
# 200 KB transfer's send buffer grows to its 65535 bytes (rfc9293), more
# than a 50 KiB budget; carried by reference (the default), its buffers
# are windows on the stream and hold none, and the same run fits; the
# three idle connections of conns.yaml (and the listener, 7 TCBs in all)
# hold no buffer and fit in 32 KiB
printf '%s\n' 'hosts: {a: {}, b: {}}' 'links: [{between: [a, b], delay: 10ms}]' 'apps:' \
	'  b: [{at: 0s, listen: 9}]' '  a: [{at: 0s, connect: "b:9", bulk: 200000}]' \
	>"$tmp/data.yaml"
check max-memory 1 "$tcpsim" run --quiet --payload-bytes "$tmp/data.yaml" --max-memory 50KiB
expect max-memory "$tmp/err" "^tcpsim: the run hit its limit of 51200 bytes of connection state and buffers before it finished; raise it with --max-memory or 'max-memory:'\$"
check max-memory-enough 0 "$tcpsim" run --quiet --payload-bytes "$tmp/data.yaml" --max-memory 1MiB
check max-memory-by-reference 0 "$tcpsim" run --quiet "$tmp/data.yaml" --max-memory 50KiB
check max-memory-idle 0 "$tcpsim" run --quiet "$tmp/conns.yaml" --max-memory 32KiB --max-conns 7
check max-memory-zero 2 "$tcpsim" run --quiet "$tmp/conns.yaml" --max-memory 0
expect max-memory-zero "$tmp/err" "expects a size of at least 1 byte"
printf 'max-conns: 2\n' | cat - "$tmp/conns.yaml" >"$tmp/conns2.yaml"
check max-conns-key 1 "$tcpsim" run --quiet "$tmp/conns2.yaml"
expect max-conns-key "$tmp/err" 'limit of 2 connections'
# max-hosts raises the loader's cap on hosts (100000)
printf '%s\n' 'max-hosts: 100002' 'hosts: {c: {count: 100001}, s: {}}' >"$tmp/many.yaml"
check max-hosts 0 "$tcpsim" run --quiet "$tmp/many.yaml"
check max-events 1 "$tcpsim" run --quiet --max-events 5 --trace "$tmp/t6"
expect max-events "$tmp/err" "hit its limit of 5 events"
expect max-events "$tmp/t6" 'run event=end reason=event-limit events=5 '
# (a scenario without expectations: the default one's would fail)
check stop 0 "$tcpsim" run --quiet --stop 100ms --trace "$tmp/t7" \
	"$top/tests/outputs/three-hosts.yaml"
expect stop "$tmp/t7" '^0\.100000000 - run event=end reason=stop-time '

# A rule that never acted, and calls that could not be made: warnings
# with where the scenario wrote them, the run still a success; quiet
# with -q.
cat >"$tmp/warn.yaml" <<'EOF'
name: warn
hosts: {client: {}, server: {}}
links:
  - between: [client, server]
    delay: 10ms
    rules: [{name: fin-only, flags-exact: FIN, action: drop}]
apps:
  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]
  client: [{at: 0s, connect: server:80, bulk: 1000}, {at: 5s, send: 10}]
EOF
check warn 0 "$tcpsim" run --no-ladder "$tmp/warn.yaml"
expect warn "$tmp/err" "warn.yaml:6:13: warning: rule 'fin-only' never acted on a segment: flags-exact: FIN fits none TCP sends"
expect warn "$tmp/err" "warn.yaml:9:54: warning: client: 1 application call could not be made; the first, at 5.000000000 s: connection closing or closed"
check warn-quiet 0 "$tcpsim" run -q "$tmp/warn.yaml"
[ -s "$tmp/err" ] && { echo "FAIL warn-quiet: -q printed a warning"; fails=$((fails + 1)); }
sed 's/action: drop}/action: drop, must-match: true}/' "$tmp/warn.yaml" >"$tmp/warn2.yaml"
check warn-must 2 "$tcpsim" run -q "$tmp/warn2.yaml"
expect warn-must "$tmp/err" "warn2.yaml:6:13: rule 'fin-only' never acted on a segment, and it is marked must-match"
# the same of a scenario's faults, which every link shares
cat >"$tmp/warn3.yaml" <<'EOF'
hosts: {client: {}, server: {}}
links: [{between: [client, server], delay: 10ms}]
apps:
  server: [{at: 0s, listen: 80}]
  client: [{at: 0s, connect: server:80}]
faults:
  - {name: far, segment: 99, action: drop}
  - {name: near, segment: 2, action: drop}
EOF
check warn-fault 0 "$tcpsim" run --no-ladder "$tmp/warn3.yaml"
expect warn-fault "$tmp/err" "warn3.yaml:7:5: warning: rule 'far' never acted on a segment"
n=$((n + 1))
if grep -q "'near'" "$tmp/err"; then
	echo "FAIL warn-fault: a fault that acted was warned about"
	fails=$((fails + 1))
fi
sed 's/action: drop}/action: drop, must-match: true}/' "$tmp/warn3.yaml" >"$tmp/warn4.yaml"
check warn-fault-must 2 "$tcpsim" run -q "$tmp/warn4.yaml"
expect warn-fault-must "$tmp/err" "warn4.yaml:7:5: rule 'far' never acted on a segment, and it is marked must-match"

# Golden traces: check passes on the recorded ones, says where a changed
# one diverges, refuses a missing one, and --update records atomically.
check check-ok 0 "$tcpsim" check "$top/scenarios/handshake-and-close.yaml"
expect check-ok "$tmp/out" '^ok +handshake-and-close'
mkdir -p "$tmp/g/golden"
cp "$top/scenarios/handshake-and-close.yaml" "$tmp/g/hc.yaml"
check check-missing 2 "$tcpsim" check "$tmp/g/hc.yaml"
expect check-missing "$tmp/err" "no golden trace .*/g/golden/hc.trace; record one with: tcpsim check --update"
check check-create 0 "$tcpsim" check --update "$tmp/g"
expect check-create "$tmp/out" "created .*/g/golden/hc.trace \([0-9]+ lines"
check check-unchanged 0 "$tcpsim" check --update "$tmp/g/hc.yaml"
expect check-unchanged "$tmp/out" 'unchanged'
cmp -s "$tmp/g/golden/hc.trace" "$top/scenarios/golden/handshake-and-close.trace" ||
	{ echo "FAIL check-create: the recorded golden is not the trace"; fails=$((fails + 1)); }
# A golden from a world with a bigger window: every win= differs.
sed 's/win=65535/win=64240/' "$tmp/g/golden/hc.trace" >"$tmp/g/golden/w.trace"
check check-differs 1 "$tcpsim" check --golden "$tmp/g/golden/w.trace" "$tmp/g/hc.yaml"
expect check-differs "$tmp/out" '^FAIL +hc: the run differs from'
expect check-differs "$tmp/out" 'first difference: golden line 8, run line 8'
expect check-differs "$tmp/out" 'win: 64240 → 65535'
expect check-differs "$tmp/out" '[0-9]+ more differences after it'
check check-ignore 0 "$tcpsim" check --ignore win --golden "$tmp/g/golden/w.trace" "$tmp/g/hc.yaml"
expect check-ignore "$tmp/out" 'differs only in ignored fields'
check check-bad-ignore 2 "$tcpsim" check --ignore wnd "$tmp/g/hc.yaml"
expect check-bad-ignore "$tmp/err" "'wnd' is not a field"
check check-golden-two 2 "$tcpsim" check --golden x.trace a.yaml b.yaml
check check-nothing 2 "$tcpsim" check
check check-bad-scenario 2 "$tcpsim" check "$tmp/nope.yaml"
cp "$tmp/g/golden/w.trace" "$tmp/g/golden/hc.trace"
check check-update 0 "$tcpsim" check --update "$tmp/g/hc.yaml"
expect check-update "$tmp/out" "updated .*hc.trace: [0-9]+ places changed from line 8 on: [0-9]+ lines removed, [0-9]+ added"
cmp -s "$tmp/g/golden/hc.trace" "$top/scenarios/golden/handshake-and-close.trace" ||
	{ echo "FAIL check-update: the golden was not rewritten"; fails=$((fails + 1)); }
# A comment added at the top moves every call's scenario line: the
# golden still holds (line= is compared only with --with-lines).
{ printf '# a comment\n'; cat "$tmp/g/hc.yaml"; } >"$tmp/g/hc2.yaml"
check check-comment 0 "$tcpsim" check --golden "$tmp/g/golden/hc.trace" "$tmp/g/hc2.yaml"
expect check-comment "$tmp/out" 'differs only in ignored fields'
check check-with-lines 1 "$tcpsim" check --with-lines --golden "$tmp/g/golden/hc.trace" "$tmp/g/hc2.yaml"
expect check-with-lines "$tmp/out" 'line: [0-9]+ → [0-9]+'
rm -f "$tmp/g/hc2.yaml"
# A failing expectation fails the check, and is never recorded.
# (handshake-and-close ends with its expect: list; one more item)
{ cat "$tmp/g/hc.yaml"; printf '  - {host: client, state: ESTABLISHED, at: end}\n'; } >"$tmp/g/bad.yaml"
cp "$tmp/g/golden/hc.trace" "$tmp/g/golden/bad.trace"
check check-expect 1 "$tcpsim" check "$tmp/g/bad.yaml"
rm "$tmp/g/golden/bad.trace"
check check-expect-update 1 "$tcpsim" check --update "$tmp/g/bad.yaml"
expect check-expect-update "$tmp/out" 'not updated'
[ ! -e "$tmp/g/golden/bad.trace" ] ||
	{ echo "FAIL check-expect-update: a failing run was recorded"; fails=$((fails + 1)); }
ls -A "$tmp/g/golden" | grep -q '^\.' &&
	{ echo "FAIL check-leftovers: a temporary file was left"; fails=$((fails + 1)); }
rm -f "$tmp/g/bad.yaml"

check diff-same 0 "$tcpsim" diff "$tmp/g/golden/hc.trace" "$top/scenarios/golden/handshake-and-close.trace"
check diff-differs 1 "$tcpsim" diff "$tmp/g/golden/hc.trace" "$tmp/g/golden/w.trace"
expect diff-differs "$tmp/out" 'first difference: .*hc.trace line 8, .*w.trace line 8'
check diff-ignore 0 "$tcpsim" diff --ignore win "$tmp/g/golden/hc.trace" "$tmp/g/golden/w.trace"
check diff-one 2 "$tcpsim" diff "$tmp/g/golden/hc.trace"
check diff-missing 2 "$tcpsim" diff "$tmp/g/golden/hc.trace" "$tmp/none.trace"
expect diff-missing "$tmp/err" 'none.trace: No such file'
check diff-update 2 "$tcpsim" diff --update a b

# Interrupted (SIGINT) in the middle of a long run (a 50 GB transfer, far
# more than a second on any machine): check --update says
# so, exits 1 and records nothing, not even a golden/ directory.
mkdir -p "$tmp/int"
printf '%s\n' 'stop: 1000h' 'max-events: 1000000000000' 'hosts: {a: {}, b: {}}' \
	'links: [{between: [a, b], delay: 10ms, loss: 0.01}]' 'apps:' \
	'  b: [{at: 0s, listen: 9}, {on: peer-closed, close: true}]' \
	'  a: [{at: 0s, connect: "b:9"}, {on: connected, send: 50GB}, {on: connected, close: true}]' \
	>"$tmp/int/long.yaml"
n=$((n + 1))
"$tcpsim" check --update "$tmp/int/long.yaml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
if [ "$rc" -ne 1 ] || [ -e "$tmp/int/golden" ] ||
	! grep -qx 'tcpsim: interrupted after 0 of 1 scenario; no golden trace was left half-written' "$tmp/err"; then
	echo "FAIL check-interrupted: exit $rc"
	sed 's/^/  | /' "$tmp/err" | head -n 5
	fails=$((fails + 1))
fi

# interrupted runs: SIGTERM to run (every output asked for), SIGINT to
# plot; each says so, exits 1 and leaves no file, whole or partial
# interrupted NAME SIGNAL MESSAGE ARGS... — tcpsim ARGS in $tmp/int
case $tcpsim in /*) tcpsim_abs=$tcpsim ;; *) tcpsim_abs=$(pwd)/$tcpsim ;; esac
interrupted() {
	name=$1
	sig=$2
	msg=$3
	shift 3
	n=$((n + 1))
	(cd "$tmp/int" && exec "$tcpsim_abs" "$@") >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 1
	kill -"$sig" $pid
	wait $pid
	rc=$?
	left=$(ls -A "$tmp/int" | grep -v '^long.yaml$' || true)
	if [ "$rc" -ne 1 ] || [ -n "$left" ] || ! grep -qx "$msg" "$tmp/err"; then
		echo "FAIL $name: exit $rc, left: $left"
		sed 's/^/  | /' "$tmp/err" | head -n 5
		fails=$((fails + 1))
	fi
}
interrupted run-interrupted TERM 'tcpsim: interrupted; no output file was written' \
	run --quiet long.yaml --trace t.trace --jsonl t.jsonl --pcap t.pcap --msc t.msc \
	--ladder-plot t.svg
interrupted plot-interrupted INT 'tcpsim: interrupted; no picture was drawn' \
	plot timeseq long.yaml -o t.png

# Every output at once, with the terminal ladder and the expectations:
# nine sinks on one run (there was once room for eight).
mkdir -p "$tmp/all"
abs=$(cd "$(dirname "$tcpsim")" && pwd)/$(basename "$tcpsim")
check every-output 0 sh -c "cd '$tmp/all' && '$abs' run handshake-and-close \
	--trace t --jsonl j --pcap p --msc m --diagram d.svg --ladder-plot l.svg \
	--csv c --no-color"
expect every-output "$tmp/out" 'all 56 expectations hold'
expect every-output "$tmp/out" 'SYN seq=[0-9]+-*─+▶'
for f in t j p m d.svg l.svg c/segments.csv; do
	n=$((n + 1))
	if [ ! -s "$tmp/all/$f" ]; then
		echo "FAIL every-output: $f not written"
		fails=$((fails + 1))
	fi
done

echo "cli: $n checks, $fails failed"
[ "$fails" -eq 0 ]
