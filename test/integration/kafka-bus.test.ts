// The Kafka adapter against the real broker: offsets are committed every COMMIT_EVERY commands
// (not once per fetch); a message that keeps failing unexpectedly is parked, not its partition; a
// consumer kafkajs gives up on is restarted; and a record over the broker's size limit is refused
// as a non-retryable OversizedRecordError, never retried as an outage.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createKafkaBus } from '../../src/adapters/kafka/kafka-bus.ts';
import { readTopic } from '../../src/adapters/kafka/topic-reader.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { dlqTopicOf, parkInDeadLetter, PROCESSING_FAILED } from '../../src/pipeline/dead-letter.ts';
import { isRetryable, OversizedRecordError } from '../../src/pipeline/errors.ts';
import { NO_OBSERVER } from '../../src/pipeline/observer.ts';
import { batchHandler } from '../../src/pipeline/partition-batch.ts';
import type { InboundMessage, MessageBus } from '../../src/pipeline/ports.ts';
import { createServedTopics, scratchTopics } from '../support/kafka-topics.ts';

const brokers = inject('servers').kafkaBrokers.split(',');
const logger = createLogger('warn', 'kafka-bus-test');
const kafka = new Kafka({ clientId: 'kafka-bus-test', brokers, logLevel: logLevel.NOTHING });
const scratch = scratchTopics(kafka, 'cwtest.bus');
const topic = scratch.topic;

describe('offsets', () => {
  it('are committed after every chunk of COMMIT_EVERY commands, inside one fetched batch', async () => {
    const name = await topic();
    const groupId = `cwtest-bus-${randomUUID().slice(0, 8)}`;
    const bus = createKafkaBus({ brokers, clientId: 'bus-test', logger });
    // 100 messages are on the partition before the consumer joins, so its first fetch has them all.
    await bus.publish(Array.from({ length: 100 }, (_, i) => ({ topic: name, key: 'k', value: Buffer.from(String(i)) })));
    const committedSeen: { offset: number; committed: number; batchSize: number }[] = [];
    let currentBatchSize = 0;
    const handle = batchHandler({ chunkSize: 10, logger, observer: NO_OBSERVER }, async (messages, done) => {
      for (const message of messages) {
        const offset = Number(message.offset);
        if (offset === 35 || offset === 75) {
          const [partition] = (await scratch.admin().fetchOffsets({ groupId, topics: [name] }))[0]?.partitions ?? [];
          committedSeen.push({ offset, committed: Number(partition?.offset), batchSize: currentBatchSize });
        }
        done.add(message);
      }
    });
    const done = new Promise<void>((resolve) => {
      void bus.consume({
        groupId, topics: [name], partitionsConsumedConcurrently: 1,
        onBatch: async (batch) => {
          currentBatchSize = batch.messages.length;
          await handle(batch);
          if (Number(batch.messages.at(-1)?.offset) === 99) resolve();
        },
      });
    });
    await done;
    await bus.close();
    expect(committedSeen).toEqual([
      { offset: 35, committed: 30, batchSize: 100 }, // three chunks of 10 done and committed, mid-batch
      { offset: 75, committed: 70, batchSize: 100 },
    ]);
  });
});

