/* diagram.c — see diagram.h.
 *
 * Known limits: an external program gets no time limit (mscgen and
 * gnuplot finish or fail); only the last part of what it prints is kept
 * for the message.
 */
#include "sim/diagram/diagram.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/engine/grow.h"
#include "sim/out/outfile.h"
#include "sim/diagram/seglabel.h"
#include "models/tcp.h"

extern char **environ;

void diag_init(struct diag *d, bool relative)
{
	memset(d, 0, sizeof *d);
	d->tw_fired_host = -1;
	d->in_at = -1;
	d->relative = relative;
	seqrel_init(&d->rel);
}

void diag_fini(struct diag *d)
{
	free(d->it);
	free(d->segs);
	free(d->last_state);
	free(d->tw_since);
	seqrel_fini(&d->rel);
	memset(d, 0, sizeof *d);
}

static struct diag_item *add(struct diag *d, const struct trace_event *ev,
			     enum diag_kind kind)
{
	if (grow(&d->it, &d->cap, d->n + 1, sizeof *d->it, 256) < 0) {
		d->oom = true;
		return NULL;
	}
	struct diag_item *it = &d->it[d->n++];
	memset(it, 0, sizeof *it);
	it->t = ev->t;
	it->end = -1;
	it->kind = kind;
	it->host = ev->host;
	it->peer = ev->peer;
	it->state = it->from = -1;
	it->pkt = ev->pkt;
	return it;
}

/* The segment item numbered pkt, or NULL. Segments are recorded as they
 * are sent, and numbered in that order, so the index is sorted. */
static struct diag_item *find_seg(struct diag *d, uint64_t pkt)
{
	size_t lo = 0, hi = d->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->it[d->segs[mid]].pkt < pkt)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->nsegs && d->it[d->segs[lo]].pkt == pkt)
		return &d->it[d->segs[lo]];
	return NULL;
}

static struct diag_item *add_seg(struct diag *d, const struct trace_event *ev)
{
	if (grow(&d->segs, &d->segs_cap, d->nsegs + 1, sizeof *d->segs,
		 256) < 0) {
		d->oom = true;
		return NULL;
	}
	struct diag_item *it = add(d, ev, DIAG_SEG);
	if (!it)
		return NULL;
	d->segs[d->nsegs++] = d->n - 1;
	return it;
}

static bool host_ok(struct diag *d, const struct trace *tr, int h)
{
	if (!d->last_state && tr->nhosts > 0 && !d->oom) {
		d->last_state = calloc((size_t)tr->nhosts, sizeof *d->last_state);
		d->tw_since = calloc((size_t)tr->nhosts, sizeof *d->tw_since);
		if (!d->last_state || !d->tw_since)
			d->oom = true;
		else
			d->nhosts = tr->nhosts;
	}
	return h >= 0 && h < d->nhosts;
}

static void note_link(struct diag *d, const struct trace_event *ev)
{
	struct diag_item *it;
	if (!ev->seg) { /* a direction goes down or comes up */
		it = add(d, ev, DIAG_LINK);
		if (it && strcmp(ev->name, "down") == 0)
			it->marks |= DIAG_DOWN;
		return;
	}
	it = find_seg(d, ev->pkt);
	if (!it)
		return;
	if (strcmp(ev->name, "duplicate") == 0) {
		/* The copy is a segment of its own, numbered v[0]. */
		struct trace_event copy = *ev;
		copy.pkt = (uint64_t)ev->v[0];
		size_t orig = (size_t)(it - d->it);
		struct diag_item *c = add_seg(d, &copy);
		if (!c)
			return;
		it = &d->it[orig];
		memcpy(c->label, it->label, sizeof c->label);
		c->host = it->host;
		c->peer = it->peer;
		c->marks = DIAG_DUP | (it->marks & (DIAG_REXMIT | DIAG_INJECTED));
		c->dup_rule = ev->text;
	} else if (strcmp(ev->name, "delay") == 0) {
		it->marks |= DIAG_DELAYED;
		it->delay += ev->v[0];
		it->delay_rule = ev->text;
	} else if (strcmp(ev->name, "corrupt") == 0) {
		it->marks |= DIAG_CORRUPT;
	} else if (strcmp(ev->name, "hold") == 0) {
		it->marks |= DIAG_HELD;
	} else if (strcmp(ev->name, "mark-ce") == 0) {
		it->marks |= DIAG_CE;
	}
}

