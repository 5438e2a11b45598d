/* rng.h — deterministic random streams.
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna), state seeded from
 * splitmix64. Every consumer (each link direction, each host) owns its own
 * stream derived from (scenario seed, stream name):
 *
 *     z  = splitmix64_step(seed) XOR fnv1a64(name)
 *     s0..s3 = four successive splitmix64 outputs starting from state z
 *
 * so adding a host or a link never shifts another stream. The arithmetic is
 * fixed-width unsigned, identical on every platform. Probabilities are
 * integer parts per billion (1e9 = certain), never floating point.
 */
#ifndef TCPSIM_RNG_H
#define TCPSIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

#define RNG_PPB_ONE UINT32_C(1000000000)

struct rng {
	uint64_t s[4];
};

/* Advance a splitmix64 state and return its next output. */
uint64_t rng_splitmix64(uint64_t *state);
/* 64-bit FNV-1a hash of a NUL-terminated name. */
uint64_t rng_fnv1a64(const char *name);
/* Set r's state to exactly s0..s3 (for known-answer tests). */
void rng_set_state(struct rng *r, uint64_t s0, uint64_t s1, uint64_t s2,
		   uint64_t s3);
/* Seed the stream `name` of a scenario with seed `seed`. */
void rng_derive(struct rng *r, uint64_t seed, const char *name);
/* Next 64 random bits (xoshiro256**). */
uint64_t rng_next(struct rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* True with probability ppb / 1e9; consumes no randomness if ppb is 0 or
 * 1e9, so a lossless link leaves its stream untouched. */
bool rng_chance(struct rng *r, uint32_t ppb);

#endif
