// The service policy's effect on consents, pure: a create without expiryTime gets the default
// lifetime, the reminder is owed at expiry − lead, a renewal moves it, and the sweep publishes
// ConsentExpiringSoon once (the reminder is written away with the version it makes).
import { describe, expect, it } from 'vitest';
import type { ExpireConsent } from '../../../src/domain/consent/commands.ts';
import { dueAt, type Consent } from '../../../src/domain/consent/consent.ts';
import { decideConsent, NO_RATE_CONTEXT, type ConsentContext } from '../../../src/domain/consent/decide.ts';
import type { ServicePolicy } from '../../../src/domain/policy/service-policy.ts';
import { envelope, FUTURE, handle, NOW, outcome, changed, unchanged, userConsent, written, SERVICE, USER } from './fixtures.ts';

const DAY = 86_400_000;
const policy = (defaultLifetimeMs: number | null, reminderLeadMs: number | null): ServicePolicy => ({
  serviceId: SERVICE, version: 1, defaultLifetimeMs, reminderLeadMs, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(),
});
const under = (p: ServicePolicy | null): ConsentContext => ({ ...NO_RATE_CONTEXT, servicePolicy: p });
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

const create = (payload: Record<string, unknown>, p: ServicePolicy | null) =>
  handle(envelope('CreateConsent', { consentId: 'consent-user-1', serviceId: SERVICE, userId: USER, status: 'ACTIVE', ...payload }), null, under(p));
const renew = (stored: Consent, payload: Record<string, unknown>, p: ServicePolicy | null) =>
  handle(envelope('UpdateConsent', { consentId: stored.consentId, serviceId: SERVICE, userId: USER, consentVersion: stored.version + 1, ...payload }), stored, under(p));
const sweep = (stored: Consent, now: Date): ReturnType<typeof decideConsent> =>
  decideConsent({ type: 'ExpireConsent', commandId: 'expiry-sweep:test', consentId: stored.consentId } satisfies ExpireConsent, stored, NO_RATE_CONTEXT, now);

describe('CreateConsent under a service policy', () => {
  it('gives a consent without expiryTime the default lifetime from now, and owes its reminder at expiry − lead', () => {
    const consent = written(create({}, policy(30 * DAY, 7 * DAY)));
    expect(consent.expiryTime).toBe(at(30 * DAY));
    expect(consent.reminderDueAt).toBe(at(23 * DAY));
    expect(dueAt(consent)?.toISOString()).toBe(at(23 * DAY)); // the sweep's next moment is the reminder
  });

  it('keeps an expiryTime the command gives, and reminds before it', () => {
    const consent = written(create({ expiryTime: FUTURE }, policy(30 * DAY, DAY)));
    expect(consent.expiryTime).toBe(FUTURE);
    expect(consent.reminderDueAt).toBe(new Date(Date.parse(FUTURE) - DAY).toISOString());
  });

  it('leaves a consent without expiryTime unexpiring when the service has no policy or no default', () => {
    expect(written(create({}, null))).toMatchObject({ expiryTime: null });
    expect(written(create({}, policy(null, DAY)))).toMatchObject({ expiryTime: null });
    expect('reminderDueAt' in written(create({}, null))).toBe(false); // the document keeps today's shape
  });

  it('gives a REVOKED consent no default expiry and no reminder', () => {
    expect(written(create({ status: 'REVOKED' }, policy(30 * DAY, DAY)))).toMatchObject({ expiryTime: null });
  });
});

describe('the renewal reminder', () => {
  const owed = userConsent({ version: 1, expiryTime: at(10 * DAY), reminderDueAt: at(3 * DAY) });

  it('is not published before it is due', () => {
    expect(outcome(sweep(owed, new Date(Date.parse(at(3 * DAY)) - 1)))).toEqual(unchanged());
  });

  it('publishes ConsentExpiringSoon once due, at the next version, and owes nothing more until the expiry', () => {
    const decision = sweep(owed, new Date(Date.parse(at(3 * DAY))));
    expect(outcome(decision)).toEqual(changed('200', owed.consentId, 2, 'ConsentExpiringSoon'));
    const reminded = written(decision);
    expect(reminded).toMatchObject({ status: 'ACTIVE', reminderDueAt: null, expiryTime: owed.expiryTime, updatedAt: owed.updatedAt });
    expect(dueAt(reminded)?.toISOString()).toBe(owed.expiryTime);
    expect(outcome(sweep(reminded, new Date(Date.parse(at(4 * DAY)))))).toEqual(unchanged()); // a second claim writes nothing
  });

  it('is skipped when the expiry is due too: the consent expires', () => {
    expect(outcome(sweep(owed, new Date(Date.parse(at(10 * DAY)))))).toEqual(changed('200', owed.consentId, 2, 'ConsentExpired'));
    expect(written(sweep(owed, new Date(Date.parse(at(10 * DAY)))))).toMatchObject({ reminderDueAt: null });
  });

  it('moves with a renewal: the old one is gone, the new one is owed before the new expiry', () => {
    const renewed = written(renew(owed, { expiryTime: at(40 * DAY) }, policy(null, 7 * DAY)));
    expect(renewed.reminderDueAt).toBe(at(33 * DAY));
    // A claim taken for the old reminder time finds nothing due (stale by state).
    expect(outcome(sweep(renewed, new Date(Date.parse(at(3 * DAY)))))).toEqual(unchanged());
  });

  it('stays owed through an update that does not change the expiry, and goes with a revocation', () => {
    expect(written(renew(owed, { consentType: 'analytics' }, policy(null, 7 * DAY))).reminderDueAt).toBe(owed.reminderDueAt);
    const revoked = written(renew(owed, { status: 'REVOKED' }, policy(null, 7 * DAY)));
    expect(revoked.reminderDueAt).toBeNull();
    expect(dueAt(revoked)).toBeNull();
  });

  it('is owed at once when the lead is longer than what is left of the consent', () => {
    const consent = written(create({ expiryTime: at(DAY) }, policy(null, 7 * DAY)));
    expect(consent.reminderDueAt).toBe(at(-6 * DAY));
    expect(outcome(sweep(consent, NOW))).toEqual(changed('200', consent.consentId, 2, 'ConsentExpiringSoon'));
  });
});
