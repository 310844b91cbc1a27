// Differential tests: the native libsodium backend against the @noble/curves reference backend on
// random inputs drawn by fast-check, plus the identity / zero-scalar edges and RFC 9496 A.1/A.2.
// When the addon is not built (`node libs/crypto-native/build.mjs`), every test here is reported
// as skipped with the reason, never passed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CryptoError,
  G,
  IDENTITY,
  L,
  decodePoint,
  fromHex,
  group,
  nobleBackend,
  toHex,
  useBackend,
  withBackend,
} from '@hanpyo/crypto';
import type { GroupBackend, Point, Scalar } from '@hanpyo/crypto';
import { initFastestBackend, loadNativeBackend, nativeUnavailableReason } from './index.js';
import type { NativeBackend } from './index.js';

const RUNS = { numRuns: 250 };
const noble = nobleBackend;
const loaded = await loadNativeBackend();
/** false when the native backend loaded, else the reason every test is skipped. */
const skip: false | string = loaded
  ? false
  : `native backend unavailable (${nativeUnavailableReason() ?? 'unknown'}); build it with node libs/crypto-native/build.mjs`;
// Only dereferenced inside tests, which are skipped when it is undefined.
const native = loaded as NativeBackend;
/** `it`, skipped with the reason when the native backend did not load. */
const test = (name: string, fn: () => void | Promise<void>): void => {
  void it(name, { skip }, fn);
};
/** A short label for an arbitrary value in assertion messages. */
const label = (x: unknown) => (x instanceof Object ? x.constructor.name : String(x));

/** Scalars in [0, ℓ), with the edges (0, 1, ℓ−1) drawn often. */
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 0n, max: L - 1n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 2n, L - 2n, L - 1n) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 255n }) },
);

/** Group elements as encodings: random multiples of G, plus the identity and ±G now and then. */
const point: fc.Arbitrary<Point> = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: L - 1n }).map((k) => noble.mulBase(k)) },
  { weight: 1, arbitrary: fc.constantFrom(IDENTITY, G, noble.mulBase(L - 1n)) },
);

/** 32-byte strings: mostly uniform (mostly invalid), some valid encodings with one bit flipped. */
const bytes32: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  point,
  fc.tuple(point, fc.nat(255)).map(([p, bit]) => {
    const q = p.slice();
    q[bit >> 3]! ^= 1 << (bit & 7);
    return q;
  }),
);

/** Same bytes, and a plain Uint8Array (not a Buffer), as the other backends return. */
const same = (a: Uint8Array, b: Uint8Array, what: string) => {
  assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype, `${what}: a plain Uint8Array`);
  assert.equal(toHex(a), toHex(b), what);
};

describe('native backend agrees with noble on random inputs', () => {
  test('mulBase(k)', () => {
    fc.assert(
      fc.property(scalar, (k) => same(native.mulBase(k), noble.mulBase(k), `k = ${k}`)),
      RUNS,
    );
  });

  test('mul(k, P)', () => {
    fc.assert(
      fc.property(scalar, point, (k, p) => same(native.mul(k, p), noble.mul(k, p), `k = ${k}`)),
      RUNS,
    );
  });

  test('add(P, Q) and sub(P, Q)', () => {
    fc.assert(
      fc.property(point, point, (p, q) => {
        same(native.add(p, q), noble.add(p, q), 'add');
        same(native.sub(p, q), noble.sub(p, q), 'sub');
      }),
      RUNS,
    );
  });

  test('prepare(P).mul(k), reused across several scalars', () => {
    fc.assert(
      fc.property(point, fc.array(scalar, { minLength: 1, maxLength: 4 }), (p, ks) => {
        const prepared = native.prepare(p);
        same(prepared.point, p, 'prepared point');
        for (const k of ks) same(prepared.mul(k), noble.mul(k, p), `prepared, k = ${k}`);
      }),
      { numRuns: 200 },
    );
  });

  test('isValid and decodePoint on arbitrary 32-byte strings (both verdicts occur)', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(bytes32, (b) => {
        const v = noble.isValid(b);
        assert.equal(native.isValid(b), v, toHex(b));
        if (v) valid++;
        else invalid++;
        const outcome = (backend: GroupBackend) => {
          try {
            return toHex(withBackend(backend, () => decodePoint(b)));
          } catch (e) {
            return e instanceof Error && 'code' in e ? String(e.code) : String(e);
          }
        };
        assert.equal(outcome(native), outcome(noble), toHex(b));
      }),
      { numRuns: 500 },
    );
    // The generator must exercise both verdicts, or the agreement above means little.
    assert.ok(valid > 20 && invalid > 20, `valid ${valid}, invalid ${invalid}`);
  });

  test('isValid is false for anything but a 32-byte Uint8Array', () => {
    for (const x of [
      new Uint8Array(0),
      new Uint8Array(31),
      new Uint8Array(33),
      new Uint8ClampedArray(32),
      new Uint16Array(16),
      new Uint8Array(32).buffer,
      Array.from(G),
      'x'.repeat(32),
      undefined,
      null,
    ]) {
      assert.equal(native.isValid(x as Uint8Array), false, label(x));
      assert.equal(noble.isValid(x as Uint8Array), false, label(x));
    }
    assert.equal(native.isValid(Buffer.from(G)), true, 'a Buffer is a Uint8Array');
  });

  test('is a homomorphism: (a + b)·G = a·G + b·G and (a·b)·G = a·(b·G), mod ℓ', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        same(native.mulBase((a + b) % L), native.add(native.mulBase(a), native.mulBase(b)), '+');
        same(native.mulBase((a * b) % L), native.mul(a, native.mulBase(b)), '×');
      }),
      RUNS,
    );
  });

  test('inputs are not modified and outputs are fresh arrays', () => {
    const p = noble.mulBase(12345n);
    const copy = p.slice();
    const r1 = native.mul(7n, p);
    const r2 = native.mul(7n, p);
    assert.deepEqual(p, copy);
    assert.notEqual(r1, r2);
    r1[0]! ^= 1;
    assert.notEqual(toHex(r1), toHex(r2));
  });
});

