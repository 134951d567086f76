// ExpireConsent (asked by the expiry sweep, never sent on the topic) and dueAt(), which tells
// the sweep when an ACTIVE consent falls due.
import { describe, expect, it } from 'vitest';
import type { ExpireConsent } from '../../../src/domain/consent/commands.ts';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import { dueAt } from '../../../src/domain/consent/consent.ts';
import { decideConsent, NO_RATE_CONTEXT } from '../../../src/domain/consent/decide.ts';
import { changed, FUTURE, NOW, orgConsent, outcome, PAST, refused, unchanged, userConsent, written, type Outcome } from './fixtures.ts';

/** The revision hash a change leaves on the consent (SHA-256, hex). */
const HASH = /^[0-9a-f]{64}$/;

const sweep = (consentId: string, commandId = 'sweep-2030-01-01T12:00'): ExpireConsent => ({ type: 'ExpireConsent', commandId, consentId });
const expire = (stored: Consent | null, now: Date = NOW, consentId = stored?.consentId ?? 'consent-gone') =>
  decideConsent(sweep(consentId), stored, NO_RATE_CONTEXT, now);

const AT_NOW = NOW.toISOString();
const JUST_AFTER = new Date(NOW.getTime() + 1).toISOString();

interface Row {
  readonly name: string;
  readonly stored: Consent | null;
  readonly expected: Outcome;
}

const rows: Row[] = [
  { name: 'expires an ACTIVE user consent whose expiryTime has passed, with ConsentExpired',
    stored: userConsent({ version: 3, expiryTime: PAST }),
    expected: changed('200', 'consent-user-1', 4, 'ConsentExpired') },
  { name: 'expires an ACTIVE consent whose expiryTime is exactly now',
    stored: userConsent({ version: 3, expiryTime: AT_NOW }),
    expected: changed('200', 'consent-user-1', 4, 'ConsentExpired') },
  { name: 'expires an approved org consent whose expiry has passed',
    stored: orgConsent({ version: 2, status: 'ACTIVE', expiry: PAST, decidedBy: 'owner-01' }),
    expected: changed('200', 'consent-org-1', 3, 'ConsentExpired') },
  { name: 'answers 200 with no events for an ACTIVE consent not yet due',
    stored: userConsent({ expiryTime: JUST_AFTER }),
    expected: unchanged() },
  { name: 'answers 200 with no events for an approved org consent not yet due',
    stored: orgConsent({ version: 2, status: 'ACTIVE', expiry: FUTURE }),
    expected: unchanged() },
  { name: 'leaves an ACTIVE consent without expiry alone',
    stored: userConsent({ expiryTime: null }),
    expected: unchanged() },
  { name: 'leaves a REVOKED consent alone, even past its expiryTime',
    stored: userConsent({ status: 'REVOKED', expiryTime: PAST }),
    expected: unchanged() },
  { name: 'leaves an EXPIRED consent alone (a second sweep writes nothing)',
    stored: userConsent({ status: 'EXPIRED', version: 4, expiryTime: PAST }),
    expected: unchanged() },
  { name: 'leaves a REJECTED org consent alone',
    stored: orgConsent({ status: 'REJECTED', version: 2, expiry: PAST }),
    expected: unchanged() },
  { name: 'leaves a REQUESTED org consent alone',
    stored: orgConsent({ status: 'REQUESTED', expiry: PAST }),
    expected: unchanged() },
  { name: 'answers 404 for a consent that is gone',
    stored: null,
    expected: refused('404', 'CONSENT_NOT_FOUND') },
];

describe('ExpireConsent', () => {
  it.each(rows)('$name', ({ stored, expected }) => {
    expect(outcome(expire(stored))).toEqual(expected);
  });

  it('writes EXPIRED at the next version, keeps the expiryTime and stamps updatedAt with now', () => {
    const stored = userConsent({ version: 3, expiryTime: PAST });
    expect(written(expire(stored))).toEqual({ ...stored, version: 4, status: 'EXPIRED', updatedAt: NOW.toISOString(), lastRevisionHash: expect.stringMatching(HASH) });
  });

  it('names the consent, version and type in the eventId, and the sweep as the cause', () => {
    const decision = expire(userConsent({ consentId: 'consent-exp-9', version: 6, expiryTime: PAST }));
    if (decision.kind !== 'change') throw new Error('expected a change');
    expect(decision.events).toEqual([{
      eventId: 'consent-exp-9:7:ConsentExpired', eventType: 'ConsentExpired', aggregateId: 'consent-exp-9', version: 7,
      occurredAt: NOW.toISOString(), causationId: 'sweep-2030-01-01T12:00', state: decision.aggregate,
      revisionHash: expect.stringMatching(HASH), proof: null,
    }]);
  });

  it('shows the unchanged consent as the state of a no-op', () => {
    const stored = userConsent({ expiryTime: FUTURE });
    expect(expire(stored)).toEqual({ kind: 'reply', statusCode: '200', view: stored });
  });

  it('expires the same consent once due, judged only by the now it is given', () => {
    const stored = userConsent({ expiryTime: FUTURE });
    expect(outcome(expire(stored, NOW))).toEqual(unchanged());
    expect(outcome(expire(stored, new Date(FUTURE)))).toEqual(changed('200', 'consent-user-1', 4, 'ConsentExpired'));
  });
});

describe('dueAt', () => {
  const cases: { name: string; consent: Consent; due: string | null }[] = [
    { name: 'the expiryTime of an ACTIVE user consent', consent: userConsent({ expiryTime: FUTURE }), due: FUTURE },
    { name: 'the expiry of an ACTIVE org consent', consent: orgConsent({ status: 'ACTIVE', expiry: FUTURE }), due: FUTURE },
    { name: 'null for an ACTIVE consent without expiry', consent: userConsent({ expiryTime: null }), due: null },
    { name: 'null for a REVOKED consent', consent: userConsent({ status: 'REVOKED', expiryTime: PAST }), due: null },
    { name: 'null for an EXPIRED consent', consent: userConsent({ status: 'EXPIRED', expiryTime: PAST }), due: null },
    { name: 'null for a REQUESTED org consent', consent: orgConsent({ status: 'REQUESTED' }), due: null },
    { name: 'null for a REJECTED org consent', consent: orgConsent({ status: 'REJECTED', expiry: FUTURE }), due: null },
  ];

  it.each(cases)('gives $name', ({ consent, due }) => {
    expect(dueAt(consent)).toEqual(due === null ? null : new Date(due));
  });
});
