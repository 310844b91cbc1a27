// Every public HTTP endpoint of the services with its valid request (a real signed cast, a real
// admin call, …) and how a 2xx answer to a generated request is explained; the routes each
// service's /openapi.json lists beyond these are fuzzed too, from their path alone.
import {
  ceremonySchema,
  encryptedBallotSchema,
  manifestSchema,
  parseReceipt,
  plaintextSelectionsSchema,
  rollBatchSchema,
} from '@hanpyo/contracts';
import { errorCode, NODE_HEADER_LIMIT, headerBytes } from './fuzz-http.js';
import type { FuzzAnswer, FuzzRequest } from './fuzz-http.js';
import { contractJsonSchema } from './fuzz-schema.js';
import type { EndpointShape } from './fuzz-requests.js';

export type ServiceName = 'registrar' | 'edge' | 'ledger' | 'observer' | 'persister';

/** What the fuzzer knows of the running stack and its elections. */
export interface FuzzFixtures {
  readonly urls: Readonly<Record<ServiceName, string>>;
  /** The open election casts go to. */
  readonly electionId: string;
  /** A second election, registered but not open, that admin calls go to. */
  readonly adminElectionId: string;
  readonly adminManifest: unknown;
  readonly adminCeremony: unknown;
  /** Bearer credentials by role (one admin token for all, before role keys). */
  readonly credentials: Readonly<Record<'operator' | 'issuer' | 'tally' | 'observer', string>>;
  /** Valid signed casts: the voter's token and the {ballot, castSignature} body. */
  readonly casts: readonly { readonly token: string; readonly body: unknown }[];
  /** A voter token for edge-mode encryption and its {selections} body. */
  readonly encrypt: { readonly token: string; readonly body: unknown };
  readonly districtId: string;
  readonly trackingCode: string;
  /** A block height with the observer's cosignature. */
  readonly height: number;
  readonly witnessSignature: { readonly keyId: string; readonly signature: string };
  readonly shares: unknown;
}

/** How a 2xx is explained: the class it is counted in, or a violation. */
export type Verdict =
  { readonly ok: true; readonly class: string } | { readonly ok: false; readonly problem: string };

export interface Endpoint extends EndpointShape {
  readonly name: string;
  readonly service: ServiceName;
  /** Judges a 2xx answer to `req`. */
  judge2xx(req: FuzzRequest, answer: FuzzAnswer): Verdict;
}

const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/;

/** GETs: a 2xx is a read, unless numeric parameters were not canonical decimals. */
function reads(strictParams: readonly string[] = [], strictQuery: readonly string[] = []) {
  return (req: FuzzRequest, answer: FuzzAnswer, shape: EndpointShape): Verdict => {
    // Node's client sends a method upper-cased ("get" goes out as GET).
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD')
      return { ok: false, problem: `${answer.status} to ${req.method}` };
    // A "#fragment" is not part of the resource: the router ignores it.
    const [path, query = ''] = req.path.split('#')[0]!.split('?') as [string, string?];
    const params = matchTemplate(shape.template, path);
    for (const p of strictParams) {
      const v = params?.[p];
      if (v !== undefined && !CANONICAL_DECIMAL.test(v))
        return {
          ok: false,
          problem: `${answer.status} although {${p}} = ${JSON.stringify(v.slice(0, 40))} is not a canonical decimal`,
        };
    }
    const q = new URLSearchParams(query);
    for (const k of strictQuery) {
      const all = q.getAll(k);
      if (all.length > 1 || (all.length === 1 && !CANONICAL_DECIMAL.test(all[0]!)))
        return {
          ok: false,
          problem: `${answer.status} although ?${k}=${JSON.stringify(all.join('&').slice(0, 40))} is not one canonical decimal`,
        };
      // (Fastify's query parser takes "from[]" for a key of its own, not for an array of from.)
    }
    return { ok: true, class: 'read' };
  };
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const re = new RegExp(
    `^${template.replace(/\{(\w+)\}/g, (_, n: string) => {
      names.push(n);
      return '([^/]*)';
    })}$`,
  );
  const m = re.exec(path);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    try {
      out[n] = decodeURIComponent(m[i + 1]!);
    } catch {
      out[n] = m[i + 1]!;
    }
  });
  return out;
}

