// At start-up, publishes whatever a crash left owed in any aggregate's outbox, under that
// aggregate's lease, before new commands are consumed.
import type { Logger } from '../logging/logger.ts';
import { lockKeyOf, type PipelineDeps } from './apply-command.ts';
import type { AnyFamilyRuntime } from './family.ts';
import { withLease } from './lease.ts';
import { flushOutbox } from './outbox.ts';

export async function recoverOwedOutboxes(deps: PipelineDeps, runtime: AnyFamilyRuntime, collections: readonly string[], log: Logger): Promise<number> {
  let flushed = 0;
  for (const collection of collections) {
    for (;;) {
      const ids = await deps.store.findOwing(collection, 100);
      if (ids.length === 0) break;
      for (const id of ids) {
        const target = { collection, id };
        await withLease({ locks: deps.locks, ttlMs: deps.lockTtlMs, waitMs: deps.lockWaitMs, log }, lockKeyOf(target), async () => {
          const record = await deps.store.load(collection, id);
          if (record && record.outbox.length > 0) await flushOutbox(deps, runtime, target, record);
        });
        flushed++;
      }
    }
  }
  if (flushed > 0) log.info({ flushed, family: runtime.family.name }, 'published messages a crash had left owed');
  return flushed;
}
