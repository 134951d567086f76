// Reference data (DefinePermission, RegisterSource, DefineContract) and RegisterEntity through
// Kafka: 201 on first definition, 200 on re-definition, one owner per external key, 400s by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptPayload, sendCommand, shortId, stateOf, type Result } from '../support/permission-world.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

/** Sends with a correlationId of its own and returns the result once it is seen to echo commandId, type and correlationId. */
async function send(type: string, payload: Record<string, unknown>, key: string): Promise<Result> {
  const { commandId, result } = await sendCommand(h, type, payload, { key, correlationId: `corr-${key}` });
  expect(result).toMatchObject({ commandId, commandType: type, correlationId: `corr-${key}` });
  return result;
}

const ok = (result: Result, statusCode: string): void => {
  expect(result).toMatchObject({ statusCode, errorCode: null, message: null, field: null });
};

describe('reference data through Kafka', () => {
  it('defines a permission with 201, re-defines it with 200 and a new version, and answers 200 unchanged to a repeat', async () => {
    const permissionId = `perm-${shortId()}`;
    const created = await send('DefinePermission', { permissionId, name: 'Newsletter', active: true }, permissionId);
    ok(created, '201');
    const reference = { kind: 'PERMISSION', id: permissionId, name: 'Newsletter', active: true, allowedPermissionIds: [], allowedSourceIds: [] };
    expect(stateOf(created, 'ReferenceState')).toEqual({ ...reference, version: 1 });

    const changed = await send('DefinePermission', { permissionId, name: 'Weekly newsletter', active: false }, permissionId);
    ok(changed, '200');
    expect(stateOf(changed, 'ReferenceState')).toEqual({ ...reference, name: 'Weekly newsletter', active: false, version: 2 });

    const repeated = await send('DefinePermission', { permissionId, name: 'Weekly newsletter', active: false }, permissionId);
    ok(repeated, '200');
    expect(stateOf(repeated, 'ReferenceState')).toEqual({ ...reference, name: 'Weekly newsletter', active: false, version: 2 });
  });

  it('registers a source with 201, and answers 200 when it is registered again', async () => {
    const sourceId = `src-${shortId()}`;
    const created = await send('RegisterSource', { sourceId, name: 'Web shop', active: true }, sourceId);
    ok(created, '201');
    const reference = { kind: 'SOURCE', id: sourceId, name: 'Web shop', active: true, allowedPermissionIds: [], allowedSourceIds: [] };
    expect(stateOf(created, 'ReferenceState')).toEqual({ ...reference, version: 1 });

    const deactivated = await send('RegisterSource', { sourceId, name: 'Web shop', active: false }, sourceId);
    ok(deactivated, '200');
    expect(stateOf(deactivated, 'ReferenceState')).toEqual({ ...reference, active: false, version: 2 });
  });

  it('defines a contract with 201, and answers 200 when it is defined again', async () => {
    const contractId = `ctr-${shortId()}`;
    const created = await send('DefineContract', { contractId, allowedPermissionIds: ['perm-a1'], allowedSourceIds: ['src-a1'] }, contractId);
    ok(created, '201');
    expect(stateOf(created, 'ReferenceState')).toEqual({
      kind: 'CONTRACT', id: contractId, version: 1, name: null, active: null, allowedPermissionIds: ['perm-a1'], allowedSourceIds: ['src-a1'],
    });

    const widened = await send('DefineContract', {
      contractId, allowedPermissionIds: ['perm-a1', 'perm-b1'], allowedSourceIds: ['src-a1'],
    }, contractId);
    ok(widened, '200');
    expect(stateOf(widened, 'ReferenceState')).toEqual({
      kind: 'CONTRACT', id: contractId, version: 2, name: null, active: null, allowedPermissionIds: ['perm-a1', 'perm-b1'], allowedSourceIds: ['src-a1'],
    });
  });
});

