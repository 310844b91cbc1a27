// hanpyo_vartime: variable-time multi-scalar multiplication over libsodium's ref10 arithmetic.
//
// VARIABLE TIME, PUBLIC INPUTS ONLY (see hanpyo_vartime.h and docs/crypto.md). Used to verify range
// proofs (SPEC §5): every A_v = z·G − c·α and B_v = (c·v)·G + z·K − c·β is one interleaved
// Straus/Shamir multiplication with width-w NAF digits, sharing its doublings between the bases.
//
// The field and group arithmetic is not ours: it is libsodium's ref10 code (ISC licence), vendored
// unmodified under vendor/libsodium (vendor/README.md names the upstream commit) and compiled into
// this translation unit, because libsodium.so exports none of its ge25519/fe25519 internals. What
// this file adds is the recoding (wNAF), the tables, the interleaved loop and a batched encoding.
#include "hanpyo_vartime.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The vendored code's static helpers (madd, msub, p3_to_precomp, fe25519_abs, …) are what we
// build on, so it is included here rather than compiled on its own. Some of its statics are
// unused by libsodium's own file as well.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "ed25519_ref10.c"
#pragma GCC diagnostic pop

// The system libsodium's SHA-512 (libsodium.so.23, declared by hand as in hanpyo_sodium.c).
extern int crypto_hash_sha512(unsigned char *out, const unsigned char *in,
                              unsigned long long inlen);

// Width-8 NAF for prepared bases: digits odd in [-127, 127], 64 precomputed multiples per part of
// the scalar (3 × 7.5 KiB per table, built once per election). Width-5 for bases seen once per call: 8 multiples, which is
// what pays for a point used in two or four rows.
#define FIXED_W 8
#define FIXED_N (1 << (FIXED_W - 2))
#define DYN_W 5
#define DYN_N (1 << (DYN_W - 2))

// Scalars are cut into PARTS pieces of PART_BITS bits, k = Σ_q k_q·2^(q·PART_BITS), and the piece
// k_q multiplies 2^(q·PART_BITS)·P. The doubling chain of a row is then 86 long instead of 253.
// That pays when a point is used in several rows (α and β of a selection: two each), since its
// shifted copies cost 170 doublings once; prepared bases (G, K) have them in their tables.
#define PARTS 3
#define PART_BITS 85

struct hv_table {
  ge25519_precomp odd[PARTS][FIXED_N];  // odd[q][i] = (2i + 1)·2^(q·PART_BITS)·P
};

// The standard generator G (RFC 9496 §4.4), recognized by its encoding so it uses a static table.
static const unsigned char G_BYTES[32] = {
    0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51, 0x5f,
    0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d, 0x76,
};

// l = 2^252 + 27742317777372353535851937790883648493, little-endian 64-bit words.
static const uint64_t L64[4] = {
    0x5812631a5cf5d3edULL,
    0x14def9dea2f79cd6ULL,
    0x0000000000000000ULL,
    0x1000000000000000ULL,
};

// (2i + 1)·P for i < n, in extended coordinates.
static void odd_multiples(ge25519_p3 *m, size_t n, const ge25519_p3 *p) {
  ge25519_p1p1 t;
  ge25519_p3 p2;
  ge25519_cached c2;
  m[0] = *p;
  ge25519_p3_dbl(&t, p);
  ge25519_p1p1_to_p3(&p2, &t);
  ge25519_p3_to_cached(&c2, &p2);
  for (size_t i = 1; i < n; i++) {
    ge25519_add(&t, &m[i - 1], &c2);
    ge25519_p1p1_to_p3(&m[i], &t);
  }
}

// r = 2^n·p.
static void shift_point(ge25519_p3 *r, const ge25519_p3 *p, int n) {
  ge25519_p1p1 t;
  ge25519_p2 q;
  ge25519_p3_to_p2(&q, p);
  for (int i = 0; i < n; i++) {
    ge25519_p2_dbl(&t, &q);
    if (i + 1 < n) ge25519_p1p1_to_p2(&q, &t);
  }
  if (n > 0) ge25519_p1p1_to_p3(r, &t);
  else *r = *p;
}

