// Runs work under the aggregate's Redis lease, extending it while the work lasts. The lease
// only saves duplicate work: if it cannot be had within lockWaitMs, or is lost midway, the
// work still runs, because the conditional write on the version is what keeps it correct.
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
    if (lease || Date.now() >= deadline) return lease;
    await sleep(pause);
    pause = Math.min(pause * 2, 200);
  }
}

export async function withLease<T>(options: LeaseOptions, key: string, work: () => Promise<T>): Promise<T> {
  const lease = await acquire(options, key);
  if (!lease) options.log.warn({ lockKey: key }, 'lock not acquired in time; relying on the version check');
  const timer = lease
    ? setInterval(() => {
        lease.extend(options.ttlMs).then(
          (kept) => kept || options.log.warn({ lockKey: key }, 'lock lease lost while working'),
          (error: unknown) => options.log.warn({ lockKey: key, err: error }, 'lock extension failed'),
        );
      }, Math.max(50, Math.floor(options.ttlMs / 3)))
    : null;
  try {
    return await work();
  } finally {
    if (timer) clearInterval(timer);
    if (lease) await lease.release().catch((error: unknown) => options.log.warn({ lockKey: key, err: error }, 'lock release failed'));
  }
}
