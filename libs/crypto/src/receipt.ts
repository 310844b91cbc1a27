// SPEC §7: the receipt, signed by an edge key over H("hanpyo/1/receipt", JCS(receipt without signature)).
import type { Receipt, SignerKey, UnsignedReceipt } from '@hanpyo/contracts';
import { fromBase64url } from './bytes.js';
import { H } from './hash.js';
import { jcs } from './jcs.js';
import { sign, signatureFromText, signatureToText, verifySignature } from './signature.js';
import type { SigningKey } from './signature.js';

/** The 32-byte digest a receipt signature covers. */
export function receiptDigest(receipt: UnsignedReceipt): Uint8Array {
  const { electionId, districtId, trackingCode, partition, offset, receivedAt, keyId } = receipt;
  return H(
    'hanpyo/1/receipt',
    jcs({ electionId, districtId, trackingCode, partition, offset, receivedAt, keyId }),
  );
}

/** Signs a receipt with an edge key (its keyId is set from the key). */
export function signReceipt(receipt: Omit<UnsignedReceipt, 'keyId'>, key: SigningKey): Receipt {
  const unsigned: UnsignedReceipt = { ...receipt, keyId: key.keyId };
  return { ...unsigned, signature: signatureToText(sign(key, receiptDigest(unsigned))) };
}

/** Verifies a receipt's signature under the manifest's `edgeSigners`. */
export function verifyReceipt(receipt: Receipt, edgeSigners: readonly SignerKey[]): boolean {
  const signer = edgeSigners.find((k) => k.keyId === receipt.keyId);
  if (!signer) return false;
  try {
    const { signature, ...unsigned } = receipt;
    return verifySignature(
      fromBase64url(signer.publicKey, 32),
      receiptDigest(unsigned),
      signatureFromText(signature),
    );
  } catch {
    return false;
  }
}
