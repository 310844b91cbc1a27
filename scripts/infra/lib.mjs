// The local Kafka and Cassandra as functions: up, down, status, reset, logs, withServers. The
// command `npm run infra` (scripts/infra.mjs), `npm test` and `npm start` all go through here, and
// each caller learns which servers IT started, so that it stops only those.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { InfraError, SERVERS, displayPath as show, loadConfig, serverNames } from './config.mjs';
import { ensureJars, fetchedJars, pomVersion } from './fetch.mjs';
import {
  describeCommand,
  isAlive,
  isOurServer,
  isPortFree,
  residentBytes,
  signal,
  sleep,
  waitForExit,
  whoListens,
} from './proc.mjs';
import { SERVER_KINDS, javaMajor } from './servers.mjs';

export { InfraError, SERVERS, loadConfig, serverNames };

const DATA_MARKER = '.hanpyo-data';
const defaultLog = (message) => console.log(`[infra] ${message}`);

/** `opts.config`, or the environment's with `opts.nodes` (1 by default, 3 for a local cluster). */
function options(o = {}) {
  return {
    config: o.config ?? loadConfig(process.env, { nodes: o.nodes }),
    log: o.log ?? defaultLog,
  };
}

/** Who starts servers in this process unless the caller says: `npm run infra` or a script. */
function defaultStartedBy() {
  return { by: 'infra', pid: process.pid };
}

/**
 * True when a node's recorded `startedBy` matches every field of `filter` (an object such as
 * `{ by: 'npm start', stateDir }`). A node recorded before startedBy existed matches no filter.
 */
export function startedByMatches(startedBy, filter) {
  if (filter === undefined) return true;
  if (startedBy === undefined || startedBy === null) return false;
  return Object.entries(filter).every(([k, v]) => startedBy[k] === v);
}

// ---------------------------------------------------------------------------------------------
// Recorded state: run/<server>.pid (the pid alone) and run/<server>.json (how it was started).