void diag_note(struct diag *d, const struct trace *tr,
	       const struct trace_event *ev)
{
	struct diag_item *it, *s;
	switch (ev->kind) {
	case TR_STATE:
		it = add(d, ev, DIAG_STATE);
		if (!it)
			return;
		it->from = ev->a;
		it->state = ev->b;
		it->reason = ev->why;
		it->raddr = ev->tuple.raddr;
		if (ev->a == TCP_TIME_WAIT && ev->b == TCP_CLOSED &&
		    ev->host == d->tw_fired_host && ev->t == d->tw_fired_t)
			it->marks |= DIAG_EXPIRED;
		if (host_ok(d, tr, ev->host)) {
			d->last_state[ev->host] = ev->b;
			if (ev->b == TCP_TIME_WAIT)
				d->tw_since[ev->host] = ev->t;
		}
		break;
	case TR_TIMER:
		if (ev->a == TR_TIMER_FIRE &&
		    strcmp(ev->name, "time-wait") == 0) {
			d->tw_fired_host = ev->host;
			d->tw_fired_t = ev->t;
		}
		/* The 2*MSL timer set again after TIME-WAIT began: a
		 * retransmitted FIN was acknowledged again. */
		if (ev->a == TR_TIMER_SET && host_ok(d, tr, ev->host) &&
		    strcmp(ev->name, "time-wait") == 0 &&
		    d->last_state[ev->host] == TCP_TIME_WAIT &&
		    ev->t > d->tw_since[ev->host]) {
			d->pending = DIAG_RESTART;
			d->pending_host = ev->host;
			d->pending_t = ev->t;
		}
		if (d->explain && (it = add(d, ev, DIAG_TIMER))) {
			it->timer = ev->name;
			it->op = ev->a;
			it->end = ev->v[0];
			it->conn = ev->conn;
		}
		break;
	case TR_TCB:
		if (!d->vars || !(it = add(d, ev, DIAG_TCB)))
			break;
		it->conn = ev->conn;
		it->state = ev->b;
		for (int k = 0; k < 3; k++) {
			/* SND.* count in our direction, RCV.NXT in the
			 * peer's */
			const struct trace_tuple *u = &ev->tuple;
			uint32_t v = (uint32_t)ev->v[k];
			it->var[k] = !d->relative ? v
				     : k < 2 ? seqrel_of(&d->rel, u->laddr, u->lport,
							 u->raddr, u->rport, v)
					     : seqrel_of(&d->rel, u->raddr, u->rport,
							 u->laddr, u->lport, v);
		}
		it->var[DIAG_VAR_SWND] = (uint32_t)ev->v[3];
		it->var[DIAG_VAR_RWND] = (uint32_t)ev->a;
		break;
	case TR_SEND:
		it = add_seg(d, ev);
		if (!it)
			return;
		if (d->relative && seqrel_note(&d->rel, ev->seg) < 0)
			d->oom = true;
		seglabel_fmt(it->label, sizeof it->label, ev->seg,
			     d->relative ? &d->rel : NULL);
		it->reason = ev->why;
		if (ev->b & TR_SEND_REXMIT)
			it->marks |= DIAG_REXMIT;
		if (ev->b & TR_SEND_INJECTED)
			it->marks |= DIAG_INJECTED;
		/* the segment that arrived here now draws this challenge */
		if ((ev->b & TR_SEND_CHALLENGE) && d->in_at == ev->t &&
		    d->in_host == ev->host && d->in_seg < d->n) {
			size_t me = (size_t)(it - d->it);
			d->it[d->in_seg].marks |= DIAG_CHALLENGED;
			it = &d->it[me];
		}
		if (d->pending && d->pending_host == ev->host &&
		    d->pending_t == ev->t)
			it->marks |= d->pending;
		d->pending = 0;
		break;
	case TR_RECV:
	case TR_DROP:
		s = find_seg(d, ev->pkt);
		if (!s)
			return;
		size_t si = (size_t)(s - d->it);
		it = add(d, ev, ev->kind == TR_RECV ? DIAG_ARRIVE : DIAG_DROP);
		if (!it)
			return;
		s = &d->it[si];
		it->seg = si;
		s->end = ev->t;
		if (ev->kind == TR_RECV) {
			d->in_seg = si;
			d->in_host = ev->host;
			d->in_at = ev->t;
		}
		if (ev->kind == TR_DROP) {
			s->marks |= DIAG_LOST;
			s->why = ev->why;
			s->rule = ev->text;
		}
		break;
	case TR_IGNORE:
		s = find_seg(d, ev->pkt);
		if (!s)
			break;
		s->marks |= DIAG_DISCARDED;
		if (d->explain) {
			size_t at = (size_t)(s - d->it);
			if ((it = add(d, ev, DIAG_DISCARD))) {
				it->seg = at;
				it->reason = ev->why;
			}
		}
		break;
	case TR_LINK:
		note_link(d, ev);
		break;
	case TR_HOST:
		it = add(d, ev, DIAG_HOST);
		if (it && strcmp(ev->name, "crash") == 0)
			it->marks |= DIAG_CRASH;
		break;
	default:
		break;
	}
}

