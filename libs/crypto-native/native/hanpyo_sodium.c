// hanpyo_sodium: ristretto255 group operations of the system libsodium, exposed to Node via N-API.
//
// Deliberately small. The libsodium prototypes are declared here (no libsodium-dev headers needed);
// the addon is linked against the installed shared object (libsodium.so.23). Points travel as
// 32-byte Uint8Arrays (canonical encodings), scalars as bigints in [0, l) read straight from V8's
// 64-bit words, so there is no per-call bigint -> bytes conversion in JavaScript.
//
// Constant time: the scalar never decides a branch or a memory address here. The range check
// k < l is a branch-free subtract-with-borrow; libsodium's scalar multiplications are constant-time
// in the scalar. The one branch after a multiplication is on "is the result the identity", which the
// returned bytes reveal anyway. Secret scalar copies on the stack are wiped with sodium_memzero.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hanpyo_sum.h"
#include "hanpyo_vartime.h"

// --- libsodium 1.0.18 (libsodium.so.23), declared by hand -------------------------------------
extern int sodium_init(void);
extern const char *sodium_version_string(void);
extern void sodium_memzero(void *pnt, size_t len);
extern int crypto_core_ristretto255_is_valid_point(const unsigned char *p);
extern int crypto_core_ristretto255_add(unsigned char *r, const unsigned char *p,
                                        const unsigned char *q);
extern int crypto_core_ristretto255_sub(unsigned char *r, const unsigned char *p,
                                        const unsigned char *q);
extern int crypto_scalarmult_ristretto255(unsigned char *q, const unsigned char *n,
                                          const unsigned char *p);
extern int crypto_scalarmult_ristretto255_base(unsigned char *q, const unsigned char *n);
extern int crypto_sign_ed25519_seed_keypair(unsigned char *pk, unsigned char *sk,
                                            const unsigned char *seed);
extern int crypto_sign_ed25519_detached(unsigned char *sig, unsigned long long *siglen_p,
                                        const unsigned char *m, unsigned long long mlen,
                                        const unsigned char *sk);

#define BYTES 32

// l = 2^252 + 27742317777372353535851937790883648493, as little-endian 64-bit words.
static const uint64_t L_WORDS[4] = {
    0x5812631a5cf5d3edULL,
    0x14def9dea2f79cd6ULL,
    0x0000000000000000ULL,
    0x1000000000000000ULL,
};

#define CHECK(call)                                                                               \
  do {                                                                                            \
    if ((call) != napi_ok) return NULL;                                                           \
  } while (0)

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_HANPYO_NATIVE_ARG", msg);
  return NULL;
}

static napi_value throw_invalid(napi_env env) {
  napi_throw_error(env, "POINT_INVALID", "not a canonical ristretto255 encoding");
  return NULL;
}

// libsodium 1.0.18 ignores bit 255 of an encoding (its canonicity check masks it off and the field
// decoder drops it), so it accepts s + 2^255 as the point s: a second encoding of the same element.
// RFC 9496 requires rejecting it (later libsodium releases do). Every point is checked here first.
static int top_bit_set(const unsigned char *p) { return (p[BYTES - 1] & 0x80) != 0; }

// Borrows the bytes of a Uint8Array (or Buffer) of exactly 32 bytes; 0 on success.
// Any Uint8Array: its bytes and length (no copy). -1 if v is not a Uint8Array.
static int bytes_arg(napi_env env, napi_value v, const unsigned char **out, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return -1;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok) return -1;
  if (type != napi_uint8_array) return -1;
  static const unsigned char empty[1] = {0};
  *out = data != NULL ? (const unsigned char *)data : empty;
  return 0;
}

static int point_arg(napi_env env, napi_value v, const unsigned char **out) {
  size_t length = 0;
  return bytes_arg(env, v, out, &length) == 0 && length == BYTES ? 0 : -1;
}

// Reads a bigint scalar into 32 little-endian bytes.
// Returns 0 if it is in [0, l), 1 if it is a bigint out of range, -1 if it is not a bigint.
static int scalar_arg(napi_env env, napi_value v, unsigned char out[BYTES]) {
  uint64_t w[4] = {0, 0, 0, 0};
  int sign = 0;
  size_t count = 4;
  if (napi_get_value_bigint_words(env, v, &sign, &count, w) != napi_ok) return -1;
  // Sign and word count are properties of V8's representation (public magnitude class).
  if (sign != 0 || count > 4) {
    sodium_memzero(w, sizeof w);
    sodium_memzero(out, BYTES);
    return 1;
  }
  // Branch-free k - l: the final borrow is 1 iff k < l.
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t d = w[i] - L_WORDS[i];
    uint64_t b1 = (uint64_t)(w[i] < L_WORDS[i]);
    uint64_t b2 = (uint64_t)(d < borrow);
    borrow = b1 | b2;
  }
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 8; j++) out[8 * i + j] = (unsigned char)(w[i] >> (8 * j));
  }
  sodium_memzero(w, sizeof w);
  if (borrow == 1) return 0;
  sodium_memzero(out, BYTES);  // out of range: the caller throws (the range is public)
  return 1;
}