static void fill_table(hv_table *t, const ge25519_p3 *p) {
  ge25519_p3 m[FIXED_N];
  ge25519_p3 part = *p;
  for (int q = 0; q < PARTS; q++) {
    if (q > 0) shift_point(&part, &part, PART_BITS);
    odd_multiples(m, FIXED_N, &part);
    // One inversion per entry, once per prepared key: not worth batching.
    for (size_t i = 0; i < FIXED_N; i++) ge25519_p3_to_precomp(&t->odd[q][i], &m[i]);
  }
}

// libsodium 1.0.18 took an encoding with bit 255 set as a second encoding of the same point; the
// vendored 1.0.22 decoder rejects it, and so does this check, so the rule does not hang on a version.
static int decode(ge25519_p3 *p, const unsigned char s[32]) {
  if ((s[31] & 0x80) != 0) return -1;
  return ristretto255_frombytes(p, s) == 0 ? 0 : -1;
}

// A per-thread cache of decoded points, keyed by their whole encoding (a hit is an exact match, so
// it returns what decoding would). Public points only, like everything here: which slot is used
// depends on the encoding's bytes. Worker threads each get their own (no locking).
#define CACHE_N 64
typedef struct {
  unsigned char encoding[32];
  ge25519_p3 point;
  int used;
} cache_entry;
static _Thread_local cache_entry cache[CACHE_N];

static cache_entry *cache_slot(const unsigned char s[32]) {
  // Encodings of group elements are uniform in their low bytes: two of them pick a slot.
  return &cache[((unsigned)s[0] | ((unsigned)s[1] << 8)) % CACHE_N];
}

static void cache_put(const unsigned char s[32], const ge25519_p3 *p) {
  cache_entry *e = cache_slot(s);
  memcpy(e->encoding, s, 32);
  e->point = *p;
  e->used = 1;
}

static int decode_cached(ge25519_p3 *p, const unsigned char s[32]) {
  cache_entry *e = cache_slot(s);
  if (e->used && memcmp(e->encoding, s, 32) == 0) {
    *p = e->point;
    return 0;
  }
  if (decode(p, s) != 0) return -1;
  cache_put(s, p);
  return 0;
}

static hv_table g_table;
static int g_table_ok;
static pthread_once_t g_table_once = PTHREAD_ONCE_INIT;

// The addon may be loaded by several worker threads at once: the G table is built exactly once.
static void init_g_table(void) {
  ge25519_p3 g;
  if (decode(&g, G_BYTES) != 0) return;  // cannot happen; hv_combine then refuses to run
  fill_table(&g_table, &g);
  g_table_ok = 1;
}

hv_table *hv_table_new(const unsigned char p[32], int *invalid) {
  ge25519_p3 q;
  *invalid = 0;
  if (decode(&q, p) != 0) {
    *invalid = 1;
    return NULL;
  }
  hv_table *t = malloc(sizeof *t);
  if (t != NULL) fill_table(t, &q);
  return t;
}

void hv_table_free(hv_table *t) { free(t); }

static void load_words(uint64_t w[4], const unsigned char s[32]) {
  for (int i = 0; i < 4; i++) {
    w[i] = 0;
    for (int j = 0; j < 8; j++) w[i] |= (uint64_t)s[8 * i + j] << (8 * j);
  }
}

// h = s·2⁻¹ mod l for s in [0, l): s/2 if s is even, else (s + l)/2 (< 2^253, no overflow).
// The batched encoding below encodes 2·P, so each row is computed with halved scalars.
static void halve_mod_l(uint64_t h[4], const unsigned char s[32]) {
  uint64_t w[4];
  load_words(w, s);
  if (w[0] & 1) {
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
      const uint64_t sum = w[i] + L64[i];
      const uint64_t c1 = sum < w[i];
      w[i] = sum + carry;
      carry = c1 | (w[i] < sum);
    }
  }
  for (int i = 0; i < 3; i++) h[i] = (w[i] >> 1) | (w[i + 1] << 63);
  h[3] = w[3] >> 1;
}