static const struct {
	const char *name, *shrt, *fired;
} timer_text[] = {
	{"rexmt", "RTO",
	 "retransmit the oldest unacknowledged segment and double the RTO, "
	 "or give up after the last retry (RFC 6298 (5.4)-(5.6))"},
	{"delack", "delayed ACK",
	 "acknowledge now (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2)"},
	{"keepalive", "keepalive",
	 "probe the idle peer, give up after the last probe, or wait again "
	 "if the peer was heard from meanwhile (RFC 1122 §4.2.3.6)"},
	{"persist", "persist",
	 "probe the zero window, or let a held-back segment go (RFC 9293 "
	 "§3.8.6.1)"},
	{"time-wait", "2·MSL",
	 "TIME-WAIT ends, the connection is deleted (RFC 9293 §3.10.8)"},
	{"pto", "PTO", "send a tail loss probe (RFC 8985 §7.3)"},
	{"rack", "RACK",
	 "what is overdue is lost: retransmit it (RFC 8985 §6.3)"},
};

static int timer_index(const char *name)
{
	for (size_t i = 0; i < sizeof timer_text / sizeof *timer_text; i++)
		if (name && strcmp(name, timer_text[i].name) == 0)
			return (int)i;
	return -1;
}

const char *diag_timer_short(const char *name)
{
	int i = timer_index(name);
	return i >= 0 ? timer_text[i].shrt : name ? name : "?";
}

const char *diag_timer_fired(const char *name)
{
	int i = timer_index(name);
	return i >= 0 ? timer_text[i].fired : "?";
}

/* The largest number of hosts whose directions are told apart when
 * guessing a lost segment's delay: beyond it one table would be large. */
#define SPAN_DIR_HOSTS 256