describe('native backend: identity and zero-scalar edge cases', () => {
  test('0·G and 0·P are the identity, prepared or not', () => {
    same(native.mulBase(0n), IDENTITY, '0·G');
    fc.assert(
      fc.property(point, (p) => {
        same(native.mul(0n, p), IDENTITY, '0·P');
        same(native.prepare(p).mul(0n), IDENTITY, 'prepared 0·P');
      }),
      { numRuns: 50 },
    );
  });

  test('P − P is the identity, and P + (−P) too', () => {
    fc.assert(
      fc.property(point, (p) => {
        same(native.sub(p, p), IDENTITY, 'P − P');
        same(native.add(p, native.mul(L - 1n, p)), IDENTITY, 'P + (ℓ−1)·P');
        same(native.sub(IDENTITY, p), native.mul(L - 1n, p), '0 − P = (ℓ−1)·P');
      }),
      { numRuns: 50 },
    );
  });

  test('identity + P = P + identity = P, and P − identity = P', () => {
    fc.assert(
      fc.property(point, (p) => {
        same(native.add(IDENTITY, p), p, '0 + P');
        same(native.add(p, IDENTITY), p, 'P + 0');
        same(native.sub(p, IDENTITY), p, 'P − 0');
      }),
      { numRuns: 50 },
    );
  });

  test('k·identity is the identity, prepared or not', () => {
    const prepared = native.prepare(IDENTITY);
    fc.assert(
      fc.property(scalar, (k) => {
        same(native.mul(k, IDENTITY), IDENTITY, 'k·0');
        same(prepared.mul(k), IDENTITY, 'prepared k·0');
      }),
      { numRuns: 50 },
    );
  });

  test('1·P = P and ℓ−1 is the scalar −1', () => {
    fc.assert(
      fc.property(point, (p) => {
        same(native.mul(1n, p), p, '1·P');
        same(native.mul(L - 1n, native.mul(L - 1n, p)), p, '(−1)·(−1)·P');
      }),
      { numRuns: 50 },
    );
  });

  test('a scalar ≥ ℓ or < 0 throws SCALAR_NONCANONICAL instead of being reduced', () => {
    const nonCanonical = { name: 'CryptoError', code: 'SCALAR_NONCANONICAL' };
    for (const k of [
      L,
      L + 1n,
      (1n << 253n) - 1n,
      (1n << 256n) - 1n,
      1n << 256n,
      1n << 400n,
      -1n,
    ]) {
      assert.throws(() => native.mulBase(k), nonCanonical, `mulBase(${k})`);
      assert.throws(() => native.mul(k, G), nonCanonical, `mul(${k})`);
      assert.throws(() => native.prepare(G).mul(k), nonCanonical, `prepared mul(${k})`);
    }
    assert.ok(new CryptoError('SCALAR_NONCANONICAL', 'x') instanceof Error);
  });

  test('wrong argument types throw a TypeError (no silent garbage)', () => {
    const bad = [1, '1', undefined, null, 1.5] as unknown as Scalar[];
    for (const k of bad) assert.throws(() => native.mulBase(k), TypeError, `mulBase(${String(k)})`);
    for (const p of [
      new Uint8Array(31),
      new Uint16Array(16),
      'x',
      undefined,
    ] as unknown as Point[]) {
      assert.throws(() => native.mul(1n, p), TypeError, `mul(1, ${String(p)})`);
      assert.throws(() => native.add(G, p), TypeError, `add(G, ${String(p)})`);
      assert.throws(() => native.sub(p, G), TypeError, `sub(${String(p)}, G)`);
    }
  });

  test('an invalid point given to mul / add / sub throws POINT_INVALID', () => {
    const invalid = fromHex('0100000000000000000000000000000000000000000000000000000000000000', 32);
    const code = { code: 'POINT_INVALID' };
    assert.throws(() => native.mul(5n, invalid), code, 'mul');
    assert.throws(() => native.mul(0n, invalid), code, 'mul by 0');
    assert.throws(() => native.add(G, invalid), code, 'add');
    assert.throws(() => native.sub(invalid, G), code, 'sub');
  });
});

