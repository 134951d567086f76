// CreateConsent and RequestOrgConsent: the two commands that write version 1.
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';

/** The revision hash a change leaves on the consent (SHA-256, hex). */
const HASH = /^[0-9a-f]{64}$/;
import {
  changed, envelope, FUTURE, handle, NOW, ORG, orgConsent, outcome, PAST, refused, SERVICE, USER, userConsent, written,
  type Outcome,
} from './fixtures.ts';

interface Row {
  readonly name: string;
  readonly stored: Consent | null;
  readonly command: CommandEnvelope;
  readonly expected: Outcome;
}

const create = (payload: Record<string, unknown>, commandId = 'cmd-create-1'): CommandEnvelope =>
  envelope('CreateConsent', { serviceId: SERVICE, userId: USER, status: 'ACTIVE', ...payload }, { commandId });

const request = (payload: Record<string, unknown>, commandId = 'cmd-request-1'): CommandEnvelope =>
  envelope('RequestOrgConsent', { sourceUserId: USER, targetOrgId: ORG, targetOrgOwnerEmail: 'owner@acme.example', ...payload }, { commandId });

describe('CreateConsent', () => {
  const rows: Row[] = [
    { name: 'creates an ACTIVE consent at version 1 with ConsentCreated (201)',
      stored: null, command: create({ consentId: 'consent-new-1' }),
      expected: changed('201', 'consent-new-1', 1, 'ConsentCreated') },
    { name: 'creates a REVOKED consent at version 1 with ConsentCreated (201)',
      stored: null, command: create({ consentId: 'consent-new-2', status: 'REVOKED' }),
      expected: changed('201', 'consent-new-2', 1, 'ConsentCreated') },
    { name: 'derives the consentId from the commandId when absent (201)',
      stored: null, command: create({}, 'cmd-derived-7'),
      expected: changed('201', 'cmd-derived-7', 1, 'ConsentCreated') },
    { name: 'rejects a consentId already taken by a user consent with 409',
      stored: userConsent({ consentId: 'consent-user-1' }), command: create({ consentId: 'consent-user-1' }),
      expected: refused('409', 'CONSENT_ID_TAKEN') },
    { name: 'rejects a consentId already taken by an org consent with 409',
      stored: orgConsent({ consentId: 'consent-org-1' }), command: create({ consentId: 'consent-org-1' }),
      expected: refused('409', 'CONSENT_ID_TAKEN') },
    { name: 'rejects status EXPIRED with 400 before looking at the store',
      stored: userConsent(), command: create({ status: 'EXPIRED' }),
      expected: refused('400', 'VALIDATION_FAILED', 'status') },
    { name: 'rejects an expiryTime in the past with 400',
      stored: null, command: create({ expiryTime: PAST }),
      expected: refused('400', 'VALIDATION_FAILED', 'expiryTime') },
    { name: 'rejects a consentData key $set with 400',
      stored: null, command: create({ consentData: { $set: 'x' } }),
      expected: refused('400', 'VALIDATION_FAILED', 'consentData') },
    { name: 'rejects a bad userId with 400',
      stored: null, command: create({ userId: 'u!' }),
      expected: refused('400', 'VALIDATION_FAILED', 'userId') },
  ];

  it.each(rows)('$name', ({ stored, command, expected }) => {
    expect(outcome(handle(command, stored))).toEqual(expected);
  });

  it('writes every field of the command, times in ISO form, and stamps createdAt with now', () => {
    const consent = written(handle(create({
      consentId: 'consent-new-3', consentType: 'marketing', consentData: { channel: 'sms' }, expiryTime: '2030-06-01T02:00:00+02:00',
    }), null));
    expect(consent).toEqual({
      consentId: 'consent-new-3', kind: 'USER', version: 1, status: 'ACTIVE',
      serviceId: SERVICE, userId: USER, consentType: 'marketing', consentData: { channel: 'sms' }, expiryTime: FUTURE,
      sourceUserId: null, targetOrgId: null, targetOrgOwnerEmail: null, expiry: null, decidedBy: null,
      createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), lastRevisionHash: expect.stringMatching(HASH),
    });
  });

  it('shows the new consent as the result state and as the event state, caused by the command', () => {
    const decision = handle(create({ consentId: 'consent-new-4' }), null);
    if (decision.kind !== 'change') throw new Error('expected a change');
    expect(decision.view).toEqual(decision.aggregate);
    expect(decision.events[0]).toEqual({
      eventId: 'consent-new-4:1:ConsentCreated', eventType: 'ConsentCreated', aggregateId: 'consent-new-4', version: 1,
      occurredAt: NOW.toISOString(), causationId: 'cmd-create-1', state: decision.aggregate,
      revisionHash: expect.stringMatching(HASH), proof: null,
    });
  });

  it('refuses a taken consentId without showing the stored consent of someone else', () => {
    const decision = handle(create({ consentId: 'consent-user-1' }), userConsent({ userId: 'user-other' }));
    expect(decision).toMatchObject({ kind: 'reply', statusCode: '409', view: null });
  });
});

describe('RequestOrgConsent', () => {
  const rows: Row[] = [
    { name: 'requests an org consent at version 1 with ConsentRequested (201)',
      stored: null, command: request({ consentId: 'consent-org-new' }),
      expected: changed('201', 'consent-org-new', 1, 'ConsentRequested') },
    { name: 'derives the consentId from the commandId when absent (201)',
      stored: null, command: request({}, 'cmd-request-9'),
      expected: changed('201', 'cmd-request-9', 1, 'ConsentRequested') },
    { name: 'rejects a consentId already taken with 409',
      stored: orgConsent({ consentId: 'consent-org-1', status: 'ACTIVE' }), command: request({ consentId: 'consent-org-1' }),
      expected: refused('409', 'CONSENT_ID_TAKEN') },
    { name: 'rejects a consentId taken by a user consent with 409',
      stored: userConsent({ consentId: 'consent-user-1' }), command: request({ consentId: 'consent-user-1' }),
      expected: refused('409', 'CONSENT_ID_TAKEN') },
    { name: 'rejects a bad targetOrgOwnerEmail with 400',
      stored: null, command: request({ targetOrgOwnerEmail: 'owner-at-acme' }),
      expected: refused('400', 'VALIDATION_FAILED', 'targetOrgOwnerEmail') },
  ];

  it.each(rows)('$name', ({ stored, command, expected }) => {
    expect(outcome(handle(command, stored))).toEqual(expected);
  });

  it('writes a REQUESTED ORG consent with no user fields and no expiry', () => {
    const consent = written(handle(request({ consentId: 'consent-org-new' }), null));
    expect(consent).toEqual({
      consentId: 'consent-org-new', kind: 'ORG', version: 1, status: 'REQUESTED',
      serviceId: null, userId: null, consentType: null, consentData: {}, expiryTime: null,
      sourceUserId: USER, targetOrgId: ORG, targetOrgOwnerEmail: 'owner@acme.example',
      expiry: null, decidedBy: null, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), lastRevisionHash: expect.stringMatching(HASH),
    });
  });
});
