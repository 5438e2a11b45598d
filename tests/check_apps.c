/* check_apps.c — scripted applications: socket calls, built-in behaviours,
 * injected segments and the events that trigger actions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/out/sinks.h"
#include "scn_util.h"
#include "suites.h"
#include "sim/run/world.h"

/* Run a scenario with its text trace in memory. */
static char *run(const char *text, struct world *w, struct scenario **sp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	*sp = load(text);
	ck_assert_int_eq(world_build(w, *sp, NULL), 0);
	trace_add_sink(&w->sim.trace, sink_text_new(f));
	world_run(w);
	trace_finish(&w->sim.trace);
	trace_fini(&w->sim.trace);
	fclose(f);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static const struct app_sock *sock_n(const struct world *w, int host, int n)
{
	const struct app_sock *s = w->apps[host].socks;
	while (s && n--)
		s = s->next;
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_echo_and_text_arrive_intact)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 7, serve: echo},"
		      " {on: peer-closed, close: true}]\n"
		      "  client:\n"
		      "    - {at: 0s, connect: server:7}\n"
		      "    - {on: connected, send-text: \"GET / HTTP/1.0\\r\\n\\r\\n\"}\n"
		      "    - {on: connected, send: 100KB}\n"
		      "    - {on: received, bytes: 100018, close: true}\n",
		      &w, &s);
	const struct app_sock *c = sock_n(&w, 0, 0);
	const struct app_sock *e = sock_n(&w, 1, 1);
	ck_assert_uint_eq(c->written, 100018);
	ck_assert_uint_eq(e->received, 100018);
	ck_assert_uint_eq(e->written, 100018);
	ck_assert_uint_eq(c->received, 100018);
	ck_assert_uint_eq(c->bad + e->bad + c->unverified + e->unverified, 0);
	ck_assert_int_eq(c->end, TCP_END_NORMAL);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_corruption_through_an_echo_is_caught)
{
	/* A byte damaged on the way to the echo comes back damaged: the
	 * client, which knows what it wrote, sees it. The damage is made by
	 * a crafted segment the echo accepts in place of the real one. */
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links:\n"
		      "  - between: [client, server]\n"
		      "    delay: 5ms\n"
		      "    rules: [{from: client, data: true, nth: 1, action: drop}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 7, serve: echo}]\n"
		      "  client:\n"
		      "    - {at: 0s, connect: server:7}\n"
		      "    - {on: connected, send-text: hello}\n"
		      "    - {on: connected, inject: {src: \"10.0.0.1:49152\","
		      " dst: \"server:7\", flags: \"PSH,ACK\", seq: rcv.nxt,"
		      " ack: snd.nxt, data: jello}}\n",
		      &w, &s);
	const struct app_sock *c = sock_n(&w, 0, 0);
	const struct app_sock *e = sock_n(&w, 1, 1);
	ck_assert_uint_eq(e->received, 5);
	ck_assert_uint_eq(e->bad, 1);
	ck_assert_uint_eq(e->first_bad, 0);
	ck_assert_uint_eq(c->received, 5);
	ck_assert_uint_eq(c->bad, 1);
	ck_assert_uint_eq(c->first_bad, 0);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_request_response_counts)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80, serve: {respond: 5000,"
		      " per: 200}}, {on: peer-closed, close: true}]\n"
		      "  client: [{at: 0s, connect: server:80, requests: {count:"
		      " 4, size: 200, response: 5000}}]\n",
		      &w, &s);
	const struct app_sock *c = sock_n(&w, 0, 0);
	const struct app_sock *v = sock_n(&w, 1, 1);
	ck_assert_uint_eq(c->written, 800);
	ck_assert_uint_eq(v->received, 800);
	ck_assert_uint_eq(v->written, 20000);
	ck_assert_uint_eq(c->received, 20000);
	ck_assert_int_eq(c->end, TCP_END_NORMAL);
	ck_assert_int_eq(v->end, TCP_END_NORMAL);
	/* one request at a time: the second goes after the first answer */
	ck_assert_int_eq(count(t, " call=send"), 0);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_close_then_data_is_answered_with_rst)
{
	/* RFC 1122 §4.2.2.13: the server closes while the client still
	 * sends; the late data meets a RST. */
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80}, {on: connected, close: true}]\n"
		      "  client: [{at: 0s, connect: server:80}, {at: 1s, send: 10}]\n",
		      &w, &s);
	/* SYN,ACK; FIN; RST */
	ck_assert_int_eq(count(t, "server send pkt="), 3);
	ck_assert_ptr_nonnull(strstr(t, "server send pkt=7 src=10.0.0.2:80 "
					"dst=10.0.0.1:49152 flags=RST "));
	ck_assert_ptr_nonnull(strstr(t, "why=\"RFC 1122 §4.2.2.13: data after "
					"the application closed — reset to "
					"show it was lost\""));
	ck_assert_int_eq(sock_n(&w, 0, 0)->end, TCP_END_RESET);
	ck_assert_int_eq(sock_n(&w, 1, 1)->end, TCP_END_ABORTED);
	free(t);
	world_free(&w);
	scn_free(s);

	/* with shutdown instead, the data is read and the stream ends well */
	t = run("hosts: {client: {}, server: {}}\n"
		"links: [{between: [client, server], delay: 5ms}]\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80}, {on: connected, shutdown: true}]\n"
		"  client: [{at: 0s, connect: server:80}, {at: 1s, send: 10},"
		" {at: 2s, close: true}]\n",
		&w, &s);
	ck_assert_int_eq(count(t, "flags=RST"), 0);
	ck_assert_uint_eq(sock_n(&w, 1, 1)->received, 10);
	ck_assert_int_eq(sock_n(&w, 1, 1)->end, TCP_END_NORMAL);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* close() with linger0, or SO_LINGER with a time of 0, resets; under
 * Linux's rules the RST carries ACK and window (tcp_send_active_reset). */
