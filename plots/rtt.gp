# rtt.gp — round-trip time and retransmission timeout (tcpsim plot rtt):
# for each connection with an RTT sample or a timeout, the RFC 6298
# estimators against time.
#
# Preamble, besides what common.gp lists:
#
#   NP, $panels  one line per panel, for connection `id` of `host`:
#                "host" "id" "conn" start end "subtitle" (as timeseq.gp's)
#
# A panel draws, from rtt.csv, in milliseconds on a log scale (a 40 ms
# round trip and a 60 s backed-off RTO on one axis): each RTT sample (a
# dot: from sending the timed segment to the ACK that covered it), SRTT
# (steps, green) and the RTO (steps, red), which RFC 6298 (2.4) keeps at
# least rto-min and (5.5) doubles at each timeout — marked, from
# losses.csv, by a dotted vertical line. As in timeseq.gp, a clause is
# added only if its datablock has rows.

set logscale y 10
set ylabel "time (ms, log scale)"
set format y "%g"
set yrange [*:*]
set offsets 0, 0, 0, 0
set y2range [0:1]
unset y2tics
set key outside right top box lc rgb "#c8c8c8" samplen 2.5 spacing 1.05 \
	font F10
set lmargin 13
# the longest key title: "retransmission timeout"
set rmargin at screen KEY_MARGIN(22)
ms(v) = sprintf("%.6f", v * 1000)

# the tables each panel extracts; empty until a file with rows fills them
$srtt << EOD
EOD
$smp << EOD
EOD
$to << EOD
EOD

set multiplot layout NP, 1 \
	title title . (note ne "" ? "\n" . note : "") font F15
do for [p = 1:NP] {
	h = word($panels[p], 1)
	id = word($panels[p], 2)
	set title word($panels[p], 6) font F12

	eval CSV
	f = DIR . "rtt.csv"
	set table $rto
	plot f using (fx(column("time"))):(ms(column("rto"))) with table \
		if (mine(h, id))
	set table $srtt
	plot f using (fx(column("time"))):(ms(column("srtt"))) with table \
		if (mine(h, id) && column("srtt") > 0)
	set table $smp
	plot f using (fx(column("time"))):(ms(column("sample"))) with table \
		if (mine(h, id) && strcol("event") eq "sample" \
		    && column("sample") > 0)
	if (N_LOSSES > 0) {
		set table $to
		plot DIR . "losses.csv" using (fx(column("time"))):(0) \
			with table \
			if (mine(h, id) && strcol("event") eq "timeout")
	}
	unset table
	eval BLOCKS

	cmd = 'plot $rto using 1:2 with steps lw 2 lc rgb C_TIMEOUT ' \
		. 'title "RTO"'
	if (|$srtt| > 0) {
		cmd = cmd . ', $srtt using 1:2 with steps lw 1.6 lc rgb C_ACK ' \
			. 'title "SRTT"'
	}
	if (|$smp| > 0) {
		cmd = cmd . ', $smp using 1:2 with points pt 7 ps 0.55 ' \
			. 'lc rgb C_SEG title "RTT sample"'
	}
	if (|$to| > 0) {
		cmd = cmd . ', $to using 1:(1) axes x1y2 with impulses lw 1.4 ' \
			. 'dt 3 lc rgb C_TIMEOUT title "retransmission timeout"'
	}
	eval cmd
}
unset multiplot
unset output
