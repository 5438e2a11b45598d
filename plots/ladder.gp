# ladder.gp — the sequence diagram drawn to scale (tcpsim --ladder-plot).
#
# tcpsim lays the picture out and runs `gnuplot -c INPUT OUTPUT`, where
# INPUT is a preamble followed by this script (compiled into tcpsim). All
# coordinates are pixels of the plot area: x from the left, y down from
# t = 0 (the host names sit above it, at y < 0). The preamble defines
#
#   fmt            "svg", "png" or "pdf"
#   W, H           the picture's size
#   LM RM TM BM    margins around the plot area
#   PW, PH, HEAD   the plot area: x in [0, PW], y in [-HEAD, PH]
#   NH, GX         number of hosts; x where idle-gap notes are centred
#   title          "scenario (seed N)"
#   omitted        labels left out for want of room (0 normally)
#   ticks          a gnuplot tic list: real times at their y
#
# and these datablocks (strings in double quotes):
#
#   $hosts   x "name"                 one lifeline each
#   $pieces  y0 y1                    spans drawn to scale
#   $gaps    y0 y1 "… 2h idle …"      folded idle spans between them
#   $arrows  x1 y1 x2 y2 rgb lost     one per segment; lost ones end in a
#                                     cross, halfway
#   $labels  x y rgb "text"           segment labels, one line each
#   $states  x y rgb side "text"      beside a lifeline (side -1: left)
#   $marks   x y rgb pointtype        on a lifeline: state change, crash,
#                                     reboot
#   $links   x y rgb "text"           a link direction going down or up
#
# and how many rows each clause below selects (N_GAPS, N_SENT, N_LOST,
# N_LABELS, N_LEFT, N_RIGHT, N_MARKS, N_LINKS): a clause with none is
# left out of the plot command, as gnuplot can crash on boxed labels
# with no point to draw, and warns on empty data.
#
# Colours are chosen by tcpsim: black a segment, orange a retransmission,
# magenta an injected segment, blue a duplicate, red a loss or a crash.

if (fmt eq "svg") {
	set terminal svg size W, H fixed noenhanced \
		font "DejaVu Sans Mono,12" \
		background rgb "white"
} else {
	if (fmt eq "pdf") {
		# one point a pixel: the layout's text widths hold
		set terminal pdfcairo size W / 72.0, H / 72.0 noenhanced \
			font "DejaVu Sans Mono,9" \
			background rgb "white"
	} else {
		set terminal pngcairo size W, H noenhanced \
			font "DejaVu Sans Mono,9" \
			background rgb "white"
	}
}
set output ARG1

set lmargin at screen LM / W
set rmargin at screen 1 - RM / W
set tmargin at screen 1 - TM / H
set bmargin at screen BM / H
set xrange [0:PW]
set yrange [PH:-HEAD]
set border 0
unset xtics
eval "set ytics " . ticks . " out nomirror scale 0.6 textcolor rgb '#404040'"
set title title font ",11"
set style textbox opaque noborder margins 1, 1
set key at screen 0.5, screen (BM - 20) / H center center horizontal \
	samplen 2 spacing 1 width 1 font ",9"

hx(i) = real(word($hosts[i], 1))
name(i) = word($hosts[i], 2)

# host names above their lifelines, the axis's unit above it
set label "time (s)" at 0, -HEAD / 2 right offset -1, 0 \
	textcolor rgb "#404040" front
do for [i = 1:NH] {
	set label name(i) at hx(i), -HEAD / 2 center \
		font ",11" front
}
if (omitted > 0) {
	set label sprintf("%d labels left out for want of room", omitted) \
		at screen 0.99, screen 0.01 right textcolor rgb "#606060"
}



# The plot command is built clause by clause: a clause whose datablock
# has no row for it is left out, as gnuplot warns about empty data (and
# still reads a datablock under `for [j = 1:0]`).
cmd = 'plot for [i = 1:NH] $pieces using (hx(i)):1:(0):($2 - $1) ' \
	. 'with vectors nohead lw 1 lc rgb "#909090" notitle, ' \
	. '$pieces using (0):1:(0):($2 - $1) ' \
	. 'with vectors nohead lw 1 lc rgb "#404040" notitle'
if (N_GAPS > 0) {
	cmd = cmd . ', for [i = 1:NH] $gaps using (hx(i)):1:(0):($2 - $1) ' \
		. 'with vectors nohead dt 3 lc rgb "#909090" notitle, ' \
		. 'for [i = 0:NH] for [k = -1:1:2] $gaps ' \
		. 'using ((i ? hx(i) : 0) - 7):(($1 + $2) / 2 + 3 * k + 3):(14):(-6) ' \
		. 'with vectors nohead lw 1.5 lc rgb "#404040" notitle, ' \
		. '$gaps using (GX):(($1 + $2) / 2):3 ' \
		. 'with labels center boxed textcolor rgb "#606060" notitle'
}
if (N_SENT > 0) {
	cmd = cmd . ', $arrows using ($6 != 0 ? NaN : $1):2:($3 - $1):($4 - $2):5 ' \
		. 'with vectors head filled size 8, 20 lw 1.2 lc rgb variable notitle'
}
if (N_LOST > 0) {
	cmd = cmd . ', $arrows using ($6 != 0 ? $1 : NaN):2:($3 - $1):($4 - $2):5 ' \
		. 'with vectors nohead lw 1.2 lc rgb variable notitle, ' \
		. '$arrows using ($6 != 0 ? $3 : NaN):4:5 ' \
		. 'with points pt 2 ps 1.6 lw 2 lc rgb variable notitle'
}
if (N_MARKS > 0) {
	cmd = cmd . ', $marks using 1:2:4:3 ' \
		. 'with points pt variable ps 0.8 lw 2 lc rgb variable notitle'
}
if (N_LABELS > 0) {
	cmd = cmd . ', $labels using 1:2:4:3 ' \
		. 'with labels center boxed textcolor rgb variable notitle'
}
if (N_LEFT > 0) {
	cmd = cmd . ', $states using ($4 < 0 ? $1 : NaN):2:5:3 ' \
		. 'with labels right boxed textcolor rgb variable notitle'
}
if (N_RIGHT > 0) {
	cmd = cmd . ', $states using ($4 > 0 ? $1 : NaN):2:5:3 ' \
		. 'with labels left boxed textcolor rgb variable notitle'
}
if (N_LINKS > 0) {
	cmd = cmd . ', $links using 1:2:4:3 ' \
		. 'with labels center boxed textcolor rgb variable notitle'
}
cmd = cmd . ', keyentry with vectors head filled size 8, 20 lw 1.2 ' \
	. 'lc rgb "#000000" title "segment", ' \
	. 'keyentry with vectors head filled size 8, 20 lw 1.2 ' \
	. 'lc rgb "#c06000" title "retransmission", ' \
	. 'keyentry with vectors head filled size 8, 20 lw 1.2 ' \
	. 'lc rgb "#a000a0" title "injected", ' \
	. 'keyentry with vectors head filled size 8, 20 lw 1.2 ' \
	. 'lc rgb "#0050b0" title "duplicate", ' \
	. 'keyentry with points pt 2 ps 1.6 lw 2 lc rgb "#d00000" title "lost", ' \
	. 'keyentry with points pt 7 ps 0.8 lc rgb "#1a3d7c" title "state change"'
eval cmd

unset output
