// The stack the fuzzer runs against, set up as an operator and voters would: the services on free
// ports with topics and keyspace of their own; an open election with real voters, real signed
// casts already on the board and a block cosigned by the observer; a second election, registered
// and not open, for admin calls; and a third, small one run to the end (close, final block, tally,
// three trustees, export) whose record `hanpyo verify` is fuzzed with. Also what the invariants
// read: each service's pid and resident memory, and the end offsets of every topic.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseManifest } from '@hanpyo/contracts';
import type { SignedBlock } from '@hanpyo/contracts';
import {
  electionContext,
  encryptBallot,
  fromBase64url,
  pointFromText,
  randomBallotNonces,
  signCast,
  signingKeyFromSeed,
  systemRandom,
  trackingCode,
} from '@hanpyo/crypto';
import { createKafka, kafkaConfigFromEnv } from '@hanpyo/kafka';
import { uniqueName } from './env.js';
import type { FuzzFixtures, ServiceName } from './fuzz-endpoints.js';
import { setUpElection } from './election.js';
import { contest } from './manifest.js';
import { startLocalStack } from './stack.js';
import type { LocalStack } from './stack.js';
import { until } from './wait.js';

export const SERVICES: readonly ServiceName[] = [
  'registrar',
  'persister',
  'ledger',
  'edge',
  'observer',
];

interface TokenLine {
  voterId: string;
  districtId: string;
  token: string;
  deviceSecret: string;
}

/** local.json as the stack writes it: one admin token, or role credentials (strings, lists, objects). */
interface LocalJson {
  registrar: { url: string; adminToken?: string; credentials?: Record<string, unknown> };
  edge: { url: string };
  ledger: { url: string };
  persister?: { url: string };
  observer?: { url: string };
}

/** The bearer value for a role, in whichever form local.json gives it. */
export function credentialFor(local: LocalJson, role: string): string {
  const pick = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return pick(v[0]);
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      return pick(o.token ?? o.key ?? o.secret ?? o.bearer ?? o.value);
    }
    return undefined;
  };
  const found = pick(local.registrar.credentials?.[role]) ?? local.registrar.adminToken;
  if (found === undefined) throw new Error(`local.json has no credential for ${role}`);
  return found;
}

function manifestOf(electionId: string, closes: number, voters: number) {
  return {
    spec: 'hanpyo/1',
    electionId,
    title: `fuzz ${electionId}`,
    opens: new Date(Date.now() - 60_000).toISOString(),
    closes: new Date(closes).toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client', 'edge'],
    commitmentIntervalSeconds: 1,
    contests: [
      contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1),
      contest('council', 'Council', ['x', 'y', 'z'], 0, 2),
    ],
    ballotStyles: [{ ballotStyleId: 'full', contestIds: ['mayor', 'council'] }],
    districts: [
      { districtId: 'd1', name: 'd1', ballotStyleId: 'full', registeredVoters: voters },
      { districtId: 'd2', name: 'd2', ballotStyleId: 'full', registeredVoters: voters },
    ],
    trustees: { count: 5, threshold: 3 },
  };
}

export interface FuzzStack {
  readonly local: LocalStack;
  readonly fixtures: FuzzFixtures;
  readonly pids: Readonly<Record<ServiceName, number>>;
  /** Topics of the election the record is made from: excluded from the offsets invariant. */
  readonly recordElectionId: string;
  /** Resolves to the exported record's directory (made while the HTTP fuzzing runs). */
  readonly record: Promise<string>;
  stop(): Promise<void>;
}

