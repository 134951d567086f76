// Clears published outboxes after a delay instead of right after their publish.
//
// Clearing is bookkeeping: it keeps the start-up recovery short and spares the next load of the
// aggregate a lookup in the published-entries ledger. Yet it is a document write, and on a
// MongoDB-wire server a write of a small document costs about what the state change itself cost.
// In a burst (thousands of consents expiring within seconds) clearing at once would take half of
// the rate at which changes get published. So a clear waits `delayMs`, by when a burst has
// usually passed, and clears are sent in batches, oldest first. At most `maxPending` wait: beyond
// that, the oldest are cleared at once, so a long backlog pays for its clears as it goes and a
// crash leaves at most that many outboxes for the start-up recovery (which finds them published
// in the ledger and only clears them).
//
// While a clear waits, only the published-entries ledger (in Redis) keeps its outbox from being
// published again by the next round that loads it. Redis holds no data it cannot lose: when its
// connection goes, it may come back empty, and every outbox still waiting would then go out a
// second time (issue 19: repeats that grew with the outage, as the backlog behind it touched more
// of them). So from the moment Redis is lost until it is back, clears happen at once: they are
// MongoDB writes, which an outage of Redis does not stop, and the owing index's unmarks (Redis)
// neither hold them up nor undo them.
import type { Logger } from '../logging/logger.ts';
import { backoffStep, OUTBOX_CLEAR_RETRY } from './backoff.ts';
import { groupBy } from './group-by.ts';
import { NO_OBSERVER, type PipelineObserver } from './observer.ts';
import type { AggregateStore, OutboxRef, OwingIndex } from './ports.ts';

/**
 * How published outboxes get cleared: the pipeline publishes, then hands the outboxes here, and
 * the strategy decides when the store write happens (deferred for the worker, at once for the
 * start-up recovery).
 */
export interface OutboxClearing {
  /** Outboxes this process has just published (and remembered in the ledger). */
  published(collection: string, outboxes: readonly OutboxRef[]): Promise<void>;
  /**
   * Outboxes found stored whose every entry the ledger knows as published: their publisher has
   * their clear waiting already (or, had it crashed, the recovery clears them).
   */
  foundPublished(collection: string, outboxes: readonly OutboxRef[]): Promise<void>;
  /** Clears still waiting. */
  readonly pending: number;
  /** Clears everything still waiting, then stops (the worker's shutdown). */
  stop(): Promise<void>;
}

/** Once outboxes are cleared, their writers' marks leave the owing index (one call per mark). */
async function unmarkCleared(owing: OwingIndex | null, collection: string, outboxes: readonly OutboxRef[]): Promise<void> {
  if (!owing) return;
  const byMark = groupBy(outboxes.filter((o) => o.mark !== undefined), (o) => o.mark as number, (o) => `${collection}:${o.id}`);
  await Promise.all([...byMark].map(([mark, keys]) => owing.unmark(keys, mark)));
}

/** Clears at once whatever was published or found published (the start-up recovery's way). */
export function immediateClears(store: AggregateStore, owing: OwingIndex | null = null): OutboxClearing {
  const clear = async (collection: string, outboxes: readonly OutboxRef[]): Promise<void> => {
    if (outboxes.length === 0) return;
    await store.clearOutboxes(collection, outboxes);
    await unmarkCleared(owing, collection, outboxes);
  };
  return { published: clear, foundPublished: clear, pending: 0, stop: async () => undefined };
}

export interface OutboxClearOptions {
  /** How long after its publish an outbox is cleared. 0 clears at once. */
  readonly delayMs: number;
  /** How many may wait; the oldest beyond this are cleared at once. */
  readonly maxPending: number;
  /** Outboxes cleared by one write. */
  readonly batchSize: number;
}

export interface OutboxClears extends OutboxClearing {
  /** Schedules clears of outboxes whose entries are published and remembered as such. */
  later(collection: string, outboxes: readonly OutboxRef[]): void;
  /** The ledger's server is unreachable (and may come back without the ledger): clear everything waiting, and clear at once until it is back. */
  ledgerLost(): void;
  /** The ledger's server answers again: clears wait their delay again. */
  ledgerBack(): void;
}

interface Waiting {
  readonly collection: string;
  readonly outbox: OutboxRef;
  readonly dueAt: number;
}

const TICK_MS = 250;

