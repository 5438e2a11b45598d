/* check_pkt.c — the packetdrill script parser (sim/pkt/parse.c): what a
 * script's lines become, and where a bad one stops the reading. */
#include <string.h>

#include "sim/pkt/script.h"
#include "suites.h"

static const char *const freebsd[] = {"FreeBSD", NULL};

static struct pkt_script parse_ok(const char *text)
{
	struct pkt_script s;
	char err[256];
	int rc = pkt_parse("t.pkt", text, strlen(text), freebsd, &s, err,
			   sizeof err);
	ck_assert_msg(rc == 0, "%s", err);
	return s;
}

static void parse_fails(const char *text, const char *want)
{
	struct pkt_script s;
	char err[256];
	ck_assert_int_eq(pkt_parse("t.pkt", text, strlen(text), freebsd, &s,
				   err, sizeof err),
			 -1);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(s.nevents, 0);
}

/* A script of every kind of line: settings, then events at absolute,
 * relative and any times, each kind of event. */
START_TEST(test_pkt_parse_every_kind_of_line)
{
	struct pkt_script s = parse_ok(
		"// a comment\n"
		"--ip_version=ipv4\n"
		"--tolerance_usecs=25000\n"
		" 0.00 `sysctl -w net.inet.tcp.sack.enable=1`\n"
		"+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
		"+0.10 < S  0:0(0) win 32767 <mss 1460,sackOK,eol,eol>\n"
		"+0.00 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,"
		"sackOK,TS val 100 ecr 0>\n"
		"*     > S 0:0(0) <...>\n"
		"1.5...2.25 accept(3, ..., ...) = 4\n"
		"+0 %{ assert tcpi_state == TCPI_ESTABLISHED }%\n");
	ck_assert_uint_eq(s.nsettings, 2);
	ck_assert_str_eq(pkt_setting(&s, "ip_version"), "ipv4");
	ck_assert_str_eq(pkt_setting(&s, "tolerance_usecs"), "25000");
	ck_assert_ptr_null(pkt_setting(&s, "nothing"));
	ck_assert_uint_eq(s.nevents, 7);

	const struct pkt_event *e = &s.events[0];
	ck_assert_int_eq(e->kind, PKT_EV_SHELL);
	ck_assert_int_eq(e->time.kind, PKT_T_ABS);
	ck_assert_int_eq(e->line, 4);
	ck_assert_str_eq(e->text, "sysctl -w net.inet.tcp.sack.enable=1");

	e = &s.events[1];
	ck_assert_int_eq(e->kind, PKT_EV_CALL);
	ck_assert_str_eq(e->call.name, "socket");
	ck_assert_uint_eq(e->call.nargs, 3);
	ck_assert_int_eq(e->call.args[0].kind, PKT_E_ELLIPSIS);
	ck_assert_str_eq(e->call.args[1].name, "SOCK_STREAM");
	ck_assert_int_eq(e->call.ret.num, 3);

	e = &s.events[2];
	ck_assert_int_eq(e->kind, PKT_EV_IN);
	ck_assert_int_eq(e->time.kind, PKT_T_REL);
	ck_assert_int_eq(e->time.t, SIM_MS(100));
	ck_assert_uint_eq(e->seg.flags, PKT_F_SYN);
	ck_assert(!e->seg.has_ack && e->seg.has_win);
	ck_assert_uint_eq(e->seg.win, 32767);
	ck_assert_uint_eq(e->seg.nopts, 4);
	ck_assert_int_eq(e->seg.opts[0].kind, PKT_OPT_MSS);
	ck_assert_uint_eq(e->seg.opts[0].a, 1460);
	ck_assert_int_eq(e->seg.opts[1].kind, PKT_OPT_SACKOK);
	ck_assert_int_eq(e->seg.opts[3].kind, PKT_OPT_EOL);

	e = &s.events[3];
	ck_assert_int_eq(e->kind, PKT_EV_OUT);
	ck_assert_uint_eq(e->seg.flags, PKT_F_SYN | PKT_F_ACK);
	ck_assert(e->seg.has_ack);
	ck_assert_uint_eq(e->seg.ack, 1);
	ck_assert_uint_eq(e->seg.nopts, 5);
	ck_assert_int_eq(e->seg.opts[2].kind, PKT_OPT_WSCALE);
	ck_assert_uint_eq(e->seg.opts[2].a, 6);
	ck_assert_int_eq(e->seg.opts[4].kind, PKT_OPT_TS);
	ck_assert_uint_eq(e->seg.opts[4].a, 100);
	ck_assert_uint_eq(e->seg.opts[4].b, 0);

	e = &s.events[4];
	ck_assert_int_eq(e->time.kind, PKT_T_ANY);
	ck_assert(e->seg.has_opts && e->seg.opts_any);
	ck_assert(!e->seg.has_win);

	e = &s.events[5];
	ck_assert(e->time.range && e->time.blocking);
	ck_assert_int_eq(e->time.t, SIM_MS(1500));
	ck_assert_int_eq(e->time.end, SIM_MS(2250));

	e = &s.events[6];
	ck_assert_int_eq(e->kind, PKT_EV_CODE);
	ck_assert_str_eq(e->text,
			 " assert tcpi_state == TCPI_ESTABLISHED ");
	pkt_script_free(&s);
}
END_TEST

