// The MongoDB parking lot, against the real server: failures counted per aggregate (and reset
// by a success), a parked aggregate listed with its reason, and released by an operator.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectMongo, type MongoStores } from '../../src/adapters/mongodb/mongo-store.ts';
import { createParkingLot } from '../../src/adapters/mongodb/parking-lot.ts';
import type { ParkingLot } from '../../src/pipeline/ports.ts';

let mongo: MongoStores;
let lot: ParkingLot;
beforeAll(async () => {
  mongo = await connectMongo(inject('servers').mongodbUri, `cwtest_lot_${randomUUID().replaceAll('-', '').slice(0, 12)}`);
  lot = createParkingLot(mongo.db);
});
afterAll(async () => { await mongo?.close(); }); // not dropped: see worker-harness.ts

const target = (): { collection: string; id: string } => ({ collection: 'consents', id: `c-${randomUUID().slice(0, 8)}` });

describe('the parking lot', () => {
  it('counts failures in a row per aggregate, concurrent counts included, and a success resets the count', async () => {
    const t = target();
    const counts = await Promise.all(Array.from({ length: 8 }, () => lot.failed('consent-expiry', t, 'corrupt')));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await lot.succeeded('consent-expiry', t);
    expect(await lot.failed('consent-expiry', t, 'corrupt')).toBe(1);
  });

  it('lists a parked aggregate with its kind, reason and count, and releases it once', async () => {
    const t = target();
    const at = new Date('2026-12-03T08:00:00.000Z');
    await lot.park({ ...t, kind: 'consent-expiry', reason: 'stored consent does not have the shape of a consent', failures: 5 }, at);
    expect((await lot.list(1_000)).find((p) => p.id === t.id)).toEqual({
      ...t, kind: 'consent-expiry', reason: 'stored consent does not have the shape of a consent', failures: 5, parkedAt: at,
    });
    await lot.succeeded('consent-expiry', t); // a count reset does not take it out of the lot
    expect((await lot.list(1_000)).some((p) => p.id === t.id)).toBe(true);
    expect(await lot.release(t)).toBe(true);
    expect(await lot.release(t)).toBe(false);
    expect((await lot.list(1_000)).some((p) => p.id === t.id)).toBe(false);
  });

  it('does not list an aggregate that only failed, and release of it says it was not parked', async () => {
    const t = target();
    await lot.failed('consent-expiry', t, 'corrupt');
    expect((await lot.list(1_000)).some((p) => p.id === t.id)).toBe(false);
    expect(await lot.release(t)).toBe(false);
  });
});
