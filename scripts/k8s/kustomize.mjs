// Finding kustomize for the manifests test (scripts/k8s-manifests.test.mjs), and installing one when
// the machine has none. In order: $HANPYO_KUSTOMIZE (a kustomize or kubectl binary), `kustomize` and
// `kubectl` on the PATH, and the kubectl that `installKubectl` puts in .infra/tools/. The only
// registries this project may use are npm, Maven Central and Debian's apt; of those, Debian
// bookworm's `kubernetes-client` package is kubectl 1.20 with kustomize v2.0.3 built in, so the
// kustomizations are written to render the same objects with v2.0.3 and v5 (deploy/k8s/README.md).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where `installKubectl` puts kubectl, under the repository root. */
export const LOCAL_KUBECTL = join('.infra', 'tools', 'kubectl');

function run(file, args, options = {}) {
  return execFileSync(file, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    maxBuffer: 64 << 20,
    ...options,
  });
}

function onPath(name, env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * What a binary is, if it can render a kustomization: `{ path, kind: 'kustomize'|'kubectl',
 * kustomizeVersion }`, or undefined. kubectl 1.20 prints no kustomize version; its built-in
 * kustomize is v2.0.3 (kubectl 1.14–1.20).
 */
export function probe(path) {
  try {
    const kubectl = /kubectl[^/]*$/.test(path);
    if (kubectl) {
      const text = run(path, ['version', '--client']);
      const own = /Kustomize Version: (v[\d.]+)/.exec(text);
      const minor = /Minor:"(\d+)/.exec(text) ?? /Client Version: v1\.(\d+)/.exec(text);
      const kustomizeVersion =
        own?.[1] ??
        (minor && Number(minor[1]) >= 14 && Number(minor[1]) <= 20 ? 'v2.0.3' : undefined);
      if (!kustomizeVersion) return undefined;
      return { path, kind: 'kubectl', kustomizeVersion };
    }
    const text = run(path, ['version']);
    const version = /v\d+\.\d+\.\d+/.exec(text)?.[0] ?? text.trim();
    return { path, kind: 'kustomize', kustomizeVersion: version };
  } catch {
    return undefined;
  }
}

/** Every usable kustomize found, first the preferred one. */
export function findAll(root, env = process.env) {
  const paths = [
    env.HANPYO_KUSTOMIZE,
    onPath('kustomize', env),
    onPath('kubectl', env),
    join(root, LOCAL_KUBECTL),
  ].filter((p) => p !== undefined && p !== '' && existsSync(p));
  const found = [];
  for (const p of [...new Set(paths)]) {
    const tool = probe(p);
    if (tool) found.push(tool);
  }
  return found;
}

/** The major version of a kustomize (`v5.5.0` → 5). */
export const major = (tool) => Number(/^v?(\d+)/.exec(tool.kustomizeVersion)?.[1] ?? NaN);

/** Renders the kustomization in `dir` with `tool`; resolves with the YAML text. */
export function render(tool, dir) {
  const args = tool.kind === 'kubectl' ? ['kustomize', dir] : ['build', dir];
  return run(tool.path, args);
}

/**
 * Installs Debian's kubectl (package kubernetes-client) into <root>/.infra/tools/ without touching
 * the system: `apt-get download` and `dpkg -x` into a temporary directory. Runs `apt-get update`
 * first when the package lists do not know it yet (needs root). Returns the path, or throws.
 */
export function installKubectl(root, log = console.log) {
  const target = join(root, LOCAL_KUBECTL);
  const work = mkdtempSync(join(tmpdir(), 'hanpyo-kubectl-'));
  try {
    const download = () => run('apt-get', ['download', 'kubernetes-client'], { cwd: work });
    try {
      download();
    } catch (first) {
      if (process.getuid?.() !== 0) throw first;
      log('apt-get update (to find kubernetes-client)…');
      run('apt-get', ['update', '-qq'], { timeout: 300_000 });
      download();
    }
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download left no .deb');
    run('dpkg', ['-x', join(work, deb), join(work, 'root')]);
    mkdirSync(join(root, '.infra', 'tools'), { recursive: true });
    copyFileSync(join(work, 'root', 'usr', 'bin', 'kubectl'), target);
    chmodSync(target, 0o755);
    log(`installed ${deb} as ${LOCAL_KUBECTL}`);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
