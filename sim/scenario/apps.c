/* apps.c — the `apps` section: each host's list of actions, and what an
 * action carries: socket options, a behaviour for the sockets it opens,
 * a crafted segment to inject.
 *
 * An action does one thing (one key of the action_op group) at a time or
 * on an event; the keys that shape a socket belong to the actions that
 * open one (their rows' tags). Each member of a template reads its
 * actions for itself, since `connect` and `inject` refer to the host that
 * acts.
 *
 * Known limits: host names in HOST:PORT of at most 79 characters;
 * injected payloads of at most 65495 bytes.
 */
#include "sim/scenario/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"
#include "sim/engine/grow.h"

/* Split "HOST:PORT" at its last colon: the host into hn, the port's
 * text into *port. -1 without a colon or a host, -2 if the host part
 * does not fit. */
static int split_hostport(const char *t, char *hn, size_t n,
			  const char **port)
{
	const char *colon = strrchr(t, ':');
	if (!colon || colon == t)
		return -1;
	size_t hl = (size_t)(colon - t);
	if (hl >= n)
		return -2;
	memcpy(hn, t, hl);
	hn[hl] = '\0';
	*port = colon + 1;
	return 0;
}

/* ---- injected segments ------------------------------------------------- */

/* "HOST:PORT" or "A.B.C.D:PORT"; *host is -1 for an address that is no
 * host's. */
static int get_endpoint(struct ld *ld, yaml_node_t *v, const char *key,
			uint32_t *addr, uint16_t *port, int *host)
{
	const char *t = ld_text(v), *pt;
	char hn[80];
	int rc = split_hostport(t, hn, sizeof hn, &pt);
	if (rc == -1)
		return ld_fail(ld, v, "'%s' expects HOST:PORT or ADDRESS:PORT "
				      "(found '%s')",
			       key, t);
	if (rc == -2)
		return ld_fail(ld, v, "'%s': name too long", key);
	*host = -1;
	if (ip4_parse(hn, addr) == 0) {
		for (size_t i = 0; i < ld->s->nhosts; i++)
			if (ld->s->hosts[i].addr == *addr)
				*host = (int)i;
	} else {
		if (ld_one_host(ld, v, hn, host) < 0)
			return -1;
		*addr = ld->s->hosts[*host].addr;
	}
	return ld_get_port(ld, v, key, pt, port);
}

static int h_src(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		 void *field)
{
	struct app_inject *j = field;
	int h;
	return get_endpoint(ld, v, row->key, &j->saddr, &j->sport, &h);
}

static int h_dst(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		 void *field)
{
	struct app_inject *j = field;
	if (get_endpoint(ld, v, row->key, &j->daddr, &j->dport,
			 &j->dst_host) < 0)
		return -1;
	if (j->dst_host < 0)
		return ld_fail(ld, v, "'dst' must be a host of the scenario");
	if (j->dst_host == ld->host)
		return ld_fail(ld, v, "a host cannot inject to itself: tcpsim "
				      "has no loopback");
	return 0;
}

/* The variables a number of an injected segment may use, and the most
 * terms it may have. */
static const char *const seq_vars[APP_SEQ_NVARS] = {
	[APP_SEQ_RCV_NXT] = "rcv.nxt", [APP_SEQ_RCV_WND] = "rcv.wnd",
	[APP_SEQ_SND_NXT] = "snd.nxt", [APP_SEQ_SND_UNA] = "snd.una",
	[APP_SEQ_SND_WND] = "snd.wnd", [APP_SEQ_ISS] = "iss",
	[APP_SEQ_IRS] = "irs",
};
#define SEQ_MAX_TERMS 8

/* A variable's name at p, n characters, in any case: its index, or -1
 * after reporting it. */