// Width-w non-adjacent form of x < 2^253 (or of a part, < 2^PART_BITS): x = Σ naf[i]·2^i, every nonzero digit odd and
// |digit| < 2^(w−1), at least w − 1 zeros after each nonzero one. 254 digits suffice.
static void wnaf(signed char naf[256], const uint64_t x[4], int w) {
  const uint64_t width = (uint64_t)1 << w;
  const uint64_t mask = width - 1;
  uint64_t words[5] = {x[0], x[1], x[2], x[3], 0};
  uint64_t carry = 0;
  memset(naf, 0, 256);
  for (int pos = 0; pos < 256;) {
    const int idx = pos / 64;
    const int bit = pos % 64;
    uint64_t buf = words[idx] >> bit;
    if (bit > 64 - w) buf |= words[idx + 1] << (64 - bit);
    const uint64_t window = carry + (buf & mask);
    if ((window & 1) == 0) {
      // Even (with the carry): digit 0 here, the carry moves on to the next bit.
      pos += 1;
      continue;
    }
    if (window < width / 2) {
      carry = 0;
      naf[pos] = (signed char)window;
    } else {
      carry = 1;
      naf[pos] = (signed char)((int64_t)window - (int64_t)width);
    }
    pos += w;
  }
}

static int is_zero32(const unsigned char s[32]) {
  unsigned char d = 0;
  for (int i = 0; i < 32; i++) d |= s[i];
  return d == 0;
}

// One base of one call: where its multiples are, for each part of a scalar.
typedef struct {
  const hv_table *table;  // prepared (or G): affine multiples, mixed additions
  // Otherwise: point[q] = 2^(q·PART_BITS)·P and its multiples, built on first use in this call.
  ge25519_p3 point[PARTS];
  ge25519_cached dyn[PARTS][DYN_N];
  int shifted;  // point[0..shifted] are computed
  int dyn_ready[PARTS];  // 0: none yet, 1: dyn[q][0] only (digits ±1), 2: all of them
  int full_rows;  // rows of this call with a full-size (halved) scalar for it
} term;

// A digit stream of one row: one part of one base's scalar in width-w NAF.
typedef struct {
  const term *base;
  int part;
  signed char naf[256];
} stream;

// r = Σ streams: one shared chain of doublings from the top digit down (Straus/Shamir), an
// addition or subtraction per nonzero digit.
static void straus(ge25519_p3 *r, const stream *streams, size_t n) {
  int top = -1;
  for (size_t j = 0; j < n; j++) {
    for (int i = 255; i > top; i--) {
      if (streams[j].naf[i] != 0) {
        top = i;
        break;
      }
    }
  }
  if (top < 0) {
    ge25519_p3_0(r);
    return;
  }
  ge25519_p2 acc;
  ge25519_p1p1 t;
  ge25519_p3 u;
  ge25519_p2_0(&acc);
  for (int i = top; i >= 0; i--) {
    ge25519_p2_dbl(&t, &acc);
    for (size_t j = 0; j < n; j++) {
      const int digit = streams[j].naf[i];
      if (digit == 0) continue;
      const term *b = streams[j].base;
      const int q = streams[j].part;
      ge25519_p1p1_to_p3(&u, &t);
      if (b->table != NULL) {
        if (digit > 0) ge25519_madd(&t, &u, &b->table->odd[q][digit / 2]);
        else ge25519_msub(&t, &u, &b->table->odd[q][(-digit) / 2]);
      } else {
        if (digit > 0) ge25519_add(&t, &u, &b->dyn[q][digit / 2]);
        else ge25519_sub(&t, &u, &b->dyn[q][(-digit) / 2]);
      }
    }
    if (i > 0) ge25519_p1p1_to_p2(&acc, &t);
    else ge25519_p1p1_to_p3(r, &t);
  }
}

