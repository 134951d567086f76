// MessageBus over kafkajs. kafkajs has been unmaintained since 2023, so nothing outside this
// folder imports it: another client only needs to implement MessageBus again. Publishing lives
// in kafka-producer.ts, consuming (and restarting a crashed consumer) in kafka-consumer.ts.
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import type { Logger } from '../../logging/logger.ts';
import type { MessageBus } from '../../pipeline/ports.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../pipeline/size-limits.ts';
import { startKafkaConsumer, type KafkaConsumerSetting } from './kafka-consumer.ts';
import { kafkaLogCreator } from './kafka-log.ts';
import { createKafkaPublisher } from './kafka-producer.ts';
import { untilLeaders } from './kafka-readiness.ts';
import { kafkajsSecurity, type KafkaSecurityOptions } from './kafka-security.ts';

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

// 3 s: a killed replica's partitions move in about that long. A stock broker refuses it (its
// group.min.session.timeout.ms is 6 s): the consumer then joins with the broker's floor
// (session-timeout.ts); see docs/supported-versions.md.
const DEFAULT_SESSION_TIMEOUT_MS = 3_000;
const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;

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
  const publisher = createKafkaPublisher(kafka, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, options.onRequest);
  // For set-up steps whose "not yet" answers are expected (fresh topics, a fresh group
  // coordinator): kafkajs logs every such refusal at ERROR, which would read as a fault.
  const quiet = new Kafka({ clientId: `${options.clientId}-setup`, brokers: [...options.brokers], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, ...security });
  const consumerSetting: KafkaConsumerSetting = {
    kafka,
    quiet,
    logger: options.logger,
    sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    onRequest: options.onRequest,
  };
  const consumers: Consumer[] = [];
  let pingAdmin: Admin | null = null;

  return {
    publish: (messages) => publisher.publish(messages),
    ensureTopics: (topics) => ensureTopics(quiet, topics),
    consume: (consume) => startKafkaConsumer(consumerSetting, consume, consumers),

    async ping(): Promise<void> {
      // One admin kept for pings, without retries: a probe wants the answer now, not in a minute.
      pingAdmin ??= kafka.admin({ retry: { retries: 0 } });
      await pingAdmin.connect(); // a no-op once connected; reconnects after an outage
      await pingAdmin.describeCluster();
    },

    async close(): Promise<void> {
      await pingAdmin?.disconnect().catch(() => undefined);
      await Promise.allSettled(consumers.map((c) => c.disconnect()));
      await publisher.close();
    },
  };
}

async function ensureTopics(quiet: Kafka, topics: Parameters<MessageBus['ensureTopics']>[0]): Promise<void> {
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
}
