/* pages.c — see pages.h. */
#include "sim/diagram/pages.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/grow.h"
#include "sim/out/outfile.h"

/* A conversation: the hosts a and b (a <= b; b = a for a segment to no
 * host) and its page. Open addressing, keyed by the pair. */
struct conv {
	int a, b;
	int page;            /* -1: empty slot */
};

struct convs {
	struct conv *t;
	size_t cap;          /* a power of two */
};

static size_t conv_slot(const struct convs *m, int a, int b)
{
	size_t h = ((size_t)(unsigned)a * 2654435761u) ^
		   ((size_t)(unsigned)b * 40503u);
	size_t i = h & (m->cap - 1);
	while (m->t[i].page >= 0 && (m->t[i].a != a || m->t[i].b != b))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The page of conversation (a, b), -1 if it has none. */
static int conv_page(const struct convs *m, int a, int b)
{
	if (a > b) {
		int t = a;
		a = b;
		b = t;
	}
	return m->t[conv_slot(m, a, b)].page;
}

/* An address and its host, sorted by address. */
struct addr_host {
	uint32_t addr;
	int host;
};

static int cmp_addr(const void *x, const void *y)
{
	const struct addr_host *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (a->host > b->host) - (a->host < b->host);
}

static int host_of(const struct addr_host *v, int n, uint32_t addr)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].addr == addr ? v[lo].host : -1;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

/* Which pages item i goes on: one (*one >= 0), or every page that holds
 * host h1 (and h2, if h2 >= 0). */
static void item_pages(const struct diag *d, size_t i, const int *seg_page,
		       const struct convs *m, const struct addr_host *addrs,
		       int naddrs, int *one, int *h1, int *h2)
{
	const struct diag_item *it = &d->it[i];
	*one = -1;
	*h1 = it->host;
	*h2 = -1;
	switch (it->kind) {
	case DIAG_SEG:
	case DIAG_ARRIVE:
	case DIAG_DROP:
	case DIAG_DISCARD:
		*one = seg_page[it->kind == DIAG_SEG ? i : it->seg];
		break;
	case DIAG_STATE: {
		int peer = it->raddr ? host_of(addrs, naddrs, it->raddr) : -1;
		int pg = peer >= 0 && it->host >= 0
				 ? conv_page(m, it->host, peer)
				 : -1;
		if (pg >= 0)
			*one = pg;
		break;
	}
	case DIAG_LINK:
		*h2 = it->peer;
		break;
	case DIAG_HOST:
	case DIAG_TIMER:
	case DIAG_TCB:
		break;
	}
}

/* Fill page k's items from d: those on it, hosts renumbered. */
static int fill_page(const struct diag *d, struct diag_page *pg, int k,
		     const int *seg_page, const struct convs *m,
		     const struct addr_host *addrs, int naddrs, int *local,
		     size_t *renum)
{
	for (int j = 0; j < pg->nhosts; j++)
		local[pg->hosts[j]] = j;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		int one, h1, h2;
		renum[i] = SIZE_MAX;
		item_pages(d, i, seg_page, m, addrs, naddrs, &one, &h1, &h2);
		bool on = one >= 0 ? one == k
				   : h1 >= 0 && local[h1] >= 0 &&
					     (h2 < 0 || local[h2] >= 0);
		if (it->kind == DIAG_LINK && (h1 < 0 || h2 < 0))
			on = false;
		if (!on)
			continue;
		if (grow(&pg->d.it, &pg->d.cap, pg->d.n + 1, sizeof *pg->d.it,
			 256) < 0)
			return -1;
		struct diag_item *c = &pg->d.it[pg->d.n];
		*c = *it;
		c->host = it->host >= 0 ? local[it->host] : -1;
		c->peer = it->peer >= 0 ? local[it->peer] : -1;
		if (it->kind == DIAG_ARRIVE || it->kind == DIAG_DROP) {
			if (renum[it->seg] == SIZE_MAX)
				continue; /* its segment is on another page */
			c->seg = renum[it->seg];
		}
		renum[i] = pg->d.n++;
	}
	for (int j = 0; j < pg->nhosts; j++)
		local[pg->hosts[j]] = -1;
	return 0;
}

/* One page of every host: the run is not paged. */
static int one_page(const struct diag *d, const struct trace *tr,
		    struct diag_pages *pg)
{
	pg->p = calloc(1, sizeof *pg->p);
	if (!pg->p)
		return -1;
	pg->n = 1;
	struct diag_page *p = &pg->p[0];
	int nh = tr->nhosts > 0 ? tr->nhosts : 0;
	p->hosts = malloc(((size_t)nh + 1) * sizeof *p->hosts);
	p->names = malloc(((size_t)nh + 1) * sizeof *p->names);
	p->d.it = malloc((d->n ? d->n : 1) * sizeof *p->d.it);
	if (!p->hosts || !p->names || !p->d.it)
		return -1;
	p->nhosts = nh;
	for (int h = 0; h < nh; h++) {
		p->hosts[h] = h;
		p->names[h] = trace_host_name(tr, h);
	}
	if (d->n)
		memcpy(p->d.it, d->it, d->n * sizeof *d->it);
	p->d.n = p->d.cap = d->n;
	return 0;
}

