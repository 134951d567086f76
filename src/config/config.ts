// The configuration of both processes (the worker and the read API), read once from the
// environment and validated by one zod schema before anything connects. Defaults sit beside each
// variable and point at the native stack (scripts/stack), so `npm start` needs no variables there.
// Every bad variable is reported at once (ConfigError.issues), each naming the variable, so an
// operator fixes them in one go.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { z } from 'zod';
import { DEFAULT_TOPIC_NAMES, type TopicNames } from '../catalogue/topics.ts';

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
  /** Conditional writes of one sweep round in flight at once (the consumer's rounds use KEY_CONCURRENCY). */
  readonly writesInFlight: number;
  readonly claimLeaseMs: number;
  readonly maxIdleMs: number;
  readonly safetyNetIntervalMs: number;
  readonly safetyNetLookaheadMs: number;
  readonly parkAfter: number;
}

/**
 * TLS on one of the process's own HTTP listeners (the ops listener, the read API): the PEM
 * contents of its certificate (chain) and key, and of the CA whose client certificates it
 * requires (mutual TLS), or null to accept any client.
 */
export interface ListenerTls {
  readonly cert: string;
  readonly key: string;
  readonly clientCa: string | null;
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
  /** The CA (PEM contents) that signed an https registry's certificate, when not a system CA. */
  readonly schemaRegistryTls: { readonly ca: string } | null;
  /**
   * Credentials and TLS travel in the URI (mongodb://user@host/?tls=true&tlsCAFile=…); a password
   * from MONGODB_PASSWORD_FILE is put into it here, so every client of the process has it.
   */
  readonly mongodbUri: string;
  readonly mongodbDatabase: string;
  /** redis:// or rediss:// (TLS); AUTH as redis://user:password@host. */
  readonly redisUrl: string;
  /** TLS to Redis (forced on by REDIS_TLS or a rediss:// URL), with a CA file's contents when given. */
  readonly redisTls: boolean | { readonly ca: string };
  /** AUTH password from REDIS_PASSWORD_FILE (the user stays in the URL), so no password sits in the URL. */
  readonly redisPassword: string | null;
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  readonly redisKeyPrefix: string;
  /** REDIS_URL names one node of a Redis Cluster (docs/redis-cluster.md); false: one Redis. */
  readonly redisCluster: boolean;
  readonly clientId: string;
  readonly consumerGroup: string;
  readonly topics: TopicNames;
  readonly topicPartitions: number;
  readonly partitionsConsumedConcurrently: number;
  /** Conditional writes of one pipeline round (commands of different aggregates) in flight at once. */
  readonly keyConcurrency: number;
  /** Offsets are committed after every this many commands of a batch (and at its end). */
  readonly commitEvery: number;
  readonly commitIntervalMs: number;
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  readonly orgDecisionLimit: number;
  readonly orgDecisionWindowMs: number;
  readonly sweep: SweepConfig;
  readonly outboxClears: OutboxClearConfig;
  /** Pages (of 100) of owing aggregates the start-up recovery takes in one burst before pausing as long as it took; 0 skips it. */
  readonly outboxRecoveryPages: number;
  /** The broker's max.message.bytes: records are measured against it before they are produced. */
  readonly kafkaMaxMessageBytes: number;
  /** How long a replica that stopped heartbeating (killed) keeps its partitions, and how often the live ones heartbeat. */
  readonly kafkaGroupTimeouts: { readonly sessionTimeoutMs: number; readonly heartbeatIntervalMs: number };
  /** How long stored results (command_results) are kept to recognise a redelivered command. */
  readonly resultRetentionMs: number;
  /** Where the server has no TTL index (FerretDB), the worker purges expired results this often. */
  readonly resultPurgeIntervalMs: number;
  readonly logLevel: string;
  /** The HTTP ops listener (/healthz, /readyz, /metrics). Port 0 takes any free port. */
  readonly ops: { readonly host: string; readonly port: number; readonly tls: ListenerTls | null };
  /** How long a stop may take before the process gives up on the rest and exits non-zero. */
  readonly shutdownTimeoutMs: number;
  /**
   * The read API's settings when this process serves it (`npm run api`, or READ_API_ENABLED=true
   * beside the worker), else null: its required secrets are required only then.
   */
  readonly readApi: ApiConfig | null;
}

