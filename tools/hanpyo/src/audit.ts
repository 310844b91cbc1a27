// `hanpyo audit --election ID --receipts FILE [--json]`: reconciles the receipts a load test (or
// `hanpyo cast`) was given with the board in Kafka, the rows in Cassandra and the leaves of the
// signed blocks. A receipt is the promise that its ballot is on the replicated board and will be in
// a block (SPEC §7), so each one is classified as
//
//   included  on the board at its (partition, offset) with its tracking code, authorized, its row
//             stored, and its inclusion proof verifying against a block whose signatures verify;
//   pending   on the board, not yet in a block (or its row not stored yet), and no final block yet;
//   lost      not on the board at its place, or not in a block although the final block is cut;
//   refused   on the board, but the entry fails SPEC §6 (so it will never count);
//   forged    its edge signature does not verify under the manifest, or it is for another election;
//   unreadable the line is not a receipt;
//
// and, apart from that status, `duplicated` counts receipted tracking codes found at more than one
// place of the board. Exit 0 only when nothing is lost, duplicated, forged or unreadable.
//
// It reads the board with a consumer group of its own (@hanpyo/kafka scanTopic) and Cassandra
// directly, configured as the services are (HANPYO_KAFKA_*, HANPYO_CASSANDRA_*), and the ledger
// and the election through the local profile's URLs. Nothing of a ballot, token or receipt is
// printed beyond tracking codes and places.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  boardRanges,
  cassandraConfigFromEnv,
  createCassandraClient,
  readBoardRange,
} from '@hanpyo/cassandra';
import { ContractError, decodeBoardMessage, parseManifest, parseReceipt } from '@hanpyo/contracts';
import type { Manifest, Receipt } from '@hanpyo/contracts';
import { authorizationContext, authorizeEntry } from '@hanpyo/counting';
import { createKafka, kafkaConfigFromEnv, scanTopic, topicNames } from '@hanpyo/kafka';
import { initFastest } from './backend.js';
import { receiptProblem } from './cast.js';
import { call, readLocal } from './local.js';
import { terminalProgress } from './progress.js';
import { ledgerReader } from './receipts-check.js';

export type AuditStatus = 'included' | 'pending' | 'lost' | 'refused' | 'forged' | 'unreadable';

/** One receipt that is not included, or is duplicated (the first ones, for the report). */
export interface AuditProblem {
  readonly line: number;
  readonly status: AuditStatus | 'duplicated';
  readonly code: string;
  readonly detail: string;
  readonly trackingCode?: string;
}

export interface AuditReport {
  readonly electionId: string;
  readonly receipts: number;
  readonly counts: Record<AuditStatus, number> & { readonly duplicated: number };
  /** Board messages read, and receipted places whose Cassandra row is missing or differs. */
  readonly board: { readonly messages: number; readonly rowsMissing: number };
  readonly blocks: { readonly latestHeight: number | null; readonly final: boolean };
  readonly problems: readonly AuditProblem[];
  readonly ok: boolean;
}

const PROBLEMS_KEPT = 100;
const LEDGER_CONCURRENCY = 16;

interface Line {
  readonly line: number;
  readonly receipt: Receipt;
}

/** The receipts of a JSON-lines file: each line a receipt, or an object with a `receipt` member. */
async function readReceipts(path: string, problem: (p: AuditProblem) => void): Promise<Line[]> {
  const out: Line[] = [];
  let n = 0;
  for await (const text of createInterface({ input: createReadStream(path) })) {
    n++;
    if (!text.trim()) continue;
    try {
      const value: unknown = JSON.parse(text);
      const inner =
        typeof value === 'object' && value !== null && 'receipt' in value ? value.receipt : value;
      out.push({ line: n, receipt: parseReceipt(inner) });
    } catch (e) {
      if (!(e instanceof SyntaxError || e instanceof ContractError)) throw e;
      problem({
        line: n,
        status: 'unreadable',
        code: 'RECEIPT_UNREADABLE',
        detail: e instanceof SyntaxError ? 'not JSON' : 'not a receipt (SPEC §7 shape)',
      });
    }
  }
  return out;
}

const place = (partition: number, offset: number) => `${partition}:${offset}`;

