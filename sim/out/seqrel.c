/* seqrel.c — see seqrel.h. An open-addressing hash table of directions,
 * grown by doubling; only sinks that draw relative numbers use it. */
#include "sim/out/seqrel.h"

#include <stdlib.h>
#include <string.h>

void seqrel_init(struct seqrel *r)
{
	memset(r, 0, sizeof *r);
}

void seqrel_fini(struct seqrel *r)
{
	free(r->t);
	memset(r, 0, sizeof *r);
}

static size_t flow_hash(uint32_t saddr, uint16_t sport, uint32_t daddr,
			uint16_t dport)
{
	uint64_t k = ((uint64_t)saddr << 32 | daddr) ^
		     ((uint64_t)sport << 16 | dport) * UINT64_C(0x9e3779b97f4a7c15);
	k ^= k >> 31;
	k *= UINT64_C(0xbf58476d1ce4e5b9);
	k ^= k >> 29;
	return (size_t)k;
}

static struct seqrel_flow *slot(const struct seqrel *r, uint32_t saddr,
				uint16_t sport, uint32_t daddr, uint16_t dport)
{
	if (!r->t)
		return NULL;
	size_t i = flow_hash(saddr, sport, daddr, dport) & r->mask;
	for (;; i = (i + 1) & r->mask) {
		struct seqrel_flow *f = &r->t[i];
		if (!f->used || (f->saddr == saddr && f->sport == sport &&
				 f->daddr == daddr && f->dport == dport))
			return f;
	}
}

static int grow(struct seqrel *r)
{
	size_t size = r->t ? 2 * (r->mask + 1) : 64;
	struct seqrel_flow *t = calloc(size, sizeof *t);
	if (!t)
		return -1;
	struct seqrel old = *r;
	r->t = t;
	r->mask = size - 1;
	for (size_t i = 0; old.t && i <= old.mask; i++) {
		const struct seqrel_flow *f = &old.t[i];
		if (f->used)
			*slot(r, f->saddr, f->sport, f->daddr, f->dport) = *f;
	}
	free(old.t);
	return 0;
}

int seqrel_note(struct seqrel *r, const struct tcp_seg *s)
{
	struct seqrel_flow *f = slot(r, s->saddr, s->sport, s->daddr, s->dport);
	if (f && f->used) {
		if (s->flags & TCP_SYN)
			f->base = s->seq;
		return 0;
	}
	/* a new direction: keep the table at most half full */
	if (!r->t || 2 * (r->n + 1) > r->mask + 1) {
		if (grow(r) < 0)
			return -1;
		f = slot(r, s->saddr, s->sport, s->daddr, s->dport);
	}
	f->used = true;
	f->saddr = s->saddr;
	f->sport = s->sport;
	f->daddr = s->daddr;
	f->dport = s->dport;
	f->base = (s->flags & TCP_SYN) ? s->seq : s->seq - 1;
	r->n++;
	return 0;
}

uint32_t seqrel_of(const struct seqrel *r, uint32_t saddr, uint16_t sport,
		   uint32_t daddr, uint16_t dport, uint32_t v)
{
	const struct seqrel_flow *f = slot(r, saddr, sport, daddr, dport);
	return f && f->used ? v - f->base : v;
}

uint32_t seqrel_seq(const struct seqrel *r, const struct tcp_seg *s)
{
	return seqrel_of(r, s->saddr, s->sport, s->daddr, s->dport, s->seq);
}

uint32_t seqrel_ack(const struct seqrel *r, const struct tcp_seg *s)
{
	return seqrel_of(r, s->daddr, s->dport, s->saddr, s->sport, s->ack);
}
