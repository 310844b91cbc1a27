// The load profiles (loadtest/profiles/*.json) as the local runner reads them: through
// loadtest/lib/profile.js, the one module the k6 scripts load too, so both tools run the same
// scenario and judge it by the same thresholds. This file only types that module and finds files.
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadgenMode } from './loadgen-format.js';

/** One stage of a ramping-arrival-rate scenario: ramp linearly to `target` over `duration`. */
export interface Stage {
  readonly duration: string;
  readonly target: number;
}

/** k6's ramping-arrival-rate scenario (an open model). */
export interface Scenario {
  readonly executor: 'ramping-arrival-rate';
  readonly startRate: number;
  readonly timeUnit: '1s' | '1m';
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly stages: readonly Stage[];
}

/** The limits a run must stay under (each strictly, as k6's `<`). */
export interface Thresholds {
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly errorRate: number;
  readonly rate503: number;
}

/** A resolved profile (a derived one with its scenario computed). */
export interface Profile {
  readonly profile: string;
  readonly description: string;
  readonly target: 'cluster' | 'local' | 'any';
  readonly mode: LoadgenMode;
  readonly scaleOf?: string;
  readonly scenario: Scenario;
  readonly thresholds: Thresholds;
  readonly voters: number;
}

/** What the measured figures make of one threshold. */
export interface Verdict {
  readonly threshold: string;
  readonly limit: number;
  readonly value: number | null;
  readonly ok: boolean;
}

/** The figures the thresholds are judged on (null: nothing was measured). */
export interface Measured {
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly errorRate: number | null;
  readonly rate503: number | null;
  /** Arrivals dropped at the in-flight cap. */
  readonly dropped?: number | null;
}

/** What loadtest/lib/profile.js exports (plain ECMAScript, shared with k6). */
export interface ProfileLib {
  readonly METRICS: {
    readonly latency: string;
    readonly errors: string;
    readonly unavailable: string;
    readonly dropped: string;
  };
  readonly RETRIES_ON_503: number;
  resolveProfile(json: unknown, loadBase: (name: string) => unknown): Profile;
  arrivals(scenario: Scenario, t?: number): number;
  rateAt(scenario: Scenario, t: number): number;
  durationOf(scenario: Scenario): number;
  droppedLimit(profile: Profile): number;
  verdicts(thresholds: Thresholds, measured: Measured, maxDropped?: number): Verdict[];
}

/** A profile or option the runner cannot use, with a stable code (docs/errors.md). */
export class LoadtestError extends Error {
  override readonly name = 'LoadtestError';
  constructor(
    readonly code:
      | 'LOADTEST_ARGUMENT'
      | 'LOADTEST_PROFILE_UNKNOWN'
      | 'LOADTEST_PROFILE_INVALID'
      | 'LOADTEST_PROFILE_CLUSTER'
      | 'LOADTEST_STACK_DOWN'
      | 'LOADTEST_ELECTION_STATE'
      | 'LOADTEST_PREPARATION_MISMATCH'
      | 'LOADTEST_WINDOW'
      | 'LOADTEST_FINAL_BLOCK_TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

// tools/hanpyo/dist/ → the repository's root.
const ROOT = new URL('../../../', import.meta.url);

/** The directory of the named profiles. */
export const PROFILES_DIR = fileURLToPath(new URL('loadtest/profiles/', ROOT));

let lib: Promise<ProfileLib> | undefined;

/** loadtest/lib/profile.js, loaded once. */
export function profileLib(): Promise<ProfileLib> {
  lib ??= import(new URL('loadtest/lib/profile.js', ROOT).href) as Promise<ProfileLib>;
  return lib;
}

const NAME = /^[a-z][a-z0-9-]{0,40}$/;

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT')
      throw new LoadtestError('LOADTEST_PROFILE_UNKNOWN', `no profile ${what} (${path})`);
    throw e;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LoadtestError('LOADTEST_PROFILE_INVALID', `${path} is not JSON`);
  }
}

/** The names of the profiles in `dir`. */
export async function profileNames(dir = PROFILES_DIR): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * The profile `nameOrPath` (a name of loadtest/profiles/, or a path to a profile file ending in
 * .json, whose `scaleOf` names a profile of loadtest/profiles/), resolved by profile.js.
 */
export async function loadProfile(nameOrPath: string, dir = PROFILES_DIR): Promise<Profile> {
  const lib = await profileLib();
  const isPath = nameOrPath.endsWith('.json');
  if (!isPath && !NAME.test(nameOrPath))
    throw new LoadtestError(
      'LOADTEST_PROFILE_UNKNOWN',
      `'${nameOrPath}' is not a profile name; profiles: ${(await profileNames(dir)).join(', ')}`,
    );
  if (!isPath) {
    const names = await profileNames(dir);
    if (!names.includes(nameOrPath))
      throw new LoadtestError(
        'LOADTEST_PROFILE_UNKNOWN',
        `no profile '${nameOrPath}' in ${dir}; profiles: ${names.join(', ')}`,
      );
  }
  const json = readJson(isPath ? nameOrPath : join(dir, `${nameOrPath}.json`), nameOrPath);
  const loadBase = (name: string) =>
    NAME.test(name)
      ? readJson(join(dir, `${name}.json`), `'${name}' (named by scaleOf)`)
      : undefined;
  try {
    return lib.resolveProfile(json, loadBase);
  } catch (e) {
    if ((e as { code?: string }).code === 'LOADTEST_PROFILE_INVALID')
      throw new LoadtestError('LOADTEST_PROFILE_INVALID', (e as Error).message);
    throw e;
  }
}
