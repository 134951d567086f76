// Smoke: the lock store is a real Redis, reached through ioredis, running the worker's own batched
// lock scripts (src/adapters/redis/lua/) as the worker runs them: loaded by defineCommand, the key
// count first, lock keys as `lock:<key>` under the client's key prefix, then the lease, then one
// token per key. One call asks for, extends or releases many locks.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pollUntil } from '../support/poll-until.ts';

// The lock commands as src/adapters/redis/redis-services.ts defines them.
interface LockScripts extends Redis {
  acquireLocks(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  extendLocks(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  releaseLocks(keyCount: number, ...keysThenArgs: string[]): Promise<number>;
}

const servers = inject('servers');
// A key prefix of this run's own, as the worker has its own (`cw:`): ioredis prefixes the keys a
// script is told of by its key count, so the scripts must find them under it.
const prefix = `smoke:${randomUUID()}:`;
const redis = new Redis(servers.redisUrl, { keyPrefix: prefix }) as LockScripts;
// Unprefixed, to see where the keys really land.
const raw = new Redis(servers.redisUrl);

const luaDir = path.resolve(import.meta.dirname, '../../src/adapters/redis/lua');
const lua = (file: string): string => readFileSync(path.join(luaDir, file), 'utf8');
redis.defineCommand('acquireLocks', { lua: lua('acquire-locks.lua') });
redis.defineCommand('extendLocks', { lua: lua('extend-locks.lua') });
redis.defineCommand('releaseLocks', { lua: lua('release-locks.lua') });

const lockKeys: string[] = [];
/** A lock key of its own (as the worker names it), and the token a holder would own it with. */
function freshLock(): { key: string; token: string } {
  const key = `lock:${randomUUID()}`;
  lockKeys.push(key);
  return { key, token: randomUUID() };
}

type Lock = { key: string; token: string };
// Argument order as the worker's LockService sends it.
const acquire = (locks: Lock[], leaseMs: number): Promise<number[]> =>
  redis.acquireLocks(locks.length, ...locks.map((l) => l.key), leaseMs, ...locks.map((l) => l.token));
const extend = (locks: Lock[], leaseMs: number): Promise<number[]> =>
  redis.extendLocks(locks.length, ...locks.map((l) => l.key), leaseMs, ...locks.map((l) => l.token));
const release = (locks: Lock[]): Promise<number> =>
  redis.releaseLocks(locks.length, ...locks.map((l) => l.key), ...locks.map((l) => l.token));
/** The same lock keys, each with another holder's token. */
const asOthers = (locks: Lock[]): Lock[] => locks.map(({ key }) => ({ key, token: randomUUID() }));

afterAll(async () => {
  if (lockKeys.length > 0) await redis.del(...lockKeys);
  await Promise.all([redis.quit(), raw.quit()]);
});

describe('Redis', () => {
  it('acquire-locks.lua grants each lock to the first caller only, under the key prefix, with the lease asked for', async () => {
    const free = [freshLock(), freshLock()];
    const theirs = freshLock();
    expect(await acquire([theirs], 10_000)).toEqual([1]);

    const ours = [...free, { key: theirs.key, token: randomUUID() }];
    expect(await acquire(ours, 1_000)).toEqual([1, 1, 0]);
    expect(await acquire(asOthers(ours), 1_000)).toEqual([0, 0, 0]);

    for (const { key, token } of free) {
      expect(await raw.get(`${prefix}${key}`)).toBe(token);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
    }
    expect(await redis.get(theirs.key)).toBe(theirs.token);
    expect(await raw.exists(free.map((l) => l.key))).toBe(0); // nothing outside the prefix
  });

  it('acquire-locks.lua hands a lock to another caller once its lease has expired', async () => {
    const lock = freshLock();
    const other = { key: lock.key, token: randomUUID() };
    expect(await acquire([lock], 100)).toEqual([1]);
    expect(await acquire([other], 100)).toEqual([0]);

    await pollUntil(async () => (await redis.exists(lock.key)) === 0, { timeoutMs: 5_000, intervalMs: 25, what: 'the lease to expire' });

    expect(await acquire([other], 10_000)).toEqual([1]);
    expect(await redis.get(lock.key)).toBe(other.token);
  });

  it('release-locks.lua deletes only the locks still held with the caller\'s token, in one call', async () => {
    const ours = [freshLock(), freshLock()];
    const theirs = [freshLock(), freshLock()];
    const gone = freshLock(); // never taken, or expired
    await acquire([...ours, ...theirs], 10_000);

    // Our leases on their keys are stale: the holder's tokens differ.
    const released = await release([ours[0] as Lock, ...asOthers(theirs), ours[1] as Lock, gone]);
    expect(released).toBe(2);

    for (const { key } of ours) expect(await redis.exists(key)).toBe(0);
    for (const { key, token } of theirs) expect(await redis.get(key)).toBe(token);

    expect(await release(asOthers(theirs))).toBe(0);
    expect(await release(theirs)).toBe(2);
    for (const { key } of theirs) expect(await redis.exists(key)).toBe(0);
  });

  it('extend-locks.lua lengthens only the leases still held with the caller\'s token, in one call', async () => {
    const ours = [freshLock(), freshLock()];
    const theirs = freshLock();
    const gone = freshLock();
    await acquire([...ours, theirs], 5_000);

    const kept = await extend([ours[0] as Lock, ...asOthers([theirs]), gone, ours[1] as Lock], 60_000);
    expect(kept).toEqual([1, 0, 0, 1]);

    for (const { key, token } of ours) {
      expect(await redis.pttl(key)).toBeGreaterThan(5_000);
      expect(await redis.get(key)).toBe(token);
    }
    expect(await redis.pttl(theirs.key)).toBeLessThanOrEqual(5_000);
    expect(await redis.get(theirs.key)).toBe(theirs.token);
    expect(await redis.exists(gone.key)).toBe(0); // a lost lease is not brought back

    expect(await extend([theirs], 60_000)).toEqual([1]);
    expect(await redis.pttl(theirs.key)).toBeGreaterThan(5_000);
  });
});
