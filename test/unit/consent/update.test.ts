// UpdateConsent: a conditional write on the stored version, for the consent's own user and service.
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';

/** The revision hash a change leaves on the consent (SHA-256, hex). */
const HASH = /^[0-9a-f]{64}$/;
import {
  changed, CREATED, envelope, FUTURE, handle, LATER_FUTURE, NOW, orgConsent, outcome, PAST, refused, SERVICE, USER, userConsent, written,
  type Outcome,
} from './fixtures.ts';

const ID = 'consent-user-1';

/** An update of consent-user-1 (stored at version 3 unless a row says otherwise). */
const update = (payload: Record<string, unknown>): CommandEnvelope =>
  envelope('UpdateConsent', { consentId: ID, serviceId: SERVICE, userId: USER, consentVersion: 4, ...payload }, { commandId: 'cmd-update-1' });

interface Row {
  readonly name: string;
  readonly stored: Consent | null;
  readonly command: CommandEnvelope;
  readonly expected: Outcome;
}

const rows: Row[] = [
  // 200
  { name: 'updates the consentType at the next version with ConsentUpdated (200)',
    stored: userConsent(), command: update({ consentType: 'analytics' }),
    expected: changed('200', ID, 4, 'ConsentUpdated') },
  { name: 'accepts an update that sends only the version (200)',
    stored: userConsent(), command: update({}),
    expected: changed('200', ID, 4, 'ConsentUpdated') },
  { name: 'revokes an ACTIVE consent with ConsentRevoked (200)',
    stored: userConsent(), command: update({ status: 'REVOKED' }),
    expected: changed('200', ID, 4, 'ConsentRevoked') },
  { name: 'revokes an EXPIRED consent with ConsentRevoked (200)',
    stored: userConsent({ status: 'EXPIRED', expiryTime: PAST }), command: update({ status: 'REVOKED' }),
    expected: changed('200', ID, 4, 'ConsentRevoked') },
  { name: 'reports ConsentUpdated, not ConsentRevoked, when a REVOKED consent stays REVOKED (200)',
    stored: userConsent({ status: 'REVOKED' }), command: update({ status: 'REVOKED', consentData: { reason: 'moved' } }),
    expected: changed('200', ID, 4, 'ConsentUpdated') },
  { name: 'updates the data of a REVOKED consent without reactivating it (200)',
    stored: userConsent({ status: 'REVOKED' }), command: update({ consentData: { reason: 'moved' } }),
    expected: changed('200', ID, 4, 'ConsentUpdated') },
  { name: 'keeps an ACTIVE consent ACTIVE without a new expiryTime (200)',
    stored: userConsent(), command: update({ status: 'ACTIVE' }),
    expected: changed('200', ID, 4, 'ConsentUpdated') },
  { name: 'reactivates a REVOKED consent given a future expiryTime (200)',
    stored: userConsent({ status: 'REVOKED' }), command: update({ status: 'ACTIVE', expiryTime: LATER_FUTURE }),
    expected: changed('200', ID, 4, 'ConsentUpdated') },
  { name: 'reactivates an EXPIRED consent given a future expiryTime (200)',
    stored: userConsent({ status: 'EXPIRED', expiryTime: PAST }), command: update({ status: 'ACTIVE', expiryTime: LATER_FUTURE }),
    expected: changed('200', ID, 4, 'ConsentUpdated') },
  { name: 'updates a consent created a moment ago, at version 2 (200)',
    stored: userConsent({ version: 1 }), command: update({ consentVersion: 2, consentType: 'analytics' }),
    expected: changed('200', ID, 2, 'ConsentUpdated') },
  // 404
  { name: 'rejects an update of a missing consent with 404',
    stored: null, command: update({}),
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  { name: "rejects an update of another user's consent with 404",
    stored: userConsent({ userId: 'user-other' }), command: update({}),
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  { name: "rejects an update of another service's consent with 404",
    stored: userConsent({ serviceId: 'svc-other' }), command: update({}),
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  { name: 'rejects an update of an ORG consent with 404',
    stored: orgConsent({ consentId: ID, version: 3, status: 'ACTIVE' }), command: update({}),
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  { name: 'rejects an update of an ORG consent with 404 by its kind, whatever user and service it names',
    stored: orgConsent({ consentId: ID, version: 3, status: 'ACTIVE', userId: USER, serviceId: SERVICE }), command: update({}),
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  { name: 'answers 404 before 409 for a stale version on another user’s consent',
    stored: userConsent({ userId: 'user-other' }), command: update({ consentVersion: 2 }),
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  // 409
  { name: 'rejects a stale consentVersion with 409',
    stored: userConsent({ version: 3 }), command: update({ consentVersion: 3 }),
    expected: refused('409', 'VERSION_CONFLICT') },
  { name: 'rejects a consentVersion two behind with 409',
    stored: userConsent({ version: 3 }), command: update({ consentVersion: 2 }),
    expected: refused('409', 'VERSION_CONFLICT') },
  { name: 'rejects a consentVersion too far ahead with 409',
    stored: userConsent({ version: 3 }), command: update({ consentVersion: 6 }),
    expected: refused('409', 'VERSION_CONFLICT') },
  { name: 'answers 409 before 400 when a stale update would also reactivate without expiryTime',
    stored: userConsent({ status: 'REVOKED' }), command: update({ consentVersion: 3, status: 'ACTIVE' }),
    expected: refused('409', 'VERSION_CONFLICT') },
  // 400
  { name: 'rejects consentVersion 1 (what a create writes) with 409, like any version not following the stored one',
    stored: userConsent({ version: 1 }), command: update({ consentVersion: 1 }),
    expected: refused('409', 'VERSION_CONFLICT') },
  { name: 'rejects consentVersion 1 with 409 whatever version is stored',
    stored: userConsent({ version: 3 }), command: update({ consentVersion: 1 }),
    expected: refused('409', 'VERSION_CONFLICT') },
  { name: 'rejects consentVersion 0 with 400',
    stored: userConsent(), command: update({ consentVersion: 0 }),
    expected: refused('400', 'VALIDATION_FAILED', 'consentVersion') },
  { name: 'rejects a non-integer consentVersion with 400',
    stored: userConsent(), command: update({ consentVersion: 4.5 }),
    expected: refused('400', 'VALIDATION_FAILED', 'consentVersion') },
  { name: 'rejects reactivating a REVOKED consent without a new expiryTime with 400 naming expiryTime',
    stored: userConsent({ status: 'REVOKED' }), command: update({ status: 'ACTIVE' }),
    expected: refused('400', 'VALIDATION_FAILED', 'expiryTime') },
  { name: 'rejects reactivating an EXPIRED consent without a new expiryTime with 400 naming expiryTime',
    stored: userConsent({ status: 'EXPIRED', expiryTime: PAST }), command: update({ status: 'ACTIVE' }),
    expected: refused('400', 'VALIDATION_FAILED', 'expiryTime') },
  { name: 'rejects reactivating with an expiryTime in the past with 400 naming expiryTime',
    stored: userConsent({ status: 'EXPIRED', expiryTime: PAST }), command: update({ status: 'ACTIVE', expiryTime: PAST }),
    expected: refused('400', 'VALIDATION_FAILED', 'expiryTime') },
  { name: 'rejects status EXPIRED on update with 400 (only the scheduler expires)',
    stored: userConsent(), command: update({ status: 'EXPIRED' }),
    expected: refused('400', 'VALIDATION_FAILED', 'status') },
];

describe('UpdateConsent', () => {
  it.each(rows)('$name', ({ stored, command, expected }) => {
    expect(outcome(handle(command, stored))).toEqual(expected);
  });

  it('keeps every field the command does not send and stamps updatedAt with now', () => {
    const stored = userConsent();
    const consent = written(handle(update({ consentType: 'analytics' }), stored));
    expect(consent).toEqual({ ...stored, version: 4, consentType: 'analytics', updatedAt: NOW.toISOString(), lastRevisionHash: expect.stringMatching(HASH) });
    expect(consent.createdAt).toBe(CREATED);
  });

  it('replaces consentData as a whole map when it is sent', () => {
    const stored = userConsent({ consentData: { channel: 'email', locale: 'en-GB' } });
    const consent = written(handle(update({ consentData: { channel: 'sms' } }), stored));
    expect(consent.consentData).toEqual({ channel: 'sms' });
    expect(consent.consentType).toBe(stored.consentType);
    expect(consent.expiryTime).toBe(stored.expiryTime);
  });

  it('writes a new expiryTime in ISO form and keeps the status when none is sent', () => {
    const consent = written(handle(update({ expiryTime: '2031-01-01T01:00:00+01:00' }), userConsent({ expiryTime: FUTURE })));
    expect(consent).toMatchObject({ status: 'ACTIVE', expiryTime: LATER_FUTURE });
  });

  it('reactivates with the new expiryTime, not the lapsed one', () => {
    const consent = written(handle(update({ status: 'ACTIVE', expiryTime: LATER_FUTURE }), userConsent({ status: 'EXPIRED', expiryTime: PAST })));
    expect(consent).toMatchObject({ status: 'ACTIVE', expiryTime: LATER_FUTURE, version: 4 });
  });

  it('shows the stored consent with a 409, so the producer can see the version it lost to', () => {
    const stored = userConsent({ version: 7 });
    expect(handle(update({ consentVersion: 4 }), stored)).toMatchObject({ kind: 'reply', statusCode: '409', view: stored });
  });

  it('does not show another user’s consent with a 404', () => {
    expect(handle(update({}), userConsent({ userId: 'user-other' }))).toMatchObject({ kind: 'reply', statusCode: '404', view: null });
  });

  it('does not change the stored object it was given', () => {
    const stored = userConsent();
    const copy = structuredClone(stored);
    handle(update({ status: 'REVOKED', consentData: { a1: 'b' } }), stored);
    expect(stored).toEqual(copy);
  });
});
