/* check_tracecmp.c — comparing traces: the first difference, the count of
 * further ones, fields left out of the comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/builtin.h"
#include "sim/out/sinks.h"
#include "suites.h"
#include "sim/verdict/tracecmp.h"
#include "sim/run/world.h"

#define HDR "# tcpsim trace v1\n# scenario: t\n# seed: 1\n"
#define L1 "0.000000000 - run event=start\n"
#define L2 "0.001000000 a send pkt=1 src=10.0.0.1:1 dst=10.0.0.2:80 " \
	   "flags=SYN seq=100 ack=0 win=65535 len=0 mss=1460 why=\"x win=5\"\n"
#define L2W "0.001000000 a send pkt=1 src=10.0.0.1:1 dst=10.0.0.2:80 " \
	    "flags=SYN seq=100 ack=0 win=64240 len=0 mss=1460 why=\"x win=5\"\n"
#define L2Q "0.001000000 a send pkt=1 src=10.0.0.1:1 dst=10.0.0.2:80 " \
	    "flags=SYN seq=100 ack=0 win=65535 len=0 mss=1460 why=\"x win=6\"\n"
#define L3 "0.021000000 b recv pkt=1 src=10.0.0.1:1 dst=10.0.0.2:80 " \
	   "flags=SYN seq=100 ack=0 win=65535 len=0 mss=1460\n"
#define L4 "0.021000000 b state conn=10.0.0.2:80>10.0.0.1:1 from=LISTEN " \
	   "to=SYN-RECEIVED why=\"y\"\n"
#define L5 "0.100000000 - run event=end reason=quiescent events=9 pending=0\n"

struct pair {
	struct tfile a, b;
	struct tcmp_opts o;
	struct tcmp_result r;
	char ign[128];
};

static void compare(struct pair *p, const char *a, const char *b,
		    const char *ignore)
{
	memset(p, 0, sizeof *p);
	p->o.context = 3;
	ck_assert_int_eq(tfile_from_mem(&p->a, a, strlen(a)), 0);
	ck_assert_int_eq(tfile_from_mem(&p->b, b, strlen(b)), 0);
	if (ignore) {
		char err[256];
		snprintf(p->ign, sizeof p->ign, "%s", ignore);
		ck_assert_int_eq(tcmp_parse_ignore(&p->o, p->ign, err,
						   sizeof err),
				 0);
	}
	ck_assert_int_eq(tcmp_compare(&p->a, &p->b, &p->o, &p->r), 0);
}

/* tcmp_report's text for p, naming the sides golden and run. */
static char *report_of(const struct pair *p)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	tcmp_report(f, &p->a, &p->b, "golden", "run", &p->o, &p->r);
	fclose(f);
	return out;
}

static void done(struct pair *p)
{
	tfile_free(&p->a);
	tfile_free(&p->b);
}

START_TEST(identical_traces_are_equal)
{
	struct pair p;
	compare(&p, HDR L1 L2 L3 L4 L5, HDR L1 L2 L3 L4 L5, NULL);
	ck_assert(p.r.equal);
	ck_assert(p.r.identical);
	ck_assert_uint_eq(p.r.hunks, 0);
	done(&p);
}
END_TEST

START_TEST(one_changed_field_is_one_difference_at_its_line)
{
	struct pair p;
	compare(&p, HDR L1 L2 L3 L4 L5, HDR L1 L2W L3 L4 L5, NULL);
	ck_assert(!p.r.equal);
	ck_assert_uint_eq(p.r.first_a, 4); /* 0-based: the fifth line */
	ck_assert_uint_eq(p.r.first_b, 4);
	ck_assert_uint_eq(p.r.hunk_a, 1);
	ck_assert_uint_eq(p.r.hunk_b, 1);
	ck_assert_uint_eq(p.r.hunks, 1);
	ck_assert_uint_eq(p.r.only_a, 1);
	ck_assert_uint_eq(p.r.only_b, 1);

	char *out = report_of(&p);
	ck_assert_ptr_nonnull(strstr(out, "first difference: golden line 5, "
					  "run line 5"));
	ck_assert_ptr_nonnull(strstr(out, "win: 65535 → 64240"));
	ck_assert_ptr_nonnull(strstr(out, "no other difference"));
	/* context from before and after it */
	ck_assert_ptr_nonnull(strstr(out, "      4  0.000000000 - run"));
	ck_assert_ptr_nonnull(strstr(out, "      6  0.021000000 b recv"));
	free(out);
	done(&p);
}
END_TEST