function readState(server) {
  let pid;
  try {
    pid = Number(readFileSync(server.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  let details;
  try {
    details = JSON.parse(readFileSync(server.stateFile, 'utf8'));
  } catch {
    details = {};
  }
  return { ...details, pid };
}

function writeState(server, state) {
  writeFileSync(server.pidFile, `${state.pid}\n`);
  writeFileSync(server.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

function clearState(server) {
  rmSync(server.pidFile, { force: true });
  rmSync(server.stateFile, { force: true });
}

/** The recorded process when it is alive and still our java server; stale records are removed. */
function ourProcess(config, server, log) {
  const state = readState(server);
  if (state === undefined) return undefined;
  if (
    Number.isInteger(state.pid) &&
    state.pid > 0 &&
    isAlive(state.pid) &&
    isOurServer(state.pid, server)
  )
    return state;
  log(
    `${server.name}: removing stale pid file ${show(config, server.pidFile)} (pid ${state.pid} is not our server)`,
  );
  clearState(server);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Locks: one `up`/`down`/`reset` at a time per server, across processes (run/<server>.lock holds
// the owner's pid) and inside this process (a promise chain).

const inProcess = new Map();

async function withLock(config, server, timeoutMs, fn) {
  const previous = inProcess.get(server.name) ?? Promise.resolve();
  let release;
  const mine = new Promise((r) => (release = r));
  inProcess.set(
    server.name,
    previous.then(() => mine),
  );
  await previous;
  try {
    mkdirSync(config.runDir, { recursive: true });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        writeFileSync(server.lockFile, `${process.pid}\n`, { flag: 'wx' });
        break;
      } catch (error) {
        if (error.code !== 'EEXIST') throw error;
      }
      let holder = NaN;
      try {
        holder = Number(readFileSync(server.lockFile, 'utf8').trim());
      } catch {
        continue; // released between our attempt and the read
      }
      if (!Number.isInteger(holder) || holder === process.pid || !isAlive(holder)) {
        rmSync(server.lockFile, { force: true });
        continue;
      }
      if (Date.now() >= deadline)
        throw new InfraError(
          'LOCKED',
          `${server.name}: another infra command (pid ${holder}) is still working on it; ` +
            `if it is gone, remove ${show(config, server.lockFile)}`,
        );
      await sleep(250);
    }
    try {
      return await fn();
    } finally {
      rmSync(server.lockFile, { force: true });
    }
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// Logs

/** The last `n` lines of a file ('' when it does not exist). */
export function tailLines(file, n) {
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(file).size;
    let start = size;
    let text = '';
    while (start > 0 && text.split('\n').length <= n + 1) {
      const len = Math.min(64 * 1024, start);
      start -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, start);
      text = buf.toString('utf8') + text;
    }
    return text.replace(/\n$/, '').split('\n').slice(-n).join('\n');
  } finally {
    closeSync(fd);
  }
}

/** Reads what was appended to a file since `offset`; returns the text and the new offset. */
function readFrom(file, offset) {
  let size;
  try {
    size = statSync(file).size;
  } catch {
    return { text: '', offset };
  }
  if (size < offset) offset = 0; // truncated or replaced
  if (size === offset) return { text: '', offset };
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return { text: buf.toString('utf8'), offset: size };
  } finally {
    closeSync(fd);
  }
}

function logExcerpt(config, server, n = 25) {
  // Lines cut at 300 characters: Cassandra logs its whole classpath on one line.
  const tail = tailLines(server.logFile, n)
    .split('\n')
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join('\n');
  return `log: ${server.logFile}\n--- last ${n} lines ---\n${tail || '(empty)'}\n---`;
}

// ---------------------------------------------------------------------------------------------
// up

let fetchQueue = Promise.resolve();
let javaChecked;

/** Maven runs one at a time: two at once would share ~/.m2, which Maven 3.8 does not lock. */
function fetchSerially(config, server, log) {
  const run = fetchQueue.then(() => ensureJars(config, server, log));
  fetchQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

async function checkPorts(config, server) {
  for (const { variable, host, port } of server.bindings) {
    if (await isPortFree(port, host)) continue;
    const holder = whoListens(port, host);
    const who = holder ? `pid ${holder.pid}, ${describeCommand(holder.argv)}; ` : '';
    const marker = holder?.argv.find((a) => a.startsWith('-Dhanpyo.infra.server='));
    const origin = marker
      ? `a hanpyo ${marker.split('=')[1]} started from another infra directory`
      : 'not started by hanpyo';
    throw new InfraError(
      'PORT_IN_USE',
      `${server.name}: port ${host}:${port} is in use by another process (${who}${origin}); ` +
        `set ${variable} to a free port`,
    );
  }
}

function sameSetup(state, server) {
  return (
    state.dataDir === server.dataDir &&
    JSON.stringify(state.ports ?? {}) === JSON.stringify(server.ports) &&
    (state.secure ?? false) === server.secure
  );
}

/**
 * Waits until the server logs its ready line (after `offset` in its log) and answers its protocol
 * probe. Resolves true, or false at the deadline; throws START_FAILED if the process exits.
 */
async function waitReady(config, server, pid, offset, deadline, exited) {
  const kind = SERVER_KINDS[server.kind];
  let seen = false;
  let carry = '';
  for (;;) {
    if (!seen) {
      const chunk = readFrom(server.logFile, offset);
      offset = chunk.offset;
      const text = carry + chunk.text;
      seen = kind.readyLine.test(text);
      carry = text.slice(-512);
    }
    if (seen && (await kind.probe(server))) return true;
    const code = exited();
    if (code !== undefined || !isAlive(pid))
      throw new InfraError(
        'START_FAILED',
        `${server.name}: the server exited during start-up${code === undefined ? '' : ` (${code})`}.\n` +
          logExcerpt(config, server),
      );
    if (Date.now() >= deadline) return false;
    await sleep(250);
  }
}

async function startOne(config, server, log, startedBy) {
  const kind = SERVER_KINDS[server.kind];
  const running = ourProcess(config, server, log);
  if (running !== undefined) {
    if (!sameSetup(running, server))
      throw new InfraError(
        'CONFIG_MISMATCH',
        `${server.name}: already running (pid ${running.pid}) with other ports, data directory or ` +
          `security than the environment asks for (${JSON.stringify(running.ports)}, ` +
          `${running.dataDir}, secure ${running.secure ?? false}); ` +
          `stop it first: npm run infra -- down ${server.name}`,
      );
    if (await kind.probe(server)) {
      log(
        `${server.name}: already running (pid ${running.pid}, ${server.host}:${server.port}), nothing to do`,
      );
      return { name: server.name, action: 'running', pid: running.pid };
    }
    log(`${server.name}: running (pid ${running.pid}) but not answering yet; waiting`);
    const deadline = Date.now() + server.startTimeoutMs;
    if (await waitReady(config, server, running.pid, 0, deadline, () => undefined))
      return { name: server.name, action: 'running', pid: running.pid };
    throw new InfraError(
      'START_TIMEOUT',
      `${server.name}: pid ${running.pid} does not answer on ${server.host}:${server.port} after ` +
        `${server.startTimeoutMs / 1000} s; stop it with: npm run infra -- down ${server.name}\n` +
        logExcerpt(config, server),
    );
  }

  await checkPorts(config, server);
  const fetch = await fetchSerially(config, server, log);
  javaChecked ??= javaMajor(config);
  if (server.kind === 'cassandra' && javaChecked !== 17)
    log(`cassandra: warning: java ${javaChecked}; Cassandra 5.0 is run and tested here on Java 17`);

  for (const d of [config.logsDir, config.runDir, server.home]) mkdirSync(d, { recursive: true });
  if (!existsSync(server.dataDir)) mkdirSync(server.dataDir, { recursive: true });
  if (!existsSync(`${server.dataDir}/${DATA_MARKER}`))
    writeFileSync(
      `${server.dataDir}/${DATA_MARKER}`,
      'created by scripts/infra; `reset` may wipe this directory\n',
    );
  await kind.prepare(config, server, log);

  // One log per run; the previous run's stays beside it as <server>.log.1.
  if (existsSync(server.logFile)) renameSync(server.logFile, `${server.logFile}.1`);
  const version = pomVersion(server);
  log(
    `${server.name}: starting ${server.secure ? 'a secured ' : ''}${server.kind} ${version} on ${server.host}:${server.port} ` +
      `(heap ${server.heap}, data ${show(config, server.dataDir)}, log ${show(config, server.logFile)})`,
  );
  const started = Date.now();
  const out = openSync(server.logFile, 'a');
  let exitCode;
  let child;
  try {
    child = spawn(config.java, kind.javaArgs(server), {
      cwd: server.home,
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, ...kind.env(server) },
    });
  } finally {
    closeSync(out);
  }
  child.once('exit', (code, sig) => (exitCode = sig ? `signal ${sig}` : `exit code ${code}`));
  const spawnError = await new Promise((r) => {
    child.once('error', r);
    child.once('spawn', () => r(undefined));
  });
  if (spawnError)
    throw new InfraError(
      'START_FAILED',
      `${server.name}: cannot run ${config.java}: ${spawnError.message}`,
    );
  child.unref();
  const pid = child.pid;
  writeState(server, {
    server: server.name,
    pid,
    version,
    port: server.port,
    ports: server.ports,
    heap: server.heap,
    dataDir: server.dataDir,
    secure: server.secure,
    logFile: server.logFile,
    host: server.host,
    startedAt: new Date(started).toISOString(),
    // Who started it: `down` with a startedBy filter (npm start's shutdown, npm stop) stops only
    // the nodes whose record matches, never what someone else started.
    startedBy,
  });

  let ready;
  try {
    ready = await waitReady(
      config,
      server,
      pid,
      0,
      started + server.startTimeoutMs,
      () => exitCode,
    );
  } catch (error) {
    clearState(server);
    throw error;
  }
  if (!ready) {
    log(`${server.name}: not ready after ${server.startTimeoutMs / 1000} s; stopping pid ${pid}`);
    await stopPid(pid, 15_000);
    clearState(server);
    throw new InfraError(
      'START_TIMEOUT',
      `${server.name}: did not become ready within ${server.startTimeoutMs / 1000} s ` +
        `(HANPYO_INFRA_START_TIMEOUT raises the limit).\n${logExcerpt(config, server)}`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  log(`${server.name}: ready in ${seconds.toFixed(1)} s (pid ${pid})`);
  return {
    name: server.name,
    action: 'started',
    pid,
    seconds,
    fetchSeconds: fetch.fetched ? fetch.seconds : undefined,
  };
}

/**
 * Starts the named servers (all when none are named) unless they already run, fetching their jars
 * on first use; the servers start in parallel. Resolves with what each one did:
 * `{ started: string[], alreadyRunning: string[], results }`, where `started` is what THIS call
 * started and should stop. On failure it throws the first error, with `error.started` listing the
 * servers that this call did start (they are left running; stop them with `down(error.started)`).
 */
export async function up(names, opts = {}) {
  const { config, log } = options(opts);
  const startedBy = opts.startedBy ?? defaultStartedBy();
  const servers = serverNames(names, config).map((n) => config.servers[n]);
  const start = (s) =>
    withLock(config, s, s.startTimeoutMs + 600_000, () => startOne(config, s, log, startedBy));
  if (config.cluster) writeClusterFile(config);
  // Kafka nodes start together (a quorum needs two of them up); Cassandra nodes one after the
  // other, node 1 (the seed) first: two nodes joining the ring at once is refused.
  const kafkaNodes = servers.filter((s) => s.kind === 'kafka');
  const serial = servers.filter((s) => s.kind === 'cassandra');
  const serialOutcomes = (async () => {
    const out = [];
    for (const s of serial) {
      const o = await start(s).then(
        (value) => ({ status: 'fulfilled', value }),
        (reason) => ({ status: 'rejected', reason }),
      );
      out.push(o);
      if (o.status === 'rejected' && config.cluster) break;
    }
    return out;
  })();
  const outcomes = [
    ...(await Promise.allSettled(kafkaNodes.map(start))),
    ...(await serialOutcomes),
  ];
  const results = {};
  for (const o of outcomes) if (o.status === 'fulfilled') results[o.value.name] = o.value;
  const started = Object.values(results)
    .filter((r) => r.action === 'started')
    .map((r) => r.name);
  const alreadyRunning = Object.values(results)
    .filter((r) => r.action === 'running')
    .map((r) => r.name);
  const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
  if (failures.length > 0) {
    const error = failures[0];
    for (const extra of failures.slice(1)) error.message += `\n\n${extra.message}`;
    error.started = started;
    throw error;
  }
  return { started, alreadyRunning, results };
}

// ---------------------------------------------------------------------------------------------
// down

async function stopPid(pid, graceMs) {
  const started = Date.now();
  if (!signal(pid, 'SIGTERM')) return { killed: false, seconds: 0 };
  if (await waitForExit(pid, graceMs))
    return { killed: false, seconds: (Date.now() - started) / 1000 };
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, 10_000)))
    throw new InfraError('STOP_FAILED', `pid ${pid} survived SIGKILL`);
  return { killed: true, seconds: (Date.now() - started) / 1000 };
}

/**
 * Stops the named servers (all when none are named; an empty list is none), but only processes
 * that scripts/infra started from this infra directory: SIGTERM (clean shutdown), up to `graceMs`
 * (30 s), then SIGKILL. With `opts.startedBy` (e.g. `{ by: 'npm start', stateDir }`) it stops
 * only the nodes whose recorded startedBy matches it and leaves the others running. Resolves
 * `{ stopped, notRunning, leftRunning }` (server names; leftRunning: running, not ours to stop).
 */
export async function down(names, opts = {}) {
  const { config, log } = options(opts);
  const graceMs = opts.graceMs ?? 30_000;
  const servers = serverNames(names, config).map((n) => config.servers[n]);
  const outcomes = await Promise.all(
    servers.map((server) =>
      withLock(config, server, 120_000, async () => {
        const running = ourProcess(config, server, log);
        if (running === undefined) {
          log(`${server.name}: not running`);
          return { name: server.name, stopped: false };
        }
        if (!startedByMatches(running.startedBy, opts.startedBy)) {
          log(
            `${server.name}: left running (pid ${running.pid}, started by ${describeStartedBy(running.startedBy)})`,
          );
          return { name: server.name, stopped: false, leftRunning: true };
        }
        log(`${server.name}: stopping pid ${running.pid} (SIGTERM)…`);
        const r = await stopPid(running.pid, graceMs);
        clearState(server);
        log(
          `${server.name}: stopped in ${r.seconds.toFixed(1)} s` +
            (r.killed ? ` (SIGKILL after ${graceMs / 1000} s)` : ''),
        );
        return { name: server.name, stopped: true };
      }),
    ),
  );
  return {
    stopped: outcomes.filter((o) => o.stopped).map((o) => o.name),
    notRunning: outcomes.filter((o) => !o.stopped && !o.leftRunning).map((o) => o.name),
    leftRunning: outcomes.filter((o) => o.leftRunning).map((o) => o.name),
  };
}

/** A recorded startedBy for a person: `npm start (pid 123, .hanpyo)`. */
export function describeStartedBy(startedBy) {
  if (!startedBy) return 'an older infra command (not recorded)';
  const parts = [`pid ${startedBy.pid}`];
  if (startedBy.stateDir) parts.push(startedBy.stateDir);
  return `${startedBy.by} (${parts.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// status, reset

/**
 * Describes each server: `state` 'running' (answers its protocol), 'starting' (our process is alive
 * but does not answer yet) or 'stopped', with pid, ports, uptime, resident memory and versions.
 */
export async function status(names, opts) {
  const { config } = options({ log: () => undefined, ...opts });
  const quiet = () => undefined;
  const out = {};
  await Promise.all(
    serverNames(names, config).map(async (name) => {
      const server = config.servers[name];
      const jars = fetchedJars(server);
      const base = {
        version: pomVersion(server),
        fetchedVersion: jars?.version ?? null,
        host: server.host,
        port: server.port,
        dataDir: server.dataDir,
        logFile: server.logFile,
      };
      const running = ourProcess(config, server, quiet);
      if (running === undefined) {
        out[name] = { state: 'stopped', ...base };
        return;
      }
      const answers = await SERVER_KINDS[server.kind].probe({
        ...server,
        port: running.port ?? server.port,
      });
      out[name] = {
        state: answers ? 'running' : 'starting',
        ...base,
        pid: running.pid,
        port: running.port ?? server.port,
        ports: running.ports,
        heap: running.heap,
        secure: running.secure ?? false,
        version: running.version ?? base.version,
        startedAt: running.startedAt,
        uptimeSeconds: running.startedAt
          ? Math.round((Date.now() - Date.parse(running.startedAt)) / 1000)
          : null,
        rssBytes: residentBytes(running.pid) ?? null,
        startedBy: running.startedBy ?? null,
      };
    }),
  );
  return Object.fromEntries(
    Object.keys(config.servers)
      .filter((s) => s in out)
      .map((s) => [s, out[s]]),
  );
}

/**
 * Stops the named servers (all when none are named) and wipes their data directories; the jar
 * cache stays. A data directory that scripts/infra did not create is never wiped.
 */
export async function reset(names, opts) {
  const { config, log } = options(opts);
  const picked = serverNames(names, config);
  await down(picked, { config, log });
  for (const name of picked) {
    const server = config.servers[name];
    await withLock(config, server, 120_000, async () => {
      if (!existsSync(server.dataDir)) {
        log(`${name}: no data at ${show(config, server.dataDir)}`);
        return;
      }
      const entries = readdirSync(server.dataDir);
      if (entries.length > 0 && !entries.includes(DATA_MARKER))
        throw new InfraError(
          'UNSAFE_PATH',
          `${name}: refusing to wipe ${server.dataDir}: it was not created by scripts/infra ` +
            `(no ${DATA_MARKER} in it)`,
        );
      rmSync(server.dataDir, { recursive: true, force: true });
      log(`${name}: wiped ${show(config, server.dataDir)}`);
    });
  }
  // A whole cluster wiped: back to the single-node layout until the next `up --nodes 3`.
  if (config.cluster && picked.length === Object.keys(config.servers).length) {
    rmSync(config.clusterFile, { force: true });
    rmSync(config.cluster.kafkaClusterIdFile, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// logs

/**
 * Writes the last `lines` lines of each named server's log to `write` (stdout by default); with
 * `follow`, keeps writing what they append until `stop.stopped` turns true.
 */
export async function logs(names, opts = {}) {
  const { config } = options(opts);
  const picked = serverNames(names, config);
  const write = opts.write ?? ((text) => process.stdout.write(text));
  const lines = opts.lines ?? 50;
  const prefix = (name, text) =>
    picked.length === 1 ? text : text.replace(/^(?=.)/gm, `${name.padEnd(11)} | `);
  const offsets = {};
  for (const name of picked) {
    const server = config.servers[name];
    if (!existsSync(server.logFile)) {
      write(prefix(name, `(no log yet at ${server.logFile})\n`));
    } else {
      const tail = tailLines(server.logFile, lines);
      if (tail) write(prefix(name, `${tail}\n`));
    }
    offsets[name] = existsSync(server.logFile) ? statSync(server.logFile).size : 0;
  }
  if (!opts.follow) return;
  const partial = {};
  while (!opts.stop?.stopped) {
    for (const name of picked) {
      const r = readFrom(config.servers[name].logFile, offsets[name]);
      offsets[name] = r.offset;
      const text = (partial[name] ?? '') + r.text;
      const cut = text.lastIndexOf('\n') + 1;
      partial[name] = text.slice(cut);
      if (cut > 0) write(prefix(name, text.slice(0, cut)));
    }
    await sleep(300);
  }
}

// ---------------------------------------------------------------------------------------------
// withServers

/**
 * Runs `fn` with the named servers up, then stops those that this call started (not those that
 * were already running), also when `fn` throws or the process gets SIGINT/SIGTERM. For the test
 * runner and `npm start`.
 */
export async function withServers(names, fn, opts = {}) {
  const { config, log } = options(opts);
  let started = [];
  try {
    const r = await up(names, { config, log, startedBy: opts.startedBy });
    started = r.started;
  } catch (error) {
    if (error.started?.length) await down(error.started, { config, log });
    throw error;
  }
  const onSignal = (sig) => {
    log(`${sig}: stopping ${started.join(', ') || 'nothing'} before exit`);
    down(started, { config, log }).then(
      () => process.exit(sig === 'SIGINT' ? 130 : 143),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn({ started, config });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (started.length > 0) await down(started, { config, log });
  }
}

// ---------------------------------------------------------------------------------------------
// A local cluster: .infra/cluster.json, the services' environment, one node at a time (chaos)

/**
 * What .infra/cluster.json says about a cluster of `config` (loadConfig with nodes 3): the nodes
 * with their addresses and ports, and the durability settings every service must use.
 */
export function clusterDescription(config) {
  const { cluster } = config;
  if (!cluster) throw new InfraError('USAGE', 'not a cluster configuration (--nodes 3)');
  const node = (name) => {
    const s = config.servers[name];
    return {
      name,
      kind: s.kind,
      nodeId: s.nodeId,
      host: s.host,
      ports: s.ports,
      ...(s.rack ? { datacenter: cluster.datacenter, rack: s.rack } : {}),
      dataDir: s.dataDir,
      logFile: s.logFile,
    };
  };
  const kafka = cluster.kafka.map(node);
  const cassandra = cluster.cassandra.map(node);
  const replicationFactor = Math.min(3, cluster.nodes);
  return {
    nodes: cluster.nodes,
    kafka,
    cassandra,
    durability: {
      kafkaReplicationFactor: replicationFactor,
      kafkaMinInsyncReplicas: Math.min(2, cluster.nodes),
      cassandraReplication: `NetworkTopologyStrategy:${cluster.datacenter}=${replicationFactor}`,
      cassandraConsistency: 'LOCAL_QUORUM',
      cassandraDatacenter: cluster.datacenter,
    },
    env: serviceEnvFrom(kafka, cassandra, replicationFactor, cluster),
  };
}

function serviceEnvFrom(kafka, cassandra, replicationFactor, cluster) {
  return {
    HANPYO_KAFKA_BROKERS: kafka.map((n) => `${n.host}:${n.ports.HANPYO_KAFKA_PORT}`).join(','),
    HANPYO_KAFKA_REPLICATION_FACTOR: String(replicationFactor),
    HANPYO_KAFKA_MIN_INSYNC_REPLICAS: String(Math.min(2, cluster.nodes)),
    HANPYO_CASSANDRA_CONTACT_POINTS: cassandra
      .map((n) => `${n.host}:${n.ports.HANPYO_CASSANDRA_PORT}`)
      .join(','),
    HANPYO_CASSANDRA_DATACENTER: cluster.datacenter,
    HANPYO_CASSANDRA_REPLICATION: `NetworkTopologyStrategy:${cluster.datacenter}=${replicationFactor}`,
    HANPYO_CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
  };
}

/** Writes .infra/cluster.json (atomically: a reader never sees half of it). */
export function writeClusterFile(config) {
  mkdirSync(config.infraDir, { recursive: true });
  const tmp = `${config.clusterFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(clusterDescription(config), null, 2)}\n`);
  renameSync(tmp, config.clusterFile);
}

/**
 * The cluster recorded in the infra directory (HANPYO_INFRA_DIR, or `opts.infraDir`), or
 * undefined when there is none (the single-node layout). A malformed file is CONFIG_INVALID.
 */
export function readCluster(opts = {}) {
  const infraDir = opts.infraDir ?? loadConfig(opts.env ?? process.env).infraDir;
  const file = `${infraDir}/cluster.json`;
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InfraError('CONFIG_INVALID', `${file}: not JSON (${error.message})`);
  }
  if (!Number.isInteger(parsed?.nodes) || typeof parsed.env?.HANPYO_KAFKA_BROKERS !== 'string')
    throw new InfraError('CONFIG_INVALID', `${file}: not a cluster description (nodes, env)`);
  return parsed;
}

/**
 * The environment every service needs to use the recorded local cluster: all Kafka bootstrap
 * addresses, all Cassandra contact points, RF 3 / min.insync.replicas 2, NetworkTopologyStrategy
 * dc1=3 and LOCAL_QUORUM. Empty when the infra directory has no cluster.json.
 */
export function clusterServiceEnv(opts = {}) {
  return { ...(readCluster(opts)?.env ?? {}) };
}

function oneServer(config, name) {
  const server = config.servers[name];
  if (server === undefined)
    throw new InfraError(
      'USAGE',
      `unknown node '${name}' (expected ${Object.keys(config.servers).join(', ')})`,
    );
  return server;
}

/** The pid of a running node that scripts/infra started (e.g. 'kafka-2'), or undefined. */
export function nodePid(name, opts = {}) {
  const { config } = options({ log: () => undefined, nodes: 3, ...opts });
  return ourProcess(config, oneServer(config, name), () => undefined)?.pid;
}

/**
 * Sends a signal (SIGKILL, SIGSTOP, SIGCONT, SIGTERM) to one running node that scripts/infra
 * started, for chaos tests. Resolves the pid signalled. After SIGKILL the node's records are
 * left as they are: `up([name])` (or `restartNode`) starts it again from its data.
 */
export async function signalNode(name, sig, opts = {}) {
  const { config } = options({ nodes: 3, ...opts });
  if (!['SIGKILL', 'SIGSTOP', 'SIGCONT', 'SIGTERM'].includes(sig))
    throw new InfraError('USAGE', `signalNode: ${sig} is not SIGKILL, SIGSTOP, SIGCONT or SIGTERM`);
  const server = oneServer(config, name);
  const running = ourProcess(config, server, () => undefined);
  if (running === undefined) throw new InfraError('USAGE', `${name}: not running`);
  signal(running.pid, sig);
  if (sig === 'SIGKILL') await waitForExit(running.pid, 10_000);
  return running.pid;
}

/**
 * Starts one node again after a kill (or stops it first when it still runs, with SIGKILL when
 * `opts.kill`): resolves `{ pid, seconds }`. Its startedBy stays the original one's when known.
 */
export async function restartNode(name, opts = {}) {
  const { config, log } = options({ nodes: 3, ...opts });
  const server = oneServer(config, name);
  const before = readState(server);
  const running = ourProcess(config, server, log);
  if (running !== undefined) {
    if (opts.kill) await signalNode(name, 'SIGKILL', { config });
    else await down([name], { config, log });
  }
  const t0 = Date.now();
  const r = await up([name], {
    config,
    log,
    startedBy: opts.startedBy ?? before?.startedBy ?? defaultStartedBy(),
  });
  return { pid: r.results[name].pid, seconds: (Date.now() - t0) / 1000 };
}
