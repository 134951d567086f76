// Permission acceptance reads (by entityId and by external key) over what the worker wrote, with
// the commands' 404 codes; and the per-caller / per-org rate limit in Redis (429).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptPermission, send, withdrawPayload, world } from '../support/permission-world.ts';
import { orgToken, serviceToken, startReadApiOverWorker, startReadApiUnderTest, userToken, type ReadApiUnderTest } from '../support/read-api.ts';
import type { Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
let api: ReadApiUnderTest;
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => { ({ h, api, stop } = await startReadApiOverWorker()); });
afterAll(async () => { await stop?.(); });

describe('GET /v1/permissions/entity/...', () => {
  it('answers the acceptance state by entityId and by external key, then the withdrawal', async () => {
    const extKey = uid('key');
    const w = await world(h, 'read-accept', { externalKeys: [{ extKey, extType: 'crm' }] });
    expect((await acceptPermission(h, w)).result).toMatchObject({ statusCode: '201' });
    const token = await serviceToken('svc-reader');
    const byEntity = `/v1/permissions/entity/id/${w.entityId}/permission/${w.permissionId}`;
    const byKey = `/v1/permissions/entity/ext-key/${extKey}/crm/permission/${w.permissionId}`;

    const accepted = {
      entityId: w.entityId, permissionId: w.permissionId, isActive: true, isWithdrawn: false,
      acceptance: { timestamp: expect.any(String), sourceId: w.sourceId }, withdrawal: null,
    };
    for (const url of [byEntity, byKey]) {
      const { status, body } = await api.get(url, token);
      expect(status).toBe(200);
      expect(body).toEqual(accepted);
    }

    expect(await send(h, 'WithdrawPermission', withdrawPayload(w, { reason: 'moved' }), w.entityId)).toMatchObject({ statusCode: '200' });
    expect((await api.get(byEntity, token)).body).toMatchObject({
      isActive: false, isWithdrawn: true, withdrawal: { timestamp: expect.any(String), sourceId: w.sourceId, reason: 'moved' },
    });
  });

  it('answers 404.1, 404.2, 404.5 and 404 NOT_ACCEPTED as the commands do', async () => {
    const w = await world(h, 'read-404');
    const token = await serviceToken('svc-reader');
    const cases: [string, string, string][] = [
      [`/v1/permissions/entity/id/${uid('ent')}/permission/${w.permissionId}`, '404.1', 'ENTITY_NOT_FOUND'],
      [`/v1/permissions/entity/ext-key/${uid('key')}/crm/permission/${w.permissionId}`, '404.2', 'EXTERNAL_REF_NOT_FOUND'],
      [`/v1/permissions/entity/id/${w.entityId}/permission/${uid('perm')}`, '404.5', 'PERMISSION_NOT_FOUND'],
      [`/v1/permissions/entity/id/${w.entityId}/permission/${w.permissionId}`, '404', 'NOT_ACCEPTED'],
    ];
    for (const [url, code, errorCode] of cases) {
      const { status, body } = await api.get(url, token);
      expect(status, url).toBe(404);
      expect(body).toMatchObject({ cspErrorCode: code, errorCode, statusCode: 404 });
    }
  });

  it('answers 401 without a token, 403 to a caller without the service role, 400 to a bad identifier', async () => {
    const url = '/v1/permissions/entity/id/ent-abc/permission/perm-abc';
    expect((await api.get(url, null)).status).toBe(401);
    expect((await api.get(url, await userToken('usr-abc'))).status).toBe(403);
    expect((await api.get(url, await orgToken('org-abc', 'org_owner'))).status).toBe(403);
    expect((await api.get('/v1/permissions/entity/id/e/permission/perm-abc', await serviceToken('svc-reader'))).status).toBe(400);
  });
});

describe('429: a fixed-window budget in Redis', () => {
  it('refuses the read past the budget with 429 and Retry-After, per caller, shared by replicas', async () => {
    const db = h.mongo.db(h.config.mongodbDatabase);
    // Two API instances on one Redis prefix are two replicas: the budget is theirs together.
    const prefix = { ...h.config, redisKeyPrefix: `${h.config.redisKeyPrefix}rate-${randomUUID().slice(0, 6)}:` };
    const [a, b] = [
      await startReadApiUnderTest(prefix, db, { rateLimit: 3, rateWindowMs: 3_600_000, sharedRedisPrefix: true }),
      await startReadApiUnderTest(prefix, db, { rateLimit: 3, rateWindowMs: 3_600_000, sharedRedisPrefix: true }),
    ];
    try {
      const serviceId = uid('svc');
      const url = `/v1/services/${serviceId}/users/usr-rate/consents`;
      const token = await serviceToken(serviceId);
      const statuses = [
        (await a.get(url, token)).status, (await b.get(url, token)).status, (await a.get(url, token)).status,
      ];
      expect(statuses).toEqual([200, 200, 200]);
      const refused = await b.get(url, token);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ cspErrorCode: '429', errorCode: 'RATE_LIMITED', statusCode: 429 });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Another caller has a budget of its own.
      const otherService = uid('svc');
      expect((await a.get(`/v1/services/${otherService}/users/usr-rate/consents`, await serviceToken(otherService))).status).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("spends one caller's budget across every route, and keeps 401 → 400 → 403 before 429 once it is spent", async () => {
    const api2 = await startReadApiUnderTest(h.config, h.mongo.db(h.config.mongodbDatabase), { rateLimit: 2, rateWindowMs: 3_600_000 });
    try {
      const serviceId = uid('svc');
      const token = await serviceToken(serviceId);
      const list = `/v1/services/${serviceId}/users/usr-order/consents`;
      expect((await api2.get(list, token)).status).toBe(200);
      expect((await api2.get(`/v1/services/${serviceId}/users/usr-order/access?consentType=marketing`, token)).status).toBe(200);
      expect((await api2.get(`/v1/permissions/entity/id/${uid('ent')}/permission/${uid('perm')}`, token)).status).toBe(429);
      expect((await api2.get(list, null)).status).toBe(401);
      expect((await api2.get(`/v1/services/${serviceId}/users/x/consents`, token)).status).toBe(400);
      expect((await api2.get(`/v1/services/${uid('svc')}/users/usr-order/consents`, token)).status).toBe(403);
      expect((await api2.get(list, token)).status).toBe(429);
    } finally {
      await api2.close();
    }
  });

  it("counts org routes per org: the owner and the admin share the org's budget, and a 403 spends none of it", async () => {
    const api2 = await startReadApiUnderTest(h.config, h.mongo.db(h.config.mongodbDatabase), { rateLimit: 2, rateWindowMs: 3_600_000 });
    try {
      const orgId = uid('org');
      const url = `/v1/orgs/${orgId}/consents`;
      expect((await api2.get(url, await orgToken(uid('org'), 'org_owner'))).status).toBe(403);
      expect((await api2.get(url, await orgToken(orgId, 'org_owner'))).status).toBe(200);
      expect((await api2.get(url, await orgToken(orgId, 'org_admin'))).status).toBe(200);
      expect((await api2.get(url, await orgToken(orgId, 'org_admin', 'another-admin'))).status).toBe(429);
    } finally {
      await api2.close();
    }
  });
});