static int seq_var(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   const char *p, size_t n)
{
	char w[41];
	size_t m = n < sizeof w - 1 ? n : sizeof w - 1;
	for (size_t i = 0; i < m; i++)
		w[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a'
							  : p[i]);
	w[m] = '\0';
	for (int i = 0; i < APP_SEQ_NVARS; i++)
		if (n == m && strcmp(w, seq_vars[i]) == 0)
			return i;
	const char *hint = ld_suggest(w, seq_vars, APP_SEQ_NVARS);
	ld_fail(ld, v, "'%s': unknown variable '%.*s'%s%s%s (variables of the "
		       "receiving connection: rcv.nxt, rcv.wnd, snd.nxt, "
		       "snd.una, snd.wnd, iss, irs)",
		row->key, (int)n, p, hint ? " (did you mean '" : "",
		hint ? hint : "", hint ? "'?)" : "");
	return -1;
}

/* A number, or a sum of sequence variables of the receiving connection
 * and numbers, each added or subtracted (RFC 9293 §3.3.1): rcv.nxt+100,
 * rcv.nxt+rcv.wnd-1, snd.una+snd.wnd. */
static int h_seqexpr(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		     void *field)
{
	struct app_seqexpr *out = field;
	const char *t = ld_text(v), *p = t;
	int sign = 1;
	*out = (struct app_seqexpr){{0}, 0};
	for (int terms = 1;; terms++) {
		if (terms > SEQ_MAX_TERMS)
			return ld_fail(ld, v, "'%s' adds up at most %d terms "
					      "(found '%s')",
				       row->key, SEQ_MAX_TERMS, t);
		p += strspn(p, " ");
		size_t n = strspn(p, "0123456789");
		if (n) {
			uint64_t x;
			char num[32];
			if (n >= sizeof num)
				goto bad;
			memcpy(num, p, n);
			num[n] = '\0';
			if (ld_parse_u64(num, &x) < 0 || x > UINT32_MAX)
				goto bad;
			out->off += sign > 0 ? (uint32_t)x : -(uint32_t)x;
		} else {
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ._");
			if (!n)
				goto bad;
			int i = seq_var(ld, row, v, p, n);
			if (i < 0)
				return -1;
			out->k[i] = (int8_t)(out->k[i] + sign);
		}
		p += n;
		p += strspn(p, " ");
		if (!*p)
			return 0;
		if (*p != '+' && *p != '-')
			goto bad;
		sign = *p == '-' ? -1 : 1;
		p++;
	}
bad:
	return ld_fail(ld, v, "'%s' expects a number (0 to 4294967295), or "
			      "variables of the receiving connection and "
			      "numbers added or subtracted, e.g. rcv.nxt+100 "
			      "or rcv.nxt+rcv.wnd-1; variables: rcv.nxt, "
			      "rcv.wnd, snd.nxt, snd.una, snd.wnd, iss, irs "
			      "(found '%s')",
		       row->key, t);
}

static int h_data(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		  void *field)
{
	struct app_inject *j = field;
	if (strlen(ld_text(v)) > 65495)
		return ld_fail(ld, v, "'data' is at most 65495 bytes");
	if (ld_owned(ld, row, v, &j->text) < 0)
		return -1;
	j->len = (uint32_t)strlen(j->text);
	return 0;
}

static const struct ld_key inject_rows[] = {
	{"src", LD_SCALAR, h_src, WHOLE},
	{"dst", LD_SCALAR, h_dst, WHOLE},
	{"flags", LD_SCALAR, ld_flags, AT(struct app_inject, flags)},
	{"seq", LD_SCALAR, h_seqexpr, AT(struct app_inject, seq)},
	{"ack", LD_SCALAR, h_seqexpr, AT(struct app_inject, ack)},
	{"win", LD_SCALAR, ld_uint, AT(struct app_inject, wnd), .max = 65535},
	{"mss", LD_SCALAR, ld_uint, AT(struct app_inject, mss), .min = 1,
	 .max = 65535},
	{"len", LD_SCALAR, ld_size, AT(struct app_inject, len), .max = 65495},
	{"data", LD_SCALAR, h_data, WHOLE},
	{0},
};

