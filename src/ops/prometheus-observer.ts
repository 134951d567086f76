// PipelineObserver as Prometheus series (prom-client), plus Node's default process metrics. One
// registry per worker process (not prom-client's global one), so tests can run several workers in
// one process and each /metrics shows its own.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PipelineObserver } from '../pipeline/observer.ts';

const PREFIX = 'consent_worker_';

/** Seconds: commands take milliseconds when all is well and seconds while a server recovers. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds past expiry: the target is under 1 s; a backlog after an outage takes minutes. */
/** Commands per round: one when traffic is thin; up to a chunk's distinct keys or a sweep claim (200). */
const ROUND_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const EXPIRY_LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

export interface PrometheusObserver extends PipelineObserver {
  readonly registry: Registry;
}

export function createPrometheusObserver(): PrometheusObserver {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const commands = new Counter({ name: `${PREFIX}commands_total`, help: 'Commands answered, by family, commandType and contract status code', labelNames: ['family', 'command_type', 'status_code'], registers });
  const latency = new Histogram({ name: `${PREFIX}command_duration_seconds`, help: 'Time from taking a command to its result, by family and commandType', labelNames: ['family', 'command_type'], buckets: LATENCY_BUCKETS, registers });
  const roundSize = new Histogram({ name: `${PREFIX}round_commands`, help: 'Commands applied together in one pipeline round, by family and origin (consumed or sweep)', labelNames: ['family', 'origin'], buckets: ROUND_SIZE_BUCKETS, registers });
  const conflicts = new Counter({ name: `${PREFIX}version_conflicts_total`, help: 'Conditional writes that lost to a newer version (decided again)', labelNames: ['family'], registers });
  const lockWaits = new Counter({ name: `${PREFIX}lock_waits_total`, help: 'Lease waits by outcome (acquired, or timeout: the work ran without the lease)', labelNames: ['outcome'], registers });
  const lockWaitSeconds = new Histogram({ name: `${PREFIX}lock_wait_seconds`, help: 'How long a lease wait took', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers });
  const retries = new Counter({ name: `${PREFIX}retries_total`, help: 'Retries of work that failed for a retryable reason', labelNames: ['reason'], registers });
  const deadLettered = new Counter({ name: `${PREFIX}dlq_messages_total`, help: 'Messages sent to a DLQ, by source topic and dlq.reason', labelNames: ['topic', 'reason'], registers });
  const parked = new Counter({ name: `${PREFIX}parked_total`, help: 'Records or aggregates set aside after repeated failures', labelNames: ['kind', 'reason'], registers });
  const lag = new Gauge({ name: `${PREFIX}consumer_lag`, help: 'Messages behind the high watermark, per partition, when its last batch was fetched', labelNames: ['topic', 'partition'], registers });
  const owed = new Gauge({ name: `${PREFIX}outbox_owed`, help: 'Outbox entries written and not yet published', registers });
  const clearsPending = new Gauge({ name: `${PREFIX}outbox_clears_pending`, help: 'Deferred outbox clears waiting', registers });
  const due = new Gauge({ name: `${PREFIX}expiry_due`, help: 'Consents due now in the expiry schedule', registers });
  const expired = new Counter({ name: `${PREFIX}expired_total`, help: 'Consents expired by the sweep', registers });
  const session = new Gauge({ name: `${PREFIX}consumer_session_timeout_seconds`, help: 'The consumer group session in use: how long a killed replica\'s partitions wait before they move', registers });
  const expiryLag = new Histogram({ name: `${PREFIX}expiry_lag_seconds`, help: 'Time from a consent\'s expiry to its ConsentExpired being written', buckets: EXPIRY_LAG_BUCKETS, registers });

  return {
    registry,
    commandAnswered(family, commandType, statusCode, seconds) {
      commands.inc({ family, command_type: commandType, status_code: statusCode });
      latency.observe({ family, command_type: commandType }, seconds);
    },
    roundApplied: (family, origin, count) => roundSize.observe({ family, origin }, count),
    versionConflict: (family) => conflicts.inc({ family }),
    lockWait(outcome, seconds) {
      lockWaits.inc({ outcome });
      lockWaitSeconds.observe({ outcome }, seconds);
    },
    retry: (reason) => retries.inc({ reason }),
    deadLettered: (topic, reason) => deadLettered.inc({ topic, reason }),
    parked: (kind, reason) => parked.inc({ kind, reason }),
    consumerLag: (topic, partition, value) => lag.set({ topic, partition: String(partition) }, value),
    outboxOwed: (count) => owed.set(count),
    outboxClearsPending: (count) => clearsPending.set(count),
    expiryDue: (count) => due.set(count),
    expired(lagSeconds) {
      expired.inc();
      expiryLag.observe(lagSeconds);
    },
    groupSession: (seconds) => session.set(seconds),
  };
}
