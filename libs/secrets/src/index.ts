// @hanpyo/secrets: credentials and CA bundles as a Kubernetes deployment hands them over, a
// variable or a file where a Secret is mounted. Read once, when the config is parsed; a Secret never
// shows its value.
// One implementation for both drivers' configs (@hanpyo/kafka and @hanpyo/cassandra).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { inspect } from 'node:util';
import { z } from 'zod';

// The shapes of the security variables, shared by both adapters' config schemas.
/** An optional variable: unset and empty are the same (a Kubernetes manifest may set it to ""). */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
/** A boolean variable, "true" or "false" (default false); empty is unset. */
export const flag = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
);
/** A server name to check a certificate against. */
export const dnsName = z
  .string()
  .regex(
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'expected a DNS name',
  );

/** A password: `reveal()` for the driver's options; a log, JSON or util.inspect shows `[redacted]`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The value itself, for the driver's options only. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret [redacted]';
  }
}

/** The file's text, or a problem naming the variable, the path and the system's code (never contents). */
function readText(variable: string, path: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`${variable}: cannot read ${path} (${code})`);
    return undefined;
  }
}

/**
 * The secret given as `valueVar` or as the file named by `fileVar` (exactly one of the two; a
 * file's trailing newlines are trimmed, as `echo … > file` and `kubectl create secret` leave them).
 * Undefined, with the reason in `problems`, when neither or both are set, or the file is unusable.
 */
export function secretFromEnv(
  names: { readonly valueVar: string; readonly fileVar: string; readonly requiredBy: string },
  value: string | undefined,
  file: string | undefined,
  problems: string[],
): Secret | undefined {
  if (value !== undefined && file !== undefined) {
    problems.push(`${names.valueVar}, ${names.fileVar}: set exactly one of the two`);
    return undefined;
  }
  if (value !== undefined) return new Secret(value);
  if (file === undefined) {
    problems.push(`${names.valueVar}: required with ${names.requiredBy} (or ${names.fileVar})`);
    return undefined;
  }
  const text = readText(names.fileVar, file, problems);
  if (text === undefined) return undefined;
  const trimmed = text.replace(/[\r\n]+$/, '');
  if (trimmed.length === 0) {
    problems.push(`${names.fileVar}: ${file} is empty`);
    return undefined;
  }
  return new Secret(trimmed);
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * A PEM bundle of CA certificates, checked at boot (each certificate must parse), so a wrong file
 * is a config error rather than a TLS handshake failure at the first request.
 */
export function caBundleFromFile(
  variable: string,
  path: string,
  problems: string[],
): string | undefined {
  const text = readText(variable, path, problems);
  if (text === undefined) return undefined;
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    problems.push(`${variable}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      problems.push(`${variable}: certificate ${i + 1} of ${path} does not parse`);
      return undefined;
    }
  }
  return text;
}

/** TLS settings of a client: a CA bundle (else Node's default trust store) and a server name. */
export interface TlsSettings {
  readonly ca?: string;
  readonly servername?: string;
}

/**
 * Node TLS options for a driver: the server's certificate is always verified (cassandra-driver's
 * own default is `rejectUnauthorized: false`), against the CA when given, and checked against
 * `servername` (also sent as SNI) instead of each host when given.
 */
export function verifiedTlsOptions(tls: TlsSettings): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}

export {
  DurabilityError,
  PRODUCTION_MINIMUMS,
  cassandraProfileProblems,
  kafkaProfileProblems,
  profileFromEnv,
  refuseInProduction,
  replicationFactors,
} from './profile.js';
export type { DurabilityCode, Profile } from './profile.js';
