// @ts-check
// What the k6 scripts decide, as plain functions with no k6 import: the settings read from the
// environment, which shards of a prepared load (loadtest/FORMAT.md) an instance takes, the cast
// lines of a shard, the wait a 503 asks for, what a cast's answer means, and how many voters an
// instance needs. k6 (Sobek) and Node both load this file as it is, so
// scripts/k6-scripts.test.mjs tests it without k6; cast.js does the I/O around it.

import { arrivals } from '../../lib/profile.js';

/** @typedef {import('../../lib/profile.js').Profile} Profile */

/** The environment variables the k6 scripts read, declared once (loadtest/k6/README.md). */
export const ENV = Object.freeze({
  /** Absolute path of a `hanpyo loadgen prepare --mode client` directory. */
  loadDir: 'HANPYO_LOAD_DIR',
  /** The shards this k6 instance sends: "0,1", "3-5", "0-4,7"; all listed shards if unset. */
  shards: 'HANPYO_SHARDS',
  /** The edge's base URL, e.g. https://vote.example.org (no path). */
  baseUrl: 'HANPYO_BASE_URL',
  /** The election; optional, but when set it must be the prepared load's. */
  election: 'HANPYO_ELECTION',
});

/** The format of `meta.json` this reader knows. */
export const LOADGEN_FORMAT = 'hanpyo-loadgen/1';

/** A setting or a prepared load the k6 scripts cannot use, with a stable code. */
export class LoadError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'LoadError';
    /** @type {'LOADTEST_LOAD_INVALID'} */
    this.code = 'LOADTEST_LOAD_INVALID';
  }
}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  throw new LoadError(message);
}

/** @type {(v: unknown) => v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** @type {(v: unknown) => v is number} */
const isCount = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/** @type {(v: unknown) => v is string} */
const isText = (v) => typeof v === 'string' && v !== '';

/**
 * @typedef {{ loadDir: string, shards: number[] | null, baseUrl: string, election: string | null }} Settings
 * @typedef {{ index: number, client: number, file: string }} Shard
 * @typedef {{ electionId: string, shards: Shard[] }} Selection
 * @typedef {{ voterId: string, trackingCode: string, token: string, body: string }} CastLine
 */

/**
 * Shard indexes of a list like "0,1", "3-5" or "0-4,7", in order, without repeats.
 * @param {string} text
 * @returns {number[]}
 */
export function parseShardList(text) {
  /** @type {number[]} */
  const out = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(part);
    if (!m) fail(`${ENV.shards}: not a shard list ("0,1", "3-5"): ${JSON.stringify(text)}`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) fail(`${ENV.shards}: ${part.trim()} is an empty range`);
    for (let i = from; i <= to; i++) {
      if (out.includes(i)) fail(`${ENV.shards}: shard ${i} is named twice`);
      out.push(i);
    }
  }
  return out;
}

/**
 * The settings of a run from its environment (k6's `__ENV`), checked.
 * @param {Record<string, string | undefined>} env
 * @returns {Settings}
 */
export function readSettings(env) {
  const loadDir = env[ENV.loadDir] ?? '';
  // k6 resolves a relative open() path against the main script today and means to change that
  // (its "open() ... relative" warning): an absolute path means the same thing in every version.
  if (!loadDir.startsWith('/'))
    fail(`${ENV.loadDir} must be the absolute path of a prepared load (hanpyo loadgen prepare)`);
  const baseUrl = (env[ENV.baseUrl] ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+$/.test(baseUrl))
    fail(
      `${ENV.baseUrl} must be the edge's http(s) base URL without a path, e.g. https://vote.example.org`,
    );
  const shards = env[ENV.shards];
  const election = env[ENV.election];
  return {
    loadDir: loadDir.replace(/\/+$/, ''),
    shards: shards === undefined || shards.trim() === '' ? null : parseShardList(shards),
    baseUrl,
    election: election === undefined || election === '' ? null : election,
  };
}

/**
 * The shards of a prepared load's `meta.json` this instance sends: the ones `settings.shards`
 * names (all listed ones without it), each listed in meta.json (a listed shard is complete,
 * FORMAT.md), of a client-mode preparation of the election the settings name.
 * @param {unknown} meta the parsed meta.json
 * @param {Settings} settings
 * @param {Profile} profile
 * @returns {Selection}
 */
export function selectShards(meta, settings, profile) {
  const where = `${settings.loadDir}/meta.json`;
  if (!isObject(meta) || meta.format !== LOADGEN_FORMAT)
    fail(`${where}: not a prepared load of format ${LOADGEN_FORMAT}`);
  if (!isText(meta.electionId)) fail(`${where}: electionId missing`);
  if (settings.election !== null && settings.election !== meta.electionId)
    fail(`${where}: prepared for election ${meta.electionId}, not ${settings.election}`);
  if (profile.mode !== 'client')
    fail(
      `profile ${profile.profile} is ${profile.mode} mode: the k6 scripts send client-mode casts only`,
    );
  if (meta.mode !== 'client')
    fail(
      `${where}: a ${String(meta.mode)}-mode preparation; prepare with --mode client for the k6 scripts`,
    );
  if (!Array.isArray(meta.shards)) fail(`${where}: shards missing`);
  /** @type {Map<number, Shard>} */
  const listed = new Map();
  for (const s of /** @type {unknown[]} */ (meta.shards)) {
    const files = isObject(s) ? s.files : undefined;
    const casts = isObject(files) ? files.casts : undefined;
    if (!isObject(s) || !isCount(s.index) || !isCount(s.client) || !isText(casts))
      fail(`${where}: a shard without index, client count or casts file`);
    // A file name of the directory, never a path elsewhere.
    if (!/^[\w.-]+$/.test(casts) || casts.startsWith('.'))
      fail(`${where}: shard ${s.index}'s casts file is not a file name: ${casts}`);
    listed.set(s.index, { index: s.index, client: s.client, file: casts });
  }
  const wanted = settings.shards ?? [...listed.keys()].sort((a, b) => a - b);
  if (wanted.length === 0) fail(`${where}: no complete shard listed yet`);
  const shards = wanted.map((i) => {
    const shard = listed.get(i);
    if (shard === undefined)
      fail(`${where}: shard ${i} is not listed (not prepared, or not complete yet)`);
    return shard;
  });
  return { electionId: meta.electionId, shards };
}

