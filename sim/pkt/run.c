/* run.c — a packetdrill script played against a simulated stack (run.h).
 *
 * One engine, one stack under test at 192.168.0.1 and the script as its
 * peer at 192.0.2.1. Time is virtual: the runner advances the engine to
 * each event's time, stopping early when the stack sends something or a
 * blocked call may return. Numbers are packetdrill's: the stack's
 * sequence numbers relative to its ISS, the peer's as the script writes
 * them; the stack's timestamps relative to the first it sends.
 */
#include "sim/pkt/run.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/pkt/runner.h"

void pkt_verdict(struct run *r, enum pkt_verdict v, const char *fmt, ...)
{
	if (r->done)
		return;
	r->done = true;
	r->res->verdict = v;
	r->res->line = r->line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->res->msg, sizeof r->res->msg, fmt, ap);
	va_end(ap);
}

/* ---- the stack's side ---------------------------------------------- */

static struct fd *fd_of_conn(struct run *r, const struct tcp_conn *c)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (r->fd[i].used && r->fd[i].c == c)
			return &r->fd[i];
	return NULL;
}

/* A segment on its way, for the trace: sent by `from`, received by the
 * other host at once (the script's side has no link). */
static void trace_segment(struct run *r, int from, const struct tcp_seg *s,
			  int state, enum trace_tx tx, int how,
			  const char *why)
{
	const struct trace *tr = &r->sim.trace;
	if (!trace_on(tr, TR_SEND) && !trace_on(tr, TR_RECV))
		return;
	uint64_t pkt = ++r->sim.pkt_seq;
	struct trace_event ev = {
		.t = r->sim.now, .kind = TR_SEND, .host = from,
		.peer = 1 - from, .pkt = pkt, .seg = s, .a = state,
		.b = how, .tx = tx, .why = why,
	};
	trace_emit(tr, &ev);
	ev = (struct trace_event){
		.t = r->sim.now, .kind = TR_RECV, .host = 1 - from,
		.peer = from, .pkt = pkt, .seg = s, .a = -1,
	};
	trace_emit(tr, &ev);
}

static void on_output(struct tcp_stack *st, struct tcp_conn *c,
		      const struct tcp_xmit *x)
{
	(void)c;
	struct run *r = tcp_stack_owner(st);
	r->wake = 1;
	trace_segment(r, 0, &x->seg, x->state, x->tx,
		      (x->tx != TR_TX_NEW ? TR_SEND_REXMIT : 0) |
			      (x->challenge ? TR_SEND_CHALLENGE : 0),
		      x->why);
	if (r->nout == MAX_OUT) {
		FAIL(r, "more than %d segments sent without a script line to "
			"match them", MAX_OUT);
		return;
	}
	struct out *o = &r->out[r->nout++];
	o->seg = x->seg;
	o->seg.data = NULL;
	o->seg.src = NULL;
	o->optlen = tcp_opts_encode(&x->seg, o->opt);
	o->t = r->sim.now;
	o->why = x->why;
}

static int err_freebsd(const char *name);

static void on_notify(struct tcp_stack *st, struct tcp_conn *c,
		      enum tcp_event ev, uint64_t arg)
{
	struct run *r = tcp_stack_owner(st);
	r->wake = 1;
	struct fd *f = fd_of_conn(r, c);
	if (ev == TCP_EV_CONNECTED && !f) {
		/* a passive connection: to its listener's queue */
		struct tcp_conn *l = tcp_conn_listener(c);
		struct fd *lf = l ? fd_of_conn(r, l) : NULL;
		if (lf && lf->nqueue < MAX_ACCEPT) {
			lf->queue[lf->nqueue++] = c;
			tcp_conn_set_app(c, r);
		}
		return;
	}
	if (!f)
		return;
	switch (ev) {
	case TCP_EV_CONNECTED:
		f->connected = true;
		break;
	case TCP_EV_EOF:
		f->eof = true;
		break;
	case TCP_EV_CLOSED:
		f->ended = true;
		f->c = NULL;
		switch ((enum tcp_end)arg) {
		case TCP_END_REFUSED:
			f->so_error = 61; /* ECONNREFUSED */
			break;
		case TCP_END_RESET:
			f->so_error = 54; /* ECONNRESET */
			break;
		case TCP_END_TIMEOUT:
		case TCP_END_UNREACHABLE: {
			/* ETIMEDOUT, or the ICMP error that ended it or
			 * came before the timeout did */
			struct tcp_conn_info ci;
			tcp_conn_info(c, &ci);
			f->so_error = ci.err ? err_freebsd(tcp_error_name(ci.err))
					     : 60; /* ETIMEDOUT */
			break;
		}
		default:
			break;
		}
		break;
	default:
		break;
	}
}

static const struct tcp_stack_ops ops = {
	.output = on_output,
	.notify = on_notify,
};

/* Advance virtual time to `t`, stopping early (wake) if `early` and
 * the stack sends or tells something. */
static void advance(struct run *r, sim_time_t t, bool early)
{
	if (t < r->sim.now)
		return;
	r->wake = 0;
	r->sim.interrupt = early ? &r->wake : NULL;
	r->sim.stop = t;
	r->sim.end = SIM_END_NONE;
	sim_run(&r->sim);
	if (r->sim.end == SIM_END_STOP || r->sim.end == SIM_END_QUIET)
		r->sim.now = t;
	else if (r->sim.end == SIM_END_LIMIT)
		UNSUPPORTED(r, "unsupported: a run of more than %llu events",
			    (unsigned long long)PKT_MAX_EVENTS);
}

/* ---- constants as the script's system spells them ------------------ */

struct konst {
	const char *name;
	int64_t freebsd, linux_;
};