describe('offsets of small rounds (COMMIT_INTERVAL_MS)', () => {
  /** Consumes `count` messages, each fetched and handled alone, with commits deferred for 60 s. */
  async function consumeOneByOne(count: number) {
    const name = await topic();
    const groupId = `cwtest-bus-${randomUUID().slice(0, 8)}`;
    const bus = createKafkaBus({ brokers, clientId: 'bus-test-interval', logger });
    const committed = async () => Number((await scratch.admin().fetchOffsets({ groupId, topics: [name] }))[0]?.partitions[0]?.offset);
    const handle = batchHandler({ chunkSize: 1, logger, observer: NO_OBSERVER }, async (messages, done) => {
      for (const m of messages) done.add(m);
    });
    let handled = 0;
    let allHandled: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => { allHandled = resolve; });
    const consumer = await bus.consume({
      groupId, topics: [name], partitionsConsumedConcurrently: 1, commitEvery: 256, commitIntervalMs: 60_000,
      onBatch: async (batch) => {
        await handle(batch);
        handled += batch.messages.length;
        if (handled === count) allHandled();
      },
    });
    for (let i = 0; i < count; i++) await bus.publish([{ topic: name, key: 'k', value: Buffer.from(String(i)) }]);
    await finished;
    return { bus, consumer, committed };
  }

  it('are committed once for many small rounds, not once a round, and all of them at stop', async () => {
    const { bus, consumer, committed } = await consumeOneByOne(5);
    // Every round finished, none committed yet: the commit waits for the 60 s timer.
    expect(await committed()).toBeLessThan(5);
    await consumer.stop();
    expect(await committed()).toBe(5); // the next offset to read: every finished message, none lost to the stop
    await bus.close();
  });
});

describe('a message that fails with an unexpected error every time', () => {
  it('is parked alone in the DLQ (PROCESSING_FAILED) after a few tries; the others of its chunk are handled and the partition goes on', async () => {
    const name = await topic();
    await createServedTopics(scratch.admin(), [{ topic: dlqTopicOf(name), numPartitions: 1, replicationFactor: -1 }]);
    scratch.adopt(dlqTopicOf(name));
    const groupId = `cwtest-bus-${randomUUID().slice(0, 8)}`;
    const bus = createKafkaBus({ brokers, clientId: 'bus-test-park', logger });
    await bus.publish(['0', '1', 'poison', '3', '4', '5'].map((v) => ({ topic: name, key: `k${v}`, value: Buffer.from(v) })));
    const handled: string[] = [];
    const handle = batchHandler({
      chunkSize: 10, logger: createLogger('fatal', 'kafka-bus-test'), observer: NO_OBSERVER,
      park: parkInDeadLetter(bus, () => new Date(), 1_048_588, NO_OBSERVER), // the worker's park
    }, async (messages, done) => {
      // A bug that only this message's content triggers, in the middle of a chunk.
      if (messages.some((m) => String(m.value) === 'poison')) throw new TypeError('cannot read properties of undefined');
      for (const m of messages) { handled.push(String(m.value)); done.add(m); }
    });
    const finished = new Promise<void>((resolve) => {
      void bus.consume({
        groupId, topics: [name], partitionsConsumedConcurrently: 1,
        onBatch: async (batch) => {
          await handle(batch);
          if (Number(batch.messages.at(-1)?.offset) === 5) resolve();
        },
      });
    });
    try {
      await finished;
      expect(handled).toEqual(['0', '1', '3', '4', '5']);
      const [partition] = (await scratch.admin().fetchOffsets({ groupId, topics: [name] }))[0]?.partitions ?? [];
      expect(partition?.offset).toBe('6');
      // The letter: original key and bytes, the reason and the error, where it came from.
      const letters = await readTopic({ brokers, clientId: 'bus-test-park' }, dlqTopicOf(name));
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ key: 'kpoison', value: Buffer.from('poison') });
      expect(letters[0]?.headers).toMatchObject({
        'dlq.reason': PROCESSING_FAILED, 'dlq.detail': 'TypeError: cannot read properties of undefined',
        'dlq.source.topic': name, 'dlq.source.partition': '0', 'dlq.source.offset': '2',
      });
    } finally {
      await bus.close();
    }
  });
});

