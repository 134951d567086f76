// The consumer's group session against the real broker: a 3 s session (the default) holds while
// a round runs longer than the session and while the member sits idle (kafkajs heartbeats only
// from its consume loop, whose idle fetch waits 5 s by default); and a session the broker refuses
// at the join is replaced by one within the broker's range, not retried forever.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createKafkaBus } from '../../src/adapters/kafka/kafka-bus.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { InboundMessage, MessageBus, PartitionBatch } from '../../src/pipeline/ports.ts';
import { scratchTopics } from '../support/kafka-topics.ts';

const brokers = inject('servers').kafkaBrokers.split(',');
const logger = createLogger('fatal', 'consumer-session-test');
const kafka = new Kafka({ clientId: 'consumer-session-test', brokers, logLevel: logLevel.NOTHING });
const { topic } = scratchTopics(kafka, 'cwtest.session');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A bus whose JoinGroup requests are counted. A first join takes two (the broker answers the first
 * with MEMBER_ID_REQUIRED); every one after that is a rejoin, i.e. a rebalance of this member.
 */
function countingBus(sessionTimeoutMs?: number): { bus: MessageBus; joins: () => number } {
  let joins = 0;
  const bus = createKafkaBus({
    brokers, clientId: 'session-test', logger, ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
    onRequest: (api) => { if (api === 'JoinGroup') joins++; },
  });
  return { bus, joins: () => joins };
}

describe('the default 3 s session', () => {
  it('holds through a round twice as long as the session: no rebalance, delivered once', async () => {
    const name = await topic();
    const { bus, joins } = countingBus();
    await bus.publish([{ topic: name, key: 'k', value: Buffer.from('slow') }]);
    const deliveries: string[] = [];
    let joinedAfter = 0; // JoinGroup requests it took to join, counted when the first batch arrives
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => { finish = resolve; });
    const consumer = await bus.consume({
      groupId: `cwtest-session-${randomUUID().slice(0, 8)}`, topics: [name], partitionsConsumedConcurrently: 1,
      onBatch: async (batch: PartitionBatch) => {
        deliveries.push(...batch.messages.map((m) => m.offset));
        joinedAfter ||= joins();
        await sleep(7_000); // more than two sessions without returning to kafkajs
        await batch.commitThrough(batch.messages.at(-1) as InboundMessage);
        finish();
      },
    });
    try {
      await finished;
      await sleep(4_000); // a member the group gave up on would rejoin and be handed the message again by now
      expect({ sessionTimeoutMs: consumer.sessionTimeoutMs(), rejoins: joins() - joinedAfter, deliveries, joined: consumer.joined() })
        .toEqual({ sessionTimeoutMs: 3_000, rejoins: 0, deliveries: ['0'], joined: true });
    } finally {
      await bus.close();
    }
  }, 40_000);

  it('holds while the member sits idle for several sessions: no rebalance', async () => {
    const name = await topic();
    const { bus, joins } = countingBus();
    const consumer = await bus.consume({
      groupId: `cwtest-session-${randomUUID().slice(0, 8)}`, topics: [name], partitionsConsumedConcurrently: 1, onBatch: async () => undefined,
    });
    try {
      for (let i = 0; i < 50 && !consumer.joined(); i++) await sleep(200);
      const joinedAfter = joins();
      await sleep(12_000); // four sessions with nothing to fetch
      expect({ rejoins: joins() - joinedAfter, joined: consumer.joined() }).toEqual({ rejoins: 0, joined: true });
    } finally {
      await bus.close();
    }
  }, 40_000);
});

describe('a session the broker refuses', () => {
  it('is replaced at the join by the nearest the broker allows, and the consumer joins', async () => {
    const name = await topic();
    // Over the broker's group.max.session.timeout.ms (30 min by default): refused with
    // INVALID_SESSION_TIMEOUT, as a 3 s session is by a stock broker's 6 s floor.
    const { bus } = countingBus(2_000_000);
    const consumer = await bus.consume({
      groupId: `cwtest-session-${randomUUID().slice(0, 8)}`, topics: [name], partitionsConsumedConcurrently: 1, onBatch: async () => undefined,
    });
    try {
      for (let i = 0; i < 50 && !consumer.joined(); i++) await sleep(200);
      expect({ sessionTimeoutMs: consumer.sessionTimeoutMs(), joined: consumer.joined() }).toEqual({ sessionTimeoutMs: 1_800_000, joined: true });
    } finally {
      await bus.close();
    }
  }, 40_000);
});
