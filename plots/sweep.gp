# sweep.gp — one metric of a sweep against its first parameter
# (tcpsim sweep --plot FILE).
#
# tcpsim runs `gnuplot -c INPUT OUTPUT`, where INPUT is a preamble
# followed by this script (compiled into tcpsim). The preamble defines
#
#   fmt         "svg", "png" or "pdf"
#   flag        1 if the metric is yes/no (drawn as a share of the runs
#               with a 95 % Wilson interval), 0 for a number (its median,
#               with the band from p5 to p95)
#   logx, logy  1 for a log scale on that axis (x only when its values
#               are numbers, all above 0; y's values at or below 0 are
#               NaN in $data)
#   band        what that band is called: "p5 to p95", or with fewer
#               than 20 seeds, where the two are the least and the
#               greatest value, "min to max"
#   NS          series: one per combination of the other parameters
#   NX          values of the first parameter
#   numeric_x   1 if those values are numbers (drawn to scale), 0 if they
#               are words (drawn in order, one tic each)
#   title, xlabel, ylabel
#
# and these datablocks:
#
#   $xlabels    "value"            the first parameter's values, in order
#   $series     "name"             each series' name
#   $data       x n runs proportion median p5 p95
#               one block per series (two blank lines apart), one row per
#               value; NaN where a statistic has no value (a time in runs
#               that never got that far)

if (fmt eq "svg") {
	set terminal svg size 1280, 800 dynamic noenhanced \
		font "DejaVu Sans,14" background rgb "white"
} else {
	if (fmt eq "pdf") {
		set terminal pdfcairo size 8in, 5in noenhanced \
			font "DejaVu Sans,10"
	} else {
		set terminal pngcairo size 1280, 800 noenhanced \
			font "DejaVu Sans,11" background rgb "white"
	}
}
set output ARG1

set title title font ",15"
set xlabel xlabel
set ylabel ylabel
set grid ytics xtics lc rgb "#d8d8d8"
set key inside left top vertical reverse Left samplen 2 spacing 1.2 \
	opaque box lc rgb "#d8d8d8"
set border 3
set tics nomirror out
set autoscale xfix
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05

if (!numeric_x) {
	set xtics ()
	do for [i = 1:NX] {
		set xtics add (word($xlabels[i], 1) i - 1)
	}
	set xrange [-0.5:NX - 0.5]
	set offsets 0, 0, graph 0.05, graph 0.05
}

if (logx) {
	set logscale x
}

name(i) = word($series[i], 1)

# 95 % Wilson score interval of a share p of N runs
z = 1.959964
wden(p, N) = 1 + z * z / N
wmid(p, N) = (p + z * z / (2 * N)) / wden(p, N)
whalf(p, N) = z * sqrt(p * (1 - p) / N + z * z / (4 * N * N)) / wden(p, N)

# words on the x axis: no lines between them, and the series side by
# side around each tic
dx(i) = numeric_x ? 0 : (i - (NS - 1) / 2.0) * 0.08
bars = numeric_x ? "yerrorlines" : "yerrorbars"

if (flag) {
	set yrange [0:1]
	set offsets graph 0.02, graph 0.02, 0.03, 0.03
	plot for [i = 0:NS - 1] $data index i \
		using ($1 + dx(i)):4:(wmid($4, $3) - whalf($4, $3)):(wmid($4, $3) + whalf($4, $3)) \
		with @bars lw 2 pt 7 ps 0.8 lc i + 1 title name(i + 1)
} else {
	if (logy) {
		set logscale y
		set yrange [*:*]
		set offsets graph 0.02, graph 0.02, 0, 0
	} else {
		set yrange [0:*]
		set offsets graph 0.02, graph 0.02, graph 0.05, 0
	}
	if (numeric_x) {
		set style fill transparent solid 0.18 noborder
		plot for [i = 0:NS - 1] $data index i \
			using 1:6:7 with filledcurves lc i + 1 \
			title sprintf("%s: %s", name(i + 1), band), \
		     for [i = 0:NS - 1] $data index i \
			using 1:5 with linespoints lw 2 pt 7 ps 0.8 lc i + 1 \
			title sprintf("%s: median", name(i + 1))
	} else {
		plot for [i = 0:NS - 1] $data index i \
			using ($1 + dx(i)):5:6:7 with yerrorbars lw 2 pt 7 \
			ps 0.8 lc i + 1 \
			title sprintf("%s: median, %s", name(i + 1), band)
	}
}
