/* sink_csv.c — the run as a directory of CSV files (see sink_csv.h).
 *
 * The sink keeps typed tables while the run goes (one growing array per
 * table, no allocation per event once they are large enough) because
 * some rows are only complete later: a segment's fate is known when it
 * arrives or is lost, a state's span when the connection leaves it. When
 * the run finishes it writes every file beside its final name
 * (sim/out/outfile.h) and renames them at commit, so the directory gets all
 * of them or none; a directory the sink had to create is removed again
 * if they never come.
 *
 * Format (RFC 4180): a header row, commas, '\n' line ends, a field
 * quoted (with '"' doubled) only if it holds a comma, a quote or a line
 * break — only `why` and `rule` ever do, and they come last in their
 * rows. Times are the simulator's nanoseconds printed exactly as seconds
 * with nine decimals, never through a double. An empty field means "none"
 * (no connection, no peer, no sample).
 *
 * Limits: the tables live in memory until the run ends (some 100 bytes a
 * segment); losses are told apart by their `why` text, which is fixed per
 * rule (docs/trace-format.md, Why).
 */
#include "sim/out/sink_csv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/engine/grow.h"
#include "sim/out/outfile.h"
#include "models/segment.h"
#include "sim/out/seqrel.h"
#include "sim/out/sinks.h"

enum { F_RUN, F_CONNS, F_SEGS, F_ACKS, F_CWND, F_RTT, F_STATES, F_LOSSES,
       F_QUEUE, F_HOSTS, F_N };

static const char *const file_names[F_N] = {CSV_FILE_NAMES};

/* (host, connection number) or (host, 4-tuple) -> connection index. */
struct key {
	int host;
	uint32_t id;
	uint32_t la, ra;
	uint16_t lp, rp;
};

struct slot {
	struct key k;
	int idx;   /* -1: the key's connection closed */
	bool used;
};

struct map {
	struct slot *t;
	size_t mask, n;
};

struct csv {
	struct trace_sink base;
	struct csv_data d;
	char *dir;
	char *paths[F_N + 1];
	struct outfile out[F_N];
	char **made;       /* directories created, outermost first */
	size_t nmade;
	struct seqrel rel;
	struct map by_id, by_tuple;
	const struct trace *tr;
	sim_time_t last_t;
	char err[1024];
};

/* ---- the maps -------------------------------------------------------- */

static bool key_eq(const struct key *a, const struct key *b)
{
	return a->host == b->host && a->id == b->id && a->la == b->la &&
	       a->ra == b->ra && a->lp == b->lp && a->rp == b->rp;
}

static size_t key_hash(const struct key *k)
{
	uint64_t h = (uint64_t)(uint32_t)k->host * UINT64_C(0x9e3779b97f4a7c15);
	h ^= ((uint64_t)k->la << 32 | k->ra) + k->id;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= ((uint64_t)k->lp << 16 | k->rp) + (h >> 29);
	h *= UINT64_C(0x94d049bb133111eb);
	return (size_t)(h ^ (h >> 31));
}

static struct slot *map_slot(const struct map *m, const struct key *k)
{
	if (!m->t)
		return NULL;
	for (size_t i = key_hash(k) & m->mask;; i = (i + 1) & m->mask)
		if (!m->t[i].used || key_eq(&m->t[i].k, k))
			return &m->t[i];
}

static int map_get(const struct map *m, const struct key *k)
{
	const struct slot *s = map_slot(m, k);
	return s && s->used ? s->idx : -1;
}

static int map_put(struct map *m, const struct key *k, int idx)
{
	struct slot *s = map_slot(m, k);
	if (s && s->used) {
		s->idx = idx;
		return 0;
	}
	/* at most half full: a probe ends soon */
	if (!m->t || 2 * (m->n + 1) > m->mask + 1) {
		size_t size = m->t ? 2 * (m->mask + 1) : 64;
		struct slot *t = calloc(size, sizeof *t);
		if (!t)
			return -1;
		struct map old = *m;
		m->t = t;
		m->mask = size - 1;
		for (size_t i = 0; old.t && i <= old.mask; i++)
			if (old.t[i].used)
				*map_slot(m, &old.t[i].k) = old.t[i];
		free(old.t);
		s = map_slot(m, k);
	}
	*s = (struct slot){*k, idx, true};
	m->n++;
	return 0;
}

static struct key id_key(int host, uint32_t id)
{
	return (struct key){.host = host, .id = id};
}

static struct key tuple_key(int host, const struct trace_tuple *t)
{
	return (struct key){.host = host, .la = t->laddr, .ra = t->raddr,
			    .lp = t->lport, .rp = t->rport};
}

/* ---- recording -------------------------------------------------------- */

