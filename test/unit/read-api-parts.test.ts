import { describe, expect, it } from 'vitest';
import { pageTokens } from '../../src/api/page-token.ts';
import { loadApiConfig, readApiEnabled } from '../../src/config/api-config.ts';
import { ConfigError } from '../../src/config/config.ts';
import { readAcceptance } from '../../src/domain/permission/read-acceptance.ts';
import type { Entity } from '../../src/domain/permission/entity.ts';
import type { PermissionDef } from '../../src/domain/permission/reference.ts';

const SECRET = 'x'.repeat(32);

describe('page tokens', () => {
  const tokens = pageTokens(SECRET);

  it('round-trips the last consentId for the same list', () => {
    expect(tokens.read(tokens.issue('svc', 'usr', 'c-9'), 'svc', 'usr')).toBe('c-9');
  });

  it.each([
    ['an altered body', (t: string) => `${Buffer.from(JSON.stringify({ v: 1, s: 'svc', u: 'usr', a: 'c-0' })).toString('base64url')}.${t.split('.')[1]}`],
    ['an altered signature', (t: string) => `${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`],
    ['garbage', () => 'not-a-token'],
    ['a token signed with another secret', () => pageTokens('y'.repeat(32)).issue('svc', 'usr', 'c-9')],
  ])('refuses %s with 400 INVALID_PAGE_TOKEN', (_name, forge) => {
    expect(() => tokens.read(forge(tokens.issue('svc', 'usr', 'c-9')), 'svc', 'usr')).toThrow(expect.objectContaining({ cspErrorCode: '400', errorCode: 'INVALID_PAGE_TOKEN' }));
  });

  it("refuses another list's token (another user or service)", () => {
    const token = tokens.issue('svc', 'usr', 'c-9');
    expect(() => tokens.read(token, 'svc', 'other')).toThrow(expect.objectContaining({ errorCode: 'INVALID_PAGE_TOKEN' }));
    expect(() => tokens.read(token, 'other', 'usr')).toThrow(expect.objectContaining({ errorCode: 'INVALID_PAGE_TOKEN' }));
  });
});

describe('loadApiConfig', () => {
  const base = { API_JWT_SECRET: SECRET, API_PAGE_TOKEN_SECRET: SECRET };

  it('has defaults for everything but the secrets', () => {
    expect(loadApiConfig(base)).toMatchObject({
      port: 8080, host: '127.0.0.1', jwt: { key: { kind: 'secret' }, issuer: null, audience: null },
      pageLimitDefault: 20, pageLimitMax: 100, rateLimit: 1_200, rateWindowMs: 60_000,
    });
  });

  it.each([
    [{ API_PAGE_TOKEN_SECRET: SECRET }, 'API_JWT_JWKS_URL, API_JWT_PUBLIC_KEY, API_JWT_SECRET'],
    [{ ...base, API_JWT_JWKS_URL: 'https://idp.example/jwks' }, 'exactly one of'],
    [{ API_JWT_SECRET: SECRET }, 'API_PAGE_TOKEN_SECRET'],
    [{ ...base, API_JWT_SECRET: 'short' }, 'API_JWT_SECRET'],
    [{ ...base, API_PORT: 'eighty' }, 'API_PORT'],
    [{ ...base, API_RATE_LIMIT: '0' }, 'API_RATE_LIMIT'],
    [{ ...base, API_PAGE_LIMIT_DEFAULT: '500' }, 'API_PAGE_LIMIT_DEFAULT'],
    [{ API_PAGE_TOKEN_SECRET: SECRET, API_JWT_JWKS_URL: 'ftp://x' }, 'API_JWT_JWKS_URL'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadApiConfig(env)).toThrow(ConfigError);
    expect(() => loadApiConfig(env)).toThrow(name);
  });

  it('names every bad variable in one error, not only the first', () => {
    const error = (() => { try { loadApiConfig({ API_PORT: 'eighty', API_RATE_LIMIT: '0', API_JWT_SECRET: 'short' }); } catch (e) { return e; } return null; })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['API_JWT_SECRET', 'API_PAGE_TOKEN_SECRET', 'API_PORT', 'API_RATE_LIMIT']);
  });

  it('reads READ_API_ENABLED as a boolean, off by default', () => {
    expect(readApiEnabled({})).toBe(false);
    expect(readApiEnabled({ READ_API_ENABLED: 'true' })).toBe(true);
    expect(() => readApiEnabled({ READ_API_ENABLED: 'yes' })).toThrow('READ_API_ENABLED');
  });
});

describe('readAcceptance', () => {
  const at = '2026-11-01T00:00:00.000Z';
  const entity: Entity = {
    entityId: 'ent-1', version: 2, externalKeys: [{ extKey: 'k-1', extType: 'crm' }], contractId: 'ctr', createdAt: at, updatedAt: at,
    permissions: [{
      permissionId: 'perm-1', isActive: true, isWithdrawn: false, acceptance: { timestamp: at, sourceId: 'src', termsId: null, data: {} },
      withdrawal: null, history: [],
    }],
  };
  const def = (permissionId: string): PermissionDef => ({ permissionId, version: 1, name: 'n', active: true, createdAt: at, updatedAt: at });

  it('answers the acceptance state by id or by external key', () => {
    const state = { entityId: 'ent-1', permissionId: 'perm-1', isActive: true, isWithdrawn: false, acceptance: { timestamp: at, sourceId: 'src' }, withdrawal: null };
    expect(readAcceptance({ entityId: 'ent-1' }, entity, def('perm-1'), 'perm-1')).toEqual(state);
    expect(readAcceptance({ extKey: 'k-1', extType: 'crm' }, entity, def('perm-1'), 'perm-1')).toEqual(state);
  });

  it.each([
    ['404.1 for an unknown entityId', { entityId: 'ent-x' }, null, def('perm-1'), '404.1'],
    ['404.2 for an unknown external key', { extKey: 'k-x', extType: 'crm' }, null, def('perm-1'), '404.2'],
    ['404.5 for an undefined permission', { entityId: 'ent-1' }, entity, null, '404.5'],
    ['404.1 before 404.5', { entityId: 'ent-x' }, null, null, '404.1'],
    ['404 NOT_ACCEPTED when defined but never accepted', { entityId: 'ent-1' }, entity, def('perm-2'), '404'],
  ])('answers %s', (_name, ref, stored, permission, code) => {
    const permissionId = permission?.permissionId ?? 'perm-1';
    expect(readAcceptance(ref, stored, permission, permissionId)).toMatchObject({ statusCode: code });
  });
});
