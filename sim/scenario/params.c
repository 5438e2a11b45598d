/* params.c — TCP parameters as keys: the scenario's and a host's `tcp`,
 * and a socket's `options` and `set`.
 *
 * The keys are tcp_param_fields[] (models/tcp_params.c), which says each
 * parameter's type, field and bounds; ld_param_row() makes a row of it
 * for the walker, and the bit of the parameter in the section's mask
 * tells later layers which fields were given. A `tcp` mapping also takes
 * `profile`; a socket takes `linger0` and refuses what is a host's, and
 * `set`, once the socket is open, what was fixed when it opened.
 *
 * Known limits: at most 64 parameters (the mask is 64 bits).
 */
#include "sim/scenario/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ld_tcp_init(struct scn_tcp *t)
{
	memset(t, 0, sizeof *t);
	t->profile = -1;
}

/* "off", "on" (2*MSL) or a duration: fills time_wait and no_time_wait
 * of the whole struct tcp_params. */
static int h_time_wait(struct ld *ld, const struct ld_key *row,
		       yaml_node_t *v, void *field)
{
	(void)row;
	struct tcp_params *tp = field;
	const char *msg, *t = ld_text(v);
	tp->no_time_wait = strcmp(t, "off") == 0;
	tp->time_wait = 0;
	if (tp->no_time_wait || strcmp(t, "on") == 0)
		return 0;
	if (sim_time_parse(t, &tp->time_wait, &msg) < 0 || tp->time_wait == 0)
		return ld_fail(ld, v, "'time-wait' is off, on (2*MSL) or a "
				      "duration above 0 (found '%s')",
			       t);
	return 0;
}

/* "off" (-1) or a duration (0: close() resets). */
static int h_linger(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		    void *field)
{
	const char *msg, *t = ld_text(v);
	sim_time_t *d = field;
	if (strcmp(t, "off") == 0) {
		*d = -1;
		return 0;
	}
	if (sim_time_parse(t, d, &msg) < 0)
		return ld_fail(ld, v, "'%s' is off or a duration (found '%s')",
			       row->key, t);
	return 0;
}

/* "off", "auto" (the least shift that carries the receive buffer) or a
 * shift count 0..14 (RFC 7323 §2.3). */
static int h_wscale(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		    void *field)
{
	const char *t = ld_text(v);
	uint8_t *w = field;
	if (strcmp(t, "off") == 0) {
		*w = TCP_WSCALE_OFF;
		return 0;
	}
	if (strcmp(t, "auto") == 0) {
		*w = TCP_WSCALE_AUTO;
		return 0;
	}
	char *end;
	unsigned long n = strtoul(t, &end, 10);
	if (!*t || *end || t[0] == '-' || t[0] == '+' || n > row->max)
		return ld_fail(ld, v, "'%s' is off, auto or a shift count from "
				      "0 to %llu (found '%s')",
			       row->key, (unsigned long long)row->max, t);
	*w = (uint8_t)n;
	return 0;
}

/* One of the parameter's names: its index. */
static int h_choice(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		    void *field)
{
	const char *const *names = tcp_param_fields[row->value].choices;
	const char *t = ld_text(v);
	char list[160] = "";
	size_t n = 0;
	for (uint8_t i = 0; names[i]; i++) {
		if (strcmp(t, names[i]) == 0) {
			*(uint8_t *)field = i;
			return 0;
		}
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
				      i == 0 ? "" : names[i + 1] ? ", " : " or ",
				      names[i]);
		if (n >= sizeof list)
			n = sizeof list - 1;
	}
	return ld_fail(ld, v, "'%s' is %s (found '%s')", row->key, list, t);
}

/* The handler of each type of parameter, and the size of its field. */
static const struct {
	ld_fn fn;
	size_t size;
	bool whole;   /* the handler fills the whole struct tcp_params */
} param_types[] = {
	[TP_DURATION] = {ld_duration, sizeof(sim_time_t), false},
	[TP_COUNT] = {ld_uint, sizeof(uint32_t), false},
	[TP_SIZE] = {ld_size, sizeof(uint32_t), false},
	[TP_BOOL] = {ld_bool, sizeof(bool), false},
	[TP_TIME_WAIT] = {h_time_wait, sizeof(struct tcp_params), true},
	[TP_CHOICE] = {h_choice, sizeof(uint8_t), false},
	[TP_LINGER] = {h_linger, sizeof(sim_time_t), false},
	[TP_WSCALE] = {h_wscale, sizeof(uint8_t), false},
};

