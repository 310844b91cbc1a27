// The observer's reading of the blocks topic by height, pure (docs/ledger.md, "Reading blocks by
// height"). The topic's offsets say nothing about heights: transaction markers take offsets, and a
// replica fenced too late, or anyone able to write to the topic, may put a second message under a
// height. So each message is judged by the height inside it against the chain followed so far:
// the next height, signed by a ledger signer, is taken; a byte-identical copy of a height already
// taken is skipped and counted; anything else is skipped with a divergence, and the chain goes on.
import { ContractError, parseSignedBlock } from '@hanpyo/contracts';
import type { Manifest, SignedBlock } from '@hanpyo/contracts';
import { verifyBlockSignatures } from '@hanpyo/ledger';

/** Codes of a blocks-topic message that is not taken. */
export type SequenceCode = 'BLOCK_CONFLICT' | 'BLOCK_UNSIGNED' | 'BLOCK_MALFORMED' | 'BLOCK_GAP';

/** What to do with one message of the blocks topic. */
export type SequenceDecision =
  /** The next block of the chain: replay it. */
  | { readonly kind: 'next'; readonly signed: SignedBlock }
  /**
   * A byte-identical copy of a block already taken: skip, count. `known` false: a height before
   * the checkpoint this sequence started from (replayed before, its bytes not kept).
   */
  | { readonly kind: 'duplicate'; readonly height: number; readonly known: boolean }
  /** Not part of the chain: skip, and record the divergence (it does not stop cosigning). */
  | {
      readonly kind: 'rejected';
      readonly height: number;
      readonly code: SequenceCode;
      readonly message: string;
    };

/** Where a sequence starts: after the checkpoint's last block, with its digest when known. */
export interface SequenceStart {
  readonly height: number;
  readonly lastDigest?: string;
}

/** Follows the heights of one election's blocks topic. */
export class BlockSequence {
  /** Digest of the value taken at each height (heights before the start are unknown). */
  private readonly taken = new Map<number, string>();
  private last: number;

  constructor(
    private readonly manifest: Pick<Manifest, 'ledgerSigners' | 'witnesses'>,
    /** A digest of a message value (SHA-256 in the service; any collision-resistant hash). */
    private readonly digest: (value: string) => string,
    start: SequenceStart = { height: 0 },
  ) {
    this.last = start.height;
    if (start.height > 0 && start.lastDigest !== undefined)
      this.taken.set(start.height, start.lastDigest);
  }

  /** Height of the last block taken. */
  get height(): number {
    return this.last;
  }

  /** Digest of the block taken at `height`, if this sequence took it. */
  digestAt(height: number): string | undefined {
    return this.taken.get(height);
  }

  /** Judges the next message of the topic (its value as text; null: not UTF-8). */
  offer(value: string | null): SequenceDecision {
    const expected = this.last + 1;
    if (value === null) {
      return rejected(expected, 'BLOCK_MALFORMED', 'a blocks-topic message is not UTF-8');
    }
    let signed: SignedBlock;
    try {
      signed = parseSignedBlock(JSON.parse(value) as unknown);
    } catch (e) {
      if (!(e instanceof ContractError) && !(e instanceof SyntaxError)) throw e;
      return rejected(
        expected,
        'BLOCK_MALFORMED',
        `an unreadable blocks-topic message: ${e.message}`,
      );
    }
    const height = signed.block.height;
    const digest = this.digest(value);
    const known = this.taken.get(height);
    if (height <= this.last && known === digest) return { kind: 'duplicate', height, known: true };
    // Only what a ledger signer signed can be a block of the chain, at any height.
    const report = verifyBlockSignatures(signed, this.manifest);
    if (report.ledgerSigners.length === 0) {
      return rejected(
        height,
        'BLOCK_UNSIGNED',
        `block ${height} carries no valid ledger signature${report.failures[0] ? `: ${report.failures[0].message}` : ''}`,
      );
    }
    if (height <= this.last) {
      // Before the checkpoint this observer resumed from: replayed then, not comparable now.
      if (known === undefined) return { kind: 'duplicate', height, known: false };
      return rejected(
        height,
        'BLOCK_CONFLICT',
        `a second, different block for height ${height} (the first one was replayed)`,
      );
    }
    if (height > expected) {
      return rejected(
        height,
        'BLOCK_GAP',
        `block ${height} arrived while block ${expected} is the next of the chain`,
      );
    }
    this.last = height;
    this.taken.set(height, digest);
    return { kind: 'next', signed };
  }
}

function rejected(height: number, code: SequenceCode, message: string): SequenceDecision {
  return { kind: 'rejected', height, code, message };
}