// Encodes 2·P_k for every k with one field inversion for the whole batch, instead of one inverse
// square root per point as ristretto255_p3_tobytes needs. This is the "double and encode" of
// curve25519-dalek's RistrettoPoint::double_and_compress_batch (the Decaf/Ristretto papers, §
// "batch encoding"): the doubling's completed coordinates E, F, G, H make the square root
// explicit, leaving only 1/(E·F·G·H) to compute, and Montgomery's trick batches those.
// E·F·G·H = 0 exactly when 2·P_k is the identity (F, H ≠ 0 on this curve and G = Y² + X² ≠ 0
// because the addition law is complete; E = 2XY is 0 only on the 4-torsion points, which is to
// say the identity of the ristretto group); that case is encoded as 32 zero bytes, as RFC 9496 does.
typedef struct {
  fe25519 e, f, g, h, eg, fh;
  int identity;
} batch_state;

// Rows idx[0..n) of p and out.
static void encode_doubled_batch(unsigned char *out, const ge25519_p3 *all, const size_t *idx,
                                 size_t n, batch_state *st, fe25519 *prefix) {
  fe25519 xx, yy, zz, dtt, y2, efgh, inv, acc;
  if (n == 0) return;
  for (size_t k = 0; k < n; k++) {
    const ge25519_p3 *p = &all[idx[k]];
    batch_state *s = &st[k];
    fe25519_sq(xx, p->X);
    fe25519_sq(yy, p->Y);
    fe25519_sq(zz, p->Z);
    fe25519_sq(dtt, p->T);
    fe25519_mul(dtt, dtt, d);
    fe25519_add(y2, p->Y, p->Y);
    fe25519_mul(s->e, p->X, y2);  // e = 2XY
    fe25519_add(s->f, zz, dtt);     // f = Z² + dT²
    fe25519_add(s->g, yy, xx);      // g = Y² − aX², a = −1
    fe25519_sub(s->h, zz, dtt);     // h = Z² − dT²
    fe25519_mul(s->eg, s->e, s->g);
    fe25519_mul(s->fh, s->f, s->h);
    s->identity = fe25519_iszero(s->e);
    // Montgomery's trick: prefix[k] = Π_{i ≤ k} efgh_i, with 1 in place of an identity's 0.
    if (s->identity) fe25519_1(efgh);
    else fe25519_mul(efgh, s->eg, s->fh);
    if (k == 0) fe25519_copy(prefix[0], efgh);
    else fe25519_mul(prefix[k], prefix[k - 1], efgh);
  }
  fe25519_invert(acc, prefix[n - 1]);
  for (size_t k = n; k-- > 0;) {
    batch_state *s = &st[k];
    // inv = 1/efgh_k; then acc becomes 1/Π_{i < k} efgh_i.
    if (k > 0) fe25519_mul(inv, acc, prefix[k - 1]);
    else fe25519_copy(inv, acc);
    unsigned char *o = out + 32 * idx[k];
    if (s->identity) {
      memset(o, 0, 32);
      continue;
    }
    fe25519 efgh_k;
    fe25519_mul(efgh_k, s->eg, s->fh);
    fe25519_mul(acc, acc, efgh_k);

    fe25519 z_inv, t_inv, magic, e, g, h, minus_e, f_sqrta, tmp, sv;
    fe25519_mul(z_inv, s->eg, inv);
    fe25519_mul(t_inv, s->fh, inv);
    fe25519_copy(magic, invsqrtamd);
    fe25519_mul(tmp, s->eg, z_inv);
    const int negcheck1 = fe25519_isnegative(tmp);
    fe25519_copy(e, s->e);
    fe25519_copy(g, s->g);
    fe25519_copy(h, s->h);
    fe25519_neg(minus_e, s->e);
    fe25519_mul(f_sqrta, s->f, sqrtm1);
    fe25519_cmov(e, s->g, negcheck1);
    fe25519_cmov(g, minus_e, negcheck1);
    fe25519_cmov(h, f_sqrta, negcheck1);
    fe25519_cmov(magic, sqrtm1, negcheck1);
    fe25519_mul(tmp, h, e);
    fe25519_mul(tmp, tmp, z_inv);
    fe25519_cneg(g, g, fe25519_isnegative(tmp));
    fe25519_mul(tmp, g, t_inv);
    fe25519_mul(tmp, magic, tmp);
    fe25519_sub(sv, h, g);
    fe25519_mul(sv, sv, tmp);
    fe25519_abs(sv, sv);
    fe25519_tobytes(o, sv);
  }
}

