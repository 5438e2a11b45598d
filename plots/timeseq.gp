# timeseq.gp — the time-sequence graph (tcpsim plot timeseq), as tcptrace
# and Wireshark's "Stevens" graph draw it: for each connection that sends
# data, its sequence numbers against time, one panel per connection.
#
# Preamble, besides what common.gp lists:
#
#   NP, $panels  one line per panel, for connection `id` of `host`:
#                "host" "id" "conn" start end "subtitle" ymax
#                conn: its local>remote address:port, as in the CSV files;
#                start, end: its lifetime in seconds (the run's end if it never
#                closed), for segments another host injected into its
#                direction; ymax: the top of the panel, or * for all of
#                it (tcpsim cuts the window line off where it would squash
#                a small transfer to the bottom)
#
# A panel draws
#   - every segment that occupies sequence space (data, a SYN, a FIN) as a
#     vertical bar from its first sequence number to the one after its
#     last, at the time it was sent: blue, orange with a triangle on top
#     for a retransmission; a red cross on one the network lost; SYN, FIN
#     and RST written beside theirs (a RST of the connection's own is
#     only that label);
#   - every segment the scenario injected into the connection's direction
#     (forged with its addresses), data or not: a magenta square at its
#     sequence number, and a bar if it occupies sequence space;
#   - the ACK line: the acknowledgment number of every ACK the sender
#     received (steps, green): the receiver has everything below it;
#   - the window line: that ACK plus the window advertised with it
#     (steps, yellow): the sender may not send beyond it (RFC 9293
#     §3.8.6: SND.UNA + SND.WND).
# Bars below the ACK line were sent again though already received; a
# gap between the last bar and the window line is the sender holding
# back (its congestion window) or waiting (a timeout).
#
# Each category is extracted into a datablock of its own, and a clause is
# added to the plot only if its datablock has rows: gnuplot warns about
# (and, with `for [j = 1:0]`, still reads) an empty one.

SEQ = relative ? "rel_seq" : "seq"
ACKN = relative ? "rel_ack" : "ack"
set ylabel (relative ? "sequence number (bytes from the ISN)" \
		     : "sequence number (absolute)")
set format y "%.0f"
set autoscale yfix
set key top left opaque box lc rgb "#c8c8c8" samplen 2.5 spacing 1.05 \
	font F10
set lmargin 13
set rmargin 3

# sequence space of the row's segment: its data, and one for a SYN and
# for a FIN
SL(x) = column("len") + (strstrt(strcol("flags"), "SYN") > 0) \
	+ (strstrt(strcol("flags"), "FIN") > 0)
# a segment of this panel: one of the connection's own that occupies
# sequence space, or any injected into its direction while it lived
injected(cn, t0, t1) = column("injected") != 0 && strcol("conn") eq cn \
	&& column("time") >= t0 && column("time") <= t1
inpanel(h, id, cn, t0, t1) = (SL(0) > 0 && mine(h, id)) \
	|| injected(cn, t0, t1)
flagged(x) = strstrt(strcol("flags"), "SYN") > 0 \
	|| strstrt(strcol("flags"), "FIN") > 0 \
	|| strstrt(strcol("flags"), "RST") > 0
# "SYN", "FIN", "RST", or two of them joined by +
ctl(x) = (strstrt(strcol("flags"), "SYN") > 0 ? "SYN" : "") \
	. (strstrt(strcol("flags"), "FIN") > 0 \
	   ? (strstrt(strcol("flags"), "SYN") > 0 ? "+" : "") . "FIN" : "") \
	. (strstrt(strcol("flags"), "RST") > 0 \
	   ? (strstrt(strcol("flags"), "SYN") + strstrt(strcol("flags"), "FIN") \
	      > 0 ? "+" : "") . "RST" : "")
BAR = "with vectors heads size screen 0.0035, 90 lw 1.6"

# the tables each panel extracts; empty until a file with rows fills them
$seg << EOD
EOD
$rx << EOD
EOD
$inj << EOD
EOD
$lost << EOD
EOD
$ctl << EOD
EOD
$acks << EOD
EOD

