/* links.c — the `links` section: each link's two ends, what the network
 * does in both directions and in each ("A>B" overrides), its scripted
 * rules and its outages.
 *
 * A link's keys are read first, the directions after them, so a
 * direction starts from every key given for both. A link with a template
 * at one end is one link per member, sharing the rules.
 *
 * Known limits: at most 2^20 links; one link per pair of hosts. A
 * direction given twice is read twice, the later values winning (it is
 * not refused as a repeated key).
 */
#include "sim/scenario/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/segment.h"
#include "sim/engine/grow.h"

/* ---- both directions ---------------------------------------------------- */

static const struct ld_key ge_rows[] = {
	{"p", LD_SCALAR, ld_prob, AT(struct link_ge, p), .flags = LDK_REQUIRED},
	{"r", LD_SCALAR, ld_prob, AT(struct link_ge, r), .flags = LDK_REQUIRED},
	{"loss-good", LD_SCALAR, ld_prob, AT(struct link_ge, loss_good)},
	{"loss-bad", LD_SCALAR, ld_prob, AT(struct link_ge, loss_bad)},
	{0},
};

static const struct ld_section ge_section = {
	"burst-loss", .rows = ge_rows,
	.need = "burst-loss needs 'p' (good to bad) and 'r' (bad to good)",
};

/* Gilbert–Elliott: a segment in the bad state is lost unless said
 * otherwise. */
static int h_burst_loss(struct ld *ld, const struct ld_key *row,
			yaml_node_t *v, void *field)
{
	struct link_ge *ge = field;
	*ge = (struct link_ge){.on = true, .loss_bad = RNG_PPB_ONE};
	return ld_sub(ld, row, v, ge);
}

static const struct ld_key reorder_rows[] = {
	{"probability", LD_SCALAR, ld_prob, AT(struct link_cfg, reorder_ppb),
	 .flags = LDK_REQUIRED},
	{"delay", LD_SCALAR, ld_duration, AT(struct link_cfg, reorder_delay),
	 .flags = LDK_REQUIRED},
	{0},
};

static const struct ld_section reorder_section = {
	"reorder", .rows = reorder_rows,
	.need = "reorder needs 'probability' and 'delay'",
};

static const struct ld_key red_rows[] = {
	{"min", LD_SCALAR, ld_uint, AT(struct link_red, min_th), .min = 1,
	 .max = 1000000, .flags = LDK_REQUIRED},
	{"max", LD_SCALAR, ld_uint, AT(struct link_red, max_th), .min = 2,
	 .max = 1000000, .flags = LDK_REQUIRED},
	{"max-p", LD_SCALAR, ld_prob, AT(struct link_red, max_p_ppb)},
	{"weight", LD_SCALAR, ld_prob, AT(struct link_red, weight_ppb)},
	{"ecn", LD_SCALAR, ld_bool, AT(struct link_red, ecn)},
	{0},
};

static const struct ld_section red_section = {
	"red", .rows = red_rows,
	.need = "red needs 'min' and 'max' (thresholds, in segments)",
};

/* RED's thresholds and, unless given, Floyd's recommended max_p 0.1 and
 * w_q 0.002. */
static int h_red(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		 void *field)
{
	struct link_red *red = field;
	*red = (struct link_red){.on = true, .max_p_ppb = 100000000,
				 .weight_ppb = 2000000};
	if (ld_sub(ld, row, v, red) < 0)
		return -1;
	if (red->min_th >= red->max_th)
		return ld_fail(ld, v, "red: 'min' must be below 'max'");
	if (!red->max_p_ppb || !red->weight_ppb)
		return ld_fail(ld, v, "red: 'max-p' and 'weight' must be above "
				      "0");
	return 0;
}

static const struct ld_key codel_rows[] = {
	{"target", LD_SCALAR, ld_duration, AT(struct link_codel, target)},
	{"interval", LD_SCALAR, ld_duration, AT(struct link_codel, interval)},
	{"ecn", LD_SCALAR, ld_bool, AT(struct link_codel, ecn)},
	{0},
};

static const struct ld_section codel_section = {"codel",
						.rows = codel_rows};

/* CoDel with RFC 8289's target 5 ms and interval 100 ms unless given
 * (`codel: {}` takes both). */
