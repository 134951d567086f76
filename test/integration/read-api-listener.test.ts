// The read API as `npm run api` and READ_API_ENABLED wire it (startReadApi: configuration, real
// listener, indexes, real MongoDB and Redis), called over HTTP.
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadApi, type ReadApi } from '../../src/api/start-api.ts';
import { loadApiConfig } from '../../src/config/api-config.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { JWT_SECRET, PAGE_SECRET, serviceToken } from '../support/read-api.ts';
import { testEnv } from '../support/worker-harness.ts';

let api: ReadApi;
let config: Config;
beforeAll(async () => {
  const env = { ...testEnv(`listener-${Date.now()}`), API_PORT: '0', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET };
  config = loadConfig(env);
  api = await startReadApi(config, loadApiConfig(env), createLogger('warn', 'read-api-listener-test'));
});
afterAll(async () => {
  await api?.stop();
});

describe('startReadApi', () => {
  it('listens, serves the OpenAPI document and answers a read over HTTP', async () => {
    const doc = await fetch(`${api.url}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(await doc.json()).toMatchObject({ openapi: expect.stringMatching(/^3\./) });

    const list = await fetch(`${api.url}/v1/services/svc-listen/users/usr-listen/consents`, {
      headers: { authorization: `Bearer ${await serviceToken('svc-listen')}` },
    });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ data: [], nextPageToken: null });
    expect(list.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates the read indexes at start', async () => {
    const client = await new MongoClient(config.mongodbUri).connect();
    try {
      const keys = (await client.db(config.mongodbDatabase).collection('consents').indexes()).map((index) => Object.keys(index.key).join(','));
      expect(keys).toEqual(expect.arrayContaining(['ownerKey', 'accessKey', 'orgKey']));
    } finally {
      await client.close();
    }
  });

  it('answers 401 in the CspErrorResponse shape to a caller without a token', async () => {
    const anonymous = await fetch(`${api.url}/v1/orgs/org-listen/consents`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ cspErrorCode: '401', errorCode: 'UNAUTHORIZED', statusCode: 401 });
  });
});
