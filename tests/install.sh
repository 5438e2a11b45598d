#!/bin/sh
# install.sh TCPSIM DIR — what make install promises, and that the man
# pages and the shell completion say what the program does:
#   - make install DESTDIR=... puts every file where promised, and only
#     those; PREFIX, BINDIR and MANDIR move them; the installed tcpsim
#     runs and checks the installed scenarios against their goldens;
#     make uninstall removes every file again;
#   - mandoc -Tlint finds nothing in either page; the scenario in
#     tcpsim-scenario(5)'s EXAMPLES runs and its expectations hold;
#   - every command `tcpsim help` lists and every long option each
#     command's --help lists (which must be the options its getopt tables
#     hold, sim/cli/*.c) is described under that command in tcpsim(1),
#     offered by the bash completion for `tcpsim CMD -` (exactly those)
#     and given to _arguments by the zsh completion (exactly those);
#     every key the scenario loader takes (sim/scenario/*.c,
#     models/tcp_params.c) is named in tcpsim-scenario(5);
#   - bash completion, sourced in bash: commands, options, scenario
#     names (`tcpsim list`), .yaml files, plot kinds; zsh's parses, and
#     completes commands, options, scenario names, files and values in
#     an interactive zsh driven through zsh/zpty.
# DIR is scratch space, emptied first.
set -u
tcpsim=$1
dir=$2
top=$(cd "$(dirname "$0")/.." && pwd)
case $tcpsim in /*) ;; *) tcpsim=$(pwd)/$tcpsim ;; esac
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
build=$(dirname "$tcpsim")
case $build in "$top"/*) build=${build#"$top"/} ;; esac
. "$top/tests/lib.sh"
scratch "$dir"
check() { # DESCRIPTION COMMAND...: the command must succeed
	what=$1
	shift
	n=$((n + 1))
	"$@" >"$dir/out" 2>&1 || fail "$what: $(head -n 20 "$dir/out")"
}
# make in the project, on the build the tests use (the flags make was
# given come along in MAKEFLAGS, so nothing is rebuilt)
mk() {
	${MAKE:-make} -C "$top" --no-print-directory BUILD="$build" "$@"
}

# ---- install, run, uninstall -------------------------------------------

d=$dir/stage
p=$d/usr/local
check "make install DESTDIR" mk install DESTDIR="$d" PREFIX=/usr/local
want=$dir/want
{
	echo "$p/bin/tcpsim"
	echo "$p/share/man/man1/tcpsim.1"
	echo "$p/share/man/man5/tcpsim-scenario.5"
	echo "$p/share/bash-completion/completions/tcpsim"
	echo "$p/share/zsh/site-functions/_tcpsim"
	for f in "$top"/scenarios/*.yaml; do
		echo "$p/share/tcpsim/scenarios/${f##*/}"
	done
	for f in "$top"/scenarios/golden/*.trace; do
		echo "$p/share/tcpsim/scenarios/golden/${f##*/}"
	done
} | sort >"$want"
find "$d" -type f | sort >"$dir/got"
n=$((n + 1))
cmp -s "$want" "$dir/got" ||
	fail "installed files differ from the promised ones: $(diff "$want" "$dir/got")"
for pair in "docs/man/tcpsim.1 share/man/man1/tcpsim.1" \
	"docs/man/tcpsim-scenario.5 share/man/man5/tcpsim-scenario.5" \
	"docs/completion/tcpsim.bash share/bash-completion/completions/tcpsim" \
	"docs/completion/_tcpsim share/zsh/site-functions/_tcpsim" \
	"scenarios/lost-final-ack.yaml share/tcpsim/scenarios/lost-final-ack.yaml"; do
	set -- $pair
	check "$2 is $1" cmp "$top/$1" "$p/$2"
done
n=$((n + 1))
[ -x "$p/bin/tcpsim" ] || fail "bin/tcpsim is not executable"
check "installed tcpsim --version" "$p/bin/tcpsim" --version
check "installed tcpsim runs a built-in scenario" \
	"$p/bin/tcpsim" run --quiet handshake-and-close
check "installed tcpsim checks the installed scenarios" \
	"$p/bin/tcpsim" check --quiet "$p/share/tcpsim/scenarios"
grep -q ', 0 failed, 0 errors' "$dir/out" ||
	fail "check of the installed scenarios: $(cat "$dir/out")"

# the directories follow PREFIX, and each may be moved on its own
d2=$dir/stage2
check "make install PREFIX BINDIR MANDIR" mk install DESTDIR="$d2" \
	PREFIX=/opt/t BINDIR=/opt/bin MANDIR=/opt/man
