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

/** Checks every receipt of the file; resolves with counts of included, pending and failed. */
export async function checkReceipts(
  electionId: string,
  receiptsPath: string,
): Promise<{ included: number; pending: number; failed: string[] }> {
  const local = await readLocal();
  const id = encodeURIComponent(electionId);
  const { manifest } = await call<{ manifest: Manifest }>(`${local.edge.url}/v1/elections/${id}`);
  const blocks = new Map<number, SignedBlock>();
  const blockAt = async (height: number) => {
    let b = blocks.get(height);
    if (!b) {
      b = await call<SignedBlock>(`${local.ledger.url}/v1/elections/${id}/blocks/${height}`);
      const report = verifyBlockSignatures(b, manifest);
      if (!report.valid || report.ledgerSigners.length === 0)
        throw new Error(`block ${height} signatures do not verify`);
      blocks.set(height, b);
    }
    return b;
  };
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
      const s = await call<ReceiptStatus>(
        `${local.ledger.url}/v1/elections/${id}/receipts/${receipt.trackingCode}`,
      );
      if (s.status === 'pending' || !s.block) {
        pending++;
        continue;
      }
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
      if (ok) included++;
      else
        failed.push(
          `${receipt.trackingCode}: inclusion proof does not verify against block ${s.block.height}`,
        );
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
