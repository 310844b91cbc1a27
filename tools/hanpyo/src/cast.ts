// `hanpyo cast`: casts ballots for voters with tokens through the edge's HTTP API, as voters' apps
// would (SPEC §5 revision 2): the ballot is encrypted here (client mode) or by the edge
// (edge mode, step 1: POST …/ballots/encrypt, plaintext selections over TLS in production), then the
// device key signs H("hanpyo/1/cast", electionId, trackingCode) and the signed ballot is cast. Every
// receipt is checked: its edge signature under the manifest, and that it names this ballot. With
// re-votes, bounded concurrency and progress; receipts go to a JSON-lines file.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseEncryptedBallot, parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot, Manifest, PlaintextSelections, Receipt } from '@hanpyo/contracts';
import {
  deterministicRandom,
  electionContext,
  encryptBallot,
  fromBase64url,
  pointFromText,
  randomBallotNonces,
  randomInt,
  base64url,
  castDigest,
  signingKeyFromSeed,
  systemRandom,
  trackingCode,
  verifyReceipt,
} from '@hanpyo/crypto';
import type { ElectionContext, SigningKey } from '@hanpyo/crypto';
import { nativeSigner } from '@hanpyo/crypto-native';
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
  /**
   * Also write what each voter chose, a JSON line per receipted cast `{voterId, trackingCode,
   * partition, offset, selections}` — a test aid to check decrypted counts against what was cast;
   * it links voters to choices, so nothing of a real election ever writes one.
   */
  readonly choicesPath?: string;
}

interface Voter {
  voterId: string;
  districtId: string;
  token: string;
  deviceSecret: string;
}

/** One line of a tokens file (`hanpyo tokens`), or a FILE_INVALID error naming the line. */
function tokenLine(text: string, path: string, line: number): Voter {
  let v: Partial<Record<keyof Voter, unknown>> | null;
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    v = null; // not JSON: reported as not a tokens line, below
  }
  const field = (k: keyof Voter) => typeof v?.[k] === 'string' && v[k].length > 0;
  if (!field('voterId') || !field('districtId') || !field('token') || !field('deviceSecret')) {
    throw Object.assign(
      new Error(
        `${path}:${line}: a tokens file line is {"voterId","districtId","token","deviceSecret"} (hanpyo tokens writes them)`,
      ),
      { code: 'FILE_INVALID' },
    );
  }
  return v as unknown as Voter;
}

