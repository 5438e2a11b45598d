# bash completion for tcpsim(1)
#
# Installed as $(PREFIX)/share/bash-completion/completions/tcpsim. It
# completes the commands, each command's options, the values some options
# take (plot kinds, profiles, metrics, invariants), built-in scenario names (asked of
# the tcpsim being completed: `tcpsim list`) and files: *.yaml where a
# scenario goes, *.pkt for pkt, *.trace for diff. tests/install.sh checks
# the commands and options below against the program's own help.
# Needs nothing from the bash-completion package.

# The built-in scenarios' names: the first column of `tcpsim list`.
_tcpsim_builtins()
{
	local prog=${COMP_WORDS[0]}
	command -v -- "$prog" >/dev/null 2>&1 || prog=tcpsim
	"$prog" list 2>/dev/null | while read -r name _; do
		printf '%s\n' "$name"
	done
}

# Add to COMPREPLY the words of $1 that start with $cur.
_tcpsim_words()
{
	local w
	while IFS= read -r w; do
		COMPREPLY+=("$w")
	done < <(compgen -W "$1" -- "$cur")
}

# Add to COMPREPLY the words of $1 that complete the last item of $cur, a
# comma-separated list: "a,b,c" with the items before kept in front.
_tcpsim_list()
{
	local w pre=""
	[[ $cur == *,* ]] && pre=${cur%,*},
	compopt -o nospace 2>/dev/null
	while IFS= read -r w; do
		COMPREPLY+=("$pre$w")
	done < <(compgen -W "$1" -- "${cur##*,}")
}

# Add directories and the files whose names end in $1: every file when
# $1 is empty, none when it is "/" (directories only).
_tcpsim_files()
{
	local w
	compopt -o filenames 2>/dev/null
	while IFS= read -r w; do
		COMPREPLY+=("$w")
	done < <(if [ -n "$1" ]; then
		compgen -d -- "$cur"
		compgen -f -X "!*$1" -- "$cur"
	else
		compgen -f -- "$cur"
	fi)
}

_tcpsim()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	local commands="run check diff plot sweep explore pkt list show help"

	if [ "$COMP_CWORD" -eq 1 ]; then
		case $cur in
		-*) _tcpsim_words "--help --version" ;;
		*) _tcpsim_words "$commands" ;;
		esac
		return 0
	fi

	local cmd=${COMP_WORDS[1]} opts="" argopts=""
	local limits="--stop --max-events --max-conns --max-memory"
	case $cmd in
	run)
		opts="--seed $limits --trace --jsonl --queue-events
			--payload-bytes --whole --pcap --pcap-at --pcap-format
			--msc --diagram
			--ladder-plot --html --csv --absolute --relative --explain --vars
			--hosts --no-ladder --ascii --no-color --quiet --help"
		argopts="-s --seed $limits -t --trace --jsonl --pcap --pcap-at
			--pcap-format
			--msc --diagram --ladder-plot --html --csv --hosts"
		;;
	check)
		opts="--golden --update --ignore --with-lines --context --quiet
			--help"
		argopts="--golden --ignore -C --context"
		;;
	diff)
		opts="--ignore --with-lines --context --help"
		argopts="--ignore -C --context"
		;;
	plot)
		opts="--output --seed $limits --host --hosts --conn --absolute
			--relative --size --csv --script --help"
		argopts="-o --output -s --seed $limits --host --hosts --conn
			--size --csv --script"
		;;
	sweep)
		opts="--set --seeds --jobs --metric --output --plot
			--plot-metric --plot-log $limits --quiet --help"
		argopts="--set --seeds -j --jobs -m --metric -o --output --plot
			--plot-metric --plot-log $limits"
		;;
	explore)
		opts="--drops --dups --delays --segments --host --set
			--invariant --expect --keep-rules --output --coverage --jobs
			--seed $limits --quiet --help"
		argopts="--drops --dups --delays --segments --host --set
			--invariant -o --output -j --jobs -s --seed $limits"
		;;
	pkt)
		opts="--profile --verbose --trace --jsonl --pcap --pcap-at
			--pcap-format --ladder --help"
		argopts="-p --profile -t --trace --jsonl --pcap --pcap-at
			--pcap-format"
		;;
	esac

	# the value of an option
	local o metrics="established connect_time completed failed
		completion_time delivered retransmissions segments lost end
		expect finished events sim_time flows goodput fairness
		throughput qdelay_p50 qdelay_p99"
	for o in $argopts; do
		[ "$prev" = "$o" ] || continue
		case $cmd,$prev in
		explore,-o | explore,--output) # a directory
			_tcpsim_files /
			return 0
			;;
		esac
		case $prev in
		-t | --trace | --jsonl | --pcap | --msc | --diagram | \
			--ladder-plot | --html | -o | --output | --plot | --script)
			_tcpsim_files ""
			;;
		--golden) _tcpsim_files .trace ;;
		--csv) _tcpsim_files / ;;
		-p | --profile) _tcpsim_words "freebsd linux rfc9293" ;;
		--pcap-format) _tcpsim_words "pcap pcapng" ;;
		--plot-log) _tcpsim_words "x y xy" ;;
		--invariant)
			_tcpsim_list "delivered-intact established no-reset
				no-stuck-tcb finished"
			;;
		-m | --metric) _tcpsim_list "$metrics" ;;
		--plot-metric) _tcpsim_words "$metrics" ;;
		esac
		return 0
	done

	if [[ $cur == -* ]]; then
		_tcpsim_words "$opts"
		return 0
	fi

	# The operands: count those before this word, skipping options and
	# their values. Bash splits words at = and : (COMP_WORDBREAKS): the
	# word after one is the rest of a value (--stop=10m, --delays 1:2s).
	local i n=0 w skip=0
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$w" = = ] || [ "$w" = : ]; then
			skip=1
			continue
		fi
		if [ "$skip" -eq 1 ]; then
			skip=0
			continue
		fi
		case $w in
		--*=*) ;;
		-*) for o in $argopts; do
				[ "$w" = "$o" ] && skip=1
			done ;;
		*) n=$((n + 1)) ;;
		esac
	done

	case $cmd in
	run | sweep | explore)
		if [ "$n" -eq 0 ]; then
			_tcpsim_words "$(_tcpsim_builtins)"
			_tcpsim_files .yaml
		fi
		;;
	check)
		_tcpsim_words "$(_tcpsim_builtins)"
		_tcpsim_files .yaml
		;;
	diff) [ "$n" -lt 2 ] && _tcpsim_files .trace ;;
	plot)
		if [ "$n" -eq 0 ]; then
			_tcpsim_words "timeseq cwnd rtt states queue ladder"
		elif [ "$n" -eq 1 ]; then
			_tcpsim_words "$(_tcpsim_builtins)"
			_tcpsim_files .yaml
		fi
		;;
	pkt) _tcpsim_files .pkt ;;
	show) [ "$n" -eq 0 ] && _tcpsim_words "$(_tcpsim_builtins)" ;;
	esac
	return 0
}

complete -F _tcpsim tcpsim
