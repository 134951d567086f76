// A crash between the expiry's state change and its publish: the consent document is already
// EXPIRED and its outbox still owes the ConsentExpired. A replica starting up publishes what is
// owed and clears the outbox, and the sweep never expires that consent a second time. And a crash
// after the publish, before the deferred clear: the replica clears without publishing again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, REDIS_KEYS } from '../../src/adapters/redis/redis-services.ts';
import { userConsentState } from '../support/stored-consents.ts';
import { pollUntil } from '../support/poll-until.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The consent's document once its outbox is cleared (the recovery runs in the background). */
async function whenCleared(consentId: string): Promise<Record<string, unknown> | null> {
  const consents = h.mongo.db(h.config.mongodbDatabase).collection('consents');
  const cleared = async (): Promise<Record<string, unknown> | null> => {
    const doc = await consents.findOne({ _id: consentId } as never);
    return doc && doc['owes'] === false ? doc : null;
  };
  // At the deadline the document as it is, so the caller's expectation says what is wrong with it.
  return pollUntil(cleared, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => consents.findOne({ _id: consentId } as never));
}

/** Marks the consent in the owing index, as the crashed round did before it wrote. */
async function markOwing(consentId: string): Promise<void> {
  const redis = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix);
  try {
    await redis.owing.mark([`consents:${consentId}`]);
  } finally {
    await redis.close();
  }
}

/** What apply-round writes for an expiry before it publishes (outboxOf, mongo-store toDocument). */
function crashedExpiryDocument(consentId: string, expiryTime: Date, expiredAt: Date, sweepId: string): Record<string, unknown> {
  const state = userConsentState(consentId, expiryTime, {
    version: 2, status: 'EXPIRED', serviceId: 'svc-recovery', userId: 'user-recovery', updatedAt: expiredAt.toISOString(),
  });
  const event = {
    eventId: `${consentId}:2:ConsentExpired`, eventType: 'ConsentExpired', aggregateId: consentId, version: 2,
    occurredAt: expiredAt.toISOString(), causationId: sweepId, state: { type: 'ConsentState', value: state },
  };
  return {
    _id: consentId, version: 2, state,
    outbox: [{ id: event.eventId, kind: 'event', key: consentId, body: event }],
    owes: true, appliedCommandIds: [], dueAt: null, // EXPIRED: nothing is due any more
  };
}

describe('an expiry interrupted before its publish', () => {
  it('publishes the owed ConsentExpired when a replica starts, and clears the outbox', async () => {
    const consentId = 'exp-crashed-1';
    const expiryTime = new Date(Date.now() - 5_000);
    const expiredAt = new Date(expiryTime.getTime() + 120);
    const consents = h.mongo.db(h.config.mongodbDatabase).collection('consents');
    await consents.insertOne(crashedExpiryDocument(consentId, expiryTime, expiredAt, 'expiry-sweep:crashed-replica') as never);
    await markOwing(consentId);

    await h.startReplica(); // recovers owed outboxes in the background, once it consumes

    const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
    expect(event).toMatchObject({
      eventId: `${consentId}:2:ConsentExpired`, aggregateId: consentId, version: 2,
      occurredAt: expiredAt.toISOString(), causationId: 'expiry-sweep:crashed-replica',
      state: { consentId, status: 'EXPIRED', version: 2, expiryTime: expiryTime.toISOString() },
    });
    expect(await whenCleared(consentId)).toMatchObject({ version: 2, outbox: [], owes: false, state: { status: 'EXPIRED' } });

    await sleep(2_000); // a sweep would have found it by now, were it still due
    expect(h.events(consentId)).toHaveLength(1);
  });

  it('clears without publishing again an outbox the ledger knows as published (a crash before its deferred clear)', async () => {
    const consentId = 'exp-crashed-after-publish';
    const expiryTime = new Date(Date.now() - 5_000);
    const doc = crashedExpiryDocument(consentId, expiryTime, new Date(expiryTime.getTime() + 80), 'expiry-sweep:crashed-replica');
    const consents = h.mongo.db(h.config.mongodbDatabase).collection('consents');
    await consents.insertOne(doc as never);
    await markOwing(consentId);
    const redis = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix);
    try {
      await redis.published.remember([`${consentId}:2:ConsentExpired`], 60_000);
    } finally {
      await redis.close();
    }

    await h.startReplica();

    expect(await whenCleared(consentId)).toMatchObject({ version: 2, outbox: [], owes: false });
    await sleep(2_000); // the first test's owed event arrived within this; nothing may come here
    expect(h.events(consentId)).toEqual([]);
  });

  it('starts a replica at once beside a live peer, leaving to the peer what it holds leases on', async () => {
    const consentId = 'exp-held-by-peer';
    const expiryTime = new Date(Date.now() - 5_000);
    const consents = h.mongo.db(h.config.mongodbDatabase).collection('consents');
    await consents.insertOne(crashedExpiryDocument(consentId, expiryTime, new Date(expiryTime.getTime() + 50), 'expiry-sweep:live-peer') as never);
    await markOwing(consentId);
    const peer = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix);
    try {
      // A live peer is working on it: it holds the aggregate's lease.
      const [lease] = await peer.locks.tryAcquireMany([`consents:${consentId}`], 60_000);
      expect(lease).toBeTruthy();

      const started = Date.now();
      await h.startReplica();
      expect(Date.now() - started).toBeLessThan(15_000); // joins its group; waits for no peer

      await sleep(2_000);
      expect(await consents.findOne({ _id: consentId } as never)).toMatchObject({ owes: true }); // the peer's to flush
      expect(h.events(consentId)).toEqual([]);
      await peer.locks.releaseMany(lease ? [lease] : []);
    } finally {
      await peer.close();
    }
  });

  it('still publishes what a crash left owed when Redis lost the owing index too (one bounded scan of the store)', async () => {
    const consentId = 'exp-crashed-redis-lost';
    const expiryTime = new Date(Date.now() - 5_000);
    const consents = h.mongo.db(h.config.mongodbDatabase).collection('consents');
    await consents.insertOne(crashedExpiryDocument(consentId, expiryTime, new Date(expiryTime.getTime() + 70), 'expiry-sweep:crashed-replica') as never);
    // Not marked: Redis restarted empty after the crash, so its index and its "intact" records are gone.
    const redis = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix);
    try {
      await redis.client.del(REDIS_KEYS.owingIntact('consents'));
    } finally {
      await redis.close();
    }

    await h.startReplica();

    const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
    expect(event).toMatchObject({ eventId: `${consentId}:2:ConsentExpired`, version: 2 });
    expect(await whenCleared(consentId)).toMatchObject({ version: 2, outbox: [], owes: false });
  });
});
