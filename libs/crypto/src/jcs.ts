// RFC 8785 JSON Canonicalization Scheme. SPEC §1: `JCS(x)` is the UTF-8 byte string.
import { utf8 } from './bytes.js';
import { CryptoError } from './errors.js';

/** Canonical JSON text of a JSON value (RFC 8785); throws JCS_INVALID on non-JSON input. */
export function canonicalize(value: unknown): string {
  return serialize(value, '$');
}

/** `JCS(x)`: the UTF-8 bytes of the canonical JSON text. */
export function jcs(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number serialization; I-JSON forbids NaN and Infinity.
      if (!Number.isFinite(value))
        throw new CryptoError('JCS_INVALID', `${path}: non-finite number`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return quote(value, path);
    case 'object': {
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) {
          // A hole in a sparse array is not JSON (`.map` would skip it and emit "[,1]").
          if (!(i in value)) throw new CryptoError('JCS_INVALID', `${path}[${i}]: hole in array`);
          items.push(serialize(value[i], `${path}[${i}]`));
        }
        return `[${items.join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new CryptoError('JCS_INVALID', `${path}: not a plain JSON object`);
      }
      // RFC 8785 §3.2.3: sort by UTF-16 code units (JavaScript's default string order).
      const keys = Object.keys(value).sort();
      const parts: string[] = [];
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) throw new CryptoError('JCS_INVALID', `${path}.${k}: undefined value`);
        parts.push(`${quote(k, path)}:${serialize(v, `${path}.${k}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new CryptoError('JCS_INVALID', `${path}: ${typeof value} is not JSON`);
  }
  throw new CryptoError('JCS_INVALID', `${path}: not JSON`);
}

function quote(s: string, path: string): string {
  // I-JSON (RFC 7493): strings must be valid Unicode, so lone surrogates are rejected.
  if (hasLoneSurrogate(s))
    throw new CryptoError('JCS_INVALID', `${path}: lone surrogate in string`);
  return JSON.stringify(s);
}

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
