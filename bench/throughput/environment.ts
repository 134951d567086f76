// Where the benchmark runs: the servers (the user's, or the native stack brought up if needed),
// one isolated worker environment per stored-data variant (own topics, group, database, Redis
// prefix; tag cwbench), its topics created and schemas registered before anything is produced
// (commands are produced before the worker starts), and the versions of everything for the record.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { isolatedEnv } from '../../test/support/isolated-env.ts';
import type { Servers } from '../../test/support/servers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export { benchServers as servers } from '../../test/support/servers.ts';

export interface BenchEnvironment {
  readonly suffix: string;
  /** The worker's environment (on top of the benchmark's own, so tuning variables pass through). */
  readonly env: Record<string, string>;
  readonly config: Config;
}

export function benchEnvironment(s: Servers, suffix: string): BenchEnvironment {
  const env = { ...isolatedEnv(s, 'cwbench', suffix), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' };
  return { suffix, env, config: loadConfig({ ...process.env, ...env }) };
}

export const kafkaOf = (config: Config, clientId: string): Kafka =>
  new Kafka({ clientId, brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING });

/** Creates the environment's six topics (and any extra) and waits until each partition has a leader. */
export async function createTopics(config: Config, extra: readonly string[] = []): Promise<void> {
  const admin = kafkaOf(config, 'cwbench-admin').admin();
  await admin.connect();
  try {
    const names = [...Object.values(config.topics), ...extra];
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: config.topicPartitions })) });
    for (const deadline = Date.now() + 30_000; ;) {
      const metadata = await admin.fetchTopicMetadata({ topics: names }).catch(() => null);
      if (metadata?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leaders after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

/** The worker's own `npm run schemas:register`, so producers find the command schemas before it starts. */
export function registerSchemas(env: Record<string, string>): void {
  execFileSync(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'schemas', 'register'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
}

/** Deletes the environment's topics and Redis keys. Its database stays: see cleanUp in bench/expiry-lag.ts. */
export async function removeEnvironment(config: Config, extraTopics: readonly string[] = []): Promise<void> {
  const redis = new Redis(config.redisUrl);
  try {
    const keys = await redis.keys(`${config.redisKeyPrefix}*`);
    for (let i = 0; i < keys.length; i += 1_000) await redis.del(...keys.slice(i, i + 1_000));
  } finally {
    await redis.quit();
  }
  const admin = kafkaOf(config, 'cwbench-admin').admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...Object.values(config.topics).flatMap((name) => [name, `${name}.dlq`]), ...extraTopics] }).catch(() => undefined);
  await admin.disconnect();
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (src modified)` : head;
  } catch {
    return null;
  }
}

/** Machine, versions and the code measured, for the JSON record. Unknown versions are null. */
export async function describe(s: Servers, serverPids: Readonly<Record<string, number | undefined>>): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  const kafkaPid = serverPids['kafka'];
  const kafkaCmdline = kafkaPid ? readFileSync(`/proc/${kafkaPid}/cmdline`, 'utf8').replace(/\0/g, ' ') : '';
  const mongo = await (async () => {
    const client = await new MongoClient(s.mongodbUri, { serverSelectionTimeoutMS: 5_000 }).connect();
    try {
      const info = await client.db('admin').command({ buildInfo: 1 });
      return { mongodbWire: String(info['version']), ferretdb: (info['ferretdbVersion'] as string | undefined) ?? null };
    } finally {
      await client.close();
    }
  })().catch(() => ({ mongodbWire: null, ferretdb: null }));
  const redis = await (async () => {
    const client = new Redis(s.redisUrl);
    try {
      return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? null;
    } finally {
      await client.quit();
    }
  })().catch(() => null);
  const registry = await fetch(new URL('/apis/registry/v3/system/info', s.schemaRegistryUrl))
    .then(async (response) => (response.ok ? `Apicurio ${String(((await response.json()) as { version?: string }).version)}` : null))
    .catch(() => null);
  return {
    machine: { cpuModel: cpus[0]?.model ?? 'unknown', cores: cpus.length, ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10, platform: `${os.platform()} ${os.release()}` },
    versions: { node: process.version, kafka: /kafka[_-](\d+\.\d+\.\d+)/.exec(kafkaCmdline)?.[1] ?? null, registry, ...mongo, redis },
    servers: { origin: s.origin, kafka: s.kafkaBrokers, registry: s.schemaRegistryUrl, mongodb: s.mongodbUri, redis: s.redisUrl },
    code: gitCommit(),
  };
}
