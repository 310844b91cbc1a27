// Processes and ports: is a recorded pid still our java server, how big is it, who holds a port.
// Linux reads /proc; elsewhere `ps` answers the same questions (lsof is not assumed).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout } from 'node:timers';

const hasProc = process.platform === 'linux';

/** True while a process with this pid exists (a zombie counts as gone). */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return error.code === 'EPERM';
  }
  if (!hasProc) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The process's argument vector, or undefined when it is gone or unreadable. */
export function commandLine(pid) {
  if (hasProc) {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.length === 0 ? undefined : raw.replace(/\0$/, '').split('\0');
    } catch {
      return undefined;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return out.trim() === '' ? undefined : out.trim().split(/\s+/);
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is the java server that scripts/infra started for `server` from this infra
 * directory: its command line carries our marker property and our configuration directory. A
 * recycled pid, or the same server started from another checkout, is not ours.
 */
export function isOurServer(pid, server) {
  const argv = commandLine(pid);
  if (argv === undefined) return false;
  return (
    /(^|\/)java$/.test(argv[0]) &&
    argv.includes(`-Dhanpyo.infra.server=${server.name}`) &&
    argv.some((a) => a.includes(server.confDir))
  );
}

/** Resident set size in bytes (VmRSS), or undefined. */
export function residentBytes(pid) {
  if (hasProc) {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
    return Number(out.trim()) * 1024 || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves true when nothing holds host:port (127.0.0.1 by default), by binding it for an instant. */
export function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolvePromise(false);
      else reject(error);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolvePromise(true)));
  });
}

/**
 * Best effort: the pid and command of whoever listens on TCP `port` (Linux, and only processes we
 * may inspect). Used in messages only, never to act on that process.
 */
export function whoListens(port, host = undefined) {
  if (!hasProc) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  // /proc/net/tcp writes an IPv4 address as the hex of its bytes in host (little-endian) order;
  // a listener on 0.0.0.0 holds every address.
  const hexHost = (h) =>
    h
      .split('.')
      .reverse()
      .map((b) => Number(b).toString(16).toUpperCase().padStart(2, '0'))
      .join('');
  const holds = (local) =>
    host === undefined ||
    local.startsWith(`${hexHost(host)}:`) ||
    local.startsWith('00000000:') ||
    local.length > 14;
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let rows;
    try {
      rows = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      const f = row.trim().split(/\s+/);
      // f[1] local address:port, f[3] state (0A = LISTEN), f[9] socket inode.
      if (f.length > 9 && f[1].endsWith(`:${hexPort}`) && f[3] === '0A' && holds(f[1]))
        inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds;
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1])) {
        const pid = Number(entry);
        return { pid, argv: commandLine(pid) ?? [] };
      }
    }
  }
  return undefined;
}

/** A short name for a command line: the program, and for java its main class. */
export function describeCommand(argv) {
  if (argv.length === 0) return '?';
  const program = argv[0].split('/').pop();
  if (program !== 'java') return argv.slice(0, 3).join(' ');
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '-cp' || argv[i] === '-classpath' || argv[i] === '--class-path') i++;
    else if (argv[i] === '-jar') return `java -jar ${argv[i + 1]}`;
    else if (!argv[i].startsWith('-')) return `java ${argv[i]}`;
  }
  return 'java';
}

/** Sends `signal` to the process; false when it was already gone. */
export function signal(pid, name) {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    throw error;
  }
}

/** Resolves true once the process is gone, false after `timeoutMs`. */
export async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(200);
  }
  return true;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs a command to completion without blocking the event loop (the other server is starting);
 * resolves `{ code, output }` (stdout and stderr together). `env` is added to this process's.
 */
export function run(command, args, cwd, env = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, output }));
  });
}
