// Encoded values as they appear in JSON (SPEC §1). Shape only: canonical decoding (points on the
// curve, scalars < ℓ, trailing base64 bits) is @hanpyo/crypto's job.
import { z } from 'zod';

/** 32 bytes in base64url without padding (points, scalars, public keys, nullifiers). */
export const b64u32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes in base64url');
/** 64 bytes in base64url without padding (Ed25519 signatures). */
export const b64u64 = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected 64 bytes in base64url');
/** A SHA-256 identifier: 64 lowercase hex digits. */
export const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
/** A lone UTF-16 surrogate: no UTF-8 encoding exists for it, so JCS (RFC 8785) cannot hash it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string is well-formed Unicode (JSON's "\ud800" escape can make one that is not). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** An identifier chosen by the commission (election, contest, option, district, key). */
export const identifier = z
  .string()
  .min(1)
  .max(128)
  .refine(isWellFormed, 'expected well-formed Unicode (no lone surrogate)');
/** A non-negative safe integer. */
export const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * A non-negative safe integer written in canonical decimal ("0", "17"), as in a path or query
 * parameter; undefined for anything else ("", "01", "1e3", "0x10", " 1", "+1", "1.0", an array).
 */
export function parseDecimal(text: unknown): number | undefined {
  if (typeof text !== 'string' || !DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * True for an RFC 3339 date-time with a zone whose every field exists: month 1–12, a day of that
 * month (leap years included), hour 00–23, minute and second 00–59. A leap second (:60) is refused
 * because it has no representation in the instants we compare (docs/spec-notes.md).
 */
export function isInstant(text: string): boolean {
  const m = INSTANT.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59)
    return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** RFC 3339 instant with a zone designator, every field a real calendar value. */
export const instant = z.string().refine(isInstant, 'expected an RFC 3339 instant that exists');

/** A non-interactive proof `{c:[…], z:[…]}` with one challenge and one response per branch. */
export const proofSchema = z
  .object({ c: z.array(b64u32).min(1), z: z.array(b64u32).min(1) })
  .strict()
  .refine((p) => p.c.length === p.z.length, 'c and z must have the same length');
export type Proof = z.infer<typeof proofSchema>;
