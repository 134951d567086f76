// LockService, RateCounter, ExpirySchedule and PublishedEntries over ioredis. Redis holds nothing
// that MongoDB cannot rebuild: locks only save duplicate work, the expiry schedule is refilled from
// the consents by the sweep's safety net, and a forgotten publish is only published again.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis, ReplyError } from 'ioredis';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { ExpirySchedule, LockService, OwingIndex, PublishedEntries, RateCounter } from '../../pipeline/ports.ts';

const LUA_DIR = path.join(import.meta.dirname, 'lua');
const lua = (file: string): string => readFileSync(path.join(LUA_DIR, file), 'utf8');

// The batch scripts take their key count first (ioredis prefixes the keys it counts).
interface ScriptedRedis extends Redis {
  acquireLocks(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  extendLocks(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  releaseLocks(keyCount: number, ...keysThenArgs: string[]): Promise<number>;
  rememberPublished(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  claimDue(due: string, claimed: string, now: number, limit: number, deadline: number): Promise<string[]>;
  markOwing(index: string, sequence: string, ...keys: string[]): Promise<number>;
  unmarkOwing(index: string, mark: number, ...keys: string[]): Promise<number>;
}

/**
 * Replies that mean "try again": a server loading its data, busy with a script, a read-only
 * replica during a failover. Any other error reply (a failing script, a wrong type) is a bug, not
 * an outage, and is not retried.
 */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

async function infra<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ReplyError && !TRANSIENT_REPLY.test(String((error as Error).message))) throw error;
    throw new InfrastructureError('redis', error);
  }
}

/** A WITHSCORES reply as key/mark pairs. */
function pairs(flat: readonly string[]): { key: string; mark: number }[] {
  const marked: { key: string; mark: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) marked.push({ key: flat[i] as string, mark: Number(flat[i + 1]) });
  return marked;
}

