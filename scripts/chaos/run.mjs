// One chaos scenario, run: steady load from the local load runner (`hanpyo loadtest`'s function,
// which makes a fresh election, prepares its votes, casts them on an open-model schedule, closes
// the election, awaits the final block and audits every receipt), the scenario's fault struck a
// third of the way into the casting, then the checks of checks.mjs over the election.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspectElection, receiptsCheck, timeoutSignal, verdict } from './checks.mjs';
import { loadFigures, recovery } from './report.mjs';
import { loadPlan } from './scenarios.mjs';
import { ROOT, alive, waitExit } from './stack.mjs';

const WITNESS_KEY_ID = 'observer-1';
/** Batches the persister writes before the crash of persister-crash-after-write. */
const CRASH_AFTER_BATCHES = 3;

const round1 = (ms) => Math.round(ms / 100) / 10;

/** Whether the ledger at `url` holds the cutter lease of the election (its metric says 1). */
async function holdsLease(url, electionId) {
  const text = await fetch(`${url}/metrics`, { signal: timeoutSignal(1000) }).then(
    (r) => r.text(),
    () => '',
  );
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith('hanpyo_ledger_lease_held{') && l.includes(`election="${electionId}"`),
    );
  return line !== undefined && Number(line.split(' ').pop()) === 1;
}

/** Polls the election's latest block every 500 ms while `running()`; records each new height. */
async function watchBlocks(ledgerUrls, electionId, running) {
  const seen = new Map();
  while (running()) {
    for (const url of ledgerUrls()) {
      const latest = await fetch(
        `${url}/v1/elections/${encodeURIComponent(electionId)}/blocks/latest`,
        { signal: timeoutSignal(1000) },
      ).then(
        (r) => (r.ok ? r.json() : undefined),
        () => undefined,
      );
      if (latest && !seen.has(latest.block.height))
        seen.set(latest.block.height, {
          height: latest.block.height,
          closedAt: latest.block.closedAt,
        });
    }
    await sleep(500);
  }
  return [...seen.values()];
}

/**
 * The faults, by scenario kind: each resolves with what happened (`at`: the fault's instant in ms
 * since the epoch) once the system has been given back what it lost.
 */
const FAULTS = {
  async 'kill-service'(stack, scenario) {
    const pid = stack.pid(scenario.target);
    const at = await stack.kill(scenario.target);
    const restartedAt = await stack.restart(scenario.target);
    return {
      at,
      description: `kill -9 of the ${scenario.target} (pid ${pid}), restarted at once`,
      restartSeconds: round1(restartedAt - at),
    };
  },

  async 'persister-crash'(stack, scenario, context) {
    // The persister was restarted with the fault hook before the load (prepare, below): it
    // kills itself after its N-th batch write, before that batch's offset commit.
    const pid = context.faultyPid;
    const deadline = Date.now() + context.loadSeconds * 1000 + 30_000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) {
      await stack.kill('persister');
      throw Object.assign(new Error('the fault hook never fired: the persister did not crash'), {
        code: 'CHAOS_FAULT_NOT_FIRED',
      });
    }
    const at = Date.now();
    const log = await readFile(join(stack.state, 'logs', 'persister.log'), 'utf8');
    const fired = log.includes('fault hook: crashing after a batch write');
    const restartedAt = await stack.restart('persister');
    return {
      at,
      description: `the persister killed itself (SIGKILL) after its batch write ${CRASH_AFTER_BATCHES}, before the offset commit (HANPYO_FAULT_CRASH_AFTER_WRITE=${CRASH_AFTER_BATCHES}); restarted without the hook`,
      hookFired: fired,
      restartSeconds: round1(restartedAt - at),
    };
  },

  async 'ledger-lease'(stack, scenario, context) {
    const ttl = Number(process.env.HANPYO_LEDGER_LEASE_TTL_SECONDS ?? 15);
    const first = { url: stack.url('ledger'), pid: stack.pid('ledger'), name: 'ledger-1' };
    const second = { ...context.secondLedger, name: 'ledger-2' };
    let holder;
    for (let i = 0; i < 40 && !holder; i++) {
      if (await holdsLease(first.url, context.electionId)) holder = first;
      else if (await holdsLease(second.url, context.electionId)) holder = second;
      else await sleep(250);
    }
    if (!holder)
      throw Object.assign(new Error('no ledger holds the lease'), { code: 'CHAOS_NO_LEASE' });
    const other = holder === first ? second : first;
    process.kill(holder.pid, 'SIGSTOP');
    const at = Date.now();
    const stopMs = ttl * 1000 + 4000;
    let tookOverSeconds = null;
    while (Date.now() - at < stopMs) {
      if (tookOverSeconds === null && (await holdsLease(other.url, context.electionId)))
        tookOverSeconds = round1(Date.now() - at);
      await sleep(250);
    }
    process.kill(holder.pid, 'SIGCONT');
    return {
      at,
      description: `SIGSTOP of the lease holder (${holder.name}) for ${stopMs / 1000} s (lease ${ttl} s), then SIGCONT`,
      holder: holder.name,
      otherTookOverSeconds: tookOverSeconds,
      ok: tookOverSeconds !== null,
    };
  },

  async 'kill-node'(stack, scenario) {
    const { infra } = stack;
    const pid = await infra.nodePid(scenario.target);
    await infra.signalNode(scenario.target, 'SIGKILL');
    const at = Date.now();
    if (pid) await waitExit(pid, 20_000);
    await sleep(5000); // the cluster runs on the other two for a while
    const t = Date.now();
    if (typeof infra.restartNode === 'function') await infra.restartNode(scenario.target);
    else await infra.up([scenario.target], { nodes: 3 });
    return {
      at,
      description: `kill -9 of ${scenario.target} (pid ${pid}), restarted 5 s later`,
      restartSeconds: round1(Date.now() - t),
    };
  },

  async 'stop-node'(stack, scenario) {
    const { infra } = stack;
    const pid = await infra.nodePid(scenario.target);
    await infra.signalNode(scenario.target, 'SIGSTOP');
    const at = Date.now();
    // Past every session timeout in play: consumers (persister 6 s), brokers (KRaft 9 s).
    const stopMs = 15_000;
    await sleep(stopMs);
    await infra.signalNode(scenario.target, 'SIGCONT');
    return {
      at,
      description: `SIGSTOP of ${scenario.target} (pid ${pid}) for ${stopMs / 1000} s, then SIGCONT`,
    };
  },
};

