// `hanpyo election tally`, `hanpyo trustee decrypt`, `hanpyo election export`: the tally (SPEC §9)
// and the election record (SPEC §10) from the running stack (.hanpyo/local.json).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { CeremonyRecord, Manifest, SignedBlock } from '@hanpyo/contracts';
import { parseManifest } from '@hanpyo/contracts';
import {
  electionContext,
  partialDecrypt,
  pointFromText,
  pointToText,
  scalarFromText,
  scalarToText,
  systemRandom,
} from '@hanpyo/crypto';
import { ServiceCallError, call, readLocal, registrarKey } from './local.js';
import { RECORD_FILES } from './record-io.js';

interface TallyStatus {
  status: 'none' | 'aggregating' | 'aggregated' | 'complete';
  finalHeight: number | null;
  threshold: number;
  trustees: number[];
  trusteesUsed: number[];
  error?: string;
  errorCode?: string;
}

interface Aggregates {
  districts: {
    districtId: string;
    counted: number;
    contests: { contestId: string; options: { optionId: string; A: string; B: string }[] }[];
  }[];
}

const path = (id: string) => `/v1/elections/${encodeURIComponent(id)}`;

/**
 * `hanpyo election tally ID --reset --reason "…"`: resets the tally (tally credential) so it can be
 * started again with a new trustee set; the reason goes to the registrar's audit log.
 */
export async function electionTallyReset(electionId: string, reason: string): Promise<number> {
  const local = await readLocal();
  const r = await call<{ reset: boolean; previous: string }>(
    `${local.registrar.url}${path(electionId)}/tally/reset`,
    { body: { reason }, token: registrarKey(local, 'tally') },
  );
  process.stdout.write(
    r.reset
      ? `tally of ${electionId} reset (it was ${r.previous}); start it again with \`hanpyo election tally ${electionId}\`\n`
      : `tally of ${electionId}: nothing to reset (no tally started)\n`,
  );
  return 0;
}

/**
 * `hanpyo election tally ID`: starts the tally (tally credential) and waits until the aggregates
 * are published, then prints a summary (counted ballots per district).
 */
export async function electionTally(electionId: string, timeoutSeconds = 600): Promise<number> {
  const local = await readLocal();
  const base = `${local.registrar.url}${path(electionId)}`;
  let status = await call<TallyStatus>(`${base}/tally`, {
    method: 'POST',
    body: {},
    token: registrarKey(local, 'tally'),
  });
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (status.status === 'aggregating' || status.status === 'none') {
    if (status.error)
      throw Object.assign(new Error(status.error), { code: status.errorCode ?? 'TALLY_FAILED' });
    if (Date.now() > deadline)
      throw Object.assign(new Error(`still aggregating after ${timeoutSeconds} s`), {
        code: 'TALLY_TIMEOUT',
      });
    await new Promise((r) => setTimeout(r, 250));
    status = await call<TallyStatus>(`${base}/tally/status`);
  }
  const { districts } = await call<Aggregates>(`${base}/tally/aggregates`);
  const options = districts.reduce(
    (n, d) => n + d.contests.reduce((m, c) => m + c.options.length, 0),
    0,
  );
  process.stdout.write(
    `tally of ${electionId}: ${status.status} at final block ${status.finalHeight}; ` +
      `${districts.reduce((n, d) => n + d.counted, 0)} ballots counted in ${districts.length} districts, ` +
      `${options} aggregates; trustees in: ${status.trustees.length} of ${status.threshold} needed\n`,
  );
  for (const d of districts) process.stdout.write(`  ${d.districtId}: ${d.counted} counted\n`);
  return 0;
}

/**
 * `hanpyo trustee decrypt --election ID --share FILE`: this trustee's partial decryptions with
 * proofs (SPEC §9), computed here with fresh nonces; only D, c, z leave the machine.
 */
export async function trusteeDecrypt(electionId: string, shareFile: string): Promise<number> {
  const local = await readLocal();
  let file: { electionId?: unknown; index?: unknown; secretShare?: unknown };
  try {
    file = JSON.parse(await readFile(shareFile, 'utf8')) as typeof file;
  } catch (e) {
    throw Object.assign(new Error(`cannot read ${shareFile}: ${(e as Error).message}`), {
      code: 'FILE_UNREADABLE',
    });
  }
  if (file.electionId !== electionId || !Number.isSafeInteger(file.index)) {
    throw Object.assign(
      new Error(`${shareFile} is not a trustee share file of election '${electionId}'`),
      { code: 'SHARE_FILE_INVALID' },
    );
  }
  const index = file.index as number;
  let secret: bigint;
  try {
    secret = scalarFromText(String(file.secretShare));
  } catch (e) {
    // Never echo the secret: name the field only.
    throw Object.assign(
      new Error(
        `${shareFile}: secretShare is not a canonical scalar (${(e as { code?: string }).code})`,
      ),
      { code: 'SHARE_FILE_INVALID' },
    );
  }
  const base = `${local.registrar.url}${path(electionId)}`;
  const election = await call<{ manifest: Manifest; ceremony: CeremonyRecord | null }>(base);
  if (!election.ceremony)
    throw Object.assign(new Error('the election has no ceremony'), { code: 'ELECTION_STATE' });
  const { Q } = electionContext(
    parseManifest(election.manifest),
    pointFromText(election.ceremony.jointPublicKey),
  );
  const { districts } = await call<Aggregates>(`${base}/tally/aggregates`);
  const shares = districts.flatMap((d) =>
    d.contests.flatMap((c) =>
      c.options.map((o) => {
        // SPEC §9: D_i = s_i·A with a Chaum–Pedersen proof, nonce w fresh from the system RNG.
        const p = partialDecrypt(
          Q,
          index,
          secret,
          pointFromText(o.A, { allowIdentity: true }),
          systemRandom.scalar(),
        );
        return {
          districtId: d.districtId,
          contestId: c.contestId,
          optionId: o.optionId,
          D: pointToText(p.D),
          c: scalarToText(p.c),
          z: scalarToText(p.z),
        };
      }),
    ),
  );
  const r = await call<{ alreadySubmitted: boolean; status: string }>(`${base}/tally/shares`, {
    body: { trustee: index, shares },
    token: registrarKey(local, 'tally'),
  });
  process.stdout.write(
    `trustee ${index}: ${shares.length} partial decryptions ${r.alreadySubmitted ? 'were already accepted' : 'accepted'}; tally ${r.status}\n`,
  );
  return 0;
}