void ld_param_row(const struct ld_section *sec, size_t i, struct ld_key *row)
{
	const struct tcp_param_field *f = &tcp_param_fields[i];
	size_t off = sec->params->off;
	if (!param_types[f->type].whole)
		off += f->off;
	*row = (struct ld_key){
		.key = f->key,
		.type = LD_SCALAR,
		.fn = param_types[f->type].fn,
		.off = off,
		.size = param_types[f->type].size,
		.min = f->min,
		.max = f->max,
		.value = (int)i,
		.flags = LDK_PARAM,
	};
}

static int h_profile(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		     void *field)
{
	static const struct ld_names style = {"profile", "profiles", NULL};
	const char *names[8];
	size_t n = 0;
	for (; n < tcp_nprofiles && n < 8; n++)
		names[n] = tcp_profiles[n].name;
	int i = ld_pick(ld, v, row->key, names, n, &style);
	if (i < 0)
		return -1;
	*(int *)field = i;
	return 0;
}

/* ---- the sections ------------------------------------------------------ */

static const struct ld_params tcp_params_at = {
	offsetof(struct scn_tcp, v), offsetof(struct scn_tcp, set)};

static const struct ld_key tcp_rows[] = {
	{"profile", LD_SCALAR, h_profile, AT(struct scn_tcp, profile)},
	{0},
};

const struct ld_section ld_tcp_section = {
	"tcp", .rows = tcp_rows, .params = &tcp_params_at,
};

const struct ld_section ld_host_tcp_section = {
	"a host's tcp", .rows = tcp_rows, .params = &tcp_params_at,
};

static const struct ld_params opts_params_at = {
	offsetof(struct app_opts, tcp), offsetof(struct app_opts, set)};

static const struct ld_key opts_rows[] = {
	{"linger0", LD_SCALAR, ld_bool, AT(struct app_opts, linger0),
	 .seen = SEEN(struct app_opts, linger0_set)},
	{0},
};

/* RFC 5961's challenge-ACK budget is the host's. */
#define HOSTS_ONLY "is a host's, not a socket's: give it under the host's 'tcp'"
#define AT_OPEN                                                        \
	"can only be set when the socket is opened: give it as an option " \
	"of listen or connect"

static const struct ld_refusal options_refused[] = {
	{"challenge-ack-limit", HOSTS_ONLY},
	{"challenge-ack-window", HOSTS_ONLY},
	{0},
};

static const struct ld_refusal set_refused[] = {
	{"challenge-ack-limit", HOSTS_ONLY},
	{"challenge-ack-window", HOSTS_ONLY},
	{"sndbuf", AT_OPEN},
	{"rcvbuf", AT_OPEN},
	{"mss", AT_OPEN},
	{"handshake", AT_OPEN},
	{"rules", AT_OPEN},
	{"wscale", AT_OPEN},
	{"timestamps", AT_OPEN},
	{"sack", AT_OPEN},
	{"option-layout", AT_OPEN},
	{0},
};

const struct ld_section ld_options_section = {
	"options", .shape = "options should be a mapping of socket options",
	.rows = opts_rows, .params = &opts_params_at,
	.refused = options_refused,
};

const struct ld_section ld_set_section = {
	"set", .shape = "set should be a mapping of socket options",
	.rows = opts_rows, .params = &opts_params_at,
	.refused = set_refused,
};

/* ---- the parameters in effect ------------------------------------------ */

void scn_host_params(const struct scenario *s, size_t i,
		     struct tcp_params *out)
{
	int prof = 0;
	if (s->tcp.profile >= 0)
		prof = s->tcp.profile;
	if (i < s->nhosts && s->hosts[i].tcp.profile >= 0)
		prof = s->hosts[i].tcp.profile;
	*out = tcp_profiles[prof].p;
	tcp_params_apply(out, &s->tcp.v, s->tcp.set);
	if (i < s->nhosts)
		tcp_params_apply(out, &s->hosts[i].tcp.v, s->hosts[i].tcp.set);
}

