// `hanpyo receipts check`: what a voter's app does with a receipt — check its edge signature under
// the manifest (SPEC §7), ask the ledger for the ballot's inclusion proof, and check it against the
// district root of a block whose ledger signature verifies under the manifest. Reports every
// receipt that is forged or not (yet) provably included.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Manifest, Receipt, SignedBlock } from '@hanpyo/contracts';
import { fromHex } from '@hanpyo/crypto';
import { leafHash, verifyBlockSignatures, verifyInclusion } from '@hanpyo/ledger';
import { receiptProblem } from './cast.js';
import { call, readLocal } from './local.js';
import { terminalProgress } from './progress.js';

interface ReceiptStatus {
  status: 'included' | 'pending';
  districtId: string;
  block: { height: number; blockHash: string } | null;
  leafIndex: number | null;
  treeSize: number | null;
  inclusionProof: string[] | null;
}

/** Where a receipt's ballot stands in the ledger: proven included, pending, or why not. */
export type Inclusion =
  | { readonly status: 'included'; readonly height: number }
  | { readonly status: 'pending' }
  | { readonly status: 'failed'; readonly reason: string };

/**
 * A reader of the ledger for one election: each block fetched once and its signatures checked under
 * the manifest, and each receipt's inclusion proof checked against the district root of the block
 * the ledger names (what a voter's app does).
 */
export function ledgerReader(ledgerUrl: string, electionId: string, manifest: Manifest) {
  const id = encodeURIComponent(electionId);
  const blocks = new Map<number, Promise<SignedBlock>>();
  const blockAt = (height: number | 'latest'): Promise<SignedBlock> => {
    const fetchBlock = async () => {
      const b = await call<SignedBlock>(`${ledgerUrl}/v1/elections/${id}/blocks/${height}`);
      const report = verifyBlockSignatures(b, manifest);
      if (!report.valid || report.ledgerSigners.length === 0)
        throw new Error(`block ${b.block.height} signatures do not verify`);
      return b;
    };
    if (height === 'latest') return fetchBlock();
    let b = blocks.get(height);
    if (!b) {
      b = fetchBlock();
      blocks.set(height, b);
      b.catch(() => blocks.delete(height));
    }
    return b;
  };
  const inclusionOf = async (receipt: Receipt): Promise<Inclusion> => {
    const s = await call<ReceiptStatus>(
      `${ledgerUrl}/v1/elections/${id}/receipts/${receipt.trackingCode}`,
    );
    if (s.status === 'pending' || !s.block) return { status: 'pending' };
    const block = await blockAt(s.block.height);
    const head = block.block.districts.find((d) => d.districtId === receipt.districtId);
    const ok =
      head !== undefined &&
      head.treeSize === s.treeSize &&
      verifyInclusion(
        leafHash(fromHex(receipt.trackingCode, 32)),
        s.leafIndex!,
        head.treeSize,
        s.inclusionProof!.map((h) => fromHex(h, 32)),
        fromHex(head.root, 32),
      );
    return ok
      ? { status: 'included', height: s.block.height }
      : {
          status: 'failed',
          reason: `inclusion proof does not verify against block ${s.block.height}`,
        };
  };
  return { blockAt, inclusionOf };
}

/** Checks every receipt of the file; resolves with counts of included, pending and failed. */
export async function checkReceipts(
  electionId: string,
  receiptsPath: string,
): Promise<{ included: number; pending: number; failed: string[] }> {
  const local = await readLocal();
  const id = encodeURIComponent(electionId);
  const { manifest } = await call<{ manifest: Manifest }>(`${local.edge.url}/v1/elections/${id}`);
  const ledger = ledgerReader(local.ledger.url, electionId, manifest);
  const receipts: Receipt[] = [];
  for await (const line of createInterface({ input: createReadStream(receiptsPath) })) {
    if (line.trim()) receipts.push((JSON.parse(line) as { receipt: Receipt }).receipt);
  }
  const progress = terminalProgress();
  let included = 0;
  let pending = 0;
  const failed: string[] = [];
  for (const [i, receipt] of receipts.entries()) {
    const forged = receiptProblem(receipt, manifest);
    if (forged) {
      failed.push(`${receipt.trackingCode}: receipt refused: ${forged}`);
      continue;
    }
    try {
      const r = await ledger.inclusionOf(receipt);
      if (r.status === 'included') included++;
      else if (r.status === 'pending') pending++;
      else failed.push(`${receipt.trackingCode}: ${r.reason}`);
    } catch (e) {
      failed.push(`${receipt.trackingCode}: ${(e as Error).message}`);
    }
    progress.update('checking receipts', i + 1, receipts.length);
  }
  progress.done();
  return { included, pending, failed };
}

export async function runReceiptsCheck(electionId: string, receiptsPath: string): Promise<number> {
  const r = await checkReceipts(electionId, receiptsPath);
  for (const f of r.failed.slice(0, 50)) process.stdout.write(`FAIL ${f}\n`);
  process.stdout.write(
    `${r.included} receipts proven included, ${r.pending} pending, ${r.failed.length} failed\n`,
  );
  return r.failed.length === 0 && r.pending === 0 ? 0 : 1;
}
