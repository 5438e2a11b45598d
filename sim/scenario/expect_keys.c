/* expect_keys.c — the `expect` section: what a run must show, read into
 * struct expectation (expectation.h); sim/verdict/ judges them.
 *
 * An expectation checks one thing, chosen by one of its keys (state,
 * event, delivered, end); the other keys filter or bound it, and each
 * belongs to some kinds only (its row's tags). Keys are checked against
 * the kind after the walk, in table order, so that a misplaced key is
 * reported the same way wherever it stands.
 *
 * Known limits: the names `what` takes are listed here, not taken from
 * the layers that emit them.
 */
#include "sim/scenario/loader.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/trace.h"

/* tags: the kinds of expectation a key belongs to, and SEGMENT for a
 * field of a segment (segment events only). */
#define K_STATE (1u << EXP_STATE)
#define K_EVENT (1u << EXP_EVENT)
#define K_DELIVERED (1u << EXP_DELIVERED)
#define K_END (1u << EXP_END)
#define SEGMENT (1u << 8)
#define K_CONN (K_STATE | K_EVENT | K_END)

/* The key that chooses each kind, and its name in messages. */
static const struct ld_name kinds[] = {
	{"state", EXP_STATE},
	{"event", EXP_EVENT},
	{"delivered", EXP_DELIVERED},
	{"end", EXP_END},
	{NULL, 0},
};

static const struct ld_names events = {
	NULL, NULL,
	(const struct ld_name[]){
		{"send", EXP_EV_SEND},
		{"retransmit", EXP_EV_RETRANSMIT},
		{"recv", EXP_EV_RECV},
		{"drop", EXP_EV_DROP},
		{"ignore", EXP_EV_IGNORE},
		{"state", EXP_EV_STATE},
		{"timer", EXP_EV_TIMER},
		{"app", EXP_EV_APP},
		{"link", EXP_EV_LINK},
		{"host", EXP_EV_HOST},
		{NULL, 0},
	},
};

static const struct ld_names timer_ops = {
	NULL, NULL,
	(const struct ld_name[]){
		{"set", TR_TIMER_SET},
		{"fire", TR_TIMER_FIRE},
		{"cancel", TR_TIMER_CANCEL},
		{NULL, 0},
	},
};

static const struct ld_names ends = {
	NULL, NULL,
	(const struct ld_name[]){
		{"normal", TCP_END_NORMAL},
		{"reset", TCP_END_RESET},
		{"refused", TCP_END_REFUSED},
		{"timed-out", TCP_END_TIMEOUT},
		{"aborted", TCP_END_ABORTED},
		{"crashed", TCP_END_CRASHED},
		{"unreachable", TCP_END_UNREACHABLE},
		{NULL, 0},
	},
};

/* What `what` may name, by event. */
static const char *const app_what[] = {
	"connected", "data", "end-of-stream", "closed", "normal", "reset",
	"refused", "unreachable", "timed-out", "aborted", "crashed",
	"listen", "connect", "send", "shutdown", "close", "abort", "set", "inject", "crash",
	"reboot"};
static const char *const link_what[] = {"duplicate", "delay", "corrupt",
					"mark-ce",
					"hold", "release", "down", "up"};
static const char *const host_what[] = {"crash", "reboot"};

static const struct {
	enum exp_event ev;
	const char *const *names;
	size_t n;
} whats[] = {
	{EXP_EV_APP, app_what, sizeof app_what / sizeof *app_what},
	{EXP_EV_LINK, link_what, sizeof link_what / sizeof *link_what},
	{EXP_EV_HOST, host_what, sizeof host_what / sizeof *host_what},
};

/* "end", or a time. */
static int h_at(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		void *field)
{
	struct expectation *e = field;
	if (strcmp(ld_text(v), "end") == 0) {
		e->at_end = true;
		return 0;
	}
	return ld_duration(ld, row, v, &e->at);
}

static int h_timer(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	int i = ld_pick(ld, v, row->key, tcp_timer_names, TCP_NTIMERS, NULL);
	if (i < 0)
		return -1;
	*(const char **)field = tcp_timer_names[i];
	return 0;
}

