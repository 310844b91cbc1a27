// SPEC §8: the structural rules of the block chain, checkable from the blocks alone (no board):
// heights, hash links, contiguous cuts, the final block, and the shape of `districts`.
import type { Block, Cut, Manifest } from '@hanpyo/contracts';
import { CryptoError, toHex } from '@hanpyo/crypto';
import { blockHash } from './block.js';
import { compareUtf8 } from './encoding.js';
import type { LedgerFailure, LedgerFailureCode } from './errors.js';
import { emptyRoot } from './merkle.js';

const SPEC = 'hanpyo/1';
const EMPTY_ROOT_HEX = toHex(emptyRoot());

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** One problem with a block's cuts, and the partition it is at (if any). */
export interface CutProblem {
  readonly partition?: number;
  readonly message: string;
}

/**
 * SPEC §8: every problem of `cuts` following a block whose cuts ended at `previousToOffsets`
 * (indexed by partition; empty before block 1). Cuts list every partition 0..P−1 once, ascending;
 * no partition of the previous block disappears; `fromOffset` is the previous `toOffset`, or 0 for
 * a partition not seen before; `fromOffset ≤ toOffset`.
 */
export function cutProblems(
  previousToOffsets: readonly number[],
  cuts: readonly Cut[],
): CutProblem[] {
  const problems: CutProblem[] = [];
  // Checked through an `unknown` alias: Array.isArray would narrow a readonly Cut[] to any[].
  const value: unknown = cuts;
  if (!Array.isArray(value)) return [{ message: 'cuts is not an array' }];
  cuts.forEach((cut, i) => {
    const { partition, fromOffset, toOffset } = cut;
    if (partition !== i) {
      problems.push({
        partition,
        message: `cut ${i} is for partition ${String(partition)}: partitions must be 0.. ascending, each once`,
      });
      return;
    }
    if (!isCount(fromOffset) || !isCount(toOffset)) {
      problems.push({
        partition,
        message: `partition ${partition}: offsets must be non-negative integers`,
      });
      return;
    }
    const expected = previousToOffsets[i] ?? 0;
    if (fromOffset !== expected) {
      problems.push({
        partition,
        message: `partition ${partition}: fromOffset ${fromOffset} is not the previous toOffset ${expected}`,
      });
    }
    if (fromOffset > toOffset) {
      problems.push({
        partition,
        message: `partition ${partition}: fromOffset ${fromOffset} > toOffset ${toOffset}`,
      });
    }
  });
  for (let p = cuts.length; p < previousToOffsets.length; p++) {
    problems.push({ partition: p, message: `partition ${p} of the previous block is missing` });
  }
  return problems;
}

/** Options of a chain check. */
export interface ChainOptions {
  /** When given, electionId and the district list of every block are checked against it. */
  readonly manifest?: Pick<Manifest, 'electionId' | 'districts'>;
}

/**
 * Checks a chain of blocks fed one at a time (an observer follows the ledger as blocks appear).
 * Each `push` reports the failures of that block and then moves on from what the block claims,
 * so one bad block does not hide the failures of the next.
 */
export class ChainVerifier {
  private lastHeight = 0;
  private lastHash: string | undefined;
  private count = 0;
  private toOffsets: number[] = [];
  private finalHeight: number | undefined;
  private electionId: string | undefined;
  private treeSizes: Map<string, { treeSize: number; root: string }> | undefined;
  private readonly manifestDistricts: readonly string[] | undefined;

  /** `genesisHash` is Q in hex, block 1's `prevBlockHash` (SPEC §8). */
  constructor(
    private readonly genesisHash: string,
    options: ChainOptions = {},
  ) {
    this.electionId = options.manifest?.electionId;
    this.manifestDistricts = options.manifest?.districts.map((d) => d.districtId).sort(compareUtf8);
  }

  /** Height of the last block pushed (0 before any). */
  get height(): number {
    return this.lastHeight;
  }

  /** Hash of the last block pushed (Q before any; undefined if it could not be hashed). */
  get blockHash(): string | undefined {
    return this.count === 0 ? this.genesisHash : this.lastHash;
  }

  /** Per partition, where the last block's cuts ended. */
  get offsets(): readonly number[] {
    return this.toOffsets;
  }