START_TEST(an_ignored_field_does_not_count)
{
	struct pair p;
	compare(&p, HDR L1 L2 L3 L4 L5, HDR L1 L2W L3 L4 L5, "win");
	ck_assert(p.r.equal);
	ck_assert(!p.r.identical);
	done(&p);
	compare(&p, HDR L1 L2 L3 L4 L5, HDR L1 L2W L3 L4 L5, "time,seq");
	ck_assert(!p.r.equal);
	done(&p);
}
END_TEST

START_TEST(text_inside_a_quoted_value_is_not_a_field)
{
	/* why="x win=5" vs why="x win=6": ignoring win leaves why alone */
	struct pair p;
	compare(&p, HDR L2, HDR L2Q, "win");
	ck_assert(!p.r.equal);
	done(&p);
	compare(&p, HDR L2, HDR L2Q, "why");
	ck_assert(p.r.equal);
	done(&p);
}
END_TEST

START_TEST(positional_fields_can_be_ignored)
{
	struct pair p;
	compare(&p, HDR L3, HDR "9.000000000 b recv pkt=1 src=10.0.0.1:1 "
				"dst=10.0.0.2:80 flags=SYN seq=100 ack=0 "
				"win=65535 len=0 mss=1460\n",
		"time");
	ck_assert(p.r.equal);
	done(&p);
	compare(&p, HDR L3, HDR "0.021000000 c recv pkt=1 src=10.0.0.1:1 "
				"dst=10.0.0.2:80 flags=SYN seq=100 ack=0 "
				"win=65535 len=0 mss=1460\n",
		"time");
	ck_assert(!p.r.equal);
	done(&p);
}
END_TEST

START_TEST(header_lines_are_compared_as_they_are)
{
	struct pair p;
	compare(&p, HDR L1, "# tcpsim trace v1\n# scenario: t\n# seed: 2\n" L1,
		"time,who,kind");
	ck_assert(!p.r.equal);
	ck_assert_uint_eq(p.r.first_a, 2);
	done(&p);
}
END_TEST

START_TEST(an_inserted_line_shifts_nothing_after_it)
{
	struct pair p;
	compare(&p, HDR L1 L2 L3 L5, HDR L1 L2 L3 L4 L5, NULL);
	ck_assert(!p.r.equal);
	ck_assert_uint_eq(p.r.first_a, 6);
	ck_assert_uint_eq(p.r.first_b, 6);
	ck_assert_uint_eq(p.r.hunk_a, 0);
	ck_assert_uint_eq(p.r.hunk_b, 1);
	ck_assert_uint_eq(p.r.hunks, 1);
	ck_assert_uint_eq(p.r.only_a, 0);
	ck_assert_uint_eq(p.r.only_b, 1);
	done(&p);
	/* and a removed one */
	compare(&p, HDR L1 L2 L3 L4 L5, HDR L1 L3 L4 L5, NULL);
	ck_assert_uint_eq(p.r.first_a, 4);
	ck_assert_uint_eq(p.r.hunk_a, 1);
	ck_assert_uint_eq(p.r.hunk_b, 0);
	ck_assert_uint_eq(p.r.only_a, 1);
	ck_assert_uint_eq(p.r.only_b, 0);
	done(&p);
}
END_TEST

START_TEST(separate_changes_are_counted)
{
	struct pair p;
	/* three places: L2 changed, L3 gone, L5 added at the end */
	compare(&p, HDR L1 L2 L3 L4, HDR L1 L2W L4 L5, NULL);
	ck_assert(!p.r.equal);
	ck_assert_uint_eq(p.r.first_a, 4);
	ck_assert_uint_eq(p.r.hunks, 2);
	/* L2 L3 -> L2W is one hunk (adjacent); L5 appended is another */
	ck_assert_uint_eq(p.r.only_a, 2);
	ck_assert_uint_eq(p.r.only_b, 2);
	done(&p);
}
END_TEST

/* The context after the first difference stops where the next one
 * begins: a line the run no longer has is never shown as one both have.
 * L2 changed, then L4 gone two lines further on. */
START_TEST(context_stops_at_the_next_difference)
{
	struct pair p;
	compare(&p, HDR L1 L2 L3 L3 L4 L5, HDR L1 L2W L3 L3 L5, NULL);
	ck_assert_uint_eq(p.r.hunks, 2);
	ck_assert_uint_eq(p.r.next_a, 7); /* 0-based: L4, the eighth line */
	char *out = report_of(&p);
	/* L3 twice as context, L4 not as context */
	ck_assert_ptr_nonnull(strstr(out, "      6  0.021000000 b recv"));
	ck_assert_ptr_nonnull(strstr(out, "      7  0.021000000 b recv"));
	ck_assert_ptr_null(strstr(out, "      8  0.021000000 b state"));
	ck_assert_ptr_nonnull(strstr(out, "1 more difference after it"));
	free(out);
	done(&p);
}
END_TEST

