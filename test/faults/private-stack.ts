// The fault suite's own servers: Redis, the MongoDB-compatible server and Kafka on other ports
// with their own run dir (scripts/stack with STACK_RUN_DIR), so stopping one never touches the
// stack other tests and helpers share. The schema registry (in memory, never stopped here) is
// the shared one: subjects are named after the suite's own topics.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const STACK = path.join(ROOT, 'scripts/stack/stack.sh');

export type Server = 'redis' | 'mongo' | 'kafka';

/**
 * The broker the suite runs on: the version the shared stack does NOT default to (3.9.2 beside
 * the stack's 4.4.0), so that `npm test` drives both brokers end to end. FAULTS_KAFKA_VERSION picks another.
 */
export const FAULTS_KAFKA_VERSION = process.env['FAULTS_KAFKA_VERSION'] ?? '3.9.2';

export const PRIVATE_ENV: Record<string, string> = {
  STACK_KAFKA_VERSION: FAULTS_KAFKA_VERSION,
  STACK_RUN_DIR: process.env['FAULTS_STACK_RUN_DIR'] ?? path.join(process.env['CONSENT_STACK_HOME'] ?? path.join(homedir(), '.cache/consent-worker'), 'run-faults'),
  STACK_KAFKA_PORT: process.env['FAULTS_KAFKA_PORT'] ?? '29092',
  STACK_KAFKA_CONTROLLER_PORT: process.env['FAULTS_KAFKA_CONTROLLER_PORT'] ?? '29093',
  STACK_MONGO_PORT: process.env['FAULTS_MONGO_PORT'] ?? '27127',
  STACK_REDIS_PORT: process.env['FAULTS_REDIS_PORT'] ?? '26379',
  STACK_KAFKA_HEAP: '512m',
  STACK_FERRETDB_GOMEMLIMIT: '512MiB',
  // 6000: a stock broker's floor, under which the worker's 3 s default is refused (it falls back).
  ...(process.env['FAULTS_KAFKA_MIN_SESSION_TIMEOUT_MS'] ? { STACK_KAFKA_MIN_SESSION_TIMEOUT_MS: process.env['FAULTS_KAFKA_MIN_SESSION_TIMEOUT_MS'] } : {}),
};

export interface Endpoints {
  readonly kafkaBrokers: string;
  readonly mongodbUri: string;
  readonly redisUrl: string;
  readonly schemaRegistryUrl: string;
}

async function stack(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [STACK, ...args], { env: { ...process.env, ...PRIVATE_ENV }, maxBuffer: 10_000_000 });
  return stdout;
}

/** The shared stack's registry: SCHEMA_REGISTRY_URL, else the shared endpoints file. */
function registryUrl(): string {
  if (process.env['SCHEMA_REGISTRY_URL']) return process.env['SCHEMA_REGISTRY_URL'];
  const home = process.env['CONSENT_STACK_HOME'] ?? path.join(homedir(), '.cache/consent-worker');
  const line = readFileSync(path.join(home, 'run/endpoints.env'), 'utf8').split('\n').find((l) => l.startsWith('SCHEMA_REGISTRY_URL='));
  if (!line) throw new Error('no SCHEMA_REGISTRY_URL: start the shared stack (npm run stack:up) first');
  return line.slice('SCHEMA_REGISTRY_URL='.length);
}

/**
 * Fresh servers for every run: whatever a previous run left is stopped and its data removed,
 * so the first start is a fresh broker's (whose start-up refusals the suite checks).
 */
export async function startPrivateStack(): Promise<Endpoints> {
  await stack('stop', 'kafka', 'mongo', 'redis');
  rmSync(PRIVATE_ENV['STACK_RUN_DIR'] as string, { recursive: true, force: true });
  await stack('start', 'redis', 'mongo', 'kafka');
  return {
    kafkaBrokers: `127.0.0.1:${PRIVATE_ENV['STACK_KAFKA_PORT']}`,
    mongodbUri: `mongodb://127.0.0.1:${PRIVATE_ENV['STACK_MONGO_PORT']}/`,
    redisUrl: `redis://127.0.0.1:${PRIVATE_ENV['STACK_REDIS_PORT']}`,
    schemaRegistryUrl: registryUrl(),
  };
}

export const stopServer = async (server: Server): Promise<void> => { await stack('stop', server); };
export const startServer = async (server: Server): Promise<void> => { await stack('start', server); };
export const stopPrivateStack = async (): Promise<void> => { await stack('stop', 'kafka', 'mongo', 'redis'); };
