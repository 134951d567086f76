// A backlog of due consents (after an outage, say) that only MongoDB knows of: the safety net
// finds them on the {dueAt} index a page at a time, the sweep drains them in batches, and
// commands keep flowing meanwhile.
//
// Size: EXPIRY_BACKLOG (default 2,000): one safety-net page and forty sweep
// batches, which is what this test is about. More is a matter of time (the native stack drains
// some hundreds a second); EXPIRY_BACKLOG=100000 runs the outage-sized backlog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeConsentDocument } from '../support/stored-consents.ts';
import type { Received } from '../support/topic-collector.ts';
import { pollUntil } from '../support/poll-until.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

const BACKLOG = Number(process.env['EXPIRY_BACKLOG'] ?? 2_000);
const BATCH = 50;
/** Generous: 10 ms a consent, at least 10 minutes (a backlog drains at some hundreds a second here). */
const DRAIN_LIMIT_MS = Math.max(600_000, BACKLOG * 10);
const PREFIX = 'exp-backlog-';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ SWEEP_SAFETY_NET_INTERVAL_MS: '500', SWEEP_BATCH_SIZE: String(BATCH) });
});
afterAll(async () => { await h?.stop(); });

const isBacklogExpiry = (r: Received): boolean =>
  r.topic === h.topics.consentEvents && r.key.startsWith(PREFIX) && (r.value as { eventType?: string } | null)?.eventType === 'ConsentExpired';

const backlogExpired = (): number => h.collector.received.filter(isBacklogExpiry).length;

describe('a backlog of due consents', () => {
  it(`drains ${BACKLOG} due consents found only in MongoDB, while a CreateConsent still gets its 201 promptly`, async () => {
    // Due between 10 minutes and 10 seconds ago; nothing of them is in Redis.
    const now = Date.now();
    const docs = Array.from({ length: BACKLOG }, (_, i) => activeConsentDocument(`${PREFIX}${i}`, new Date(now - 600_000 + Math.floor((i * 590_000) / BACKLOG))));
    const consents = h.mongo.db(h.config.mongodbDatabase).collection('consents');
    for (let i = 0; i < docs.length; i += 5_000) await consents.insertMany(docs.slice(i, i + 5_000) as never[]);
    const drainStarted = Date.now();

    // Once the drain is under way (two batches done), a producer's command must not wait for the
    // backlog to finish.
    await h.collector.waitFor((all) => (all.filter(isBacklogExpiry).length >= 2 * BATCH ? true : undefined),
      'the first two batches of the backlog', 120_000);
    const sentAt = Date.now();
    const create = await h.consent('CreateConsent', {
      consentId: 'exp-backlog-bystander', serviceId: 'svc-backlog', userId: 'user-bystander', status: 'ACTIVE',
    });
    expect((await h.result(create, 10_000))['statusCode']).toBe('201');
    const createLatency = Date.now() - sentAt;
    const expiredWhenAnswered = backlogExpired();

    // Polled, not awaited per message: re-counting 100,000 received messages on every arrival
    // would take the CPU the worker under test needs (they share this process).
    await pollUntil(() => backlogExpired() >= BACKLOG, { timeoutMs: DRAIN_LIMIT_MS, intervalMs: 250 })
      .catch(() => { throw new Error(`only ${backlogExpired()} of ${BACKLOG} backlog expiries after ${DRAIN_LIMIT_MS} ms`); });
    const drainMs = Date.now() - drainStarted;
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const perConsent = new Map<string, number>();
    for (const r of h.collector.received.filter(isBacklogExpiry)) {
      const event = r.value as { eventId: string; version: number; causationId: string; state: { status: string } };
      expect(event).toMatchObject({ eventId: `${r.key}:2:ConsentExpired`, version: 2, state: { status: 'EXPIRED' } });
      expect(event.causationId).toMatch(/^expiry-sweep:/);
      perConsent.set(r.key, (perConsent.get(r.key) ?? 0) + 1);
    }
    expect(perConsent.size).toBe(BACKLOG);
    expect([...perConsent.values()].every((n) => n === 1)).toBe(true);
    const left = await h.mongo.db(h.config.mongodbDatabase).collection('consents')
      .countDocuments({ _id: { $regex: `^${PREFIX}\\d` }, 'state.status': { $ne: 'EXPIRED' } } as never);
    expect(left).toBe(0);

    console.info(`backlog of ${BACKLOG} drained in ${drainMs} ms; a CreateConsent sent during the drain answered in `
      + `${createLatency} ms, when ${expiredWhenAnswered} of the backlog were expired`);
    expect(expiredWhenAnswered).toBeLessThan(BACKLOG); // it really was answered during the drain
    expect(createLatency).toBeLessThan(5_000);
  }, DRAIN_LIMIT_MS + 60_000);
});
