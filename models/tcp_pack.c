/* tcp_pack.c — connections at rest, packed (tcp_priv.h).
 *
 * Most of a million idle connections, or of ten thousand in TIME-WAIT, is
 * zeros: no data in flight, no recovery, no timers but one. When a
 * connection, or a listening socket with no child half-open, has had
 * nothing to do but wait for its keepalive or its 2·MSL for
 * TCP_REST_AFTER (looked at when an entry point of its stack is done,
 * oldest first), the stack replaces its TCB with a record:
 * the TCB's prefix up to `snd_una` as it is (what finds it — the lists,
 * the demux hash, the tuple, the state — and what frees it), then a
 * bitmap of the rest's 32-bit words and only the words that are not
 * zero. The one timer that was pending moves to the record's `park`,
 * keeping its place in the event order. Whatever uses the connection
 * again — a segment, that timer, the application — unpacks it first
 * (tcp_live), byte for byte as it was, so a run is the same with packing
 * or without. Like Linux's inet_timewait_sock, but for every state that
 * rests, and lossless.
 *
 * The record moves the connection: the stack's list, the hash chain, a
 * listening socket's children and the application's pointer
 * (tcp_stack_ops.moved) follow it, and nothing else may hold a
 * connection across a stack's entry point. The memory budget charges the
 * record while it is one; unpacking one past max-memory ends the run
 * with that event, as any allocation past it would.
 */
#include <stddef.h>

#include "models/tcp_priv.h"

#define PREFIX offsetof(struct tcp_conn, tnext)
#define NWORDS ((sizeof(struct tcp_conn) - PREFIX) / 4)
/* words left out of a record, zero when it is unpacked: the lists of
 * packing (a record is on neither) and the timers (idle, made again) */
#define LISTS_TO ((offsetof(struct tcp_conn, snd_una) - PREFIX) / 4)
#define TIMERS_FROM ((offsetof(struct tcp_conn, timer) - PREFIX) / 4)
#define TIMERS_TO \
	((offsetof(struct tcp_conn, timer) + sizeof(((struct tcp_conn *)0)->timer) - \
	  PREFIX) / 4)
/* the words a record may keep, and its bitmap of them */
#define KEPT (NWORDS - LISTS_TO - (TIMERS_TO - TIMERS_FROM))
#define MAPWORDS ((KEPT + 31) / 32)

_Static_assert(PREFIX % 4 == 0 && sizeof(struct tcp_conn) % 4 == 0 &&
		       offsetof(struct tcp_conn, snd_una) % 4 == 0 &&
		       offsetof(struct tcp_conn, timer) % 4 == 0,
	       "a TCB packs in 32-bit words");
_Static_assert(KEPT <= 256, "a record numbers its values in a byte");

/* The template: the body of the first connection but a listening socket
 * its stacks packed, the words left out zero. A record keeps the words
 * that differ from it (sequence numbers, times) and not those that do
 * not (the MSS, the windows, the options, most of the zeros), so it stays
 * fixed from then on, for as long as a stack that may hold records holds
 * it. A listening socket, or any connection packed before the template
 * is set, is told apart from zeros instead (`bare`): a run of a
 * connection or two sets none (its words are made only then). */
struct tcp_tmpl {
	uint32_t refs;
	uint32_t *w; /* NWORDS, NULL until set */
};

static struct tcp_tmpl *tmpl_new(void)
{
	struct tcp_tmpl *t = calloc(1, sizeof *t);
	if (t)
		t->refs = 1;
	return t;
}

static void tmpl_drop(struct tcp_tmpl *t)
{
	if (t && --t->refs == 0) {
		free(t->w);
		free(t);
	}
}

int tcp_stack_share_template(struct tcp_stack *st, struct tcp_stack *like)
{
	if (!like->tmpl && !(like->tmpl = tmpl_new()))
		return -1;
	if (st->tmpl == like->tmpl || (st->tmpl && st->tmpl->w))
		return 0;
	tmpl_drop(st->tmpl);
	st->tmpl = like->tmpl;
	st->tmpl->refs++;
	return 0;
}

void tcp_pack_stack_free(struct tcp_stack *st)
{
	tmpl_drop(st->tmpl);
	st->tmpl = NULL;
}

static bool left_out(size_t i)
{
	return i < LISTS_TO || (i >= TIMERS_FROM && i < TIMERS_TO);
}

/* The body word that is kept word j. */
static size_t word_of(size_t j)
{
	j += LISTS_TO;
	return j < TIMERS_FROM ? j : j + (TIMERS_TO - TIMERS_FROM);
}

/* A record: the prefix; a bitmap of the kept words that differ from the
 * template; for each of them, in order, a byte numbering its value; and
 * the values, each once (a TCB in TIME-WAIT holds the same sequence
 * number in half a dozen places). */
struct layout {
	const uint32_t *map;
	const uint8_t *idx;
	const uint8_t *vals; /* 32-bit words, aligned */
	size_t n, nv, size;
};

static size_t record_size(size_t n, size_t nv)
{
	return PREFIX + 4 * MAPWORDS + ((n + 3) & ~(size_t)3) + 4 * nv;
}

