// The worker's whole configuration, read once from the environment. Defaults sit beside each
// setting and point at the native stack (scripts/stack), so `npm start` needs no variables there.
import type { SweeperTuning } from '../families/consent-expiry/expiry-sweeper.ts';
import type { OutboxClearOptions } from '../pipeline/outbox-clears.ts';

export interface Config {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly mongodbUri: string;
  readonly mongodbDatabase: string;
  readonly redisUrl: string;
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  readonly redisKeyPrefix: string;
  readonly clientId: string;
  readonly consumerGroup: string;
  readonly topics: {
    readonly consentCommands: string;
    readonly consentResults: string;
    readonly consentEvents: string;
    readonly permissionCommands: string;
    readonly permissionResults: string;
    readonly permissionEvents: string;
  };
  readonly topicPartitions: number;
  readonly partitionsConsumedConcurrently: number;
  /** Conditional writes of one pipeline round (commands of different aggregates) in flight at once. */
  readonly keyConcurrency: number;
  /** Offsets are committed after every this many commands of a batch (and at its end). */
  readonly commitEvery: number;
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  readonly orgDecisionLimit: number;
  readonly orgDecisionWindowMs: number;
  readonly sweep: SweeperTuning & { readonly enabled: boolean };
  readonly outboxClears: OutboxClearOptions;
  /** Pages (of 100) of owing aggregates the start-up recovery looks at per collection, in the background. */
  readonly outboxRecoveryPages: number;
  readonly logLevel: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/**
 * A deferred clear must come well before the published-entries ledger forgets the publish
 * (PUBLISHED_REMEMBERED_MS, 1 h), or a load in between would publish the outbox again.
 */
const MAX_OUTBOX_CLEAR_DELAY_MS = 10 * 60_000;

function outboxClearDelay(env: Env): number {
  const delay = int(env, 'OUTBOX_CLEAR_DELAY_MS', 30_000, 0);
  if (delay > MAX_OUTBOX_CLEAR_DELAY_MS) {
    throw new ConfigError(`OUTBOX_CLEAR_DELAY_MS must be at most ${MAX_OUTBOX_CLEAR_DELAY_MS} (the published-entries ledger keeps an hour), got ${delay}`);
  }
  return delay;
}

export function loadConfig(env: Env = process.env): Config {
  const consentCommands = text(env, 'CONSENT_COMMANDS_TOPIC', 'consent.commands.v1');
  const permissionCommands = text(env, 'PERMISSION_COMMANDS_TOPIC', 'permission.commands.v1');
  return {
    kafkaBrokers: text(env, 'KAFKA_BROKERS', '127.0.0.1:19092').split(',').map((b) => b.trim()).filter(Boolean),
    schemaRegistryUrl: text(env, 'SCHEMA_REGISTRY_URL', 'http://127.0.0.1:18081/apis/ccompat/v7'),
    mongodbUri: text(env, 'MONGODB_URI', 'mongodb://127.0.0.1:27027/'),
    mongodbDatabase: text(env, 'MONGODB_DATABASE', 'consent_worker'),
    redisUrl: text(env, 'REDIS_URL', 'redis://127.0.0.1:16379'),
    redisKeyPrefix: text(env, 'REDIS_KEY_PREFIX', 'cw:'),
    clientId: text(env, 'KAFKA_CLIENT_ID', 'consent-worker'),
    consumerGroup: text(env, 'CONSUMER_GROUP', 'consent-worker'),
    topics: {
      consentCommands,
      consentResults: text(env, 'CONSENT_RESULTS_TOPIC', 'consent.results.v1'),
      consentEvents: text(env, 'CONSENT_EVENTS_TOPIC', 'consent.events.v1'),
      permissionCommands,
      permissionResults: text(env, 'PERMISSION_RESULTS_TOPIC', 'permission.results.v1'),
      permissionEvents: text(env, 'PERMISSION_EVENTS_TOPIC', 'permission.events.v1'),
    },
    topicPartitions: int(env, 'TOPIC_PARTITIONS', 6, 1),
    partitionsConsumedConcurrently: int(env, 'PARTITIONS_CONSUMED_CONCURRENTLY', 3, 1),
    keyConcurrency: int(env, 'KEY_CONCURRENCY', 16, 1),
    commitEvery: int(env, 'COMMIT_EVERY', 256, 1), // a crash redoes (idempotently) at most this many per partition
    lockTtlMs: int(env, 'LOCK_TTL_MS', 10_000, 100), // 10 s lease, extended every third of it
    lockWaitMs: int(env, 'LOCK_WAIT_MS', 5_000, 0), // then go on without it: the version check is the safety
    orgDecisionLimit: int(env, 'ORG_DECISION_LIMIT', 100, 1), // decisions per org per window
    orgDecisionWindowMs: int(env, 'ORG_DECISION_WINDOW_MS', 60_000, 1),
    sweep: {
      enabled: bool(env, 'SWEEP_ENABLED', true),
      batchSize: int(env, 'SWEEP_BATCH_SIZE', 200, 1), // consents per claim, applied as one pipeline batch
      concurrency: int(env, 'SWEEP_CONCURRENCY', 2, 1), // batches in flight at once (sweep lanes)
      claimLeaseMs: int(env, 'SWEEP_CLAIM_LEASE_MS', 30_000, 100),
      maxIdleMs: int(env, 'SWEEP_MAX_IDLE_MS', 250, 10), // longest sleep between schedule looks; bounds the lag of an expiry written sooner than the one slept on
      safetyNetIntervalMs: int(env, 'SWEEP_SAFETY_NET_INTERVAL_MS', 15_000, 100),
      safetyNetLookaheadMs: int(env, 'SWEEP_SAFETY_NET_LOOKAHEAD_MS', 60_000, 0),
      parkAfter: int(env, 'SWEEP_PARK_AFTER', 3, 1), // non-retryable expiry failures in a row before a consent is parked
    },
    outboxClears: {
      delayMs: outboxClearDelay(env), // past a burst of expiries; 0 clears right after the publish
      maxPending: int(env, 'OUTBOX_CLEAR_MAX_PENDING', 20_000, 0), // bounds the start-up recovery after a crash
      batchSize: int(env, 'OUTBOX_CLEAR_BATCH_SIZE', 200, 1),
    },
    outboxRecoveryPages: int(env, 'OUTBOX_RECOVERY_PAGES', 10, 0), // bounded: never waits for a busy peer
    logLevel: text(env, 'LOG_LEVEL', 'info'),
  };
}