export interface LoadOptions {
  /** The process serves the read API whatever READ_API_ENABLED says (`npm run api`). */
  readonly readApi?: boolean;
}

/** Exactly one way to verify tokens: a JWKS URL (production), a PEM public key or a shared secret (development). */
export type JwtKeySource =
  | { readonly kind: 'jwks'; readonly url: string }
  | { readonly kind: 'publicKey'; readonly pem: string; readonly algorithm: string }
  | { readonly kind: 'secret'; readonly secret: string };

export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  /** HTTPS (and mutual TLS with a client CA) on the read API's listener; null: plain HTTP. */
  readonly tls: ListenerTls | null;
  readonly jwt: {
    readonly key: JwtKeySource;
    readonly issuer: string | null;
    readonly audience: string | null;
  };
  /** Signs page tokens (HMAC-SHA256); every replica needs the same one. */
  readonly pageTokenSecret: string;
  readonly pageLimitDefault: number;
  readonly pageLimitMax: number;
  /** Requests per caller (per org on org routes) per fixed window, counted in Redis. */
  readonly rateLimit: number;
  readonly rateWindowMs: number;
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

/** HS256 wants a key at least as long as its 256-bit output. */
const MIN_SECRET_LENGTH = 32;

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
const secret = z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`);
const JWS_ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$/;
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
  KAFKA_SASL_PASSWORD_FILE: text.optional(), // instead of KAFKA_SASL_PASSWORD: a mounted secret, never in the environment
  SCHEMA_REGISTRY_URL: urlOf(['http', 'https']).default('http://127.0.0.1:18081/apis/ccompat/v7'),
  SCHEMA_REGISTRY_USERNAME: text.optional(),
  SCHEMA_REGISTRY_PASSWORD: text.optional(),
  SCHEMA_REGISTRY_PASSWORD_FILE: text.optional(), // instead of SCHEMA_REGISTRY_PASSWORD
  SCHEMA_REGISTRY_CA_FILE: text.optional(), // PEM, for an https registry signed by a private CA
  MONGODB_URI: urlOf(['mongodb', 'mongodb+srv']).default('mongodb://127.0.0.1:27027/'),
  MONGODB_PASSWORD_FILE: text.optional(), // the URI's user's password, instead of one in MONGODB_URI
  MONGODB_DATABASE: z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'must be a MongoDB database name (no /\\. "$*<>:|?)').default('consent_worker'),
  REDIS_URL: urlOf(['redis', 'rediss']).default('redis://127.0.0.1:16379'),
  REDIS_TLS: flag.default(false),
  REDIS_TLS_CA_FILE: text.optional(), // PEM; implies REDIS_TLS
  REDIS_PASSWORD_FILE: text.optional(), // AUTH password (user in REDIS_URL), instead of one in the URL
  REDIS_KEY_PREFIX: text.default('cw:'),
  REDIS_CLUSTER: flag.default(false), // REDIS_URL is then any one node of the cluster
  CONSUMER_GROUP: text.default('consent-worker'),
  CONSENT_COMMANDS_TOPIC: text.default(DEFAULT_TOPIC_NAMES.consentCommands),
  CONSENT_RESULTS_TOPIC: text.default(DEFAULT_TOPIC_NAMES.consentResults),
  CONSENT_EVENTS_TOPIC: text.default(DEFAULT_TOPIC_NAMES.consentEvents),
  SERVICE_POLICY_EVENTS_TOPIC: text.default(DEFAULT_TOPIC_NAMES.servicePolicyEvents),
  PERMISSION_COMMANDS_TOPIC: text.default(DEFAULT_TOPIC_NAMES.permissionCommands),
  PERMISSION_RESULTS_TOPIC: text.default(DEFAULT_TOPIC_NAMES.permissionResults),
  PERMISSION_EVENTS_TOPIC: text.default(DEFAULT_TOPIC_NAMES.permissionEvents),
  TOPIC_PARTITIONS: integer(1).default(6), // when the worker creates its topics
  PARTITIONS_CONSUMED_CONCURRENTLY: integer(1).default(3),
  KEY_CONCURRENCY: integer(1).default(16),
  COMMIT_EVERY: integer(1).default(256), // a crash redoes (idempotently) at most this many per partition
  // Finished offsets wait at most this long for their commit: at a low rate one OffsetCommit a
  // second instead of one a command. A crash redoes (idempotently) at most this long's commands.
  COMMIT_INTERVAL_MS: integer(0).default(1_000), // 1 s; 0 commits every chunk at once
  // 2 s lease, extended every third of it. Under the 3 s group session on purpose: a killed
  // replica's leases are gone by the time the group hands its partitions over, so the new owner
  // does not wait LOCK_WAIT_MS on them (a lease only saves duplicate work; the version check is the safety).
  LOCK_TTL_MS: integer(100).default(2_000),
  LOCK_WAIT_MS: integer(0).default(5_000), // 5 s, then go on without it: the version check is the safety
  ORG_DECISION_LIMIT: integer(1).default(100), // decisions per org per window
  ORG_DECISION_WINDOW_MS: integer(1).default(60_000), // 1 min
  SWEEP_ENABLED: flag.default(true),
  SWEEP_BATCH_SIZE: integer(1).default(200), // consents per claim, applied as one pipeline batch
  SWEEP_CONCURRENCY: integer(1).default(2), // batches in flight at once (sweep lanes)
  SWEEP_WRITES_IN_FLIGHT: integer(1).default(4), // conditional writes of one sweep round in flight at once; the store takes one at a time, and past ~8 in all (2 lanes × 4) FerretDB did fewer, dearer replaces (docs/expiry.md)
  SWEEP_CLAIM_LEASE_MS: integer(100).default(30_000), // 30 s, then a dead sweeper's claims come back
  SWEEP_MAX_IDLE_MS: integer(10).default(250), // longest sleep between schedule looks; bounds the lag of an expiry written sooner than the one slept on
  SWEEP_SAFETY_NET_INTERVAL_MS: integer(100).default(15_000), // 15 s
  SWEEP_SAFETY_NET_LOOKAHEAD_MS: integer(0).default(60_000), // 1 min
  SWEEP_PARK_AFTER: integer(1).default(3), // non-retryable expiry failures in a row before a consent is parked
  OUTBOX_CLEAR_DELAY_MS: integer(0, MAX_OUTBOX_CLEAR_DELAY_MS).default(30_000), // 30 s, past a burst of expiries; 0 clears right after the publish
  OUTBOX_CLEAR_MAX_PENDING: integer(0).default(20_000), // bounds the start-up recovery after a crash
  OUTBOX_CLEAR_BATCH_SIZE: integer(1).default(200),
  OUTBOX_RECOVERY_PAGES: integer(0).default(10), // pages of 100 per burst of the start-up recovery (which goes through all); 0 skips it
  KAFKA_MAX_MESSAGE_BYTES: integer(64 * 1024).default(1_048_588), // Kafka's default max.message.bytes (1 MiB + 12)
  // 3 s: a killed replica's partitions wait this long, under the 5 s target. A broker whose
  // group.min.session.timeout.ms is higher (a stock one: 6 s) refuses it at the join; the
  // consumer then joins with the broker's floor and logs it (adapters/kafka/session-timeout.ts).
  KAFKA_SESSION_TIMEOUT_MS: integer(1_000).default(3_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: integer(100).default(1_000), // 1 s; at most a third of the session
  RESULT_RETENTION_MS: integer(60_000).default(7 * 24 * 3_600_000), // 7 days; a redelivery later than this is applied as new
  RESULT_PURGE_INTERVAL_MS: integer(1_000).default(60_000), // 1 min; only where the server has no TTL index
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of pino's levels: ${LOG_LEVELS.join(', ')}`).default('info'),
  OPS_HOST: text.default('0.0.0.0'), // every interface, so an orchestrator's probes and Prometheus reach it
  OPS_PORT: integer(0, 65_535).default(9_464), // Prometheus exporters' customary port; 0 = any free port
  OPS_TLS_CERT_FILE: text.optional(), // PEM certificate (chain): the ops listener serves HTTPS; with OPS_TLS_KEY_FILE
  OPS_TLS_KEY_FILE: text.optional(), // PEM private key of OPS_TLS_CERT_FILE
  OPS_TLS_CLIENT_CA_FILE: text.optional(), // PEM CA: probes and scrapers must present a certificate it signed (mutual TLS)
  SHUTDOWN_TIMEOUT_MS: integer(100).default(25_000), // 25 s, inside Kubernetes' default 30 s grace period
  // The read API (`npm run api`, or beside the worker with READ_API_ENABLED=true).
  READ_API_ENABLED: flag.default(false),
  API_PORT: integer(0, 65_535).default(8_080),
  API_HOST: text.default('127.0.0.1'),
  API_TLS_CERT_FILE: text.optional(), // PEM certificate (chain): the read API serves HTTPS; with API_TLS_KEY_FILE
  API_TLS_KEY_FILE: text.optional(), // PEM private key of API_TLS_CERT_FILE
  API_TLS_CLIENT_CA_FILE: text.optional(), // PEM CA: callers must present a certificate it signed (mutual TLS)
  API_JWT_JWKS_URL: urlOf(['http', 'https']).optional(), // production: keys fetched and cached by jose
  API_JWT_PUBLIC_KEY: z.string().refine((pem) => pem.includes('-----BEGIN PUBLIC KEY-----'), 'must be a PEM (SPKI) public key').optional(),
  API_JWT_ALGORITHM: z.string().regex(JWS_ASYMMETRIC, 'is not an asymmetric JWS algorithm').default('RS256'), // with API_JWT_PUBLIC_KEY
  API_JWT_SECRET: secret.optional(), // development: HS256
  API_JWT_ISSUER: text.optional(),
  API_JWT_AUDIENCE: text.optional(),
  API_PAGE_TOKEN_SECRET: secret.optional(), // required when the read API runs; the same on every replica
  API_PAGE_LIMIT_DEFAULT: integer(1, 1_000).default(20),
  API_PAGE_LIMIT_MAX: integer(1, 1_000).default(100),
  API_RATE_LIMIT: integer(1).default(1_200), // reads per caller (per org on org routes) per window
  API_RATE_WINDOW_MS: integer(1).default(60_000), // 1 min
});