static struct layout layout_of(const struct tcp_conn *r)
{
	struct layout l = {.map = (const uint32_t *)(const void *)
				  ((const uint8_t *)r + PREFIX)};
	for (size_t m = 0; m < MAPWORDS; m++)
		l.n += (size_t)__builtin_popcount(l.map[m]);
	l.idx = (const uint8_t *)(l.map + MAPWORDS);
	for (size_t k = 0; k < l.n; k++)
		if ((size_t)l.idx[k] + 1 > l.nv)
			l.nv = (size_t)l.idx[k] + 1;
	l.vals = l.idx + ((l.n + 3) & ~(size_t)3);
	l.size = record_size(l.n, l.nv);
	return l;
}

/* The body of record r written out into c (its prefix copied too), the
 * timers idle. */
static void decode(const struct tcp_conn *r, struct tcp_conn *c)
{
	struct layout l = layout_of(r);
	memcpy(c, r, PREFIX);
	uint8_t *body = (uint8_t *)c + PREFIX;
	if (r->bare)
		memset(body, 0, 4 * NWORDS);
	else
		memcpy(body, r->st->tmpl->w, 4 * NWORDS);
	size_t k = 0;
	for (size_t m = 0; m < MAPWORDS; m++)
		for (uint32_t bits = l.map[m]; bits; bits &= bits - 1) {
			size_t i = word_of(32 * m + (size_t)__builtin_ctz(bits));
			memcpy(body + 4 * i, l.vals + 4 * l.idx[k++], 4);
		}
	tcp_timers_init(c);
	c->packed = false;
}

void tcp_touch(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	if (!st->packing || c->touched || c->packed)
		return;
	c->touched = true;
	c->tnext = st->touched;
	st->touched = c;
}

/* Nothing to do but wait: synchronized, no events or ACK owed, and no
 * timer pending but the keepalive or 2·MSL one. */
static bool at_rest(const struct tcp_conn *c)
{
	/* a sender with data in flight first: the commonest no */
	if (evq_pending(&c->timer[TCP_T_REXMT]) || c->dead || c->ev_queued ||
	    c->ev_pending || c->ack_why || c->packed)
		return false;
	/* a listening socket once no child is half-open (a child leaving
	 * SYN-RECEIVED counts down in it; the others only point at it),
	 * on a stack of a few connections: its move walks them all */
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_2 &&
	    c->state != TCP_CLOSE_WAIT && c->state != TCP_TIME_WAIT &&
	    !(c->state == TCP_LISTEN && !c->half_open &&
	      c->st->hcount <= TCP_PACK_LISTENER_MAX))
		return false;
	for (int t = 0; t < TCP_NTIMERS; t++)
		if (evq_pending(&c->timer[t]) && t != TCP_T_KEEPALIVE &&
		    t != TCP_T_TIMEWAIT)
			return false;
	return !(evq_pending(&c->timer[TCP_T_KEEPALIVE]) &&
		 evq_pending(&c->timer[TCP_T_TIMEWAIT]));
}

static void park_fire(struct sim *s, struct evq_timer *e)
{
	struct tcp_conn *r = (struct tcp_conn *)(void *)((uint8_t *)e -
				 offsetof(struct tcp_conn, park));
	enum tcp_timer k = (enum tcp_timer)r->parked;
	struct tcp_conn *c = tcp_unpack(r);
	if (c) /* else memory is out: the run ends with this event */
		c->timer[k].fn(s, &c->timer[k]);
}

/* What packing into a record of `size` bytes saves. */
static uint64_t saved(size_t size)
{
	return sizeof(struct tcp_conn) - size;
}

static void pack(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	if (!st->tmpl && !(st->tmpl = tmpl_new()))
		return; /* it stays whole */
	struct tcp_tmpl *tm = st->tmpl;
	const uint8_t *body = (const uint8_t *)c + PREFIX;
	if (!tm->w && c->state != TCP_LISTEN &&
	    (tm->w = calloc(NWORDS, sizeof *tm->w)) != NULL) {
		for (size_t i = 0; i < NWORDS; i++)
			if (!left_out(i))
				memcpy(&tm->w[i], body + 4 * i, 4);
	}
	bool bare = c->state == TCP_LISTEN || !tm->w;
	/* the bitmap, the values and their numbers, in one pass */
	uint32_t map[MAPWORDS] = {0}, vals[KEPT];
	uint8_t idx[KEPT];
	size_t n = 0, nv = 0;
	for (size_t j = 0; j < KEPT; j++) {
		size_t i = word_of(j);
		uint32_t v;
		memcpy(&v, body + 4 * i, 4);
		if (v == (bare ? 0 : tm->w[i]))
			continue;
		map[j / 32] |= 1u << (j % 32);
		size_t x = 0;
		while (x < nv && vals[x] != v)
			x++;
		if (x == nv)
			vals[nv++] = v;
		idx[n++] = (uint8_t)x;
	}
	size_t size = record_size(n, nv);
	struct tcp_conn *r = malloc(size);
	if (!r)
		return; /* it stays whole */
	memcpy(r, c, PREFIX);
	uint8_t *at = (uint8_t *)r + PREFIX;
	memcpy(at, map, sizeof map);
	at += sizeof map;
	memcpy(at, idx, n);
	memset(at + n, 0, ((n + 3) & ~(size_t)3) - n);
	at += (n + 3) & ~(size_t)3;
	memcpy(at, vals, 4 * nv);
	r->packed = true;
	r->bare = bare;
	r->touched = r->resting = false;
	r->parked = TCP_NTIMERS;
	evq_timer_init(&r->park, park_fire);
	for (int t = 0; t < TCP_NTIMERS; t++)
		if (evq_pending(&c->timer[t])) {
			r->parked = (uint8_t)t;
			evq_timer_move(&sim_of(c)->q, &c->timer[t], &r->park);
		}
	/* the budget charges the record */
	r->mem -= saved(size);
	sim_give_mem(sim_of(c), saved(size));
	tcp_conn_moved(c, r);
	free(c);
}

