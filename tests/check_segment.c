/* check_segment.c — TCP options as bytes on the wire: each stack's layout
 * (what its SYN and its data segments carry, byte for byte), the 40-byte
 * limit on SACK blocks, and reading options back (RFC 9293 §3.2: unknown
 * kinds skipped by their length, malformed lists refused).
 *
 * The expected bytes are worked out from the RFCs' option formats (RFC
 * 9293 §3.2 MSS, RFC 7323 §2.2 window scale and §3.2 timestamps, RFC 2018
 * §2–3 SACK) in the order each stack writes them: Linux's
 * tcp_options_write, FreeBSD's tcp_addoptions.
 */
#include <check.h>
#include <string.h>

#include "models/segment.h"
#include "sim/diagram/seglabel.h"
#include "suites.h"

static struct tcp_seg syn_all(enum tcp_opt_layout layout)
{
	return (struct tcp_seg){
		.flags = TCP_SYN,
		.mss = 1460,
		.opts = TCP_OPT_WS | TCP_OPT_TS | TCP_OPT_SACKOK,
		.wscale = 7,
		.tsval = 0x01020304,
		.tsecr = 0,
		.layout = (uint8_t)layout,
	};
}

static void expect_bytes(const struct tcp_seg *s, const uint8_t *want,
			 uint32_t n)
{
	uint8_t got[TCP_MAX_OPTLEN + 8];
	memset(got, 0xee, sizeof got);
	ck_assert_uint_eq(tcp_opts_encode(s, got), n);
	ck_assert_uint_eq(tcp_opts_len(s), n);
	ck_assert_uint_eq(tcp_seg_hdr_len(s), 40 + n);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "byte %u: %u, expected %u", i,
			      got[i], want[i]);
}

/* Linux's SYN: mss, sackOK, TS, nop, wscale — 20 bytes. */
START_TEST(test_linux_syn_is_mss_sackok_ts_nop_wscale)
{
	struct tcp_seg s = syn_all(TCP_LAYOUT_LINUX);
	static const uint8_t want[] = {
		2, 4, 0x05, 0xb4,               /* MSS 1460 */
		4, 2,                           /* SACK permitted */
		8, 10, 1, 2, 3, 4, 0, 0, 0, 0,  /* TSval, TSecr */
		1, 3, 3, 7,                     /* nop, window scale 7 */
	};
	expect_bytes(&s, want, sizeof want);
}
END_TEST

/* FreeBSD's SYN: mss, nop, wscale, sackOK, TS — 20 bytes. */
START_TEST(test_freebsd_syn_is_mss_nop_wscale_sackok_ts)
{
	struct tcp_seg s = syn_all(TCP_LAYOUT_FREEBSD);
	static const uint8_t want[] = {
		2, 4, 0x05, 0xb4,               /* MSS 1460 */
		1, 3, 3, 7,                     /* nop, window scale 7 */
		4, 2,                           /* SACK permitted */
		8, 10, 1, 2, 3, 4, 0, 0, 0, 0,  /* TSval, TSecr */
	};
	expect_bytes(&s, want, sizeof want);
}
END_TEST

/* Without timestamps Linux puts sackOK after the window scale, behind two
 * nops; FreeBSD ends its list with EOL and a zero to a whole word. */
START_TEST(test_syn_without_timestamps)
{
	struct tcp_seg s = syn_all(TCP_LAYOUT_LINUX);
	s.opts &= (uint8_t)~TCP_OPT_TS;
	static const uint8_t lx[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7,
				     1, 1, 4, 2};
	expect_bytes(&s, lx, sizeof lx);
	s.layout = TCP_LAYOUT_FREEBSD;
	static const uint8_t bsd[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7,
				      4, 2, 0, 0};
	expect_bytes(&s, bsd, sizeof bsd);
}
END_TEST

/* A data segment: nop, nop, TS (RFC 7323 appendix A), then nop, nop and
 * the SACK blocks — three fit beside timestamps (12 + 2 + 2 + 24 = 40). */
START_TEST(test_data_segment_ts_and_three_sack_blocks)
{
	for (int l = TCP_LAYOUT_LINUX; l <= TCP_LAYOUT_FREEBSD; l++) {
		struct tcp_seg s = {.flags = TCP_ACK, .opts = TCP_OPT_TS,
				    .tsval = 7, .tsecr = 9,
				    .layout = (uint8_t)l, .nsack = 4};
		for (int i = 0; i < 4; i++)
			s.sack[i] = (struct tcp_sack_block){
				.start = 1000u * (uint32_t)(i + 1),
				.end = 1000u * (uint32_t)(i + 1) + 500};
		uint8_t want[40] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
				    1, 1, 5, 26};
		for (int i = 0; i < 3; i++) {
			uint32_t a = 1000u * (uint32_t)(i + 1), b = a + 500;
			uint8_t *p = want + 16 + 8 * i;
			p[0] = (uint8_t)(a >> 24), p[1] = (uint8_t)(a >> 16);
			p[2] = (uint8_t)(a >> 8), p[3] = (uint8_t)a;
			p[4] = (uint8_t)(b >> 24), p[5] = (uint8_t)(b >> 16);
			p[6] = (uint8_t)(b >> 8), p[7] = (uint8_t)b;
		}
		expect_bytes(&s, want, sizeof want);
	}
}
END_TEST

