#!/usr/bin/env node
// Rebuilds the vendored schemas of this folder from their originals (README.md here): for each
// source of sources.json, reads the file at its pinned commit from a git directory, checks its
// SHA-256, and writes a trimmed copy. Trimming only removes what validation never reads:
// `description` texts, and for the Kubernetes OpenAPI documents the component schemas that no
// kind we deploy reaches. Everything else (types, required, enums, x-kubernetes-* markers, ...)
// is kept as the original has it, so the validator converts the original's own rules.
//
//   node deploy/k8s/schemas/vendor.mjs --git kubernetes-sigs/kubectl-validate=/path/to/.git \
//     --git strimzi/strimzi-kafka-operator=/path/to/.git --git k8ssandra/k8ssandra-operator=... \
//     --git prometheus-operator/prometheus-operator=...
//   node deploy/k8s/schemas/vendor.mjs --check ...   (same flags: fails if a vendored file differs)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';

const here = dirname(fileURLToPath(import.meta.url));

/** Calls `visit` on every sub-schema of an OpenAPI v3 / JSON schema node (not on itself). */
export function eachSubschema(schema, visit) {
  if (!schema || typeof schema !== 'object') return;
  for (const key of ['properties', 'patternProperties', 'definitions', '$defs']) {
    if (schema[key] && typeof schema[key] === 'object')
      for (const child of Object.values(schema[key])) visit(child);
  }
  for (const key of ['additionalProperties', 'items', 'not', 'additionalItems']) {
    const child = schema[key];
    if (Array.isArray(child)) child.forEach(visit);
    else if (child && typeof child === 'object') visit(child);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'])
    if (Array.isArray(schema[key])) schema[key].forEach(visit);
}

/** A copy of `schema` without `description` at any schema level (a property named so stays). */
export function withoutDescriptions(schema) {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    if (['properties', 'patternProperties', 'definitions', '$defs'].includes(key)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, withoutDescriptions(child)]),
      );
    } else if (['additionalProperties', 'items', 'not', 'additionalItems'].includes(key)) {
      out[key] = Array.isArray(value) ? value.map(withoutDescriptions) : withoutDescriptions(value);
    } else if (['allOf', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = value.map(withoutDescriptions);
    } else {
      out[key] = value;
    }
  }
  return out;
}

const REF = '#/components/schemas/';

/** The component names reachable from `roots` through `$ref`s. */
function reachable(components, roots) {
  const seen = new Set();
  const stack = [...roots];
  const refsOf = (schema, into) => {
    if (!schema || typeof schema !== 'object') return;
    if (typeof schema.$ref === 'string' && schema.$ref.startsWith(REF))
      into.push(schema.$ref.slice(REF.length));
    eachSubschema(schema, (child) => refsOf(child, into));
  };
  while (stack.length > 0) {
    const name = stack.pop();
    if (seen.has(name)) continue;
    if (!components[name]) throw new Error(`schema ${name} is referenced but not defined`);
    seen.add(name);
    refsOf(components[name], stack);
  }
  return [...seen].sort();
}

/** The trimmed Kubernetes OpenAPI document: the listed kinds and what they reference. */
export function trimKubernetes(source, text) {
  const doc = JSON.parse(text);
  const components = doc.components.schemas;
  const roots = Object.entries(components)
    .filter(([, s]) =>
      (s['x-kubernetes-group-version-kind'] ?? []).some((g) => source.kinds.includes(g.kind)),
    )
    .map(([name]) => name);
  const missing = source.kinds.filter(
    (k) =>
      !roots.some((r) =>
        components[r]['x-kubernetes-group-version-kind'].some((g) => g.kind === k),
      ),
  );
  if (missing.length > 0) throw new Error(`${source.path}: no schema for ${missing.join(', ')}`);
  const schemas = {};
  for (const name of reachable(components, roots))
    schemas[name] = withoutDescriptions(components[name]);
  return { source: provenance(source), components: { schemas } };
}

/** The trimmed CRD: group, kind, scope and each listed version's openAPIV3Schema. */
export function trimCrd(source, text) {
  const crd = loadYaml(text);
  const versions = source.versions.map((name) => {
    const v = crd.spec.versions.find((x) => x.name === name);
    if (!v) throw new Error(`${source.path}: no version ${name}`);
    if (!v.served) throw new Error(`${source.path}: version ${name} is not served`);
    return { name, schema: withoutDescriptions(v.schema.openAPIV3Schema) };
  });
  return {
    source: provenance(source),
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    scope: crd.spec.scope,
    versions,
  };
}

function provenance(s) {
  return Object.fromEntries(
    ['repo', 'tag', 'commit', 'path', 'upstream', 'sha256']
      .filter((k) => s[k] !== undefined)
      .map((k) => [k, s[k]]),
  );
}

/** The original bytes of `source` from `gitDirs[source.repo]`, checked against its SHA-256. */
export function original(source, gitDirs) {
  const gitDir = gitDirs[source.repo];
  if (!gitDir) throw new Error(`no --git ${source.repo}=<git dir> given`);
  const bytes = execFileSync(
    'git',
    [`--git-dir=${gitDir}`, 'show', `${source.commit}:${source.path}`],
    {
      maxBuffer: 64 << 20,
    },
  );
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== source.sha256)
    throw new Error(
      `${source.repo}:${source.path}@${source.commit}: sha256 ${sha}, expected ${source.sha256}`,
    );
  return bytes.toString('utf8');
}

/** Every vendored file's name and text, rebuilt from the originals. */
export function rebuild(gitDirs) {
  const sources = JSON.parse(readFileSync(join(here, 'sources.json'), 'utf8'));
  const out = [];
  for (const s of sources.kubernetes)
    out.push([s.out, `${JSON.stringify(trimKubernetes(s, original(s, gitDirs)))}\n`]);
  for (const s of sources.crds)
    out.push([s.out, `${JSON.stringify(trimCrd(s, original(s, gitDirs)))}\n`]);
  return out;
}

function main(argv) {
  const gitDirs = {};
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--git') {
      const [repo, dir] = (argv[++i] ?? '').split('=');
      if (!repo || !dir) throw new Error('--git owner/name=<git dir>');
      gitDirs[repo] = dir;
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  let differ = 0;
  for (const [name, text] of rebuild(gitDirs)) {
    const file = join(here, name);
    if (check) {
      let old;
      try {
        old = readFileSync(file, 'utf8');
      } catch (e) {
        old = `(${e.code})`;
      }
      if (old !== text) {
        console.error(`differs: ${name}`);
        differ++;
      }
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      console.log(`wrote ${name} (${text.length} bytes)`);
    }
  }
  if (differ > 0) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