for f in /opt/bin/tcpsim /opt/man/man1/tcpsim.1 \
	/opt/man/man5/tcpsim-scenario.5 /opt/t/share/tcpsim/scenarios/zero-window.yaml \
	/opt/t/share/bash-completion/completions/tcpsim \
	/opt/t/share/zsh/site-functions/_tcpsim; do
	n=$((n + 1))
	[ -f "$d2$f" ] || fail "PREFIX=/opt/t BINDIR=/opt/bin MANDIR=/opt/man: no $f"
done
check "make uninstall PREFIX BINDIR MANDIR" mk uninstall DESTDIR="$d2" \
	PREFIX=/opt/t BINDIR=/opt/bin MANDIR=/opt/man
n=$((n + 1))
[ -z "$(find "$d2" -type f)" ] ||
	fail "uninstall left: $(find "$d2" -type f | head)"

# ---- the man pages -------------------------------------------------------

if command -v mandoc >/dev/null 2>&1; then
	for page in docs/man/tcpsim.1 docs/man/tcpsim-scenario.5; do
		# warnings and errors; the style messages need the pages'
		# and their references' database, checked below
		n=$((n + 1))
		mandoc -Tlint -W warning "$top/$page" >"$dir/lint" 2>&1 ||
			fail "mandoc -Tlint $page: $(cat "$dir/lint")"
	done
	# and every message, style too, but that a page it refers to is
	# not installed in the base system (/usr/share/man): ours are not
	for page in docs/man/tcpsim.1 docs/man/tcpsim-scenario.5; do
		n=$((n + 1))
		mandoc -Tlint "$top/$page" >"$dir/lint" 2>&1
		grep -v 'STYLE: referenced manual not found' "$dir/lint" |
			grep -v 'mandoc.db' | grep -q . &&
			fail "mandoc -Tlint $page: $(cat "$dir/lint")"
	done
else
	fail "mandoc is not installed (sh .ci/deps test)"
fi

# the example of tcpsim-scenario(5) is a scenario whose expectations hold
awk '/^\.Sh EXAMPLES/ { e = 1 } e && /^\.Bd -literal/ { f = 1; next }
	f && /^\.Ed/ { exit } f' "$top/docs/man/tcpsim-scenario.5" >"$dir/example.yaml"
check "the example of tcpsim-scenario(5) runs and holds" \
	"$tcpsim" run --quiet "$dir/example.yaml"

# every key the loader takes is named (Ic KEY) in tcpsim-scenario(5)
{
	grep -ho '{"[a-z][a-z0-9-]*", LD_' "$top"/sim/scenario/*.c |
		sed 's/{"\([^"]*\)".*/\1/'
	grep -ho 'P[FC]("[a-z0-9-]*"' "$top/models/tcp_params.c" |
		sed 's/.*("\(.*\)"/\1/'
} | sort -u >"$dir/keys"
n=$((n + 1))
[ "$(wc -l <"$dir/keys")" -gt 100 ] ||
	fail "found only $(wc -l <"$dir/keys") scenario keys in the loader's tables"
for k in $(cat "$dir/keys"); do
	n=$((n + 1))
	grep -Eq "Ic $k( |\$)" "$top/docs/man/tcpsim-scenario.5" ||
		fail "tcpsim-scenario.5 does not name the scenario key '$k'"
done

# ---- commands and options, from the program ----------------------------

# The commands: the first word of each line of `tcpsim help` under
# "Commands:".
"$tcpsim" help | awk '/^Commands:/ { c = 1; next } c && /^$/ { exit }
	c && /^  [a-z]/ { print $1 }' >"$dir/commands"
n=$((n + 1))
[ "$(wc -l <"$dir/commands")" -ge 9 ] ||
	fail "tcpsim help lists only: $(cat "$dir/commands")"

# A command's long options, from its --help: the option lines (indented,
# starting with -), for run those under "Options of run:" and --help
# (the rest of tcpsim --help is tcpsim's own), for diff not those marked
# "(check)".
options() {
	case $1 in
	run)
		"$tcpsim" run --help | awk '/^Options of run:/ { o = 1; next }
			o && /^$/ { exit } o { print }'
		echo "  -h, --help"
		;;
	diff) "$tcpsim" diff --help | grep -v '(check' ;;
	list | help) ;;
	*) "$tcpsim" "$1" --help ;;
	esac | grep -E '^ +-' | grep -oE -- '--[a-z][a-z-]*' | head -n 1000 |
		awk '!seen[$0]++' | sort
}

# The options of every command's --help are the options of the getopt
# tables, and only those (tcpsim's own --version aside): the help cannot
# leave one out.
: >"$dir/all"
for c in $(cat "$dir/commands"); do
	options "$c" >"$dir/opts.$c"
	cat "$dir/opts.$c" >>"$dir/all"
