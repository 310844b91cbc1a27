#!/usr/bin/env node
// Group-operation throughput, one core: native (this addon) vs libsodium WASM vs noble.
// Run after `npx tsc -b libs/crypto-native` and `node libs/crypto-native/build.mjs`:
//   node libs/crypto-native/bench.mjs [seconds per measurement, default 1] [rounds, default 3]
import { performance } from 'node:perf_hooks';
import { loadSodiumBackend, nobleBackend, systemRandom } from '@hanpyo/crypto';
import { loadNativeBackend, nativeUnavailableReason } from './dist/index.js';

const seconds = Number(process.argv[2] ?? 1);

/** Operations per second of f over about `seconds`, after a warm-up. */
function rate(f) {
  for (let i = 0; i < 200; i++) f(i);
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let j = 0; j < 50; j++) f(n++);
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

const ks = Array.from({ length: 256 }, () => systemRandom.scalar());
const ps = ks.map((k) => nobleBackend.mulBase(k));

const native = await loadNativeBackend();
if (!native) console.warn(`native backend unavailable: ${nativeUnavailableReason()}`);
const backends = [native, await loadSodiumBackend(), nobleBackend].filter(Boolean);

// Ops per backend; each is measured `rounds` times, interleaved across backends, keeping the best
// (a shared machine's noise only ever slows a run down).
const ops = {
  'mulBase/s': (b) => (i) => b.mulBase(ks[i & 255]),
  'mul/s': (b) => (i) => b.mul(ks[i & 255], ps[(i >> 8) & 255]),
  'prepared mul/s': (b) => {
    const prepared = ps.slice(0, 8).map((p) => b.prepare(p));
    return (i) => prepared[(i >> 8) & 7].mul(ks[i & 255]);
  },
  'add/s': (b) => (i) => b.add(ps[i & 255], ps[(i >> 8) & 255]),
  'sub/s': (b) => (i) => b.sub(ps[i & 255], ps[(i >> 8) & 255]),
  'isValid/s': (b) => (i) => b.isValid(ps[i & 255]),
  'a·G+b·P (3 calls)/s': (b) => (i) =>
    b.add(b.mulBase(ks[i & 255]), b.mul(ks[(i + 1) & 255], ps[i & 255])),
};
const rounds = Number(process.argv[3] ?? 3);
const rows = backends.map((b) => ({ backend: b.name }));
for (let r = 0; r < rounds; r++) {
  for (const [op, make] of Object.entries(ops)) {
    backends.forEach((b, j) => {
      rows[j][op] = Math.max(rows[j][op] ?? 0, rate(make(b)));
    });
  }
}
const columns = Object.keys(ops);
console.log(['op', ...rows.map((r) => r.backend)].join('\t'));
for (const c of columns) {
  console.log([c, ...rows.map((r) => Math.round(r[c]))].join('\t'));
}