export interface RedisServices {
  readonly locks: LockService;
  readonly owing: OwingIndex;
  readonly rates: RateCounter;
  readonly schedule: ExpirySchedule;
  readonly published: PublishedEntries;
  readonly client: Redis;
  /** For /readyz: fails at once while disconnected (ioredis would queue the PING). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * AUTH: the user in the URL (redis://user@host), its password there or in `password` (read from
 * REDIS_PASSWORD_FILE, so it sits in no URL); TLS by a rediss:// URL or `tls` (true, or `{ca}`
 * with a CA in PEM for a private authority).
 */
/** The URL with its password set (user kept), for a password read from a file. */
export function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** The one connection every service shares, its Lua scripts defined (loaded once; EVALSHA). */
function openScriptedRedis(url: string, keyPrefix: string, tls: boolean | { readonly ca: string }, password: string | null): ScriptedRedis {
  const tlsOptions = tls === false ? {} : { tls: tls === true ? {} : { ca: tls.ca } };
  // ioredis lets the URL's (empty) password win over a `password` option, so it goes into the URL.
  const target = password === null ? url : withPassword(url, password);
  // A batch is one command: the round's leases, releases and ledger entries are each one Lua
  // script call over all their keys, a round's schedule changes one ZADD and one ZREM. Commands
  // issued in the same turn of the event loop also go out in one write (auto-pipelining), so the
  // writes a round starts together (ledger, schedule, releases) share one round trip.
  // test/integration/round-trips.test.ts counts them. (Single Redis, not Cluster: a script's keys
  // would span slots.)
  const redis = new Redis(target, { keyPrefix, maxRetriesPerRequest: 3, enableOfflineQueue: true, enableAutoPipelining: true, ...tlsOptions }) as ScriptedRedis;
  // A lost connection fails the calls made meanwhile (InfrastructureError: retried and logged by
  // the pipeline); its own error events, one per reconnect attempt, would otherwise be printed.
  redis.on('error', () => undefined);
  // Loaded once; ioredis runs them by EVALSHA and reloads them if the server forgot them.
  redis.defineCommand('acquireLocks', { lua: lua('acquire-locks.lua') });
  redis.defineCommand('extendLocks', { lua: lua('extend-locks.lua') });
  redis.defineCommand('releaseLocks', { lua: lua('release-locks.lua') });
  redis.defineCommand('rememberPublished', { lua: lua('remember-published.lua') });
  redis.defineCommand('claimDue', { numberOfKeys: 2, lua: lua('claim-due.lua') });
  redis.defineCommand('markOwing', { numberOfKeys: 2, lua: lua('mark-owing.lua') });
  redis.defineCommand('unmarkOwing', { numberOfKeys: 1, lua: lua('unmark-owing.lua') });
  return redis;
}

const lockKey = (key: string): string => `lock:${key}`;

function redisLocks(redis: ScriptedRedis): LockService {
  return {
    async tryAcquireMany(keys, ttlMs) {
      if (keys.length === 0) return [];
      const tokens = keys.map(() => randomUUID());
      const acquired = await infra(() => redis.acquireLocks(keys.length, ...keys.map(lockKey), ttlMs, ...tokens));
      return keys.map((key, i) => (acquired[i] === 1 ? { key, token: tokens[i] as string } : null));
    },
    async extendMany(leases, ttlMs) {
      if (leases.length === 0) return [];
      const kept = await infra(() => redis.extendLocks(leases.length, ...leases.map((l) => lockKey(l.key)), ttlMs, ...leases.map((l) => l.token)));
      return kept.map((k) => k === 1);
    },
    async releaseMany(leases) {
      if (leases.length > 0) await infra(() => redis.releaseLocks(leases.length, ...leases.map((l) => lockKey(l.key)), ...leases.map((l) => l.token)));
    },
  };
}

const OWING = 'owing';

function redisOwingIndex(redis: ScriptedRedis): OwingIndex {
  return {
    async mark(keys) {
      return infra(() => redis.markOwing(OWING, `${OWING}:sequence`, ...keys));
    },
    async unmark(keys, mark) {
      if (keys.length > 0) await infra(() => redis.unmarkOwing(OWING, mark, ...keys));
    },
    async page(after, upTo, limit) {
      const flat = await infra(() => redis.zrangebyscore(OWING, `(${after}`, upTo, 'WITHSCORES', 'LIMIT', 0, limit));
      const marked = pairs(flat);
      const last = marked.at(-1);
      if (marked.length < limit || !last) return marked;
      // The rest of the last mark's keys (a round's), so the next page can start after that mark.
      const seen = new Set(marked.map(({ key }) => key));
      const rest = pairs(await infra(() => redis.zrangebyscore(OWING, last.mark, last.mark, 'WITHSCORES')));
      return [...marked, ...rest.filter(({ key }) => !seen.has(key))];
    },
    async newestMark() {
      return Number((await infra(() => redis.get(`${OWING}:sequence`))) ?? 0);
    },
    // A key with no TTL: it disappears only with the rest of Redis's data, which is the case it detects.
    async intact(collection) {
      return (await infra(() => redis.exists(`${OWING}:intact:${collection}`))) === 1;
    },
    async markIntact(collection) {
      await infra(() => redis.set(`${OWING}:intact:${collection}`, new Date().toISOString()));
    },
  };
}

function redisRates(redis: ScriptedRedis): RateCounter {
  return {
    async hit(key, windowMs, now) {
      const window = Math.floor(now.getTime() / windowMs);
      const rateKey = `rate:${key}:${window}`;
      const [[, count]] = (await infra(() => redis.multi().incr(rateKey).pexpire(rateKey, windowMs * 2).exec())) as [[null, number]];
      return count;
    },
  };
}

const DUE = 'expiry:due';
const CLAIMED = 'expiry:claimed';

function redisSchedule(redis: ScriptedRedis): ExpirySchedule {
  return {
    async reschedule(changes) {
      const due = changes.flatMap(({ consentId, dueAt }) => (dueAt ? [dueAt.getTime(), consentId] : []));
      const notDue = changes.flatMap(({ consentId, dueAt }) => (dueAt ? [] : [consentId]));
      await infra(() => Promise.all([
        due.length > 0 ? redis.zadd(DUE, ...due) : null,
        notDue.length > 0 ? redis.zrem(DUE, ...notDue) : null,
      ]));
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
}

const publishedKey = (entryId: string): string => `published:${entryId}`;

function redisPublished(redis: ScriptedRedis): PublishedEntries {
  return {
    async remember(entryIds, ttlMs) {
      if (entryIds.length === 0) return;
      await infra(() => redis.rememberPublished(entryIds.length, ...entryIds.map(publishedKey), ttlMs));
    },
    async among(entryIds) {
      if (entryIds.length === 0) return new Set();
      const values = await infra(() => redis.mget(entryIds.map(publishedKey)));
      return new Set(entryIds.filter((_, i) => values[i] !== null));
    },
  };
}

export function connectRedis(url: string, keyPrefix = 'cw:', tls: boolean | { readonly ca: string } = false, password: string | null = null): RedisServices {
  const redis = openScriptedRedis(url, keyPrefix, tls, password);
  const ping = async (): Promise<void> => {
    if (redis.status !== 'ready') throw new Error(`redis connection ${redis.status}`);
    await redis.ping();
  };
  return {
    locks: redisLocks(redis), owing: redisOwingIndex(redis), rates: redisRates(redis), schedule: redisSchedule(redis), published: redisPublished(redis),
    client: redis, ping, close: async () => { await redis.quit(); },
  };
}