export interface OutboxClearDeps {
  readonly observer?: PipelineObserver;
  /** Unmarked once an outbox is cleared; null in tests of the clears alone. */
  readonly owing?: OwingIndex | null;
  readonly now?: () => number;
}

export function startOutboxClears(store: AggregateStore, options: OutboxClearOptions, log: Logger, more: OutboxClearDeps = {}): OutboxClears {
  const observer = more.observer ?? NO_OBSERVER;
  const now = more.now ?? Date.now;
  const owing = more.owing ?? null;
  let queue: Waiting[] = []; // in publish order, so due times ascend
  let running: Promise<void> | null = null;
  let stopped = false;
  let retryAt = 0;
  /** Redis is lost: nothing waits (see the file comment). */
  let ledgerLost = false;

  /** Takes from the front what is due (or beyond maxPending, or everything when `all` or the ledger is lost). */
  function takeDue(all: boolean): Waiting[] {
    const t = now();
    let n = 0;
    while (n < queue.length && (all || ledgerLost || queue.length - n > options.maxPending || queue[n]!.dueAt <= t)) n++;
    const taken = queue.slice(0, n);
    queue = queue.slice(n);
    if (n > 0) observer.outboxClearsPending(queue.length);
    return taken;
  }

  /** false when a write failed: the rest is back in the queue for a later tick. */
  async function clear(items: readonly Waiting[]): Promise<boolean> {
    for (let i = 0; i < items.length; i += options.batchSize) {
      const batch = items.slice(i, i + options.batchSize);
      const byCollection = groupBy(batch, (item) => item.collection, (item) => item.outbox);
      try {
        await Promise.all([...byCollection].map(([collection, refs]) => store.clearOutboxes(collection, refs)));
      } catch (error) {
        // Put back and try again on a later tick. Until then the ledger keeps the entries from
        // being published twice; after a crash the start-up recovery clears them.
        queue = [...items.slice(i), ...queue];
        observer.outboxClearsPending(queue.length);
        retryAt = now() + backoffStep(1, OUTBOX_CLEAR_RETRY);
        log.warn({ err: error, waiting: queue.length }, 'clearing published outboxes failed; will retry');
        return false;
      }
      // Cleared: a failed unmark is not retried (nor does it hold up the next batch while Redis is
      // away); a mark left behind names an outbox found empty by the next start-up recovery.
      const unmarked = Promise.all([...byCollection].map(([collection, refs]) => unmarkCleared(owing, collection, refs)))
        .catch((error: unknown) => log.warn({ err: error, outboxes: batch.length }, 'cleared outboxes not unmarked; the start-up recovery unmarks them'));
      if (!ledgerLost) await unmarked;
    }
    return true;
  }

  async function drainDue(all: boolean): Promise<void> {
    for (let due = takeDue(all); due.length > 0; due = takeDue(all)) if (!(await clear(due))) break;
  }

  /** One pass at a time; a call during a pass waits for it (which takes whatever fell due meanwhile). */
  function pump(all: boolean): Promise<void> {
    if (!running) {
      const pass = drainDue(all).finally(() => { if (running === pass) running = null; });
      running = pass;
    }
    return running;
  }

  const timer = setInterval(() => { if (!stopped && now() >= retryAt) void pump(false); }, TICK_MS);
  timer.unref();

  function later(collection: string, outboxes: readonly OutboxRef[]): void {
    const dueAt = now() + options.delayMs;
    for (const outbox of outboxes) if (outbox.entryIds.length > 0) queue.push({ collection, outbox, dueAt });
    observer.outboxClearsPending(queue.length);
    if ((options.delayMs === 0 || ledgerLost || queue.length > options.maxPending) && now() >= retryAt) void pump(false);
  }

  return {
    later,
    ledgerLost() {
      if (ledgerLost) return;
      ledgerLost = true;
      retryAt = 0;
      void pump(false);
    },
    ledgerBack() {
      if (!ledgerLost) return;
      ledgerLost = false;
      // What waits now was queued before Redis came back, maybe without its ledger entries: still at once.
      queue = queue.map((waiting) => ({ ...waiting, dueAt: 0 }));
      void pump(false);
    },
    async published(collection, outboxes) {
      later(collection, outboxes);
    },
    async foundPublished() {
      // Their publisher has them queued; clearing them here too would be a second write.
    },
    get pending() {
      return queue.length;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await pump(true);
      if (queue.length > 0) log.warn({ waiting: queue.length }, 'published outboxes left uncleared at stop; the next start-up clears them');
    },
  };
}
