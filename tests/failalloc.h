/* failalloc.h — make one allocation fail, to test what the code does
 * when memory runs out.
 *
 * tests/check_all is linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc (Makefile): every malloc, calloc and realloc of the
 * objects linked in (the project's code, not the shared libraries) goes
 * through failalloc.c, which passes it on unless it is the one chosen to
 * fail. Check runs each test in a process of its own; a test that arms
 * a failure disarms it again (failalloc_after(-1)) so that CK_FORK=no
 * runs stay clean.
 */
#ifndef TCPSIM_FAILALLOC_H
#define TCPSIM_FAILALLOC_H

/* The n-th allocation from now (n >= 1: the next one is the first)
 * returns NULL, the others succeed; n = -1: none fails. */
void failalloc_after(long n);

#endif
