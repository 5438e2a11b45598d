/* pcapng.h — the few blocks of a pcapng file tcpsim writes
 * (draft-ietf-opsawg-pcapng): a Section Header Block, one Interface
 * Description Block, and an Enhanced Packet Block per packet, with
 * comments. Each block is appended to a byte buffer, little-endian
 * whatever the machine (the Section Header's byte-order magic says so),
 * every field and option padded to 32 bits, as the format asks.
 */
#ifndef TCPSIM_PCAPNG_H
#define TCPSIM_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_MAGIC 0x1A2B3C4Du
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_TSRESOL 9

struct pcapng_buf {
	uint8_t *b;
	size_t len, cap;
	bool nomem; /* an append ran out of memory: b holds less */
};

/* A Section Header Block of unknown section length, with shb_userappl
 * if userappl is not NULL. */
void pcapng_shb(struct pcapng_buf *o, const char *userappl);
/* An Interface Description Block: link type, snap length, if_name (if
 * not NULL) and if_tsresol 9 (timestamps in nanoseconds). */
void pcapng_idb(struct pcapng_buf *o, uint16_t linktype, uint32_t snaplen,
		const char *name);
/* An Enhanced Packet Block on interface 0: the packet whole (captured
 * and original length len), at ts nanoseconds, with an opt_comment per
 * string of comments (each cut to 65535 bytes). */
void pcapng_epb(struct pcapng_buf *o, uint64_t ts, const uint8_t *pkt,
		uint32_t len, const char *const *comments, size_t ncomments);
/* Forget what the buffer holds; keep its memory. */
void pcapng_reset(struct pcapng_buf *o);
void pcapng_free(struct pcapng_buf *o);

#endif
