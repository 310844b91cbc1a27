// Answers of the ledger's API: blocks with their signatures (from the store, so witnesses'
// cosignatures show), receipt status with an RFC 9162 inclusion proof against the latest block,
// and consistency proofs of a district between two blocks. Any replica answers: each follows the
// stored chain.
import { Inject, Injectable } from '@nestjs/common';
import type { Block, BlockSignatures } from '@hanpyo/contracts';
import { ApiError } from '@hanpyo/service-kit';
import { ChainRepository } from './chain.repository.js';
import { MAX_HEIGHT, parseHeight } from './height.js';
import type { ConsistencyAnswer } from './election-ledger.js';
import { LedgerService } from './ledger.service.js';
import type { Tracked } from './ledger.service.js';

/** `GET …/receipts/{trackingCode}`. */
export interface ReceiptStatus {
  readonly status: 'included' | 'pending';
  readonly partition: number;
  readonly offset: number;
  readonly districtId: string;
  /** The latest block, which the proof is against; null while pending. */
  readonly block: { readonly height: number; readonly blockHash: string } | null;
  readonly leafIndex: number | null;
  readonly treeSize: number | null;
  readonly inclusionProof: readonly string[];
}

const TRACKING_CODE = /^[0-9a-f]{64}$/;

@Injectable()
export class ProofsService {
  constructor(
    @Inject(ChainRepository) private readonly chain: ChainRepository,
    @Inject(LedgerService) private readonly ledgers: LedgerService,
  ) {}

  /** A stored block and its signatures; `height` is a decimal height or 'latest'. */
  async block(
    electionId: string,
    height: string,
  ): Promise<{ block: Block; signatures: BlockSignatures }> {
    const wanted = height === 'latest' ? 'latest' : parseHeight(height);
    if (wanted === undefined) {
      throw new ApiError(
        'REQUEST_INVALID',
        `a block height is an integer from 1 to ${MAX_HEIGHT}, or latest`,
      );
    }
    await this.known(electionId);
    // The latest block is the latest this replica has replayed, so a receipt asked next is proven
    // against it (or a later one); the row itself comes from the store, with every cosignature.
    const replayed = this.ledgers.election(electionId)?.ledger.height ?? 0;
    const stored = await this.chain.block(
      electionId,
      wanted !== 'latest' ? wanted : replayed > 0 ? replayed : 'latest',
    );
    if (!stored) {
      throw new ApiError(
        'BLOCK_NOT_FOUND',
        height === 'latest'
          ? `election '${electionId}' has no block yet`
          : `election '${electionId}' has no block ${height}`,
      );
    }
    return { block: stored.block, signatures: stored.signatures };
  }

  /** Where a ballot is: pending on the board, or included with a proof against the latest block. */
  async receipt(electionId: string, trackingCode: string): Promise<ReceiptStatus> {
    if (!TRACKING_CODE.test(trackingCode)) {
      throw new ApiError('REQUEST_INVALID', 'a tracking code is 64 lowercase hex digits');
    }
    const t = this.usable(electionId);
    const leaf = t?.ledger.leaf(trackingCode);
    if (leaf?.block) {
      return {
        status: 'included',
        partition: leaf.partition,
        offset: leaf.offset,
        districtId: leaf.districtId,
        block: { height: leaf.block.block.height, blockHash: leaf.block.blockHash },
        leafIndex: leaf.leafIndex,
        treeSize: leaf.treeSize,
        inclusionProof: leaf.inclusionProof,
      };
    }
    const onBoard = leaf ?? (await this.chain.receipt(electionId, trackingCode));
    if (!onBoard) {
      await this.known(electionId);
      throw new ApiError(
        'RECEIPT_NOT_FOUND',
        `no ballot with this tracking code on the board of '${electionId}'`,
      );
    }
    return {
      status: 'pending',
      partition: onBoard.partition,
      offset: onBoard.offset,
      districtId: onBoard.districtId,
      block: null,
      leafIndex: null,
      treeSize: null,
      inclusionProof: [],
    };
  }

  /** RFC 9162 consistency proof of a district's log between blocks `from` and `to`. */
  async consistency(
    electionId: string,
    districtId: string,
    from: unknown,
    to: unknown,
  ): Promise<ConsistencyAnswer> {
    const [h1, h2] = [parseHeight(from), parseHeight(to)];
    if (h1 === undefined || h2 === undefined) {
      throw new ApiError('REQUEST_INVALID', `from and to are block heights (1 to ${MAX_HEIGHT})`);
    }
    if (h1 > h2) throw new ApiError('REQUEST_INVALID', 'from must not be above to');
    await this.known(electionId);
    const t = this.usable(electionId);
    if (!t || h2 > t.ledger.height) {
      throw new ApiError('BLOCK_NOT_FOUND', `election '${electionId}' has no block ${h2} yet`);
    }
    if (!t.ledger.districtIds.includes(districtId)) {
      throw new ApiError(
        'DISTRICT_NOT_FOUND',
        `'${districtId}' is not a district of '${electionId}'`,
      );
    }
    return t.ledger.consistency(districtId, h1, h2)!;
  }

  /** This replica's state of the election, refusing when it diverged from the store. */
  private usable(electionId: string): Tracked | undefined {
    const t = this.ledgers.election(electionId);
    if (t?.failed) {
      throw new ApiError(
        'UNAVAILABLE',
        'this ledger replica cannot rebuild the stored chain of the election; ask another',
        30,
      );
    }
    return t;
  }

  private async known(electionId: string): Promise<void> {
    if (this.ledgers.election(electionId)) return;
    if (!(await this.chain.election(electionId))) {
      throw new ApiError('ELECTION_NOT_FOUND', `no election '${electionId}'`);
    }
  }
}