done
echo --version >>"$dir/all"
sort -u "$dir/all" -o "$dir/all"
grep -ho '{"[a-z][a-z-]*", *\(no\|required\|optional\)_argument' \
	"$top"/sim/cli/*.c | sed 's/{"\([^"]*\)".*/--\1/' | sort -u >"$dir/tables"
echo --version >>"$dir/tables"
sort -u "$dir/tables" -o "$dir/tables"
n=$((n + 1))
cmp -s "$dir/all" "$dir/tables" ||
	fail "the commands' --help and the getopt tables differ: $(diff "$dir/tables" "$dir/all")"

# tcpsim(1): a subsection per command, each of its options in it
man1=$top/docs/man/tcpsim.1
for c in $(cat "$dir/commands"); do
	awk -v c="$c" '$0 == ".Ss " c { s = 1; next } s && /^\.S[sh] / { exit }
		s { print }' "$man1" >"$dir/man.$c"
	n=$((n + 1))
	[ -s "$dir/man.$c" ] || fail "tcpsim.1 has no subsection '.Ss $c'"
	for o in $(cat "$dir/opts.$c"); do
		n=$((n + 1))
		grep -Eq "Fl \\\\?-${o#--}( |\$)" "$dir/man.$c" ||
			fail "tcpsim.1 does not describe $c $o"
	done
done
for o in --help --version; do
	n=$((n + 1))
	grep -Eq "Fl \\\\?-${o#--}( |\$)" "$dir/man.help" ||
		fail "tcpsim.1 does not describe tcpsim $o"
done

# ---- bash completion -----------------------------------------------------

mkdir -p "$dir/cwd/files/sub"
cd "$dir/cwd" || exit 1
: >files/mine.yaml
: >files/notes.txt
: >files/a.pkt
# complete WORD...: the completions of the last word, one a line, as
# bash offers them for `WORD...` typed with tcpsim on PATH
complete_bash() {
	PATH="$build_bin:$PATH" bash -c '
		. "$1" || exit 3
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_tcpsim || exit 3
		printf "%s\n" "${COMPREPLY[@]}"' \
		bash "$top/docs/completion/tcpsim.bash" "$@" | sed '/^$/d'
}
build_bin=$p/bin
"$tcpsim" list | awk '{ print $1 }' | sort >"$dir/builtins"
n=$((n + 1))
[ "$(wc -l <"$dir/builtins")" -ge 30 ] ||
	fail "tcpsim list names only $(wc -l <"$dir/builtins") scenarios"

# commands after `tcpsim `
n=$((n + 1))
complete_bash tcpsim "" | sort >"$dir/got"
sort "$dir/commands" | cmp -s - "$dir/got" ||
	fail "bash: tcpsim <TAB> offers: $(tr '\n' ' ' <"$dir/got")"
n=$((n + 1))
[ "$(complete_bash tcpsim r)" = run ] || fail "bash: tcpsim r<TAB> is not run"
n=$((n + 1))
[ "$(complete_bash tcpsim --v)" = --version ] ||
	fail "bash: tcpsim --v<TAB> is not --version"
# every command's options after `tcpsim CMD -`: exactly its own
for c in $(cat "$dir/commands"); do
	n=$((n + 1))
	complete_bash tcpsim "$c" - | sort >"$dir/got"
	cmp -s "$dir/opts.$c" "$dir/got" ||
		fail "bash: tcpsim $c -<TAB>: $(diff "$dir/opts.$c" "$dir/got" | grep '^[<>]' | tr '\n' ' ')"
done
n=$((n + 1))
[ "$(complete_bash tcpsim run --pcap- | tr '\n' ' ')" = "--pcap-at --pcap-format " ] ||
	fail "bash: tcpsim run --pcap-<TAB> is not --pcap-at --pcap-format"
# scenario names and .yaml files (and directories) where a scenario goes:
# run's operand, explore's (before and after an option and its value;
# bash splits words at : and =, so --delays 1:2s and --stop=9s come as
# three), only one
for c in run explore "explore --drops 1" "explore --delays 1 : 2s" \
	"run --stop = 9s"; do
	n=$((n + 1))
	complete_bash tcpsim $c "" | sort >"$dir/got"
	(cat "$dir/builtins"; echo files) | sort | cmp -s - "$dir/got" ||
		fail "bash: tcpsim $c <TAB>: $(diff "$dir/builtins" "$dir/got" | grep '^[<>]' | tr '\n' ' ')"
	n=$((n + 1))
	[ "$(complete_bash tcpsim $c lost-final-ack-n)" = lost-final-ack-no-time-wait ] ||
		fail "bash: tcpsim $c lost-final-ack-n<TAB>: $(complete_bash tcpsim $c lost-final-ack-n)"
	n=$((n + 1))
	[ -z "$(complete_bash tcpsim $c mine.yaml "")" ] ||
		fail "bash: tcpsim $c mine.yaml <TAB> offers a second scenario"
