# states.gp — the connections' states as a timeline (tcpsim plot states):
# one row per connection of each host, a bar per state it was in, from
# states.csv.
#
# Preamble, besides what common.gp lists:
#
#   ROW(h, id)   the row (1 at the top) of connection `id` of host `h`,
#                NaN for one not drawn
#   NR, ytics    how many rows; a tic list of their labels
#   LM           the left margin (characters) the labels need
#   SCOL(s)      a state's colour (RFC 9293 spelling)
#   $seen        the states that occur, in RFC order: "NAME" "#rrggbb"
#   $hostev      crashes and reboots of hosts with rows drawn, in CSV
#                as the files are: time,first,last,host,event (the
#                host's first and last rows; "crashed" or "rebooted")
#   N_CRASHED, N_REBOOTED  how many of each
#
# A crash is a red line across its host's rows, named to its left at the
# top, a reboot a green one, named to its right. Segments keep a span from folding: a connection
# sending keepalive or zero-window probes is not idle.
# A connection leaves its row once CLOSED; a state still held when the
# run ended runs to the end. A state's name is written in its bar when
# the bar is wide enough; the key gives every colour.

set yrange [NR + 0.6:0.4]
eval "set ytics " . ytics . " nomirror scale 0 font \"" . F(10) . "\""
unset ylabel
set grid xtics noytics
set border 1 lc rgb "#404040"
set key at screen 0.5, screen 0.015 center bottom horizontal samplen 1.5 \
	spacing 1 width 1 font F10
set bmargin 7
set lmargin LM
set rmargin 3
set title title . (note ne "" ? "\n" . note : "") font F15
# about how many pixels an axis unit takes, and a character
PXU = (W - (LM + 3) * 8.0) / (XMAX - XMIN)
CW = fmt eq "svg" ? 8.0 : 7.0
BW(s, e) = (X(e) - X(s)) * PXU
label(s, e, name) = BW(s, e) > (strlen(name) + 1) * CW ? name : ""

eval CSV
HC(e) = e eq "crashed" ? 0xd00000 : 0x008000
cmd = 'plot DIR . "states.csv" ' \
	. 'using ((X(column("start")) + X(column("end"))) / 2) ' \
	. ':(ROW(strcol("host"), strcol("id"))) ' \
	. ':((X(column("end")) - X(column("start"))) / 2):(0.32) ' \
	. ':(SCOL(strcol("state"))) ' \
	. 'with boxxyerror fs solid 1.0 border lc rgb "#ffffff" ' \
	. 'fc rgb variable notitle, ' \
	. 'DIR . "states.csv" ' \
	. 'using ((X(column("start")) + X(column("end"))) / 2) ' \
	. ':(ROW(strcol("host"), strcol("id"))) ' \
	. ':(label(column("start"), column("end"), strcol("state"))) ' \
	. 'with labels center font F9 textcolor rgb "#202020" notitle, ' \
	. 'for [i = 1:|$seen|] keyentry with boxes fs solid 1.0 ' \
	. 'fc rgb word($seen[i], 2) title word($seen[i], 1)'
# crashes and reboots over the bars: the host lost every connection there
# (a clause of labels that selects no row can crash gnuplot 5.4: each is
# added only if it has rows)
if (N_CRASHED + N_REBOOTED > 0) {
	cmd = cmd . ', $hostev using (X(column("time"))):(column("first") - 0.45) ' \
		. ':(0):(column("last") - column("first") + 0.9) ' \
		. ':(HC(strcol("event"))) ' \
		. 'with vectors nohead lw 2.5 lc rgb variable notitle'
}
if (N_CRASHED > 0) {
	cmd = cmd . ', $hostev using (strcol("event") eq "crashed" ? ' \
		. 'X(column("time")) : NaN):(column("first") - 0.45):5 ' \
		. 'with labels right offset -0.4, 0.6 font F9 ' \
		. 'textcolor rgb "#d00000" notitle, ' \
		. 'keyentry with vectors nohead lw 2.5 lc rgb "#d00000" ' \
		. 'title "host crashed"'
}
if (N_REBOOTED > 0) {
	cmd = cmd . ', $hostev using (strcol("event") eq "rebooted" ? ' \
		. 'X(column("time")) : NaN):(column("first") - 0.45):5 ' \
		. 'with labels left offset 0.4, 0.6 font F9 ' \
		. 'textcolor rgb "#008000" notitle, ' \
		. 'keyentry with vectors nohead lw 2.5 lc rgb "#008000" ' \
		. 'title "host rebooted"'
}
eval cmd
unset output
