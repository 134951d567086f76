// The served OpenAPI document against the routes as they answer: every documented route is
// called here, and each answer (successes and errors) must be documented for its status and
// match the documented schema. A route added without a case here fails the first test.
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptPermission, world, type World } from '../support/permission-world.ts';
import { orgToken, serviceToken, startReadApiUnderTest, tokenFor, userToken, type ReadApiUnderTest } from '../support/read-api.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
let api: ReadApiUnderTest;
let doc: OpenApi;
let w: World;
const ids = { serviceId: uid('svc'), userId: uid('usr'), consentId: uid('c'), orgId: uid('org'), orgConsentId: uid('oc'), extKey: uid('key'), otherOrgId: uid('org') };

interface OpenApi {
  openapi: string;
  paths: Record<string, { get?: { responses: Record<string, { content?: { 'application/json'?: { schema: unknown } } }>; parameters?: unknown[] } }>;
  components: { schemas: Record<string, unknown> };
}

beforeAll(async () => {
  h = await startHarness({ SWEEP_ENABLED: 'false' });
  api = await startReadApiUnderTest(h.config, h.mongo.db(h.config.mongodbDatabase), { rateLimit: 3 });
  const { serviceId, userId, consentId, orgId, orgConsentId, extKey } = ids;
  const created = await h.consent('CreateConsent', { consentId, serviceId, userId, status: 'ACTIVE', consentType: 'marketing', consentData: {}, expiryTime: inMs(3_600_000) });
  const requested = await h.consent('RequestOrgConsent', { consentId: orgConsentId, sourceUserId: userId, targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org' });
  expect(await h.result(created)).toMatchObject({ statusCode: '201' });
  expect(await h.result(requested)).toMatchObject({ statusCode: '201' });
  w = await world(h, 'openapi', { externalKeys: [{ extKey, extType: 'crm' }] });
  expect((await acceptPermission(h, w)).result).toMatchObject({ statusCode: '201' });
  const served = await api.app.inject({ url: '/openapi.json' });
  expect(served.statusCode).toBe(200);
  doc = served.json();
});
afterAll(async () => {
  await api?.close();
  await h?.stop();
});

/** Replaces every {$ref: '#/components/schemas/x'} with the component, so each schema stands alone. */
function resolved(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(resolved);
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref?.startsWith('#/components/schemas/')) return resolved(doc.components.schemas[ref.slice('#/components/schemas/'.length)]);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolved(v)]));
}

interface Case { path: string; url: () => string; token: () => Promise<string | null>; status: number }

