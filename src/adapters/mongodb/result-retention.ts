// Stored results (command_results, _id = commandId) are what recognises a redelivered command;
// kept forever they grow with every command. They are kept RESULT_RETENTION_MS after storedAt:
//  - on MongoDB by a TTL index on storedAt (the server deletes, about once a minute);
//  - on a server without TTL indexes (FerretDB 1.24 answers "not implemented yet") by a purge
//    the worker runs every PURGE_INTERVAL_MS: ids older than the window, a bounded page at a
//    time, deleted by _id. On FerretDB each page is a range read over the {storedAt: 1} index
//    (pushed down by the stack's date-range patch; unpatched it scans the collection) plus one
//    delete by _id per document, so a page costs about as much as as many result writes.
// Several replicas may purge at once: deleting an id twice is harmless.
import { MongoServerError, type Db } from 'mongodb';
import type { Logger } from '../../logging/logger.ts';
import { sleep } from '../../pipeline/concurrency.ts';
import { infra } from './mongo-store.ts';

export interface RetentionOptions {
  readonly retentionMs: number;
  /** How often the purge runs where there is no TTL index. */
  readonly purgeIntervalMs?: number;
  /** Results deleted per page (one read, one delete). */
  readonly purgeBatchSize?: number;
}

export interface ResultRetention {
  readonly mode: 'ttl-index' | 'purge';
  stop(): Promise<void>;
}

const COLLECTION = 'command_results';
const TTL_INDEX = 'storedAt_ttl';
const INDEX_OPTIONS_CONFLICT = 85;

/** Deletes results stored before now − retentionMs, page by page; returns how many. */
export async function purgeExpiredResults(db: Db, now: Date, retentionMs: number, batchSize = 500, maxPages = 20): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionMs);
  const results = db.collection<{ _id: string; storedAt: Date }>(COLLECTION);
  let deleted = 0;
  for (let page = 0; page < maxPages; page++) {
    const ids = (await infra(() => results.find({ storedAt: { $lt: cutoff } }, { projection: { _id: 1 } }).limit(batchSize).toArray())).map((d) => d._id);
    if (ids.length === 0) break;
    deleted += (await infra(() => results.deleteMany({ _id: { $in: ids }, storedAt: { $lt: cutoff } }))).deletedCount;
    if (ids.length < batchSize) break;
  }
  return deleted;
}

async function ttlIndex(db: Db, retentionMs: number): Promise<boolean> {
  const expireAfterSeconds = Math.ceil(retentionMs / 1_000);
  try {
    await db.collection(COLLECTION).createIndex({ storedAt: 1 }, { name: TTL_INDEX, expireAfterSeconds });
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === INDEX_OPTIONS_CONFLICT) {
      // The window changed since the index was made: change the index, not the data.
      await db.command({ collMod: COLLECTION, index: { name: TTL_INDEX, expireAfterSeconds } });
      return true;
    }
    if (error instanceof MongoServerError && /not implemented/i.test(error.message)) return false;
    throw error;
  }
}

export async function startResultRetention(db: Db, options: RetentionOptions, logger: Logger, clock: () => Date = () => new Date()): Promise<ResultRetention> {
  if (await infra(() => ttlIndex(db, options.retentionMs))) {
    logger.info({ retentionMs: options.retentionMs }, 'stored results expire by a TTL index');
    return { mode: 'ttl-index', stop: async () => undefined };
  }
  await infra(() => db.collection(COLLECTION).createIndex({ storedAt: 1 }));
  const interval = options.purgeIntervalMs ?? 60_000;
  const abort = new AbortController();
  logger.info({ retentionMs: options.retentionMs, purgeIntervalMs: interval }, 'no TTL indexes on this server: the worker purges stored results');
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const deleted = await purgeExpiredResults(db, clock(), options.retentionMs, options.purgeBatchSize);
        if (deleted > 0) logger.info({ deleted }, 'purged stored results older than the retention window');
      } catch (error) {
        logger.warn({ err: error }, 'purging stored results failed; trying again next interval');
      }
      await sleep(interval, abort.signal);
    }
  })();
  return {
    mode: 'purge',
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
