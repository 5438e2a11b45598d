/* grow.h — room in a growing array, the one way every module does it.
 *
 *   if (grow(&v->items, &v->cap, v->n + 1, sizeof *v->items, 16) < 0)
 *           return -1;
 *
 * makes room for `need` elements, doubling the capacity from `first`, so
 * that appending costs amortized O(1) and no allocation per element. On
 * failure the array and its capacity are as they were.
 */
#ifndef TCPSIM_GROW_H
#define TCPSIM_GROW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* pp: the address of the array pointer (any element type). Returns 0, or
 * -1 if memory runs out or the size would overflow. */
static inline int grow(void *pp, size_t *cap, size_t need, size_t elem,
		       size_t first)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : first;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			return -1;
		n *= 2;
	}
	void *old;
	memcpy(&old, pp, sizeof old);
	void *p = realloc(old, n * elem);
	if (!p)
		return -1;
	memcpy(pp, &p, sizeof p);
	*cap = n;
	return 0;
}

#endif