static const struct konst konsts[] = {
	{"O_RDWR", 2, 2},
	{"O_NONBLOCK", 0x4, 0x800},
	{"EINPROGRESS", 36, 115},
	{"EAGAIN", 35, 11},
	{"EWOULDBLOCK", 35, 11},
	{"ECONNREFUSED", 61, 111},
	{"ECONNRESET", 54, 104},
	{"ETIMEDOUT", 60, 110},
	{"ENOTCONN", 57, 107},
	{"EPIPE", 32, 32},
	{"EINVAL", 22, 22},
	{"EISCONN", 56, 106},
	{"EALREADY", 37, 114},
	{"EBADF", 9, 9},
	{"EHOSTUNREACH", 65, 113},
	{"ENETUNREACH", 51, 101},
	{"EHOSTDOWN", 64, 112},
	{"ENOPROTOOPT", 42, 92},
	{"EPROTO", 92, 71},
	{"EOPNOTSUPP", 45, 95},
	{"EMSGSIZE", 40, 90},
	/* Linux's alone: FreeBSD has no such errno (a number of its own
	 * here, never a FreeBSD stack's answer) */
	{"ENONET", 1064, 64},
	{"MSG_PEEK", 0x2, 0x2},
};

static bool konst(const struct run *r, const char *name, int64_t *v)
{
	for (size_t i = 0; i < sizeof konsts / sizeof konsts[0]; i++)
		if (!strcmp(konsts[i].name, name)) {
			*v = r->sys == PKT_SYS_FREEBSD ? konsts[i].freebsd
						       : konsts[i].linux_;
			return true;
		}
	return false;
}

/* The errno called `name`, in the runner's internal (FreeBSD's)
 * numbering; 0 if there is none such. */
static int err_freebsd(const char *name)
{
	for (size_t i = 0; i < sizeof konsts / sizeof konsts[0]; i++)
		if (!strcmp(konsts[i].name, name))
			return (int)konsts[i].freebsd;
	return 0;
}

/* errno numbers the runner sets, in FreeBSD's numbering internally */
static int64_t err_num(const struct run *r, int freebsd_errno)
{
	for (size_t i = 0; i < sizeof konsts / sizeof konsts[0]; i++)
		if (konsts[i].freebsd == freebsd_errno && konsts[i].name[0] == 'E')
			return r->sys == PKT_SYS_FREEBSD ? konsts[i].freebsd
							 : konsts[i].linux_;
	return freebsd_errno;
}

/* The value of an expression: a number, a known name, or an or of them.
 * False if it is none of these. */
static bool value(const struct run *r, const struct pkt_expr *e, int64_t *v)
{
	switch (e->kind) {
	case PKT_E_NUM:
		*v = e->num;
		return true;
	case PKT_E_NAME:
		return konst(r, e->name, v);
	case PKT_E_OR: {
		int64_t acc = 0;
		for (uint32_t i = 0; i < e->n; i++) {
			int64_t x;
			if (!value(r, &e->sub[i], &x))
				return false;
			acc |= x;
		}
		*v = acc;
		return true;
	}
	case PKT_E_ARRAY:
		return e->n == 1 && value(r, &e->sub[0], v);
	default:
		return false;
	}
}

static bool is_name(const struct pkt_expr *e, const char *name)
{
	return e->kind == PKT_E_NAME && !strcmp(e->name, name);
}

/* ---- system calls --------------------------------------------------- */

struct callres {
	int64_t ret;
	int err;               /* FreeBSD errno, 0 if none */
	bool has_out;          /* getsockopt: a value to compare */
	int64_t outv;
};

static struct fd *fd_arg(struct run *r, const struct pkt_call *c)
{
	int64_t n;
	if (!c->nargs || !value(r, &c->args[0], &n) || n < 3 ||
	    n >= 3 + MAX_FDS || !r->fd[n - 3].used)
		return NULL;
	return &r->fd[n - 3];
}

/* Block until `ready` holds, or until the call's scripted return time
 * `until` plus the tolerance: false if it never did. */
static bool block(struct run *r, bool (*ready)(struct run *, struct fd *),
		  struct fd *f, sim_time_t until)
{
	sim_time_t deadline = until + r->tolerance;
	while (!ready(r, f) && !r->done) {
		if (r->sim.now >= deadline)
			return false;
		advance(r, deadline, true);
		if (r->sim.end == SIM_END_QUIET && !ready(r, f))
			return false;
	}
	return ready(r, f);
}

static bool can_accept(struct run *r, struct fd *f)
{
	(void)r;
	return f->nqueue > 0;
}

static bool connect_done(struct run *r, struct fd *f)
{
	(void)r;
	return f->connected || f->ended;
}

static bool readable(struct run *r, struct fd *f)
{
	(void)r;
	return (f->c && tcp_unread(f->c)) || f->eof || f->ended;
}

static bool writable(struct run *r, struct fd *f)
{
	(void)r;
	return !f->c || tcp_send_space(f->c) > 0;
}

/* write(): n bytes queued — a blocking socket waits for buffer space
 * until all are, a non-blocking one takes what fits (EAGAIN if none). */
static void do_write(struct run *r, struct fd *f, uint32_t n,
		     sim_time_t until, struct callres *res)
{
	static const uint8_t zeros[1 << 20];
	uint32_t done = 0;
	for (;;) {
		if (!f->c) {
			res->ret = done ? (int64_t)done : -1;
			res->err = done ? 0 : f->ended ? 32 : 57;
			return;
		}
		long k = tcp_send(f->c, zeros, n - done);
		if (k < 0) {
			res->ret = done ? (int64_t)done : -1;
			res->err = done ? 0 : 32;
			return;
		}
		done += (uint32_t)k;
		if (done == n || f->nonblock)
			break;
		if (!block(r, writable, f, until)) {
			FAIL(r, "write() blocked past %.6f s",
			     (double)until / 1e9);
			return;
		}
	}
	if (!done && n) {
		res->ret = -1;
		res->err = 35;
	} else {
		res->ret = done;
	}
}

/* The call e on f blocks until ready(): it returns when the script's
 * time reaches its end, made again then (settle). */
static void defer(struct run *r, const struct pkt_event *e, struct fd *f,
		  bool (*ready)(struct run *, struct fd *), sim_time_t until)
{
	if (r->pending && r->pending != e) { /* settled before a call */
		UNSUPPORTED(r, "unsupported: two calls blocked at once");
		return;
	}
	r->deferred = true;
	r->pending = e;
	r->pending_fd = f;
	r->pending_ready = ready;
	r->pending_end = until;
}

