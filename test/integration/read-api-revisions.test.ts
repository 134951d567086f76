// A consent's history over HTTP: its revisions in order, paged with a signed token bound to that
// consent, and one revision by number; for the same callers as the consent, 404 for anyone
// else's consent. Revisions read as stored: a consent past its expiry reads EXPIRED now, while
// its revision still shows the ACTIVE it was written as.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgToken, serviceToken, startReadApiOverWorker, tokenFor, userToken, type ReadApiUnderTest } from '../support/read-api.ts';
import { inMs, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';
import { chainHash } from '../../src/domain/ledger/hash-chain.ts';

let h: Harness;
let api: ReadApiUnderTest;
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => { ({ h, api, stop } = await startReadApiOverWorker()); });
afterAll(async () => { await stop?.(); });

/** A consent changed `updates` times after its creation (revisions 1..updates+1). */
async function consentWithHistory(serviceId: string, userId: string, updates: number, expiryTime: string | null = null): Promise<string> {
  const consentId = uid('c');
  expect((await h.result(await h.consent('CreateConsent', { consentId, serviceId, userId, status: 'ACTIVE', consentData: { n: '1' }, expiryTime })))['statusCode']).toBe('201');
  for (let version = 2; version <= updates + 1; version++) {
    expect((await h.result(await h.consent('UpdateConsent', { consentId, serviceId, userId, consentVersion: version, consentData: { n: String(version) } })))['statusCode']).toBe('200');
  }
  return consentId;
}

interface Page { data: { revision: number; hash: string; previousHash: string; state: { status: string } }[]; nextPageToken: string | null }

describe('the revisions routes', () => {
  it('pages a consent\'s revisions in order, chained, with a token that only this consent\'s list accepts', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await consentWithHistory(serviceId, userId, 11);
    const other = await consentWithHistory(serviceId, userId, 0);
    const token = await userToken(userId);
    const base = `/v1/services/${serviceId}/users/${userId}/consents/${consentId}/revisions`;
    const seen: Page['data'] = [];
    const sizes: number[] = [];
    let next: string | null = null;
    do {
      const { status, body } = await api.get(`${base}?limit=5${next ? `&pageToken=${encodeURIComponent(next)}` : ''}`, token);
      expect(status, JSON.stringify(body)).toBe(200);
      const page = body as unknown as Page;
      sizes.push(page.data.length);
      seen.push(...page.data);
      next = page.nextPageToken;
      if (next && sizes.length === 1) {
        const foreign = await api.get(`/v1/services/${serviceId}/users/${userId}/consents/${other}/revisions?pageToken=${encodeURIComponent(next)}`, token);
        expect(foreign.status).toBe(400);
        const list = await api.get(`/v1/services/${serviceId}/users/${userId}/consents?pageToken=${encodeURIComponent(next)}`, token);
        expect(list.status).toBe(400);
      }
    } while (next !== null);
    expect(sizes).toEqual([5, 5, 2]);
    expect(seen.map((r) => r.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    seen.forEach((r, i) => { if (i > 0) expect(r.previousHash).toBe(seen[i - 1]?.hash); });
    // What the API serves verifies offline (docs/ledger.md): each body, without its two chain
    // fields, hashes to its hash. A field the response schema drops would break this.
    for (const { previousHash, hash, ...content } of seen) expect(chainHash(previousHash, content)).toBe(hash);

    const one = await api.get(`${base}/10`, await serviceToken(serviceId));
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ data: { revisionId: `${consentId}:10`, revision: 10, hash: seen[9]?.hash, changedFields: ['consentData'] } });
    expect((await api.get(`${base}/13`, token)).status).toBe(404);
  });

  it('answers 404 for another user\'s or service\'s consent, and 403 to a caller who may not read the user', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await consentWithHistory(serviceId, userId, 1);
    const stranger = uid('usr');
    expect((await api.get(`/v1/services/${serviceId}/users/${stranger}/consents/${consentId}/revisions`, await userToken(stranger))).status).toBe(404);
    expect((await api.get(`/v1/services/${serviceId}/users/${stranger}/consents/${consentId}/revisions/1`, await userToken(stranger))).status).toBe(404);
    expect((await api.get(`/v1/services/${serviceId}/users/${userId}/consents/${consentId}/revisions`, await userToken(stranger))).status).toBe(403);
    expect((await api.get(`/v1/services/${serviceId}/users/${userId}/consents/${consentId}/revisions`, await serviceToken(uid('svc')))).status).toBe(403);
  });

  it('shows a revision as stored: ACTIVE in history while the consent itself reads EXPIRED past its expiry', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await consentWithHistory(serviceId, userId, 0, inMs(1_000));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const token = await userToken(userId);
    expect((await api.get(`/v1/services/${serviceId}/users/${userId}/consents/${consentId}`, token)).body).toMatchObject({ data: { status: 'EXPIRED' } });
    expect((await api.get(`/v1/services/${serviceId}/users/${userId}/consents/${consentId}/revisions/1`, token)).body).toMatchObject({ data: { revision: 1, state: { status: 'ACTIVE' } } });
  });
});

