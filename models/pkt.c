/* pkt.c — chunked free-list allocator for packets. */
#include "models/pkt.h"
#include "sim/engine/grow.h"

#include <stdlib.h>
#include <string.h>

#define PKTS_PER_CHUNK 64

void pkt_pool_init(struct pkt_pool *pp, uint32_t payload_cap)
{
	memset(pp, 0, sizeof *pp);
	pp->cap = payload_cap;
	size_t a = _Alignof(struct pkt);
	pp->size[0] = (sizeof(struct pkt) + a - 1) / a * a;
	pp->size[1] = (sizeof(struct pkt) + payload_cap + a - 1) / a * a;
}

void pkt_pool_fini(struct pkt_pool *pp)
{
	for (size_t i = 0; i < pp->nchunks; i++)
		free(pp->chunks[i]);
	free(pp->chunks);
	memset(pp, 0, sizeof *pp);
}

static int add_chunk(struct pkt_pool *pp, int k)
{
	if (grow(&pp->chunks, &pp->chunks_cap, pp->nchunks + 1,
		 sizeof *pp->chunks, 8) < 0)
		return -1;
	char *mem = malloc(pp->size[k] * PKTS_PER_CHUNK);
	if (!mem)
		return -1;
	pp->chunks[pp->nchunks++] = mem;
	for (int i = PKTS_PER_CHUNK - 1; i >= 0; i--) {
		struct pkt *p =
			(struct pkt *)(void *)(mem + (size_t)i * pp->size[k]);
		p->bytes = k;
		p->next = pp->free[k];
		pp->free[k] = p;
	}
	return 0;
}

struct pkt *pkt_new(struct pkt_pool *pp, const struct tcp_seg *seg)
{
	int k = seg->len && seg->data;
	if (k && seg->len > pp->cap)
		return NULL;
	if (!pp->free[k] && add_chunk(pp, k) < 0)
		return NULL;
	struct pkt *p = pp->free[k];
	pp->free[k] = p->next;
	pp->live++;
	p->next = p->prev = NULL;
	p->dir = NULL;
	p->id = 0;
	p->sender_state = 0;
	p->corrupt = false;
	p->ttl = PKT_DEFAULT_TTL;
	p->seq_base = p->ack_base = 0;
	evq_timer_init(&p->ev, NULL);
	p->seg = *seg;
	if (k)
		memcpy(p->payload, seg->data, seg->len);
	p->seg.data = k ? p->payload : NULL;
	return p;
}

struct pkt *pkt_clone(struct pkt_pool *pp, const struct pkt *p)
{
	struct pkt *c = pkt_new(pp, &p->seg);
	if (!c)
		return NULL;
	c->dir = p->dir;
	c->id = p->id;
	c->sender_state = p->sender_state;
	c->corrupt = p->corrupt;
	c->ttl = p->ttl;
	c->seq_base = p->seq_base;
	c->ack_base = p->ack_base;
	return c;
}

void pkt_free(struct pkt_pool *pp, struct pkt *p)
{
	p->next = pp->free[p->bytes];
	pp->free[p->bytes] = p;
	pp->live--;
}
