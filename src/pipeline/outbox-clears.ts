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
import type { Logger } from '../logging/logger.ts';
import { groupBy } from './group-by.ts';
import type { AggregateStore, OutboxRef } from './ports.ts';

export interface OutboxClearOptions {
  /** How long after its publish an outbox is cleared. 0 clears at once. */
  readonly delayMs: number;
  /** How many may wait; the oldest beyond this are cleared at once. */
  readonly maxPending: number;
  /** Outboxes cleared by one write. */
  readonly batchSize: number;
}

export interface OutboxClears {
  /** Schedules clears of outboxes whose entries are published and remembered as such. */
  later(collection: string, outboxes: readonly OutboxRef[]): void;
  readonly pending: number;
  /** Clears everything still waiting, then stops (the worker's shutdown). */
  stop(): Promise<void>;
}

interface Waiting {
  readonly collection: string;
  readonly outbox: OutboxRef;
  readonly dueAt: number;
}

const TICK_MS = 250;
/** After a failed clear, how long to leave the server alone before trying again. */
const RETRY_AFTER_MS = 5_000;

export function startOutboxClears(store: AggregateStore, options: OutboxClearOptions, log: Logger, now: () => number = Date.now): OutboxClears {
  let queue: Waiting[] = []; // in publish order, so due times ascend
  let running: Promise<void> | null = null;
  let stopped = false;
  let retryAt = 0;

  /** Takes from the front what is due (or beyond maxPending, or everything when `all`). */
  function takeDue(all: boolean): Waiting[] {
    const t = now();
    let n = 0;
    while (n < queue.length && (all || queue.length - n > options.maxPending || queue[n]!.dueAt <= t)) n++;
    const taken = queue.slice(0, n);
    queue = queue.slice(n);
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
        retryAt = now() + RETRY_AFTER_MS;
        log.warn({ err: error, waiting: queue.length }, 'clearing published outboxes failed; will retry');
        return false;
      }
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

  return {
    later(collection, outboxes) {
      const dueAt = now() + options.delayMs;
      for (const outbox of outboxes) if (outbox.entryIds.length > 0) queue.push({ collection, outbox, dueAt });
      if ((options.delayMs === 0 || queue.length > options.maxPending) && now() >= retryAt) void pump(false);
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
