// The worker's whole configuration, read once from the environment and validated by one zod
// schema before anything connects. Defaults sit beside each variable and point at the native
// stack (scripts/stack), so `npm start` needs no variables there. Every bad variable is reported
// at once (ConfigError.issues), each naming the variable, so an operator fixes them in one go.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { z } from 'zod';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSecurity {
  /** TLS to the brokers; `true` trusts the system's CAs, an object names a CA file's contents. */
  readonly ssl: boolean | { readonly ca: string };
  readonly sasl: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string } | null;
}

// The sweep and outbox-clear knobs are spelled out here rather than imported: the configuration
// sits below the families and the pipeline (docs/architecture.md), and their own option types
// (SweeperTuning, OutboxClearOptions) are checked against these where src/worker.ts passes them on.
export interface SweepConfig {
  readonly enabled: boolean;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly claimLeaseMs: number;
  readonly maxIdleMs: number;
  readonly safetyNetIntervalMs: number;
  readonly safetyNetLookaheadMs: number;
  readonly parkAfter: number;
}

export interface OutboxClearConfig {
  readonly delayMs: number;
  readonly maxPending: number;
  readonly batchSize: number;
}

export interface Config {
  readonly kafkaBrokers: readonly string[];
  readonly kafkaSecurity: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  /** Basic auth for the registry, when it asks for one. */
  readonly schemaRegistryAuth: { readonly username: string; readonly password: string } | null;
  /** Credentials and TLS travel in the URI (mongodb://user:pass@host/?tls=true&tlsCAFile=…). */
  readonly mongodbUri: string;
  readonly mongodbDatabase: string;
  /** redis:// or rediss:// (TLS); AUTH as redis://user:password@host. */
  readonly redisUrl: string;
  /** TLS to Redis (forced on by REDIS_TLS or a rediss:// URL), with a CA file's contents when given. */
  readonly redisTls: boolean | { readonly ca: string };
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
  readonly sweep: SweepConfig;
  readonly outboxClears: OutboxClearConfig;
  /** Pages (of 100) of owing aggregates the start-up recovery looks at per collection, in the background. */
  readonly outboxRecoveryPages: number;
  /** The broker's max.message.bytes: records are measured against it before they are produced. */
  readonly kafkaMaxMessageBytes: number;
  /** How long stored results (command_results) are kept to recognise a redelivered command. */
  readonly resultRetentionMs: number;
  /** Where the server has no TTL index (FerretDB), the worker purges expired results this often. */
  readonly resultPurgeIntervalMs: number;
  readonly logLevel: string;
  /** The HTTP ops listener (/healthz, /readyz, /metrics). Port 0 takes any free port. */
  readonly ops: { readonly host: string; readonly port: number };
  /** How long a stop may take before the process gives up on the rest and exits non-zero. */
  readonly shutdownTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.variable}: ${i.message}`).join('; '));
    this.issues = issues;
  }
}

// ---- value types ------------------------------------------------------------------------------
const text = z.string().min(1);
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.string()
  .regex(/^\d[\d_]*$/, `must be an integer >= ${min}`)
  .transform((raw) => Number(raw.replaceAll('_', '')))
  .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const flag = z.enum(['true', 'false', '1', '0'], 'must be true or false').transform((raw) => raw === 'true' || raw === '1');
const urlOf = (schemes: readonly string[]) => z.string().refine((raw) => {
  try {
    return schemes.includes(new URL(raw).protocol.slice(0, -1));
  } catch {
    return false;
  }
}, `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`);
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const brokerList = z.string().transform((raw, ctx) => {
  const brokers = raw.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = brokers.filter((b) => { const m = HOST_PORT.exec(b); return !m || Number(m[2]) < 1 || Number(m[2]) > 65_535; });
  if (brokers.length === 0 || bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of host:port${bad.length ? `, got ${bad.map((b) => JSON.stringify(b)).join(', ')}` : ''}` });
    return z.NEVER;
  }
  return brokers;
});
const LOG_LEVELS = Object.keys(pino.levels.values).concat('silent') as [string, ...string[]];
const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * A deferred clear must come well before the published-entries ledger forgets the publish
 * (PUBLISHED_REMEMBERED_MS, 1 h), or a load in between would publish the outbox again.
 */
