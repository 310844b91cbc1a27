// Which credentials a registrar route takes, its body limit and its audit action, declared on the
// controller method with @Access(...). The checks themselves run in Fastify's onRequest hook
// (access.hooks.ts), before the body is read.
import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Role } from './credentials.js';

/** Body limits, bytes: small for most routes, large only where a body carries bulk data. */
export const BODY_LIMITS = Object.freeze({
  small: 64 * 1024,
  /** Ceremony records, bulk token requests (1,000 voters). */
  medium: 1024 * 1024,
  /** Roll batches (5,000 rows) and trustees' partial decryptions (one per option of every district). */
  large: 16 * 1024 * 1024,
});

/** What a route declares. Routes without roles are public; every route has a body limit. */
export interface RouteAccess {
  /** Roles any one of which may call the route; absent: public. */
  readonly roles?: readonly Role[];
  /** The audit log's action name; absent: not audited (reads). */
  readonly audit?: string;
  /** Largest body, bytes (default BODY_LIMITS.small). */
  readonly bodyLimit?: number;
}

/**
 * Nest's FastifyAdapter passes this metadata key's value as the Fastify route's `config` (it is
 * what `@RouteConfig` of @nestjs/platform-fastify sets; the registrar does not depend on that
 * package, only on the key).
 */
const FASTIFY_ROUTE_CONFIG = '__fastify_route_config__';

/** Declares a route's access: roles, audit action and body limit. */
export function Access(access: RouteAccess): MethodDecorator {
  return applyDecorators(
    SetMetadata(FASTIFY_ROUTE_CONFIG, { access }),
    ...(access.roles ? [ApiBearerAuth()] : []),
  );
}

/** The access a Fastify route config declares, if any. */
export function routeAccess(config: unknown): RouteAccess | undefined {
  return (config as { access?: RouteAccess } | undefined)?.access;
}
