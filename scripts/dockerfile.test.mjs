// The image's Dockerfile, checked statically (this machine has no Docker engine to build it; see
// deploy/k8s/README.md "Image"): multi-stage, pinned bases, a numeric non-root final USER, no ADD
// from the network or baked secret, every COPY source in the repository and in the build context,
// the services' commands present in what the runtime stage copies. And the checker fails on each
// mistake it is meant to catch.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { SERVICES } from './k8s/code-facts.mjs';
import { checkDockerfile, dockerignore } from './k8s/dockerfile-check.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
const ignore = existsSync(join(root, '.dockerignore'))
  ? readFileSync(join(root, '.dockerignore'), 'utf8')
  : undefined;

describe('Dockerfile', () => {
  it('passes every check', () => {
    assert.deepEqual(checkDockerfile(text, root, ignore), []);
  });

  it('builds the workspace with npm ci and tsc, and runs a service from dist', () => {
    const file = DockerfileParser.parse(text);
    const runs = file
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent());
    assert.ok(runs.some((r) => /\bnpm ci\b/.test(r)));
    assert.ok(runs.some((r) => /\btsc -b\b/.test(r)));
    assert.ok(runs.some((r) => /npm prune --omit=dev/.test(r)));
    // Every service the tsc step builds, and its entry point exists as TypeScript.
    const tsc = runs.find((r) => /\btsc -b\b/.test(r));
    for (const s of SERVICES) {
      assert.match(tsc, new RegExp(`services/${s}\\b`));
      assert.ok(existsSync(join(root, 'services', s, 'src', 'main.ts')));
    }
    const cmd = file.getInstructions().find((i) => i.getKeyword() === 'CMD');
    assert.match(cmd.getArgumentsContent(), /services\/edge\/dist\/main\.js/);
    // The runtime stage takes only the build stage's /out tree (package.json, dist, prod deps).
    const runtimeCopies = file
      .getInstructions()
      .filter(
        (i) =>
          i.getKeyword() === 'COPY' &&
          i.getRange().start.line > file.getFROMs()[1].getRange().start.line,
      );
    assert.deepEqual(
      runtimeCopies.map((i) => i.getFromFlag()?.getValue()),
      ['build'],
    );
  });

  it('keeps dependencies, outputs and local state out of the build context', () => {
    const ignored = dockerignore(ignore ?? '');
    for (const p of [
      'node_modules',
      'libs/crypto/node_modules',
      'services/edge/dist',
      '.infra',
      '.git',
      'libs/crypto-native/build',
    ])
      assert.ok(ignored(p), `${p} is in the build context`);
    for (const p of [
      'package.json',
      'libs/crypto/src/index.ts',
      'services/edge/src/main.ts',
      'test/package.json',
    ])
      assert.ok(!ignored(p), `${p} is left out of the build context`);
  });
});

describe('the Dockerfile checker', () => {
  const good =
    'FROM node:20.1.0 AS build\nCOPY package.json ./\nFROM node:20.1.0\nCOPY --from=build /a /a\nUSER 10001:10001\n';
  const problems = (dockerfile, ig = '') => checkDockerfile(dockerfile, root, ig).join('\n');

  it('passes a good file', () => {
    assert.equal(problems(good), '');
  });

  it('flags one stage, an unpinned or latest base, and a missing .dockerignore', () => {
    assert.match(problems('FROM node:20.1.0\nUSER 1000\n'), /1 stage\(s\)/);
    assert.match(problems(good.replace('node:20.1.0 AS', 'node AS')), /not pinned/);
    assert.match(problems(good.replace('FROM node:20.1.0\n', 'FROM node:latest\n')), /not pinned/);
    assert.match(checkDockerfile(good, root, undefined).join('\n'), /\.dockerignore missing/);
  });

  it('flags a root, named or missing final USER', () => {
    assert.match(problems(good.replace('USER 10001:10001', 'USER 0')), /root/);
    assert.match(problems(good.replace('USER 10001:10001', 'USER node')), /not numeric/);
    assert.match(problems(good.replace('USER 10001:10001\n', '')), /sets no USER/);
    // A USER in the build stage only does not count for the final one.
    assert.match(
      problems(
        good
          .replace('COPY package.json', 'USER 1000\nCOPY package.json')
          .replace('USER 10001:10001\n', ''),
      ),
      /sets no USER/,
    );
  });

  it('flags ADD of a URL, a baked secret, and COPY of what is absent or ignored', () => {
    assert.match(problems(`${good}ADD https://example.org/x.tgz /x\n`), /fetches from the network/);
    assert.match(problems(`${good}ENV HANPYO_EDGE_KEY_SEED=abc\n`), /secret baked/);
    assert.match(problems(`${good}ARG NPM_TOKEN=xyz\n`), /secret baked/);
    assert.match(
      problems(good.replace('COPY package.json', 'COPY no-such-file')),
      /not in the repository/,
    );
    assert.match(problems(good, 'package.json\n'), /excluded by \.dockerignore/);
    assert.match(problems(good.replace('--from=build', '--from=nowhere')), /not a stage/);
  });
});
