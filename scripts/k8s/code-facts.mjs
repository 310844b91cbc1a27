// What the manifests may refer to, read from the code itself: the environment variables each
// service parses, the metric names the processes export, the health and metrics routes. The
// manifests test checks deploy/k8s against these, so a renamed variable or metric fails it.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const SERVICES = ['registrar', 'edge', 'persister', 'ledger', 'observer'];

const read = (root, path) => readFileSync(join(root, path), 'utf8');
const variablesIn = (text) => new Set(text.match(/\bHANPYO_[A-Z0-9_]+\b/g) ?? []);

/** The HANPYO_* variables service `name` reads: its config.ts and the adapters' it calls. */
export function serviceVariables(root, name) {
  const config = read(root, `services/${name}/src/config.ts`);
  const vars = variablesIn(config);
  const add = (path) => variablesIn(read(root, path)).forEach((v) => vars.add(v));
  if (config.includes('kafkaConfigFromEnv(')) add('libs/kafka/src/config.ts');
  if (config.includes('cassandraConfigFromEnv(')) add('libs/cassandra/src/config.ts');
  if (config.includes('pipelineTimingSchema')) add('libs/service-kit/src/timing.ts');
  return vars;
}

function* sourceFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) yield p;
  }
}

/**
 * Metric names the services register (string literals `'hanpyo_…'` passed to the Metrics
 * counter/gauge/histogram helpers), each with the file that declares it, plus prom-client's
 * default metrics under the `hanpyo_` prefix that libs/service-kit/src/metrics.ts sets.
 */
export async function exportedMetrics(root) {
  const metrics = new Map();
  for (const group of ['services', 'libs']) {
    for (const pkg of readdirSync(join(root, group))) {
      let files;
      try {
        files = [...sourceFiles(join(root, group, pkg, 'src'))];
      } catch {
        continue;
      }
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/\.(counter|gauge|histogram)\(\s*'(hanpyo_[a-z0-9_]+)'/g))
          metrics.set(m[2], { type: m[1], file: file.slice(root.length + 1) });
      }
    }
  }
  const require = createRequire(join(root, 'libs', 'service-kit', 'package.json'));
  const { Registry, collectDefaultMetrics } = require('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hanpyo_' });
  for (const m of await registry.getMetricsAsJSON())
    if (!metrics.has(m.name))
      metrics.set(m.name, {
        type: m.type,
        file: 'prom-client default (libs/service-kit/src/metrics.ts)',
      });
  return metrics;
}

/** The series names of a PromQL expression: `hanpyo_*` names and `up`. */
export function seriesIn(expr) {
  const names = new Set();
  for (const m of expr.matchAll(/\b(hanpyo_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)) names.add(m[1]);
  return names;
}

/** A series name without the histogram suffixes Prometheus adds. */
export const metricOf = (series) => series.replace(/_(bucket|sum|count)$/, '');

/** The routes the shared operations controller serves (libs/service-kit/src/kit.module.ts). */
export function operationsRoutes(root) {
  const text = read(root, 'libs/service-kit/src/kit.module.ts');
  return new Set([...text.matchAll(/@Get\('([^']+)'\)/g)].map((m) => `/${m[1]}`));
}
