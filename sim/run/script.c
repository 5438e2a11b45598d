/* script.c — inject, crash and reboot, for the applications (script.h). */
#include "sim/run/script.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/sim.h"

void script_init(struct script *sc, struct host *hosts, size_t nhosts)
{
	memset(sc, 0, sizeof *sc);
	sc->hosts = hosts;
	sc->nhosts = nhosts;
}

void script_fini(struct script *sc)
{
	free(sc->buf);
	sc->buf = NULL;
	sc->bufcap = 0;
}

/* A number of an injected segment: absolute, or a sequence variable of
 * the receiving connection plus an offset. */
static uint32_t seq_value(const struct app_seqexpr *e,
			  const struct tcp_conn_info *i)
{
	uint32_t base = 0;
	switch (e->var) {
	case APP_SEQ_ABS:
		break;
	case APP_SEQ_RCV_NXT:
		base = i->rcv_nxt;
		break;
	case APP_SEQ_SND_NXT:
		base = i->snd_nxt;
		break;
	case APP_SEQ_SND_UNA:
		base = i->snd_una;
		break;
	case APP_SEQ_ISS:
		base = i->iss;
		break;
	case APP_SEQ_IRS:
		base = i->irs;
		break;
	}
	return base + (uint32_t)e->off;
}

static void inject(struct script *sc, struct app *a,
		   const struct app_action *act)
{
	const struct app_inject *j = &act->inj;
	struct host *src = a->host, *dst = &sc->hosts[j->dst_host];
	struct tcp_conn *c = tcp_find(dst->tcp, j->saddr, j->sport, j->dport);
	if (!c && (j->seq.var != APP_SEQ_ABS || j->ack.var != APP_SEQ_ABS)) {
		app_trace(a, TR_APP_ERROR, act, 0,
			  "no connection to take the sequence numbers from");
		return;
	}
	struct tcp_conn_info ci = {0};
	if (c)
		tcp_conn_info(c, &ci);
	struct tcp_seg s = {
		.saddr = j->saddr,
		.daddr = j->daddr,
		.sport = j->sport,
		.dport = j->dport,
		.seq = seq_value(&j->seq, &ci),
		.ack = seq_value(&j->ack, &ci),
		.wnd = j->wnd,
		.flags = j->flags,
		.mss = j->mss,
		.len = j->len,
	};
	if (j->len) {
		if (sc->bufcap < j->len) {
			uint8_t *b = realloc(sc->buf, j->len);
			if (!b) {
				src->sim->nomem = true;
				return;
			}
			sc->buf = b;
			sc->bufcap = j->len;
		}
		if (j->text)
			memcpy(sc->buf, j->text, j->len);
		else
			app_pattern_fill(sc->buf, 0, j->len);
		s.data = sc->buf;
	}
	app_trace(a, TR_APP_CALL, act, j->len, NULL);
	host_inject(src, &s, "injected by the scenario");
}

void script_host_action(void *ctx, struct app *a,
			const struct app_action *act)
{
	struct script *sc = ctx;
	struct host *h = a->host;
	switch (act->op) {
	case APP_OP_INJECT:
		inject(sc, a, act);
		break;
	case APP_OP_CRASH:
		app_trace(a, TR_APP_CALL, act, 0, NULL);
		host_crash(h);
		break;
	case APP_OP_REBOOT:
		if (h->up) {
			app_trace(a, TR_APP_ERROR, act, 0, "the host is up");
			break;
		}
		app_trace(a, TR_APP_CALL, act, 0, NULL);
		host_reboot(h);
		break;
	default:
		break;
	}
}
