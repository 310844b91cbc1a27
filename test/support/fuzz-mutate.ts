// Mutations for the fuzzer, as fast-check arbitraries of a plain description plus a pure function
// that applies it, so every generated case prints and replays from (seed, index): byte-level edits
// of a request body or a record file, and JSON-level edits of a parsed value (a number written
// 1e400 or -0, a base64url made non-canonical, a duplicated key, a reformatting).
import fc from 'fast-check';

/** A byte-level edit of a buffer; positions are taken modulo the length. */
export type ByteMutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'replace'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'invalid-utf8'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'bom' }
  | { readonly kind: 'nul'; readonly at: number };

/** Byte sequences that are not UTF-8: overlong, surrogate, truncated, out of range. */
const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xff],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
];

/** Interesting bytes to insert or write: JSON syntax, quotes, escapes, controls, high bytes. */
const SPECIAL_BYTES = [
  0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x00, 0x0a, 0x0d, 0x20, 0x7f,
];

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...SPECIAL_BYTES)),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...SPECIAL_BYTES)), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 128 }),
  }),
  fc.record({
    kind: fc.constant('invalid-utf8' as const),
    at: fc.nat(),
    bytes: fc.constantFrom(...INVALID_UTF8),
  }),
  fc.constant({ kind: 'bom' as const }),
  fc.record({ kind: fc.constant('nul' as const), at: fc.nat() }),
);

/** Applies byte mutations in order. */
export function applyBytes(input: Uint8Array, mutations: readonly ByteMutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const at = m.kind === 'bom' ? 0 : m.at % (b.length + 1);
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[at % b.length] = b[at % b.length]! ^ (1 << m.bit);
        break;
      case 'replace':
        if (b.length > 0) b[at % b.length] = m.byte;
        break;
      case 'insert':
      case 'invalid-utf8':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'nul':
        b = Buffer.concat([b.subarray(0, at), Buffer.from([0]), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.length), b.subarray(at)]);
        break;
      case 'bom':
        b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
        break;
    }
  }
  return b;
}

/** A path into a JSON value. */
export type JsonPath = readonly (string | number)[];

/** Every path of a value (the root included), in document order. */
export function pathsOf(value: unknown, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

export function getAt(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

/** A copy of `value` with `path` replaced (or removed, with `remove`). */
export function setAt(value: unknown, path: JsonPath, next: unknown, remove = false): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    if (rest.length === 0 && remove) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number], rest, next, remove);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && remove) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string], rest, next, remove);
  return copy;
}

/**
 * A JSON-text-level edit of a value: what JSON.stringify cannot write. `meaning` says whether the
 * parsed value stays the same ('same': the request or record is still valid if it was before).
 */
export type TextMutation =
  | { readonly kind: 'number'; readonly pick: number; readonly text: string }
  | { readonly kind: 'base64url'; readonly pick: number; readonly how: Base64Edit }
  | { readonly kind: 'duplicate-key'; readonly pick: number; readonly junkFirst: boolean }
  | { readonly kind: 'reformat'; readonly indent: number; readonly crlf: boolean }
  | { readonly kind: 'unicode-escape'; readonly pick: number }
  | { readonly kind: 'reorder'; readonly pick: number };

type Base64Edit = 'padding' | 'standard-alphabet' | 'trailing-bits' | 'whitespace' | 'uppercase';