static const struct ld_section inject_section = {"inject",
						  .rows = inject_rows};

static int h_inject(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		    void *field)
{
	struct app_inject *j = field;
	j->wnd = 65535;
	j->saddr = ld->s->hosts[ld->host].addr;
	if (ld_walk(ld, v, row->sub, j) < 0)
		return -1;
	if (!ld_map_get(ld, v, "dst"))
		return ld_fail(ld, v, "inject needs 'dst: HOST:PORT'");
	if (!ld_map_get(ld, v, "src"))
		return ld_fail(ld, v, "inject needs 'src: ADDRESS:PORT' (or "
				      "HOST:PORT)");
	if (ld_map_get(ld, v, "len") && j->text)
		return ld_fail(ld, v, "inject has 'len' or 'data', not both");
	/* An IPv4 packet holds 65535 bytes: 20 of IP header, 20 of TCP,
	 * and 4 more for the MSS option. */
	if (j->mss && j->len > 65491)
		return ld_fail(ld, v, "with 'mss', 'len' (or 'data') is at most "
				      "65491 bytes: the MSS option takes 4 of "
				      "the 65535 an IPv4 packet holds");
	if (!ld_map_get(ld, v, "win") && (j->flags & TCP_RST))
		j->wnd = 0;
	return 0;
}

/* ---- what an action does ------------------------------------------------- */

static int h_connect(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		     void *field)
{
	struct app_action *a = field;
	const char *t = ld_text(v), *pt;
	char hn[80];
	int rc = split_hostport(t, hn, sizeof hn, &pt), h;
	if (rc == -1)
		return ld_fail(ld, v, "'connect' expects HOST:PORT, e.g. "
				      "server:80 (found '%s')",
			       t);
	if (rc == -2)
		return ld_unknown_host(ld, v, t);
	if (ld_one_host(ld, v, hn, &h) < 0)
		return -1;
	if (h == ld->host)
		return ld_fail(ld, v, "'%s' cannot connect to itself: tcpsim "
				      "has no loopback",
			       hn);
	a->peer = h;
	a->peer_addr = ld->s->hosts[h].addr;
	return ld_get_port(ld, v, row->key, pt, &a->port);
}

static int h_send(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		  void *field)
{
	uint64_t *bytes = field;
	const char *msg;
	if (scn_parse_size(ld_text(v), bytes, &msg) < 0)
		return ld_bad_value(ld, row, v, msg);
	if (*bytes == 0)
		return ld_fail(ld, v, "'send' needs at least one byte");
	if (*bytes > (UINT64_C(1) << 40))
		return ld_fail(ld, v, "'send' is limited to 1 TiB");
	return 0;
}

static int h_send_text(struct ld *ld, const struct ld_key *row,
		       yaml_node_t *v, void *field)
{
	struct app_action *a = field;
	if (ld_owned(ld, row, v, &a->text) < 0)
		return -1;
	a->bytes = strlen(a->text);
	return 0;
}

static int h_sock_name(struct ld *ld, const struct ld_key *row,
		       yaml_node_t *v, void *field)
{
	if (!ld_valid_name(ld_text(v)))
		return ld_fail(ld, v, "a socket name starts with a letter and "
				      "uses only letters, digits, '-', '_' and "
				      "'.' (found '%s')",
			       ld_text(v));
	return ld_owned(ld, row, v, field);
}

static const struct ld_key serve_rows[] = {
	{"respond", LD_SCALAR, ld_nonzero_size,
	 AT(struct app_action, resp_size), .flags = LDK_REQUIRED},
	{"per", LD_SCALAR, ld_nonzero_size, AT(struct app_action, req_size),
	 .flags = LDK_REQUIRED},
	{0},
};

