// `consent-worker show consent|entity <id>`: the stored document as the worker wrote it, its
// outbox bodies (stored as JSON text) parsed back, and whether it is parked.
import { connectMongo } from '../../adapters/mongodb/mongo-store.ts';
import { PARKED_AGGREGATES } from '../../adapters/mongodb/parking-lot.ts';
import { CONSENTS, PERMISSION_COLLECTIONS } from '../../catalogue/collections.ts';
import type { Config } from '../../config/config.ts';
import type { Output } from '../output.ts';

export const SHOWN_COLLECTIONS = { consent: CONSENTS, entity: PERMISSION_COLLECTIONS.entity } as const;
export type Shown = keyof typeof SHOWN_COLLECTIONS;

function withParsedOutbox(doc: Record<string, unknown>): Record<string, unknown> {
  const outbox = Array.isArray(doc['outbox']) ? (doc['outbox'] as Record<string, unknown>[]) : [];
  return {
    ...doc,
    outbox: outbox.map((entry) => {
      const body = entry['body'];
      if (typeof body !== 'string') return entry;
      try {
        return { ...entry, body: JSON.parse(body) };
      } catch {
        return entry; // shown as stored: a corrupt body is what the operator came to see
      }
    }),
  };
}

export async function showAggregate(config: Config, what: Shown, id: string, out: Output): Promise<number> {
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDatabase);
  try {
    const collection = SHOWN_COLLECTIONS[what];
    const doc = await mongo.db.collection<{ _id: string }>(collection).findOne({ _id: id });
    if (!doc) {
      out.error(`no ${what} ${id} in ${config.mongodbDatabase}.${collection}`);
      return 1;
    }
    const parked = await mongo.db.collection<{ _id: string }>(PARKED_AGGREGATES).findOne({ _id: `${collection}:${id}` });
    out.json({ collection, document: withParsedOutbox(doc), parked: parked ?? null });
    return 0;
  } finally {
    await mongo.close();
  }
}
