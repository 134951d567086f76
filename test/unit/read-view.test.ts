import { describe, expect, it } from 'vitest';
import type { Consent } from '../../src/domain/consent/consent.ts';
import { readKeysOf, prefixRange, userKeyPrefix } from '../../src/domain/consent/read-keys.ts';
import { checkAccess, orgConsentList, ownedBy, statusAt, userConsentView } from '../../src/domain/consent/read-view.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const BEFORE = '2026-12-01T11:59:59.999Z';
const AFTER = '2026-12-01T12:00:00.001Z';

const user = (over: Partial<Consent> = {}): Consent => ({
  consentId: 'c-1', kind: 'USER', version: 3, status: 'ACTIVE', serviceId: 'svc', userId: 'usr', consentType: 'marketing',
  consentData: { a: 'b' }, expiryTime: AFTER, sourceUserId: null, targetOrgId: null, targetOrgOwnerEmail: null, expiry: null,
  decidedBy: null, createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z', ...over,
});
const org = (over: Partial<Consent> = {}): Consent => user({
  kind: 'ORG', serviceId: null, userId: null, consentType: null, consentData: {}, expiryTime: null,
  sourceUserId: 'src-user', targetOrgId: 'org-1', targetOrgOwnerEmail: 'o@example.org', expiry: null, ...over,
});

describe('statusAt: expiry enforced at read time', () => {
  it.each([
    ['an ACTIVE consent whose expiryTime has passed reads EXPIRED', user({ expiryTime: BEFORE }), 'EXPIRED'],
    ['an ACTIVE consent expiring exactly now reads EXPIRED (due at its expiry, as the sweep)', user({ expiryTime: NOW.toISOString() }), 'EXPIRED'],
    ['an ACTIVE consent not yet expired reads ACTIVE', user({ expiryTime: AFTER }), 'ACTIVE'],
    ['an ACTIVE consent without expiry reads ACTIVE', user({ expiryTime: null }), 'ACTIVE'],
    ['an approved org consent whose expiry passed reads EXPIRED', org({ status: 'ACTIVE', expiry: BEFORE }), 'EXPIRED'],
    ['a REVOKED consent past its expiry stays REVOKED', user({ status: 'REVOKED', expiryTime: BEFORE }), 'REVOKED'],
    ['a REQUESTED org consent is REQUESTED', org({ status: 'REQUESTED' }), 'REQUESTED'],
  ])('%s', (_name, consent, status) => {
    expect(statusAt(consent, NOW)).toBe(status);
  });

  it('shows the read-time status in the user view, with the stored version', () => {
    expect(userConsentView(user({ expiryTime: BEFORE }), NOW)).toEqual({
      consentId: 'c-1', consentVersion: 3, userId: 'usr', serviceId: 'svc', status: 'EXPIRED', consentType: 'marketing',
      consentData: { a: 'b' }, expiryTime: BEFORE,
    });
  });
});

describe('orgConsentList', () => {
  it('lists ACTIVE unexpired and REQUESTED consents of the org only, in consentId order', () => {
    const list = orgConsentList([
      org({ consentId: 'c-3', status: 'REQUESTED' }),
      org({ consentId: 'c-1', status: 'ACTIVE', expiry: AFTER }),
      org({ consentId: 'c-2', status: 'ACTIVE', expiry: BEFORE }),
      org({ consentId: 'c-4', status: 'REJECTED' }),
      org({ consentId: 'c-5', status: 'REQUESTED', targetOrgId: 'org-2' }),
      user({ consentId: 'c-6' }),
    ], 'org-1', NOW);
    expect(list).toEqual([
      { consentId: 'c-1', source: { userId: 'src-user' }, status: 'ACTIVE', target: { orgId: 'org-1', orgOwnerEmail: 'o@example.org' } },
      { consentId: 'c-3', source: { userId: 'src-user' }, status: 'REQUESTED', target: { orgId: 'org-1', orgOwnerEmail: 'o@example.org' } },
    ]);
  });
});

describe('ownedBy', () => {
  it('gives the consent only to its own service and user', () => {
    expect(ownedBy(user(), 'svc', 'usr')).not.toBeNull();
    expect(ownedBy(user(), 'svc', 'other')).toBeNull();
    expect(ownedBy(user(), 'other', 'usr')).toBeNull();
    expect(ownedBy(org(), 'svc', 'usr')).toBeNull();
    expect(ownedBy(null, 'svc', 'usr')).toBeNull();
  });
});

describe('checkAccess', () => {
  it('allows with an ACTIVE unexpired consent of the type, naming the longest-lasting one', () => {
    const decision = checkAccess([
      user({ consentId: 'short', expiryTime: AFTER }),
      user({ consentId: 'never', expiryTime: null, version: 2 }),
    ], 'svc', 'usr', 'marketing', NOW);
    expect(decision).toEqual({ allowed: true, consentId: 'never', consentVersion: 2, expiresAt: null, reason: 'ACTIVE_CONSENT' });
  });

  it('denies an ACTIVE consent whose expiry has passed, even though the sweep has not run', () => {
    expect(checkAccess([user({ expiryTime: BEFORE })], 'svc', 'usr', 'marketing', NOW))
      .toEqual({ allowed: false, consentId: 'c-1', consentVersion: 3, expiresAt: BEFORE, reason: 'EXPIRED' });
  });

  it.each([
    ['REVOKED', user({ status: 'REVOKED' }), 'REVOKED'],
    ['no consent of that type', user({ consentType: 'analytics' }), 'NO_CONSENT'],
    ["another user's consent", user({ userId: 'other' }), 'NO_CONSENT'],
  ])('denies with %s', (_name, consent, reason) => {
    const decision = checkAccess([consent], 'svc', 'usr', 'marketing', NOW);
    expect(decision).toMatchObject({ allowed: false, reason });
  });

  it('explains a denial by the most recently updated consent of the type', () => {
    const decision = checkAccess([
      user({ consentId: 'old', status: 'REVOKED', updatedAt: '2026-11-02T00:00:00.000Z' }),
      user({ consentId: 'new', expiryTime: BEFORE, updatedAt: '2026-11-03T00:00:00.000Z' }),
    ], 'svc', 'usr', 'marketing', NOW);
    expect(decision).toMatchObject({ allowed: false, consentId: 'new', reason: 'EXPIRED' });
  });
});

describe('read keys', () => {
  it('keys a user consent by service, user and id, an org consent by org and id, and either by its subject and id', () => {
    expect(readKeysOf(user())).toEqual({ ownerKey: 'svc/usr/c-1', accessKey: 'svc/usr/marketing/c-1', orgKey: null, subjectKey: 'usr/c-1' });
    expect(readKeysOf(user({ consentType: null })).accessKey).toBeNull();
    expect(readKeysOf(org())).toEqual({ ownerKey: null, accessKey: null, orgKey: 'org-1/c-1', subjectKey: 'src-user/c-1' });
  });

  it("bounds one owner's keys by a range no other owner's key falls in", () => {
    const { from, to } = prefixRange(userKeyPrefix('svc', 'usr'));
    const inRange = (key: string): boolean => key > from && key < to;
    expect(inRange('svc/usr/c-1')).toBe(true);
    expect(inRange('svc/usr/zzz')).toBe(true);
    expect(inRange('svc/usr-2/c-1')).toBe(false);
    expect(inRange('svc/usr.x/c-1')).toBe(false);
    expect(inRange('svc/us/c-1')).toBe(false);
    expect(inRange('svc/usr_/c-1')).toBe(false);
  });
});