START_TEST(test_linger0_close_and_abort_send_rst)
{
	static const struct {
		const char *options, *flags;
	} cases[] = {
		{"{linger0: true}", "flags=RST "},
		{"{linger: 0, rules: linux}", "flags=RST,ACK "},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char y[512];
		snprintf(y, sizeof y,
			 "hosts: {client: {}, server: {}}\n"
			 "links: [{between: [client, server], delay: 5ms}]\n"
			 "apps:\n"
			 "  server: [{at: 0s, listen: 80}]\n"
			 "  client: [{at: 0s, connect: server:80, options: %s},"
			 " {at: 1s, close: true}]\n",
			 cases[i].options);
		struct world w;
		struct scenario *s;
		char *t = run(y, &w, &s);
		char want[160];
		snprintf(want, sizeof want,
			 "1.000000000 client send pkt=4 src=10.0.0.1:49152 "
			 "dst=10.0.0.2:80 %s",
			 cases[i].flags);
		ck_assert_ptr_nonnull(strstr(t, want));
		ck_assert_int_eq(count(t, "flags=FIN"), 0);
		ck_assert_int_eq(sock_n(&w, 0, 0)->end, TCP_END_ABORTED);
		ck_assert_int_eq(sock_n(&w, 1, 1)->end, TCP_END_RESET);
		free(t);
		world_free(&w);
		scn_free(s);
	}
}
END_TEST

START_TEST(test_injected_rst_relative_to_the_connection)
{
	/* RFC 5961: a RST exactly at RCV.NXT resets; one in the window
	 * but not exact earns a challenge ACK; one outside is discarded. */
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}, mallory: {}}\n"
		      "links:\n"
		      "  - {between: [client, server], delay: 5ms}\n"
		      "  - {between: [mallory, server], delay: 1ms}\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80}]\n"
		      "  client: [{at: 0s, connect: server:80}]\n"
		      "  mallory:\n"
		      "    - {at: 1s, inject: {src: \"10.0.0.1:49152\", dst: "
		      "\"server:80\", flags: RST, seq: rcv.nxt+70000}}\n"
		      "    - {at: 2s, inject: {src: \"10.0.0.1:49152\", dst: "
		      "\"server:80\", flags: RST, seq: rcv.nxt+1}}\n"
		      "    - {at: 3s, inject: {src: \"10.0.0.1:49152\", dst: "
		      "\"server:80\", flags: RST, seq: rcv.nxt}}\n",
		      &w, &s);
	ck_assert_ptr_nonnull(strstr(t, "1.001000000 server ignore "));
	ck_assert_ptr_nonnull(strstr(t, "2.001000000 server send pkt="));
	ck_assert_ptr_nonnull(strstr(t, "RFC 5961 §3.2: RST in the window but "
					"not at RCV.NXT — challenge ACK"));
	ck_assert_ptr_nonnull(strstr(t, "3.001000000 server state "
					"conn=10.0.0.2:80>10.0.0.1:49152 "
					"from=ESTABLISHED to=CLOSED"));
	ck_assert_int_eq(sock_n(&w, 1, 1)->end, TCP_END_RESET);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* A socket's options lie over its host's parameters; `set` changes them
 * on an open connection. */