// A fresh Uint8Array(32) and a pointer to its bytes.
// A fresh Uint8Array of n bytes; *out points at them. NULL (an exception pending) on failure.
static napi_value new_bytes(napi_env env, size_t n, unsigned char **out) {
  napi_value buffer, array;
  void *data = NULL;
  if (napi_create_arraybuffer(env, n, &data, &buffer) != napi_ok) return NULL;
  if (napi_create_typedarray(env, napi_uint8_array, n, buffer, 0, &array) != napi_ok) return NULL;
  *out = (unsigned char *)data;
  return array;
}

static napi_value new_point(napi_env env, unsigned char **data) {
  return new_bytes(env, BYTES, data);
}

static napi_value undefined_value(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// isValid(bytes: unknown): boolean — false for anything but a canonical 32-byte encoding.
static napi_value js_is_valid(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *p = NULL;
  int ok = argc >= 1 && point_arg(env, argv[0], &p) == 0 && !top_bit_set(p) &&
           crypto_core_ristretto255_is_valid_point(p) == 1;
  napi_value r;
  CHECK(napi_get_boolean(env, ok, &r));
  return r;
}

// ed25519Verify(publicKey, message, signature): boolean, by @hanpyo/crypto's rule
// (hv_ed25519_verify); false for anything not a 32-byte key and a 64-byte signature.
static napi_value js_ed25519_verify(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_type(env, "ed25519Verify(publicKey, message, signature)");
  const unsigned char *pk = NULL, *m = NULL, *sig = NULL;
  size_t pk_len = 0, m_len = 0, sig_len = 0;
  if (bytes_arg(env, argv[1], &m, &m_len) != 0) return throw_type(env, "message must be a Uint8Array");
  int ok = bytes_arg(env, argv[0], &pk, &pk_len) == 0 && pk_len == 32 &&
           bytes_arg(env, argv[2], &sig, &sig_len) == 0 && sig_len == 64;
  if (ok) {
    int v = hv_ed25519_verify(sig, m, m_len, pk);
    if (v < 0) {
      napi_throw_error(env, "ERR_HANPYO_NATIVE_MEMORY", "out of memory");
      return NULL;
    }
    ok = v == 1;
  }
  napi_value r;
  CHECK(napi_get_boolean(env, ok, &r));
  return r;
}

// ed25519SecretKey(seed): the 64-byte libsodium secret key (seed ‖ public key) of a 32-byte seed.
static napi_value js_ed25519_secret_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *seed = NULL;
  size_t len = 0;
  if (argc < 1 || bytes_arg(env, argv[0], &seed, &len) != 0 || len != 32)
    return throw_type(env, "ed25519SecretKey(seed: 32-byte Uint8Array)");
  unsigned char pk[32];
  unsigned char *sk = NULL;
  napi_value r = new_bytes(env, 64, &sk);
  if (r == NULL) return NULL;
  crypto_sign_ed25519_seed_keypair(pk, sk, seed);
  return r;
}

// ed25519Sign(secretKey, message): RFC 8032 Ed25519 (deterministic) by libsodium, constant-time in
// the key; secretKey is ed25519SecretKey's 64 bytes.
static napi_value js_ed25519_sign(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *sk = NULL, *m = NULL;
  size_t sk_len = 0, m_len = 0;
  if (argc < 2 || bytes_arg(env, argv[0], &sk, &sk_len) != 0 || sk_len != 64 ||
      bytes_arg(env, argv[1], &m, &m_len) != 0)
    return throw_type(env, "ed25519Sign(secretKey: 64-byte Uint8Array, message: Uint8Array)");
  unsigned char *sig = NULL;
  napi_value r = new_bytes(env, 64, &sig);
  if (r == NULL) return NULL;
  crypto_sign_ed25519_detached(sig, NULL, m, (unsigned long long)m_len, sk);
  return r;
}

// isEd25519Key(bytes: unknown): boolean — SPEC §4's device-key rule (hv_ed25519_key_ok); false for
// anything but 32 bytes.
static napi_value js_is_ed25519_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *p = NULL;
  int ok = argc >= 1 && point_arg(env, argv[0], &p) == 0 && hv_ed25519_key_ok(p) == 1;
  napi_value r;
  CHECK(napi_get_boolean(env, ok, &r));
  return r;
}

