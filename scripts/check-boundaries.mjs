#!/usr/bin/env node
// Build-time import rules (STYLE.md §1): every import of a workspace package must be one of its own
// declared dependencies (or a Node built-in where allowed), and pure libs may import neither Node
// built-ins nor frameworks and drivers. Exits 1 listing each violation with file and line.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PURE = new Set(['libs/crypto', 'libs/ledger', 'libs/contracts', 'libs/counting']);
const FORBIDDEN_IN_PURE = [
  /^@nestjs\//,
  /^kafkajs$/,
  /^cassandra-driver$/,
  /^prom-client$/,
  /^fastify/,
];
const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Lists the violations of one package directory. */
export function checkPackage(root, pkgDir) {
  const pkg = JSON.parse(readFileSync(join(root, pkgDir, 'package.json'), 'utf8'));
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.devDependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  const pure = PURE.has(pkgDir);
  const problems = [];
  for (const file of walk(join(root, pkgDir, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) continue;
      const line = text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
      const where = `${relative(root, file)}:${line}`;
      const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
      const name = spec.startsWith('@')
        ? spec.split('/').slice(0, 2).join('/')
        : spec.split('/')[0];
      const isSpec = /\.spec\.[cm]?[jt]s$/.test(file);
      if (spec.startsWith('node:') || builtinModules.includes(bare.split('/')[0])) {
        // Tests run under Node only; the purity rule is for what ships.
        if (pure && !isSpec) problems.push(`${where}: pure lib imports Node built-in '${spec}'`);
        continue;
      }
      if (pure && FORBIDDEN_IN_PURE.some((re) => re.test(name))) {
        problems.push(`${where}: pure lib imports '${spec}' (framework/driver)`);
      } else if (!declared.has(name)) {
        problems.push(`${where}: imports '${spec}', not declared in ${pkgDir}/package.json`);
      }
    }
  }
  return problems;
}

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|mts|js|mjs)$/.test(e) && !e.endsWith('.d.ts')) yield p;
  }
}

function packages(root) {
  const out = [];
  for (const group of ['libs', 'services', 'tools']) {
    let names;
    try {
      names = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        statSync(join(root, group, n, 'package.json'));
        out.push(`${group}/${n}`);
      } catch {
        continue;
      }
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const problems = packages(root).flatMap((p) => checkPackage(root, p));
  if (problems.length > 0) {
    console.error(`check-boundaries: ${problems.length} wrong-way import(s):`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
}