START_TEST(test_socket_options_and_set_override_the_host)
{
	struct world w;
	struct scenario *s;
	char *t = run("stop: 2s\n"
		      "tcp: {profile: linux}\n"
		      "hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 10ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80}]\n"
		      "  client:\n"
		      "    - {at: 0s, connect: server:80, options: {iw: 2,"
		      " rto-min: 1s, keepalive: true}}\n"
		      "    - {at: 1s, set: {nodelay: true, keepalive: false}}\n",
		      &w, &s);
	const struct tcp_conn *c = sock_n(&w, 0, 0)->c;
	ck_assert_ptr_nonnull(c);
	const struct tcp_params *p = tcp_conn_params(c);
	struct tcp_conn_info i;
	tcp_conn_info(c, &i);
	ck_assert_uint_eq(p->iw, 2);
	/* two segments of the MSS less the timestamps' 12 bytes, which
	 * the linux profile negotiates */
	ck_assert_uint_eq(i.cwnd, 2 * (1460 - 12));
	ck_assert_int_eq(p->rto_min, SIM_S(1));
	ck_assert(p->nodelay);
	ck_assert(!p->keepalive);
	ck_assert_int_eq(tcp_conn_timer(c, TCP_T_KEEPALIVE), -1);
	/* the rest is the host's: the linux profile */
	ck_assert_int_eq(p->delack, SIM_MS(40));
	ck_assert_int_eq(p->time_wait, SIM_S(60));
	/* the server's side has none of it */
	const struct tcp_conn *v = sock_n(&w, 1, 1)->c;
	ck_assert_uint_eq(tcp_conn_params(v)->iw, 10);
	ck_assert(!tcp_conn_params(v)->nodelay);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* A slow reader whose connection ends (TIME-WAIT over) before it has read
 * everything still reads the rest: the socket keeps it. */
START_TEST(test_unread_bytes_outlive_a_normally_ended_connection)
{
	struct world w;
	struct scenario *s;
	char *t = run("tcp: {msl: 1s}\n"
		      "hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80, read: {bytes: 100,"
		      " every: 1s}}, {on: connected, shutdown: true}]\n"
		      "  client: [{at: 0s, connect: server:80, bulk: 1000}]\n",
		      &w, &s);
	const struct app_sock *v = sock_n(&w, 1, 1);
	ck_assert(v->ended);
	ck_assert_int_eq(v->end, TCP_END_NORMAL);
	ck_assert_uint_eq(v->received, 1000);
	ck_assert_uint_eq(v->bad, 0);
	/* the server closed first: its TIME-WAIT (2 s) ended at 2.02 s;
	 * reading 100 bytes a second goes on to 9 s */
	ck_assert_int_lt(v->end_time, SIM_S(3));
	ck_assert_int_eq(w.sim.now, SIM_MS(9015)); /* the last read */
	/* all read: it keeps only its results */
	ck_assert(v->retired);
	free(t);
	world_free(&w);
	scn_free(s);

	/* closed once its connection is gone: what it still held goes; the
	 * socket is retired when its last read period has passed (3.015 s,
	 * reading nothing) */
	t = run("tcp: {msl: 1s}\n"
		"hosts: {client: {}, server: {}}\n"
		"links: [{between: [client, server], delay: 5ms}]\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80, read: {bytes: 100,"
		" every: 1s}}, {on: connected, shutdown: true},"
		" {on: closed, close: true}]\n"
		"  client: [{at: 0s, connect: server:80, bulk: 1000}]\n",
		&w, &s);
	v = sock_n(&w, 1, 1);
	ck_assert(v->ended && v->retired);
	ck_assert_uint_eq(v->received, 300); /* at 0.015, 1.015, 2.015 s */
	ck_assert_int_eq(w.sim.now, SIM_MS(3015));
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* 'peer-closed' is the end of the stream as the application reads it:
 * after the last byte before the FIN, not when the FIN arrives. */
START_TEST(test_peer_closed_waits_until_everything_is_read)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80, read: {bytes: 1000,"
		      " every: 1s}}, {on: peer-closed, close: true}]\n"
		      "  client: [{at: 0s, connect: server:80, bulk: 5KB}]\n",
		      &w, &s);
	const struct app_sock *v = sock_n(&w, 1, 1);
	ck_assert_int_eq(v->end, TCP_END_NORMAL);
	ck_assert_uint_eq(v->received, 5000);
	/* reads at 0.015, 1.015, ... 4.015: close() then, not at the FIN */
	ck_assert_ptr_nonnull(strstr(t, "4.015000000 server app "
					"conn=10.0.0.2:80>10.0.0.1:49152 "
					"call=close"));
	ck_assert_int_eq(count(t, "flags=RST"), 0);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* Packets are sized for the largest segment the scenario can make: a
 * socket's MSS option above its host's, an injected segment above any
 * MSS. */
START_TEST(test_large_socket_mss_and_injections_fit_in_packets)
{
	struct world w;
	struct scenario *s;
	char *t = run("tcp: {mss: 500}\n"
		      "hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], mtu: 9000}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80, options: {mss: 4000}}]\n"
		      "  client:\n"
		      "    - {at: 0s, connect: server:80, options: {mss: 3000},"
		      " bulk: 10000}\n"
		      "    - {at: 1s, inject: {src: \"client:4000\","
		      " dst: \"server:81\", flags: ACK, len: 6000}}\n",
		      &w, &s);
	ck_assert_int_eq(w.sim.end, SIM_END_QUIET);
	ck_assert_uint_eq(sock_n(&w, 1, 1)->received, 10000);
	ck_assert_int_eq(count(t, "len=3000"), 6); /* 3 sent, 3 received */
	ck_assert_int_eq(count(t, "len=6000"), 2); /* sent, received */
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* A RST after both FINs (here in TIME-WAIT) leaves the whole stream
 * readable; in ESTABLISHED it flushes what was not read (RFC 9293
 * §3.10.7.4, second). */
START_TEST(test_reset_keeps_a_whole_stream_and_flushes_a_broken_one)
{
	static const char fmt[] =
		"tcp: {msl: 60s}\n"
		"hosts: {client: {}, server: {}}\n"
		"links: [{between: [client, server], delay: 10ms}]\n"
		"apps:\n"
		"  server:\n"
		"    - {at: 0s, listen: 80}\n"
		"    - {on: connected, send: 5000}\n"
		"    - {on: connected, %s: true}\n"
		"    - {at: 2s, inject: {src: \"server:80\","
		" dst: \"client:49152\", flags: RST, seq: rcv.nxt}}\n"
		"  client:\n"
		"    - {at: 1ms, connect: server:80, read: {bytes: 100,"
		" every: 1s}}\n"
		"    - {on: connected, shutdown: true}\n";
	char text[1024];
	struct world w;
	struct scenario *s;
	/* the server closes: the client is in TIME-WAIT at 2 s */
	snprintf(text, sizeof text, fmt, "close");
	char *t = run(text, &w, &s);
	const struct app_sock *c = sock_n(&w, 0, 0);
	ck_assert_int_eq(c->end, TCP_END_RESET);
	ck_assert_int_eq(c->end_time, SIM_MS(2010)); /* sent at 2 s */
	ck_assert_uint_eq(c->received, 5000);
	free(t);
	world_free(&w);
	scn_free(s);
	/* the server aborts after writing: its RST meets the client before
	 * any FIN from it, with most of the 5000 bytes unread */
	snprintf(text, sizeof text, fmt, "abort");
	t = run(text, &w, &s);
	c = sock_n(&w, 0, 0);
	ck_assert_int_eq(c->end, TCP_END_RESET);
	ck_assert_uint_lt(c->received, 5000);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_keepalive_gives_up_at_idle_plus_count_times_interval)
{
	struct world w;
	struct scenario *s;
	char *t = run("stop: 4h\n"
		      "hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 10ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80, options: {keepalive: true,"
		      " keepidle: 2h, keepintvl: 75s, keepcnt: 10}}]\n"
		      "  client: [{at: 0s, connect: server:80}, {at: 1s, crash: true}]\n",
		      &w, &s);
	/* The last segment from the client reached the server at 30 ms
	 * (the handshake's ACK, sent at 20 ms): probes at that + 2 h +
	 * k * 75 s, k = 0..9, then the end at + 2 h + 10 * 75 s. */
	const struct app_sock *v = sock_n(&w, 1, 1);
	ck_assert_int_eq(v->end, TCP_END_TIMEOUT);
	ck_assert_int_eq(v->end_time, SIM_MS(30) + SIM_S(7200) + 10 * SIM_S(75));
	ck_assert_int_eq(count(t, "keepalive — idle for the keepalive time"), 1);
	ck_assert_int_eq(count(t, "keepalive — probe unanswered"), 9);
	ck_assert_ptr_nonnull(strstr(t, "7200.030000000 server send pkt="));
	ck_assert_ptr_nonnull(strstr(t, "7875.030000000 server send pkt="));
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_keepalive_probe_is_answered_by_a_live_peer)
{
	struct world w;
	struct scenario *s;
	char *t = run("stop: 3h\n"
		      "hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 10ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80, options: {keepalive: true,"
		      " keepidle: 1h, keepintvl: 75s, keepcnt: 3}}]\n"
		      "  client: [{at: 0s, connect: server:80}]\n",
		      &w, &s);
	/* each probe (SEG.SEQ = SND.NXT-1) is outside the client's window:
	 * it answers with an ACK, which starts the idle time again */
	ck_assert_int_eq(count(t, "keepalive — idle for the keepalive time"), 2);
	ck_assert_int_eq(count(t, "keepalive — probe unanswered"), 0);
	/* last heard at 30 ms; the probe's answer arrives 20 ms after it */
	ck_assert_ptr_nonnull(strstr(t, "3600.030000000 server send pkt="));
	ck_assert_ptr_nonnull(strstr(t, "3600.040000000 client send pkt="));
	ck_assert_ptr_nonnull(strstr(t, "7200.050000000 server send pkt="));
	ck_assert_ptr_null(sock_n(&w, 1, 1)->ended ? "ended" : NULL);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_refused_and_timed_out_trigger_actions)
{
	struct world w;
	struct scenario *s;
	/* nothing listens on 81: refused, so the client tries 80 */
	char *t = run("hosts: {client: {tcp: {syn-retries: 1}}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80}]\n"
		      "  client:\n"
		      "    - {at: 0s, connect: server:81}\n"
		      "    - {on: refused, connect: server:80}\n"
		      "    - {on: connected, send: 10}\n",
		      &w, &s);
	ck_assert_int_eq(sock_n(&w, 0, 0)->end, TCP_END_REFUSED);
	ck_assert_int_eq(sock_n(&w, 0, 1)->c != NULL, 1);
	ck_assert_int_eq(count(t, "event=closed reason=refused"), 1);
	free(t);
	world_free(&w);
	scn_free(s);

	/* every SYN lost: timed out after one retry, then the backup link;
	 * the server resets the second connection: 'reset' fires */
	t = run("hosts: {client: {tcp: {syn-retries: 1}}, main: {}, backup: {}}\n"
		"links:\n"
		"  - {between: [client, main], loss: 1}\n"
		"  - {between: [client, backup], delay: 5ms}\n"
		"apps:\n"
		"  main: [{at: 0s, listen: 80}]\n"
		"  backup: [{at: 0s, listen: 80}, {on: connected, abort: true}]\n"
		"  client:\n"
		"    - {at: 0s, connect: main:80}\n"
		"    - {on: timed-out, connect: backup:80}\n"
		"    - {on: reset, send: 1}\n",
		&w, &s);
	ck_assert_int_eq(sock_n(&w, 0, 0)->end, TCP_END_TIMEOUT);
	ck_assert_int_eq(sock_n(&w, 0, 0)->end_time, SIM_S(3));
	ck_assert_int_eq(sock_n(&w, 0, 1)->end, TCP_END_RESET);
	/* 'reset' ran its send on a closed socket: an error, traced */
	ck_assert_ptr_nonnull(strstr(t, "3.020000000 client app "
					"conn=10.0.0.1:49153>10.0.0.3:80 "
					"call=send bytes=1 error=\"connection "
					"closing or closed\" line=11"));
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

START_TEST(test_timed_actions_need_an_open_socket)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  client: [{at: 1s, send: 10}, {at: 2s, listen: 80},"
		      " {at: 3s, listen: 80}]\n",
		      &w, &s);
	ck_assert_ptr_nonnull(strstr(t, "1.000000000 client app call=send "
					"bytes=10 error=\"no open connection\" "
					"line=4"));
	ck_assert_ptr_nonnull(strstr(t, "3.000000000 client app call=listen "
					"port=80 error=\"port already in use\""));
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* A connect the host cannot make is traced with the peer it was for and
 * the reason, each in its own field: no field of a trace line holds an
 * unquoted space (once the reason was written as the peer,
 * "peer=the host is down"). */
START_TEST(test_failed_connect_names_its_peer_and_quotes_the_reason)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {c: {}, s: {}}\n"
		      "links: [{between: [c, s]}]\n"
		      "apps:\n"
		      "  s: [{at: 0s, listen: 80}, {at: 0s, listen: 80}]\n"
		      "  c: [{at: 1s, crash: true}, {at: 2s, connect: s:80}]\n",
		      &w, &s);
	ck_assert_ptr_nonnull(strstr(t, "2.000000000 c app call=connect peer=s "
					"port=80 error=\"the host is down\" "
					"line=5\n"));
	ck_assert_ptr_nonnull(strstr(t, "0.000000000 s app call=listen "
					"port=80 error=\"port already in use\" "
					"line=4\n"));
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* connect from a chosen local port: refused, as an application error,
 * while a connection from that port to the same remote end exists (RFC
 * 9293 §3.10.1); free to another remote port; an ephemeral port is
 * still the first from 49152. */
START_TEST(test_connect_binds_the_local_port_it_is_given)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80}, {at: 0s, listen: 81}]\n"
		      "  client:\n"
		      "    - {at: 1ms, connect: server:80, bind: 40000}\n"
		      "    - {at: 2ms, connect: server:80, bind: 40000}\n"
		      "    - {at: 3ms, connect: server:81, bind: 40000}\n"
		      "    - {at: 4ms, connect: server:80}\n",
		      &w, &s);
	ck_assert_ptr_nonnull(strstr(t, "0.001000000 client send pkt=1 "
					"src=10.0.0.1:40000 dst=10.0.0.2:80 "
					"flags=SYN "));
	ck_assert_ptr_nonnull(strstr(t, "0.002000000 client app call=connect "
					"peer=server port=80 error=\"local "
					"port already in use\" line=7\n"));
	ck_assert_ptr_nonnull(strstr(t, "0.003000000 client send pkt="));
	ck_assert_int_eq(count(t, "error="), 1);
	const struct app_sock *c0 = sock_n(&w, 0, 0), *c1 = sock_n(&w, 0, 1),
			      *c2 = sock_n(&w, 0, 2);
	ck_assert_ptr_null(c2->next);
	ck_assert_uint_eq(c0->tuple.lport, 40000);
	ck_assert_uint_eq(c0->tuple.rport, 80);
	ck_assert_uint_eq(c1->tuple.lport, 40000);
	ck_assert_uint_eq(c1->tuple.rport, 81);
	ck_assert_uint_eq(c2->tuple.lport, 49152);
	ck_assert_uint_eq(c2->tuple.rport, 80);
	for (const struct app_sock *c = c0; c; c = c->next)
		ck_assert_int_eq(tcp_conn_state(c->c), TCP_ESTABLISHED);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* An event action with `after` runs that long after its event, once per
 * connection; actions due together run in the list's order; one whose
 * connection is gone by then is an application error, as for any event
 * action. */
