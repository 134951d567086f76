// The read API on a harness's database and Redis prefix, driven through fastify's inject (our own
// server; the MongoDB and Redis behind it are the real ones), and development tokens to call it.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import type { Db } from 'mongodb';
import { mongoReadStore } from '../../src/adapters/mongodb/consent-reads.ts';
import { connectRedis, type RedisServices } from '../../src/adapters/redis/redis-services.ts';
import { tokenVerifier } from '../../src/api/auth.ts';
import { pageTokens } from '../../src/api/page-token.ts';
import type { ApiDeps } from '../../src/api/api-deps.ts';
import { buildApiServer } from '../../src/api/server.ts';
import type { Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startHarness, type Harness } from './worker-harness.ts';

export const JWT_SECRET = 'test-read-api-shared-secret-0123456789';
export const PAGE_SECRET = 'test-read-api-page-token-secret-0123456789';

export interface ReadApiUnderTest {
  readonly app: FastifyInstance;
  get(url: string, token?: string | null): Promise<{ status: number; body: Record<string, unknown> & unknown[]; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface ReadApiOptions {
  readonly rateLimit?: number;
  readonly rateWindowMs?: number;
  readonly pageLimitDefault?: number;
  readonly clock?: () => Date;
  /** Use the config's Redis prefix as it is (replicas of one deployment), not one of this instance's own. */
  readonly sharedRedisPrefix?: boolean;
}

export async function startReadApiUnderTest(config: Config, db: Db, options: ReadApiOptions = {}): Promise<ReadApiUnderTest> {
  const prefix = options.sharedRedisPrefix ? config.redisKeyPrefix : `${config.redisKeyPrefix}${randomUUID().slice(0, 6)}:`;
  const redis: RedisServices = connectRedis(config.redisUrl, prefix, config.redisTls, config.redisPassword, config.redisCluster);
  const store = mongoReadStore(db);
  await store.ensureIndexes();
  const deps: ApiDeps = {
    store, redis: redis.client,
    verify: await tokenVerifier({ key: { kind: 'secret', secret: JWT_SECRET }, issuer: null, audience: null }),
    tokens: pageTokens(PAGE_SECRET),
    limits: {
      pageLimitDefault: options.pageLimitDefault ?? 20, pageLimitMax: 100,
      rateLimit: options.rateLimit ?? 10_000, rateWindowMs: options.rateWindowMs ?? 60_000,
    },
    clock: options.clock ?? (() => new Date()),
    logger: createLogger(process.env['TEST_LOG_LEVEL'] ?? 'warn', 'read-api-test'),
  };
  const app = await buildApiServer(deps);
  await app.ready();
  return {
    app,
    async get(url, token) {
      const response = await app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: response.statusCode, body: response.json(), headers: response.headers };
    },
    async close() {
      await app.close();
      await redis.close();
    },
  };
}

/**
 * A worker harness with its sweep disabled (so any EXPIRED a read shows was decided at read time)
 * and the read API over its database: the set-up of every read-API test file.
 */
export async function startReadApiOverWorker(): Promise<{ h: Harness; api: ReadApiUnderTest; stop(): Promise<void> }> {
  const h = await startHarness({ SWEEP_ENABLED: 'false' });
  let api: ReadApiUnderTest;
  try {
    api = await startReadApiUnderTest(h.config, h.mongo.db(h.config.mongodbDatabase));
  } catch (error) {
    await h.stop();
    throw error;
  }
  return {
    h, api,
    async stop() {
      await api.close();
      await h.stop();
    },
  };
}

export interface Claims {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly orgId?: string;
  readonly serviceId?: string;
  readonly userId?: string;
}

export async function tokenFor(claims: Claims, secret = JWT_SECRET, expiresIn = '10m'): Promise<string> {
  return new SignJWT({ ...claims, roles: [...claims.roles] })
    .setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}

export const serviceToken = (serviceId: string): Promise<string> => tokenFor({ sub: `svc:${serviceId}`, roles: ['service'], serviceId });
export const userToken = (userId: string): Promise<string> => tokenFor({ sub: userId, roles: ['user'] });
export const orgToken = (orgId: string, role: 'org_owner' | 'org_admin', sub = `${role}-${orgId}`): Promise<string> =>
  tokenFor({ sub, roles: [role], orgId });