/** RFC 9496 A.1: the encodings of k·G, k = 0..15. */
const MULTIPLES: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76',
  '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919',
  '94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259',
  'da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57',
  'e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e',
  'f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403',
  '44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d',
  '903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c',
  '02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031',
  '20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f',
  'bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42',
  'e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460',
  'aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f',
  '46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e',
  'e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e',
];

/** RFC 9496 A.2 invalid encodings (plus libsodium's high-bit case); all MUST be rejected. */
const INVALID: readonly string[] = [
  '00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20',
  'c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562',
  'c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78',
  '47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24',
  'f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72',
  '87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309',
  '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371',
  '4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f',
  'de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b',
  'bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042',
  '2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08',
  'f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22',
  '8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731',
  '2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b',
  '3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e',
  'a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220',
  'd483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e',
  '8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32',
  '32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b',
  '227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165',
  '5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e',
  '445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0100000000000000000000000000000000000000000000000000000000000080',
];

describe('native backend: encodings with bit 255 set (libsodium 1.0.18 ignores that bit)', () => {
  /** A valid encoding with bit 255 set: the same element under a second, non-canonical encoding. */
  const highBit = (p: Point) => {
    const q = p.slice();
    q[31]! |= 0x80;
    return q;
  };

  test('isValid rejects them, as noble does', () => {
    fc.assert(
      fc.property(point, (p) => {
        assert.equal(noble.isValid(highBit(p)), false);
        assert.equal(native.isValid(highBit(p)), false, toHex(highBit(p)));
      }),
      { numRuns: 200 },
    );
  });

  test('mul, prepare().mul, add and sub throw POINT_INVALID on them', () => {
    const code = { code: 'POINT_INVALID' };
    fc.assert(
      fc.property(point, scalar, (p, k) => {
        const bad = highBit(p);
        assert.throws(() => native.mul(k, bad), code, 'mul');
        assert.throws(() => native.prepare(bad).mul(k), code, 'prepared mul');
        assert.throws(() => native.add(G, bad), code, 'add');
        assert.throws(() => native.add(bad, G), code, 'add');
        assert.throws(() => native.sub(bad, G), code, 'sub');
        assert.throws(() => native.sub(G, bad), code, 'sub');
      }),
      { numRuns: 50 },
    );
  });
});

describe('native backend: RFC 9496 Appendix A vectors', () => {
  test('A.1 mulBase(k), mul(k, G), prepare(G).mul(k) and the additions of the table', () => {
    const prepared = native.prepare(G);
    for (let k = 0; k < 16; k++) {
      const expected = MULTIPLES[k];
      assert.equal(toHex(native.mulBase(BigInt(k))), expected, `mulBase, k = ${k}`);
      assert.equal(toHex(native.mul(BigInt(k), G)), expected, `mul, k = ${k}`);
      assert.equal(toHex(prepared.mul(BigInt(k))), expected, `prepared, k = ${k}`);
      assert.ok(native.isValid(fromHex(expected!, 32)), `isValid, k = ${k}`);
      if (k < 15) {
        const next = fromHex(MULTIPLES[k + 1]!, 32);
        assert.equal(
          toHex(native.add(fromHex(expected!, 32), G)),
          MULTIPLES[k + 1],
          `add, k = ${k}`,
        );
        assert.equal(toHex(native.sub(next, G)), expected, `sub, k = ${k}`);
      }
    }
  });

  test('A.2 invalid encodings are rejected', () => {
    for (const hex of INVALID) {
      assert.equal(native.isValid(fromHex(hex, 32)), false, hex);
      assert.throws(
        () => withBackend(native, () => decodePoint(fromHex(hex, 32), { allowIdentity: true })),
        { code: 'POINT_INVALID' },
        hex,
      );
    }
  });
});

describe('native backend loading', () => {
  test('loadNativeBackend is cached and named native', async () => {
    assert.equal(await loadNativeBackend(), native);
    assert.equal(native.name, 'native');
    assert.match(native.sodiumVersion, /^\d+\.\d+\.\d+/);
    assert.equal(nativeUnavailableReason(), undefined);
  });

  test('initFastestBackend activates the native backend', async () => {
    const before = group();
    try {
      assert.equal(await initFastestBackend(), native);
      assert.equal(group(), native);
    } finally {
      useBackend(before);
    }
  });
});