static struct fd *new_fd(struct run *r, int64_t *num)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (!r->fd[i].used) {
			memset(&r->fd[i], 0, sizeof r->fd[i]);
			r->fd[i].used = true;
			r->fd[i].p = r->p;
			*num = i + 3;
			return &r->fd[i];
		}
	return NULL;
}

static uint64_t bit(const char *key)
{
	for (size_t i = 0; i < tcp_nparam_fields; i++)
		if (!strcmp(tcp_param_fields[i].key, key))
			return (uint64_t)1 << i;
	return 0;
}

/* The socket options that are a time in seconds. */
struct secs_opt {
	const char *opt, *key;
	size_t off;
};

static const struct secs_opt *secs_opt(const char *opt)
{
	static const struct secs_opt t[] = {
		{"TCP_KEEPINIT", "keepinit", offsetof(struct tcp_params, keepinit)},
		{"TCP_KEEPIDLE", "keepidle", offsetof(struct tcp_params, keepidle)},
		{"TCP_KEEPINTVL", "keepintvl",
		 offsetof(struct tcp_params, keepintvl)},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i].opt, opt))
			return &t[i];
	return NULL;
}

bool pkt_params_sane(const struct tcp_params *p)
{
	return p->rto_initial > 0 && p->rto_min > 0 &&
	       p->rto_min <= p->rto_max && p->keepidle > 0 &&
	       p->keepintvl > 0 && p->keepcnt > 0 && p->mss >= 1 &&
	       p->mss <= 65495 && p->rcvbuf >= 1 && p->rcvbuf <= (1u << 26) &&
	       p->sndbuf >= 1 && p->sndbuf <= (1u << 26);
}

/* setsockopt / getsockopt on one of the options the runner knows. */
static bool sockopt(struct run *r, struct fd *f, const struct pkt_call *c,
		    bool set, struct callres *res)
{
	if (c->nargs < 4 || c->args[1].kind != PKT_E_NAME ||
	    c->args[2].kind != PKT_E_NAME) {
		UNSUPPORTED(r, "unsupported: %s with these arguments", c->name);
		return false;
	}
	const char *opt = c->args[2].name;
	int64_t v = 0;
	if (set && !value(r, &c->args[3], &v) &&
	    !(c->args[3].kind == PKT_E_STRUCT)) {
		UNSUPPORTED(r, "unsupported: the value of %s", opt);
		return false;
	}
	if (set && (v < 0 || v > PKT_MAX_VALUE)) {
		UNSUPPORTED(r, "unsupported: %s = %lld", opt, (long long)v);
		return false;
	}
	const struct tcp_params *cur = f->c ? tcp_conn_params(f->c) : &f->p;
	struct tcp_params q = f->p;
	uint64_t b = 0;
	res->ret = 0;
	if (!strcmp(opt, "SO_REUSEADDR") || !strcmp(opt, "SO_REUSEPORT")) {
		if (set)
			f->reuse = v != 0;
		res->has_out = !set;
		res->outv = f->reuse;
		return true;
	} else if (!strcmp(opt, "SO_DEBUG")) {
		/* the kernel's debug trace of the socket: the run's trace
		 * is always there */
		if (set)
			f->debug = v != 0;
		res->has_out = !set;
		res->outv = f->debug;
		return true;
	} else if (!strcmp(opt, "SO_RCVBUF")) {
		if (!set) {
			res->has_out = true;
			res->outv = cur->rcvbuf;
			return true;
		}
		q.rcvbuf = (uint32_t)v;
		b = bit("rcvbuf");
	} else if (!strcmp(opt, "SO_SNDBUF")) {
		if (!set) {
			res->has_out = true;
			res->outv = cur->sndbuf;
			return true;
		}
		q.sndbuf = (uint32_t)v;
		b = bit("sndbuf");
	} else if (!strcmp(opt, "SO_ERROR")) {
		if (set)
			goto unsupported;
		res->has_out = true;
		res->outv = f->so_error ? err_num(r, f->so_error) : 0;
		f->so_error = 0;
		return true;
	} else if (!strcmp(opt, "TCP_NODELAY")) {
		if (!set) {
			res->has_out = true;
			res->outv = cur->nodelay;
			return true;
		}
		q.nodelay = v != 0;
		b = bit("nodelay");
	} else if (!strcmp(opt, "SO_KEEPALIVE")) {
		if (!set) {
			res->has_out = true;
			res->outv = cur->keepalive;
			return true;
		}
		q.keepalive = v != 0;
		b = bit("keepalive");
	} else if (secs_opt(opt)) {
		/* TCP_KEEPINIT, TCP_KEEPIDLE, TCP_KEEPINTVL: in seconds */
		const struct secs_opt *so = secs_opt(opt);
		sim_time_t *fld = (sim_time_t *)(void *)((char *)&q + so->off);
		const sim_time_t *now =
			(const sim_time_t *)(const void *)((const char *)cur +
							    so->off);
		if (!set) {
			res->has_out = true;
			res->outv = *now / SIM_S(1);
			return true;
		}
		*fld = SIM_S(v);
		b = bit(so->key);
	} else if (!strcmp(opt, "TCP_KEEPCNT")) {
		if (!set) {
			res->has_out = true;
			res->outv = cur->keepcnt;
			return true;
		}
		q.keepcnt = (uint32_t)v;
		b = bit("keepcnt");
	} else if (!strcmp(opt, "TCP_NOOPT")) {
		if (!set) {
			res->has_out = true;
			res->outv = cur->no_options;
			return true;
		}
		q.no_options = v != 0;
		b = bit("no-options");
	} else if (!strcmp(opt, "TCP_USER_TIMEOUT") && set) {
		q.user_timeout = SIM_MS(v);
		b = bit("user-timeout");
	} else if (!strcmp(opt, "TCP_MAXSEG")) {
		if (!set) {
			/* the MSS segments are cut to, once known */
			struct tcp_conn_info ci = {.snd_mss = cur->mss};
			if (f->c)
				tcp_conn_info(f->c, &ci);
			res->has_out = true;
			res->outv = f->c ? ci.snd_mss : cur->mss;
			return true;
		}
		q.mss = (uint32_t)v;
		b = bit("mss");
	} else if (!strcmp(opt, "TCP_INFO") && !set &&
		   c->args[3].kind == PKT_E_ELLIPSIS) {
		/* its fields are for %{ }% to look at */
		return true;
	} else if (!strcmp(opt, "SO_LINGER") && set &&
		   c->args[3].kind == PKT_E_STRUCT && c->args[3].n == 2) {
		int64_t on, secs;
		if (!value(r, &c->args[3].sub[0], &on) ||
		    !value(r, &c->args[3].sub[1], &secs) || secs < 0 ||
		    secs > PKT_MAX_VALUE)
			goto unsupported;
		q.linger = on ? SIM_S(secs) : -1;
		b = bit("linger");
	} else {
		goto unsupported;
	}
	if (f->c && (b == bit("rcvbuf") || b == bit("sndbuf") ||
		     b == bit("mss"))) {
		UNSUPPORTED(r, "unsupported: %s once the socket is connected",
			    opt);
		return false;
	}
	if (!pkt_params_sane(&q)) {
		UNSUPPORTED(r, "unsupported: %s = %lld", opt, (long long)v);
		return false;
	}
	f->p = q;
	f->set |= b;
	if (f->c)
		tcp_setsockopt(f->c, &q, b);
	return true;
unsupported:
	UNSUPPORTED(r, "unsupported: %s(%s)", c->name, opt);
	return false;
}

