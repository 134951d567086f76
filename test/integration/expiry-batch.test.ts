// The sweep applies a claim as one batch. One consent of the batch that cannot be expired (its
// stored document is corrupt) must not hold back the others: each of them is expired once, and
// the corrupt one is left as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeConsentDocument } from '../support/stored-consents.ts';
import { pollUntil } from '../support/poll-until.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => {
  // One sweep lane, and a safety net that schedules the documents well before they fall due,
  // so all of them are claimed together, in one batch.
  h = await startHarness({ SWEEP_SAFETY_NET_INTERVAL_MS: '300', SWEEP_CONCURRENCY: '1' });
});
afterAll(async () => { await h?.stop(); });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('an expiry batch', () => {
  it('expires every good consent of the batch once when one of them is corrupt, and leaves the corrupt one as it was', async () => {
    const expiryTime = new Date(Date.now() + 4_000);
    const good = Array.from({ length: 5 }, (_, i) => `exp-batch-good-${i}`);
    const corrupt = { _id: 'exp-batch-corrupt', version: 1, state: { status: 'ACTIVE', note: 'not a consent' }, outbox: [], owes: false, appliedCommandIds: [], dueAt: expiryTime };
    const consents = h.mongo.db(h.config.mongodbDatabase).collection('consents');
    await consents.insertMany([...good.map((id) => activeConsentDocument(id, expiryTime)), corrupt] as never[]);

    for (const id of good) {
      expect(await h.waitForEvent(id, 'ConsentExpired', 'consent', 20_000)).toMatchObject({ aggregateId: id, version: 2, state: { status: 'EXPIRED' } });
    }
    await sleep(1_500); // a duplicate, or an event for the corrupt one, would show by now

    for (const id of good) expect(h.events(id)).toHaveLength(1);
    expect(h.events('exp-batch-corrupt')).toHaveLength(0);
    expect(await consents.findOne({ _id: 'exp-batch-corrupt' } as never)).toMatchObject({ version: 1, state: { note: 'not a consent' } });
  }, 60_000);

  it('parks a consent whose expiry fails SWEEP_PARK_AFTER (3) times in a row, and claims it no more', async () => {
    const lot = h.mongo.db(h.config.mongodbDatabase).collection('parked_aggregates');
    const parked = async (): Promise<Record<string, unknown> | null> => lot.findOne({ _id: 'consents:exp-batch-corrupt', parkedAt: { $ne: null } } as never);
    await pollUntil(parked, { timeoutMs: 20_000, intervalMs: 200 }).catch(() => null);
    expect(await parked()).toMatchObject({ collection: 'consents', id: 'exp-batch-corrupt', kind: 'consent-expiry', failures: 3 });
    expect(String((await parked())?.['reason'])).toContain('CorruptAggregateError');

    await sleep(1_500); // several safety-net passes and sweeps
    expect(await parked()).toMatchObject({ failures: 3 }); // not claimed, so not failed, again
    expect(h.events('exp-batch-corrupt')).toHaveLength(0);
  }, 60_000);
});
