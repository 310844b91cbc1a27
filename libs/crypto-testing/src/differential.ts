// Differential conformance: a backend against the @noble/curves reference backend on random inputs
// drawn by fast-check. Every operation must return identical bytes, and the two must agree on which
// 32-byte strings are valid encodings. For the backends other than noble itself; the known answers
// are in rfc9496.ts and the edges in edge-cases.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodePoint, nobleBackend, toHex, withBackend } from '@hanpyo/crypto';
import type { GroupBackend } from '@hanpyo/crypto';
import { RUNS, assertPreparedMul, bytes32, point, same, scalar } from './arbitraries.js';
import { loadBackendUnderTest } from './backend.js';
import type { BackendLoader } from './backend.js';

const noble = nobleBackend;

/** Registers "<name> backend agrees with noble on random inputs". */
export function describeDifferentialConformance(name: string, load: BackendLoader): void {
  describe(`${name} backend agrees with noble on random inputs`, async () => {
    const { backend, skip } = await loadBackendUnderTest(load);

    it('mulBase(k)', { skip }, () => {
      fc.assert(
        fc.property(scalar, (k) => same(backend.mulBase(k), noble.mulBase(k), `k = ${k}`)),
        RUNS,
      );
    });

    it('mul(k, P)', { skip }, () => {
      fc.assert(
        fc.property(scalar, point, (k, p) => same(backend.mul(k, p), noble.mul(k, p), `k = ${k}`)),
        RUNS,
      );
    });

    it('add(P, Q) and sub(P, Q)', { skip }, () => {
      fc.assert(
        fc.property(point, point, (p, q) => {
          same(backend.add(p, q), noble.add(p, q), 'add');
          same(backend.sub(p, q), noble.sub(p, q), 'sub');
        }),
        RUNS,
      );
    });

    it('prepare(P).mul(k), reused across several scalars', { skip }, () => {
      assertPreparedMul(backend, noble);
    });

    it(
      'isValid and decodePoint on arbitrary 32-byte strings (both verdicts occur)',
      { skip },
      () => {
        let valid = 0;
        let invalid = 0;
        fc.assert(
          fc.property(bytes32, (b) => {
            const v = noble.isValid(b);
            assert.equal(backend.isValid(b), v, toHex(b));
            if (v) valid++;
            else invalid++;
            const outcome = (g: GroupBackend) => {
              try {
                return toHex(withBackend(g, () => decodePoint(b)));
              } catch (e) {
                return e instanceof Error && 'code' in e ? String(e.code) : String(e);
              }
            };
            assert.equal(outcome(backend), outcome(noble), toHex(b));
          }),
          { numRuns: 500 },
        );
        // The generator must exercise both verdicts, or the agreement above means little.
        assert.ok(valid > 20 && invalid > 20, `valid ${valid}, invalid ${invalid}`);
      },
    );
  });
}
