// The registrar's admin credential: `Authorization: Bearer <admin token>`, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';

@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(CONFIG) config: RegistrarConfig) {
    this.expected = createHash('sha256').update(config.HANPYO_REGISTRAR_ADMIN_TOKEN).digest();
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const presented =
      typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    // Hash both sides so the comparison is constant-time whatever the presented length.
    const digest = createHash('sha256').update(presented).digest();
    if (!presented || !timingSafeEqual(digest, this.expected)) {
      throw new ApiError(
        'ADMIN_UNAUTHORIZED',
        'the registrar admin credential is missing or wrong',
      );
    }
    return true;
  }
}
