// ParkingLot over the MongoDB driver: one document per aggregate that keeps failing, in
// `parked_aggregates`, `_id` = `collection:id`:
//   { _id, collection, id, kind, reason, failures, parked, parkedAt, lastFailedAt }
// Failures are counted with an $inc upsert, so two sweepers counting the same aggregate never
// lose a count; the document exists only while an aggregate has failed since its last success.
import type { Db } from 'mongodb';
import type { ParkedAggregate, ParkingLot } from '../../pipeline/ports.ts';
import { infra } from './mongo-store.ts';

export const PARKED_AGGREGATES = 'parked_aggregates';

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
      const doc = await infra(() => lot.findOneAndUpdate(
        { _id: keyOf(target) },
        {
          $inc: { failures: 1 },
          $set: { collection: target.collection, id: target.id, kind, reason, lastFailedAt: new Date() },
          $setOnInsert: { parked: false, parkedAt: null },
        },
        { upsert: true, returnDocument: 'after' },
      ));
      return doc?.failures ?? 1;
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
