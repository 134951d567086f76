// ParkingLot over the MongoDB driver: one document per aggregate that failed, in
// `parked_aggregates`, _id `<collection>:<id>`. It counts failures in a row (parkedAt null) until
// the aggregate is parked (parkedAt set); a success or a release deletes it.
// (A minimal adapter written with the pipeline core; see the report about merging it.)
import type { Db } from 'mongodb';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { ParkedAggregate, ParkingLot } from '../../pipeline/ports.ts';

interface ParkedDocument {
  _id: string;
  collection: string;
  id: string;
  kind: string;
  reason: string;
  failures: number;
  parkedAt: Date | null;
}

async function infra<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new InfrastructureError('mongodb', error);
  }
}

export function mongoParkingLot(db: Db): ParkingLot {
  const lot = db.collection<ParkedDocument>('parked_aggregates');
  const idOf = (target: { collection: string; id: string }): string => `${target.collection}:${target.id}`;
  return {
    async failed(kind, target, reason) {
      const doc = await infra(() => lot.findOneAndUpdate(
        { _id: idOf(target) },
        { $inc: { failures: 1 }, $set: { kind, reason, collection: target.collection, id: target.id }, $setOnInsert: { parkedAt: null } },
        { upsert: true, returnDocument: 'after' },
      ));
      return doc?.failures ?? 1;
    },
    async succeeded(_kind, target) {
      await infra(() => lot.deleteOne({ _id: idOf(target), parkedAt: null }));
    },
    async park(entry, at) {
      await infra(() => lot.updateOne({ _id: idOf(entry) }, { $set: { ...entry, parkedAt: at } }, { upsert: true }));
    },
    async list(limit) {
      const docs = await infra(() => lot.find({ parkedAt: { $ne: null } }).limit(limit).toArray());
      return docs.map((d): ParkedAggregate => ({
        collection: d.collection, id: d.id, kind: d.kind, reason: d.reason, failures: d.failures, parkedAt: d.parkedAt as Date,
      }));
    },
    async release(target) {
      const { deletedCount } = await infra(() => lot.deleteOne({ _id: idOf(target) }));
      return deletedCount > 0;
    },
  };
}
