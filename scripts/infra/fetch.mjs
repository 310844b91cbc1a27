// Fetches a server's jars from Maven Central with the machine's Maven: infra/<server>/pom.xml is a
// throw-away POM whose runtime dependencies maven-dependency-plugin copies into .infra/<server>/lib.
// A marker file records the POM's hash, so a version bump in the POM fetches again.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { InfraError, displayPath } from './config.mjs';

const PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const MARKER = '.hanpyo-fetch.json';

/** The server version the POM asks for (its `<kafka.version>` or `<cassandra.version>`). */
export function pomVersion(server) {
  const pom = readFileSync(server.pom, 'utf8');
  const m = new RegExp(`<${server.kind}\\.version>([^<]+)</`).exec(pom);
  if (!m) throw new InfraError('CONFIG_INVALID', `${server.pom} has no <${server.kind}.version>`);
  return m[1].trim();
}

function pomHash(server) {
  return createHash('sha256').update(readFileSync(server.pom)).digest('hex');
}

/** The marker of the jars in .infra/<server>/lib, or undefined when they are absent. */
export function fetchedJars(server) {
  try {
    return JSON.parse(readFileSync(join(server.libDir, MARKER), 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when the jars in the cache were fetched from the current POM. */
export function jarsAreCurrent(server) {
  return fetchedJars(server)?.pomSha256 === pomHash(server);
}

/** Checks that Maven runs; throws MAVEN_MISSING with what to install. */
export function checkMaven(config) {
  const r = spawnSync(config.maven, ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new InfraError(
      'MAVEN_MISSING',
      `Maven ('${config.maven}') does not run: ${r.error?.message ?? r.stderr.trim()}. ` +
        'Install Maven 3.8+ (Debian: apt-get install maven) with a JDK 17.',
    );
}

/**
 * Makes sure .infra/<server>/lib holds the jars of the current POM, fetching them when needed.
 * Resolves { fetched: false } when they already did, else { fetched: true, seconds, jars, bytes }.
 * Maven runs with `-B -q`; set MAVEN_OPTS (e.g. -Dmaven.repo.local=...) to change its cache.
 */
export async function ensureJars(config, server, log) {
  if (jarsAreCurrent(server)) return { fetched: false };
  checkMaven(config);
  const version = pomVersion(server);
  const staging = `${server.libDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(server.libDir), { recursive: true });
  log(
    `${server.name}: fetching ${server.kind} ${version} and its runtime dependencies with Maven ` +
      `(${displayPath(config, server.pom)} → ${displayPath(config, server.libDir)})…`,
  );
  const started = Date.now();
  const args = [
    '-B',
    '-q',
    '-f',
    server.pom,
    PLUGIN,
    '-DincludeScope=runtime',
    `-DoutputDirectory=${staging}`,
  ];
  const output = await new Promise((resolvePromise, reject) => {
    const child = spawn(config.maven, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, text }));
  });
  if (output.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new InfraError(
      'FETCH_FAILED',
      `${server.name}: Maven could not fetch the jars (exit ${output.code}):\n` +
        `${output.text.trim().split('\n').slice(-25).join('\n')}\n` +
        `command: ${config.maven} ${args.join(' ')}`,
    );
  }
  const jars = readdirSync(staging).filter((f) => f.endsWith('.jar'));
  const bytes = jars.reduce((sum, f) => sum + statSync(join(staging, f)).size, 0);
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(
    join(staging, MARKER),
    `${JSON.stringify({ version, pomSha256: pomHash(server), jars: jars.length, bytes, seconds, fetchedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  // Swap in whole, so an interrupted fetch never looks complete.
  if (existsSync(server.libDir)) rmSync(server.libDir, { recursive: true, force: true });
  renameSync(staging, server.libDir);
  log(
    `${server.name}: fetched ${jars.length} jars (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${seconds.toFixed(1)} s`,
  );
  return { fetched: true, seconds, jars: jars.length, bytes };
}