/**
 * `hanpyo election export ID --out DIR`: the SPEC §10 record from the running system. The board
 * comes from the registrar's paged board endpoint (Cassandra board_entries, placeholders skipped)
 * up to the latest block's cuts, partition by partition, streamed to ballots.ndjson.
 */
export async function electionExport(electionId: string, dir: string): Promise<number> {
  const local = await readLocal();
  const base = `${local.registrar.url}${path(electionId)}`;
  await mkdir(dir, { recursive: true });
  const election = await call<{ manifest: Manifest; ceremony: CeremonyRecord | null }>(base);
  if (!election.ceremony)
    throw Object.assign(new Error('the election has no ceremony'), { code: 'ELECTION_STATE' });
  await writeFile(
    join(dir, RECORD_FILES.manifest),
    `${JSON.stringify(election.manifest, null, 2)}\n`,
  );
  await writeFile(
    join(dir, RECORD_FILES.ceremony),
    `${JSON.stringify(election.ceremony, null, 2)}\n`,
  );
  const ledger = `${local.ledger.url}${path(electionId)}`;
  const latest = await call<SignedBlock>(`${ledger}/blocks/latest`);
  const blocks = createWriteStream(join(dir, RECORD_FILES.blocks));
  for (let h = 1; h <= latest.block.height; h++) {
    const b = h === latest.block.height ? latest : await call<SignedBlock>(`${ledger}/blocks/${h}`);
    if (!blocks.write(`${JSON.stringify(b)}\n`)) await once(blocks, 'drain');
  }
  blocks.end();
  await once(blocks, 'finish');
  const ballots = createWriteStream(join(dir, RECORD_FILES.ballots));
  let entries = 0;
  for (const cut of [...latest.block.cuts].sort((a, b) => a.partition - b.partition)) {
    let from: number | null = cut.toOffset > 0 ? 0 : null;
    while (from !== null) {
      const page: { entries: unknown[]; next: number | null } = await call(
        `${base}/board/${cut.partition}?from=${from}&to=${cut.toOffset}`,
      );
      for (const e of page.entries) {
        if (!ballots.write(`${JSON.stringify(e)}\n`)) await once(ballots, 'drain');
      }
      entries += page.entries.length;
      from = page.next;
    }
  }
  ballots.end();
  await once(ballots, 'finish');
  const tally = await call<unknown>(`${base}/tally`);
  await writeFile(join(dir, RECORD_FILES.tally), `${JSON.stringify(tally, null, 2)}\n`);
  const audited = await exportAuditLog(base, registrarKey(local, 'operator'), dir);
  process.stdout.write(
    `exported ${electionId} to ${dir}: ${entries} board entries, ${latest.block.height} blocks, tally` +
      `${audited === undefined ? '' : `; ${audited} audit log entries in ${AUDIT_LOG_FILE} (not part of the verified record)`}\n`,
  );
  return 0;
}

/** The registrar's audit log of the election, beside the record (not one of its SPEC §10 files). */
export const AUDIT_LOG_FILE = 'audit-log.ndjson';

/**
 * Writes the election's audit log, page by page, to audit-log.ndjson (operator credential). Without
 * an operator credential the record is still exported: the file is skipped with a warning, and
 * undefined is returned.
 */
async function exportAuditLog(base: string, key: string, dir: string): Promise<number | undefined> {
  type Page = { entries: unknown[]; next: string | null };
  let page: Page;
  try {
    page = await call<Page>(`${base}/audit?limit=1000`, { token: key });
  } catch (e) {
    if (
      e instanceof ServiceCallError &&
      (e.code === 'ADMIN_UNAUTHORIZED' || e.code === 'ROLE_FORBIDDEN')
    ) {
      process.stderr.write(
        `hanpyo election export: ${AUDIT_LOG_FILE} skipped (${e.code}: the operator credential is needed)\n`,
      );
      return undefined;
    }
    throw e;
  }
  const out = createWriteStream(join(dir, AUDIT_LOG_FILE));
  let written = 0;
  for (;;) {
    for (const entry of page.entries) {
      if (!out.write(`${JSON.stringify(entry)}\n`)) await once(out, 'drain');
    }
    written += page.entries.length;
    if (page.next === null) break;
    page = await call<Page>(`${base}/audit?limit=1000&after=${page.next}`, { token: key });
  }
  out.end();
  await once(out, 'finish');
  return written;
}
