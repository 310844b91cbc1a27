// Strict byte codecs of SPEC.md §1: base64url without padding (RFC 4648 §5) and lowercase hex.
// Known answers are the RFC 4648 §10 test vectors (unpadded, since SPEC §1 forbids padding); Node's
// Buffer codecs serve as the independent reference in the properties. The negative cases are the
// ones a canonical decoder must refuse so that every byte string has exactly one accepted text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  base64url,
  bytesEqual,
  concatBytes,
  fromBase64url,
  fromHex,
  toHex,
  utf8,
} from './bytes.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INVALID = { name: 'CryptoError', code: 'BASE64URL_INVALID' };
const HEX_INVALID = { name: 'CryptoError', code: 'HEX_INVALID' };
const LENGTH_INVALID = { name: 'CryptoError', code: 'LENGTH_INVALID' };
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

void describe('base64url', () => {
  void it('RFC 4648 §10 vectors, unpadded', () => {
    const vectors: readonly (readonly [string, string])[] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, text] of vectors) {
      assert.equal(base64url(ascii(plain)), text, plain);
      assert.deepEqual(fromBase64url(text), ascii(plain), text);
    }
  });

  void it('uses "-" and "_" for 62 and 63 (RFC 4648 §5)', () => {
    assert.equal(base64url(Uint8Array.of(0xfb, 0xff)), '-_8');
    assert.equal(base64url(Uint8Array.of(0xff, 0xff, 0xff)), '____');
    assert.equal(base64url(Uint8Array.of(0xf8, 0x00, 0x3e)), '-AA-');
    assert.deepEqual(fromBase64url('-_8'), Uint8Array.of(0xfb, 0xff));
  });

  void it('round-trips any bytes and matches Node’s base64url encoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = base64url(bytes);
        assert.equal(text, Buffer.from(bytes).toString('base64url'));
        assert.deepEqual(fromBase64url(text), bytes);
        assert.deepEqual(fromBase64url(text, bytes.length), bytes);
      }),
      { numRuns: 300 },
    );
  });

  void it('accepts a text only if it is the encoding of what it decodes to (both verdicts occur)', () => {
    let accepted = 0;
    let rejected = 0;
    const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 12 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, (t) => {
        let decoded: Uint8Array;
        try {
          decoded = fromBase64url(t);
        } catch (e) {
          assert.ok(e instanceof Error && 'code' in e && e.code === 'BASE64URL_INVALID', String(e));
          rejected++;
          return;
        }
        accepted++;
        assert.equal(base64url(decoded), t);
      }),
      { numRuns: 500 },
    );
    assert.ok(accepted > 50 && rejected > 50, `accepted ${accepted}, rejected ${rejected}`);
  });

  void it('for one byte, exactly one of the 16 texts sharing its 6 leading bits is accepted', () => {
    for (let b = 0; b < 256; b++) {
      const first = ALPHABET[b >> 2]!;
      const acceptedTexts: string[] = [];
      for (let low = 0; low < 16; low++) {
        const t = first + ALPHABET[((b & 3) << 4) | low]!;
        try {
          assert.deepEqual(fromBase64url(t), Uint8Array.of(b));
          acceptedTexts.push(t);
        } catch (e) {
          assert.ok(e instanceof Error && 'code' in e && e.code === 'BASE64URL_INVALID', String(e));
        }
      }
      assert.deepEqual(acceptedTexts, [base64url(Uint8Array.of(b))], `byte ${b}`);
    }
  });

  void it('for two bytes, exactly one of the 4 texts sharing their 16 bits is accepted', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 2 }), (bytes) => {
        const canonical = base64url(bytes);
        const last = ALPHABET.indexOf(canonical[2]!);
        assert.equal(last & 3, 0, 'the encoder writes zero trailing bits');
        for (let low = 1; low < 4; low++) {
          const t = canonical.slice(0, 2) + ALPHABET[last | low]!;
          assert.throws(() => fromBase64url(t), B64_INVALID, t);
        }
      }),
      { numRuns: 200 },
    );
  });

  void describe('rejects', () => {
    const cases: readonly (readonly [string, readonly string[]])[] = [
      ['padding "="', ['Zg==', 'Zm8=', 'Zm9v====', '=', 'Zg=']],
      ['the standard alphabet\'s "+" and "/"', ['+_8', '-/8', '++++', '////']],
      ['whitespace', [' Zg', 'Zg ', 'Z g', 'Zm9v\n', 'Zm\r\n9v', '\tZm8']],
      ['other characters', ['Zm9v.', 'Zm*v', 'Zé', 'Z\u0000g', '\uff3ag']],
      ['an impossible length (len % 4 = 1)', ['A', 'AAAAA', 'Zm9vY', 'Zm9vYmFyZ']],
      // 'AA' is the canonical text of 0x00; 'AB'…'AP' carry the same byte with trailing bits set.
      ['non-zero trailing bits (one byte)', ['AB', 'AP', 'Zh', 'Zv', '_x']],
      // 'AAA' is the canonical text of 0x0000; the last character's low 2 bits must be zero.
      ['non-zero trailing bits (two bytes)', ['AAB', 'AAD', 'Zm9', 'Zm-', 'Zm9vYmF']],
    ];
    for (const [what, texts] of cases) {
      void it(what, () => {
        for (const t of texts) {
          assert.throws(() => fromBase64url(t), B64_INVALID, JSON.stringify(t));
          assert.throws(() => fromBase64url(t, 1), B64_INVALID, JSON.stringify(t));
        }
      });
    }

    void it('a non-string with BASE64URL_INVALID', () => {
      for (const v of [undefined, null, 42, Uint8Array.of(1), ['Zg']]) {
        assert.throws(() => fromBase64url(v as unknown as string), B64_INVALID, String(v));
      }
    });
  });

  void it('the canonical neighbours of the rejected trailing-bit texts are accepted', () => {
    assert.deepEqual(fromBase64url('AA'), Uint8Array.of(0));
    assert.deepEqual(fromBase64url('Zg'), ascii('f'));
    assert.deepEqual(fromBase64url('AAA'), Uint8Array.of(0, 0));
    assert.deepEqual(fromBase64url('Zm8'), ascii('fo'));
    assert.deepEqual(fromBase64url('Zm9vYmE'), ascii('fooba'));
  });

  void it('checks the expected length: mismatch is LENGTH_INVALID, a match decodes', () => {
    assert.throws(() => fromBase64url('Zm9v', 2), LENGTH_INVALID);
    assert.throws(() => fromBase64url('Zm9v', 4), LENGTH_INVALID);
    assert.throws(() => fromBase64url('', 1), LENGTH_INVALID);
    assert.throws(() => fromBase64url('A'.repeat(42), 32), LENGTH_INVALID);
    assert.throws(() => fromBase64url('A'.repeat(44), 32), LENGTH_INVALID);
    assert.deepEqual(fromBase64url('A'.repeat(43), 32), new Uint8Array(32));
    assert.deepEqual(fromBase64url('', 0), new Uint8Array(0));
    assert.deepEqual(fromBase64url('Zm9v', 3), ascii('foo'));
  });
});

