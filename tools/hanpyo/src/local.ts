// `.hanpyo/local.json`, written by `npm start`: where the running stack is and the registrar's
// credentials (one key per role, and the dev admin token), so every `hanpyo` command can drive it
// without flags.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The registrar's roles (docs/security.md, "Access control"). */
export type RegistrarRole = 'operator' | 'issuer' | 'tally' | 'observer';

export interface LocalStack {
  registrar: {
    url: string;
    /** The dev shortcut holding every role (older local.json files have only this). */
    adminToken: string;
    /** One plaintext key per role, for the local CLI. */
    credentials?: Partial<Record<RegistrarRole, string>>;
  };
  edge: { url: string };
  ledger: { url: string };
  observer?: { url: string };
  demoElectionId?: string;
}

/** Path of local.json: $HANPYO_LOCAL_JSON, else .hanpyo/local.json under the current directory. */
export function localPath(): string {
  return process.env.HANPYO_LOCAL_JSON ?? join(process.cwd(), '.hanpyo', 'local.json');
}

/**
 * The registrar key a command uses for `role`: the role's own key from local.json, else the old
 * admin token field, so local.json files written before role-scoped credentials keep working.
 */
export function registrarKey(local: LocalStack, role: RegistrarRole): string {
  return local.registrar.credentials?.[role] ?? local.registrar.adminToken;
}

/** Reads local.json, or explains how to get one. */
export async function readLocal(): Promise<LocalStack> {
  const path = localPath();
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LocalStack;
  } catch {
    throw Object.assign(
      new Error(
        `no running stack described at ${path}: run \`npm start\` first (or set HANPYO_LOCAL_JSON)`,
      ),
      {
        code: 'STACK_UNKNOWN',
      },
    );
  }
}

/** An HTTP error from one of the services, carrying its {"error":{"code","message"}}. */
export class ServiceCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** JSON request to a service; throws ServiceCallError with the service's code on 4xx/5xx. */
export async function call<T>(
  url: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch (e) {
    throw new ServiceCallError('SERVICE_UNREACHABLE', `${url}: ${(e as Error).message}`, 0);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ServiceCallError(
      'RESPONSE_INVALID',
      `${url}: answered ${response.status} with non-JSON`,
      response.status,
    );
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ServiceCallError(
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `${url}: HTTP ${response.status}`,
      response.status,
    );
  }
  return json as T;
}