/** An org consent requested, then approved (revisions 1 and 2). */
async function orgConsentWithHistory(orgId: string): Promise<string> {
  const consentId = uid('oc');
  expect(await h.result(await h.consent('RequestOrgConsent', { consentId, sourceUserId: uid('usr'), targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org' }))).toMatchObject({ statusCode: '201' });
  const decided = await h.consent('DecideOrgConsent', { orgId, consentId, action: 'APPROVE', expiry: inMs(3_600_000) }, { actor: { userId: 'owner-1', orgId, roles: ['org_owner'] } });
  expect(await h.result(decided)).toMatchObject({ statusCode: '200' });
  return consentId;
}

const CSP_ERROR_FIELDS = ['cspErrorCode', 'errorCode', 'message', 'moduleCode', 'requestId', 'statusCode'];

describe('the org consent revisions routes', () => {
  it('page an org consent\'s revisions for its org_owner and org_admin, each body recomputing to its hash', async () => {
    const orgId = uid('org');
    const consentId = await orgConsentWithHistory(orgId);
    const base = `/v1/orgs/${orgId}/consents/${consentId}/revisions`;
    for (const role of ['org_owner', 'org_admin'] as const) {
      const token = await orgToken(orgId, role);
      const first = await api.get(`${base}?limit=1`, token);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const page = first.body as unknown as Page;
      expect(page.nextPageToken).not.toBeNull();
      const rest = (await api.get(`${base}?limit=1&pageToken=${encodeURIComponent(page.nextPageToken ?? '')}`, token)).body as unknown as Page;
      const seen = [...page.data, ...rest.data];
      expect(seen.map((r) => r.revision)).toEqual([1, 2]);
      expect(rest.nextPageToken).toBeNull();
      for (const { previousHash, hash, ...content } of seen) expect(chainHash(previousHash, content)).toBe(hash);
      seen.forEach((r, i) => { if (i > 0) expect(r.previousHash).toBe(seen[i - 1]?.hash); });
      const one = await api.get(`${base}/2`, token);
      expect(one.body).toMatchObject({ data: { revisionId: `${consentId}:2`, changeType: 'ConsentApproved', hash: seen[1]?.hash } });
    }
  });

  it('binds the page token to the org consent: another consent\'s list, the same consent under a user route, or an altered token is a 400', async () => {
    const orgId = uid('org');
    const consentId = await orgConsentWithHistory(orgId);
    const other = await orgConsentWithHistory(orgId);
    const token = await orgToken(orgId, 'org_owner');
    const next = ((await api.get(`/v1/orgs/${orgId}/consents/${consentId}/revisions?limit=1`, token)).body as unknown as Page).nextPageToken ?? '';
    const refusals = [
      await api.get(`/v1/orgs/${orgId}/consents/${other}/revisions?pageToken=${encodeURIComponent(next)}`, token),
      await api.get(`/v1/orgs/${orgId}/consents/${consentId}/revisions?pageToken=${encodeURIComponent(`${next}x`)}`, token),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ errorCode: 'INVALID_PAGE_TOKEN', statusCode: 400 });
    }
    // A user list's token for the same consent id cannot pass for the org list's.
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const userConsent = await consentWithHistory(serviceId, userId, 2);
    const userNext = ((await api.get(`/v1/services/${serviceId}/users/${userId}/consents/${userConsent}/revisions?limit=1`, await userToken(userId))).body as unknown as Page).nextPageToken ?? '';
    expect((await api.get(`/v1/orgs/${orgId}/consents/${consentId}/revisions?pageToken=${encodeURIComponent(userNext)}`, token)).status).toBe(400);
  });

  it('refuses every other caller as a CspErrorResponse: 401 without a token, 403 another org or role, 404 another org\'s consent or a missing revision', async () => {
    const orgId = uid('org');
    const consentId = await orgConsentWithHistory(orgId);
    const strangerOrg = uid('org');
    const base = `/v1/orgs/${orgId}/consents/${consentId}/revisions`;
    const cases: [string, string | null, number][] = [
      [base, null, 401],
      [base, await orgToken(strangerOrg, 'org_owner'), 403],
      [base, await tokenFor({ sub: 'member-1', roles: ['user'], orgId }), 403],
      [base, await serviceToken(uid('svc')), 403],
      [`/v1/orgs/${strangerOrg}/consents/${consentId}/revisions`, await orgToken(strangerOrg, 'org_admin'), 404],
      [`/v1/orgs/${strangerOrg}/consents/${consentId}/revisions/1`, await orgToken(strangerOrg, 'org_admin'), 404],
      [`${base}/3`, await orgToken(orgId, 'org_owner'), 404],
      [`${base}/0`, await orgToken(orgId, 'org_owner'), 400],
    ];
    for (const [url, token, status] of cases) {
      const answer = await api.get(url, token);
      expect(answer.status, `${url} ${status}`).toBe(status);
      expect(Object.keys(answer.body).sort()).toEqual(CSP_ERROR_FIELDS);
      expect(answer.body).toMatchObject({ statusCode: status, moduleCode: 'CONSENT_READ_API' });
    }
  });

  it('does not show a user consent under the org route', async () => {
    const orgId = uid('org');
    const userConsent = await consentWithHistory(uid('svc'), uid('usr'), 0);
    expect((await api.get(`/v1/orgs/${orgId}/consents/${userConsent}/revisions`, await orgToken(orgId, 'org_owner'))).status).toBe(404);
  });
});