// Builds what part q of a term's digits needs: 2^(q·PART_BITS)·P, then P alone for digits ±1
// (sums), else all its odd multiples.
static void ensure_multiples(term *t, int q, int max_digit) {
  if (t->table != NULL) return;
  for (; t->shifted < q; t->shifted++) {
    shift_point(&t->point[t->shifted + 1], &t->point[t->shifted], PART_BITS);
  }
  if (t->dyn_ready[q] == 2 || (t->dyn_ready[q] == 1 && max_digit <= 1)) return;
  if (max_digit <= 1) {
    ge25519_p3_to_cached(&t->dyn[q][0], &t->point[q]);
    t->dyn_ready[q] = 1;
    return;
  }
  ge25519_p3 m[DYN_N];
  odd_multiples(m, DYN_N, &t->point[q]);
  for (size_t k = 0; k < DYN_N; k++) ge25519_p3_to_cached(&t->dyn[q][k], &m[k]);
  t->dyn_ready[q] = 2;
}

// out = bits [start, start + len) of x, len ≤ 128.
static void bit_range(uint64_t out[4], const uint64_t x[4], int start, int len) {
  uint64_t w[5] = {x[0], x[1], x[2], x[3], 0};
  const int idx = start / 64, bit = start % 64;
  for (int i = 0; i < 4; i++) {
    const uint64_t lo = idx + i < 5 ? w[idx + i] >> bit : 0;
    const uint64_t hi = (bit != 0 && idx + i + 1 < 5) ? w[idx + i + 1] << (64 - bit) : 0;
    out[i] = lo | hi;
  }
  if (len < 64) {
    out[0] &= ((uint64_t)1 << len) - 1;
    out[1] = out[2] = out[3] = 0;
  } else {
    if (len < 128) out[1] &= ((uint64_t)1 << (len - 64)) - 1;
    out[2] = out[3] = 0;
  }
}

static int is_zero_words(const uint64_t x[4]) { return (x[0] | x[1] | x[2] | x[3]) == 0; }

// A row is "small" when every scalar is below 2^128 (in practice 0 or 1: sums of points). Halving
// would make its scalars full-size, so it is computed as is and encoded on its own.
static int row_is_small(const unsigned char *scalars, size_t n_bases) {
  for (size_t j = 0; j < n_bases; j++) {
    const unsigned char *s = scalars + 32 * j;
    for (int b = 16; b < 32; b++) {
      if (s[b] != 0) return 0;
    }
  }
  return 1;
}