/* Lines are single letters: the classic example, whose shortest edit
 * script has 5 edits (LCS "CBBA" of length 4... one of several). */
START_TEST(the_edit_script_is_shortest)
{
	struct pair p;
	compare(&p, "A\nB\nC\nA\nB\nB\nA\n", "C\nB\nA\nB\nA\nC\n", NULL);
	ck_assert_uint_eq(p.r.only_a + p.r.only_b, 5);
	ck_assert_uint_eq(p.r.only_a, 3);
	ck_assert_uint_eq(p.r.only_b, 2);
	done(&p);
}
END_TEST

START_TEST(a_huge_difference_is_capped_not_slow)
{
	size_t n = TCMP_MAX_EDITS + 100, len = n * 8;
	char *a = malloc(len + 1), *b = malloc(len + 1);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < n; i++) {
		snprintf(a + i * 8, 9, "a%06zu\n", i);
		snprintf(b + i * 8, 9, "b%06zu\n", i);
	}
	struct pair p;
	compare(&p, a, b, NULL);
	ck_assert(!p.r.equal);
	ck_assert(p.r.capped);
	ck_assert_uint_eq(p.r.first_a, 0);
	/* only the first lines are known to differ: one of each shown */
	ck_assert_uint_eq(p.r.hunk_a, 1);
	ck_assert_uint_eq(p.r.hunk_b, 1);
	done(&p);
	free(a);
	free(b);
}
END_TEST

START_TEST(an_unknown_field_name_is_an_error)
{
	struct tcmp_opts o = {0};
	char list[] = "time,wnd", err[256];
	ck_assert_int_eq(tcmp_parse_ignore(&o, list, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "'wnd' is not a field"));
}
END_TEST

/* Every key the text trace writes must be a name --ignore accepts: run
 * each built-in scenario and try every key of every line. */
START_TEST(every_key_in_a_trace_can_be_ignored)
{
	size_t keys = 0;
	for (size_t i = 0; i < builtin_count; i++) {
		struct scenario *scn;
		struct scn_error e;
		ck_assert_int_eq(scn_load_string(builtin_scenarios[i].name,
						 builtin_scenarios[i].text,
						 builtin_scenarios[i].len, &scn,
						 &e),
				 0);
		struct world w;
		struct world_opts wo = {0};
		ck_assert_int_eq(world_build(&w, scn, &wo), 0);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		ck_assert_int_eq(trace_add_sink(&w.sim.trace, sink_text_new(f)),
				 0);
		world_run(&w);
		trace_finish(&w.sim.trace);
		trace_fini(&w.sim.trace);
		world_free(&w);
		scn_free(scn);
		fclose(f);
		for (char *line = strtok(buf, "\n"); line;
		     line = strtok(NULL, "\n")) {
			if (line[0] == '#')
				continue;
			/* keys are the words before '=' outside quotes */
			bool q = false;
			char *word = NULL;
			for (char *c = line; *c; c++) {
				if (*c == '"' && c[-1] != '\\')
					q = !q;
				if (q)
					continue;
				if (*c == ' ')
					word = c + 1;
				else if (*c == '=' && word) {
					char name[32];
					snprintf(name, sizeof name, "%.*s",
						 (int)(c - word), word);
					struct tcmp_opts o = {0};
					char err[256];
					ck_assert_msg(tcmp_parse_ignore(
							      &o, name, err,
							      sizeof err) == 0,
						      "%s", err);
					keys++;
					word = NULL;
				}
			}
		}
		free(buf);
	}
	ck_assert_uint_gt(keys, 100);
}
END_TEST

Suite *tracecmp_suite(void)
{
	Suite *s = suite_create("tracecmp");
	TCase *tc = tcase_create("compare");
	tcase_add_test(tc, identical_traces_are_equal);
	tcase_add_test(tc, one_changed_field_is_one_difference_at_its_line);
	tcase_add_test(tc, an_ignored_field_does_not_count);
	tcase_add_test(tc, text_inside_a_quoted_value_is_not_a_field);
	tcase_add_test(tc, positional_fields_can_be_ignored);
	tcase_add_test(tc, header_lines_are_compared_as_they_are);
	tcase_add_test(tc, an_inserted_line_shifts_nothing_after_it);
	tcase_add_test(tc, separate_changes_are_counted);
	tcase_add_test(tc, context_stops_at_the_next_difference);
	tcase_add_test(tc, the_edit_script_is_shortest);
	tcase_add_test(tc, a_huge_difference_is_capped_not_slow);
	tcase_add_test(tc, an_unknown_field_name_is_an_error);
	tcase_add_test(tc, every_key_in_a_trace_can_be_ignored);
	suite_add_tcase(s, tc);
	return s;
}
