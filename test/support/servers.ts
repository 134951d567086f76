// Where the tests find their real servers, in this order:
//   1. KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, REDIS_URL (all four): the user's servers;
//   2. a reachable Docker engine: containers started with testcontainers (see containers.ts);
//   3. the native stack (scripts/stack/stack.sh up), whose endpoints file names them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface Servers {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  mongodbUri: string;
  redisUrl: string;
  origin: 'env' | 'docker' | 'native';
}

export function serversFromEnv(env: NodeJS.ProcessEnv = process.env): Servers | undefined {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, REDIS_URL } = env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !MONGODB_URI || !REDIS_URL) return undefined;
  return {
    kafkaBrokers: KAFKA_BROKERS,
    schemaRegistryUrl: SCHEMA_REGISTRY_URL,
    mongodbUri: MONGODB_URI,
    redisUrl: REDIS_URL,
    origin: 'env',
  };
}

/** Brings the native stack up (idempotent, seconds when warm) and reads its endpoints. */
export function nativeStackServers(): Servers {
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync('bash', [path.join(root, 'scripts/stack/stack.sh'), 'up'], { stdio: 'inherit' });
  const home = process.env['CONSENT_STACK_HOME'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker');
  const lines = readFileSync(path.join(home, 'run/endpoints.env'), 'utf8').split('\n');
  const env = Object.fromEntries(lines.filter((l) => l.includes('=')).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const servers = serversFromEnv(env);
  if (!servers) throw new Error('the native stack wrote no complete endpoints file');
  return { ...servers, origin: 'native' };
}

/**
 * For the benchmarks: the four variables when all are set, else the native stack (brought up if
 * needed: `stack.sh up` is idempotent, about a second when up), with any one variable that is set
 * taking the place of its native server.
 */
export function benchServers(env: NodeJS.ProcessEnv = process.env): Servers {
  const all = serversFromEnv(env);
  if (all) return all;
  const native = nativeStackServers();
  return {
    kafkaBrokers: env['KAFKA_BROKERS'] ?? native.kafkaBrokers,
    schemaRegistryUrl: env['SCHEMA_REGISTRY_URL'] ?? native.schemaRegistryUrl,
    mongodbUri: env['MONGODB_URI'] ?? native.mongodbUri,
    redisUrl: env['REDIS_URL'] ?? native.redisUrl,
    origin: native.origin,
  };
}