/** A body's JSON value, or undefined when it is not JSON. */
function jsonOf(body: Buffer | undefined): unknown {
  if (body === undefined) return undefined;
  try {
    // Fastify's JSON parser skips a leading byte order mark, and so does this.
    return JSON.parse(body.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** Whether the request carries exactly one of the credentials, as a client sends it. */
function carries(req: FuzzRequest, credentials: readonly string[]): boolean {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return false;
  // HTTP drops whitespace around a header value (RFC 9110 §5.5): "Bearer T " is "Bearer T";
  // one or more spaces follow the scheme (RFC 9110 §11.4: auth-scheme 1*SP token68).
  const m = /^bearer +(.+)$/i.exec(h.trim());
  return m !== null && credentials.includes(m[1]!);
}

/** The catalog: every endpoint with its valid request. */
export function endpoints(f: FuzzFixtures): Endpoint[] {
  const id = f.electionId;
  const adm = f.adminElectionId;
  const all = Object.values(f.credentials);
  const list: (EndpointShape & {
    name: string;
    service: ServiceName;
    judge: (req: FuzzRequest, answer: FuzzAnswer, shape: EndpointShape) => Verdict;
  })[] = [];
  const add = (
    name: string,
    service: ServiceName,
    shape: EndpointShape,
    judge: (req: FuzzRequest, answer: FuzzAnswer, shape: EndpointShape) => Verdict,
  ) => list.push({ name, service, ...shape, judge });
  const never = (req: FuzzRequest, answer: FuzzAnswer): Verdict => ({
    ok: false,
    problem: `${answer.status} for a request that cannot be valid (${req.family})`,
  });
  /** Admin calls: a 2xx only with a credential, and then a state change the report counts. */
  const admin = (req: FuzzRequest, answer: FuzzAnswer): Verdict =>
    carries(req, all)
      ? { ok: true, class: 'admin-accepted' }
      : { ok: false, problem: `${answer.status} without a valid credential` };

  const cast = f.casts[0]!;
  const ballotSchema = contractJsonSchema(encryptedBallotSchema);
  add(
    'edge.view',
    'edge',
    { method: 'GET', template: '/v1/elections/{id}', params: { id } },
    reads(),
  );
  add(
    'edge.cast',
    'edge',
    {
      method: 'POST',
      template: '/v1/elections/{id}/ballots',
      params: { id },
      bearer: cast.token,
      body: cast.body,
      schemas: [{ path: ['ballot'], schema: ballotSchema }],
    },
    (req, answer) => {
      if (answer.status !== 201) return { ok: false, problem: `${answer.status} to a cast` };
      if (
        !carries(
          req,
          f.casts.map((c) => c.token),
        )
      )
        return { ok: false, problem: '201 although the request carries no voter token' };
      try {
        parseReceipt((answer.json as { receipt?: unknown }).receipt);
      } catch {
        return { ok: false, problem: '201 without a receipt' };
      }
      return { ok: true, class: 'cast-accepted' };
    },
  );
  add(
    'edge.encrypt',
    'edge',
    {
      method: 'POST',
      template: '/v1/elections/{id}/ballots/encrypt',
      params: { id },
      bearer: f.encrypt.token,
      body: f.encrypt.body,
      schemas: [{ path: ['selections'], schema: contractJsonSchema(plaintextSelectionsSchema) }],
    },
    (req, answer) =>
      carries(req, [f.encrypt.token])
        ? { ok: true, class: 'encrypt-accepted' }
        : { ok: false, problem: `${answer.status} to an encryption without the voter token` },
  );
  add(
    'ledger.blocks-latest',
    'ledger',
    { method: 'GET', template: '/v1/elections/{id}/blocks/latest', params: { id } },
    reads(),
  );
  add(
    'ledger.block',
    'ledger',
    {
      method: 'GET',
      template: '/v1/elections/{id}/blocks/{height}',
      params: { id, height: String(f.height) },
    },
    reads(['height']),
  );
  add(
    'ledger.cosign',
    'ledger',
    {
      method: 'POST',
      template: '/v1/elections/{id}/blocks/{height}/signatures',
      params: { id, height: String(f.height) },
      body: f.witnessSignature,
    },
    (req) => {
      // Only the witness's own signature of that block can be accepted (again: idempotent).
      const body = jsonOf(req.body);
      if (
        typeof body === 'object' &&
        body !== null &&
        (body as Record<string, unknown>).keyId === f.witnessSignature.keyId &&
        (body as Record<string, unknown>).signature === f.witnessSignature.signature
      )
        return {
          ok: true,
          class: Object.keys(body).length === 2 ? 'cosign-repeated' : 'cosign-repeated-extra-keys',
        };
      return { ok: false, problem: '200 for a body that is not the witness signature' };
    },
  );
  add(
    'ledger.receipt',
    'ledger',
    {
      method: 'GET',
      template: '/v1/elections/{id}/receipts/{trackingCode}',
      params: { id, trackingCode: f.trackingCode },
    },
    reads(),
  );
  add(
    'ledger.consistency',
    'ledger',
    {
      method: 'GET',
      template: '/v1/elections/{id}/districts/{districtId}/consistency',
      params: { id, districtId: f.districtId },
      query: { from: '1', to: String(f.height) },
    },
    reads([], ['from', 'to']),
  );
  add(
    'registrar.view',
    'registrar',
    { method: 'GET', template: '/v1/elections/{id}', params: { id } },
    reads(),
  );
  add(
    'registrar.tally-status',
    'registrar',
    { method: 'GET', template: '/v1/elections/{id}/tally/status', params: { id } },
    reads(),
  );
  add(
    'registrar.tally-aggregates',
    'registrar',
    { method: 'GET', template: '/v1/elections/{id}/tally/aggregates', params: { id } },
    reads(),
  );
  add(
    'registrar.tally',
    'registrar',
    { method: 'GET', template: '/v1/elections/{id}/tally', params: { id } },
    reads(),
  );
  add(
    'registrar.board',
    'registrar',
    {
      method: 'GET',
      template: '/v1/elections/{id}/board/{partition}',
      params: { id, partition: '0' },
      query: { from: '0', to: '100' },
      bearer: f.credentials.observer,
    },
    reads(['partition'], ['from', 'to']),
  );
  add(
    'registrar.shares',
    'registrar',
    { method: 'POST', template: '/v1/elections/{id}/tally/shares', params: { id }, body: f.shares },
    never,
  );
  add(
    'registrar.admin.create',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections',
      params: {},
      bearer: f.credentials.operator,
      body: f.adminManifest,
      schemas: [{ path: [], schema: contractJsonSchema(manifestSchema) }],
    },
    admin,
  );
  add(
    'registrar.admin.ceremony',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections/{id}/ceremony',
      params: { id: adm },
      bearer: f.credentials.operator,
      body: f.adminCeremony,
      schemas: [{ path: [], schema: contractJsonSchema(ceremonySchema) }],
    },
    admin,
  );
  for (const action of ['open', 'close'])
    add(
      `registrar.admin.${action}`,
      'registrar',
      {
        method: 'POST',
        template: `/v1/elections/{id}/${action}`,
        params: { id: adm },
        bearer: f.credentials.operator,
        body: {},
      },
      admin,
    );
  const voterKey = 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik';
  add(
    'registrar.admin.tokens',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections/{id}/tokens',
      params: { id: adm },
      bearer: f.credentials.issuer,
      body: { voterId: 'v-1', districtId: f.districtId, voterKey },
    },
    admin,
  );
  add(
    'registrar.admin.tokens-bulk',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections/{id}/tokens/bulk',
      params: { id: adm },
      bearer: f.credentials.issuer,
      body: { voters: [{ voterId: 'v-1', districtId: f.districtId, voterKey }] },
    },
    admin,
  );
  add(
    'registrar.admin.roll',
    'registrar',
    {
      method: 'GET',
      template: '/v1/elections/{id}/roll',
      params: { id: adm },
      bearer: f.credentials.operator,
    },
    reads(),
  );
  const digest = 'a'.repeat(64);
  add(
    'registrar.admin.roll-imports',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections/{id}/roll/imports',
      params: { id: adm },
      bearer: f.credentials.operator,
      body: { digest },
    },
    admin,
  );
  add(
    'registrar.admin.roll-batches',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections/{id}/roll/batches',
      params: { id: adm },
      bearer: f.credentials.operator,
      body: { from: 0, voters: [{ voterId: 'v-1', districtId: f.districtId }] },
      schemas: [{ path: [], schema: contractJsonSchema(rollBatchSchema) }],
    },
    admin,
  );
  add(
    'registrar.admin.roll-commit',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections/{id}/roll/commit',
      params: { id: adm },
      bearer: f.credentials.operator,
      body: { digest, count: 1 },
    },
    admin,
  );
  add(
    'registrar.admin.roll-voters',
    'registrar',
    {
      method: 'GET',
      template: '/v1/elections/{id}/roll/voters',
      params: { id },
      query: { from: '0', limit: '10' },
      bearer: f.credentials.operator,
    },
    reads([], ['from', 'limit']),
  );
  add(
    'registrar.admin.tally-start',
    'registrar',
    {
      method: 'POST',
      template: '/v1/elections/{id}/tally',
      params: { id: adm },
      bearer: f.credentials.tally,
      body: {},
    },
    admin,
  );
  add('observer.page', 'observer', { method: 'GET', template: '/', params: {} }, reads());
  add(
    'observer.status',
    'observer',
    { method: 'GET', template: '/v1/status', params: {} },
    reads(),
  );
  add(
    'persister.ready',
    'persister',
    { method: 'GET', template: '/health/ready', params: {} },
    reads(),
  );
  add(
    'persister.metrics',
    'persister',
    { method: 'GET', template: '/metrics', params: {} },
    reads(),
  );
  return list.map((e) => ({ ...e, judge2xx: (req, answer) => e.judge(req, answer, e) }));
}