static bool do_call(struct run *r, const struct pkt_event *e,
		    sim_time_t until, struct callres *res)
{
	const struct pkt_call *c = &e->call;
	struct fd *f = NULL;
	if (strcmp(c->name, "socket") != 0) {
		f = fd_arg(r, c);
		if (!f) {
			UNSUPPORTED(r, "unsupported: %s on a descriptor the "
				       "script did not open", c->name);
			return false;
		}
	}
	memset(res, 0, sizeof *res);
	if (!strcmp(c->name, "socket")) {
		if (c->nargs != 3 || !is_name(&c->args[1], "SOCK_STREAM")) {
			UNSUPPORTED(r, "unsupported: a socket but a TCP one");
			return false;
		}
		r->last = new_fd(r, &res->ret);
		if (!r->last) {
			UNSUPPORTED(r, "unsupported: more than %d sockets",
				    MAX_FDS);
			return false;
		}
	} else if (!strcmp(c->name, "fcntl")) {
		if (c->nargs >= 2 && is_name(&c->args[1], "F_GETFL")) {
			int64_t rw = 0, nb = 0;
			konst(r, "O_RDWR", &rw);
			konst(r, "O_NONBLOCK", &nb);
			res->ret = rw | (f->nonblock ? nb : 0);
		} else if (c->nargs == 3 && is_name(&c->args[1], "F_SETFL")) {
			int64_t v, nb = 0;
			if (!value(r, &c->args[2], &v)) {
				UNSUPPORTED(r, "unsupported: fcntl's flags");
				return false;
			}
			konst(r, "O_NONBLOCK", &nb);
			f->nonblock = (v & nb) != 0;
		} else {
			UNSUPPORTED(r, "unsupported: this fcntl");
			return false;
		}
	} else if (!strcmp(c->name, "setsockopt") ||
		   !strcmp(c->name, "getsockopt")) {
		return sockopt(r, f, c, c->name[0] == 's', res);
	} else if (!strcmp(c->name, "bind")) {
		f->bound = true;
	} else if (!strcmp(c->name, "listen")) {
		int64_t backlog = 0;
		if (c->nargs == 2)
			value(r, &c->args[1], &backlog);
		struct tcp_params q = f->p;
		if (backlog > 0)
			q.backlog = (uint32_t)backlog;
		f->c = tcp_listen(r->st, LOCAL_PORT, &q);
		if (!f->c) {
			UNSUPPORTED(r, "unsupported: a second listener");
			return false;
		}
		tcp_conn_set_app(f->c, r);
		f->listening = true;
		r->lport = LOCAL_PORT;
		r->rport = PEER_PORT;
	} else if (!strcmp(c->name, "accept")) {
		if (!f->listening) {
			res->ret = -1;
			res->err = 22;
		} else if (!f->nqueue && f->nonblock) {
			res->ret = -1;
			res->err = 35;
		} else if (!f->nqueue) {
			defer(r, e, f, can_accept, until);
			return true;
		} else {
			struct fd *nf = new_fd(r, &res->ret);
			if (!nf) {
				UNSUPPORTED(r, "unsupported: more than %d "
					       "sockets", MAX_FDS);
				return false;
			}
			nf->c = f->queue[0];
			memmove(f->queue, f->queue + 1,
				(size_t)--f->nqueue * sizeof f->queue[0]);
			nf->connected = true;
			nf->p = *tcp_conn_params(nf->c);
			r->last = nf;
		}
	} else if (!strcmp(c->name, "connect")) {
		if (f->c) {
			res->ret = f->connected ? 0 : -1;
			res->err = f->connected ? 0 : 37;
		} else if (f->ended) {
			res->ret = -1;
			res->err = f->so_error ? f->so_error : 22;
			f->so_error = 0;
		} else {
			f->c = tcp_connect(r->st, f->bound ? LOCAL_PORT : 0,
					   REMOTE_ADDR, REMOTE_PORT, &f->p);
			if (!f->c) {
				UNSUPPORTED(r, "unsupported: connect failed");
				return false;
			}
			tcp_conn_set_app(f->c, r);
			struct tcp_conn_info ci;
			tcp_conn_info(f->c, &ci);
			r->lport = ci.lport;
			r->rport = REMOTE_PORT;
			if (f->nonblock) {
				res->ret = -1;
				res->err = 36;
			} else if (!connect_done(r, f)) {
				defer(r, e, f, connect_done, until);
				return true;
			} else if (!f->connected) {
				res->ret = -1;
				res->err = f->so_error;
				f->so_error = 0;
			}
		}
	} else if (!strcmp(c->name, "close")) {
		/* each call may end the connection: on_notify then clears
		 * f->c before it is freed */
		if (f->c && f->listening) {
			for (int i = 0; i < f->nqueue; i++)
				tcp_abort(f->queue[i]);
			tcp_close(f->c);
		} else if (f->c) {
			tcp_stop_reading(f->c);
			if (f->c && !tcp_conn_fin_queued(f->c))
				tcp_close(f->c);
			if (f->c)
				tcp_conn_set_app(f->c, NULL);
		}
		f->used = false;
		if (r->last == f)
			r->last = NULL;
	} else if (!strcmp(c->name, "shutdown")) {
		if (c->nargs != 2 || c->args[1].kind != PKT_E_NAME) {
			UNSUPPORTED(r, "unsupported: this shutdown");
			return false;
		}
		const char *how = c->args[1].name;
		if (!f->c) {
			res->ret = -1;
			res->err = 57;
		} else {
			if (strcmp(how, "SHUT_WR") != 0)
				tcp_stop_reading(f->c);
			if (f->c && strcmp(how, "SHUT_RD") != 0 &&
			    !tcp_conn_fin_queued(f->c))
				tcp_close(f->c);
		}
	} else if (!strcmp(c->name, "write") || !strcmp(c->name, "send") ||
		   !strcmp(c->name, "sendto")) {
		int64_t n, flags = 0;
		if (c->nargs < 3 || !value(r, &c->args[2], &n) || n < 0 ||
		    n > (1 << 20) ||
		    (c->nargs >= 4 && !value(r, &c->args[3], &flags)) ||
		    flags != 0) {
			UNSUPPORTED(r, "unsupported: %s's length or flags",
				    c->name);
			return false;
		}
		do_write(r, f, (uint32_t)n, until, res);
	} else if (!strcmp(c->name, "read") || !strcmp(c->name, "recv")) {
		int64_t n, flags = 0, peek = 0;
		konst(r, "MSG_PEEK", &peek);
		if (c->nargs < 3 || !value(r, &c->args[2], &n) || n < 0 ||
		    (c->nargs >= 4 && !value(r, &c->args[3], &flags)) ||
		    (flags & ~peek) != 0) {
			UNSUPPORTED(r, "unsupported: %s's length or flags",
				    c->name);
			return false;
		}
		if (!f->nonblock && !readable(r, f)) {
			defer(r, e, f, readable, until);
			return true;
		}
		uint32_t avail = f->c ? tcp_unread(f->c) : 0;
		uint32_t k = (uint32_t)(n < avail ? n : avail);
		if (avail) {
			/* MSG_PEEK: what is there, left unread */
			res->ret = flags ? k : tcp_read(f->c, NULL, k);
		} else if (f->eof || f->ended) {
			res->ret = f->so_error ? -1 : 0;
			res->err = f->so_error;
			f->so_error = 0;
		} else {
			res->ret = -1;
			res->err = 35;
		}
	} else {
		UNSUPPORTED(r, "unsupported: the system call %s", c->name);
		return false;
	}
	return true;
}

