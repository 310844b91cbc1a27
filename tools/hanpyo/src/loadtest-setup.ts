// What `hanpyo loadtest` runs against: a fresh election made for the run (registered, its key
// ceremony run here, a synthetic committed roll of the profile's voters, opened, and its votes
// prepared by `hanpyo loadgen prepare`'s own function), or an existing election and preparation,
// checked to belong together and to the profile. Both go through the registrar's API with the
// admin credential of local.json, as `hanpyo election …` does.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import { manifestHashHex, systemRandom } from '@hanpyo/crypto';
import { writeCeremony } from './election-commands.js';
import { loadgenPrepare } from './loadgen.js';
import { LOADGEN_FORMAT } from './loadgen-format.js';
import type { LoadgenMeta } from './loadgen-format.js';
import { LoadtestError } from './loadtest-profiles.js';
import type { Profile } from './loadtest-profiles.js';
import { call, ServiceCallError } from './local.js';
import type { LocalStack } from './local.js';
import { synthRoll } from './roll.js';
import { synthCeremony } from './synth.js';

/** An open election with its prepared votes, ready for the run. */
export interface Target {
  readonly electionId: string;
  readonly manifest: Manifest;
  readonly prepared: string;
  readonly meta: LoadgenMeta;
  /** Whether this run made the election (and so may close it). */
  readonly fresh: boolean;
}

/** Seconds of voting window kept past the run by default: its last casts and their retries. */
export const DEFAULT_MARGIN_SECONDS = 20;
/** Pessimistic preparation rates (voters/s) on a busy 2-core machine, to size the window. */
const PREPARE_RATE = { client: 100, mixed: 200, edge: 1000 } as const;
const DISTRICTS = 4;

/**
 * The manifest of a load test's election: one contest of 5 options, choose 1 (as loadgen's
 * measurements), four districts with room for the voters, blocks every 3 s, 2 of 3 trustees.
 * `closes` ends the window: the final block follows it (and the ledger's grace), not the close.
 */
export function loadtestManifest(
  electionId: string,
  voters: number,
  opens: Date,
  closes: Date,
): Record<string, unknown> {
  return {
    spec: 'hanpyo/1',
    electionId,
    title: `load test ${electionId}`,
    opens: opens.toISOString(),
    closes: closes.toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client', 'edge'],
    commitmentIntervalSeconds: 3,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: ['kim', 'lee', 'park', 'choi', 'jung'].map((o) => ({ optionId: o, title: o })),
        minSelections: 1,
        maxSelections: 1,
      },
    ],
    ballotStyles: [{ ballotStyleId: 'mayor', contestIds: ['mayor'] }],
    districts: Array.from({ length: DISTRICTS }, (_, i) => ({
      districtId: `d-${i}`,
      name: `district ${i}`,
      ballotStyleId: 'mayor',
      registeredVoters: Math.ceil((voters * 1.2) / DISTRICTS),
    })),
    trustees: { count: 3, threshold: 2 },
  };
}

