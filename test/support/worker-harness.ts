// A running worker on its own topics, consumer group, database and Redis prefix, plus a
// producer and a collector: a test talks to the worker only through Kafka, as a producer
// service does. Each harness is isolated, so test files run in parallel and in any order.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startWorker, type Worker, type WorkerOptions } from '../../src/worker.ts';
import { CommandProducer, type CommandOptions } from './command-producer.ts';
import { isolatedEnv } from './isolated-env.ts';
import { TopicCollector, type Received } from './topic-collector.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

/** Which events topic: the consents', the permissions', or the service policies' (ServicePolicySet). */
export type EventTopic = 'consent' | 'permission' | 'policy';

export interface Harness {
  readonly config: Config;
  readonly topics: Config['topics'];
  readonly producer: CommandProducer;
  readonly collector: TopicCollector;
  readonly mongo: MongoClient;
  readonly workers: Worker[];
  /** Starts one more worker replica on the same topics, group, database and Redis prefix. */
  startReplica(overrides?: Record<string, string>): Promise<Worker>;
  consent(commandType: string, payload: Record<string, unknown>, options?: CommandOptions): Promise<string>;
  permission(commandType: string, payload: Record<string, unknown>, options?: CommandOptions): Promise<string>;
  result(commandId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  results(commandId: string): Record<string, unknown>[];
  events(aggregateId: string, topic?: EventTopic): Record<string, unknown>[];
  waitForEvent(aggregateId: string, eventType: string, topic?: EventTopic, timeoutMs?: number): Promise<Record<string, unknown>>;
  dlq(topic: string, timeoutMs?: number): Promise<Received>;
  stop(): Promise<void>;
}

export function testEnv(suffix: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...isolatedEnv(inject('servers'), 'cwtest', suffix),
    TOPIC_PARTITIONS: '3',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    ...overrides,
  };
}

/** What a test may hand the first worker besides its environment (e.g. a store command listener). */
export type HarnessWorkerOptions = Omit<WorkerOptions, 'consume' | 'sweep'>;

export async function startHarness(overrides: Record<string, string> = {}, workerOptions: HarnessWorkerOptions = {}): Promise<Harness> {
  const suffix = randomUUID().slice(0, 8);
  const env = testEnv(suffix, overrides);
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, `worker-${suffix}`);
  const workers: Worker[] = [await startWorker(config, logger, { ...workerOptions, consume: true, sweep: config.sweep.enabled })];

  const kafka = new Kafka({ clientId: `test-${suffix}`, brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING });
  const registry = createRegistry(config.schemaRegistryUrl);
  const kafkaProducer: Producer = kafka.producer();
  await kafkaProducer.connect();
  const producer = new CommandProducer(registry, kafkaProducer);
  const t = config.topics;
  const policyEvents = t.servicePolicyEvents;
  const collector = new TopicCollector(kafka, registry, [t.consentResults, t.consentEvents, policyEvents, t.permissionResults, t.permissionEvents]);
  await collector.start([t.consentResults, t.consentEvents, policyEvents, t.permissionResults, t.permissionEvents,
    `${t.consentCommands}.dlq`, `${t.permissionCommands}.dlq`], `collector-${suffix}`);
  const mongo = await new MongoClient(config.mongodbUri).connect();

  const valuesOf = (topic: string, key: string): Record<string, unknown>[] =>
    collector.received.filter((r) => r.topic === topic && r.key === key).map((r) => r.value as Record<string, unknown>);
  const resultTopics = new Set([t.consentResults, t.permissionResults]);
  const eventsTopic = (topic: EventTopic): string => (topic === 'consent' ? t.consentEvents : topic === 'policy' ? policyEvents : t.permissionEvents);

  return {
    config,
    topics: t,
    producer,
    collector,
    mongo,
    workers,
    async startReplica(more = {}) {
      const replica = await startWorker(loadConfig({ ...env, ...more }), logger, { consume: true, sweep: true });
      workers.push(replica);
      return replica;
    },
    consent: (type, payload, options) => producer.send(t.consentCommands, type, payload, { key: String(payload['consentId'] ?? ''), ...options }),
    permission: (type, payload, options) => producer.send(t.permissionCommands, type, payload, options),
    result: (commandId, timeoutMs) => collector.waitFor(
      (all) => all.find((r) => resultTopics.has(r.topic) && r.key === commandId)?.value as Record<string, unknown> | undefined,
      `the result of ${commandId}`, timeoutMs),
    results: (commandId) => collector.received.filter((r) => resultTopics.has(r.topic) && r.key === commandId).map((r) => r.value as Record<string, unknown>),
    events: (aggregateId, topic = 'consent') => valuesOf(eventsTopic(topic), aggregateId),
    waitForEvent: (aggregateId, eventType, topic = 'consent', timeoutMs) => collector.waitFor(
      (all) => all.find((r) => r.topic === eventsTopic(topic)
        && r.key === aggregateId && (r.value as { eventType?: string } | null)?.eventType === eventType)?.value as Record<string, unknown> | undefined,
      `${eventType} of ${aggregateId}`, timeoutMs),
    dlq: (topic, timeoutMs) => collector.waitFor((all) => all.find((r) => r.topic === `${topic}.dlq`), `a message on ${topic}.dlq`, timeoutMs),
    async stop() {
      for (const worker of workers) await worker.stop();
      await collector.stop();
      await kafkaProducer.disconnect();
      // The database is left in place: FerretDB on SQLite crashed (SIGBUS in the WAL) when a
      // database was dropped while its files were still mapped. Each run uses a fresh name.
      await mongo.close();
      const admin: Admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(t).flatMap((name) => [name, `${name}.dlq`]) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** A time `ms` from now, as producers write it (ISO 8601 with offset). */
export const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();
