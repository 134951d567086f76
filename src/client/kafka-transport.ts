// The producer client's Kafka transport over kafkajs (see transport.ts). It lives in the client,
// not in src/adapters, because the client is a package of its own that never imports the worker's
// internals (docs/architecture.md); the worker's Kafka adapter is src/adapters/kafka/kafka-bus.ts.
// Results are read by a consumer group of the client's own (a fresh id per client, never
// committed), positioned at each partition's end as it was before the group joined: every
// client reads every result, and picks those of the commands it sent.
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type KafkaMessage, type Producer, type SASLOptions } from 'kafkajs';
import { pollUntil } from '../wait/sleep.ts';
import { TOPIC_READY_POLL_MS } from '../wait/backoff.ts';
import type { ClientOptions } from './options.ts';
import { produceBatcher, type OutgoingMessage } from './produce-batcher.ts';
import type { ClientTransport, ResultMessage } from './transport.ts';

export interface KafkaClientTransportOptions extends Pick<ClientOptions, 'ssl' | 'sasl'> {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** How long the results topics may take to be ready, and the results consumer to join its group. */
  readonly joinTimeoutMs?: number;
}

// What a broker can answer about a topic created a moment ago (by a worker starting), until its
// partitions have leaders everywhere.
const NOT_READY_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

async function endsOf(admin: Admin, topic: string, timeoutMs: number): Promise<{ partition: number; high: string }[]> {
  let notReady: unknown = null;
  const ends = await pollUntil(async () => {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!NOT_READY_YET.has((error as { type?: string }).type ?? '')) throw error;
      notReady = error;
      return undefined;
    }
  }, { deadline: Date.now() + timeoutMs, intervalMs: TOPIC_READY_POLL_MS });
  if (!ends) throw notReady;
  return ends;
}

/** A consumed result as the client sees it: headers as strings, no kafkajs types. */
function resultMessageOf(topic: string, message: KafkaMessage): ResultMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(value);
  return { topic, key: message.key?.toString('utf8') ?? null, value: message.value, headers };
}

export function createKafkaClientTransport(options: KafkaClientTransportOptions): ClientTransport {
  const kafka = new Kafka({
    clientId: options.clientId, brokers: [...options.brokers], logLevel: logLevel.NOTHING,
    ...(options.ssl ? { ssl: options.ssl === true ? true : { ca: [options.ssl.ca] } } : {}),
    ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions } : {}),
  });
  // Java's murmur2 partitioner: the same key lands on the same partition as from any other client.
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  let consumer: Consumer | null = null;
  let producerReady: Promise<void> | null = null;
  const joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
  const enqueue = produceBatcher(async (messages: readonly OutgoingMessage[]) => {
    // A failed connect is forgotten, so the next send tries again instead of failing for good.
    producerReady ??= producer.connect().catch((error: unknown) => { producerReady = null; throw error; });
    await producerReady;
    const topics = [...new Set(messages.map((m) => m.topic))];
    await producer.sendBatch({
      acks: -1,
      topicMessages: topics.map((topic) => ({
        topic,
        messages: messages.filter((m) => m.topic === topic).map(({ key, value, headers }) => ({ key, value, ...(headers ? { headers: { ...headers } } : {}) })),
      })),
    });
  });

  return {
    async listen(topics, onMessage) {
      // The ends before joining: seeking there after the join means nothing produced in between is skipped.
      const admin = kafka.admin();
      await admin.connect();
      const ends = await Promise.all(topics.map(async (topic) => ({ topic, partitions: await endsOf(admin, topic, joinTimeoutMs) })))
        .finally(() => admin.disconnect());
      const c = kafka.consumer({ groupId: `${options.clientId}-results-${randomUUID()}`, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
      consumer = c;
      await c.connect();
      await c.subscribe({ topics: [...topics], fromBeginning: false });
      const joined = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`results consumer did not join within ${joinTimeoutMs} ms`)), joinTimeoutMs);
        c.on(c.events.GROUP_JOIN, () => { clearTimeout(timer); resolve(); });
      });
      await c.run({
        autoCommit: false, // a client's group is its own and short-lived: nothing to resume
        eachMessage: async ({ topic, message }) => onMessage(resultMessageOf(topic, message)),
      });
      await joined;
      for (const { topic, partitions } of ends) {
        for (const p of partitions) c.seek({ topic, partition: p.partition, offset: p.high });
      }
    },
    produce: (topic, key, value, headers) => enqueue({ topic, key, value, ...(headers ? { headers } : {}) }),
    async close() {
      await consumer?.disconnect();
      if (producerReady) await producer.disconnect();
    },
  };
}