int diag_paginate(const struct diag *d, const struct trace *tr, int max,
		  struct diag_pages *pg)
{
	memset(pg, 0, sizeof *pg);
	int nh = tr->nhosts;
	if (nh <= max || max < 2)
		return one_page(d, tr, pg) < 0 ? (diag_pages_free(pg), -1) : 0;
	pg->of_hosts = nh;
	int ret = -1;
	struct convs m = {0};
	size_t nseg = 0;
	for (size_t i = 0; i < d->n; i++)
		nseg += d->it[i].kind == DIAG_SEG;
	for (m.cap = 16; m.cap < 2 * nseg + 16; m.cap *= 2)
		;
	m.t = malloc(m.cap * sizeof *m.t);
	int *seg_page = malloc((d->n ? d->n : 1) * sizeof *seg_page);
	int *mark = malloc((size_t)nh * sizeof *mark);
	int *local = malloc((size_t)nh * sizeof *local);
	size_t *renum = malloc((d->n ? d->n : 1) * sizeof *renum);
	struct addr_host *addrs = malloc((size_t)nh * sizeof *addrs);
	size_t pcap = 0;
	if (!m.t || !seg_page || !mark || !local || !renum || !addrs)
		goto out;
	for (size_t k = 0; k < m.cap; k++)
		m.t[k].page = -1;
	for (int h = 0; h < nh; h++) {
		mark[h] = local[h] = -1;
		addrs[h] = (struct addr_host){
			tr->host_addrs ? tr->host_addrs[h] : 0, h};
	}
	qsort(addrs, (size_t)nh, sizeof *addrs, cmp_addr);
	/* conversations onto pages, in the order they begin */
	int cur = -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->it[i];
		seg_page[i] = -1;
		if (it->kind != DIAG_SEG || it->host < 0 || it->host >= nh)
			continue;
		int a = it->host, b = it->peer >= 0 && it->peer < nh ? it->peer : a;
		if (a > b) {
			int t = a;
			a = b;
			b = t;
		}
		size_t s = conv_slot(&m, a, b);
		if (m.t[s].page < 0) {
			int need = (cur < 0 || mark[a] != cur) +
				   (b != a && (cur < 0 || mark[b] != cur));
			if (cur < 0 || pg->p[cur].nhosts + need > max) {
				if (grow(&pg->p, &pcap, pg->n + 1, sizeof *pg->p,
					 8) < 0)
					goto out;
				cur = (int)pg->n++;
				memset(&pg->p[cur], 0, sizeof pg->p[cur]);
				pg->p[cur].hosts = malloc((size_t)max *
							  sizeof(int));
				if (!pg->p[cur].hosts)
					goto out;
			}
			struct diag_page *p = &pg->p[cur];
			if (mark[a] != cur) {
				mark[a] = cur;
				p->hosts[p->nhosts++] = a;
			}
			if (mark[b] != cur) {
				mark[b] = cur;
				p->hosts[p->nhosts++] = b;
			}
			m.t[s] = (struct conv){a, b, cur};
		}
		seg_page[i] = m.t[s].page;
	}
	if (pg->n == 0) { /* no segment at all: one page of every host */
		pg->of_hosts = 0;
		ret = one_page(d, tr, pg);
		goto out;
	}
	for (size_t k = 0; k < pg->n; k++) {
		struct diag_page *p = &pg->p[k];
		qsort(p->hosts, (size_t)p->nhosts, sizeof *p->hosts, cmp_int);
		p->names = malloc((size_t)p->nhosts * sizeof *p->names);
		if (!p->names)
			goto out;
		for (int j = 0; j < p->nhosts; j++)
			p->names[j] = trace_host_name(tr, p->hosts[j]);
		snprintf(p->title, sizeof p->title, "%s, page %zu of %zu",
			 tr->scenario ? tr->scenario : "-", k + 1, pg->n);
		if (fill_page(d, p, (int)k, seg_page, &m, addrs, nh, local,
			      renum) < 0)
			goto out;
	}
	ret = 0;
out:
	free(m.t);
	free(seg_page);
	free(mark);
	free(local);
	free(renum);
	free(addrs);
	if (ret < 0)
		diag_pages_free(pg);
	return ret;
}

void diag_pages_free(struct diag_pages *pg)
{
	for (size_t k = 0; k < pg->n; k++) {
		free(pg->p[k].hosts);
		free(pg->p[k].names);
		free(pg->p[k].d.it);
	}
	free(pg->p);
	memset(pg, 0, sizeof *pg);
}

char *diag_page_path(const char *path, size_t k)
{
	size_t n = strlen(path) + 24;
	char *s = malloc(n);
	if (!s)
		return NULL;
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (k == 0 || !dot || (slash && dot < slash))
		dot = path + strlen(path);
	if (k == 0)
		snprintf(s, n, "%s", path);
	else
		snprintf(s, n, "%.*s-%zu%s", (int)(dot - path), path, k + 1,
			 dot);
	return s;
}

void diag_page_trace(const struct diag_page *p, const struct trace *tr,
		     struct trace *view)
{
	*view = *tr;
	view->nhosts = p->nhosts;
	view->host_names = p->names;
	view->host_addrs = NULL;
	if (p->title[0])
		view->scenario = p->title;
}

void diag_pages_note(const struct diag_pages *pg, const char *path,
		     char *buf, size_t n)
{
	if (n)
		buf[0] = '\0';
	if (!pg->of_hosts || !n)
		return;
	char *last = diag_page_path(path, pg->n - 1);
	snprintf(buf, n,
		 "%d hosts, drawn on %zu pages of at most %d hosts each, a "
		 "conversation whole on one: %s%s%s (docs/diagrams.md)",
		 pg->of_hosts, pg->n, PAGE_HOSTS, path,
		 pg->n > 2 ? " … " : pg->n == 2 ? ", " : "",
		 pg->n > 1 && last ? last : "");
	free(last);
}

int diag_pages_commit(struct outfile *out, size_t n, char *err, size_t en)
{
	for (size_t k = 0; k < n; k++)
		if (outfile_commit(&out[k], err, en) < 0)
			return -1;
	return 0;
}

void diag_pages_abort(struct outfile *out, size_t n)
{
	for (size_t k = 0; k < n; k++)
		outfile_abort(&out[k]);
	free(out);
}
