// Witness cosignatures (SPEC §8): an observer that replayed a block adds its Ed25519 signature
// over the block hash beside the block. Accepted only from a witness of the manifest and only
// when it verifies over the stored block's hash; stored in the block's signatures map, so every
// replica serves it with the block.
import { Inject, Injectable } from '@nestjs/common';
import { fromBase64url, fromHex, verifySignature } from '@hanpyo/crypto';
import { ApiError } from '@hanpyo/service-kit';
import { ChainRepository } from './chain.repository.js';
import { MAX_HEIGHT, parseHeight } from './height.js';

const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

@Injectable()
export class SignaturesService {
  constructor(@Inject(ChainRepository) private readonly chain: ChainRepository) {}

  /** Verifies and stores a witness's signature of block `height`; idempotent. */
  async addWitnessSignature(
    electionId: string,
    height: string,
    body: unknown,
  ): Promise<{ height: number; blockHash: string; keyId: string }> {
    if (parseHeight(height) === undefined) {
      throw new ApiError('REQUEST_INVALID', `a block height is an integer from 1 to ${MAX_HEIGHT}`);
    }
    const { keyId, signature } = (typeof body === 'object' && body !== null ? body : {}) as {
      keyId?: unknown;
      signature?: unknown;
    };
    if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 200) {
      throw new ApiError('REQUEST_INVALID', '$.keyId: a non-empty string is required');
    }
    if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
      throw new ApiError('REQUEST_INVALID', '$.signature: 64 bytes of unpadded base64url');
    }
    const election = await this.chain.election(electionId);
    if (!election) throw new ApiError('ELECTION_NOT_FOUND', `no election '${electionId}'`);
    const witness = election.manifest.witnesses.find((w) => w.keyId === keyId);
    if (!witness) {
      throw new ApiError('WITNESS_UNKNOWN', `'${keyId}' is not a witness of the election`);
    }
    const stored = await this.chain.block(electionId, Number(height));
    if (!stored) {
      throw new ApiError('BLOCK_NOT_FOUND', `election '${electionId}' has no block ${height}`);
    }
    let valid: boolean;
    try {
      valid = verifySignature(
        fromBase64url(witness.publicKey, 32),
        fromHex(stored.blockHash, 32),
        fromBase64url(signature, 64),
      );
    } catch {
      valid = false; // an undecodable signature is simply not a valid one
    }
    if (!valid) {
      throw new ApiError(
        'SIGNATURE_INVALID',
        `the signature of '${keyId}' does not verify over the hash of block ${height}`,
      );
    }
    await this.chain.addSignature(electionId, stored.block.height, keyId, signature);
    return { height: stored.block.height, blockHash: stored.blockHash, keyId };
  }
}
