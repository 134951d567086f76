// AcceptPermission through Kafka: every status code it can answer, checked in the order
// decide-acceptance.ts applies them, by entityId and by external key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ISO_TIMESTAMP, acceptPermission, byId, byKey, expectAll201, permissionState, send, shortId, withdrawPermission, world,
  type AcceptOverrides, type Result, type Sent, type World,
} from '../support/permission-world.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

/** Accepts under a correlationId of the world, to check the result echoes it. */
const accept = (w: World, over: AcceptOverrides = {}): Promise<Sent> =>
  acceptPermission(h, w, over, { correlationId: `corr-${w.tag}` });

function expectRefused(result: Result, statusCode: string, errorCode: string, mentions: string): void {
  expect(result).toMatchObject({ commandType: 'AcceptPermission', statusCode, errorCode, field: null, state: null });
  expect(result['message']).toEqual(expect.stringContaining(mentions));
}

describe('AcceptPermission through Kafka', () => {
  it('accepts by entityId with 201 and publishes PermissionAccepted keyed by entityId with a stable eventId', async () => {
    const w = await world(h, 'accept-id');
    const before = new Date().toISOString();
    const { commandId, result } = await accept(w, { data: { channel: 'email' } });

    expect(result).toMatchObject({
      commandId, commandType: 'AcceptPermission', correlationId: `corr-${w.tag}`, statusCode: '201',
      errorCode: null, message: null, field: null,
    });
    expect(result['requestId']).toEqual(expect.any(String));
    const state = permissionState(result) as { acceptance: { timestamp: string } };
    expect(state).toEqual({
      entityId: w.entityId, permissionId: w.permissionId, isActive: true, isWithdrawn: false,
      acceptance: { timestamp: expect.stringMatching(ISO_TIMESTAMP), sourceId: w.sourceId }, withdrawal: null,
    });
    expect(state.acceptance.timestamp >= before).toBe(true);

    // RegisterEntity made version 1; the acceptance is version 2.
    const event = await h.waitForEvent(w.entityId, 'PermissionAccepted', 'permission');
    expect(event).toEqual({
      eventId: `${w.entityId}:2:PermissionAccepted`, eventType: 'PermissionAccepted', aggregateId: w.entityId,
      version: 2, occurredAt: state.acceptance.timestamp, causationId: commandId, state,
    });
    expect(h.events(w.entityId, 'permission')).toHaveLength(1);
  });

  it('accepts by external key (extType:extKey) after RegisterEntity with that key, and publishes under the entityId', async () => {
    const extKey = `cust-${shortId()}`;
    const w = await world(h, 'accept-ext', { externalKeys: [{ extKey, extType: 'crm' }] });
    const { commandId, result } = await accept(w, { entity: byKey('crm', extKey) });

    expect(result).toMatchObject({ commandId, statusCode: '201', errorCode: null });
    expect(permissionState(result)).toMatchObject({ entityId: w.entityId, permissionId: w.permissionId, isActive: true, isWithdrawn: false });
    const event = await h.waitForEvent(w.entityId, 'PermissionAccepted', 'permission');
    expect(event).toMatchObject({ eventId: `${w.entityId}:2:PermissionAccepted`, aggregateId: w.entityId, version: 2, causationId: commandId });
    expect(h.events(`crm:${extKey}`, 'permission')).toEqual([]);

    // The same entity by its id now holds the permission: 303.
    expect((await accept(w)).result['statusCode']).toBe('303');
  });

  it('answers 303 with the unchanged state when the entity accepts a permission it holds, and publishes nothing', async () => {
    const w = await world(h, 'accept-303');
    const first = await accept(w);
    const again = await accept(w, { sourceId: w.sourceId, data: { channel: 'sms' } });

    expect(again.result).toMatchObject({ statusCode: '303', errorCode: null, message: null, field: null });
    expect(permissionState(again.result)).toEqual(permissionState(first.result));
    // Barrier: a later change of the same entity is version 3, so the 303 wrote nothing and published nothing.
    const withdrawn = await withdrawPermission(h, w);
    expect(withdrawn.result['statusCode']).toBe('200');
    await h.waitForEvent(w.entityId, 'PermissionWithdrawn', 'permission');
    expect(h.events(w.entityId, 'permission').map((e) => e['eventId'])).toEqual([
      `${w.entityId}:2:PermissionAccepted`, `${w.entityId}:3:PermissionWithdrawn`,
    ]);
  });

  it('answers 404.1 ENTITY_NOT_FOUND for an unknown entityId', async () => {
    const w = await world(h, 'accept-404-1');
    const unknown = `ent-unknown-${w.tag}`;
    const { result } = await accept(w, { entity: byId(unknown) });
    expectRefused(result, '404.1', 'ENTITY_NOT_FOUND', unknown);
    expect(h.events(unknown, 'permission')).toEqual([]);
  });

  it('answers 404.2 EXTERNAL_REF_NOT_FOUND for an external key no entity holds', async () => {
    const extKey = `cust-${shortId()}`;
    const w = await world(h, 'accept-404-2', { externalKeys: [{ extKey, extType: 'crm' }] });
    // Same extKey under another extType is a different key.
    const { result } = await accept(w, { entity: byKey('erp', extKey) });
    expectRefused(result, '404.2', 'EXTERNAL_REF_NOT_FOUND', `erp:${extKey}`);
  });

  it('answers 404.5 PERMISSION_NOT_FOUND for an undefined permission', async () => {
    const w = await world(h, 'accept-404-5');
    const { result } = await accept(w, { permissionId: `perm-missing-${w.tag}` });
    expectRefused(result, '404.5', 'PERMISSION_NOT_FOUND', `perm-missing-${w.tag}`);
  });

  it('answers 404.6 SOURCE_NOT_FOUND for an unregistered source', async () => {
    const w = await world(h, 'accept-404-6');
    const { result } = await accept(w, { sourceId: `src-missing-${w.tag}` });
    expectRefused(result, '404.6', 'SOURCE_NOT_FOUND', `src-missing-${w.tag}`);
  });

  it('answers 400.2 PERMISSION_NOT_ACTIVE for an inactive permission, before 400.3 and 412.x', async () => {
    const w = await world(h, 'accept-400-2');
    const inactiveSource = `src-off-${w.tag}`;
    await expectAll201(send(h, 'RegisterSource', { sourceId: inactiveSource, name: 'Retired', active: false }, inactiveSource));
    expect((await send(h, 'DefinePermission', { permissionId: w.permissionId, name: 'Newsletter', active: false }, w.permissionId))['statusCode']).toBe('200');

    expectRefused((await accept(w)).result, '400.2', 'PERMISSION_NOT_ACTIVE', w.permissionId);
    // Inactive permission and inactive, not-allowed source: the permission check comes first.
    expectRefused((await accept(w, { sourceId: inactiveSource })).result, '400.2', 'PERMISSION_NOT_ACTIVE', w.permissionId);
  });

  it('answers 400.3 SOURCE_NOT_ACTIVE for an inactive source, before the contract checks', async () => {
    const w = await world(h, 'accept-400-3');
    expect((await send(h, 'RegisterSource', { sourceId: w.sourceId, name: 'Web shop', active: false }, w.sourceId))['statusCode']).toBe('200');
    expectRefused((await accept(w)).result, '400.3', 'SOURCE_NOT_ACTIVE', w.sourceId);
  });

  it('answers 412.2 PERMISSION_NOT_ALLOWED when the contract does not list the permission, or the entity has no contract', async () => {
    const w = await world(h, 'accept-412-2', { allowedPermissionIds: [] });
    expectRefused((await accept(w)).result, '412.2', 'PERMISSION_NOT_ALLOWED', w.permissionId);

    const bare = await world(h, 'accept-412-2-bare', { contract: false });
    expectRefused((await accept(bare)).result, '412.2', 'PERMISSION_NOT_ALLOWED', bare.permissionId);
  });

  it('answers 412.3 SOURCE_NOT_ALLOWED when the contract does not list the source', async () => {
    const w = await world(h, 'accept-412-3');
    const other = `src-other-${w.tag}`;
    await expectAll201(send(h, 'RegisterSource', { sourceId: other, name: 'Call centre', active: true }, other));
    expectRefused((await accept(w, { sourceId: other })).result, '412.3', 'SOURCE_NOT_ALLOWED', other);
  });

  it('answers 412.4 TERMS_NOT_ACCEPTED until the entity holds the termsId, then 201', async () => {
    const w = await world(h, 'accept-412-4');
    const termsId = `terms-${w.tag}`;
    await expectAll201(send(h, 'DefinePermission', { permissionId: termsId, name: 'Terms v1', active: true }, termsId));
    expect((await send(h, 'DefineContract', {
      contractId: w.contractId, allowedPermissionIds: [w.permissionId, termsId], allowedSourceIds: [w.sourceId],
    }, w.contractId))['statusCode']).toBe('200');

    expectRefused((await accept(w, { termsId })).result, '412.4', 'TERMS_NOT_ACCEPTED', termsId);

    expect((await accept(w, { permissionId: termsId })).result['statusCode']).toBe('201');
    const withTerms = await accept(w, { termsId });
    expect(withTerms.result['statusCode']).toBe('201');
    expect(permissionState(withTerms.result)).toMatchObject({ permissionId: w.permissionId, isActive: true });
  });

  it('answers 412.4 when the terms were accepted and then withdrawn', async () => {
    const w = await world(h, 'accept-412-4-withdrawn');
    const termsId = w.permissionId; // the terms are themselves a permission of the contract
    const other = `perm-b-${w.tag}`;
    await expectAll201(send(h, 'DefinePermission', { permissionId: other, name: 'Profiling', active: true }, other));
    expect((await send(h, 'DefineContract', {
      contractId: w.contractId, allowedPermissionIds: [termsId, other], allowedSourceIds: [w.sourceId],
    }, w.contractId))['statusCode']).toBe('200');
    expect((await accept(w)).result['statusCode']).toBe('201');
    expect((await withdrawPermission(h, w, { permissionId: termsId, reason: 'terms revoked' })).result['statusCode']).toBe('200');

    expectRefused((await accept(w, { permissionId: other, termsId })).result, '412.4', 'TERMS_NOT_ACCEPTED', termsId);
  });

  it.each([
    ['entity names both an id and an external key', { entity: { entityId: 'ent-abc', extKey: 'k-abc', extType: 'crm' } }, 'entity'],
    ['entity names nothing', { entity: { entityId: null, extKey: null, extType: null } }, 'entity'],
    ['entity has an extKey without extType', { entity: { entityId: null, extKey: 'k-abc', extType: null } }, 'entity'],
    ['entityId breaks the identifier rule', { entity: { entityId: 'ab', extKey: null, extType: null } }, 'entity'],
    ['permissionId breaks the identifier rule', { permissionId: 'bad id!' }, 'permissionId'],
    ['sourceId is empty', { sourceId: '' }, 'sourceId'],
    ['termsId breaks the identifier rule', { termsId: 't:1' }, 'termsId'],
    ['a data key starts with $', { data: { $set: 'x' } }, 'data'],
    ['a data key contains a dot', { data: { 'a.b': 'x' } }, 'data'],
    ['a data value is empty', { data: { channel: '' } }, 'data'],
  ])('answers 400 VALIDATION_FAILED naming the field when %s', async (_case, fault, field) => {
    const tag = shortId();
    const payload = {
      entity: byId(`ent-${tag}`), permissionId: `perm-${tag}`, sourceId: `src-${tag}`, termsId: null, data: null, ...fault,
    };
    const commandId = await h.permission('AcceptPermission', payload, { key: `ent-${tag}` });
    const result = await h.result(commandId);
    expect(result).toMatchObject({ commandId, commandType: 'AcceptPermission', statusCode: '400', errorCode: 'VALIDATION_FAILED', field, state: null });
    expect(result['message']).toEqual(expect.stringContaining(field));
  });
});