static const struct ld_section serve_section = {
	"serve", .rows = serve_rows, .flags = LDS_KEYS_FIRST,
	.need = "a responding server needs 'respond: SIZE' and 'per: SIZE'",
};

/* echo, sink, or {respond: SIZE, per: SIZE}. */
static int h_serve(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	struct app_action *a = field;
	const char *t;
	if (v->type != YAML_SCALAR_NODE) {
		a->serve = APP_SERVE_RESPOND;
		return ld_walk(ld, v, &serve_section, a);
	}
	if (ld_scalar(ld, v, row->key, &t) < 0)
		return -1;
	if (strcmp(t, "echo") == 0)
		a->serve = APP_SERVE_ECHO;
	else if (strcmp(t, "sink") == 0)
		a->serve = APP_SERVE_SINK;
	else
		return ld_fail(ld, v, "'serve' is echo, sink, or {respond: "
				      "SIZE, per: SIZE} (found '%s')",
			       t);
	return 0;
}

static const struct ld_key requests_rows[] = {
	{"count", LD_SCALAR, ld_uint, AT(struct app_action, req_count),
	 .min = 1, .max = UINT32_MAX, .flags = LDK_REQUIRED},
	{"size", LD_SCALAR, ld_nonzero_size, AT(struct app_action, req_size),
	 .flags = LDK_REQUIRED},
	{"response", LD_SCALAR, ld_nonzero_size,
	 AT(struct app_action, resp_size), .flags = LDK_REQUIRED},
	{0},
};

static const struct ld_section requests_section = {
	"requests", .rows = requests_rows, .flags = LDS_KEYS_FIRST,
	.need = "requests need 'count', 'size' and 'response'",
};

static const struct ld_key read_rows[] = {
	{"bytes", LD_SCALAR, ld_nonzero_size,
	 AT(struct app_action, read_bytes), .flags = LDK_REQUIRED},
	{"every", LD_SCALAR, ld_duration, AT(struct app_action, read_every),
	 .min = 1, .flags = LDK_REQUIRED},
	{0},
};

static const struct ld_section read_section = {
	"read", .rows = read_rows, .flags = LDS_KEYS_FIRST,
	.need = "a slow reader needs 'bytes' and 'every', e.g. {bytes: 512, "
		"every: 100ms}",
};

static const struct ld_key repeat_rows[] = {
	{"count", LD_SCALAR, ld_uint, AT(struct app_action, repeat),
	 .min = 1, .max = UINT32_MAX, .flags = LDK_REQUIRED},
	{"every", LD_SCALAR, ld_duration, AT(struct app_action, every),
	 .min = 1, .flags = LDK_REQUIRED},
	{0},
};

static const struct ld_section repeat_section = {
	"repeat", .rows = repeat_rows, .flags = LDS_KEYS_FIRST,
	.need = "a repeated action needs 'count' and 'every', e.g. "
		"{count: 100, every: 10ms}",
};

static const struct ld_names app_events = {
	"event", "events",
	(const struct ld_name[]){
		{"connected", APP_ON_CONNECTED},
		{"received", APP_ON_RECEIVED},
		{"peer-closed", APP_ON_PEER_CLOSED},
		{"closed", APP_ON_CLOSED},
		{"refused", APP_ON_REFUSED},
		{"reset", APP_ON_RESET},
		{"timed-out", APP_ON_TIMED_OUT},
		{NULL, 0},
	},
};

static const struct ld_one_of action_op = {
	"an action does one thing", true, AT(struct app_action, op),
};

/* tags: the operations a key that shapes a socket goes with. */
#define LISTEN (1u << APP_OP_LISTEN)
#define CONNECT (1u << APP_OP_CONNECT)

