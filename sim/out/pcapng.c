/* pcapng.c — see pcapng.h. Blocks are laid out as
 *   type(4) total-length(4) body options total-length(4)
 * options as code(2) length(2) value padded to 32 bits, ending with
 * opt_endofopt; all little-endian. */
#include <string.h>

#include "sim/engine/grow.h"
#include "sim/out/pcapng.h"

static uint8_t *room(struct pcapng_buf *o, size_t n)
{
	if (o->nomem || grow(&o->b, &o->cap, o->len + n, 1, 256) < 0) {
		o->nomem = true;
		return NULL;
	}
	uint8_t *p = o->b + o->len;
	memset(p, 0, n);
	o->len += n;
	return p;
}

static void le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, v);
	le16(p + 2, v >> 16);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One option; its value padded with zeros to 32 bits. */
static void opt(struct pcapng_buf *o, uint16_t code, const void *v, size_t n)
{
	if (n > 0xffff)
		n = 0xffff;
	uint8_t *p = room(o, 4 + pad4(n));
	if (!p)
		return;
	le16(p, code);
	le16(p + 2, (uint32_t)n);
	if (n)
		memcpy(p + 4, v, n);
}

/* Open a block of type with a body of n bytes (zeroed, returned);
 * *start remembers where it began for block_end. */
static uint8_t *block_begin(struct pcapng_buf *o, uint32_t type, size_t n,
			    size_t *start)
{
	*start = o->len;
	uint8_t *p = room(o, 8 + n);
	if (!p)
		return NULL;
	le32(p, type);
	return p + 8;
}

/* End the options and the block: both length fields. */
static void block_end(struct pcapng_buf *o, size_t start)
{
	opt(o, PCAPNG_OPT_END, NULL, 0);
	uint8_t *p = room(o, 4);
	if (!p)
		return;
	uint32_t total = (uint32_t)(o->len - start);
	le32(o->b + start + 4, total);
	le32(p, total);
}

void pcapng_shb(struct pcapng_buf *o, const char *userappl)
{
	size_t start;
	uint8_t *p = block_begin(o, PCAPNG_SHB, 16, &start);
	if (!p)
		return;
	le32(p, PCAPNG_MAGIC);
	le16(p + 4, 1); /* version 1.0 */
	le16(p + 6, 0);
	memset(p + 8, 0xff, 8); /* section length: not given (-1) */
	if (userappl)
		opt(o, PCAPNG_SHB_USERAPPL, userappl, strlen(userappl));
	block_end(o, start);
}

void pcapng_idb(struct pcapng_buf *o, uint16_t linktype, uint32_t snaplen,
		const char *name)
{
	size_t start;
	uint8_t *p = block_begin(o, PCAPNG_IDB, 8, &start);
	if (!p)
		return;
	le16(p, linktype);
	le32(p + 4, snaplen);
	if (name)
		opt(o, PCAPNG_IF_NAME, name, strlen(name));
	uint8_t nanoseconds = 9; /* 10^-9 s */
	opt(o, PCAPNG_IF_TSRESOL, &nanoseconds, 1);
	block_end(o, start);
}

void pcapng_epb(struct pcapng_buf *o, uint64_t ts, const uint8_t *pkt,
		uint32_t len, const char *const *comments, size_t ncomments)
{
	size_t start;
	uint8_t *p = block_begin(o, PCAPNG_EPB, 20 + pad4(len), &start);
	if (!p)
		return;
	le32(p, 0); /* interface 0 */
	le32(p + 4, (uint32_t)(ts >> 32));
	le32(p + 8, (uint32_t)ts);
	le32(p + 12, len);
	le32(p + 16, len);
	if (len)
		memcpy(p + 20, pkt, len);
	for (size_t i = 0; i < ncomments; i++)
		opt(o, PCAPNG_OPT_COMMENT, comments[i], strlen(comments[i]));
	block_end(o, start);
}

void pcapng_reset(struct pcapng_buf *o)
{
	o->len = 0;
}

void pcapng_free(struct pcapng_buf *o)
{
	free(o->b);
	o->b = NULL;
	o->len = o->cap = 0;
}