const MAX_OUTBOX_CLEAR_DELAY_MS = 10 * 60_000;

// ---- the schema: every variable, its rule and its default --------------------------------------
export const ENV_SCHEMA = z.object({
  KAFKA_BROKERS: brokerList.default(['127.0.0.1:19092']),
  KAFKA_CLIENT_ID: text.default('consent-worker'),
  KAFKA_SSL: flag.default(false),
  KAFKA_SSL_CA_FILE: text.optional(), // PEM; implies KAFKA_SSL
  KAFKA_SASL_MECHANISM: z.enum(SASL_MECHANISMS, `must be one of ${SASL_MECHANISMS.join(', ')}`).optional(),
  KAFKA_SASL_USERNAME: text.optional(),
  KAFKA_SASL_PASSWORD: text.optional(),
  SCHEMA_REGISTRY_URL: urlOf(['http', 'https']).default('http://127.0.0.1:18081/apis/ccompat/v7'),
  SCHEMA_REGISTRY_USERNAME: text.optional(),
  SCHEMA_REGISTRY_PASSWORD: text.optional(),
  MONGODB_URI: urlOf(['mongodb', 'mongodb+srv']).default('mongodb://127.0.0.1:27027/'),
  MONGODB_DATABASE: z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'must be a MongoDB database name (no /\\. "$*<>:|?)').default('consent_worker'),
  REDIS_URL: urlOf(['redis', 'rediss']).default('redis://127.0.0.1:16379'),
  REDIS_TLS: flag.default(false),
  REDIS_TLS_CA_FILE: text.optional(), // PEM; implies REDIS_TLS
  REDIS_KEY_PREFIX: text.default('cw:'),
  CONSUMER_GROUP: text.default('consent-worker'),
  CONSENT_COMMANDS_TOPIC: text.default('consent.commands.v1'),
  CONSENT_RESULTS_TOPIC: text.default('consent.results.v1'),
  CONSENT_EVENTS_TOPIC: text.default('consent.events.v1'),
  PERMISSION_COMMANDS_TOPIC: text.default('permission.commands.v1'),
  PERMISSION_RESULTS_TOPIC: text.default('permission.results.v1'),
  PERMISSION_EVENTS_TOPIC: text.default('permission.events.v1'),
  TOPIC_PARTITIONS: integer(1).default(6), // when the worker creates its topics
  PARTITIONS_CONSUMED_CONCURRENTLY: integer(1).default(3),
  KEY_CONCURRENCY: integer(1).default(16),
  COMMIT_EVERY: integer(1).default(256), // a crash redoes (idempotently) at most this many per partition
  LOCK_TTL_MS: integer(100).default(10_000), // 10 s lease, extended every third of it
  LOCK_WAIT_MS: integer(0).default(5_000), // 5 s, then go on without it: the version check is the safety
  ORG_DECISION_LIMIT: integer(1).default(100), // decisions per org per window
  ORG_DECISION_WINDOW_MS: integer(1).default(60_000), // 1 min
  SWEEP_ENABLED: flag.default(true),
  SWEEP_BATCH_SIZE: integer(1).default(200), // consents per claim, applied as one pipeline batch
  SWEEP_CONCURRENCY: integer(1).default(2), // batches in flight at once (sweep lanes)
  SWEEP_CLAIM_LEASE_MS: integer(100).default(30_000), // 30 s, then a dead sweeper's claims come back
  SWEEP_MAX_IDLE_MS: integer(10).default(250), // longest sleep between schedule looks; bounds the lag of an expiry written sooner than the one slept on
  SWEEP_SAFETY_NET_INTERVAL_MS: integer(100).default(15_000), // 15 s
  SWEEP_SAFETY_NET_LOOKAHEAD_MS: integer(0).default(60_000), // 1 min
  SWEEP_PARK_AFTER: integer(1).default(3), // non-retryable expiry failures in a row before a consent is parked
  OUTBOX_CLEAR_DELAY_MS: integer(0, MAX_OUTBOX_CLEAR_DELAY_MS).default(30_000), // 30 s, past a burst of expiries; 0 clears right after the publish
  OUTBOX_CLEAR_MAX_PENDING: integer(0).default(20_000), // bounds the start-up recovery after a crash
  OUTBOX_CLEAR_BATCH_SIZE: integer(1).default(200),
  OUTBOX_RECOVERY_PAGES: integer(0).default(10), // pages of 100 of the owing index at start-up; bounded, never waits for a busy peer
  KAFKA_MAX_MESSAGE_BYTES: integer(64 * 1024).default(1_048_588), // Kafka's default max.message.bytes (1 MiB + 12)
  RESULT_RETENTION_MS: integer(60_000).default(7 * 24 * 3_600_000), // 7 days; a redelivery later than this is applied as new
  RESULT_PURGE_INTERVAL_MS: integer(1_000).default(60_000), // 1 min; only where the server has no TTL index
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of pino's levels: ${LOG_LEVELS.join(', ')}`).default('info'),
  OPS_HOST: text.default('0.0.0.0'), // every interface, so an orchestrator's probes and Prometheus reach it
  OPS_PORT: integer(0, 65_535).default(9_464), // Prometheus exporters' customary port; 0 = any free port
  SHUTDOWN_TIMEOUT_MS: integer(100).default(25_000), // 25 s, inside Kubernetes' default 30 s grace period
});

