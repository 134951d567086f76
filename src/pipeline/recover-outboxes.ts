// At start-up, publishes whatever a crash left owed in any aggregate's outbox, under those
// aggregates' leases, before new commands are consumed. A page of owing aggregates is one batch:
// one load, one publish of what the ledger does not know as published, one clear.
import type { Logger } from '../logging/logger.ts';
import { lockKeyOf, type PipelineDeps } from './apply-command.ts';
import type { AnyFamilyRuntime } from './family.ts';
import { withLeases } from './lease.ts';
import { flushOwed } from './outbox.ts';

const PAGE = 100;

export async function recoverOwedOutboxes(deps: PipelineDeps, runtime: AnyFamilyRuntime, collections: readonly string[], log: Logger): Promise<number> {
  let flushed = 0;
  for (const collection of collections) {
    for (;;) {
      const ids = await deps.store.findOwing(collection, PAGE);
      if (ids.length === 0) break;
      const keys = ids.map((id) => lockKeyOf({ collection, id }));
      await withLeases({ locks: deps.locks, ttlMs: deps.lockTtlMs, waitMs: deps.lockWaitMs, log }, keys, async () => {
        // Loaded under the leases: a peer may have flushed some of them since findOwing.
        const records = await deps.store.loadMany(collection, ids);
        // Cleared at once: the next page is read by the same query.
        await flushOwed(deps, runtime, [...records.values()].map((record) => ({ target: { collection, id: record.id }, record })), 'now');
      });
      flushed += ids.length;
    }
  }
  if (flushed > 0) log.info({ flushed, family: runtime.family.name }, 'published messages a crash had left owed');
  return flushed;
}
