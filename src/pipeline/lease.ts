// Runs work under aggregates' Redis leases, extending them while the work lasts. A lease only
// saves duplicate work: one that cannot be had within lockWaitMs, or is lost midway, does not
// stop the work, because the conditional write on the version is what keeps it correct.
import type { Logger } from '../logging/logger.ts';
import { sleep } from './concurrency.ts';
import type { Lease, LockService } from './ports.ts';

export interface LeaseOptions {
  readonly locks: LockService;
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly log: Logger;
}

async function acquire(options: LeaseOptions, key: string): Promise<Lease | null> {
  const deadline = Date.now() + options.waitMs;
  let pause = 5;
  for (;;) {
    const lease = await options.locks.tryAcquire(key, options.ttlMs);
    if (lease || Date.now() >= deadline) {
      if (!lease) options.log.warn({ lockKey: key }, 'lock not acquired in time; relying on the version check');
      return lease;
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 200);
  }
}

/**
 * Holds the leases of every key (distinct keys) while `work` runs. They are asked for together,
 * so a batch pays one round of Redis round trips, not one per key.
 */
export async function withLeases<T>(options: LeaseOptions, keys: readonly string[], work: () => Promise<T>): Promise<T> {
  const asked = await Promise.allSettled(keys.map((key) => acquire(options, key)));
  const leases = asked.flatMap((a) => (a.status === 'fulfilled' && a.value ? [a.value] : []));
  const refused = asked.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  if (refused) {
    // Redis failed midway: give back what was had rather than leave it to expire.
    await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
    throw refused.reason;
  }
  const timer = leases.length > 0
    ? setInterval(() => {
        for (const lease of leases) {
          lease.extend(options.ttlMs).then(
            (kept) => kept || options.log.warn({ lockKey: lease.key }, 'lock lease lost while working'),
            (error: unknown) => options.log.warn({ lockKey: lease.key, err: error }, 'lock extension failed'),
          );
        }
      }, Math.max(50, Math.floor(options.ttlMs / 3)))
    : null;
  try {
    return await work();
  } finally {
    if (timer) clearInterval(timer);
    await Promise.all(leases.map((lease) => lease.release()
      .catch((error: unknown) => options.log.warn({ lockKey: lease.key, err: error }, 'lock release failed'))));
  }
}
