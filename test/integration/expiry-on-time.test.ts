// The expiry scheduler seen from Kafka: a consent whose expiry passes turns EXPIRED once, soon
// after (not before) its expiry, with a ConsentExpired caused by the sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

/** A fair bound on this shared machine; the benchmark (bench/expiry-lag.ts) measures the real lag. */
const LAG_BOUND_MS = 1_500;

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function expiredEvents(consentId: string): Record<string, unknown>[] {
  return h.events(consentId).filter((e) => e['eventType'] === 'ConsentExpired');
}

describe('expiry of ACTIVE consents', () => {
  it('expires consents due at staggered times once each, not before and soon after their expiry', async () => {
    const base = Date.now();
    const consents = [2_000, 3_000, 4_000, 5_000, 6_000].map((offset, i) => ({
      consentId: `exp-stagger-${i}`,
      expiryTime: new Date(base + offset).toISOString(),
    }));
    const commandIds = await Promise.all(consents.map(({ consentId, expiryTime }) => h.consent('CreateConsent', {
      consentId, serviceId: 'svc-exp', userId: `user-stagger-${consentId}`, status: 'ACTIVE', expiryTime,
    })));
    for (const commandId of commandIds) expect((await h.result(commandId))['statusCode']).toBe('201');

    for (const { consentId, expiryTime } of consents) {
      const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
      expect(event).toMatchObject({
        eventId: `${consentId}:2:ConsentExpired`, aggregateId: consentId, version: 2,
        state: { consentId, status: 'EXPIRED', version: 2, expiryTime },
      });
      expect(String(event['causationId'])).toMatch(/^expiry-sweep:/);
      const lag = Date.parse(String(event['occurredAt'])) - Date.parse(expiryTime);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(LAG_BOUND_MS);
    }
    await settle(1_500);
    for (const { consentId } of consents) {
      expect(expiredEvents(consentId)).toHaveLength(1);
      expect(h.events(consentId).map((e) => e['version'])).toEqual([1, 2]);
    }
  });

  it('expires an approved org consent when its expiry passes', async () => {
    const consentId = 'exp-org-approved';
    const orgId = 'org-exp-1';
    const requested = await h.consent('RequestOrgConsent', {
      consentId, sourceUserId: 'user-org-src', targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org',
    });
    expect((await h.result(requested))['statusCode']).toBe('201');
    const expiry = inMs(2_500);
    const decided = await h.consent('DecideOrgConsent', { orgId, consentId, action: 'APPROVE', expiry },
      { actor: { userId: 'owner-1', orgId, roles: ['org_owner'] } });
    const result = await h.result(decided);
    expect(result).toMatchObject({ statusCode: '200', state: { status: 'ACTIVE', expiry } });

    const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
    expect(event).toMatchObject({
      eventId: `${consentId}:3:ConsentExpired`, version: 3, state: { status: 'EXPIRED', kind: 'ORG', expiry },
    });
    expect(String(event['causationId'])).toMatch(/^expiry-sweep:/);
    const lag = Date.parse(String(event['occurredAt'])) - Date.parse(expiry);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(LAG_BOUND_MS);
    await settle(1_000);
    expect(expiredEvents(consentId)).toHaveLength(1);
  });

  it('refuses a CreateConsent whose expiryTime is already past with 400 on expiryTime', async () => {
    const consentId = 'exp-past-create';
    const commandId = await h.consent('CreateConsent', {
      consentId, serviceId: 'svc-exp', userId: 'user-past', status: 'ACTIVE', expiryTime: inMs(-60_000),
    });
    const result = await h.result(commandId);
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'expiryTime', state: null });
    await settle(1_000);
    expect(h.events(consentId)).toEqual([]);
  });
});
