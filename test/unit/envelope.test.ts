// The envelope rules both families share: issuedAt is an ISO 8601 date-time with an offset.
import { describe, expect, it } from 'vitest';
import { parseConsentCommand } from '../../src/domain/consent/commands.ts';
import { parsePermissionCommand } from '../../src/domain/permission/commands.ts';
import { isRejection } from '../../src/domain/status.ts';
import { envelope, NOW, SERVICE, USER } from './consent/fixtures.ts';

const CREATE = { serviceId: SERVICE, userId: USER, status: 'ACTIVE' };
const REGISTER = { entityId: 'entity-1', contractId: null, externalKeys: [] };

const refusedIssuedAt: { name: string; issuedAt: unknown }[] = [
  { name: 'without an offset', issuedAt: '2030-01-01T12:00:00' },
  { name: 'a date only', issuedAt: '2030-01-01' },
  { name: 'in words', issuedAt: 'now' },
  { name: 'empty', issuedAt: '' },
  { name: 'epoch millis as text', issuedAt: String(NOW.getTime()) },
  { name: 'an impossible date', issuedAt: '2030-02-31T12:00:00Z' },
  { name: 'hour 24', issuedAt: '2030-01-01T24:00:00Z' },
];

const acceptedIssuedAt = ['2030-01-01T12:00:00Z', '2030-01-01T12:00:00.123Z', '2030-01-01T13:00:00+01:00', '2029-01-01T00:00:00-05:30',
  '2035-01-01T00:00:00Z' /* a producer's clock ahead of ours is not the worker's business */];

describe('issuedAt', () => {
  it.each(refusedIssuedAt)('refuses an issuedAt $name with 400 naming issuedAt (consent)', ({ issuedAt }) => {
    const result = parseConsentCommand(envelope('CreateConsent', CREATE, { issuedAt: issuedAt as string }), NOW);
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'issuedAt' });
  });

  it.each(refusedIssuedAt)('refuses an issuedAt $name with 400 naming issuedAt (permission)', ({ issuedAt }) => {
    const result = parsePermissionCommand(envelope('RegisterEntity', REGISTER, { issuedAt: issuedAt as string }), NOW);
    expect(result).toMatchObject({ statusCode: '400', field: 'issuedAt' });
  });

  it.each(acceptedIssuedAt)('accepts issuedAt %s', (issuedAt) => {
    expect(isRejection(parseConsentCommand(envelope('CreateConsent', CREATE, { issuedAt }), NOW))).toBe(false);
  });
});
