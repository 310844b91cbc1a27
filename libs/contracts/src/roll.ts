// The electoral roll as it is imported (`hanpyo roll import`): one row per voter, `{voterId,
// districtId}`, in batches of at most ROLL_BATCH_MAX rows. Which district exists, and how many
// voters it may have, is the manifest's business; here only the row's shape.
import { z } from 'zod';
import { identifier } from './primitives.js';
import { parseWith } from './validation.js';

/** Most rows in one upload of a roll import. */
export const ROLL_BATCH_MAX = 5000;

/** A voter id: 1–256 characters, none of them a control character (it is one CSV field). */
export const voterId = z
  .string()
  .min(1)
  .max(256)
  .refine(
    (s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
    'expected printable characters (no control characters)',
  );

export const rollVoterSchema = z.object({ voterId, districtId: identifier }).strict();
export type RollVoterRow = z.infer<typeof rollVoterSchema>;

/** Validates one row of a roll. */
export function parseRollVoter(value: unknown): RollVoterRow {
  return parseWith(rollVoterSchema, value, 'roll row');
}

export const rollBatchSchema = z
  .object({
    /** Position (0-based, file order) of the first row. */
    from: z.number().int().min(0),
    voters: z.array(rollVoterSchema).min(1).max(ROLL_BATCH_MAX),
  })
  .strict();
export type RollBatch = z.infer<typeof rollBatchSchema>;

/** Validates one upload of a roll import. */
export function parseRollBatch(value: unknown): RollBatch {
  return parseWith(rollBatchSchema, value, 'roll batch');
}
