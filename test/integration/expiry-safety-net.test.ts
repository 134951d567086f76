// The safety net for consents the Redis schedule does not know (a lost Redis, a failed schedule
// write, consents stored before the schedule existed). They are put straight into MongoDB here,
// so only the safety net can find them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeConsentDocument } from '../support/stored-consents.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

/** As in expiry-on-time: a fair bound on this shared machine. */
const LAG_BOUND_MS = 1_500;
/** The net's grace (SAFETY_NET_GRACE_MS, 5 s) plus one interval (1 s here) plus slack. */
const LATE_BOUND_MS = 5_000 + 1_000 + 3_000;

let h: Harness;
beforeAll(async () => { h = await startHarness({ SWEEP_SAFETY_NET_INTERVAL_MS: '1000' }); });
afterAll(async () => { await h?.stop(); });

async function expiryLag(consentId: string, expiryTime: Date): Promise<number> {
  const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 30_000);
  expect(event).toMatchObject({ eventId: `${consentId}:2:ConsentExpired`, version: 2 });
  return Date.parse(String(event['occurredAt'])) - expiryTime.getTime();
}

describe('the expiry safety net', () => {
  it('expires on time a consent only MongoDB knows, when a sweeper reads it ahead of its expiry', async () => {
    const expiryTime = new Date(Date.now() + 6_000);
    await h.mongo.db(h.config.mongodbDatabase).collection('consents').insertOne(activeConsentDocument('net-ahead', expiryTime) as never);

    await h.startReplica(); // its first pass reads everything falling due within the lookahead

    const lag = await expiryLag('net-ahead', expiryTime);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(LAG_BOUND_MS);
  });

  it('expires, late by at most its grace and one interval, a consent the schedule lost after it was read ahead', async () => {
    // The running sweepers have read this due time ahead already; only the overdue read finds it.
    const expiryTime = new Date(Date.now() + 2_000);
    await h.mongo.db(h.config.mongodbDatabase).collection('consents').insertOne(activeConsentDocument('net-lost', expiryTime) as never);

    const lag = await expiryLag('net-lost', expiryTime);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(LATE_BOUND_MS);
    expect(h.events('net-lost').filter((e) => e['eventType'] === 'ConsentExpired')).toHaveLength(1);
  });
});
