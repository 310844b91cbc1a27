// SPEC §2: the election manifest.
import { z } from 'zod';
import { b64u32, count, identifier, instant } from './primitives.js';
import { ContractError, jsonPath } from './validation.js';
import type { ContractIssue } from './validation.js';

const keyRef = z.object({ keyId: identifier, publicKey: b64u32 }).strict();
export type SignerKey = z.infer<typeof keyRef>;

/** An Ed25519 public JWK (RFC 8037); other JWK members (`use`, `alg`) are allowed. */
export const ed25519Jwk = z.looseObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  kid: identifier,
  x: b64u32,
});
export type Ed25519Jwk = z.infer<typeof ed25519Jwk>;

const contest = z
  .object({
    contestId: identifier,
    title: z.string(),
    options: z.array(z.object({ optionId: identifier, title: z.string() }).strict()).min(1),
    minSelections: count,
    maxSelections: count,
  })
  .strict();

export const manifestSchema = z
  .object({
    spec: z.literal('hanpyo/1'),
    electionId: identifier,
    title: z.string(),
    opens: instant,
    closes: instant,
    revotePolicy: z.enum(['first', 'last']),
    encryptionModes: z
      .array(z.enum(['client', 'edge']))
      .min(1)
      .max(2),
    commitmentIntervalSeconds: z.number().int().min(1),
    contests: z.array(contest).min(1),
    ballotStyles: z
      .array(
        z.object({ ballotStyleId: identifier, contestIds: z.array(identifier).min(1) }).strict(),
      )
      .min(1),
    districts: z
      .array(
        z
          .object({
            districtId: identifier,
            name: z.string(),
            ballotStyleId: identifier,
            registeredVoters: count,
          })
          .strict(),
      )
      .min(1),
    trustees: z
      .object({ count: z.number().int().min(1), threshold: z.number().int().min(1) })
      .strict(),
    tokenIssuers: z.array(ed25519Jwk),
    edgeSigners: z.array(keyRef),
    ledgerSigners: z.array(keyRef),
    witnesses: z.array(keyRef),
  })
  .strict();

type Issue = (path: PropertyKey[], message: string) => void;
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const field = (x: unknown, k: string): unknown =>
  typeof x === 'object' && x !== null ? (x as Record<string, unknown>)[k] : undefined;
const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const int = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isInteger(x) ? x : undefined;

/**
 * Cross-field rules of SPEC §2 (unique ids, references, limits, window, threshold). They read the
 * raw value defensively, so they still run — and report — when some other field has the wrong
 * type (zod skips an object's refinements after such an error; every failure must be reported).
 */
function crossCheck(m: unknown, issue: Issue): void {
  const opens = text(field(m, 'opens'));
  const closes = text(field(m, 'closes'));
  if (opens && closes && Date.parse(closes) <= Date.parse(opens))
    issue(['closes'], 'closes must be after opens');
  const modes = list(field(m, 'encryptionModes'));
  if (new Set(modes).size !== modes.length) issue(['encryptionModes'], 'duplicate encryption mode');
  const contests = list(field(m, 'contests'));
  unique(
    contests.map((c) => text(field(c, 'contestId'))),
    ['contests'],
    'contestId',
    issue,
  );
  contests.forEach((c, i) => {
    const options = list(field(c, 'options'));
    unique(
      options.map((o) => text(field(o, 'optionId'))),
      ['contests', i, 'options'],
      'optionId',
      issue,
    );
    const min = int(field(c, 'minSelections'));
    const max = int(field(c, 'maxSelections'));
    if (min !== undefined && max !== undefined && min > max)
      issue(['contests', i, 'minSelections'], 'minSelections > maxSelections');
    if (max !== undefined && max > options.length)
      issue(['contests', i, 'maxSelections'], 'maxSelections > number of options');
  });
  const contestIds = new Set(contests.map((c) => text(field(c, 'contestId'))));
  const styles = list(field(m, 'ballotStyles'));
  unique(
    styles.map((st) => text(field(st, 'ballotStyleId'))),
    ['ballotStyles'],
    'ballotStyleId',
    issue,
  );
  styles.forEach((st, i) => {
    const ids = list(field(st, 'contestIds')).map(text);
    unique(ids, ['ballotStyles', i, 'contestIds'], 'contestId', issue);
    ids.forEach((id, j) => {
      if (id !== undefined && !contestIds.has(id))
        issue(['ballotStyles', i, 'contestIds', j], `unknown contest '${id}'`);
    });
  });
  const styleIds = new Set(styles.map((st) => text(field(st, 'ballotStyleId'))));
  const districts = list(field(m, 'districts'));
  unique(
    districts.map((d) => text(field(d, 'districtId'))),
    ['districts'],
    'districtId',
    issue,
  );
  districts.forEach((d, i) => {
    const styleId = text(field(d, 'ballotStyleId'));
    if (styleId !== undefined && !styleIds.has(styleId))
      issue(['districts', i, 'ballotStyleId'], `unknown ballot style '${styleId}'`);
  });
  const trustees = field(m, 'trustees');
  const threshold = int(field(trustees, 'threshold'));
  const count = int(field(trustees, 'count'));
  if (threshold !== undefined && count !== undefined && threshold > count)
    issue(['trustees', 'threshold'], 'threshold > count');
  unique(
    list(field(m, 'tokenIssuers')).map((k) => text(field(k, 'kid'))),
    ['tokenIssuers'],
    'kid',
    issue,
  );
  // keyIds are unique across the three signer lists: a signature names its key by keyId alone.
  const seen = new Map<string, string>();
  for (const listName of ['edgeSigners', 'ledgerSigners', 'witnesses']) {
    list(field(m, listName)).forEach((k, i) => {
      const id = text(field(k, 'keyId'));
      if (id === undefined) return;
      const first = seen.get(id);
      if (first !== undefined) issue([listName, i], `duplicate keyId '${id}' (first in ${first})`);
      else seen.set(id, `${listName}[${i}]`);
    });
  }
}

function unique(
  ids: readonly (string | undefined)[],
  path: PropertyKey[],
  what: string,
  issue: Issue,
): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (id === undefined) return;
    if (seen.has(id)) issue([...path, i], `duplicate ${what} '${id}'`);
    seen.add(id);
  });
}

export type Manifest = z.infer<typeof manifestSchema>;
export type Contest = Manifest['contests'][number];
export type District = Manifest['districts'][number];
export type BallotStyle = Manifest['ballotStyles'][number];

/** Validates a manifest (SPEC §2), including cross-references; throws ContractError with every issue. */
export function parseManifest(value: unknown): Manifest {
  const result = manifestSchema.safeParse(value);
  const issues: ContractIssue[] = result.success
    ? []
    : result.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
  crossCheck(value, (path, message) => issues.push({ path: jsonPath(path), message }));
  if (issues.length > 0 || !result.success) throw new ContractError('manifest', issues);
  return result.data;
}
