// `consent-worker parked list|retry`: the aggregates set aside after failing again and again,
// and putting one back once its document is fixed: it leaves the lot (its failure count too)
// and, for a consent, goes back into the expiry schedule at its due time, so the sweep tries it
// again at once if that time has passed.
import { connectMongo } from '../../adapters/mongodb/mongo-store.ts';
import { createParkingLot } from '../../adapters/mongodb/parking-lot.ts';
import { connectRedis } from '../../adapters/redis/redis-services.ts';
import type { Config } from '../../config/config.ts';
import { dueAt, type Consent } from '../../domain/consent/consent.ts';
import { CONSENTS } from '../../catalogue/collections.ts';
import type { Output } from '../output.ts';

export async function listParked(config: Config, options: { limit: number; json: boolean }, out: Output): Promise<number> {
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase);
  try {
    const parked = await createParkingLot(mongo.db).list(options.limit);
    for (const p of parked) {
      if (options.json) out.line(JSON.stringify(p));
      else out.line(`${p.collection} ${p.id}  ${p.kind}  ${p.failures} failure(s)  parked ${p.parkedAt.toISOString()}  ${p.reason}`);
    }
    if (!options.json) out.error(`${parked.length} parked aggregate(s)`);
    return 0;
  } finally {
    await mongo.close();
  }
}

/** The due time of a stored consent, or null when it has none or is not (yet) a readable consent. */
function dueOf(state: unknown): Date | null {
  const c = state as Partial<Consent> | null;
  if (!c || typeof c.status !== 'string') return null;
  const due = dueAt(c as Consent);
  return due && !Number.isNaN(due.getTime()) ? due : null;
}

export async function retryParked(config: Config, collection: string, id: string, out: Output): Promise<number> {
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase);
  try {
    if (!(await createParkingLot(mongo.db).release({ collection, id }))) {
      out.error(`${collection} ${id} is not parked`);
      return 1;
    }
    if (collection !== CONSENTS) {
      out.line(`released ${collection} ${id}: the next command on it is applied as usual`);
      return 0;
    }
    const record = await mongo.aggregates.load(collection, id);
    const due = record ? dueOf(record.state) : null;
    if (!due) {
      out.line(`released ${collection} ${id}: no expiry due (not ACTIVE, no expiry, or missing), nothing to schedule`);
      return 0;
    }
    const redis = connectRedis(config.redisUrl, config.redisKeyPrefix, config.redisTls, config.redisPassword, config.redisCluster);
    try {
      await redis.schedule.reschedule([{ consentId: id, dueAt: due }]);
    } finally {
      await redis.close();
    }
    out.line(`released ${collection} ${id}: scheduled to expire at ${due.toISOString()}`);
    return 0;
  } finally {
    await mongo.close();
  }
}
