// Two worker replicas sweep the same schedule: claims are atomic, so every consent that falls
// due is expired by exactly one of them, and exactly one ConsentExpired is published.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/worker-harness.ts';

const CONSENTS = 30;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.startReplica();
});
afterAll(async () => { await h?.stop(); });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('two replicas sweeping together', () => {
  it('expires every consent exactly once, with exactly one ConsentExpired each', async () => {
    const base = Date.now() + 3_000;
    const consents = Array.from({ length: CONSENTS }, (_, i) => ({
      consentId: `exp-replicas-${i}`,
      expiryTime: new Date(base + Math.floor((i * 2_000) / CONSENTS)).toISOString(), // due within 2 s
    }));
    const commandIds = await Promise.all(consents.map(({ consentId, expiryTime }) => h.consent('CreateConsent', {
      consentId, serviceId: 'svc-replicas', userId: `user-${consentId}`, status: 'ACTIVE', expiryTime,
    })));
    for (const commandId of commandIds) expect((await h.result(commandId))['statusCode']).toBe('201');

    for (const { consentId } of consents) {
      const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
      expect(event).toMatchObject({ eventId: `${consentId}:2:ConsentExpired`, version: 2, state: { status: 'EXPIRED' } });
      expect(String(event['causationId'])).toMatch(/^expiry-sweep:/);
    }
    await sleep(2_000);
    for (const { consentId } of consents) {
      const events = h.events(consentId);
      expect(events.filter((e) => e['eventType'] === 'ConsentExpired')).toHaveLength(1);
      expect(events.map((e) => e['version'])).toEqual([1, 2]);
    }
    // Each state change was written by one sweeper: the replicas' counts add up to the consents.
    const perReplica = h.workers.map((w) => w.sweeper?.expired ?? 0);
    expect(perReplica).toHaveLength(2);
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(CONSENTS);
    expect(perReplica.every((n) => n > 0)).toBe(true); // both really swept (they share the schedule)
    console.info(`expired per replica: ${perReplica.join(' + ')}`);
  });
});
