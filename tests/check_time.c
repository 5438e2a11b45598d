/* check_time.c — durations are parsed exactly or refused. */
#include <string.h>

#include "suites.h"
#include "sim/engine/simtime.h"

static sim_time_t parse_ok(const char *s)
{
	sim_time_t t = -1;
	const char *err = NULL;
	ck_assert_msg(sim_time_parse(s, &t, &err) == 0, "'%s' refused: %s", s,
		      err ? err : "?");
	return t;
}

static const char *parse_err(const char *s)
{
	sim_time_t t = 12345;
	const char *err = NULL;
	ck_assert_msg(sim_time_parse(s, &t, &err) < 0, "'%s' accepted", s);
	ck_assert_int_eq(t, 12345); /* untouched on error */
	ck_assert_ptr_nonnull(err);
	return err;
}

START_TEST(test_units)
{
	ck_assert_int_eq(parse_ok("7ns"), 7);
	ck_assert_int_eq(parse_ok("7us"), 7000);
	ck_assert_int_eq(parse_ok("250ms"), SIM_MS(250));
	ck_assert_int_eq(parse_ok("75s"), SIM_S(75));
	ck_assert_int_eq(parse_ok("2m"), SIM_S(120));
	ck_assert_int_eq(parse_ok("2h"), SIM_S(7200));
	ck_assert_int_eq(parse_ok("0"), 0);
	ck_assert_int_eq(parse_ok("0s"), 0);
}
END_TEST

START_TEST(test_decimals_exact)
{
	ck_assert_int_eq(parse_ok("1.5s"), SIM_MS(1500));
	ck_assert_int_eq(parse_ok("0.001s"), SIM_MS(1));
	ck_assert_int_eq(parse_ok("0.000000001s"), 1);
	ck_assert_int_eq(parse_ok("1.25ms"), SIM_US(1250));
	ck_assert_int_eq(parse_ok("0.5h"), SIM_S(1800));
	ck_assert_int_eq(parse_ok("1.000000000000000000000s"), SIM_S(1));
	/* 1/3 of a minute is 20 s exactly; 0.1 m is 6 s */
	ck_assert_int_eq(parse_ok("0.1m"), SIM_S(6));
	ck_assert_str_eq(parse_err("0.5ns"),
			 "duration is not a whole number of nanoseconds");
	ck_assert_str_eq(parse_err("0.0000000001s"),
			 "duration is not a whole number of nanoseconds");
	ck_assert_str_eq(parse_err("1.0000000000000000000001s"),
			 "duration is not a whole number of nanoseconds");
}
END_TEST

START_TEST(test_bad_units_and_syntax)
{
	ck_assert_str_eq(parse_err("10"), "duration needs a unit (ns, us, ms, s, m, h)");
	ck_assert_str_eq(parse_err("10 s"), "unknown time unit (use ns, us, ms, s, m or h)");
	ck_assert_str_eq(parse_err("10sec"), "unknown time unit (use ns, us, ms, s, m or h)");
	ck_assert_str_eq(parse_err("10d"), "unknown time unit (use ns, us, ms, s, m or h)");
	ck_assert_str_eq(parse_err("ms"), "expected a duration such as 250ms, 1.5s or 2h");
	ck_assert_str_eq(parse_err(""), "expected a duration such as 250ms, 1.5s or 2h");
	ck_assert_str_eq(parse_err("1.s"), "expected digits after the decimal point");
	ck_assert_str_eq(parse_err("-5ms"), "a duration cannot be negative");
	ck_assert_str_eq(parse_err("+5ms"), "expected a duration such as 250ms, 1.5s or 2h");
}
END_TEST

START_TEST(test_overflow)
{
	/* INT64_MAX ns is 9223372036.854775807 s */
	ck_assert_int_eq(parse_ok("9223372036854775807ns"), INT64_MAX);
	ck_assert_int_eq(parse_ok("9223372036.854775807s"), INT64_MAX);
	ck_assert_str_eq(parse_err("9223372036854775808ns"), "duration is too large");
	ck_assert_str_eq(parse_err("9223372036.854775808s"), "duration is too large");
	ck_assert_str_eq(parse_err("2562048h"), "duration is too large");
	ck_assert_str_eq(parse_err("99999999999999999999999s"), "duration is too large");
	ck_assert_int_eq(parse_ok("2562047h"), SIM_HOUR(2562047));
}
END_TEST

/* Compound durations: parts from the largest unit to the smallest, each
 * unit once, decimals only in the last part; exact, never rounded. */