/* A system call's arguments and result: arrays, structs with named
 * members, values or'ed together, a call inside, a string, a negative
 * result with its errno and text, a result with a note. */
START_TEST(test_pkt_parse_system_calls)
{
	struct pkt_script s = parse_ok(
		"0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n"
		"+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)\n"
		"+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0},"
		" 8) = 0\n"
		"+0 connect(3, {sa_family=AF_INET, sin_port=htons(8080)},\n"
		"           16) = -1 EINPROGRESS (Operation now in progress)\n"
		"+0 write(4, \"hello\", 5) = 5\n"
		"+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0\n");
	ck_assert_uint_eq(s.nevents, 6);
	const struct pkt_call *c = &s.events[0].call;
	ck_assert_int_eq(c->args[2].kind, PKT_E_OR);
	ck_assert_uint_eq(c->args[2].n, 2);
	ck_assert_str_eq(c->args[2].sub[1].name, "O_NONBLOCK");

	c = &s.events[1].call;
	ck_assert_int_eq(c->ret.num, 0x802);
	ck_assert_str_eq(c->ret.note, "flags O_RDWR|O_NONBLOCK");

	c = &s.events[2].call;
	ck_assert_int_eq(c->args[3].kind, PKT_E_STRUCT);
	ck_assert_str_eq(c->args[3].sub[0].field, "onoff");
	ck_assert_int_eq(c->args[3].sub[1].num, 0);

	/* a call may run over lines while its parenthesis is open */
	const struct pkt_event *e = &s.events[3];
	ck_assert_int_eq(e->line, 4);
	c = &e->call;
	ck_assert_uint_eq(c->nargs, 3);
	ck_assert_int_eq(c->args[1].sub[1].kind, PKT_E_CALL);
	ck_assert_str_eq(c->args[1].sub[1].name, "htons");
	ck_assert_int_eq(c->args[1].sub[1].sub[0].num, 8080);
	ck_assert_int_eq(c->ret.num, -1);
	ck_assert_str_eq(c->err, "EINPROGRESS");
	ck_assert_str_eq(c->err_text, "Operation now in progress");

	c = &s.events[4].call;
	ck_assert_int_eq(c->args[1].kind, PKT_E_STRING);
	ck_assert_str_eq(c->args[1].name, "hello");

	c = &s.events[5].call;
	ck_assert_int_eq(c->args[3].kind, PKT_E_ARRAY);
	ck_assert_str_eq(c->args[3].sub[0].name, "ECONNRESET");
	pkt_script_free(&s);
}
END_TEST

/* Segments: any sequence number, SACK blocks, IP fields and marks, and
 * each flag letter. */
