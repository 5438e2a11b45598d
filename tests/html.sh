#!/bin/sh
# html.sh TCPSIM OUTDIR — tcpsim run --html: the page a student opens.
#
# For several scenarios (a lost final ACK with its TIME-WAIT folded, a
# bulk transfer with losses and retransmissions, RSTs and data the
# receiver discards): the page is the same bytes twice, refers to nothing
# outside itself (no URL, no <link>, no <script src>), and closes its
# <script> elements only where it means to. A real browser (Debian's
# chromium, headless) then opens each with #selftest, which makes the
# page step forward and back and select a segment and write down what it
# saw: no error, no request, the current event moved, the segment panel
# filled, arrows, crosses, states and timers drawn. A screenshot of each
# is decoded by the browser itself (a canvas) and must have many colours,
# where a blank page's has one. A scenario whose name is markup shows as
# text. A path that cannot be written exits 2 and leaves nothing.
set -eu
tcpsim=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"
scratch "$out" # absolute: the browser wants file:///absolute/paths

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "html.sh: chromium is not installed (sh .ci/deps test installs it)"
	exit 1
fi
profile=$(mktemp -d "${TMPDIR:-/tmp}/tcpsim-chromium.XXXXXX")
trap 'rm -rf "$profile"' EXIT INT TERM
sandbox=""
[ "$(id -u)" -eq 0 ] && sandbox=--no-sandbox

# chrome ARGS... — headless chromium with a private profile, at most 60 s
chrome() {
	timeout 60 "$browser" --headless $sandbox --disable-gpu \
		--no-first-run --disable-extensions --disable-sync \
		--disable-background-networking --disable-component-update \
		--user-data-dir="$profile" --hide-scrollbars "$@" 2>>"$out/chromium.log"
}

# selftest FILE — the #selftest block the page wrote, one line each
selftest() {
	chrome --virtual-time-budget=5000 --dump-dom "file://$1#selftest" |
		sed -n '/<pre id="tcpsim-selftest">/,/<\/pre>/p' |
		sed 's/.*<pre id="tcpsim-selftest">//; s/<\/pre>.*//'
}

# field NAME — a value from the selftest block in $out/st
field() {
	sed -n "s/^$1: //p" "$out/st" | head -n 1
}

# colours PNG — distinct colours in a PNG, counted by the browser
colours() {
	page=$out/colours.html
	{
		printf '<!DOCTYPE html><html><body><img id="i" src="data:image/png;base64,'
		base64 -w0 "$1"
		printf '"><pre id="n">none</pre><script>\n'
		cat <<'EOF'
window.addEventListener('load', function () {
	var i = document.getElementById('i'), c = document.createElement('canvas');
	c.width = i.naturalWidth;
	c.height = i.naturalHeight;
	var x = c.getContext('2d');
	x.drawImage(i, 0, 0);
	var d = x.getImageData(0, 0, c.width, c.height).data, seen = new Set();
	for (var k = 0; k < d.length; k += 4)
		seen.add(d[k] * 65536 + d[k + 1] * 256 + d[k + 2]);
	document.getElementById('n').textContent = c.width ? String(seen.size) : '0';
});
</script></body></html>
EOF
	} >"$page"
	chrome --virtual-time-budget=5000 --dump-dom "file://$page" |
		sed -n 's/.*<pre id="n">\([0-9]*\)<\/pre>.*/\1/p'
}

# A blank page's screenshot has one colour: the count can tell.
printf '<!DOCTYPE html><html><body></body></html>\n' >"$out/blank.html"
chrome --screenshot="$out/blank.png" --window-size=800,600 \
	"file://$out/blank.html" >/dev/null || true
blank=$(colours "$out/blank.png")
[ "$blank" = 1 ] && ok || fail "a blank page's screenshot counts '$blank' colours, not 1"

# page NAME ARGS... — write NAME.html twice and check the file itself
page() {
	name=$1
	shift
	f=$out/$name.html
	if ! "$tcpsim" run --quiet "$@" --html "$f" >/dev/null 2>"$out/err" ||
		! "$tcpsim" run --quiet "$@" --html "$out/$name.again.html" \
			>/dev/null 2>>"$out/err"; then
		fail "$name: tcpsim run $* --html failed"
		sed 's/^/  | /' "$out/err" | head -n 5
		return 1
	fi
	[ -s "$out/err" ] && fail "$name: tcpsim wrote to stderr" || ok
	cmp -s "$f" "$out/$name.again.html" && ok ||
		fail "$name: two runs give different pages"
	if grep -Eiq 'https?://|<link|<script[^>]*src|<iframe|<img|url\([^#]' "$f"; then
		fail "$name: the page refers to something outside itself:"
		grep -Eio '.{0,30}(https?://|<link|<script[^>]*src|<iframe|<img|url\([^#]).{0,30}' \
			"$f" | head -n 3 | sed 's/^/  | /'
	else
		ok
	fi
	# three scripts (events, meta, code), each closed once
	[ "$(grep -o '</script' "$f" | wc -l)" -eq 3 ] && ok ||
		fail "$name: the page has $(grep -o '</script' "$f" | wc -l) '</script'"
	grep -q '<!--' "$f" && fail "$name: the page opens a comment" || ok
	return 0
}