/* The call's result against the script's. */
static void check_call(struct run *r, const struct pkt_event *e,
		       const struct callres *res)
{
	const struct pkt_call *c = &e->call;
	int64_t want;
	if (c->ret.kind != PKT_E_ELLIPSIS) {
		if (!value(r, &c->ret, &want)) {
			UNSUPPORTED(r, "unsupported: the result of %s", c->name);
			return;
		}
		if (want != res->ret) {
			FAIL(r, "%s: expected %lld, got %lld%s%s", c->name,
			     (long long)want, (long long)res->ret,
			     res->err ? " errno " : "", "");
			return;
		}
	}
	if (c->err) {
		int64_t werr;
		if (!konst(r, c->err, &werr)) {
			UNSUPPORTED(r, "unsupported: errno %s", c->err);
			return;
		}
		if (werr != err_num(r, res->err)) {
			FAIL(r, "%s: expected errno %s, got %lld", c->name,
			     c->err, (long long)err_num(r, res->err));
			return;
		}
	}
	if (res->has_out && c->nargs >= 4) {
		int64_t w;
		const struct pkt_expr *a = &c->args[3];
		if (a->kind == PKT_E_ELLIPSIS)
			return;
		if (!value(r, a, &w)) {
			UNSUPPORTED(r, "unsupported: %s's value", c->name);
			return;
		}
		if (w != res->outv)
			FAIL(r, "%s(%s): expected [%lld], got [%lld]", c->name,
			     c->args[2].name, (long long)w,
			     (long long)res->outv);
	}
}

/* ---- segments --------------------------------------------------------- */

static uint8_t our_flags(uint8_t f)
{
	uint8_t o = 0;
	if (f & PKT_F_FIN) o |= TCP_FIN;
	if (f & PKT_F_SYN) o |= TCP_SYN;
	if (f & PKT_F_RST) o |= TCP_RST;
	if (f & PKT_F_PSH) o |= TCP_PSH;
	if (f & PKT_F_ACK) o |= TCP_ACK;
	if (f & PKT_F_URG) o |= TCP_URG;
	if (f & PKT_F_ECE) o |= TCP_ECE;
	if (f & PKT_F_CWR) o |= TCP_CWR;
	return o;
}

/* The ECN codepoint IP fields name ([noecn], [ect0], [ect1], [ce]):
 * 0..3, or -1 for other IP fields (or none written: -2). */
static int ecn_field(const char *ip)
{
	static const char *const names[] = {"[noecn]", "[ect1]", "[ect0]",
					    "[ce]"};
	if (!ip)
		return -2;
	for (int i = 0; i < 4; i++)
		if (!strcmp(ip, names[i]))
			return i;
	return -1;
}