export type EnvVariable = keyof typeof ENV_SCHEMA.shape;
export const ENV_VARIABLES = Object.keys(ENV_SCHEMA.shape) as EnvVariable[];

/** Rules between variables, which no single variable's schema can see. */
function crossChecks(raw: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const sasl = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const;
  if (raw['KAFKA_SASL_MECHANISM'] !== undefined || sasl.some((v) => raw[v] !== undefined)) {
    if (raw['KAFKA_SASL_MECHANISM'] === undefined) issues.push({ variable: 'KAFKA_SASL_MECHANISM', message: 'is required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set' });
    for (const v of sasl) if (raw[v] === undefined) issues.push({ variable: v, message: 'is required when KAFKA_SASL_MECHANISM is set' });
  }
  const registry = ['SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD'] as const;
  if (registry.some((v) => raw[v] !== undefined)) {
    for (const v of registry) if (raw[v] === undefined) issues.push({ variable: v, message: 'is required when the other of SCHEMA_REGISTRY_USERNAME/PASSWORD is set' });
  }
  if ((raw['REDIS_TLS'] === 'false' || raw['REDIS_TLS'] === '0') && raw['REDIS_URL']?.startsWith('rediss:')) {
    issues.push({ variable: 'REDIS_TLS', message: 'is false but REDIS_URL is rediss:// (TLS)' });
  }
  return issues;
}

/** Each value trimmed, an empty one treated as unset (so `FOO=` means "the default"). */
function rawValues(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(ENV_VARIABLES.map((name) => [name, env[name]?.trim() || undefined]));
}

