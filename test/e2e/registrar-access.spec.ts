// The registrar's access control through its real process, against the real Kafka and Cassandra
// (issue 12 point 6): role-scoped credentials from the credentials file the local stack writes
// (digests only), 401 ADMIN_UNAUTHORIZED without a valid key and 403 ROLE_FORBIDDEN with the wrong
// role on every protected route, a key rotated by rewriting the file with no restart, per-route
// body limits enforced before the body is read (an unauthenticated huge body is a 401 answered
// while the body is still unsent), and the audit log of every state-changing call (who, what,
// outcome; never a key or a token), read by the operator only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uniqueName } from '../support/env.js';
import { setUpElection } from '../support/election.js';
import { contest } from '../support/manifest.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';
import { until } from '../support/wait.js';

type Role = 'operator' | 'issuer' | 'tally' | 'observer';

interface Local {
  registrar: { url: string; adminToken: string; credentials: Record<Role, string> };
}

interface AuditEntry {
  id: string;
  at: string;
  credentialId: string;
  role: string;
  method: string;
  route: string;
  electionId: string | null;
  action: string;
  status: number;
  code: string | null;
  detail: string | null;
}

const sha256hex = async (text: string) =>
  (await import('node:crypto')).createHash('sha256').update(text).digest('hex');

describe('registrar access control: roles, rotation, body limits before the body, audit log', () => {
  let stack: LocalStack;
  let local: Local;
  let url: string;
  const id = uniqueName('access-');
  const keys = () => local.registrar.credentials;

  before(async () => {
    stack = await startLocalStack({
      stateDirPrefix: 'hanpyo-access-',
      namePrefix: 'e2eaccess',
      services: ['registrar'],
      env: {
        HANPYO_REGISTRAR_CREDENTIALS_POLL_MS: '200',
        HANPYO_REGISTRAR_PREJUDGE_THREADS: '0',
      },
    });
    local = JSON.parse(await readFile(join(stack.state, 'local.json'), 'utf8')) as Local;
    url = local.registrar.url;
    const now = Date.now();
    await setUpElection(
      stack,
      {
        spec: 'hanpyo/1',
        electionId: id,
        title: 'access e2e',
        opens: new Date(now - 60_000).toISOString(),
        closes: new Date(now + 3_600_000).toISOString(),
        revotePolicy: 'last',
        encryptionModes: ['client', 'edge'],
        commitmentIntervalSeconds: 1,
        contests: [contest('mayor', 'Mayor', ['a', 'b'], 1, 1)],
        ballotStyles: [{ ballotStyleId: 'full', contestIds: ['mayor'] }],
        districts: [{ districtId: 'd1', name: 'd1', ballotStyleId: 'full', registeredVoters: 5 }],
        trustees: { count: 3, threshold: 2 },
      },
      { roll: 5 },
    );
  });

  after(async () => {
    await stack?.stop();
  });

  /** A JSON call to the registrar with `key` as bearer (none when undefined). */
  async function call(
    method: string,
    path: string,
    key: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; code: string | undefined; body: Record<string, unknown> }> {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await r.json()) as Record<string, unknown>;
    return {
      status: r.status,
      code: (json.error as { code?: string } | undefined)?.code,
      body: json,
    };
  }

  const e = `/v1/elections/${id}`;
  /** Each protected route, the roles it takes, and a body that passes the auth check. */
  const routes: { method: string; path: string; roles: Role[]; body?: unknown }[] = [
    { method: 'POST', path: '/v1/elections', roles: ['operator'], body: { manifest: {} } },
    { method: 'POST', path: `${e}/ceremony`, roles: ['operator'], body: {} },
    { method: 'POST', path: `${e}/close`, roles: ['operator'], body: {} },
    { method: 'GET', path: `${e}/roll`, roles: ['operator', 'issuer', 'observer'] },
    {
      method: 'GET',
      path: `${e}/roll/voters?from=0&limit=1`,
      roles: ['operator', 'issuer', 'observer'],
    },
    { method: 'POST', path: `${e}/roll/imports`, roles: ['operator'], body: {} },
    { method: 'POST', path: `${e}/roll/batches`, roles: ['operator'], body: {} },
    { method: 'POST', path: `${e}/roll/commit`, roles: ['operator'], body: {} },
    { method: 'POST', path: `${e}/tokens`, roles: ['issuer'], body: {} },
    { method: 'POST', path: `${e}/tokens/bulk`, roles: ['issuer'], body: { voters: [] } },
    { method: 'POST', path: `${e}/tally`, roles: ['tally'], body: {} },
    { method: 'POST', path: `${e}/tally/shares`, roles: ['tally'], body: {} },
    { method: 'POST', path: `${e}/tally/reset`, roles: ['tally', 'operator'], body: {} },
    { method: 'GET', path: `${e}/audit`, roles: ['operator'] },
    { method: 'GET', path: '/v1/audit', roles: ['operator'] },
  ];

  it('writes one key per role to local.json and only their SHA-256 to the credentials file', async () => {
    const file = await readFile(join(stack.state, 'registrar-credentials.json'), 'utf8');
    const { credentials } = JSON.parse(file) as {
      credentials: { id: string; roles: string[]; sha256: string }[];
    };
    for (const role of ['operator', 'issuer', 'tally', 'observer'] as Role[]) {
      const key = keys()[role];
      assert.ok(key && key.length >= 24, `a ${role} key in local.json`);
      assert.ok(!file.includes(key), `the ${role} key is not in the credentials file`);
      const entry = credentials.find((c) => c.roles.includes(role));
      assert.equal(entry?.sha256, await sha256hex(key));
    }
  });

  it('answers 401 ADMIN_UNAUTHORIZED without a key or with an unknown one, on every protected route', async () => {
    for (const r of routes) {
      for (const key of [undefined, 'not-a-key', `${keys().operator}x`]) {
        const answer = await call(r.method, r.path, key, r.body);
        assert.equal(answer.status, 401, `${r.method} ${r.path} with ${key ? 'a bad' : 'no'} key`);
        assert.equal(answer.code, 'ADMIN_UNAUTHORIZED');
      }
    }
    // Public reads stay public.
    assert.equal((await call('GET', e, undefined)).status, 200);
  });

  it('lets each role do its own actions and answers 403 ROLE_FORBIDDEN for the others', async () => {
    for (const r of routes) {
      for (const role of ['operator', 'issuer', 'tally', 'observer'] as Role[]) {
        const answer = await call(r.method, r.path, keys()[role], r.body);
        if (r.roles.includes(role)) {
          assert.ok(
            answer.status !== 401 && answer.status !== 403,
            `${role} may ${r.method} ${r.path}: ${answer.status} ${answer.code}`,
          );
        } else {
          assert.equal(answer.status, 403, `${role} may not ${r.method} ${r.path}`);
          assert.equal(answer.code, 'ROLE_FORBIDDEN');
        }
      }
    }
    // The real actions, each with its role's key.
    const opened = await call('POST', `${e}/open`, keys().operator, {});
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const page = await call('GET', `${e}/roll/voters?from=0&limit=2`, keys().issuer);
    const voters = page.body.voters as { voterId: string; districtId: string }[];
    assert.equal(voters.length, 2);
    const minted = await stack.cli(
      'tokens',
      '--election',
      id,
      '--count',
      '2',
      '--out',
      join(stack.state, 'tokens'),
    );
    assert.match(minted.stdout, /wrote 2 tokens/);
    const tally = await call('POST', `${e}/tally`, keys().tally, {});
    assert.equal(tally.code, 'ELECTION_STATE', 'past the auth check: no final block yet');
    const reset = await call('POST', `${e}/tally/reset`, keys().operator, {
      reason: 'nothing yet',
    });
    assert.equal(reset.status, 200);
    assert.deepEqual(reset.body, { status: 'none', reset: false, previous: 'none' });
    assert.equal(
      (await call('POST', `${e}/tally/reset`, keys().tally, {})).code,
      'REQUEST_INVALID',
    );
  });

  it('enforces each route’s body limit before reading the body: 401 first when unauthenticated, then 413', async () => {
    const big = { padding: 'x'.repeat(200 * 1024) };
    const unauthenticated = await call('POST', `${e}/close`, undefined, big);
    assert.equal(unauthenticated.status, 401);
    const tooBig = await call('POST', `${e}/close`, keys().operator, big);
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.code, 'PAYLOAD_TOO_LARGE');
    assert.match(String((tooBig.body.error as { message: string }).message), /65536 bytes/);
    // The roll upload takes large bodies: the same body passes the limit (and is judged on content).
    const batch = await call('POST', `${e}/roll/batches`, keys().operator, {
      from: 0,
      voters: [],
      ...big,
    });
    assert.notEqual(batch.status, 413);
    // Headers announcing 100 MB, and no body ever sent: the answer comes anyway, so the body was
    // never waited for.
    const announced = async (key: string | undefined) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${url}${e}/close`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(100 * 1024 * 1024),
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
        });
        const timer = setTimeout(() => {
          req.destroy();
          reject(new Error('no answer before the body: the server waited for it'));
        }, 10_000);
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            clearTimeout(timer);
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body: text });
          });
        });
        req.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        req.flushHeaders();
      });
    const noKey = await announced(undefined);
    assert.equal(noKey.status, 401);
    assert.match(noKey.body, /ADMIN_UNAUTHORIZED/);
    const operator = await announced(keys().operator);
    assert.equal(operator.status, 413);
    assert.match(operator.body, /PAYLOAD_TOO_LARGE/);
  });

  it('rotates a key by rewriting the credentials file, with no restart', async () => {
    const pidFile = join(stack.state, 'run', 'registrar.pid');
    const pid = await readFile(pidFile, 'utf8');
    const path = join(stack.state, 'registrar-credentials.json');
    const original = JSON.parse(await readFile(path, 'utf8')) as {
      credentials: { id: string; roles: string[]; sha256: string }[];
    };
    const newKey = randomBytes(24).toString('base64url');
    const write = async (credentials: unknown[]) => {
      const tmp = `${path}.tmp`;
      await writeFile(tmp, JSON.stringify({ credentials }));
      await rename(tmp, path);
    };
    const works = async (key: string) =>
      (await call('GET', `${e}/audit?limit=1`, key)).status === 200;
    await write([
      ...original.credentials,
      { id: 'operator-2', roles: ['operator'], sha256: await sha256hex(newKey) },
    ]);
    await until('the new operator key to work', () => works(newKey), 10_000);
    assert.ok(await works(keys().operator), 'the old key still works beside the new one');
    await write([
      ...original.credentials.filter((c) => !c.roles.includes('operator')),
      { id: 'operator-2', roles: ['operator'], sha256: await sha256hex(newKey) },
    ]);
    await until(
      'the old operator key to be refused',
      async () => !(await works(keys().operator)),
      10_000,
    );
    assert.equal((await call('GET', `${e}/audit`, keys().operator)).code, 'ADMIN_UNAUTHORIZED');
    assert.ok(await works(newKey));
    // A file that does not parse keeps the last good credentials.
    await writeFile(path, '{ half written');
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(await works(newKey));
    assert.equal(await readFile(pidFile, 'utf8'), pid, 'the same registrar process throughout');
    await write([
      ...original.credentials,
      { id: 'operator-2', roles: ['operator'], sha256: await sha256hex(newKey) },
    ]);
    await until('the original operator key to work again', () => works(keys().operator), 10_000);
  });

  it('keeps an audit entry of every state-changing call (who, what, outcome), never a key, readable by the operator', async () => {
    const read = async () => {
      const r = await call('GET', `${e}/audit?limit=1000`, keys().operator);
      assert.equal(r.status, 200);
      return r.body.entries as AuditEntry[];
    };
    const entries = await until(
      'the audit entries of the calls above',
      async () => {
        const list = await read();
        return list.some((x) => x.action === 'tally.reset' && x.status === 200) ? list : false;
      },
      15_000,
    );
    const find = (action: string, credentialId: string, status?: number) =>
      entries.find(
        (x) =>
          x.action === action &&
          x.credentialId === credentialId &&
          (status === undefined || x.status === status),
      );
    // The set-up through the CLI: create and ceremony with the operator key, the roll with the
    // dev admin token (hanpyo roll), tokens with the issuer key.
    assert.ok(find('election.create', 'local-operator', 201), 'create by the operator');
    assert.ok(find('election.ceremony', 'local-operator', 200), 'ceremony by the operator');
    assert.ok(find('roll.commit', 'admin-token', 200), 'roll commit');
    assert.ok(find('election.open', 'local-operator', 200), 'open by the operator');
    assert.ok(find('tokens.bulk', 'local-issuer', 201), 'tokens by the issuer');
    const forbidden = find('election.close', 'local-issuer', 403);
    assert.equal(forbidden?.code, 'ROLE_FORBIDDEN');
    assert.equal(forbidden?.role, 'issuer');
    assert.equal(forbidden?.route, '/v1/elections/:id/close');
    assert.equal(forbidden?.electionId, id);
    const reset = find('tally.reset', 'local-operator', 200);
    assert.equal(reset?.role, 'operator');
    assert.equal(reset?.detail, 'reason: nothing yet');
    const tooBig = find('election.close', 'local-operator', 413);
    assert.equal(tooBig?.code, 'PAYLOAD_TOO_LARGE');
    // Calls without a valid key name nobody and change nothing: not in the log.
    assert.ok(entries.every((x) => x.credentialId !== '' && x.status !== 401));
    // Times are in order and well formed.
    const times = entries.map((x) => Date.parse(x.at));
    assert.ok(times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= times[i - 1]!)));
    // No key and no token anywhere in the log.
    const text = JSON.stringify(entries);
    for (const key of [...Object.values(keys()), local.registrar.adminToken])
      assert.ok(!text.includes(key), 'no key in the audit log');
    const tokens = (await readFile(join(stack.state, 'tokens'), 'utf8')).trim().split('\n');
    for (const line of tokens) {
      const { token } = JSON.parse(line) as { token: string };
      assert.ok(!text.includes(token), 'no token in the audit log');
    }
    // Paging: two at a time reaches the same entries.
    const first = await call('GET', `${e}/audit?limit=2`, keys().operator);
    const next = first.body.next as string;
    assert.equal((first.body.entries as AuditEntry[]).length, 2);
    const second = await call('GET', `${e}/audit?limit=2&after=${next}`, keys().operator);
    assert.equal((second.body.entries as AuditEntry[])[0]!.id, entries[2]!.id);
    assert.equal(
      (await call('GET', `${e}/audit?after=nope`, keys().operator)).code,
      'REQUEST_INVALID',
    );
    // The global log (calls naming no election): the refused create with an empty manifest.
    const global = await call('GET', '/v1/audit', keys().operator);
    assert.ok(
      (global.body.entries as AuditEntry[]).some(
        (x) => x.action === 'election.create' && x.electionId === null && x.status === 400,
      ),
    );
  });
});
