// @ts-check
// The smoke profile (loadtest/profiles/smoke.json) with k6, against a cluster's edge:
//   k6 run --console-output receipts.ndjson --log-format raw loadtest/k6/smoke.js
// with HANPYO_LOAD_DIR, HANPYO_BASE_URL (and HANPYO_SHARDS, HANPYO_ELECTION): loadtest/k6/README.md.
import { castScript } from './lib/cast.js';

const script = castScript('smoke');

/** The profile's ramping-arrival-rate scenario and thresholds. */
export const options = script.options;

/** One prepared voter's cast (the scenario's `exec`). */
export const cast = script.cast;
