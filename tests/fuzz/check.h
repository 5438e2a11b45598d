/* check.h — the few Check assertions tests/tcp_harness.c uses, for the
 * fuzz harnesses: a libFuzzer target runs outside any Check test, where
 * Check's own assertions cannot report (they need its runner), so here a
 * failed assertion prints where and aborts, which libFuzzer reports as a
 * crash with its input. Included instead of <check.h> by putting this
 * directory first on the include path (Makefile, `make fuzz`).
 */
#ifndef TCPSIM_FUZZ_CHECK_H
#define TCPSIM_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define ck_assert_msg(c, ...)                                              \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "%s:%d: assertion failed: ",       \
				__FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)
#define ck_abort_msg(...) ck_assert_msg(0, __VA_ARGS__)
#define ck_assert(c) ck_assert_msg(c, "%s", #c)
#define ck_assert_int_eq(a, b) ck_assert((a) == (b))
#define ck_assert_int_lt(a, b) ck_assert((a) < (b))
#define ck_assert_uint_eq(a, b) ck_assert((a) == (b))
#define ck_assert_uint_le(a, b) ck_assert((a) <= (b))
#define ck_assert_ptr_nonnull(p) ck_assert((p) != NULL)

#endif