/**
 * Closes the election (the operator's credential), awaits its final block and audits every
 * receipt with `hanpyo audit`'s function: what the load runner does after its run.
 */
async function closeAndAudit(tool, electionId, receiptsPath, say) {
  const [{ call, readLocal, registrarKey }, { auditReceipts }] = await Promise.all([
    tool('local.js'),
    tool('audit.js'),
  ]);
  const local = await readLocal();
  const id = encodeURIComponent(electionId);
  const answer = await call(`${local.registrar.url}/v1/elections/${id}/close`, {
    method: 'POST',
    body: {},
    // Role-scoped credentials when local.json has them (docs/security.md), else the admin token.
    token: registrarKey ? registrarKey(local, 'operator') : local.registrar.adminToken,
  });
  say(`closed ${electionId}; the final block comes after ${answer.finalBlockAfter}`);
  const deadline = Date.parse(answer.finalBlockAfter) + 120_000;
  for (;;) {
    const latest = await call(`${local.ledger.url}/v1/elections/${id}/blocks/latest`).catch(
      () => undefined,
    );
    if (latest?.block.final) break;
    if (Date.now() > deadline)
      throw Object.assign(new Error(`no final block for ${electionId}`), {
        code: 'LOADTEST_FINAL_BLOCK_TIMEOUT',
      });
    await sleep(1000);
  }
  const report = await auditReceipts(electionId, receiptsPath);
  return { closed: true, ok: report.ok, counts: report.counts, blocks: report.blocks };
}

/**
 * Runs one scenario on the chaos stack; resolves with its record (never rejects: an error is
 * recorded and fails the scenario).
 * @param {Awaited<ReturnType<import('./stack.mjs').startChaosStack>>} stack
 * @param {{ name: string, kind: string, target: string, nodes: number }} scenario
 * @param {{ seconds: number, rate: number, log: (line: string) => void, setupEstimate: () => number, setupMeasured: (s: number) => void }} options
 */
