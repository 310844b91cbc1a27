// Access control of the registrar over Fastify's hooks (issue 12 point 6), registered when the
// Nest application is created, before its routes:
//   - onRoute: each route's own body limit (RouteAccess.bodyLimit, small by default);
//   - onRequest: the bearer credential and its role, then the declared Content-Length against the
//     route's limit, all before the body is read (401 ADMIN_UNAUTHORIZED, 403 ROLE_FORBIDDEN,
//     413 PAYLOAD_TOO_LARGE); a chunked body over the limit is cut by Fastify's own parser (413);
//   - onSend and onResponse: the audit entry of an audited route, once its outcome is known.
import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { HTTP_STATUS, JsonLogger, Metrics } from '@hanpyo/service-kit';
import type { ApiErrorCode } from '@hanpyo/service-kit';
import { BODY_LIMITS, routeAccess } from './admin.guard.js';
import { AUDIT_DETAIL_MAX, AuditService } from './audit.service.js';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';
import { CredentialStore, authorize, bearer } from './credentials.js';

/** Who made a request, once authorized (never the key). */
interface Caller {
  readonly credentialId: string;
  readonly role: string;
}

const MESSAGES: Record<'ADMIN_UNAUTHORIZED' | 'ROLE_FORBIDDEN' | 'PAYLOAD_TOO_LARGE', string> = {
  ADMIN_UNAUTHORIZED: 'the registrar credential is missing or unknown',
  ROLE_FORBIDDEN: 'this credential does not hold a role this route needs',
  PAYLOAD_TOO_LARGE: 'request body too large for this route',
};

function refuse(reply: FastifyReply, code: keyof typeof MESSAGES, detail = ''): FastifyReply {
  return reply
    .code(HTTP_STATUS[code satisfies ApiErrorCode])
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: { code, message: `${MESSAGES[code]}${detail}` } });
}

@Injectable()
export class AccessHooks {
  readonly credentials: CredentialStore;
  private readonly callers = new WeakMap<IncomingMessage, Caller>();
  private readonly codes = new WeakMap<IncomingMessage, string>();
  private readonly refused: ReturnType<Metrics['counter']>;

  constructor(
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
    @Inject(CONFIG) config: RegistrarConfig,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.credentials = new CredentialStore(
      config.HANPYO_REGISTRAR_CREDENTIALS_FILE,
      config.HANPYO_REGISTRAR_ADMIN_TOKEN,
      config.HANPYO_REGISTRAR_CREDENTIALS_POLL_MS,
      (e) =>
        logger.error('credentials file not reloaded; the previous credentials stay', {
          error: e.message,
        }),
    );
    this.refused = metrics.counter(
      'hanpyo_registrar_requests_refused_total',
      'Requests refused before their body was read, by code',
      ['code'],
    );
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route) => {
      route.bodyLimit = routeAccess(route.config)?.bodyLimit ?? BODY_LIMITS.small;
    });
    fastify.addHook('onRequest', (request, reply, done) => {
      if (this.check(request, reply)) done();
    });
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode >= 400 && typeof payload === 'string') {
        const code = /"code":"([A-Z_]{1,64})"/.exec(payload)?.[1];
        if (code) this.codes.set(request.raw, code);
      }
      done(null, payload);
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      this.record(request, reply);
      done();
    });
  }

  /** True when the request may go on; otherwise the refusal has been sent. */
  private check(request: FastifyRequest, reply: FastifyReply): boolean {
    const access = routeAccess(request.routeOptions.config);
    if (access?.roles) {
      const auth = authorize(
        this.credentials.current(),
        bearer(request.headers.authorization),
        access.roles,
      );
      if (!auth.ok) {
        this.refused.inc({ code: auth.code });
        if (auth.credential)
          this.callers.set(request.raw, {
            credentialId: auth.credential.id,
            role: auth.credential.roles.join(','),
          });
        refuse(
          reply,
          auth.code,
          auth.code === 'ROLE_FORBIDDEN' ? ` (${access.roles.join(' or ')})` : '',
        );
        return false;
      }
      this.callers.set(request.raw, { credentialId: auth.credential.id, role: auth.role });
    }
    const limit = access?.bodyLimit ?? BODY_LIMITS.small;
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      this.refused.inc({ code: 'PAYLOAD_TOO_LARGE' });
      refuse(reply, 'PAYLOAD_TOO_LARGE', ` (at most ${limit} bytes)`);
      return false;
    }
    return true;
  }

  /**
   * The audit entry of an audited route whose caller was identified (a credential that matched,
   * allowed or not). Calls with no valid credential change nothing and name nobody: they are
   * counted (hanpyo_registrar_requests_refused_total), not logged, so they cannot fill the log.
   */
  private record(request: FastifyRequest, reply: FastifyReply): void {
    const access = routeAccess(request.routeOptions.config);
    const caller = this.callers.get(request.raw);
    if (!access?.audit || !caller) return;
    const params = request.params as { id?: unknown } | undefined;
    const body = request.body as { manifest?: { electionId?: unknown }; reason?: unknown } | null;
    const fromBody = body?.manifest?.electionId;
    const electionId =
      typeof params?.id === 'string'
        ? params.id
        : typeof fromBody === 'string' && fromBody.length > 0 && fromBody.length <= 128
          ? fromBody
          : null;
    const reason = typeof body?.reason === 'string' ? body.reason.slice(0, AUDIT_DETAIL_MAX) : null;
    this.audit.record({
      credentialId: caller.credentialId,
      role: caller.role,
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0]!,
      electionId,
      action: access.audit,
      status: reply.statusCode,
      code: this.codes.get(request.raw) ?? null,
      detail: reason !== null ? `reason: ${reason}` : null,
    });
  }
}
