// The MongoDB adapter's batch operations, against the real server: loading many aggregates in one
// query, and clearing many outboxes in one write without touching an outbox written since.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectMongo, type MongoStores } from '../../src/adapters/mongodb/mongo-store.ts';
import type { AggregateRecord } from '../../src/pipeline/ports.ts';

let mongo: MongoStores;
beforeAll(async () => {
  mongo = await connectMongo(inject('servers').mongodbUri, `cwtest_store_${randomUUID().replaceAll('-', '').slice(0, 12)}`);
});
afterAll(async () => { await mongo?.close(); }); // not dropped: see worker-harness.ts

const collection = (): string => `aggregates_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

function record(id: string, version: number, owes: boolean): AggregateRecord<unknown> {
  return {
    id, version,
    state: { id, version, note: `v${version}` },
    outbox: owes ? [{ id: `${id}:${version}:Changed`, kind: 'event', key: id, body: { version } }] : [],
    appliedCommandIds: [`cmd-${id}-${version}`],
    indexFields: { dueAt: null },
  };
}

describe('the aggregate store', () => {
  it('loads many aggregates in one call, by id, leaving out ids with no document', async () => {
    const name = collection();
    for (const id of ['a', 'b', 'c']) await mongo.aggregates.create(name, record(id, 1, false));

    const loaded = await mongo.aggregates.loadMany(name, ['a', 'c', 'missing']);

    expect([...loaded.keys()].sort()).toEqual(['a', 'c']);
    expect(loaded.get('c')).toEqual(record('c', 1, false));
    expect(await mongo.aggregates.loadMany(name, [])).toEqual(new Map());
  });

  it('clears the given outboxes in one call and leaves alone an outbox written by a newer version since', async () => {
    const name = collection();
    const a1 = record('a', 1, true);
    const b1 = record('b', 1, true);
    const b2 = record('b', 2, true);
    await mongo.aggregates.create(name, a1);
    await mongo.aggregates.create(name, b1);
    // b moved on before its first outbox was cleared: version 2 owes its own message now.
    expect(await mongo.aggregates.replace(name, b2, 1)).toBe('written');

    await mongo.aggregates.clearOutboxes(name, [a1, b1].map((r) => ({ id: r.id, entryIds: r.outbox.map((entry) => entry.id) })));

    const after = await mongo.aggregates.loadMany(name, ['a', 'b']);
    expect(after.get('a')).toMatchObject({ version: 1, outbox: [] });
    expect(after.get('b')).toMatchObject({ version: 2, outbox: b2.outbox });
    expect(await mongo.aggregates.findOwing(name, 10)).toEqual(['b']);
  });

  it('lets exactly one of many concurrent writes expecting the same version win, on every try', async () => {
    // The version check is the safety when two writers hold no common lease (a lease that expired
    // under a long pause): the server must compare and write as one step. Separate connections, so
    // the writes really do reach the server together.
    const writers = await Promise.all([1, 2, 3, 4].map(() => connectMongo(inject('servers').mongodbUri, mongo.db.databaseName)));
    try {
      const name = collection();
      const tries = 25;
      for (let t = 0; t < tries; t++) await mongo.aggregates.create(name, record(`r${t}`, 1, false));
      const winners: number[] = [];
      for (let t = 0; t < tries; t++) {
        const outcomes = await Promise.all(writers.map((writer, w) =>
          writer.aggregates.replace(name, { ...record(`r${t}`, 2, true), state: { writer: w } }, 1)));
        winners.push(outcomes.filter((o) => o === 'written').length);
        const stored = (await mongo.aggregates.load(name, `r${t}`))?.state as { writer: number };
        // The one reported winner is the one whose state is stored.
        expect(outcomes[stored.writer]).toBe('written');
      }
      expect(winners).toEqual(Array.from({ length: tries }, () => 1));
    } finally {
      await Promise.all(writers.map((writer) => writer.close()));
    }
  });

  it('pages through due consents in (dueAt, id) order, each once, even where due times are equal', async () => {
    // The query reads the consents collection, so this database gets its own store.
    const own = await connectMongo(inject('servers').mongodbUri, `cwtest_due_${randomUUID().replaceAll('-', '').slice(0, 12)}`);
    try {
      const t = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
      const due = [['d', 2], ['a', 1], ['c', 2], ['b', 2], ['e', 3], ['late', 9]] as const;
      for (const [id, s] of due) await own.aggregates.create('consents', { ...record(id, 1, false), indexFields: { dueAt: t(s) } });
      await own.aggregates.create('consents', { ...record('never', 1, false), indexFields: { dueAt: null } });

      const pages: string[][] = [];
      let after: { id: string; dueAt: Date } | null = null;
      for (;;) {
        const page = await own.dueConsents.dueBefore(t(5), 2, after);
        if (page.length === 0) break;
        pages.push(page.map((p) => p.id));
        after = page[page.length - 1] ?? null;
      }

      expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    } finally {
      await own.close();
    }
  });
});