/** The election's name for a run of `profile` started at `now`: loadtest-<profile>-<UTC time>. */
export function loadtestElectionId(profile: string, now: Date): string {
  return `loadtest-${profile}-${now.toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
}

/** The seconds of window a fresh election gets: setup (estimated), the run, the margin. */
export function windowSeconds(profile: Profile, durationSeconds: number, margin: number): number {
  return 20 + Math.ceil(profile.voters / PREPARE_RATE[profile.mode]) + durationSeconds + margin;
}

/**
 * Makes and opens a fresh election for the profile (a roll of its voters), and prepares the votes
 * of its first `arrivals` voters in `dir`.
 */
export async function freshTarget(
  local: LocalStack,
  profile: Profile,
  electionId: string,
  dir: string,
  window: number,
  arrivals: number,
  log: (line: string) => void,
): Promise<Target> {
  const admin = local.registrar.adminToken;
  const base = `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}`;
  const now = Date.now();
  const closes = new Date(now + window * 1000);
  log(`election ${electionId}: voting window until ${closes.toISOString()} (${window} s)`);
  const created = await call<{ manifest: Manifest }>(`${local.registrar.url}/v1/elections`, {
    body: {
      manifest: loadtestManifest(electionId, profile.voters, new Date(now - 60_000), closes),
    },
    token: admin,
  });
  const manifest = parseManifest(created.manifest);
  const { record, secretShares } = synthCeremony(manifest, systemRandom);
  await writeCeremony(join(dir, 'ceremony'), electionId, record, secretShares);
  await call(`${base}/ceremony`, { body: record, token: admin });
  log(`key ceremony: 2 of 3 trustees (shares in ${join(dir, 'ceremony')})`);
  if ((await synthRoll(electionId, profile.voters)) !== 0)
    throw new LoadtestError('LOADTEST_ELECTION_STATE', `the synthetic roll was refused`);
  await call(`${base}/open`, { method: 'POST', body: {}, token: admin });
  const prepared = join(dir, 'prepared');
  const meta = await loadgenPrepare(
    {
      electionId,
      voters: arrivals,
      mode: profile.mode,
      out: prepared,
      shardSize: 100_000,
      threads: availableParallelism(),
    },
    log,
  );
  const view = await call<{ manifest: Manifest }>(base);
  return { electionId, manifest: parseManifest(view.manifest), prepared, meta, fresh: true };
}

/**
 * An existing election and a directory `hanpyo loadgen prepare` made for it, checked: the election
 * is open, the preparation is complete, of this election's manifest, of the profile's mode, with
 * at least the profile's arrivals (else LOADTEST_PREPARATION_MISMATCH or LOADTEST_ELECTION_STATE).
 */
export async function existingTarget(
  local: LocalStack,
  profile: Profile,
  electionId: string,
  prepared: string,
  arrivals: number,
): Promise<Target> {
  const base = `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}`;
  let view: { manifest: Manifest; state: string };
  try {
    view = await call(base);
  } catch (e) {
    if (e instanceof ServiceCallError && e.status === 404)
      throw new LoadtestError('LOADTEST_ELECTION_STATE', `no election '${electionId}'`);
    throw e;
  }
  if (view.state !== 'open')
    throw new LoadtestError(
      'LOADTEST_ELECTION_STATE',
      `election '${electionId}' is ${view.state}; a load test casts into an open election`,
    );
  const manifest = parseManifest(view.manifest);
  const mismatch = (why: string) =>
    new LoadtestError('LOADTEST_PREPARATION_MISMATCH', `${prepared}: ${why}`);
  let meta: LoadgenMeta;
  try {
    meta = JSON.parse(await readFile(join(prepared, 'meta.json'), 'utf8')) as LoadgenMeta;
  } catch {
    throw mismatch('no readable meta.json: not a directory `hanpyo loadgen prepare` wrote');
  }
  if ((meta.format as string) !== LOADGEN_FORMAT)
    throw mismatch(`meta.json is not ${LOADGEN_FORMAT as string}`);
  if (meta.electionId !== electionId)
    throw mismatch(`prepared for election '${meta.electionId}', not '${electionId}'`);
  if (meta.manifestHash !== manifestHashHex(manifest))
    throw mismatch(`prepared for another manifest of '${electionId}'`);
  if (!meta.complete)
    throw mismatch('the preparation is not complete: run `hanpyo loadgen prepare` again');
  if (meta.mode !== profile.mode)
    throw mismatch(
      `prepared in ${meta.mode} mode; profile ${profile.profile} casts ${profile.mode}`,
    );
  if (meta.voters < arrivals)
    throw mismatch(`${meta.voters} voters prepared; profile ${profile.profile} needs ${arrivals}`);
  return { electionId, manifest, prepared, meta, fresh: false };
}