/* Without timestamps all four blocks fit: 2 + 2 + 32 = 36. */
START_TEST(test_four_sack_blocks_without_timestamps)
{
	struct tcp_seg s = {.flags = TCP_ACK, .nsack = 4};
	ck_assert_uint_eq(tcp_opts_len(&s), 36);
	s.nsack = 1;
	ck_assert_uint_eq(tcp_opts_len(&s), 12);
}
END_TEST

/* No options but MSS: the one word of before, so nothing else moves. */
START_TEST(test_mss_alone_is_one_word)
{
	struct tcp_seg s = {.flags = TCP_SYN, .mss = 536};
	static const uint8_t want[] = {2, 4, 0x02, 0x18};
	expect_bytes(&s, want, sizeof want);
	s.mss = 0;
	ck_assert_uint_eq(tcp_opts_len(&s), 0);
}
END_TEST

/* What is written reads back the same, in either layout. */
START_TEST(test_encode_then_decode_round_trips)
{
	for (int l = TCP_LAYOUT_LINUX; l <= TCP_LAYOUT_FREEBSD; l++) {
		struct tcp_seg s = syn_all((enum tcp_opt_layout)l);
		s.tsecr = 0xdeadbeef;
		uint8_t b[TCP_MAX_OPTLEN];
		uint32_t n = tcp_opts_encode(&s, b);
		struct tcp_seg r = {0};
		ck_assert_int_eq(tcp_opts_decode(b, n, &r), 0);
		ck_assert_uint_eq(r.mss, 1460);
		ck_assert_uint_eq(r.opts, s.opts);
		ck_assert_uint_eq(r.wscale, 7);
		ck_assert_uint_eq(r.tsval, 0x01020304);
		ck_assert_uint_eq(r.tsecr, 0xdeadbeef);
		ck_assert_uint_eq(r.nsack, 0);
	}
}
END_TEST

/* RFC 9293 §3.2: an option of an unknown kind is skipped by its length;
 * EOL ends the list, whatever follows. */
START_TEST(test_decode_skips_unknown_kinds_and_stops_at_eol)
{
	static const uint8_t b[] = {30, 4, 0xaa, 0xbb, 2, 4, 0x05, 0xb4,
				    0, 3, 3, 9};
	struct tcp_seg r = {0};
	ck_assert_int_eq(tcp_opts_decode(b, sizeof b, &r), 0);
	ck_assert_uint_eq(r.mss, 1460);
	ck_assert_uint_eq(r.opts, 0);
}
END_TEST

/* A length below 2, one past the end, or a known kind of the wrong
 * length: the list is malformed. */
START_TEST(test_decode_refuses_malformed_lists)
{
	static const uint8_t zero_len[] = {30, 0, 1, 1};
	static const uint8_t past_end[] = {2, 4, 0x05};
	static const uint8_t bad_ws[] = {3, 4, 7, 0};
	static const uint8_t bad_sack[] = {5, 6, 0, 0, 0, 0};
	struct tcp_seg r = {0};
	ck_assert_int_eq(tcp_opts_decode(zero_len, sizeof zero_len, &r), -1);
	ck_assert_int_eq(tcp_opts_decode(past_end, sizeof past_end, &r), -1);
	ck_assert_int_eq(tcp_opts_decode(bad_ws, sizeof bad_ws, &r), -1);
	ck_assert_int_eq(tcp_opts_decode(bad_sack, sizeof bad_sack, &r), -1);
}
END_TEST

/* The ladder's label names the first SACK block and how many follow. */
START_TEST(test_label_shows_the_first_sack_block_and_the_count)
{
	struct tcp_seg s = {.flags = TCP_ACK, .seq = 1, .ack = 2921,
			    .nsack = 2,
			    .sack = {{11681, 13141}, {4381, 10221}}};
	char buf[120];
	seglabel_fmt(buf, sizeof buf, &s, NULL);
	ck_assert_str_eq(buf, "ACK seq=1 ack=2921 sack=11681-13141+1");
	s.nsack = 1;
	s.len = 10;
	seglabel_fmt(buf, sizeof buf, &s, NULL);
	ck_assert_str_eq(buf, "ACK seq=1 ack=2921 len=10 sack=11681-13141");
}
END_TEST

Suite *segment_suite(void)
{
	Suite *s = suite_create("segment");
	TCase *tc = tcase_create("options");
	tcase_add_test(tc, test_linux_syn_is_mss_sackok_ts_nop_wscale);
	tcase_add_test(tc, test_freebsd_syn_is_mss_nop_wscale_sackok_ts);
	tcase_add_test(tc, test_syn_without_timestamps);
	tcase_add_test(tc, test_data_segment_ts_and_three_sack_blocks);
	tcase_add_test(tc, test_four_sack_blocks_without_timestamps);
	tcase_add_test(tc, test_mss_alone_is_one_word);
	tcase_add_test(tc, test_encode_then_decode_round_trips);
	tcase_add_test(tc, test_decode_skips_unknown_kinds_and_stops_at_eol);
	tcase_add_test(tc, test_decode_refuses_malformed_lists);
	tcase_add_test(tc, test_label_shows_the_first_sack_block_and_the_count);
	suite_add_tcase(s, tc);
	return s;
}
