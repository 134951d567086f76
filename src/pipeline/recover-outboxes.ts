// After a crash, some aggregates' outboxes may still owe messages: written, not yet published,
// or published and not yet cleared (a deferred clear dies with its process). Whoever loads such
// an aggregate publishes what is owed first (apply-round.ts), so new commands never need this;
// what it adds is the messages and clears of aggregates nobody touches again. It runs in the
// background after consuming has started and goes through the WHOLE owing index as it stood at
// start (the aggregates marked by a round before it wrote, and not yet unmarked by their outbox's
// clear), a page of 100 at a time, never scanning a collection: a start after a crash that left
// 20,000 owed finishes them all instead of a first slice per start. It leaves to a live peer those
// whose leases it holds, never waits for a quiet moment a busy peer would never give it, and
// after each burst of pages pauses as long as the burst took, so the live rounds keep at least
// half of the servers' time. Keys marked after the start are live rounds' own to unmark.
// Redis holds nothing MongoDB cannot rebuild, and the owing index is no exception: when it is not
// known intact for a collection (Redis restarted empty, or the first start of a version that keeps
// it), the store's `{owes: true}` (the scan the index spares every other start) is paged through
// the same way, and the index is recorded intact once every page of it is done.
import type { Logger } from '../logging/logger.ts';
import type { PipelineDeps } from './apply-round.ts';
import type { DomainCommand, FamilyRuntime, Versioned } from './family.ts';
import { groupBy } from './group-by.ts';
import { sleep } from './concurrency.ts';
import { leaseRound } from './lease.ts';
import { flushOwed } from './outbox.ts';
import { immediateClears } from './outbox-clears.ts';

/** Aggregates looked at under one round of leases. */
const PAGE = 100;

export interface RecoveryOptions {
  /** Pages (of 100) recovered in one burst, before a pause as long as the burst took; 0 skips the recovery. */
  readonly burstPages: number;
  /** Aborted when the worker stops: the recovery ends after the page at hand. */
  readonly signal?: AbortSignal;
}

/** A lock key `collection:id` (collections have no colon; ids may). */
function targetOf(key: string): { collection: string; id: string } {
  const at = key.indexOf(':');
  return { collection: key.slice(0, at), id: key.slice(at + 1) };
}

interface Marked {
  readonly key: string;
  readonly mark: number;
}

/** Flushes (publishes what is owed, clears) a page of marked aggregates under their leases; returns how many owed. */
async function recoverPage<C extends DomainCommand, S extends Versioned, X, P>(
  recovery: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, page: readonly Marked[],
): Promise<number> {
  if (page.length === 0) return 0;
  let flushed = 0;
  const held = await leaseRound(recovery, page.map(({ key }) => key));
  try {
    const leased = new Set(held.leases.map((lease) => lease.key));
    const mine = page.filter(({ key }) => leased.has(key));
    for (const [collection, ids] of groupBy(mine, ({ key }) => targetOf(key).collection, ({ key }) => targetOf(key).id)) {
      // Loaded under the leases: a peer may have flushed some of them since they were marked.
      const records = await recovery.store.loadMany(collection, ids);
      const owing = [...records.values()].filter((record) => record.outbox.length > 0);
      await flushOwed(recovery, runtime, owing.map((record) => ({ target: { collection, id: record.id }, record })));
      flushed += owing.length;
    }
    // Flushed and cleared, or owing nothing: each leaves the index, unless marked again since.
    await Promise.all([...groupBy(mine, ({ mark }) => mark, ({ key }) => key)].map(([mark, keys]) => recovery.owing.unmark(keys, mark)));
  } finally {
    await held.release();
  }
  return flushed;
}

/** Pauses after every `burstPages` pages, as long as the burst took (abortable). */
function pacer(options: RecoveryOptions): () => Promise<void> {
  let pages = 0;
  let burstStarted = Date.now();
  return async () => {
    if (++pages % options.burstPages !== 0) return;
    await sleep(Date.now() - burstStarted, options.signal);
    burstStarted = Date.now();
  };
}

export async function recoverOwedOutboxes<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, collections: readonly string[], options: RecoveryOptions, log: Logger,
): Promise<number> {
  if (options.burstPages === 0) return 0;
  // Cleared at once, and no waiting for leases: a key another holder has is that holder's to flush.
  const recovery: PipelineDeps = { ...deps, clears: immediateClears(deps.store), lockWaitMs: 0 };
  const stopping = (): boolean => options.signal?.aborted === true;
  const pace = pacer(options);
  const ours = new Set(collections);
  let flushed = 0;

  // The index as it stood now: later marks belong to rounds that unmark them themselves.
  const upTo = await deps.owing.newestMark();
  for (let after = -1; !stopping();) {
    const page = await deps.owing.page(after, upTo, PAGE);
    if (page.length === 0) break;
    after = (page.at(-1) as Marked).mark;
    flushed += await recoverPage(recovery, runtime, page.filter(({ key }) => ours.has(targetOf(key).collection)));
    await pace();
  }

  for (const collection of collections) {
    if (stopping() || await deps.owing.intact(collection)) continue;
    // Mark 0: older than any round's mark, so a round that marks one of them again keeps its mark.
    let afterId: string | undefined;
    for (let ids = await deps.store.findOwing(collection, PAGE); !stopping(); ids = await deps.store.findOwing(collection, PAGE, afterId)) {
      flushed += await recoverPage(recovery, runtime, ids.map((id) => ({ key: `${collection}:${id}`, mark: 0 })));
      if (ids.length < PAGE) {
        // Only once every page is done: a crash or a stop before this scans again at the next start.
        await deps.owing.markIntact(collection);
        break;
      }
      afterId = ids.at(-1);
      await pace();
    }
  }
  if (flushed > 0) log.info({ flushed, family: runtime.family.name, stopped: stopping() }, 'published or cleared outboxes a crash had left owed');
  return flushed;
}