static int h_codel(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	struct link_codel *cd = field;
	*cd = (struct link_codel){.on = true, .target = SIM_MS(5),
				  .interval = SIM_MS(100)};
	if (ld_sub(ld, row, v, cd) < 0)
		return -1;
	if (cd->target <= 0 || cd->interval <= 0 || cd->target >= cd->interval)
		return ld_fail(ld, v, "codel: 'target' must be above 0 and "
				      "below 'interval'");
	if (cd->interval > SIM_HOUR(1))
		return ld_fail(ld, v, "codel: 'interval' is at most 1h");
	return 0;
}

/* A count of segments ("50") or a size in bytes ("64KB"). */
static int h_queue(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	struct link_cfg *c = field;
	const char *msg, *t = ld_text(v);
	uint64_t x;
	if (scn_parse_size(t, &x, &msg) < 0)
		return ld_bad_value(ld, row, v, msg);
	bool bytes = t[strspn(t, "0123456789")] != '\0';
	if (x == 0 || x > (bytes ? UINT64_C(1) << 40 : UINT32_MAX))
		return ld_fail(ld, v, "'queue' must be between 1 and %s",
			       bytes ? "1 TiB" : "4294967295 segments");
	if (bytes)
		c->queue_bytes = x;
	else
		c->queue_pkts = (uint32_t)x;
	return 0;
}

struct outage_ld {
	sim_time_t at, len, until;
	bool has_at, has_for, has_until;
};

static const struct ld_key outage_rows[] = {
	{"at", LD_SCALAR, ld_duration, AT(struct outage_ld, at),
	 .seen = SEEN(struct outage_ld, has_at), .flags = LDK_REQUIRED},
	{"for", LD_SCALAR, ld_duration, AT(struct outage_ld, len),
	 .seen = SEEN(struct outage_ld, has_for)},
	{"until", LD_SCALAR, ld_duration, AT(struct outage_ld, until),
	 .seen = SEEN(struct outage_ld, has_until)},
	{0},
};

static const struct ld_section outage_section = {
	"an outage", .rows = outage_rows, .need = "an outage needs 'at'",
};

static int h_outages(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		     void *field)
{
	(void)row;
	struct link_cfg *c = field;
	size_t n = ld_nitems(v);
	struct link_outage *o = ld_own_items(ld, v, sizeof *o);
	if (!o)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *on = ld_item(ld, v, i);
		struct outage_ld ol = {0};
		if (ld_walk(ld, on, &outage_section, &ol) < 0)
			return -1;
		if (ol.has_for == ol.has_until)
			return ld_fail(ld, on, "an outage needs 'for' or 'until' "
					       "(one of them)");
		o[i].from = ol.at;
		o[i].until = ol.has_for ? ol.at + ol.len : ol.until;
		if (ol.has_for && ol.len > SIM_TIME_MAX - ol.at)
			return ld_fail(ld, on, "the outage ends too late");
		if (o[i].until <= o[i].from)
			return ld_fail(ld, on, "an outage must end after it "
					       "begins");
		if (i > 0 && o[i].from < o[i - 1].until)
			return ld_fail(ld, on, "outages must be in time order and "
					       "not overlap");
	}
	c->outages = o;
	c->noutages = n;
	return 0;
}

/* What a direction of a link does; the keys of a link and of "A>B". */
static const struct ld_key dir_rows[] = {
	{"delay", LD_SCALAR, ld_duration, AT(struct link_cfg, delay)},
	{"jitter", LD_SCALAR, ld_duration, AT(struct link_cfg, jitter)},
	{"jitter-reorders", LD_SCALAR, ld_bool,
	 AT(struct link_cfg, jitter_reorders)},
	{"loss", LD_SCALAR, ld_prob, AT(struct link_cfg, loss_ppb)},
	{"burst-loss", LD_MAP, h_burst_loss, AT(struct link_cfg, ge),
	 .sub = &ge_section},
	{"duplicate", LD_SCALAR, ld_prob, AT(struct link_cfg, dup_ppb)},
	{"corrupt", LD_SCALAR, ld_prob, AT(struct link_cfg, corrupt_ppb)},
	{"ce", LD_SCALAR, ld_prob, AT(struct link_cfg, ce_ppb)},
	{"reorder", LD_MAP, ld_sub, WHOLE, .sub = &reorder_section},
	{"rate", LD_SCALAR, ld_rate, AT(struct link_cfg, rate_bps)},
	{"queue", LD_SCALAR, h_queue, WHOLE},
	{"red", LD_MAP, h_red, AT(struct link_cfg, red), .sub = &red_section},
	{"codel", LD_MAP, h_codel, AT(struct link_cfg, codel),
	 .sub = &codel_section},
	{"mtu", LD_SCALAR, ld_uint, AT(struct link_cfg, mtu), .min = 68,
	 .max = 65535},
	{"down", LD_LIST, h_outages, WHOLE,
	 .shape = "'down' is a list of outages such as [{at: 5s, for: 2s}]"},
	{0},
};

