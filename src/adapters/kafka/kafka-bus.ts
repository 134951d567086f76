// MessageBus over kafkajs. kafkajs has been unmaintained since 2023, so nothing outside this
// folder imports it: another client only needs to implement MessageBus again.
import { Kafka, Partitioners, logLevel, type Admin, type SASLOptions, type Consumer, type EachBatchPayload, type IHeaders, type Producer } from 'kafkajs';
import type { Logger } from '../../logging/logger.ts';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { ConsumerHandle, InboundMessage, MessageBus, OutboundMessage, PartitionBatch } from '../../pipeline/ports.ts';
import { kafkaLogCreator } from './kafka-log.ts';
import { PublishCoalescer } from './publish-coalescer.ts';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** TLS to the brokers: true trusts the system's CAs; `{ca}` adds a CA (PEM). */
  readonly ssl?: boolean | { readonly ca: string };
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string } | null;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return out;
}

/** How long a topic just created may take to have a leader on every partition. */
const TOPIC_READY_TIMEOUT_MS = 30_000;
// What a broker answers about a topic it created a moment ago, until its leaders are known.
const NOT_READY_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until every partition of `names` has a leader. kafkajs's own wait (createTopics with
 * waitForLeaders) retries only LEADER_NOT_AVAILABLE and fails on the UNKNOWN_TOPIC_OR_PARTITION
 * that a KRaft broker can answer right after the creation, so the start-up failed now and then.
 */
async function untilLeaders(admin: Admin, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      const ready = topics.length === names.length
        && topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
    } catch (error) {
      if (!NOT_READY_YET.has((error as { type?: string }).type ?? '')) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leaders after ${TOPIC_READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function createKafkaBus(options: KafkaBusOptions): MessageBus {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
    retry: { retries: 8, initialRetryTime: 200 },
    ...(options.ssl ? { ssl: options.ssl === true ? true : { ca: [options.ssl.ca] } } : {}),
    ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions } : {}),
  });
  // Idempotent producer: a retried send cannot duplicate or reorder messages of a partition.
  // Its retries are unbounded, as idempotence requires: during a broker outage a publish waits
  // (and the command with it) instead of failing. The default partitioner is Java's murmur2,
  // so a key lands on the same partition whichever client produced it.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
  });
  let producerReady: Promise<void> | null = null;
  const consumers: Consumer[] = [];
  let pingAdmin: Admin | null = null;

  async function connectedProducer(): Promise<Producer> {
    producerReady ??= producer.connect();
    await producerReady;
    return producer;
  }

  const coalescer = new PublishCoalescer(async (messages) => {
    const byTopic = new Map<string, OutboundMessage[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic);
      if (list) list.push(m);
      else byTopic.set(m.topic, [m]);
    }
    try {
      await (await connectedProducer()).sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: { ...m.headers } } : {}) })),
        })),
      });
    } catch (error) {
      throw new InfrastructureError('kafka', error);
    }
  });

  return {
    publish: (messages: readonly OutboundMessage[]): Promise<void> => coalescer.publish(messages),

    async ensureTopics(topics): Promise<void> {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: false, // awaited below, tolerating what a broker answers meanwhile
            topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: -1 })),
          });
          await untilLeaders(admin, missing.map((t) => t.name));
        }
      } finally {
        await admin.disconnect();
      }
    },

    async consume({ groupId, topics, partitionsConsumedConcurrently, onBatch }): Promise<ConsumerHandle> {
      const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
      consumers.push(consumer);
      // Group membership for readiness: joined once the group assigned partitions, out again
      // while it rebalances and once the consumer stops or crashes.
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => { joined = true; });
      for (const left of [consumer.events.REBALANCING, consumer.events.STOP, consumer.events.CRASH, consumer.events.DISCONNECT]) {
        consumer.on(left, () => { joined = false; });
      }
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently,
        eachBatchAutoResolve: false, // an offset is resolved only once its command is fully done
        autoCommit: true,
        eachBatch: async (payload: EachBatchPayload) => {
          const { batch } = payload;
          const messages: InboundMessage[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString('utf8') ?? null,
            value: m.value,
            headers: headersOf(m.headers),
          }));
          const partitionBatch: PartitionBatch = {
            topic: batch.topic,
            partition: batch.partition,
            messages,
            async commitThrough(message) {
              payload.resolveOffset(message.offset);
              await payload.commitOffsetsIfNecessary();
            },
            heartbeat: () => payload.heartbeat(),
            isRunning: () => payload.isRunning() && !payload.isStale(),
            highWatermark: batch.highWatermark,
          };
          await onBatch(partitionBatch);
        },
      });
      return {
        async stop() {
          await consumer.disconnect();
        },
        joined: () => joined,
      };
    },

    async ping(): Promise<void> {
      // One admin kept for pings, without retries: a probe wants the answer now, not in a minute.
      pingAdmin ??= kafka.admin({ retry: { retries: 0 } });
      await pingAdmin.connect(); // a no-op once connected; reconnects after an outage
      await pingAdmin.describeCluster();
    },

    async close(): Promise<void> {
      await pingAdmin?.disconnect().catch(() => undefined);
      await Promise.allSettled(consumers.map((c) => c.disconnect()));
      if (producerReady) await producer.disconnect();
    },
  };
}
