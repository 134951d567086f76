// MessageBus over kafkajs. kafkajs has been unmaintained since 2023, so nothing outside this
// folder imports it: another client only needs to implement MessageBus again.
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type ConsumerRunConfig, type EachBatchPayload, type IHeaders, type Producer } from 'kafkajs';
import type { Logger } from '../../logging/logger.ts';
import { backoffDelay, TOPIC_READY_POLL_MS } from '../../wait/backoff.ts';
import { pollUntil, sleep } from '../../wait/sleep.ts';
import { InfrastructureError, OversizedRecordError } from '../../pipeline/errors.ts';
import type { ConsumerHandle, InboundMessage, MessageBus, OutboundMessage, PartitionBatch } from '../../pipeline/ports.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, recordBytes } from '../../pipeline/size-limits.ts';
import { kafkaLogCreator } from './kafka-log.ts';
import { kafkajsSecurity, type KafkaSecurityOptions } from './kafka-security.ts';
import { PublishCoalescer } from './publish-coalescer.ts';

export interface KafkaBusOptions extends KafkaSecurityOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** The broker's max.message.bytes; a larger record is refused here, before it is produced. */
  readonly maxMessageBytes?: number;
  /** Hears the API name of every request the producer and the consumers send (kafkajs instrumentation). */
  readonly onRequest?: (apiName: string) => void;
  /** How long the group waits for a silent member (a killed replica) before its partitions move. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
}

// Stock brokers refuse a session under 6 s (group.min.session.timeout.ms); see docs/supported-versions.md.
const DEFAULT_SESSION_TIMEOUT_MS = 6_000;
const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;

/** The broker's answer to a session timeout outside its group.min/max.session.timeout.ms. */
function isInvalidSessionTimeout(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.type === 'INVALID_SESSION_TIMEOUT') return true;
  }
  return false;
}

// The broker's answers to a record (or a batch) over its size limit. kafkajs marks both as not
// retriable and gives up at once; they are never an outage, so never an InfrastructureError.
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

function isTooLargeAnswer(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string' && TOO_LARGE.has(e.type)) return true;
    if (Array.isArray(e.errors) && e.errors.some(isTooLargeAnswer)) return true;
  }
  return false;
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
// What a broker answers about a topic, a partition or a group coordinator it is still setting up.
const NOT_READY_YET = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER',
  'GROUP_COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR',
]);

function notReadyYet(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown; retriable?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string' && NOT_READY_YET.has(e.type)) return true;
  }
  return (error as { name?: string })?.name === 'KafkaJSNumberOfRetriesExceeded';
}

async function untilReady(what: string, ready: () => Promise<boolean>): Promise<void> {
  const isReady = async (): Promise<true | undefined> => {
    try {
      return (await ready()) || undefined;
    } catch (error) {
      if (!notReadyYet(error)) throw error;
      return undefined;
    }
  };
  const done = await pollUntil(isReady, { deadline: Date.now() + TOPIC_READY_TIMEOUT_MS, intervalMs: TOPIC_READY_POLL_MS });
  if (!done) throw new Error(`${what} not ready after ${TOPIC_READY_TIMEOUT_MS} ms`);
}

/**
 * Waits until every partition of `names` is served by its leader. The metadata names a leader
 * a moment before that broker has become it (KRaft publishes the new metadata image before the
 * replica manager applies it), and kafkajs's own wait (createTopics with waitForLeaders) retries
 * only LEADER_NOT_AVAILABLE. A producer or consumer started in between got NOT_LEADER_FOR_PARTITION
 * and logged it at ERROR; so metadata with leaders is awaited, then a ListOffsets answered by the
 * leader of every partition. `admin` is a quiet client: these expected refusals are not logged.
 */
async function untilLeaders(admin: Admin, names: readonly string[]): Promise<void> {
  await untilReady(`leaders of ${names.join(', ')}`, async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
    return topics.length === names.length && topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
  });
  for (const name of names) {
    await untilReady(`partitions of ${name}`, async () => (await admin.fetchTopicOffsets(name)).every((p) => p.high !== undefined));
  }
}