static const struct ld_section dir_section = {
	"a link direction", .rows = dir_rows,
};

/* ---- rules --------------------------------------------------------------- */

static int h_rule_name(struct ld *ld, const struct ld_key *row,
		       yaml_node_t *v, void *field)
{
	if (!ld_valid_name(ld_text(v)))
		return ld_fail(ld, v, "rule name '%s' must start with a letter "
				      "and use only letters, digits, '-', '_' "
				      "and '.'",
			       ld_text(v));
	return ld_owned(ld, row, v, field);
}

/* One end of the link, by the name `between` gives it. */
static int h_rule_from(struct ld *ld, const struct ld_key *row,
		       yaml_node_t *v, void *field)
{
	(void)row;
	const char *t = ld_text(v);
	if (!ld->ends[0])
		return ld_fail(ld, v, "'from' names an end of a link: a fault "
				      "applies on every link (match the sender "
				      "with 'segment', 'flags' or 'state')");
	for (int i = 0; i < 2; i++)
		if (strcmp(t, ld->ends[i]) == 0) {
			*(int *)field = i;
			return 0;
		}
	return ld_fail(ld, v, "'from' must be one end of this link: '%s' or "
			      "'%s' (found '%s')",
		       ld->ends[0], ld->ends[1], t);
}

static const struct ld_names link_actions = {
	"action", "actions",
	(const struct ld_name[]){
		{"drop", LINK_DROP},
		{"delay", LINK_DELAY},
		{"duplicate", LINK_DUPLICATE},
		{"corrupt", LINK_CORRUPT},
		{"hold", LINK_HOLD},
		{"mark-ce", LINK_MARK_CE},
		{NULL, 0},
	},
};

static const struct ld_one_of rule_flags = {
	"a rule has 'flags' or 'flags-exact', not both", false,
	AT(struct link_rule, flags_exact),
};

static const struct ld_key rule_rows[] = {
	{"name", LD_SCALAR, h_rule_name, AT(struct link_rule, name)},
	{"from", LD_SCALAR, h_rule_from, AT(struct link_rule, from)},
	{"flags", LD_SCALAR, ld_flags, AT(struct link_rule, flags),
	 .one_of = &rule_flags, .value = false,
	 .seen = SEEN(struct link_rule, match_flags)},
	{"flags-exact", LD_SCALAR, ld_flags, AT(struct link_rule, flags),
	 .one_of = &rule_flags, .value = true,
	 .seen = SEEN(struct link_rule, match_flags)},
	{"flags-clear", LD_SCALAR, ld_flags, AT(struct link_rule, flags_clear)},
	{"data", LD_SCALAR, ld_bool, AT(struct link_rule, data)},
	{"ip-len", LD_SCALAR, ld_uint, AT(struct link_rule, ip_len), .min = 40,
	 .max = 65535, .seen = SEEN(struct link_rule, match_ip_len)},
	{"seq", LD_SCALAR, ld_uint, AT(struct link_rule, seq),
	 .max = UINT32_MAX, .seen = SEEN(struct link_rule, match_seq)},
	{"ack", LD_SCALAR, ld_uint, AT(struct link_rule, ack),
	 .max = UINT32_MAX, .seen = SEEN(struct link_rule, match_ack)},
	{"state", LD_SCALAR, ld_state, AT(struct link_rule, state)},
	{"nth", LD_SCALAR, ld_uint, AT(struct link_rule, nth), .min = 1,
	 .max = UINT64_MAX},
	{"first", LD_SCALAR, ld_uint, AT(struct link_rule, first), .min = 1,
	 .max = UINT64_MAX},
	{"segment", LD_SCALAR, ld_uint, AT(struct link_rule, segment),
	 .min = 1, .max = UINT64_MAX},
	{"after", LD_SCALAR, ld_duration, AT(struct link_rule, after)},
	{"before", LD_SCALAR, ld_duration, AT(struct link_rule, before)},
	{"action", LD_SCALAR, ld_enum, AT(struct link_rule, action),
	 .names = &link_actions, .flags = LDK_REQUIRED},
	{"delay", LD_SCALAR, ld_duration, AT(struct link_rule, delay)},
	{"copies", LD_SCALAR, ld_uint, AT(struct link_rule, copies), .min = 1,
	 .max = 100},
	{"must-match", LD_SCALAR, ld_bool, AT(struct link_rule, must_match)},
	{0},
};

