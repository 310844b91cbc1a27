// RFC 8785 (JSON Canonicalization Scheme) examples:
//   §3.2.2 / §3.2.4  the worked example, as text and as its UTF-8 bytes (the RFC's hex dump);
//   §3.2.2.3 / Appendix B  the IEEE-754 number serialization samples (bit pattern → text), including
//                   −0 → "0" and the NaN / Infinity rows, which I-JSON forbids;
//   §3.2.3           the property sorting example (UTF-16 code unit order).
// Provenance: copied from RFC 8785 (June 2020); the Appendix B table cross-checked against two
// independent public JCS test suites. Plus the project's own `vectors.jcs` from
// /work/shared/vectors/spec-v1.json (made apart from this code, SPEC.md §1), and the rejections our
// `canonicalize` promises (JCS_INVALID for anything that is not an I-JSON value).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8 } from './bytes.js';
import { canonicalize, jcs } from './jcs.js';

/** A float64 from its big-endian IEEE-754 bit pattern in hex. */
function float64(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

const CODE_JCS_INVALID = { name: 'CryptoError', code: 'JCS_INVALID' };

void describe('RFC 8785 §3.2.2 worked example', () => {
  // The RFC's input text, verbatim (String.raw keeps its JSON escapes for JSON.parse to read).
  const input = String.raw`{
    "numbers": [333333333.33333329, 1E30, 4.50,
                2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  }`;

  void it('canonicalizes to the RFC output text', () => {
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    assert.equal(canonicalize(JSON.parse(input)), expected);
  });

  void it('jcs() yields exactly the §3.2.4 UTF-8 bytes', () => {
    const dump = [
      '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72',
      '75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a',
      '5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31',
      '65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37',
      '5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30',
      '30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d',
    ];
    assert.equal(toHex(jcs(JSON.parse(input))), dump.join('').replaceAll(' ', ''));
  });
});

void describe('RFC 8785 §3.2.2.3 number serialization (Appendix B samples)', () => {
  const samples: readonly (readonly [bits: string, text: string, note?: string])[] = [
    ['0000000000000000', '0', 'zero'],
    ['8000000000000000', '0', 'minus zero'],
    ['0000000000000001', '5e-324', 'min pos number'],
    ['8000000000000001', '-5e-324', 'min neg number'],
    ['7fefffffffffffff', '1.7976931348623157e+308', 'max pos number'],
    ['ffefffffffffffff', '-1.7976931348623157e+308', 'max neg number'],
    ['4340000000000000', '9007199254740992', 'max pos int'],
    ['c340000000000000', '-9007199254740992', 'max neg int'],
    ['4430000000000000', '295147905179352830000', '~2**68'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2', 'round to even'],
  ];
  for (const [bits, text, note] of samples) {
    void it(`${bits} → ${text}${note ? ` (${note})` : ''}`, () => {
      assert.equal(canonicalize(float64(bits)), text);
      assert.equal(canonicalize([float64(bits)]), `[${text}]`);
    });
  }

  void it('rejects the NaN and Infinity rows (7fffffffffffffff, 7ff0000000000000) and −Infinity', () => {
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      assert.throws(() => canonicalize(float64(bits)), CODE_JCS_INVALID, bits);
      assert.throws(() => canonicalize({ n: float64(bits) }), CODE_JCS_INVALID, bits);
    }
  });
});

void describe('RFC 8785 §3.2.3 sorting of properties', () => {
  void it('orders the RFC example by UTF-16 code units', () => {
    const input = String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`;
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    assert.equal(canonicalize(JSON.parse(input)), expected);
  });

  void it('sorts nested objects too, and keeps array order', () => {
    const value = { b: [{ z: 1, y: 2 }, 3], a: { d: null, c: true } };
    assert.equal(canonicalize(value), '{"a":{"c":true,"d":null},"b":[{"y":2,"z":1},3]}');
  });

  void it('orders any keys by UTF-16 code units (property, against an explicit comparator)', () => {
    const byCodeUnits = (x: string, y: string): number => {
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const d = x.charCodeAt(i) - y.charCodeAt(i);
        if (d !== 0) return d;
      }
      return x.length - y.length;
    };
    const key = fc.string({ unit: 'binary', maxLength: 4 });
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 8 }), (keys) => {
        const value: Record<string, number> = {};
        keys.forEach((k, i) => (value[k] = i));
        const expected = [...keys]
          .sort(byCodeUnits)
          .map((k) => `${JSON.stringify(k)}:${value[k]}`)
          .join(',');
        assert.equal(canonicalize(value), `{${expected}}`);
      }),
      { numRuns: 200 },
    );
  });
});

void describe('spec-v1 vector `jcs` (SPEC.md §1)', () => {
  interface JcsVector {
    input: unknown;
    output: string;
  }
  // Specs compile to libs/crypto/dist/*.spec.js; the vendored vectors/ is three levels up.
  const url = new URL('../../../vectors/spec-v1.json', import.meta.url);
  const file = JSON.parse(readFileSync(url, 'utf8')) as { vectors: { jcs: JcsVector } };
  const vector = file.vectors.jcs;

  void it('canonicalize(input) is the published output, and jcs() its UTF-8 bytes', () => {
    assert.equal(typeof vector.output, 'string');
    assert.equal(canonicalize(vector.input), vector.output);
    assert.deepEqual(jcs(vector.input), utf8(vector.output));
  });
});

void describe('canonical output is JSON that reads back to the same value', () => {
  void it('JSON.parse(canonicalize(x)) equals x, and canonicalizing again changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        const text = canonicalize(x);
        const back: unknown = JSON.parse(text);
        assert.deepEqual(back, JSON.parse(JSON.stringify(x)));
        assert.equal(canonicalize(back), text);
      }),
      { numRuns: 300 },
    );
  });

  void it('escapes exactly the control characters, quote and backslash (§3.2.2.2)', () => {
    const all = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i)).join('');
    const text = canonicalize(all);
    assert.equal(
      text,
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r' +
        '\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018' +
        '\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f !\\"#$%&\'()*+,-./0123456789:;<=>?@' +
        'ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u007f"',
    );
  });
});

void describe('rejections (JCS_INVALID)', () => {
  const cases: readonly (readonly [string, unknown])[] = [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['−Infinity inside an array', [1, Number.NEGATIVE_INFINITY]],
    ['undefined', undefined],
    ['an undefined property value', { a: 1, b: undefined }],
    ['undefined inside an array', [1, undefined]],
    ['a lone high surrogate in a string', 'a\ud800b'],
    ['a lone high surrogate at the end of a string', 'ab\ud83d'],
    ['a lone low surrogate in a string', '\ude00'],
    ['a reversed surrogate pair', '\ude00\ud83d'],
    ['a lone surrogate in a key', { 'k\udc00': 1 }],
    ['a lone surrogate in a nested key', { a: [{ '\ud800': true }] }],
    ['a Date', new Date(0)],
    ['a Date as a property value', { when: new Date(0) }],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    [
      'a class instance',
      new (class Point {
        x = 1;
      })(),
    ],
    ['a boxed Number', Object(1) as unknown],
    ['a boxed String', Object('s') as unknown],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a typed array', new Uint8Array([1, 2])],
  ];
  for (const [what, value] of cases) {
    void it(`rejects ${what}`, () => {
      assert.throws(() => canonicalize(value), CODE_JCS_INVALID);
      assert.throws(() => jcs(value), CODE_JCS_INVALID);
    });
  }

  void it('accepts a well-formed surrogate pair and an object without prototype', () => {
    assert.equal(canonicalize('\ud83d\ude00'), '"\ud83d\ude00"');
    const bare = Object.create(null) as Record<string, number>;
    bare.b = 1;
    bare.a = 2;
    assert.equal(canonicalize(bare), '{"a":2,"b":1}');
  });

  // A hole is not a JSON value. Today canonicalize([, 1]) returns "[,1]", which is not JSON at all
  // (JSON.stringify would write null); a sparse array must be rejected like undefined is.
  void it('rejects a sparse array (a hole is not a JSON value)', () => {
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point of this test
    const sparse: unknown = [, 1];
    assert.throws(() => canonicalize(sparse), CODE_JCS_INVALID);
    assert.throws(() => canonicalize({ a: new Array<number>(2) }), CODE_JCS_INVALID);
  });
});
