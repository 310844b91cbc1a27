// Generated bad requests for one endpoint, from its valid request: fast-check arbitraries of a
// family (schema violation, byte mutation, JSON-text mutation, random JSON, wrong headers, broken
// path or method, oversize body) and a pure builder, so request i of an endpoint is the same for a
// given seed.
import fc from 'fast-check';
import type { FuzzRequest } from './fuzz-http.js';
import { applyBytes, applyText, byteMutation, textMutation } from './fuzz-mutate.js';
import type { JsonPath } from './fuzz-mutate.js';
import { violate, violationChoice } from './fuzz-schema.js';
import type { JsonSchema } from './fuzz-schema.js';

/** An endpoint's valid request, the material its bad requests are made from. */
export interface EndpointShape {
  readonly method: string;
  /** Path template, parameters in braces: /v1/elections/{id}/ballots. */
  readonly template: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** The bearer credential of the valid request, if it has one. */
  readonly bearer?: string;
  readonly body?: unknown;
  /** Contract schemas for the body (path [] = the whole body) that violations are drawn from. */
  readonly schemas?: readonly { readonly path: JsonPath; readonly schema: JsonSchema }[];
}

const encode = (s: string) => encodeURIComponent(s);

/** The path and query of a request to `shape` with these parameter texts (already encoded). */
function pathOf(shape: EndpointShape, params: Record<string, string>, query: string): string {
  const path = shape.template.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
  return query.length > 0 ? `${path}?${query}` : path;
}

function queryOf(query: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(query ?? {})
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
}

function encodedParams(shape: EndpointShape): Record<string, string> {
  return Object.fromEntries(Object.entries(shape.params).map(([k, v]) => [k, encode(v)]));
}

function baseHeaders(shape: EndpointShape, body: boolean): Record<string, string> {
  return {
    ...(body ? { 'content-type': 'application/json' } : {}),
    ...(shape.bearer !== undefined ? { authorization: `Bearer ${shape.bearer}` } : {}),
  };
}

/** The valid request itself. */
export function validRequest(shape: EndpointShape): FuzzRequest {
  const body = shape.body === undefined ? undefined : Buffer.from(JSON.stringify(shape.body));
  return {
    method: shape.method,
    path: pathOf(shape, encodedParams(shape), queryOf(shape.query)),
    headers: baseHeaders(shape, body !== undefined),
    ...(body !== undefined ? { body } : {}),
    family: 'valid',
    note: 'the valid request',
  };
}

/** A request with a new body (JSON text or bytes), headers as the valid one. */
function withBody(shape: EndpointShape, body: Buffer, family: string, note: string): FuzzRequest {
  return { ...validRequest(shape), body, headers: baseHeaders(shape, true), family, note };
}

const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined,
  '',
  'text/plain',
  'text/json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/ld+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  'application/json, text/plain',
  'application/json;;',
  ' application/json',
];

type HeaderEdit =
  | { kind: 'content-type'; value: string | undefined }
  | { kind: 'authorization'; how: number; at: number }
  | { kind: 'huge'; size: number }
  | { kind: 'many'; count: number }
  | { kind: 'duplicate-content-type' }
  | { kind: 'odd'; name: string; value: string };

const headerEdit: fc.Arbitrary<HeaderEdit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('content-type' as const),
      value: fc.constantFrom(...CONTENT_TYPES),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('authorization' as const),
      how: fc.nat(),
      at: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge' as const),
      size: fc.constantFrom(4_000, 15_000, 17_000, 40_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('many' as const), count: fc.constantFrom(50, 120) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate-content-type' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('odd' as const),
      name: fc.constantFrom(
        'accept',
        'accept-encoding',
        'x-forwarded-for',
        'expect',
        'content-encoding',
        'range',
      ),
      value: fc.constantFrom(
        'gzip',
        '*/*',
        '100-continue',
        'bytes=0-1',
        'br',
        '1.2.3.4, ::1',
        'application/xml',
      ),
    }),
  },
);

