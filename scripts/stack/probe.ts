// Asks one server a real question through the client the worker itself uses, prints a
// one-line identity, and exits 0 only when the server answered. Used by stack.sh.
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';

const [component, endpoint] = process.argv.slice(2);

async function probeKafka(brokers: string): Promise<string> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return `kafka cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`;
  } finally {
    await admin.disconnect();
  }
}

async function probeRegistry(url: string): Promise<string> {
  const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
  const subjects = (await response.json()) as string[];
  return `schema registry (Confluent API), ${subjects.length} subject(s)`;
}

async function probeMongo(uri: string): Promise<string> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, directConnection: true });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const ferret = info['ferretdbVersion'] as string | undefined;
    return ferret ? `FerretDB ${ferret} (reports MongoDB ${info['version']})` : `mongod ${info['version']}`;
  } finally {
    await client.close();
  }
}

async function probeRedis(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return `redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
  } finally {
    redis.disconnect();
  }
}

const probes: Record<string, (endpoint: string) => Promise<string>> = {
  kafka: probeKafka,
  registry: probeRegistry,
  mongo: probeMongo,
  redis: probeRedis,
};

const run = component ? probes[component] : undefined;
if (!run || !endpoint) {
  console.error('usage: probe.ts kafka|registry|mongo|redis <endpoint>');
  process.exit(2);
}
try {
  console.log(await run(endpoint));
  process.exit(0);
} catch (error) {
  console.error(`${component} at ${endpoint}: ${(error as Error).message}`);
  process.exit(1);
}
