// The registrar's role-scoped credentials (issue 12 point 6): a credentials file of
// {id, roles, sha256} entries, never a plaintext key, parsed and matched here (pure logic), and a
// store that re-reads the file when it changes so a key is rotated without a restart.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** What a credential may do (docs/security.md, "Access control"). */
export type Role = 'operator' | 'issuer' | 'tally' | 'observer';

export const ROLES: readonly Role[] = ['operator', 'issuer', 'tally', 'observer'];

/** One valid key: its public id, its roles, and the SHA-256 digest of the key. */
export interface Credential {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly digest: Buffer;
}

/** A credentials file that does not parse; the message names the entry and field, never a key. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  readonly code = 'CREDENTIALS_INVALID';
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** SHA-256 of a key, as the credentials file stores it (lowercase hex). */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Parses a credentials file: `{"credentials":[{"id","roles":[…],"sha256"}]}` (or the bare array;
 * `role` is accepted for one role). Ids are unique; a digest appears once.
 */
export function parseCredentials(text: string): Credential[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError('the credentials file is not JSON');
  }
  const list = Array.isArray(json)
    ? (json as unknown[])
    : (json as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(list))
    throw new CredentialsError('the credentials file must be {"credentials": [...]}');
  const ids = new Set<string>();
  const digests = new Set<string>();
  return list.map((raw, i) => {
    const e = raw as Record<string, unknown> | null;
    const where = `credentials[${i}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      throw new CredentialsError(`${where} must be an object {id, roles, sha256}`);
    for (const k of Object.keys(e)) {
      if (!['id', 'role', 'roles', 'sha256'].includes(k))
        throw new CredentialsError(
          `${where} has an unknown field '${k}' (plaintext keys are never stored)`,
        );
    }
    if (typeof e.id !== 'string' || !ID.test(e.id))
      throw new CredentialsError(`${where}.id must be 1–64 characters of [A-Za-z0-9._:-]`);
    if (ids.has(e.id)) throw new CredentialsError(`${where}.id '${e.id}' appears twice`);
    ids.add(e.id);
    const roles = e.roles ?? (e.role === undefined ? undefined : [e.role]);
    if (
      !Array.isArray(roles) ||
      roles.length === 0 ||
      !roles.every((r) => ROLES.includes(r as Role))
    )
      throw new CredentialsError(
        `${where} (${e.id}): roles must be a non-empty list of ${ROLES.join(', ')}`,
      );
    if (typeof e.sha256 !== 'string' || !HEX64.test(e.sha256))
      throw new CredentialsError(`${where} (${e.id}): sha256 must be 64 lowercase hex digits`);
    if (digests.has(e.sha256))
      throw new CredentialsError(`${where} (${e.id}): the same key digest appears twice`);
    digests.add(e.sha256);
    return {
      id: e.id,
      roles: [...new Set(roles as Role[])],
      digest: Buffer.from(e.sha256, 'hex'),
    };
  });
}

/**
 * The credential whose key is `presented`, if any. The presented key is hashed, and its digest is
 * compared with every entry's in constant time (timingSafeEqual over equal-length digests, and no
 * early exit), so neither the key's length nor which entry matched shows in the timing.
 */
export function matchCredential(
  credentials: readonly Credential[],
  presented: string,
): Credential | undefined {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: Credential | undefined;
  for (const c of credentials) {
    if (timingSafeEqual(digest, c.digest) && found === undefined) found = c;
  }
  return presented.length > 0 ? found : undefined;
}

/** The bearer key of an Authorization header, or '' when there is none. */
export function bearer(header: unknown): string {
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

/** The outcome of checking a request's credential against the roles a route allows. */
export type Authorization =
  | { readonly ok: true; readonly credential: Credential; readonly role: Role }
  | {
      readonly ok: false;
      readonly code: 'ADMIN_UNAUTHORIZED' | 'ROLE_FORBIDDEN';
      readonly credential?: Credential;
    };

/** Which of `allowed` the presented key holds (the first, in `allowed`'s order). */
export function authorize(
  credentials: readonly Credential[],
  presented: string,
  allowed: readonly Role[],
): Authorization {
  const credential = matchCredential(credentials, presented);
  if (!credential) return { ok: false, code: 'ADMIN_UNAUTHORIZED' };
  const role = allowed.find((r) => credential.roles.includes(r));
  return role ? { ok: true, credential, role } : { ok: false, code: 'ROLE_FORBIDDEN', credential };
}

/** The id of the dev shortcut HANPYO_REGISTRAR_ADMIN_TOKEN: one key holding every role. */
export const ADMIN_TOKEN_ID = 'admin-token';

/**
 * The credentials in force: the file's (re-read when its mtime or size changes, checked at most
 * every `pollMs`), plus the dev admin token if configured. A file that stops parsing keeps the
 * previous set (and `onError` is told), so a half-written file never locks the operator out.
 */
export class CredentialStore {
  private fromFile: Credential[] = [];
  private stamp = '';
  private checkedAt = -Infinity;

  constructor(
    private readonly file: string | undefined,
    private readonly adminToken: string | undefined,
    private readonly pollMs = 2000,
    private readonly onError: (e: Error) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (file !== undefined) this.reload(true);
  }

  /** Every valid credential now. */
  current(): readonly Credential[] {
    if (this.file !== undefined && this.now() - this.checkedAt >= this.pollMs) this.reload(false);
    const admin: Credential[] =
      this.adminToken !== undefined
        ? [
            {
              id: ADMIN_TOKEN_ID,
              roles: ROLES,
              digest: Buffer.from(keyDigest(this.adminToken), 'hex'),
            },
          ]
        : [];
    return [...this.fromFile, ...admin];
  }

  private reload(first: boolean): void {
    this.checkedAt = this.now();
    const file = this.file!;
    try {
      const s = statSync(file);
      const stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
      if (stamp === this.stamp) return;
      this.fromFile = parseCredentials(readFileSync(file, 'utf8'));
      this.stamp = stamp;
    } catch (e) {
      const error =
        e instanceof CredentialsError
          ? new CredentialsError(`${file}: ${e.message}`)
          : new CredentialsError(
              `${file}: cannot read the credentials file (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
            );
      if (first) throw error;
      this.onError(error);
    }
  }
}
