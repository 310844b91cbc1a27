// Ed25519 verifications the edge has already done, remembered for a while. Edge mode checks the
// same token twice per vote (POST …/ballots/encrypt, then the cast), and each check costs the event
// loop an Ed25519 verification (issue 10: token and cast-signature verification are the largest
// items of the edge's event loop under load). RFC 8032 verification is a pure function of (public
// key, message, signature), so remembering a result changes no answer as long as the key of the
// memo is all three, byte for byte. Only successes are kept: a flood of bad signatures can neither
// fill the memo nor evict what is in it. What is kept per success is the SHA-256 of the three
// (lengths first, so no two triples share an encoding): ~100 bytes of heap instead of the ~700 of
// the inputs in text, which matters to the garbage collector at 100,000 entries (issue 10), and
// finding two triples with one digest is finding a SHA-256 collision. Nothing of it is logged.
import { createHash } from 'node:crypto';

export type Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** `verify`, remembering up to `max` successful verifications (the oldest forgotten first). */
export function memoizedVerify(verify: Verify, max: number): Verify {
  const verified = new Set<string>();
  return (publicKey, message, signature) => {
    const lengths = new Uint32Array([publicKey.length, signature.length, message.length]);
    const key = createHash('sha256')
      .update(lengths)
      .update(publicKey)
      .update(signature)
      .update(message)
      .digest('base64');
    if (verified.has(key)) return true;
    if (!verify(publicKey, message, signature)) return false;
    verified.add(key);
    if (verified.size > max) verified.delete(verified.values().next().value!);
    return true;
  };
}