# look NAME MIN_CROSSES MIN_FOLDS MIN_TIMERS — the browser's verdict
look() {
	name=$1
	f=$out/$name.html
	selftest "$f" >"$out/st"
	if [ ! -s "$out/st" ]; then
		fail "$name: the page wrote no selftest (did it load?)"
		return
	fi
	[ "$(field errors)" = 0 ] && ok ||
		{ fail "$name: errors in the page:"; sed 's/^/  | /' "$out/st"; }
	[ "$(field resources)" = 0 ] && ok ||
		fail "$name: the page requested $(field resources) resources"
	[ "$(field stepped)" = yes ] && ok ||
		{ fail "$name: the step control did not move:"; sed 's/^/  | /' "$out/st"; }
	[ "$(field 'segment panel')" = yes ] && ok ||
		fail "$name: selecting a segment filled no panel"
	[ "$(field arrows)" = "$(field segments)" ] && [ "$(field arrows)" -gt 0 ] &&
		ok || fail "$name: $(field arrows) arrows for $(field segments) segments"
	[ "$(field crosses)" -ge "$2" ] && ok ||
		fail "$name: $(field crosses) crosses, expected at least $2"
	[ "$(field folds)" -ge "$3" ] && ok ||
		fail "$name: $(field folds) folds, expected at least $3"
	[ "$(field timers)" -ge "$4" ] && ok ||
		fail "$name: $(field timers) timer spans, expected at least $4"
	[ "$(field states)" -gt 0 ] && [ "$(field 'connections shown')" -gt 0 ] &&
		ok || fail "$name: no states or no connections shown"
	chrome --screenshot="$out/$name.png" --window-size=1200,900 "file://$f" \
		>/dev/null || true
	c=$(colours "$out/$name.png")
	[ "${c:-0}" -ge 16 ] && ok ||
		fail "$name: the screenshot has ${c:-no} colours (blank?)"
}

# lost-final-ack: one loss, TIME-WAIT's 60 s folded, timers fire
page lost-final-ack lost-final-ack && look lost-final-ack 1 1 5
# bulk-transfer-loss: losses, fast retransmits and timeouts
page bulk-transfer-loss bulk-transfer-loss && look bulk-transfer-loss 10 0 50
# blind-reset-attack: forged RSTs and data the receiver discards
page blind-reset-attack blind-reset-attack && look blind-reset-attack 1 0 1
# ecn: a segment marked CE
page ecn ecn && look ecn 0 0 1

# Discards are drawn: blind-reset-attack's page names the rule of one.
grep -q 'RST outside the window' "$out/blind-reset-attack.html" && ok ||
	fail "blind-reset-attack: no discard's rule in the page"

# Markup in the scenario's name (free text; host and rule names cannot
# hold any) stays text: escaped in the title and in the JSON.
sed -e 's/^name: lost-final-ack$/name: "x<\/script><script>document.title=1<\/script><!--\&amp;"/' \
	"$top/scenarios/lost-final-ack.yaml" >"$out/markup.yaml"
if page markup "$out/markup.yaml"; then
	grep -q '<title>x&lt;/script&gt;&lt;script&gt;document.title=1&lt;/script&gt;&lt;!--&amp;amp; ' \
		"$out/markup.html" && ok || fail "markup: the title is not escaped"
	grep -q '"scenario":"x\\u003c/script\\u003e\\u003cscript\\u003edocument.title=1\\u003c/script\\u003e\\u003c!--\\u0026amp;"' \
		"$out/markup.html" && ok || fail "markup: the name is not escaped in the JSON"
	look markup 1 1 5
fi

# A path that cannot be written: exit 2, nothing left behind.
mkdir -p "$out/dir"
for bad in "$out/no/such/dir/x.html" "$out/dir"; do
	st=0
	"$tcpsim" run --quiet lost-final-ack --html "$bad" >/dev/null \
		2>"$out/err" || st=$?
	[ "$st" = 2 ] && ok || fail "--html $bad: exit $st, not 2"
	grep -q . "$out/err" && ok || fail "--html $bad: no message"
done
[ -z "$(ls -A "$out/dir")" ] && ok || fail "--html DIR left files in DIR"
[ ! -e "$out/no" ] && ok || fail "--html into a missing directory made it"

echo "html: $n passed, $fails failed"
[ "$fails" -eq 0 ]
