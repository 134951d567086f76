// The MongoDB client reconnected when it stays stuck on the close of one connection (docs/faults.md,
// "A worker that answers nothing after FerretDB comes back"), against the real server through a
// TCP proxy that can cut it. The driver's monitor stopping is not reproducible on demand (about one
// FerretDB restart in ten under load), so the test gives the stores' error path (infra) the
// failures that worker saw, server selection failing with the same "connection N … closed", and
// proves what must follow with the real client: a reconnect that waits out an unreachable server
// (readiness red), and the same stores answering on fresh connections once it is back.
import { randomUUID } from 'node:crypto';
import { MongoNetworkError, MongoServerSelectionError, type TopologyDescription } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SAME_CLOSE_REPEATS } from '../../src/adapters/mongodb/dead-connection-watch.ts';
import { connectMongo, infra, type MongoStores } from '../../src/adapters/mongodb/mongo-store.ts';
import { sleep } from '../../src/wait/sleep.ts';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.ts';

let proxy: CountingProxy;
let mongo: MongoStores;
const reconnects: string[] = [];
beforeAll(async () => {
  proxy = await startCountingProxy(inject('servers').mongodbUri);
  const port = new URL(proxy.url).port;
  mongo = await connectMongo(`mongodb://127.0.0.1:${port}/?directConnection=true`, `cwtest_deadconn_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
    undefined, { onReconnect: (message) => reconnects.push(message), stuckAfterMs: 300 });
});
afterAll(async () => {
  await mongo?.close();
  await proxy?.close();
});

const ping = (): Promise<boolean> => mongo.db.command({ ping: 1 }).then(() => true, () => false);

describe('a client stuck on a closed connection', () => {
  it('is reconnected: readiness red while the server is unreachable, the same stores answer once it is back', async () => {
    const record = { id: `c-${randomUUID().slice(0, 8)}`, version: 1, state: { n: 1 }, outbox: [], appliedCommandIds: [], indexFields: {} };
    expect(await mongo.aggregates.create('consents', record)).toBe('written');
    const acceptedBefore = proxy.accepted;
    const dead = new MongoServerSelectionError(`connection 3 to 127.0.0.1:${new URL(proxy.url).port} closed`, {} as TopologyDescription);

    // The server goes away as the repeats pile up: the reconnect must keep trying, not give up.
    proxy.refuse();
    for (let i = 0; i < SAME_CLOSE_REPEATS; i++) {
      await expect(infra(() => Promise.reject(dead))).rejects.toThrow(/connection 3 .* closed/);
      await sleep(200);
    }
    expect(reconnects).toEqual([dead.message]);
    await sleep(1_500);
    expect(await ping()).toBe(false);

    proxy.restore();
    const deadline = Date.now() + 20_000;
    while (!(await ping()) && Date.now() < deadline) await sleep(200);
    expect(await ping()).toBe(true);
    expect((await mongo.aggregates.load('consents', record.id))?.version).toBe(1);
    expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
  }, 30_000);

  it('is not reconnected by an outage that closes many connections once each', async () => {
    const port = new URL(proxy.url).port;
    for (let id = 100; id < 110; id++) {
      await expect(infra(() => Promise.reject(new MongoNetworkError(`connection ${id} to 127.0.0.1:${port} closed`)))).rejects.toThrow();
      await sleep(50);
    }
    expect(reconnects).toHaveLength(1);
  });
});