export function createKafkaBus(options: KafkaBusOptions): MessageBus {
  const security = kafkajsSecurity(options);
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
    retry: { retries: 8, initialRetryTime: 200 },
    ...security,
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
  const onRequest = options.onRequest;
  if (onRequest) producer.on(producer.events.REQUEST, (event) => onRequest(event.payload.apiName));
  // For set-up steps whose "not yet" answers are expected (fresh topics, a fresh group
  // coordinator): kafkajs logs every such refusal at ERROR, which would read as a fault.
  const quiet = new Kafka({ clientId: `${options.clientId}-setup`, brokers: [...options.brokers], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, ...security });
  let producerReady: Promise<void> | null = null;
  const consumers: Consumer[] = [];
  let pingAdmin: Admin | null = null;

  async function connectedProducer(): Promise<Producer> {
    // A failed first connect (the broker down at start) is forgotten, so the next publish tries
    // again: a rejected promise kept here would fail every publish of this process's life.
    producerReady ??= producer.connect().catch((error: unknown) => { producerReady = null; throw error; });
    await producerReady;
    return producer;
  }

  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
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
      if (isTooLargeAnswer(error)) {
        const only = messages.length === 1 ? messages[0] as OutboundMessage : null;
        throw new OversizedRecordError(only?.topic ?? messages.map((m) => m.topic).join(','), only ? recordBytes(only) : null, maxMessageBytes, error);
      }
      throw new InfrastructureError('kafka', error);
    }
  });

  return {
    publish(messages: readonly OutboundMessage[]): Promise<void> {
      // Measured before it joins a group send: one oversized record must not fail the others.
      for (const m of messages) {
        const bytes = recordBytes(m);
        if (bytes > maxMessageBytes) return Promise.reject(new OversizedRecordError(m.topic, bytes, maxMessageBytes));
      }
      return coalescer.publish(messages);
    },

    async ensureTopics(topics): Promise<void> {
      const admin = quiet.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: false, // awaited below, tolerating what a broker answers meanwhile
            topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: -1 })),
          });
        }
        // Also for topics that existed: a previous start may have created them and stopped before they were served.
        await untilLeaders(admin, topics.map((t) => t.name));
      } finally {
        await admin.disconnect();
      }
    },

    async consume({ groupId, topics, partitionsConsumedConcurrently, onBatch }): Promise<ConsumerHandle> {
      // On a fresh broker the group coordinator (__consumer_offsets) is created on first use and
      // answers "not available" meanwhile: awaited here, quietly, before the consumer joins.
      const admin = quiet.admin();
      await admin.connect();
      try {
        await untilReady(`the coordinator of group ${groupId}`, async () => (await admin.describeGroups([groupId])).groups.length === 1);
      } finally {
        await admin.disconnect();
      }
      const sessionTimeout = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
      const heartbeatInterval = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
      // kafkajs has neither cooperative rebalancing nor static membership: a killed replica's
      // partitions, and (eager rebalance) every other replica's too, wait for its session to
      // expire. A short session is what keeps that pause short.
      const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout, heartbeatInterval });
      consumers.push(consumer);
      if (onRequest) consumer.on(consumer.events.REQUEST, (event) => onRequest(event.payload.apiName));
      // Group membership for readiness: joined once the group assigned partitions, out again
      // while it rebalances and once the consumer stops or crashes.
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => { joined = true; });
      for (const left of [consumer.events.REBALANCING, consumer.events.STOP, consumer.events.CRASH, consumer.events.DISCONNECT]) {
        consumer.on(left, () => { joined = false; });
      }
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      const runConfig: ConsumerRunConfig = {
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
              // Committed now, explicitly: without autoCommitInterval/Threshold kafkajs's
              // commitOffsetsIfNecessary() commits nothing, and offsets moved once per fetch.
              // The committed offset is the next one to read.
              const next = (BigInt(message.offset) + 1n).toString();
              await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
            },
            heartbeat: () => payload.heartbeat(),
            isRunning: () => payload.isRunning() && !payload.isStale(),
            highWatermark: batch.highWatermark,
          };
          // kafkajs heartbeats only between batches or when asked: a round longer than the
          // session (a slow store, the pauses of an outage) would cost this live replica its
          // partitions. So it is asked every interval while the batch runs (it sends only when due).
          const keepAlive = setInterval(() => { payload.heartbeat().catch(() => undefined); }, heartbeatInterval);
          try {
            await onBatch(partitionBatch);
          } finally {
            clearInterval(keepAlive);
          }
        },
      };
      // kafkajs restarts its consumer after a crash only when the error was retriable; after any
      // other (a coordinator not found after a broker restart, a bug in a handler) it stays
      // stopped while the process lives on, consuming nothing. Restarted here instead, with the
      // one backoff: what was not committed is redelivered and answered idempotently.
      let stopping = false;
      // A consumer that crashes again right after each restart (a broker refusing its session
      // timeout does so at every join) backs off further each time, not from the start: counted
      // until it joins the group again.
      let crashesSinceJoin = 0;
      consumer.on(consumer.events.GROUP_JOIN, () => { crashesSinceJoin = 0; });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart || stopping) return;
        crashesSinceJoin++;
        if (isInvalidSessionTimeout(payload.error)) {
          options.logger.error({ err: payload.error, groupId, sessionTimeoutMs: sessionTimeout },
            'the broker refuses this session timeout: lower its group.min.session.timeout.ms or raise KAFKA_SESSION_TIMEOUT_MS; retrying');
        } else {
          options.logger.error({ err: payload.error, groupId }, 'the Kafka consumer stopped on an error kafkajs does not retry; restarting it');
        }
        void (async () => {
          for (let attempt = crashesSinceJoin; !stopping; attempt++) {
            await sleep(backoffDelay(attempt));
            if (stopping) return;
            try {
              await consumer.connect();
              await consumer.run(runConfig);
              options.logger.info({ groupId, attempt }, 'Kafka consumer running again');
              return;
            } catch (error) {
              options.logger.warn({ err: error, groupId, attempt }, 'restarting the Kafka consumer failed; trying again');
              await consumer.disconnect().catch(() => undefined);
            }
          }
        })();
      });
      await consumer.run(runConfig);
      return {
        async stop() {
          stopping = true;
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