void describe('hex', () => {
  void it('encodes lowercase and round-trips, matching Node’s hex encoder', () => {
    assert.equal(toHex(Uint8Array.of(0x00, 0x0f, 0xab, 0xff)), '000fabff');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = toHex(bytes);
        assert.equal(text, Buffer.from(bytes).toString('hex'));
        assert.deepEqual(fromHex(text), bytes);
        assert.deepEqual(fromHex(text, bytes.length), bytes);
      }),
      { numRuns: 200 },
    );
  });

  void describe('rejects with HEX_INVALID', () => {
    const cases: readonly (readonly [string, readonly string[]])[] = [
      ['uppercase', ['AB', '0F', 'aB', 'Ff00', 'E2F2AE0A']],
      ['odd length', ['a', 'abc', '00000', '0']],
      ['non-hex characters', ['zz', 'g0', '0x00', '-1', 'é0']],
      ['whitespace', [' 00', '00 ', '0 0', '00\n']],
    ];
    for (const [what, texts] of cases) {
      void it(what, () => {
        for (const t of texts) assert.throws(() => fromHex(t), HEX_INVALID, JSON.stringify(t));
      });
    }

    void it('a non-string', () => {
      for (const v of [undefined, null, 1, Uint8Array.of(0)]) {
        assert.throws(() => fromHex(v as unknown as string), HEX_INVALID, String(v));
      }
    });
  });

  void it('checks the expected length: mismatch is LENGTH_INVALID', () => {
    assert.throws(() => fromHex('0011', 3), LENGTH_INVALID);
    assert.throws(() => fromHex('', 32), LENGTH_INVALID);
    assert.deepEqual(fromHex('', 0), new Uint8Array(0));
    assert.deepEqual(fromHex('0011', 2), Uint8Array.of(0, 0x11));
  });
});

void describe('helpers', () => {
  void it('concatBytes joins in order', () => {
    assert.deepEqual(concatBytes(), new Uint8Array(0));
    assert.deepEqual(
      concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)),
      Uint8Array.of(1, 2, 3),
    );
  });

  void it('bytesEqual compares length and every byte', () => {
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
    assert.equal(bytesEqual(new Uint8Array(0), new Uint8Array(0)), true);
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)), false);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (a, at, bit) => {
          const b = a.slice();
          b[at % b.length]! ^= 1 << bit;
          assert.equal(bytesEqual(a, b), false);
          assert.equal(bytesEqual(a, a.slice()), true);
        },
      ),
      { numRuns: 200 },
    );
  });

  void it('utf8 matches Node’s UTF-8 encoder', () => {
    assert.deepEqual(
      utf8('\u20ac\ud83d\ude00'),
      Uint8Array.of(0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.deepEqual(utf8(s), new Uint8Array(Buffer.from(s, 'utf8')));
      }),
      { numRuns: 200 },
    );
  });
});
