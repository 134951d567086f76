// LockService, RateCounter, ExpirySchedule and PublishedEntries over ioredis. Redis holds nothing
// that MongoDB cannot rebuild: locks only save duplicate work, the expiry schedule is refilled from
// the consents by the sweep's safety net, and a forgotten publish is only published again.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { ExpirySchedule, Lease, LockService, PublishedEntries, RateCounter } from '../../pipeline/ports.ts';

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

/**
 * AUTH travels in the URL (redis://user:password@host); TLS by a rediss:// URL or `tls` (true, or
 * `{ca}` with a CA in PEM for a private authority).
 */
export function connectRedis(url: string, keyPrefix = 'cw:', tls: boolean | { readonly ca: string } = false): RedisServices {
  const tlsOptions = tls === false ? {} : { tls: tls === true ? {} : { ca: tls.ca } };
  const redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 3, enableOfflineQueue: true, ...tlsOptions }) as ScriptedRedis;
  // Loaded once; ioredis runs them by EVALSHA and reloads them if the server forgot them.
  redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: lua('release-lock.lua') });
  redis.defineCommand('extendLock', { numberOfKeys: 1, lua: lua('extend-lock.lua') });
  redis.defineCommand('claimDue', { numberOfKeys: 2, lua: lua('claim-due.lua') });

  const DUE = 'expiry:due';
  const CLAIMED = 'expiry:claimed';

  const locks: LockService = {
    async tryAcquire(key, ttlMs) {
      const token = randomUUID();
      const lockKey = `lock:${key}`;
      const ok = await infra(() => redis.set(lockKey, token, 'PX', ttlMs, 'NX'));
      if (ok !== 'OK') return null;
      const lease: Lease = {
        key,
        token,
        extend: async (ttl) => (await infra(() => redis.extendLock(lockKey, token, ttl))) === 1,
        release: async () => {
          await infra(() => redis.releaseLock(lockKey, token));
        },
      };
      return lease;
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
    async schedule(consentId, dueAt) {
      await infra(() => redis.zadd(DUE, dueAt.getTime(), consentId));
    },
    async unschedule(consentId) {
      await infra(() => redis.zrem(DUE, consentId));
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
      const pipeline = redis.pipeline();
      for (const id of entryIds) pipeline.set(publishedKey(id), '1', 'PX', ttlMs);
      const replies = await infra(() => pipeline.exec());
      const failed = replies?.find(([error]) => error);
      if (failed) throw new InfrastructureError('redis', failed[0]);
    },
    async among(entryIds) {
      if (entryIds.length === 0) return new Set();
      const values = await infra(() => redis.mget(entryIds.map(publishedKey)));
      return new Set(entryIds.filter((_, i) => values[i] !== null));
    },
  };

  return { locks, rates, schedule, published, client: redis, close: async () => { await redis.quit(); } };
}
