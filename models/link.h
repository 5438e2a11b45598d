/* link.h — a point-to-point link between two ends, modelled per direction.
 *
 * A link knows its ends only as struct link_end: a number and a name for
 * the trace and the random stream, the pool their packets come from, and
 * where to deliver what arrives. It knows nothing of hosts or TCP.
 *
 * A segment entering a direction meets, in this order:
 *   1. the scripted rules (drop, delay, duplicate, corrupt, hold back a
 *      particular segment, matched on what it is and when);
 *   2. the link being down (a partition), or the segment exceeding the MTU;
 *   3. the transmitter: with a rate, a queue in front of it (drop-tail,
 *      with RED or with CoDel) and a serialization delay of wire bytes /
 *      rate;
 *   4. loss on the wire: independent random loss, then Gilbert–Elliott
 *      burst loss;
 *   5. random duplication (the copy arrives right behind the original);
 *   6. propagation delay, jitter and random reordering.
 * Every decision that is not "deliver after the plain delay" is traced with
 * its reason. Each direction draws from its own random stream, so what
 * happens on one link never depends on another.
 *
 * A queue whose every decision is taken as a segment arrives (drop-tail,
 * RED) knows then when the segment will leave, and the segment goes
 * straight on with its departure time: no event per segment. CoDel
 * decides as a segment leaves, so its queue holds the segments and the
 * transmitter takes the next one in an event of its own.
 *
 * Segments keep their order unless something says otherwise: jitter keeps
 * it (a segment never overtakes an earlier one) unless jitter_reorders is
 * set; reordering, rule delays and holds break it on purpose.
 */
#ifndef TCPSIM_LINK_H
#define TCPSIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/evq.h"
#include "sim/engine/rng.h"
#include "sim/engine/simtime.h"

struct sim;
struct pkt;
struct pkt_pool;

/* One end of a link: whoever sends into it and receives from it. */
struct link_end {
	int id;                 /* its number in the trace (a host's index) */
	const char *name;       /* names the random streams "link:A>B" */
	struct pkt_pool *pool;  /* where its packets come from and go back */
	/* Take p, which has arrived; the callee owns it from now on. */
	void (*deliver)(void *ctx, struct pkt *p);
	void *ctx;
};

#define LINK_DEFAULT_MTU 1500
/* IPv4 header without options, as carried on every segment. */
#define LINK_IP_HEADER 20

/* Gilbert–Elliott burst loss: a two-state Markov chain stepped once per
 * segment. p = P(good -> bad), r = P(bad -> good); a segment is lost with
 * probability loss_good in the good state and loss_bad in the bad one. The
 * mean stay in the bad state is 1/r segments. All in parts per billion. */
struct link_ge {
	bool on;
	uint32_t p, r, loss_good, loss_bad;
};

/* Random Early Detection (Floyd and Jacobson 1993, recommended by RFC
 * 2309 §3): at each arrival the queue's average length decides whether
 * the segment is dropped — or, with ecn, an ECN-capable one marked CE
 * (RFC 3168 §5) — before the queue is full. */
struct link_red {
	bool on;
	uint32_t min_th, max_th; /* thresholds on the average, segments */
	uint32_t max_p_ppb;      /* the drop probability at max_th */
	uint32_t weight_ppb;     /* w_q: the average's weight of a sample */
	bool ecn;                /* mark ECN-capable segments, not drop */
};

/* CoDel (RFC 8289): at each dequeue, a segment that waited longer than
 * `target`, when waiting has stayed above it for an `interval`, is
 * dropped — or, with ecn, an ECN-capable one marked CE — and drops then
 * come closer together, interval / sqrt(count) apart, until the waits
 * fall below target again. */
struct link_codel {
	bool on;
	sim_time_t target, interval;
	bool ecn;
};

/* A span of time during which a direction carries nothing. */
struct link_outage {
	sim_time_t from, until;
};

/* One direction's behaviour, as a scenario states it (plain data). */
struct link_cfg {
	sim_time_t delay;        /* propagation delay */
	sim_time_t jitter;       /* extra delay, uniform in [0, jitter] */
	bool jitter_reorders;    /* may jitter let a segment overtake another */
	uint32_t loss_ppb;       /* independent random loss */
	struct link_ge ge;       /* burst loss */
	uint32_t dup_ppb;        /* random duplication */
	uint32_t corrupt_ppb;    /* random corruption: bad checksum */
	uint32_t ce_ppb;         /* an ECN-capable segment is marked CE, as
				    an AQM marks rather than drops (RFC 3168
				    §5) */
	uint32_t reorder_ppb;    /* chance a segment is held back ... */
	sim_time_t reorder_delay;/* ... by this much more */
	uint64_t rate_bps;       /* bits per second, 0: no serialization */
	uint32_t queue_pkts;     /* drop-tail limit in segments, 0: none */
	uint64_t queue_bytes;    /* drop-tail limit in bytes, 0: none */
	struct link_red red;     /* RED on the queue (only with a rate) */
	struct link_codel codel; /* or CoDel (only with a rate) */
	uint32_t mtu;            /* largest IP packet, bytes */
	const struct link_outage *outages; /* sorted, not overlapping */
	size_t noutages;
};

/* The defaults: no delay, no loss, no rate limit, MTU 1500. */
extern const struct link_cfg link_cfg_default;