/** Why a receipt is not worth keeping, or undefined when it is. */
export function receiptProblem(
  receipt: Receipt,
  manifest: Pick<Manifest, 'electionId' | 'edgeSigners'>,
  expected?: { trackingCode: string; districtId: string },
): string | undefined {
  if (!verifyReceipt(receipt, manifest.edgeSigners))
    return 'its signature does not verify under an edge signer of the manifest';
  if (receipt.electionId !== manifest.electionId) return 'it is for another election';
  if (expected && receipt.trackingCode !== expected.trackingCode)
    return "it names another ballot's tracking code";
  if (expected && receipt.districtId !== expected.districtId) return 'it names another district';
  return undefined;
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
  let lineNumber = 0;
  for await (const line of createInterface({ input: createReadStream(options.tokensPath) })) {
    lineNumber++;
    if (line.trim()) voters.push(tokenLine(line, options.tokensPath, lineNumber));
  }
  // Each voter's device signs through node:crypto (RFC 8032 signatures are deterministic: the
  // same bytes as signCast's reference signer), keyed by voter.
  const devices = new Map<string, (message: Uint8Array) => Uint8Array>();
  const deviceOf = (v: Voter) => {
    let d = devices.get(v.voterId);
    if (!d) {
      const key: SigningKey = signingKeyFromSeed('device', fromBase64url(v.deviceSecret, 32));
      devices.set(v.voterId, (d = nativeSigner(key)));
    }
    return d;
  };
  const rng = options.seed ? deterministicRandom(options.seed) : systemRandom;
  const jobs: Voter[] = [...voters];
  for (let i = 0; i < Math.floor(voters.length * options.revoteRate); i++)
    jobs.push(voters[randomInt(rng, voters.length)]!);
  const out = createWriteStream(options.receiptsPath);
  const choicesOut = options.choicesPath ? createWriteStream(options.choicesPath) : undefined;
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
      try {
        let ballot: EncryptedBallot;
        let code: string;
        let castSignature: string;
        if (clientMode) {
          ({
            ballot,
            trackingCode: code,
            castSignature,
          } = signedClientCast(election, v, choices, deviceOf(v)));
        } else {
          ballot = await retrying(() => encryptAtEdge(v, choices));
          // SPEC §5: the device signs the cast of exactly this ballot.
          code = trackingCode(ballot);
          castSignature = base64url(deviceOf(v)(castDigest(manifest.electionId, code)));
        }
        const { receipt } = await retrying(() =>
          call<{ receipt: Receipt }>(`${local.edge.url}/v1/elections/${id}/ballots`, {
            body: { ballot, castSignature },
            token: v.token,
          }),
        );
        const problem = receiptProblem(receipt, manifest, {
          trackingCode: code,
          districtId: v.districtId,
        });
        if (problem)
          throw new ServiceCallError('RECEIPT_INVALID', `receipt refused: ${problem}`, 0);
        out.write(
          `${JSON.stringify({ voterId: v.voterId, mode: clientMode ? 'client' : 'edge', receipt })}\n`,
        );
        choicesOut?.write(
          `${JSON.stringify({ voterId: v.voterId, trackingCode: code, partition: receipt.partition, offset: receipt.offset, selections: choices })}\n`,
        );
        accepted++;
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'ERROR';
        rejected[code] = (rejected[code] ?? 0) + 1;
      }
      progress.update(
        'casting ballots',
        accepted + Object.values(rejected).reduce((a, b) => a + b, 0),
        jobs.length,
      );
    }
  };
  /** Edge mode, step 1: the edge encrypts the selections for the token's voter, writing nothing. */
  const encryptAtEdge = async (v: Voter, choices: Record<string, string[]>) => {
    const { ballot } = await call<{ ballot: unknown }>(
      `${local.edge.url}/v1/elections/${id}/ballots/encrypt`,
      { body: { selections: choices }, token: v.token },
    );
    const parsed: EncryptedBallot = parseEncryptedBallot(ballot);
    // What a device checks before signing: the ballot is its own (voter, district, election).
    if (
      parsed.nullifier !== tokenClaims(v.token).sub ||
      parsed.districtId !== v.districtId ||
      parsed.electionId !== manifest.electionId
    )
      throw new ServiceCallError(
        'BALLOT_NOT_MINE',
        'the edge encrypted a ballot for someone else',
        0,
      );
    return parsed;
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  progress.done();
  out.end();
  await once(out, 'finish');
  if (choicesOut) {
    choicesOut.end();
    await once(choicesOut, 'finish');
  }
  return { accepted, rejected, seconds: (performance.now() - started) / 1000 };
}

/**
 * A client-mode cast as a voter's app makes it (SPEC §5): the selections encrypted and proved for
 * the token's voter with fresh nonces, and the device's signature of the cast of exactly this
 * ballot. `hanpyo cast` and `hanpyo loadgen prepare` make every client-mode cast with it.
 */
export function signedClientCast(
  election: ElectionContext,
  voter: { readonly districtId: string; readonly token: string },
  selections: PlaintextSelections,
  sign: (message: Uint8Array) => Uint8Array,
): { ballot: EncryptedBallot; trackingCode: string; castSignature: string } {
  const ballot = encryptBallot(
    election,
    { districtId: voter.districtId, nullifier: nullifierOf(voter.token) },
    selections,
    randomBallotNonces(systemRandom),
  );
  const code = trackingCode(ballot);
  return {
    ballot,
    trackingCode: code,
    castSignature: base64url(sign(castDigest(election.manifest.electionId, code))),
  };
}

/** The claims of a token (read, not verified: the device got it from the registrar). */
function tokenClaims(token: string): { sub: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    sub: string;
  };
}

function nullifierOf(token: string): Uint8Array {
  return fromBase64url(tokenClaims(token).sub, 32);
}

/** Shed load (503) is retried after a growing pause, as a voter's app would; anything else is final. */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if ((code === 'OVERLOADED' || code === 'UNAVAILABLE') && n < 20) {
        await new Promise((r) => setTimeout(r, 100 * (n + 1)));
        continue;
      }
      throw e;
    }
  }
}

export async function runCast(options: CastOptions): Promise<number> {
  const r = await cast(options);
  process.stdout.write(
    `cast ${r.accepted} ballots in ${r.seconds.toFixed(1)} s (${(r.accepted / r.seconds).toFixed(0)}/s)` +
      `${Object.keys(r.rejected).length ? `; rejected ${JSON.stringify(r.rejected)}` : ''}; receipts in ${options.receiptsPath}\n`,
  );
  return Object.keys(r.rejected).length === 0 ? 0 : 1;
}
