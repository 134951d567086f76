// LockService, RateCounter, ExpirySchedule and PublishedEntries over ioredis. Redis holds nothing
// that MongoDB cannot rebuild: locks only save duplicate work, the expiry schedule is refilled from
// the consents by the sweep's safety net, and a forgotten publish is only published again.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, Redis, ReplyError } from 'ioredis';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { ExpirySchedule, Lease, LockService, OwingIndex, PublishedEntries, RateCounter } from '../../pipeline/ports.ts';
import { CLUSTER_GROUP_MAX, perSlot } from './slot-groups.ts';

const LUA_DIR = path.join(import.meta.dirname, 'lua');
const lua = (file: string): string => readFileSync(path.join(LUA_DIR, file), 'utf8');

/** One Redis, or a Redis Cluster (REDIS_CLUSTER): the same commands, routed by key slot in a cluster. */
export type RedisClient = Redis | Cluster;

// The batch scripts take their key count first (ioredis prefixes the keys it counts).
interface ScriptCommands {
  acquireLocks(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  extendLocks(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  releaseLocks(keyCount: number, ...keysThenArgs: string[]): Promise<number>;
  rememberPublished(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  claimDue(due: string, claimed: string, now: number, limit: number, deadline: number): Promise<string[]>;
  markOwing(index: string, sequence: string, ...keys: string[]): Promise<number>;
  unmarkOwing(index: string, mark: number, ...keys: string[]): Promise<number>;
}
type ScriptedRedis = RedisClient & ScriptCommands;

/**
 * The keys a script touches together share a hash tag (the part in braces, which alone decides a
 * key's cluster slot), so each such script runs in one slot: the owing index with its sequence and
 * its intact records, the expiry schedule's due and claimed sets. Each is one sorted set, so one
 * slot whatever its name; the lock and ledger keys, the bulk of the traffic, keep their own slots.
 * Exported for the tests that look at Redis directly.
 */
export const REDIS_KEYS = {
  owing: '{owing}',
  owingSequence: '{owing}:sequence',
  owingIntact: (collection: string): string => `{owing}:intact:${collection}`,
  due: '{expiry}:due',
  claimed: '{expiry}:claimed',
  lock: (key: string): string => `lock:${key}`,
  published: (entryId: string): string => `published:${entryId}`,
} as const;

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
  readonly client: RedisClient;
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

export interface RedisTarget {
  /** redis:// or rediss://, with its user; in a cluster, any one node (the others are discovered). */
  readonly url: string;
  readonly keyPrefix: string;
  readonly tls: boolean | { readonly ca: string };
  readonly password: string | null;
  /** A Redis Cluster: ioredis' Cluster client, each batch split by slot. */
  readonly cluster: boolean;
}

/**
 * A cluster client seeded by the URL's node, with the URL's user, password and TLS for every node.
 * Scripts, MULTI and MGET go to the node of their keys' slot; MOVED and ASK replies (a resharding)
 * are followed by ioredis.
 */
function openCluster(target: RedisTarget, tlsOptions: { tls?: object }): Cluster {
  const seed = new URL(target.url);
  const password = target.password ?? (seed.password === '' ? undefined : decodeURIComponent(seed.password));
  return new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
    keyPrefix: target.keyPrefix, enableOfflineQueue: true, enableAutoPipelining: true,
    redisOptions: { username: seed.username === '' ? undefined : decodeURIComponent(seed.username), password, maxRetriesPerRequest: 3, ...tlsOptions },
  });
}

/** The scripts over any number of keys: their key count comes first. */
const BATCH_SCRIPTS = {
  acquireLocks: 'acquire-locks.lua', extendLocks: 'extend-locks.lua', releaseLocks: 'release-locks.lua', rememberPublished: 'remember-published.lua',
} as const;

/**
 * On a cluster, ioredis' auto-pipelining routes a command by its first argument, which for a batch
 * script is the key count, not a key (the pipeline would be refused). So each batch script is
 * also defined per key count up to CLUSTER_GROUP_MAX (`acquireLocks:1`, numberOfKeys fixed: the
 * first argument is a key), before any pipeline is made (a pipeline knows only the commands
 * defined when it was made), and the batch method calls that one. Same script, same SHA.
 */
function sizeBatchScripts(redis: ScriptedRedis): void {
  const commands = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, file] of Object.entries(BATCH_SCRIPTS)) {
    const source = lua(file);
    for (let count = 1; count <= CLUSTER_GROUP_MAX; count++) redis.defineCommand(`${name}:${count}`, { numberOfKeys: count, lua: source });
    commands[name] = (keyCount, ...keysThenArgs) => {
      const sized = commands[`${name}:${String(keyCount)}`];
      if (!sized) throw new Error(`${name} over ${String(keyCount)} keys: a cluster call takes 1 to ${CLUSTER_GROUP_MAX} (perSlot cuts larger groups)`);
      return sized.apply(redis, keysThenArgs);
    };
  }
}

