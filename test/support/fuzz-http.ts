// Sending a fuzzed request exactly as generated (node:http: any method token, a raw path with bad
// percent-encoding, arbitrary headers and body bytes) and judging the answer against the fuzzer's
// invariant: a 4xx with {"error":{"code","message"}}, or a 2xx the endpoint explains; never a 5xx,
// a hang or a dropped connection.
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';

/** One generated request. */
export interface FuzzRequest {
  readonly method: string;
  /** Path and query, sent as is. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body?: Buffer;
  /** How it was made (family/detail), for the report. */
  readonly family: string;
  readonly note: string;
}

/** What came back. */
export interface FuzzAnswer {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** A transport failure instead of an answer: TIMEOUT, ECONNRESET, EPIPE, … */
  readonly transport?: string;
  readonly ms: number;
}

/** Node's own limit on request headers (16 KiB): beyond it the server may close mid-request. */
export const NODE_HEADER_LIMIT = 16 * 1024;

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** Sends a request; a reused keep-alive socket the server had closed is retried on a fresh one. */
export async function send(base: string, req: FuzzRequest, timeoutMs: number): Promise<FuzzAnswer> {
  const first = await sendOnce(base, req, timeoutMs, agent);
  if (first.reused && first.answer.transport !== undefined && first.answer.transport !== 'TIMEOUT')
    return (await sendOnce(base, req, timeoutMs, false)).answer;
  return first.answer;
}

function sendOnce(
  base: string,
  req: FuzzRequest,
  timeoutMs: number,
  via: Agent | false,
): Promise<{ answer: FuzzAnswer; reused: boolean }> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    let reused = false;
    const finish = (answer: Omit<FuzzAnswer, 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ answer: { ...answer, ms: performance.now() - started }, reused });
    };
    const failed = (transport: string) =>
      finish({ status: 0, text: '', json: undefined, headers: {}, transport });
    let r: ReturnType<typeof request>;
    try {
      r = request({
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers },
        agent: via,
        insecureHTTPParser: false,
      });
    } catch (e) {
      // Node itself refused to write it (a character it does not allow in a path or header).
      resolve({
        answer: {
          status: -1,
          text: (e as Error).message,
          json: undefined,
          headers: {},
          transport: 'CLIENT_REFUSED',
          ms: 0,
        },
        reused: false,
      });
      return;
    }
    const timer = setTimeout(() => {
      failed('TIMEOUT');
      r.destroy();
    }, timeoutMs);
    r.on('socket', () => {
      reused = r.reusedSocket;
    });
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: NodeJS.ErrnoException) => failed(e.code ?? e.message));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          json = undefined;
        }
        finish({ status: res.statusCode ?? 0, text, json, headers: res.headers });
      });
    });
    r.on('error', (e: NodeJS.ErrnoException) => failed(e.code ?? e.message));
    if (req.body !== undefined && req.body.length > 0) r.end(req.body);
    else r.end();
  });
}

/** The stable code of an error body, if it has the shape. */
export function errorCode(json: unknown): string | undefined {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' &&
    /^[A-Z][A-Z0-9_]*$/.test(error.code) &&
    typeof error.message === 'string'
    ? error.code
    : undefined;
}

/** Total header bytes as sent (names, values, separators). */
export function headerBytes(req: FuzzRequest): number {
  let n = 0;
  for (const [k, v] of Object.entries(req.headers))
    for (const value of Array.isArray(v) ? v : [v]) n += k.length + value.length + 4;
  return n;
}

/** A one-line description of a request for the report: never a token or a body (only its hash). */
export function describe(req: FuzzRequest): string {
  const path = req.path.length > 160 ? `${req.path.slice(0, 160)}…(${req.path.length})` : req.path;
  const headers = Object.entries(req.headers)
    .map(([k, v]) => {
      const value = Array.isArray(v) ? v.join(', ') : v;
      return k === 'authorization' || value.length > 60
        ? `${k}: (${value.length} chars)`
        : `${k}: ${value}`;
    })
    .join(', ');
  const body =
    req.body === undefined
      ? 'no body'
      : `body ${req.body.length} B sha256:${createHash('sha256').update(req.body).digest('hex').slice(0, 16)}`;
  return `${req.method} ${path} [${headers}] ${body} (${req.family}: ${req.note.slice(0, 120)})`;
}
