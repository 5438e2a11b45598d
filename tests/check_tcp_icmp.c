/* check_tcp_icmp.c — ICMP errors about the stack's own segments
 * (models/tcp_icmp.c): a connection in a state, an ICMP message in, and
 * exactly what becomes of it — ended, with the error its socket reports,
 * kept as a soft error for a later timeout, or not believed at all; and
 * a "fragmentation needed" that sends the flight again in smaller
 * segments. */
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"
#include "tcp_shorthand.h"

#define MSS 1460

static const uint8_t zeros[4 * MSS];

static struct tcp_params rules(enum tcp_rules r)
{
	struct tcp_params p = tcp_params_default;
	p.rules = r;
	if (r == TCP_RULES_FREEBSD)
		p.icmp_may_rst = true;
	return p;
}

/* The message about the segment at `seq` of the connection under test. */
static void icmp_in(struct th *h, uint8_t type, uint8_t code, uint32_t seq)
{
	struct tcp_icmp m = {
		.type = type, .code = code, .saddr = LOCAL_ADDR,
		.daddr = PEER_ADDR, .sport = h->lport, .dport = PEER_PORT,
		.seq = seq,
	};
	tcp_stack_icmp(h->st, &m);
}

/* RFC 1122 §4.2.3.9: port unreachable is a hard error and ends a
 * connection in SYN-SENT; RFC 5927 §4.1: only if the segment it quotes
 * is one in flight — ISS, not ISS-1 or ISS+1. */
START_TEST(test_syn_sent_port_unreachable_ends_it)
{
	struct th h;
	struct tcp_params p = rules(TCP_RULES_RFC9293);
	th_init(&h, &p);
	th_open_syn_sent(&h);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_PORT, ISS - 1);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_PORT, ISS + 1);
	ck_assert_int_eq(h.c->state, TCP_SYN_SENT);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_PORT, ISS);
	th_expect_none(&h);
	th_expect_closed(&h, TCP_END_UNREACHABLE);
	ck_assert_int_eq(h.closed_err, TCP_ERR_CONNREFUSED);
	th_fini(&h);
}
END_TEST

/* RFC 1122 §4.2.3.9: host unreachable is soft — the SYN goes on being
 * retransmitted, and when the connection times out, its socket reports
 * the soft error rather than ETIMEDOUT. */
START_TEST(test_syn_sent_host_unreachable_is_reported_at_the_timeout)
{
	struct th h;
	struct tcp_params p = rules(TCP_RULES_RFC9293);
	p.syn_retries = 1;
	th_init(&h, &p);
	th_open_syn_sent(&h);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_HOST, ISS);
	ck_assert_int_eq(h.c->state, TCP_SYN_SENT);
	th_run_until(&h, SIM_S(1));
	TH_EXPECT(&h, {.flags = S, .seq = ISS, .win = WIN, .mss = MSS,
		       .tx = TR_TX_TIMEOUT});
	th_run_until(&h, SIM_S(3));
	th_expect_none(&h);
	th_expect_closed(&h, TCP_END_TIMEOUT);
	ck_assert_int_eq(h.closed_err, TCP_ERR_HOSTUNREACH);
	th_fini(&h);
}
END_TEST

/* RFC 5927 §7.2: in a synchronized state a hard error is taken as soft:
 * the connection lives on, the error kept. */
START_TEST(test_established_port_unreachable_is_soft)
{
	struct th h;
	struct tcp_params p = rules(TCP_RULES_RFC9293);
	th_init(&h, &p);
	th_open_established(&h);
	ck_assert_uint_eq(tcp_send(h.c, zeros, 100), 100);
	th_checked(&h, 1);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_PORT, ISS + 1);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(h.c->soft_err, TCP_ERR_CONNREFUSED);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* FreeBSD's tcp_ctlinput: TTL exceeded in transit ends a connection in
 * SYN-SENT (tcp_drop_syn_sent, EHOSTUNREACH) while icmp_may_rst is on;
 * off, it is a soft error (tcp_notify). The FreeBSD suite's
 * rcv-icmp-hard-error-ttl-exceeded. */
START_TEST(test_syn_sent_freebsd_ttl_exceeded_drops_it_if_may_rst)
{
	for (int may = 1; may >= 0; may--) {
		struct th h;
		struct tcp_params p = rules(TCP_RULES_FREEBSD);
		p.icmp_may_rst = may;
		th_init(&h, &p);
		th_open_syn_sent(&h);
		icmp_in(&h, TCP_ICMP_TIME_EXCEEDED, 0, ISS);
		if (may) {
			th_expect_closed(&h, TCP_END_UNREACHABLE);
			ck_assert_int_eq(h.closed_err, TCP_ERR_HOSTUNREACH);
		} else {
			ck_assert_int_eq(h.c->state, TCP_SYN_SENT);
			ck_assert_int_eq(h.c->soft_err, TCP_ERR_HOSTUNREACH);
			tcp_abort(h.c);
		}
		th_fini(&h);
	}
}
END_TEST

/* FreeBSD: a hard error outside SYN-SENT is dropped by
 * tcp_drop_syn_sent unread — not even a soft error; a host unreachable
 * in ESTABLISHED is ignored by tcp_notify; a reassembly timeout has no
 * error in inetctlerrmap. */
