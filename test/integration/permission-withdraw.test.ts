// WithdrawPermission through Kafka, and accepting again after a withdrawal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ISO_TIMESTAMP, acceptPermission, byId, byKey, defineWorld, permissionEventsThrough, permissionState, withdrawPermission, worldIds,
  type EntityRef, type PermissionState, type Result, type Sent, type World, type WithdrawOverrides,
} from '../support/permission-world.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

interface WithdrawWorld extends World {
  /** The crm key the entity is registered with, to withdraw by external key. */
  readonly extKey: string;
  /** A second source the contract allows, to show whose withdrawal is recorded. */
  readonly otherSourceId: string;
}

async function world(name: string): Promise<WithdrawWorld> {
  const ids = worldIds(name);
  const w: WithdrawWorld = { ...ids, extKey: `cust-${ids.tag}`, otherSourceId: `src-b-${ids.tag}` };
  await defineWorld(h, w, { externalKeys: [{ extKey: w.extKey, extType: 'crm' }], moreSourceIds: [w.otherSourceId] });
  return w;
}

const accept = (w: WithdrawWorld, entity: EntityRef = byId(w.entityId)): Promise<Sent> => acceptPermission(h, w, { entity });

/** Withdraws from the other source with a reason, so the recorded withdrawal is told apart from the acceptance. */
const withdraw = (w: WithdrawWorld, over: WithdrawOverrides = {}): Promise<Sent> =>
  withdrawPermission(h, w, { sourceId: w.otherSourceId, reason: 'customer asked', ...over }, { correlationId: `corr-${w.tag}` });

function expectRefused(result: Result, statusCode: string, errorCode: string): void {
  expect(result).toMatchObject({ commandType: 'WithdrawPermission', statusCode, errorCode, field: null });
}

