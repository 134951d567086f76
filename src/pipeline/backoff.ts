// The one backoff of the worker: every retry loop (a command waiting out an outage, the start-up
// connecting, the sweep, the outbox clears) waits by this, so they all back off alike: doubling
// from `baseMs` up to `capMs`, with full jitter so that replicas retrying after the same outage do
// not come back in step.

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 10_000 };

/** The pause before retry number `attempt` (1 = the first retry): uniform in [cap/2, cap] of the doubled step. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  // "Equal jitter": never less than half the step, so a retry storm still spreads out but a
  // retry never comes back at once.
  return Math.round(step / 2 + random() * (step / 2));
}
