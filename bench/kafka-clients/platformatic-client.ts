// The BenchClient on @platformatic/kafka 2.12.1: an idempotent producer (acks=all) and a consumer
// whose stream hands records over one at a time, in either group protocol.
import { Consumer, Producer, ProduceAcks, type ConsumerOptions } from '@platformatic/kafka';
import type { BenchClient, GroupSetting, OutRecord } from './bench-client.ts';

type Options = ConsumerOptions<Buffer, Buffer, Buffer, Buffer>;

/** The group part of the consumer's options: the classic protocol's session and assignor, or KIP-848's broker-side ones. */
function groupOptions(group: GroupSetting): Partial<Options> {
  const instance = group.groupInstanceId === null ? {} : { groupInstanceId: group.groupInstanceId };
  if (group.protocol === 'consumer') {
    return { groupProtocol: 'consumer', rebalanceTimeout: group.rebalanceTimeoutMs, ...instance } as Partial<Options>;
  }
  return {
    groupProtocol: 'classic', sessionTimeout: group.sessionTimeoutMs, heartbeatInterval: group.heartbeatIntervalMs,
    rebalanceTimeout: group.rebalanceTimeoutMs,
    protocols: [group.assignor === 'eager' ? { name: 'roundrobin', version: 1 } : { name: 'cooperative-sticky', version: 3 }],
    ...instance,
  } as Partial<Options>;
}

export function platformaticClient(brokers: readonly string[], clientId: string): BenchClient {
  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | null = null;
  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | null = null;
  return {
    async produce(topic: string, records: readonly OutRecord[]) {
      producer ??= new Producer({ clientId, bootstrapBrokers: [...brokers], idempotent: true, acks: ProduceAcks.ALL, autocreateTopics: false });
      await producer.send({ messages: records.map((r) => ({ topic, key: r.key, value: r.value, ...(r.partition === undefined ? {} : { partition: r.partition }) })) });
    },
    async consume(group: GroupSetting, onRecords) {
      consumer = new Consumer({
        clientId, bootstrapBrokers: [...brokers], groupId: group.groupId, maxWaitTime: group.maxWaitMs, ...groupOptions(group),
      } as Options);
      const stream = await consumer.consume({
        topics: [group.topic], autocommit: group.autocommitIntervalMs, mode: 'committed', fallbackMode: 'earliest',
      });
      stream.on('data', (message) => { onRecords(message.partition, 1); });
      stream.on('error', (error: unknown) => { console.error('platformatic stream error', error); });
    },
    async close() {
      await consumer?.close(true).catch(() => undefined);
      await producer?.close().catch(() => undefined);
    },
  };
}
