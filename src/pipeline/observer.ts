// What the worker reports about its own work, as events; the ops module (src/ops) turns them into
// Prometheus series. The pipeline, the sweeper and the adapters call an observer, never
// prom-client, so they stay free of any metrics library and tests can pass NO_OBSERVER.
// Every method must be cheap and never throw: they sit on the hot path.

export type LockOutcome = 'acquired' | 'timeout';

export interface PipelineObserver {
  /** A command got its result: family ('consent' | 'permission'), commandType, contract status code. */
  commandAnswered(family: string, commandType: string, statusCode: string, seconds: number): void;
  /** A round began: how many commands (on distinct aggregates) it applies together, consumed or swept. */
  roundApplied(family: string, origin: 'consumed' | 'sweep', commands: number): void;
  /** A conditional write lost to a newer version (the pipeline decides again). */
  versionConflict(family: string): void;
  /** How long a lease wait took, and whether the lease was had or the wait timed out. */
  lockWait(outcome: LockOutcome, seconds: number): void;
  /** A retry of work that failed for a retryable reason (e.g. 'mongodb', 'redis', 'kafka', 'schema-registry'). */
  retry(reason: string): void;
  /** A message sent to `<topic>.dlq` with its dlq.reason. */
  deadLettered(topic: string, reason: string): void;
  /** A record or aggregate set aside after repeated failures (e.g. 'consent-expiry', 'command'). */
  parked(kind: string, reason: string): void;
  /** Consumer lag of one partition, as seen when a batch of it was fetched (high watermark − next offset). */
  consumerLag(topic: string, partition: number, lag: number): void;
  /** Outbox entries written and not yet published, and deferred clears waiting. */
  outboxOwed(count: number): void;
  outboxClearsPending(count: number): void;
  /** Expiry: consents due now in the schedule; one consent expired, with its lag past its expiry. */
  expiryDue(count: number): void;
  expired(lagSeconds: number): void;
  /** The consumer group session in use (the configured one, or the broker's floor it fell back to). */
  groupSession(seconds: number): void;
}

const noop = (): void => undefined;

export const NO_OBSERVER: PipelineObserver = {
  commandAnswered: noop,
  roundApplied: noop,
  versionConflict: noop,
  lockWait: noop,
  retry: noop,
  deadLettered: noop,
  parked: noop,
  consumerLag: noop,
  outboxOwed: noop,
  outboxClearsPending: noop,
  expiryDue: noop,
  expired: noop,
  groupSession: noop,
};