/** `readFile` is passed in so that tests and callers decide how CA files are read. */
export function loadConfig(env: Env = process.env, readFile: (path: string) => string = defaultReadFile): Config {
  const raw = rawValues(env);
  const parsed = ENV_SCHEMA.safeParse(raw);
  // Every rule is checked whatever the others found, so all the issues are reported in one go.
  const issues: ConfigIssue[] = parsed.success ? [] : parsed.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(environment)'),
    message: issue.message,
  }));
  issues.push(...crossChecks(raw));
  const caOf = (variable: EnvVariable): { ca: string } | null => {
    const path = raw[variable];
    if (!path) return null;
    try {
      return { ca: readFile(path) };
    } catch (error) {
      issues.push({ variable, message: `cannot be read: ${(error as Error).message}` });
      return null;
    }
  };
  const kafkaCa = caOf('KAFKA_SSL_CA_FILE');
  const redisCa = caOf('REDIS_TLS_CA_FILE');
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const e = parsed.data;

  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaSecurity: {
      ssl: kafkaCa ?? e.KAFKA_SSL,
      sasl: e.KAFKA_SASL_MECHANISM && e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD
        ? { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password: e.KAFKA_SASL_PASSWORD }
        : null,
    },
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    schemaRegistryAuth: e.SCHEMA_REGISTRY_USERNAME && e.SCHEMA_REGISTRY_PASSWORD
      ? { username: e.SCHEMA_REGISTRY_USERNAME, password: e.SCHEMA_REGISTRY_PASSWORD }
      : null,
    mongodbUri: e.MONGODB_URI,
    mongodbDatabase: e.MONGODB_DATABASE,
    redisUrl: e.REDIS_URL,
    redisTls: redisCa ?? (e.REDIS_TLS || e.REDIS_URL.startsWith('rediss:')),
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    clientId: e.KAFKA_CLIENT_ID,
    consumerGroup: e.CONSUMER_GROUP,
    topics: {
      consentCommands: e.CONSENT_COMMANDS_TOPIC,
      consentResults: e.CONSENT_RESULTS_TOPIC,
      consentEvents: e.CONSENT_EVENTS_TOPIC,
      permissionCommands: e.PERMISSION_COMMANDS_TOPIC,
      permissionResults: e.PERMISSION_RESULTS_TOPIC,
      permissionEvents: e.PERMISSION_EVENTS_TOPIC,
    },
    topicPartitions: e.TOPIC_PARTITIONS,
    partitionsConsumedConcurrently: e.PARTITIONS_CONSUMED_CONCURRENTLY,
    keyConcurrency: e.KEY_CONCURRENCY,
    commitEvery: e.COMMIT_EVERY,
    lockTtlMs: e.LOCK_TTL_MS,
    lockWaitMs: e.LOCK_WAIT_MS,
    orgDecisionLimit: e.ORG_DECISION_LIMIT,
    orgDecisionWindowMs: e.ORG_DECISION_WINDOW_MS,
    sweep: {
      enabled: e.SWEEP_ENABLED,
      batchSize: e.SWEEP_BATCH_SIZE,
      concurrency: e.SWEEP_CONCURRENCY,
      claimLeaseMs: e.SWEEP_CLAIM_LEASE_MS,
      maxIdleMs: e.SWEEP_MAX_IDLE_MS,
      safetyNetIntervalMs: e.SWEEP_SAFETY_NET_INTERVAL_MS,
      safetyNetLookaheadMs: e.SWEEP_SAFETY_NET_LOOKAHEAD_MS,
      parkAfter: e.SWEEP_PARK_AFTER,
    },
    outboxClears: {
      delayMs: e.OUTBOX_CLEAR_DELAY_MS,
      maxPending: e.OUTBOX_CLEAR_MAX_PENDING,
      batchSize: e.OUTBOX_CLEAR_BATCH_SIZE,
    },
    outboxRecoveryPages: e.OUTBOX_RECOVERY_PAGES,
    kafkaMaxMessageBytes: e.KAFKA_MAX_MESSAGE_BYTES,
    resultRetentionMs: e.RESULT_RETENTION_MS,
    resultPurgeIntervalMs: e.RESULT_PURGE_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
    ops: { host: e.OPS_HOST, port: e.OPS_PORT },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

function defaultReadFile(path: string): string {
  return readFileSync(path, 'utf8');
}
