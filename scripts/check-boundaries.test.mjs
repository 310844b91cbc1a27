// The build's import rules must fail a wrong-way import (a pure lib importing a driver, a framework
// or a Node built-in, or any package importing an undeclared dependency) and pass clean code.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkPackage } from './check-boundaries.mjs';

const root = mkdtempSync(join(tmpdir(), 'hanpyo-boundaries-'));
after(() => rmSync(root, { recursive: true, force: true }));

function pkg(dir, deps, files) {
  mkdirSync(join(root, dir, 'src'), { recursive: true });
  writeFileSync(join(root, dir, 'package.json'), JSON.stringify({ name: dir, dependencies: deps }));
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(root, dir, 'src', name), text);
}

describe('check-boundaries', () => {
  it('flags a pure lib importing a driver, a framework or a Node built-in', () => {
    pkg(
      'libs/crypto',
      { kafkajs: '2', '@nestjs/common': '11' },
      {
        'a.ts': "import { Kafka } from 'kafkajs';\nimport { Injectable } from '@nestjs/common';\n",
        'b.ts': "import { readFileSync } from 'node:fs';\nimport * as os from 'os';\n",
        'ok.spec.ts': "import { readFileSync } from 'node:fs';\n",
      },
    );
    const problems = checkPackage(root, 'libs/crypto');
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.join('\n'), /a\.ts:1: pure lib imports 'kafkajs'/);
    assert.match(problems.join('\n'), /a\.ts:2: pure lib imports '@nestjs\/common'/);
    assert.match(problems.join('\n'), /b\.ts:1: pure lib imports Node built-in 'node:fs'/);
  });

  it('flags an undeclared dependency anywhere, and passes declared ones', () => {
    pkg(
      'services/edge',
      { '@hanpyo/crypto': '0.1.0' },
      {
        'main.ts':
          "import { H } from '@hanpyo/crypto';\nimport { readFileSync } from 'node:fs';\nexport { x } from 'lodash/fp';\n",
      },
    );
    assert.deepEqual(checkPackage(root, 'services/edge'), [
      "services/edge/src/main.ts:3: imports 'lodash/fp', not declared in services/edge/package.json",
    ]);
  });

  it('passes the repository as it is', () => {
    const repo = new URL('..', import.meta.url).pathname;
    for (const dir of [
      'libs/crypto',
      'libs/ledger',
      'libs/contracts',
      'libs/crypto-native',
      'tools/hanpyo',
    ]) {
      assert.deepEqual(checkPackage(repo, dir), [], dir);
    }
  });
});