#define PUSH(c, arr, n, cap)                                               \
	(grow(&(c)->d.arr, &(c)->d.cap, (c)->d.n + 1, sizeof *(c)->d.arr,   \
	      64) < 0                                                       \
		 ? ((c)->d.oom = true, (void *)NULL)                        \
		 : (void *)&(c)->d.arr[(c)->d.n++])

static int host_of_addr(const struct trace *tr, uint32_t addr)
{
	if (!tr->host_addrs || addr == 0)
		return -1;
	for (int i = 0; i < tr->nhosts; i++)
		if (tr->host_addrs[i] == addr)
			return i;
	return -1;
}

/* The connection numbered id on host, made on first sight. */
static int conn_get(struct csv *c, const struct trace_event *ev)
{
	struct key k = id_key(ev->host, ev->conn);
	int i = map_get(&c->by_id, &k);
	if (i >= 0)
		return i;
	struct csv_conn *n = PUSH(c, conns, nconns, conns_cap);
	if (!n)
		return -1;
	i = (int)(c->d.nconns - 1);
	if (map_put(&c->by_id, &k, i) < 0) {
		c->d.oom = true;
		c->d.nconns--;
		return -1;
	}
	*n = (struct csv_conn){
		.host = ev->host,
		.id = ev->conn,
		.tuple = ev->tuple,
		.peer = host_of_addr(c->tr, ev->tuple.raddr),
		.start = ev->t,
		.end = -1,
		.state = 0,
		.open = -1,
	};
	return i;
}

/* The connection host has for the segment's 4-tuple; `out`: the host
 * sent it (src is local), else it arrived (dst is local). */
static int conn_of_seg(const struct csv *c, int host, const struct tcp_seg *s,
		       bool out, struct trace_tuple *t)
{
	if (out)
		*t = (struct trace_tuple){s->saddr, s->daddr, s->sport, s->dport};
	else
		*t = (struct trace_tuple){s->daddr, s->saddr, s->dport, s->sport};
	struct key k = tuple_key(host, t);
	return map_get(&c->by_tuple, &k);
}

static struct csv_seg *find_seg(struct csv *c, uint64_t pkt)
{
	/* numbered in the order they were sent: the table is sorted */
	size_t lo = 0, hi = c->d.nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->d.segs[mid].pkt < pkt)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->d.nsegs && c->d.segs[lo].pkt == pkt ? &c->d.segs[lo]
							    : NULL;
}

static void on_state(struct csv *c, const struct trace_event *ev)
{
	int i = conn_get(c, ev);
	if (i < 0)
		return;
	struct csv_conn *n = &c->d.conns[i];
	if (n->open >= 0) {
		c->d.states[n->open].end = ev->t;
		c->d.states[n->open].next = ev->b;
		n->open = -1;
	}
	n->state = ev->b;
	struct key k = tuple_key(ev->host, &ev->tuple);
	if (ev->b == 0) { /* CLOSED: the TCB is gone */
		n->end = ev->t;
		if (map_get(&c->by_tuple, &k) == i)
			(void)map_put(&c->by_tuple, &k, -1);
		return;
	}
	if (ev->tuple.raddr && map_put(&c->by_tuple, &k, i) < 0)
		c->d.oom = true;
	struct csv_state *s = PUSH(c, states, nstates, states_cap);
	if (!s)
		return;
	*s = (struct csv_state){i, ev->b, ev->t, -1, -1, ev->why};
	c->d.conns[i].open = (int)(c->d.nstates - 1);
}

/* The connection a segment sent by `host` speaks for: the sender's own,
 * else (a forged segment) the one its source address's host has for its
 * 4-tuple; -1 for none. */
static int speaks_for(const struct csv *c, int host, const struct tcp_seg *s)
{
	struct trace_tuple t;
	int i = conn_of_seg(c, host, s, true, &t);
	if (i >= 0)
		return i;
	int h = host_of_addr(c->tr, s->saddr);
	return h >= 0 && h != host ? conn_of_seg(c, h, s, true, &t) : -1;
}

/* Relative numbers of segment s, which speaks for connection o (-1:
 * none, the direction's last SYN then). */
static uint32_t rel_seq(const struct csv *c, int o, const struct tcp_seg *s)
{
	if (o >= 0 && c->d.conns[o].have_iss)
		return s->seq - c->d.conns[o].iss;
	return seqrel_seq(&c->rel, s);
}

static uint32_t rel_ack(const struct csv *c, int o, const struct tcp_seg *s)
{
	if (o >= 0 && c->d.conns[o].have_irs)
		return s->ack - c->d.conns[o].irs;
	return seqrel_ack(&c->rel, s);
}

