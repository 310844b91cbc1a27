// `hanpyo cast`: casts ballots for voters with tokens through the edge's HTTP API, as voters' apps
// would — client mode (encrypted and proven here) or edge mode (plaintext selections over TLS in
// production) — with re-votes, bounded concurrency and progress. Receipts go to a JSON-lines file.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseManifest } from '@hanpyo/contracts';
import type { Manifest, Receipt } from '@hanpyo/contracts';
import {
  deterministicRandom,
  electionContext,
  encryptBallot,
  fromBase64url,
  pointFromText,
  randomBallotNonces,
  randomInt,
  systemRandom,
  verifyReceipt,
} from '@hanpyo/crypto';
import { initFastest } from './backend.js';
import { call, readLocal, ServiceCallError } from './local.js';
import { terminalProgress } from './progress.js';
import { randomSelections } from './synth.js';

export interface CastOptions {
  readonly electionId: string;
  readonly tokensPath: string;
  readonly receiptsPath: string;
  readonly mode: 'client' | 'edge' | 'mixed';
  /** Fraction of voters who vote a second time. */
  readonly revoteRate: number;
  readonly concurrency: number;
  readonly seed?: string;
}

interface Voter {
  voterId: string;
  districtId: string;
  token: string;
}

/** Casts and returns counts; every receipt's signature is checked against the manifest. */
export async function cast(
  options: CastOptions,
): Promise<{ accepted: number; rejected: Record<string, number>; seconds: number }> {
  await initFastest();
  const local = await readLocal();
  const id = encodeURIComponent(options.electionId);
  const { manifest: raw, jointPublicKey } = await call<{
    manifest: Manifest;
    jointPublicKey: string | null;
  }>(`${local.edge.url}/v1/elections/${id}`);
  if (!jointPublicKey)
    throw Object.assign(new Error(`election '${options.electionId}' has no ceremony yet`), {
      code: 'ELECTION_STATE',
    });
  const manifest = parseManifest(raw);
  const election = electionContext(manifest, pointFromText(jointPublicKey));
  const voters: Voter[] = [];
  for await (const line of createInterface({ input: createReadStream(options.tokensPath) }))
    if (line.trim()) voters.push(JSON.parse(line) as Voter);
  const rng = options.seed ? deterministicRandom(options.seed) : systemRandom;
  const jobs: Voter[] = [...voters];
  for (let i = 0; i < Math.floor(voters.length * options.revoteRate); i++)
    jobs.push(voters[randomInt(rng, voters.length)]!);
  const out = createWriteStream(options.receiptsPath);
  const progress = terminalProgress();
  const rejected: Record<string, number> = {};
  let accepted = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const k = next++;
      if (k >= jobs.length) return;
      const v = jobs[k]!;
      const choices = randomSelections(rng, election, v.districtId);
      const clientMode = options.mode === 'client' || (options.mode === 'mixed' && k % 2 === 0);
      let body: unknown;
      if (clientMode) {
        const claims = JSON.parse(
          Buffer.from(v.token.split('.')[1]!, 'base64url').toString('utf8'),
        ) as { sub: string };
        body = {
          ballot: encryptBallot(
            election,
            { districtId: v.districtId, nullifier: fromBase64url(claims.sub, 32) },
            choices,
            randomBallotNonces(systemRandom),
          ),
        };
      } else {
        body = { selections: choices };
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const { receipt } = await call<{ receipt: Receipt }>(
            `${local.edge.url}/v1/elections/${id}/ballots`,
            { body, token: v.token },
          );
          if (!verifyReceipt(receipt, manifest.edgeSigners))
            throw new ServiceCallError('RECEIPT_SIGNATURE', 'receipt signature does not verify', 0);
          out.write(
            `${JSON.stringify({ voterId: v.voterId, mode: clientMode ? 'client' : 'edge', receipt })}\n`,
          );
          accepted++;
          break;
        } catch (e) {
          const code = (e as { code?: string }).code ?? 'ERROR';
          // Shed load is retried after a pause, as a voter's app would; anything else is counted.
          if ((code === 'OVERLOADED' || code === 'UNAVAILABLE') && attempt < 20) {
            await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
            continue;
          }
          rejected[code] = (rejected[code] ?? 0) + 1;
          break;
        }
      }
      progress.update(
        'casting ballots',
        accepted + Object.values(rejected).reduce((a, b) => a + b, 0),
        jobs.length,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  progress.done();
  out.end();
  await once(out, 'finish');
  return { accepted, rejected, seconds: (performance.now() - started) / 1000 };
}

export async function runCast(options: CastOptions): Promise<number> {
  const r = await cast(options);
  process.stdout.write(
    `cast ${r.accepted} ballots in ${r.seconds.toFixed(1)} s (${(r.accepted / r.seconds).toFixed(0)}/s)` +
      `${Object.keys(r.rejected).length ? `; rejected ${JSON.stringify(r.rejected)}` : ''}; receipts in ${options.receiptsPath}\n`,
  );
  return Object.keys(r.rejected).length === 0 ? 0 : 1;
}
