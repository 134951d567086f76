import { describe, expect, it } from 'vitest';
import type { RegisterEntity } from '../../../src/domain/permission/commands.ts';
import { NO_CONTEXT, type KeyOwnersContext } from '../../../src/domain/permission/context.ts';
import { decidePermission } from '../../../src/domain/permission/decide.ts';
import type { Entity } from '../../../src/domain/permission/entity.ts';
import {
  acceptCommand, contract, CONTRACT_ID, CREATED, entity, ENTITY_ID, EXT, NOW, outcome, permissionDef, PERMISSION_ID, record,
  rules, source, SOURCE_ID,
} from './fixtures.ts';

const at = NOW.toISOString();

function register(overrides: Partial<RegisterEntity> = {}): RegisterEntity {
  return { type: 'RegisterEntity', commandId: 'cmd-reg-1', entityId: ENTITY_ID, externalKeys: [EXT], contractId: CONTRACT_ID, ...overrides };
}

function owners(keyOwners: Record<string, string | null> = {}): KeyOwnersContext {
  return { kind: 'keyOwners', keyOwners };
}

describe('RegisterEntity', () => {
  it('creates a new entity with 201, version 1, no permissions and no events', () => {
    expect(decidePermission(register(), null, owners({ 'crm:cust-42': null }), NOW)).toEqual({
      kind: 'change', statusCode: '201', events: [],
      aggregate: { entityId: ENTITY_ID, version: 1, externalKeys: [EXT], contractId: CONTRACT_ID, permissions: [], createdAt: at, updatedAt: at },
      view: { entityId: ENTITY_ID, version: 1, externalKeys: [EXT], contractId: CONTRACT_ID, permissions: [], createdAt: at, updatedAt: at },
    });
  });

  it('updates keys and contract with 200 and version + 1, keeping the accepted permissions', () => {
    const stored = entity({ permissions: [record(PERMISSION_ID)] });
    const keys = [{ extKey: 'cust-43', extType: 'crm' }];
    const decision = decidePermission(register({ externalKeys: keys, contractId: 'contract-b' }), stored, owners({ 'crm:cust-43': ENTITY_ID }), NOW);
    expect(outcome(decision)).toEqual({ statusCode: '200', errorCode: null, events: [] });
    expect(decision.kind === 'change' && decision.aggregate).toEqual(
      entity({ version: 4, externalKeys: keys, contractId: 'contract-b', permissions: [record(PERMISSION_ID)], updatedAt: at }));
  });

  it('answers 200 without a write when nothing changes', () => {
    const stored = entity();
    expect(decidePermission(register(), stored, owners({ 'crm:cust-42': ENTITY_ID }), NOW)).toEqual({ kind: 'reply', statusCode: '200', view: stored });
  });

  it('answers 409 EXTERNAL_KEY_TAKEN when another entity holds a requested key', () => {
    const keys = [{ extKey: 'cust-1', extType: 'crm' }, EXT];
    const decision = decidePermission(register({ externalKeys: keys }), null, owners({ 'crm:cust-1': null, 'crm:cust-42': 'entity-9' }), NOW);
    expect(outcome(decision)).toEqual({ statusCode: '409', errorCode: 'EXTERNAL_KEY_TAKEN', events: [] });
    // The other entity's id is not told to the producer.
    expect(decision.kind === 'reply' && decision.rejection?.message).not.toContain('entity-9');
  });

  it('treats a key missing from keyOwners as free', () => {
    expect(outcome(decidePermission(register(), null, owners(), NOW)).statusCode).toBe('201');
  });
});

describe('reference data upserts', () => {
  const cases = [
    {
      name: 'DefinePermission',
      command: { type: 'DefinePermission', commandId: 'cmd-def-1', permissionId: PERMISSION_ID, name: 'Marketing e-mails', active: true } as const,
      stored: permissionDef(),
      changed: { name: 'Marketing', active: false },
    },
    {
      name: 'RegisterSource',
      command: { type: 'RegisterSource', commandId: 'cmd-src-1', sourceId: SOURCE_ID, name: 'Web shop', active: true } as const,
      stored: source(),
      changed: { name: 'Web shop (old)', active: false },
    },
    {
      name: 'DefineContract',
      command: { type: 'DefineContract', commandId: 'cmd-con-1', contractId: CONTRACT_ID, allowedPermissionIds: [PERMISSION_ID, 'perm.terms-v2'], allowedSourceIds: [SOURCE_ID] } as const,
      stored: contract(),
      changed: { allowedPermissionIds: [PERMISSION_ID], allowedSourceIds: [] },
    },
  ];

  it.each(cases)('$name creates with 201 and version 1', ({ command, stored }) => {
    const decision = decidePermission(command, null, NO_CONTEXT, NOW);
    const expected = { ...stored, version: 1, createdAt: at, updatedAt: at };
    expect(decision).toEqual({ kind: 'change', statusCode: '201', aggregate: expected, view: expected, events: [] });
  });

  it.each(cases)('$name updates with 200 and version + 1, keeping createdAt', ({ command, stored, changed }) => {
    const decision = decidePermission({ ...command, ...changed }, { ...stored, version: 7 }, NO_CONTEXT, NOW);
    const expected = { ...stored, ...changed, version: 8, createdAt: CREATED, updatedAt: at };
    expect(decision).toEqual({ kind: 'change', statusCode: '200', aggregate: expected, view: expected, events: [] });
  });

  it.each(cases)('$name answers 200 without a write when nothing changes', ({ command, stored }) => {
    expect(decidePermission(command, stored, NO_CONTEXT, NOW)).toEqual({ kind: 'reply', statusCode: '200', view: stored });
  });
});

describe('wiring', () => {
  it('throws when the context does not fit the command, rather than deciding on the wrong data', () => {
    const wrong = NO_CONTEXT as unknown as ReturnType<typeof rules>;
    expect(() => decidePermission(acceptCommand(), entity() as Entity, wrong, NOW)).toThrow(/needs a 'rules' context/);
  });
});
