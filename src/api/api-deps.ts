// What the read API's server and its routes share: the dependencies that come in, and the guard a
// route runs before it reads. Kept apart from server.ts so that the routes, which server.ts
// registers, never import server.ts back (no import cycle).
import type { FastifyBaseLogger } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { ApiConfig } from '../config/api-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { ReadStore } from '../pipeline/read-ports.ts';
import type { ApiMetrics } from './api-metrics.ts';
import type { Caller, VerifyAuthorization } from './auth.ts';
import type { PageTokens } from './page-token.ts';

export interface ApiDeps {
  readonly store: ReadStore;
  /** Counts the read budgets (@fastify/rate-limit's Redis store), shared by every replica. */
  readonly redis: Redis | Cluster;
  readonly verify: VerifyAuthorization;
  readonly tokens: PageTokens;
  readonly limits: Pick<ApiConfig, 'pageLimitDefault' | 'pageLimitMax' | 'rateLimit' | 'rateWindowMs'>;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Request durations, rate-limit refusals; none when left out. */
  readonly metrics?: ApiMetrics;
  /** HTTPS on the listener (mutual TLS with a client CA); null or left out: plain HTTP. */
  readonly tls?: ApiConfig['tls'];
}

/** The part of a request a guard looks at (any route's request, whatever its schema's types). */
export interface GuardedRequest {
  readonly caller: Caller | null;
  budget: string | null;
  readonly log: FastifyBaseLogger;
}

/** What a route's preHandler decides before it reads: may this caller, and which budget does it spend? */
export type Guard = (request: GuardedRequest, allowed: (caller: Caller) => boolean, budgetKey: (caller: Caller) => string) => Promise<Caller>;

/** What every route plugin is registered with. */
export interface RouteOptions {
  readonly deps: ApiDeps;
  readonly guard: Guard;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    /** The budget this read spends (`org:<orgId>` or `caller:<sub>`), set by the guard once the caller may read. */
    budget: string | null;
  }
}
