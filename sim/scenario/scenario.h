/* scenario.h — a scenario file, loaded and validated into plain data.
 *
 * scn_load_*() parse YAML with libyaml, walk it against tables of known
 * keys (an unknown key is an error, with a suggestion when one is close),
 * check every value and every cross-reference, and either return a
 * struct scenario or fill a struct scn_error that points at the offending
 * line and column (1-based). The struct holds no engine pointers; the world
 * builder (world.h) turns it into hosts, links and applications.
 *
 * Defaults and every key: docs/scenario-format.md.
 */
#ifndef TCPSIM_SCENARIO_H
#define TCPSIM_SCENARIO_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "models/app.h"
#include "models/link.h"
#include "models/route.h"
#include "models/tcp_params.h"
#include "sim/engine/simtime.h"
#include "sim/scenario/expectation.h"

#define SCN_DEFAULT_SEED 1
#define SCN_DEFAULT_STOP SIM_HOUR(1)
#define SCN_DEFAULT_MAX_EVENTS UINT64_C(10000000)
#define SCN_DEFAULT_MAX_CONNS UINT64_C(1000000)
#define SCN_DEFAULT_MAX_MEMORY (UINT64_C(2) << 30) /* 2 GiB */
#define SCN_DEFAULT_MAX_HOSTS 100000
#define SCN_MAX_HOSTS_LIMIT 10000000 /* what max-hosts may raise it to */

/* TCP parameters a scenario sets: bit i of `set` for tcp_param_fields[i]
 * (models/tcp.h), so unset fields inherit; `profile` indexes tcp_profiles,
 * -1 if none is named. */
struct scn_tcp {
	struct tcp_params v;
	uint64_t set;
	int profile;
};

struct scn_host {
	char *name;
	int line, col;
	uint32_t addr;
	int group;              /* index in scenario.groups */
	struct scn_tcp tcp;
	bool router;            /* forwards packets for others */
	uint8_t ttl;            /* IP TTL of what it sends, 0: the default */
	struct route_static *statics; /* its static routes, sorted
					 (route_statics_sort) */
	size_t nstatics;
	struct app_action *acts;
	size_t nacts, acts_cap;
	bool acts_shared;       /* acts is the host's before it, the same
				   byte for byte (a template's members):
				   not freed with this one */
};

/* A static route as the scenario wrote it. */
struct scn_route {
	int line, col;
	int at;                 /* the node that follows it */
	uint32_t prefix;
	uint8_t len;
	int via;                /* the neighbour it sends to */
};

/* A name a scenario may refer to: one host, or the hosts a template
 * ("count: N") made, first .. first+count-1. */
struct scn_group {
	char *name;
	int line, col;
	int first, count;
	bool is_template;
};

struct scn_link {
	int line, col;
	int a, b;               /* host indexes */
	struct link_cfg dir[2]; /* a -> b, b -> a (outages point into the
				   scenario's memory) */
	const struct link_rule *rules; /* shared by a template's links */
	size_t nrules;
};

struct scenario {
	char *file;             /* as named in messages */
	char *name;
	char *description;
	uint64_t seed;
	sim_time_t stop;
	uint64_t max_events;
	uint64_t max_conns;     /* connections a run may open */
	uint64_t max_hosts;     /* hosts the scenario may declare */
	uint64_t max_memory;    /* bytes of TCBs and buffers a run may hold */
	struct scn_tcp tcp;     /* defaults for every host */
	struct scn_host *hosts;
	size_t nhosts;
	struct scn_group *groups;
	size_t ngroups;
	struct scn_link *links;
	size_t nlinks, links_cap;
	/* rules every link applies before its own (`faults`) */
	const struct link_rule *faults;
	size_t nfaults;
	bool no_link_rules;     /* `link-rules: false`: the links' own
				   rules are left out */
	bool routed;            /* some host is a router: routes are computed */
	enum route_metric metric; /* what a shortest path minimises */
	sim_time_t converge;    /* how long routes take to follow a link
				   going down or up */
	struct scn_route *routes;
	size_t nroutes;
	struct expectation *expects;
	size_t nexpects;
	void **owned;           /* everything else the scenario allocated */
	size_t nowned, owned_cap;
};

struct scn_error {
	char file[512];
	int line, col;          /* 1-based; 0 when there is no position */
	char msg[512];
	char src[256];          /* the source line, if known */
};

/* Load a scenario from a file. Returns 0, or -1 with *err filled. */
int scn_load_file(const char *path, struct scenario **out,
		  struct scn_error *err);
/* Load from memory; `file` names it in messages. */
int scn_load_string(const char *file, const char *text, size_t len,
		    struct scenario **out, struct scn_error *err);
/* Read a scenario file's text (as scn_load_file does, with its limits);
 * the caller frees *text. Returns 0, or -1 with *err filled. */
int scn_read_file(const char *path, char **text, size_t *len,
		  struct scn_error *err);

/* An override of one value, as `tcpsim sweep --set PATH=VALUE` gives it:
 * PATH is the keys and list indices (from 0) leading to it, joined by
 * dots ("links.0.loss", "tcp.handshake", "hosts.client.tcp.msl"). */
struct scn_set {
	const char *path;
	const char *value;
};

/* Load from memory with overrides: each value is put at its path (keys
 * the text lacks are added) before the scenario is checked, so a value
 * is judged like one written in the file; an error about it names the
 * override instead of a line. */
int scn_load_string_set(const char *file, const char *text, size_t len,
			const struct scn_set *sets, size_t nsets,
			struct scenario **out, struct scn_error *err);
/* Write the text with the overrides put in, as YAML (its comments and
 * layout are not kept), to out. Returns 0, or -1 with *err filled. */
int scn_render_set(const char *file, const char *text, size_t len,
		   const struct scn_set *sets, size_t nsets, FILE *out,
		   struct scn_error *err);
/* Free a loaded scenario. */
void scn_free(struct scenario *s);
/* The group called name (a host or a template), or -1. */
int scn_find_group(const struct scenario *s, const char *name);
/* Effective TCP parameters of host i: its profile (the host's, else the
 * scenario's, else rfc9293), then the scenario's `tcp` keys, then the
 * host's. */
void scn_host_params(const struct scenario *s, size_t i,
		     struct tcp_params *out);
/* Every host's automatic routes over the scenario's links, those whose
 * direction is up (up[2*i + d] for link i's direction d; NULL: all),
 * into fibs[0 .. nhosts-1]. Returns 0, or -1 if memory runs out. */
int scn_routes_compute(const struct scenario *s, const bool *up,
		       struct route_fib *fibs);
/* Format err as "FILE:LINE:COL: message" plus the source line and a
 * caret; returns the length as snprintf does. */
int scn_error_format(const struct scn_error *err, char *buf, size_t n);

/* Parse a size: a decimal count with an optional unit B, KB, KiB, MB, MiB,
 * GB, GiB. Returns 0, or -1 with *msg set. */
int scn_parse_size(const char *s, uint64_t *out, const char **msg);
/* Parse a probability: a decimal in [0, 1] with at most 9 decimals, or a
 * percentage "2.5%". Returns 0 with parts per billion, or -1 with *msg. */
int scn_parse_prob(const char *s, uint32_t *ppb, const char **msg);
/* Parse a bit rate: "10Mbit/s", "10Mbps", "1.5Gbit/s", "56kbps", "9600bps"
 * (also bit, kbit, Mbit, Gbit without "/s"). Returns 0 with bits per
 * second, or -1 with *msg. */
int scn_parse_rate(const char *s, uint64_t *bps, const char **msg);

#endif
