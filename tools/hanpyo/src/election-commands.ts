// `hanpyo election …`, `hanpyo ceremony local`, `hanpyo tokens`: election operations against the
// running stack (registrar API), reading .hanpyo/local.json by default.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { CeremonyRecord, Manifest } from '@hanpyo/contracts';
import { parseManifest } from '@hanpyo/contracts';
import { base64url, scalarToText, systemRandom } from '@hanpyo/crypto';
import { nativeSigningKey } from '@hanpyo/crypto-native';
import { call, readLocal, registrarKey } from './local.js';
import { synthCeremony } from './synth.js';

async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    throw Object.assign(new Error(`cannot read ${path}: ${(e as Error).message}`), {
      code: 'FILE_UNREADABLE',
    });
  }
}

function out(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `hanpyo election create --manifest FILE`: prints {"manifest","manifestHash"}. */
export async function electionCreate(manifestPath: string): Promise<number> {
  const local = await readLocal();
  const manifest = await readJsonFile(manifestPath);
  out(
    await call(`${local.registrar.url}/v1/elections`, {
      body: { manifest },
      token: registrarKey(local, 'operator'),
    }),
  );
  return 0;
}

/** `hanpyo election ceremony ID --record FILE`: the registrar verifies every proof and fixes K, Q. */
export async function electionCeremony(electionId: string, recordPath: string): Promise<number> {
  const local = await readLocal();
  const record = await readJsonFile(recordPath);
  out(
    await call(`${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}/ceremony`, {
      body: record,
      token: registrarKey(local, 'operator'),
    }),
  );
  return 0;
}

/** `hanpyo election open|close ID`. */
export async function electionTransition(
  electionId: string,
  to: 'open' | 'close',
): Promise<number> {
  const local = await readLocal();
  const answer = await call<{ closedEarly?: boolean; closes?: string; finalBlockAfter?: string }>(
    `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}/${to}`,
    { method: 'POST', body: {}, token: registrarKey(local, 'operator') },
  );
  out(answer);
  if (to === 'close' && answer.finalBlockAfter) {
    // For the operator (stderr, so stdout stays one JSON document).
    process.stderr.write(
      answer.closedEarly
        ? `closed before its end of voting (${answer.closes}): the edges refuse ballots now, and the ledger cuts the final block after ${answer.finalBlockAfter} (closes + the final grace)\n`
        : `closed: the ledger cuts the final block after ${answer.finalBlockAfter}\n`,
    );
  }
  return 0;
}

/**
 * `hanpyo ceremony local --election ID --out DIR`: runs a t-of-n ceremony on this machine for
 * local use, writing ceremony.json (public) and trustee-<i>.json (each trustee's secret share,
 * mode 0600, `{electionId, index, secretShare}`).
 */
export async function ceremonyLocal(electionId: string, dir: string): Promise<number> {
  const local = await readLocal();
  const { manifest } = await call<{ manifest: Manifest }>(
    `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}`,
  );
  const { record, secretShares } = synthCeremony(parseManifest(manifest), systemRandom);
  await writeCeremony(dir, electionId, record, secretShares);
  process.stdout.write(
    `wrote ${join(dir, 'ceremony.json')} and ${secretShares.size} trustee share files (${manifest.trustees.threshold} of ${manifest.trustees.count} decrypt)\n`,
  );
  return 0;
}

/** Writes a ceremony's public record and one share file per trustee. */
export async function writeCeremony(
  dir: string,
  electionId: string,
  record: CeremonyRecord,
  secretShares: ReadonlyMap<number, bigint>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ceremony.json'), `${JSON.stringify(record, null, 2)}\n`);
  for (const [index, share] of secretShares) {
    const file = join(dir, `trustee-${index}.json`);
    await writeFile(
      file,
      `${JSON.stringify({ electionId, index, secretShare: scalarToText(share) })}\n`,
      { mode: 0o600 },
    );
    await chmod(file, 0o600);
  }
}

/** One line of a tokens file (load tools outside the project read this format). */
export interface TokenLine {
  readonly voterId: string;
  readonly districtId: string;
  readonly token: string;
  /** base64url of the device's 32-byte Ed25519 seed (RFC 8032 secret key). */
  readonly deviceSecret: string;
}

/**
 * Tokens for `voters` (at most 1,000, entries of the election's committed roll) from the registrar
 * at `base` (…/v1/elections/ID), each bound to a new device key made here (SPEC §4 `cnf`): the
 * lines `hanpyo tokens` and `hanpyo loadgen prepare` write, in the voters' order.
 */
export async function mintTokens(
  base: string,
  issuerKey: string,
  voters: readonly { voterId: string; districtId: string }[],
): Promise<TokenLine[]> {
  const devices = voters.map(() => nativeSigningKey('device', randomBytes(32)));
  const { tokens } = await call<{ tokens: string[] }>(`${base}/tokens/bulk`, {
    body: {
      voters: voters.map((v, k) => ({
        voterId: v.voterId,
        districtId: v.districtId,
        voterKey: base64url(devices[k]!.publicKey),
      })),
    },
    token: issuerKey,
  });
  return voters.map((v, k) => ({
    voterId: v.voterId,
    districtId: v.districtId,
    token: tokens[k]!,
    deviceSecret: base64url(devices[k]!.seed),
  }));
}

/**
 * `hanpyo tokens --election ID --count N --out FILE`: mints tokens for the first N voters of the
 * election's committed roll, each bound to a device key made here (SPEC §4 `cnf`), and writes one
 * JSON line each `{voterId, districtId, token, deviceSecret}` — a file of secrets (mode 0600), for
 * demos and load tests.
 */
export async function tokensBulk(
  electionId: string,
  count: number,
  outPath: string,
): Promise<number> {
  const local = await readLocal();
  const base = `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}`;
  const token = registrarKey(local, 'issuer');
  const file = createWriteStream(outPath, { mode: 0o600 });
  let written = 0;
  let from: number | null = 0;
  while (from !== null && written < count) {
    const page: { voters: { voterId: string; districtId: string }[]; next: number | null } =
      await call(`${base}/roll/voters?from=${from}&limit=${Math.min(1000, count - written)}`, {
        token,
      });
    if (page.voters.length === 0) break;
    for (const line of await mintTokens(base, token, page.voters))
      file.write(`${JSON.stringify(line)}\n`);
    written += page.voters.length;
    from = page.next;
  }
  file.end();
  await once(file, 'finish');
  await chmod(outPath, 0o600);
  if (written < count) {
    process.stderr.write(
      `hanpyo tokens: the roll of ${electionId} has ${written} voters; minted ${written}, not ${count}\n`,
    );
  }
  process.stdout.write(`wrote ${written} tokens with device keys to ${outPath}\n`);
  return written === count ? 0 : 1;
}
