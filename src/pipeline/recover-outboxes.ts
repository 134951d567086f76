// After a crash, some aggregates' outboxes may still owe messages: written, not yet published.
// Whoever loads such an aggregate publishes them first (apply-round.ts), so new commands never
// need this; what it adds is the messages of aggregates nobody touches again. It runs once, in the
// background after consuming has started, and is bounded: it reads the owing index in Redis (the
// aggregates marked by a round before it wrote, and not yet unmarked by their outbox's clear), at
// most `pages` pages of it, never scanning a collection, and it leaves to a live peer those whose
// leases it holds. It never waits for a quiet moment that a busy peer would never give it.
// Redis holds nothing MongoDB cannot rebuild, and the owing index is no exception: when it is not
// known intact for a collection (Redis restarted empty, or the first start of a version that keeps
// it), one bounded query of the store's `{owes: true}` (the scan the index spares every other
// start) finds what a crash left owed, and the index is recorded intact once that query saw all.
import type { Logger } from '../logging/logger.ts';
import type { PipelineDeps } from './apply-round.ts';
import type { DomainCommand, FamilyRuntime, Versioned } from './family.ts';
import { groupBy } from './group-by.ts';
import { leaseRound } from './lease.ts';
import { flushOwed } from './outbox.ts';
import { immediateClears } from './outbox-clears.ts';

/** Aggregates looked at under one round of leases. */
const PAGE = 100;

export interface RecoveryOptions {
  /** Pages (of 100) of the owing index looked at; 0 skips the recovery. */
  readonly pages: number;
}

/** A lock key `collection:id` (collections have no colon; ids may). */
function targetOf(key: string): { collection: string; id: string } {
  const at = key.indexOf(':');
  return { collection: key.slice(0, at), id: key.slice(at + 1) };
}

export async function recoverOwedOutboxes<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, collections: readonly string[], options: RecoveryOptions, log: Logger,
): Promise<number> {
  if (options.pages === 0) return 0;
  // Cleared at once, and no waiting for leases: a key another holder has is that holder's to flush.
  const recovery: PipelineDeps = { ...deps, clears: immediateClears(deps.store), lockWaitMs: 0 };
  const ours = new Set(collections);
  const limit = options.pages * PAGE;
  const marked = (await deps.owing.oldest(limit)).filter(({ key }) => ours.has(targetOf(key).collection));
  const intact: string[] = [];
  for (const collection of collections) {
    if (await deps.owing.intact(collection)) continue;
    const found = await deps.store.findOwing(collection, limit);
    const known = new Set(marked.map(({ key }) => key));
    // Mark 0: older than any round's mark, so a round that marks one of them again keeps its mark.
    for (const id of found) if (!known.has(`${collection}:${id}`)) marked.push({ key: `${collection}:${id}`, mark: 0 });
    if (found.length < limit) intact.push(collection);
  }
  let flushed = 0;
  for (let start = 0; start < marked.length; start += PAGE) {
    const page = marked.slice(start, start + PAGE);
    const held = await leaseRound(recovery, page.map(({ key }) => key));
    try {
      const leased = new Set(held.leases.map((lease) => lease.key));
      const mine = page.filter(({ key }) => leased.has(key));
      for (const [collection, ids] of groupBy(mine, ({ key }) => targetOf(key).collection, ({ key }) => targetOf(key).id)) {
        // Loaded under the leases: a peer may have flushed some of them since they were marked.
        const records = await deps.store.loadMany(collection, ids);
        const owing = [...records.values()].filter((record) => record.outbox.length > 0);
        await flushOwed(recovery, runtime, owing.map((record) => ({ target: { collection, id: record.id }, record })));
        flushed += owing.length;
      }
      // Flushed and cleared, or owing nothing: each leaves the index, unless marked again since.
      await Promise.all([...groupBy(mine, ({ mark }) => mark, ({ key }) => key)].map(([mark, keys]) => deps.owing.unmark(keys, mark)));
    } finally {
      await held.release();
    }
  }
  // Only once what the scan found is flushed: a crash before this scans again at the next start.
  await Promise.all(intact.map((collection) => deps.owing.markIntact(collection)));
  if (flushed > 0) log.info({ flushed, family: runtime.family.name }, 'published or cleared outboxes a crash had left owed');
  return flushed;
}
