/* view.js — the HTML view of a run (sim/diagram/sink_html.c embeds it).
 *
 * Reads the run's events (#tcpsim-events, the trace's JSON objects with
 * "h", "p", "c", "rs", "ra", "tx" added) and what the sink worked out
 * (#tcpsim-meta: hosts, the fold threshold, how many events it left out),
 * then draws the sequence diagram to scale as SVG, one lifeline per host,
 * and a side panel: a time slider with step buttons (and the arrow keys),
 * the connections' variables as of the current event, and every field of
 * the segment clicked or hovered. Text from the run only ever goes into
 * text nodes and attribute values, never into markup.
 *
 * #step=N and #seg=PKT in the address open it at an event and a segment.
 * With #selftest in the address the page drives itself once it is drawn
 * (steps forward, selects a segment) and writes what it saw, and every
 * error, into #tcpsim-selftest, for tests/html.sh.
 */
(function () {
	'use strict';

	var errors = [];
	window.addEventListener('error', function (e) {
		var what = e.message || (e.target && (e.target.src || e.target.href)) ||
			'a resource failed to load';
		errors.push(String(what));
	}, true);
	var consoleError = console.error;
	console.error = function () {
		errors.push(Array.prototype.join.call(arguments, ' '));
		return consoleError.apply(console, arguments);
	};

	/* the SVG namespace, as the HTML parser gives it to an <svg> */
	var probe = document.createElement('div');
	probe.innerHTML = '<svg></svg>';
	var SVGNS = probe.firstChild.namespaceURI;

	function el(tag, cls, text) {
		var n = document.createElement(tag);
		if (cls) n.className = cls;
		if (text !== undefined) n.textContent = text;
		return n;
	}
	function sv(tag, attrs, parent) {
		var n = document.createElementNS(SVGNS, tag);
		for (var k in attrs) n.setAttribute(k, attrs[k]);
		if (parent) parent.appendChild(n);
		return n;
	}
	function stext(parent, x, y, text, cls) {
		var t = sv('text', {x: x, y: y}, parent);
		if (cls) t.setAttribute('class', cls);
		t.textContent = text;
		return t;
	}
	function title(parent, text) {
		sv('title', {}, parent).textContent = text;
	}

	var E = JSON.parse(document.getElementById('tcpsim-events').textContent);
	var M = JSON.parse(document.getElementById('tcpsim-meta').textContent);
	var NH = M.hosts.length;

	/* ---- times ---------------------------------------------------- */

	var micro = E.every(function (e) { return e.t_ns % 1000 === 0; });
	function fmtT(ns) {
		var neg = ns < 0;
		if (neg) ns = -ns;
		var s = Math.floor(ns / 1e9), f = String(ns % 1e9);
		while (f.length < 9) f = '0' + f;
		return (neg ? '-' : '') + s + '.' + (micro ? f.slice(0, 6) : f);
	}
	function fmtSpan(ns) {
		if (ns >= 3600e9) {
			var h = Math.floor(ns / 3600e9), m = Math.floor(ns % 3600e9 / 60e9);
			return h + ' h ' + m + ' min';
		}
		if (ns >= 60e9)
			return Math.floor(ns / 60e9) + ' min ' +
				Math.round(ns % 60e9 / 1e9) + ' s';
		if (ns >= 1e9) return (ns / 1e9).toFixed(3).replace(/\.?0+$/, '') + ' s';
		if (ns >= 1e6) return (ns / 1e6).toFixed(3).replace(/\.?0+$/, '') + ' ms';
		return (ns / 1e3).toFixed(3).replace(/\.?0+$/, '') + ' µs';
	}

	/* ---- segments and their fates --------------------------------- */

	var segs = [], byPkt = {};
	function newSeg(e, i, from, to, t0) {
		var s = {e: e, ev: i, from: from, to: to, t0: t0, arrive: null,
			 lost: null, disc: null, link: [], copyOf: null, n: segs.length};
		segs.push(s);
		byPkt[e.pkt] = s;
		return s;
	}
	E.forEach(function (e, i) {
		var s = e.pkt !== undefined ? byPkt[e.pkt] : undefined;
		switch (e.kind) {
		case 'send':
			newSeg(e, i, e.h, e.p, e.t_ns);
			break;
		case 'recv':
			if (s) { s.arrive = e.t_ns; s.arriveEv = i; }
			break;
		case 'ignore':
			if (s) s.disc = {t: e.t_ns, why: e.why || '', ev: i};
			break;
		case 'drop':
			if (s) s.lost = {t: e.t_ns, why: e.why || '', rule: e.rule, ev: i};
			break;
		case 'link':
			if (!s) break;
			s.link.push(e);
			if (e.action === 'duplicate' && e.copy !== undefined) {
				var c = newSeg(s.e, i, s.from, s.to, e.t_ns);
				byPkt[e.copy] = c;
				c.copyOf = s.e.pkt;
				c.copyPkt = e.copy;
				c.link = [];
			}
			break;
		}
	});
	function median(a) {
		if (!a.length) return 0;
		a.sort(function (x, y) { return x - y; });
		return a[Math.floor(a.length / 2)];
	}
	var dirDelays = {}, allDelays = [];
	segs.forEach(function (s) {
		if (s.arrive === null) return;
		var k = s.from + '>' + s.to;
		(dirDelays[k] = dirDelays[k] || []).push(s.arrive - s.t0);
		allDelays.push(s.arrive - s.t0);
	});
	var medDelay = median(allDelays.slice()) || (M.fold_ns ? M.fold_ns / 20 : 1e7);
	var dirMed = {};
	for (var dk in dirDelays) dirMed[dk] = median(dirDelays[dk]);

	/* ---- the time axis: to scale, long quiet spans folded ---------- */

	var FOLD = 34, TOP = 46;
	var instants = [];
	E.forEach(function (e) {
		if (!instants.length || instants[instants.length - 1] !== e.t_ns)
			instants.push(e.t_ns);
	});
	if (!instants.length) instants.push(0);
	var zoom = 1, pxPerNs, pieces, height;

	function layoutAxis() {
		pxPerNs = 60 / medDelay * zoom;
		pieces = [];
		var a = instants[0];
		for (var i = 1; i < instants.length; i++) {
			if (M.fold_ns > 0 && instants[i] - instants[i - 1] >= M.fold_ns) {
				pieces.push({a: a, b: instants[i - 1]});
				a = instants[i];
			}
		}
		pieces.push({a: a, b: instants[instants.length - 1]});
		var scaled = 0;
		pieces.forEach(function (p) { scaled += p.b - p.a; });
		/* a short run still fills a screen; a long one stays drawable */
		var want = scaled * pxPerNs;
		if (want > 0 && want < 500) pxPerNs *= 500 / want;
		if (want > 150000) pxPerNs *= 150000 / want;
		var y = TOP + 14;
		pieces.forEach(function (p, k) {
			if (k) y += FOLD;
			p.y0 = y;
			y += (p.b - p.a) * pxPerNs;
			p.y1 = y;
		});
		height = y + 40;
	}
	/* y of time t: within a piece to scale, within a fold in proportion */
	function Y(t) {
		var lo = 0, hi = pieces.length - 1;
		if (t <= pieces[0].a) return pieces[0].y0 - (pieces[0].a - t) * pxPerNs;
		while (lo < hi) {
			var mid = (lo + hi + 1) >> 1;
			if (pieces[mid].a <= t) lo = mid; else hi = mid - 1;
		}
		var p = pieces[lo];
		if (t <= p.b) return p.y0 + (t - p.a) * pxPerNs;
		var q = pieces[lo + 1];
		if (!q) return p.y1 + Math.min(FOLD, (t - p.b) * pxPerNs);
		return p.y1 + FOLD * (t - p.b) / (q.a - p.b);
	}

	/* ---- drawing ---------------------------------------------------- */

	var TIMECOL = 96, MARGIN = 130, LANE = NH > 4 ? 200 : 280;
	function X(h) { return TIMECOL + MARGIN + h * LANE; }
	var TIMERS = ['rexmt', 'delack', 'persist', 'keepalive', 'time-wait',
		      'pto', 'rack'];
	var TCOLOUR = {rexmt: '#c03030', delack: '#3070c0', persist: '#a07000',
		       keepalive: '#208050', 'time-wait': '#8040a0',
		       pto: '#c06090', rack: '#607000'};
	function timerCol(name) {
		var k = TIMERS.indexOf(name);
		return k < 0 ? TIMERS.length : k;
	}

	var diagram = el('div'), side = el('div');
	diagram.id = 'diagram';
	side.id = 'side';
	document.body.appendChild(diagram);
	document.body.appendChild(side);
	var svg, nowLine, segNodes = [], evNode = {};

	function flagsOf(e) { return (e.flags || []).join(','); }
	function segLabel(s) {
		var e = s.e, l = flagsOf(e) || '-';
		l += ' ' + e.rs;
		if (e.len) l += ':' + ((e.rs + e.len) >>> 0);
		if ((e.flags || []).indexOf('ACK') >= 0) l += ' ack ' + e.ra;
		if (e.tx) l += ' (' + e.tx + ')';
		return l;
	}

	function draw() {
		layoutAxis();
		var width = X(NH - 1) + MARGIN + 20;
		if (svg) diagram.removeChild(svg);
		segNodes = [];
		evNode = {};
		svg = sv('svg', {width: width, height: height,
				 viewBox: '0 0 ' + width + ' ' + height});
		var defs = sv('defs', {}, svg);
		var mk = sv('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 10,
				       refY: 5, markerWidth: 7, markerHeight: 7,
				       orient: 'auto-start-reverse'}, defs);
		sv('path', {d: 'M0,0 L10,5 L0,10 z', fill: 'context-stroke'}, mk);

		/* folds */
		pieces.forEach(function (p, k) {
			if (!k) return;
			var y0 = pieces[k - 1].y1, g = sv('g', {'class': 'fold'}, svg);
			sv('rect', {x: 0, y: y0 + 3, width: width, height: FOLD - 6}, g);
			var d = '';
			for (var h = 0; h < NH; h++) {
				var x = X(h);
				d += 'M' + x + ',' + (y0 + 3) + ' l-6,7 l12,7 l-12,7 l6,4 ';
			}
			sv('path', {d: d}, g);
			stext(g, 6, y0 + FOLD / 2 + 4, '⋯ ' +
			      fmtSpan(p.a - pieces[k - 1].b) + ' idle ⋯');
		});
		/* lifelines and names */
		for (var h = 0; h < NH; h++) {
			sv('line', {'class': 'life', x1: X(h), y1: TOP, x2: X(h),
				    y2: height - 20}, svg);
			stext(svg, X(h), 20, M.hosts[h], 'hostname');
		}
		/* time ticks, at least 14 px apart */
		var lastY = -1e9, ticks = sv('g', {}, svg);
		instants.forEach(function (t) {
			var y = Y(t);
			if (y - lastY < 14) return;
			lastY = y;
			stext(ticks, TIMECOL - 6, y + 4, fmtT(t), 'tick');
		});
		drawTimers();
		drawSegments();
		drawMarks();
		nowLine = sv('line', {id: 'nowline', x1: 0, x2: width, y1: 0, y2: 0},
			     svg);
		diagram.appendChild(svg);
	}

	function drawSegments() {
		var g = sv('g', {}, svg), lastLabel = {};
		segs.forEach(function (s) {
			var x0 = X(s.from), y0 = Y(s.t0), x1, y1, cross = null;
			var toHost = s.to >= 0 && s.to < NH;
			var tx = toHost ? X(s.to)
				: x0 + (s.from < NH - 1 ? LANE / 3 : -LANE / 3);
			var d = dirMed[s.from + '>' + s.to] || medDelay;
			var cls = 'seg';
			if (s.e.rexmit) cls += ' rexmit';
			if (s.e.injected) cls += ' injected';
			if (s.copyOf !== null) cls += ' copy';
			if (s.lost) {
				cls += ' lost';
				/* where it was lost: along its would-be path */
				var f = s.lost.t > s.t0 ? Math.min(1, (s.lost.t - s.t0) / d) : 0.5;
				x1 = x0 + (tx - x0) * f;
				y1 = s.lost.t > s.t0 ? Y(s.lost.t) : Y(s.t0 + d / 2);
				cross = [x1, y1];
			} else if (s.arrive !== null) {
				x1 = tx;
				y1 = Y(s.arrive);
				if (s.disc) { cls += ' discarded'; cross = [x1, y1]; }
			} else {
				cls += ' inflight';
				x1 = tx;
				y1 = Math.min(Y(s.t0 + d), Y(M.end_ns) + 10);
			}
			var sg = sv('g', {'class': cls}, g);
			sg.dataset.seg = s.n;
			var a = sv('line', {'class': 'a', x1: x0, y1: y0, x2: x1, y2: y1},
				   sg);
			if (!cross) a.setAttribute('marker-end', 'url(#arrow)');
			else
				sv('path', {'class': 'x', d: 'M' + (cross[0] - 5) + ',' +
					    (cross[1] - 5) + ' l10,10 m0,-10 l-10,10'}, sg);
			sv('line', {'class': 'hit', x1: x0, y1: y0, x2: x1, y2: y1}, sg);
			/* the label at the middle, or further down the arrow when
			 * the one before (a burst on the same path) sits there */
			var lk = Math.round((x0 + x1) / 2), my = (y0 + y1) / 2;
			if (lastLabel[lk] !== undefined && my - lastLabel[lk] < 12)
				my = lastLabel[lk] + 12;
			if (my <= Math.max(y0, y1) - 2) {
				lastLabel[lk] = my;
				var f2 = y1 === y0 ? 0.5 : (my - y0) / (y1 - y0);
				var t = stext(sg, x0 + (x1 - x0) * f2, my - 3, segLabel(s));
				t.setAttribute('text-anchor', 'middle');
			}
			title(sg, 'pkt ' + (s.copyPkt || s.e.pkt) + ': ' + segLabel(s));
			sg.addEventListener('mouseenter', function () { showSeg(s); });
			sg.addEventListener('click', function () {
				selectSeg(s);
				goTo(stepOfEvent(s.ev));
			});
			segNodes.push(sg);
			evNode[s.ev] = sg;
			if (s.arriveEv !== undefined) evNode[s.arriveEv] = sg;
			if (s.lost) evNode[s.lost.ev] = sg;
			if (s.disc) evNode[s.disc.ev] = sg;
		});
	}

	function drawTimers() {
		var g = sv('g', {}, svg), open = {};
		function close(k, t, how, i) {
			var o = open[k];
			if (!o) return;
			delete open[k];
			var x = X(o.h) - 10 - 6 * timerCol(o.name);
			var colour = TCOLOUR[o.name] || '#555';
			var tg = sv('g', {'class': 'timer'}, g);
			var y0 = Y(o.t), y1 = Y(t);
			sv('line', {x1: x, y1: y0, x2: x, y2: y1, stroke: colour}, tg);
			sv('path', {'class': 'm', d: 'M' + (x - 4) + ',' + (y0 - 3) +
				    ' h8 l-4,5 z', fill: colour, stroke: colour}, tg);
			if (how === 'fire')
				sv('circle', {'class': 'm', cx: x, cy: y1, r: 3.5,
					      fill: colour, stroke: colour}, tg);
			else if (how === 'cancel')
				sv('path', {'class': 'm', d: 'M' + (x - 3) + ',' + (y1 - 3) +
					    ' l6,6 m0,-6 l-6,6', stroke: colour}, tg);
			/* where a cancelled timer would have fired: dotted to its
			 * deadline, with a tick */
			if (how === 'cancel' && o.at <= M.end_ns) {
				sv('line', {'class': 'ghost', x1: x, y1: y1, x2: x, y2: Y(o.at),
					    stroke: colour}, tg);
				sv('line', {x1: x - 3, x2: x + 3, y1: Y(o.at), y2: Y(o.at),
					    stroke: colour, 'stroke-width': 1}, tg);
			}
			title(tg, M.hosts[o.h] + ': ' + o.name + ' timer set at ' +
			      fmtT(o.t) + ', deadline ' + fmtT(o.at) + '; ' +
			      (how === 'fire' ? 'fired at ' :
			       how === 'cancel' ? 'cancelled at ' :
			       how === 'reset' ? 'set again at ' : 'pending at the end, ') +
			      fmtT(t));
			evNode[o.ev] = tg;
			if (i !== undefined) evNode[i] = tg;
		}
		E.forEach(function (e, i) {
			if (e.kind !== 'timer') return;
			var k = e.h + ':' + e.c + ':' + e.timer;
			if (e.op === 'set') {
				close(k, e.t_ns, 'reset');
				open[k] = {h: e.h, name: e.timer, t: e.t_ns, at: e.at_ns, ev: i};
			} else {
				close(k, e.t_ns, e.op, i);
			}
		});
		for (var k in open)
			close(k, Math.min(open[k].at, M.end_ns), 'end');
	}

	function drawMarks() {
		var g = sv('g', {}, svg), lastY = {};
		E.forEach(function (e, i) {
			if (e.kind === 'state') {
				var x = X(e.h), y = Y(e.t_ns);
				if (lastY[e.h] !== undefined && y - lastY[e.h] < 15)
					y = lastY[e.h] + 15;
				lastY[e.h] = y;
				var sg = sv('g', {'class': 'state'}, g);
				var w = 8 + 6.2 * e.to.length;
				sv('rect', {x: x - w / 2, y: y - 7, width: w, height: 14, rx: 3},
				   sg);
				stext(sg, x, y + 4, e.to);
				title(sg, M.hosts[e.h] + ' ' + e.conn + ': ' + e.from + ' → ' +
				      e.to + ' at ' + fmtT(e.t_ns) + (e.why ? '\n' + e.why : ''));
				evNode[i] = sg;
			} else if (e.kind === 'host') {
				var hg = sv('g', {'class': 'hostev'}, g);
				stext(hg, X(e.h), Y(e.t_ns) + 4,
				      e.event === 'crash' ? '✕ crash' : '↻ reboot');
				evNode[i] = hg;
			} else if (e.kind === 'link' && e.pkt === undefined && e.p >= 0) {
				var lg = sv('g', {'class': 'linkev'}, g), ly = Y(e.t_ns);
				sv('line', {x1: X(e.h), x2: X(e.p), y1: ly, y2: ly}, lg);
				stext(lg, (X(e.h) + X(e.p)) / 2, ly - 3, M.hosts[e.h] + '→' +
				      M.hosts[e.p] + ' link ' + e.action);
				evNode[i] = lg;
			}
		});
	}

	/* ---- the side panel ---------------------------------------------- */

	side.appendChild(el('h1', '', M.scenario));
	side.appendChild(el('div', 'sub', 'seed ' + M.seed + ' · ' + NH +
			    ' hosts · ' + segs.length + ' segments · ' + E.length +
			    ' events · ends at ' + fmtT(M.end_ns) + ' s'));
	if (M.omitted > 0)
		side.appendChild(el('div', 'notice', 'This page holds the first ' +
				    M.events + ' events; the run had ' + M.omitted +
				    ' more, from ' + fmtT(M.omitted_from_ns) +
				    ' s on, which it does not show.'));
	var controls = el('div');
	controls.id = 'controls';
	var bPrev = el('button', '', '◀'), bNext = el('button', '', '▶');
	var bOut = el('button', '', '−'), bIn = el('button', '', '+');
	bPrev.title = 'previous event (←)';
	bNext.title = 'next event (→)';
	bOut.title = 'zoom out the time axis (-)';
	bIn.title = 'zoom in the time axis (+)';
	var slider = el('input');
	slider.type = 'range';
	slider.id = 'slider';
	[bPrev, slider, bNext, bOut, bIn].forEach(function (n) {
		controls.appendChild(n);
	});
	side.appendChild(controls);
	var nowText = el('div', 'mono');
	nowText.id = 'now';
	side.appendChild(nowText);
	var evText = el('div', 'mono');
	evText.id = 'event';
	side.appendChild(evText);
	side.appendChild(el('h2', '', 'Connections at this moment'));
	var connBox = el('div');
	connBox.id = 'conns';
	side.appendChild(connBox);
	side.appendChild(el('h2', '', 'Segment (click or hover an arrow)'));
	var segBox = el('div');
	segBox.id = 'segment';
	segBox.appendChild(el('div', 'sub', 'none selected'));
	side.appendChild(segBox);
	side.appendChild(el('h2', '', 'Timers'));
	var legend = el('div', 'legend');
	TIMERS.forEach(function (n) {
		var sp = el('span'), sw = el('span', 'sw');
		sw.style.background = TCOLOUR[n];
		sp.appendChild(sw);
		sp.appendChild(document.createTextNode(n));
		legend.appendChild(sp);
	});
	legend.appendChild(el('div', 'sub', '▼ set · ● fired · × cancelled · ' +
			      '┆ until the deadline of a cancelled one; left of each lifeline'));
	side.appendChild(legend);
	var selfBox = el('pre');
	selfBox.id = 'tcpsim-selftest';
	side.appendChild(selfBox);

	/* the events a step stops at: all but the variables' reports */
	var steps = [], stepOf = new Array(E.length);
	E.forEach(function (e, i) {
		if (e.kind !== 'var' && e.kind !== 'tcb') steps.push(i);
		stepOf[i] = steps.length - 1;
	});
	if (!steps.length) steps.push(-1);
	function stepOfEvent(i) { return Math.max(0, stepOf[i]); }
	slider.min = 0;
	slider.max = steps.length - 1;
	slider.value = 0;

	function describe(e) {
		var who = e.h >= 0 ? M.hosts[e.h] : '-';
		var to = e.p >= 0 && e.p < NH ? M.hosts[e.p] : 'no host';
		var seg = e.pkt !== undefined ?
			' pkt ' + e.pkt + ' ' + (flagsOf(e) || '-') + ' seq=' + e.seq +
			' ack=' + e.ack + ' len=' + e.len : '';
		switch (e.kind) {
		case 'send': return who + ' sends to ' + to + seg +
			(e.rexmit ? ' (retransmission' + (e.tx ? ': ' + e.tx : '') + ')' : '') +
			(e.why ? '\n' + e.why : '');
		case 'recv': return who + ' receives' + seg;
		case 'ignore': return who + ' discards' + seg + '\n' + (e.why || '');
		case 'drop': return 'the network loses' + seg + ' (' + who + '→' + to +
			')\n' + (e.why || '') + (e.rule ? ' [rule ' + e.rule + ']' : '');
		case 'link': return who + '→' + to + ': ' + e.action + seg +
			(e.by_ns !== undefined ? ' by ' + fmtSpan(e.by_ns) : '') +
			(e.rule ? ' [rule ' + e.rule + ']' : '') + (e.why ? '\n' + e.why : '');
		case 'state': return who + ' ' + e.conn + ': ' + e.from + ' → ' + e.to +
			(e.why ? '\n' + e.why : '');
		case 'timer': return who + ' ' + e.conn + ': ' + e.timer + ' timer ' +
			e.op + (e.at_ns !== undefined ? ', deadline ' + fmtT(e.at_ns) : '');
		case 'app': return who + ' application: ' + (e.call || e.event) +
			(e.bytes !== undefined ? ' ' + e.bytes + ' bytes' : '') +
			(e.peer ? ' ' + e.peer : '') + (e.reason ? ' (' + e.reason + ')' : '') +
			(e.error ? ': ' + e.error : '');
		case 'host': return who + ' ' + e.event + (e.why ? '\n' + e.why : '');
		case 'run': return 'run ' + e.event + (e.reason ? ': ' + e.reason : '');
		}
		return who + ' ' + e.kind;
	}

	/* each connection's variables after events 0..upto */
	function connsAt(upto) {
		var cs = {}, order = [], base = {};
		function get(e) {
			var k = e.h + ':' + e.c;
			if (!cs[k]) {
				cs[k] = {k: k, h: e.h, conn: e.conn};
				order.push(k);
			}
			return cs[k];
		}
		for (var i = 0; i <= upto && i < E.length; i++) {
			var e = E[i];
			if (e.kind === 'send' && e.rs !== undefined) {
				base[e.h + ' ' + e.src + '>' + e.dst] = (e.seq - e.rs) >>> 0;
				if (e.p >= 0)
					base[e.p + ' ' + e.dst + '>' + e.src + ' r'] =
						(e.seq - e.rs) >>> 0;
			}
			if (!e.c || !e.conn) continue;
			var c = get(e);
			c.conn = e.conn;
			if (e.kind === 'state') c.state = e.to;
			else if (e.kind === 'tcb') {
				c.state = e.state;
				c.una = e['snd.una']; c.nxt = e['snd.nxt'];
				c.rnxt = e['rcv.nxt']; c.swnd = e['snd.wnd'];
				c.rwnd = e['rcv.wnd'];
				c.sb = base[e.h + ' ' + e.conn];
				c.rb = base[e.h + ' ' + e.conn + ' r'];
			} else if (e.kind === 'var') {
				if (e.cwnd !== undefined) {
					c.cwnd = e.cwnd; c.ssthresh = e.ssthresh; c.flight = e.flight;
				}
				if (e.rto_ns !== undefined) {
					c.rto = e.rto_ns; c.srtt = e.srtt_ns; c.rttvar = e.rttvar_ns;
				}
			}
		}
		return order.map(function (k) { return cs[k]; });
	}
	function rel(v, b) {
		if (v === undefined) return '–';
		return b === undefined ? String(v) : ((v - b) >>> 0) + ' (abs ' + v + ')';
	}
	function row(tb, k, v) {
		var tr = el('tr');
		tr.appendChild(el('td', 'k', k));
		tr.appendChild(el('td', 'v', v));
		tb.appendChild(tr);
	}
	function showConns(upto, cur) {
		connBox.textContent = '';
		var list = connsAt(upto);
		if (!list.length) connBox.appendChild(el('div', 'sub', 'none yet'));
		list.forEach(function (c) {
			var box = el('div', 'conn' + (cur && cur.h + ':' + cur.c === c.k ?
						      ' cur' : ''));
			box.appendChild(el('div', 'title', M.hosts[c.h] + ' ' + c.conn +
					   ' — ' + (c.state || '?')));
			if (c.state === 'LISTEN') { /* no sequence space yet */
				box.appendChild(el('div', 'sub', 'waiting for a SYN'));
				connBox.appendChild(box);
				return;
			}
			var tb = el('table');
			row(tb, 'SND.UNA', rel(c.una, c.sb));
			row(tb, 'SND.NXT', rel(c.nxt, c.sb));
			row(tb, 'RCV.NXT', rel(c.rnxt, c.rb));
			row(tb, 'SND.WND', c.swnd === undefined ? '–' : String(c.swnd));
			row(tb, 'RCV.WND', c.rwnd === undefined ? '–' : String(c.rwnd));
			row(tb, 'cwnd', c.cwnd === undefined ? '–' : c.cwnd +
			    (c.flight !== undefined ? ' (flight ' + c.flight + ')' : ''));
			row(tb, 'ssthresh', c.ssthresh === undefined ? '–' :
			    c.ssthresh >= 2147483647 ? 'infinite (' + c.ssthresh + ')' :
			    String(c.ssthresh));
			row(tb, 'RTO', c.rto === undefined ? '–' : fmtSpan(c.rto));
			row(tb, 'SRTT', c.srtt === undefined ? '–' : fmtSpan(c.srtt) +
			    ' (RTTVAR ' + fmtSpan(c.rttvar) + ')');
			box.appendChild(tb);
			connBox.appendChild(box);
		});
	}

	var selected = null;
	function fates(s) {
		var out = [];
		if (s.copyOf !== null)
			out.push('a copy the network made of pkt ' + s.copyOf);
		s.link.forEach(function (l) {
			if (l.action === 'duplicate')
				out.push('duplicated by the network (copy: pkt ' + l.copy + ')' +
					 (l.rule ? ', rule ' + l.rule : ''));
			else if (l.action === 'delay')
				out.push('delayed ' + fmtSpan(l.by_ns) + ' by the network' +
					 (l.rule ? ', rule ' + l.rule : ''));
			else if (l.action === 'corrupt')
				out.push('corrupted on the way (bad checksum)' +
					 (l.rule ? ', rule ' + l.rule : ''));
			else if (l.action === 'mark-ce')
				out.push('marked CE (congestion experienced) at ' + fmtT(l.t_ns));
			else
				out.push(l.action + ' at ' + fmtT(l.t_ns) +
					 (l.rule ? ', rule ' + l.rule : ''));
			if (l.why) out[out.length - 1] += ': ' + l.why;
		});
		if (s.lost)
			out.push('lost at ' + fmtT(s.lost.t) + ' s: ' + s.lost.why +
				 (s.lost.rule ? ' (rule ' + s.lost.rule + ')' : ''));
		if (s.arrive !== null)
			out.push('delivered at ' + fmtT(s.arrive) + ' s (after ' +
				 fmtSpan(s.arrive - s.t0) + ')');
		if (s.disc)
			out.push('discarded by the receiver: ' + s.disc.why);
		if (!s.lost && s.arrive === null)
			out.push(s.to < 0 ? 'sent to no host' :
				 'still in flight when the run ended');
		return out;
	}
	function showSeg(s) {
		var e = s.e, tb = el('table');
		segBox.textContent = '';
		row(tb, 'pkt', String(s.copyPkt || e.pkt));
		row(tb, 'from → to', M.hosts[s.from] + ' → ' +
		    (s.to >= 0 && s.to < NH ? M.hosts[s.to] : 'no host'));
		row(tb, 'sent at', fmtT(s.t0) + ' s');
		row(tb, 'src', e.src);
		row(tb, 'dst', e.dst);
		row(tb, 'flags', flagsOf(e) || '(none)');
		row(tb, 'seq', e.rs + ' relative, ' + e.seq + ' absolute');
		row(tb, 'ack', e.ra + ' relative, ' + e.ack + ' absolute');
		row(tb, 'win', String(e.win));
		row(tb, 'len', String(e.len));
		var opts = [];
		if (e.mss !== undefined) opts.push('mss ' + e.mss);
		if (e.wscale !== undefined) opts.push('wscale ' + e.wscale);
		if (e.sackok) opts.push('sackok');
		if (e.ts !== undefined) opts.push('ts ' + e.ts + ' ecr ' + e.ecr);
		if (e.sack && e.sack.length)
			opts.push('sack ' + e.sack.map(function (b) {
				return b[0] + '-' + b[1];
			}).join(','));
		row(tb, 'options', opts.length ? opts.join(', ') : '(none)');
		if (e.urp !== undefined) row(tb, 'urp', String(e.urp));
		row(tb, 'ecn', e.ecn || 'not-ect');
		if (e.rexmit) row(tb, 'retransmission', e.tx || 'yes');
		if (e.injected) row(tb, 'injected', 'crafted by the scenario');
		if (e.fwd !== undefined) row(tb, 'forwarded', 'pkt ' + e.fwd +
					      ', ttl ' + e.ttl);
		row(tb, 'fate', fates(s).join('\n'));
		row(tb, 'rule', e.why || '–');
		segBox.appendChild(tb);
	}
	function selectSeg(s) {
		if (selected !== null) segNodes[selected.n].classList.remove('sel');
		selected = s;
		segNodes[s.n].classList.add('sel');
		showSeg(s);
	}

	var step = 0, curNode = null;
	function goTo(k) {
		step = Math.max(0, Math.min(steps.length - 1, k));
		slider.value = step;
		var i = steps[step], e = E[i];
		if (curNode) curNode.classList.remove('cur');
		curNode = null;
		if (!e) {
			nowText.textContent = 'no events';
			return;
		}
		nowText.textContent = 't = ' + fmtT(e.t_ns) + ' s · event ' +
			(step + 1) + ' of ' + steps.length;
		evText.textContent = describe(e);
		var y = Y(e.t_ns);
		nowLine.setAttribute('y1', y);
		nowLine.setAttribute('y2', y);
		curNode = evNode[i] || null;
		if (curNode) curNode.classList.add('cur');
		/* a segment's event shows that segment, unless one is chosen */
		if (!selected && e.pkt !== undefined && byPkt[e.pkt])
			showSeg(byPkt[e.pkt]);
		var lastIdx = step + 1 < steps.length ? steps[step + 1] - 1 : E.length - 1;
		showConns(lastIdx, e);
		var top = diagram.scrollTop, h = diagram.clientHeight;
		if (y < top + 40 || y > top + h - 40) diagram.scrollTop = y - h / 3;
	}

	bPrev.addEventListener('click', function () { goTo(step - 1); });
	bNext.addEventListener('click', function () { goTo(step + 1); });
	slider.addEventListener('input', function () { goTo(+slider.value); });
	function rezoom(f) {
		zoom *= f;
		draw();
		if (selected) segNodes[selected.n].classList.add('sel');
		goTo(step);
	}
	bOut.addEventListener('click', function () { rezoom(0.5); });
	bIn.addEventListener('click', function () { rezoom(2); });
	document.addEventListener('keydown', function (ev) {
		if (ev.target === slider) return; /* the slider steps by itself */
		if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') goTo(step + 1);
		else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') goTo(step - 1);
		else if (ev.key === 'Home') goTo(0);
		else if (ev.key === 'End') goTo(steps.length - 1);
		else if (ev.key === '+') rezoom(2);
		else if (ev.key === '-') rezoom(0.5);
		else return;
		ev.preventDefault();
	});

	draw();
	goTo(0);
	/* #step=N (1-based) and #seg=PKT open the page there, for a link a
	 * teacher hands out: #step=12&seg=7 */
	location.hash.slice(1).split('&').forEach(function (kv) {
		var m = /^(step|seg)=([0-9]+)$/.exec(kv);
		if (!m) return;
		if (m[1] === 'step') goTo(+m[2] - 1);
		else if (byPkt[m[2]]) selectSeg(byPkt[m[2]]);
	});

	/* ---- #selftest: drive the page once and say what it saw --------- */
	if (location.hash === '#selftest') {
		var out = [];
		var before = nowText.textContent, evBefore = evText.textContent;
		for (var n = 0; n < 3; n++) bNext.click();
		document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'}));
		var after = nowText.textContent;
		var moved = step === 4 || steps.length <= 4;
		document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft'}));
		var back = step === 3 || steps.length <= 4;
		var first = segNodes.length ? segNodes[0] : null;
		if (first) first.dispatchEvent(new MouseEvent('click', {bubbles: true}));
		var panel = segBox.textContent;
		out.push('events: ' + E.length);
		out.push('segments: ' + segs.length);
		out.push('arrows: ' + svg.querySelectorAll('g.seg').length);
		out.push('crosses: ' + svg.querySelectorAll('g.seg .x').length);
		out.push('states: ' + svg.querySelectorAll('g.state').length);
		out.push('timers: ' + svg.querySelectorAll('g.timer').length);
		out.push('folds: ' + (pieces.length - 1));
		out.push('before: ' + before + ' | ' + evBefore.split('\n')[0]);
		out.push('after: ' + after);
		out.push('stepped: ' + (moved && back && after !== before ? 'yes' : 'no'));
		out.push('segment panel: ' + (panel.indexOf('fate') >= 0 &&
			 panel.indexOf('seq') >= 0 ? 'yes' : 'no'));
		out.push('connections shown: ' + connBox.querySelectorAll('.conn').length);
		var res = performance.getEntriesByType ?
			performance.getEntriesByType('resource').length : 0;
		out.push('resources: ' + res);
		out.push('errors: ' + errors.length);
		errors.forEach(function (m) { out.push('error: ' + m); });
		selfBox.textContent = out.join('\n') + '\n';
	}
})();