int hv_combine(unsigned char *out, const hv_base *bases, size_t n_bases,
               const unsigned char *scalars, size_t n_rows) {
  if (n_bases == 0 || n_bases > HV_MAX_BASES || n_rows == 0 || n_rows > HV_MAX_ROWS) return -2;
  pthread_once(&g_table_once, init_g_table);
  if (!g_table_ok) return -2;
  term *terms = malloc(n_bases * sizeof *terms);
  stream *streams = malloc(n_bases * PARTS * sizeof *streams);
  ge25519_p3 *results = malloc(n_rows * sizeof *results);
  size_t *batched = malloc(n_rows * sizeof *batched);
  batch_state *states = malloc(n_rows * sizeof *states);
  fe25519 *prefix = malloc(n_rows * sizeof *prefix);
  int rc = 0;
  if (terms == NULL || streams == NULL || results == NULL || batched == NULL || states == NULL ||
      prefix == NULL) {
    rc = -2;
    goto done;
  }
  for (size_t j = 0; j < n_bases; j++) {
    term *tj = &terms[j];
    tj->table = bases[j].table;
    tj->shifted = 0;
    tj->full_rows = 0;
    for (int q = 0; q < PARTS; q++) tj->dyn_ready[q] = 0;
    if (tj->table != NULL) continue;
    if (memcmp(bases[j].encoding, G_BYTES, 32) == 0) {
      tj->table = &g_table;
      continue;
    }
    // Decoded once per call (an inverse square root), however many rows use it.
    if (decode_cached(&tj->point[0], bases[j].encoding) != 0) {
      rc = -1;
      goto done;
    }
  }
  // Cut scalars into parts unless some point would be shifted for a single full-size row: its
  // 170 doublings would then cost more than the row's shorter chain saves.
  int split = 1;
  for (size_t i = 0; i < n_rows; i++) {
    const unsigned char *row = scalars + 32 * i * n_bases;
    if (row_is_small(row, n_bases)) continue;
    for (size_t j = 0; j < n_bases; j++) {
      if (!is_zero32(row + 32 * j)) terms[j].full_rows++;
    }
  }
  for (size_t j = 0; j < n_bases; j++) {
    if (terms[j].table == NULL && terms[j].full_rows == 1) split = 0;
  }
  size_t n_batched = 0;
  for (size_t i = 0; i < n_rows; i++) {
    const unsigned char *row = scalars + 32 * i * n_bases;
    const int small = row_is_small(row, n_bases);
    size_t n_streams = 0;
    for (size_t j = 0; j < n_bases; j++) {
      term *tj = &terms[j];
      const unsigned char *s = row + 32 * j;
      if (is_zero32(s)) continue;
      uint64_t k[4];
      if (small) load_words(k, s);
      else halve_mod_l(k, s);
      const int w = tj->table != NULL ? FIXED_W : DYN_W;
      for (int q = 0; q < (split ? PARTS : 1); q++) {
        uint64_t piece[4];
        if (split) bit_range(piece, k, q * PART_BITS, PART_BITS);
        else memcpy(piece, k, sizeof piece);
        if (is_zero_words(piece)) continue;
        stream *st = &streams[n_streams++];
        st->base = tj;
        st->part = q;
        wnaf(st->naf, piece, w);
        int max_digit = 0;
        for (int b = 0; b < 256; b++) {
          const int a = st->naf[b] < 0 ? -st->naf[b] : st->naf[b];
          if (a > max_digit) max_digit = a;
        }
        ensure_multiples(tj, q, max_digit);
      }
    }
    straus(&results[i], streams, n_streams);
    if (small) {
      // Sums are typically the bases of the next call (Σα, Σβ of a limit proof): cached.
      ristretto255_p3_tobytes(out + 32 * i, &results[i]);
      cache_put(out + 32 * i, &results[i]);
    } else {
      batched[n_batched++] = i;
    }
  }
  encode_doubled_batch(out, results, batched, n_batched, states, prefix);
done:
  free(terms);
  free(streams);
  free(results);
  free(batched);
  free(states);
  free(prefix);
  return rc;
}

// An Ed25519 encoding decoded as @noble/curves' strict mode does (zip215 = false): y < p (the
// canonical encoding), a square root for x exists, and no x = 0 with the sign bit set. 0 on success.
static int ed_decode_strict(ge25519_p3 *a, const unsigned char s[32]) {
  if (!ge25519_is_canonical(s)) return -1;
  if (ge25519_frombytes(a, s) != 0) return -1;
  if (fe25519_iszero(a->X) && (s[31] & 0x80) != 0) return -1;
  return 0;
}

