# queue.gp — the links' queues (tcpsim plot queue): for each link
# direction whose queue held something, how full it was and how long its
# segments waited, against time.
#
# Preamble, besides what common.gp lists:
#
#   NP, $panels  one line per panel, for the direction from host `from`
#                to host `to`: "from" "to" "subtitle" ytop y2top (the tops
#                of the two axes: gnuplot finds no range in a column of
#                zeros)
#
# The panels go from the queue with the longest wait down. A panel draws,
# from queue.csv: the segments waiting as each segment
# arrived (steps, blue, left axis) and each segment's wait before its
# transmission began (dots, orange, right axis, in milliseconds); from
# losses.csv, a small cross at the bottom where that direction dropped a
# segment (queue full, RED, CoDel, or any other loss on the link). A
# drop-tail queue that fills shows its waits rising to buffer / rate; a
# CoDel queue keeps them near its target.

set ylabel "segments waiting"
set y2label "wait (ms)"
set format y "%g"
set format y2 "%g"
set ytics nomirror
set y2tics
set key inside left top opaque box lc rgb "#c8c8c8" samplen 2.5 \
	spacing 1.05 font F10
set lmargin 13
set rmargin 12
ms(v) = sprintf("%.6f", v * 1000)
link(a, b) = strcol("host") eq a && strcol("peer") eq b

$dr << EOD
EOD

set multiplot layout NP, 1 \
	title title . (note ne "" ? "\n" . note : "") font F15
do for [p = 1:NP] {
	a = word($panels[p], 1)
	b = word($panels[p], 2)
	set title word($panels[p], 3) font F12
	set yrange [0:real(word($panels[p], 4))]
	set y2range [0:real(word($panels[p], 5))]

	eval CSV
	set table $q
	plot DIR . "queue.csv" using (fx(column("time"))):(fn(column("waiting"))) \
		with table if (link(a, b) && strcol("event") eq "enqueue")
	set table $wt
	plot DIR . "queue.csv" using (fx(column("time"))):(ms(column("wait"))) \
		with table if (link(a, b) && strcol("wait") ne "")
	if (N_LOSSES > 0) {
		set table $dr
		plot DIR . "losses.csv" using (fx(column("time"))):(0) \
			with table if (link(a, b) && strcol("event") eq "drop")
	}
	unset table
	eval BLOCKS

	cmd = 'plot $q using 1:2 with steps lw 1.8 lc rgb C_SEG ' \
		. 'title "segments waiting", ' \
		. '$wt using 1:2 axes x1y2 with points pt 7 ps 0.3 ' \
		. 'lc rgb C_REXMIT title "wait (ms)"'
	if (|$dr| > 0) {
		cmd = cmd . ', $dr using 1:(0) with points pt 2 ps 0.9 lw 1.5 ' \
			. 'lc rgb C_LOST title "dropped on this link"'
	}
	eval cmd
}
unset multiplot
unset output