enum link_action {
	LINK_DROP,      /* the segment is lost */
	LINK_DELAY,     /* it arrives `delay` later than it would */
	LINK_DUPLICATE, /* `copies` extra copies arrive right behind it */
	LINK_CORRUPT,   /* it arrives with a bad checksum and is discarded */
	LINK_HOLD,      /* it is held back until the next segment has gone */
	LINK_MARK_CE,   /* an ECN-capable segment is marked CE (RFC 3168 §5);
			   another is left alone */
};

/* A scripted rule: acts on the segments it matches (plain data). */
struct link_rule {
	const char *name;        /* shown in the trace */
	int line, col;           /* where the scenario wrote it */
	int from;                /* sending end: 0 the link's first host,
				    1 its second, -1 either */
	uint8_t flags;           /* flags the segment must have ... */
	bool flags_exact;        /* ... exactly, or at least */
	bool match_flags;
	uint8_t flags_clear;     /* flags it must not have (0: no test) */
	bool match_ip_len;
	uint32_t ip_len;         /* its IPv4 Total Length (tcp_seg_ip_len) */
	int data;                /* -1: either, 0: no payload, 1: payload */
	bool match_seq, match_ack;
	uint32_t seq, ack;       /* relative to the sender's ISN / the peer's */
	int state;               /* sender's TCP state when sent, -1: any */
	uint64_t nth;            /* act on the nth match only (0: not set) */
	uint64_t first;          /* act on the first k matches (0: not set) */
	uint64_t segment;        /* only the run's segment of this number
				    (the trace's pkt=N; 0: any) */
	sim_time_t after, before;/* only segments sent in [after, before] */
	enum link_action action;
	sim_time_t delay;        /* LINK_DELAY */
	uint32_t copies;         /* LINK_DUPLICATE */
	bool must_match;         /* the run fails if it never acts */
};

/* What a rule did in a run. */
struct link_rule_state {
	uint64_t matched;        /* segments that met its criteria */
	uint64_t acted;          /* segments it acted on */
};

struct link_dir {
	const struct link_cfg *cfg; /* the scenario's, kept by reference */
	struct link *link;       /* the link it belongs to */
	const struct link_end *from, *to;
	struct rng rng;
	bool ge_bad;             /* Gilbert–Elliott state */
	bool down;
	struct evq_timer outage_ev; /* next outage edge */
	size_t outage_next;      /* index of the next edge: 2*i start, 2*i+1 end */
	/* transmitter: start times and sizes of segments not yet started */
	sim_time_t busy_until;
	struct link_q {
		sim_time_t start;
		uint32_t bytes;
	} *q;
	size_t qhead, qlen, qcap;
	uint64_t qbytes;
	/* CoDel's queue: the segments waiting, oldest first (pkt->next),
	 * and the transmitter's end of the one on the wire */
	struct pkt *cq_head, *cq_tail;
	size_t cq_len;
	uint64_t cq_bytes;
	bool cq_busy;
	struct evq_timer tx_done;
	sim_time_t cd_first_above, cd_drop_next; /* RFC 8289's state */
	uint32_t cd_count, cd_lastcount;
	bool cd_dropping;
	double red_avg;          /* RED's average queue, segments */
	int64_t red_count;       /* arrivals since its last drop or mark,
				    -1 below min_th */
	sim_time_t last_arrival; /* for order-keeping jitter */
	struct pkt *held;        /* a held-back segment */
	struct pkt *flight;      /* segments on the wire (for outages) */
	/* counters */
	uint64_t sent, delivered, lost, queue_drops, duplicated, corrupted;
	uint64_t marked;         /* CE marks */
	uint64_t red_drops;      /* RED's drops (not in queue_drops) */
	uint64_t codel_drops;    /* CoDel's drops (not in queue_drops) */
	uint64_t ge_transitions, ge_bad_segments;
};

/* Rules every link applies, before its own (a scenario's `faults`, and
 * those tcpsim explore adds): shared by the links, one state each. */
struct link_faults {
	const struct link_rule *r;
	struct link_rule_state *st;
	size_t n;
};

struct link {
	struct link_dir dir[2];      /* dir[0]: a -> b, dir[1]: b -> a */
	const struct link_rule *rules;
	struct link_rule_state *rule_state;
	size_t nrules;
	const struct link_faults *faults; /* may be NULL */
	/* Told when a direction goes down or comes up (may be NULL): how
	 * routing learns of it. */
	void (*changed)(void *ctx, struct link *l);
	void *changed_ctx;
};

/* Set up the link a <-> b (both kept by reference) with each direction's
 * behaviour and the rules (all kept by reference: they must outlive the
 * link, as a scenario outlives its world); the random streams are
 * "link:A>B" and "link:B>A" of the scenario seed. Returns -1 if memory
 * runs out. */
int link_init(struct link *l, struct sim *sim, const struct link_end *a,
	      const struct link_end *b, const struct link_cfg *ab,
	      const struct link_cfg *ba, const struct link_rule *rules,
	      size_t nrules);
/* Free the link's memory and any segment still held or in flight. */
void link_fini(struct link *l, struct sim *sim);
/* Schedule the outages. */
void link_start(struct link *l, struct sim *sim);
/* Carry p from d->from to d->to, or lose it. Takes ownership of p. */
void link_send(struct sim *sim, struct link *l, struct link_dir *d,
	       struct pkt *p);
/* Bytes p occupies on the wire: IP and TCP headers, options, payload. */
uint32_t link_wire_bytes(const struct pkt *p);
/* Name of a rule action ("drop", "delay", ...). */
const char *link_action_name(enum link_action a);

#endif