set multiplot layout NP, 1 \
	title title . (note ne "" ? "\n" . note : "") font F15
do for [p = 1:NP] {
	h = word($panels[p], 1)
	id = word($panels[p], 2)
	cn = word($panels[p], 3)
	t0 = real(word($panels[p], 4))
	t1 = real(word($panels[p], 5))
	set title word($panels[p], 6) font F12
	ymax = word($panels[p], 7)
	if (ymax eq "*") {
		set yrange [*:*]
		set offsets 0, 0, graph 0.06, graph 0.03
	} else {
		set yrange [*:real(ymax)]
		set offsets 0, 0, 0, graph 0.03
	}

	eval CSV
	f = DIR . "segments.csv"
	set table $seg
	plot f using (fx(column("time"))):(fn(column(SEQ))) \
		:(fn(column(SEQ) + SL(0))) with table \
		if (inpanel(h, id, cn, t0, t1) && column("rexmit") == 0 \
		    && column("injected") == 0)
	set table $rx
	plot f using (fx(column("time"))):(fn(column(SEQ))) \
		:(fn(column(SEQ) + SL(0))) with table \
		if (inpanel(h, id, cn, t0, t1) && column("rexmit") != 0 \
		    && column("injected") == 0)
	set table $inj
	plot f using (fx(column("time"))):(fn(column(SEQ))) \
		:(fn(column(SEQ) + SL(0))) with table \
		if (injected(cn, t0, t1))
	set table $lost
	plot f using (fx(column("time"))) \
		:(fn(column(SEQ) + SL(0) / 2.0)) with table \
		if (inpanel(h, id, cn, t0, t1) && strcol("fate") eq "lost")
	set table $ctl
	plot f using (fx(column("time"))):(fn(column(SEQ))):(ctl(0)) \
		with table \
		if ((mine(h, id) || injected(cn, t0, t1)) && flagged(0))
	if (N_ACKS > 0) {
		set table $acks
		plot DIR . "acks.csv" \
			using (fx(column("time"))):(fn(column(ACKN))) \
			:(fn(column(ACKN) + column("win"))) \
			with table if (mine(h, id) && column("discarded") == 0)
	}
	unset table
	eval BLOCKS

	cmd = "plot "
	sep = ""
	if (|$acks| > 0) {
		cmd = cmd . '$acks using 1:3 with steps lw 1.5 lc rgb C_WIN ' \
			. 'title "window (ACK + win)' \
			. (ymax eq "*" ? '' : ', off the top') . '", ' \
			. '$acks using 1:2 with steps lw 1.8 lc rgb C_ACK ' \
			. 'title "ACK"'
		sep = ", "
	}
	if (|$seg| > 0) {
		cmd = cmd . sep . '$seg using 1:2:(0):($3 - $2) ' . BAR \
			. ' lc rgb C_SEG title "segment sent"'
		sep = ", "
	}
	if (|$rx| > 0) {
		cmd = cmd . sep . '$rx using 1:2:(0):($3 - $2) ' . BAR \
			. ' lc rgb C_REXMIT notitle, $rx using 1:3 with points ' \
			. 'pt 9 ps 1.1 lc rgb C_REXMIT title "retransmission"'
		sep = ", "
	}
	if (|$inj| > 0) {
		cmd = cmd . sep . '$inj using 1:2:(0):($3 - $2) ' . BAR \
			. ' lc rgb C_INJECTED notitle, $inj using 1:2 with points ' \
			. 'pt 5 ps 0.9 lc rgb C_INJECTED title "injected"'
		sep = ", "
	}
	if (|$ctl| > 0) {
		cmd = cmd . sep . '$ctl using 1:2:3 with labels left ' \
			. 'offset 0.6, 0.5 font F9 textcolor rgb C_SEG notitle'
		sep = ", "
	}
	if (|$lost| > 0) {
		cmd = cmd . sep . '$lost using 1:2 with points pt 2 ps 1.4 ' \
			. 'lw 2.2 lc rgb C_LOST title "lost in the network"'
	}
	eval cmd
}
unset multiplot
unset output
