// The service policy against the real servers, driven only through the topics: SetServicePolicy
// (authorised by the service_admin role, evented), a CreateConsent without expiryTime that gets
// the service's default lifetime, and the renewal reminder (ConsentExpiringSoon) published once
// per consent at expiry − lead by two sweeping replicas, and not at all after a renewal.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_REFRESH_MS } from '../../src/families/service-policies.ts';
import { pollUntil } from '../support/poll-until.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

const ADMIN = { userId: 'ops-admin-01', roles: ['service_admin'] };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.startReplica();
});
afterAll(async () => { await h?.stop(); });

const newService = (): string => `svc-policy-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * The two replicas each hold the policies in memory: the one that wrote a policy sees it at once,
 * the other at its next refresh (a read of the collection every POLICY_REFRESH_MS). A create keyed
 * to a partition of the other replica waits that out. Nothing the test sees tells it the refresh
 * happened, hence a fixed wait (with room for a slow read on a loaded machine).
 */
const bothReplicasHaveIt = (): Promise<void> => sleep(POLICY_REFRESH_MS + 2_000);

async function setPolicy(serviceId: string, payload: Record<string, unknown>, actor: typeof ADMIN | null = ADMIN): Promise<Record<string, unknown>> {
  const commandId = await h.consent('SetServicePolicy', { serviceId, ...payload }, { key: serviceId, actor });
  return h.result(commandId);
}

async function create(serviceId: string, consentId: string, payload: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const commandId = await h.consent('CreateConsent', { consentId, serviceId, userId: `user-${consentId}`, status: 'ACTIVE', ...payload });
  const result = await h.result(commandId);
  expect(result['statusCode']).toBe('201');
  return result['state'] as Record<string, unknown>;
}

describe('SetServicePolicy', () => {
  it('sets a policy (201, ServicePolicySet) that gives a consent created without expiryTime the default lifetime', async () => {
    const serviceId = newService();
    const result = await setPolicy(serviceId, { defaultExpiryDays: 30, reminderLeadTime: 'P7D' });
    expect(result).toMatchObject({ statusCode: '201', state: null, servicePolicy: { serviceId, version: 1, defaultLifetimeMs: 30 * 86_400_000, reminderLeadMs: 7 * 86_400_000 } });
    const event = await h.waitForEvent(serviceId, 'ServicePolicySet', 'policy');
    expect(event).toMatchObject({ eventId: `${serviceId}:1:ServicePolicySet`, aggregateId: serviceId, state: { serviceId, version: 1 } });
    expect(h.events(serviceId, 'consent')).toEqual([]); // never on the consent events topic
    await bothReplicasHaveIt();

    const consent = await create(serviceId, `pol-default-${randomUUID().slice(0, 8)}`);
    const createdAt = Date.parse(String(consent['createdAt']));
    expect(Date.parse(String(consent['expiryTime'])) - createdAt).toBe(30 * 86_400_000);
    expect(Date.parse(String(consent['reminderDueAt'])) - createdAt).toBe(23 * 86_400_000);
    // Another service's consents are not touched by this policy.
    expect((await create(newService(), `pol-other-${randomUUID().slice(0, 8)}`))['expiryTime']).toBeNull();
  });

  it('changes the policy at the next version, and answers 200 without an event for the same policy again', async () => {
    const serviceId = newService();
    await setPolicy(serviceId, { defaultLifetime: 'P90D' });
    expect(await setPolicy(serviceId, { defaultLifetime: 'P10D' })).toMatchObject({ statusCode: '200', servicePolicy: { version: 2, defaultLifetimeMs: 10 * 86_400_000 } });
    expect(await setPolicy(serviceId, { defaultExpiryDays: 10 })).toMatchObject({ statusCode: '200', servicePolicy: { version: 2 } });
    await pollUntil(() => h.events(serviceId, 'policy').length === 2, { timeoutMs: 10_000, what: 'both ServicePolicySet events' });
    expect(h.events(serviceId, 'policy').map((e) => e['version'])).toEqual([1, 2]);
  });

  it('refuses an actor without the service_admin role with 403, and a command without an actor with 401', async () => {
    const serviceId = newService();
    expect(await setPolicy(serviceId, { defaultExpiryDays: 1 }, { userId: 'dev-01', roles: ['service', 'org_owner'] }))
      .toMatchObject({ statusCode: '403', errorCode: 'FORBIDDEN' });
    expect(await setPolicy(serviceId, { defaultExpiryDays: 1 }, null)).toMatchObject({ statusCode: '401' });
    expect(await setPolicy(serviceId, { defaultLifetime: 'P1Y' })).toMatchObject({ statusCode: '400', field: 'defaultLifetime' });
    // Nothing was set: a consent without expiryTime still never expires.
    expect((await create(serviceId, `pol-refused-${randomUUID().slice(0, 8)}`))['expiryTime']).toBeNull();
  });
});

describe('renewal reminders', () => {
  it('publishes ConsentExpiringSoon once per consent at expiry − lead with two replicas, then expires it', async () => {
    const serviceId = newService();
    await setPolicy(serviceId, { defaultLifetime: 'PT6S', reminderLeadTime: 'PT3S' });
    await bothReplicasHaveIt();
    const ids = Array.from({ length: 12 }, (_, i) => `pol-remind-${i}-${randomUUID().slice(0, 6)}`);
    const created = await Promise.all(ids.map((id) => create(serviceId, id)));

    const lagsMs: number[] = [];
    for (const [i, id] of ids.entries()) {
      const event = await h.waitForEvent(id, 'ConsentExpiringSoon', 'consent', 20_000);
      expect(event).toMatchObject({
        eventId: `${id}:2:ConsentExpiringSoon`, version: 2, state: { status: 'ACTIVE', reminderDueAt: null },
        revisionHash: expect.stringMatching(/^[0-9a-f]{64}$/), // the reminder is a revision of the ledger like any change
      });
      expect(String(event['causationId'])).toMatch(/^expiry-sweep:/);
      const dueAt = Date.parse(String(created[i]?.['reminderDueAt']));
      expect(dueAt).toBe(Date.parse(String(created[i]?.['expiryTime'])) - 3_000);
      expect(Date.parse(String(event['occurredAt']))).toBeGreaterThanOrEqual(dueAt);
      lagsMs.push(Date.parse(String(event['occurredAt'])) - dueAt);
    }
    for (const id of ids) await h.waitForEvent(id, 'ConsentExpired', 'consent', 20_000);
    await sleep(1_000);
    for (const id of ids) {
      expect(h.events(id).map((e) => `${e['version']}:${e['eventType']}`)).toEqual(['1:ConsentCreated', '2:ConsentExpiringSoon', '3:ConsentExpired']);
    }
    const perReplica = h.workers.map((w) => w.sweeper?.reminded ?? 0);
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(ids.length);
    console.info(`reminders per replica: ${perReplica.join(' + ')}; lag ms (occurredAt − due): max ${Math.max(...lagsMs)}, all ${lagsMs.sort((a, b) => a - b).join(' ')}`);
  });

  it('does not send the reminder of an expiry that a renewal replaced', async () => {
    const serviceId = newService();
    await setPolicy(serviceId, { reminderLeadTime: 'PT4S' });
    await bothReplicasHaveIt();
    const consentId = `pol-renew-${randomUUID().slice(0, 8)}`;
    // Reminder owed in 11 s: room for the create and the renewal on a loaded machine.
    const consent = await create(serviceId, consentId, { expiryTime: inMs(15_000) });
    const renewal = await h.consent('UpdateConsent', {
      consentId, serviceId, userId: consent['userId'], consentVersion: 2, expiryTime: inMs(600_000),
    });
    const renewed = await h.result(renewal);
    expect(renewed).toMatchObject({ statusCode: '200', state: { version: 2 } });
    const newDue = Date.parse(String((renewed['state'] as Record<string, unknown>)['reminderDueAt']));
    expect(newDue).toBe(Date.parse(String((renewed['state'] as Record<string, unknown>)['expiryTime'])) - 4_000);
    // Past the old reminder time and the old expiry, with margin: neither was acted on.
    await sleep(Math.max(0, Date.parse(String(consent['expiryTime'])) - Date.now()) + 1_500);
    expect(h.events(consentId).map((e) => e['eventType'])).toEqual(['ConsentCreated', 'ConsentUpdated']);
  });
});
