/* seqrel.h — relative sequence numbers, as Wireshark shows them.
 *
 * Each direction of a connection (source and destination address:port)
 * counts from its initial sequence number: the SYN is 0, the first data
 * byte 1; an acknowledgment counts from the other direction's ISN. The
 * ISN is learnt from the direction's SYN (a new SYN starts over: a new
 * connection on the same ports); a direction first seen without a SYN
 * counts from the sequence number before its first segment, so that
 * segment shows as 1. Sinks feed every segment they draw through
 * seqrel_note() in trace order, then ask for its relative numbers.
 */
#ifndef TCPSIM_SEQREL_H
#define TCPSIM_SEQREL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/segment.h"

struct seqrel_flow {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t base;
	bool used;
};

struct seqrel {
	struct seqrel_flow *t;
	size_t mask;            /* table size - 1 (a power of two), or 0 */
	size_t n;
};

void seqrel_init(struct seqrel *r);
void seqrel_fini(struct seqrel *r);
/* Learn from a segment (call once per segment, in trace order). Returns
 * -1 if memory runs out (the numbers then stay absolute). */
int seqrel_note(struct seqrel *r, const struct tcp_seg *s);
/* The segment's sequence and acknowledgment numbers, relative where the
 * base is known, else as they are. */
uint32_t seqrel_seq(const struct seqrel *r, const struct tcp_seg *s);
uint32_t seqrel_ack(const struct seqrel *r, const struct tcp_seg *s);
/* v, a sequence number of the direction from saddr:sport to
 * daddr:dport, relative where that direction's base is known. */
uint32_t seqrel_of(const struct seqrel *r, uint32_t saddr, uint16_t sport,
		   uint32_t daddr, uint16_t dport, uint32_t v);

#endif
