// The conformance suites of @hanpyo/crypto-testing on the native backend, the same ones
// libs/crypto runs on noble and sodium: differential against noble on random inputs, identity /
// zero-scalar / bad-input edges (bit-255 encodings included), RFC 9496 A.1/A.2 and the SPEC vectors
// (vectors/spec-v1.json), the variable-time verification path (linearCombinationsVartime, for
// public inputs only) and many-point sums (the addon's `sum`, and `sumPoints` over it) against
// noble. Then what only the addon promises: TypeError on wrong argument types, and
// how it loads. When the addon is not built (`node libs/crypto-native/build.mjs`), every test here
// is reported as skipped with the reason, never passed.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { G, IDENTITY, group, useBackend } from '@hanpyo/crypto';
import type { Point, Scalar } from '@hanpyo/crypto';
import {
  describeDifferentialConformance,
  describeEdgeCaseConformance,
  describeRfc9496Conformance,
  describeSpecVectorConformance,
  describeSumConformance,
  describeVartimeConformance,
  loadBackendUnderTest,
} from '@hanpyo/crypto-testing';
import type { BackendLoader } from '@hanpyo/crypto-testing';
import {
  ADDON_PATH,
  initFastestBackend,
  loadNativeBackend,
  nativeUnavailableReason,
} from './index.js';

const loadNative: BackendLoader = async () =>
  (await loadNativeBackend()) ?? {
    unavailable: `native backend unavailable (${nativeUnavailableReason() ?? 'unknown'}); build it with node libs/crypto-native/build.mjs`,
  };

// The suites below skip, with the reason, when the addon does not load; this test makes that a
// failure unless HANPYO_NATIVE=optional says the machine cannot build it (npm test builds it).
describe('native backend: available', () => {
  it(
    'loads (required unless HANPYO_NATIVE=optional)',
    {
      skip:
        process.env.HANPYO_NATIVE === 'optional' &&
        'HANPYO_NATIVE=optional: the native backend may be missing on this machine',
    },
    async () => {
      const loaded = await loadNativeBackend();
      assert.ok(
        loaded,
        `the native backend does not load: ${nativeUnavailableReason() ?? 'unknown'}; build it with node libs/crypto-native/build.mjs --strict`,
      );
    },
  );
});

describeDifferentialConformance('native', loadNative);
describeEdgeCaseConformance('native', loadNative);
describeRfc9496Conformance('native', loadNative);
describeSpecVectorConformance('native', loadNative);
describeVartimeConformance('native', loadNative);
describeSumConformance('native', loadNative);

describe('native backend: argument types', async () => {
  const { backend: native, skip } = await loadBackendUnderTest(loadNative);

  it('wrong argument types throw a TypeError (no silent garbage)', { skip }, () => {
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
      assert.throws(
        () => native.linearCombinationsVartime!([p], [[1n]]),
        TypeError,
        `linearCombinationsVartime([${String(p)}])`,
      );
    }
    for (const k of bad) {
      assert.throws(
        () => native.linearCombinationsVartime!([G], [[k]]),
        TypeError,
        `linearCombinationsVartime([G], [[${String(k)}]])`,
      );
    }
    const tooMany = Array.from({ length: 65 }, () => G);
    assert.throws(
      () => native.linearCombinationsVartime!(tooMany, [tooMany.map(() => 1n)]),
      TypeError,
    );
  });

  it('the addon’s sum takes one Uint8Array of n × 32 bytes, nothing else', { skip }, () => {
    // Behind backend.sum, which packs the points: its own checks, reached directly.
    const addon = createRequire(import.meta.url)(ADDON_PATH) as { sum(points: unknown): Point };
    for (const x of [new Uint8Array(31), new Uint8Array(33), new Uint16Array(16), [G], 'x']) {
      assert.throws(() => addon.sum(x), TypeError, `sum(${String(x)})`);
    }
    assert.throws(() => addon.sum(undefined), TypeError, 'sum()');
    assert.deepEqual(addon.sum(new Uint8Array(0)), IDENTITY);
    const packed = new Uint8Array(96);
    packed.set(G, 0);
    packed.set(G, 64);
    assert.deepEqual(addon.sum(packed), native.mulBase(2n), 'G + 0 + G');
    assert.deepEqual(addon.sum(packed.subarray(32)), G, 'a view: 0 + G');
  });
});

describe('native backend loading', async () => {
  const { backend: native, skip } = await loadBackendUnderTest(loadNative);

  it('loadNativeBackend is cached and named native', { skip }, async () => {
    const again = await loadNativeBackend();
    assert.equal(again, native);
    assert.equal(again?.name, 'native');
    assert.match(again?.sodiumVersion ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(nativeUnavailableReason(), undefined);
  });

  it('initFastestBackend activates the native backend', { skip }, async () => {
    const before = group();
    try {
      assert.equal(await initFastestBackend(), native);
      assert.equal(group(), native);
    } finally {
      useBackend(before);
    }
  });
});
