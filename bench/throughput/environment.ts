// Where the benchmark runs: the servers (the user's, or the native stack brought up if needed),
// one isolated worker environment per stored-data variant (own topics, group, database, Redis
// prefix; tag cwbench), its topics created and schemas registered before anything is produced
// (commands are produced before the worker starts), and the versions of everything for the record.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { grantDeploymentAcls } from '../../scripts/stack/secure/acls.ts';
import { isolatedEnv } from '../../test/support/isolated-env.ts';
import { kafkaClientSecurity, type BenchStack } from './bench-stack.ts';
import type { EndOffsets } from './pipe-ends.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BenchEnvironment {
  readonly suffix: string;
  /** The worker's environment (on top of the benchmark's own, so tuning variables pass through). */
  readonly env: Record<string, string>;
  readonly config: Config;
  readonly stack: BenchStack;
}

export function benchEnvironment(stack: BenchStack, suffix: string): BenchEnvironment {
  const env = { ...isolatedEnv(stack.servers, 'cwbench', suffix), ...stack.workerEnv, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' };
  return { suffix, env, config: loadConfig({ ...process.env, ...env }), stack };
}

/** A Kafka client of the benchmark itself (as `admin` on the secure stack: see bench-stack.ts). */
export const kafkaOf = (env: BenchEnvironment, clientId: string): Kafka =>
  new Kafka({ clientId, brokers: [...env.config.kafkaBrokers], logLevel: logLevel.NOTHING, ...kafkaClientSecurity(env.stack.clients) });

/**
 * Creates the environment's six topics (and any extra) and waits until each partition has a leader;
 * on the secure stack, also grants the worker principal its ACLs on them (scripts/stack/secure/acls.ts).
 */
export async function createTopics(benchEnv: BenchEnvironment, extra: readonly string[] = []): Promise<void> {
  const { config } = benchEnv;
  const admin = kafkaOf(benchEnv, 'cwbench-admin').admin();
  await admin.connect();
  try {
    const names = [...Object.values(config.topics), ...extra];
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: config.topicPartitions })) });
    if (benchEnv.stack.clients) {
      // The generator logs in as admin, so the client and event groups need no grant.
      await grantDeploymentAcls(admin, { topics: config.topics, workerGroup: config.consumerGroup, producerGroupPrefix: `${config.consumerGroup}-none-`, eventsGroupPrefix: `${config.consumerGroup}-none-` });
    }
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

/** Each partition's end (the offset its next record will get) of the given topics, e.g. once the backlogs are produced. */
export async function endOffsets(benchEnv: BenchEnvironment, topics: readonly string[]): Promise<EndOffsets> {
  const admin = kafkaOf(benchEnv, 'cwbench-admin').admin();
  await admin.connect();
  try {
    const entries = await Promise.all(topics.map(async (topic) =>
      [topic, Object.fromEntries((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]))] as const));
    return Object.fromEntries(entries);
  } finally {
    await admin.disconnect();
  }
}

/** The worker's own `npm run schemas:register`, so producers find the command schemas before it starts. */
export function registerSchemas(env: Record<string, string>): void {
  execFileSync(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'schemas', 'register'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
}

/** Deletes the environment's topics and Redis keys. Its database stays: see cleanUp in bench/expiry-lag.ts. */
export async function removeEnvironment(benchEnv: BenchEnvironment, extraTopics: readonly string[] = []): Promise<void> {
  const { config } = benchEnv;
  const redis = redisOf(config);
  try {
    // SCAN, not KEYS: KEYS is @dangerous, which the secure stack's worker user may not run.
    for await (const keys of redis.scanStream({ match: `${config.redisKeyPrefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    await redis.quit();
  }
  const admin = kafkaOf(benchEnv, 'cwbench-admin').admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...Object.values(config.topics).flatMap((name) => [name, `${name}.dlq`]), ...extraTopics] }).catch(() => undefined);
  await admin.disconnect();
}

/** The worker's Redis as the worker reaches it (TLS and its ACL user on the secure stack). */
function redisOf(config: Config): Redis {
  const tls = config.redisTls === false ? {} : { tls: config.redisTls === true ? {} : { ca: config.redisTls.ca } };
  // ioredis lets the URL's (empty) password win over a `password` option: it goes into the URL.
  const url = new URL(config.redisUrl);
  if (config.redisPassword !== null) url.password = encodeURIComponent(config.redisPassword);
  return new Redis(url.toString(), tls);
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

/** Apicurio's version from its own API (over TLS with basic auth on the secure stack), or null. */
async function registryVersion(registryUrl: string, stack: BenchStack): Promise<string | null> {
  const info = new URL('/apis/registry/v3/system/info', registryUrl);
  if (!stack.clients) {
    return fetch(info).then(async (response) => (response.ok ? `Apicurio ${String(((await response.json()) as { version?: string }).version)}` : null)).catch(() => null);
  }
  // fetch cannot trust a private CA without a new dependency; the registry client's agent can.
  const { caFile, registryUser, registryPasswordFile } = stack.clients;
  const authorization = `Basic ${Buffer.from(`${registryUser}:${readFileSync(registryPasswordFile, 'utf8').trim()}`).toString('base64')}`;
  return new Promise((resolve) => {
    https.get(info, { ca: readFileSync(caFile, 'utf8'), headers: { authorization } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => {
        try {
          resolve(response.statusCode === 200 ? `Apicurio ${String((JSON.parse(body) as { version?: string }).version)}` : null);
        } catch {
          resolve(null);
        }
      });
    }).on('error', () => resolve(null));
  });
}

/** Machine, versions and the code measured, for the JSON record. Unknown versions are null. */
export async function describe(benchEnv: BenchEnvironment, serverPids: Readonly<Record<string, number | undefined>>): Promise<Record<string, unknown>> {
  const { config, stack } = benchEnv;
  const s = stack.servers;
  const cpus = os.cpus();
  const kafkaPid = serverPids['kafka'];
  const kafkaCmdline = kafkaPid ? readFileSync(`/proc/${kafkaPid}/cmdline`, 'utf8').replace(/\0/g, ' ') : '';
  const mongo = await (async () => {
    const client = await new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 5_000 }).connect();
    try {
      const info = await client.db('admin').command({ buildInfo: 1 });
      return { mongodbWire: String(info['version']), ferretdb: (info['ferretdbVersion'] as string | undefined) ?? null };
    } finally {
      await client.close();
    }
  })().catch(() => ({ mongodbWire: null, ferretdb: null }));
  const redis = await (async () => {
    const client = redisOf(config);
    try {
      return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? null;
    } finally {
      await client.quit();
    }
  })().catch(() => null);
  const registry = await registryVersion(s.schemaRegistryUrl, stack);
  return {
    machine: { cpuModel: cpus[0]?.model ?? 'unknown', cores: cpus.length, ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10, platform: `${os.platform()} ${os.release()}` },
    versions: { node: process.version, kafka: /kafka[_-](\d+\.\d+\.\d+)/.exec(kafkaCmdline)?.[1] ?? null, registry, ...mongo, redis },
    servers: { stack: stack.name, origin: s.origin, kafka: s.kafkaBrokers, registry: s.schemaRegistryUrl, mongodb: s.mongodbUri, redis: s.redisUrl },
    code: gitCommit(),
  };
}