struct tcp_conn *tcp_unpack(struct tcp_conn *r)
{
	struct tcp_stack *st = r->st;
	struct tcp_conn *c = malloc(sizeof *c);
	if (!c) { /* the run ends with this event */
		st->sim->nomem = true;
		return NULL;
	}
	decode(r, c);
	enum tcp_timer k = (enum tcp_timer)r->parked;
	if (k < TCP_NTIMERS) {
		if (evq_pending(&r->park)) {
			evq_timer_move(&st->sim->q, &r->park, &c->timer[k]);
		} else { /* firing: as the timer itself would be */
			c->timer[k].when = r->park.when;
			c->timer[k].seq = r->park.seq;
		}
	}
	evq_timer_init(&c->park, park_fire);
	c->parked = TCP_NTIMERS;
	/* ... and the whole TCB again: past max-memory, the run ends with
	 * this event (the TCB is there for it all the same) */
	uint64_t more = saved(layout_of(r).size);
	c->mem += more;
	sim_charge_mem(st->sim, more);
	tcp_conn_moved(r, c);
	free(r);
	return c;
}

const struct tcp_conn *tcp_view(const struct tcp_conn *c, struct tcp_conn *tmp)
{
	if (!c->packed)
		return c;
	decode(c, tmp);
	if (c->parked < TCP_NTIMERS)
		tmp->timer[c->parked] = c->park;
	return tmp;
}

void tcp_stack_set_packing(struct tcp_stack *st, bool on)
{
	st->packing = on;
}

static void rest_remove(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	if (c->rprev)
		c->rprev->rnext = c->rnext;
	else
		st->rest_head = c->rnext;
	if (c->rnext)
		c->rnext->rprev = c->rprev;
	else
		st->rest_tail = c->rprev;
	c->rnext = c->rprev = NULL;
	c->resting = false;
}

/* c onto the end of the list at rest, looked at again TCP_REST_AFTER
 * from now (the list stays in order of that). */
static void rest_append(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	c->resting = true;
	c->rest_from = st->sim->now;
	c->rprev = st->rest_tail;
	if (st->rest_tail)
		st->rest_tail->rnext = c;
	else
		st->rest_head = c;
	st->rest_tail = c;
}

/* c at rest (again) now: onto the list if not on it yet; else only its
 * time changes, and when it comes up the sweep files it again (a
 * connection at rest between the segments of a transfer costs no list
 * work). */
static void rest_add(struct tcp_conn *c)
{
	c->rest_at = c->st->sim->now;
	if (!c->resting)
		rest_append(c);
}

void tcp_pack_touched(struct tcp_stack *st)
{
	while (st->touched) {
		struct tcp_conn *c = st->touched;
		st->touched = c->tnext;
		c->touched = false;
		c->tnext = NULL;
		bool rest = at_rest(c);
		if (rest && c->state == TCP_TIME_WAIT &&
		    st->hcount > TCP_PACK_BUSY) {
			/* nothing in it is needed again but to answer a
			 * retransmitted FIN: on a busy stack, packed at
			 * once (on a quiet one, packing and unpacking it
			 * would cost a short run more than it saves) */
			if (c->resting)
				rest_remove(c);
			pack(c);
		} else if (rest) {
			rest_add(c);
		} else if (c->resting) {
			rest_remove(c);
		}
	}
	sim_time_t now = st->rest_head ? st->sim->now : 0;
	while (st->rest_head &&
	       now - st->rest_head->rest_from >= TCP_REST_AFTER) {
		struct tcp_conn *c = st->rest_head;
		rest_remove(c);
		if (now - c->rest_at < TCP_REST_AFTER)
			rest_append(c); /* at rest again since */
		else if (at_rest(c))
			pack(c);
	}
}

void tcp_pack_forget(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	if (c->resting)
		rest_remove(c);
	if (c->touched) {
		struct tcp_conn **pp = &st->touched;
		while (*pp != c)
			pp = &(*pp)->tnext;
		*pp = c->tnext;
		c->touched = false;
		c->tnext = NULL;
	}
}
