// Path and query numbers are canonical decimals: Number() alone reads "" as 0 and "1e3" as 1000.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identifier, isWellFormed, parseDecimal } from './primitives.js';

void describe('parseDecimal', () => {
  void it('reads canonical non-negative decimals up to 2^53 - 1', () => {
    assert.equal(parseDecimal('0'), 0);
    assert.equal(parseDecimal('17'), 17);
    assert.equal(parseDecimal('9007199254740991'), Number.MAX_SAFE_INTEGER);
  });
  void it('refuses everything Number() would read leniently', () => {
    for (const text of [
      '',
      ' ',
      '01',
      '00',
      '1e3',
      '0x10',
      '0b1',
      ' 1',
      '1 ',
      '+1',
      '-0',
      '-1',
      '1.0',
      '1.',
      'Infinity',
      'NaN',
      '9007199254740992',
      '99999999999999999',
      '١',
    ]) {
      assert.equal(parseDecimal(text), undefined, JSON.stringify(text));
    }
    for (const value of [undefined, null, 1, ['1'], { a: '1' }]) {
      assert.equal(parseDecimal(value), undefined, JSON.stringify(value));
    }
  });
});

void describe('identifiers are well-formed Unicode', () => {
  void it('refuses a lone surrogate (JSON "\\ud800"), takes a pair', () => {
    assert.equal(isWellFormed('d1'), true);
    assert.equal(isWellFormed('\u{1F5F3}'), true);
    for (const text of ['\ud800', 'a\udc00', '\udc00\ud800', `d1${'\ud83d'}`])
      assert.equal(identifier.safeParse(text).success, false, JSON.stringify(text));
    assert.equal(identifier.safeParse('ballot-\u{1F5F3}').success, true);
  });
});