START_TEST(test_event_action_runs_after_its_delay)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 5ms}]\n"
		      "apps:\n"
		      "  server:\n"
		      "    - {at: 0s, listen: 80}\n"
		      "    - {on: peer-closed, after: 100ms, close: true}\n"
		      "    - {on: connected, after: 50ms, send: 20}\n"
		      "    - {on: connected, after: 50ms, send: 10}\n"
		      "  client:\n"
		      "    - {at: 0s, connect: server:80, bulk: 1000}\n"
		      "    - {on: closed, after: 1s, send: 5}\n",
		      &w, &s);
	/* the server's connection is up at 15 ms and reads the client's
	 * FIN then too */
	ck_assert_ptr_nonnull(strstr(t, "0.015000000 server app conn=10.0.0.2:80>"
					"10.0.0.1:49152 event=connected\n"));
	ck_assert_ptr_nonnull(strstr(t, "0.015000000 server app conn=10.0.0.2:80>"
					"10.0.0.1:49152 event=end-of-stream\n"));
	const char *first = strstr(t, "0.065000000 server app conn=10.0.0.2:80>"
				      "10.0.0.1:49152 call=send bytes=20 line=7\n");
	const char *second = strstr(t, "0.065000000 server app conn=10.0.0.2:80>"
				       "10.0.0.1:49152 call=send bytes=10 line=8\n");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(second);
	ck_assert(first < second);
	ck_assert_ptr_nonnull(strstr(t, "0.115000000 server app conn=10.0.0.2:80>"
					"10.0.0.1:49152 call=close line=6\n"));
	ck_assert_int_eq(count(t, "call=close"), 1);
	ck_assert_int_eq(count(t, "call=send"), 3);
	/* TIME-WAIT ends at 240.12 s: the send comes a second later */
	ck_assert_ptr_nonnull(strstr(t, "240.120000000 client app conn=10.0.0.1:49152>"
					"10.0.0.2:80 event=closed reason=normal\n"));
	ck_assert_ptr_nonnull(strstr(t, "241.120000000 client app conn=10.0.0.1:49152>"
					"10.0.0.2:80 call=send bytes=5 error=\"connection "
					"closing or closed\" line=11\n"));
	ck_assert_uint_eq(sock_n(&w, 0, 0)->received, 30);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* `repeat` runs an `at` action count times, every apart from `at`: a
 * connect opens a new connection each time, from the next port; a send
 * writes on every open socket each time. */
