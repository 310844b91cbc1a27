// The fuzzing campaign of issue 12 point 4, for the short run in `npm test` (test/e2e/fuzz.spec.ts)
// and the long one (`npm run fuzz`): N generated bad requests per endpoint of every service, then
// M mutated records through `hanpyo verify`; and the invariants over the whole run: no process
// died, resident memory did not grow past a bound, and the board's end offsets grew only by the
// accepted casts' own writes.
import { join } from 'node:path';
import { errorCode, describe as describeRequest, send } from './fuzz-http.js';
import { discoveredEndpoints, endpoints, judge } from './fuzz-endpoints.js';
import type { Endpoint, ServiceName } from './fuzz-endpoints.js';
import { fuzzRecord } from './fuzz-record.js';
import type { RecordFuzzReport } from './fuzz-record.js';
import { requestArbitrary, requestAt } from './fuzz-requests.js';
import { SERVICES, alive, endOffsets, rssOf, startFuzzStack } from './fuzz-stack.js';
import { ROOT } from './stack.js';

export interface CampaignOptions {
  readonly seed: number;
  /** Generated requests per endpoint. */
  readonly runs: number;
  /** Mutated records through `hanpyo verify`. */
  readonly records: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly recordTimeoutMs: number;
  /** Only endpoints whose name contains one of these. */
  readonly only?: readonly string[];
  readonly log?: (message: string) => void;
  /** Called after each endpoint with the reports so far (for a partial report on disk). */
  readonly onEndpoint?: (reports: readonly EndpointReport[]) => void;
}

export interface Violation {
  readonly endpoint: string;
  readonly seed: number;
  /** Replays: requestAt(requestArbitrary(endpoint), seed, index). */
  readonly index: number;
  readonly problem: string;
  readonly request: string;
  readonly answer: string;
}

export interface EndpointReport {
  readonly endpoint: string;
  readonly runs: number;
  readonly seconds: number;
  readonly statuses: Record<string, number>;
  readonly codes: Record<string, number>;
  readonly classes: Record<string, number>;
  readonly families: Record<string, number>;
  readonly slowestMs: number;
  readonly violationCount: number;
  readonly violations: Violation[];
}

export interface CampaignReport {
  readonly seed: number;
  readonly runsPerEndpoint: number;
  readonly startedAt: string;
  readonly seconds: number;
  readonly requests: number;
  readonly endpoints: EndpointReport[];
  readonly services: {
    name: ServiceName;
    pid: number;
    rssBefore: number;
    rssAfter: number;
    rssPeak: number;
    alive: boolean;
  }[];
  readonly offsets: {
    before: Record<string, number>;
    after: Record<string, number>;
    acceptedCasts: number;
    windowRefusals: number;
    /** Board growth not explained by accepted casts, per topic (must be all zero). */
    unexplained: Record<string, number>;
    /** Growth of the blocks topics (the ledger's own writes), and the blocks the fuzz election got. */
    blocks: Record<string, number>;
    blocksCut: number;
  };
  readonly records: RecordFuzzReport | { skipped: string };
  readonly violations: number;
}

const MAX_KEPT = 20;

/** Fuzzes one endpoint; counts every answer and keeps the first violations. */
async function fuzzEndpoint(
  endpoint: Endpoint,
  base: string,
  o: CampaignOptions,
): Promise<EndpointReport> {
  const arbitrary = requestArbitrary(endpoint);
  const statuses: Record<string, number> = {};
  const codes: Record<string, number> = {};
  const classes: Record<string, number> = {};
  const families: Record<string, number> = {};
  const violations: Violation[] = [];
  let violationCount = 0;
  let slowestMs = 0;
  let next = 0;
  const started = performance.now();
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= o.runs) return;
      const req = requestAt(arbitrary, o.seed, index);
      const answer = await send(base, req, o.timeoutMs);
      slowestMs = Math.max(slowestMs, answer.ms);
      bump(families, req.family);
      bump(statuses, answer.transport ?? String(answer.status));
      const code = errorCode(answer.json);
      if (code) bump(codes, code);
      const verdict = judge(endpoint, req, answer);
      if (verdict.ok) bump(classes, verdict.class);
      else {
        violationCount++;
        if (violations.length < MAX_KEPT)
          violations.push({
            endpoint: endpoint.name,
            seed: o.seed,
            index,
            problem: verdict.problem,
            request: describeRequest(req),
            answer: `${answer.transport ?? answer.status} ${answer.text.slice(0, 200)}`,
          });
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return {
    endpoint: endpoint.name,
    runs: o.runs,
    seconds: (performance.now() - started) / 1000,
    statuses,
    codes,
    classes,
    families,
    slowestMs: Math.round(slowestMs),
    violationCount,
    violations,
  };
}

