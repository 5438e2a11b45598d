/* app.c — run a host's scripted socket calls and check what it reads. */
#include "models/app.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/host.h"
#include "sim/engine/sim.h"
#include "sim/engine/trace.h"
#include "sim/engine/grow.h"

/* ---- streams: what each socket wrote ----------------------------------- */

enum piece_kind { PIECE_PATTERN, PIECE_TEXT, PIECE_COPY };

struct piece {
	uint64_t off, len;         /* in the stream */
	enum piece_kind kind;
	const char *text;          /* PIECE_TEXT: text[0] is at off */
	const struct app_stream *src; /* PIECE_COPY: bytes src_off.. of src */
	uint64_t src_off;
};

/* A stream's pieces, [0, len) in order. */
struct pieces {
	uint32_t n, cap;
	bool unknown;              /* holds a copy of bytes nobody knows */
	struct piece p[];
};

struct app_stream {
	struct tcp_src src;        /* what TCP's references point at */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t iss;
	struct pieces *pc;         /* none while it is all pattern (the
				      commonest stream) */
	uint64_t len;
};

uint64_t app_sock_wrote(const struct app_sock *s)
{
	return s->out ? s->out->len : 0;
}

const char *app_sock_name(const struct app_sock *s)
{
	return s->opened_by ? s->opened_by->as : NULL;
}

const char *app_on_name(enum app_on on)
{
	static const char *const names[APP_ON_COUNT] = {
		[APP_ON_TIME] = "time",
		[APP_ON_CONNECTED] = "connected",
		[APP_ON_RECEIVED] = "received",
		[APP_ON_PEER_CLOSED] = "peer-closed",
		[APP_ON_CLOSED] = "closed",
		[APP_ON_REFUSED] = "refused",
		[APP_ON_RESET] = "reset",
		[APP_ON_TIMED_OUT] = "timed-out",
	};
	return on < APP_ON_COUNT ? names[on] : "?";
}

static const char *op_name(enum app_op op)
{
	static const char *const names[] = {
		[APP_OP_LISTEN] = "listen",     [APP_OP_CONNECT] = "connect",
		[APP_OP_SEND] = "send",         [APP_OP_SHUTDOWN] = "shutdown",
		[APP_OP_CLOSE] = "close",       [APP_OP_ABORT] = "abort",
		[APP_OP_SET] = "set",           [APP_OP_INJECT] = "inject",
		[APP_OP_CRASH] = "crash",       [APP_OP_REBOOT] = "reboot",
	};
	return names[op];
}