static const struct ld_section rule_section = {
	"a rule", .rows = rule_rows,
	.need = "a rule needs 'action' (drop, delay, duplicate, corrupt, "
		"mark-ce or hold)",
};

/* What a rule's keys say together; its name if it gives none. */
static int check_rule(struct ld *ld, yaml_node_t *rn, struct link_rule *r)
{
	bool has_delay = ld_map_get(ld, rn, "delay") != NULL;
	if (r->nth && r->first)
		return ld_fail(ld, rn, "a rule has 'nth' or 'first', not both");
	if (r->match_flags && r->flags & r->flags_clear) {
		char f[40];
		tcp_flags_fmt(r->flags & r->flags_clear, f, sizeof f);
		return ld_fail(ld, ld_map_get(ld, rn, "flags-clear"),
			       "'flags-clear' names %s, which '%s' asks for: "
			       "the rule could never match",
			       f, r->flags_exact ? "flags-exact" : "flags");
	}
	if (r->after > r->before)
		return ld_fail(ld, rn, "'after' is later than 'before'");
	if (r->action == LINK_DELAY && !has_delay)
		return ld_fail(ld, ld_map_get(ld, rn, "action"),
			       "action 'delay' needs 'delay: TIME'");
	if (r->action != LINK_DELAY && has_delay)
		return ld_fail(ld, rn, "'delay' belongs to action 'delay'");
	if (r->action != LINK_DUPLICATE && ld_map_get(ld, rn, "copies"))
		return ld_fail(ld, rn, "'copies' belongs to action "
				       "'duplicate'");
	if (!r->name) {
		char nm[32];
		snprintf(nm, sizeof nm, "line-%d", r->line);
		r->name = ld_own_str(ld, rn, nm);
		if (!r->name)
			return -1;
	}
	return 0;
}

/* A link's rules and their count, after its directions' settings. */
struct link_ld {
	struct link_cfg cfg;
	const struct link_rule *rules;
	size_t nrules;
};

_Static_assert(offsetof(struct link_ld, cfg) == 0,
	       "a link's keys are read with link_cfg's offsets");

/* The rules of list v, into *out and *n. */
static int load_rules(struct ld *ld, yaml_node_t *v,
		      const struct link_rule **out, size_t *count)
{
	size_t n = ld_nitems(v);
	struct link_rule *rules = ld_own_items(ld, v, sizeof *rules);
	if (!rules)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *rn = ld_item(ld, v, i);
		struct link_rule *r = &rules[i];
		*r = (struct link_rule){
			.line = (int)rn->start_mark.line + 1,
			.col = (int)rn->start_mark.column + 1,
			.from = -1,
			.data = -1,
			.state = -1,
			.before = SIM_TIME_MAX,
			.copies = 1,
		};
		if (ld_walk(ld, rn, &rule_section, r) < 0 ||
		    check_rule(ld, rn, r) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(rules[j].name, r->name) == 0)
				return ld_fail(ld, rn, "duplicate rule name '%s' "
						       "(first at line %d)",
					       r->name, rules[j].line);
	}
	*out = rules;
	*count = n;
	return 0;
}