export type EnvVariable = keyof typeof ENV_SCHEMA.shape;
export const ENV_VARIABLES = Object.keys(ENV_SCHEMA.shape) as EnvVariable[];

/** Rules between variables, which no single variable's schema can see. */
function crossChecks(raw: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const given = (v: EnvVariable): boolean => raw[v] !== undefined;
  for (const [value, file] of [['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'], ['SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD_FILE']] as const) {
    if (given(value) && given(file)) issues.push({ variable: file, message: `and ${value} are both set: set one` });
  }
  const kafkaPassword = given('KAFKA_SASL_PASSWORD') || given('KAFKA_SASL_PASSWORD_FILE');
  if (given('KAFKA_SASL_MECHANISM') || given('KAFKA_SASL_USERNAME') || kafkaPassword) {
    if (!given('KAFKA_SASL_MECHANISM')) issues.push({ variable: 'KAFKA_SASL_MECHANISM', message: 'is required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD(_FILE) is set' });
    if (!given('KAFKA_SASL_USERNAME')) issues.push({ variable: 'KAFKA_SASL_USERNAME', message: 'is required when KAFKA_SASL_MECHANISM is set' });
    if (!kafkaPassword) issues.push({ variable: 'KAFKA_SASL_PASSWORD', message: 'or KAFKA_SASL_PASSWORD_FILE is required when KAFKA_SASL_MECHANISM is set' });
  }
  const registryPassword = given('SCHEMA_REGISTRY_PASSWORD') || given('SCHEMA_REGISTRY_PASSWORD_FILE');
  if (given('SCHEMA_REGISTRY_USERNAME') !== registryPassword) {
    issues.push(given('SCHEMA_REGISTRY_USERNAME')
      ? { variable: 'SCHEMA_REGISTRY_PASSWORD', message: 'or SCHEMA_REGISTRY_PASSWORD_FILE is required when SCHEMA_REGISTRY_USERNAME is set' }
      : { variable: 'SCHEMA_REGISTRY_USERNAME', message: 'is required when SCHEMA_REGISTRY_PASSWORD(_FILE) is set' });
  }
  // A user and no password before the hosts (by pattern: a URI naming several hosts is no URL).
  if (given('MONGODB_PASSWORD_FILE') && !/^mongodb(\+srv)?:\/\/[^:@/]+@/.test(raw['MONGODB_URI'] ?? '')) {
    issues.push({ variable: 'MONGODB_PASSWORD_FILE', message: 'needs MONGODB_URI with a user and no password (mongodb://user@host/…)' });
  }
  if (given('REDIS_PASSWORD_FILE') && raw['REDIS_URL'] !== undefined && URL.canParse(raw['REDIS_URL']) && new URL(raw['REDIS_URL']).password !== '') {
    issues.push({ variable: 'REDIS_PASSWORD_FILE', message: 'is set but REDIS_URL carries a password too: set one' });
  }
  const session = Number(raw['KAFKA_SESSION_TIMEOUT_MS']?.replaceAll('_', '') ?? 3_000);
  const heartbeat = Number(raw['KAFKA_HEARTBEAT_INTERVAL_MS']?.replaceAll('_', '') ?? 1_000);
  // Two missed heartbeats must not cost a live replica its partitions.
  if (Number.isInteger(session) && Number.isInteger(heartbeat) && heartbeat * 3 > session) {
    issues.push({ variable: 'KAFKA_HEARTBEAT_INTERVAL_MS', message: `must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${session} ms)` });
  }
  // A hash tag in the prefix would decide the slot of every key: the whole deployment on one node.
  if ((raw['REDIS_CLUSTER'] === 'true' || raw['REDIS_CLUSTER'] === '1') && /\{[^}]+\}/.test(raw['REDIS_KEY_PREFIX'] ?? '')) {
    issues.push({ variable: 'REDIS_KEY_PREFIX', message: 'must hold no hash tag ({…}) with REDIS_CLUSTER: every key would hash to its one slot' });
  }
  if ((raw['REDIS_TLS'] === 'false' || raw['REDIS_TLS'] === '0') && raw['REDIS_URL']?.startsWith('rediss:')) {
    issues.push({ variable: 'REDIS_TLS', message: 'is false but REDIS_URL is rediss:// (TLS)' });
  }
  for (const listener of ['OPS', 'API'] as const) {
    const [cert, key, clientCa] = [`${listener}_TLS_CERT_FILE`, `${listener}_TLS_KEY_FILE`, `${listener}_TLS_CLIENT_CA_FILE`] as const;
    if (given(cert) !== given(key)) issues.push({ variable: given(cert) ? key : cert, message: `is required when ${given(cert) ? cert : key} is set` });
    if (given(clientCa) && !given(cert)) issues.push({ variable: clientCa, message: `needs ${cert} and ${key}: client certificates are asked for over TLS only` });
  }
  return issues;
}