static uint64_t pattern_word(uint64_t w)
{
	uint64_t z = w + UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint8_t app_pattern(uint64_t off)
{
	/* Each 8-byte word holds a mix of its own index, so a byte that
	 * lands at the wrong offset almost surely reads back wrong. */
	return (uint8_t)(pattern_word(off >> 3) >> ((off & 7) * 8));
}

/* The pattern bytes [off, off+n), a word at a time. Bytes are taken from
 * the word least significant first, written out explicitly so the result
 * is the same on any byte order (compilers merge the stores). */
void app_pattern_fill(uint8_t *out, uint64_t off, uint64_t n)
{
	while (n && (off & 7)) {
		*out++ = app_pattern(off++);
		n--;
	}
	for (; n >= 8; n -= 8, off += 8, out += 8) {
		uint64_t w = pattern_word(off >> 3);
		out[0] = (uint8_t)w;
		out[1] = (uint8_t)(w >> 8);
		out[2] = (uint8_t)(w >> 16);
		out[3] = (uint8_t)(w >> 24);
		out[4] = (uint8_t)(w >> 32);
		out[5] = (uint8_t)(w >> 40);
		out[6] = (uint8_t)(w >> 48);
		out[7] = (uint8_t)(w >> 56);
	}
	while (n--)
		*out++ = app_pattern(off++);
}

/* Room for n pieces in st: grow() on the bytes of header and pieces. */
static int piece_room(struct app_stream *st, size_t n)
{
	struct pieces *pc = st->pc;
	size_t bytes = pc ? sizeof *pc + pc->cap * sizeof pc->p[0] : 0;
	if (n > UINT32_MAX ||
	    grow(&pc, &bytes, sizeof *pc + n * sizeof pc->p[0], 1,
		 sizeof *pc + sizeof pc->p[0]) < 0)
		return -1;
	if (!st->pc)
		*pc = (struct pieces){0};
	pc->cap = (uint32_t)((bytes - sizeof *pc) / sizeof pc->p[0]);
	st->pc = pc;
	return 0;
}

static bool stream_unknown(const struct app_stream *st)
{
	return st->pc && st->pc->unknown;
}

static int stream_append(struct app_stream *st, enum piece_kind kind,
			 uint64_t len, const char *text,
			 const struct app_stream *src, uint64_t src_off)
{
	if (len == 0)
		return 0;
	if (!st->pc && kind == PIECE_PATTERN) {
		st->len += len; /* all pattern still */
		return 0;
	}
	if (!st->pc) { /* no longer: its pattern (if any) a piece */
		if (piece_room(st, 2) < 0)
			return -1;
		if (st->len)
			st->pc->p[st->pc->n++] = (struct piece){
				0, st->len, PIECE_PATTERN, NULL, NULL, 0};
	}
	struct pieces *pc = st->pc;
	/* a copy of bytes its source never wrote (or of a source nobody
	 * knows) */
	if (kind == PIECE_COPY &&
	    (!src || stream_unknown(src) || src_off + len > src->len))
		pc->unknown = true;
	if (pc->n) {
		struct piece *l = &pc->p[pc->n - 1];
		bool join = l->kind == kind &&
			    (kind == PIECE_PATTERN ||
			     (kind == PIECE_TEXT && l->text + l->len == text) ||
			     (kind == PIECE_COPY && l->src == src &&
			      l->src_off + l->len == src_off));
		if (join) {
			l->len += len;
			st->len += len;
			return 0;
		}
	}
	if (piece_room(st, pc->n + 1) < 0)
		return -1;
	pc = st->pc;
	pc->p[pc->n++] = (struct piece){st->len, len, kind, text, src, src_off};
	st->len += len;
	return 0;
}

/* The bytes st's writer wrote at [off, off+n) into out; returns how many
 * it knows (fewer if the writer wrote less, or copied an unknown
 * stream). */
static uint64_t stream_expected(const struct app_stream *st, uint64_t off,
				uint64_t n, uint8_t *out)
{
	if (!st->pc) { /* all pattern */
		uint64_t k = off < st->len ? st->len - off : 0;
		if (k > n)
			k = n;
		app_pattern_fill(out, off, k);
		return k;
	}
	uint64_t done = 0;
	const struct pieces *pc = st->pc;
	size_t lo = 0, hi = pc->n;
	while (lo < hi) { /* the last piece that starts at or before off */
		size_t mid = lo + (hi - lo) / 2;
		if (pc->p[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo ? lo - 1 : 0; i < pc->n && done < n; i++) {
		const struct piece *p = &pc->p[i];
		uint64_t at = off + done;
		if (at < p->off || at >= p->off + p->len)
			break;
		uint64_t k = p->off + p->len - at;
		if (k > n - done)
			k = n - done;
		uint64_t in = at - p->off;
		switch (p->kind) {
		case PIECE_PATTERN:
			app_pattern_fill(out + done, at, k);
			break;
		case PIECE_TEXT:
			memcpy(out + done, p->text + in, k);
			break;
		case PIECE_COPY:
			if (!p->src)
				return done;
			if (stream_expected(p->src, p->src_off + in, k,
					    out + done) < k)
				return done;
			break;
		}
		done += k;
	}
	return done;
}

/* The stream as TCP sees it: bytes by offset, zeros where the writer's
 * are unknown (a copy of an unknown stream). */
static void stream_fill(const struct tcp_src *src, uint64_t off, uint32_t n,
			uint8_t *out)
{
	const struct app_stream *st = (const struct app_stream *)(const void *)src;
	uint64_t known = stream_expected(st, off, n, out);
	if (known < n)
		memset(out + known, 0, n - known);
}

/* The stream a connection writes, known by its tuple and its ISN. */
static struct app_stream *stream_new(struct app_registry *reg,
				     const struct tcp_conn_info *i)
{
	if (grow(&reg->s, &reg->cap, reg->n + 1, sizeof *reg->s, 16) < 0)
		return NULL;
	struct app_stream *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	*st = (struct app_stream){.src = {stream_fill},
				  .saddr = i->laddr,
				  .daddr = i->raddr,
				  .sport = i->lport,
				  .dport = i->rport,
				  .iss = i->iss};
	reg->s[reg->n++] = st;
	return st;
}

/* What the peer of c writes: the stream with c's tuple reversed and the
 * peer's ISN. */
static const struct app_stream *stream_of_peer(const struct app_registry *reg,
					       const struct tcp_conn *c)
{
	struct tcp_conn_info ci;
	tcp_conn_info(c, &ci);
	for (size_t i = reg->n; i-- > 0;) {
		const struct app_stream *st = reg->s[i];
		if (st->saddr == ci.raddr && st->sport == ci.rport &&
		    st->daddr == ci.laddr && st->dport == ci.lport &&
		    st->iss == ci.irs)
			return st;
	}
	return NULL;
}

void app_registry_fini(struct app_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++) {
		free(reg->s[i]->pc);
		free(reg->s[i]);
	}
	free(reg->s);
	reg->s = NULL;
	reg->n = reg->cap = 0;
}

/* ---- tracing --------------------------------------------------------- */

static void trace_app(struct app *a, struct app_sock *s,
		      enum trace_app_kind k, const struct app_action *act,
		      int64_t value, const char *text)
{
	struct sim *sim = a->host->sim;
	const struct trace *tr = &sim->trace;
	if (k == TR_APP_ERROR && !a->failed++) {
		a->failed_act = act;
		a->failed_at = sim->now;
		a->failed_why = text;
	}
	if (!trace_on(tr, TR_APP))
		return;
	struct trace_event ev = {
		.t = sim->now,
		.kind = TR_APP,
		.host = a->host->id,
		.peer = -1,
		.a = (int)k,
		.name = op_name(act->op),
		.text = text,
	};
	ev.v[0] = value;
	ev.v[1] = act->line;
	if (s) {
		ev.conn = s->conn;
		ev.tuple = s->tuple;
	}
	/* a listen or connect names its port and a connect its peer, done
	 * or refused */
	if (act->op == APP_OP_CONNECT || act->op == APP_OP_LISTEN)
		ev.v[0] = act->port;
	if (act->op == APP_OP_CONNECT)
		ev.peer = act->peer;
	trace_emit(tr, &ev);
}

void app_trace(struct app *a, enum trace_app_kind k,
	       const struct app_action *act, int64_t value, const char *text)
{
	trace_app(a, NULL, k, act, value, text);
}

void app_set_host_action(struct app *a, app_host_action_fn fn, void *ctx)
{
	a->host_action = fn;
	a->host_action_ctx = ctx;
}

/* What one read asks for, as read(fd, buf, 16384) does. */
#define APP_READ 16384u

static int ensure_buf(struct app *a, uint64_t n)
{
	if (a->bufcap >= n)
		return 0;
	uint8_t *b = realloc(a->buf, n);
	if (!b)
		return -1;
	a->buf = b;
	a->bufcap = (uint32_t)n;
	return 0;
}

/* ---- sockets --------------------------------------------------------- */

static void read_period(struct sim *sim, struct evq_timer *e);
static void later_fire(struct sim *sim, struct evq_timer *e);

/* The timers of s's event actions with `after`, one per action, so
 * that an event schedules its action without allocating. */
static int later_new(struct app *a, struct app_sock *s)
{
	if (!a->nlater)
		return 0;
	s->later = calloc(a->nlater, sizeof *s->later);
	if (!s->later)
		return -1;
	size_t j = 0;
	for (size_t i = 0; i < a->nacts; i++) {
		if (!a->acts[i].has_after)
			continue;
		evq_timer_init(&s->later[j].ev, later_fire);
		s->later[j].s = s;
		s->later[j].action = i;
		j++;
	}
	return 0;
}

static void fired_free(struct app_sock *s)
{
	if (s->fired != &s->fired1)
		free(s->fired);
}

static struct app_sock *sock_new(struct app *a, struct tcp_conn *c,
				 const struct app_action *opened_by)
{
	struct app_sock *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	size_t nev = a->on_first[APP_ON_COUNT];
	s->fired = nev > 64 ? calloc((nev + 63) / 64, sizeof *s->fired)
			    : &s->fired1;
	if (!s->fired || later_new(a, s) < 0) {
		fired_free(s);
		free(s);
		return NULL;
	}
	struct tcp_conn_info i;
	tcp_conn_info(c, &i);
	s->app = a;
	s->c = c;
	s->conn = i.id;
	s->opened_by = opened_by;
	s->tuple = (struct trace_tuple){i.laddr, i.raddr, i.lport, i.rport};
	s->listener = i.state == TCP_LISTEN;
	evq_timer_init(&s->read_timer, read_period);
	if (opened_by) {
		s->read_bytes = opened_by->read_bytes;
		s->read_every = opened_by->read_every;
		s->read_allow = s->read_bytes;
		s->linger0 = opened_by->opts.linger0_set &&
			     opened_by->opts.linger0;
		s->serve = opened_by->serve;
		s->req_size = opened_by->req_size;
		s->resp_size = opened_by->resp_size;
		s->req_count = opened_by->req_count;
	}
	/* its stream from the start, written or not: bytes that come from a
	 * peer that wrote nothing are wrong, not of an unknown sender */
	if (!s->listener && !(s->out = stream_new(a->reg, &i))) {
		free(s->later);
		fired_free(s);
		free(s);
		return NULL;
	}
	tcp_conn_set_app(c, s);
	s->prev = a->socks_tail;
	if (a->socks_tail)
		a->socks_tail->next = s;
	else
		a->socks = s;
	a->socks_tail = s;
	return s;
}

static void finish_close(struct app_sock *s);

static uint64_t unsent(const struct app_sock *s)
{
	return s->out ? s->out->len - s->written : 0;
}

/* Hand what the script wrote to TCP as far as its buffer allows; once
 * everything is taken, a pending shutdown or close goes ahead. */
static void pump(struct app_sock *s)
{
	struct app *a = s->app;
	while (s->c && unsent(s)) {
		uint32_t space = tcp_send_space(s->c);
		if (space == 0)
			break;
		uint64_t n = unsent(s) < space ? unsent(s) : space;
		long took;
		if (!a->reg->bytes) {
			took = tcp_send_ref(s->c, &s->out->src, s->written,
					    (uint32_t)n);
		} else {
			if (ensure_buf(a, n) < 0) {
				a->host->sim->nomem = true;
				return;
			}
			stream_fill(&s->out->src, s->written, (uint32_t)n,
				    a->buf);
			took = tcp_send(s->c, a->buf, (uint32_t)n);
		}
		if (took <= 0)
			break;
		s->written += (uint64_t)took;
	}
	if (s->c && !unsent(s) && s->shut_wr && !tcp_conn_fin_queued(s->c))
		finish_close(s);
}

/* Write n bytes: the pattern, or text. */
static void write_bytes(struct app_sock *s, uint64_t n, const char *text)
{
	if (stream_append(s->out, text ? PIECE_TEXT : PIECE_PATTERN, n, text,
			  NULL, 0) < 0) {
		s->app->host->sim->nomem = true;
		return;
	}
	pump(s);
}

/* A close() of s resets the connection: SO_LINGER with a time of 0. */
static bool abortive(const struct app_sock *s)
{
	return s->linger0 || (s->c && tcp_conn_params(s->c)->linger == 0);
}

/* Everything written has been taken: send the FIN, or the RST of a
 * close with linger 0. A close also stops reading. */
static void finish_close(struct app_sock *s)
{
	if (s->closed && abortive(s)) {
		tcp_abort(s->c);
		return;
	}
	bool closed = s->closed;
	tcp_close(s->c);
	if (closed && s->c)
		tcp_stop_reading(s->c);
}

/* ---- reading --------------------------------------------------------- */

/* The stream s's peer writes, once it is known. */
static const struct app_stream *peer_stream(struct app_sock *s)
{
	if (!s->in && s->c)
		s->in = stream_of_peer(s->app->reg, s->c);
	return s->in;
}

/* What was read is, by reference, exactly the peer's stream where s has
 * got to, bytes its writer wrote: right byte for byte, without looking at
 * a byte. */
static bool read_as_written(struct app_sock *s, const struct tcp_src *src,
			    uint64_t off, uint32_t n)
{
	const struct app_stream *in = peer_stream(s);
	return src && in && src == &in->src && off == s->received &&
	       !stream_unknown(in) && off + n <= in->len;
}

static void check_bytes(struct app_sock *s, const uint8_t *got, uint32_t n)
{
	peer_stream(s);
	if (!s->in) {
		s->unverified += n;
		return;
	}
	uint8_t want[4096];
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < sizeof want ? n - done : sizeof want;
		uint64_t known = stream_expected(s->in, s->received + done, k,
						 want);
		if (memcmp(want, got + done, known) != 0 || known < k) {
			for (uint32_t i = 0; i < k; i++) {
				if (i < known && want[i] == got[done + i])
					continue;
				if (!s->bad)
					s->first_bad = s->received + done + i;
				s->bad++;
			}
		}
		done += k;
	}
}

static void run_action(struct app *a, const struct app_action *act,
		       struct app_sock *s);

/* Action i of s's application, `after` the event that happens now. Two
 * actions due at the same time run in the order they were scheduled:
 * their events' order, then the list's. */
static void schedule_later(struct app_sock *s, size_t i)
{
	struct app *a = s->app;
	for (size_t j = 0; j < a->nlater; j++)
		if (s->later[j].action == i) {
			sim_after(a->host->sim, &s->later[j].ev,
				  a->acts[i].after);
			return;
		}
}

/* Does act apply to s by name: it names none, or s's (from `as`)? */
static bool named(const struct app_action *act, const struct app_sock *s)
{
	const char *name = app_sock_name(s);
	return !act->sock || (name && strcmp(act->sock, name) == 0);
}

static bool is_sockop(enum app_op op)
{
	return op == APP_OP_SEND || op == APP_OP_SHUTDOWN ||
	       op == APP_OP_CLOSE || op == APP_OP_ABORT || op == APP_OP_SET;
}

/* Could an action of s's application still act on s? A timed operation
 * on sockets yet to run, an event action not yet run for it, or one
 * waiting its `after`. */
static bool may_act(const struct app_sock *s)
{
	const struct app *a = s->app;
	if (a->sockops_left)
		return true;
	for (size_t j = 0; j < a->nlater; j++)
		if (evq_pending(&s->later[j].ev))
			return true;
	for (size_t k = 0; k < a->on_first[APP_ON_COUNT]; k++) {
		const struct app_action *act = &a->acts[a->ev_act[k]];
		if (!(s->fired[k / 64] >> (k % 64) & 1) &&
		    named(act, s))
			return true;
	}
	return false;
}

/* A socket that has ended, with no action waiting for it and nothing
 * left to read, keeps only how it went (struct app_sock above `app`): a
 * run of a million short connections does not keep a million sockets'
 * worth of state. Nothing can act on it again: timed actions need a
 * connection, and its events are over. So too a socket whose connection
 * is in TIME-WAIT, everything read and written, if no action could act
 * on it: all that is left to happen to it is how it ends (notify). */
static void retire(struct app_sock *s)
{
	struct app *a = s->app;
	if (evq_pending(&s->read_timer))
		return;
	if (s->ended) {
		if (s->c || (s->rest_off < s->rest_len && !s->closed))
			return;
		for (size_t j = 0; j < a->nlater; j++)
			if (evq_pending(&s->later[j].ev))
				return;
	} else if (!s->c || !s->eof || unsent(s) ||
		   tcp_conn_state(s->c) != TCP_TIME_WAIT || may_act(s)) {
		return;
	}
	struct app_sock *r = malloc(offsetof(struct app_sock, app));
	if (!r)
		return; /* it stays whole */
	s->retired = true;
	memcpy(r, s, offsetof(struct app_sock, app));
	if (s->c)
		tcp_conn_set_app(s->c, r);
	if (s->prev)
		s->prev->next = r;
	else
		a->socks = r;
	if (s->next)
		s->next->prev = r;
	else
		a->socks_tail = r;
	free(s->later);
	fired_free(s);
	free(s->rest);
	free(s);
}

/* s has ended, or done something since: retire it, if it may be, once
 * the application is out of its calls. */
static void retire_later(struct app_sock *s)
{
	struct app *a = s->app;
	if (!(s->ended || s->eof) || s->retiring)
		return;
	s->retiring = true;
	s->rnext = a->retiring;
	a->retiring = s;
}

/* Into the application, from an event or a timer; and out: at the
 * outermost, the sockets waiting are retired. */
static void app_enter(struct app *a)
{
	a->depth++;
}

static void app_leave(struct app *a)
{
	if (--a->depth > 0)
		return;
	while (a->retiring) {
		struct app_sock *s = a->retiring;
		a->retiring = s->rnext;
		s->retiring = false;
		s->rnext = NULL;
		retire(s);
	}
}

/* A delayed event action is due. It runs on its socket whatever became
 * of the connection meanwhile, as an event action does: an operation on
 * a connection that is gone is traced as an application error. */
static void later_fire(struct sim *sim, struct evq_timer *e)
{
	(void)sim;
	struct app_later *l = (struct app_later *)(void *)e;
	struct app_sock *s = l->s;
	struct app *a = s->app;
	app_enter(a);
	run_action(a, &a->acts[l->action], s);
	retire_later(s);
	app_leave(a);
}

/* Run (or schedule) every event action for `on` that has not yet run
 * for s. */
static void fire(struct app_sock *s, enum app_on on)
{
	struct app *a = s->app;
	if (!a->host->up)
		return;
	for (size_t k = a->on_first[on]; k < a->on_first[on + 1]; k++) {
		size_t i = a->ev_act[k];
		const struct app_action *act = &a->acts[i];
		if (s->fired[k / 64] >> (k % 64) & 1)
			continue;
		if (!named(act, s))
			continue;
		if (on == APP_ON_RECEIVED && s->received < act->on_bytes)
			continue;
		s->fired[k / 64] |= UINT64_C(1) << (k % 64);
		if (act->has_after)
			schedule_later(s, i);
		else
			run_action(a, act, s);
	}
}

/* The behaviours: what a socket does with what it reads. */
static void behave(struct app_sock *s, uint64_t before, uint64_t n)
{
	switch (s->serve) {
	case APP_SERVE_SINK:
		break;
	case APP_SERVE_ECHO:
		if (!s->c || s->shut_wr)
			break;
		if (stream_append(s->out, PIECE_COPY, n, NULL, s->in, before) < 0)
			s->app->host->sim->nomem = true;
		break;
	case APP_SERVE_RESPOND:
		while (s->c && !s->shut_wr &&
		       s->received >= (s->resp_sent + 1) * s->req_size) {
			s->resp_sent++;
			write_bytes(s, s->resp_size, NULL);
		}
		break;
	}
	/* a request/response client */
	if (s->req_count && s->c && !s->shut_wr) {
		uint64_t done = s->received / s->resp_size;
		while (s->resp_sent < s->req_count && s->resp_sent <= done) {
			s->resp_sent++;
			write_bytes(s, s->req_size, NULL);
		}
		if (done >= s->req_count) {
			s->shut_wr = true;
			pump(s);
		}
	}
}

/* Once everything up to the peer's FIN is read, the application sees
 * the end of the stream (a read returning 0). */
static void check_eof(struct app_sock *s)
{
	uint32_t left = s->c ? tcp_unread(s->c) : s->rest_len - s->rest_off;
	if (s->fin_in && !s->eof && left == 0) {
		s->eof = true;
		fire(s, APP_ON_PEER_CLOSED);
	}
}

/* What was read, n bytes, in a->buf: written out of the stream *src at
 * off if it was read by reference (and *src is NULL from then on, so it
 * is done once). */
static int as_bytes(struct app *a, const struct tcp_src **src, uint64_t off,
		    uint32_t n)
{
	if (!*src)
		return 0;
	if (ensure_buf(a, APP_READ) < 0)
		return -1;
	(*src)->fill(*src, off, n, a->buf);
	*src = NULL;
	return 0;
}

/* Read what TCP has for s, check it, and act on it; then run the
 * actions waiting for that much to be received. An echo reads only what
 * it can write back at once, so a slow peer slows it down through flow
 * control, as a real echo server does. */
static void drain(struct app_sock *s)
{
	uint64_t had = s->received;
	struct app *a = s->app;
	while ((s->c || s->rest_off < s->rest_len) && !s->closed) {
		uint32_t cap = APP_READ;
		if (s->read_every) {
			/* a slow reader: what it may read in this period */
			if (s->read_allow == 0) {
				if (!evq_pending(&s->read_timer))
					sim_after(a->host->sim, &s->read_timer,
						  s->read_every);
				break;
			}
			if (s->read_allow < cap)
				cap = (uint32_t)s->read_allow;
		}
		bool echo = s->serve == APP_SERVE_ECHO && !s->shut_wr && s->c;
		if (echo) {
			uint32_t space = tcp_send_space(s->c);
			if (space < cap)
				cap = space;
			if (cap == 0)
				break;
		}
		/* bytes need the staging buffer; a reference does not */
		bool ref = s->c && !a->reg->bytes && tcp_unread_is_ref(s->c);
		if (!ref && ensure_buf(a, APP_READ) < 0)
			goto nomem;
		uint32_t n;
		const struct tcp_src *src = NULL;
		uint64_t off = 0;
		if (s->c) {
			n = tcp_read_ref(s->c, ref ? NULL : a->buf, cap,
					 ref ? &src : NULL, &off);
		} else {
			n = s->rest_len - s->rest_off;
			if (n > cap)
				n = cap;
			memcpy(a->buf, s->rest + s->rest_off, n);
			s->rest_off += n;
		}
		if (n == 0)
			break;
		if (s->read_every)
			s->read_allow -= n;
		uint64_t before = s->received;
		bool by_ref = read_as_written(s, src, off, n);
		if (!by_ref) {
			if (as_bytes(a, &src, off, n) < 0)
				goto nomem;
			check_bytes(s, a->buf, n);
		}
		s->received += n;
		if (echo && s->c) {
			uint64_t at = s->out ? s->out->len : 0;
			behave(s, before, n);
			/* what was read goes back: by reference into this
			 * socket's own stream, which copies it, when that
			 * is what it is; else as the bytes read */
			bool copied = s->out && s->out->len == at + n;
			if (!(by_ref && copied) && as_bytes(a, &src, off, n) < 0)
				goto nomem;
			long took = by_ref && copied
					    ? tcp_send_ref(s->c, &s->out->src,
							   at, n)
					    : tcp_send(s->c, a->buf, n);
			if (took > 0)
				s->written += (uint64_t)took;
		} else {
			behave(s, before, n);
		}
	}
	if (s->received != had)
		fire(s, APP_ON_RECEIVED);
	if (!s->closed)
		check_eof(s);
	return;
nomem:
	a->host->sim->nomem = true;
}

/* A slow reader's next period: it may read again. */
static void read_period(struct sim *sim, struct evq_timer *e)
{
	(void)sim;
	struct app_sock *s = (struct app_sock *)(void *)((char *)e -
		offsetof(struct app_sock, read_timer));
	struct app *a = s->app;
	app_enter(a);
	s->read_allow = s->read_bytes;
	if (s->c || s->rest_off < s->rest_len)
		drain(s);
	retire_later(s);
	app_leave(a);
}

/* ---- actions --------------------------------------------------------- */

/* Socket options onto TCP parameters. */
static void apply_opts(struct tcp_params *p, const struct app_opts *o)
{
	tcp_params_apply(p, &o->tcp, o->set);
}

/* The script opened c (listen or connect): track it and trace the call.
 * The SYN of a connect is traced already; the call line follows it. */
static void opened(struct app *a, const struct app_action *act,
		   struct tcp_conn *c, const char *failure)
{
	if (!c) {
		trace_app(a, NULL, TR_APP_ERROR, act, act->port, failure);
		return;
	}
	struct app_sock *s = sock_new(a, c, act);
	if (!s) {
		a->host->sim->nomem = true;
		return;
	}
	trace_app(a, s, TR_APP_CALL, act, act->port,
		  act->op == APP_OP_CONNECT
			  ? trace_host_name(&a->host->sim->trace, act->peer)
			  : NULL);
}

/* An operation on one socket. */
static void apply(struct app *a, const struct app_action *act,
		  struct app_sock *s)
{
	switch (act->op) {
	case APP_OP_SEND:
		if (s->listener || !s->c || s->shut_wr ||
		    tcp_conn_fin_queued(s->c)) {
			trace_app(a, s, TR_APP_ERROR, act, (int64_t)act->bytes,
				  "connection closing or closed");
			return;
		}
		trace_app(a, s, TR_APP_CALL, act, (int64_t)act->bytes, NULL);
		write_bytes(s, act->bytes, act->text);
		break;
	case APP_OP_SHUTDOWN:
	case APP_OP_CLOSE:
		if (!s->c && act->op == APP_OP_CLOSE && s->ended && !s->closed) {
			/* the connection is gone; close() releases the
			 * socket and what it still held */
			trace_app(a, s, TR_APP_CALL, act, 0, NULL);
			s->closed = true;
			retire_later(s);
			break;
		}
		if (!s->c || (s->shut_wr && !(act->op == APP_OP_CLOSE && !s->closed))) {
			trace_app(a, s, TR_APP_ERROR, act, 0,
				  "connection closing or closed");
			return;
		}
		trace_app(a, s, TR_APP_CALL, act, 0, NULL);
		if (act->op == APP_OP_CLOSE)
			s->closed = true;
		if (s->listener || (s->closed && abortive(s))) {
			if (s->listener)
				tcp_close(s->c);
			else
				tcp_abort(s->c);
			break;
		}
		if (s->shut_wr) { /* close after shutdown: stop reading */
			tcp_stop_reading(s->c);
			break;
		}
		s->shut_wr = true;
		pump(s);
		break;
	case APP_OP_ABORT:
		if (!s->c) {
			trace_app(a, s, TR_APP_ERROR, act, 0, "connection closed");
			return;
		}
		trace_app(a, s, TR_APP_CALL, act, 0, NULL);
		tcp_abort(s->c);
		break;
	case APP_OP_SET:
		if (!s->c) {
			trace_app(a, s, TR_APP_ERROR, act, 0, "connection closed");
			return;
		}
		trace_app(a, s, TR_APP_CALL, act, 0, NULL);
		if (act->opts.linger0_set)
			s->linger0 = act->opts.linger0;
		tcp_setsockopt(s->c, &act->opts.tcp, act->opts.set);
		break;
	default:
		break;
	}
}

static bool targets(const struct app_action *act, const struct app_sock *t)
{
	if (!t->c || t->retired) /* (none is retired while one may run) */
		return false;
	if (!named(act, t))
		return false;
	if (!t->listener)
		return true;
	/* listening sockets: closed, aborted or reconfigured, not written */
	return act->op == APP_OP_CLOSE || act->op == APP_OP_ABORT ||
	       act->op == APP_OP_SHUTDOWN || act->op == APP_OP_SET;
}

static void run_action(struct app *a, const struct app_action *act,
		       struct app_sock *s)
{
	struct host *h = a->host;
	if (!h->up && act->op != APP_OP_REBOOT) {
		trace_app(a, NULL, TR_APP_ERROR, act, 0, "the host is down");
		return;
	}
	switch (act->op) {
	/* without socket options, the host's parameters as they are (NULL):
	 * TCP shares one copy of them among such sockets */
	case APP_OP_LISTEN: {
		struct tcp_params p = *tcp_stack_params(h->tcp);
		apply_opts(&p, &act->opts);
		opened(a, act,
		       tcp_listen(h->tcp, act->port,
				  act->opts.set ? &p : NULL),
		       "port already in use");
		return;
	}
	case APP_OP_CONNECT: {
		struct tcp_params p = *tcp_stack_params(h->tcp);
		apply_opts(&p, &act->opts);
		/* with a chosen port, the connection may exist already
		 * (RFC 9293 §3.10.1) */
		opened(a, act, tcp_connect(h->tcp, act->bind, act->peer_addr,
					   act->port,
					   act->opts.set ? &p : NULL),
		       act->bind ? "local port already in use"
				 : "no free local port");
		return;
	}
	case APP_OP_INJECT:
	case APP_OP_CRASH:
	case APP_OP_REBOOT:
		/* the host's, not a socket's: whoever built the host does
		 * them (app_set_host_action) */
		a->host_action(a->host_action_ctx, a, act);
		return;
	default:
		break;
	}
	if (s) {
		apply(a, act, s);
		return;
	}
	/* A timed operation acts on every open socket it applies to. */
	bool any = false;
	for (struct app_sock *t = a->socks; t; t = t->next) {
		if (!targets(act, t))
			continue;
		any = true;
		apply(a, act, t);
	}
	if (!any)
		trace_app(a, NULL, TR_APP_ERROR, act,
			  act->op == APP_OP_SEND ? (int64_t)act->bytes : 0,
			  "no open connection");
}

static void timer_fire(struct sim *sim, struct evq_timer *e)
{
	struct app_timer *t = (struct app_timer *)(void *)e;
	const struct app_action *act = &t->app->acts[t->action];
	/* `repeat`: the next run, `every` after this one's due time */
	if (++t->runs < act->repeat)
		sim_at(sim, e, act->at + (sim_time_t)t->runs * act->every);
	else if (is_sockop(act->op))
		t->app->sockops_left--;
	app_enter(t->app);
	run_action(t->app, act, NULL);
	app_leave(t->app);
}

int app_init(struct app *a, struct host *h, struct app_registry *reg,
	     const struct app_action *acts, size_t nacts)
{
	memset(a, 0, sizeof *a);
	a->host = h;
	a->reg = reg;
	a->acts = acts;
	a->nacts = nacts;
	a->timers = calloc(nacts ? nacts : 1, sizeof *a->timers);
	if (!a->timers)
		return -1;
	for (size_t i = 0; i < nacts; i++) {
		evq_timer_init(&a->timers[i].ev, timer_fire);
		a->timers[i].app = a;
		a->timers[i].action = i;
		a->nlater += acts[i].has_after;
		a->sockops_left += acts[i].on == APP_ON_TIME &&
				   is_sockop(acts[i].op);
	}
	/* the event actions by trigger (a counting sort, stable) */
	size_t count[APP_ON_COUNT + 1] = {0};
	for (size_t i = 0; i < nacts; i++)
		if (acts[i].on != APP_ON_TIME)
			count[acts[i].on + 1]++;
	for (int on = 0; on < APP_ON_COUNT; on++)
		a->on_first[on + 1] = a->on_first[on] + count[on + 1];
	a->ev_act = malloc((a->on_first[APP_ON_COUNT] + 1) * sizeof *a->ev_act);
	if (!a->ev_act)
		return -1;
	size_t at[APP_ON_COUNT];
	memcpy(at, a->on_first, sizeof at);
	for (size_t i = 0; i < nacts; i++)
		if (acts[i].on != APP_ON_TIME)
			a->ev_act[at[acts[i].on]++] = i;
	return 0;
}

void app_start(struct app *a)
{
	for (size_t i = 0; i < a->nacts; i++)
		if (a->acts[i].on == APP_ON_TIME)
			sim_at(a->host->sim, &a->timers[i].ev, a->acts[i].at);
}

void app_fini(struct app *a)
{
	struct app_sock *s = a->socks;
	while (s) {
		struct app_sock *n = s->next;
		if (s->retired) {
			if (s->c)
				tcp_conn_set_app(s->c, NULL);
			free(s);
			s = n;
			continue;
		}
		if (s->c)
			tcp_conn_set_app(s->c, NULL);
		if (evq_pending(&s->read_timer))
			evq_cancel(&a->host->sim->q, &s->read_timer);
		for (size_t j = 0; j < a->nlater; j++)
			evq_cancel(&a->host->sim->q, &s->later[j].ev);
		free(s->later);
		fired_free(s);
		free(s->rest);
		free(s);
		s = n;
	}
	for (size_t i = 0; i < a->nacts; i++)
		if (evq_pending(&a->timers[i].ev))
			evq_cancel(&a->host->sim->q, &a->timers[i].ev);
	free(a->timers);
	free(a->ev_act);
	free(a->buf);
	memset(a, 0, sizeof *a);
}

void app_conn_moved(struct app *a, struct tcp_conn *c)
{
	(void)a;
	struct app_sock *s = tcp_conn_app(c);
	if (s)
		s->c = c;
}

static void notify(struct app *a, struct tcp_conn *c, enum tcp_event ev,
		   uint64_t arg);

/* s's connection c has ended, `how`, at `now`: s lets go of it. (A
 * retired socket has these fields too.) */
static void end_of(struct app_sock *s, struct tcp_conn *c, enum tcp_end how,
		   sim_time_t now)
{
	s->end = (uint8_t)how;
	s->ended = true;
	s->end_time = now;
	s->c = NULL;
	tcp_conn_set_app(c, NULL);
}

void app_notify(struct app *a, struct tcp_conn *c, enum tcp_event ev,
		uint64_t arg)
{
	app_enter(a);
	notify(a, c, ev, arg);
	app_leave(a);
}

static void notify(struct app *a, struct tcp_conn *c, enum tcp_event ev,
		   uint64_t arg)
{
	struct app_sock *s = tcp_conn_app(c);
	if (s && s->retired) {
		/* retired in TIME-WAIT (retire): nothing is left to read,
		 * write or run; only how it ends */
		if (ev == TCP_EV_CLOSED)
			end_of(s, c, (enum tcp_end)arg, a->host->sim->now);
		return;
	}
	if (!s) {
		struct tcp_conn *l = tcp_conn_listener(c);
		if (ev != TCP_EV_CONNECTED || !l)
			return;
		/* accepted from a listening socket */
		const struct app_sock *ls = tcp_conn_app(l);
		s = sock_new(a, c, ls ? ls->opened_by : NULL);
		if (!s) {
			a->host->sim->nomem = true;
			return;
		}
	}
	switch (ev) {
	case TCP_EV_CONNECTED:
		if (s->opened_by && s->opened_by->op == APP_OP_CONNECT) {
			const struct app_action *o = s->opened_by;
			if (o->bulk) {
				write_bytes(s, o->bulk, NULL);
				s->shut_wr = true;
				pump(s);
			} else if (o->req_count) {
				s->resp_sent = 1;
				write_bytes(s, o->req_size, NULL);
			}
		}
		fire(s, APP_ON_CONNECTED);
		break;
	case TCP_EV_DATA:
		drain(s);
		break;
	case TCP_EV_EOF:
		s->fin_in = true;
		check_eof(s);
		retire_later(s); /* in TIME-WAIT, it may be */
		break;
	case TCP_EV_WRITABLE:
		pump(s);
		if (s->serve == APP_SERVE_ECHO)
			drain(s);
		break;
	case TCP_EV_CLOSED:
		/* what TCP still holds stays readable, as a socket's
		 * receive queue outlives its connection: after a normal
		 * end, or a RST once both FINs were in (TCP flushes it
		 * where RFC 9293 says so) */
		if ((arg == TCP_END_NORMAL || arg == TCP_END_RESET) &&
		    !s->closed && tcp_unread(c) &&
		    (s->rest = malloc(tcp_unread(c))) != NULL)
			s->rest_len = tcp_read(c, s->rest, tcp_unread(c));
		end_of(s, c, (enum tcp_end)arg, a->host->sim->now);
		/* the specific reason first, then "closed" */
		if (s->end == TCP_END_REFUSED)
			fire(s, APP_ON_REFUSED);
		else if (s->end == TCP_END_RESET)
			fire(s, APP_ON_RESET);
		else if (s->end == TCP_END_TIMEOUT)
			fire(s, APP_ON_TIMED_OUT);
		fire(s, APP_ON_CLOSED);
		retire_later(s);
		break;
	}
}