/**
 * Routes of a service's OpenAPI document that the catalog lacks (new ones since it was written):
 * fuzzed from their path alone, every parameter the election's id, a 2xx only for a GET.
 */
export function discoveredEndpoints(
  service: ServiceName,
  openapi: { paths?: Record<string, Record<string, unknown>> },
  known: readonly Endpoint[],
  f: FuzzFixtures,
): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [path, operations] of Object.entries(openapi.paths ?? {})) {
    if (path === '/openapi.json') continue;
    for (const method of Object.keys(operations)) {
      const m = method.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(m)) continue;
      if (known.some((e) => e.service === service && e.method === m && e.template === path))
        continue;
      const params = Object.fromEntries(
        [...path.matchAll(/\{(\w+)\}/g)].map((x) => [
          x[1]!,
          x[1] === 'id' ? f.adminElectionId : '1',
        ]),
      );
      const shape: EndpointShape = {
        method: m,
        template: path,
        params,
        bearer: f.credentials.operator,
        ...(m === 'GET' ? {} : { body: {} }),
      };
      const judge =
        m === 'GET'
          ? reads()
          : (req: FuzzRequest, answer: FuzzAnswer): Verdict =>
              carries(req, Object.values(f.credentials))
                ? { ok: true, class: 'admin-accepted' }
                : { ok: false, problem: `${answer.status} without a valid credential` };
      out.push({
        name: `${service}.discovered ${m} ${path}`,
        service,
        ...shape,
        judge2xx: (req, answer) => judge(req, answer, shape),
      });
    }
  }
  return out;
}

