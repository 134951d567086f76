// The pipeline's AggregateStore kept in a Map, with the semantics the MongoDB adapter has: a
// create refused on a taken id, a replace only while the stored version is the expected one, a
// clear only of an outbox that still holds the entries it was published with. Records are copied
// in and out, as a round trip to a server would, so a caller never shares an object with the store.
import type { AggregateRecord, AggregateStore } from '../../../src/pipeline/ports.ts';

export interface InMemoryAggregateStore extends AggregateStore {
  /** The stored record as a server would return it (a copy), for assertions. */
  peek(collection: string, id: string): AggregateRecord<unknown> | null;
  /** Stores a record as it is, bypassing every rule (a document left by an older version, a corrupt one). */
  put(collection: string, record: AggregateRecord<unknown>): void;
  /** The revisions stored in a history collection, by id (copies). */
  revisions(collection: string): Map<string, unknown>;
}

export function inMemoryAggregateStore(): InMemoryAggregateStore {
  const collections = new Map<string, Map<string, AggregateRecord<unknown>>>();
  const docs = (collection: string): Map<string, AggregateRecord<unknown>> => {
    let found = collections.get(collection);
    if (!found) collections.set(collection, (found = new Map()));
    return found;
  };
  const copy = <T>(value: T): T => structuredClone(value);
  const histories = new Map<string, Map<string, unknown>>();
  const history = (collection: string): Map<string, unknown> => {
    let found = histories.get(collection);
    if (!found) histories.set(collection, (found = new Map()));
    return found;
  };
  const insert = (collection: string, record: AggregateRecord<unknown>): 'written' | 'exists' => {
    if (docs(collection).has(record.id)) return 'exists';
    docs(collection).set(record.id, copy(record));
    return 'written';
  };

  return {
    peek: (collection, id) => copy(docs(collection).get(id) ?? null),
    put: (collection, record) => { docs(collection).set(record.id, copy(record)); },
    revisions: (collection) => copy(history(collection)),
    async load(collection, id) {
      return copy(docs(collection).get(id) ?? null);
    },
    async loadMany(collection, ids) {
      const found = new Map<string, AggregateRecord<unknown>>();
      for (const id of ids) {
        const record = docs(collection).get(id);
        if (record) found.set(id, copy(record));
      }
      return found;
    },
    async create(collection, record) {
      return insert(collection, record);
    },
    async createMany(collection, records) {
      return records.map((record) => insert(collection, record));
    },
    async replace(collection, record, expectedVersion) {
      const stored = docs(collection).get(record.id);
      if (!stored || stored.version !== expectedVersion) return 'conflict';
      docs(collection).set(record.id, copy(record));
      return 'written';
    },
    async clearOutboxes(collection, outboxes) {
      for (const { id, entryIds } of outboxes) {
        const stored = docs(collection).get(id);
        // Entry ids name their aggregate's version: holding one of them means "still that outbox".
        if (!stored || !stored.outbox.some((entry) => entryIds.includes(entry.id))) continue;
        docs(collection).set(id, { ...stored, outbox: [] });
      }
    },
    async findOwing(collection, limit, afterId) {
      return [...docs(collection).values()].filter((record) => record.outbox.length > 0 && (afterId === undefined || record.id > afterId))
        .map((record) => record.id).sort().slice(0, limit);
    },
    async appendRevisions(collection, revisions) {
      // Inserted, never replaced: an id stored already keeps its first revision.
      for (const { id, body } of revisions) if (!history(collection).has(id)) history(collection).set(id, copy(body));
    },
  };
}
