// The secure stack (scripts/stack/secure) for the tests that prove security holds: brought up
// once per test process (`up` is idempotent and locked, seconds when warm), its endpoints and
// the paths of its CA, certificates and password files, and clients logged in as each principal.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { kafkajsSecurity } from '../../src/adapters/kafka/kafka-security.ts';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import { grantDeploymentAcls } from '../../scripts/stack/secure/acls.ts';
import { isolatedEnv } from './isolated-env.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export type Principal = 'admin' | 'worker' | 'producer' | 'events';

export interface SecureStack {
  /** The worker's variables (endpoints, CA file, user names, password files). */
  readonly env: Readonly<Record<string, string>>;
  readonly runDir: string;
  /** A file of the stack's private CA directory (ca.pem, other-ca.pem, expired-bundle.pem, ...). */
  tls(file: string): string;
  passwordFile(principal: Principal): string;
  password(principal: Principal): string;
}

function readEnvFile(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('='));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

let stack: SecureStack | null = null;

export function secureStack(): SecureStack {
  if (stack) return stack;
  execFileSync('bash', [path.join(ROOT, 'scripts/stack/secure/stack.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const home = process.env['CONSENT_STACK_HOME'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker');
  const runDir = process.env['SECURE_RUN_DIR'] ?? path.join(home, 'run-secure');
  const env = readEnvFile(path.join(runDir, 'endpoints.env'));
  const principals = readEnvFile(path.join(runDir, 'principals.env'));
  const passwordFile = (p: Principal): string => (p === 'worker' ? env['KAFKA_SASL_PASSWORD_FILE'] : principals[`SECURE_${p.toUpperCase()}_PASSWORD_FILE`]) as string;
  stack = {
    env,
    runDir,
    tls: (file) => path.join(principals['SECURE_TLS_DIR'] as string, file),
    passwordFile,
    password: (p) => readFileSync(passwordFile(p), 'utf8').trim(),
  };
  return stack;
}

/** A worker's isolated names (topics, group, database, prefix) on the secure stack. */
export function secureWorkerEnv(s: SecureStack, suffix: string): Record<string, string> {
  const servers = { kafkaBrokers: '', schemaRegistryUrl: '', mongodbUri: '', redisUrl: '', origin: 'native' as const };
  return { ...isolatedEnv(servers, 'cwtest', suffix), ...s.env, TOPIC_PARTITIONS: '3', LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn' };
}

/** kafkajs logged in as `principal` over TLS (the stack's CA), or with `overrides` to break one thing. */
export function kafkaAs(s: SecureStack, principal: Principal, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: `test-${principal}`, brokers: [s.env['KAFKA_BROKERS'] as string], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    connectionTimeout: 5_000, authenticationTimeout: 5_000,
    ...kafkajsSecurity({ ssl: { ca: readFileSync(s.tls('ca.pem'), 'utf8') }, sasl: { mechanism: 'scram-sha-512', username: principal, password: s.password(principal) } }),
    ...overrides,
  });
}

/** The registry client logged in as `principal` (the admin has no registry user: the worker's is used). */
export function registryAs(s: SecureStack, principal: Exclude<Principal, 'admin'>): ReturnType<typeof createRegistry> {
  return createRegistry(s.env['SCHEMA_REGISTRY_URL'] as string, { username: principal, password: s.password(principal) }, { ca: readFileSync(s.tls('ca.pem'), 'utf8') });
}

/** The ACLs of a test deployment (its own topics and groups), granted as the admin. */
export async function grantTestAcls(s: SecureStack, env: Record<string, string>, groups: { producerGroupPrefix: string; eventsGroupPrefix: string }): Promise<void> {
  const admin = kafkaAs(s, 'admin', { retry: { retries: 3 } }).admin();
  await admin.connect();
  try {
    await grantDeploymentAcls(admin, {
      topics: {
        consentCommands: env['CONSENT_COMMANDS_TOPIC'] as string, consentResults: env['CONSENT_RESULTS_TOPIC'] as string,
        consentEvents: env['CONSENT_EVENTS_TOPIC'] as string, servicePolicyEvents: env['SERVICE_POLICY_EVENTS_TOPIC'] as string,
        permissionCommands: env['PERMISSION_COMMANDS_TOPIC'] as string,
        permissionResults: env['PERMISSION_RESULTS_TOPIC'] as string, permissionEvents: env['PERMISSION_EVENTS_TOPIC'] as string,
      },
      workerGroup: env['CONSUMER_GROUP'] as string,
      ...groups,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes a test deployment's topics, as the admin. */
export async function deleteSecureTopics(s: SecureStack, env: Record<string, string>): Promise<void> {
  const admin = kafkaAs(s, 'admin', { retry: { retries: 3 } }).admin();
  await admin.connect();
  const topics = Object.entries(env).filter(([name]) => name.endsWith('_TOPIC')).flatMap(([, topic]) => [topic, `${topic}.dlq`]);
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}