/** The one connection every service shares, its Lua scripts defined (loaded once; EVALSHA). */
function openScriptedRedis(target: RedisTarget): ScriptedRedis {
  const { url, keyPrefix, tls, password } = target;
  const tlsOptions = tls === false ? {} : { tls: tls === true ? {} : { ca: tls.ca } };
  // ioredis lets the URL's (empty) password win over a `password` option, so it goes into the URL.
  const urlWithPassword = password === null ? url : withPassword(url, password);
  // A batch is one command: the round's leases, releases and ledger entries are each one Lua
  // script call over all their keys, a round's schedule changes one ZADD and one ZREM. Commands
  // issued in the same turn of the event loop also go out in one write (auto-pipelining), so the
  // writes a round starts together (ledger, schedule, releases) share one round trip.
  // test/integration/round-trips.test.ts counts them. In a cluster a batch is one call per slot
  // of its keys (perSlot), auto-pipelined per node.
  const redis = (target.cluster
    ? openCluster(target, tlsOptions)
    : new Redis(urlWithPassword, { keyPrefix, maxRetriesPerRequest: 3, enableOfflineQueue: true, enableAutoPipelining: true, ...tlsOptions })) as ScriptedRedis;
  // A lost connection fails the calls made meanwhile (InfrastructureError: retried and logged by
  // the pipeline); its own error events, one per reconnect attempt, would otherwise be printed.
  redis.on('error', () => undefined);
  // Loaded once; ioredis runs them by EVALSHA and reloads them if the server forgot them.
  for (const [name, file] of Object.entries(BATCH_SCRIPTS)) redis.defineCommand(name, { lua: lua(file) });
  if (target.cluster) sizeBatchScripts(redis);
  redis.defineCommand('claimDue', { numberOfKeys: 2, lua: lua('claim-due.lua') });
  redis.defineCommand('markOwing', { numberOfKeys: 2, lua: lua('mark-owing.lua') });
  redis.defineCommand('unmarkOwing', { numberOfKeys: 1, lua: lua('unmark-owing.lua') });
  return redis;
}

const lockKey = REDIS_KEYS.lock;
const leaseKey = (lease: Lease): string => lockKey(lease.key);

/**
 * Each lock is its own SET NX / compare-and-pexpire / compare-and-delete: no script needs its keys
 * together (a lease is per aggregate, the round goes on with the ones it got), so one call per
 * slot group holds the same per-key answers as one call over all.
 */
