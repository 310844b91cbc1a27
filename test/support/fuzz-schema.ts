// Near-valid values from the contracts: the JSON Schema zod 4 emits for a contract (z.toJSONSchema)
// says what each place of a valid value must be, and a violation breaks exactly one of those
// constraints there (a string one past maxLength, a missing required key, an integer 0.5, an array
// one past maxItems, an unknown key on a strict object, a wrong type), or swaps in a huge or deeply
// nested value.
import fc from 'fast-check';
import { z } from 'zod';
import { getAt, jsonPathText, pathsOf, setAt } from './fuzz-mutate.js';
import type { JsonPath } from './fuzz-mutate.js';

/** The subset of JSON Schema (draft 2020-12) that zod emits and the generator reads. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

/** The JSON Schema of a zod contract, as its input (what a client sends). */
export function contractJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
}

/** The schema node that governs `path` of a value valid under `root`, if the schema says. */
export function schemaAt(root: JsonSchema, value: unknown, path: JsonPath): JsonSchema | undefined {
  let node: JsonSchema | undefined = resolve(root, root, value);
  let v = value;
  for (const key of path) {
    if (!node) return undefined;
    let next: JsonSchema | undefined;
    if (typeof key === 'number') next = node.prefixItems?.[key] ?? node.items;
    else
      next =
        node.properties?.[key] ??
        (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    v = (v as Record<string | number, unknown>)[key];
    node = next ? resolve(root, next, v) : undefined;
  }
  return node;
}

/** Follows $ref and picks the branch of anyOf/oneOf the valid value takes. */
function resolve(root: JsonSchema, node: JsonSchema, value: unknown, depth = 0): JsonSchema {
  if (depth > 20) return node;
  if (node.$ref?.startsWith('#/$defs/')) {
    const target = root.$defs?.[node.$ref.slice('#/$defs/'.length)];
    if (target) return resolve(root, target, value, depth + 1);
  }
  const branches = node.anyOf ?? node.oneOf;
  if (branches) {
    const fitting = branches.find((b) => typeFits(resolve(root, b, value, depth + 1), value));
    if (fitting) return resolve(root, fitting, value, depth + 1);
  }
  if (node.allOf?.length)
    return resolve(root, { ...node, ...node.allOf[0], allOf: undefined }, value, depth + 1);
  return node;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeFits(node: JsonSchema, value: unknown): boolean {
  if (node.type === undefined) return true;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const t = typeOf(value);
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

/** One broken constraint at one place of a valid value. */
export interface Violation {
  readonly value: unknown;
  /** Raw JSON text when the violation cannot be a JS value (deep nesting). */
  readonly text?: string;
  readonly note: string;
}

/** What a violation chooses: a place of the value (modulo their count) and a way to break it. */
export interface ViolationChoice {
  readonly pick: number;
  readonly way: number;
}

export const violationChoice: fc.Arbitrary<ViolationChoice> = fc.record({
  pick: fc.nat(),
  way: fc.nat(),
});

// Built once: they are the same for every request.
const HUGE_STRING = 'A'.repeat(1 << 20);
const DEEP_ARRAYS = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const WIDE_OBJECT = Object.freeze(
  Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
);

const WRONG_TYPES: readonly unknown[] = [null, true, 0, -1, 1.5, '', 'x', [], {}, [null], { x: 1 }];

/**
 * Breaks one constraint of `value` (valid under `schema`), the place and the way chosen by
 * `choice`. The ways at a place are those its schema node implies, plus a wrong type, a removal
 * and a huge value.
 */
export function violate(schema: JsonSchema, value: unknown, choice: ViolationChoice): Violation {
  const paths = pathsOf(value);
  const path = paths[choice.pick % paths.length]!;
  const node = schemaAt(schema, value, path);
  const current = getAt(value, path);
  const ways = waysAt(node, current, path);
  const way = ways[choice.way % ways.length]!;
  const at = jsonPathText(path);
  if (way.text !== undefined)
    return { value, text: writeAt(value, path, way.text), note: `${at}: ${way.note}` };
  if (way.remove) return { value: setAt(value, path, undefined, true), note: `${at}: ${way.note}` };
  return { value: setAt(value, path, way.replacement), note: `${at}: ${way.note}` };
}

interface Way {
  readonly note: string;
  readonly replacement?: unknown;
  readonly remove?: boolean;
  readonly text?: string;
}

function waysAt(node: JsonSchema | undefined, current: unknown, path: JsonPath): Way[] {
  const ways: Way[] = [];
  const t = typeOf(current);
  for (const w of WRONG_TYPES)
    if (typeOf(w) !== t) ways.push({ note: `wrong type ${JSON.stringify(w)}`, replacement: w });
  if (path.length > 0) ways.push({ note: 'removed', remove: true });
  ways.push({ note: 'huge string (1 MiB)', replacement: HUGE_STRING });
  ways.push({ note: 'deep nesting (10,000 arrays)', text: DEEP_ARRAYS });
  ways.push({ note: 'wide object (5,000 keys)', replacement: WIDE_OBJECT });
  if (!node) return ways;
  if (node.const !== undefined)
    ways.push({ note: 'not the constant', replacement: `${JSON.stringify(node.const)}x` });
  if (node.enum) ways.push({ note: 'not in the enum', replacement: `${String(node.enum[0])}x` });
  if (typeof current === 'string') {
    if (node.maxLength !== undefined)
      ways.push({
        note: `maxLength ${node.maxLength} + 1`,
        replacement: current.padEnd(node.maxLength + 1, 'a'),
      });
    if (node.minLength !== undefined && node.minLength > 0)
      ways.push({
        note: `minLength ${node.minLength} - 1`,
        replacement: current.slice(0, node.minLength - 1),
      });
    if (node.pattern !== undefined) {
      ways.push({ note: 'pattern broken (one more char)', replacement: `${current}A` });
      ways.push({ note: 'pattern broken (one less char)', replacement: current.slice(1) });
      ways.push({
        note: 'pattern broken (a char outside the alphabet)',
        replacement: `${current.slice(0, -1)}!`,
      });
      ways.push({ note: 'pattern broken (NUL)', replacement: `${current.slice(0, -1)}\u0000` });
    }
    ways.push({ note: 'lone surrogate', replacement: `${current}\ud800` });
    ways.push({ note: 'empty', replacement: '' });
  }
  if (typeof current === 'number') {
    if (node.minimum !== undefined)
      ways.push({ note: `minimum ${node.minimum} - 1`, replacement: node.minimum - 1 });
    if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER)
      ways.push({ note: `maximum ${node.maximum} + 1`, replacement: node.maximum + 1 });
    if (node.type === 'integer') ways.push({ note: 'not an integer', replacement: current + 0.5 });
    ways.push({ note: 'beyond 2^53', replacement: 2 ** 60 });
    ways.push({ note: '1e308', replacement: 1e308 });
    ways.push({ note: '-0', text: '-0' });
  }
  if (Array.isArray(current)) {
    const items = current as unknown[];
    if (node.minItems !== undefined && node.minItems > 0)
      ways.push({
        note: `minItems ${node.minItems} - 1`,
        replacement: current.slice(0, node.minItems - 1),
      });
    if (node.maxItems !== undefined && current.length > 0 && node.maxItems <= 10_000)
      ways.push({
        note: `maxItems ${node.maxItems} + 1`,
        replacement: Array.from({ length: node.maxItems + 1 }, (_, i) => items[i % items.length]),
      });
    if (current.length > 0) {
      ways.push({ note: 'first item twice', replacement: [items[0], ...items] });
      ways.push({ note: 'items reversed', replacement: [...items].reverse() });
    }
    ways.push({ note: 'empty array', replacement: [] });
  }
  if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
    for (const key of node.required ?? [])
      if (Object.hasOwn(current, key)) {
        const copy: Record<string, unknown> = { ...current };
        delete copy[key];
        ways.push({ note: `required ${key} missing`, replacement: copy });
      }
    if (node.additionalProperties === false || node.properties)
      ways.push({ note: 'unknown key', replacement: { ...current, fuzzUnknown: 1 } });
    ways.push({
      note: '__proto__ key',
      text: `{"__proto__":{"polluted":true},${JSON.stringify(current).slice(1)}`,
    });
    ways.push({ note: 'empty object', replacement: {} });
  }
  return ways;
}

/** JSON text of `value` with raw `text` at `path`. */
function writeAt(value: unknown, path: JsonPath, text: string, at: JsonPath = []): string {
  if (at.length === path.length && at.every((k, i) => k === path[i])) return text;
  if (Array.isArray(value))
    return `[${value.map((v, i) => writeAt(v, path, text, [...at, i])).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${writeAt(v, path, text, [...at, k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