describe('a consumer crash kafkajs would not restart', () => {
  it('is restarted, and the batch that crashed it is delivered again', async () => {
    const name = await topic();
    const groupId = `cwtest-bus-${randomUUID().slice(0, 8)}`;
    const bus = createKafkaBus({ brokers, clientId: 'bus-test-crash', logger: createLogger('fatal', 'kafka-bus-test') });
    await bus.publish([{ topic: name, key: 'k', value: Buffer.from('only') }]);
    let calls = 0;
    // kafkajs gives up at once on a TypeError (it counts it as unrecoverable) and leaves its
    // consumer stopped while the process lives on; before the restart in kafka-consumer.ts this
    // never resolved.
    const delivered = new Promise<number>((resolve) => {
      void bus.consume({
        groupId, topics: [name], partitionsConsumedConcurrently: 1,
        onBatch: async (batch) => {
          calls++;
          if (calls === 1) throw new TypeError('a bug in a handler');
          await batch.commitThrough(batch.messages.at(-1) as NonNullable<(typeof batch.messages)[number]>);
          resolve(calls);
        },
      });
    });
    try {
      const outcome = await Promise.race([delivered, new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 40_000))]);
      expect(outcome).toBe(2);
    } finally {
      await bus.close();
    }
  }, 60_000);
});

describe('a batch that runs longer than the consumer session', () => {
  it('keeps its partition: the bus heartbeats while the batch runs, so it is delivered and committed once', async () => {
    const name = await topic();
    const groupId = `cwtest-bus-long-${randomUUID().slice(0, 8)}`;
    // 6 s: the session a stock broker's floor allows, so the test runs on any broker.
    const bus = createKafkaBus({ brokers, clientId: 'bus-test-long', logger: createLogger('fatal', 'kafka-bus-test'), sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 });
    await bus.publish([{ topic: name, key: 'k', value: Buffer.from('slow') }]);
    const deliveries: string[] = [];
    const committed = new Promise<void>((resolve, reject) => {
      bus.consume({
        groupId, topics: [name], partitionsConsumedConcurrently: 1,
        onBatch: async (batch) => {
          deliveries.push(...batch.messages.map((m) => m.offset));
          await new Promise((r) => setTimeout(r, 9_000)); // one and a half sessions without returning to kafkajs
          await batch.commitThrough(batch.messages.at(-1) as InboundMessage);
          resolve();
        },
      }).catch(reject);
    });
    await committed;
    await new Promise((r) => setTimeout(r, 2_000)); // a redelivery after a lost membership would come now
    await bus.close();
    const [partition] = (await scratch.admin().fetchOffsets({ groupId, topics: [name] }))[0]?.partitions ?? [];
    expect({ deliveries, committed: partition?.offset }).toEqual({ deliveries: ['0'], committed: '1' });
  }, 30_000);
});

describe('a record over the size limit', () => {
  let bus: MessageBus;
  beforeAll(() => {
    bus = createKafkaBus({ brokers, clientId: 'bus-test-size', logger, maxMessageBytes: 1_048_588 });
  });
  afterAll(async () => bus.close());

  it('refused by the broker is a non-retryable OversizedRecordError, at once', async () => {
    const name = await topic([{ name: 'max.message.bytes', value: '20000' }]);
    const started = Date.now();
    const error = await bus.publish([{ topic: name, key: 'k', value: Buffer.alloc(50_000, 1) }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OversizedRecordError);
    expect(isRetryable(error)).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refused by the broker in a group send fails only its own publish', async () => {
    const name = await topic([{ name: 'max.message.bytes', value: '20000' }]);
    const outcomes = await Promise.allSettled([
      bus.publish([{ topic: name, key: 'a', value: Buffer.alloc(100, 1) }]),
      bus.publish([{ topic: name, key: 'b', value: Buffer.alloc(50_000, 1) }]),
      bus.publish([{ topic: name, key: 'c', value: Buffer.alloc(100, 1) }]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(OversizedRecordError);
  });

  it('over KAFKA_MAX_MESSAGE_BYTES is refused before it is produced', async () => {
    const name = await topic();
    const small = createKafkaBus({ brokers, clientId: 'bus-test-limit', logger, maxMessageBytes: 10_000 });
    try {
      const error = await small.publish([{ topic: name, key: 'k', value: Buffer.alloc(20_000, 1) }]).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'OversizedRecordError', retryable: false, limit: 10_000 });
      const offsets = await scratch.admin().fetchTopicOffsets(name);
      expect(offsets[0]?.high).toBe('0'); // nothing reached the broker
    } finally {
      await small.close();
    }
  });
});