/** The fuzzer's invariant for one answer, before the endpoint's own 2xx judgement. */
export function judge(endpoint: Endpoint, req: FuzzRequest, answer: FuzzAnswer): Verdict {
  if (answer.transport === 'CLIENT_REFUSED') return { ok: true, class: 'not-sent' };
  if (answer.transport !== undefined) {
    // Over Node's header limit the server answers and closes at once, often before the client
    // has written everything: a reset while sending is that refusal, not a crash.
    if (headerBytes(req) + req.path.length > NODE_HEADER_LIMIT && answer.transport !== 'TIMEOUT')
      return { ok: true, class: 'closed-oversize-headers' };
    if ((req.body?.length ?? 0) > 1_000_000 && answer.transport !== 'TIMEOUT')
      return { ok: true, class: 'closed-oversize-body' };
    return {
      ok: false,
      problem:
        answer.transport === 'TIMEOUT'
          ? 'no answer in time (hang)'
          : `connection failed: ${answer.transport}`,
    };
  }
  const { status } = answer;
  if (status >= 500) {
    const code = errorCode(answer.json);
    if (
      status === 503 &&
      (code === 'OVERLOADED' || code === 'UNAVAILABLE') &&
      answer.headers['retry-after'] !== undefined
    )
      return { ok: true, class: 'shed' };
    return { ok: false, problem: `status ${status}${code ? ` ${code}` : ''}` };
  }
  if (status >= 400) {
    if (req.method === 'HEAD') return { ok: true, class: `${status}` };
    const code = errorCode(answer.json);
    if (code === undefined)
      return { ok: false, problem: `${status} without {"error":{"code","message"}}` };
    return { ok: true, class: code };
  }
  if (status >= 200 && status < 300) {
    // A write accepted must be the route's own: its method, and its path with the same parameters
    // (a 2xx for another election's id, or for PATCH, would be a write nobody asked for).
    if (endpoint.method !== 'GET') {
      if (req.method.toUpperCase() !== endpoint.method)
        return {
          ok: false,
          problem: `${status} to ${req.method} (the route takes ${endpoint.method})`,
        };
      if (!samePlace(endpoint, req.path))
        return {
          ok: false,
          problem: `${status} for a path that is not the route's with its parameters`,
        };
    }
    return endpoint.judge2xx(req, answer);
  }
  return { ok: false, problem: `status ${status}` };
}

/** Whether `path` (query aside, "//", "/./" and a trailing "/" folded) names the endpoint's route with its parameters. */
function samePlace(endpoint: Endpoint, path: string): boolean {
  const bare = path.split('#')[0]!.split('?')[0]!;
  for (const candidate of [
    bare,
    bare
      .replace(/\/\.(?=\/)/g, '')
      .replace(/\/{2,}/g, '/')
      .replace(/(.)\/$/, '$1'),
  ]) {
    const params = matchTemplate(endpoint.template, candidate);
    if (params && Object.entries(endpoint.params).every(([k, v]) => params[k] === v)) return true;
  }
  return false;
}