START_TEST(test_established_freebsd_ignores_hard_and_unreachable_errors)
{
	struct th h;
	struct tcp_params p = rules(TCP_RULES_FREEBSD);
	th_init(&h, &p);
	th_open_established(&h);
	ck_assert_uint_eq(tcp_send(h.c, zeros, 100), 100);
	th_checked(&h, 1);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_PORT, ISS + 1);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_HOST, ISS + 1);
	icmp_in(&h, TCP_ICMP_TIME_EXCEEDED, 1, ISS + 1);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(h.c->soft_err, TCP_ERR_NONE);
	/* a parameter problem is kept (ENOPROTOOPT) */
	icmp_in(&h, TCP_ICMP_PARAMPROB, 0, ISS + 1);
	ck_assert_int_eq(h.c->soft_err, TCP_ERR_NOPROTOOPT);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

/* Linux's tcp_v4_err: in SYN-SENT every unreachable ends the connection,
 * with icmp_err_convert's errno (net unreachable: ENETUNREACH); SND.NXT
 * itself is believed (`between`). In ESTABLISHED it is soft. */
START_TEST(test_linux_syn_sent_net_unreachable_ends_it)
{
	struct th h;
	struct tcp_params p = rules(TCP_RULES_LINUX);
	th_init(&h, &p);
	th_open_syn_sent(&h);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_NET, ISS + 1);
	th_expect_closed(&h, TCP_END_UNREACHABLE);
	ck_assert_int_eq(h.closed_err, TCP_ERR_NETUNREACH);
	th_fini(&h);

	th_init(&h, &p);
	th_open_established(&h);
	icmp_in(&h, TCP_ICMP_UNREACH, TCP_ICMP_NET, ISS + 1);
	ck_assert_int_eq(h.c->state, TCP_ESTABLISHED);
	ck_assert_int_eq(h.c->soft_err, TCP_ERR_NETUNREACH);
	th_fini(&h);
}
END_TEST

/* RFC 1191 §6: "fragmentation needed" with a next-hop MTU of 1000: the
 * send MSS becomes 960 and the 2920 bytes in flight go again from
 * SND.UNA in segments of 960 bytes (FreeBSD's tcp_mtudisc), within the
 * initial window of four segments; cwnd stands. A larger MTU than the
 * segments need changes nothing. */
START_TEST(test_established_frag_needed_shrinks_the_segments)
{
	struct th h;
	struct tcp_params p = rules(TCP_RULES_RFC9293);
	p.iw = 4;
	th_init(&h, &p);
	th_open_established(&h);
	ck_assert_uint_eq(tcp_send(h.c, zeros, 2 * MSS), 2 * MSS);
	ck_assert_int_eq(th_unchecked(&h), 2);
	th_checked(&h, 2);
	struct tcp_icmp m = {
		.type = TCP_ICMP_UNREACH, .code = TCP_ICMP_NEEDFRAG,
		.mtu = 1500, .saddr = LOCAL_ADDR, .daddr = PEER_ADDR,
		.sport = h.lport, .dport = PEER_PORT, .seq = ISS + 1,
	};
	tcp_stack_icmp(h.st, &m);
	th_expect_none(&h);
	m.mtu = 1000;
	tcp_stack_icmp(h.st, &m);
	ck_assert_uint_eq(h.c->snd_mss, 960);
	th_expect_only(&h, 4, (const struct th_want[]){
		{.flags = A, .seq = ISS + 1, .ack = PEER_ISS + 1, .len = 960,
		 .win = WIN, .tx = TR_TX_PMTU},
		{.flags = A, .seq = ISS + 961, .ack = PEER_ISS + 1,
		 .len = 960, .win = WIN, .tx = TR_TX_PMTU},
		{.flags = A, .seq = ISS + 1921, .ack = PEER_ISS + 1,
		 .len = 960, .win = WIN, .tx = TR_TX_PMTU},
		{.flags = P | A, .seq = ISS + 2881, .ack = PEER_ISS + 1,
		 .len = 40, .win = WIN, .tx = TR_TX_PMTU},
	});
	ck_assert_uint_eq(h.c->snd_nxt, ISS + 1 + 2 * MSS);
	th_fini(&h);
}
END_TEST

Suite *tcp_icmp_suite(void)
{
	Suite *s = suite_create("tcp_icmp");
	TCase *tc = tcase_create("icmp");
	tcase_add_test(tc, test_syn_sent_port_unreachable_ends_it);
	tcase_add_test(tc, test_syn_sent_host_unreachable_is_reported_at_the_timeout);
	tcase_add_test(tc, test_established_port_unreachable_is_soft);
	tcase_add_test(tc, test_syn_sent_freebsd_ttl_exceeded_drops_it_if_may_rst);
	tcase_add_test(tc, test_established_freebsd_ignores_hard_and_unreachable_errors);
	tcase_add_test(tc, test_linux_syn_sent_net_unreachable_ends_it);
	tcase_add_test(tc, test_established_frag_needed_shrinks_the_segments);
	suite_add_tcase(s, tc);
	return s;
}