static bool inject(struct run *r, const struct pkt_seg *g)
{
	int ecn = ecn_field(g->ip);
	if (ecn == -1) {
		UNSUPPORTED(r, "unsupported: IP fields %s on an inbound "
			       "segment", g->ip);
		return false;
	}
	if (g->mark || g->encap || g->seq_any) {
		UNSUPPORTED(r, "unsupported: this inbound segment's form");
		return false;
	}
	static const uint8_t zeros[65536];
	if (g->len > sizeof zeros) {
		UNSUPPORTED(r, "unsupported: an inbound segment of %u bytes",
			    g->len);
		return false;
	}
	struct tcp_seg s = {
		.saddr = REMOTE_ADDR, .daddr = LOCAL_ADDR,
		.sport = r->rport ? r->rport : PEER_PORT,
		.dport = r->lport ? r->lport : LOCAL_PORT,
		.seq = g->start, .flags = our_flags(g->flags),
		.wnd = (uint16_t)(g->win > 65535 ? 65535 : g->win),
		.up = (uint16_t)g->urg, .len = g->len, .data = zeros,
		.ecn = (uint8_t)(ecn < 0 ? TCP_IP_NOT_ECT : ecn),
	};
	if (g->has_ack || (g->flags & PKT_F_ACK))
		s.ack = r->iss + g->ack;
	for (uint32_t i = 0; i < g->nopts; i++) {
		const struct pkt_opt *o = &g->opts[i];
		if (o->any_a || o->any_b) {
			UNSUPPORTED(r, "unsupported: `...` for an option's "
				       "value of an inbound segment");
			return false;
		}
		switch (o->kind) {
		case PKT_OPT_MSS:
			s.mss = (uint16_t)o->a;
			break;
		case PKT_OPT_WSCALE:
			s.opts |= TCP_OPT_WS;
			s.wscale = (uint8_t)o->a;
			break;
		case PKT_OPT_SACKOK:
			s.opts |= TCP_OPT_SACKOK;
			break;
		case PKT_OPT_TS:
			s.opts |= TCP_OPT_TS;
			s.tsval = o->a;
			s.tsecr = o->b ? o->b + r->ts_off : 0;
			break;
		case PKT_OPT_SACK:
			for (uint32_t k = 0; k < o->nsack && s.nsack < TCP_MAX_SACK;
			     k++, s.nsack++) {
				s.sack[s.nsack].start = r->iss + o->sack[k][0];
				s.sack[s.nsack].end = r->iss + o->sack[k][1];
			}
			break;
		case PKT_OPT_NOP:
		case PKT_OPT_EOL:
			break;
		default:
			UNSUPPORTED(r, "unsupported: the option %s",
				    o->text ? o->text : "?");
			return false;
		}
	}
	if (r->trace)
		fprintf(r->trace, "%.6f < flags=%02x seq=%u ack=%u win=%u len=%u\n",
			(double)r->sim.now / 1e9, s.flags, s.seq, s.ack, s.wnd,
			s.len);
	trace_segment(r, 1, &s, -1, TR_TX_NEW, TR_SEND_INJECTED,
		      "the script's segment");
	tcp_stack_input(r->st, &s, r->sim.pkt_seq);
	return true;
}

/* The options of an outbound segment in order, as its bytes have them,
 * against the script's list. */
static bool options_match(struct run *r, const struct out *o,
			  const struct pkt_seg *g, char *why, size_t n)
{
	uint32_t i = 0, k = 0;
	while (i < o->optlen) {
		uint8_t kind = o->opt[i];
		if (k >= g->nopts) {
			snprintf(why, n, "an option more than the script's");
			return false;
		}
		const struct pkt_opt *w = &g->opts[k++];
		uint32_t len = kind <= 1 ? 1 : o->opt[i + 1];
		switch (kind) {
		case 0:
			if (w->kind != PKT_OPT_EOL)
				goto differ;
			break;
		case 1:
			if (w->kind != PKT_OPT_NOP)
				goto differ;
			break;
		case 2:
			if (w->kind != PKT_OPT_MSS ||
			    (!w->any_a &&
			     w->a != (uint32_t)(o->opt[i + 2] << 8 | o->opt[i + 3])))
				goto differ;
			break;
		case 3:
			if (w->kind != PKT_OPT_WSCALE ||
			    (!w->any_a && w->a != o->opt[i + 2]))
				goto differ;
			break;
		case 4:
			if (w->kind != PKT_OPT_SACKOK)
				goto differ;
			break;
		case 8: {
			if (w->kind != PKT_OPT_TS)
				goto differ;
			uint32_t val = (uint32_t)o->opt[i + 2] << 24 |
				       (uint32_t)o->opt[i + 3] << 16 |
				       (uint32_t)o->opt[i + 4] << 8 | o->opt[i + 5];
			uint32_t ecr = (uint32_t)o->opt[i + 6] << 24 |
				       (uint32_t)o->opt[i + 7] << 16 |
				       (uint32_t)o->opt[i + 8] << 8 | o->opt[i + 9];
			if (!r->have_ts && !w->any_a) {
				r->have_ts = true;
				r->ts_off = val - w->a;
			}
			if (!w->any_b && ecr != w->b) {
				snprintf(why, n, "TS ecr %u, not %u", ecr, w->b);
				return false;
			}
			break;
		}
		case 5: {
			if (w->kind != PKT_OPT_SACK || w->nsack * 8 + 2 != len)
				goto differ;
			for (uint32_t b = 0; b < w->nsack; b++) {
				const uint8_t *q = o->opt + i + 2 + 8 * b;
				uint32_t s0 = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
					      (uint32_t)q[2] << 8 | q[3];
				uint32_t s1 = (uint32_t)q[4] << 24 | (uint32_t)q[5] << 16 |
					      (uint32_t)q[6] << 8 | q[7];
				if (s0 != w->sack[b][0] || s1 != w->sack[b][1])
					goto differ;
			}
			break;
		}
		default:
			snprintf(why, n, "an option of kind %u", kind);
			return false;
		}
		i += len ? len : 1;
	}
	if (k != g->nopts) {
		snprintf(why, n, "%u options, not %u", k, g->nopts);
		return false;
	}
	return true;
differ:
	snprintf(why, n, "option %u differs", k);
	return false;
}

static void seg_words(const struct run *r, const struct tcp_seg *s, char *b,
		      size_t n)
{
	char fl[16];
	int k = 0;
	static const char letters[] = "FSRP.UEW";
	static const uint8_t bits[] = {TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH,
				       TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR};
	for (int i = 0; i < 8; i++)
		if (s->flags & bits[i])
			fl[k++] = letters[i];
	fl[k] = '\0';
	snprintf(b, n, "%s %u:%u(%u) ack %u win %u", fl, s->seq - r->iss,
		 s->seq - r->iss + s->len, s->len, s->ack, s->wnd);
}

