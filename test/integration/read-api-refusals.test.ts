// Every refusal of the read API is a CspErrorResponse, the router's own too, over a real HTTP
// listener (startReadApi) on the worker's database: identifiers of 100, 101 and 128 characters
// (the contract's ^[\w\-\.]{3,128}$, which the worker stores) reach their route on every route and
// every path parameter; 129 characters are a 400 naming the parameter; a malformed
// percent-encoding, an over-long segment and an unknown route are refusals in the one shape.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadApi, type ReadApi } from '../../src/api/start-api.ts';
import { MAX_PARAM_LENGTH } from '../../src/api/server.ts';
import { loadApiConfig } from '../../src/config/api-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { uid } from '../support/ids.ts';
import { JWT_SECRET, orgToken, PAGE_SECRET, serviceToken } from '../support/read-api.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
let api: ReadApi;
beforeAll(async () => {
  h = await startHarness({ SWEEP_ENABLED: 'false' });
  const apiConfig = loadApiConfig({ API_PORT: '0', API_JWT_SECRET: JWT_SECRET, API_PAGE_TOKEN_SECRET: PAGE_SECRET });
  api = await startReadApi(h.config, apiConfig, createLogger(process.env['TEST_LOG_LEVEL'] ?? 'warn', 'read-api-refusals-test'));
});
afterAll(async () => {
  await api?.stop();
  await h?.stop();
});

/** A GET of `path` sent byte for byte (fetch would normalise a malformed percent-encoding). */
function get(path: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(api.url);
    const req = request({ hostname, port, path, method: 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          reject(new Error(`${res.statusCode} ${path.slice(0, 80)}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject).end();
  });
}

/** An identifier of exactly `length` characters (letters, digits, '-'), unique to this run. */
const idOf = (length: number, tag: string): string => uid(tag).padEnd(length, 'x').slice(0, length);

const cspErrorShape = (statusCode: number, errorCode: string) => ({
  cspErrorCode: String(statusCode), errorCode, message: expect.any(String), moduleCode: 'CONSENT_READ_API', requestId: expect.any(String), statusCode,
});

interface Route {
  readonly pattern: string;
  /** What a caller allowed to read it is, given the route's identifiers. */
  token(ids: Record<string, string>): Promise<string>;
  /** The route's answer when it ran on identifiers that hold nothing. */
  readonly ranStatus: number;
  readonly query?: string;
}

const ROUTES: readonly Route[] = [
  { pattern: '/v1/orgs/:orgId/consents', token: (ids) => orgToken(ids['orgId'] as string, 'org_admin'), ranStatus: 200 },
  { pattern: '/v1/services/:serviceId/users/:userId/consents', token: (ids) => serviceToken(ids['serviceId'] as string), ranStatus: 200 },
  { pattern: '/v1/services/:serviceId/users/:userId/consents/:consentId', token: (ids) => serviceToken(ids['serviceId'] as string), ranStatus: 404 },
  { pattern: '/v1/services/:serviceId/users/:userId/access', query: '?consentType=marketing', token: (ids) => serviceToken(ids['serviceId'] as string), ranStatus: 200 },
  { pattern: '/v1/permissions/entity/id/:entityId/permission/:permissionId', token: () => serviceToken('svc-reader'), ranStatus: 404 },
  { pattern: '/v1/permissions/entity/ext-key/:extKey/:extType/permission/:permissionId', token: () => serviceToken('svc-reader'), ranStatus: 404 },
];

const paramsOf = (pattern: string): string[] => pattern.split('/').filter((part) => part.startsWith(':')).map((part) => part.slice(1));
const urlOf = (route: Route, ids: Record<string, string>): string =>
  route.pattern.replace(/:(\w+)/g, (_m, name: string) => ids[name] as string) + (route.query ?? '');

const CASES = ROUTES.flatMap((route) => paramsOf(route.pattern).flatMap((param) => [100, 101, 128, 129].map((length) => ({ route, param, length }))));

describe('identifiers on every route and every path parameter', () => {
  it.each(CASES)('$route.pattern with a $length-character $param', async ({ route, param, length }) => {
    const ids = Object.fromEntries(paramsOf(route.pattern).map((name) => [name, name === param ? idOf(length, name) : uid(name)]));
    const { status, body } = await get(urlOf(route, ids), await route.token(ids));
    if (length <= 128) {
      expect(status, JSON.stringify(body)).toBe(route.ranStatus); // the route ran: no 414, no 400
    } else {
      expect(status).toBe(400);
      expect(body).toEqual(cspErrorShape(400, 'VALIDATION_FAILED'));
      expect(body['message']).toContain(`params/${param} `);
    }
  });

  it('reads a consent whose consentId, serviceId and userId are 128 characters, as the worker stored it', async () => {
    const [consentId, serviceId, userId] = [idOf(128, 'c'), idOf(128, 'svc'), idOf(128, 'usr')];
    const created = await h.consent('CreateConsent', { consentId, serviceId, userId, status: 'ACTIVE', consentType: 'marketing', expiryTime: inMs(3_600_000) });
    expect(await h.result(created)).toMatchObject({ statusCode: '201' });
    const { status, body } = await get(`/v1/services/${serviceId}/users/${userId}/consents/${consentId}`, await serviceToken(serviceId));
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: { consentId, serviceId, userId, status: 'ACTIVE' } });
  });
});

describe('refusals of the router', () => {
  const MALFORMED = ['%E0%A4%A', '%zz', 'abc%'];

  it.each(ROUTES.flatMap((route) => paramsOf(route.pattern).flatMap((param) => MALFORMED.map((bad) => ({ route, param, bad })))))(
    '$route.pattern with $bad in $param: 400 BAD_URL, before authentication',
    async ({ route, param, bad }) => {
      const ids = Object.fromEntries(paramsOf(route.pattern).map((name) => [name, name === param ? bad : uid(name)]));
      for (const token of [await route.token(ids), undefined]) {
        const { status, body } = await get(urlOf(route, ids), token);
        expect(status).toBe(400);
        expect(body).toEqual(cspErrorShape(400, 'BAD_URL'));
      }
    },
  );

  it.each(ROUTES.flatMap((route) => paramsOf(route.pattern).map((param) => ({ route, param }))))(
    '$route.pattern with a $param longer than the router takes: 400 naming it',
    async ({ route, param }) => {
      const ids = Object.fromEntries(paramsOf(route.pattern).map((name) => [name, name === param ? idOf(MAX_PARAM_LENGTH + 1, name) : uid(name)]));
      const { status, body } = await get(urlOf(route, ids), await route.token(ids));
      expect(status).toBe(400);
      expect(body).toEqual(cspErrorShape(400, 'VALIDATION_FAILED'));
      expect(body['message']).toContain(`params/${param} `);
    },
  );

  it('answers an unknown route or method with 404 in the one shape', async () => {
    for (const path of ['/v1/nothing-here', '/v1/orgs/org-1/consents/extra', '/v2/orgs/org-1/consents', '/']) {
      const { status, body } = await get(path, await serviceToken('svc-reader'));
      expect(status, path).toBe(404);
      expect(body).toEqual(cspErrorShape(404, 'NOT_FOUND'));
    }
  });
});