/** The read API's rules between variables, checked only where it runs. */
function readApiChecks(raw: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const keys = ['API_JWT_JWKS_URL', 'API_JWT_PUBLIC_KEY', 'API_JWT_SECRET'] as const;
  const set = keys.filter((v) => raw[v] !== undefined).length;
  if (set !== 1) issues.push({ variable: keys.join(', '), message: `exactly one of them must be set, got ${set}` });
  if (raw['API_PAGE_TOKEN_SECRET'] === undefined) {
    issues.push({ variable: 'API_PAGE_TOKEN_SECRET', message: 'must be set (signs page tokens; the same on every replica)' });
  }
  const limit = (name: string, fallback: number): number => (raw[name] === undefined ? fallback : Number(raw[name]?.replaceAll('_', '')));
  if (limit('API_PAGE_LIMIT_DEFAULT', 20) > limit('API_PAGE_LIMIT_MAX', 100)) {
    issues.push({ variable: 'API_PAGE_LIMIT_DEFAULT', message: 'must be at most API_PAGE_LIMIT_MAX' });
  }
  return issues;
}

function jwtKeyOf(e: z.infer<typeof ENV_SCHEMA>): JwtKeySource {
  if (e.API_JWT_JWKS_URL) return { kind: 'jwks', url: e.API_JWT_JWKS_URL };
  if (e.API_JWT_PUBLIC_KEY) return { kind: 'publicKey', pem: e.API_JWT_PUBLIC_KEY.replace(/\\n/g, '\n'), algorithm: e.API_JWT_ALGORITHM };
  return { kind: 'secret', secret: e.API_JWT_SECRET as string };
}