static const struct ld_key action_rows[] = {
	{"at", LD_SCALAR, ld_duration, AT(struct app_action, at)},
	{"on", LD_SCALAR, ld_enum, AT(struct app_action, on),
	 .names = &app_events},
	{"bytes", LD_SCALAR, ld_size, AT(struct app_action, on_bytes),
	 .min = 1, .max = UINT64_MAX},
	{"after", LD_SCALAR, ld_duration, AT(struct app_action, after),
	 .seen = SEEN(struct app_action, has_after)},
	{"repeat", LD_MAP, ld_sub, WHOLE, .sub = &repeat_section},
	{"listen", LD_SCALAR, ld_port, AT(struct app_action, port),
	 .one_of = &action_op, .value = APP_OP_LISTEN},
	{"connect", LD_SCALAR, h_connect, WHOLE, .one_of = &action_op,
	 .value = APP_OP_CONNECT},
	{"send", LD_SCALAR, h_send, AT(struct app_action, bytes),
	 .one_of = &action_op, .value = APP_OP_SEND},
	{"send-text", LD_SCALAR, h_send_text, WHOLE, .one_of = &action_op,
	 .value = APP_OP_SEND},
	{"shutdown", LD_SCALAR, ld_true, .one_of = &action_op,
	 .value = APP_OP_SHUTDOWN},
	{"close", LD_SCALAR, ld_true, .one_of = &action_op,
	 .value = APP_OP_CLOSE},
	{"abort", LD_SCALAR, ld_true, .one_of = &action_op,
	 .value = APP_OP_ABORT},
	{"set", LD_MAP, ld_sub, AT(struct app_action, opts),
	 .sub = &ld_set_section, .one_of = &action_op, .value = APP_OP_SET},
	{"inject", LD_MAP, h_inject, AT(struct app_action, inj),
	 .sub = &inject_section, .one_of = &action_op,
	 .value = APP_OP_INJECT},
	{"crash", LD_SCALAR, ld_true, .one_of = &action_op,
	 .value = APP_OP_CRASH},
	{"reboot", LD_SCALAR, ld_true, .one_of = &action_op,
	 .value = APP_OP_REBOOT},
	{"options", LD_MAP, ld_sub, AT(struct app_action, opts),
	 .sub = &ld_options_section, .tags = LISTEN | CONNECT},
	{"serve", LD_ANY, h_serve, WHOLE, .tags = LISTEN},
	{"requests", LD_MAP, ld_sub, WHOLE, .sub = &requests_section,
	 .tags = CONNECT},
	{"bulk", LD_SCALAR, ld_nonzero_size, AT(struct app_action, bulk),
	 .tags = CONNECT},
	{"bind", LD_SCALAR, ld_port, AT(struct app_action, bind),
	 .tags = CONNECT},
	{"as", LD_SCALAR, h_sock_name, AT(struct app_action, as),
	 .tags = LISTEN | CONNECT},
	{"sock", LD_SCALAR, h_sock_name, AT(struct app_action, sock)},
	{"read", LD_MAP, ld_sub, WHOLE, .sub = &read_section,
	 .tags = LISTEN | CONNECT},
	{0},
};

static const struct ld_section action_section = {"an action",
						  .rows = action_rows};

