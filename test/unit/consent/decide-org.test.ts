// DecideOrgConsent: an org owner or admin approves or rejects a REQUESTED org consent.
// The order of the checks is part of the contract's meaning: 400 (parse), then 401, 403, 429, 404, 409.
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../../src/domain/consent/consent.ts';
import type { ConsentContext } from '../../../src/domain/consent/decide.ts';
import { NO_RATE_CONTEXT } from '../../../src/domain/consent/decide.ts';
import type { Actor, CommandEnvelope } from '../../../src/domain/envelope.ts';

/** The revision hash a change leaves on the consent (SHA-256, hex). */
const HASH = /^[0-9a-f]{64}$/;
import {
  changed, envelope, FUTURE, handle, NOW, ORG, ORG_ADMIN, ORG_OWNER, orgConsent, OTHER_ORG, outcome, PAST, refused, userConsent, written,
  type Outcome,
} from './fixtures.ts';

const ID = 'consent-org-1';

const decide = (payload: Record<string, unknown>, actor: Actor | null = ORG_OWNER): CommandEnvelope =>
  envelope('DecideOrgConsent', { orgId: ORG, consentId: ID, action: 'APPROVE', expiry: FUTURE, ...payload }, { commandId: 'cmd-decide-1', actor });

const window = (orgDecisionsInWindow: number, orgDecisionLimit = 5): ConsentContext => ({ orgDecisionsInWindow, orgDecisionLimit });
const UNDER = window(1);
const OVER = window(6);

interface Row {
  readonly name: string;
  readonly stored: Consent | null;
  readonly command: CommandEnvelope;
  readonly context: ConsentContext;
  readonly expected: Outcome;
}