/* The first segment the stack sent against the script's `>` line. */
static void expect_out(struct run *r, const struct pkt_event *e,
		       sim_time_t t, bool any)
{
	const struct pkt_seg *g = &e->seg;
	if (g->encap || ecn_field(g->ip) == -1) {
		UNSUPPORTED(r, "unsupported: IP fields %s", g->ip ? g->ip
								  : g->encap);
		return;
	}
	if (!r->nout) {
		sim_time_t until = any ? r->sim.now + SIM_S(3600)
				       : t + r->tolerance;
		while (!r->nout && !r->done && r->sim.now < until) {
			advance(r, until, true);
			if (r->sim.end == SIM_END_QUIET)
				break;
		}
	}
	if (r->done)
		return;
	if (!r->nout) {
		FAIL(r, "expected a segment at %.6f s, none was sent",
		     (double)t / 1e9);
		return;
	}
	struct out o = r->out[0];
	memmove(r->out, r->out + 1, (size_t)--r->nout * sizeof r->out[0]);
	if (!r->have_iss && (o.seg.flags & TCP_SYN)) {
		r->have_iss = true;
		r->iss = o.seg.seq - g->start;
	}
	char got[128];
	seg_words(r, &o.seg, got, sizeof got);
	if (r->trace)
		fprintf(r->trace, "%.6f > %s (%s)\n", (double)o.t / 1e9, got,
			o.why ? o.why : "");
	if (!any && (o.t < t - r->tolerance || o.t > t + r->tolerance)) {
		FAIL(r, "expected the segment at %.6f s, it came at %.6f s "
			"(%s)", (double)t / 1e9, (double)o.t / 1e9, got);
		return;
	}
	char why[96] = "";
	if (our_flags(g->flags) != o.seg.flags)
		snprintf(why, sizeof why, "flags");
	else if (!g->seq_any && (o.seg.seq - r->iss != g->start ||
				 o.seg.len != g->len))
		snprintf(why, sizeof why, "sequence numbers");
	else if (g->seq_any && o.seg.len != g->len)
		snprintf(why, sizeof why, "length");
	else if ((g->flags & PKT_F_ACK) && o.seg.ack != g->ack)
		snprintf(why, sizeof why, "ack %u, not %u", o.seg.ack, g->ack);
	else if (g->has_win && o.seg.wnd != g->win)
		snprintf(why, sizeof why, "window %u, not %u", o.seg.wnd,
			 g->win);
	else if (g->has_opts && !g->opts_any &&
		 !options_match(r, &o, g, why, sizeof why))
		;
	else if (!g->has_opts && o.optlen)
		snprintf(why, sizeof why, "options the script does not have");
	else if (ecn_field(g->ip) >= 0 && o.seg.ecn != ecn_field(g->ip)) {
		static const char *const names[] = {"noecn", "ect1", "ect0",
						    "ce"};
		snprintf(why, sizeof why, "ECN field [%s], not %s",
			 names[o.seg.ecn & 3], g->ip);
	}
	if (why[0])
		FAIL(r, "expected segment differs (%s): got %s", why, got);
}

/* The pending call, made again once it can return, before the script
 * goes past `t`; it must return by its end (within the tolerance). */
static void settle(struct run *r, sim_time_t t)
{
	while (r->pending && !r->done) {
		const struct pkt_event *e = r->pending;
		sim_time_t end = r->pending_end;
		sim_time_t deadline = end + r->tolerance;
		if (r->pending_ready(r, r->pending_fd)) {
			int line = r->line;
			struct callres res;
			r->line = e->line;
			r->pending = NULL;
			r->deferred = false;
			if (do_call(r, e, end, &res) && !r->done && !r->deferred)
				check_call(r, e, &res);
			if (!r->done && !r->deferred &&
			    (r->sim.now < end - r->tolerance ||
			     r->sim.now > deadline))
				FAIL(r, "%s returned at %.6f s, not %.6f s",
				     e->call.name, (double)r->sim.now / 1e9,
				     (double)end / 1e9);
			r->deferred = false;
			r->line = line;
			return;
		}
		if (r->sim.now >= deadline) {
			r->line = e->line;
			FAIL(r, "%s() blocked past %.6f s", e->call.name,
			     (double)end / 1e9);
			return;
		}
		if (r->sim.now >= t)
			return;
		advance(r, t < deadline ? t : deadline, true);
	}
}

/* ---- the script -------------------------------------------------------- */

static const char *const host_names[] = {"tcp", "peer"};
static const uint32_t host_addrs[] = {LOCAL_ADDR, REMOTE_ADDR};

static const char *state_name(int s)
{
	return tcp_state_name(s);
}