/* Exactly this many: min and max. */
static int h_count(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	struct expectation *e = field;
	if (ld_get_u64(ld, v, row->key, row->min, row->max, &e->min) < 0)
		return -1;
	e->max = e->min;
	return 0;
}

static int h_why(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		 void *field)
{
	if (!*ld_text(v))
		return ld_fail(ld, v, "'why' needs some text to look for");
	return ld_owned(ld, row, v, field);
}

static const struct ld_key delivered_rows[] = {
	{"from", LD_SCALAR, ld_host_ref, AT(struct expectation, peer),
	 .flags = LDK_REQUIRED},
	{"to", LD_SCALAR, ld_host_ref, AT(struct expectation, host),
	 .flags = LDK_REQUIRED},
	{"bytes", LD_SCALAR, ld_size, AT(struct expectation, bytes),
	 .max = UINT64_MAX, .seen = SEEN(struct expectation, bytes_set)},
	{"intact", LD_SCALAR, ld_bool, AT(struct expectation, intact),
	 .seen = SEEN(struct expectation, intact_set)},
	{0},
};

static const struct ld_section delivered_section = {
	"delivered", .rows = delivered_rows,
	.need = "'delivered' needs 'from' and 'to'",
};

static const struct ld_one_of expect_flags = {
	"an expectation has 'flags' or 'flags-exact', not both", false,
	AT(struct expectation, flags_exact),
};

/* seq and ack: relative to the ISN, or absolute. */
static const struct ld_one_of expect_seq = {
	"an expectation has 'seq' or 'seq-abs', not both", false,
	AT(struct expectation, seq_abs),
};

static const struct ld_one_of expect_ack = {
	"an expectation has 'ack' or 'ack-abs', not both", false,
	AT(struct expectation, ack_abs),
};

static const struct ld_key expect_rows[] = {
	{"host", LD_SCALAR, ld_host_ref, AT(struct expectation, host),
	 .tags = K_CONN},
	{"peer", LD_SCALAR, ld_host_ref, AT(struct expectation, peer),
	 .tags = K_CONN},
	{"port", LD_SCALAR, ld_port, AT(struct expectation, port),
	 .tags = K_CONN},
	{"state", LD_SCALAR, ld_state, AT(struct expectation, state),
	 .tags = K_STATE | K_EVENT},
	{"at", LD_SCALAR, h_at, WHOLE, .tags = K_STATE},
	{"event", LD_SCALAR, ld_enum, AT(struct expectation, event),
	 .names = &events, .tags = K_EVENT},
	{"flags", LD_SCALAR, ld_flags, AT(struct expectation, flags),
	 .one_of = &expect_flags, .value = false,
	 .seen = SEEN(struct expectation, match_flags),
	 .tags = K_EVENT | SEGMENT},
	{"flags-exact", LD_SCALAR, ld_flags, AT(struct expectation, flags),
	 .one_of = &expect_flags, .value = true,
	 .seen = SEEN(struct expectation, match_flags),
	 .tags = K_EVENT | SEGMENT},
	{"from", LD_SCALAR, ld_state, AT(struct expectation, from_state),
	 .tags = K_EVENT},
	{"to", LD_SCALAR, ld_state, AT(struct expectation, to_state),
	 .tags = K_EVENT},
	{"timer", LD_SCALAR, h_timer, AT(struct expectation, timer),
	 .tags = K_EVENT},
	{"op", LD_SCALAR, ld_enum, AT(struct expectation, timer_op),
	 .names = &timer_ops, .tags = K_EVENT},
	{"what", LD_SCALAR, ld_owned, AT(struct expectation, what),
	 .tags = K_EVENT},
	{"rule", LD_SCALAR, ld_owned, AT(struct expectation, rule),
	 .tags = K_EVENT},
	{"after", LD_SCALAR, ld_duration, AT(struct expectation, after),
	 .tags = K_EVENT},
	{"before", LD_SCALAR, ld_duration, AT(struct expectation, before),
	 .tags = K_EVENT},
	{"count", LD_SCALAR, h_count, WHOLE, .max = UINT64_MAX, .tags = K_EVENT},
	{"min", LD_SCALAR, ld_uint, AT(struct expectation, min),
	 .max = UINT64_MAX, .tags = K_EVENT},
	{"max", LD_SCALAR, ld_uint, AT(struct expectation, max),
	 .max = UINT64_MAX, .tags = K_EVENT},
	{"delivered", LD_MAP, ld_sub, WHOLE, .sub = &delivered_section,
	 .tags = K_DELIVERED},
	{"end", LD_SCALAR, ld_enum, AT(struct expectation, end),
	 .names = &ends, .tags = K_END},
	{"seq", LD_SCALAR, ld_uint, AT(struct expectation, seq),
	 .max = UINT32_MAX, .seen = SEEN(struct expectation, has_seq),
	 .one_of = &expect_seq, .value = false, .tags = K_EVENT | SEGMENT},
	{"seq-abs", LD_SCALAR, ld_uint, AT(struct expectation, seq),
	 .max = UINT32_MAX, .seen = SEEN(struct expectation, has_seq),
	 .one_of = &expect_seq, .value = true, .tags = K_EVENT | SEGMENT},
	{"ack", LD_SCALAR, ld_uint, AT(struct expectation, ack),
	 .max = UINT32_MAX, .seen = SEEN(struct expectation, has_ack),
	 .one_of = &expect_ack, .value = false, .tags = K_EVENT | SEGMENT},
	{"ack-abs", LD_SCALAR, ld_uint, AT(struct expectation, ack),
	 .max = UINT32_MAX, .seen = SEEN(struct expectation, has_ack),
	 .one_of = &expect_ack, .value = true, .tags = K_EVENT | SEGMENT},
	{"len", LD_SCALAR, ld_uint, AT(struct expectation, len), .max = 65535,
	 .seen = SEEN(struct expectation, has_len), .tags = K_EVENT | SEGMENT},
	{"win", LD_SCALAR, ld_uint, AT(struct expectation, win), .max = 65535,
	 .seen = SEEN(struct expectation, has_win), .tags = K_EVENT | SEGMENT},
	{"why", LD_SCALAR, h_why, AT(struct expectation, why),
	 .tags = K_EVENT},
	{0},
};

