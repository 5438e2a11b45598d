/* explore.h — every set of at most K faults on a run's first segments.
 *
 * A fault drops, duplicates or delays one segment, named by its number in
 * the run (the trace's pkt=N). The exploration runs the scenario with no
 * fault, then with each single fault on one of the first N segments that
 * run sent, then each pair built on a single fault's run, and so on up to
 * the budgets: a fault set F grows only by a fault on a segment its own
 * run sent after F's last, so no set names a segment that is never sent
 * (the pruning), and each set is run once. Every run is judged by the
 * scenario's expectations or by invariants; a failing set is minimal
 * when no proper subset of it that was run fails.
 *
 * Sets are numbered level by level (by size), each level in the order of
 * the sets it grew from, then by segment, then by kind, and each level is
 * one batch (batch.h): the results are the same for any number of
 * workers or ranks.
 */
#ifndef TCPSIM_EXPLORE_H
#define TCPSIM_EXPLORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/run/world.h"
#include "sim/scenario/scenario.h"

#define EXPLORE_MAX_FAULTS 8     /* faults in one set */
#define EXPLORE_MAX_SEGMENTS 64  /* N, the first segments faults go on */
#define EXPLORE_MAX_CHECKS 63    /* expectations or invariants judged */
#define EXPLORE_MAX_SETS 50000000

enum explore_kind { EX_DROP, EX_DUP, EX_DELAY, EX_NKINDS };
/* "drop", "duplicate", "delay" */
extern const char *const explore_kind_names[EX_NKINDS];

/* What a run must do when invariants judge it (--invariant). */
enum explore_inv {
	INV_DELIVERED_INTACT, /* every byte written was read intact */
	INV_ESTABLISHED,      /* every connect() reached ESTABLISHED */
	INV_NO_RESET,         /* no connection ended by a reset */
	INV_NO_STUCK_TCB,     /* a run that ran out of events left no
				 connection in the handshake, nor open
				 while its other end is not (half-open) */
	INV_FINISHED,         /* the run was not cut by a limit */
	INV_N
};
extern const char *const explore_inv_names[INV_N];
/* A comma-separated list of invariant names into a mask; -1 with why in
 * err. */
int explore_parse_invariants(const char *list, unsigned *mask, char *err,
			     size_t n);

struct explore_fault {
	uint64_t seg;           /* the segment's number in the run */
	uint8_t kind;           /* enum explore_kind */
};

struct explore_set {
	uint8_t n;
	struct explore_fault f[EXPLORE_MAX_FAULTS];
};

/* One run's record (int64 words). */
enum {
	EXR_DONE,      /* 1 once run */
	EXR_FAILS,     /* bit i: check i failed */
	EXR_NSEGS,     /* segments that may take a fault, up to N */
	EXR_TRANS,     /* 2 words: state transitions seen, from * 11 + to */
	EXR_SENT = EXR_TRANS + 2, /* 2 words: (sender's state, kind of
				     segment) sent, state * 8 + kind */
	EXR_SEGS = EXR_SENT + 2,  /* N words: those segments' numbers */
};

struct explore {
	/* what to explore */
	const struct scenario *scn;
	struct world_opts wopts;     /* seed, stop, limits; faults are the
					exploration's own */
	unsigned budget[EX_NKINDS];  /* most faults of each kind in a set */
	sim_time_t delay;            /* what a delay fault adds */
	unsigned segments;           /* N */
	int host;                    /* only segments this host sends; -1:
					any host's (routers' forwards never) */
	bool by_expect;              /* judge by the expectations, else by
					the invariants of inv */
	unsigned inv;                /* 1 << enum explore_inv */
	int jobs;
	void (*progress)(void *pctx, uint64_t done, uint64_t total);
	void *pctx;
	const volatile sig_atomic_t *interrupt;
	/* what it found */
	struct explore_set *sets;    /* every set, level by level */
	uint64_t nsets;
	int64_t *rec;                /* nsets records of `width` words */
	size_t width;
	uint64_t level_end[EXPLORE_MAX_FAULTS + 2]; /* sets of size k are
					[level_end[k-1], level_end[k]) */
	unsigned levels;             /* sizes explored: 0 .. levels - 1 */
	unsigned nchecks;
	char check_names[EXPLORE_MAX_CHECKS][96];
	bool interrupted;
	uint64_t *hidx;              /* the sets by their faults */
	size_t hmask;
};

/* Explore; x's results are filled (also when interrupted: then the runs
 * not done have EXR_DONE 0). Returns 0; -1 with why in err; -2 if
 * interrupted. Free with explore_free. */
int explore_run(struct explore *x, char *err, size_t n);
void explore_free(struct explore *x);

/* How many fault sets there are on N segments within the budgets,
 * the empty set included, had every segment been sent in every run. */
double explore_unpruned(const struct explore *x);
/* Is set i minimal among the failing ones: it fails, and no proper
 * subset of it that was run fails? */
bool explore_minimal(const struct explore *x, uint64_t i);
/* Set i's faults as link rules every link applies (rules: room for
 * EXPLORE_MAX_FAULTS; names: as many buffers of 24 bytes), for a run or
 * a scenario of its own. Returns how many. */
size_t explore_rules(const struct explore *x, const struct explore_set *s,
		     struct link_rule *rules, char (*names)[24]);

#endif
