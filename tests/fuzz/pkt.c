/* pkt.c — libFuzzer harness for the packetdrill script parser and the
 * runner that plays a script.
 *
 * Any bytes are a script: the parser must either return one or an error
 * "fuzz.pkt:LINE:COL: message" with LINE and COL inside the text, never
 * crash, leak or read out of bounds. A script that parses is walked
 * whole (every event, option and argument), under each set of defined
 * names the runner uses, and played against the freebsd and the linux
 * profiles: a verdict, never a crash.
 *
 * Seeds: tests/fuzz/regress/pkt/ and, when the FreeBSD suite is beside
 * the project (../shared/conformance), its scripts (`make fuzz` copies
 * them into the corpus under build/, not into the project).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/pkt/run.h"
#include "sim/pkt/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint64_t walk_expr(const struct pkt_expr *e, int depth)
{
	if (depth > 64)
		abort();
	uint64_t h = (uint64_t)e->kind + (uint64_t)e->num;
	if (e->name)
		h += strlen(e->name);
	if (e->field)
		h += strlen(e->field);
	if (e->note)
		h += strlen(e->note);
	for (uint32_t i = 0; i < e->n; i++)
		h += walk_expr(&e->sub[i], depth + 1);
	return h;
}

static uint64_t walk(const struct pkt_script *s)
{
	uint64_t h = 0;
	for (uint32_t i = 0; i < s->nsettings; i++)
		h += strlen(s->settings[i].name) + strlen(s->settings[i].value);
	for (uint32_t i = 0; i < s->nevents; i++) {
		const struct pkt_event *e = &s->events[i];
		if (e->line < 1 || e->col < 1)
			abort();
		h += (uint64_t)e->time.t + (uint64_t)e->time.end;
		switch (e->kind) {
		case PKT_EV_IN:
		case PKT_EV_OUT:
			for (uint32_t k = 0; k < e->seg.nopts; k++) {
				const struct pkt_opt *o = &e->seg.opts[k];
				if (o->nsack > PKT_MAX_SACK)
					abort();
				h += o->a + o->b + (o->text ? strlen(o->text) : 0);
			}
			h += e->seg.start + e->seg.len;
			break;
		case PKT_EV_CALL:
			h += strlen(e->call.name);
			for (uint32_t k = 0; k < e->call.nargs; k++)
				h += walk_expr(&e->call.args[k], 0);
			h += walk_expr(&e->call.ret, 0);
			break;
		case PKT_EV_ICMP:
			h += strlen(e->icmp.type) +
			     (e->icmp.code ? strlen(e->icmp.code) : 0) +
			     (e->icmp.echo_text ? strlen(e->icmp.echo_text)
						: 0) +
			     e->icmp.start + e->icmp.mtu;
			break;
		default:
			h += strlen(e->text);
			break;
		}
	}
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const sets[][3] = {
		{NULL}, {"FreeBSD", NULL}, {"Linux", "STANDARD", NULL}};
	int lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += d[i] == '\n';
	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
		struct pkt_script s;
		char err[512];
		if (pkt_parse("fuzz.pkt", (const char *)d, n, sets[k], &s, err,
			      sizeof err) < 0) {
			int line = 0, col = 0;
			if (sscanf(err, "fuzz.pkt:%d:%d: ", &line, &col) != 2 ||
			    line < 1 || line > lines || col < 1 ||
			    (size_t)col > n + 1 || !strstr(err, ": ")) {
				fprintf(stderr, "parser: bad error '%s'\n", err);
				abort();
			}
			continue;
		}
		volatile uint64_t h = walk(&s);
		(void)h;
		struct pkt_result res;
		const struct tcp_params *p =
			&tcp_profile_find(k == 2 ? "linux" : "freebsd")->p;
		pkt_run(&s, p, k == 2 ? PKT_SYS_LINUX : PKT_SYS_FREEBSD, NULL,
			NULL, 0, &res);
		if (res.verdict != PKT_PASS && res.verdict != PKT_FAIL &&
		    res.verdict != PKT_UNSUPPORTED)
			abort();
		pkt_script_free(&s);
	}
	return 0;
}
