// Which stack the benchmark measures (BENCH_STACK): `plain` (default: the user's four variables or
// the native stack, plaintext and unauthenticated) or `secure` (scripts/stack/secure: Kafka on
// SASL_SSL with ACLs, Redis, FerretDB and the registry over TLS with credentials). On the secure
// stack the worker logs in as its least-privilege `worker` principal, exactly as in production;
// the benchmark's own Kafka clients (topic admin, load generator, raw pipe) log in as `admin`,
// because the generator both writes commands and reads results and events, which no single
// least-privilege principal may do. Secrets reach the child processes as file paths, never as
// values in their argv (which /proc shows to anyone on the machine).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { KafkaConfig } from 'kafkajs';
import { kafkajsSecurity } from '../../src/adapters/kafka/kafka-security.ts';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import { secureStack } from '../../test/support/secure-stack.ts';
import { benchServers, type Servers } from '../../test/support/servers.ts';

export type StackName = 'plain' | 'secure';

/** How a benchmark client reaches the secure servers: every secret by file. */
export interface ClientSecurity {
  readonly caFile: string;
  readonly kafkaUser: string;
  readonly kafkaPasswordFile: string;
  readonly registryUser: string;
  readonly registryPasswordFile: string;
}

export interface BenchStack {
  readonly name: StackName;
  readonly servers: Servers;
  /** The worker's security variables (CA files, users, password files); empty on the plain stack. */
  readonly workerEnv: Readonly<Record<string, string>>;
  /** The benchmark's own clients' credentials; null on the plain stack. */
  readonly clients: ClientSecurity | null;
  /** The run directory whose `<server>/pid` files name the servers whose CPU is measured. */
  readonly runDir: string;
}

const SERVER_URL_VARIABLES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI', 'REDIS_URL'];

export function stackName(raw = process.env['BENCH_STACK']): StackName {
  const name = raw?.trim() || 'plain';
  if (name !== 'plain' && name !== 'secure') throw new Error(`BENCH_STACK must be plain or secure, got ${name}`);
  return name;
}

function stackHome(): string {
  return process.env['CONSENT_STACK_HOME'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker');
}

/** The chosen stack, brought up if needed (both `up`s are idempotent, about a second when up). */
export function benchStack(name: StackName = stackName()): BenchStack {
  if (name === 'plain') return { name, servers: benchServers(), workerEnv: {}, clients: null, runDir: path.join(stackHome(), 'run') };
  const s = secureStack();
  const env = s.env as Record<string, string>;
  return {
    name,
    servers: { kafkaBrokers: env['KAFKA_BROKERS'] as string, schemaRegistryUrl: env['SCHEMA_REGISTRY_URL'] as string, mongodbUri: env['MONGODB_URI'] as string, redisUrl: env['REDIS_URL'] as string, origin: 'native' },
    workerEnv: Object.fromEntries(Object.entries(env).filter(([variable]) => !SERVER_URL_VARIABLES.includes(variable) && !variable.startsWith('SECURE_'))),
    clients: {
      caFile: s.tls('ca.pem'),
      kafkaUser: 'admin', kafkaPasswordFile: s.passwordFile('admin'),
      // The registry has no admin user; the producer's may read and register (docs/security.md).
      registryUser: 'producer', registryPasswordFile: s.passwordFile('producer'),
    },
    runDir: s.runDir,
  };
}

const secretIn = (file: string): string => readFileSync(file, 'utf8').replace(/\r?\n$/, '');

/** kafkajs TLS and SASL options for a benchmark client (none on the plain stack). */
export function kafkaClientSecurity(clients: ClientSecurity | null): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!clients) return {};
  return kafkajsSecurity({
    ssl: { ca: readFileSync(clients.caFile, 'utf8') },
    sasl: { mechanism: 'scram-sha-512', username: clients.kafkaUser, password: secretIn(clients.kafkaPasswordFile) },
  });
}

/** The registry client of a benchmark client, over TLS with basic auth on the secure stack. */
export function registryClient(url: string, clients: ClientSecurity | null): ReturnType<typeof createRegistry> {
  if (!clients) return createRegistry(url);
  return createRegistry(url, { username: clients.registryUser, password: secretIn(clients.registryPasswordFile) }, { ca: readFileSync(clients.caFile, 'utf8') });
}