static void add_loss(struct csv *c, const struct trace_event *ev,
		     enum csv_loss_kind kind, int conn,
		     const struct trace_tuple *t, const struct csv_seg *sg)
{
	struct csv_loss *l = PUSH(c, losses, nlosses, losses_cap);
	if (!l)
		return;
	*l = (struct csv_loss){
		.t = ev->t,
		.kind = kind,
		.host = ev->host,
		.peer = ev->peer,
		.conn = conn,
		.tuple = *t,
		.pkt = ev->pkt,
		.rule = ev->text,
		.why = ev->why,
	};
	if (ev->seg) {
		l->seq = ev->seg->seq;
		l->len = ev->seg->len;
		l->rel_seq = sg ? sg->rel_seq
				: rel_seq(c, ev->host >= 0
						     ? speaks_for(c, ev->host, ev->seg)
						     : -1,
					  ev->seg);
	}
}

/* The two retransmissions that repair a loss without a timeout, by the
 * cause TCP gives them (trace.h, enum trace_tx). */
static enum csv_loss_kind rexmit_kind(enum trace_tx tx)
{
	switch (tx) {
	case TR_TX_FAST:
		return CSV_FAST;
	case TR_TX_PARTIAL:
		return CSV_PARTIAL;
	default:
		return CSV_DROP; /* neither */
	}
}

static void on_send(struct csv *c, const struct trace_event *ev)
{
	const struct tcp_seg *s = ev->seg;
	if (seqrel_note(&c->rel, s) < 0)
		c->d.oom = true;
	struct trace_tuple t;
	int i = conn_of_seg(c, ev->host, s, true, &t);
	if (i >= 0) { /* what the connection itself started from */
		struct csv_conn *n = &c->d.conns[i];
		if ((s->flags & TCP_SYN) && !n->have_iss) {
			n->iss = s->seq;
			n->have_iss = true;
		}
		if ((s->flags & TCP_ACK) && !n->have_irs) {
			n->irs = s->ack - 1;
			n->have_irs = true;
		}
	}
	int o = i >= 0 ? i : speaks_for(c, ev->host, s);
	struct csv_seg *g = PUSH(c, segs, nsegs, segs_cap);
	if (!g)
		return;
	*g = (struct csv_seg){
		.t = ev->t,
		.fate_t = -1,
		.pkt = ev->pkt,
		.host = ev->host,
		.peer = ev->peer,
		.conn = i,
		.tuple = t,
		.seq = s->seq,
		.ack = s->ack,
		.rel_seq = rel_seq(c, o, s),
		.rel_ack = rel_ack(c, o, s),
		.len = s->len,
		.win = s->wnd,
		.flags = s->flags,
		.how = (uint8_t)ev->b,
		.fate = CSV_IN_FLIGHT,
		.why = ev->why,
	};
	if (i < 0)
		return;
	struct csv_conn *n = &c->d.conns[i];
	n->segs++;
	n->bytes += s->len;
	if (ev->b & TR_SEND_REXMIT) {
		n->rexmits++;
		enum csv_loss_kind k = rexmit_kind(ev->tx);
		if (k != CSV_DROP) {
			if (k == CSV_FAST)
				n->fast++;
			else
				n->partial++;
			add_loss(c, ev, k, i, &t, g);
		}
	}
}

static void on_recv(struct csv *c, const struct trace_event *ev)
{
	const struct tcp_seg *s = ev->seg;
	struct csv_seg *g = find_seg(c, ev->pkt);
	if (g && g->fate == CSV_IN_FLIGHT) {
		g->fate = CSV_DELIVERED;
		g->fate_t = ev->t;
	}
	if (!(s->flags & TCP_ACK))
		return;
	struct trace_tuple t;
	int i = conn_of_seg(c, ev->host, s, false, &t);
	struct csv_ack *a = PUSH(c, acks, nacks, acks_cap);
	if (!a)
		return;
	*a = (struct csv_ack){
		.t = ev->t,
		.pkt = ev->pkt,
		.host = ev->host,
		.peer = ev->peer,
		.conn = i,
		.tuple = t,
		.ack = s->ack,
		/* acknowledging what the receiver's connection sent */
		.rel_ack = i >= 0 && c->d.conns[i].have_iss
				   ? s->ack - c->d.conns[i].iss
				   : seqrel_ack(&c->rel, s),
		.len = s->len,
		.win = s->wnd,
		.flags = s->flags,
	};
}

static void on_ignore(struct csv *c, const struct trace_event *ev)
{
	struct csv_seg *g = find_seg(c, ev->pkt);
	if (g)
		g->fate = CSV_DISCARDED;
	/* its arrival was the last row, if it carried an ACK */
	if (c->d.nacks) {
		struct csv_ack *a = &c->d.acks[c->d.nacks - 1];
		if (a->pkt == ev->pkt && a->host == ev->host)
			a->discarded = true;
	}
}

