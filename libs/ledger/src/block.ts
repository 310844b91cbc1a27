// SPEC §8: block hashes and the signatures that travel beside a block.
import type { Block, BlockSignatures, Manifest, SignedBlock } from '@hanpyo/contracts';
import {
  CryptoError,
  H,
  base64url,
  fromBase64url,
  fromHex,
  jcs,
  sign,
  toHex,
  verifySignature,
} from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';
import type { LedgerFailure } from './errors.js';

/** SPEC §8 hash tag of a block. */
export const BLOCK_TAG = 'hanpyo/1/block';

/** One `{keyId, signature}` of a block's signatures. */
export type BlockSignature = BlockSignatures['signatures'][number];

/** SPEC §8: `H("hanpyo/1/block", JCS(block))`, the 32 raw bytes that signers sign. */
export function blockHashBytes(block: Block): Uint8Array {
  // JCS sorts keys, so the field order of `block` does not matter.
  return H(BLOCK_TAG, jcs(block));
}

/** SPEC §8: `blockHash = H("hanpyo/1/block", JCS(block))`, lowercase hex. */
export function blockHash(block: Block): string {
  return toHex(blockHashBytes(block));
}

/** SPEC §8: Ed25519 signature over the 32 raw bytes of a block hash (lowercase hex). */
export function signBlockHash(blockHashHex: string, key: SigningKey): BlockSignature {
  return { keyId: key.keyId, signature: base64url(sign(key, fromHex(blockHashHex, 32))) };
}

/** SPEC §8: the ledger's (or a witness's) signature of a block. */
export function signBlock(block: Block, key: SigningKey): BlockSignature {
  return { keyId: key.keyId, signature: base64url(sign(key, blockHashBytes(block))) };
}

/** SPEC §8: `{height, blockHash, signatures}` for a block, signed by each key in order. */
export function blockSignatures(block: Block, keys: readonly SigningKey[]): BlockSignatures {
  const hash = blockHashBytes(block);
  return {
    height: block.height,
    blockHash: toHex(hash),
    signatures: keys.map((key) => ({ keyId: key.keyId, signature: base64url(sign(key, hash)) })),
  };
}

/** What `verifyBlockSignatures` found; `valid` iff `failures` is empty. */
export interface BlockSignatureReport {
  readonly valid: boolean;
  /** The block hash recomputed from the block (never the one claimed beside it). */
  readonly blockHash: string;
  /** keyIds of ledger signers whose signature verified. */
  readonly ledgerSigners: readonly string[];
  /** keyIds of witnesses whose signature verified. */
  readonly witnesses: readonly string[];
  /** keyIds of known signers whose signature is unparseable or does not verify. */
  readonly invalid: readonly string[];
  /** keyIds that are neither a ledger signer nor a witness of the manifest. */
  readonly unknown: readonly string[];
  readonly failures: readonly LedgerFailure[];
}

type SignerRole = 'ledger' | 'witness';

/**
 * SPEC §8: checks the signatures beside a block against the manifest: the claimed height and
 * block hash match the block, every keyId is a ledger signer or witness and its signature verifies
 * over the recomputed hash, no key signs twice, and at least one ledger signer signed. Reports
 * every failure; never throws on malformed signatures or keys.
 */
export function verifyBlockSignatures(
  signed: SignedBlock,
  manifest: Pick<Manifest, 'ledgerSigners' | 'witnesses'>,
): BlockSignatureReport {
  const { block, signatures } = signed;
  const height = block.height;
  const failures: LedgerFailure[] = [];
  let hash: Uint8Array;
  try {
    hash = blockHashBytes(block);
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    failures.push({
      height,
      code: 'BLOCK_UNPARSEABLE',
      message: `block is not JSON: ${error.message}`,
    });
    return report('', [], [], [], [], failures);
  }
  const hashHex = toHex(hash);
  if (signatures.height !== height) {
    failures.push({
      height,
      code: 'BLOCK_HEIGHT',
      message: `signatures name height ${signatures.height}, the block is ${height}`,
    });
  }
  if (signatures.blockHash !== hashHex) {
    failures.push({
      height,
      code: 'BLOCK_HASH',
      message: `signatures name block hash ${signatures.blockHash}, the block hashes to ${hashHex}`,
    });
  }

  const keys = new Map<string, { role: SignerRole; publicKey: string }>();
  for (const k of manifest.ledgerSigners)
    keys.set(k.keyId, { role: 'ledger', publicKey: k.publicKey });
  for (const k of manifest.witnesses)
    keys.set(k.keyId, { role: 'witness', publicKey: k.publicKey });

  const ledgerSigners: string[] = [];
  const witnesses: string[] = [];
  const invalid: string[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const { keyId, signature } of signatures.signatures) {
    if (seen.has(keyId)) {
      failures.push({
        height,
        keyId,
        code: 'SIGNATURE_DUPLICATE',
        message: `${keyId} signed twice`,
      });
      continue;
    }
    seen.add(keyId);
    const key = keys.get(keyId);
    if (key === undefined) {
      unknown.push(keyId);
      failures.push({
        height,
        keyId,
        code: 'SIGNATURE_UNKNOWN_KEY',
        message: `${keyId} is neither a ledger signer nor a witness of the manifest`,
      });
      continue;
    }
    const publicKey = decode(key.publicKey, 32);
    if (publicKey === undefined) {
      invalid.push(keyId);
      failures.push({
        height,
        keyId,
        code: 'KEY_UNPARSEABLE',
        message: `manifest public key of ${keyId} is not 32 bytes of base64url`,
      });
      continue;
    }
    const bytes = decode(signature, 64);
    if (bytes === undefined) {
      invalid.push(keyId);
      failures.push({
        height,
        keyId,
        code: 'SIGNATURE_UNPARSEABLE',
        message: `signature of ${keyId} is not 64 bytes of base64url`,
      });
      continue;
    }
    if (!verifySignature(publicKey, hash, bytes)) {
      invalid.push(keyId);
      failures.push({
        height,
        keyId,
        code: 'SIGNATURE_INVALID',
        message: `signature of ${keyId} does not verify over block hash ${hashHex}`,
      });
      continue;
    }
    (key.role === 'ledger' ? ledgerSigners : witnesses).push(keyId);
  }
  if (ledgerSigners.length === 0) {
    failures.push({
      height,
      code: 'SIGNATURE_LEDGER_MISSING',
      message: 'no valid signature by a ledger signer',
    });
  }
  return report(hashHex, ledgerSigners, witnesses, invalid, unknown, failures);
}

function report(
  blockHashHex: string,
  ledgerSigners: string[],
  witnesses: string[],
  invalid: string[],
  unknown: string[],
  failures: LedgerFailure[],
): BlockSignatureReport {
  return {
    valid: failures.length === 0,
    blockHash: blockHashHex,
    ledgerSigners,
    witnesses,
    invalid,
    unknown,
    failures,
  };
}

function decode(text: string, length: number): Uint8Array | undefined {
  try {
    return fromBase64url(text, length);
  } catch (error) {
    if (error instanceof CryptoError) return undefined;
    throw error;
  }
}
