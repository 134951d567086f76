// The --rate limit: sends are spaced so that n sends never start sooner than n / rate seconds
// after the first, whatever the bursts of the results. No limit (Infinity) never waits.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Pacer {
  /** Resolves when the next send may start. */
  next(): Promise<void>;
}

export function pacer(perSecond: number, now: () => number = Date.now): Pacer {
  let started: number | null = null;
  let sent = 0;
  return {
    async next() {
      if (!Number.isFinite(perSecond)) return;
      started ??= now();
      const due = started + (sent * 1_000) / perSecond;
      sent += 1;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
    },
  };
}