static int h_rules(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	(void)row;
	struct link_ld *lk = field;
	return load_rules(ld, v, &lk->rules, &lk->nrules);
}

int ld_faults_load(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		   void *field)
{
	(void)row;
	(void)field;
	/* no link is being read: 'from' has no end to name */
	const char *ends[2] = {ld->ends[0], ld->ends[1]};
	ld->ends[0] = ld->ends[1] = NULL;
	int rc = load_rules(ld, v, &ld->s->faults, &ld->s->nfaults);
	ld->ends[0] = ends[0];
	ld->ends[1] = ends[1];
	return rc;
}

/* ---- a link ------------------------------------------------------------- */

static bool is_direction(const char *key)
{
	return strchr(key, '>') != NULL;
}

/* Besides a direction's keys: `between` (read before the others), the
 * rules, and the directions "A>B" (read after the others). */
static const struct ld_key link_rows[] = {
	{"between", LD_ANY, .fn = NULL},
	{"rules", LD_LIST, h_rules, WHOLE, .shape = "'rules' is a list of rules"},
	{"A>B", LD_ANY, .fn = NULL, .match = is_direction},
	{0},
};

static const struct ld_section link_section = {
	"a link", .rows = dir_rows, .more = link_rows,
};

static int add_link(struct ld *ld, yaml_node_t *n, int a, int b,
		    const struct link_cfg dir[2], const struct link_ld *lk)
{
	struct scenario *s = ld->s;
	if (s->nlinks >= (1u << 20))
		return ld_fail(ld, n, "too many links (more than %u)", 1u << 20);
	if (grow(&s->links, &s->links_cap, s->nlinks + 1, sizeof *s->links,
		 8) < 0)
		return ld_fail(ld, n, "out of memory");
	struct scn_link *l = &s->links[s->nlinks++];
	*l = (struct scn_link){
		.line = (int)n->start_mark.line + 1,
		.col = (int)n->start_mark.column + 1,
		.a = a,
		.b = b,
		.dir = {dir[0], dir[1]},
		.rules = lk->rules,
		.nrules = lk->nrules,
	};
	return 0;
}

/* `between: [A, B]`: two hosts, or a template and a host. */
static int read_ends(struct ld *ld, yaml_node_t *ln, yaml_node_t *en[2],
		     struct exp_hosts ends[2])
{
	yaml_node_t *bt = ld_map_get(ld, ln, "between");
	if (!bt)
		return ld_fail(ld, ln, "a link needs 'between: [A, B]'");
	if (bt->type != YAML_SEQUENCE_NODE || ld_nitems(bt) != 2)
		return ld_fail(ld, bt, "'between' expects a list of two host "
				       "names, e.g. [client, server]");
	for (size_t i = 0; i < 2; i++) {
		en[i] = ld_item(ld, bt, i);
		if (ld_scalar(ld, en[i], "between", &ld->ends[i]) < 0 ||
		    ld_resolve(ld, en[i], ld->ends[i], &ends[i]) < 0)
			return -1;
	}
	if (ends[0].count > 1 && ends[1].count > 1)
		return ld_fail(ld, en[1], "a link joins one host to one host, or "
					  "every host of a template to one "
					  "host; '%s' and '%s' are both "
					  "templates",
			       ld->ends[0], ld->ends[1]);
	if (ends[0].first == ends[1].first && ends[0].count == ends[1].count)
		return ld_fail(ld, en[1], "a link joins two different hosts; "
					  "'%s' is linked to itself",
			       ld->ends[0]);
	return 0;
}

/* The "A>B" keys, over what the link's keys gave both directions. */
static int read_directions(struct ld *ld, yaml_node_t *ln,
			   struct link_cfg dir[2])
{
	const char *const *names = ld->ends;
	for (yaml_node_pair_t *p = ln->data.mapping.pairs.start;
	     p < ln->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key);
		const char *kn = ld_text(k), *gt = strchr(kn, '>');
		if (!gt)
			continue;
		int d = -1;
		for (int i = 0; i < 2; i++) {
			size_t l0 = strlen(names[i]);
			if (strncmp(kn, names[i], l0) == 0 && kn + l0 == gt &&
			    strcmp(gt + 1, names[1 - i]) == 0)
				d = i;
		}
		if (d < 0)
			return ld_fail(ld, k, "'%s' is not a direction of this "
					      "link: use '%s>%s' or '%s>%s'",
				       kn, names[0], names[1], names[1],
				       names[0]);
		if (ld_walk(ld, ld_node(ld, p->value), &dir_section, &dir[d]) < 0)
			return -1;
	}
	return 0;
}

