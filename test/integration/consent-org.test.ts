// Org consents driven through consent.commands: RequestOrgConsent, then DecideOrgConsent by an
// owner or admin of the target org, with its checks in the contract's order
// 400 → 401 → 403 → 429 → 404 → 409. The harness allows two decisions per org per window, so the
// third one of an org is refused with 429; every other test uses orgs of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

const LIMIT = 2;
let h: Harness;
// A long fixed window, so that no window boundary falls between the decisions of one test.
beforeAll(async () => { h = await startHarness({ ORG_DECISION_LIMIT: String(LIMIT), ORG_DECISION_WINDOW_MS: String(3_600_000) }); });
afterAll(async () => { await h?.stop(); });

const HOUR = 3_600_000;

const owner = (orgId: string, userId = 'owner-1') => ({ userId, orgId, roles: ['org_owner'] });
const admin = (orgId: string, userId = 'admin-1') => ({ userId, orgId, roles: ['org_admin'] });

/** Requests an org consent for `orgId` and returns once its 201 is in. */
async function requested(orgId: string, consentId = uid('oc')): Promise<string> {
  const commandId = await h.consent('RequestOrgConsent', {
    consentId, sourceUserId: 'source-user-1', targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org',
  });
  expect(await h.result(commandId)).toMatchObject({ statusCode: '201' });
  return consentId;
}

type Actor = { userId: string; orgId?: string | null; roles?: string[] } | null;

async function decide(orgId: string, consentId: string, actor: Actor, more: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const commandId = await h.consent('DecideOrgConsent', { orgId, consentId, action: 'APPROVE', expiry: inMs(HOUR), ...more }, { actor });
  return h.result(commandId);
}

describe('RequestOrgConsent', () => {
  it('requests an org consent with 201 REQUESTED and publishes ConsentRequested', async () => {
    const orgId = uid('org');
    const consentId = uid('oc-request');
    const commandId = await h.consent('RequestOrgConsent', {
      consentId, sourceUserId: 'source-user-1', targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org',
    });
    const result = await h.result(commandId);
    expect(result).toMatchObject({ commandType: 'RequestOrgConsent', statusCode: '201', errorCode: null });
    expect(result['state']).toMatchObject({
      consentId, kind: 'ORG', version: 1, status: 'REQUESTED', sourceUserId: 'source-user-1', targetOrgId: orgId,
      targetOrgOwnerEmail: 'owner@example.org', expiry: null, decidedBy: null, serviceId: null, userId: null, consentData: {},
    });
    expect(await h.waitForEvent(consentId, 'ConsentRequested')).toMatchObject({
      eventId: `${consentId}:1:ConsentRequested`, aggregateId: consentId, version: 1, causationId: commandId,
    });
  });

  it('refuses a consentId that is taken with 409 CONSENT_ID_TAKEN', async () => {
    const consentId = await requested(uid('org'));
    const commandId = await h.consent('RequestOrgConsent', {
      consentId, sourceUserId: 'source-user-2', targetOrgId: uid('org'), targetOrgOwnerEmail: 'other@example.org',
    });
    expect(await h.result(commandId)).toMatchObject({ statusCode: '409', errorCode: 'CONSENT_ID_TAKEN', state: null });
  });

  it.each([
    { name: 'an owner email without @', more: { targetOrgOwnerEmail: 'owner.example.org' }, field: 'targetOrgOwnerEmail' },
    { name: 'a malformed targetOrgId', more: { targetOrgId: 'org id' }, field: 'targetOrgId' },
    { name: 'a malformed sourceUserId', more: { sourceUserId: 'x' }, field: 'sourceUserId' },
  ])('rejects $name with 400 naming $field', async ({ more, field }) => {
    const commandId = await h.consent('RequestOrgConsent', {
      consentId: uid('oc-invalid'), sourceUserId: 'source-user-1', targetOrgId: uid('org'), targetOrgOwnerEmail: 'owner@example.org', ...more,
    });
    expect(await h.result(commandId)).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field, state: null });
  });
});

