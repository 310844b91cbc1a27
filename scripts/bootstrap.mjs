#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm packages when they are missing or stale, then builds.
// Used by `npm start`, `npm test` and `npm run bench` so a newcomer types only those.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log('[bootstrap] installing npm packages (npm ci)…');
  run('npm ci --no-audit --no-fund');
}
// The native crypto backend: `npm start` and the benches fall back to libsodium's WASM build when it
// cannot be built (no C compiler, node headers or system libsodium). `npm test` must test it, so
// there its build failure fails the run — unless HANPYO_NATIVE=optional says this machine cannot
// build it, and the test summary then names the native tests skipped and why.
const testing = process.env.npm_lifecycle_event === 'pretest';
const required = testing && process.env.HANPYO_NATIVE !== 'optional';
if (!existsSync(join(root, 'libs', 'crypto-native', 'build', 'hanpyo_sodium.node'))) {
  console.log(
    `[bootstrap] building the native crypto backend (${required ? 'required by npm test; HANPYO_NATIVE=optional to skip it' : 'optional'})…`,
  );
  try {
    run(`node libs/crypto-native/build.mjs${required ? ' --strict' : ''}`);
  } catch {
    console.error('[bootstrap] npm test needs the native backend: see the build error above');
    process.exit(1);
  }
}
// The manifests test (scripts/k8s-manifests.test.mjs) renders deploy/k8s with kustomize: kubectl or
// kustomize from the machine, else Debian's kubectl, extracted into .infra/tools/ (scripts/k8s).
if (testing) {
  const { findAll, installKubectl } = await import('./k8s/kustomize.mjs');
  if (findAll(root).length === 0) {
    console.log('[bootstrap] no kubectl or kustomize found: installing Debian’s kubectl…');
    try {
      installKubectl(root, (message) => console.log(`[bootstrap] ${message}`));
    } catch (e) {
      console.error(
        `[bootstrap] could not install kubectl (${e.message}); the manifests test will fail`,
      );
    }
  }
}
console.log('[bootstrap] building (tsc -b)…');
run('npm run --silent build');
