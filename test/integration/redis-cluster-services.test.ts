// The Redis adapter on a real Redis Cluster (three primaries, scripts/stack/redis-cluster): every
// batch script, MGET and MULTI runs on keys spread over many slots and all three nodes, which the
// cluster would refuse with CROSSSLOT if one call touched keys of two slots.
import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, REDIS_KEYS, type RedisServices } from '../../src/adapters/redis/redis-services.ts';
import { CLUSTER_SKIPPED, redisClusterEnv } from '../support/redis-cluster.ts';

const PREFIX = `cwtest:${randomUUID().slice(0, 8)}:`;
let redis: RedisServices;
let cluster: Cluster;

beforeAll(() => {
  if (CLUSTER_SKIPPED) return;
  redis = connectRedis(redisClusterEnv().REDIS_URL, PREFIX, false, null, true);
  cluster = redis.client as Cluster;
});
afterAll(async () => { await redis?.close(); });

/** How many of `keys` each primary holds (by the slot ranges it serves). */
async function keysPerNode(keys: readonly string[]): Promise<number[]> {
  const ranges = (await cluster.cluster('SLOTS')) as [number, number, ...unknown[]][];
  return ranges.map(([from, to]) => keys.filter((key) => { const slot = calculateSlot(PREFIX + key); return slot >= from && slot <= to; }).length);
}

const aggregates = (tag: string, n: number): string[] => Array.from({ length: n }, (_, i) => `consents:${tag}-${randomUUID().slice(0, 6)}-${i}`);

describe.skipIf(CLUSTER_SKIPPED)('the Redis adapter on a Redis Cluster of three primaries', () => {
  it('is a cluster that refuses one script over keys of two slots (CROSSSLOT), so the tests below can fail', async () => {
    const [a, b] = aggregates('cross', 2).map(REDIS_KEYS.lock);
    expect(calculateSlot(PREFIX + a)).not.toBe(calculateSlot(PREFIX + b));
    // A client without auto-pipelining: its pipelines check slots before the server can.
    const direct = new Cluster([{ host: '127.0.0.1', port: Number(new URL(redisClusterEnv().REDIS_URL).port) }], { keyPrefix: PREFIX });
    try {
      await expect(direct.eval("return redis.call('GET', KEYS[1])", 2, a as string, b as string)).rejects.toThrow(/CROSSSLOT/);
    } finally {
      await direct.quit();
    }
  });

  it('leases 60 aggregates spread over all three primaries in one call, each to one holder only, then extends and releases them', async () => {
    const keys = aggregates('lease', 60);
    expect((await keysPerNode(keys.map(REDIS_KEYS.lock))).every((n) => n > 0)).toBe(true);
    const first = await redis.locks.tryAcquireMany(keys, 30_000);
    expect(first.every((lease, i) => lease?.key === keys[i])).toBe(true);

    // A second holder gets none of them, and only the free one it adds.
    const [free] = aggregates('free', 1);
    const second = await redis.locks.tryAcquireMany([...keys.slice(0, 10), free as string], 30_000);
    expect(second.slice(0, 10)).toEqual(Array(10).fill(null));
    expect(second[10]?.key).toBe(free);

    const leases = first.filter((l) => l !== null);
    expect(await redis.locks.extendMany([...leases, { key: keys[0] as string, token: 'not-ours' }], 30_000)).toEqual([...Array(60).fill(true), false]);
    await redis.locks.releaseMany(leases);
    const again = await redis.locks.tryAcquireMany(keys, 30_000);
    expect(again.every((lease) => lease !== null)).toBe(true);
    await redis.locks.releaseMany(again.filter((l) => l !== null));
  });

  it('leases keys that share a slot in calls of at most eight keys each', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `consents:{same-slot}-${randomUUID().slice(0, 6)}-${i}`);
    const leases = await redis.locks.tryAcquireMany(keys, 30_000);
    expect(leases.map((lease) => lease?.key)).toEqual(keys);
    await redis.locks.releaseMany(leases.filter((l) => l !== null));
  });

  it('remembers and finds published outbox entries across slots (one script, one MGET per slot)', async () => {
    const entryIds = Array.from({ length: 50 }, (_, i) => `c-${randomUUID().slice(0, 6)}:${i}:ConsentCreated`);
    expect((await keysPerNode(entryIds.map(REDIS_KEYS.published))).every((n) => n > 0)).toBe(true);
    await redis.published.remember(entryIds.slice(0, 40), 60_000);
    expect([...(await redis.published.among(entryIds))].sort()).toEqual(entryIds.slice(0, 40).sort());
  });

  it('marks, pages and unmarks the owing index with its sequence, one slot by their hash tag', async () => {
    const keys = aggregates('owing', 30);
    const mark = await redis.owing.mark(keys);
    expect(await redis.owing.newestMark()).toBe(mark);
    expect((await redis.owing.page(0, mark, 100)).map(({ key }) => key).filter((k) => keys.includes(k)).sort()).toEqual([...keys].sort());
    await redis.owing.unmark(keys, mark);
    expect((await redis.owing.page(0, mark, 100)).filter(({ key }) => keys.includes(key))).toEqual([]);
    await redis.owing.markIntact('consents');
    expect(await redis.owing.intact('consents')).toBe(true);
  });

  it('schedules, claims once and completes expiries (due and claimed sets in one slot)', async () => {
    const now = new Date();
    const ids = Array.from({ length: 5 }, (_, i) => `exp-${randomUUID().slice(0, 6)}-${i}`);
    await redis.schedule.reschedule(ids.map((consentId, i) => ({ consentId, dueAt: new Date(now.getTime() - 1_000 + i) })));
    expect(await redis.schedule.pending(now)).toBe(5);
    expect(await redis.schedule.nextDueAt()).toEqual(new Date(now.getTime() - 1_000));
    const claimed = await redis.schedule.claimDue(now, 10, 30_000);
    expect([...claimed].sort()).toEqual([...ids].sort());
    expect(await redis.schedule.claimDue(now, 10, 30_000)).toEqual([]);
    await redis.schedule.complete(claimed);
    expect(await redis.schedule.pending(now)).toBe(0);
  });

  it('counts a rate window with MULTI on its one key', async () => {
    const key = `caller:${randomUUID()}`;
    const now = new Date();
    expect(await redis.rates.hit(key, 60_000, now)).toBe(1);
    expect(await redis.rates.hit(key, 60_000, now)).toBe(2);
  });
});