/* What an action's keys say together. */
static int check_action(struct ld *ld, yaml_node_t *an, struct app_action *a)
{
	bool has_at = ld_map_get(ld, an, "at"), has_on = ld_map_get(ld, an, "on");
	bool has_bytes = ld_map_get(ld, an, "bytes");
	if (has_at && has_on)
		return ld_fail(ld, an, "an action runs 'at' a time or 'on' an "
				       "event, not both");
	if (!has_at && !has_on)
		return ld_fail(ld, an, "an action needs 'at: TIME' or 'on: "
				       "EVENT'");
	if (has_bytes && a->on != APP_ON_RECEIVED)
		return ld_fail(ld, an, "'bytes' belongs to 'on: received'");
	if (a->has_after && has_at)
		return ld_fail(ld, ld_map_key(ld, an, "after"),
			       "'after' delays an 'on' action; an 'at' action "
			       "runs at its own time");
	yaml_node_t *rep = ld_map_key(ld, an, "repeat");
	if (rep && !has_at)
		return ld_fail(ld, rep, "'repeat' belongs to an 'at' action; an "
					"'on' action runs at each event");
	if (rep && a->repeat > 1 &&
	    a->every > (SIM_TIME_MAX - a->at) / (sim_time_t)(a->repeat - 1))
		return ld_fail(ld, rep, "the repetitions run past the end of "
					"time");
	if (a->on == APP_ON_RECEIVED && !has_bytes)
		a->on_bytes = 1;
	const struct ld_key *op = ld_given(ld, an, &action_section, &action_op);
	if (!op)
		return ld_fail(ld, an, "an action needs one thing to do: listen, "
				       "connect, send, send-text, shutdown, "
				       "close, abort, set, inject, crash or "
				       "reboot");
	LD_ROWS(&action_section, r) {
		if (!r->tags || r->tags & (1u << a->op))
			continue;
		yaml_node_t *k = ld_map_key(ld, an, r->key);
		if (!k)
			continue;
		return ld_fail(ld, k, "'%s' belongs to %s", r->key,
			       r->tags == LISTEN    ? "'listen'"
			       : r->tags == CONNECT ? "'connect'"
						    : "'listen' or 'connect'");
	}
	yaml_node_t *sock = ld_map_key(ld, an, "sock");
	if (sock && (a->op == APP_OP_LISTEN || a->op == APP_OP_CONNECT ||
		     a->op == APP_OP_INJECT || a->op == APP_OP_CRASH ||
		     a->op == APP_OP_REBOOT))
		return ld_fail(ld, sock, "'sock' picks the sockets an action "
					 "works on; '%s' works on no socket "
					 "(name a new one with 'as')",
			       op->key);
	if (ld_map_get(ld, an, "requests") && ld_map_get(ld, an, "bulk"))
		return ld_fail(ld, ld_map_key(ld, an, "bulk"),
			       "a connection makes 'requests' or sends 'bulk', "
			       "not both");
	return 0;
}

static int push_action(struct ld *ld, yaml_node_t *n, int host,
		       const struct app_action *a)
{
	struct scn_host *h = &ld->s->hosts[host];
	if (grow(&h->acts, &h->acts_cap, h->nacts + 1, sizeof *h->acts, 1) < 0)
		return ld_fail(ld, n, "out of memory");
	/* every byte, padding too: share_actions compares them */
	memcpy(&h->acts[h->nacts++], a, sizeof *a);
	return 0;
}

static int load_actions(struct ld *ld, struct exp_hosts hs, const char *name,
			yaml_node_t *v)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return ld_fail(ld, v, "the actions of '%s' should be a list, "
				      "found %s",
			       name, ld_type_name(v));
	for (size_t i = 0; i < ld_nitems(v); i++) {
		yaml_node_t *an = ld_item(ld, v, i);
		for (int m = 0; m < hs.count; m++) {
			struct app_action a;
			memset(&a, 0, sizeof a); /* padding too */
			a.line = (int)an->start_mark.line + 1;
			a.col = (int)an->start_mark.column + 1;
			a.peer = -1;
			ld->host = hs.first + m;
			if (ld_walk(ld, an, &action_section, &a) < 0 ||
			    check_action(ld, an, &a) < 0 ||
			    push_action(ld, an, ld->host, &a) < 0)
				return -1;
		}
	}
	return 0;
}

int ld_apps_load(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		 void *field)
{
	(void)field;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	     p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key);
		struct exp_hosts hs;
		const char *name;
		if (ld_check_dup(ld, v, p, row->key) < 0 ||
		    ld_scalar(ld, k, row->key, &name) < 0 ||
		    ld_resolve(ld, k, name, &hs) < 0 ||
		    load_actions(ld, hs, name, ld_node(ld, p->value)) < 0)
			return -1;
	}
	return 0;
}
