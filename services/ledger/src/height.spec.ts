import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HEIGHT, parseHeight } from './height.js';

test('a block height is a canonical decimal from 1 to 2^31 − 1', () => {
  assert.equal(parseHeight('1'), 1);
  assert.equal(parseHeight(String(MAX_HEIGHT)), MAX_HEIGHT);
  for (const bad of [
    '0',
    '01',
    '-1',
    '1e3',
    '0x10',
    '',
    ' 1',
    '1.0',
    String(MAX_HEIGHT + 1),
    '9007199254740993',
    5,
  ]) {
    assert.equal(parseHeight(bad), undefined, String(bad));
  }
});