static const struct ld_section expect_section = {"an expectation",
						  .rows = expect_rows};

/* The kind: the one key of kinds[] the expectation gives. */
static int choose_kind(struct ld *ld, yaml_node_t *en, struct expectation *e,
		       const char **kind)
{
	*kind = NULL;
	/* with `event`, `state` is the sender's state, as in a rule */
	bool event = ld_map_get(ld, en, "event") != NULL;
	for (const struct ld_name *k = kinds; k->name; k++) {
		yaml_node_t *v = ld_map_get(ld, en, k->name);
		if (!v || (event && k->value == EXP_STATE))
			continue;
		if (*kind)
			return ld_fail(ld, v, "an expectation checks one thing: "
					      "'%s' does not go with '%s'",
				       k->name, *kind);
		*kind = k->name;
		e->kind = (enum exp_kind)k->value;
	}
	if (!*kind)
		return ld_fail(ld, en, "an expectation needs one of 'state', "
				       "'event', 'delivered' or 'end'");
	return 0;
}

/* The filters of an event expectation that depend on the event. */
static int check_event(struct ld *ld, yaml_node_t *en, struct expectation *e)
{
	enum exp_event ev = e->event;
	yaml_node_t *from = ld_map_get(ld, en, "from");
	yaml_node_t *to = ld_map_get(ld, en, "to");
	yaml_node_t *timer = ld_map_get(ld, en, "timer");
	yaml_node_t *op = ld_map_get(ld, en, "op");
	yaml_node_t *what = ld_map_get(ld, en, "what");
	yaml_node_t *rule = ld_map_get(ld, en, "rule");
	if (e->min > e->max && !ld_map_get(ld, en, "min"))
		return ld_fail(ld, ld_map_get(ld, en, "max"),
			       "'max: 0' is below the default 'min: 1': write "
			       "'count: 0' for never");
	if (e->min > e->max)
		return ld_fail(ld, en, "'min' is larger than 'max'");
	if (e->after > e->before)
		return ld_fail(ld, en, "'after' is later than 'before'");
	if ((from || to) && ev != EXP_EV_STATE)
		return ld_fail(ld, from ? from : to, "'from' and 'to' are "
						     "states: they belong to "
						     "'event: state'");
	yaml_node_t *state = ld_map_get(ld, en, "state");
	if (state && ev != EXP_EV_SEND && ev != EXP_EV_RETRANSMIT &&
	    ev != EXP_EV_DROP && ev != EXP_EV_LINK)
		return ld_fail(ld, state, "'state' with 'event' is the sending "
					  "connection's state: it belongs to "
					  "send, retransmit, drop and link "
					  "events");
	if ((timer || op) && ev != EXP_EV_TIMER)
		return ld_fail(ld, timer ? timer : op, "'timer' and 'op' belong "
						       "to 'event: timer'");
	bool segments = !(ev == EXP_EV_STATE || ev == EXP_EV_TIMER ||
			  ev == EXP_EV_APP || ev == EXP_EV_HOST);
	LD_ROWS(&expect_section, r) {
		yaml_node_t *v = r->tags & SEGMENT && !segments
					 ? ld_map_get(ld, en, r->key)
					 : NULL;
		if (v)
			return ld_fail(ld, v, "'%s' belongs to segment events "
					      "(send, retransmit, recv, drop, "
					      "ignore, link)",
				       r->key);
	}
	if (what) {
		size_t i = 0, n = sizeof whats / sizeof whats[0];
		while (i < n && whats[i].ev != ev)
			i++;
		if (i == n)
			return ld_fail(ld, what, "'what' belongs to 'event: app', "
						 "'event: link' or 'event: "
						 "host'");
		if (ld_pick(ld, what, "what", whats[i].names, whats[i].n,
			    NULL) < 0)
			return -1;
	}
	if (rule && ev != EXP_EV_DROP && ev != EXP_EV_LINK)
		return ld_fail(ld, rule, "'rule' belongs to 'event: drop' or "
					 "'event: link'");
	return 0;
}

