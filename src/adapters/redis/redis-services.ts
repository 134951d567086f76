// LockService, RateCounter, ExpirySchedule and PublishedEntries over ioredis. Redis holds nothing
// that MongoDB cannot rebuild: locks only save duplicate work, the expiry schedule is refilled from
// the consents by the sweep's safety net, and a forgotten publish is only published again.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { ExpirySchedule, LockService, PublishedEntries, RateCounter } from '../../pipeline/ports.ts';

const LUA_DIR = path.join(import.meta.dirname, 'lua');
const lua = (file: string): string => readFileSync(path.join(LUA_DIR, file), 'utf8');

interface ScriptedRedis extends Redis {
  releaseLock(key: string, token: string): Promise<number>;
  extendLock(key: string, token: string, ttlMs: number): Promise<number>;
  claimDue(due: string, claimed: string, now: number, limit: number, deadline: number): Promise<string[]>;
}

async function infra<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new InfrastructureError('redis', error);
  }
}

export interface RedisServices {
  readonly locks: LockService;
  readonly rates: RateCounter;
  readonly schedule: ExpirySchedule;
  readonly published: PublishedEntries;
  readonly client: Redis;
  close(): Promise<void>;
}

export function connectRedis(url: string, keyPrefix = 'cw:'): RedisServices {
  // Auto-pipelining: every command issued in one turn of the event loop goes out in one write, so
  // the pipeline's batch calls (a round's leases; its ledger and schedule writes, issued
  // together) cost one round trip each, not one per key. test/integration/round-trips counts it.
  const redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 3, enableOfflineQueue: true, enableAutoPipelining: true }) as ScriptedRedis;
  // Loaded once; ioredis runs them by EVALSHA and reloads them if the server forgot them.
  redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: lua('release-lock.lua') });
  redis.defineCommand('extendLock', { numberOfKeys: 1, lua: lua('extend-lock.lua') });
  redis.defineCommand('claimDue', { numberOfKeys: 2, lua: lua('claim-due.lua') });

  const DUE = 'expiry:due';
  const CLAIMED = 'expiry:claimed';
  const lockKey = (key: string): string => `lock:${key}`;

  const locks: LockService = {
    async tryAcquireMany(keys, ttlMs) {
      if (keys.length === 0) return [];
      const tokens = keys.map(() => randomUUID());
      const answers = await infra(() => Promise.all(keys.map((key, i) => redis.set(lockKey(key), tokens[i] as string, 'PX', ttlMs, 'NX'))));
      return keys.map((key, i) => (answers[i] === 'OK' ? { key, token: tokens[i] as string } : null));
    },
    async extendMany(leases, ttlMs) {
      if (leases.length === 0) return [];
      const answers = await infra(() => Promise.all(leases.map((lease) => redis.extendLock(lockKey(lease.key), lease.token, ttlMs))));
      return answers.map((answer) => answer === 1);
    },
    async releaseMany(leases) {
      if (leases.length > 0) await infra(() => Promise.all(leases.map((lease) => redis.releaseLock(lockKey(lease.key), lease.token))));
    },
  };

  const rates: RateCounter = {
    async hit(key, windowMs, now) {
      const window = Math.floor(now.getTime() / windowMs);
      const rateKey = `rate:${key}:${window}`;
      const [[, count]] = (await infra(() => redis.multi().incr(rateKey).pexpire(rateKey, windowMs * 2).exec())) as [[null, number]];
      return count;
    },
  };

  const schedule: ExpirySchedule = {
    async reschedule(changes) {
      if (changes.length === 0) return;
      await infra(() => Promise.all(changes.map(({ consentId, dueAt }) =>
        (dueAt ? redis.zadd(DUE, dueAt.getTime(), consentId) : redis.zrem(DUE, consentId)))));
    },
    async claimDue(now, limit, leaseMs) {
      return infra(() => redis.claimDue(DUE, CLAIMED, now.getTime(), limit, now.getTime() + leaseMs));
    },
    async complete(consentIds) {
      if (consentIds.length > 0) await infra(() => redis.zrem(CLAIMED, ...consentIds));
    },
    async nextDueAt() {
      const first = await infra(() => redis.zrange(DUE, 0, 0, 'WITHSCORES'));
      return first.length === 2 ? new Date(Number(first[1])) : null;
    },
    async pending(now) {
      return infra(() => redis.zcount(DUE, '-inf', now.getTime()));
    },
  };

  const publishedKey = (entryId: string): string => `published:${entryId}`;
  const published: PublishedEntries = {
    async remember(entryIds, ttlMs) {
      if (entryIds.length === 0) return;
      await infra(() => Promise.all(entryIds.map((id) => redis.set(publishedKey(id), '1', 'PX', ttlMs))));
    },
    async among(entryIds) {
      if (entryIds.length === 0) return new Set();
      const values = await infra(() => redis.mget(entryIds.map(publishedKey)));
      return new Set(entryIds.filter((_, i) => values[i] !== null));
    },
  };

  return { locks, rates, schedule, published, client: redis, close: async () => { await redis.quit(); } };
}
