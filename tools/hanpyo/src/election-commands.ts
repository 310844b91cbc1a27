// `hanpyo election …`, `hanpyo ceremony local`, `hanpyo tokens`: election operations against the
// running stack (registrar API), reading .hanpyo/local.json by default.
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { CeremonyRecord, Manifest } from '@hanpyo/contracts';
import { parseManifest } from '@hanpyo/contracts';
import { scalarToText, systemRandom } from '@hanpyo/crypto';
import { call, readLocal } from './local.js';
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
      token: local.registrar.adminToken,
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
      token: local.registrar.adminToken,
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
  out(
    await call(`${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}/${to}`, {
      method: 'POST',
      body: {},
      token: local.registrar.adminToken,
    }),
  );
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

/**
 * `hanpyo tokens --election ID --count N --out FILE`: mints tokens for synthetic voters
 * (`synthetic-1` … `synthetic-N`, spread over the districts in proportion to registered voters),
 * one JSON line each `{voterId, districtId, token}`. For load tests.
 */
export async function tokensBulk(
  electionId: string,
  count: number,
  outPath: string,
  prefix = 'synthetic',
): Promise<number> {
  const local = await readLocal();
  const { manifest } = await call<{ manifest: Manifest }>(
    `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}`,
  );
  const voters = syntheticVoters(manifest, count, prefix);
  const file = createWriteStream(outPath);
  for (let i = 0; i < voters.length; i += 1000) {
    const batch = voters.slice(i, i + 1000);
    const { tokens } = await call<{ tokens: string[] }>(
      `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}/tokens/bulk`,
      {
        body: { voters: batch },
        token: local.registrar.adminToken,
      },
    );
    batch.forEach((v, k) => file.write(`${JSON.stringify({ ...v, token: tokens[k] })}\n`));
  }
  file.end();
  await once(file, 'finish');
  process.stdout.write(`wrote ${voters.length} tokens to ${outPath}\n`);
  return 0;
}

/** N synthetic voters spread over the districts in proportion to their registered voters. */
export function syntheticVoters(
  manifest: Pick<Manifest, 'districts'>,
  count: number,
  prefix: string,
): { voterId: string; districtId: string }[] {
  const total = manifest.districts.reduce((s, d) => s + Math.max(1, d.registeredVoters), 0);
  const out: { voterId: string; districtId: string }[] = [];
  let acc = 0;
  let d = 0;
  for (let i = 0; i < count; i++) {
    // Walk the cumulative distribution so every district gets its share.
    const target = ((i + 0.5) / count) * total;
    while (
      d < manifest.districts.length - 1 &&
      acc + Math.max(1, manifest.districts[d]!.registeredVoters) < target
    ) {
      acc += Math.max(1, manifest.districts[d]!.registeredVoters);
      d++;
    }
    out.push({ voterId: `${prefix}-${i + 1}`, districtId: manifest.districts[d]!.districtId });
  }
  return out;
}