int diag_spans(const struct diag *d, int nhosts, sim_time_t *span)
{
	size_t nh = nhosts > 0 && nhosts <= SPAN_DIR_HOSTS ? (size_t)nhosts : 0;
	sim_time_t *dir = nh ? malloc(nh * nh * sizeof *dir) : NULL;
	if (nh && !dir)
		return -1;
	for (size_t k = 0; k < nh * nh; k++)
		dir[k] = -1;
	sim_time_t any = -1;
	/* forward: what was measured, and the latest delivered delay */
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		span[i] = 0;
		if (it->kind != DIAG_SEG)
			continue;
		bool known = it->host >= 0 && it->peer >= 0 &&
			     (size_t)it->host < nh && (size_t)it->peer < nh;
		size_t k = known ? (size_t)it->host * nh + (size_t)it->peer : 0;
		bool lost = it->marks & DIAG_LOST;
		if (it->end > it->t || (it->end == it->t && !lost)) {
			span[i] = it->end - it->t;
			if (!lost) {
				any = span[i];
				if (known)
					dir[k] = span[i];
			}
			continue;
		}
		span[i] = known && dir[k] >= 0 ? dir[k] : -1;
	}
	/* backward: the next delivered delay, for what is still unknown */
	for (size_t k = 0; k < nh * nh; k++)
		dir[k] = -1;
	sim_time_t next_any = -1;
	for (size_t i = d->n; i-- > 0;) {
		const struct diag_item *it = &d->it[i];
		if (it->kind != DIAG_SEG)
			continue;
		bool known = it->host >= 0 && it->peer >= 0 &&
			     (size_t)it->host < nh && (size_t)it->peer < nh;
		size_t k = known ? (size_t)it->host * nh + (size_t)it->peer : 0;
		if (it->end >= it->t && !(it->marks & DIAG_LOST)) {
			next_any = it->end - it->t;
			if (known)
				dir[k] = next_any;
		} else if (span[i] < 0) {
			span[i] = known && dir[k] >= 0 ? dir[k]
				  : next_any >= 0     ? next_any
				  : any >= 0	      ? any
							: 0;
		}
	}
	free(dir);
	return 0;
}

/* Append ", " (unless first) and the formatted text to buf at *len. */
static void add_word(char *buf, size_t n, size_t *len, const char *fmt,
		     const char *a, const char *b)
{
	if (*len >= n)
		return;
	int w = snprintf(buf + *len, n - *len, "%s", *len ? ", " : "");
	*len += w > 0 ? (size_t)w : 0;
	if (*len >= n)
		return;
	w = snprintf(buf + *len, n - *len, fmt, a, b);
	*len += w > 0 ? (size_t)w : 0;
}

void diag_marks_fmt(const struct diag_item *it, char *buf, size_t n)
{
	size_t len = 0;
	char tb[32];
	if (!n)
		return;
	buf[0] = '\0';
	if (it->marks & DIAG_INJECTED)
		add_word(buf, n, &len, "injected%s%s", "", "");
	if (it->marks & DIAG_REXMIT)
		add_word(buf, n, &len, "retransmission%s%s", "", "");
	if (it->marks & DIAG_DUP)
		add_word(buf, n, &len, "duplicate%s%s",
			 it->dup_rule ? " by rule " : "",
			 it->dup_rule ? it->dup_rule : "");
	if (it->marks & DIAG_DELAYED) {
		sim_time_fmt_short(it->delay, tb, sizeof tb);
		add_word(buf, n, &len, "delayed %s more%s", tb,
			 it->delay_rule ? " (rule)" : "");
	}
	if (it->marks & DIAG_CORRUPT)
		add_word(buf, n, &len, "corrupted%s%s", "", "");
	if (it->marks & DIAG_HELD)
		add_word(buf, n, &len, "held back%s%s", "", "");
	if (it->marks & DIAG_CE)
		add_word(buf, n, &len, "marked CE%s%s", "", "");
	if (it->marks & DIAG_RESTART)
		add_word(buf, n, &len, "2·MSL restarted%s%s", "", "");
	if (it->marks & DIAG_DISCARDED)
		add_word(buf, n, &len, "discarded by the receiver%s%s", "", "");
	if (it->marks & DIAG_CHALLENGED)
		add_word(buf, n, &len, "challenged by the receiver%s%s", "", "");
	if (it->marks & DIAG_LOST)
		add_word(buf, n, &len, "lost: %s%s",
			 it->rule ? "rule " : (it->why ? it->why : "?"),
			 it->rule ? it->rule : "");
}