done
n=$((n + 1))
[ "$(complete_bash tcpsim run --seed 7 files/ | sort | tr '\n' ' ')" = "files/mine.yaml files/sub " ] ||
	fail "bash: tcpsim run --seed 7 files/<TAB>: $(complete_bash tcpsim run --seed 7 files/ | tr '\n' ' ')"
n=$((n + 1))
[ "$(complete_bash tcpsim show zero)" = zero-window ] ||
	fail "bash: tcpsim show zero<TAB>: $(complete_bash tcpsim show zero)"
n=$((n + 1))
[ "$(complete_bash tcpsim pkt files/ | sort | tr '\n' ' ')" = "files/a.pkt files/sub " ] ||
	fail "bash: tcpsim pkt files/<TAB>: $(complete_bash tcpsim pkt files/ | tr '\n' ' ')"
# plot: the kinds its --help lists, then a scenario
"$tcpsim" plot --help | awk '/^  [a-z]+  +[A-Za-z]/ { print $1 }' | sort >"$dir/kinds"
n=$((n + 1))
complete_bash tcpsim plot "" | sort >"$dir/got"
[ -s "$dir/kinds" ] && cmp -s "$dir/kinds" "$dir/got" ||
	fail "bash: tcpsim plot <TAB>: $(tr '\n' ' ' <"$dir/got"), its help: $(tr '\n' ' ' <"$dir/kinds")"
n=$((n + 1))
[ "$(complete_bash tcpsim plot -o x.png cwnd zero)" = zero-window ] ||
	fail "bash: tcpsim plot -o x.png cwnd zero<TAB>"
# the values of sweep --metric: the metrics its --help lists (expect:N
# as expect)
"$tcpsim" sweep --help | grep -E '^ +established, ' | tr -d ' ' | tr ',' '\n' |
	sed 's/:N$//' | sort -u >"$dir/metrics"
n=$((n + 1))
complete_bash tcpsim sweep x --metric "" | sort >"$dir/got"
[ -s "$dir/metrics" ] && cmp -s "$dir/metrics" "$dir/got" ||
	fail "bash: tcpsim sweep --metric <TAB>: $(diff "$dir/metrics" "$dir/got" | grep '^[<>]' | tr '\n' ' ')"
n=$((n + 1))
[ "$(complete_bash tcpsim run --trace files/n)" = files/notes.txt ] ||
	fail "bash: tcpsim run --trace files/n<TAB> is not a file"
# explore's --invariant: the invariants its --help lists, a comma-
# separated list; its -o: a directory
"$tcpsim" explore --help | sed -n '/--invariant/,/(default/p' |
	sed 's/.*comma-separated://; s/(default.*//' | tr ',' '\n' | tr -d ' ' |
	sed '/^$/d' | sort -u >"$dir/invariants"
n=$((n + 1))
complete_bash tcpsim explore x --invariant "" | sort >"$dir/got"
[ "$(wc -l <"$dir/invariants")" -ge 5 ] && cmp -s "$dir/invariants" "$dir/got" ||
	fail "bash: tcpsim explore --invariant <TAB>: $(diff "$dir/invariants" "$dir/got" | grep '^[<>]' | tr '\n' ' ')"
n=$((n + 1))
got=$(complete_bash tcpsim explore --invariant established,no- | sort | tr '\n' ' ')
[ "$got" = "established,no-reset established,no-stuck-tcb " ] ||
	fail "bash: tcpsim explore --invariant established,no-<TAB>: $got"
n=$((n + 1))
[ "$(complete_bash tcpsim explore -o files/)" = files/sub ] ||
	fail "bash: tcpsim explore -o files/<TAB>: $(complete_bash tcpsim explore -o files/ | tr '\n' ' ')"

# ---- zsh completion ------------------------------------------------------

