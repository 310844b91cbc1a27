// @ts-check
/* global __ENV, open */
// The iteration the three k6 scripts share: one prepared voter's client-mode cast (loadtest/FORMAT.md)
// through the edge, with checks, retries on 503 after Retry-After, the two Rates the thresholds
// are on, and the receipt written as one JSON line to the console (run with
// `--console-output FILE --log-format raw`, loadtest/k6/README.md). The scenario and the
// thresholds come from the profile's JSON through loadtest/lib/profile.js; the decisions are in
// ./plan.js, which Node tests without k6.

import { check, sleep } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';
import { Rate } from 'k6/metrics';
import {
  CAST_REQUEST_NAME,
  METRICS,
  RETRIES_ON_503,
  k6Options,
  resolveProfile,
} from '../../lib/profile.js';
import {
  ENV,
  LoadError,
  castOutcome,
  instanceArrivals,
  parseCasts,
  readSettings,
  retryAfterSeconds,
  segmentFraction,
  selectShards,
} from './plan.js';

/** @typedef {import('./plan.js').CastLine} CastLine */
/** @typedef {import('k6/options').Options} Options */

/**
 * The parsed JSON of loadtest/profiles/NAME.json, opened relative to this file (k6 resolves a
 * relative open() against the main script instead, import.meta.resolve does not).
 * @param {string} name
 * @returns {unknown}
 */
function readProfile(name) {
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(name)) throw new LoadError(`not a profile name: ${name}`);
  const url = import.meta.resolve(`../../profiles/${name}.json`);
  return JSON.parse(open(url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url));
}

/**
 * The k6 script of profile `name`: its `options` and the `cast` iteration to export. Call it
 * once, at the top level of the main script (k6's init context: open(), SharedArray and custom
 * metrics exist only there).
 * @param {string} name a profile of loadtest/profiles/
 * @returns {{ options: Options, cast: () => void }}
 */
export function castScript(name) {
  const profile = resolveProfile(readProfile(name), readProfile);
  if (profile.target === 'local')
    throw new LoadError(`profile ${name} is for the local runner (npm run loadtest), not k6`);
  const settings = readSettings(__ENV);
  const metaPath = `${settings.loadDir}/meta.json`;
  const { electionId, shards } = selectShards(JSON.parse(open(metaPath)), settings, profile);
  const shardNames = shards.map((s) => s.index).join(',');

  // Read and parsed once per k6 instance and shared by every VU (k6/data SharedArray: the
  // callback runs once; each element is kept as JSON text and parsed on access). open() stays
  // inside the callback so a VU's init does not hold its own copy of a shard.
  /** @type {CastLine[]} */
  const casts = new SharedArray(`hanpyo casts ${settings.loadDir} ${shardNames}`, () => {
    /** @type {CastLine[]} */
    const all = [];
    for (const shard of shards) {
      const path = `${settings.loadDir}/${shard.file}`;
      for (const line of parseCasts(open(path), path, shard.client)) all.push(line);
    }
    return all;
  });

  const errors = new Rate(METRICS.errors);
  const unavailable = new Rate(METRICS.unavailable);
  const url = `${settings.baseUrl}/v1/elections/${encodeURIComponent(electionId)}/ballots`;
  // Only 201 is a success for http_req_failed too (a 503 is load shed, not a cast).
  const expected = http.expectedStatuses(201);

  /**
   * One attempt; every answer counts in the 503 Rate.
   * @param {CastLine} line
   */
  function post(line) {
    const res = http.post(url, line.body, {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${line.token}` },
      tags: { name: CAST_REQUEST_NAME },
      responseCallback: expected,
    });
    unavailable.add(res.status === 503);
    return res;
  }

  /** Checks, once per instance, what only a running VU can see: the console file and the segment. */
  function preflight() {
    const options =
      /** @type {{ consoleOutput?: string | null, executionSegment?: string | null }} */ (
        /** @type {unknown} */ (exec.test.options)
      );
    if (!options.consoleOutput) {
      exec.test.abort(
        'receipts go to the console: run k6 with --console-output FILE --log-format raw (loadtest/k6/README.md)',
      );
      return false;
    }
    const needed = instanceArrivals(profile, segmentFraction(options.executionSegment));
    if (casts.length < needed) {
      exec.test.abort(
        `${casts.length} prepared voters in shards ${shardNames} for the ~${needed} arrivals of this ` +
          `instance's segment (${options.executionSegment ?? '0:1'}) of profile ${name}: give it more shards (${ENV.shards})`,
      );
      return false;
    }
    return true;
  }

  /** One voter's cast: the next unused prepared voter of this instance, exactly once. */
  function cast() {
    // iterationInInstance, not iterationInTest: with --execution-segment k6 numbers the test's
    // iterations across instances in stripes (lib/execution_segment.go, SegmentedIndex), so
    // iterationInTest would index voters of other instances' shards. iterationInInstance counts
    // this instance's iterations 0, 1, 2, … across its VUs: each prepared voter of its shards
    // casts once. Without segments the two are the same number.
    const index = exec.scenario.iterationInInstance;
    if (index === 0 && !preflight()) return;
    const line = casts[index];
    if (line === undefined) {
      // Never cast a voter twice: stop the run (exit code 108) rather than wrap around.
      exec.test.abort(
        `prepared voters exhausted: shards ${shardNames} hold ${casts.length} voters and k6 asked ` +
          `for voter ${index + 1}; give this instance more shards (${ENV.shards})`,
      );
      return;
    }

    let res = post(line);
    for (let retry = 0; res.status === 503 && retry < RETRIES_ON_503; retry++) {
      sleep(retryAfterSeconds(res.headers['Retry-After']));
      res = post(line);
    }

    const outcome = castOutcome(res.status, res.body, line.trackingCode);
    check(res, {
      'cast answered 201': (r) => r.status === 201,
      "receipt names the line's trackingCode": () => outcome.ok,
    });
    if (outcome.ok) errors.add(false);
    else
      errors.add(true, {
        reason: outcome.reason ?? 'status',
        status: String(res.status),
        ...(outcome.code === null ? {} : { code: outcome.code }),
      });
    // Every receipt the edge gave, matching or not, is for `hanpyo audit` to judge. This is the
    // only console output of the scripts, so the console file holds receipts and nothing else.
    if (outcome.receipt !== null)
      console.log(
        JSON.stringify({ voterId: line.voterId, mode: 'client', receipt: outcome.receipt }),
      );
  }

  return { options: k6Options(profile), cast };
}
