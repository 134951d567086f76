// After a crash, some aggregates' outboxes may still owe messages: written, not yet published.
// Whoever loads such an aggregate publishes them first (apply-round.ts), so new commands never
// need this; what it adds is the messages of aggregates nobody touches again. It runs once, in the
// background after consuming has started, and is bounded: at most `pages` pages of owing
// aggregates, and those a live peer holds leases on are left to that peer. It never waits for a
// quiet moment that a busy peer would never give it.
import type { Logger } from '../logging/logger.ts';
import { lockKeyOf, type PipelineDeps } from './apply-round.ts';
import type { DomainCommand, FamilyRuntime, Versioned } from './family.ts';
import { leaseRound } from './lease.ts';
import { flushOwed } from './outbox.ts';
import { immediateClears } from './outbox-clears.ts';

/** Owing aggregates read by one query. */
const PAGE = 100;

export interface RecoveryOptions {
  /** Pages of owing aggregates looked at per collection; 0 skips the recovery. */
  readonly pages: number;
}

export async function recoverOwedOutboxes<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, collections: readonly string[], options: RecoveryOptions, log: Logger,
): Promise<number> {
  // Cleared at once: the next page is read by the same query.
  const recovery: PipelineDeps = { ...deps, clears: immediateClears(deps.store), lockWaitMs: 0 };
  let flushed = 0;
  for (const collection of collections) {
    for (let page = 0; page < options.pages; page++) {
      const ids = await deps.store.findOwing(collection, PAGE);
      if (ids.length === 0) break;
      const held = await leaseRound(recovery, ids.map((id) => lockKeyOf({ collection, id })));
      try {
        // Only those leased here: a peer working on the others publishes what they owe itself.
        const mine = held.leases.map((lease) => ids.find((id) => lockKeyOf({ collection, id }) === lease.key) as string);
        // Loaded under the leases: a peer may have flushed some of them since findOwing.
        const records = await deps.store.loadMany(collection, mine);
        await flushOwed(recovery, runtime, [...records.values()].map((record) => ({ target: { collection, id: record.id }, record })));
        flushed += records.size;
      } finally {
        await held.release();
      }
      if (ids.length < PAGE) break;
    }
  }
  if (flushed > 0) log.info({ flushed, family: runtime.family.name }, 'published or cleared outboxes a crash had left owed');
  return flushed;
}
