/* check_html.c — the HTML view's file (sim/diagram/sink_html.c): the two
 * escapes, and a whole page's shape: three scripts, one event object per
 * line, the page's own fields, the cap on huge runs. What the page shows
 * in a browser is tests/html.sh's business. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/diagram/diagram_sinks.h"
#include "scn_util.h"
#include "suites.h"

START_TEST(test_script_safe_spells_angle_brackets_and_ampersands)
{
	const char *in = "{\"why\":\"a</script><!--&b\"}";
	char out[128];
	size_t n = html_script_safe(in, strlen(in), out);
	ck_assert_uint_eq(n, html_script_safe(in, strlen(in), NULL));
	out[n] = '\0';
	ck_assert_str_eq(out, "{\"why\":\"a\\u003c/script\\u003e\\u003c!--"
			      "\\u0026b\"}");
	/* nothing else changes, quotes and UTF-8 included */
	const char *plain = "\"\\u00e9 \xc2\xa7 ok\"";
	n = html_script_safe(plain, strlen(plain), out);
	out[n] = '\0';
	ck_assert_str_eq(out, plain);
}
END_TEST

START_TEST(test_text_escape_makes_markup_text)
{
	char out[128];
	size_t n = html_text_escape("<b a=\"x\">'&amp;", out);
	ck_assert_str_eq(out, "&lt;b a=&quot;x&quot;&gt;&#39;&amp;amp;");
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_uint_eq(html_text_escape("plain", NULL), 5);
}
END_TEST

static struct trace_sink *html_sink(FILE *f, const void *max)
{
	return sink_html_new(f, *(const size_t *)max);
}

/* The page of built-in scenario `name`, at most max events. */
static char *page_of(const char *name, size_t max, size_t *len)
{
	struct scenario *s = load_builtin(name);
	char *p = sink_output(s, NULL, NULL, len, html_sink, &max);
	scn_free(s);
	return p;
}

static size_t count(const char *hay, const char *needle)
{
	size_t k = 0, n = strlen(needle);
	for (size_t i = 0; hay[i]; i++)
		k += strncmp(hay + i, needle, n) == 0;
	return k;
}

/* The lines of the events' array: one object each. */
static size_t event_lines(const char *page)
{
	const char *a = strstr(page, "id=\"tcpsim-events\">[\n");
	ck_assert_ptr_nonnull(a);
	a = strchr(a, '\n') + 1;
	const char *end = strstr(a, "\n]</script>");
	ck_assert_ptr_nonnull(end);
	size_t k = 0;
	for (const char *p = a; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		ck_assert_msg(*p == '{', "an event line starts with %.20s", p);
		ck_assert(e[-1] == '}' || (e[-1] == ',' && e[-2] == '}'));
		k++;
		p = e + 1;
	}
	return k;
}

START_TEST(test_page_holds_every_event_with_the_page_fields)
{
	size_t len;
	char *p = page_of("lost-final-ack", 0, &len);
	ck_assert_uint_eq(strlen(p), len);
	ck_assert(strncmp(p, "<!DOCTYPE html>\n", 16) == 0);
	ck_assert_uint_eq(count(p, "<script"), 3);
	ck_assert_uint_eq(count(p, "</script>"), 3);
	ck_assert_ptr_nonnull(strstr(p, "<title>lost-final-ack \xe2\x80\x94 tcpsim"
					"</title>"));
	size_t lines = event_lines(p);
	char want[64];
	snprintf(want, sizeof want, "\"events\":%zu,\"omitted\":0,", lines);
	ck_assert_ptr_nonnull(strstr(p, want));
	ck_assert_ptr_nonnull(strstr(p, "\"hosts\":[\"client\",\"server\"]"));
	/* the SYN: relative numbers added to the trace's own fields */
	ck_assert_ptr_nonnull(strstr(p, "\"kind\":\"send\",\"pkt\":1,"));
	ck_assert_ptr_nonnull(strstr(p, "\"h\":0,\"p\":1,\"c\":0,\"rs\":0,"
					"\"ra\":0}"));
	/* the connections' variables (TR_TCB) are in */
	ck_assert_ptr_nonnull(strstr(p, "\"kind\":\"tcb\""));
	/* the FIN retransmitted by the timer says why */
	ck_assert_ptr_nonnull(strstr(p, "\"tx\":\"timeout\""));
	/* the 60 s of TIME-WAIT fold: the threshold follows the 20 ms delay */
	ck_assert_ptr_nonnull(strstr(p, "\"fold_ns\":400000000,"));
	free(p);
}
END_TEST

START_TEST(test_a_huge_run_is_cut_and_says_so)
{
	size_t len;
	char *p = page_of("lost-final-ack", 10, &len);
	ck_assert_uint_eq(event_lines(p), 10);
	ck_assert_ptr_nonnull(strstr(p, "\"events\":10,\"omitted\":"));
	ck_assert_ptr_null(strstr(p, "\"omitted\":0,"));
	ck_assert_ptr_null(strstr(p, "\"omitted_from_ns\":0,"));
	ck_assert_uint_eq(count(p, "</script>"), 3);
	free(p);
}
END_TEST

START_TEST(test_two_pages_are_byte_identical)
{
	size_t n1, n2;
	char *a = page_of("bulk-transfer-loss", 0, &n1);
	char *b = page_of("bulk-transfer-loss", 0, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert(memcmp(a, b, n1) == 0);
	free(a);
	free(b);
}
END_TEST

Suite *html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("page");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_script_safe_spells_angle_brackets_and_ampersands);
	tcase_add_test(tc, test_text_escape_makes_markup_text);
	tcase_add_test(tc, test_page_holds_every_event_with_the_page_fields);
	tcase_add_test(tc, test_a_huge_run_is_cut_and_says_so);
	tcase_add_test(tc, test_two_pages_are_byte_identical);
	suite_add_tcase(s, tc);
	return s;
}
