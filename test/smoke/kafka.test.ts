// Smoke: the broker is a real Kafka, reached through kafkajs as the worker reaches it.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type EachMessagePayload, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServedTopics } from '../support/kafka-topics.ts';

const servers = inject('servers');
const kafka = new Kafka({
  clientId: 'consent-worker-smoke',
  brokers: servers.kafkaBrokers.split(','),
  logLevel: logLevel.NOTHING, // kafkajs on Node 24 also emits a harmless TimeoutNegativeWarning
});

const partitions = 3;
let admin: Admin;
const producers: Producer[] = [];
const consumers: Consumer[] = [];
const topics: string[] = [];
const groups: string[] = [];

/** A topic of its own, created for one test and deleted after the file. */
async function freshTopic(): Promise<string> {
  const topic = `smoke-kafka-${randomUUID()}`;
  await createServedTopics(admin, [{ topic, numPartitions: partitions, replicationFactor: 1 }]);
  topics.push(topic);
  return topic;
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const client of [...consumers, ...producers]) await client.disconnect();
  if (groups.length > 0) await admin.deleteGroups(groups);
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
});

describe('Kafka', () => {
  it('creates a fresh topic that the broker then lists with its partitions', async () => {
    const topic = await freshTopic();

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });

    expect(await admin.listTopics()).toContain(topic);
    expect(metadata.topics).toHaveLength(1);
    expect(metadata.topics[0]?.name).toBe(topic);
    expect(metadata.topics[0]?.partitions).toHaveLength(partitions);
  });

  it('round-trips a keyed message to a fresh consumer group reading from the beginning', async () => {
    const topic = await freshTopic();
    const key = `subject-${randomUUID()}`;
    const value = JSON.stringify({ kind: 'smoke', at: new Date().toISOString() });

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    producers.push(producer);
    await producer.connect();
    const [sent] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value, headers: { 'x-smoke': 'round-trip' } }],
    });
    expect(sent?.errorCode).toBe(0);

    // Produced before the group exists: only fromBeginning lets the consumer see it.
    const groupId = `smoke-group-${randomUUID()}`;
    groups.push(groupId);
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = Promise.withResolvers<EachMessagePayload>();
    await consumer.run({ eachMessage: async (payload) => received.resolve(payload) });
    const { topic: fromTopic, partition, message } = await received.promise;

    expect(fromTopic).toBe(topic);
    expect(message.key?.toString()).toBe(key);
    expect(message.value?.toString()).toBe(value);
    expect(message.headers?.['x-smoke']?.toString()).toBe('round-trip');
    expect(partition).toBe(sent?.partition);
    expect(message.offset).toBe(sent?.baseOffset);
  });
});