/** Starts the stack and prepares the elections; `openMinutes` is how long the main one stays open. */
export async function startFuzzStack(options: {
  openMinutes: number;
  log?: (m: string) => void;
}): Promise<FuzzStack> {
  const log = options.log ?? (() => undefined);
  const main = uniqueName('fzm-');
  const adm = uniqueName('fza-adm-');
  const rec = uniqueName('fzr-');
  const local = await startLocalStack({
    stateDirPrefix: 'hanpyo-fuzz-',
    namePrefix: 'fz',
    maxBuffer: 1 << 26,
    env: {
      HANPYO_OBSERVER_ELECTIONS: `${main},${rec}`,
      HANPYO_OBSERVER_TICK_MS: '300',
      HANPYO_REGISTRAR_PREJUDGE_INTERVAL_MS: '300',
    },
  });
  try {
    const json = JSON.parse(await readFile(join(local.state, 'local.json'), 'utf8')) as LocalJson;
    const pids = Object.fromEntries(
      await Promise.all(
        SERVICES.map(
          async (s) =>
            [s, Number(await readFile(join(local.state, 'run', `${s}.pid`), 'utf8'))] as const,
        ),
      ),
    ) as Record<ServiceName, number>;
    const urls: Record<ServiceName, string> = {
      registrar: json.registrar.url,
      edge: json.edge.url,
      ledger: json.ledger.url,
      observer: json.observer?.url ?? `http://127.0.0.1:${local.env.HANPYO_OBSERVER_PORT}`,
      persister: json.persister?.url ?? `http://127.0.0.1:${local.env.HANPYO_PERSISTER_PORT}`,
    };
    // The record's election first: it must close soon, and runs to its end meanwhile. Its
    // set-up, tokens and casts take from 15 s to over a minute on a loaded 2-core machine.
    const recordCloses = Date.now() + 120_000;
    await setUpElection(local, manifestOf(rec, recordCloses, 20), { roll: 8, open: true });
    const record = makeRecord(local, rec, recordCloses, urls, log);
    record.catch(() => undefined);

    log(`fuzz: setting up ${main} (open ${options.openMinutes} min) and ${adm}`);
    const mainManifest = manifestOf(main, Date.now() + options.openMinutes * 60_000, 50);
    await setUpElection(local, mainManifest, { roll: 30, open: true });
    const adminManifest = manifestOf(adm, Date.now() + 3_600_000, 50);
    await setUpElection(local, adminManifest);
    const adminCeremony = JSON.parse(
      await readFile(join(local.state, `${adm}.ceremony`, 'ceremony.json'), 'utf8'),
    ) as unknown;

    const tokensFile = join(local.state, `${main}.tokens`);
    await local.cli('tokens', '--election', main, '--count', '12', '--out', tokensFile);
    const tokens = (await readFile(tokensFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TokenLine);
    const view = (await (await fetch(`${urls.edge}/v1/elections/${main}`)).json()) as {
      manifest: unknown;
      jointPublicKey: string;
    };
    const context = electionContext(
      parseManifest(view.manifest),
      pointFromText(view.jointPublicKey),
    );
    const casts = tokens.slice(0, 10).map((t) => {
      const sub = (
        JSON.parse(Buffer.from(t.token.split('.')[1]!, 'base64url').toString('utf8')) as {
          sub: string;
        }
      ).sub;
      const ballot = encryptBallot(
        context,
        { districtId: t.districtId, nullifier: fromBase64url(sub, 32) },
        { mayor: ['b'], council: ['x'] },
        randomBallotNonces(systemRandom),
      );
      const device = signingKeyFromSeed('device', fromBase64url(t.deviceSecret, 32));
      return {
        token: t.token,
        body: { ballot, castSignature: signCast(device, main, trackingCode(ballot)) },
      };
    });
    // Every valid cast goes on the board once before the fuzzing: its receipt is the one the ledger
    // endpoints are asked about, and the fuzzer's own accepted casts are then re-votes.
    let receipt: { trackingCode: string; districtId: string } | undefined;
    for (const c of casts) {
      const r = await fetch(`${urls.edge}/v1/elections/${main}/ballots`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
        body: JSON.stringify(c.body),
      });
      if (r.status !== 201) throw new Error(`a valid cast got ${r.status}: ${await r.text()}`);
      receipt ??= ((await r.json()) as { receipt: { trackingCode: string; districtId: string } })
        .receipt;
    }
    let block: SignedBlock | undefined;
    await until(
      'a block of the fuzz election cosigned by the observer',
      async () => {
        const r = await fetch(`${urls.ledger}/v1/elections/${main}/blocks/latest`);
        if (!r.ok) return false;
        block = (await r.json()) as SignedBlock;
        return block.signatures.signatures.some((s) => s.keyId === 'observer-1');
      },
      90_000,
    );
    const witness = block!.signatures.signatures.find((s) => s.keyId === 'observer-1')!;
    const fixtures: FuzzFixtures = {
      urls,
      electionId: main,
      adminElectionId: adm,
      adminManifest,
      adminCeremony,
      credentials: {
        operator: credentialFor(json, 'operator'),
        issuer: credentialFor(json, 'issuer'),
        tally: credentialFor(json, 'tally'),
        observer: credentialFor(json, 'observer'),
      },
      casts,
      encrypt: { token: tokens[10]!.token, body: { selections: { mayor: ['a'], council: [] } } },
      districtId: receipt!.districtId,
      trackingCode: receipt!.trackingCode,
      height: block!.block.height,
      witnessSignature: { keyId: witness.keyId, signature: witness.signature },
      shares: {
        trustee: 1,
        shares: [
          {
            districtId: 'd1',
            contestId: 'mayor',
            optionId: 'a',
            D: view.jointPublicKey,
            c: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
            z: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          },
        ],
      },
    };
    return {
      local,
      fixtures,
      pids,
      recordElectionId: rec,
      record,
      stop: async () => {
        await record.catch(() => undefined);
        await local.stop();
      },
    };
  } catch (e) {
    await local.stop();
    throw e;
  }
}