  /** Whether a final block has been pushed. */
  get finalized(): boolean {
    return this.finalHeight !== undefined;
  }

  /**
   * Resumes after `block`, a block already checked (an observer's checkpoint): the next block
   * pushed must follow it. Its predecessors are not needed: the state after a block is what the
   * block itself claims (height, hash, cuts, district heads, final).
   */
  resumeAfter(block: Block): void {
    this.lastHeight = block.height;
    this.lastHash = blockHash(block);
    this.count = Math.max(1, this.count + 1);
    this.toOffsets = block.cuts.map((c) => c.toOffset);
    this.treeSizes = new Map(
      block.districts.map((d) => [d.districtId, { treeSize: d.treeSize, root: d.root }]),
    );
    if (block.final === true) this.finalHeight = block.height;
    this.electionId ??= block.electionId;
  }

  /** Checks the next block; returns its failures (empty when it is fine). */
  push(block: Block): LedgerFailure[] {
    const height = block.height;
    const failures: LedgerFailure[] = [];
    const fail = (code: LedgerFailureCode, message: string, where: Partial<LedgerFailure> = {}) =>
      failures.push({ ...where, height, code, message });

    const spec: unknown = block.spec;
    if (spec !== SPEC) fail('BLOCK_SPEC', `spec is ${JSON.stringify(spec)}, expected ${SPEC}`);
    if (this.electionId === undefined) this.electionId = block.electionId;
    else if (block.electionId !== this.electionId) {
      fail('BLOCK_ELECTION', `electionId ${block.electionId} is not ${this.electionId}`);
    }

    // Heights 1..n, contiguous.
    const expectedHeight = this.lastHeight + 1;
    if (height !== expectedHeight)
      fail('BLOCK_HEIGHT', `height ${height}, expected ${expectedHeight}`);

    // Hash chain: block 1 links to Q, every later block to its predecessor's hash.
    const expectedPrev = this.count === 0 ? this.genesisHash : this.lastHash;
    if (expectedPrev !== undefined && block.prevBlockHash !== expectedPrev) {
      fail(
        'BLOCK_PREV_HASH',
        this.count === 0
          ? `prevBlockHash ${block.prevBlockHash} of the first block is not Q ${expectedPrev}`
          : `prevBlockHash ${block.prevBlockHash} is not the hash ${expectedPrev} of block ${this.lastHeight}`,
      );
    }

    // At most one final block, and only the last.
    if (this.finalHeight !== undefined) {
      fail('BLOCK_FINAL', `block follows the final block ${this.finalHeight}`);
    }

    // Cuts contiguous per partition.
    for (const p of cutProblems(this.toOffsets, block.cuts)) {
      fail('BLOCK_CUTS', p.message, p.partition === undefined ? {} : { partition: p.partition });
    }

    this.checkDistricts(block, fail);

    // Move on from what this block claims.
    let hash: string | undefined;
    try {
      hash = blockHash(block);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      fail('BLOCK_UNPARSEABLE', `block cannot be hashed: ${error.message}`);
    }
    this.lastHash = hash;
    this.lastHeight = typeof height === 'number' ? height : this.lastHeight + 1;
    this.count++;
    if (Array.isArray(block.cuts)) {
      // By partition number, so a misordered or incomplete block does not shift its neighbours.
      const next = this.toOffsets.slice();
      for (const c of block.cuts) {
        if (isCount(c.partition) && c.partition <= next.length && isCount(c.toOffset)) {
          next[c.partition] = c.toOffset;
        }
      }
      this.toOffsets = next;
    }
    if (block.final === true && this.finalHeight === undefined) this.finalHeight = height;
    return failures;
  }

  /** Failures of the chain as a whole once every block is in: `requireFinal` wants a final block. */
  finish(options: { requireFinal?: boolean } = {}): LedgerFailure[] {
    if (options.requireFinal === true && this.finalHeight === undefined) {
      return [
        { height: this.lastHeight, code: 'BLOCK_FINAL', message: 'the chain has no final block' },
      ];
    }
    return [];
  }

