// Event identity: one state change always carries the same eventId, so a consumer can drop a
// redelivered or re-published copy; different changes never share one.
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import { decideConsent, NO_RATE_CONTEXT } from '../../../src/domain/consent/decide.ts';
import type { ConsentDecision } from '../../../src/domain/consent/decide.ts';
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';
import { eventIdFor, makeEvent } from '../../../src/domain/event.ts';
import { envelope, FUTURE, handle, NOW, ORG, ORG_OWNER, orgConsent, PAST, SERVICE, USER, userConsent } from './fixtures.ts';

const eventIds = (decision: ConsentDecision): string[] => (decision.kind === 'change' ? decision.events.map((e) => e.eventId) : []);
const LATER_NOW = new Date(NOW.getTime() + 60_000); // a redelivery a minute later

interface Redelivery {
  readonly name: string;
  readonly stored: Consent | null;
  readonly command: CommandEnvelope;
}

const redeliveries: Redelivery[] = [
  { name: 'CreateConsent', stored: null,
    command: envelope('CreateConsent', { serviceId: SERVICE, userId: USER, status: 'ACTIVE' }, { commandId: 'cmd-stable-1' }) },
  { name: 'UpdateConsent', stored: userConsent(),
    command: envelope('UpdateConsent', { consentId: 'consent-user-1', serviceId: SERVICE, userId: USER, consentVersion: 4, status: 'REVOKED' }) },
  { name: 'RequestOrgConsent', stored: null,
    command: envelope('RequestOrgConsent', { consentId: 'consent-org-9', sourceUserId: USER, targetOrgId: ORG, targetOrgOwnerEmail: 'o@acme.example' }) },
  { name: 'DecideOrgConsent', stored: orgConsent(),
    command: envelope('DecideOrgConsent', { orgId: ORG, consentId: 'consent-org-1', action: 'APPROVE', expiry: FUTURE }, { actor: ORG_OWNER }) },
];

describe('event identity', () => {
  it('builds the eventId from aggregate, version and event type', () => {
    expect(eventIdFor('consent-1', 7, 'ConsentUpdated')).toBe('consent-1:7:ConsentUpdated');
  });

  it('makes an event with every field of the contract', () => {
    const state = { any: 'state' };
    expect(makeEvent('ConsentCreated', 'consent-1', 1, NOW, 'cmd-1', state)).toEqual({
      eventId: 'consent-1:1:ConsentCreated', eventType: 'ConsentCreated', aggregateId: 'consent-1', version: 1,
      occurredAt: NOW.toISOString(), causationId: 'cmd-1', state,
    });
  });

  it.each(redeliveries)('gives a redelivered $name the same eventId and the same decision', ({ stored, command }) => {
    const first = handle(command, stored);
    const again = handle(command, stored);
    expect(eventIds(first)).toHaveLength(1);
    expect(eventIds(again)).toEqual(eventIds(first));
    expect(again).toEqual(first);
  });

  it.each(redeliveries)('keeps the eventId of $name when redelivered at a later instant', ({ stored, command }) => {
    expect(eventIds(handle(command, stored, NO_RATE_CONTEXT, LATER_NOW))).toEqual(eventIds(handle(command, stored)));
  });

  it('gives two sweeps that expire the same consent the same eventId', () => {
    const stored = userConsent({ version: 3, expiryTime: PAST });
    const a = decideConsent({ type: 'ExpireConsent', commandId: 'sweep-a', consentId: stored.consentId }, stored, NO_RATE_CONTEXT, NOW);
    const b = decideConsent({ type: 'ExpireConsent', commandId: 'sweep-b', consentId: stored.consentId }, stored, NO_RATE_CONTEXT, LATER_NOW);
    expect(eventIds(a)).toEqual(['consent-user-1:4:ConsentExpired']);
    expect(eventIds(b)).toEqual(eventIds(a));
  });

  it('gives successive changes of one consent different eventIds in version order', () => {
    const update = (consentVersion: number, consentType: string) =>
      envelope('UpdateConsent', { consentId: 'consent-user-1', serviceId: SERVICE, userId: USER, consentVersion, consentType });
    const v4 = handle(update(4, 'analytics'), userConsent({ version: 3 }));
    const v5 = handle(update(5, 'marketing'), userConsent({ version: 4 }));
    expect([...eventIds(v4), ...eventIds(v5)]).toEqual(['consent-user-1:4:ConsentUpdated', 'consent-user-1:5:ConsentUpdated']);
  });
});
