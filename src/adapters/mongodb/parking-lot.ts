// ParkingLot over the MongoDB driver: one document per aggregate that keeps failing, in
// `parked_aggregates`, `_id` = `collection:id`:
//   { _id, collection, id, kind, reason, failures, parked, parkedAt, lastFailedAt }
// Failures are counted with $inc (an insert for the first), so two sweepers counting the same
// aggregate never lose a count; the document exists only while an aggregate has failed since its last success.
import { MongoServerError, type Db } from 'mongodb';
import type { ParkedAggregate, ParkingLot } from '../../pipeline/ports.ts';
import { infra } from './mongo-store.ts';

export const PARKED_AGGREGATES = 'parked_aggregates';
const DUPLICATE_KEY = 11000;
/** Rounds of increment-else-insert before giving up (each lost round means another writer won one). */
const MAX_COUNT_ATTEMPTS = 20;

interface ParkedDocument {
  _id: string;
  collection: string;
  id: string;
  kind: string;
  reason: string;
  failures: number;
  parked: boolean;
  parkedAt: Date | null;
  lastFailedAt: Date;
}

const keyOf = (target: { collection: string; id: string }): string => `${target.collection}:${target.id}`;

export function createParkingLot(db: Db): ParkingLot {
  const lot = db.collection<ParkedDocument>(PARKED_AGGREGATES);
  return {
    async failed(kind, target, reason) {
      const _id = keyOf(target);
      const fields = { collection: target.collection, id: target.id, kind, reason, lastFailedAt: new Date() };
      // Increment, else insert the first count. Not one upsert: two upserts of a new _id racing
      // can both try the insert, and FerretDB reports that clash as error 1, not 11000; an insert's
      // clash is 11000 on both servers. A lost race (the insert refused, or an increment FerretDB's
      // compare-and-set found changed under it) goes round again.
      for (let attempt = 1; ; attempt++) {
        const counted = await infra(() => lot.findOneAndUpdate({ _id }, { $inc: { failures: 1 }, $set: fields }, { returnDocument: 'after' }));
        if (counted) return counted.failures;
        try {
          await infra(() => lot.insertOne({ _id, ...fields, failures: 1, parked: false, parkedAt: null }));
          return 1;
        } catch (error) {
          if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY) || attempt >= MAX_COUNT_ATTEMPTS) throw error;
        }
      }
    },
    async succeeded(_kind, target) {
      // Only a count is forgotten: a parked aggregate leaves the lot through release (an operator).
      await infra(() => lot.deleteOne({ _id: keyOf(target), parked: false }));
    },
    async park(entry, at) {
      await infra(() => lot.updateOne(
        { _id: keyOf(entry) },
        { $set: { collection: entry.collection, id: entry.id, kind: entry.kind, reason: entry.reason, failures: entry.failures, parked: true, parkedAt: at, lastFailedAt: at } },
        { upsert: true },
      ));
    },
    async list(limit) {
      const docs = await infra(() => lot.find({ parked: true }).sort({ parkedAt: 1, _id: 1 }).limit(limit).toArray());
      return docs.map((d): ParkedAggregate => ({
        collection: d.collection, id: d.id, kind: d.kind, reason: d.reason, failures: d.failures, parkedAt: d.parkedAt ?? d.lastFailedAt,
      }));
    },
    async release(target) {
      const doc = await infra(() => lot.findOneAndDelete({ _id: keyOf(target) }));
      return doc?.parked === true;
    },
  };
}