function authorizationVariant(
  bearer: string | undefined,
  how: number,
  at: number,
): string | undefined {
  const token = bearer ?? 'x';
  const flipped =
    token.length > 0
      ? token.slice(0, at % token.length) +
        (token[at % token.length] === 'A' ? 'B' : 'A') +
        token.slice((at % token.length) + 1)
      : 'A';
  const variants: (string | undefined)[] = [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    `Bearer ${flipped}`,
    `bearer ${token}`,
    `Bearer  ${token}`,
    `Bearer ${token} `,
    `Bearer ${token}x`,
    `Bearer ${token.slice(0, -1)}`,
    `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`,
    `Bearer ${token}, Bearer ${token}`,
    `Bearer ${'A'.repeat(3000)}`,
    token,
    `Bearer ${token.split('.').reverse().join('.')}`,
    `Bearer ${token.replace(/\./g, '')}`,
  ];
  return variants[how % variants.length];
}

function applyHeaderEdit(shape: EndpointShape, edit: HeaderEdit): FuzzRequest {
  const base = validRequest(shape);
  const headers: Record<string, string | string[]> = { ...base.headers };
  let note: string = edit.kind;
  switch (edit.kind) {
    case 'content-type':
      if (edit.value === undefined) delete headers['content-type'];
      else headers['content-type'] = edit.value;
      note = `content-type ${JSON.stringify(edit.value ?? null)}`;
      break;
    case 'authorization': {
      const value = authorizationVariant(shape.bearer, edit.how, edit.at);
      if (value === undefined) delete headers.authorization;
      else headers.authorization = value;
      note = `authorization variant ${edit.how % 16}`;
      break;
    }
    case 'huge':
      headers['x-fuzz'] = 'a'.repeat(edit.size);
      note = `a ${edit.size}-byte header`;
      break;
    case 'many':
      for (let i = 0; i < edit.count; i++) headers[`x-fuzz-${i}`] = String(i);
      note = `${edit.count} headers`;
      break;
    case 'duplicate-content-type':
      headers['content-type'] = ['application/json', 'text/plain'];
      note = 'two content-types';
      break;
    case 'odd':
      headers[edit.name] = edit.value;
      note = `${edit.name}: ${edit.value}`;
      break;
  }
  return { ...base, headers, family: 'headers', note };
}

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'PROPFIND',
  'SEARCH',
  'FOO',
  'get',
];

/** Path segments that break a parameter: bad percent-encoding, over-long, odd characters. */
const BAD_SEGMENTS = [
  '%',
  '%Z',
  '%ZZ',
  '%A5%BC',
  '%ED%A0%80',
  '%C0%80',
  '%FF',
  '%00',
  '%0D%0A',
  '%2F',
  '%2E%2E',
  '..',
  '.',
  '',
  '%EF%BB%BF',
  '%E2%80%AE',
  '%F0%9F%97%B3',
  '%20',
  '+',
  '%25',
  '-1',
  '0',
  '00',
  '1e3',
  '0x10',
  '9007199254740993',
  '99999999999999999999',
  'null',
  'latest',
  '%5B%5D',
];

type PathEdit =
  | { kind: 'segment'; param: number; value: string; mode: 'replace' | 'append' | 'prefix' }
  | { kind: 'long'; param: number; length: number }
  | { kind: 'case'; param: number }
  | { kind: 'method'; method: string }
  | { kind: 'query'; key: string; value: string; repeat: boolean }
  | { kind: 'slashes'; how: number };