/* An error at a line and column the scenario recorded, without a node. */
static int fail_at(struct ld *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_at(struct ld *ld, int line, int col, const char *fmt, ...)
{
	struct scn_error *e = ld->err;
	va_list ap;
	va_start(ap, fmt);
	snprintf(e->file, sizeof e->file, "%s", ld->file);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->line = line;
	e->col = col;
	e->src[0] = '\0';
	return -1;
}

/* What is wrong with a set of parameters taken together, into msg; 0 if
 * nothing. */
/* The bit of `key` in a set of parameters given (tcp_params_apply). */
static uint64_t param_bit(const char *key)
{
	for (size_t i = 0; i < tcp_nparam_fields; i++)
		if (strcmp(tcp_param_fields[i].key, key) == 0)
			return (uint64_t)1 << i;
	return 0;
}

/* rcvbuf_given: the scenario set rcvbuf itself. A profile's own buffer
 * is not refused: FreeBSD's 64 KiB without window scaling offers 65535
 * bytes, as FreeBSD does. */
static int params_problem(const struct tcp_params *p, bool sock,
			  bool rcvbuf_given, char *msg, size_t n)
{
	if (p->rto_min > p->rto_max) {
		snprintf(msg, n, "rto-min is larger than %srto-max",
			 sock ? "its " : "");
		return -1;
	}
	/* RFC 7323 §2: a window past 65535 needs the window scale option */
	uint64_t cap = p->wscale == TCP_WSCALE_OFF ? 65535
		       : p->wscale == TCP_WSCALE_AUTO
			       ? (uint64_t)65535 << 14
			       : (uint64_t)65535 << p->wscale;
	if (p->rcvbuf <= cap || !rcvbuf_given)
		return 0;
	if (p->wscale == TCP_WSCALE_OFF)
		snprintf(msg, n, "rcvbuf of %u bytes needs window scaling: "
				 "without it the window stops at 65535 bytes "
				 "(give wscale: auto, RFC 7323)",
			 (unsigned)p->rcvbuf);
	else
		snprintf(msg, n, "rcvbuf of %u bytes is more than a window "
				 "scaled by %u can carry (%llu bytes)",
			 (unsigned)p->rcvbuf,
			 p->wscale == TCP_WSCALE_AUTO ? 14u : (unsigned)p->wscale,
			 (unsigned long long)cap);
	return -1;
}

int ld_check_params(struct ld *ld, yaml_node_t *root)
{
	struct scenario *s = ld->s;
	char msg[200];
	uint64_t rcvbuf = param_bit("rcvbuf");
	for (size_t i = 0; i < s->nhosts; i++) {
		struct tcp_params p;
		scn_host_params(s, i, &p);
		bool given = ((s->tcp.set | s->hosts[i].tcp.set) & rcvbuf) != 0;
		if (params_problem(&p, false, given, msg, sizeof msg) == 0)
			continue;
		yaml_node_t *at = ld_map_get(ld, root, "tcp");
		if (s->hosts[i].tcp.set) {
			const struct scn_group *g = &s->groups[s->hosts[i].group];
			return fail_at(ld, g->line, g->col, "host '%s': %s",
				       g->name, msg);
		}
		return ld_fail(ld, at ? at : root, "%s", msg);
	}
	/* a socket's options lie over its host's parameters */
	for (size_t i = 0; i < s->nhosts; i++) {
		struct tcp_params p;
		scn_host_params(s, i, &p);
		for (size_t j = 0; j < s->hosts[i].nacts; j++) {
			const struct app_action *a = &s->hosts[i].acts[j];
			if (a->op != APP_OP_LISTEN && a->op != APP_OP_CONNECT)
				continue;
			struct tcp_params q = p;
			tcp_params_apply(&q, &a->opts.tcp, a->opts.set);
			bool given = ((s->tcp.set | s->hosts[i].tcp.set |
				       a->opts.set) & rcvbuf) != 0;
			if (params_problem(&q, true, given, msg,
					   sizeof msg) == 0)
				continue;
			return fail_at(ld, a->line, a->col, "the socket's %s",
				       msg);
		}
	}
	return 0;
}
