// What the scheduler must not expire (a moved, revoked or rejected consent), and a sweep racing
// an UpdateConsent on the same consent: both go through the same lock and version check, so the
// consent's history is one consistent order either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

const LAG_BOUND_MS = 1_500;

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sleepUntil = (at: number): Promise<void> => sleep(Math.max(0, at - Date.now()));

function expiredEvents(consentId: string): Record<string, unknown>[] {
  return h.events(consentId).filter((e) => e['eventType'] === 'ConsentExpired');
}

async function create(consentId: string, expiryTime: string): Promise<void> {
  const commandId = await h.consent('CreateConsent', { consentId, serviceId: 'svc-alone', userId: `user-${consentId}`, status: 'ACTIVE', expiryTime });
  expect((await h.result(commandId))['statusCode']).toBe('201');
}

function update(consentId: string, payload: Record<string, unknown>): Promise<string> {
  return h.consent('UpdateConsent', { consentId, serviceId: 'svc-alone', userId: `user-${consentId}`, ...payload });
}

/** Versions of a consent's events as received: strictly increasing from 1, no gap, none twice. */
function expectGaplessHistory(consentId: string): number[] {
  const versions = h.events(consentId).map((e) => Number(e['version']));
  expect(versions).toEqual(versions.map((_, i) => i + 1));
  return versions;
}

describe('consents the scheduler leaves alone', () => {
  it('does not expire a consent at its old time once its expiry was moved, and expires it at the new one', async () => {
    const consentId = 'exp-moved';
    const oldExpiry = inMs(2_500);
    await create(consentId, oldExpiry);
    const newExpiry = inMs(5_000);
    const moved = await update(consentId, { consentVersion: 2, expiryTime: newExpiry });
    expect(await h.result(moved)).toMatchObject({ statusCode: '200', state: { version: 2, status: 'ACTIVE', expiryTime: newExpiry } });

    await sleepUntil(Date.parse(oldExpiry) + LAG_BOUND_MS);
    expect(expiredEvents(consentId)).toEqual([]);

    const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
    expect(event).toMatchObject({ eventId: `${consentId}:3:ConsentExpired`, version: 3, state: { status: 'EXPIRED', expiryTime: newExpiry } });
    const lag = Date.parse(String(event['occurredAt'])) - Date.parse(newExpiry);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(LAG_BOUND_MS);
    await sleep(1_000);
    expect(expiredEvents(consentId)).toHaveLength(1);
    expectGaplessHistory(consentId);
  });

  it('never expires a consent revoked before it fell due', async () => {
    const consentId = 'exp-revoked';
    // Room for the create and the revoke to be answered first on a loaded machine (at 2.5 s the
    // revoke sometimes arrived after the expiry).
    const expiry = inMs(6_000);
    await create(consentId, expiry);
    const revoked = await update(consentId, { consentVersion: 2, status: 'REVOKED' });
    expect(await h.result(revoked)).toMatchObject({ statusCode: '200', state: { version: 2, status: 'REVOKED' } });

    await sleepUntil(Date.parse(expiry) + 2_500);
    expect(expiredEvents(consentId)).toEqual([]);
    expect(h.events(consentId).map((e) => e['eventType'])).toEqual(['ConsentCreated', 'ConsentRevoked']);
  });

  it('never expires a rejected org consent', async () => {
    const consentId = 'exp-rejected';
    const orgId = 'org-alone-1';
    const requested = await h.consent('RequestOrgConsent', {
      consentId, sourceUserId: 'user-org-src', targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org',
    });
    expect((await h.result(requested))['statusCode']).toBe('201');
    const expiry = inMs(6_000); // given, but a rejection keeps no expiry; room for a loaded machine
    const rejected = await h.consent('DecideOrgConsent', { orgId, consentId, action: 'REJECT', expiry },
      { actor: { userId: 'owner-1', orgId, roles: ['org_owner'] } });
    expect(await h.result(rejected)).toMatchObject({ statusCode: '200', state: { status: 'REJECTED', expiry: null } });

    await sleepUntil(Date.parse(expiry) + 2_500);
    expect(expiredEvents(consentId)).toEqual([]);
    expect(h.events(consentId).map((e) => e['eventType'])).toEqual(['ConsentRequested', 'ConsentRejected']);
  });
});

describe('a sweep racing an UpdateConsent', () => {
  it('ends in one consistent order: the update then a later expiry, or the expiry then a 409', async () => {
    // Several consents, each updated at a slightly different moment around its expiry, so that
    // both orders get their chance; every one of them must end in one of the two histories.
    const base = Date.now() + 6_000; // every create answered before the first expiry, even on a loaded machine
    const cases = Array.from({ length: 8 }, (_, i) => ({
      consentId: `exp-race-${i}`,
      expiry: new Date(base + i * 400).toISOString(),
      updateAt: base + i * 400 + (i - 4) * 25, // from 100 ms before its expiry to 75 ms after
    }));
    await Promise.all(cases.map(({ consentId, expiry }) => create(consentId, expiry)));

    const updates = await Promise.all(cases.map(async ({ consentId, expiry, updateAt }) => {
      await sleepUntil(updateAt);
      // Far enough ahead that the update is still valid when the worker decides it on a loaded
      // machine (2 s was not: a CI run answered 400, an expiryTime already past, by then).
      const newExpiry = new Date(Date.parse(expiry) + 5_000).toISOString();
      return { consentId, expiry, newExpiry, commandId: await update(consentId, { consentVersion: 2, expiryTime: newExpiry }) };
    }));

    const orders: string[] = [];
    for (const { consentId, expiry, newExpiry, commandId } of updates) {
      const result = await h.result(commandId);
      if (result['statusCode'] === '200') {
        // The update won: the consent expires at its new time, as version 3.
        const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 20_000);
        expect(event).toMatchObject({ version: 3, state: { expiryTime: newExpiry, status: 'EXPIRED' } });
        expect(Date.parse(String(event['occurredAt']))).toBeGreaterThanOrEqual(Date.parse(newExpiry));
        expect(h.events(consentId).map((e) => e['eventType'])).toEqual(['ConsentCreated', 'ConsentUpdated', 'ConsentExpired']);
        orders.push('update-first');
      } else {
        // The sweep won: the consent is EXPIRED at version 2 and the update finds version 2 taken.
        expect(result).toMatchObject({ statusCode: '409', errorCode: 'VERSION_CONFLICT', state: { version: 2, status: 'EXPIRED' } });
        const event = await h.waitForEvent(consentId, 'ConsentExpired', 'consent', 5_000);
        expect(event).toMatchObject({ version: 2, state: { expiryTime: expiry } });
        expect(Date.parse(String(event['occurredAt']))).toBeGreaterThanOrEqual(Date.parse(expiry));
        orders.push('expiry-first');
      }
    }
    await sleep(1_500);
    for (const { consentId } of updates) {
      expect(expiredEvents(consentId)).toHaveLength(1);
      expectGaplessHistory(consentId);
    }
    console.info(`race outcomes: ${orders.join(', ')}`);
  });
});
