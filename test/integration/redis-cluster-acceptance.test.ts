// The acceptance subset with Redis as a Redis Cluster of three primaries (REDIS_CLUSTER=true,
// scripts/stack/redis-cluster), Kafka, the registry and MongoDB as everywhere else: each command
// family end to end, a round whose leases span every node, expiry through the sweep's schedule,
// the read API's rate limit, the CLI, and the recovery of outboxes a killed worker left owing.
// Run twice: on the plaintext cluster, and on the secure one (TLS only with the secure stack's
// CA, the ACL user `worker` by REDIS_PASSWORD_FILE, `default` off), through the same REDIS_* settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParkingLot } from '../../src/adapters/mongodb/parking-lot.ts';
import { connectRedis, REDIS_KEYS, type RedisServices } from '../../src/adapters/redis/redis-services.ts';
import { runCli } from '../support/cli.ts';
import { acceptPermission, world } from '../support/permission-world.ts';
import { pollUntil } from '../support/poll-until.ts';
import { JWT_SECRET, PAGE_SECRET, serviceToken, startReadApiUnderTest } from '../support/read-api.ts';
import { CLUSTER_SKIPPED, redisClusterEnv, type ClusterVariant, type RedisClusterEnv } from '../support/redis-cluster.ts';
import { publishedNotCleared } from '../support/stored-consents.ts';
import { inMs, startHarness, testEnv, type Harness } from '../support/worker-harness.ts';
import { pollUrlUntil, startWorkerProcess } from '../support/worker-process.ts';
import { uid } from '../support/ids.ts';

const VARIANTS: readonly { variant: ClusterVariant; title: string }[] = [
  { variant: 'plain', title: 'on a Redis Cluster of three primaries' },
  { variant: 'secure', title: 'on a secure Redis Cluster of three primaries (TLS only, ACL user, default off)' },
];

