# lib.sh — what the shell tests share. Sourced first thing:
#   . "$(dirname "$0")/lib.sh"
# n counts the checks, fails the failures; a script ends with its own
# summary line and exits non-zero when fails > 0.
n=0
fails=0

# fail MESSAGE — one failure, said
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

# ok — one check more
ok() {
	n=$((n + 1))
}

# scratch DIR — DIR emptied and made; its absolute path in $out
scratch() {
	rm -rf "$1"
	mkdir -p "$1"
	out=$(cd "$1" && pwd)
}

# magic FILE svg|png|pdf — the file starts as that format does
magic() {
	case $2 in
	png) [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ] ;;
	svg) head -c 512 "$1" | grep -q '<svg' ;;
	pdf) [ "$(head -c 5 "$1")" = "%PDF-" ] ;;
	esac
}