describe('WithdrawPermission through Kafka', () => {
  it('withdraws with 200 and publishes PermissionWithdrawn with the withdrawal {timestamp, sourceId, reason}', async () => {
    const w = await world('withdraw');
    const accepted = await accept(w);
    expect(accepted.result['statusCode']).toBe('201');
    const acceptedState = permissionState(accepted.result) as PermissionState;

    const { commandId, result } = await withdraw(w);
    expect(result).toMatchObject({
      commandId, commandType: 'WithdrawPermission', correlationId: `corr-${w.tag}`, statusCode: '200',
      errorCode: null, message: null, field: null,
    });
    const state = permissionState(result) as PermissionState;
    expect(state).toEqual({
      entityId: w.entityId, permissionId: w.permissionId, isActive: false, isWithdrawn: true,
      acceptance: acceptedState.acceptance, // the acceptance it withdraws, unchanged
      withdrawal: { timestamp: expect.stringMatching(ISO_TIMESTAMP), sourceId: w.otherSourceId, reason: 'customer asked' },
    });
    expect(state.withdrawal!.timestamp >= acceptedState.acceptance!.timestamp).toBe(true);

    const event = await h.waitForEvent(w.entityId, 'PermissionWithdrawn', 'permission');
    expect(event).toEqual({
      eventId: `${w.entityId}:3:PermissionWithdrawn`, eventType: 'PermissionWithdrawn', aggregateId: w.entityId,
      version: 3, occurredAt: state.withdrawal!.timestamp, causationId: commandId, state,
    });
    expect(h.events(w.entityId, 'permission').map((e) => e['eventId'])).toEqual([
      `${w.entityId}:2:PermissionAccepted`, `${w.entityId}:3:PermissionWithdrawn`,
    ]);
  });

  it('withdraws by external key, recording a null reason when none is given', async () => {
    const w = await world('withdraw-ext');
    expect((await accept(w, byKey('crm', w.extKey))).result['statusCode']).toBe('201');
    const { result } = await withdraw(w, { entity: byKey('crm', w.extKey), reason: null });
    expect(result['statusCode']).toBe('200');
    expect(permissionState(result)).toMatchObject({
      entityId: w.entityId, isActive: false, isWithdrawn: true, withdrawal: { sourceId: w.otherSourceId, reason: null },
    });
    expect((await h.waitForEvent(w.entityId, 'PermissionWithdrawn', 'permission'))['version']).toBe(3);
  });

  it('accepts again after a withdrawal with 201 and a new PermissionAccepted of a higher version', async () => {
    const w = await world('reaccept');
    const first = await accept(w);
    const withdrawn = await withdraw(w);
    expect([first.result['statusCode'], withdrawn.result['statusCode']]).toEqual(['201', '200']);

    const again = await accept(w);
    expect(again.result['statusCode']).toBe('201');
    const state = permissionState(again.result) as PermissionState;
    expect(state).toEqual({
      entityId: w.entityId, permissionId: w.permissionId, isActive: true, isWithdrawn: false,
      acceptance: { timestamp: expect.stringMatching(ISO_TIMESTAMP), sourceId: w.sourceId }, withdrawal: null,
    });
    expect(state.acceptance!.timestamp >= permissionState(withdrawn.result)!.withdrawal!.timestamp).toBe(true);

    await h.collector.waitFor((all) => all.filter((r) => r.topic === h.topics.permissionEvents && r.key === w.entityId).length >= 3
      ? true : undefined, `three events of ${w.entityId}`);
    const events = h.events(w.entityId, 'permission');
    expect(events.map((e) => [e['eventId'], e['version'], e['causationId']])).toEqual([
      [`${w.entityId}:2:PermissionAccepted`, 2, first.commandId],
      [`${w.entityId}:3:PermissionWithdrawn`, 3, withdrawn.commandId],
      [`${w.entityId}:4:PermissionAccepted`, 4, again.commandId],
    ]);
    expect(events[2]?.['state']).toEqual(state);
  });

  it('answers 409 NOT_ACCEPTED when the entity never accepted the permission', async () => {
    const w = await world('withdraw-409-never');
    const { result } = await withdraw(w);
    expectRefused(result, '409', 'NOT_ACCEPTED');
    expect(result['state']).toBeNull();
  });

  it('answers 409 ALREADY_WITHDRAWN to a second withdrawal, with the withdrawn state, and publishes nothing more', async () => {
    const w = await world('withdraw-twice');
    expect((await accept(w)).result['statusCode']).toBe('201');
    const first = await withdraw(w);
    expect(first.result['statusCode']).toBe('200');

    const second = await withdraw(w, { sourceId: w.sourceId, reason: 'again' });
    expectRefused(second.result, '409', 'ALREADY_WITHDRAWN');
    expect(permissionState(second.result)).toEqual(permissionState(first.result));

    // Barrier: the next change is version 4, so the 409 wrote and published nothing.
    expect((await accept(w)).result['statusCode']).toBe('201');
    expect((await permissionEventsThrough(h, w.entityId, 4)).map((e) => e['eventId'])).toEqual([
      `${w.entityId}:2:PermissionAccepted`, `${w.entityId}:3:PermissionWithdrawn`, `${w.entityId}:4:PermissionAccepted`,
    ]);
  });

  it('answers the 404s of an unknown entity, external key, permission and source', async () => {
    const w = await world('withdraw-404');
    expect((await accept(w)).result['statusCode']).toBe('201');
    const cases: [Parameters<typeof withdraw>[1], string, string][] = [
      [{ entity: byId(`ent-missing-${w.tag}`) }, '404.1', 'ENTITY_NOT_FOUND'],
      [{ entity: byKey('crm', `missing-${w.tag}`) }, '404.2', 'EXTERNAL_REF_NOT_FOUND'],
      [{ permissionId: `perm-missing-${w.tag}` }, '404.5', 'PERMISSION_NOT_FOUND'],
      [{ sourceId: `src-missing-${w.tag}` }, '404.6', 'SOURCE_NOT_FOUND'],
    ];
    const results = await Promise.all(cases.map(([over]) => withdraw(w, over)));
    expect(results.map(({ result }) => [result['statusCode'], result['errorCode'], result['state']]))
      .toEqual(cases.map(([, statusCode, errorCode]) => [statusCode, errorCode, null]));
    // None of them touched the acceptance.
    expect((await withdraw(w)).result['statusCode']).toBe('200');
  });

  it('answers 400 VALIDATION_FAILED on reason when the reason is longer than 512 characters', async () => {
    const w = await world('withdraw-400');
    const { result } = await withdraw(w, { reason: 'x'.repeat(513) });
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'reason', state: null });
    expect((await withdraw(w, { reason: 'x'.repeat(512) })).result['statusCode']).toBe('409'); // valid, but nothing to withdraw
  });
});