describe.skipIf(CLUSTER_SKIPPED).each(VARIANTS)('$title', ({ variant }) => {
  let h: Harness;
  let redis: RedisServices;
  let clusterEnv: RedisClusterEnv;

  beforeAll(async () => {
    clusterEnv = redisClusterEnv(variant);
    h = await startHarness({ ...clusterEnv, OUTBOX_CLEAR_DELAY_MS: '300' });
    // The test's own client, with the worker's settings (TLS and password on the secure cluster).
    redis = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix, h.config.redisTls, h.config.redisPassword, true);
  }, 120_000);
  afterAll(async () => {
    await redis?.close();
    await h?.stop();
  });

  const consents = () => h.mongo.db(h.config.mongodbDatabase).collection('consents');
  const create = (consentId: string, extra: Record<string, unknown> = {}): Promise<string> =>
    h.consent('CreateConsent', { consentId, serviceId: 'svc-cluster', userId: `user-${consentId}`, status: 'ACTIVE', ...extra });

  it('runs on a cluster client (REDIS_CLUSTER=true), over TLS on the secure cluster', () => {
    expect(h.config.redisCluster).toBe(true);
    expect(redis.client.isCluster).toBe(true);
    expect(h.config.redisTls).toEqual(variant === 'secure' ? { ca: expect.stringContaining('BEGIN CERTIFICATE') } : false);
  });

  it('applies a consent command end to end: result 201, ConsentCreated out, the outbox cleared and unmarked', async () => {
    const consentId = uid('cl-create');
    expect(await h.result(await create(consentId))).toMatchObject({ statusCode: '201', state: { consentId, version: 1 } });
    expect(await h.waitForEvent(consentId, 'ConsentCreated')).toMatchObject({ aggregateId: consentId, version: 1 });
    await pollUntil(async () => ((await consents().findOne({ _id: consentId } as never))?.['owes'] === false ? true : null), { what: 'the outbox cleared', timeoutMs: 15_000, intervalMs: 200 });
    expect(await redis.client.zscore(REDIS_KEYS.owing, `consents:${consentId}`)).toBeNull();
  });

  it('applies 40 consents sent at once, their leases and ledger entries spread over every node, each once', async () => {
    const ids = Array.from({ length: 40 }, () => uid('cl-batch'));
    const commandIds = await Promise.all(ids.map((id) => create(id)));
    for (const commandId of commandIds) expect((await h.result(commandId, 30_000))['statusCode']).toBe('201');
    for (const id of ids) await h.waitForEvent(id, 'ConsentCreated');
    expect(ids.map((id) => h.events(id).length)).toEqual(ids.map(() => 1));
    // The ledger remembers every one (its keys in many slots).
    expect((await redis.published.among(ids.map((id) => `${id}:1:ConsentCreated`))).size).toBe(40);
  });

  it('expires a consent through the sweep (the schedule\'s due and claimed sets on the cluster)', async () => {
    const consentId = uid('cl-exp');
    expect((await h.result(await create(consentId, { expiryTime: inMs(2_000) })))['statusCode']).toBe('201');
    expect(await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 30_000)).toMatchObject({ aggregateId: consentId, version: 2 });
  });

  it('accepts a permission end to end', async () => {
    const w = await world(h, 'cluster');
    const { result } = await acceptPermission(h, w);
    expect(result).toMatchObject({ commandType: 'AcceptPermission', statusCode: '201', errorCode: null });
    expect(await h.waitForEvent(w.entityId, 'PermissionAccepted', 'permission')).toMatchObject({ aggregateId: w.entityId });
  });

  it('serves reads from the read API and refuses the third in a window of two (its budget counted on the cluster)', async () => {
    const consentId = uid('cl-read');
    expect((await h.result(await create(consentId)))['statusCode']).toBe('201');
    const api = await startReadApiUnderTest(h.config, h.mongo.db(h.config.mongodbDatabase), { rateLimit: 2 });
    try {
      const url = `/v1/services/svc-cluster/users/user-${consentId}/consents/${consentId}`;
      const token = await serviceToken('svc-cluster');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await api.get(url, token)).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await api.close();
    }
  });

  it('runs `npm run api` on the cluster: ready with Redis ok, its rate limit counted there', async () => {
    const api = startWorkerProcess({
      ...testEnv(uid('api').slice(-8)), ...clusterEnv, API_PORT: '0', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET, API_RATE_LIMIT: '2', LOG_LEVEL: 'info',
    }, { entry: 'src/api/main.ts' });
    try {
      const ready = await pollUrlUntil(`${await api.opsUrl()}/readyz`, (status) => status === 200, 'ready', 30_000);
      expect(JSON.parse(ready.body)).toMatchObject({ ready: true, checks: { mongodb: 'ok', redis: 'ok' } });
      const base = String((await api.waitForLog((l) => l.msg === 'read API listening', 'the read API listening'))['url']);
      const token = await serviceToken('svc-cluster-api');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/v1/services/svc-cluster-api/users/usr-1/consents`, { headers: { authorization: `Bearer ${token}` } })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await api.stop();
    }
  });

  it('runs the CLI on the cluster: `parked retry` puts a released consent back into the schedule there', async () => {
    const consentId = uid('cl-cli');
    const expiryTime = inMs(3_600_000);
    expect((await h.result(await create(consentId, { expiryTime })))['statusCode']).toBe('201');
    await createParkingLot(h.mongo.db(h.config.mongodbDatabase)).park({ collection: 'consents', id: consentId, kind: 'consent-expiry', reason: 'test', failures: 5 }, new Date());
    await redis.schedule.reschedule([{ consentId, dueAt: null }]);
    const retried = await runCli(h.config, ['parked', 'retry', 'consents', consentId], clusterEnv);
    expect(retried, retried.stderr).toMatchObject({ code: 0 });
    expect(await redis.client.zscore(REDIS_KEYS.due, consentId)).toBe(String(Date.parse(expiryTime)));
  });

  it('clears the outboxes a killed worker left published but owing, found through the owing index', async () => {
    await pollUntil(async () => ((await redis.owing.intact('consents')) ? true : null), { what: 'the first recovery', timeoutMs: 20_000, intervalMs: 200 });
    const made = Array.from({ length: 20 }, () => publishedNotCleared(uid('cl-left')));
    await consents().insertMany(made.map(({ doc }) => doc) as never[]);
    await redis.published.remember(made.map(({ entryId }) => entryId), 600_000);
    await redis.owing.mark(made.map(({ doc }) => `consents:${String(doc['_id'])}`));

    await h.startReplica();

    const ids = made.map(({ doc }) => doc['_id']);
    await pollUntil(async () => ((await consents().countDocuments({ _id: { $in: ids }, owes: true } as never)) === 0 ? true : null), { what: 'every outbox cleared', timeoutMs: 60_000, intervalMs: 200 });
    await pollUntil(async () => ((await redis.owing.page(0, await redis.owing.newestMark(), 1_000)).length === 0 ? true : null), { what: 'the owing index empty', timeoutMs: 10_000, intervalMs: 200 });
    expect(ids.flatMap((id) => h.events(String(id)))).toEqual([]);
  });
});
