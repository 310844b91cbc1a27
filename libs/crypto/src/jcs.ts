// RFC 8785 JSON Canonicalization Scheme. SPEC §1: `JCS(x)` is the UTF-8 byte string.
import { utf8 } from './bytes.js';
import { CryptoError } from './errors.js';

/** Canonical JSON text of a JSON value (RFC 8785); throws JCS_INVALID on non-JSON input. */
export function canonicalize(value: unknown): string {
  return serialize(value, []);
}

/** `JCS(x)`: the UTF-8 bytes of the canonical JSON text. */
export function jcs(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}

// The path of a value (`$.a[2].b`) is only needed for an error message, so it is built then, from
// the keys and indices of the values being serialized (`at`), not once per value: a ballot's
// tracking code canonicalizes a few hundred values per cast.
type Step = string | number;

function pathOf(at: readonly Step[]): string {
  let path = '$';
  for (const step of at) path += typeof step === 'number' ? `[${step}]` : `.${step}`;
  return path;
}

function serialize(value: unknown, at: Step[]): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number serialization; I-JSON forbids NaN and Infinity.
      if (!Number.isFinite(value))
        throw new CryptoError('JCS_INVALID', `${pathOf(at)}: non-finite number`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return quote(value, at);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          at.push(i);
          // A hole in a sparse array is not JSON (`.map` would skip it and emit "[,1]").
          if (!(i in value)) throw new CryptoError('JCS_INVALID', `${pathOf(at)}: hole in array`);
          out += (i === 0 ? '' : ',') + serialize(value[i], at);
          at.pop();
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new CryptoError('JCS_INVALID', `${pathOf(at)}: not a plain JSON object`);
      }
      // RFC 8785 §3.2.3: sort by UTF-16 code units (JavaScript's default string order).
      const keys = Object.keys(value).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) {
          at.push(k);
          throw new CryptoError('JCS_INVALID', `${pathOf(at)}: undefined value`);
        }
        const member = quote(k, at);
        at.push(k);
        out += `${i === 0 ? '' : ','}${member}:${serialize(v, at)}`;
        at.pop();
      }
      return `${out}}`;
    }
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new CryptoError('JCS_INVALID', `${pathOf(at)}: ${typeof value} is not JSON`);
  }
  throw new CryptoError('JCS_INVALID', `${pathOf(at)}: not JSON`);
}

function quote(s: string, at: readonly Step[]): string {
  // I-JSON (RFC 7493): strings must be valid Unicode, so lone surrogates are rejected. Most
  // strings hold no surrogate at all, which one regular expression tells faster than a scan.
  if (SURROGATE.test(s) && hasLoneSurrogate(s))
    throw new CryptoError('JCS_INVALID', `${pathOf(at)}: lone surrogate in string`);
  return JSON.stringify(s);
}

const SURROGATE = /[\ud800-\udfff]/;

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}