function redisLocks(redis: ScriptedRedis, target: RedisTarget): LockService {
  const bySlot = <R>(leases: readonly Lease[], run: (group: Lease[]) => Promise<R[]>): Promise<R[]> =>
    perSlot(target.cluster, leases, leaseKey, target.keyPrefix, run);
  const releaseMany = async (leases: readonly Lease[]): Promise<void> => {
    if (leases.length > 0) {
      await infra(() => bySlot(leases, async (group) => [await redis.releaseLocks(group.length, ...group.map(leaseKey), ...group.map((l) => l.token))]));
    }
  };
  return {
    async tryAcquireMany(keys, ttlMs) {
      if (keys.length === 0) return [];
      const wanted = keys.map((key) => ({ key, token: randomUUID() }));
      const got: Lease[] = [];
      try {
        const acquired = await infra(() => bySlot(wanted, async (group) => {
          const replies = await redis.acquireLocks(group.length, ...group.map(leaseKey), ttlMs, ...group.map((l) => l.token));
          group.forEach((lease, i) => { if (replies[i] === 1) got.push(lease); });
          return replies;
        }));
        return wanted.map((lease, i) => (acquired[i] === 1 ? lease : null));
      } catch (error) {
        // A cluster node failed while the others granted theirs: hand those back now rather than
        // let their aggregates wait out the lease nobody knows the token of.
        await releaseMany(got).catch(() => undefined);
        throw error;
      }
    },
    async extendMany(leases, ttlMs) {
      if (leases.length === 0) return [];
      const kept = await infra(() => bySlot(leases, (group) => redis.extendLocks(group.length, ...group.map(leaseKey), ttlMs, ...group.map((l) => l.token))));
      return kept.map((k) => k === 1);
    },
    releaseMany,
  };
}

const OWING = REDIS_KEYS.owing;

function redisOwingIndex(redis: ScriptedRedis): OwingIndex {
  return {
    async mark(keys) {
      return infra(() => redis.markOwing(OWING, REDIS_KEYS.owingSequence, ...keys));
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
      return Number((await infra(() => redis.get(REDIS_KEYS.owingSequence))) ?? 0);
    },
    // A key with no TTL: it disappears only with the rest of Redis's data, which is the case it detects.
    async intact(collection) {
      return (await infra(() => redis.exists(REDIS_KEYS.owingIntact(collection)))) === 1;
    },
    async markIntact(collection) {
      await infra(() => redis.set(REDIS_KEYS.owingIntact(collection), new Date().toISOString()));
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

// One schedule, in one slot: the claim moves a consent from due to claimed atomically, and the
// sweep asks for the earliest due time; sharding it would trade both for a merge over shards.
const DUE = REDIS_KEYS.due;
const CLAIMED = REDIS_KEYS.claimed;

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

const publishedKey = REDIS_KEYS.published;

function redisPublished(redis: ScriptedRedis, target: RedisTarget): PublishedEntries {
  const bySlot = <R>(entryIds: readonly string[], run: (group: string[]) => Promise<R[]>): Promise<R[]> =>
    perSlot(target.cluster, entryIds, publishedKey, target.keyPrefix, run);
  return {
    async remember(entryIds, ttlMs) {
      if (entryIds.length === 0) return;
      await infra(() => bySlot(entryIds, async (group) => [await redis.rememberPublished(group.length, ...group.map(publishedKey), ttlMs)]));
    },
    async among(entryIds) {
      if (entryIds.length === 0) return new Set();
      const values = await infra(() => bySlot(entryIds, (group) => redis.mget(group.map(publishedKey))));
      return new Set(entryIds.filter((_, i) => values[i] !== null));
    },
  };
}

export function connectRedis(url: string, keyPrefix = 'cw:', tls: boolean | { readonly ca: string } = false, password: string | null = null, cluster = false): RedisServices {
  const target: RedisTarget = { url, keyPrefix, tls, password, cluster };
  const redis = openScriptedRedis(target);
  const ping = async (): Promise<void> => {
    if (redis.status !== 'ready') throw new Error(`redis connection ${redis.status}`);
    await redis.ping();
  };
  return {
    locks: redisLocks(redis, target), owing: redisOwingIndex(redis), rates: redisRates(redis), schedule: redisSchedule(redis), published: redisPublished(redis, target),
    client: redis, ping, close: async () => { await redis.quit(); },
  };
}