// mulBase(k: bigint): Uint8Array | undefined (undefined: k not in [0, l)).
static napi_value js_mul_base(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_type(env, "mulBase(k)");
  unsigned char n[BYTES];
  int s = scalar_arg(env, argv[0], n);
  if (s < 0) return throw_type(env, "scalar must be a bigint");
  if (s > 0) return undefined_value(env);
  unsigned char *out = NULL;
  napi_value r = new_point(env, &out);
  if (r == NULL) {
    sodium_memzero(n, sizeof n);
    return NULL;
  }
  // -1 only when the result is the identity (k = 0); the output bytes are then set to zero.
  if (crypto_scalarmult_ristretto255_base(out, n) != 0) memset(out, 0, BYTES);
  sodium_memzero(n, sizeof n);
  return r;
}

// k·P into out; -1 from libsodium means identity result (or an invalid P, which is rejected).
static int mul_into(unsigned char *out, const unsigned char *n, const unsigned char *p) {
  if (crypto_scalarmult_ristretto255(out, n, p) == 0) return 0;
  memset(out, 0, BYTES);
  return crypto_core_ristretto255_is_valid_point(p) == 1 ? 0 : -1;
}

// mul(k: bigint, p: Uint8Array): Uint8Array | undefined.
static napi_value js_mul(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_type(env, "mul(k, p)");
  const unsigned char *p = NULL;
  if (point_arg(env, argv[1], &p) != 0) return throw_type(env, "point must be a 32-byte Uint8Array");
  if (top_bit_set(p)) return throw_invalid(env);
  unsigned char n[BYTES];
  int s = scalar_arg(env, argv[0], n);
  if (s < 0) return throw_type(env, "scalar must be a bigint");
  if (s > 0) return undefined_value(env);
  unsigned char *out = NULL;
  napi_value r = new_point(env, &out);
  int rc = r == NULL ? 0 : mul_into(out, n, p);
  sodium_memzero(n, sizeof n);
  if (rc != 0) return throw_invalid(env);
  return r;
}

typedef int (*binop)(unsigned char *, const unsigned char *, const unsigned char *);

static napi_value binary(napi_env env, napi_callback_info info, binop op) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *p = NULL, *q = NULL;
  if (argc < 2 || point_arg(env, argv[0], &p) != 0 || point_arg(env, argv[1], &q) != 0) {
    return throw_type(env, "points must be 32-byte Uint8Arrays");
  }
  if (top_bit_set(p) || top_bit_set(q)) return throw_invalid(env);
  unsigned char *out = NULL;
  napi_value r = new_point(env, &out);
  if (r == NULL) return NULL;
  if (op(out, p, q) != 0) return throw_invalid(env);
  return r;
}

// add(p, q) / sub(p, q): Uint8Array. libsodium encodes the identity as 32 zero bytes here.
static napi_value js_add(napi_env env, napi_callback_info info) {
  return binary(env, info, crypto_core_ristretto255_add);
}

static napi_value js_sub(napi_env env, napi_callback_info info) {
  return binary(env, info, crypto_core_ristretto255_sub);
}

// sum(points: Uint8Array): Uint8Array — Σ of the n canonical encodings packed in points (n × 32
// bytes; the identity for n = 0), each decoded once, the sum encoded once (hanpyo_sum.c). A
// non-canonical encoding throws POINT_INVALID, as add does.
static napi_value js_sum(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || length % BYTES != 0 || (length > 0 && data == NULL)) {
    return throw_type(env, "sum(points): a Uint8Array of n × 32 bytes");
  }
  unsigned char *out = NULL;
  napi_value r = new_point(env, &out);
  if (r == NULL) return NULL;
  if (hs_sum(out, (const unsigned char *)data, length / BYTES) != 0) return throw_invalid(env);
  return r;
}

// --- Variable-time verification path (hanpyo_vartime.c) ----------------------------------------
// PUBLIC INPUTS ONLY. These two calls exist for verifying published proofs; nothing the prover or a
// trustee holds secret goes through them (the JavaScript side names them ...Vartime for that).

// Tags our externals, so a foreign napi_external is refused instead of read as a table.
static const napi_type_tag TABLE_TAG = {0x6a1c3b0e5d2f4a97ULL, 0xb8e4c1d2a3f50617ULL};

static void free_table(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  hv_table_free((hv_table *)data);
}

// prepareVartime(p: Uint8Array): external — the odd-multiples table of a public fixed base (K).
static napi_value js_prepare_vartime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const unsigned char *p = NULL;
  if (argc < 1 || point_arg(env, argv[0], &p) != 0) {
    return throw_type(env, "point must be a 32-byte Uint8Array");
  }
  int invalid = 0;
  hv_table *t = hv_table_new(p, &invalid);
  if (t == NULL) {
    if (invalid) return throw_invalid(env);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_value ext;
  if (napi_create_external(env, t, free_table, NULL, &ext) != napi_ok) {
    hv_table_free(t);
    return NULL;
  }
  CHECK(napi_type_tag_object(env, ext, &TABLE_TAG));
  return ext;
}