START_TEST(test_compound_durations)
{
	ck_assert_int_eq(parse_ok("2h30m"), SIM_MIN(150));
	ck_assert_int_eq(parse_ok("1m30s"), SIM_S(90));
	ck_assert_int_eq(parse_ok("1s500ms"), SIM_MS(1500));
	ck_assert_int_eq(parse_ok("1s500ms"), parse_ok("1.5s"));
	ck_assert_int_eq(parse_ok("1h1m1s1ms1us1ns"),
			 SIM_HOUR(1) + SIM_MIN(1) + SIM_S(1) + SIM_MS(1) +
				 SIM_US(1) + 1);
	ck_assert_int_eq(parse_ok("1h15s"), SIM_S(3615)); /* units skipped */
	ck_assert_int_eq(parse_ok("0h5m"), SIM_MIN(5));
	ck_assert_int_eq(parse_ok("1h0.5m"), SIM_S(3630));
	ck_assert_int_eq(parse_ok("2m0.000000001s"), SIM_S(120) + 1);
	ck_assert_str_eq(parse_err("30m2h"), "the units of a duration go from "
					     "the largest to the smallest, as "
					     "in 2h30m");
	ck_assert_str_eq(parse_err("1ms1s"), "the units of a duration go from "
					     "the largest to the smallest, as "
					     "in 2h30m");
	ck_assert_str_eq(parse_err("1s1s"),
			 "a duration gives each unit once, as in 1m30s");
	ck_assert_str_eq(parse_err("1m30s20s"),
			 "a duration gives each unit once, as in 1m30s");
	ck_assert_str_eq(parse_err("1.5h30m"), "only the last part of a "
					       "duration may have decimals, "
					       "as in 1m1.5s");
	ck_assert_str_eq(parse_err("1h30"),
			 "duration needs a unit (ns, us, ms, s, m, h)");
	ck_assert_str_eq(parse_err("1h0"),
			 "duration needs a unit (ns, us, ms, s, m, h)");
	ck_assert_str_eq(parse_err("1h30x"),
			 "unknown time unit (use ns, us, ms, s, m or h)");
	ck_assert_str_eq(parse_err("1h 30m"),
			 "unknown time unit (use ns, us, ms, s, m or h)");
	ck_assert_str_eq(parse_err("1h-30m"),
			 "unknown time unit (use ns, us, ms, s, m or h)");
	ck_assert_str_eq(parse_err("1h.5m"),
			 "unknown time unit (use ns, us, ms, s, m or h)");
	ck_assert_str_eq(parse_err("1s0.5ns"),
			 "duration is not a whole number of nanoseconds");
	ck_assert_str_eq(parse_err("-1h30m"), "a duration cannot be negative");
	/* INT64_MAX ns, in parts; one nanosecond more overflows the sum */
	ck_assert_int_eq(parse_ok("2562047h47m16.854775807s"), INT64_MAX);
	ck_assert_int_eq(parse_ok("2562047h47m16s854775807ns"), INT64_MAX);
	ck_assert_str_eq(parse_err("2562047h47m16.854775808s"),
			 "duration is too large");
	ck_assert_str_eq(parse_err("2562047h47m16s854775808ns"),
			 "duration is too large");
	ck_assert_str_eq(parse_err("2562047h48m"), "duration is too large");
}
END_TEST

START_TEST(test_format)
{
	char b[64];
	sim_time_fmt(SIM_MS(250), b, sizeof b);
	ck_assert_str_eq(b, "0.250000000");
	sim_time_fmt(SIM_S(7200) + 1, b, sizeof b);
	ck_assert_str_eq(b, "7200.000000001");
	sim_time_fmt_short(SIM_MS(250), b, sizeof b);
	ck_assert_str_eq(b, "250ms");
	sim_time_fmt_short(SIM_MS(1500), b, sizeof b);
	ck_assert_str_eq(b, "1.5s");
	sim_time_fmt_short(SIM_S(90), b, sizeof b);
	ck_assert_str_eq(b, "90s");
	sim_time_fmt_short(SIM_S(7200), b, sizeof b);
	ck_assert_str_eq(b, "2h");
	sim_time_fmt_short(SIM_S(240) - SIM_MS(20), b, sizeof b);
	ck_assert_str_eq(b, "239.98s");
	sim_time_fmt_short(3, b, sizeof b);
	ck_assert_str_eq(b, "3ns");
	/* Every short form parses back to the same value. */
	sim_time_t vals[] = {1, 999, SIM_US(1) + 500, SIM_MS(1), SIM_S(3) + 7,
			     SIM_HOUR(2), SIM_S(75), SIM_MS(40)};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		sim_time_fmt_short(vals[i], b, sizeof b);
		ck_assert_int_eq(parse_ok(b), vals[i]);
	}
}
END_TEST

Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_decimals_exact);
	tcase_add_test(tc, test_bad_units_and_syntax);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_compound_durations);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}