START_TEST(test_pkt_parse_segments)
{
	struct pkt_script s = parse_ok(
		"0 > S. ...(0) ack 65537 win 65535\n"
		"+0 < . 1:1(0) ack 1 win 257 <sack 2001:3001 4001:5001,nop,nop>\n"
		"+0 > (tos 0x20) R. 0:0(0)! ack 1 win 0\n"
		"+0 < [noecn] SEWFRPU 0:10(10) urg 5 win 1\n"
		"+0 < F. 1:1(0) ack 1 win 1/udp(1 > 9811)\n");
	ck_assert_uint_eq(s.nevents, 5);
	ck_assert(s.events[0].seg.seq_any);
	const struct pkt_opt *o = &s.events[1].seg.opts[0];
	ck_assert_int_eq(o->kind, PKT_OPT_SACK);
	ck_assert_uint_eq(o->nsack, 2);
	ck_assert_uint_eq(o->sack[1][0], 4001);
	ck_assert_uint_eq(o->sack[1][1], 5001);
	ck_assert_str_eq(s.events[2].seg.ip, "(tos 0x20)");
	ck_assert_str_eq(s.events[2].seg.mark, "!");
	const struct pkt_seg *g = &s.events[3].seg;
	ck_assert_str_eq(g->ip, "[noecn]");
	ck_assert_uint_eq(g->flags, PKT_F_SYN | PKT_F_ECE | PKT_F_CWR |
					    PKT_F_FIN | PKT_F_RST | PKT_F_PSH |
					    PKT_F_URG);
	ck_assert(g->has_urg);
	ck_assert_uint_eq(g->urg, 5);
	ck_assert_uint_eq(g->len, 10);
	ck_assert_str_eq(s.events[4].seg.encap, "/udp(1 > 9811)");
	pkt_script_free(&s);
}
END_TEST

/* #ifdef keeps what the defined names select; comments of both kinds
 * go, their lines still counted. */
START_TEST(test_pkt_parse_conditionals_and_comments)
{
	struct pkt_script s = parse_ok(
		"/* a comment\n"
		"   over two lines */\n"
		"0 close(3) = 0 // trailing\n"
		"#ifdef FreeBSD\n"
		"+0 > R. 0:0(0) ack 1 win 0\n"
		"#else\n"
		"+0 > . 1:1(0) ack 1 win 0\n"
		"#endif\n"
		"#ifndef STANDARD\n"
		"  #ifdef Linux\n"
		"+0 close(4) = 0\n"
		"  #endif\n"
		"+0 close(5) = 0\n"
		"#endif\n");
	ck_assert_uint_eq(s.nevents, 3);
	ck_assert_int_eq(s.events[0].line, 3);
	ck_assert_uint_eq(s.events[1].seg.flags, PKT_F_RST | PKT_F_ACK);
	ck_assert_int_eq(s.events[1].line, 5);
	ck_assert_int_eq(s.events[2].call.args[0].num, 5);
	ck_assert_int_eq(s.events[2].line, 13);
	pkt_script_free(&s);
}
END_TEST

/* Bad scripts stop with file:line:col and what is wrong. */
/* ICMP messages: the quoted segment before `icmp` or after the rest, a
 * code, an MTU; another kind of quoted packet kept as text; an option
 * value `...` in an expected segment. */