bool pkt_ipv6(const struct pkt_script *s, struct pcap_addr6 map[2])
{
	const char *ipv = pkt_setting(s, "ip_version");
	if (!ipv || strcmp(ipv, "ipv6") != 0)
		return false;
	/* packetdrill's: fd3d:fa7b:d17d::1 (RFC 4193), 2001:db8::1
	 * (RFC 3849) */
	static const uint8_t local[16] = {0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d,
					  [15] = 1};
	static const uint8_t remote[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	map[0].label = LOCAL_ADDR;
	memcpy(map[0].addr, local, 16);
	map[1].label = REMOTE_ADDR;
	memcpy(map[1].addr, remote, 16);
	return true;
}

void pkt_run(const struct pkt_script *s, const struct tcp_params *p,
	     enum pkt_system sys, FILE *trace, struct trace_sink *const *sinks,
	     int nsinks, struct pkt_result *out)
{
	struct run *r = calloc(1, sizeof *r);
	memset(out, 0, sizeof *out);
	if (!r) {
		for (int i = 0; i < nsinks; i++)
			if (sinks[i]->destroy)
				sinks[i]->destroy(sinks[i]);
		out->verdict = PKT_UNSUPPORTED;
		snprintf(out->msg, sizeof out->msg, "out of memory");
		return;
	}
	r->res = out;
	r->p = *p;
	r->sys = sys;
	r->trace = trace;
	r->tolerance = DEFAULT_TOLERANCE;
	const char *tol = pkt_setting(s, "tolerance_usecs");
	long long tolv = tol ? strtoll(tol, NULL, 10) : 0;
	if (tol)
		r->tolerance = SIM_US(tolv < 0 ? 0 : tolv > 1000000000LL
							? 1000000000LL
							: tolv);
	const char *ipv = pkt_setting(s, "ip_version");
	/* --mtu: the interface's; the MSS offered is what it carries past
	 * the IPv4 and TCP headers */
	const char *mtu = pkt_setting(s, "mtu");
	long mtuv = mtu ? strtol(mtu, NULL, 10) : 0;
	/* IPv6: addresses are labels here; what changes on the wire is
	 * the MSS, the MTU less 60 bytes of headers rather than 40 */
	long hdrs = ipv && !strcmp(ipv, "ipv6") ? 60 : 40;
	if (mtuv > hdrs && mtuv <= 65535)
		r->p.mss = (uint32_t)(mtuv - hdrs);
	else if (hdrs == 60)
		r->p.mss = 1500 - 60;
	sim_init(&r->sim, 1, SIM_TIME_MAX, PKT_MAX_EVENTS);
	struct trace *tr = &r->sim.trace;
	tr->scenario = s->file;
	tr->seed = 1;
	tr->nhosts = 2;
	tr->host_names = host_names;
	tr->host_addrs = host_addrs;
	tr->state_name = state_name;
	bool io_ok = true;
	for (int i = 0; i < nsinks; i++)
		if (trace_add_sink(tr, sinks[i]) < 0) {
			if (sinks[i]->destroy)
				sinks[i]->destroy(sinks[i]);
			io_ok = false;
		}
	rng_derive(&r->rng, 1, "pkt");
	r->st = tcp_stack_new(&r->sim, &ops, r, 0, LOCAL_ADDR, &r->rng, &r->p);
	if (ipv && strcmp(ipv, "ipv4") != 0 && strcmp(ipv, "ipv6") != 0)
		UNSUPPORTED(r, "unsupported: --ip_version=%s", ipv);
	if (mtu && (mtuv <= hdrs || mtuv > 65535))
		UNSUPPORTED(r, "unsupported: --mtu=%s", mtu);
	if (!r->st)
		UNSUPPORTED(r, "out of memory");
	sim_time_t prev = 0;
	for (uint32_t i = 0; i < s->nevents && !r->done; i++) {
		const struct pkt_event *e = &s->events[i];
		r->line = e->line;
		bool any = e->time.kind == PKT_T_ANY;
		/* times far enough from the end of time that sums of them
		 * and the tolerance stay exact */
		if (e->time.t > PKT_MAX_TIME || e->time.end > PKT_MAX_TIME ||
		    prev > PKT_MAX_TIME) {
			UNSUPPORTED(r, "unsupported: a time past %lld s",
				    (long long)(PKT_MAX_TIME / SIM_S(1)));
			break;
		}
		sim_time_t t = e->time.kind == PKT_T_ABS ? e->time.t
			       : e->time.kind == PKT_T_REL ? prev + e->time.t
							   : r->sim.now;
		sim_time_t end = t;
		if (e->time.range)
			end = e->time.kind == PKT_T_REL &&
					      e->time.end < e->time.t
				      ? prev + e->time.end
				      : e->time.end;
		settle(r, any ? r->sim.now : t);
		if (r->done)
			break;
		if (e->kind != PKT_EV_OUT) {
			/* what the stack sends meanwhile must be the
			 * script's next `>` lines, at their times */
			advance(r, t, true);
			while (r->sim.now < t && !r->done) {
				if (r->nout && r->out[0].t < t - r->tolerance)
					break;
				advance(r, t, true);
				if (r->sim.end == SIM_END_QUIET) {
					r->sim.now = t;
					break;
				}
			}
			if (r->nout && r->out[r->nout - 1].t < t - r->tolerance) {
				char got[128];
				seg_words(r, &r->out[0].seg, got, sizeof got);
				FAIL(r, "a segment the script does not expect "
					"here: %s at %.6f s (%s)", got,
				     (double)r->out[0].t / 1e9,
				     r->out[0].why ? r->out[0].why : "");
				break;
			}
		}
		switch (e->kind) {
		case PKT_EV_IN:
			inject(r, &e->seg);
			break;
		case PKT_EV_OUT:
			expect_out(r, e, t, any);
			if (any)
				t = r->sim.now;
			break;
		case PKT_EV_CALL: {
			struct callres res;
			/* one call at a time, as packetdrill's one thread
			 * makes them: the next waits for a blocked one */
			if (r->pending) {
				settle(r, SIM_TIME_MAX);
				if (r->done)
					break;
				if (r->sim.now > t + r->tolerance) {
					FAIL(r, "%s made at %.6f s, not %.6f s: "
						"the call before it blocked "
						"until then", e->call.name,
					     (double)r->sim.now / 1e9,
					     (double)t / 1e9);
					break;
				}
			}
			r->deferred = false;
			if (do_call(r, e, end, &res) && !r->done && !r->deferred)
				check_call(r, e, &res);
			if (r->deferred) {
				r->deferred = false;
				break;
			}
			if (e->time.range && !r->done &&
			    (r->sim.now < end - r->tolerance ||
			     r->sim.now > end + r->tolerance))
				FAIL(r, "%s returned at %.6f s, not %.6f s",
				     e->call.name, (double)r->sim.now / 1e9,
				     (double)end / 1e9);
			/* the next event counts from the call's start:
			 * what the stack sends while it blocks comes
			 * after it in the script (packetdrill's rule) */
			break;
		}
		case PKT_EV_SHELL:
			pkt_shell(r, e->text);
			break;
		case PKT_EV_CODE:
			pkt_code(r, e->text);
			break;
		case PKT_EV_ICMP:
			pkt_icmp(r, e, ipv && !strcmp(ipv, "ipv6"));
			break;
		}
		prev = t;
	}
	settle(r, SIM_TIME_MAX);
	if (!r->done) {
		r->done = true;
		out->verdict = PKT_PASS;
	}
	if (r->st)
		tcp_stack_free(r->st);
	if (trace_finish(tr) < 0 || trace_commit(tr) < 0 || !io_ok) {
		out->output_failed = true;
		for (int i = 0; i < tr->nsinks; i++)
			if (tr->sinks[i]->error)
				snprintf(out->output_error,
					 sizeof out->output_error, "%s",
					 tr->sinks[i]->error);
	}
	trace_fini(tr);
	sim_fini(&r->sim);
	free(r);
}