describe('RegisterEntity through Kafka', () => {
  it('registers an entity with 201 and answers 200 when it is registered again with other keys', async () => {
    const entityId = `ent-${shortId()}`;
    const keys = [{ extKey: `cust-${shortId()}`, extType: 'crm' }, { extKey: `acct-${shortId()}`, extType: 'erp' }];
    const created = await send('RegisterEntity', { entityId, externalKeys: keys, contractId: 'ctr-any' }, entityId);
    ok(created, '201');
    expect(stateOf(created, 'EntityState')).toEqual({ entityId, version: 1, externalKeys: keys, contractId: 'ctr-any' });

    const moved = await send('RegisterEntity', { entityId, externalKeys: [keys[0]], contractId: null }, entityId);
    ok(moved, '200');
    expect(stateOf(moved, 'EntityState')).toEqual({ entityId, version: 2, externalKeys: [keys[0]], contractId: null });

    // The key it let go of is free for another entity.
    const other = `ent-${shortId()}`;
    ok(await send('RegisterEntity', { entityId: other, externalKeys: [keys[1]], contractId: null }, other), '201');
  });

  it('answers 409 EXTERNAL_KEY_TAKEN to an entity claiming an external key another entity holds, which keeps it', async () => {
    const tag = shortId();
    const owner = `ent-owner-${tag}`;
    const claimant = `ent-claim-${tag}`;
    const key = { extKey: `cust-${tag}`, extType: 'crm' };
    ok(await send('RegisterEntity', { entityId: owner, externalKeys: [key], contractId: null }, owner), '201');

    const refused = await send('RegisterEntity', {
      entityId: claimant, externalKeys: [{ extKey: `free-${tag}`, extType: 'crm' }, key], contractId: null,
    }, claimant);
    expect(refused).toMatchObject({ statusCode: '409', errorCode: 'EXTERNAL_KEY_TAKEN', field: null, state: null });
    expect(refused['message']).toEqual(expect.stringContaining(`crm:${key.extKey}`));
    expect(refused['message']).not.toEqual(expect.stringContaining(owner));

    // The owner still holds the key: re-registering it with the same key answers 200 unchanged.
    const kept = await send('RegisterEntity', { entityId: owner, externalKeys: [key], contractId: null }, owner);
    ok(kept, '200');
    expect(stateOf(kept, 'EntityState')).toEqual({ entityId: owner, version: 1, externalKeys: [key], contractId: null });
    // The claimant was not created: an accept by its id finds no entity.
    const accept = await send('AcceptPermission', acceptPayload({ entityId: claimant, permissionId: 'perm-any', sourceId: 'src-any' }), claimant);
    expect(accept).toMatchObject({ statusCode: '404.1', errorCode: 'ENTITY_NOT_FOUND' });
  });

  it('leaves the free keys of a refused RegisterEntity free for another entity', async () => {
    const tag = shortId();
    const owner = `ent-owner-${tag}`;
    const taken = { extKey: `cust-${tag}`, extType: 'crm' };
    const free = { extKey: `free-${tag}`, extType: 'crm' };
    ok(await send('RegisterEntity', { entityId: owner, externalKeys: [taken], contractId: null }, owner), '201');
    const claimant = `ent-claim-${tag}`;
    expect(await send('RegisterEntity', { entityId: claimant, externalKeys: [free, taken], contractId: null }, claimant))
      .toMatchObject({ statusCode: '409', errorCode: 'EXTERNAL_KEY_TAKEN' });

    const other = `ent-other-${tag}`;
    const registered = await send('RegisterEntity', { entityId: other, externalKeys: [free], contractId: null }, other);
    ok(registered, '201');
    expect(stateOf(registered, 'EntityState')).toEqual({ entityId: other, version: 1, externalKeys: [free], contractId: null });
  });

  it('keeps the own keys of an existing entity refused for a taken key, and frees the new ones it asked for', async () => {
    const tag = shortId();
    const owner = `ent-owner-${tag}`;
    const taken = { extKey: `cust-${tag}`, extType: 'crm' };
    ok(await send('RegisterEntity', { entityId: owner, externalKeys: [taken], contractId: null }, owner), '201');
    const existing = `ent-existing-${tag}`;
    const own = { extKey: `own-${tag}`, extType: 'crm' };
    const wanted = { extKey: `wanted-${tag}`, extType: 'crm' };
    ok(await send('RegisterEntity', { entityId: existing, externalKeys: [own], contractId: null }, existing), '201');

    expect(await send('RegisterEntity', { entityId: existing, externalKeys: [own, wanted, taken], contractId: null }, existing))
      .toMatchObject({ statusCode: '409', errorCode: 'EXTERNAL_KEY_TAKEN', state: null });

    const unchanged = await send('RegisterEntity', { entityId: existing, externalKeys: [own], contractId: null }, existing);
    ok(unchanged, '200');
    expect(stateOf(unchanged, 'EntityState')).toEqual({ entityId: existing, version: 1, externalKeys: [own], contractId: null });
    const ownStolen = await send('RegisterEntity', { entityId: `ent-thief-${tag}`, externalKeys: [own], contractId: null }, `ent-thief-${tag}`);
    expect(ownStolen).toMatchObject({ statusCode: '409', errorCode: 'EXTERNAL_KEY_TAKEN' });
    ok(await send('RegisterEntity', { entityId: `ent-other-${tag}`, externalKeys: [wanted], contractId: null }, `ent-other-${tag}`), '201');
  });
});

