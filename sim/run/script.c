/* script.c — inject, crash and reboot, for the applications (script.h). */
#include "sim/run/script.h"

#include <stdbool.h>
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

/* True if e takes a variable of the receiving connection. */
static bool seq_uses_conn(const struct app_seqexpr *e)
{
	for (int v = 0; v < APP_SEQ_NVARS; v++)
		if (e->k[v])
			return true;
	return false;
}

/* A number of an injected segment: its constant plus its variables of
 * the receiving connection, modulo 2^32. */
static uint32_t seq_value(const struct app_seqexpr *e,
			  const struct tcp_conn_info *i)
{
	const uint32_t var[APP_SEQ_NVARS] = {
		[APP_SEQ_RCV_NXT] = i->rcv_nxt, [APP_SEQ_RCV_WND] = i->rcv_wnd,
		[APP_SEQ_SND_NXT] = i->snd_nxt, [APP_SEQ_SND_UNA] = i->snd_una,
		[APP_SEQ_SND_WND] = i->snd_wnd, [APP_SEQ_ISS] = i->iss,
		[APP_SEQ_IRS] = i->irs,
	};
	uint32_t x = e->off;
	for (int v = 0; v < APP_SEQ_NVARS; v++)
		x += (uint32_t)(int32_t)e->k[v] * var[v];
	return x;
}

static void inject(struct script *sc, struct app *a,
		   const struct app_action *act)
{
	const struct app_inject *j = &act->inj;
	struct host *src = a->host, *dst = &sc->hosts[j->dst_host];
	struct tcp_conn *c = tcp_find(dst->tcp, j->saddr, j->sport, j->dport);
	if (!c && (seq_uses_conn(&j->seq) || seq_uses_conn(&j->ack))) {
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
