// hanpyo_sum: Σ of many ristretto255 points for SPEC §9's aggregates (A = Σ α, B = Σ β).
//
// Pairwise, every addition decodes both operands and encodes its result: three inverse square
// roots for one cheap addition. Here each input costs one decoding and one addition in extended
// coordinates, and the whole sum one encoding.
//
// Constant time in the points: libsodium's ref10 decoding (after its canonicity check), the
// addition (a complete formula: no special case for the identity or for P + P) and the encoding
// are branch-free field arithmetic. What the running time shows is n, and where the first refused
// input is. The arithmetic is the vendored ref10 code compiled into hanpyo_vartime.c (one copy in
// the addon); this file only calls its exported functions.
#include "hanpyo_sum.h"

// Its field helpers are static functions in the header, most of them unused here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "private/ed25519_ref10.h"
#pragma GCC diagnostic pop

int hs_sum(unsigned char out[32], const unsigned char *points, size_t n) {
  ge25519_p3 acc, p;
  ge25519_cached q;
  ge25519_p1p1 t;
  // The identity (0 : 1 : 1 : 0).
  fe25519_0(acc.X);
  fe25519_1(acc.Y);
  fe25519_1(acc.Z);
  fe25519_0(acc.T);
  for (size_t i = 0; i < n; i++) {
    const unsigned char *s = points + 32 * i;
    // The same acceptance as every other call of the addon: RFC 9496 canonical encodings, and
    // bit 255 refused explicitly (libsodium 1.0.18 took it as a second encoding of the point).
    if ((s[31] & 0x80) != 0 || ristretto255_frombytes(&p, s) != 0) return -1;
    ge25519_p3_to_cached(&q, &p);
    ge25519_add(&t, &acc, &q);
    ge25519_p1p1_to_p3(&acc, &t);
  }
  ristretto255_p3_tobytes(out, &acc);
  return 0;
}