describe('DecideOrgConsent', () => {
  it('approves with 200: ACTIVE, the expiry and the deciding owner, and publishes ConsentApproved', async () => {
    const orgId = uid('org');
    const consentId = await requested(orgId);
    const expiry = inMs(HOUR);
    const commandId = await h.consent('DecideOrgConsent', { orgId, consentId, action: 'APPROVE', expiry }, { actor: owner(orgId, 'owner-approve') });

    const result = await h.result(commandId);
    expect(result).toMatchObject({ commandType: 'DecideOrgConsent', statusCode: '200', errorCode: null });
    expect(result['state']).toMatchObject({ consentId, kind: 'ORG', version: 2, status: 'ACTIVE', expiry, decidedBy: 'owner-approve', targetOrgId: orgId });
    const event = await h.waitForEvent(consentId, 'ConsentApproved');
    expect(event).toMatchObject({ eventId: `${consentId}:2:ConsentApproved`, version: 2, causationId: commandId });
    expect(event['state']).toMatchObject({ status: 'ACTIVE', expiry });
  });

  it('rejects with 200: REJECTED by an org admin, and publishes ConsentRejected', async () => {
    const orgId = uid('org');
    const consentId = await requested(orgId);
    const commandId = await h.consent('DecideOrgConsent', { orgId, consentId, action: 'REJECT' }, { actor: admin(orgId, 'admin-reject') });

    const result = await h.result(commandId);
    expect(result).toMatchObject({ statusCode: '200' });
    expect(result['state']).toMatchObject({ consentId, version: 2, status: 'REJECTED', expiry: null, decidedBy: 'admin-reject' });
    expect(await h.waitForEvent(consentId, 'ConsentRejected')).toMatchObject({
      eventId: `${consentId}:2:ConsentRejected`, version: 2, causationId: commandId,
    });
  });

  it('rejects an action other than APPROVE or REJECT with 400 naming action', async () => {
    const orgId = uid('org');
    const result = await decide(orgId, await requested(orgId), owner(orgId), { action: 'MAYBE' });
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'action', state: null });
  });

  it('rejects an expiry that is not in the future with 400 naming expiry', async () => {
    const orgId = uid('org');
    const result = await decide(orgId, await requested(orgId), owner(orgId), { expiry: inMs(-60_000) });
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'expiry', state: null });
  });

  it('answers 401 to a decision without an actor, or with an actor without a valid userId', async () => {
    const orgId = uid('org');
    const consentId = await requested(orgId);
    expect(await decide(orgId, consentId, null)).toMatchObject({ statusCode: '401', errorCode: 'UNAUTHENTICATED', state: null });
    const otherOrg = uid('org');
    expect(await decide(otherOrg, await requested(otherOrg), { userId: 'x', orgId: otherOrg, roles: ['org_owner'] }))
      .toMatchObject({ statusCode: '401', errorCode: 'UNAUTHENTICATED' });
  });

  it('answers 403 to an owner of another org', async () => {
    const orgId = uid('org');
    const result = await decide(orgId, await requested(orgId), owner(uid('org-other')));
    expect(result).toMatchObject({ statusCode: '403', errorCode: 'FORBIDDEN', state: null });
  });

  it('answers 403 to a member of the org who is neither org_owner nor org_admin', async () => {
    const orgId = uid('org');
    const result = await decide(orgId, await requested(orgId), { userId: 'member-1', orgId, roles: ['member', 'org_viewer'] });
    expect(result).toMatchObject({ statusCode: '403', errorCode: 'FORBIDDEN', state: null });
  });

  it('answers 404 to a decision on a consent of another org, and to a missing consent', async () => {
    const orgA = uid('org-a');
    const orgB = uid('org-b');
    const ofA = await requested(orgA);
    expect(await decide(orgB, ofA, owner(orgB))).toMatchObject({ statusCode: '404', errorCode: 'CONSENT_NOT_FOUND', state: null });
    expect(await decide(orgB, uid('oc-missing'), owner(orgB))).toMatchObject({ statusCode: '404', errorCode: 'CONSENT_NOT_FOUND', state: null });
  });

  it('answers 404 to a decision on a user consent', async () => {
    const orgId = uid('org');
    const consentId = uid('c-user');
    const created = await h.consent('CreateConsent', { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' });
    expect(await h.result(created)).toMatchObject({ statusCode: '201' });
    expect(await decide(orgId, consentId, owner(orgId))).toMatchObject({ statusCode: '404', errorCode: 'CONSENT_NOT_FOUND' });
  });

  it('answers 409 NOT_REQUESTED to a second decision on a consent already approved', async () => {
    const orgId = uid('org');
    const consentId = await requested(orgId);
    expect(await decide(orgId, consentId, owner(orgId))).toMatchObject({ statusCode: '200' });

    const second = await decide(orgId, consentId, admin(orgId), { action: 'REJECT', expiry: null });
    expect(second).toMatchObject({ statusCode: '409', errorCode: 'NOT_REQUESTED' });
    expect(second['state']).toMatchObject({ consentId, version: 2, status: 'ACTIVE', decidedBy: 'owner-1' });
  });

  it('applies its checks in the order 400, 401, 403, 404', async () => {
    // Each step on an org of its own, so that the rate limit plays no part.
    const missing = uid('oc-missing');
    const o1 = uid('org');
    expect(await decide(o1, missing, null, { action: 'MAYBE' })).toMatchObject({ statusCode: '400', field: 'action' });
    const o2 = uid('org');
    expect(await decide(o2, missing, null)).toMatchObject({ statusCode: '401' });
    const o3 = uid('org');
    expect(await decide(o3, missing, { userId: 'member-1', orgId: o3, roles: [] })).toMatchObject({ statusCode: '403' });
    const o4 = uid('org');
    expect(await decide(o4, missing, owner(o4))).toMatchObject({ statusCode: '404' });
  });
});

