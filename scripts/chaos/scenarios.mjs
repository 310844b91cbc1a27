// The chaos campaign's scenarios (docs/chaos.md) and which of them a run picks. Pure: no I/O.
//
// Each scenario names its fault. `kind` says what the runner does:
//   kill-service      kill -9 of one service under load, then a restart;
//   persister-crash   the persister restarted with HANPYO_FAULT_CRASH_AFTER_WRITE, so it kills
//                     itself between a batch's Cassandra write and its offset commit; then a restart;
//   ledger-lease      two ledgers; the lease holder SIGSTOPped past its lease, then SIGCONTed;
//   kill-node         kill -9 of one broker or Cassandra node, then a restart (three nodes);
//   stop-node         SIGSTOP of one broker past the consumer session timeout, then SIGCONT.

/** A chaos argument the campaign cannot use, with a stable code (docs/errors.md). */
export class ChaosError extends Error {
  name = 'ChaosError';
  /**
   * @param {'CHAOS_ARGUMENT' | 'CHAOS_SCENARIO_UNKNOWN' | 'CHAOS_NEEDS_CLUSTER' | 'CHAOS_STACK'} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Every scenario, in the order a full campaign runs them. */
export const SCENARIOS = Object.freeze(
  [
    { name: 'kill-edge', kind: 'kill-service', target: 'edge', nodes: 1, quick: true },
    { name: 'kill-persister', kind: 'kill-service', target: 'persister', nodes: 1, quick: true },
    {
      name: 'persister-crash-after-write',
      kind: 'persister-crash',
      target: 'persister',
      nodes: 1,
      quick: true,
    },
    { name: 'kill-ledger', kind: 'kill-service', target: 'ledger', nodes: 1, quick: true },
    { name: 'kill-observer', kind: 'kill-service', target: 'observer', nodes: 1, quick: false },
    { name: 'kill-registrar', kind: 'kill-service', target: 'registrar', nodes: 1, quick: false },
    { name: 'ledger-lease-expiry', kind: 'ledger-lease', target: 'ledger', nodes: 1, quick: false },
    { name: 'kill-broker', kind: 'kill-node', target: 'kafka-2', nodes: 3, quick: false },
    {
      name: 'kill-cassandra-node',
      kind: 'kill-node',
      target: 'cassandra-2',
      nodes: 3,
      quick: false,
    },
    { name: 'stop-broker', kind: 'stop-node', target: 'kafka-3', nodes: 3, quick: false },
  ].map((s) => Object.freeze(s)),
);

/**
 * The scenarios of a run: the named ones (in campaign order), else the quick set with `quick`,
 * else every scenario the node count allows. A named scenario that needs three nodes on one is
 * refused (CHAOS_NEEDS_CLUSTER); an unknown name is refused (CHAOS_SCENARIO_UNKNOWN).
 * @param {{ quick?: boolean, nodes?: number, names?: readonly string[] }} options
 */
export function selectScenarios({ quick = false, nodes = 1, names } = {}) {
  if (nodes !== 1 && nodes !== 3)
    throw new ChaosError('CHAOS_ARGUMENT', `--nodes is 1 or 3, not ${String(nodes)}`);
  if (names && names.length > 0) {
    const known = new Set(SCENARIOS.map((s) => s.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new ChaosError(
        'CHAOS_SCENARIO_UNKNOWN',
        `no scenario ${unknown.map((n) => `'${n}'`).join(', ')}; scenarios: ${[...known].join(', ')}`,
      );
    const chosen = SCENARIOS.filter((s) => names.includes(s.name));
    const tooBig = chosen.filter((s) => s.nodes > nodes);
    if (tooBig.length > 0)
      throw new ChaosError(
        'CHAOS_NEEDS_CLUSTER',
        `${tooBig.map((s) => s.name).join(', ')} need three nodes: add --nodes 3`,
      );
    return chosen;
  }
  return SCENARIOS.filter((s) => s.nodes <= nodes && (!quick || s.quick));
}

export const CHAOS_USAGE =
  'npm run chaos [-- --quick] [--nodes 1|3] [--scenario name,…] [--out file.json] [--seconds S]';

/**
 * The command line of `npm run chaos`, checked.
 * @param {readonly string[]} argv
 */
export function parseChaosArgs(argv) {
  const options = { quick: false, nodes: 1, names: undefined, out: undefined, seconds: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--'))
        throw new ChaosError('CHAOS_ARGUMENT', `${arg} needs a value: ${CHAOS_USAGE}`);
      return v;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--nodes') options.nodes = Number(value());
    else if (arg === '--scenario' || arg === '--scenarios')
      options.names = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (arg === '--out') options.out = value();
    else if (arg === '--seconds') {
      const s = Number(value());
      if (!(Number.isFinite(s) && s >= 8 && s <= 600))
        throw new ChaosError('CHAOS_ARGUMENT', '--seconds is the load per scenario, 8 to 600');
      options.seconds = s;
    } else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new ChaosError('CHAOS_ARGUMENT', `unknown argument '${arg}': ${CHAOS_USAGE}`);
  }
  if (options.nodes !== 1 && options.nodes !== 3)
    throw new ChaosError('CHAOS_ARGUMENT', `--nodes is 1 or 3: ${CHAOS_USAGE}`);
  return options;
}

/**
 * The load of one scenario: a ramping-arrival-rate profile of `seconds` (a ramp to `rate`/s over
 * the first fifth, steady, a short ramp down), and when the fault strikes (at a third of the run).
 * @param {number} seconds
 * @param {number} rate
 */
export function loadPlan(seconds, rate) {
  const ramp = Math.max(2, Math.round(seconds / 5));
  const down = 2;
  const steady = Math.max(1, seconds - ramp - down);
  return {
    profile: {
      profile: 'chaos',
      description: `chaos campaign load: ${rate}/s for ${seconds} s`,
      target: 'local',
      mode: 'mixed',
      scenario: {
        executor: 'ramping-arrival-rate',
        startRate: Math.max(1, Math.round(rate / 4)),
        timeUnit: '1s',
        preAllocatedVUs: 10,
        maxVUs: 60,
        stages: [
          { duration: `${ramp}s`, target: rate },
          { duration: `${steady}s`, target: rate },
          { duration: `${down}s`, target: 0 },
        ],
      },
      // Judged by the chaos checks, not by these: generous, so the run always reaches its audit.
      thresholds: { p95Ms: 60_000, p99Ms: 60_000, errorRate: 1, rate503: 1 },
      voters: Math.ceil(rate * (ramp + steady + down)) + 50,
    },
    faultAtSeconds: Math.round((seconds / 3) * 10) / 10,
  };
}
