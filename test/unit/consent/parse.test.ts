// parseConsentCommand: every 400 of the consent family names the payload field at fault.
import { describe, expect, it } from 'vitest';
import { parseConsentCommand } from '../../../src/domain/consent/commands.ts';
import { isRejection } from '../../../src/domain/status.ts';
import { envelope, FUTURE, NOW, ORG, ORG_OWNER, PAST, pairs, parsed, SERVICE, USER } from './fixtures.ts';

const BASE: Record<string, Record<string, unknown>> = {
  CreateConsent: { serviceId: SERVICE, userId: USER, status: 'ACTIVE' },
  UpdateConsent: { consentId: 'consent-user-1', serviceId: SERVICE, userId: USER, consentVersion: 4 },
  RequestOrgConsent: { sourceUserId: USER, targetOrgId: ORG, targetOrgOwnerEmail: 'owner@acme.example' },
  DecideOrgConsent: { orgId: ORG, consentId: 'consent-org-1', action: 'APPROVE' },
};

interface BadField {
  readonly name: string;
  readonly commandType: keyof typeof BASE;
  /** Fields laid over the command's valid base payload; `undefined` removes the field. */
  readonly payload: Record<string, unknown>;
  readonly field: string;
}

const rows: BadField[] = [
  // identifiers: ^[\w\-\.]{3,128}$
  { name: 'a consentId of 2 characters', commandType: 'CreateConsent', payload: { consentId: 'ab' }, field: 'consentId' },
  { name: 'a consentId of 129 characters', commandType: 'CreateConsent', payload: { consentId: 'c'.repeat(129) }, field: 'consentId' },
  { name: 'a consentId with a space', commandType: 'CreateConsent', payload: { consentId: 'consent 1' }, field: 'consentId' },
  { name: 'an empty consentId', commandType: 'CreateConsent', payload: { consentId: '' }, field: 'consentId' },
  { name: 'a consentId with a colon', commandType: 'CreateConsent', payload: { consentId: 'a:b:c' }, field: 'consentId' },
  { name: 'a missing serviceId', commandType: 'CreateConsent', payload: { serviceId: undefined }, field: 'serviceId' },
  { name: 'a serviceId with a slash', commandType: 'CreateConsent', payload: { serviceId: 'svc/billing' }, field: 'serviceId' },
  { name: 'a numeric userId', commandType: 'CreateConsent', payload: { userId: 12345 }, field: 'userId' },
  { name: 'a userId with a $', commandType: 'CreateConsent', payload: { userId: '$where' }, field: 'userId' },
  { name: 'a consentType of 2 characters', commandType: 'CreateConsent', payload: { consentType: 'mk' }, field: 'consentType' },
  // status
  { name: 'status EXPIRED on create', commandType: 'CreateConsent', payload: { status: 'EXPIRED' }, field: 'status' },
  { name: 'status REQUESTED on create', commandType: 'CreateConsent', payload: { status: 'REQUESTED' }, field: 'status' },
  { name: 'a lower-case status', commandType: 'CreateConsent', payload: { status: 'active' }, field: 'status' },
  { name: 'a missing status on create', commandType: 'CreateConsent', payload: { status: undefined }, field: 'status' },
  // consentData: at most 32 pairs, keys 1–64, values 1–256, no $ prefix, no dot
  { name: 'consentData of 33 pairs', commandType: 'CreateConsent', payload: { consentData: pairs(33) }, field: 'consentData' },
  { name: "a consentData key '$set'", commandType: 'CreateConsent', payload: { consentData: { $set: 'x' } }, field: 'consentData' },
  { name: "a consentData key 'a.b'", commandType: 'CreateConsent', payload: { consentData: { 'a.b': 'x' } }, field: 'consentData' },
  { name: 'a consentData key of 65 characters', commandType: 'CreateConsent', payload: { consentData: { ['k'.repeat(65)]: 'x' } }, field: 'consentData' },
  { name: 'an empty consentData key', commandType: 'CreateConsent', payload: { consentData: { '': 'x' } }, field: 'consentData' },
  { name: 'a consentData value of 257 characters', commandType: 'CreateConsent', payload: { consentData: { note: 'v'.repeat(257) } }, field: 'consentData' },
  { name: 'an empty consentData value', commandType: 'CreateConsent', payload: { consentData: { note: '' } }, field: 'consentData' },
  { name: 'a numeric consentData value', commandType: 'CreateConsent', payload: { consentData: { count: 3 } }, field: 'consentData' },
  { name: 'consentData as an array', commandType: 'CreateConsent', payload: { consentData: [['k', 'v']] }, field: 'consentData' },
  { name: 'consentData as a string', commandType: 'CreateConsent', payload: { consentData: 'k=v' }, field: 'consentData' },
  // expiryTime: ISO 8601 with offset, in the future
  { name: 'an expiryTime without offset', commandType: 'CreateConsent', payload: { expiryTime: '2030-06-01T00:00:00' }, field: 'expiryTime' },
  { name: 'a date-only expiryTime', commandType: 'CreateConsent', payload: { expiryTime: '2030-06-01' }, field: 'expiryTime' },
  { name: 'an expiryTime in words', commandType: 'CreateConsent', payload: { expiryTime: 'next week' }, field: 'expiryTime' },
  { name: 'an expiryTime as epoch millis', commandType: 'CreateConsent', payload: { expiryTime: Date.parse(FUTURE) }, field: 'expiryTime' },
  { name: 'an expiryTime with month 13', commandType: 'CreateConsent', payload: { expiryTime: '2030-13-01T00:00:00Z' }, field: 'expiryTime' },
  { name: 'an expiryTime in the past', commandType: 'CreateConsent', payload: { expiryTime: PAST }, field: 'expiryTime' },
  { name: 'an expiryTime equal to now', commandType: 'CreateConsent', payload: { expiryTime: NOW.toISOString() }, field: 'expiryTime' },
  // UpdateConsent
  { name: 'consentVersion 0', commandType: 'UpdateConsent', payload: { consentVersion: 0 }, field: 'consentVersion' },
  { name: 'a negative consentVersion', commandType: 'UpdateConsent', payload: { consentVersion: -3 }, field: 'consentVersion' },
  { name: 'a fractional consentVersion', commandType: 'UpdateConsent', payload: { consentVersion: 2.5 }, field: 'consentVersion' },
  { name: 'a consentVersion sent as a string', commandType: 'UpdateConsent', payload: { consentVersion: '4' }, field: 'consentVersion' },
  { name: 'a missing consentVersion', commandType: 'UpdateConsent', payload: { consentVersion: undefined }, field: 'consentVersion' },
  { name: 'a missing consentId on update', commandType: 'UpdateConsent', payload: { consentId: undefined }, field: 'consentId' },
  { name: 'status EXPIRED on update', commandType: 'UpdateConsent', payload: { status: 'EXPIRED' }, field: 'status' },
  { name: 'status REJECTED on update', commandType: 'UpdateConsent', payload: { status: 'REJECTED' }, field: 'status' },
  { name: "a consentData key '$inc' on update", commandType: 'UpdateConsent', payload: { consentData: { $inc: '1' } }, field: 'consentData' },
  { name: 'an expiryTime in the past on update', commandType: 'UpdateConsent', payload: { expiryTime: PAST }, field: 'expiryTime' },
  // RequestOrgConsent
  { name: 'a targetOrgOwnerEmail without @', commandType: 'RequestOrgConsent', payload: { targetOrgOwnerEmail: 'owner.acme.example' }, field: 'targetOrgOwnerEmail' },
  { name: 'a targetOrgOwnerEmail without a dot in the domain', commandType: 'RequestOrgConsent', payload: { targetOrgOwnerEmail: 'owner@acme' }, field: 'targetOrgOwnerEmail' },
  { name: 'a targetOrgOwnerEmail with a space', commandType: 'RequestOrgConsent', payload: { targetOrgOwnerEmail: 'the owner@acme.example' }, field: 'targetOrgOwnerEmail' },
  { name: 'a targetOrgOwnerEmail with two @', commandType: 'RequestOrgConsent', payload: { targetOrgOwnerEmail: 'owner@@acme.example' }, field: 'targetOrgOwnerEmail' },
  { name: 'a missing targetOrgOwnerEmail', commandType: 'RequestOrgConsent', payload: { targetOrgOwnerEmail: undefined }, field: 'targetOrgOwnerEmail' },
  { name: 'a bad sourceUserId', commandType: 'RequestOrgConsent', payload: { sourceUserId: 'u' }, field: 'sourceUserId' },
  { name: 'a bad targetOrgId', commandType: 'RequestOrgConsent', payload: { targetOrgId: 'org acme' }, field: 'targetOrgId' },
  { name: 'a bad consentId on request', commandType: 'RequestOrgConsent', payload: { consentId: 'x' }, field: 'consentId' },
  // DecideOrgConsent
  { name: 'a lower-case action', commandType: 'DecideOrgConsent', payload: { action: 'approve' }, field: 'action' },
  { name: 'an unknown action', commandType: 'DecideOrgConsent', payload: { action: 'DELETE' }, field: 'action' },
  { name: 'a missing action', commandType: 'DecideOrgConsent', payload: { action: undefined }, field: 'action' },
  { name: 'an expiry in the past', commandType: 'DecideOrgConsent', payload: { expiry: PAST }, field: 'expiry' },
  { name: 'an expiry equal to now', commandType: 'DecideOrgConsent', payload: { expiry: NOW.toISOString() }, field: 'expiry' },
  { name: 'an expiry without offset', commandType: 'DecideOrgConsent', payload: { expiry: '2030-06-01T00:00:00.000' }, field: 'expiry' },
  { name: 'a bad orgId', commandType: 'DecideOrgConsent', payload: { orgId: 'o' }, field: 'orgId' },
  { name: 'a missing consentId on decide', commandType: 'DecideOrgConsent', payload: { consentId: undefined }, field: 'consentId' },
];