describe('the per-org decision rate', () => {
  it(`answers 429 to the third decision of an org within the window, and a fresh org is still served`, async () => {
    const orgId = uid('org-busy');
    const [first, second, third] = [await requested(orgId), await requested(orgId), await requested(orgId)];
    expect(await decide(orgId, first, owner(orgId))).toMatchObject({ statusCode: '200' });
    expect(await decide(orgId, second, admin(orgId), { action: 'REJECT', expiry: null })).toMatchObject({ statusCode: '200' });

    const limited = await decide(orgId, third, owner(orgId));
    expect(limited).toMatchObject({ statusCode: '429', errorCode: 'RATE_LIMITED', state: null });
    // 429 comes before 404: a decision on a missing consent is limited too.
    expect(await decide(orgId, uid('oc-missing'), owner(orgId))).toMatchObject({ statusCode: '429', errorCode: 'RATE_LIMITED' });

    const freshOrg = uid('org-fresh');
    const fresh = await decide(freshOrg, await requested(freshOrg), owner(freshOrg));
    expect(fresh).toMatchObject({ statusCode: '200' });
    expect(fresh['state']).toMatchObject({ status: 'ACTIVE', version: 2 });
  });

  it('does not count decisions refused as 401 or 403 against the org', async () => {
    // Otherwise anyone could use up an org's decisions by sending commands it may not send.
    const orgId = uid('org-probed');
    const [first, second] = [await requested(orgId), await requested(orgId)];
    expect(await decide(orgId, first, null)).toMatchObject({ statusCode: '401' });
    expect(await decide(orgId, first, owner(uid('org-intruder')))).toMatchObject({ statusCode: '403' });
    expect(await decide(orgId, first, { userId: 'member-1', orgId, roles: [] })).toMatchObject({ statusCode: '403' });

    expect(await decide(orgId, first, owner(orgId))).toMatchObject({ statusCode: '200' });
    expect(await decide(orgId, second, owner(orgId))).toMatchObject({ statusCode: '200' });
  });
});
