// Framework errors (Fastify's own, and Nest's HttpException wrapping them) leave with their 4xx
// status and a stable code, never as 500 INTERNAL; so do requests Node cannot parse.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { HttpException } from '@nestjs/common';
import { ApiError, HTTP_STATUS } from './errors.js';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientErrorHandler, frameworkApiError, serverFactory } from './filter.js';

const fastifyError = (code: string, statusCode: number) =>
  Object.assign(new Error(code), { code, statusCode });
const wrapped = (code: string, statusCode: number) =>
  new HttpException('wrapped', statusCode, { cause: fastifyError(code, statusCode) });

describe('framework errors', () => {
  it('maps a wrong or missing Content-Type (415) to UNSUPPORTED_MEDIA_TYPE, raw or wrapped', () => {
    for (const e of [
      fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415),
      wrapped('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415),
      new HttpException('Unsupported Media Type', 415),
    ]) {
      const mapped = frameworkApiError(e);
      assert.equal(mapped?.code, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(HTTP_STATUS[mapped.code], 415);
    }
  });

  it('maps every 4xx to a code of that class', () => {
    const cases: [unknown, string][] = [
      [wrapped('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'PAYLOAD_TOO_LARGE'],
      [wrapped('FST_ERR_CTP_INVALID_JSON_BODY', 400), 'MALFORMED_JSON'],
      [wrapped('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 'MALFORMED_JSON'],
      [new HttpException('Cannot GET /x', 404), 'NOT_FOUND'],
      [wrapped('FST_ERR_SOMETHING_NEW', 414), 'REQUEST_INVALID'],
      [new HttpException('Method Not Allowed', 405), 'REQUEST_INVALID'],
    ];
    for (const [e, code] of cases) {
      const mapped = frameworkApiError(e);
      assert.equal(mapped?.code, code);
      assert.ok(HTTP_STATUS[mapped.code] >= 400 && HTTP_STATUS[mapped.code] < 500);
    }
  });

  it('leaves 5xx and non-framework errors to the general mapping', () => {
    assert.equal(frameworkApiError(new HttpException('boom', 500)), undefined);
    assert.equal(frameworkApiError(fastifyError('FST_ERR_HANDLER_TIMEOUT', 503)), undefined);
    assert.equal(frameworkApiError(new Error('plain')), undefined);
    assert.equal(frameworkApiError(new ApiError('TOKEN_EXPIRED', 'x')), undefined);
  });

  it('answers an unparsable request on the socket with REQUEST_INVALID and closes it', () => {
    let written = '';
    const socket = {
      destroyed: false,
      end(text: string) {
        written = text;
      },
    } as unknown as Socket;
    clientErrorHandler(
      Object.assign(new Error('bad method'), { code: 'HPE_INVALID_METHOD' }),
      socket,
    );
    assert.match(written, /^HTTP\/1\.1 400 /);
    assert.match(written, /Connection: close/);
    const body = JSON.parse(written.slice(written.indexOf('\r\n\r\n') + 4)) as {
      error: { code: string };
    };
    assert.equal(body.error.code, 'REQUEST_INVALID');
    written = '';
    clientErrorHandler(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), socket);
    assert.equal(written, '');
  });
});

describe('the HTTP server', () => {
  it('answers an Expect header it does not understand with a code, not a bare 417', async () => {
    const server = serverFactory((_req, res) => res.end('handled'), { keepAliveTimeout: 1000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const get = (headers: Record<string, string>) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const r = request(
            { host: '127.0.0.1', port, path: '/', headers, agent: false },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          );
          r.on('error', reject);
          r.end();
        });
      const refused = await get({ expect: 'br' });
      assert.equal(refused.status, 400);
      assert.equal(
        (JSON.parse(refused.text) as { error: { code: string } }).error.code,
        'REQUEST_INVALID',
      );
      assert.equal((await get({})).text, 'handled');
      assert.equal(server.keepAliveTimeout, 1000);
    } finally {
      server.close();
    }
  });
});