/** Runs the whole campaign against a stack of its own; the stack is stopped at the end. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const log = o.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const fuzz = await startFuzzStack({ openMinutes: 120, log });
  try {
    const f = fuzz.fixtures;
    const catalog = endpoints(f);
    for (const service of SERVICES) {
      const r = await fetch(`${f.urls[service]}/openapi.json`).catch(() => undefined);
      if (r?.ok)
        catalog.push(...discoveredEndpoints(service, (await r.json()) as never, catalog, f));
    }
    const chosen = catalog.filter((e) => !o.only || o.only.some((s) => e.name.includes(s)));
    // The records go through `hanpyo verify` meanwhile, as soon as the record is exported.
    const recordsDone: Promise<RecordFuzzReport | { skipped: string }> =
      o.records > 0
        ? fuzz.record.then((recordDir) => {
            log(`fuzz: ${o.records} mutated records through hanpyo verify`);
            return fuzzRecord({
              recordDir,
              hanpyo: join(ROOT, 'tools', 'hanpyo', 'bin', 'hanpyo.js'),
              env: fuzz.local.env,
              seed: o.seed,
              runs: o.records,
              timeoutMs: o.recordTimeoutMs,
              progress: (n) => {
                if (n % 50 === 0) log(`fuzz: ${n} records`);
              },
            });
          })
        : Promise.resolve({ skipped: 'no records asked for' });
    // A record that could not be made is reported (and fails the run), after the HTTP figures.
    const recordsSettled = recordsDone.catch((e: unknown) => ({
      skipped: `the record could not be made or fuzzed: ${(e as Error).message.slice(0, 500)}`,
    }));
    log(`fuzz: ${chosen.length} endpoints × ${o.runs} requests, seed ${o.seed}`);
    const rssBefore = Object.fromEntries(
      await Promise.all(SERVICES.map(async (s) => [s, await rssOf(fuzz.pids[s])] as const)),
    );
    const rssPeak = { ...rssBefore } as Record<string, number>;
    const offsetsBefore = await endOffsets(fuzz.local.env);
    const heightBefore = await latestHeight(f.urls.ledger, f.electionId);
    const reports: EndpointReport[] = [];
    for (const endpoint of chosen) {
      const report = await fuzzEndpoint(endpoint, f.urls[endpoint.service], o);
      reports.push(report);
      o.onEndpoint?.(reports);
      for (const s of SERVICES) rssPeak[s] = Math.max(rssPeak[s]!, await rssOf(fuzz.pids[s]));
      const dead = SERVICES.filter((s) => !alive(fuzz.pids[s]));
      log(
        `fuzz: ${endpoint.name}: ${report.runs} in ${report.seconds.toFixed(1)} s, ${JSON.stringify(report.statuses)}, ${report.violationCount} violations`,
      );
      if (dead.length > 0) {
        log(`fuzz: ${dead.join(', ')} died during ${endpoint.name}`);
        break;
      }
    }
    // Let the board settle (in-flight writes, the ledger's next cut) before reading its offsets.
    await new Promise((r) => setTimeout(r, 3000));
    const offsetsAfter = await endOffsets(fuzz.local.env);
    const heightAfter = await latestHeight(f.urls.ledger, f.electionId);
    const acceptedCasts = reports.reduce((n, r) => n + (r.classes['cast-accepted'] ?? 0), 0);
    const windowRefusals = reports.reduce((n, r) => n + (r.codes.RECEIVED_OUTSIDE_WINDOW ?? 0), 0);
    // Board topics (ballots) grow by the accepted casts' own writes and by nothing else, dead
    // letters never; blocks topics are the ledger's own (a cut per second while an election has
    // new entries, each a transaction: the block and its commit marker) and are reported.
    const unexplained: Record<string, number> = {};
    const blocks: Record<string, number> = {};
    for (const topic of new Set([...Object.keys(offsetsBefore), ...Object.keys(offsetsAfter)])) {
      if (topic.startsWith(`${fuzz.recordElectionId}.`)) continue; // the record's own election, running meanwhile
      const grew = (offsetsAfter[topic] ?? 0) - (offsetsBefore[topic] ?? 0);
      if (topic.endsWith('.hanpyo.blocks.v1')) {
        blocks[topic] = grew;
        continue;
      }
      const explained =
        topic === `${f.electionId}.hanpyo.ballots.v1` ? acceptedCasts + windowRefusals : 0;
      unexplained[topic] = grew - explained;
    }
    const services = await Promise.all(
      SERVICES.map(async (name) => ({
        name,
        pid: fuzz.pids[name],
        rssBefore: rssBefore[name]!,
        rssAfter: await rssOf(fuzz.pids[name]),
        rssPeak: rssPeak[name]!,
        alive: alive(fuzz.pids[name]),
      })),
    );
    const records = await recordsSettled;
    const violations =
      reports.reduce((n, r) => n + r.violationCount, 0) +
      ('violations' in records ? records.violations.length : o.records > 0 ? 1 : 0) +
      services.filter((s) => !s.alive).length +
      Object.values(unexplained).filter((n) => n !== 0).length;
    return {
      seed: o.seed,
      runsPerEndpoint: o.runs,
      startedAt,
      seconds: (performance.now() - started) / 1000,
      requests: reports.reduce((n, r) => n + r.runs, 0),
      endpoints: reports,
      services,
      offsets: {
        before: offsetsBefore,
        after: offsetsAfter,
        acceptedCasts,
        windowRefusals,
        unexplained,
        blocks,
        blocksCut: heightAfter - heightBefore,
      },
      records,
      violations,
    };
  } finally {
    await fuzz.stop();
  }
}

async function latestHeight(ledger: string, electionId: string): Promise<number> {
  const r = await fetch(`${ledger}/v1/elections/${electionId}/blocks/latest`);
  if (!r.ok) return 0;
  return ((await r.json()) as { block: { height: number } }).block.height;
}

/** A few lines for a console: per endpoint, the statuses and violations; then the invariants. */
export function summary(report: CampaignReport): string {
  const lines = [
    `fuzz seed ${report.seed}: ${report.requests} requests to ${report.endpoints.length} endpoints in ${report.seconds.toFixed(1)} s, ${report.violations} violations`,
  ];
  for (const e of report.endpoints)
    lines.push(
      `  ${e.endpoint}: ${JSON.stringify(e.statuses)}${e.violationCount > 0 ? `  ${e.violationCount} VIOLATIONS, first: ${e.violations[0]!.problem} — ${e.violations[0]!.request}` : ''}`,
    );
  for (const s of report.services)
    lines.push(
      `  ${s.name} pid ${s.pid} ${s.alive ? 'alive' : 'DEAD'}: RSS ${mib(s.rssBefore)} → ${mib(s.rssAfter)} MiB (peak ${mib(s.rssPeak)})`,
    );
  lines.push(
    `  board: ${report.offsets.acceptedCasts} accepted casts, ${report.offsets.windowRefusals} window refusals; unexplained growth ${JSON.stringify(report.offsets.unexplained)}; blocks topics (the ledger's) ${JSON.stringify(report.offsets.blocks)}, ${report.offsets.blocksCut} blocks cut`,
  );
  if ('exits' in report.records)
    lines.push(
      `  verify: ${report.records.runs} records in ${report.records.seconds.toFixed(1)} s, exits ${JSON.stringify(report.records.exits)}, ${report.records.harmless.count} harmless exit 0, ${report.records.violations.length} violations`,
    );
  return lines.join('\n');
}

const mib = (b: number) => (b / 1048576).toFixed(0);