zcomp=$top/docs/completion/_tcpsim
if command -v zsh >/dev/null 2>&1; then
	check "zsh -n _tcpsim" zsh -n "$zcomp"
	# _tcpsim run with stand-ins that print what it hands to zsh's
	# completion system: _describe (the commands), _arguments (the
	# options); ZWORDS are the words, the last one being completed
	complete_zsh() {
		ZWORDS="$*" zsh -f -c '
			_arguments() { print -rl -- "$@" }
			_describe() { local a; for a; do :; done; print -rl -- ${(P)a} }
			compadd() { print -rl -- "$@" }
			words=(${=ZWORDS} ""); CURRENT=${#words}; PREFIX=""
			source "$1"' zsh "$zcomp"
	}
	n=$((n + 1))
	complete_zsh tcpsim | sed 's/:.*//' | sort >"$dir/got"
	sort "$dir/commands" | cmp -s - "$dir/got" ||
		fail "zsh: tcpsim <TAB> offers: $(tr '\n' ' ' <"$dir/got")"
	for c in $(cat "$dir/commands"); do
		n=$((n + 1))
		complete_zsh tcpsim "$c" | sed -n 's/^\(([^)]*)\)\{0,1\}\*\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' |
			sort -u >"$dir/got"
		cmp -s "$dir/opts.$c" "$dir/got" ||
			fail "zsh: tcpsim $c -<TAB>: $(diff "$dir/opts.$c" "$dir/got" | grep '^[<>]' | tr '\n' ' ')"
	done

	# and zsh's own completion, in an interactive zsh on a pseudo-
	# terminal (zsh/zpty): compinit with _tcpsim on fpath and tcpsim on
	# path, `tcpsim WORDS` typed and TAB pressed; a compadd wrapper
	# writes down each match the completion functions add
	cat >"$dir/drive.zsh" <<'X'
zmodload zsh/zpty || exit 3
out=$ZDIR/matches
: >$out
zpty z zsh -f -i
zpty -w z "PS1='>'; fpath=($ZFPATH \$fpath); path=($ZBIN \$path)"
zpty -w z "autoload -Uz compinit; compinit -u -d $ZDIR/zcompdump"
zpty -w z "compadd() { local -a m; builtin compadd -O m \"\$@\";
	print -rl -- \$m >>$out; builtin compadd \"\$@\" }"
zpty -w z "zstyle ':completion:*' menu no; LISTMAX=100000"
zpty -w z "tcpsim $1"$'\t'
zpty -w z $'\C-u echo __done__\n'
zpty -r -m z line '*__done__*__done__*'
zpty -d z
sed '/^$/d' $out | sort -u
X
	complete_zsh_real() {
		ZDIR=$dir ZFPATH=$top/docs/completion ZBIN=$build_bin \
			timeout 20 zsh -f "$dir/drive.zsh" "$*" | tr '\n' ' '
	}
	zcase() { # WORDS WANT: the matches are WANT, space-separated
		n=$((n + 1))
		got=$(complete_zsh_real "$1")
		[ "$got" = "$2" ] ||
			fail "zsh: tcpsim $1<TAB>: '$got', not '$2'"
	}
	zcase "" "$(sort "$dir/commands" | tr '\n' ' ')"
	zcase "r" "run "
	zcase "run --p" "--payload-bytes --pcap --pcap-at --pcap-format "
	zcase "run lost-final-ack-n" "lost-final-ack-no-time-wait "
	zcase "show zero" "zero-window "
	zcase "plot " "$(tr '\n' ' ' <"$dir/kinds")"
	zcase "pkt --profile " "freebsd linux rfc9293 "
	zcase "explore lost-final-ack-n" "lost-final-ack-no-time-wait "
	zcase "explore --drops 1 --invariant " "$(tr '\n' ' ' <"$dir/invariants")"
	zcase "explore --invariant established,no-" "no-reset no-stuck-tcb "
	n=$((n + 1))
	got=$(complete_zsh_real "run files/")
	case $got in
	*mine.yaml*sub*) case $got in *notes.txt* | *a.pkt*)
		fail "zsh: tcpsim run files/<TAB> offers other files: $got" ;; esac ;;
	*) fail "zsh: tcpsim run files/<TAB>: '$got'" ;;
	esac
	n=$((n + 1))
	complete_zsh_real "check -" | tr ' ' '\n' | grep -- '^--' >"$dir/got"
	cmp -s "$dir/opts.check" "$dir/got" ||
		fail "zsh: tcpsim check -<TAB>: $(tr '\n' ' ' <"$dir/got")"
else
	fail "zsh is not installed (sh .ci/deps test)"
fi

# ---- uninstall -----------------------------------------------------------

check "make uninstall DESTDIR" mk uninstall DESTDIR="$d" PREFIX=/usr/local
n=$((n + 1))
left=$(find "$d" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
n=$((n + 1))
[ ! -e "$p/share/tcpsim" ] || fail "make uninstall left share/tcpsim"

echo "install: $n checks, $fails failed"
[ "$fails" -eq 0 ]
