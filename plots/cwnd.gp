# cwnd.gp — the congestion window (tcpsim plot cwnd): for each connection
# that sends data, cwnd, ssthresh and the flight size against time, with
# what cut the window marked.
#
# Preamble, besides what common.gp lists:
#
#   NP, $panels  one line per panel, for connection `id` of `host`:
#                "host" "id" "conn" start end "subtitle" (as timeseq.gp's)
#
# A panel draws, in bytes, from cwnd.csv: cwnd (steps, blue), ssthresh
# (steps, dashed, from the first loss on: before it, it is "arbitrarily
# high", RFC 5681 §3.1) and the flight size SND.NXT - SND.UNA (shaded);
# from losses.csv: a vertical line at each retransmission timeout (red,
# dotted; cwnd falls to one segment), fast retransmit (orange; RFC 5681
# §3.2) and partial-ACK retransmission (yellow, dashed; RFC 6582), and a
# small cross at the bottom where the network lost one of its segments.
# As in timeseq.gp, a clause is added only if its datablock has rows.

set ylabel "bytes"
set format y "%.0f"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set y2range [0:1]
unset y2tics
set key outside right top box lc rgb "#c8c8c8" samplen 2.5 spacing 1.05 \
	font F10
set lmargin 13
# the longest key title: "segment lost in the network"
set rmargin at screen KEY_MARGIN(27)

# the tables each panel extracts; empty until a file with rows fills them
$to << EOD
EOD
$fr << EOD
EOD
$pa << EOD
EOD
$dr << EOD
EOD

set multiplot layout NP, 1 \
	title title . (note ne "" ? "\n" . note : "") font F15
do for [p = 1:NP] {
	h = word($panels[p], 1)
	id = word($panels[p], 2)
	set title word($panels[p], 6) font F12

	eval CSV
	set table $w
	plot DIR . "cwnd.csv" \
		using (fx(column("time"))):(fn(column("cwnd"))) \
		:(column("ssthresh") >= 2147483647 ? "NaN" \
						   : fn(column("ssthresh"))) \
		:(fn(column("flight"))) \
		with table if (mine(h, id))
	f = DIR . "losses.csv"
	if (N_LOSSES > 0) {
		set table $to
		plot f using (fx(column("time"))):(0) with table \
			if (mine(h, id) && strcol("event") eq "timeout")
		set table $fr
		plot f using (fx(column("time"))):(0) with table \
			if (mine(h, id) && strcol("event") eq "fast-retransmit")
		set table $pa
		plot f using (fx(column("time"))):(0) with table \
			if (mine(h, id) && strcol("event") eq "partial-ack")
		set table $dr
		plot f using (fx(column("time"))):(0) with table \
			if (mine(h, id) && strcol("event") eq "drop")
	}
	unset table
	eval BLOCKS

	cmd = 'plot $w using 1:4 with fillsteps fs solid 0.35 noborder ' \
		. 'fc rgb "#8fb1dd" title "flight size", ' \
		. '$w using 1:2 with steps lw 2.2 lc rgb C_SEG title "cwnd", ' \
		. '$w using 1:3 with steps lw 1.6 dt 2 lc rgb "#7a1f1f" ' \
		. 'title "ssthresh"'
	if (|$to| > 0) {
		cmd = cmd . ', $to using 1:(1) axes x1y2 with impulses lw 1.6 ' \
			. 'dt 3 lc rgb C_TIMEOUT title "retransmission timeout"'
	}
	if (|$fr| > 0) {
		cmd = cmd . ', $fr using 1:(1) axes x1y2 with impulses lw 1.4 ' \
			. 'lc rgb C_FAST title "fast retransmit"'
	}
	if (|$pa| > 0) {
		cmd = cmd . ', $pa using 1:(1) axes x1y2 with impulses lw 1.4 ' \
			. 'dt 4 lc rgb C_PARTIAL title "partial-ACK retransmission"'
	}
	if (|$dr| > 0) {
		cmd = cmd . ', $dr using 1:(0.025) axes x1y2 with points pt 2 ' \
			. 'ps 0.9 lw 1.5 lc rgb C_LOST ' \
			. 'title "segment lost in the network"'
	}
	eval cmd
}
unset multiplot
unset output