export async function runScenario(stack, scenario, options) {
  const { seconds, rate, log } = options;
  const t0 = Date.now();
  const plan = loadPlan(seconds, rate);
  const record = {
    name: scenario.name,
    kind: scenario.kind,
    target: scenario.target,
    nodes: stack.nodes,
    startedAt: new Date(t0).toISOString(),
    load: undefined,
    fault: undefined,
    recovery: undefined,
    checks: {},
    ok: false,
    failed: [],
  };
  const context = { loadSeconds: seconds, electionId: undefined, secondLedger: undefined };
  const say = (line) => log(`[${scenario.name}] ${line}`);
  try {
    // Before the load: what the fault needs running.
    if (scenario.kind === 'persister-crash') {
      await stack.stop('persister');
      await stack.restart('persister', {
        HANPYO_FAULT_CRASH_AFTER_WRITE: String(CRASH_AFTER_BATCHES),
      });
      context.faultyPid = stack.pid('persister');
    }
    if (scenario.kind === 'ledger-lease') context.secondLedger = await stack.startSecondLedger();

    const profilePath = join(stack.state, `chaos-${scenario.name}.json`);
    await writeFile(profilePath, JSON.stringify(plan.profile));
    const tool = (file) => import(pathToFileURL(join(ROOT, 'tools', 'hanpyo', 'dist', file)).href);
    const [{ loadtest }, setup, profiles, { readLocal }] = await Promise.all([
      tool('loadtest.js'),
      tool('loadtest-setup.js'),
      tool('loadtest-profiles.js'),
      tool('local.js'),
    ]);
    // The election, made here rather than by the runner, so its voting window is as short as the
    // run allows: the final block is cut only once the window is over, even after an early close.
    const profile = await profiles.loadProfile(profilePath);
    const lib = await profiles.profileLib();
    const arrivals = Math.ceil(lib.arrivals(profile.scenario));
    const duration = lib.durationOf(profile.scenario);
    // The runner refuses to start with less than its run + 5 s left: 4 s past the run, plus the
    // setup's estimate, keeps that true while the setup takes less than the estimate + 1 s. A
    // setup slower than that (a busy machine) makes a new election with twice the setup's time.
    let target;
    let estimate = options.setupEstimate();
    for (let attempt = 1; !target; attempt++) {
      context.electionId = `chaos-${scenario.name}-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
      const setupStart = Date.now();
      const made = await setup.freshTarget(
        await readLocal(),
        profile,
        context.electionId,
        join(stack.state, 'loadtest', context.electionId),
        Math.ceil(estimate + duration + 4),
        arrivals,
        () => undefined,
      );
      const took = (Date.now() - setupStart) / 1000;
      options.setupMeasured(took);
      if (Date.parse(made.manifest.closes) - Date.now() >= (duration + 6) * 1000 || attempt === 3)
        target = made;
      else {
        say(`setup took ${took.toFixed(1)} s, more than the window allows: a new election`);
        estimate = 2 * took + 4;
      }
    }
    let castingAt;
    let faultPromise;
    let watching = true;
    let blocksPromise = Promise.resolve([]);
    const onLine = (line) => {
      if (line.startsWith('casting:') && castingAt === undefined) {
        castingAt = Date.now();
        say(
          `casting ${arrivals} voters over ${seconds} s at ${rate}/s; the fault in ${plan.faultAtSeconds} s`,
        );
        blocksPromise = watchBlocks(
          () => [stack.url('ledger'), ...(context.secondLedger ? [context.secondLedger.url] : [])],
          context.electionId,
          () => watching,
        );
        // The crash hook fires by itself after a few batches: watched from the first cast.
        const delay = scenario.kind === 'persister-crash' ? 0 : plan.faultAtSeconds * 1000;
        faultPromise = sleep(delay).then(() => FAULTS[scenario.kind](stack, scenario, context));
        // Observed below; a rejection before then is not unhandled.
        faultPromise.catch(() => undefined);
      }
      if (/^(audit:|final block|closed) /.test(line)) say(line);
    };
    // The registrar closes the election: when the fault is the registrar's, the runner leaves
    // the election open and it is closed here once the registrar is back.
    const closeHere = scenario.target === 'registrar';
    const run = await loadtest({
      profile: profilePath,
      electionId: context.electionId,
      prepared: target.prepared,
      out: join(stack.state, `loadtest-${scenario.name}.json`),
      log: onLine,
      close: !closeHere,
    });
    const fault = faultPromise
      ? await faultPromise.catch((e) => ({ error: `${e.code ?? 'ERROR'}: ${e.message}` }))
      : { error: 'the load never started casting' };
    if (closeHere) {
      const audit = await closeAndAudit(tool, context.electionId, run.result.files.receipts, say);
      run.result = { ...run.result, audit };
    }
    watching = false;
    const blocks = await blocksPromise;
    record.fault = fault;
    record.load = { rate, ...loadFigures(run.result) };
    say(
      `load: ${record.load.receipts} receipts, ${record.load.status503} 503s, ${record.load.status500} 500s; fault: ${fault.error ?? fault.description}`,
    );
    record.checks.receipts = receiptsCheck(run.result.audit, run.result.figures.receipted);
    const receiptLines = (await readFile(run.result.files.receipts, 'utf8'))
      .split('\n')
      .filter(Boolean);
    const receivedAt = receiptLines.map((l) => JSON.parse(l).receipt.receivedAt);
    if (fault.at !== undefined)
      record.recovery = {
        ...recovery(fault.at, receivedAt, blocks),
        restartSeconds: fault.restartSeconds ?? null,
      };
    const inspected = await inspectElection({
      electionId: run.result.electionId,
      local: stack.local(),
      witnessKeyId: WITNESS_KEY_ID,
    });
    Object.assign(record.checks, inspected);
    record.checks.fault = {
      ok: fault.error === undefined && fault.ok !== false && fault.hookFired !== false,
    };
    record.electionId = run.result.electionId;
    const v = verdict(record.checks, {
      receipts: record.load.receipts,
      status500: record.load.status500,
    });
    record.ok = v.ok;
    record.failed = v.failed;
  } catch (e) {
    record.error = `${e.code ?? 'ERROR'}: ${e.message}`;
    record.ok = false;
    record.failed = [...record.failed, 'run'];
    say(`error: ${record.error}`);
  } finally {
    if (scenario.kind === 'ledger-lease') await stack.stopSecondLedger().catch(() => undefined);
    // Whatever happened, the next scenario starts on a whole stack.
    for (const service of ['registrar', 'persister', 'ledger', 'edge', 'observer'])
      if (stack.pid(service) === undefined)
        await stack.restart(service).catch((e) => say(`cannot restart ${service}: ${e.message}`));
  }
  record.seconds = round1(Date.now() - t0);
  say(`${record.ok ? 'PASS' : `FAIL (${record.failed.join(', ')})`} in ${record.seconds} s`);
  return record;
}
