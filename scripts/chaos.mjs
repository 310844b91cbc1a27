#!/usr/bin/env node
// `npm run chaos [-- --quick] [--nodes 1|3] [--scenario name,…] [--out file.json] [--seconds S]`:
// the chaos campaign (docs/chaos.md). Brings up a stack of its own on the servers (one node, or
// the three-node cluster of scripts/infra with --nodes 3), runs each scenario under steady load,
// checks after each that no receipt was lost or duplicated, the chain verifies, the blocks rebuild
// byte-identical from the board and the observer still cosigns, and writes a JSON report.
// Exit status 0 only when every scenario passed; 2 for a usage error.
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildReport, summaryLines } from './chaos/report.mjs';
import { runScenario } from './chaos/run.mjs';
import { CHAOS_USAGE, ChaosError, parseChaosArgs, selectScenarios } from './chaos/scenarios.mjs';
import { ROOT, startChaosStack } from './chaos/stack.mjs';

const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  let options;
  let scenarios;
  try {
    options = parseChaosArgs(process.argv.slice(2));
    if (options.help) {
      log(CHAOS_USAGE);
      return 0;
    }
    scenarios = selectScenarios(options);
  } catch (e) {
    if (!(e instanceof ChaosError)) throw e;
    process.stderr.write(`chaos: ${e.code}: ${e.message}\n`);
    return 2;
  }
  const seconds = options.seconds ?? (options.quick ? 16 : 30);
  const rate = options.quick ? 8 : 10;
  const out = resolve(options.out ?? join(ROOT, '.hanpyo', 'chaos', `report-${Date.now()}.json`));
  const startedAt = new Date();
  const load0 = loadavg();
  log(
    `chaos: ${scenarios.length} scenarios on ${options.nodes} node${options.nodes === 1 ? '' : 's'} (${scenarios.map((s) => s.name).join(', ')}); load ${rate}/s for ${seconds} s each`,
  );
  const stack = await startChaosStack({ nodes: options.nodes, log });
  const records = [];
  let lastSetup;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('chaos: interrupted; stopping after this scenario');
  };
  process.on('SIGTERM', onSignal);
  // Ctrl-C (or a test giving up): stop the stack now, since its services are detached processes.
  const onInterrupt = () => {
    log('chaos: interrupted; stopping the stack');
    stack.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  try {
    for (const scenario of scenarios) {
      if (interrupted) break;
      records.push(
        await runScenario(stack, scenario, {
          seconds,
          rate,
          log,
          // The voting window allows 1.5 times the last election's setup + 3 s (at least 8 s).
          setupEstimate: () => Math.max(8, 1.5 * (lastSetup ?? 4) + 3),
          setupMeasured: (s) => {
            lastSetup = s;
          },
        }),
      );
    }
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onInterrupt);
    await stack.stopAll().catch((e) => log(`chaos: stopping the stack: ${e.message}`));
  }
  const report = buildReport({
    startedAt,
    endedAt: new Date(),
    quick: options.quick,
    nodes: options.nodes,
    scenarios: records,
    machine: {
      platform: `${platform()} ${release()} ${arch()}`,
      node: process.version,
      cpus: cpus().length,
      availableParallelism: availableParallelism(),
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      loadAverageBefore: load0.map((x) => Math.round(x * 100) / 100),
      loadAverageAfter: loadavg().map((x) => Math.round(x * 100) / 100),
    },
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  for (const line of summaryLines(report)) log(line);
  log(`report: ${out}`);
  log(report.ok ? 'chaos: PASSED' : 'chaos: FAILED');
  return report.ok && !interrupted ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`chaos: ${e.code ?? 'ERROR'}: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