/** Each value trimmed, an empty one treated as unset (so `FOO=` means "the default"). */
function rawValues(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(ENV_VARIABLES.map((name) => [name, env[name]?.trim() || undefined]));
}

/** `readFile` is passed in so that tests and callers decide how CA files are read. */
export function loadConfig(env: Env = process.env, readFile: (path: string) => string = defaultReadFile, options: LoadOptions = {}): Config {
  const raw = rawValues(env);
  const servesReadApi = options.readApi === true || raw['READ_API_ENABLED'] === 'true' || raw['READ_API_ENABLED'] === '1';
  const parsed = ENV_SCHEMA.safeParse(raw);
  // Every rule is checked whatever the others found, so all the issues are reported in one go.
  const issues: ConfigIssue[] = parsed.success ? [] : parsed.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(environment)'),
    message: issue.message,
  }));
  issues.push(...crossChecks(raw));
  if (servesReadApi) issues.push(...readApiChecks(raw));
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
  // A password file holds the password alone; the newline an editor or `echo` adds is not part of it.
  const secretOf = (value: EnvVariable | null, file: EnvVariable): string | null => {
    if (value !== null && raw[value] !== undefined) return raw[value];
    const path = raw[file];
    if (!path) return null;
    try {
      const secret = readFile(path).replace(/\r?\n$/, '');
      if (secret === '') issues.push({ variable: file, message: 'names an empty file' });
      return secret;
    } catch (error) {
      issues.push({ variable: file, message: `cannot be read: ${(error as Error).message}` });
      return null;
    }
  };
  const pemOf = (variable: EnvVariable): string | null => (raw[variable] ? (caOf(variable)?.ca ?? null) : null);
  // Read whether or not the listener runs, so a wrong path fails the start, not a later request.
  const listenerTlsOf = (listener: 'OPS' | 'API'): ListenerTls | null => {
    const cert = pemOf(`${listener}_TLS_CERT_FILE`);
    const key = pemOf(`${listener}_TLS_KEY_FILE`);
    return cert === null || key === null ? null : { cert, key, clientCa: pemOf(`${listener}_TLS_CLIENT_CA_FILE`) };
  };
  const opsTls = listenerTlsOf('OPS');
  const apiTls = listenerTlsOf('API');
  const kafkaCa = caOf('KAFKA_SSL_CA_FILE');
  const redisCa = caOf('REDIS_TLS_CA_FILE');
  const registryCa = caOf('SCHEMA_REGISTRY_CA_FILE');
  const kafkaPassword = secretOf('KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE');
  const registryPassword = secretOf('SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD_FILE');
  const redisPassword = secretOf(null, 'REDIS_PASSWORD_FILE');
  const mongodbPassword = secretOf(null, 'MONGODB_PASSWORD_FILE');
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const e = parsed.data;

  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaSecurity: {
      ssl: kafkaCa ?? e.KAFKA_SSL,
      sasl: e.KAFKA_SASL_MECHANISM && e.KAFKA_SASL_USERNAME && kafkaPassword
        ? { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password: kafkaPassword }
        : null,
    },
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    schemaRegistryAuth: e.SCHEMA_REGISTRY_USERNAME && registryPassword
      ? { username: e.SCHEMA_REGISTRY_USERNAME, password: registryPassword }
      : null,
    schemaRegistryTls: registryCa,
    mongodbUri: mongodbPassword === null ? e.MONGODB_URI : withUriPassword(e.MONGODB_URI, mongodbPassword),
    mongodbDatabase: e.MONGODB_DATABASE,
    redisUrl: e.REDIS_URL,
    redisTls: redisCa ?? (e.REDIS_TLS || e.REDIS_URL.startsWith('rediss:')),
    redisPassword,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    redisCluster: e.REDIS_CLUSTER,
    clientId: e.KAFKA_CLIENT_ID,
    consumerGroup: e.CONSUMER_GROUP,
    topics: {
      consentCommands: e.CONSENT_COMMANDS_TOPIC,
      consentResults: e.CONSENT_RESULTS_TOPIC,
      consentEvents: e.CONSENT_EVENTS_TOPIC,
      servicePolicyEvents: e.SERVICE_POLICY_EVENTS_TOPIC,
      permissionCommands: e.PERMISSION_COMMANDS_TOPIC,
      permissionResults: e.PERMISSION_RESULTS_TOPIC,
      permissionEvents: e.PERMISSION_EVENTS_TOPIC,
    },
    topicPartitions: e.TOPIC_PARTITIONS,
    partitionsConsumedConcurrently: e.PARTITIONS_CONSUMED_CONCURRENTLY,
    keyConcurrency: e.KEY_CONCURRENCY,
    commitEvery: e.COMMIT_EVERY,
    commitIntervalMs: e.COMMIT_INTERVAL_MS,
    lockTtlMs: e.LOCK_TTL_MS,
    lockWaitMs: e.LOCK_WAIT_MS,
    orgDecisionLimit: e.ORG_DECISION_LIMIT,
    orgDecisionWindowMs: e.ORG_DECISION_WINDOW_MS,
    sweep: {
      enabled: e.SWEEP_ENABLED,
      batchSize: e.SWEEP_BATCH_SIZE,
      concurrency: e.SWEEP_CONCURRENCY,
      writesInFlight: e.SWEEP_WRITES_IN_FLIGHT,
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
    kafkaGroupTimeouts: { sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS, heartbeatIntervalMs: e.KAFKA_HEARTBEAT_INTERVAL_MS },
    resultRetentionMs: e.RESULT_RETENTION_MS,
    resultPurgeIntervalMs: e.RESULT_PURGE_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
    ops: { host: e.OPS_HOST, port: e.OPS_PORT, tls: opsTls },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    readApi: servesReadApi
      ? {
          port: e.API_PORT,
          host: e.API_HOST,
          tls: apiTls,
          jwt: { key: jwtKeyOf(e), issuer: e.API_JWT_ISSUER ?? null, audience: e.API_JWT_AUDIENCE ?? null },
          pageTokenSecret: e.API_PAGE_TOKEN_SECRET as string,
          pageLimitDefault: e.API_PAGE_LIMIT_DEFAULT,
          pageLimitMax: e.API_PAGE_LIMIT_MAX,
          rateLimit: e.API_RATE_LIMIT,
          rateWindowMs: e.API_RATE_WINDOW_MS,
        }
      : null,
  };
}

/** The URI with its user's password set; the password is URI-encoded as the driver expects. */
function withUriPassword(uri: string, password: string): string {
  // Not through URL: a mongodb:// URI may name several hosts, which URL does not parse.
  const at = uri.indexOf('@');
  return `${uri.slice(0, at)}:${encodeURIComponent(password)}${uri.slice(at)}`;
}

function defaultReadFile(path: string): string {
  return readFileSync(path, 'utf8');
}
