// SPEC §2: the election manifest.
import { z } from 'zod';
import { b64u32, count, identifier, instant } from './primitives.js';
import { parseWith } from './validation.js';

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
  .strict()
  .superRefine((m, ctx) => {
    const issue = (path: PropertyKey[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (Date.parse(m.closes) <= Date.parse(m.opens))
      issue(['closes'], 'closes must be after opens');
    if (new Set(m.encryptionModes).size !== m.encryptionModes.length) {
      issue(['encryptionModes'], 'duplicate encryption mode');
    }
    unique(
      m.contests.map((c) => c.contestId),
      ['contests'],
      'contestId',
      issue,
    );
    m.contests.forEach((c, i) => {
      unique(
        c.options.map((o) => o.optionId),
        ['contests', i, 'options'],
        'optionId',
        issue,
      );
      if (c.minSelections > c.maxSelections)
        issue(['contests', i, 'minSelections'], 'minSelections > maxSelections');
      if (c.maxSelections > c.options.length)
        issue(['contests', i, 'maxSelections'], 'maxSelections > number of options');
    });
    const contestIds = new Set(m.contests.map((c) => c.contestId));
    unique(
      m.ballotStyles.map((s) => s.ballotStyleId),
      ['ballotStyles'],
      'ballotStyleId',
      issue,
    );
    m.ballotStyles.forEach((s, i) => {
      unique(s.contestIds, ['ballotStyles', i, 'contestIds'], 'contestId', issue);
      s.contestIds.forEach((id, j) => {
        if (!contestIds.has(id))
          issue(['ballotStyles', i, 'contestIds', j], `unknown contest '${id}'`);
      });
    });
    const styleIds = new Set(m.ballotStyles.map((s) => s.ballotStyleId));
    unique(
      m.districts.map((d) => d.districtId),
      ['districts'],
      'districtId',
      issue,
    );
    m.districts.forEach((d, i) => {
      if (!styleIds.has(d.ballotStyleId))
        issue(['districts', i, 'ballotStyleId'], `unknown ballot style '${d.ballotStyleId}'`);
    });
    if (m.trustees.threshold > m.trustees.count)
      issue(['trustees', 'threshold'], 'threshold > count');
    unique(
      m.tokenIssuers.map((k) => k.kid),
      ['tokenIssuers'],
      'kid',
      issue,
    );
    unique(
      [...m.edgeSigners, ...m.ledgerSigners, ...m.witnesses].map((k) => k.keyId),
      ['edgeSigners'],
      'keyId (across edgeSigners, ledgerSigners, witnesses)',
      issue,
    );
  });

function unique(
  ids: readonly string[],
  path: PropertyKey[],
  what: string,
  issue: (path: PropertyKey[], message: string) => void,
): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) issue([...path, i], `duplicate ${what} '${id}'`);
    seen.add(id);
  });
}

export type Manifest = z.infer<typeof manifestSchema>;
export type Contest = Manifest['contests'][number];
export type District = Manifest['districts'][number];
export type BallotStyle = Manifest['ballotStyles'][number];

/** Validates a manifest (SPEC §2), including cross-references; throws ContractError. */
export function parseManifest(value: unknown): Manifest {
  return parseWith(manifestSchema, value, 'manifest');
}
