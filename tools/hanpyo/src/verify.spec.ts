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
  signCast,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import type { Failure } from './failures.js';
import { writeRecord } from './record-io.js';
import { REFUSED_KINDS, synthToken, synthesize } from './synth.js';
import type { ElectionRecord, SynthSecrets } from './synth.js';
import { verifyRecord } from './verify.js';
import type { RefusedEntry, VerifyReport } from './verify.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/hanpyo.js', import.meta.url));

let base: ElectionRecord;
let secrets: SynthSecrets;
let root: string;
let counter = 0;

before(async () => {
  await initCrypto();
  ({ record: base, secrets } = synthesize({
    voters: 36,
    districts: 3,
    policy: 'last',
    blocks: 3,
    seed: 'verify-spec',
  }));
  root = await mkdtemp(join(tmpdir(), 'hanpyo-verify-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes a deep copy of the record after `mutate`, verifies it, returns the failures. */
async function verifyMutated(mutate: (r: ElectionRecord) => void): Promise<VerifyReport> {
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

/**
 * Index of a counted cast of the full style (two contests): authorized, and its voter's only entry
 * on the board, so it is that voter's counted ballot under either policy.
 */
function countedCast(r: ElectionRecord, nth = 0): number {
  const seen = new Map<string, number>();
  for (const b of r.ballots) seen.set(b.ballot.nullifier, (seen.get(b.ballot.nullifier) ?? 0) + 1);
  let k = 0;
  const i = r.ballots.findIndex(
    (b) =>
      b.ballot.contests.length === 2 &&
      b.token !== undefined &&
      seen.get(b.ballot.nullifier) === 1 &&
      k++ === nth,
  );
  assert.ok(i >= 0);
  return i;
}

function retrack(entry: BoardEntry): void {
  entry.trackingCode = trackingCode(entry.ballot);
}

function expectRefused(
  report: { refused: RefusedEntry[] },
  rule: string,
  code: string,
  line: number,
): void {
  assert.ok(
    report.refused.some((r) => r.rule === rule && r.code === code && r.place.line === line),
    `expected line ${line} refused for ${rule}/${code}; got ${JSON.stringify(report.refused.map((r) => [r.place.line, r.rule, r.code]))}`,
  );
}

describe('hanpyo verify', () => {
  it('accepts the untampered record, reporting every refused entry by rule apart from failures', async () => {
    const report = await verifyMutated(() => undefined);
    assert.deepEqual(report.failures, []);
    assert.equal(report.valid, true);
    // synth adds one refused entry of each kind (REFUSED_KINDS), each for its own rule.
    assert.deepEqual(report.refused.map((r) => `${r.rule}/${r.code}`).sort(), [
      'ballot/PROOF_INVALID',
      'cast-signature/CAST_SIGNATURE_INVALID',
      'token/TOKEN_MISSING',
      'token/TOKEN_SIGNATURE',
      'token/VOTER_MISMATCH',
      'window/RECEIVED_AFTER_CLOSES',
    ]);
    assert.equal(report.refused.length, REFUSED_KINDS.length);
    for (const r of report.refused) {
      assert.equal(r.place.file, 'ballots.ndjson');
      assert.ok(r.place.line! >= 1 && r.place.partition !== undefined && r.place.district);
    }
    assert.equal(report.stats.refused, REFUSED_KINDS.length);
    // Of the refused kinds, only the re-signed broken ballot is authorized (refused by SPEC §9).
    assert.equal(report.stats.authorized, base.ballots.length - (REFUSED_KINDS.length - 1));
  });

  it('refuses a counted ballot whose proof was changed in the record, and the tally no longer matches', async () => {
    const i = countedCast(base);
    const district = base.ballots[i]!.ballot.districtId;
    const report = await verifyMutated((r) => {
      const sel = r.ballots[i]!.ballot.contests[1]!.selections[2]!;
      sel.proof.z[0] = scalarToText((scalarFromText(sel.proof.z[0]!) + 1n) % 2n ** 252n);
    });
    // The stated tracking code is no longer the ballot's: refused, so no longer counted.
    expectRefused(report, 'tracking-code', 'TRACKING_CODE_MISMATCH', i + 1);
    expectFailure(report, 'TALLY_COUNTED', { district });
    expectFailure(report, 'TALLY_AGGREGATE', { district });
  });

  it('refuses a re-tracked tampered ballot (the cast signature covers the old code), and its roots fail', async () => {
    const i = countedCast(base, 1);
    const report = await verifyMutated((r) => {
      const [a, b] = r.ballots[i]!.ballot.contests[0]!.selections;
      [a!.alpha, b!.alpha, a!.beta, b!.beta] = [b!.alpha, a!.alpha, b!.beta, a!.beta];
      retrack(r.ballots[i]!);
    });
    expectRefused(report, 'cast-signature', 'CAST_SIGNATURE_INVALID', i + 1);
    expectFailure(report, 'BLOCK_ROOT');
  });

  it('refuses a ballot moved to another voter (the token names the old one)', async () => {
    const i = countedCast(base, 2);
    const report = await verifyMutated((r) => {
      const other = r.ballots.find((b) => b.ballot.nullifier !== r.ballots[i]!.ballot.nullifier)!;
      r.ballots[i]!.ballot.nullifier = other.ballot.nullifier;
      retrack(r.ballots[i]!);
    });
    expectRefused(report, 'token', 'VOTER_MISMATCH', i + 1);
    expectFailure(report, 'BLOCK_ROOT');
  });

  it('refuses a wrong tracking code, and the district root no longer matches', async () => {
    const report = await verifyMutated((r) => {
      r.ballots[3]!.trackingCode = r.ballots[4]!.trackingCode;
    });
    expectRefused(report, 'tracking-code', 'TRACKING_CODE_MISMATCH', 4);
    expectFailure(report, 'BLOCK_ROOT');
  });

  it('rejects a record where one voter has authorized entries in two districts', async () => {
    const i = countedCast(base, 3);
    const report = await verifyMutated((r) => {
      const voter = r.ballots[i]!;
      const style = (id: string) =>
        r.manifest.districts.find((d) => d.districtId === id)!.ballotStyleId;
      const other = r.manifest.districts.find(
        (d) =>
          d.districtId !== voter.ballot.districtId &&
          d.ballotStyleId === style(voter.ballot.districtId),
      )!;
      // The unsigned entry synth put on the board becomes a second, authorized cast of the same
      // voter in another district: the registrar's key minted a token SPEC §4 forbids.
      const slot = r.ballots.find((b) => b.token === undefined)!;
      const device = signingKeyFromSeed('device', new Uint8Array(32).fill(77));
      slot.ballot = { ...structuredClone(voter.ballot), districtId: other.districtId };
      retrack(slot);
      slot.token = synthToken(
        r.manifest,
        secrets.registrarKey,
        fromBase64url(voter.ballot.nullifier, 32),
        other.districtId,
        device,
        'second-district',
      );
      slot.castSignature = signCast(device, r.manifest.electionId, slot.trackingCode);
    });
    expectFailure(report, 'NULLIFIER_DISTRICTS');
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
    // Refused entries are listed with their rule and place, apart from failures: still exit 0.
    assert.match(ok.stdout, /^REFUSED rule token \(TOKEN_MISSING\) at ballots\.ndjson:\d+ /m);
    assert.doesNotMatch(ok.stdout, /^FAIL/m);
    const json = await run(process.execPath, [bin, 'verify', good, '--workers', '1', '--json']);
    const report = JSON.parse(json.stdout) as { valid: boolean; refused: RefusedEntry[] };
    assert.equal(report.valid, true);
    assert.equal(report.refused.length, REFUSED_KINDS.length);

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
