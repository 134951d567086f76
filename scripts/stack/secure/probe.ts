// The secure stack's readiness probe: asks one server a real question through the worker's own
// configuration (loadConfig over endpoints.env: TLS, SASL, AUTH, basic auth), so "up" means "the
// worker can log in". Prints a one-line identity; exit 0 only when the server answered.
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { kafkajsSecurity } from '../../../src/adapters/kafka/kafka-security.ts';
import { withPassword } from '../../../src/adapters/redis/redis-services.ts';
import { registryPing } from '../../../src/adapters/registry/registry-ping.ts';
import { loadConfig } from '../../../src/config/config.ts';

const config = loadConfig();

async function probeKafka(): Promise<string> {
  const admin = new Kafka({ brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...kafkajsSecurity(config.kafkaSecurity) }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return `kafka cluster ${cluster.clusterId} over SASL_SSL as ${config.kafkaSecurity.sasl?.username}`;
  } finally {
    await admin.disconnect();
  }
}

async function probeRegistry(): Promise<string> {
  await registryPing(config.schemaRegistryUrl, config.schemaRegistryAuth, config.schemaRegistryTls)();
  return `schema registry over https as ${config.schemaRegistryAuth?.username}`;
}

async function probeMongo(): Promise<string> {
  const client = new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 1_000, directConnection: true });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return `FerretDB ${String(info['ferretdbVersion'])} over TLS`;
  } finally {
    await client.close();
  }
}

async function probeRedis(): Promise<string> {
  const tls = config.redisTls === false ? {} : { tls: config.redisTls === true ? {} : { ca: config.redisTls.ca } };
  const redis = new Redis(config.redisPassword ? withPassword(config.redisUrl, config.redisPassword) : config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...tls });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return `redis ${/redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?'} over TLS as ${await redis.call('ACL', 'WHOAMI') as string}`;
  } finally {
    redis.disconnect();
  }
}

const probes: Record<string, () => Promise<string>> = { kafka: probeKafka, registry: probeRegistry, mongo: probeMongo, redis: probeRedis };
const [component] = process.argv.slice(2);
const run = component ? probes[component] : undefined;
if (!run) {
  console.error('usage: probe.ts kafka|registry|mongo|redis (with the secure endpoints.env in the environment)');
  process.exit(2);
}
try {
  console.log(await run());
  process.exit(0);
} catch (error) {
  console.error(`${component}: ${(error as Error).message}`);
  process.exit(1);
}