describe('invalid reference and entity commands', () => {
  it.each([
    ['DefinePermission', 'permissionId is too short', { permissionId: 'p1', name: 'N', active: true }, 'permissionId'],
    ['DefinePermission', 'name is empty', { permissionId: 'perm-ok', name: '', active: true }, 'name'],
    ['DefinePermission', 'name is longer than 256 characters', { permissionId: 'perm-ok', name: 'n'.repeat(257), active: true }, 'name'],
    ['RegisterSource', 'sourceId has a space', { sourceId: 'src ok', name: 'N', active: true }, 'sourceId'],
    ['DefineContract', 'an allowed permission id repeats', { contractId: 'ctr-ok', allowedPermissionIds: ['perm-a', 'perm-a'], allowedSourceIds: [] }, 'allowedPermissionIds'],
    ['DefineContract', 'an allowed source id is invalid', { contractId: 'ctr-ok', allowedPermissionIds: [], allowedSourceIds: ['s'] }, 'allowedSourceIds'],
    ['RegisterEntity', 'an external key appears twice', {
      entityId: 'ent-ok', externalKeys: [{ extKey: 'k-1x', extType: 'crm' }, { extKey: 'k-1x', extType: 'crm' }], contractId: null,
    }, 'externalKeys'],
    ['RegisterEntity', 'an extType contains a colon', { entityId: 'ent-ok', externalKeys: [{ extKey: 'k-1x', extType: 'c:rm' }], contractId: null }, 'externalKeys'],
    ['RegisterEntity', 'contractId is too short', { entityId: 'ent-ok', externalKeys: [], contractId: 'c' }, 'contractId'],
  ])('answers 400 VALIDATION_FAILED on the field when %s: %s', async (type, _case, payload, field) => {
    const key = `key-${shortId()}`;
    const result = await send(type, payload, key);
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field, state: null });
    expect(result['message']).toEqual(expect.stringContaining(field));
  });

  it('answers 400 on commandId when the commandId breaks the identifier rule', async () => {
    const commandId = `bad id ${shortId()}`;
    await h.permission('DefinePermission', { permissionId: `perm-${shortId()}`, name: 'N', active: true }, { commandId, key: 'bad-id' });
    expect(await h.result(commandId)).toMatchObject({ commandId, statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'commandId' });
  });

  it('answers 400 naming the field the named command lacks when the payload record is another command', async () => {
    const permissionId = `perm-${shortId()}`;
    const commandId = await h.permission('RegisterSource', { permissionId, name: 'N', active: true }, { key: permissionId, payloadType: 'DefinePermission' });
    expect(await h.result(commandId)).toMatchObject({ commandId, statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'sourceId' });
  });
});