/** Audits every receipt of the file against the board, Cassandra and the blocks. */
export async function auditReceipts(
  electionId: string,
  receiptsPath: string,
  log: (line: string) => void = () => undefined,
): Promise<AuditReport> {
  await initFastest();
  const local = await readLocal();
  const id = encodeURIComponent(electionId);
  const view = await call<{ manifest: Manifest }>(`${local.edge.url}/v1/elections/${id}`);
  const manifest = parseManifest(view.manifest);
  const counts = {
    included: 0,
    pending: 0,
    lost: 0,
    refused: 0,
    forged: 0,
    unreadable: 0,
    duplicated: 0,
  };
  const problems: AuditProblem[] = [];
  const problem = (p: AuditProblem) => {
    if (p.status !== 'duplicated') counts[p.status]++;
    if (problems.length < PROBLEMS_KEPT) problems.push(p);
  };

  // 1. The receipts, each signed by an edge signer of the manifest for this election.
  const lines = await readReceipts(receiptsPath, problem);
  const receipts: Line[] = [];
  for (const l of lines) {
    const forged = receiptProblem(l.receipt, manifest);
    if (forged)
      problem({
        line: l.line,
        status: 'forged',
        code: 'RECEIPT_FORGED',
        detail: forged,
        trackingCode: l.receipt.trackingCode,
      });
    else receipts.push(l);
  }
  log(`${lines.length} receipts read, ${receipts.length} signed by this election's edge`);

  // 2. The board: every message, keeping the receipted places and where each receipted code is.
  const wanted = new Set(receipts.map((l) => l.receipt.trackingCode));
  const places = new Set(receipts.map((l) => place(l.receipt.partition, l.receipt.offset)));
  const atPlace = new Map<string, { value: Buffer | null; timestamp: number }>();
  const codePlaces = new Map<string, Set<string>>();
  const kafkaConfig = kafkaConfigFromEnv(process.env);
  const kafka = createKafka(kafkaConfig);
  const topic = topicNames(kafkaConfig, electionId).ballots;
  log(`reading the board (${topic})…`);
  const messages = await scanTopic(kafka, topic, (m) => {
    const here = place(m.partition, m.offset);
    if (places.has(here)) atPlace.set(here, { value: m.value, timestamp: m.timestamp });
    const decoded = decodeBoardMessage(m);
    if (decoded.ok && wanted.has(decoded.entry.trackingCode)) {
      let s = codePlaces.get(decoded.entry.trackingCode);
      if (!s) codePlaces.set(decoded.entry.trackingCode, (s = new Set()));
      s.add(here);
    }
  });
  log(`  ${messages} board messages`);

  // 3. Cassandra: the stored row of every receipted place.
  const cassandraConfig = cassandraConfigFromEnv(process.env);
  const client = createCassandraClient(cassandraConfig);
  const stored = new Map<string, string | null>();
  try {
    const byPartition = new Map<number, number[]>();
    for (const l of receipts) {
      const list = byPartition.get(l.receipt.partition) ?? [];
      list.push(l.receipt.offset);
      byPartition.set(l.receipt.partition, list);
    }
    for (const [partition, offsets] of byPartition) {
      // A loop, not Math.min(...offsets): a million receipts are too many arguments for a call.
      let lo = Infinity;
      let hi = -Infinity;
      for (const o of offsets) {
        lo = Math.min(lo, o);
        hi = Math.max(hi, o + 1);
      }
      for (const [from, to] of boardRanges(lo, hi)) {
        const rows = await readBoardRange(
          { client, config: cassandraConfig },
          electionId,
          partition,
          from,
          to,
        );
        for (const r of rows) stored.set(place(partition, r.offset), r.trackingCode);
      }
    }
  } finally {
    await client.shutdown();
  }

  // 4. The blocks: the latest, whether it is final, and each receipt's inclusion proof.
  const ledger = ledgerReader(local.ledger.url, electionId, manifest);
  let latestHeight: number | null = null;
  let final = false;
  try {
    const latest = await ledger.blockAt('latest');
    latestHeight = latest.block.height;
    final = latest.block.final;
  } catch (e) {
    if ((e as { status?: number }).status !== 404) throw e;
  }
  log(
    latestHeight === null
      ? 'no block yet'
      : `latest block ${latestHeight}${final ? ' (final)' : ''}; checking inclusion proofs…`,
  );

  const authorization = authorizationContext(manifest);
  let rowsMissing = 0;
  const progress = terminalProgress();
  let next = 0;
  let done = 0;
  const judge = async (l: Line) => {
    const r = l.receipt;
    const here = place(r.partition, r.offset);
    const at = { line: l.line, trackingCode: r.trackingCode };
    const seen = codePlaces.get(r.trackingCode);
    if (seen && seen.size > 1) {
      counts.duplicated++;
      problem({
        ...at,
        status: 'duplicated',
        code: 'DUPLICATED_ON_BOARD',
        detail: `the ballot is on the board ${seen.size} times (${[...seen].slice(0, 5).join(', ')})`,
      });
    }
    const message = atPlace.get(here);
    const decoded = message
      ? decodeBoardMessage({ partition: r.partition, offset: r.offset, ...message })
      : undefined;
    if (!decoded?.ok || decoded.entry.trackingCode !== r.trackingCode) {
      problem({
        ...at,
        status: 'lost',
        code: 'NOT_ON_BOARD',
        detail: `no entry of this ballot at partition ${r.partition}, offset ${r.offset}`,
      });
      return;
    }
    const authorized = authorizeEntry(authorization, decoded.entry);
    if (!authorized.authorized) {
      problem({
        ...at,
        status: 'refused',
        code: authorized.refusals[0]?.code ?? 'REFUSED',
        detail: `the entry fails SPEC §6 rule ${authorized.refusals[0]?.rule ?? '?'}`,
      });
      return;
    }
    if (stored.get(here) !== r.trackingCode) {
      rowsMissing++;
      if (final)
        problem({
          ...at,
          status: 'lost',
          code: 'NOT_STORED',
          detail: 'no Cassandra row for this place after the final block',
        });
      else counts.pending++;
      return;
    }
    const inclusion =
      latestHeight === null ? { status: 'pending' as const } : await ledger.inclusionOf(r);
    if (inclusion.status === 'included') counts.included++;
    else if (inclusion.status === 'pending' && !final) counts.pending++;
    else
      problem({
        ...at,
        status: 'lost',
        code: inclusion.status === 'pending' ? 'NOT_IN_FINAL_BLOCK' : 'INCLUSION_INVALID',
        detail:
          inclusion.status === 'pending'
            ? 'the final block is cut and the ballot is in no block'
            : inclusion.reason,
      });
  };
  await Promise.all(
    Array.from({ length: LEDGER_CONCURRENCY }, async () => {
      while (next < receipts.length) {
        await judge(receipts[next++]!);
        progress.update('auditing receipts', ++done, receipts.length);
      }
    }),
  );
  progress.done();
  const ok =
    counts.lost === 0 && counts.duplicated === 0 && counts.forged === 0 && counts.unreadable === 0;
  return {
    electionId,
    receipts: lines.length + counts.unreadable,
    counts,
    board: { messages, rowsMissing },
    blocks: { latestHeight, final },
    problems,
    ok,
  };
}

/** The command: prints the report (or its JSON); exit 0 only when the audit found nothing wrong. */
export async function runAudit(
  electionId: string,
  receiptsPath: string,
  json: boolean,
): Promise<number> {
  const print = (s: string) => process.stdout.write(`${s}\n`);
  const report = await auditReceipts(electionId, receiptsPath, json ? undefined : print);
  if (json) print(JSON.stringify(report, null, 2));
  else {
    for (const p of report.problems)
      print(
        `${p.status.toUpperCase()} line ${p.line}${p.trackingCode ? ` ${p.trackingCode}` : ''}: ${p.code}: ${p.detail}`,
      );
    const c = report.counts;
    print(
      `${report.receipts} receipts: ${c.included} included, ${c.pending} pending, ${c.lost} lost, ${c.duplicated} duplicated, ${c.refused} refused, ${c.forged} forged, ${c.unreadable} unreadable` +
        ` (board ${report.board.messages} messages; blocks ${report.blocks.latestHeight ?? 'none'}${report.blocks.final ? ', final' : ''})`,
    );
    print(report.ok ? 'audit: nothing lost or duplicated' : 'audit: FAILED');
  }
  return report.ok ? 0 : 1;
}