/**
 * The cast lines of a `casts-NNNNN.ndjson` file's text, each checked; `expected` is the shard's
 * `client` count in meta.json, so a truncated or foreign file is refused.
 * @param {string} text
 * @param {string} where the file, for messages
 * @param {number} expected
 * @returns {CastLine[]}
 */
export function parseCasts(text, where, expected) {
  /** @type {CastLine[]} */
  const out = [];
  let start = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    n++;
    const raw = text.slice(start, end);
    start = end + 1;
    if (raw.trim() === '') continue;
    /** @type {unknown} */
    let value;
    try {
      value = JSON.parse(raw);
    } catch {
      fail(`${where}:${n}: not JSON`);
    }
    if (
      !isObject(value) ||
      !isText(value.voterId) ||
      !isText(value.trackingCode) ||
      !isText(value.token) ||
      !isText(value.body)
    )
      fail(`${where}:${n}: not a cast line {"voterId","trackingCode","token","body"} (FORMAT.md)`);
    out.push({
      voterId: value.voterId,
      trackingCode: value.trackingCode,
      token: value.token,
      body: value.body,
    });
  }
  if (out.length !== expected)
    fail(`${where}: ${out.length} cast lines where meta.json lists ${expected}`);
  return out;
}

/**
 * Seconds to wait before retrying a 503: its Retry-After in whole seconds (what the edge sends),
 * else `fallback`.
 * @param {string | undefined} header
 * @param {number} [fallback]
 * @returns {number}
 */
export function retryAfterSeconds(header, fallback = 1) {
  const text = (header ?? '').trim();
  return /^\d{1,4}$/.test(text) ? Number(text) : fallback;
}

/**
 * @typedef {'network' | 'unavailable' | 'status' | 'receipt' | 'tracking-code'} FailureReason
 * @typedef {{
 *   ok: boolean,
 *   reason: FailureReason | null,
 *   code: string | null,
 *   receipt: Record<string, unknown> | null,
 * }} Outcome
 */

/**
 * What a cast's final answer means for its voter: `ok` for 201 with a receipt naming the line's
 * tracking code; otherwise why not (a bounded `reason`, and the edge's error `code` when it sent
 * one). `receipt` is any receipt the edge returned, matching or not, for the audit.
 * @param {number} status 0 when no answer came (k6's status of a network error)
 * @param {unknown} body the response body text
 * @param {string} trackingCode
 * @returns {Outcome}
 */
export function castOutcome(status, body, trackingCode) {
  /** @type {unknown} */
  let json = null;
  if (typeof body === 'string' && body !== '') {
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
  }
  if (status !== 201) {
    const error = isObject(json) && isObject(json.error) ? json.error.code : undefined;
    // Error codes are a bounded union (docs/errors.md); anything else is not used as a tag.
    const code = typeof error === 'string' && /^[A-Z][A-Z0-9_]{0,47}$/.test(error) ? error : null;
    const reason = status === 0 ? 'network' : status === 503 ? 'unavailable' : 'status';
    return { ok: false, reason, code, receipt: null };
  }
  const receipt = isObject(json) && isObject(json.receipt) ? json.receipt : null;
  if (receipt === null) return { ok: false, reason: 'receipt', code: null, receipt: null };
  if (receipt.trackingCode !== trackingCode)
    return { ok: false, reason: 'tracking-code', code: null, receipt };
  return { ok: true, reason: null, code: null, receipt };
}

/**
 * The fraction of the test an instance runs, from k6's execution segment ("0:1/4", "1/4",
 * "25%", "0.25"; null or empty for the whole test).
 * @param {string | null | undefined} segment
 * @returns {number}
 */
export function segmentFraction(segment) {
  if (segment === null || segment === undefined || segment.trim() === '') return 1;
  const [from, to] = segment.includes(':') ? segment.split(':') : ['0', segment];
  const a = rational(from ?? '');
  const b = rational(to ?? '');
  if (!(a >= 0 && b <= 1 && a < b)) fail(`not an execution segment: ${JSON.stringify(segment)}`);
  return b - a;
}

/**
 * @param {string} text "1/4", "25%", "0.25", "1"
 * @returns {number}
 */
function rational(text) {
  const t = text.trim();
  let m;
  if ((m = /^(\d+)\/(\d+)$/.exec(t)) && Number(m[2]) > 0) return Number(m[1]) / Number(m[2]);
  if ((m = /^(\d+(?:\.\d+)?)%$/.exec(t))) return Number(m[1]) / 100;
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  return NaN;
}

/**
 * About the voters an instance running `fraction` of the profile's scenario casts, rounded down:
 * k6 starts an iteration each time the area under the rate (`arrivals`) reaches a whole number,
 * and gives each instance its stripe of those in proportion to its segment (k6's
 * lib/executor/ramping_arrival_rate.go, `cal`), so the true count is within a few of this.
 * @param {Profile} profile
 * @param {number} fraction
 * @returns {number}
 */
export function instanceArrivals(profile, fraction) {
  return Math.floor(arrivals(profile.scenario) * fraction);
}
