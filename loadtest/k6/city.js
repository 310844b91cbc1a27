// @ts-check
// The city profile (loadtest/profiles/city.json) with k6, against a cluster's edge:
//   k6 run --console-output receipts.ndjson --log-format raw loadtest/k6/city.js
// with HANPYO_LOAD_DIR, HANPYO_BASE_URL (and HANPYO_SHARDS, HANPYO_ELECTION): loadtest/k6/README.md.
import { castScript } from './lib/cast.js';

const script = castScript('city');

/** The profile's ramping-arrival-rate scenario and thresholds. */
export const options = script.options;

/** One prepared voter's cast (the scenario's `exec`). */
export const cast = script.cast;
