// Smoke: the lock store is a real Redis, reached through ioredis, running the worker's own Lua
// scripts (src/adapters/redis/lua/) as the worker runs them.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';

const servers = inject('servers');
const redis = new Redis(servers.redisUrl);
const keys: string[] = [];

const luaDir = path.resolve(import.meta.dirname, '../../src/adapters/redis/lua');
const releaseLock = readFileSync(path.join(luaDir, 'release-lock.lua'), 'utf8');
const extendLock = readFileSync(path.join(luaDir, 'extend-lock.lua'), 'utf8');

/** A lock key of its own, and the token a holder would own it with. */
function freshLock(): { key: string; token: string } {
  const key = `smoke:lock:${randomUUID()}`;
  keys.push(key);
  return { key, token: randomUUID() };
}

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('Redis', () => {
  it('grants SET NX PX to the first caller only, with a lease that expires', async () => {
    const { key, token } = freshLock();

    const first = await redis.set(key, token, 'PX', 1_000, 'NX');
    const second = await redis.set(key, randomUUID(), 'PX', 1_000, 'NX');

    expect(first).toBe('OK');
    expect(second).toBeNull();
    expect(await redis.get(key)).toBe(token);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_000);
  });

  it('release-lock.lua keeps a lock asked for with a wrong token and deletes it with the right one', async () => {
    const { key, token } = freshLock();
    await redis.set(key, token, 'PX', 10_000, 'NX');

    const withWrongToken = await redis.eval(releaseLock, 1, key, randomUUID());
    expect(withWrongToken).toBe(0);
    expect(await redis.get(key)).toBe(token);

    const withRightToken = await redis.eval(releaseLock, 1, key, token);
    expect(withRightToken).toBe(1);
    expect(await redis.exists(key)).toBe(0);
  });

  it('extend-lock.lua leaves the lease alone with a wrong token and lengthens it with the right one', async () => {
    const { key, token } = freshLock();
    await redis.set(key, token, 'PX', 5_000, 'NX');

    const withWrongToken = await redis.eval(extendLock, 1, key, randomUUID(), 60_000);
    expect(withWrongToken).toBe(0);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(5_000);

    const withRightToken = await redis.eval(extendLock, 1, key, token, 60_000);
    expect(withRightToken).toBe(1);
    expect(await redis.pttl(key)).toBeGreaterThan(5_000);
    expect(await redis.get(key)).toBe(token);
  });
});
