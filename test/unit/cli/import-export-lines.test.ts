// The pure parts of import and export: how a line becomes a command (and its commandId), and how
// a stored consent becomes an export line.
import { describe, expect, it } from 'vitest';
import { exportLineOf } from '../../../src/cli/export/export-line.ts';
import { importCommandId, isLineRefusal, parseImportLine } from '../../../src/cli/import/import-line.ts';
import { pacer } from '../../../src/cli/import/pacer.ts';
import type { Consent } from '../../../src/domain/consent/consent.ts';

const base = { consentId: 'c-1', serviceId: 'svc-a', userId: 'user-1', status: 'ACTIVE', consentData: { b: '2', a: '1' } };

describe('an import line', () => {
  it('travels under the same commandId whatever the order of its keys', () => {
    const one = parseImportLine(JSON.stringify(base));
    const other = parseImportLine(JSON.stringify({ consentData: { a: '1', b: '2' }, status: 'ACTIVE', userId: 'user-1', serviceId: 'svc-a', consentId: 'c-1' }));
    expect(isLineRefusal(one) || isLineRefusal(other)).toBe(false);
    expect((one as { commandId: string }).commandId).toBe((other as { commandId: string }).commandId);
    expect((one as { commandId: string }).commandId).toMatch(/^import-[0-9a-f]{40}$/);
  });

  it('travels under another commandId when anything it sends differs', () => {
    expect(importCommandId({ ...base })).not.toBe(importCommandId({ ...base, consentData: { a: '1', b: '3' } }));
    expect(importCommandId({ ...base })).not.toBe(importCommandId({ ...base, createdAt: '2019-01-01T00:00:00Z' }));
  });

  it('does not send what only an export carries, nor null fields, so an exported line is the same command as its source line', () => {
    const source = parseImportLine(JSON.stringify({ ...base, expiryTime: null }));
    const exported = parseImportLine(JSON.stringify({ ...base, consentVersion: 3, updatedAt: '2026-01-01T00:00:00Z', revisions: [] }));
    expect(exported).toEqual(source);
    expect(Object.keys((exported as { payload: object }).payload).sort()).toEqual(['consentData', 'consentId', 'serviceId', 'status', 'userId']);
  });

  it('is refused before sending when it is not a JSON object', () => {
    expect(parseImportLine('{"consentId":')).toMatchObject({ statusCode: '400', errorCode: 'INVALID_LINE', field: null });
    expect(parseImportLine('[1,2]')).toMatchObject({ errorCode: 'INVALID_LINE' });
    expect(parseImportLine('null')).toMatchObject({ errorCode: 'INVALID_LINE' });
  });
});

describe('an export line', () => {
  const consent: Consent = {
    consentId: 'c-9', kind: 'USER', version: 4, status: 'ACTIVE', serviceId: 'svc-a', userId: 'user-1', consentType: 'marketing',
    consentData: { channel: 'sms' }, expiryTime: '2030-01-01T00:00:00.000Z', sourceUserId: null, targetOrgId: null,
    targetOrgOwnerEmail: null, expiry: null, decidedBy: null, createdAt: '2019-01-01T00:00:00.000Z', updatedAt: '2029-01-01T00:00:00.000Z',
  };

  it('shows an ACTIVE consent past its expiry as EXPIRED (read-time expiry), before it as ACTIVE', () => {
    expect(exportLineOf(consent, new Date('2030-01-01T00:00:00.000Z')).status).toBe('EXPIRED');
    expect(exportLineOf(consent, new Date('2029-12-31T23:59:59.999Z')).status).toBe('ACTIVE');
  });

  it('carries the import fields, the original createdAt, and the version and updatedAt an import does not send', () => {
    expect(exportLineOf(consent, new Date('2029-06-01T00:00:00Z'))).toEqual({
      consentId: 'c-9', serviceId: 'svc-a', userId: 'user-1', status: 'ACTIVE', consentType: 'marketing', consentData: { channel: 'sms' },
      expiryTime: '2030-01-01T00:00:00.000Z', createdAt: '2019-01-01T00:00:00.000Z', consentVersion: 4, updatedAt: '2029-01-01T00:00:00.000Z',
    });
  });
});

describe('the --rate pacer', () => {
  it('lets n sends start no sooner than n / rate seconds after the first', async () => {
    let clock = 0;
    const pace = pacer(1_000, () => clock);
    const started = Date.now();
    for (let i = 0; i < 5; i += 1) await pace.next(); // due at 0, 1, 2, 3, 4 ms of a clock that stands still
    expect(Date.now() - started).toBeGreaterThanOrEqual(3);
    clock = 1_000;
    const before = Date.now();
    await pace.next(); // due at 5 ms, the clock is past it: no wait
    expect(Date.now() - before).toBeLessThan(5);
  });
});