START_TEST(test_repeat_runs_an_action_count_times_every_apart)
{
	struct world w;
	struct scenario *s;
	char *t = run("hosts: {client: {}, server: {}}\n"
		      "links: [{between: [client, server], delay: 1ms}]\n"
		      "apps:\n"
		      "  server: [{at: 0s, listen: 80}]\n"
		      "  client:\n"
		      "    - {at: 10ms, connect: server:80, repeat: {count: 3, "
		      "every: 50ms}}\n"
		      "    - {at: 200ms, send: 7, repeat: {count: 2, every: "
		      "1s}}\n",
		      &w, &s);
	ck_assert_ptr_nonnull(strstr(t, "0.010000000 client app conn=10.0.0.1:49152>"
					"10.0.0.2:80 call=connect peer=server "
					"port=80 line=6\n"));
	ck_assert_ptr_nonnull(strstr(t, "0.060000000 client app conn=10.0.0.1:49153>"
					"10.0.0.2:80 call=connect peer=server "
					"port=80 line=6\n"));
	ck_assert_ptr_nonnull(strstr(t, "0.110000000 client app conn=10.0.0.1:49154>"
					"10.0.0.2:80 call=connect peer=server "
					"port=80 line=6\n"));
	ck_assert_int_eq(count(t, "call=connect"), 3);
	/* two sends of 7 bytes on each of the three */
	ck_assert_int_eq(count(t, "0.200000000 client app conn="), 3);
	ck_assert_int_eq(count(t, "1.200000000 client app conn="), 3);
	ck_assert_int_eq(count(t, "call=send bytes=7"), 6);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(sock_n(&w, 1, i + 1)->received, 14);
	ck_assert_ptr_null(sock_n(&w, 0, 2)->next);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* More than 64 event actions: their flags no longer fit the socket's
 * word. Each of 70 `on: connected` sends runs once per connection. */
START_TEST(test_seventy_event_actions_run_once_each)
{
	char text[8192];
	int n = snprintf(text, sizeof text,
			 "hosts: {client: {}, server: {}}\n"
			 "links: [{between: [client, server], delay: 1ms}]\n"
			 "apps:\n"
			 "  server: [{at: 0s, listen: 80}]\n"
			 "  client:\n"
			 "    - {at: 1ms, connect: server:80, repeat: {count: 2, "
			 "every: 1ms}}\n");
	for (int i = 0; i < 70; i++)
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "    - {on: connected, send: %d}\n", i + 1);
	ck_assert_int_lt(n, (int)sizeof text);
	struct world w;
	struct scenario *s;
	char *t = run(text, &w, &s);
	ck_assert_int_eq(count(t, "call=send"), 140);
	/* 1 + 2 + ... + 70 on each */
	ck_assert_uint_eq(sock_n(&w, 1, 1)->received, 2485);
	ck_assert_uint_eq(sock_n(&w, 1, 2)->received, 2485);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

#define SHORT_CONNS                                                     \
	"hosts: {client: {}, server: {}}\n"                               \
	"links: [{between: [client, server], delay: 1ms}]\n"              \
	"tcp: {msl: 1s}\n"                                                \
	"apps:\n"                                                         \
	"  server: [{at: 0s, listen: 80}, {on: peer-closed, close: true}]\n" \
	"  client:\n"

/* A socket that has ended with nothing left to run keeps only how it
 * went (retired): ten short connections' sockets at both ends, their
 * counts intact. One with a delayed action still waiting stays whole
 * until it has run. */
START_TEST(test_ended_sockets_are_retired_with_their_results)
{
	struct world w;
	struct scenario *s;
	char *t = run(SHORT_CONNS
		      "    - {at: 10ms, connect: server:80, bulk: 3000, repeat: "
		      "{count: 10, every: 1ms}}\n"
		      "    - {on: closed, after: 10m, send: 5, sock: late}\n"
		      "    - {at: 20ms, connect: server:80, bulk: 7, as: late}\n",
		      &w, &s);
	int client = 0, server = 0, late = 0;
	for (int h = 0; h < 2; h++)
		for (const struct app_sock *k = w.apps[h].socks; k; k = k->next) {
			if (k->listener) {
				ck_assert(!k->retired);
				continue;
			}
			ck_assert(k->ended);
			ck_assert_int_eq(k->end, TCP_END_NORMAL);
			ck_assert(k->retired);
			if (h == 0 && app_sock_name(k)) {
				late++;
				ck_assert_uint_eq(k->written, 7);
			} else if (h == 0) {
				client++;
				ck_assert_uint_eq(k->written, 3000);
			} else {
				server++;
				ck_assert_uint_eq(k->received,
						  k->tuple.rport == 49162 ? 7 : 3000);
			}
		}
	ck_assert_int_eq(client, 10);
	ck_assert_int_eq(server, 11);
	ck_assert_int_eq(late, 1);
	/* the delayed send ran, ten minutes after its socket closed */
	ck_assert_int_eq(count(t, "call=send bytes=5 error=\"connection "
				  "closing or closed\""), 1);
	free(t);
	world_free(&w);
	scn_free(s);

	/* stopped before the delayed send: that socket is whole still */
	struct scenario *s2 = NULL;
	struct world w2;
	t = run("stop: 5m\n" SHORT_CONNS
		"    - {on: closed, after: 10m, send: 5}\n"
		"    - {at: 20ms, connect: server:80, bulk: 7}\n",
		&w2, &s2);
	const struct app_sock *k = w2.apps[0].socks;
	ck_assert(k->ended && !k->retired);
	ck_assert(w2.apps[1].socks->next->retired);
	free(t);
	world_free(&w2);
	scn_free(s2);
}
END_TEST

/* A socket whose connection is in TIME-WAIT, everything written and
 * read, is retired too when no action could still act on it: it keeps
 * its connection until 2·MSL ends it, and then learns how it ended. */
START_TEST(test_a_socket_in_time_wait_is_retired_until_its_end)
{
	/* the client's FIN goes at 12 ms, the server's comes back at 14 ms:
	 * TIME-WAIT from then, for 2 s */
	static const char conns[] = SHORT_CONNS
		"    - {at: 10ms, connect: server:80, bulk: 3000}\n";
	char text[1024];
	struct world w;
	struct scenario *s;
	snprintf(text, sizeof text, "stop: 1s\n%s", conns);
	char *t = run(text, &w, &s);
	const struct app_sock *k = w.apps[0].socks;
	ck_assert(k->retired && !k->ended);
	ck_assert_ptr_nonnull(k->c);
	ck_assert_int_eq(tcp_conn_state(k->c), TCP_TIME_WAIT);
	ck_assert_uint_eq(k->written, 3000);
	free(t);
	world_free(&w);
	scn_free(s);

	t = run(conns, &w, &s);
	k = w.apps[0].socks;
	ck_assert(k->retired && k->ended);
	ck_assert_ptr_null(k->c);
	ck_assert_int_eq(k->end, TCP_END_NORMAL);
	ck_assert_int_eq(k->end_time, SIM_MS(14) + SIM_S(2));
	free(t);
	world_free(&w);
	scn_free(s);

	/* whole in TIME-WAIT while an action may still act on it: an event
	 * action for its end, or a timed close to come */
	static const char *const keep[] = {
		"    - {on: closed, send: 1}\n",
		"    - {at: 1500ms, close: true}\n",
	};
	for (int i = 0; i < 2; i++) {
		snprintf(text, sizeof text, "stop: 1s\n%s%s", conns, keep[i]);
		t = run(text, &w, &s);
		k = w.apps[0].socks;
		ck_assert(!k->retired && !k->ended);
		ck_assert_int_eq(tcp_conn_state(k->c), TCP_TIME_WAIT);
		free(t);
		world_free(&w);
		scn_free(s);
	}
}
END_TEST

/* A stream of the pattern alone is kept as its length; text after it
 * makes it pieces, and the reader still checks every byte. */
START_TEST(test_pattern_then_text_then_pattern_arrives_intact)
{
	struct world w;
	struct scenario *s;
	char *t = run(SHORT_CONNS
		      "    - {at: 10ms, connect: server:80}\n"
		      "    - {on: connected, send: 100}\n"
		      "    - {on: connected, send-text: \"abc\"}\n"
		      "    - {on: connected, send: 50}\n"
		      "    - {on: connected, close: true}\n",
		      &w, &s);
	const struct app_sock *k = sock_n(&w, 1, 1);
	ck_assert_uint_eq(k->received, 153);
	ck_assert_uint_eq(k->bad, 0);
	ck_assert_uint_eq(k->unverified, 0);
	ck_assert_uint_eq(app_sock_wrote(w.apps[0].socks), 153);
	free(t);
	world_free(&w);
	scn_free(s);
}
END_TEST

/* A sink that keeps mallory's injected segments (host 2) and what the
 * server's connection (host 1, from client:49152) held as each left. */
struct inj_sink {
	struct trace_sink base;
	struct world *w;
	int n;
	struct tcp_seg seg[4];
	struct tcp_conn_info at[4];
};

static void inj_emit(struct trace_sink *s, const struct trace *tr,
		     const struct trace_event *ev)
{
	(void)tr;
	struct inj_sink *k = (struct inj_sink *)s;
	if (ev->kind != TR_SEND || ev->host != 2 || k->n == 4)
		return;
	struct tcp_conn *c = tcp_find(k->w->hosts[1].tcp, k->w->hosts[0].addr,
				      49152, 80);
	ck_assert_ptr_nonnull(c);
	k->seg[k->n] = *ev->seg;
	k->seg[k->n].data = NULL;
	tcp_conn_info(c, &k->at[k->n]);
	k->n++;
}

/* inject's seq and ack add up variables of the receiving connection
 * (the windows too) and numbers, each added or subtracted, modulo 2^32:
 * their values the instant the segment is made. */
START_TEST(test_injected_numbers_add_up_the_connection_variables)
{
	struct world w;
	struct inj_sink k = {.base = {.emit = inj_emit, .mask = TR_BIT(TR_SEND)},
			     .w = &w};
	struct scenario *s = load(
		"hosts: {client: {}, server: {}, mallory: {}}\n"
		"links:\n"
		"  - {between: [client, server], delay: 5ms}\n"
		"  - {between: [mallory, server], delay: 1ms}\n"
		"apps:\n"
		"  server: [{at: 0s, listen: 80, options: {rcvbuf: 10000}}]\n"
		"  client: [{at: 0s, connect: server:80}]\n"
		"  mallory:\n"
		"    - {at: 1s, inject: {src: \"10.0.0.1:49152\", dst: \"server:80\","
		" flags: ACK, seq: rcv.nxt+rcv.wnd, ack: snd.una+snd.wnd}}\n"
		"    - {at: 2s, inject: {src: \"10.0.0.1:49152\", dst: \"server:80\","
		" flags: ACK, seq: RCV.NXT + rcv.wnd - 1, ack: 7+snd.nxt-iss+irs}}\n"
		"    - {at: 3s, inject: {src: \"10.0.0.1:49152\", dst: \"server:80\","
		" flags: ACK, seq: 4294967295+2, ack: 0-1}}\n");
	ck_assert_int_eq(world_build(&w, s, NULL), 0);
	trace_add_sink(&w.sim.trace, &k.base);
	world_run(&w);
	ck_assert_int_eq(k.n, 3);
	const struct tcp_conn_info *i = &k.at[0];
	ck_assert_uint_eq(i->rcv_wnd, 10000);
	ck_assert_uint_eq(i->snd_wnd, 65535);
	ck_assert_uint_eq(k.seg[0].seq, i->rcv_nxt + i->rcv_wnd);
	ck_assert_uint_eq(k.seg[0].ack, i->snd_una + i->snd_wnd);
	i = &k.at[1];
	ck_assert_uint_eq(k.seg[1].seq, i->rcv_nxt + i->rcv_wnd - 1);
	ck_assert_uint_eq(k.seg[1].ack, (uint32_t)(7 + i->snd_nxt - i->iss +
						   i->irs));
	ck_assert_uint_eq(k.seg[2].seq, 1);
	ck_assert_uint_eq(k.seg[2].ack, UINT32_MAX);
	world_free(&w);
	scn_free(s);
}
END_TEST

Suite *apps_suite(void)
{
	Suite *s = suite_create("apps");
	TCase *tc = tcase_create("behaviours");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_echo_and_text_arrive_intact);
	tcase_add_test(tc, test_corruption_through_an_echo_is_caught);
	tcase_add_test(tc, test_request_response_counts);
	tcase_add_test(tc, test_close_then_data_is_answered_with_rst);
	tcase_add_test(tc, test_linger0_close_and_abort_send_rst);
	tcase_add_test(tc, test_injected_rst_relative_to_the_connection);
	tcase_add_test(tc, test_socket_options_and_set_override_the_host);
	tcase_add_test(tc, test_unread_bytes_outlive_a_normally_ended_connection);
	tcase_add_test(tc, test_peer_closed_waits_until_everything_is_read);
	tcase_add_test(tc, test_large_socket_mss_and_injections_fit_in_packets);
	tcase_add_test(tc, test_reset_keeps_a_whole_stream_and_flushes_a_broken_one);
	tcase_add_test(tc, test_keepalive_gives_up_at_idle_plus_count_times_interval);
	tcase_add_test(tc, test_keepalive_probe_is_answered_by_a_live_peer);
	tcase_add_test(tc, test_refused_and_timed_out_trigger_actions);
	tcase_add_test(tc, test_timed_actions_need_an_open_socket);
	tcase_add_test(tc, test_failed_connect_names_its_peer_and_quotes_the_reason);
	tcase_add_test(tc, test_connect_binds_the_local_port_it_is_given);
	tcase_add_test(tc, test_event_action_runs_after_its_delay);
	tcase_add_test(tc, test_repeat_runs_an_action_count_times_every_apart);
	tcase_add_test(tc, test_ended_sockets_are_retired_with_their_results);
	tcase_add_test(tc, test_a_socket_in_time_wait_is_retired_until_its_end);
	tcase_add_test(tc, test_pattern_then_text_then_pattern_arrives_intact);
	tcase_add_test(tc, test_seventy_event_actions_run_once_each);
	tcase_add_test(tc, test_injected_numbers_add_up_the_connection_variables);
	suite_add_tcase(s, tc);
	return s;
}
