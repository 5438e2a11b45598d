/* hostsel.c — see hostsel.h.
 *
 * Segment numbers are given out in sending order, so what each segment
 * stands for in the picture is kept in an array indexed by its number,
 * grown as segments are sent: 16 bytes a segment, only while a picture
 * of some hosts is asked for.
 */
#include "sim/diagram/hostsel.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"
#include "sim/engine/grow.h"

int hostsel_parse(const char *list, const char *const *names, int nhosts,
		  bool *show, char *err, size_t n)
{
	for (int h = 0; h < nhosts; h++)
		show[h] = false;
	const char *p = list;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (!len) {
			snprintf(err, n, "--hosts wants host names separated "
					 "by commas, e.g. client,server");
			return -1;
		}
		int found = -1;
		for (int h = 0; h < nhosts && found < 0; h++)
			if (strlen(names[h]) == len &&
			    memcmp(names[h], p, len) == 0)
				found = h;
		if (found < 0) {
			snprintf(err, n, "--hosts: no host named '%.*s' in the "
					 "scenario",
				 (int)len, p);
			return -1;
		}
		if (show[found]) {
			snprintf(err, n, "--hosts: '%.*s' named twice", (int)len,
				 p);
			return -1;
		}
		show[found] = true;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/* What a segment stands for in the picture: the segment a shown host
 * sent (its number), from which shown host to which; orig 0: none. */
struct stand {
	uint64_t orig;
	int32_t from, to;
};

/* A shown host's address, for finding a segment's destination. */
struct addr_of {
	uint32_t addr;
	int host; /* in the picture's numbering */
};

struct hostsel {
	struct trace_sink base;
	struct trace_sink *inner;
	int nhosts;
	int *idx;              /* per host of the run: in the picture, or -1 */
	struct trace shown;    /* the run as the inner sink sees it */
	const char **names;
	uint32_t *addrs;
	struct addr_of *by_addr; /* sorted by address */
	int nshown;
	struct stand *st;
	size_t cap;
	bool ready, oom;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct addr_of *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->host - y->host;
}

/* The picture's trace, made once the run's names and addresses exist. */
static bool ready(struct hostsel *f, const struct trace *tr)
{
	if (f->ready)
		return !f->oom;
	f->ready = true;
	f->shown = *tr;
	f->shown.nsinks = 0;
	f->shown.sinks = NULL;
	f->names = calloc((size_t)f->nshown + 1, sizeof *f->names);
	f->addrs = calloc((size_t)f->nshown + 1, sizeof *f->addrs);
	f->by_addr = calloc((size_t)f->nshown + 1, sizeof *f->by_addr);
	if (!f->names || !f->addrs || !f->by_addr) {
		f->oom = true;
		return false;
	}
	for (int h = 0; h < f->nhosts && h < tr->nhosts; h++) {
		int k = f->idx[h];
		if (k < 0)
			continue;
		f->names[k] = trace_host_name(tr, h);
		f->addrs[k] = tr->host_addrs ? tr->host_addrs[h] : 0;
		f->by_addr[k] = (struct addr_of){f->addrs[k], k};
	}
	qsort(f->by_addr, (size_t)f->nshown, sizeof *f->by_addr, cmp_addr);
	f->shown.nhosts = f->nshown;
	f->shown.host_names = f->names;
	f->shown.host_addrs = f->addrs;
	return true;
}

/* The shown host with address a, or -1. */
static int host_at(const struct hostsel *f, uint32_t a)
{
	size_t lo = 0, hi = (size_t)f->nshown;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->by_addr[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < (size_t)f->nshown && f->by_addr[lo].addr == a
		       ? f->by_addr[lo].host
		       : -1;
}

static int shown(const struct hostsel *f, int h)
{
	return h >= 0 && h < f->nhosts ? f->idx[h] : -1;
}

static struct stand *stand_of(struct hostsel *f, uint64_t pkt)
{
	return pkt < f->cap ? &f->st[pkt] : NULL;
}

static void set_stand(struct hostsel *f, uint64_t pkt, struct stand s)
{
	if (pkt >= SIZE_MAX / sizeof *f->st ||
	    grow(&f->st, &f->cap, (size_t)pkt + 1, sizeof *f->st, 1024) < 0) {
		f->oom = true;
		return;
	}
	f->st[pkt] = s;
}

static void pass(struct hostsel *f, const struct trace_event *ev)
{
	if (f->inner->mask & TR_BIT(ev->kind))
		f->inner->emit(f->inner, &f->shown, ev);
}

/* A segment sent: by a shown host toward a shown next hop, or through
 * hosts not shown toward a shown destination, it is drawn; forwarded by
 * a host not shown, it goes on standing for what it stood for. */
static void on_send(struct hostsel *f, struct trace_event *ev)
{
	int from = shown(f, ev->host);
	if (from < 0) {
		const struct stand *s = (ev->b & TR_SEND_FORWARDED)
						? stand_of(f, (uint64_t)ev->v[0])
						: NULL;
		if (s && s->orig)
			set_stand(f, ev->pkt, *s);
		return;
	}
	int to = shown(f, ev->peer);
	if (to < 0 && ev->seg)
		to = host_at(f, ev->seg->daddr);
	if (to < 0)
		return;
	set_stand(f, ev->pkt, (struct stand){ev->pkt, from, to});
	ev->host = from;
	ev->peer = to;
	pass(f, ev);
}

static void hosts_emit(struct trace_sink *s, const struct trace *tr,
		       const struct trace_event *in)
{
	struct hostsel *f = (struct hostsel *)s;
	if (!ready(f, tr))
		return;
	struct trace_event ev = *in;
	const struct stand *st;
	switch (ev.kind) {
	case TR_RUN:
		pass(f, &ev);
		break;
	case TR_SEND:
		on_send(f, &ev);
		break;
	case TR_RECV:
	case TR_IGNORE:
		st = stand_of(f, ev.pkt);
		if ((ev.host = shown(f, ev.host)) < 0 || !st || !st->orig)
			break;
		ev.pkt = st->orig;
		ev.peer = st->from;
		pass(f, &ev);
		break;
	case TR_DROP:
	case TR_LINK:
	case TR_QUEUE:
		if (ev.kind == TR_LINK && !ev.seg) { /* a direction */
			ev.host = shown(f, ev.host);
			ev.peer = shown(f, ev.peer);
			if (ev.host >= 0 && ev.peer >= 0)
				pass(f, &ev);
			break;
		}
		st = stand_of(f, ev.pkt);
		if (!st || !st->orig)
			break;
		struct stand was = *st;
		ev.pkt = was.orig;
		ev.host = was.from;
		ev.peer = was.to;
		/* a copy the network made stands for itself from now on */
		if (ev.kind == TR_LINK && strcmp(ev.name, "duplicate") == 0)
			set_stand(f, (uint64_t)ev.v[0],
				  (struct stand){(uint64_t)ev.v[0], was.from,
						 was.to});
		pass(f, &ev);
		break;
	default: /* about a host and its connections */
		if ((ev.host = shown(f, ev.host)) < 0)
			break;
		if (ev.peer >= 0)
			ev.peer = shown(f, ev.peer);
		pass(f, &ev);
		break;
	}
}

static int hosts_finish(struct trace_sink *s, const struct trace *tr)
{
	struct hostsel *f = (struct hostsel *)s;
	if (!ready(f, tr))
		return -1;
	int rc = f->inner->finish ? f->inner->finish(f->inner, &f->shown) : 0;
	s->error = f->inner->error;
	s->warning = f->inner->warning;
	return f->oom ? -1 : rc;
}

static int hosts_commit(struct trace_sink *s)
{
	struct hostsel *f = (struct hostsel *)s;
	int rc = f->inner->commit ? f->inner->commit(f->inner) : 0;
	s->error = f->inner->error;
	return rc;
}

static void hosts_destroy(struct trace_sink *s)
{
	struct hostsel *f = (struct hostsel *)s;
	if (f->inner && f->inner->destroy)
		f->inner->destroy(f->inner);
	free(f->idx);
	free(f->names);
	free(f->addrs);
	free(f->by_addr);
	free(f->st);
	free(f);
}

struct trace_sink *sink_hosts_new(struct trace_sink *inner, const bool *show,
				  int nhosts)
{
	if (!inner)
		return NULL;
	struct hostsel *f = calloc(1, sizeof *f);
	int *idx = calloc(nhosts > 0 ? (size_t)nhosts : 1, sizeof *idx);
	if (!f || !idx) {
		free(f);
		free(idx);
		if (inner->destroy)
			inner->destroy(inner);
		return NULL;
	}
	f->inner = inner;
	f->nhosts = nhosts;
	f->idx = idx;
	for (int h = 0; h < nhosts; h++)
		idx[h] = show[h] ? f->nshown++ : -1;
	f->base.emit = hosts_emit;
	f->base.finish = hosts_finish;
	f->base.commit = inner->commit ? hosts_commit : NULL;
	f->base.destroy = hosts_destroy;
	/* every send, to follow a segment through the hosts not shown */
	f->base.mask = inner->mask | TR_BIT(TR_SEND);
	return &f->base;
}