void diag_state_fmt(const struct trace *tr, const struct diag_item *it,
		    char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", tr->state_name(it->state),
		 (it->marks & DIAG_EXPIRED) ? " (2·MSL expired)" : "");
}

int diag_time_digits(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->it[i].t % 1000 || (d->it[i].end > 0 && d->it[i].end % 1000))
			return 9;
	return 6;
}

void diag_time_fmt(sim_time_t t, int digits, char *buf, size_t n)
{
	uint64_t u = (uint64_t)(t < 0 ? 0 : t);
	uint64_t s = u / 1000000000u, ns = u % 1000000000u;
	if (digits == 6)
		snprintf(buf, n, "%" PRIu64 ".%06" PRIu64, s, ns / 1000);
	else
		snprintf(buf, n, "%" PRIu64 ".%09" PRIu64, s, ns);
}

/* ---- rendering ------------------------------------------------------- */

static const char *diag_format(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash) || dot == path ||
	    (slash && dot == slash + 1))
		return NULL;
	if (strcmp(dot, ".svg") == 0)
		return "svg";
	if (strcmp(dot, ".png") == 0)
		return "png";
	if (strcmp(dot, ".pdf") == 0)
		return "pdf";
	return NULL;
}

static int diag_check_path(const char *path, char *err, size_t n)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	char dir[4096];
	if (len >= sizeof dir)
		len = sizeof dir - 1;
	if (slash && len == 0)
		len = 1; /* "/x.svg" */
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)len, path);
	else
		snprintf(dir, sizeof dir, ".");
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, n, "%s: is a directory", path);
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, n, "%s: no directory %s", path, dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, n, "%s: cannot write in %s: %s", path, dir,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static bool diag_have_program(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/bin:/bin";
	size_t plen = strlen(prog);
	for (const char *p = path;; p++) {
		const char *e = strchr(p, ':');
		size_t dlen = e ? (size_t)(e - p) : strlen(p);
		char buf[4096];
		if (dlen + plen + 2 <= sizeof buf) {
			/* an empty entry means the current directory */
			if (dlen)
				snprintf(buf, sizeof buf, "%.*s/%s", (int)dlen, p,
					 prog);
			else
				snprintf(buf, sizeof buf, "./%s", prog);
			struct stat st;
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(buf, X_OK) == 0)
				return true;
		}
		if (!e)
			return false;
		p = e;
	}
}

const char *diag_prepare(const char *path, const char *prog,
			 const char *package, const char *alt, char *err,
			 size_t n)
{
	return diag_prepare_as(path, "svg png pdf", prog, package, alt, err, n);
}

const char *diag_prepare_as(const char *path, const char *types,
			    const char *prog, const char *package,
			    const char *alt, char *err, size_t n)
{
	const char *fmt = diag_format(path);
	size_t flen = fmt ? strlen(fmt) : 0;
	const char *hit = fmt ? strstr(types, fmt) : NULL;
	/* a whole word of `types` */
	if (hit && ((hit > types && hit[-1] != ' ') ||
		    (hit[flen] != '\0' && hit[flen] != ' ')))
		hit = NULL;
	if (!hit) {
		/* ".svg, .png or .pdf" from "svg png pdf" */
		char list[64] = "";
		size_t len = 0, words = 0, k = 0;
		for (const char *t = types; *t; t++)
			words += (t == types || t[-1] == ' ') && *t != ' ';
		for (const char *t = types; *t && len < sizeof list;) {
			size_t w = strcspn(t, " ");
			if (w) {
				k++;
				int r = snprintf(list + len, sizeof list - len,
						 "%s.%.*s",
						 k == 1	      ? ""
						 : k == words ? " or "
							      : ", ",
						 (int)w, t);
				len += r > 0 ? (size_t)r : 0;
			}
			t += w + (t[w] == ' ');
		}
		snprintf(err, n, "%s: the picture's type comes from its name: "
				 "use %s", path, list);
		return NULL;
	}
	if (diag_check_path(path, err, n) < 0)
		return NULL;
	if (!diag_have_program(prog)) {
		snprintf(err, n, "%s: %s is not installed (not found on PATH); "
				 "install it (Debian: apt-get install %s)%s",
			 path, prog, package, alt);
		return NULL;
	}
	return fmt;
}

