#!/usr/bin/env node
// Builds build/hanpyo_sodium.node (the N-API addon over the system libsodium) with the C compiler.
// Not an npm install script on purpose: a machine without a compiler, Node headers or libsodium must
// still `npm ci`. Without them this prints a warning and exits 0 (the WASM backend is used instead);
// `--strict` makes any failure exit 1 (for CI images that must have the native backend).
//
// Environment: CC (default `cc`), HANPYO_NODE_HEADERS (directory holding node_api.h),
// HANPYO_LIBSODIUM (path of the libsodium shared object to link).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
// The N-API glue, the variable-time verification code built over the vendored ref10 arithmetic of
// libsodium (native/vendor/libsodium, unmodified; vendor/README.md names its upstream commit), and
// the many-point sum, which calls the same ref10 functions (compiled once, in hanpyo_vartime.c).
const sources = [
  join(here, 'native', 'hanpyo_sodium.c'),
  join(here, 'native', 'hanpyo_vartime.c'),
  join(here, 'native', 'hanpyo_sum.c'),
];
const vendor = join(here, 'native', 'vendor', 'libsodium', 'src', 'libsodium');
const output = join(here, 'build', 'hanpyo_sodium.node');

function fail(reason) {
  const how = strict ? 'error' : 'warning';
  console.warn(`[crypto-native] ${how}: native backend not built: ${reason}`);
  if (!strict) console.warn('[crypto-native] the libsodium WASM backend will be used instead.');
  process.exit(strict ? 1 : 0);
}

/** The directory with node_api.h: $HANPYO_NODE_HEADERS, npm's nodedir, or next to the node binary. */
function nodeHeaders() {
  const candidates = [];
  if (process.env.HANPYO_NODE_HEADERS) candidates.push(process.env.HANPYO_NODE_HEADERS);
  if (process.env.npm_config_nodedir) {
    candidates.push(join(process.env.npm_config_nodedir, 'include', 'node'));
  }
  candidates.push(join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node');
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

/** The libsodium shared object: $HANPYO_LIBSODIUM, else what `ldconfig -p` lists (any soname). */
function libsodium() {
  if (process.env.HANPYO_LIBSODIUM) return process.env.HANPYO_LIBSODIUM;
  let listing = '';
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      listing = execFileSync(ldconfig, ['-p'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      break;
    } catch {
      continue; // not on PATH under this name: try the next one
    }
  }
  const arch = process.arch === 'x64' ? 'x86-64' : process.arch;
  const lines = listing.split('\n').filter((l) => /\blibsodium\.so\.\d+\b/.test(l));
  const line = lines.find((l) => l.includes(arch)) ?? lines[0];
  return line?.split('=>')[1]?.trim();
}

if (process.platform !== 'linux')
  fail(`platform ${process.platform} is not supported (Linux only)`);
const headers = nodeHeaders();
if (!headers) fail('node_api.h not found (set HANPYO_NODE_HEADERS or npm_config_nodedir)');
const lib = libsodium();
if (!lib || !existsSync(lib)) fail('libsodium shared object not found (install libsodium23)');

mkdirSync(dirname(output), { recursive: true });
// 64-bit targets with __int128 (x64, arm64) use the faster fe_51 field code; others fe_25_5.
const int128 = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64'].includes(process.arch);
const littleEndian = endianness() === 'LE';
const cc = process.env.CC ?? 'cc';
// Compiled beside the target and renamed on success: a failed build never leaves a half-written
// addon, and an earlier good one stays in place.
const partial = `${output}.${process.pid}.tmp`;
const args = [
  '-shared',
  '-fPIC',
  '-O2',
  '-std=c11',
  '-Wall',
  '-Wextra',
  '-fvisibility=hidden',
  '-fstack-protector-strong',
  '-D_FORTIFY_SOURCE=2',
  `-I${headers}`,
  // What libsodium's configure would define for the vendored code: a configured build (no
  // "undocumented method" warning), 5×51-bit limbs where the compiler has 128-bit integers, the
  // byte order. Only the ref10 field and group code is compiled; the rest is the shared object.
  '-DCONFIGURED=1',
  ...(int128 ? ['-DHAVE_TI_MODE=1'] : []),
  ...(littleEndian ? ['-DNATIVE_LITTLE_ENDIAN=1'] : ['-DNATIVE_BIG_ENDIAN=1']),
  `-I${join(vendor, 'include', 'sodium')}`,
  `-I${join(vendor, 'crypto_core', 'ed25519', 'ref10')}`,
  ...sources,
  '-o',
  partial,
  // Link the exact shared object: no libsodium-dev `libsodium.so` symlink needed.
  `-L${dirname(lib)}`,
  `-l:${basename(lib)}`,
  '-Wl,-z,relro,-z,now',
  // A library from a non-standard place ($HANPYO_LIBSODIUM) is found again at load time.
  ...(process.env.HANPYO_LIBSODIUM ? [`-Wl,-rpath,${dirname(lib)}`] : []),
];
try {
  execFileSync(cc, args, { stdio: 'inherit' });
  renameSync(partial, output);
} catch (e) {
  rmSync(partial, { force: true });
  fail(`${cc} failed: ${e instanceof Error ? e.message : String(e)}`);
}
console.log(`[crypto-native] built ${output} (node headers ${headers}, ${lib})`);
