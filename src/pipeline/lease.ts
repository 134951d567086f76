// A round's Redis leases. A lease only saves duplicate work: one that cannot be had within
// lockWaitMs, or is lost midway, does not stop the work, because the conditional write on the
// version is what keeps it correct. A round's keys are asked for in one round trip (and again,
// those refused, after a pause), extended by one timer and one round trip for all of them, and
// given back in one round trip.
import type { Logger } from '../logging/logger.ts';
import { backoffStep, LEASE_WAIT } from './backoff.ts';
import { sleep } from './concurrency.ts';
import type { PipelineObserver } from './observer.ts';
import type { Lease, LockService } from './ports.ts';

export interface LeaseDeps {
  readonly locks: LockService;
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  readonly observer: PipelineObserver;
  readonly logger: Logger;
}

/** Leases held for a round; `release` gives them back (once, however often it is called). */
export interface HeldLeases {
  readonly leases: readonly Lease[];
  release(): Promise<void>;
}

/** Asks for every key's lease; waits for those another holder has, at most lockWaitMs. */
async function acquireAll(deps: LeaseDeps, keys: readonly string[]): Promise<Lease[]> {
  const started = Date.now();
  const held: Lease[] = [];
  let waiting = keys;
  try {
    for (let attempt = 1; ; attempt++) {
      const answers = await deps.locks.tryAcquireMany(waiting, deps.lockTtlMs);
      const refused: string[] = [];
      answers.forEach((lease, i) => { if (lease) held.push(lease); else refused.push(waiting[i] as string); });
      const seconds = (Date.now() - started) / 1_000;
      for (let i = 0; i < waiting.length - refused.length; i++) deps.observer.lockWait('acquired', seconds);
      if (refused.length === 0) return held;
      if (Date.now() - started >= deps.lockWaitMs) {
        for (let i = 0; i < refused.length; i++) deps.observer.lockWait('timeout', seconds);
        deps.logger.warn({ lockKeys: refused.slice(0, 10), refused: refused.length }, 'locks not acquired in time; relying on the version check');
        return held;
      }
      waiting = refused;
      await sleep(backoffStep(attempt, LEASE_WAIT));
    }
  } catch (error) {
    // Redis failed midway: give back what was had rather than leave it to expire.
    await deps.locks.releaseMany(held).catch(() => undefined);
    throw error;
  }
}

export async function leaseRound(deps: LeaseDeps, keys: readonly string[]): Promise<HeldLeases> {
  const leases = await acquireAll(deps, keys);
  const timer = leases.length > 0
    ? setInterval(() => {
        deps.locks.extendMany(leases, deps.lockTtlMs).then(
          (kept) => { if (kept.includes(false)) deps.logger.warn({ lost: kept.filter((k) => !k).length }, 'lock leases lost while working'); },
          (error: unknown) => deps.logger.warn({ err: error }, 'lock extension failed'),
        );
      }, Math.max(50, Math.floor(deps.lockTtlMs / 3)))
    : null;
  let released: Promise<void> | null = null;
  return {
    leases,
    release() {
      released ??= (async () => {
        if (timer) clearInterval(timer);
        await deps.locks.releaseMany(leases).catch((error: unknown) => deps.logger.warn({ err: error }, 'lock release failed; the leases expire'));
      })();
      return released;
    },
  };
}
