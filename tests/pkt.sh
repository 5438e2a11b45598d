#!/bin/sh
# pkt.sh TCPSIM — `tcpsim pkt`: the project's own scripts (tests/pkt/,
# Linux behaviours) pass under --profile linux; a script that fails, one
# that asks what is not supported, and one that does not parse each get
# their verdict, place and exit status.
set -u
tcpsim=$1
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
checks=0
check() { # NAME EXPECTED-STATUS EXPECTED-LINE-PATTERN COMMAND...
	name=$1 want=$2 pat=$3
	shift 3
	checks=$((checks + 1))
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! printf '%s\n' "$out" | grep -q -- "$pat"; then
		echo "FAIL $name (exit $rc, wanted $want; no line matching '$pat'):"
		printf '%s\n' "$out" | sed 's/^/  /'
		fail=$((fail + 1))
	fi
}

for f in "$top"/tests/pkt/*.pkt; do
	check "$(basename "$f")" 0 "^ok " "$tcpsim" pkt --profile linux "$f"
done
check "all of tests/pkt" 0 "^8 passed, 0 failed, 0 unsupported$" \
	"$tcpsim" pkt --profile linux "$top"/tests/pkt/*.pkt

# a segment other than the one the script says: FAIL, its line, exit 1
sed 's/^+0.000 > \. 2:2(0) ack 2 win 64240$/+0.000 > . 2:2(0) ack 2 win 9/' \
	"$top/tests/pkt/linux-lost-final-ack.pkt" >"$tmp/win.pkt"
check "a wrong window" 1 "^FAIL  .*win.pkt:22: expected segment differs (window 64240, not 9)" \
	"$tcpsim" pkt --profile linux "$tmp/win.pkt"
# a segment that never comes
printf '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+1 > S 0:0(0) win 1\n' >"$tmp/none.pkt"
check "a segment never sent" 1 "^FAIL  .*none.pkt:2: expected a segment at 1.000000 s, none was sent" \
	"$tcpsim" pkt --profile linux "$tmp/none.pkt"
# a result other than the script's
printf '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n' >"$tmp/fd.pkt"
check "a wrong result" 1 "^FAIL  .*fd.pkt:1: socket: expected 4, got 3" \
	"$tcpsim" pkt "$tmp/fd.pkt"
# a code block's assertion that does not hold
printf '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %%{ assert tcpi_snd_cwnd == 3 }%%\n' >"$tmp/code.pkt"
check "a code block" 1 "^FAIL  .*code.pkt:2: tcpi_snd_cwnd is 10, not == 3" \
	"$tcpsim" pkt --profile linux "$tmp/code.pkt"
# what the runner cannot do: unsupported, exit 1
printf '0 `ls /`\n' >"$tmp/shell.pkt"
check "a shell command" 1 "^unsupported  .*shell.pkt:1: unsupported: the command \`ls /\`" \
	"$tcpsim" pkt "$tmp/shell.pkt"
# a script that does not parse: its place, exit 2
printf '0 < Q 0:0(0) win 1\n' >"$tmp/bad.pkt"
check "a bad script" 2 "^$tmp/bad.pkt:1:5: expected the segment's flags" \
	"$tcpsim" pkt "$tmp/bad.pkt"
check "no such file" 2 "cannot open" "$tcpsim" pkt "$tmp/missing.pkt"

# one script's run as tcpsim run gives it: the trace, the capture, the
# ladder; for several scripts at once, refused
f=$top/tests/pkt/linux-lost-final-ack.pkt
check "the trace" 0 "^ok " "$tcpsim" pkt --profile linux -t "$tmp/t.trace" \
	--pcap "$tmp/t.pcap" "$f"
check "the trace's lines" 0 "tcp send pkt=2 src=192.168.0.1:8080 dst=192.0.2.1:51000 flags=SYN,ACK" \
	cat "$tmp/t.trace"
check "the trace's script lines" 0 "peer send pkt=1 .*flags=SYN .*injected=1" \
	cat "$tmp/t.trace"
checks=$((checks + 1))
if [ "$(od -An -tx1 -N4 "$tmp/t.pcap" | tr -d ' ')" != d4c3b2a1 ] &&
	[ "$(od -An -tx1 -N4 "$tmp/t.pcap" | tr -d ' ')" != 4d3cb2a1 ]; then
	echo "FAIL the capture: not a pcap file"
	fail=$((fail + 1))
fi
# a call while another is blocked waits for it, as packetdrill's one
# thread makes them: here the read waits for a segment the script sends
# only after the write, and the run fails on the read
sed 's/^ 0.200 < P. 11:16(5) ack 1 win 65535$/ 0.150 write(4, ..., 5) = 5\n&/' \
	"$top/tests/pkt/linux-read-peek-and-block.pkt" >"$tmp/two.pkt"
check "a call while one is blocked" 1 \
	"^FAIL  .*two.pkt:23: read() blocked past 0.200000 s" \
	"$tcpsim" pkt --profile linux "$tmp/two.pkt"

# an IPv6 script's capture: IPv6 headers (version 6 in the first byte of
# the first packet, after the 24-byte file and 16-byte record headers),
# packetdrill's addresses; tshark, where present, verifies the checksums
f6=$top/tests/pkt/linux-ipv6-passive-open.pkt
check "an IPv6 capture" 0 "^ok " "$tcpsim" pkt --profile linux \
	--pcap "$tmp/v6.pcap" "$f6"
checks=$((checks + 1))
first=$(od -An -tx1 -j40 -N1 "$tmp/v6.pcap" | tr -d ' ')
src=$(od -An -tx1 -j48 -N16 "$tmp/v6.pcap" | tr -d ' \n')
if [ "$first" != 60 ] || [ "$src" != 20010db8000000000000000000000001 ]; then
	echo "FAIL an IPv6 capture: first byte $first, source $src"
	fail=$((fail + 1))
fi
if command -v tshark >/dev/null 2>&1; then
	check "an IPv6 capture read by tshark" 0 \
		"^fd3d:fa7b:d17d::1 2001:db8::1 1 64$" \
		tshark -r "$tmp/v6.pcap" -o tcp.check_checksum:TRUE \
		-Y "tcp.flags.syn==1 && tcp.flags.ack==1" -T fields -E separator=" " \
		-e ipv6.src -e ipv6.dst -e tcp.checksum.status -e ipv6.hlim
	check "an IPv6 capture: checksums" 0 "^0$" sh -c \
		"tshark -r '$tmp/v6.pcap' -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status!=1 || _ws.malformed' 2>/dev/null | wc -l"
fi
check "the ladder" 0 "TIME-WAIT .*ACK seq=2 ack=2" "$tcpsim" pkt --profile linux --ladder "$f"
check "outputs of two scripts" 2 "one script at a time" \
	"$tcpsim" pkt --profile linux -t "$tmp/u.trace" "$f" "$f"
checks=$((checks + 1))
if [ -e "$tmp/u.trace" ]; then
	echo "FAIL outputs of two scripts: a trace was written"
	fail=$((fail + 1))
fi
check "an unknown profile" 2 "unknown profile 'bsd'" "$tcpsim" pkt --profile bsd "$tmp/fd.pkt"
check "no script" 2 "^Usage: tcpsim pkt" "$tcpsim" pkt
check "help" 0 "^Usage: tcpsim pkt" "$tcpsim" pkt --help

echo "pkt: $checks checks, $fail failed"
[ "$fail" -eq 0 ]