static int load_link(struct ld *ld, yaml_node_t *ln)
{
	yaml_node_t *en[2];
	struct exp_hosts ends[2];
	if (ld_need_map(ld, ln, &link_section) < 0 ||
	    read_ends(ld, ln, en, ends) < 0)
		return -1;
	struct link_ld lk = {.cfg = link_cfg_default};
	if (ld_walk(ld, ln, &link_section, &lk) < 0)
		return -1;
	struct link_cfg dir[2] = {lk.cfg, lk.cfg};
	if (read_directions(ld, ln, dir) < 0)
		return -1;
	for (int d = 0; d < 2; d++) {
		if ((dir[d].red.on || dir[d].codel.on) && !dir[d].rate_bps)
			return ld_fail(ld, ln, "'%s' acts on the queue in front "
					       "of the link's transmitter: it "
					       "needs a 'rate'",
				       dir[d].red.on ? "red" : "codel");
		if (dir[d].red.on && dir[d].codel.on)
			return ld_fail(ld, ln, "a queue has 'red' or 'codel', not "
					       "both");
	}
	/* One link per member of a template end. */
	int tmpl = ends[0].count > 1 ? 0 : 1;
	struct exp_hosts single = ends[1 - tmpl];
	for (int i = 0; i < ends[tmpl].count; i++) {
		int ha = tmpl == 0 ? ends[0].first + i : single.first;
		int hb = tmpl == 1 ? ends[1].first + i : single.first;
		if (ha == hb)
			return ld_fail(ld, en[1], "a link joins two different "
						  "hosts; '%s' is linked to "
						  "itself",
				       ld->s->hosts[ha].name);
		if (add_link(ld, ln, ha, hb, dir, &lk) < 0)
			return -1;
	}
	return 0;
}

/* One link per pair of hosts: sort the pairs (20 bits per host, 20 for
 * the link's index), look at neighbours. */
static int check_pairs(struct ld *ld, yaml_node_t *v)
{
	struct scenario *s = ld->s;
	uint64_t *keys = malloc((s->nlinks ? s->nlinks : 1) * sizeof *keys);
	if (!keys)
		return ld_fail(ld, v, "out of memory");
	for (size_t i = 0; i < s->nlinks; i++) {
		uint64_t a = (uint64_t)s->links[i].a, b = (uint64_t)s->links[i].b;
		uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
		keys[i] = (lo << 40) | (hi << 20) | i;
	}
	qsort(keys, s->nlinks, sizeof *keys, ld_cmp_u64);
	for (size_t i = 1; i < s->nlinks; i++) {
		if (keys[i] >> 20 != keys[i - 1] >> 20)
			continue;
		size_t first = keys[i - 1] & 0xfffff, dup = keys[i] & 0xfffff;
		const struct scn_link *o = &s->links[first], *l = &s->links[dup];
		free(keys);
		/* l's position is that of its list item */
		yaml_node_t *item = v;
		for (size_t j = 0; j < ld_nitems(v); j++) {
			yaml_node_t *c = ld_item(ld, v, j);
			if ((int)c->start_mark.line + 1 == l->line &&
			    (int)c->start_mark.column + 1 == l->col)
				item = c;
		}
		return ld_fail(ld, item, "'%s' and '%s' are already linked (line "
					 "%d): one link per pair of hosts",
			       s->hosts[l->a].name, s->hosts[l->b].name,
			       o->line);
	}
	free(keys);
	return 0;
}

int ld_links_load(struct ld *ld, const struct ld_key *row, yaml_node_t *v,
		  void *field)
{
	(void)row;
	(void)field;
	for (size_t i = 0; i < ld_nitems(v); i++)
		if (load_link(ld, ld_item(ld, v, i)) < 0)
			return -1;
	return check_pairs(ld, v);
}
