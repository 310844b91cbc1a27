import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSigningKey, sign, verifySignature } from '@hanpyo/crypto';
import { memoizedVerify } from './verify-memo.js';

describe('memoizedVerify', () => {
  const key = generateSigningKey('k');
  const message = new TextEncoder().encode('header.payload');
  const signature = sign(key, message);

  it('gives the answers of the function it wraps, and verifies a success only once', () => {
    let calls = 0;
    const verify = memoizedVerify((pk, m, s) => {
      calls++;
      return verifySignature(pk, m, s);
    }, 10);
    assert.equal(verify(key.publicKey, message, signature), true);
    assert.equal(verify(key.publicKey, message, signature), true);
    assert.equal(calls, 1, 'the second success came from the memo');
    // Any byte changed in any input is another question, asked of the wrapped function.
    const otherMessage = new TextEncoder().encode('header.payloaD');
    assert.equal(verify(key.publicKey, otherMessage, signature), false);
    const otherSignature = signature.slice();
    otherSignature[0]! ^= 1;
    assert.equal(verify(key.publicKey, message, otherSignature), false);
    const otherKey = generateSigningKey('other').publicKey;
    assert.equal(verify(otherKey, message, signature), false);
    assert.equal(calls, 4);
  });

  it('never remembers a failure, and forgets the oldest success past its bound', () => {
    let calls = 0;
    const verify = memoizedVerify((pk, m, s) => {
      calls++;
      return verifySignature(pk, m, s);
    }, 2);
    const bad = new Uint8Array(64);
    assert.equal(verify(key.publicKey, message, bad), false);
    assert.equal(verify(key.publicKey, message, bad), false);
    assert.equal(calls, 2, 'a failure is verified again each time');
    const messages = ['a', 'b', 'c'].map((t) => new TextEncoder().encode(t));
    for (const m of messages) assert.equal(verify(key.publicKey, m, sign(key, m)), true);
    calls = 0;
    assert.equal(verify(key.publicKey, messages[2]!, sign(key, messages[2]!)), true);
    assert.equal(calls, 0, 'the newest is remembered');
    assert.equal(verify(key.publicKey, messages[0]!, sign(key, messages[0]!)), true);
    assert.equal(calls, 1, 'the oldest was forgotten');
  });
});
