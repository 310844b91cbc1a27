// A steady load of signed casts for the overload and outage tests: the client-mode casts that
// `hanpyo loadgen prepare` wrote (loadtest/FORMAT.md), sent as they are by a few workers at a
// pace, every answer recorded (status, code, Retry-After). A cast refused with 503 or 429 is sent
// again after the Retry-After it was given, as a voter's app does, until it is receipted or the
// load's deadline passes. No token or ballot is ever printed.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setUpElection } from './election.js';
import { contest } from './manifest.js';
import type { LocalStack } from './stack.js';

/** One prepared client-mode cast (casts-NNNNN.ndjson). */
export interface PreparedCast {
  readonly voterId: string;
  readonly trackingCode: string;
  readonly token: string;
  readonly body: string;
}

/** One answer of the edge. */
export interface Answer {
  /** The HTTP status; 0 when no answer came (connection refused, or the request timed out). */
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  /** When the answer came (ms since the epoch). */
  readonly at: number;
  /** Milliseconds from sending to the answer. */
  readonly ms: number;
  /** Which prepared cast (index into the casts). */
  readonly cast: number;
}

export interface LoadResult {
  readonly answers: readonly Answer[];
  /** The receipts issued, as the JSON lines `hanpyo audit` reads: {"receipt": {…}}. */
  readonly receipts: readonly string[];
  /** Casts refused at least once (503/429) before their receipt. */
  readonly retriedThenReceipted: number;
  /** Casts started that were never receipted before the deadline. */
  readonly unfinished: number;
}

/** Reads every client-mode cast of a `loadgen prepare` directory, in roll order. */
export async function preparedCasts(dir: string): Promise<PreparedCast[]> {
  const files = (await readdir(dir)).filter((f) => /^casts-\d+\.ndjson$/.test(f)).sort();
  const casts: PreparedCast[] = [];
  for (const f of files) {
    for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
      if (line.trim() !== '') casts.push(JSON.parse(line) as PreparedCast);
    }
  }
  return casts;
}

export interface LoadOptions {
  readonly edgeUrl: string;
  readonly electionId: string;
  readonly casts: readonly PreparedCast[];
  /** Workers sending at once. */
  readonly concurrency: number;
  /** Each worker's pause between two requests (ms). */
  readonly paceMs: number;
  /** While true, workers start casts not sent yet; after, they only finish refused ones. */
  readonly accepting: () => boolean;
  /** When the load gives up on casts still refused (ms since the epoch). */
  readonly deadline: number;
  /** Longest wait for one answer (ms). */
  readonly requestTimeoutMs?: number;
  /** Whether a refused cast is sent again (after its Retry-After). Default true. */
  readonly retry?: boolean;
}

/** Runs the load; resolves when every started cast is receipted or given up on. */
export async function castLoad(options: LoadOptions): Promise<LoadResult> {
  const answers: Answer[] = [];
  const receipts: string[] = [];
  const refusedOnce = new Set<number>();
  const done = new Set<number>();
  /** Refused casts waiting for their Retry-After: cast index → when due. */
  const due = new Map<number, number>();
  let next = 0;
  const url = `${options.edgeUrl}/v1/elections/${options.electionId}/ballots`;

  const pick = (): number | 'wait' | 'stop' => {
    const now = Date.now();
    for (const [i, at] of due) {
      if (at <= now) {
        due.delete(i);
        return i;
      }
    }
    if (options.accepting() && next < options.casts.length) return next++;
    if (due.size > 0 && now < options.deadline) return 'wait';
    return 'stop';
  };

  const send = async (i: number): Promise<void> => {
    const cast = options.casts[i]!;
    const started = Date.now();
    let status: number;
    let code: string | undefined;
    let retryAfter: string | null = null;
    let receipt: unknown;
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cast.token}` },
        body: cast.body,
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000),
      });
      status = r.status;
      retryAfter = r.headers.get('retry-after');
      const body = (await r.json().catch(() => ({}))) as {
        error?: { code?: string };
        receipt?: unknown;
      };
      code = body.error?.code;
      receipt = body.receipt;
    } catch {
      status = 0;
    }
    answers.push({ status, code, retryAfter, at: Date.now(), ms: Date.now() - started, cast: i });
    if ((status === 200 || status === 201 || status === 202) && receipt !== undefined) {
      receipts.push(JSON.stringify({ receipt }));
      done.add(i);
      return;
    }
    if ((status === 503 || status === 429) && options.retry !== false) {
      refusedOnce.add(i);
      const seconds = Number(retryAfter);
      due.set(i, Date.now() + (Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000));
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const i = pick();
      if (i === 'stop') return;
      if (i === 'wait') {
        await sleep(50);
        continue;
      }
      await send(i);
      await sleep(options.paceMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  let retriedThenReceipted = 0;
  for (const i of refusedOnce) if (done.has(i)) retriedThenReceipted++;
  return { answers, receipts, retriedThenReceipted, unfinished: next - done.size };
}

/** Counts of answers by status (0: no answer). */
export function byStatus(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/**
 * An open one-contest, two-district election of `voters` voters per district (client mode, a block
 * every second, voting for the next hour), and `voters` client-mode casts prepared for it by
 * `hanpyo loadgen prepare` in the stack's state dir.
 */
export async function preparedElection(
  stack: LocalStack,
  electionId: string,
  title: string,
  voters: number,
): Promise<PreparedCast[]> {
  const now = Date.now();
  await setUpElection(
    stack,
    {
      spec: 'hanpyo/1',
      electionId,
      title,
      opens: new Date(now - 60_000).toISOString(),
      closes: new Date(now + 3_600_000).toISOString(),
      revotePolicy: 'last',
      encryptionModes: ['client'],
      commitmentIntervalSeconds: 1,
      contests: [contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1)],
      ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
      districts: ['d1', 'd2'].map((d) => ({
        districtId: d,
        name: d,
        ballotStyleId: 's',
        registeredVoters: voters,
      })),
      trustees: { count: 1, threshold: 1 },
    },
    { roll: voters, open: true },
  );
  const prepared = join(stack.state, 'prepared');
  await stack.cli(
    'loadgen',
    'prepare',
    '--election',
    electionId,
    '--voters',
    String(voters),
    '--mode',
    'client',
    '--out',
    prepared,
    '--threads',
    '2',
  );
  return preparedCasts(prepared);
}
