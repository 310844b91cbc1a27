// hanpyo_vartime: VARIABLE-TIME linear combinations of ristretto255 points, for verification only.
//
// Every function here takes time (and touches memory) depending on its scalars and points. It is
// safe only when all of them are public: the proofs, ciphertexts and keys of published ballots,
// which are on the public board anyway. Nothing secret (a nonce, a key share, a plaintext) may
// ever reach this code; the constant-time operations stay in hanpyo_sodium.c (libsodium's calls).
#ifndef HANPYO_VARTIME_H
#define HANPYO_VARTIME_H

#include <stddef.h>

#define HV_MAX_BASES 64
#define HV_MAX_ROWS 4096

// A fixed base prepared once (an election key K, or G): the odd multiples 1·Q, 3·Q, …, 127·Q of
// Q = P, 2^85·P and 2^170·P in affine (Duif) form, for width-8 NAF digits of 85-bit scalar parts.
typedef struct hv_table hv_table;

// Decodes the canonical encoding p and builds its table; NULL if p is not a canonical encoding
// (bit 255 included) or on allocation failure (*invalid tells which).
hv_table *hv_table_new(const unsigned char p[32], int *invalid);
void hv_table_free(hv_table *t);

// One base of a combination: a prepared table, or an encoding decoded once per call.
typedef struct {
  const hv_table *table;
  const unsigned char *encoding;
} hv_base;

// out[32·i .. 32·i+32) = encoding of Σ_j scalars[i·n_bases + j]·bases[j], for i < n_rows.
// Scalars are 32-byte little-endian integers already checked to be in [0, ℓ). Decoded bases, and
// the results of rows whose scalars are all below 2^128 (sums), are kept in a small per-thread
// cache, so a point seen again in the next call (α, β, Σα, Σβ of a ballot) is not decoded again.
// Returns 0, -1 if some base encoding is not canonical, -2 on bad sizes or allocation failure.
int hv_combine(unsigned char *out, const hv_base *bases, size_t n_bases,
               const unsigned char *scalars, size_t n_rows);

// 1 iff s is an Ed25519 public key SPEC §4 accepts as a device key: the canonical encoding of a
// curve point (y < p, no x = 0 with the sign bit set) that is not of small order; else 0.
int hv_ed25519_key_ok(const unsigned char s[32]);

// Ed25519 verification by @hanpyo/crypto's rule (strict decoding of A and R, A not of small order,
// S < ℓ, the cofactored equation): 1 valid, 0 not, -1 on allocation failure. Public inputs only.
int hv_ed25519_verify(const unsigned char sig[64], const unsigned char *m, size_t mlen,
                      const unsigned char pk[32]);

#endif
