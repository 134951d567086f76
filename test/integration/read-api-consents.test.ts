// The read API's consent routes over what the worker wrote through Kafka (sweep disabled, so any
// EXPIRED seen here was decided at read time), through fastify's inject on the real MongoDB and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgToken, serviceToken, startReadApiOverWorker, startReadApiUnderTest, tokenFor, userToken, type ReadApiUnderTest } from '../support/read-api.ts';
import { inMs, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
let api: ReadApiUnderTest;
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => { ({ h, api, stop } = await startReadApiOverWorker()); });
afterAll(async () => { await stop?.(); });

const HOUR = 3_600_000;

async function create(serviceId: string, userId: string, more: Record<string, unknown> = {}): Promise<string> {
  const consentId = uid('c');
  const commandId = await h.consent('CreateConsent', {
    consentId, serviceId, userId, status: 'ACTIVE', consentType: 'marketing', consentData: { channel: 'email' }, expiryTime: inMs(HOUR), ...more,
  });
  expect(await h.result(commandId)).toMatchObject({ statusCode: '201' });
  return consentId;
}

describe('GET /v1/services/{serviceId}/users/{userId}/consents/{consentId}', () => {
  it('reads a consent with 200 in the seeds shape, for the service and for the user', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await create(serviceId, userId);
    const url = `/v1/services/${serviceId}/users/${userId}/consents/${consentId}`;
    for (const token of [await serviceToken(serviceId), await userToken(userId)]) {
      const { status, body } = await api.get(url, token);
      expect(status).toBe(200);
      expect(body).toEqual({
        data: {
          consentId, consentVersion: 1, userId, serviceId, status: 'ACTIVE', consentType: 'marketing',
          consentData: { channel: 'email' }, expiryTime: expect.any(String),
        },
      });
    }
  });

  it("shows the version of a command's result as soon as that result has arrived (read-your-write)", async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await create(serviceId, userId);
    const commandId = await h.consent('UpdateConsent', { consentId, serviceId, userId, consentVersion: 2, status: 'REVOKED' });
    expect(await h.result(commandId)).toMatchObject({ statusCode: '200' });
    const { body } = await api.get(`/v1/services/${serviceId}/users/${userId}/consents/${consentId}`, await serviceToken(serviceId));
    expect(body).toMatchObject({ data: { consentVersion: 2, status: 'REVOKED' } });
  });

  it('answers 404 for an absent consent and for one of another user or service', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await create(serviceId, userId);
    const other = uid('usr');
    for (const url of [
      `/v1/services/${serviceId}/users/${userId}/consents/${uid('absent')}`,
      `/v1/services/${serviceId}/users/${other}/consents/${consentId}`,
    ]) {
      const { status, body } = await api.get(url, await serviceToken(serviceId));
      expect(status).toBe(404);
      expect(body).toMatchObject({ cspErrorCode: '404', errorCode: 'CONSENT_NOT_FOUND', statusCode: 404, moduleCode: 'CONSENT_READ_API' });
    }
    const foreignService = uid('svc');
    expect((await api.get(`/v1/services/${foreignService}/users/${userId}/consents/${consentId}`, await serviceToken(foreignService))).status).toBe(404);
  });

  it('answers 400 with the CspErrorResponse shape for an identifier outside ^[\\w\\-\\.]{3,128}$', async () => {
    const { status, body, headers } = await api.get('/v1/services/svc-ok/users/a!b/consents/c-1', await serviceToken('svc-ok'));
    expect(status).toBe(400);
    expect(body).toEqual({
      cspErrorCode: '400', errorCode: 'VALIDATION_FAILED', message: expect.stringContaining('userId'), moduleCode: 'CONSENT_READ_API',
      requestId: headers['x-request-id'], statusCode: 400,
    });
    expect((await api.get('/v1/services/ab/users/usr-1/consents/c-1', await serviceToken('ab'))).status).toBe(400);
  });
});