static void on_drop(struct csv *c, const struct trace_event *ev)
{
	struct csv_seg *g = find_seg(c, ev->pkt);
	struct trace_tuple t;
	int i;
	if (g) {
		g->fate = CSV_LOST;
		g->fate_t = ev->t;
		i = g->conn;
		t = g->tuple;
	} else { /* a copy the network made */
		i = ev->host >= 0 ? conn_of_seg(c, ev->host, ev->seg, true, &t)
				  : -1;
		if (ev->host < 0)
			t = (struct trace_tuple){ev->seg->saddr, ev->seg->daddr,
						 ev->seg->sport, ev->seg->dport};
	}
	if (i >= 0)
		c->d.conns[i].lost++;
	add_loss(c, ev, CSV_DROP, i, &t, g);
}

static void csv_emit(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev)
{
	struct csv *c = (struct csv *)s;
	c->tr = tr;
	c->last_t = ev->t;
	int i;
	switch (ev->kind) {
	case TR_RUN:
		if (ev->name && strcmp(ev->name, "end") == 0) {
			c->d.end = ev->t;
			c->d.reason = ev->why;
			c->d.events = (uint64_t)ev->v[0];
		}
		break;
	case TR_STATE:
		on_state(c, ev);
		break;
	case TR_HOST: {
		struct csv_host_event *h = PUSH(c, hostev, nhostev, hostev_cap);
		if (h)
			*h = (struct csv_host_event){
				ev->t, ev->host,
				ev->name && strcmp(ev->name, "crash") == 0,
				ev->why};
		break;
	}
	case TR_QUEUE: {
		struct csv_queue *q = PUSH(c, queue, nqueue, queue_cap);
		if (q)
			*q = (struct csv_queue){
				ev->t, ev->host, ev->peer,
				strcmp(ev->name, "dequeue") == 0, ev->pkt,
				(uint64_t)ev->v[0], (uint64_t)ev->v[1], ev->v[2]};
		break;
	}
	case TR_SEND:
		on_send(c, ev);
		break;
	case TR_RECV:
		on_recv(c, ev);
		break;
	case TR_IGNORE:
		on_ignore(c, ev);
		break;
	case TR_DROP:
		on_drop(c, ev);
		break;
	case TR_TIMER:
		if (ev->a != TR_TIMER_FIRE || strcmp(ev->name, "rexmt") != 0)
			break;
		if ((i = conn_get(c, ev)) < 0)
			break;
		c->d.conns[i].timeouts++;
		add_loss(c, ev, CSV_TIMEOUT, i, &ev->tuple, NULL);
		break;
	case TR_VAR:
		if ((i = conn_get(c, ev)) < 0)
			break;
		if (strcmp(ev->name, "cwnd") == 0) {
			struct csv_cwnd *w = PUSH(c, cwnd, ncwnd, cwnd_cap);
			if (w)
				*w = (struct csv_cwnd){ev->t, i, ev->v[0],
						       ev->v[1], ev->v[2]};
		} else if (strcmp(ev->name, "rto") == 0) {
			struct csv_rtt *r = PUSH(c, rtt, nrtt, rtt_cap);
			if (!r)
				break;
			bool sample = ev->a == TR_RTO_SAMPLE;
			*r = (struct csv_rtt){ev->t, i, ev->a,
					      sample ? ev->v[3] : 0, ev->v[1],
					      ev->v[2], ev->v[0]};
			c->d.conns[i].samples += sample;
		}
		break;
	default:
		break;
	}
}

/* ---- putting the tables in order -------------------------------------- */

