/* rng.c — splitmix64, xoshiro256** and the stream derivation. */
#include "sim/engine/rng.h"

uint64_t rng_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t rng_fnv1a64(const char *name)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

void rng_set_state(struct rng *r, uint64_t s0, uint64_t s1, uint64_t s2,
		   uint64_t s3)
{
	r->s[0] = s0;
	r->s[1] = s1;
	r->s[2] = s2;
	r->s[3] = s3;
}

void rng_derive(struct rng *r, uint64_t seed, const char *name)
{
	uint64_t st = seed;
	uint64_t z = rng_splitmix64(&st) ^ rng_fnv1a64(name);
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_splitmix64(&z);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* Reject the top sliver that would make some residues more likely:
	 * values below (2^64 mod n) are re-drawn. */
	uint64_t threshold = (0 - n) % n;
	for (;;) {
		uint64_t x = rng_next(r);
		if (x >= threshold)
			return x % n;
	}
}

bool rng_chance(struct rng *r, uint32_t ppb)
{
	if (ppb == 0)
		return false;
	if (ppb >= RNG_PPB_ONE)
		return true;
	return rng_below(r, RNG_PPB_ONE) < ppb;
}
