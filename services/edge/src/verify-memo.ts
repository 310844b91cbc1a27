// Ed25519 verifications the edge has already done, remembered for a while. Edge mode checks the
// same token twice per vote (POST …/ballots/encrypt, then the cast), and each check costs the event
// loop an Ed25519 verification (issue 10: token and cast-signature verification are the largest
// items of the edge's event loop under load). RFC 8032 verification is a pure function of (public
// key, message, signature), so remembering a result changes no answer as long as the key of the
// memo is all three, byte for byte. Only successes are kept: a flood of bad signatures can neither
// fill the memo nor evict what is in it. The messages (a token's signing input) are held in memory
// as request handling already holds them, and never logged.
export type Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** `verify`, remembering up to `max` successful verifications (the oldest forgotten first). */
export function memoizedVerify(verify: Verify, max: number): Verify {
  const verified = new Set<string>();
  return (publicKey, message, signature) => {
    const key = `${Buffer.from(publicKey).toString('base64')}.${Buffer.from(signature).toString('base64')}.${Buffer.from(message).toString('base64')}`;
    if (verified.has(key)) return true;
    if (!verify(publicKey, message, signature)) return false;
    verified.add(key);
    if (verified.size > max) verified.delete(verified.values().next().value!);
    return true;
  };
}
