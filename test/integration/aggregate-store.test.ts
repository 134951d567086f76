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

    await mongo.aggregates.clearOutboxes(name, [a1, b1]);

    const after = await mongo.aggregates.loadMany(name, ['a', 'b']);
    expect(after.get('a')).toMatchObject({ version: 1, outbox: [] });
    expect(after.get('b')).toMatchObject({ version: 2, outbox: b2.outbox });
    expect(await mongo.aggregates.findOwing(name, 10)).toEqual(['b']);
  });
});
