# common.gp — what every `tcpsim plot` picture but the ladder shares: the
# terminal, fonts, the time axis with its folds, helpers for reading the
# run's CSV files.
#
# tcpsim runs `gnuplot -c INPUT OUTPUT`, where INPUT is a preamble, this
# script, then the kind's (timeseq.gp, cwnd.gp, rtt.gp, states.gp); all
# three are compiled into tcpsim. The preamble defines
#
#   fmt          "svg", "png" or "pdf"
#   W, H         the picture's size in pixels
#   DIR          the directory of the run's CSV files, ending in "/"
#                (the files `tcpsim run --csv DIR` writes; docs/plots.md)
#   title        "Kind: scenario (seed N)"
#   note         a line under it, "" for none (e.g. connections left out)
#   relative     1: relative sequence numbers (rel_seq, rel_ack), 0: the
#                absolute ones (seq, ack)
#   X(t)         seconds -> the drawn time axis, which runs from about 0
#                to 1000: to scale, except that long idle spans are
#                folded into narrow bands and each part keeps a readable
#                width (a chain of functions X0, X1, ... one per part)
#   XMIN, XMAX   the drawn axis's range
#   xtics        its tic list: real times (seconds) at their places
#   NF, $folds   the folded spans: x0 x1 "2h idle"
#   N_SEGMENTS, N_ACKS, N_CWND, N_RTT, N_STATES, N_LOSSES
#                how many rows each CSV file has: gnuplot warns about
#                a file with none, so the scripts leave such a file alone
#
# and what the kind's script lists in its header.

# Font sizes are given for PNG; FS scales them so that text takes the
# same share of the picture in SVG (sizes in pixels) and PDF (W / 96
# inches wide, sizes in points).
FS = fmt eq "svg" ? 1.3 : fmt eq "pdf" ? 0.75 : 1.0
F(n) = sprintf(",%g", n * FS)
# (gnuplot takes a font from a variable, not from a function call)
F9 = F(9); F10 = F(10); F12 = F(12); F15 = F(15)
if (fmt eq "svg") {
	set terminal svg size W, H fixed noenhanced \
		font "DejaVu Sans,13" background rgb "white"
} else {
	if (fmt eq "pdf") {
		set terminal pdfcairo size W / 96.0, H / 96.0 noenhanced \
			font "DejaVu Sans,7.5" background rgb "white"
	} else {
		set terminal pngcairo size W, H noenhanced \
			font "DejaVu Sans,10" background rgb "white"
	}
}
set output ARG1

# The CSV files: comma-separated, a header row naming the columns.
# Tables extracted from them (set table) are read back as whitespace-
# separated datablocks without a header: `eval CSV` and `eval BLOCKS`
# switch between the two.
CSV = "set datafile separator comma; set datafile columnheaders"
BLOCKS = "set datafile separator whitespace; set datafile nocolumnheaders"

# Numbers written into extracted tables exactly: `set table` would
# print 6 significant digits, too few for a sequence number.
fx(t) = sprintf("%.6f", X(t))
fn(v) = sprintf("%.0f", v)
fs(v) = sprintf("%.9f", v)

# Does the row belong to connection `id` of host `h`? (The id column is
# empty for a segment no connection sent.)
mine(h, id) = strcol("host") eq h && strcol("id") eq id

set xrange [XMIN:XMAX]
eval "set xtics " . xtics . " out nomirror"
set mxtics 1
set xlabel "time (s)"
set grid xtics ytics lc rgb "#e4e4e4" lw 1 dt 1
set border 3 lc rgb "#404040"
set tics textcolor rgb "#303030"
set style fill solid 1.0 noborder

# Folded idle spans: a shaded band across every panel, saying how long.
do for [i = 1:NF] {
	x0 = real(word($folds[i], 1))
	x1 = real(word($folds[i], 2))
	set object i rect from first x0, graph 0 to first x1, graph 1 \
		behind fc rgb "#ececec" fs solid 1.0 noborder
	set label 100 + i word($folds[i], 3) at first (x0 + x1) / 2, \
		graph 0.5 center rotate by 90 textcolor rgb "#707070" front
}

# Panels one above the other share one time axis: the same x range and
# the same plot area. A key outside on the right would take the width
# its own entries need, panel by panel, and shift the panels' right edges
# apart; so the right margin is fixed, as wide as the kind's longest key
# title (`chars` characters) needs at the key's font: a screen fraction.
KEY_MARGIN(chars) = 1.0 - (chars * 7.6 + 80.0) / W

# Colours shared by the kinds
C_SEG = "#1f4e9c"
C_REXMIT = "#e07b00"
C_INJECTED = "#b000b0"
C_LOST = "#d00000"
C_ACK = "#2e8b3a"
C_WIN = "#c8a000"
C_TIMEOUT = "#d00000"
C_FAST = "#e07b00"
C_PARTIAL = "#c9a227"