function payloadOf(row: BadField): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...BASE[row.commandType], ...row.payload };
  for (const [key, value] of Object.entries(row.payload)) if (value === undefined) delete merged[key];
  return merged;
}

describe('parseConsentCommand', () => {
  it.each(rows)('rejects $name with 400 naming $field', (row) => {
    const result = parseConsentCommand(envelope(row.commandType, payloadOf(row)), NOW);
    expect(result).toMatchObject({ kind: 'rejection', statusCode: '400', errorCode: 'VALIDATION_FAILED', field: row.field });
  });

  it.each(Object.keys(BASE))('accepts the minimal valid %s', (commandType) => {
    expect(isRejection(parseConsentCommand(envelope(commandType, { ...BASE[commandType] }), NOW))).toBe(false);
  });

  it.each(['ab', 'cmd with space', 'c'.repeat(129), ''])('rejects commandId %j with 400 naming commandId', (commandId) => {
    const result = parseConsentCommand(envelope('CreateConsent', { ...BASE['CreateConsent'] }, { commandId }), NOW);
    expect(result).toMatchObject({ statusCode: '400', field: 'commandId' });
  });

  it('checks the commandId before the payload', () => {
    const result = parseConsentCommand(envelope('CreateConsent', { status: 'EXPIRED' }, { commandId: 'x' }), NOW);
    expect(result).toMatchObject({ statusCode: '400', field: 'commandId' });
  });

  it.each(['ExpireConsent', 'DeleteConsent', 'createConsent', 'RegisterEntity'])(
    'rejects commandType %s with 400 naming commandType (the sweep cannot be driven from the topic)',
    (commandType) => {
      const result = parseConsentCommand(envelope(commandType, { consentId: 'consent-user-1' }), NOW);
      expect(result).toMatchObject({ statusCode: '400', field: 'commandType' });
    },
  );

  it('accepts the boundaries of consentData: 32 pairs, a 64-character key, a 256-character value', () => {
    const data = { ...pairs(31), ['k'.repeat(64)]: 'v'.repeat(256) };
    const command = parsed(envelope('CreateConsent', { ...BASE['CreateConsent'], consentData: data }));
    expect(command).toMatchObject({ type: 'CreateConsent', consentData: data });
  });

  it('accepts identifiers of 3 and of 128 characters with _ - and .', () => {
    const command = parsed(envelope('CreateConsent', { ...BASE['CreateConsent'], consentId: 'a_b', userId: `u-.${'x'.repeat(125)}` }));
    expect(command).toMatchObject({ consentId: 'a_b', userId: `u-.${'x'.repeat(125)}` });
  });

  it('derives the consentId of a create from the commandId when absent or null', () => {
    for (const consentId of [undefined, null]) {
      const command = parsed(envelope('CreateConsent', { ...BASE['CreateConsent'], consentId }, { commandId: 'cmd-derive-1' }));
      expect(command).toMatchObject({ type: 'CreateConsent', consentId: 'cmd-derive-1' });
    }
  });

  it('derives the consentId of an org request from the commandId when absent', () => {
    const command = parsed(envelope('RequestOrgConsent', { ...BASE['RequestOrgConsent'] }, { commandId: 'cmd-derive-2' }));
    expect(command).toMatchObject({ type: 'RequestOrgConsent', consentId: 'cmd-derive-2' });
  });

  it('fills the optional fields of a create with null and an empty consentData', () => {
    expect(parsed(envelope('CreateConsent', { ...BASE['CreateConsent'] }))).toEqual({
      type: 'CreateConsent', commandId: 'cmd-0001', consentId: 'cmd-0001', serviceId: SERVICE, userId: USER,
      status: 'ACTIVE', consentType: null, consentData: {}, expiryTime: null, actor: null, proof: null,
    });
  });

  it('leaves every field an update does not send as null, so the stored value is kept', () => {
    expect(parsed(envelope('UpdateConsent', { ...BASE['UpdateConsent'] }))).toEqual({
      type: 'UpdateConsent', commandId: 'cmd-0001', consentId: 'consent-user-1', serviceId: SERVICE, userId: USER,
      consentVersion: 4, status: null, consentType: null, consentData: null, expiryTime: null, actor: null, proof: null,
    });
  });

  it('turns times with any offset into Dates, one millisecond after now included', () => {
    const justAfter = new Date(NOW.getTime() + 1).toISOString();
    expect(parsed(envelope('CreateConsent', { ...BASE['CreateConsent'], expiryTime: justAfter })))
      .toMatchObject({ expiryTime: new Date(justAfter) });
    expect(parsed(envelope('CreateConsent', { ...BASE['CreateConsent'], expiryTime: '2030-06-01T02:00:00+02:00' })))
      .toMatchObject({ expiryTime: new Date('2030-06-01T00:00:00Z') });
  });

  it('carries the envelope actor into a DecideOrgConsent, and null when absent', () => {
    expect(parsed(envelope('DecideOrgConsent', { ...BASE['DecideOrgConsent'] }, { actor: ORG_OWNER })))
      .toMatchObject({ type: 'DecideOrgConsent', actor: ORG_OWNER, action: 'APPROVE', expiry: null });
    expect(parsed(envelope('DecideOrgConsent', { ...BASE['DecideOrgConsent'] }))).toMatchObject({ actor: null });
  });

  it('judges "in the future" against the now it is given, not the clock', () => {
    const payload = { ...BASE['CreateConsent'], expiryTime: '2000-01-02T00:00:00Z' };
    expect(isRejection(parseConsentCommand(envelope('CreateConsent', payload), new Date('2000-01-01T00:00:00Z')))).toBe(false);
    expect(parseConsentCommand(envelope('CreateConsent', payload), NOW)).toMatchObject({ statusCode: '400', field: 'expiryTime' });
  });

  // Regression: only reject() makes a Rejection; a consentData map shaped like one is just data.
  it('accepts consentData whose pairs happen to read like a rejection', () => {
    const consentData = { kind: 'rejection', statusCode: '500', errorCode: 'SPOOFED', message: 'from the payload' };
    const command = parseConsentCommand(envelope('CreateConsent', { ...BASE['CreateConsent'], consentData }), NOW);
    expect(command).toMatchObject({ type: 'CreateConsent', consentData });
  });
});