void diag_warning_fmt(const char *prog, const char *said, char *buf,
		      size_t n)
{
	size_t len = 0;
	if (!n)
		return;
	buf[0] = '\0';
	while (*said && len + 1 < n) {
		size_t w = strcspn(said, "\n");
		int r = snprintf(buf + len, n - len, "%s%s: %.*s",
				 len ? "\n" : "", prog, (int)w, said);
		len += r > 0 ? (size_t)r : 0;
		said += w + (said[w] == '\n');
	}
	if (len >= n)
		buf[n - 1] = '\0';
}

/* Run argv with standard input from /dev/null, environment envp, and its
 * output (standard output and error both) kept in out; returns the wait
 * status, or -1 with the reason in out if it could not be started. */
static int run(char *const argv[], char *const envp[], char *out, size_t n)
{
	int pfd[2];
	out[0] = '\0';
	if (pipe(pfd) < 0) {
		snprintf(out, n, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	(void)fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_t fa;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						      O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	if (rc == 0 && pfd[1] > 2)
		rc = posix_spawn_file_actions_addclose(&fa, pfd[1]);
	pid_t pid = -1;
	if (rc == 0)
		rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		snprintf(out, n, "cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	/* Keep the end of what it says: gnuplot, for one, repeats the
	 * offending command before its message. */
	size_t len = 0;
	for (;;) {
		char buf[512];
		ssize_t r = read(pfd[0], buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t take = (size_t)r;
		const char *from = buf;
		if (take > n - 1) {
			from += take - (n - 1);
			take = n - 1;
		}
		if (len + take > n - 1) {
			size_t drop = len + take - (n - 1);
			memmove(out, out + drop, len - drop);
			len -= drop;
		}
		memcpy(out + len, from, take);
		len += take;
		out[len] = '\0';
	}
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(out, n, "waiting for %s: %s", argv[0],
				 strerror(errno));
			return -1;
		}
	}
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	/* begin at a line if the start was cut off */
	char *nl = len == n - 1 ? strchr(out, '\n') : NULL;
	if (nl)
		memmove(out, nl + 1, strlen(nl + 1) + 1);
	return status;
}

#define RENDER_MAX_ARGS 16

/* The renderer's environment: ours, with the time zone UTC and
 * SOURCE_DATE_EPOCH 0, so that whatever date a program writes into a
 * picture (cairo's PDF /CreationDate) does not depend on where it runs.
 * NULL if memory runs out. */
static char **render_env(void)
{
	static char tz[] = "TZ=UTC0", sde[] = "SOURCE_DATE_EPOCH=0";
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = malloc((n + 3) * sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "TZ=", 3) != 0 &&
		    strncmp(environ[i], "SOURCE_DATE_EPOCH=", 18) != 0)
			env[k++] = environ[i];
	env[k++] = tz;
	env[k++] = sde;
	env[k] = NULL;
	return env;
}

/* The fixed date a PDF gets, as cairo spells dates: 1970-01-01 00:00:00,
 * the SOURCE_DATE_EPOCH given to the renderer. */
#define PDF_DATE "19700101000000"

/* Overwrite the digits of every "/CreationDate (D:" and "/ModDate (D:"
 * in the PDF at path with PDF_DATE, in place: the same number of bytes,
 * so the cross-reference table's offsets stay right. cairo 1.16 writes
 * the wall-clock time there whatever the environment says; this makes
 * the same run give the same bytes. Returns 0 or -1 with errno. */
static int pdf_fix_dates(const char *path)
{
	static const char *const keys[] = {"/CreationDate (D:", "/ModDate (D:"};
	FILE *f = fopen(path, "r+b");
	if (!f)
		return -1;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;
	for (;;) {
		if (grow(&buf, &cap, len + 65536, 1, 65536) < 0) {
			errno = ENOMEM;
			goto out;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		goto out;
	for (size_t k = 0; k < 2; k++) {
		size_t kl = strlen(keys[k]);
		for (size_t i = 0; i + kl <= len; i++) {
			if (memcmp(buf + i, keys[k], kl) != 0)
				continue;
			size_t at = i + kl, d = 0;
			while (d < 14 && at + d < len && buf[at + d] >= '0' &&
			       buf[at + d] <= '9')
				d++;
			if (memcmp(buf + at, PDF_DATE, d) == 0)
				continue;
			if (fseek(f, (long)at, SEEK_SET) != 0 ||
			    fwrite(PDF_DATE, 1, d, f) != d)
				goto out;
		}
	}
	rc = fflush(f) == 0 ? 0 : -1;
out:
	free(buf);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int diag_render(const char *path, struct outfile *dst,
		int (*emit_input)(FILE *f, void *ctx), void *ctx,
		const char *const argv[], char *err, size_t n)
{
	struct outfile src = {0};
	char *inpath = NULL;
	int ret = -1;
	const char *prog = argv[0];

	/* The input: "DIR/.NAME.in.XXXXXX", written and closed. */
	size_t len = strlen(path) + 4;
	inpath = malloc(len);
	if (!inpath) {
		snprintf(err, n, "%s: out of memory", path);
		return -1;
	}
	snprintf(inpath, len, "%s.in", path);
	if (outfile_open(dst, path, err, n) < 0 ||
	    outfile_open(&src, inpath, err, n) < 0)
		goto out;
	if (emit_input(src.f, ctx) < 0 || fflush(src.f) != 0 || ferror(src.f)) {
		snprintf(err, n, "%s: cannot write %s's input: %s", path, prog,
			 strerror(errno));
		goto out;
	}

	char *args[RENDER_MAX_ARGS + 1];
	size_t k = 0;
	for (; argv[k] && k < RENDER_MAX_ARGS; k++) {
		const char *a = argv[k];
		if (strcmp(a, "{in}") == 0)
			a = outfile_tmp_path(&src);
		else if (strcmp(a, "{out}") == 0)
			a = outfile_tmp_path(dst);
		args[k] = (char *)a; /* posix_spawn's argv is not const */
	}
	args[k] = NULL;
	char msg[600];
	char **env = render_env();
	if (!env) {
		snprintf(err, n, "%s: out of memory", path);
		goto out;
	}
	int status = run(args, env, msg, sizeof msg);
	free(env);
	if (status == -1) {
		snprintf(err, n, "%s", msg);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char how[64];
		if (WIFEXITED(status))
			snprintf(how, sizeof how, "exit status %d",
				 WEXITSTATUS(status));
		else
			snprintf(how, sizeof how, "killed by signal %d",
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		snprintf(err, n, "%s failed (%s)%s%s", prog, how,
			 *msg ? ": " : "", msg);
		goto out;
	}
	struct stat st;
	if (stat(outfile_tmp_path(dst), &st) != 0 || st.st_size == 0) {
		snprintf(err, n, "%s wrote no %s%s%s", prog, path,
			 *msg ? ": " : "", msg);
		goto out;
	}
	const char *fmt = diag_format(path);
	if (fmt && strcmp(fmt, "pdf") == 0 &&
	    pdf_fix_dates(outfile_tmp_path(dst)) < 0) {
		snprintf(err, n, "%s: cannot fix the PDF's date: %s", path,
			 strerror(errno));
		goto out;
	}
	/* success: what the program said (warnings), if anything */
	snprintf(err, n, "%s", msg);
	ret = 0;
out:
	if (ret < 0)
		outfile_abort(dst);
	outfile_abort(&src);
	free(inpath);
	return ret;
}
