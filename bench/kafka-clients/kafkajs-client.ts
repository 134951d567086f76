// The BenchClient on kafkajs 2.2.4, configured as the worker's bus is: an idempotent producer
// (acks=all), a classic-protocol consumer (kafkajs has no other) whose batches are handed over whole.
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { BenchClient, GroupSetting, OutRecord } from './bench-client.ts';

process.removeAllListeners('warning'); // kafkajs's TimeoutNegativeWarning on Node 24 (harmless)

export function kafkajsClient(brokers: readonly string[], clientId: string): BenchClient {
  const kafka = new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING });
  let producer: Producer | null = null;
  let consumer: Consumer | null = null;
  return {
    async produce(topic: string, records: readonly OutRecord[]) {
      if (!producer) {
        // kafkajs's idempotent producer allows one request in flight per broker.
        producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await producer.connect();
      }
      await producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.partition === undefined ? {} : { partition: r.partition }) })) });
    },
    async consume(group: GroupSetting, onRecords) {
      if (group.protocol !== 'classic' || group.assignor !== 'eager' || group.groupInstanceId !== null) {
        throw new Error('kafkajs speaks only the classic protocol with eager assignors and no static membership');
      }
      consumer = kafka.consumer({
        groupId: group.groupId, sessionTimeout: group.sessionTimeoutMs, heartbeatInterval: group.heartbeatIntervalMs,
        rebalanceTimeout: group.rebalanceTimeoutMs, maxWaitTimeInMs: group.maxWaitMs, allowAutoTopicCreation: false,
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [group.topic], fromBeginning: true });
      await consumer.run({
        autoCommitInterval: group.autocommitIntervalMs,
        // Every partition fetched at once, as @platformatic/kafka's stream does.
        partitionsConsumedConcurrently: 16,
        eachBatch: async ({ batch, heartbeat }) => {
          if (batch.messages.length > 0) onRecords(batch.partition, batch.messages.length);
          await heartbeat();
        },
      });
    },
    async close() {
      await consumer?.disconnect().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
    },
  };
}
