// Wires the read API onto the servers and listens: `npm run api` alone (src/api/main.ts), or
// beside the worker in `npm start` with READ_API_ENABLED=true.
import type { FastifyInstance } from 'fastify';
import { connectReadStore } from '../adapters/mongodb/consent-reads.ts';
import { connectRedis } from '../adapters/redis/redis-services.ts';
import type { ApiConfig } from '../config/api-config.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logging/logger.ts';
import { tokenVerifier } from './auth.ts';
import { pageTokens } from './page-token.ts';
import { buildApiServer } from './server.ts';

export interface ReadApi {
  readonly app: FastifyInstance;
  /** http://host:port actually bound (port 0 picks a free one). */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startReadApi(config: Config, api: ApiConfig, logger: Logger): Promise<ReadApi> {
  const store = await connectReadStore(config.mongodbUri, config.mongodbDatabase);
  const redis = connectRedis(config.redisUrl, config.redisKeyPrefix, config.redisTls, config.redisPassword);
  try {
    await store.ensureIndexes();
    const app = await buildApiServer({
      store, rates: redis.rates, verify: await tokenVerifier(api.jwt), tokens: pageTokens(api.pageTokenSecret),
      limits: api, clock: () => new Date(), logger,
    });
    await app.listen({ port: api.port, host: api.host });
    const address = app.server.address();
    const url = typeof address === 'object' && address ? `http://${api.host}:${address.port}` : `http://${api.host}:${api.port}`;
    logger.info({ url }, 'read API listening');
    let stopped: Promise<void> | null = null;
    return {
      app,
      url,
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
