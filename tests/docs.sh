#!/bin/sh
# docs.sh [--update] TCPSIM FILE.md... — the outputs pasted in the docs are
# what tcpsim prints today.
#
# A block to keep true is a fenced code block right after a marker line
#
#   <!-- tcpsim run ARGS -->
#
# and holds exactly what `tcpsim run ARGS` prints on standard output (run
# from the top of the tree by sh, without colour; ARGS may end in a pipe,
# e.g. `| head -n 18` to paste only the ladder). A marker
# `<!-- tcpsim explore ARGS -->` for `tcpsim explore ARGS` (from the top
# of the tree, as run); `<!-- tcpsim sweep ARGS -->` does the same for
# `tcpsim sweep ARGS`, run
# in an empty scratch directory so that its -o and --plot files go there
# (name the scenario by its built-in name). The check fails, showing the
# difference, where a block is stale; --update rewrites the blocks (each
# file replaced whole, through a temporary file), after which the change
# is read like any golden change.
set -eu
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
tcpsim=$1
shift
case $tcpsim in /*) ;; *) tcpsim=$(pwd)/$tcpsim ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=0
blocks=0
stale=0
for md in "$@"; do
	files=$((files + 1))
	out=$tmp/$(basename "$md")
	# awk runs each marker's command and writes the file as it should be
	mkdir -p "$tmp/scratch"
	if ! TCPSIM="$tcpsim" SCRATCH="$tmp/scratch" NO_COLOR=1 LC_ALL=C \
		awk -v md="$md" '
		function fail(msg) {
			printf "%s:%d: %s\n", md, FNR, msg > "/dev/stderr"
			bad = 1
			exit 2
		}
		skip && /^```/ { skip = 0; next }
		skip { next }
		{ print }
		/^<!-- tcpsim (run|sweep|explore)( .*)? -->$/ {
			args = $0
			sweep = args ~ /^<!-- tcpsim sweep/
			explore = args ~ /^<!-- tcpsim explore/
			sub(/^<!-- tcpsim (run|sweep|explore) ?/, "", args)
			sub(/ ?-->$/, "", args)
			if ((getline fence) <= 0 || fence !~ /^```/)
				fail("a marker must be followed by a code block")
			print fence
			cmd = sweep ? "cd \"$SCRATCH\" && \"$TCPSIM\" sweep " args \
			    : explore ? "\"$TCPSIM\" explore " args \
				    : "\"$TCPSIM\" run --no-color " args
			while ((cmd | getline line) > 0)
				print line
			close(cmd)
			print "```"
			skip = 1
			blocks++
		}
		END {
			if (skip && !bad)
				fail("a code block is not closed")
			print blocks + 0 > "/dev/stderr"
		}' "$md" >"$out" 2>"$tmp/count"; then
		cat "$tmp/count" >&2
		exit 2
	fi
	blocks=$((blocks + $(tail -n 1 "$tmp/count")))
	if cmp -s "$md" "$out"; then
		continue
	fi
	if [ "$update" -eq 1 ]; then
		cp "$out" "$md.tmp.$$"
		mv "$md.tmp.$$" "$md"
		echo "updated $md"
	else
		stale=$((stale + 1))
		echo "STALE $md: its pasted output is not what tcpsim prints now"
		diff -u "$md" "$out" | sed 's/^/  /' | head -n 40
	fi
done
echo "docs: $files files, $blocks outputs, $stale stale"
if [ "$stale" -gt 0 ]; then
	echo "docs: after reading the difference: sh tests/docs.sh --update TCPSIM FILE.md"
	exit 1
fi