/* Keys that make sense for each kind of expectation. */
static int check_expect(struct ld *ld, yaml_node_t *en, struct expectation *e)
{
	const char *kind;
	if (choose_kind(ld, en, e, &kind) < 0)
		return -1;
	LD_ROWS(&expect_section, r) {
		yaml_node_t *v = r->tags & (1u << e->kind)
					 ? NULL
					 : ld_map_get(ld, en, r->key);
		if (v)
			return ld_fail(ld, v, "'%s' does not belong to %s '%s' "
					      "expectation",
				       r->key,
				       strchr("aeiou", kind[0]) ? "an" : "a",
				       kind);
	}
	switch (e->kind) {
	case EXP_STATE:
		if (!e->host.count)
			return ld_fail(ld, en, "a state expectation needs "
					       "'host'");
		if (!ld_map_get(ld, en, "at"))
			return ld_fail(ld, en, "a state expectation needs 'at: "
					       "TIME' or 'at: end'");
		break;
	case EXP_END:
		if (!e->host.count)
			return ld_fail(ld, en, "an end expectation needs 'host'");
		break;
	case EXP_EVENT:
		return check_event(ld, en, e);
	case EXP_DELIVERED:
		break;
	}
	return 0;
}

int ld_expect_load(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	(void)row;
	(void)field;
	struct scenario *s = ld->s;
	size_t n = ld_nitems(v);
	s->expects = calloc(n ? n : 1, sizeof *s->expects);
	if (!s->expects)
		return ld_fail(ld, v, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *en = ld_item(ld, v, i);
		struct expectation *e = &s->expects[s->nexpects];
		*e = (struct expectation){
			.line = (int)en->start_mark.line + 1,
			.col = (int)en->start_mark.column + 1,
			.state = -1,
			.from_state = -1,
			.to_state = -1,
			.timer_op = -1,
			.before = SIM_TIME_MAX,
			.min = 1,
			.max = UINT64_MAX,
		};
		if (ld_walk(ld, en, &expect_section, e) < 0 ||
		    check_expect(ld, en, e) < 0)
			return -1;
		s->nexpects++;
	}
	return 0;
}