/** Runs the record's election to its end and exports it; resolves to the record's directory. */
async function makeRecord(
  local: LocalStack,
  id: string,
  closes: number,
  urls: Record<ServiceName, string>,
  log: (m: string) => void,
): Promise<string> {
  const dir = (f: string) => join(local.state, `${id}.${f}`);
  await local.cli('tokens', '--election', id, '--count', '8', '--out', dir('tokens'));
  await local.cli(
    'cast',
    '--election',
    id,
    '--tokens',
    dir('tokens'),
    '--receipts',
    dir('receipts'),
    '--mode',
    'mixed',
    '--revote',
    '0.25',
  );
  await sleep(Math.max(0, closes - Date.now() + 1500));
  await local.cli('election', 'close', id);
  await until(
    `the final block of ${id}`,
    async () => {
      const r = await fetch(`${urls.ledger}/v1/elections/${id}/blocks/latest`);
      if (!r.ok) return false;
      const b = (await r.json()) as SignedBlock;
      return b.block.final && b.signatures.signatures.some((s) => s.keyId === 'observer-1');
    },
    120_000,
  );
  await local.cli('election', 'tally', id);
  for (const i of [1, 2, 3])
    await local.cli(
      'trustee',
      'decrypt',
      '--election',
      id,
      '--share',
      join(local.state, `${id}.ceremony`, `trustee-${i}.json`),
    );
  const out = dir('record');
  await local.cli('election', 'export', id, '--out', out);
  await local.cli('verify', out);
  log(`fuzz: record of ${id} exported and VALID (${(await readdir(out)).join(', ')})`);
  return out;
}

/** Resident set size of a process, bytes (0 when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** End offsets (sum over partitions) of every topic of this stack's prefix. */
export async function endOffsets(env: NodeJS.ProcessEnv): Promise<Record<string, number>> {
  const config = kafkaConfigFromEnv(env);
  const admin = createKafka(config).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics())
      .filter((t) => t.startsWith(config.topicPrefix))
      .sort();
    const out: Record<string, number> = {};
    for (const t of topics)
      out[t.slice(config.topicPrefix.length)] = (await admin.fetchTopicOffsets(t)).reduce(
        (n, p) => n + Number(p.high),
        0,
      );
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Writes a JSON report. */
export async function writeReport(path: string, report: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
