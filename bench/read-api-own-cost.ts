// The read API's own CPU per request, apart from MongoDB and the HTTP socket: the server
// (buildApiServer, as `npm run api` wires it: token verifier, page tokens, Prometheus metrics, the
// rate limit's Redis) answering the user list and the access check through fastify's inject, over
// an in-memory ReadStore (the read port, holding BENCH_PER_USER consents a user as the worker stores
// them). What it measures is what a profile of the API under `npm run bench:read` calls "its own":
// routing, hooks, authentication, validation, the rate limit's round trip, the view and the
// serialisation. BENCH_REQUESTS (default 5,000) requests a route, BENCH_CONCURRENCY (default 8) in
// flight; run it with --cpu-prof to see where the time goes. Redis: REDIS_URL or the native stack's.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { Registry } from 'prom-client';
import { connectRedis } from '../src/adapters/redis/redis-services.ts';
import { tokenVerifier } from '../src/api/auth.ts';
import { pageTokens } from '../src/api/page-token.ts';
import { createApiMetrics } from '../src/api/prometheus-api-metrics.ts';
import { buildApiServer } from '../src/api/server.ts';
import type { Consent } from '../src/domain/consent/consent.ts';
import { createLogger } from '../src/logging/logger.ts';
import type { ReadStore } from '../src/pipeline/read-ports.ts';
import { userConsentState } from '../test/support/stored-consents.ts';
import { benchServers } from '../test/support/servers.ts';
import { envNumber } from './env-number.ts';

const REQUESTS = Math.floor(envNumber('BENCH_REQUESTS', 5_000, 1));
const CONCURRENCY = Math.floor(envNumber('BENCH_CONCURRENCY', 8, 1));
const PER_USER = Math.floor(envNumber('BENCH_PER_USER', 10, 1));
const SECRET = `own-cost-${randomUUID()}-${randomUUID()}`;
const TYPES = ['marketing', 'analytics', 'research'];

const expiry = new Date(Date.now() + 30 * 86_400_000);
const consents: Consent[] = Array.from({ length: PER_USER }, (_, i) => userConsentState(`c-own-${String(i).padStart(3, '0')}`, expiry, {
  serviceId: 'svc-own', userId: 'user-own', consentType: TYPES[i % TYPES.length] as string, consentData: { channel: 'email' },
}));
const none = async (): Promise<null> => null;
const store: ReadStore = {
  userConsents: async (_s, _u, _after, limit) => consents.slice(0, limit),
  userConsentsOfType: async (_s, _u, type) => consents.filter((c) => c.consentType === type),
  consent: async (id) => consents.find((c) => c.consentId === id) ?? null,
  consentRevisions: async () => [], consentRevision: none, orgConsents: async () => [], entity: none, entityIdOfKey: none, permission: none,
  subjectLedger: async () => [],
};

const redis = connectRedis(benchServers().redisUrl, `cwbench:own-${randomUUID().slice(0, 8)}:`);
const app = await buildApiServer({
  store, redis: redis.client,
  verify: await tokenVerifier({ key: { kind: 'secret', secret: SECRET }, issuer: null, audience: null }),
  tokens: pageTokens(SECRET),
  limits: { pageLimitDefault: 20, pageLimitMax: 100, rateLimit: 1_000_000_000, rateWindowMs: 60_000 },
  clock: () => new Date(), logger: createLogger('info', 'read-api-own-cost'), metrics: createApiMetrics(new Registry()),
});
await app.ready();
const token = await new SignJWT({ roles: ['service'], serviceId: 'svc-own' }).setProtectedHeader({ alg: 'HS256' })
  .setSubject('svc-own').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
const headers = { authorization: `Bearer ${token}` };

async function route(name: string, url: string): Promise<void> {
  let next = 0;
  const cpu = process.cpuUsage();
  const begin = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      next += 1;
      const response = await app.inject({ method: 'GET', url, headers });
      if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    }
  }));
  const used = process.cpuUsage(cpu);
  const ms = (used.user + used.system) / 1_000;
  console.log(`${name}: ${REQUESTS} requests in ${((performance.now() - begin) / 1_000).toFixed(1)} s, ${(ms / REQUESTS).toFixed(3)} ms CPU a request (this process: API, inject, Redis client)`);
}

// A warm-up, so the figures are of compiled code.
for (let i = 0; i < 500; i += 1) await app.inject({ method: 'GET', url: '/v1/services/svc-own/users/user-own/consents', headers });
await route('user list', '/v1/services/svc-own/users/user-own/consents');
await route('access check', '/v1/services/svc-own/users/user-own/access?consentType=marketing');
await app.close();
await redis.close();