  private checkDistricts(
    block: Block,
    fail: (code: LedgerFailureCode, message: string, where?: Partial<LedgerFailure>) => void,
  ): void {
    const { districts, ballotCount } = block;
    if (!Array.isArray(districts)) {
      fail('BLOCK_DISTRICTS', 'districts is not an array');
      return;
    }
    // Every district once, ascending by districtId in UTF-8 byte order.
    for (let i = 1; i < districts.length; i++) {
      const a = districts[i - 1]!.districtId;
      const b = districts[i]!.districtId;
      if (compareUtf8(a, b) >= 0) {
        fail('BLOCK_DISTRICTS', `district ${b} does not follow ${a} in UTF-8 order`, {
          districtId: b,
        });
      }
    }
    const ids = new Set(districts.map((d) => d.districtId));
    const expected =
      this.manifestDistricts ?? (this.treeSizes ? [...this.treeSizes.keys()] : undefined);
    if (expected !== undefined) {
      const wanted = new Set(expected);
      for (const id of expected) {
        if (!ids.has(id)) fail('BLOCK_DISTRICTS', `district ${id} is missing`, { districtId: id });
      }
      for (const id of ids) {
        if (!wanted.has(id))
          fail('BLOCK_DISTRICTS', `district ${id} is not a district of the election`, {
            districtId: id,
          });
      }
    }

    // Cumulative sizes never shrink; a log that did not grow keeps its root; the empty log has
    // the empty root; ballotCount is their sum.
    let sum = 0;
    let grown = 0;
    const next = new Map<string, { treeSize: number; root: string }>();
    for (const { districtId, treeSize, root } of districts) {
      const where = { districtId };
      if (!isCount(treeSize)) {
        fail('BLOCK_TREE_SIZE', `district ${districtId}: treeSize is not a count`, where);
        continue;
      }
      sum += treeSize;
      if (treeSize === 0 && root !== EMPTY_ROOT_HEX) {
        fail('BLOCK_ROOT', `district ${districtId}: an empty log's root is SHA-256("")`, where);
      }
      const before = this.treeSizes?.get(districtId);
      if (before === undefined) {
        grown += treeSize;
        next.set(districtId, { treeSize, root });
      } else if (treeSize < before.treeSize) {
        fail(
          'BLOCK_TREE_SIZE',
          `district ${districtId}: treeSize ${treeSize} < previous ${before.treeSize}`,
          where,
        );
        next.set(districtId, before); // later blocks are measured against the larger size
      } else {
        if (treeSize === before.treeSize && root !== before.root) {
          fail('BLOCK_ROOT', `district ${districtId}: root changed without new leaves`, where);
        }
        grown += treeSize - before.treeSize;
        next.set(districtId, { treeSize, root });
      }
    }
    // A district missing from this block keeps its last known head for the next one.
    for (const [id, head] of this.treeSizes ?? []) if (!next.has(id)) next.set(id, head);
    if (ballotCount !== sum) {
      fail(
        'BLOCK_BALLOT_COUNT',
        `ballotCount ${String(ballotCount)} is not the sum ${sum} of tree sizes`,
      );
    }
    // A block cannot add more leaves than there are board offsets in its cuts.
    let offsets = 0;
    if (Array.isArray(block.cuts)) {
      for (const c of block.cuts) {
        if (isCount(c.fromOffset) && isCount(c.toOffset) && c.toOffset > c.fromOffset)
          offsets += c.toOffset - c.fromOffset;
      }
      if (grown > offsets) {
        fail(
          'BLOCK_BALLOT_COUNT',
          `logs grew by ${grown} leaves but the cuts span only ${offsets} offsets`,
        );
      }
    }
    this.treeSizes = next;
  }
}

/**
 * SPEC §8: checks a whole chain of blocks (heights 1..n contiguous, hash links from Q, contiguous
 * cuts, at most one final block and only last, district heads well-formed) and returns every
 * failure found, in block order. Blocks are those the contracts schema accepted
 * (`parseSignedBlock`); wrong values in them are reported, not thrown.
 */
export function verifyChain(
  blocks: Iterable<Block>,
  genesisHash: string,
  options: ChainOptions & { requireFinal?: boolean } = {},
): LedgerFailure[] {
  const verifier = new ChainVerifier(genesisHash, options);
  const failures: LedgerFailure[] = [];
  for (const block of blocks) failures.push(...verifier.push(block));
  failures.push(...verifier.finish(options));
  return failures;
}