describe('the envelope', () => {
  it('rejects a payload record that disagrees with commandType with 400 on commandType', () => {
    const command = parseConsentCommand(envelope('UpdateConsent', BASE['UpdateConsent'] ?? {}, { payloadType: 'CreateConsent' }), NOW);
    expect(command).toMatchObject({ kind: 'rejection', statusCode: '400', field: 'commandType' });
  });

  // A plain dict handed to fastavro or a Confluent serializer goes out as the union branch that
  // best matches it: an UpdateConsent without consentVersion travels as a CreateConsent, decoded
  // with every CreateConsent field (absent optional ones as null).
  const updateSentAsCreate = (more: Record<string, unknown>): Record<string, unknown> => ({
    consentId: 'consent-user-1', serviceId: SERVICE, userId: USER, status: 'ACTIVE', consentType: null, consentData: null, expiryTime: null, ...more,
  });

  it.each([
    { name: 'the consentVersion an UpdateConsent sent as a CreateConsent lacks', commandType: 'UpdateConsent', payloadType: 'CreateConsent', payload: updateSentAsCreate({}), field: 'consentVersion' },
    { name: 'the consentId an UpdateConsent sent as a CreateConsent lacks (null by the record default)', commandType: 'UpdateConsent', payloadType: 'CreateConsent', payload: updateSentAsCreate({ consentId: null }), field: 'consentId' },
    { name: 'the status a CreateConsent sent as an UpdateConsent lacks', commandType: 'CreateConsent', payloadType: 'UpdateConsent', payload: { ...BASE['UpdateConsent'], status: null }, field: 'status' },
  ])('names $name with 400, not commandType', ({ commandType, payloadType, payload, field }) => {
    const command = parseConsentCommand(envelope(commandType, payload, { payloadType }), NOW);
    expect(command).toMatchObject({ kind: 'rejection', statusCode: '400', errorCode: 'VALIDATION_FAILED', field });
    expect((command as { message: string }).message).toContain(`the payload arrived as a ${payloadType}`);
  });

  it('names commandType when the field at fault is present but wrong, since the record is the likelier mistake', () => {
    const command = parseConsentCommand(envelope('CreateConsent', { ...BASE['UpdateConsent'], status: 'EXPIRED' }, { payloadType: 'UpdateConsent' }), NOW);
    expect(command).toMatchObject({ statusCode: '400', field: 'commandType' });
  });

  it('names commandType for a command type the family does not know', () => {
    const command = parseConsentCommand(envelope('DeleteConsent', BASE['CreateConsent'] ?? {}, { payloadType: 'CreateConsent' }), NOW);
    expect(command).toMatchObject({ statusCode: '400', field: 'commandType' });
  });
});