static int cmp_conn(const void *a, const void *b)
{
	const struct csv_conn *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

struct state_ref {
	struct csv_state s;
	size_t at;
};

static int cmp_state(const void *a, const void *b)
{
	const struct state_ref *x = a, *y = b;
	if (x->s.conn != y->s.conn)
		return x->s.conn < y->s.conn ? -1 : 1;
	return (x->at > y->at) - (x->at < y->at);
}

/* Connections in (host, number) order, every row's index renumbered;
 * states grouped by connection, each one's in time order. */
static int sort_tables(struct csv *c)
{
	struct csv_data *d = &c->d;
	size_t n = d->nconns;
	int *to = malloc((n ? n : 1) * sizeof *to);
	struct csv_conn *sorted = malloc((n ? n : 1) * sizeof *sorted);
	struct state_ref *st = malloc((d->nstates ? d->nstates : 1) * sizeof *st);
	if (!to || !sorted || !st) {
		free(to);
		free(sorted);
		free(st);
		return -1;
	}
	/* stash the old index in `open` (no longer needed) */
	for (size_t i = 0; i < n; i++) {
		sorted[i] = d->conns[i];
		sorted[i].open = (int)i;
	}
	qsort(sorted, n, sizeof *sorted, cmp_conn);
	for (size_t i = 0; i < n; i++) {
		to[sorted[i].open] = (int)i;
		sorted[i].open = -1;
	}
	memcpy(d->conns, sorted, n * sizeof *sorted);
#define RENUMBER(arr, cnt)                                                 \
	for (size_t i = 0; i < d->cnt; i++)                                \
		if (d->arr[i].conn >= 0)                                   \
			d->arr[i].conn = to[d->arr[i].conn];
	RENUMBER(segs, nsegs)
	RENUMBER(acks, nacks)
	RENUMBER(cwnd, ncwnd)
	RENUMBER(rtt, nrtt)
	RENUMBER(states, nstates)
	RENUMBER(losses, nlosses)
#undef RENUMBER
	for (size_t i = 0; i < d->nstates; i++)
		st[i] = (struct state_ref){d->states[i], i};
	qsort(st, d->nstates, sizeof *st, cmp_state);
	for (size_t i = 0; i < d->nstates; i++)
		d->states[i] = st[i].s;
	free(to);
	free(sorted);
	free(st);
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

static void put_time(FILE *f, sim_time_t t)
{
	uint64_t u = (uint64_t)(t < 0 ? 0 : t);
	fprintf(f, "%" PRIu64 ".%09" PRIu64, u / 1000000000u, u % 1000000000u);
}

/* A time, or nothing for "none" (-1). */
static void put_time_opt(FILE *f, sim_time_t t)
{
	if (t >= 0)
		put_time(f, t);
}

void csv_put_text(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_host(FILE *f, const struct trace *tr, int h)
{
	if (h >= 0 && h < tr->nhosts)
		csv_put_text(f, trace_host_name(tr, h));
}

static void put_endpoint(FILE *f, uint32_t addr, uint16_t port)
{
	if (addr == 0 && port == 0) {
		fputc('*', f);
		return;
	}
	fprintf(f, "%u.%u.%u.%u:%u", (unsigned)(addr >> 24),
		(unsigned)(addr >> 16 & 255), (unsigned)(addr >> 8 & 255),
		(unsigned)(addr & 255), (unsigned)port);
}

/* as the trace writes conn=: local>remote */
static void put_tuple(FILE *f, const struct trace_tuple *t)
{
	put_endpoint(f, t->laddr, t->lport);
	fputc('>', f);
	put_endpoint(f, t->raddr, t->rport);
}

static void put_id(FILE *f, const struct csv_data *d, int conn)
{
	if (conn >= 0)
		fprintf(f, "%" PRIu32, d->conns[conn].id);
}

/* "SYN+ACK": the trace's names, in its order, joined by '+' so that the
 * field needs no quotes; empty for none. */
static void put_flags(FILE *f, uint8_t flags)
{
	char fl[40];
	if (!flags)
		return;
	tcp_flags_fmt(flags, fl, sizeof fl);
	for (char *p = fl; *p; p++)
		if (*p == ',')
			*p = '+';
	fputs(fl, f);
}

static const char *const fate_names[] = {
	[CSV_IN_FLIGHT] = "in-flight", [CSV_DELIVERED] = "delivered",
	[CSV_DISCARDED] = "discarded", [CSV_LOST] = "lost",
};

static const char *const loss_names[] = {
	[CSV_DROP] = "drop", [CSV_TIMEOUT] = "timeout",
	[CSV_FAST] = "fast-retransmit", [CSV_PARTIAL] = "partial-ack",
};

static const char *const rtt_events[] = {
	[0] = "", [TR_RTO_SAMPLE] = "sample", [TR_RTO_BACKOFF] = "backoff",
	[TR_RTO_SYN_LOST] = "syn-lost",
};

static void write_run(FILE *f, const struct csv *c)
{
	fputs("scenario,seed,end,reason,events\n", f);
	csv_put_text(f, c->tr->scenario ? c->tr->scenario : "");
	fprintf(f, ",%" PRIu64 ",", c->tr->seed);
	put_time(f, c->d.end);
	fputc(',', f);
	csv_put_text(f, c->d.reason ? c->d.reason : "");
	fprintf(f, ",%" PRIu64 "\n", c->d.events);
}

static void write_conns(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("host,id,conn,peer,start,end,state,segments,bytes,rexmits,lost,"
	      "timeouts,fast_rexmits,partial_acks,rtt_samples\n",
	      f);
	for (size_t i = 0; i < d->nconns; i++) {
		const struct csv_conn *n = &d->conns[i];
		put_host(f, c->tr, n->host);
		fprintf(f, ",%" PRIu32 ",", n->id);
		put_tuple(f, &n->tuple);
		fputc(',', f);
		put_host(f, c->tr, n->peer);
		fputc(',', f);
		put_time(f, n->start);
		fputc(',', f);
		put_time_opt(f, n->end);
		fprintf(f, ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			   ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			c->tr->state_name(n->state), n->segs, n->bytes,
			n->rexmits, n->lost, n->timeouts, n->fast, n->partial,
			n->samples);
	}
}

static void write_segs(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("time,pkt,host,peer,id,conn,flags,seq,ack,rel_seq,rel_ack,len,"
	      "win,rexmit,injected,fate,fate_time,why\n",
	      f);
	for (size_t i = 0; i < d->nsegs; i++) {
		const struct csv_seg *g = &d->segs[i];
		put_time(f, g->t);
		fprintf(f, ",%" PRIu64 ",", g->pkt);
		put_host(f, c->tr, g->host);
		fputc(',', f);
		put_host(f, c->tr, g->peer);
		fputc(',', f);
		put_id(f, d, g->conn);
		fputc(',', f);
		put_tuple(f, &g->tuple);
		fputc(',', f);
		put_flags(f, g->flags);
		fprintf(f, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",", g->seq,
			g->ack, g->rel_seq);
		if (g->flags & TCP_ACK)
			fprintf(f, "%" PRIu32, g->rel_ack);
		fprintf(f, ",%" PRIu32 ",%u,%d,%d,%s,", g->len, (unsigned)g->win,
			!!(g->how & TR_SEND_REXMIT),
			!!(g->how & TR_SEND_INJECTED), fate_names[g->fate]);
		put_time_opt(f, g->fate_t);
		fputc(',', f);
		csv_put_text(f, g->why);
		fputc('\n', f);
	}
}

static void write_acks(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("time,pkt,host,peer,id,conn,flags,ack,rel_ack,win,len,"
	      "discarded\n",
	      f);
	for (size_t i = 0; i < d->nacks; i++) {
		const struct csv_ack *a = &d->acks[i];
		put_time(f, a->t);
		fprintf(f, ",%" PRIu64 ",", a->pkt);
		put_host(f, c->tr, a->host);
		fputc(',', f);
		put_host(f, c->tr, a->peer);
		fputc(',', f);
		put_id(f, d, a->conn);
		fputc(',', f);
		put_tuple(f, &a->tuple);
		fputc(',', f);
		put_flags(f, a->flags);
		fprintf(f, ",%" PRIu32 ",%" PRIu32 ",%u,%" PRIu32 ",%d\n", a->ack,
			a->rel_ack, (unsigned)a->win, a->len, a->discarded);
	}
}

/* host,id,conn of a connection's row */
static void put_conn3(FILE *f, const struct csv *c, int conn)
{
	const struct csv_conn *n = &c->d.conns[conn];
	put_host(f, c->tr, n->host);
	fprintf(f, ",%" PRIu32 ",", n->id);
	put_tuple(f, &n->tuple);
}

static void write_cwnd(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("time,host,id,conn,cwnd,ssthresh,flight\n", f);
	for (size_t i = 0; i < d->ncwnd; i++) {
		const struct csv_cwnd *w = &d->cwnd[i];
		put_time(f, w->t);
		fputc(',', f);
		put_conn3(f, c, w->conn);
		fprintf(f, ",%" PRId64 ",%" PRId64 ",%" PRId64 "\n", w->cwnd,
			w->ssthresh, w->flight);
	}
}

static void write_rtt(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("time,host,id,conn,event,sample,srtt,rttvar,rto\n", f);
	for (size_t i = 0; i < d->nrtt; i++) {
		const struct csv_rtt *r = &d->rtt[i];
		put_time(f, r->t);
		fputc(',', f);
		put_conn3(f, c, r->conn);
		int ev = r->cause >= 0 && r->cause <= TR_RTO_SYN_LOST ? r->cause
								      : 0;
		fprintf(f, ",%s,", rtt_events[ev]);
		if (r->cause == TR_RTO_SAMPLE)
			put_time(f, r->sample);
		fputc(',', f);
		put_time(f, r->srtt);
		fputc(',', f);
		put_time(f, r->rttvar);
		fputc(',', f);
		put_time(f, r->rto);
		fputc('\n', f);
	}
}

static void write_states(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("host,id,conn,state,start,end,next,why\n", f);
	for (size_t i = 0; i < d->nstates; i++) {
		const struct csv_state *s = &d->states[i];
		put_conn3(f, c, s->conn);
		fprintf(f, ",%s,", c->tr->state_name(s->state));
		put_time(f, s->start);
		fputc(',', f);
		put_time(f, s->end);
		fprintf(f, ",%s,", s->next >= 0 ? c->tr->state_name(s->next) : "");
		csv_put_text(f, s->why);
		fputc('\n', f);
	}
}

static void write_losses(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("time,host,peer,id,conn,event,pkt,seq,rel_seq,len,rule,why\n", f);
	for (size_t i = 0; i < d->nlosses; i++) {
		const struct csv_loss *l = &d->losses[i];
		put_time(f, l->t);
		fputc(',', f);
		put_host(f, c->tr, l->host);
		fputc(',', f);
		put_host(f, c->tr, l->peer);
		fputc(',', f);
		put_id(f, d, l->conn);
		fputc(',', f);
		put_tuple(f, &l->tuple);
		fprintf(f, ",%s,", loss_names[l->kind]);
		if (l->kind != CSV_TIMEOUT)
			fprintf(f, "%" PRIu64 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32,
				l->pkt, l->seq, l->rel_seq, l->len);
		else
			fputs(",,,", f);
		fputc(',', f);
		csv_put_text(f, l->rule);
		fputc(',', f);
		csv_put_text(f, l->why);
		fputc('\n', f);
	}
}

static void write_queue(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("time,host,peer,event,pkt,waiting,bytes,wait\n", f);
	for (size_t i = 0; i < d->nqueue; i++) {
		const struct csv_queue *q = &d->queue[i];
		put_time(f, q->t);
		fputc(',', f);
		put_host(f, c->tr, q->host);
		fputc(',', f);
		put_host(f, c->tr, q->peer);
		fprintf(f, ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",",
			q->dequeue ? "dequeue" : "enqueue", q->pkt, q->waiting,
			q->bytes);
		if (q->wait >= 0)
			put_time(f, q->wait);
		fputc('\n', f);
	}
}

static void write_hosts(FILE *f, const struct csv *c)
{
	const struct csv_data *d = &c->d;
	fputs("time,host,event,why\n", f);
	for (size_t i = 0; i < d->nhostev; i++) {
		const struct csv_host_event *h = &d->hostev[i];
		put_time(f, h->t);
		fputc(',', f);
		put_host(f, c->tr, h->host);
		fprintf(f, ",%s,", h->crash ? "crash" : "reboot");
		csv_put_text(f, h->why);
		fputc('\n', f);
	}
}

static void (*const writers[F_N])(FILE *, const struct csv *) = {
	[F_RUN] = write_run,	   [F_CONNS] = write_conns,
	[F_SEGS] = write_segs,	   [F_ACKS] = write_acks,
	[F_CWND] = write_cwnd,	   [F_RTT] = write_rtt,
	[F_STATES] = write_states, [F_LOSSES] = write_losses,
	[F_QUEUE] = write_queue,   [F_HOSTS] = write_hosts,
};

static int csv_finish(struct trace_sink *s, const struct trace *tr)
{
	struct csv *c = (struct csv *)s;
	struct csv_data *d = &c->d;
	c->tr = tr;
	if (!d->reason) /* no end event: the last thing that happened */
		d->end = c->last_t;
	/* spans still open end with the run */
	for (size_t i = 0; i < d->nconns; i++) {
		struct csv_conn *n = &d->conns[i];
		if (n->open >= 0)
			d->states[n->open].end = d->end;
	}
	if (d->oom || sort_tables(c) < 0) {
		d->oom = true;
		snprintf(c->err, sizeof c->err, "--csv %s: out of memory", c->dir);
		s->error = c->err;
		return -1;
	}
	for (int k = 0; k < F_N; k++) {
		if (outfile_open(&c->out[k], c->paths[k], c->err, sizeof c->err) <
		    0)
			goto fail;
		writers[k](c->out[k].f, c);
		if (fflush(c->out[k].f) != 0 || ferror(c->out[k].f)) {
			snprintf(c->err, sizeof c->err, "%s: write failed: %s",
				 c->paths[k], strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	for (int k = 0; k < F_N; k++)
		outfile_abort(&c->out[k]);
	s->error = c->err;
	return -1;
}

static int csv_commit(struct trace_sink *s)
{
	struct csv *c = (struct csv *)s;
	for (int k = 0; k < F_N; k++) {
		if (outfile_commit(&c->out[k], c->err, sizeof c->err) < 0) {
			s->error = c->err;
			/* the files not yet renamed go; those renamed stay,
			 * and the directory with them */
			for (int j = k + 1; j < F_N; j++)
				outfile_abort(&c->out[j]);
			return -1;
		}
	}
	return 0;
}

static void csv_destroy(struct trace_sink *s)
{
	struct csv *c = (struct csv *)s;
	for (int k = 0; k < F_N; k++)
		outfile_abort(&c->out[k]);
	/* a directory made for files that never came (or that the
	 * caller removed again) goes too; one with files stays */
	for (size_t i = c->nmade; i-- > 0;) {
		(void)rmdir(c->made[i]);
		free(c->made[i]);
	}
	free(c->made);
	for (int k = 0; k < F_N; k++)
		free(c->paths[k]);
	free(c->dir);
	seqrel_fini(&c->rel);
	free(c->by_id.t);
	free(c->by_tuple.t);
	free(c->d.conns);
	free(c->d.segs);
	free(c->d.acks);
	free(c->d.cwnd);
	free(c->d.rtt);
	free(c->d.states);
	free(c->d.losses);
	free(c->d.queue);
	free(c->d.hostev);
	free(c);
}

/* ---- the directory ---------------------------------------------------- */

/* Make dir and any missing parent, remembering those made (outermost
 * first) so that a failed run can take them away again. */
static int make_dirs(struct csv *c, const char *dir, char *err, size_t n)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, n, "%s: exists and is not a directory", dir);
			return -1;
		}
		if (access(dir, W_OK | X_OK) != 0) {
			snprintf(err, n, "%s: cannot write in it: %s", dir,
				 strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(err, n, "%s: %s", dir, strerror(errno));
		return -1;
	}
	char *parent = strdup(dir);
	if (!parent) {
		snprintf(err, n, "%s: out of memory", dir);
		return -1;
	}
	char *slash = strrchr(parent, '/');
	while (slash && slash > parent && slash[1] == '\0') { /* "a/b/" */
		*slash = '\0';
		slash = strrchr(parent, '/');
	}
	int rc = 0;
	if (slash && slash > parent) {
		*slash = '\0';
		rc = make_dirs(c, parent, err, n);
	}
	free(parent);
	if (rc < 0)
		return -1;
	if (mkdir(dir, 0777) != 0) {
		if (errno == EEXIST) /* "a/b/" made as "a/b" just now */
			return 0;
		snprintf(err, n, "%s: cannot create the directory: %s", dir,
			 strerror(errno));
		return -1;
	}
	char **m = realloc(c->made, (c->nmade + 1) * sizeof *m);
	if (!m || !(m[c->nmade] = strdup(dir))) {
		if (m)
			c->made = m;
		(void)rmdir(dir);
		snprintf(err, n, "%s: out of memory", dir);
		return -1;
	}
	c->made = m;
	c->nmade++;
	return 0;
}

struct trace_sink *sink_csv_new(const char *dir, char *err, size_t n)
{
	struct csv *c = calloc(1, sizeof *c);
	if (!c || !(c->dir = strdup(dir))) {
		free(c);
		snprintf(err, n, "%s: out of memory", dir);
		return NULL;
	}
	c->base.emit = csv_emit;
	c->base.finish = csv_finish;
	c->base.commit = csv_commit;
	c->base.destroy = csv_destroy;
	c->base.mask = TR_BIT(TR_RUN) | TR_BIT(TR_STATE) | TR_BIT(TR_SEND) |
		       TR_BIT(TR_RECV) | TR_BIT(TR_IGNORE) | TR_BIT(TR_DROP) |
		       TR_BIT(TR_TIMER) | TR_BIT(TR_VAR) | TR_BIT(TR_QUEUE) |
		       TR_BIT(TR_HOST);
	seqrel_init(&c->rel);
	c->d.end = 0;
	if (!*dir) {
		snprintf(err, n, "the directory name is empty");
		goto fail;
	}
	size_t dl = strlen(dir);
	bool slash = dir[dl - 1] == '/';
	for (int k = 0; k < F_N; k++) {
		size_t len = dl + strlen(file_names[k]) + 2;
		if (!(c->paths[k] = malloc(len))) {
			snprintf(err, n, "%s: out of memory", dir);
			goto fail;
		}
		snprintf(c->paths[k], len, "%s%s%s", dir, slash ? "" : "/",
			 file_names[k]);
	}
	if (make_dirs(c, dir, err, n) < 0)
		goto fail;
	return &c->base;
fail:
	csv_destroy(&c->base);
	return NULL;
}

const struct csv_data *sink_csv_data(const struct trace_sink *s)
{
	return s && s->emit == csv_emit ? &((const struct csv *)s)->d : NULL;
}

const char *const *sink_csv_files(const struct trace_sink *s)
{
	return s && s->emit == csv_emit
		       ? (const char *const *)((const struct csv *)s)->paths
		       : NULL;
}
