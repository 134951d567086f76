// Wires the read API onto the servers and listens: `npm run api` alone (src/api/main.ts), or
// beside the worker in `npm start` with READ_API_ENABLED=true.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { connectReadStore } from '../adapters/mongodb/consent-reads.ts';
import { connectRedis } from '../adapters/redis/redis-services.ts';
import type { ApiConfig } from '../config/api-config.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logging/logger.ts';
import { NO_API_METRICS } from './api-metrics.ts';
import { tokenVerifier } from './auth.ts';
import { createApiMetrics } from './prometheus-api-metrics.ts';
import { pageTokens } from './page-token.ts';
import { buildApiServer } from './server.ts';

export interface ReadApi {
  readonly app: FastifyInstance;
  /** http(s)://host:port actually bound (port 0 picks a free one). */
  readonly url: string;
  /** What /readyz asks of the read API: its servers answer. */
  readonly readinessChecks: Readonly<Record<string, () => Promise<unknown>>>;
  stop(): Promise<void>;
}

export interface ReadApiOptions {
  /** The registry its series join (the process's /metrics); none when left out. */
  readonly metrics?: Registry;
}

export async function startReadApi(config: Config, api: ApiConfig, logger: Logger, options: ReadApiOptions = {}): Promise<ReadApi> {
  const store = await connectReadStore(config.mongodbUri, config.mongodbDatabase);
  const redis = connectRedis(config.redisUrl, config.redisKeyPrefix, config.redisTls, config.redisPassword, config.redisCluster);
  const metrics = options.metrics ? createApiMetrics(options.metrics) : NO_API_METRICS;
  try {
    await store.ensureIndexes();
    const app = await buildApiServer({
      store, redis: redis.client, verify: await tokenVerifier(api.jwt, Date.now, metrics.tokenLookup), tokens: pageTokens(api.pageTokenSecret),
      limits: api, clock: () => new Date(), logger, metrics, tls: api.tls,
    });
    await app.listen({ port: api.port, host: api.host });
    const address = app.server.address();
    const scheme = api.tls === null ? 'http' : 'https';
    const url = `${scheme}://${api.host}:${typeof address === 'object' && address ? address.port : api.port}`;
    logger.info({ url, clientCertificates: api.tls?.clientCa ? 'required' : 'not asked' }, 'read API listening');
    let stopped: Promise<void> | null = null;
    return {
      app,
      url,
      readinessChecks: { mongodb: () => store.ping(), redis: () => redis.ping() },
      stop() {
        stopped ??= (async () => {
          await app.close();
          await redis.close();
          await store.close();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await redis.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}
