// hanpyo_sum: the sum of many ristretto255 points, each decoded once and the sum encoded once.
//
// Not variable-time (unlike hanpyo_vartime.h): no branch or memory access depends on the points'
// values, only on how many there are and, when one is refused, on where it is. The inputs are
// public anyway (the α, β of counted ballots, SPEC §9), and so is the sum.
#ifndef HANPYO_SUM_H
#define HANPYO_SUM_H

#include <stddef.h>

// out = encoding of Σ_i points[32·i .. 32·i+32) for i < n (32 zero bytes, the identity, for n = 0).
// Every input must be a canonical encoding (the identity's 32 zero bytes included); returns 0, or
// -1 as soon as one is not (bit 255 set included), leaving out unwritten.
int hs_sum(unsigned char out[32], const unsigned char *points, size_t n);

#endif