describe('expiry at read time (sweep disabled)', () => {
  // The same read API two hours on (its clock is injected): what it reads of a consent that
  // expires within the hour is decided at read time, with no waiting for the expiry.
  let later: ReadApiUnderTest;
  beforeAll(async () => {
    later = await startReadApiUnderTest(h.config, h.mongo.db(h.config.mongodbDatabase), { clock: () => new Date(Date.now() + 2 * HOUR) });
  });
  afterAll(async () => { await later?.close(); });

  it('reads an ACTIVE consent past its expiry as EXPIRED, lists it so and denies access, while the stored status is still ACTIVE', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await create(serviceId, userId, { expiryTime: inMs(HOUR) });
    const token = await serviceToken(serviceId);
    const base = `/v1/services/${serviceId}/users/${userId}`;
    expect((await api.get(`${base}/access?consentType=marketing`, token)).body).toMatchObject({ allowed: true, consentId });

    expect((await later.get(`${base}/consents/${consentId}`, token)).body).toMatchObject({ data: { status: 'EXPIRED', consentVersion: 1 } });
    expect((await later.get(`${base}/consents`, token)).body).toMatchObject({ data: [{ consentId, status: 'EXPIRED' }] });
    expect((await later.get(`${base}/access?consentType=marketing`, token)).body)
      .toEqual({ allowed: false, consentId, consentVersion: 1, expiresAt: expect.any(String), reason: 'EXPIRED' });
    const stored = await h.mongo.db(h.config.mongodbDatabase).collection('consents').findOne({ _id: consentId as never });
    expect(stored?.['state']).toMatchObject({ status: 'ACTIVE' }); // nothing swept it: the read decided
  });

  it('leaves an approved org consent past its expiry out of the org list', async () => {
    const orgId = uid('org');
    const live = await requestOrg(orgId);
    const lapsing = await requestOrg(orgId);
    await decide(orgId, lapsing, inMs(HOUR));
    const listed = async (reader: ReadApiUnderTest): Promise<string[]> =>
      ((await reader.get(`/v1/orgs/${orgId}/consents`, await orgToken(orgId, 'org_owner'))).body as unknown as { consentId: string }[]).map((c) => c.consentId);
    expect((await listed(api)).sort()).toEqual([live, lapsing].sort()); // within the hour, both
    expect(await listed(later)).toEqual([live]);
  });
});

async function requestOrg(orgId: string): Promise<string> {
  const consentId = uid('oc');
  const commandId = await h.consent('RequestOrgConsent', { consentId, sourceUserId: 'source-user-1', targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org' });
  expect(await h.result(commandId)).toMatchObject({ statusCode: '201' });
  return consentId;
}

async function decide(orgId: string, consentId: string, expiry: string | null, action = 'APPROVE'): Promise<void> {
  const commandId = await h.consent('DecideOrgConsent', { orgId, consentId, action, expiry }, { actor: { userId: 'owner-1', orgId, roles: ['org_owner'] } });
  expect(await h.result(commandId)).toMatchObject({ statusCode: '200' });
}

describe('GET /v1/orgs/{orgId}/consents', () => {
  it("lists the org's ACTIVE and REQUESTED consents as ConsentDto, for its org_owner and org_admin", async () => {
    const orgId = uid('org');
    const requested = await requestOrg(orgId);
    const approved = await requestOrg(orgId);
    const rejected = await requestOrg(orgId);
    await decide(orgId, approved, inMs(HOUR));
    await decide(orgId, rejected, null, 'REJECT');
    await requestOrg(uid('org')); // another org's

    for (const role of ['org_owner', 'org_admin'] as const) {
      const { status, body } = await api.get(`/v1/orgs/${orgId}/consents`, await orgToken(orgId, role));
      expect(status).toBe(200);
      expect(body).toEqual([
        { consentId: requested, source: { userId: 'source-user-1' }, status: 'REQUESTED', target: { orgId, orgOwnerEmail: 'owner@example.org' } },
        { consentId: approved, source: { userId: 'source-user-1' }, status: 'ACTIVE', target: { orgId, orgOwnerEmail: 'owner@example.org' } },
      ].sort((a, b) => (a.consentId < b.consentId ? -1 : 1)));
    }
  });

  it('answers 401 without a token, with a forged or expired one, and 403 to another org or another role', async () => {
    const orgId = uid('org');
    const url = `/v1/orgs/${orgId}/consents`;
    const unauthorized = [
      null,
      'not.a.jwt',
      await tokenFor({ sub: 'x', roles: ['org_owner'], orgId }, 'a-different-secret-of-enough-length-0123'),
      await tokenFor({ sub: 'x', roles: ['org_owner'], orgId }, undefined, '-1s'),
    ];
    for (const token of unauthorized) {
      const { status, body } = await api.get(url, token);
      expect(status, String(token)).toBe(401);
      expect(body).toMatchObject({ cspErrorCode: '401', errorCode: 'UNAUTHORIZED', statusCode: 401 });
    }
    const forbidden = [
      await orgToken(uid('org'), 'org_owner'),
      await tokenFor({ sub: 'x', roles: ['service', 'user'], orgId }),
      await serviceToken('svc-any'),
    ];
    for (const token of forbidden) {
      const { status, body } = await api.get(url, token);
      expect(status).toBe(403);
      expect(body).toMatchObject({ cspErrorCode: '403', errorCode: 'FORBIDDEN', statusCode: 403 });
    }
  });
});

describe('GET /v1/services/{serviceId}/users/{userId}/consents', () => {
  it("lists only this user's consents with this service, in consentId order, with the default limit", async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const mine = [await create(serviceId, userId), await create(serviceId, userId)].sort();
    await create(serviceId, uid('usr'));
    await create(uid('svc'), userId);
    const { status, body } = await api.get(`/v1/services/${serviceId}/users/${userId}/consents`, await userToken(userId));
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: mine.map((consentId) => ({ consentId, userId, serviceId })), nextPageToken: null });
  });

  it('answers 403 to another user and to another service, 400 to a limit out of range', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const url = `/v1/services/${serviceId}/users/${userId}/consents`;
    expect((await api.get(url, await userToken(uid('usr')))).status).toBe(403);
    expect((await api.get(url, await serviceToken(uid('svc')))).status).toBe(403);
    expect((await api.get(url, await tokenFor({ sub: userId, roles: ['org_owner'], orgId: 'o-1' }))).status).toBe(403);
    for (const limit of ['0', '101', 'ten']) {
      expect((await api.get(`${url}?limit=${limit}`, await serviceToken(serviceId))).body).toMatchObject({ statusCode: 400, errorCode: 'VALIDATION_FAILED' });
    }
  });
});