START_TEST(test_pkt_parse_icmp_and_any_option_value)
{
	struct pkt_script s = parse_ok(
		"0 < [1:1(0)] icmp unreachable port_unreachable\n"
		"+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]\n"
		"+0 <icmp time_exceeded\n"
		"+0 < [udp (8)] icmp unreachable port_unreachable\n"
		"+0 > S 0:0(0) <mss ...,TS val ... ecr 0>\n");
	ck_assert_uint_eq(s.nevents, 5);
	const struct pkt_icmp *m = &s.events[0].icmp;
	ck_assert_int_eq(s.events[0].kind, PKT_EV_ICMP);
	ck_assert(!s.events[0].outbound);
	ck_assert_str_eq(m->type, "unreachable");
	ck_assert_str_eq(m->code, "port_unreachable");
	ck_assert(m->has_echo && !m->has_mtu);
	ck_assert_uint_eq(m->start, 1);
	m = &s.events[1].icmp;
	ck_assert_str_eq(m->code, "frag_needed");
	ck_assert(m->has_mtu && m->has_echo);
	ck_assert_uint_eq(m->mtu, 1200);
	ck_assert_uint_eq(m->end, 1461);
	ck_assert_uint_eq(m->len, 1460);
	m = &s.events[2].icmp;
	ck_assert_str_eq(m->type, "time_exceeded");
	ck_assert_ptr_null(m->code);
	ck_assert(!m->has_echo);
	m = &s.events[3].icmp;
	ck_assert_str_eq(m->echo_text, "[udp (8)]");
	const struct pkt_event *e = &s.events[4];
	ck_assert_int_eq(e->kind, PKT_EV_OUT);
	ck_assert_uint_eq(e->seg.nopts, 2);
	ck_assert(e->seg.opts[0].any_a);
	ck_assert(e->seg.opts[1].any_a && !e->seg.opts[1].any_b);
	ck_assert_uint_eq(e->seg.opts[1].b, 0);
	pkt_script_free(&s);
	parse_fails("0 < icmp\n", "t.pkt:1:9: expected the ICMP type");
	parse_fails("0 < [0:0(0)] icmp unreachable [1:1(0)]\n",
		    "t.pkt:1:31: a second quoted packet");
	parse_fails("0 < [0:0(0) icmp unreachable\n",
		    "t.pkt:1:13: expected ']' after the quoted segment");
}
END_TEST

START_TEST(test_pkt_parse_errors_say_where)
{
	parse_fails("0 < S 0:0(0) win 1\n+0 < Q 0:0(0) win 1\n",
		    "t.pkt:2:6: expected the segment's flags (S, F, R, P, ., "
		    "U, E, W)");
	parse_fails("0 < S 0:10(5) win 1\n",
		    "t.pkt:1:5: start:end(len) does not add up: 0:10 is 10 "
		    "bytes, not 5");
	parse_fails("0 close(3) = 0\n--tolerance_usecs=1\n",
		    "t.pkt:2:1: a setting after the first event");
	parse_fails("#else\n", "t.pkt:1:1: #else without #ifdef");
	parse_fails("#ifdef FreeBSD\n0 close(3) = 0\n",
		    "t.pkt:1:1: #ifdef without #endif");
	parse_fails("#if 1\n#endif\n",
		    "t.pkt:1:1: unsupported: the preprocessor directive '#if'");
	parse_fails("0 close(3 = 0\n", "t.pkt:1:11: expected ',' or ')'");
	parse_fails("0 `ls\n", "t.pkt:1:3: unclosed '`'");
	parse_fails("0 %{ x\n", "t.pkt:1:3: unclosed '%{'");
	parse_fails("/* never closed\n0 close(3) = 0\n",
		    "t.pkt:1:1: unclosed comment");
	parse_fails("0 < S 0:0(0) win 99999999999\n",
		    "t.pkt:1:18: number too large (at most 4294967295)");
	parse_fails("0 < S 0:0(0) win 1 <mss 1460,TS 1 2>\n",
		    "t.pkt:1:33: expected 'val' in TS");
	parse_fails("0 close(3) = 0 junk(\n",
		    "t.pkt:1:16: unexpected text after the call");
	parse_fails("x close(3) = 0\n",
		    "t.pkt:1:1: expected a time in seconds");
}
END_TEST

Suite *pkt_suite(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_pkt_parse_every_kind_of_line);
	tcase_add_test(tc, test_pkt_parse_system_calls);
	tcase_add_test(tc, test_pkt_parse_segments);
	tcase_add_test(tc, test_pkt_parse_conditionals_and_comments);
	tcase_add_test(tc, test_pkt_parse_errors_say_where);
	tcase_add_test(tc, test_pkt_parse_icmp_and_any_option_value);
	suite_add_tcase(s, tc);
	return s;
}