// combineVartime(bases: (Uint8Array | table)[], scalars: bigint[]): Uint8Array[] | undefined.
// scalars holds rows × bases.length bigints, row after row; result i is Σ_j scalars[i·n + j]·bases[j].
// undefined: a scalar is not in [0, l). A non-canonical base throws POINT_INVALID.
static napi_value js_combine_vartime(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_array = false;
  if (argc < 2 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    return throw_type(env, "combineVartime(bases[], scalars[])");
  }
  uint32_t n_bases = 0, n_scalars = 0;
  CHECK(napi_get_array_length(env, argv[0], &n_bases));
  CHECK(napi_get_array_length(env, argv[1], &n_scalars));
  if (n_bases == 0 || n_bases > HV_MAX_BASES || n_scalars == 0 || n_scalars % n_bases != 0 ||
      n_scalars / n_bases > HV_MAX_ROWS) {
    return throw_type(env, "combineVartime: 1..16 bases, 1..4096 rows of one scalar per base");
  }
  const size_t n_rows = n_scalars / n_bases;
  hv_base bases[HV_MAX_BASES];
  for (uint32_t j = 0; j < n_bases; j++) {
    napi_value b;
    CHECK(napi_get_element(env, argv[0], j, &b));
    napi_valuetype type;
    CHECK(napi_typeof(env, b, &type));
    bases[j].table = NULL;
    bases[j].encoding = NULL;
    if (type == napi_external) {
      bool ours = false;
      void *data = NULL;
      if (napi_check_object_type_tag(env, b, &TABLE_TAG, &ours) != napi_ok || !ours ||
          napi_get_value_external(env, b, &data) != napi_ok) {
        return throw_type(env, "a base is a point or a table from prepareVartime");
      }
      bases[j].table = (const hv_table *)data;
    } else if (point_arg(env, b, &bases[j].encoding) != 0) {
      return throw_type(env, "a base is a point or a table from prepareVartime");
    } else if (top_bit_set(bases[j].encoding)) {
      return throw_invalid(env);
    }
  }
  unsigned char *scalars = malloc((size_t)n_scalars * BYTES);
  unsigned char *out = malloc(n_rows * BYTES);
  if (scalars == NULL || out == NULL) {
    free(scalars);
    free(out);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_value result = NULL;
  int rc = 0;
  for (uint32_t k = 0; k < n_scalars && rc == 0; k++) {
    napi_value v;
    if (napi_get_element(env, argv[1], k, &v) != napi_ok) rc = -3;
    else rc = scalar_arg(env, v, scalars + (size_t)k * BYTES);  // -1 not a bigint, 1 out of range
  }
  if (rc == 0) {
    const int combined = hv_combine(out, bases, n_bases, scalars, n_rows);
    rc = combined == 0 ? 0 : combined == -1 ? 2 : 3;
  }
  if (rc == 2) {
    throw_invalid(env);
  } else if (rc == 3) {
    napi_throw_error(env, NULL, "combineVartime failed (out of memory)");
  } else if (rc == -1) {
    throw_type(env, "scalar must be a bigint");
  } else if (rc == 1) {
    result = undefined_value(env);
  } else if (rc == 0 && napi_create_array_with_length(env, n_rows, &result) == napi_ok) {
    for (size_t i = 0; i < n_rows && result != NULL; i++) {
      unsigned char *data = NULL;
      napi_value ta = new_point(env, &data);
      if (ta == NULL || napi_set_element(env, result, (uint32_t)i, ta) != napi_ok) {
        result = NULL;
        break;
      }
      memcpy(data, out + i * BYTES, BYTES);
    }
  }
  free(scalars);
  free(out);
  return result;
}

NAPI_MODULE_INIT() {
  if (sodium_init() < 0) {
    napi_throw_error(env, NULL, "sodium_init failed");
    return NULL;
  }
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {
      {"isValid", js_is_valid}, {"mulBase", js_mul_base}, {"mul", js_mul},
      {"add", js_add},          {"sub", js_sub},        {"sum", js_sum},
      {"prepareVartime", js_prepare_vartime}, {"combineVartime", js_combine_vartime},
      {"isEd25519Key", js_is_ed25519_key},
      {"ed25519Verify", js_ed25519_verify},
      {"ed25519SecretKey", js_ed25519_secret_key},
      {"ed25519Sign", js_ed25519_sign},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    CHECK(napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &f));
    CHECK(napi_set_named_property(env, exports, fns[i].name, f));
  }
  napi_value version;
  CHECK(napi_create_string_utf8(env, sodium_version_string(), NAPI_AUTO_LENGTH, &version));
  CHECK(napi_set_named_property(env, exports, "sodiumVersion", version));
  return exports;
}
