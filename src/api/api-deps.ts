// What the read API's server and its routes share: the dependencies that come in, and the guard a
// route runs before it reads. Kept apart from server.ts so that the routes, which server.ts
// registers, never import server.ts back (no import cycle).
import type { FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config/api-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { RateCounter } from '../pipeline/ports.ts';
import type { ReadStore } from '../pipeline/read-ports.ts';
import type { Caller, VerifyAuthorization } from './auth.ts';
import type { PageTokens } from './page-token.ts';

export interface ApiDeps {
  readonly store: ReadStore;
  readonly rates: RateCounter;
  readonly verify: VerifyAuthorization;
  readonly tokens: PageTokens;
  readonly limits: Pick<ApiConfig, 'pageLimitDefault' | 'pageLimitMax' | 'rateLimit' | 'rateWindowMs'>;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** What a route's preHandler decides before it reads: may this caller, and within its budget? */
export type Guard = (request: FastifyRequest, allowed: (caller: Caller) => boolean, budgetKey: (caller: Caller) => string) => Promise<Caller>;

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}