/** JSON number texts that a strict reader should not take for the value they resemble. */
export const ODD_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '1.0',
  '1e0',
  '1E2',
  '0.1e1',
  '9007199254740993',
  '-9007199254740993',
  '1e-400',
  '0.0000001',
  '123456789012345678901234567890',
  '00',
  '01',
  '+1',
  '.5',
  '0x10',
  'NaN',
  'Infinity',
];

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('number' as const),
    pick: fc.nat(),
    text: fc.constantFrom(...ODD_NUMBERS),
  }),
  fc.record({
    kind: fc.constant('base64url' as const),
    pick: fc.nat(),
    how: fc.constantFrom<Base64Edit>(
      'padding',
      'standard-alphabet',
      'trailing-bits',
      'whitespace',
      'uppercase',
    ),
  }),
  fc.record({
    kind: fc.constant('duplicate-key' as const),
    pick: fc.nat(),
    junkFirst: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('reformat' as const),
    indent: fc.integer({ min: 0, max: 4 }),
    crlf: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('unicode-escape' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reorder' as const), pick: fc.nat() }),
);

const B64URL = /^[A-Za-z0-9_-]{16,}$/;

/** The result of a text mutation: the JSON text and whether its parsed meaning is unchanged. */
export interface MutatedText {
  readonly text: string;
  readonly meaning: 'same' | 'changed' | 'unparsable';
  readonly note: string;
}

/** Writes `value` as JSON text with one text-level mutation. */
export function applyText(value: unknown, m: TextMutation): MutatedText {
  const paths = pathsOf(value);
  switch (m.kind) {
    case 'number': {
      const numbers = paths.filter((p) => typeof getAt(value, p) === 'number');
      if (numbers.length === 0)
        return { text: JSON.stringify(value), meaning: 'same', note: 'no number' };
      const path = numbers[m.pick % numbers.length]!;
      return {
        text: writeWith(value, path, () => m.text),
        meaning: 'changed',
        note: `${jsonPathText(path)} written ${m.text}`,
      };
    }
    case 'base64url': {
      const strings = paths.filter((p) => {
        const v = getAt(value, p);
        return typeof v === 'string' && B64URL.test(v);
      });
      if (strings.length === 0)
        return { text: JSON.stringify(value), meaning: 'same', note: 'no base64url' };
      const path = strings[m.pick % strings.length]!;
      const s = getAt(value, path) as string;
      const next = editBase64(s, m.how);
      return {
        text: writeWith(value, path, () => JSON.stringify(next)),
        meaning: next === s ? 'same' : 'changed',
        note: `${jsonPathText(path)} base64url ${m.how}`,
      };
    }
    case 'duplicate-key': {
      const objects = paths.filter((p) => {
        const v = getAt(value, p);
        return (
          typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0
        );
      });
      if (objects.length === 0)
        return { text: JSON.stringify(value), meaning: 'same', note: 'no object' };
      const path = objects[m.pick % objects.length]!;
      const object = getAt(value, path) as Record<string, unknown>;
      const keys = Object.keys(object);
      const key = keys[m.pick % keys.length]!;
      const junk = JSON.stringify(junkFor(object[key]));
      const original = JSON.stringify(object[key]);
      const inner = keys
        .map((k) =>
          k === key
            ? m.junkFirst
              ? `${JSON.stringify(k)}:${junk},${JSON.stringify(k)}:${original}`
              : `${JSON.stringify(k)}:${original},${JSON.stringify(k)}:${junk}`
            : `${JSON.stringify(k)}:${JSON.stringify(object[k])}`,
        )
        .join(',');
      // JSON.parse keeps the last value: junk first means the parsed value is the original.
      return {
        text: writeWith(value, path, () => `{${inner}}`),
        meaning: m.junkFirst ? 'same' : 'changed',
        note: `${jsonPathText(path)} key ${JSON.stringify(key)} twice (${m.junkFirst ? 'original last' : 'junk last'})`,
      };
    }
    case 'reformat': {
      let text = JSON.stringify(value, null, m.indent);
      if (m.crlf) text = text.replace(/\n/g, '\r\n');
      return {
        text: ` ${text}\n`,
        meaning: 'same',
        note: `indent ${m.indent}${m.crlf ? ' crlf' : ''}`,
      };
    }
    case 'unicode-escape': {
      const strings = paths.filter((p) => {
        const v = getAt(value, p);
        return typeof v === 'string' && v.length > 0;
      });
      if (strings.length === 0)
        return { text: JSON.stringify(value), meaning: 'same', note: 'no string' };
      const path = strings[m.pick % strings.length]!;
      const s = getAt(value, path) as string;
      const escaped = `"${[...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
      return {
        text: writeWith(value, path, () => escaped),
        meaning: [...s].every((c) => c.length === 1) ? 'same' : 'changed',
        note: `${jsonPathText(path)} \\u-escaped`,
      };
    }
    case 'reorder': {
      const objects = paths.filter((p) => {
        const v = getAt(value, p);
        return (
          typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 1
        );
      });
      if (objects.length === 0)
        return { text: JSON.stringify(value), meaning: 'same', note: 'no object' };
      const path = objects[m.pick % objects.length]!;
      const object = getAt(value, path) as Record<string, unknown>;
      const reversed = Object.fromEntries(Object.entries(object).reverse());
      return {
        text: JSON.stringify(setAt(value, path, reversed)),
        meaning: 'same',
        note: `${jsonPathText(path)} keys reversed`,
      };
    }
  }
}

function editBase64(s: string, how: Base64Edit): string {
  switch (how) {
    case 'padding':
      return `${s}=`;
    case 'standard-alphabet':
      return s.includes('-') || s.includes('_')
        ? s.replace(/-/g, '+').replace(/_/g, '/')
        : `${s.slice(0, -1)}+`;
    case 'trailing-bits': {
      // 32 bytes take 43 characters: the last one carries 2 unused bits; 64 bytes: 86, 4 unused.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(s[s.length - 1]!);
      return s.slice(0, -1) + alphabet[last ^ 1]!;
    }
    case 'whitespace':
      return `${s.slice(0, 10)} ${s.slice(10)}`;
    case 'uppercase':
      return s.toUpperCase() === s ? s.toLowerCase() : s.toUpperCase();
  }
}

function junkFor(v: unknown): unknown {
  if (typeof v === 'string') return `${v}x`;
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'boolean') return !v;
  if (Array.isArray(v)) return [];
  if (v === null) return 0;
  return {};
}

/** JSON text of `value` with the node at `path` written by `write`. */
function writeWith(value: unknown, path: JsonPath, write: () => string, at: JsonPath = []): string {
  if (at.length === path.length && at.every((k, i) => k === path[i])) return write();
  if (Array.isArray(value))
    return `[${value.map((v, i) => writeWith(v, path, write, [...at, i])).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${writeWith(v, path, write, [...at, k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export function jsonPathText(path: JsonPath): string {
  return `$${path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
}

/** Deep equality of parsed JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Object.is(a, b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameJson(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b as object, k) &&
        sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}
