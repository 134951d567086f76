// Deferred outbox clears against the real store: a published outbox is cleared once its delay has
// passed and not before, the oldest go at once when too many wait, and a stop clears the rest;
// while Redis (the ledger) is lost, everything waiting is cleared at once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectMongo, type MongoStores } from '../../src/adapters/mongodb/mongo-store.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startOutboxClears } from '../../src/pipeline/outbox-clears.ts';
import type { AggregateRecord, OutboxRef, OwingIndex } from '../../src/pipeline/ports.ts';
import { pollUntil } from '../support/poll-until.ts';

let mongo: MongoStores;
beforeAll(async () => {
  mongo = await connectMongo(inject('servers').mongodbUri, `cwtest_clears_${randomUUID().replaceAll('-', '').slice(0, 12)}`);
});
afterAll(async () => { await mongo?.close(); }); // not dropped: see worker-harness.ts

const log = createLogger('silent', 'outbox-clears-test');

/**
 * The clears' clock, moved by the test instead of waited for; it counts its readings, so a test
 * can wait until the clears' timer has looked at it (a tick) rather than for a fixed time.
 */
function testClock(start = Date.now()): { now: () => number; advance(ms: number): void; readings(): number } {
  let at = start;
  let readings = 0;
  return { now: () => { readings += 1; return at; }, advance: (ms) => { at += ms; }, readings: () => readings };
}

/** Until the clears' timer has ticked twice more: whatever was due by the clock has been taken. */
async function twoTicks(clock: ReturnType<typeof testClock>): Promise<void> {
  const from = clock.readings();
  await pollUntil(() => clock.readings() >= from + 4, { timeoutMs: 5_000, intervalMs: 20, what: 'two ticks of the clears' });
}

function owing(id: string): AggregateRecord<unknown> {
  return {
    id, version: 1, state: { id },
    outbox: [{ id: `${id}:1:Created`, kind: 'event', key: id, body: { eventId: `${id}:1:Created`, note: 'ünïcode & "quotes"' } }],
    appliedCommandIds: [], indexFields: {},
  };
}

const ref = (record: AggregateRecord<unknown>): OutboxRef => ({ id: record.id, entryIds: record.outbox.map((e) => e.id) });

async function setUp(count: number): Promise<{ name: string; records: AggregateRecord<unknown>[] }> {
  const name = `aggregates_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const records = Array.from({ length: count }, (_, i) => owing(`agg-${i}`));
  for (const record of records) await mongo.aggregates.create(name, record);
  return { name, records };
}

describe('deferred outbox clears', () => {
  it('keeps an outbox, body intact, until its delay has passed, then clears it', async () => {
    const { name, records } = await setUp(3);
    const clock = testClock();
    const clears = startOutboxClears(mongo.aggregates, { delayMs: 1_500, maxPending: 100, batchSize: 2 }, log, { now: clock.now });
    try {
      clears.later(name, records.map(ref));

      clock.advance(1_499); // a millisecond short of the delay
      await twoTicks(clock);
      expect(clears.pending).toBe(3);
      expect((await mongo.aggregates.findOwing(name, 10)).sort()).toEqual(['agg-0', 'agg-1', 'agg-2']);
      expect((await mongo.aggregates.load(name, 'agg-0'))?.outbox).toEqual(records[0]!.outbox);

      clock.advance(1); // the delay has passed: the next tick clears them
      await pollUntil(async () => (await mongo.aggregates.findOwing(name, 10)).length === 0, { timeoutMs: 10_000, what: 'the outboxes cleared' });
      expect(clears.pending).toBe(0);
    } finally {
      await clears.stop();
    }
  });

  it('clears the oldest at once when more than maxPending wait', async () => {
    const { name, records } = await setUp(5);
    const clock = testClock();
    const clears = startOutboxClears(mongo.aggregates, { delayMs: 600_000, maxPending: 2, batchSize: 200 }, log, { now: clock.now });
    try {
      clears.later(name, records.map(ref));

      // The clock stands still, so nothing falls due: only what is beyond maxPending is cleared.
      await pollUntil(async () => (await mongo.aggregates.findOwing(name, 10)).length <= 2, { timeoutMs: 10_000, what: 'the oldest three cleared' });
      await twoTicks(clock);
      expect((await mongo.aggregates.findOwing(name, 10)).sort()).toEqual(['agg-3', 'agg-4']);
      expect(clears.pending).toBe(2);
    } finally {
      await clears.stop();
    }
  });

  it('clears everything waiting at once while the ledger is lost, though the owing index (Redis too) fails every unmark', async () => {
    const { name, records } = await setUp(5);
    const unreachable = async (): Promise<never> => { throw new Error('redis: connection closed'); };
    const owingIndex = { unmark: unreachable } as unknown as OwingIndex;
    const clock = testClock();
    const clears = startOutboxClears(mongo.aggregates, { delayMs: 600_000, maxPending: 100, batchSize: 2 }, log, { now: clock.now, owing: owingIndex });
    try {
      clears.later(name, records.slice(0, 3).map(ref));
      await twoTicks(clock);
      expect(clears.pending).toBe(3);

      clears.ledgerLost();
      await pollUntil(async () => (await mongo.aggregates.findOwing(name, 10)).length === 2, { timeoutMs: 10_000, what: 'the waiting outboxes cleared' });
      expect(clears.pending).toBe(0);
      clears.later(name, [ref(records[3]!)]); // published while Redis is away: at once too
      await pollUntil(async () => (await mongo.aggregates.findOwing(name, 10)).length === 1, { timeoutMs: 10_000, what: 'the new outbox cleared' });

      clears.ledgerBack();
      clears.later(name, [ref(records[4]!)]); // Redis is back: its delay again
      await twoTicks(clock);
      expect(await mongo.aggregates.findOwing(name, 10)).toEqual(['agg-4']);
    } finally {
      await clears.stop();
    }
  });

  it('clears everything still waiting when stopped', async () => {
    const { name, records } = await setUp(3);
    const clears = startOutboxClears(mongo.aggregates, { delayMs: 600_000, maxPending: 100, batchSize: 200 }, log);
    clears.later(name, records.map(ref));

    await clears.stop();

    expect(await mongo.aggregates.findOwing(name, 10)).toEqual([]);
  });
});