// q := 8·q (the cofactor), by three doublings.
static void ed_mul_cofactor(ge25519_p2 *q) {
  ge25519_p1p1 r;
  for (int i = 0; i < 3; i++) {
    ge25519_p2_dbl(&r, q);
    ge25519_p1p1_to_p2(q, &r);
  }
}

// 1 iff the projective point q is the identity (X = 0, Y = Z).
static int ed_p2_is_identity(const ge25519_p2 *q) {
  fe25519 t;
  fe25519_sub(t, q->Y, q->Z);
  return fe25519_iszero(q->X) && fe25519_iszero(t);
}

// 1 iff the decoded point a is of small order (8·a is the identity).
static int ed_small_order(const ge25519_p3 *a) {
  ge25519_p2 q;
  ge25519_p3_to_p2(&q, a);
  ed_mul_cofactor(&q);
  return ed_p2_is_identity(&q);
}

// SPEC §4's device key rule on an Ed25519 encoding (the rule of @hanpyo/crypto's
// isEd25519PublicKey, noble's strict decoding and isSmallOrder): y < p (the canonical encoding),
// a square root for x exists, no x = 0 with the sign bit set, and 8·A is not the identity. Public
// data only (a device key travels in its token), so the early returns reveal nothing secret.
int hv_ed25519_key_ok(const unsigned char s[32]) {
  ge25519_p3 a;
  if (ed_decode_strict(&a, s) != 0) return 0;
  return !ed_small_order(&a);
}

// Ed25519 verification by @hanpyo/crypto's rule (verifySignature: @noble/curves' strict verify):
// S < ℓ; A and R decode strictly; A is not of small order; k = SHA-512(R ‖ A ‖ M) mod ℓ; and the
// cofactored equation 8·(S·B − k·A) = 8·R holds. Signatures, keys and messages are public (they
// are on the board or in the manifest), so variable time is safe. k is computed by the system
// libsodium's SHA-512 over a copy of R ‖ A ‖ M (the caller checked the sizes).
int hv_ed25519_verify(const unsigned char sig[64], const unsigned char *m, size_t mlen,
                      const unsigned char pk[32]) {
  ge25519_p3 a, r;
  if (!sc25519_is_canonical(sig + 32)) return 0;
  if (ed_decode_strict(&a, pk) != 0 || ed_small_order(&a)) return 0;
  if (ed_decode_strict(&r, sig) != 0) return 0;

  unsigned char k[64];
  unsigned char stack[1024];
  size_t n = 64 + mlen;
  unsigned char *buf = n <= sizeof stack ? stack : malloc(n);
  if (buf == NULL) return -1;
  memcpy(buf, sig, 32);
  memcpy(buf + 32, pk, 32);
  if (mlen > 0) memcpy(buf + 64, m, mlen);
  crypto_hash_sha512(k, buf, (unsigned long long)n);
  if (buf != stack) free(buf);
  sc25519_reduce(k);

  // q = k·(−A) + S·B.
  ge25519_p3 neg_a = a;
  fe25519_neg(neg_a.X, a.X);
  fe25519_neg(neg_a.T, a.T);
  ge25519_p2 q, rr;
  ge25519_double_scalarmult_vartime(&q, k, &neg_a, sig + 32);
  ge25519_p3_to_p2(&rr, &r);
  ed_mul_cofactor(&q);
  ed_mul_cofactor(&rr);
  // Projective equality: X1·Z2 = X2·Z1 and Y1·Z2 = Y2·Z1.
  fe25519 l, rt, d;
  fe25519_mul(l, q.X, rr.Z);
  fe25519_mul(rt, rr.X, q.Z);
  fe25519_sub(d, l, rt);
  if (!fe25519_iszero(d)) return 0;
  fe25519_mul(l, q.Y, rr.Z);
  fe25519_mul(rt, rr.Y, q.Z);
  fe25519_sub(d, l, rt);
  return fe25519_iszero(d);
}
