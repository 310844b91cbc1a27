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
// The native crypto backend is optional: without a C compiler or the system libsodium the build
// script warns and the code falls back to libsodium's WASM build.
if (!existsSync(join(root, 'libs', 'crypto-native', 'build', 'hanpyo_sodium.node'))) {
  console.log('[bootstrap] building the native crypto backend (optional)…');
  run('node libs/crypto-native/build.mjs');
}
console.log('[bootstrap] building (tsc -b)…');
run('npm run --silent build');
