// `hanpyo verify` against a synthetic record and against each kind of tampering the issue names:
// each must be rejected for the right reason, at the right place.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BoardEntry } from '@hanpyo/contracts';
import {
  base64url,
  fromBase64url,
  initCrypto,
  scalarFromText,
  scalarToText,
  trackingCode,
} from '@hanpyo/crypto';
import type { Failure } from './failures.js';
import { writeRecord } from './record-io.js';
import { synthesize } from './synth.js';
import type { ElectionRecord } from './synth.js';
import { verifyRecord } from './verify.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/hanpyo.js', import.meta.url));

let base: ElectionRecord;
let root: string;
let counter = 0;

before(async () => {
  await initCrypto();
  base = synthesize({
    voters: 36,
    districts: 3,
    policy: 'last',
    blocks: 3,
    seed: 'verify-spec',
  }).record;
  root = await mkdtemp(join(tmpdir(), 'hanpyo-verify-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes a deep copy of the record after `mutate`, verifies it, returns the failures. */
async function verifyMutated(
  mutate: (r: ElectionRecord) => void,
): Promise<{ valid: boolean; failures: Failure[] }> {
  const copy = structuredClone<ElectionRecord>(base);
  mutate(copy);
  const dir = join(root, `r${counter++}`);
  await writeRecord(dir, copy);
  return verifyRecord(dir, { workers: 2 });
}

function expectFailure(
  report: { valid: boolean; failures: Failure[] },
  code: string,
  place: Partial<Failure['place']> = {},
): void {
  assert.equal(report.valid, false, 'the record must be invalid');
  const match = report.failures.find(
    (f) =>
      f.code === code &&
      Object.entries(place).every(([k, v]) => (f.place as Record<string, unknown>)[k] === v),
  );
  assert.ok(
    match,
    `expected ${code} at ${JSON.stringify(place)}; got ${JSON.stringify(report.failures.map((f) => [f.code, f.place]))}`,
  );
}

/** Index of a ballot with the full style (two contests). */
function fullBallot(r: ElectionRecord, nth = 0): number {
  let seen = 0;
  const i = r.ballots.findIndex((b) => b.ballot.contests.length === 2 && seen++ === nth);
  assert.ok(i >= 0);
  return i;
}

function retrack(entry: BoardEntry): void {
  entry.trackingCode = trackingCode(entry.ballot);
}

describe('hanpyo verify', () => {
  it('accepts the untampered record', async () => {
    const report = await verifyMutated(() => undefined);
    assert.deepEqual(report.failures, []);
    assert.equal(report.valid, true);
  });

  it('rejects a changed proof scalar (PROOF_INVALID at the ballot, contest and option)', async () => {
    const i = fullBallot(base);
    const report = await verifyMutated((r) => {
      const sel = r.ballots[i]!.ballot.contests[1]!.selections[2]!;
      sel.proof.z[0] = scalarToText((scalarFromText(sel.proof.z[0]!) + 1n) % 2n ** 252n);
      retrack(r.ballots[i]!);
    });
    expectFailure(report, 'PROOF_INVALID', { line: i + 1, contest: 'council', option: 'c3' });
  });

  it('rejects swapped ciphertexts', async () => {
    const i = fullBallot(base, 1);
    const report = await verifyMutated((r) => {
      const [a, b] = r.ballots[i]!.ballot.contests[0]!.selections;
      [a!.alpha, b!.alpha, a!.beta, b!.beta] = [b!.alpha, a!.alpha, b!.beta, a!.beta];
      retrack(r.ballots[i]!);
    });
    expectFailure(report, 'PROOF_INVALID', { line: i + 1, contest: 'mayor', option: 'kim' });
  });

  it('rejects a ballot copied to another voter (proofs bind the nullifier)', async () => {
    const i = fullBallot(base, 2);
    const report = await verifyMutated((r) => {
      const other = r.ballots.find((b) => b.ballot.nullifier !== r.ballots[i]!.ballot.nullifier)!;
      r.ballots[i]!.ballot.nullifier = other.ballot.nullifier;
      retrack(r.ballots[i]!);
    });
    expectFailure(report, 'PROOF_INVALID', { line: i + 1 });
  });

  it('rejects a wrong tracking code', async () => {
    const report = await verifyMutated((r) => {
      r.ballots[3]!.trackingCode = r.ballots[4]!.trackingCode;
    });
    expectFailure(report, 'TRACKING_CODE_MISMATCH', { line: 4 });
  });

  it('rejects a dropped board entry (gap and wrong roots)', async () => {
    const report = await verifyMutated((r) => {
      r.ballots.splice(5, 1);
    });
    expectFailure(report, 'BOARD_GAP');
    expectFailure(report, 'BLOCK_ROOT');
  });

  it('rejects reordered board entries', async () => {
    const report = await verifyMutated((r) => {
      [r.ballots[6], r.ballots[7]] = [r.ballots[7]!, r.ballots[6]!];
    });
    expectFailure(report, 'BOARD_ORDER', { line: 8 });
  });

  it('rejects a wrong district root', async () => {
    const report = await verifyMutated((r) => {
      r.blocks[1]!.block.districts[0]!.root = 'ab'.repeat(32);
    });
    expectFailure(report, 'BLOCK_ROOT', {
      height: 2,
      district: base.blocks[1]!.block.districts[0]!.districtId,
    });
  });

  it('rejects a missing block', async () => {
    const report = await verifyMutated((r) => {
      r.blocks.splice(1, 1);
    });
    expectFailure(report, 'BLOCK_HEIGHT');
  });

  it('rejects a bad block signature', async () => {
    const report = await verifyMutated((r) => {
      const s = r.blocks[0]!.signatures.signatures[0]!;
      const bytes = fromBase64url(s.signature, 64);
      bytes[10]! ^= 1;
      s.signature = base64url(bytes);
    });
    expectFailure(report, 'SIGNATURE_INVALID', { height: 1 });
  });

  it('rejects a changed count', async () => {
    const report = await verifyMutated((r) => {
      r.tally.districts[1]!.contests[0]!.options[2]!.count += 1;
    });
    const d = base.tally.districts[1]!;
    expectFailure(report, 'TALLY_COUNT_MISMATCH', {
      district: d.districtId,
      contest: 'mayor',
      option: d.contests[0]!.options[2]!.optionId,
    });
  });

  it('rejects a bad decryption share', async () => {
    const report = await verifyMutated((r) => {
      const share = r.tally.districts[0]!.contests[0]!.options[0]!.shares[1]!;
      share.z = scalarToText((scalarFromText(share.z) + 1n) % 2n ** 252n);
    });
    expectFailure(report, 'DECRYPTION_PROOF_INVALID', {
      district: base.tally.districts[0]!.districtId,
      trustee: 3,
    });
  });

  it('rejects a changed manifest (ceremony proofs and the chain are bound to it)', async () => {
    const report = await verifyMutated((r) => {
      r.manifest.title = 'another title';
    });
    expectFailure(report, 'PROOF_INVALID', { file: 'ceremony.json', trustee: 1 });
    expectFailure(report, 'BLOCK_PREV_HASH', { height: 1 });
  });
});

describe('hanpyo verify exit status', () => {
  it('is 0 for a valid record, 1 for an invalid one, 2 for an unreadable one or a usage error', async () => {
    const good = join(root, 'cli-good');
    await writeRecord(good, base);
    const ok = await run(process.execPath, [bin, 'verify', good, '--workers', '1']);
    assert.match(ok.stdout, /^VALID/m);

    const bad = join(root, 'cli-bad');
    const copy = structuredClone<ElectionRecord>(base);
    copy.tally.districts[0]!.counted += 1;
    await writeRecord(bad, copy);
    await assert.rejects(
      run(process.execPath, [bin, 'verify', bad, '--workers', '1']),
      (e: { code: number; stdout: string }) => {
        assert.equal(e.code, 1);
        assert.match(e.stdout, /TALLY_COUNTED/);
        return true;
      },
    );
    await assert.rejects(
      run(process.execPath, [bin, 'verify', join(root, 'does-not-exist')]),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, /unreadable record: manifest.json: missing/);
        return true;
      },
    );
    await assert.rejects(
      run(process.execPath, [bin, 'verify']),
      (e: { code: number }) => e.code === 2,
    );
  });
});
