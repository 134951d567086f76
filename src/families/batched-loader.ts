// Coalesces single-document reads made in the same turn of the event loop into one `_id $in`
// read per collection. The pipeline asks for a whole round's decision contexts at once, so the
// reference data of a round (permission definitions, sources, contracts) costs one query per
// collection, not one per command. Reads are never cached beyond the turn: each round sees the
// stored state of its own time.
import type { AggregateRecord, AggregateStore } from '../pipeline/ports.ts';

interface Pending {
  readonly ids: Set<string>;
  readonly waiting: { readonly id: string; resolve(record: AggregateRecord<unknown> | null): void; reject(error: unknown): void }[];
}

export function batchedLoader(store: AggregateStore): (collection: string, id: string) => Promise<AggregateRecord<unknown> | null> {
  let pending: Map<string, Pending> | null = null;

  function flush(batch: Map<string, Pending>): void {
    for (const [collection, { ids, waiting }] of batch) {
      store.loadMany(collection, [...ids]).then(
        (found) => { for (const w of waiting) w.resolve(found.get(w.id) ?? null); },
        (error: unknown) => { for (const w of waiting) w.reject(error); },
      );
    }
  }

  return (collection, id) => new Promise((resolve, reject) => {
    if (!pending) {
      const batch = new Map<string, Pending>();
      pending = batch;
      // After every read of this turn has been asked for (promise callbacks included).
      setImmediate(() => { pending = null; flush(batch); });
    }
    let group = pending.get(collection);
    if (!group) pending.set(collection, (group = { ids: new Set(), waiting: [] }));
    group.ids.add(id);
    group.waiting.push({ id, resolve, reject });
  });
}