describe('GET /v1/services/{serviceId}/users/{userId}/access', () => {
  it('allows with an ACTIVE consent of the type and denies other types, revoked consents and strangers', async () => {
    const [serviceId, userId] = [uid('svc'), uid('usr')];
    const consentId = await create(serviceId, userId);
    const token = await serviceToken(serviceId);
    const base = `/v1/services/${serviceId}/users/${userId}/access`;
    expect((await api.get(`${base}?consentType=marketing`, token)).body)
      .toEqual({ allowed: true, consentId, consentVersion: 1, expiresAt: expect.any(String), reason: 'ACTIVE_CONSENT' });
    expect((await api.get(`${base}?consentType=analytics`, token)).body)
      .toEqual({ allowed: false, consentId: null, consentVersion: null, expiresAt: null, reason: 'NO_CONSENT' });

    const commandId = await h.consent('UpdateConsent', { consentId, serviceId, userId, consentVersion: 2, status: 'REVOKED' });
    expect(await h.result(commandId)).toMatchObject({ statusCode: '200' });
    expect((await api.get(`${base}?consentType=marketing`, token)).body).toMatchObject({ allowed: false, consentVersion: 2, reason: 'REVOKED' });
  });

  it('answers 400 without consentType and 403 to another service', async () => {
    const base = '/v1/services/svc-a1/users/usr-a1/access';
    expect((await api.get(base, await serviceToken('svc-a1'))).status).toBe(400);
    expect((await api.get(`${base}?consentType=marketing`, await serviceToken('svc-b1'))).status).toBe(403);
  });
});

describe('errors', () => {
  it('answers 404 in the CspErrorResponse shape for an unknown route', async () => {
    const { status, body } = await api.get('/v1/nothing-here', await serviceToken('svc-x'));
    expect(status).toBe(404);
    expect(body).toMatchObject({ cspErrorCode: '404', errorCode: 'NOT_FOUND', statusCode: 404 });
  });

  it('answers 500 INTERNAL_ERROR with the requestId when a stored consent is not a consent', async () => {
    const consentId = uid('corrupt');
    await h.mongo.db(h.config.mongodbDatabase).collection<Record<string, unknown> & { _id: string }>('consents')
      .insertOne({ _id: consentId, version: 1, state: { nonsense: true }, outbox: [], owes: false, appliedCommandIds: [] });
    const { status, body, headers } = await api.get(`/v1/services/svc-x1/users/usr-x1/consents/${consentId}`, await serviceToken('svc-x1'));
    expect(status).toBe(500);
    expect(body).toMatchObject({ cspErrorCode: '500', errorCode: 'INTERNAL_ERROR', statusCode: 500, requestId: headers['x-request-id'] });
  });
});