const pathEdit: fc.Arbitrary<PathEdit> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('segment' as const),
      param: fc.nat(),
      value: fc.oneof(
        fc.constantFrom(...BAD_SEGMENTS),
        fc
          .uint8Array({ minLength: 1, maxLength: 12 })
          .map((b) =>
            [...b].map((x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
          ),
      ),
      mode: fc.constantFrom<'replace' | 'append' | 'prefix'>('replace', 'append', 'prefix'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('long' as const),
      param: fc.nat(),
      length: fc.constantFrom(101, 127, 128, 129, 200, 1000, 8000, 70_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('case' as const), param: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('method' as const),
      method: fc.constantFrom(...METHODS),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      key: fc.constantFrom('from', 'to', 'limit', 'x', 'from[]', 'to[0]', '', '%ZZ', '__proto__'),
      value: fc.oneof(
        fc.constantFrom(...BAD_SEGMENTS),
        fc.constantFrom('1', '10', '1000', '1001', '-1', '1.0', '1e2', ' 1'),
      ),
      repeat: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slashes' as const), how: fc.nat() }) },
);

function applyPathEdit(shape: EndpointShape, edit: PathEdit): FuzzRequest {
  const base = validRequest(shape);
  const params = encodedParams(shape);
  const names = Object.keys(params);
  const name =
    names.length > 0 ? names[('param' in edit ? edit.param : 0) % names.length]! : undefined;
  let query = queryOf(shape.query);
  let method = shape.method;
  let note: string = edit.kind;
  let path: string | undefined;
  switch (edit.kind) {
    case 'segment':
      if (name !== undefined) {
        params[name] =
          edit.mode === 'replace'
            ? edit.value
            : edit.mode === 'append'
              ? params[name] + edit.value
              : edit.value + params[name];
        note = `{${name}} ${edit.mode} ${edit.value}`;
      } else {
        path = `${base.path.split('?')[0]}${edit.value}`;
        note = `path + ${edit.value}`;
      }
      break;
    case 'long':
      if (name !== undefined) params[name] = 'a'.repeat(edit.length);
      else path = `${base.path.split('?')[0]}${'a'.repeat(edit.length)}`;
      note = `{${name ?? 'path'}} of ${edit.length} chars`;
      break;
    case 'case':
      if (name !== undefined) params[name] = params[name]!.toUpperCase();
      note = `{${name ?? '-'}} upper case`;
      break;
    case 'method':
      method = edit.method;
      note = `method ${edit.method}`;
      break;
    case 'query': {
      const pair = `${edit.key}=${edit.value}`;
      query = [query, pair, ...(edit.repeat ? [pair.replace(/=.*/, '=1')] : [])]
        .filter((q) => q.length > 0)
        .join('&');
      note = `query ${pair}${edit.repeat ? ' twice' : ''}`;
      break;
    }
    case 'slashes': {
      const p = pathOf(shape, params, '');
      const variants = [
        `/${p}`,
        `${p}/`,
        p.replace(/\//g, '//'),
        p.replace('/v1/', '/v1/./'),
        p.replace('/v1/', '/v2/'),
        p.replace('/v1/', '/V1/'),
        `${p}/..`,
        `${p}#x`,
      ];
      path = variants[edit.how % variants.length]!;
      note = `path ${edit.how % variants.length}`;
      break;
    }
  }
  return {
    ...base,
    method,
    path: path ?? pathOf(shape, params, query),
    family: 'path',
    note,
  };
}

/** The families and their weights for an endpoint with (or without) a JSON body. */
export function requestArbitrary(shape: EndpointShape): fc.Arbitrary<FuzzRequest> {
  const bodyBytes = shape.body === undefined ? undefined : Buffer.from(JSON.stringify(shape.body));
  const families: { weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }[] = [
    { weight: 3, arbitrary: fc.constant(validRequest(shape)) },
    { weight: 15, arbitrary: headerEdit.map((e) => applyHeaderEdit(shape, e)) },
    {
      weight: shape.body === undefined ? 45 : 17,
      arbitrary: pathEdit.map((e) => applyPathEdit(shape, e)),
    },
  ];
  if (shape.body !== undefined && bodyBytes !== undefined) {
    const schemas = shape.schemas ?? [];
    if (schemas.length > 0)
      families.push({
        weight: 25,
        arbitrary: fc.tuple(fc.nat(), violationChoice).map(([which, choice]) => {
          const { path, schema } = schemas[which % schemas.length]!;
          const sub = path.reduce<unknown>(
            (v, k) => (v as Record<string | number, unknown>)[k],
            shape.body,
          );
          const broken = violate(schema, sub, choice);
          const text =
            broken.text !== undefined
              ? path.length === 0
                ? broken.text
                : replaceText(shape.body, path, broken.text)
              : JSON.stringify(
                  path.length === 0 ? broken.value : replaceValue(shape.body, path, broken.value),
                );
          return withBody(shape, Buffer.from(text), 'schema', broken.note);
        }),
      });
    families.push({
      weight: 20,
      arbitrary: fc
        .array(byteMutation, { minLength: 1, maxLength: 3 })
        .map((ms) =>
          withBody(shape, applyBytes(bodyBytes, ms), 'bytes', ms.map((m) => m.kind).join('+')),
        ),
    });
    families.push({
      weight: 12,
      arbitrary: textMutation.map((m) => {
        const t = applyText(shape.body, m);
        return withBody(shape, Buffer.from(t.text), `text-${t.meaning}`, t.note);
      }),
    });
    families.push({
      weight: 5,
      arbitrary: fc.oneof(
        fc
          .jsonValue({ maxDepth: 4 })
          .map((v) =>
            withBody(shape, Buffer.from(JSON.stringify(v) ?? 'null'), 'generated', 'random JSON'),
          ),
        fc
          .uint8Array({ maxLength: 512 })
          .map((b) => withBody(shape, Buffer.from(b), 'generated', 'random bytes')),
        fc
          .constantFrom('', 'null', '[]', '{}', '"x"', '0', 'true', '{"":""}', '[{}]', '{"a":')
          .map((t) => withBody(shape, Buffer.from(t), 'generated', JSON.stringify(t))),
      ),
    });
    families.push({
      weight: 1,
      arbitrary: fc
        .constantFrom(1_048_577, 1_048_577, 1_048_577, 16_777_217)
        .map((size) => withBody(shape, oversizeBody(size), 'oversize', `${size + 8}-byte body`)),
    });
  } else {
    // An endpoint without a body still gets bodies it should ignore or refuse.
    families.push({
      weight: 5,
      arbitrary: fc.constantFrom('{}', '{"a":', 'x', '[]').map((t) => ({
        ...validRequest(shape),
        headers: { ...validRequest(shape).headers, 'content-type': 'application/json' },
        body: Buffer.from(t),
        family: 'body-on-read',
        note: JSON.stringify(t),
      })),
    });
  }
  return fc.oneof(...families);
}

const OVERSIZE = new Map<number, Buffer>();

/** A JSON body just over a limit, built once per size (they are megabytes). */
function oversizeBody(size: number): Buffer {
  let b = OVERSIZE.get(size);
  if (!b) OVERSIZE.set(size, (b = Buffer.from(`{"x":"${'a'.repeat(size)}"}`)));
  return b;
}

function replaceValue(root: unknown, path: JsonPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...(root as unknown[])];
    copy[head as number] = replaceValue(copy[head as number], rest, value);
    return copy;
  }
  return {
    ...(root as object),
    [head as string]: replaceValue((root as Record<string, unknown>)[head as string], rest, value),
  };
}

function replaceText(root: unknown, path: JsonPath, text: string): string {
  if (path.length === 0) return text;
  const [head, ...rest] = path;
  if (Array.isArray(root))
    return `[${root.map((v, i) => (i === head ? replaceText(v, rest, text) : JSON.stringify(v))).join(',')}]`;
  return `{${Object.entries(root as object)
    .map(
      ([k, v]) =>
        `${JSON.stringify(k)}:${k === head ? replaceText(v, rest, text) : JSON.stringify(v)}`,
    )
    .join(',')}}`;
}

/** Request `index` of an endpoint for `seed`: the same every run. */
export function requestAt(
  arbitrary: fc.Arbitrary<FuzzRequest>,
  seed: number,
  index: number,
): FuzzRequest {
  return fc.sample(arbitrary, { seed: (seed * 1_000_003 + index) | 0, numRuns: 1 })[0]!;
}
