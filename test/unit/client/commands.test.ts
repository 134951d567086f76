// The client's routing and typing, without servers: which family (topic) a command type goes to,
// the key the contract asks for, and payloads the type checker refuses (`tsc --noEmit` runs on tests).
import { describe, expect, it } from 'vitest';
import { familyOf, keyOf, type Command } from '../../../src/client/commands.ts';
import { toCommandResult } from '../../../src/client/results.ts';

describe('the client routes each command', () => {
  it.each<[Command, string]>([
    [{ commandType: 'CreateConsent', payload: { consentId: 'c-1', serviceId: 's', userId: 'u', status: 'ACTIVE' } }, 'c-1'],
    [{ commandType: 'CreateConsent', payload: { serviceId: 's', userId: 'u', status: 'ACTIVE' } }, 'cmd-7'],
    [{ commandType: 'RequestOrgConsent', payload: { sourceUserId: 'u', targetOrgId: 'o', targetOrgOwnerEmail: 'e@x.org' } }, 'cmd-7'],
    [{ commandType: 'UpdateConsent', payload: { consentId: 'c-2', serviceId: 's', userId: 'u', consentVersion: 2 } }, 'c-2'],
    [{ commandType: 'DecideOrgConsent', payload: { orgId: 'o', consentId: 'c-3', action: 'REJECT' } }, 'c-3'],
    [{ commandType: 'SetServicePolicy', payload: { serviceId: 'svc-1', defaultExpiryDays: 30 } }, 'svc-1'],
    [{ commandType: 'RegisterEntity', payload: { entityId: 'e-1' } }, 'e-1'],
    [{ commandType: 'DefinePermission', payload: { permissionId: 'p-1', name: 'N', active: true } }, 'p-1'],
    [{ commandType: 'RegisterSource', payload: { sourceId: 's-1', name: 'N', active: true } }, 's-1'],
    [{ commandType: 'DefineContract', payload: { contractId: 'k-1' } }, 'k-1'],
    [{ commandType: 'AcceptPermission', payload: { entity: { entityId: 'e-2' }, permissionId: 'p', sourceId: 's' } }, 'e-2'],
    [{ commandType: 'WithdrawPermission', payload: { entity: { extType: 'crm', extKey: '42' }, permissionId: 'p', sourceId: 's' } }, 'crm:42'],
  ])('keys %# as the contract asks', (command, key) => {
    expect(keyOf(command, 'cmd-7')).toBe(key);
  });

  it('sends consent commands to the consent family and the rest to the permission family', () => {
    expect(['CreateConsent', 'UpdateConsent', 'RequestOrgConsent', 'DecideOrgConsent', 'SetServicePolicy'].map(familyOf)).toEqual(Array(5).fill('consent'));
    expect(['RegisterEntity', 'DefinePermission', 'RegisterSource', 'DefineContract', 'AcceptPermission', 'WithdrawPermission'].map(familyOf))
      .toEqual(Array(6).fill('permission'));
    expect(() => familyOf('DeleteEverything')).toThrow(/unknown commandType/);
  });

  it('refuses, at type-check time, a payload that is not the command type\'s', () => {
    const refused: Command[] = [
      // @ts-expect-error EXPIRED is the scheduler's, not a producer's
      { commandType: 'CreateConsent', payload: { serviceId: 's', userId: 'u', status: 'EXPIRED' } },
      // @ts-expect-error a DefinePermission payload under AcceptPermission
      { commandType: 'AcceptPermission', payload: { permissionId: 'p', name: 'N', active: true } },
      // @ts-expect-error UpdateConsent needs the consentVersion it creates
      { commandType: 'UpdateConsent', payload: { consentId: 'c', serviceId: 's', userId: 'u' } },
      // @ts-expect-error an entity by id and by key at once
      { commandType: 'WithdrawPermission', payload: { entity: { entityId: 'e', extType: 'crm', extKey: '1' }, permissionId: 'p', sourceId: 's' } },
    ];
    expect(refused).toHaveLength(4);
  });
});

describe('results', () => {
  it('unwraps a union state into the record and its type name, and keeps a bare consent state', () => {
    const base = { commandId: 'cmd-1', commandType: 'RegisterEntity', statusCode: '201' };
    const entity = { entityId: 'e-1', version: 1, externalKeys: [], contractId: null };
    expect(toCommandResult({ ...base, state: { 'consentworker.v1.EntityState': entity } }, 'ConsentState'))
      .toMatchObject({ stateType: 'EntityState', state: entity });
    const consent = { consentId: 'c-1', version: 1, status: 'ACTIVE' };
    expect(toCommandResult({ ...base, state: consent }, 'ConsentState')).toMatchObject({ stateType: 'ConsentState', state: consent });
    expect(toCommandResult({ ...base, state: null }, 'ConsentState')).toMatchObject({ stateType: null, state: null });
  });
});