const cases: Case[] = [
  { path: '/v1/orgs/{orgId}/consents', url: () => `/v1/orgs/${ids.orgId}/consents`, token: () => orgToken(ids.orgId, 'org_owner'), status: 200 },
  { path: '/v1/orgs/{orgId}/consents', url: () => `/v1/orgs/${ids.orgId}/consents`, token: () => orgToken(uid('org'), 'org_owner'), status: 403 },
  { path: '/v1/orgs/{orgId}/consents', url: () => `/v1/orgs/${ids.orgId}/consents`, token: async () => null, status: 401 },
  { path: '/v1/orgs/{orgId}/consents', url: () => '/v1/orgs/o!/consents', token: () => orgToken('o!', 'org_owner'), status: 400 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents?limit=1`, token: () => userToken(ids.userId), status: 200 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents?pageToken=x.y`, token: () => userToken(ids.userId), status: 400 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents/{consentId}', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents/${ids.consentId}`, token: () => serviceToken(ids.serviceId), status: 200 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents/{consentId}', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents/${uid('c')}`, token: () => serviceToken(ids.serviceId), status: 404 },
  { path: '/v1/services/{serviceId}/users/{userId}/access', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/access?consentType=marketing`, token: () => serviceToken(ids.serviceId), status: 200 },
  // The limit is 3 per caller, and the three cases above already read as svc:<serviceId>: refused.
  { path: '/v1/services/{serviceId}/users/{userId}/access', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/access?consentType=marketing`, token: () => serviceToken(ids.serviceId), status: 429 },
  // The user, under subjects of their own (the limit of 3 is per subject): the consent's ledger.
  { path: '/v1/services/{serviceId}/users/{userId}/consents/{consentId}/revisions', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents/${ids.consentId}/revisions`, token: () => historyReader('a'), status: 200 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents/{consentId}/revisions', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents/${uid('c')}/revisions`, token: () => historyReader('a'), status: 404 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents/{consentId}/revisions/{revision}', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents/${ids.consentId}/revisions/1`, token: () => historyReader('a'), status: 200 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents/{consentId}/revisions/{revision}', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents/${ids.consentId}/revisions/2`, token: () => historyReader('b'), status: 404 },
  { path: '/v1/services/{serviceId}/users/{userId}/consents/{consentId}/revisions/{revision}', url: () => `/v1/services/${ids.serviceId}/users/${ids.userId}/consents/${ids.consentId}/revisions/0`, token: () => historyReader('b'), status: 400 },
  // The org consent's ledger spends the org's budget (3): the org list above spent one.
  { path: '/v1/orgs/{orgId}/consents/{consentId}/revisions', url: () => `/v1/orgs/${ids.orgId}/consents/${ids.orgConsentId}/revisions`, token: () => orgToken(ids.orgId, 'org_admin'), status: 200 },
  { path: '/v1/orgs/{orgId}/consents/{consentId}/revisions', url: () => `/v1/orgs/${ids.orgId}/consents/${ids.orgConsentId}/revisions`, token: () => userToken(ids.userId), status: 403 },
  { path: '/v1/orgs/{orgId}/consents/{consentId}/revisions', url: () => `/v1/orgs/${ids.otherOrgId}/consents/${ids.orgConsentId}/revisions`, token: () => orgToken(ids.otherOrgId, 'org_owner'), status: 404 },
  { path: '/v1/orgs/{orgId}/consents/{consentId}/revisions/{revision}', url: () => `/v1/orgs/${ids.orgId}/consents/${ids.orgConsentId}/revisions/1`, token: () => orgToken(ids.orgId, 'org_owner'), status: 200 },
  { path: '/v1/orgs/{orgId}/consents/{consentId}/revisions/{revision}', url: () => `/v1/orgs/${ids.otherOrgId}/consents/${ids.orgConsentId}/revisions/9`, token: () => orgToken(ids.otherOrgId, 'org_owner'), status: 404 },
  { path: '/v1/users/{userId}/receipt', url: () => `/v1/users/${ids.userId}/receipt`, token: () => historyReader('r'), status: 200 },
  { path: '/v1/users/{userId}/receipt', url: () => `/v1/users/${ids.userId}/receipt`, token: () => serviceToken(ids.serviceId), status: 403 },
  { path: '/v1/users/{userId}/receipt', url: () => '/v1/users/u!/receipt', token: () => historyReader('r'), status: 400 },
  { path: '/v1/permissions/entity/id/{entityId}/permission/{permissionId}', url: () => `/v1/permissions/entity/id/${w.entityId}/permission/${w.permissionId}`, token: () => serviceToken('svc-reader'), status: 200 },
  { path: '/v1/permissions/entity/id/{entityId}/permission/{permissionId}', url: () => `/v1/permissions/entity/id/${uid('ent')}/permission/${w.permissionId}`, token: () => serviceToken('svc-reader'), status: 404 },
  { path: '/v1/permissions/entity/ext-key/{extKey}/{extType}/permission/{permissionId}', url: () => `/v1/permissions/entity/ext-key/${ids.extKey}/crm/permission/${w.permissionId}`, token: () => serviceToken('svc-other'), status: 200 },
  { path: '/v1/permissions/entity/ext-key/{extKey}/{extType}/permission/{permissionId}', url: () => `/v1/permissions/entity/ext-key/${ids.extKey}/crm/permission/${w.permissionId}`, token: () => userToken(ids.userId), status: 403 },
];

describe('the OpenAPI document at /openapi.json', () => {
  it('is OpenAPI 3 and documents exactly the routes under /v1 that this test calls', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(cases.map((c) => c.path))].sort());
    for (const path of Object.keys(doc.paths)) {
      expect(doc.paths[path]?.get?.responses['200'], path).toBeDefined();
      for (const status of ['400', '401', '403', '429', '500']) expect(doc.paths[path]?.get?.responses[status], `${path} ${status}`).toBeDefined();
    }
  });

  it.each(cases.map((c) => [`${c.path} ${c.status}`, c] as const))('%s answers as documented', async (_name, c) => {
    const response = await api.app.inject({ url: c.url(), headers: await authorization(c) });
    expect(response.statusCode).toBe(c.status);
    const documented = doc.paths[c.path]?.get?.responses[String(c.status)]?.content?.['application/json']?.schema;
    expect(documented, `${c.path} documents ${c.status}`).toBeDefined();
    const validate = new Ajv({ strict: false, allErrors: true }).compile(resolved(documented) as object);
    const body: unknown = response.json();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });
});

/** The user of `ids`, as a subject of its own so that its reads have their own budget. */
function historyReader(tag: string): Promise<string> {
  return tokenFor({ sub: `${ids.userId}-history-${tag}`, userId: ids.userId, roles: ['user'] });
}

async function authorization(c: Case): Promise<Record<string, string>> {
  const token = await c.token();
  return token ? { authorization: `Bearer ${token}` } : {};
}
