import { describe, expect, it } from 'vitest';
import {
  entityKeyOf, parsePermissionCommand, PERMISSION_COMMAND_TYPES,
} from '../../../src/domain/permission/commands.ts';
import { targetOf } from '../../../src/domain/permission/context.ts';
import { isRejection } from '../../../src/domain/status.ts';
import { envelope, NOW } from './fixtures.ts';

const accept = { entity: { entityId: 'entity-1' }, permissionId: 'perm.marketing', sourceId: 'src-web' };
const withdraw = { entity: { extKey: 'cust-42', extType: 'crm' }, permissionId: 'perm.marketing', sourceId: 'src-web' };
const register = { entityId: 'entity-1', externalKeys: [{ extKey: 'cust-42', extType: 'crm' }], contractId: 'contract-a' };
const contract = { contractId: 'contract-a', allowedPermissionIds: ['perm.marketing'], allowedSourceIds: ['src-web'] };
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ extKey: `key-${i}`, extType: 'crm' }));
const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
const ids = (n: number) => Array.from({ length: n }, (_, i) => `perm-${i}`);

describe('parsePermissionCommand', () => {
  it('parses every permission command type', () => {
    const payloads: Record<(typeof PERMISSION_COMMAND_TYPES)[number], Record<string, unknown>> = {
      RegisterEntity: register,
      DefinePermission: { permissionId: 'perm.marketing', name: 'Marketing', active: true },
      RegisterSource: { sourceId: 'src-web', name: 'Web shop', active: false },
      DefineContract: contract,
      AcceptPermission: accept,
      WithdrawPermission: withdraw,
    };
    for (const type of PERMISSION_COMMAND_TYPES) {
      expect(parsePermissionCommand(envelope(type, payloads[type]), NOW)).toMatchObject({ type, commandId: 'cmd-0001' });
    }
  });

  it('fills the optional fields of AcceptPermission and WithdrawPermission with null and {}', () => {
    expect(parsePermissionCommand(envelope('AcceptPermission', accept), NOW)).toEqual({
      type: 'AcceptPermission', commandId: 'cmd-0001', entity: { entityId: 'entity-1' },
      permissionId: 'perm.marketing', sourceId: 'src-web', termsId: null, data: {},
    });
    expect(parsePermissionCommand(envelope('WithdrawPermission', withdraw), NOW)).toEqual({
      type: 'WithdrawPermission', commandId: 'cmd-0001', entity: { extKey: 'cust-42', extType: 'crm' },
      permissionId: 'perm.marketing', sourceId: 'src-web', reason: null,
    });
  });

  it('reads an entity ref whose other fields are null, as an Avro decoder gives them', () => {
    const entity = { entityId: null, extKey: 'cust-42', extType: 'crm' };
    expect(parsePermissionCommand(envelope('AcceptPermission', { ...accept, entity }), NOW))
      .toMatchObject({ entity: { extKey: 'cust-42', extType: 'crm' } });
  });

  it('lets RegisterEntity leave out the contract', () => {
    expect(parsePermissionCommand(envelope('RegisterEntity', { ...register, contractId: null }), NOW)).toMatchObject({ contractId: null });
  });

  const invalidRows: { name: string; type: string; payload: Record<string, unknown>; field: string; commandId?: string }[] = [
    { name: 'a commandId that is not an identifier', type: 'AcceptPermission', payload: accept, field: 'commandId', commandId: 'a b' },
    { name: 'an unknown commandType', type: 'GrantPermission', payload: accept, field: 'commandType' },
    { name: 'a missing entity', type: 'AcceptPermission', payload: { ...accept, entity: undefined }, field: 'entity' },
    { name: 'an entity that is a string', type: 'AcceptPermission', payload: { ...accept, entity: 'entity-1' }, field: 'entity' },
    { name: 'an entity that is a list', type: 'AcceptPermission', payload: { ...accept, entity: ['entity-1'] }, field: 'entity' },
    { name: 'an empty entity', type: 'AcceptPermission', payload: { ...accept, entity: {} }, field: 'entity' },
    { name: 'an entity with both entityId and an external key', type: 'AcceptPermission', payload: { ...accept, entity: { entityId: 'entity-1', extKey: 'cust-42', extType: 'crm' } }, field: 'entity' },
    { name: 'an entity with extKey but no extType', type: 'WithdrawPermission', payload: { ...withdraw, entity: { extKey: 'cust-42' } }, field: 'entity' },
    { name: 'an entityId with a colon', type: 'AcceptPermission', payload: { ...accept, entity: { entityId: 'crm:cust-42' } }, field: 'entity' },
    { name: 'an extType too short', type: 'WithdrawPermission', payload: { ...withdraw, entity: { extKey: 'cust-42', extType: 'cr' } }, field: 'entity' },
    { name: 'a permissionId with a space', type: 'AcceptPermission', payload: { ...accept, permissionId: 'perm marketing' }, field: 'permissionId' },
    { name: 'a missing sourceId', type: 'WithdrawPermission', payload: { ...withdraw, sourceId: undefined }, field: 'sourceId' },
    { name: 'a termsId that is not an identifier', type: 'AcceptPermission', payload: { ...accept, termsId: 't' }, field: 'termsId' },
    { name: 'data with a $ key', type: 'AcceptPermission', payload: { ...accept, data: { $where: 'x' } }, field: 'data' },
    { name: 'data with a dotted key', type: 'AcceptPermission', payload: { ...accept, data: { 'a.b': 'x' } }, field: 'data' },
    { name: 'data with 33 pairs', type: 'AcceptPermission', payload: { ...accept, data: pairs(33) }, field: 'data' },
    { name: 'data with a number value', type: 'AcceptPermission', payload: { ...accept, data: { a: 1 } }, field: 'data' },
    { name: 'a reason over 512 characters', type: 'WithdrawPermission', payload: { ...withdraw, reason: 'x'.repeat(513) }, field: 'reason' },
    { name: 'a name over 256 characters', type: 'DefinePermission', payload: { permissionId: 'perm.x', name: 'x'.repeat(257), active: true }, field: 'name' },
    { name: 'an empty name', type: 'RegisterSource', payload: { sourceId: 'src-web', name: '', active: true }, field: 'name' },
    { name: 'an active flag that is a string', type: 'DefinePermission', payload: { permissionId: 'perm.x', name: 'X', active: 'true' }, field: 'active' },
    { name: 'externalKeys that is not a list', type: 'RegisterEntity', payload: { ...register, externalKeys: { extKey: 'cust-42', extType: 'crm' } }, field: 'externalKeys' },
    { name: '17 external keys', type: 'RegisterEntity', payload: { ...register, externalKeys: keys(17) }, field: 'externalKeys' },
    { name: 'an external key given twice', type: 'RegisterEntity', payload: { ...register, externalKeys: [...keys(2), ...keys(1)] }, field: 'externalKeys' },
    { name: 'an external key with a bad extKey', type: 'RegisterEntity', payload: { ...register, externalKeys: [{ extKey: 'a:b', extType: 'crm' }] }, field: 'externalKeys' },
    { name: 'a contractId that is not an identifier', type: 'RegisterEntity', payload: { ...register, contractId: 'c' }, field: 'contractId' },
    { name: '257 allowed permissions', type: 'DefineContract', payload: { ...contract, allowedPermissionIds: ids(257) }, field: 'allowedPermissionIds' },
    { name: 'an allowed permission given twice', type: 'DefineContract', payload: { ...contract, allowedPermissionIds: ['perm-1', 'perm-1'] }, field: 'allowedPermissionIds' },
    { name: 'allowed sources with a bad id', type: 'DefineContract', payload: { ...contract, allowedSourceIds: ['src-web', 'x'] }, field: 'allowedSourceIds' },
    { name: 'allowed sources missing', type: 'DefineContract', payload: { ...contract, allowedSourceIds: undefined }, field: 'allowedSourceIds' },
  ];

  it('answers 400 on commandType when the payload record is of another command', () => {
    const mismatched = { ...envelope('AcceptPermission', accept), payloadType: 'WithdrawPermission' };
    expect(parsePermissionCommand(mismatched, NOW)).toMatchObject({ statusCode: '400', field: 'commandType' });
  });

  it('answers 400 naming the missing field when the union resolved the payload as another command', () => {
    // DefinePermission and RegisterSource differ only in their id: the id DefinePermission needs is missing.
    const mismatched = { ...envelope('DefinePermission', { sourceId: 'src-web', name: 'Marketing', active: true }), payloadType: 'RegisterSource' };
    expect(parsePermissionCommand(mismatched, NOW)).toMatchObject({ statusCode: '400', field: 'permissionId' });
  });

  it.each(invalidRows)('answers 400 naming the field for $name', ({ type, payload, field, commandId }) => {
    const result = parsePermissionCommand(envelope(type, payload, commandId), NOW);
    expect(isRejection(result)).toBe(true);
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field });
  });

  it('accepts the limits themselves: 16 keys, 32 pairs, 256 ids, 256-character name, 512-character reason', () => {
    const ok = [
      envelope('RegisterEntity', { ...register, externalKeys: keys(16) }),
      envelope('AcceptPermission', { ...accept, data: pairs(32) }),
      envelope('DefineContract', { ...contract, allowedPermissionIds: ids(256) }),
      envelope('DefinePermission', { permissionId: 'perm.x', name: 'x'.repeat(256), active: true }),
      envelope('WithdrawPermission', { ...withdraw, reason: 'x'.repeat(512) }),
    ];
    for (const e of ok) expect(isRejection(parsePermissionCommand(e, NOW))).toBe(false);
  });
});

describe('entity keys and targets', () => {
  it('keys an entity ref by entityId, or by extType:extKey', () => {
    expect(entityKeyOf({ entityId: 'entity-1' })).toBe('entity-1');
    expect(entityKeyOf({ extKey: 'cust-42', extType: 'crm' })).toBe('crm:cust-42');
  });

  it('names the document each command targets', () => {
    const parse = (type: string, payload: Record<string, unknown>) => {
      const command = parsePermissionCommand(envelope(type, payload), NOW);
      if (isRejection(command)) throw new Error(command.message);
      return targetOf(command);
    };
    expect(parse('RegisterEntity', register)).toEqual({ aggregate: 'entity', ref: { entityId: 'entity-1' } });
    expect(parse('WithdrawPermission', withdraw)).toEqual({ aggregate: 'entity', ref: { extKey: 'cust-42', extType: 'crm' } });
    expect(parse('DefineContract', contract)).toEqual({ aggregate: 'contract', contractId: 'contract-a' });
    expect(parse('RegisterSource', { sourceId: 'src-web', name: 'W', active: true })).toEqual({ aggregate: 'source', sourceId: 'src-web' });
  });
});
