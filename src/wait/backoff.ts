// The one wait policy of the worker and its client: every retry and every poll waits by a policy
// of this file (and sleeps by ../wait/sleep.ts), so the pauses of the whole process are read in
// one place. The users and their policies:
//   - a command waiting out an outage (pipeline/partition-batch.ts), the start-up connecting
//     (main.ts) and the Kafka consumer restarted after a crash (adapters/kafka): DEFAULT_BACKOFF,
//     doubling with jitter so replicas retrying after the same outage do not come back in step;
//   - a round's leases asked again while another holder has them (pipeline/lease.ts): LEASE_WAIT;
//   - the outbox clears after a failed write (pipeline/outbox-clears.ts): OUTBOX_CLEAR_RETRY;
//   - a sweep lane after a failed pass (families/consent-expiry): SWEEP_RETRY;
//   - a topic created a moment ago, polled until its partitions are served (adapters/kafka,
//     client/kafka-transport.ts): TOPIC_READY_POLL, by pollUntil.

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

/** Outages: 100 ms doubling to 10 s, jittered (backoffDelay). */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 10_000 };

/**
 * A lease held by another round is usually given back within milliseconds, so it is asked again
 * soon: 5 ms doubling to 200 ms, unjittered (backoffStep), until lockWaitMs runs out.
 */
export const LEASE_WAIT: BackoffPolicy = { baseMs: 5, capMs: 200 };

/** A failed outbox clear leaves the server alone 5 s (the ledger guards the entries meanwhile). */
export const OUTBOX_CLEAR_RETRY: BackoffPolicy = { baseMs: 5_000, capMs: 5_000 };

/** A failed sweep pass is tried again after 1 s; the safety net covers what a lane missed. */
export const SWEEP_RETRY: BackoffPolicy = { baseMs: 1_000, capMs: 1_000 };

/** A topic's readiness is asked every 100 ms: it takes a broker well under a second. */
export const TOPIC_READY_POLL_MS = 100;

/** The unjittered pause before retry number `attempt` (1 = the first retry): base doubled, capped. */
export function backoffStep(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
}

/** The pause before retry number `attempt` (1 = the first retry): uniform in [step/2, step] of backoffStep. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = backoffStep(attempt, policy);
  // "Equal jitter": never less than half the step, so a retry storm still spreads out but a
  // retry never comes back at once.
  return Math.round(step / 2 + random() * (step / 2));
}