const rows: Row[] = [
  // 200
  { name: 'approves a REQUESTED consent by the org owner with ConsentApproved (200)',
    stored: orgConsent(), command: decide({}), context: UNDER,
    expected: changed('200', ID, 2, 'ConsentApproved') },
  { name: 'approves a REQUESTED consent by an org admin with ConsentApproved (200)',
    stored: orgConsent(), command: decide({}, ORG_ADMIN), context: UNDER,
    expected: changed('200', ID, 2, 'ConsentApproved') },
  { name: 'rejects a REQUESTED consent with ConsentRejected (200)',
    stored: orgConsent(), command: decide({ action: 'REJECT', expiry: null }), context: UNDER,
    expected: changed('200', ID, 2, 'ConsentRejected') },
  { name: 'allows a decision exactly at the org limit (200)',
    stored: orgConsent(), command: decide({}), context: window(5, 5),
    expected: changed('200', ID, 2, 'ConsentApproved') },
  { name: 'decides without any rate limit in the default context (200)',
    stored: orgConsent(), command: decide({}), context: NO_RATE_CONTEXT,
    expected: changed('200', ID, 2, 'ConsentApproved') },
  { name: 'writes the version after the stored one, whatever it is (200)',
    stored: orgConsent({ version: 4 }), command: decide({}), context: UNDER,
    expected: changed('200', ID, 5, 'ConsentApproved') },
  // 400
  { name: 'rejects an invalid action with 400 naming action',
    stored: orgConsent(), command: decide({ action: 'MAYBE' }), context: UNDER,
    expected: refused('400', 'VALIDATION_FAILED', 'action') },
  { name: 'rejects an expiry in the past with 400 naming expiry',
    stored: orgConsent(), command: decide({ expiry: PAST }), context: UNDER,
    expected: refused('400', 'VALIDATION_FAILED', 'expiry') },
  // 401
  { name: 'rejects a decision without an actor with 401',
    stored: orgConsent(), command: decide({}, null), context: UNDER,
    expected: refused('401', 'UNAUTHENTICATED') },
  // 403
  { name: 'rejects an owner of another org with 403',
    stored: orgConsent(), command: decide({}, { ...ORG_OWNER, orgId: OTHER_ORG }), context: UNDER,
    expected: refused('403', 'FORBIDDEN') },
  { name: 'rejects an actor of no org with 403',
    stored: orgConsent(), command: decide({}, { ...ORG_OWNER, orgId: null }), context: UNDER,
    expected: refused('403', 'FORBIDDEN') },
  { name: 'rejects an actor without org_owner or org_admin with 403',
    stored: orgConsent(), command: decide({}, { userId: 'member-01', orgId: ORG, roles: ['org_member', 'viewer'] }), context: UNDER,
    expected: refused('403', 'FORBIDDEN') },
  { name: 'rejects an actor with no roles at all with 403',
    stored: orgConsent(), command: decide({}, { userId: 'member-02', orgId: ORG, roles: [] }), context: UNDER,
    expected: refused('403', 'FORBIDDEN') },
  { name: 'rejects a role that only resembles org_admin with 403',
    stored: orgConsent(), command: decide({}, { userId: 'member-03', orgId: ORG, roles: ['ORG_ADMIN', 'org_admins'] }), context: UNDER,
    expected: refused('403', 'FORBIDDEN') },
  // 429
  { name: 'rejects a decision over the org limit with 429',
    stored: orgConsent(), command: decide({}), context: OVER,
    expected: refused('429', 'RATE_LIMITED') },
  // 404
  { name: 'rejects a decision on an absent consent with 404',
    stored: null, command: decide({}), context: UNDER,
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  { name: 'rejects a decision on a consent of another org with 404',
    stored: orgConsent({ targetOrgId: OTHER_ORG }), command: decide({}), context: UNDER,
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  { name: 'rejects a decision on a user consent with 404',
    stored: userConsent({ consentId: ID }), command: decide({}), context: UNDER,
    expected: refused('404', 'CONSENT_NOT_FOUND') },
  // 409
  { name: 'rejects a decision on an already ACTIVE consent with 409',
    stored: orgConsent({ status: 'ACTIVE', version: 2, expiry: FUTURE }), command: decide({}), context: UNDER,
    expected: refused('409', 'NOT_REQUESTED') },
  { name: 'rejects a decision on a REJECTED consent with 409',
    stored: orgConsent({ status: 'REJECTED', version: 2 }), command: decide({ action: 'REJECT' }), context: UNDER,
    expected: refused('409', 'NOT_REQUESTED') },
  { name: 'rejects a decision on an EXPIRED consent with 409',
    stored: orgConsent({ status: 'EXPIRED', version: 3, expiry: PAST }), command: decide({}), context: UNDER,
    expected: refused('409', 'NOT_REQUESTED') },
];

// Each row breaks every rule from its own check onwards, so only the order of the checks decides the code.
const order: Row[] = [
  { name: '400 before 401: a bad action without an actor',
    stored: null, command: decide({ action: 'MAYBE' }, null), context: OVER,
    expected: refused('400', 'VALIDATION_FAILED', 'action') },
  { name: '401 before 403, 429, 404 and 409',
    stored: null, command: decide({}, null), context: OVER,
    expected: refused('401', 'UNAUTHENTICATED') },
  { name: '403 before 429, 404 and 409',
    stored: null, command: decide({}, { userId: 'member-01', orgId: OTHER_ORG, roles: [] }), context: OVER,
    expected: refused('403', 'FORBIDDEN') },
  { name: '429 before 404 and 409',
    stored: null, command: decide({}), context: OVER,
    expected: refused('429', 'RATE_LIMITED') },
  { name: '429 before 409',
    stored: orgConsent({ status: 'ACTIVE' }), command: decide({}), context: OVER,
    expected: refused('429', 'RATE_LIMITED') },
  { name: '404 before 409: an ACTIVE consent of another org',
    stored: orgConsent({ status: 'ACTIVE', targetOrgId: OTHER_ORG }), command: decide({}), context: UNDER,
    expected: refused('404', 'CONSENT_NOT_FOUND') },
];

describe('DecideOrgConsent', () => {
  it.each(rows)('$name', ({ stored, command, context, expected }) => {
    expect(outcome(handle(command, stored, context))).toEqual(expected);
  });

  it.each(order)('checks in order: $name', ({ stored, command, context, expected }) => {
    expect(outcome(handle(command, stored, context))).toEqual(expected);
  });

  it('approves to ACTIVE with the expiry, the deciding user and updatedAt now', () => {
    const stored = orgConsent();
    const consent = written(handle(decide({ expiry: '2030-06-01T01:00:00+01:00' }), stored, UNDER));
    expect(consent).toEqual({
      ...stored, version: 2, status: 'ACTIVE', expiry: FUTURE, decidedBy: ORG_OWNER.userId, updatedAt: NOW.toISOString(), lastRevisionHash: expect.stringMatching(HASH),
    });
  });

  it('approves without an expiry as an open-ended ACTIVE consent', () => {
    const consent = written(handle(decide({ expiry: null }), orgConsent(), UNDER));
    expect(consent).toMatchObject({ status: 'ACTIVE', expiry: null });
  });

  it('rejects to REJECTED with expiry null, even when an expiry was sent', () => {
    const consent = written(handle(decide({ action: 'REJECT', expiry: FUTURE }, ORG_ADMIN), orgConsent(), UNDER));
    expect(consent).toMatchObject({ status: 'REJECTED', expiry: null, decidedBy: ORG_ADMIN.userId, version: 2 });
  });

  it('keeps the request fields of the consent through the decision', () => {
    const stored = orgConsent();
    const consent = written(handle(decide({}), stored, UNDER));
    expect(consent).toMatchObject({
      kind: 'ORG', sourceUserId: stored.sourceUserId, targetOrgId: ORG, targetOrgOwnerEmail: stored.targetOrgOwnerEmail,
      createdAt: stored.createdAt,
    });
  });

  it('shows the stored consent with a 409, and nothing with a 404 of another org', () => {
    const active = orgConsent({ status: 'ACTIVE' });
    expect(handle(decide({}), active, UNDER)).toMatchObject({ kind: 'reply', statusCode: '409', view: active });
    expect(handle(decide({}), orgConsent({ targetOrgId: OTHER_ORG }), UNDER)).toMatchObject({ kind: 'reply', statusCode: '404', view: null });
  });
});
