// A permission deactivated while an accept is in flight. Reference data is read, not locked, when
// an accept is decided (permission-family.ts), so whichever command the worker applies first wins:
// the accept either saw the permission active (201, PermissionAccepted) or inactive (400.2, nothing
// written). An acceptance made before the deactivation stays; the deactivation does not undo it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptPayload, byId, byKey, keyOf, permissionEventsThrough, permissionState, shortId, stateOf, withdrawPayload, world, type World,
} from '../support/permission-world.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const ROUNDS = 8;

// These send without awaiting the result, so that two commands can be in flight at once.
const setActive = (w: World, active: boolean): Promise<string> =>
  h.permission('DefinePermission', { permissionId: w.permissionId, name: 'Newsletter', active }, { key: w.permissionId });

const sendAccept = (w: World): Promise<string> => h.permission('AcceptPermission', acceptPayload(w), { key: w.entityId });

const sendWithdraw = (w: World): Promise<string> => h.permission('WithdrawPermission', withdrawPayload(w), { key: w.entityId });

/** Waits for the entity's event of `version`, then returns [eventId, causationId] of all its events so far. */
async function eventsThrough(entityId: string, version: number): Promise<unknown[][]> {
  return (await permissionEventsThrough(h, entityId, version)).map((e) => [e['eventId'], e['causationId']]);
}

/**
 * Barrier: withdraws (200), which is version 3, then expects the entity's only events to be the
 * acceptance by `acceptId` and that withdrawal, so no other command wrote or published anything.
 */
async function expectAcceptedThenWithdrawn(w: World, acceptId: string): Promise<void> {
  const withdrawId = await sendWithdraw(w);
  expect((await h.result(withdrawId))['statusCode']).toBe('200');
  expect(await eventsThrough(w.entityId, 3)).toEqual([
    [`${w.entityId}:2:PermissionAccepted`, acceptId], [`${w.entityId}:3:PermissionWithdrawn`, withdrawId],
  ]);
}

/** Proves a refused accept left the entity untouched: once re-activated, the next accept is version 2 and the only event. */
async function expectNothingWritten(w: World): Promise<void> {
  expect((await h.result(await setActive(w, true)))['statusCode']).toBe('200');
  const acceptId = await sendAccept(w);
  expect((await h.result(acceptId))['statusCode']).toBe('201');
  expect(await eventsThrough(w.entityId, 2)).toEqual([[`${w.entityId}:2:PermissionAccepted`, acceptId]]);
}

describe('a permission deactivated while an accept is in flight', () => {
  it(`ends each of ${ROUNDS} concurrent deactivate/accept pairs in 201 with its event or 400.2 without one, losing no result`, async () => {
    const worlds = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => world(h, `race-${i}`)));

    // Different keys (permissionId, entityId): the worker may run the two in parallel.
    const pairs = await Promise.all(worlds.map(async (w) => {
      const [deactivateId, acceptId] = await Promise.all([setActive(w, false), sendAccept(w)]);
      const [deactivated, accepted] = await Promise.all([h.result(deactivateId), h.result(acceptId)]);
      return { w, acceptId, deactivated, accepted };
    }));

    const outcomes: string[] = [];
    for (const { w, acceptId, deactivated, accepted } of pairs) {
      expect(deactivated).toMatchObject({ statusCode: '200', errorCode: null });
      expect(stateOf(deactivated, 'ReferenceState')).toMatchObject({ id: w.permissionId, active: false, version: 2 });
      expect(['201', '400.2']).toContain(accepted['statusCode']);
      outcomes.push(String(accepted['statusCode']));

      if (accepted['statusCode'] === '201') {
        // Accepted before the deactivation took effect: the acceptance exists, with its event, and stays.
        expect(accepted).toMatchObject({ errorCode: null });
        expect(permissionState(accepted)).toMatchObject({ entityId: w.entityId, permissionId: w.permissionId, isActive: true, isWithdrawn: false });
        await expectAcceptedThenWithdrawn(w, acceptId);
      } else {
        expect(accepted).toMatchObject({ errorCode: 'PERMISSION_NOT_ACTIVE', state: null });
        await expectNothingWritten(w);
      }
    }
    console.info(`deactivate/accept race over ${ROUNDS} rounds: ${outcomes.filter((o) => o === '201').length} × 201, ${outcomes.filter((o) => o === '400.2').length} × 400.2`);
    // Both results of every pair arrived exactly once.
    for (const { deactivated, accepted } of pairs) {
      expect(h.results(String(deactivated['commandId']))).toHaveLength(1);
      expect(h.results(String(accepted['commandId']))).toHaveLength(1);
    }
  });

  it('applies once an accept sent at the same time by entityId and by external key: one 201, one 303, one event', async () => {
    const extKey = `cust-${shortId()}`;
    const w = await world(h, 'twin', { externalKeys: [{ extKey, extType: 'crm' }] });

    // Keys entityId and crm:extKey: possibly different partitions, one entity, one lock.
    const ids = await Promise.all([byId(w.entityId), byKey('crm', extKey)].map((entity) =>
      h.permission('AcceptPermission', acceptPayload(w, { entity }), { key: keyOf(entity) })));
    const results = await Promise.all(ids.map((id) => h.result(id)));
    expect(results.map((r) => r['statusCode']).sort()).toEqual(['201', '303']);
    const winner = ids[results.findIndex((r) => r['statusCode'] === '201')];
    expect(permissionState(results[0]!)).toEqual(permissionState(results[1]!));

    // Barrier: the withdrawal is version 3, so the 303 wrote and published nothing.
    await expectAcceptedThenWithdrawn(w, winner!);
  });

  it('refuses an accept sent after the deactivation with 400.2 and writes nothing', async () => {
    const w = await world(h, 'deactivate-first');
    expect((await h.result(await setActive(w, false)))['statusCode']).toBe('200');

    const refused = await h.result(await sendAccept(w));
    expect(refused).toMatchObject({ statusCode: '400.2', errorCode: 'PERMISSION_NOT_ACTIVE', field: null, state: null });
    await expectNothingWritten(w);
  });

  it('keeps an acceptance made before the deactivation; a repeat accept then answers 400.2, not 303, because the active check comes first', async () => {
    const w = await world(h, 'accept-first');
    const acceptId = await sendAccept(w);
    const accepted = await h.result(acceptId);
    expect(accepted['statusCode']).toBe('201');
    expect((await h.result(await setActive(w, false)))['statusCode']).toBe('200');

    const repeat = await h.result(await sendAccept(w));
    expect(repeat).toMatchObject({ statusCode: '400.2', errorCode: 'PERMISSION_NOT_ACTIVE', state: null });

    // Re-activated, the entity still holds the very same acceptance: 303 with the state of the 201.
    expect((await h.result(await setActive(w, true)))['statusCode']).toBe('200');
    const held = await h.result(await sendAccept(w));
    expect(held).toMatchObject({ statusCode: '303', errorCode: null });
    expect(permissionState(held)).toEqual(permissionState(accepted));

    // Barrier: the next change is version 3, so neither the 400.2 nor the 303 wrote or published anything.
    await expectAcceptedThenWithdrawn(w, acceptId);
  });

  it('withdraws an acceptance of a deactivated permission with 200, since withdrawing needs no active definition', async () => {
    const w = await world(h, 'withdraw-deactivated');
    const accepted = await h.result(await sendAccept(w));
    expect(accepted['statusCode']).toBe('201');
    expect((await h.result(await setActive(w, false)))['statusCode']).toBe('200');

    const withdrawn = await h.result(await sendWithdraw(w));
    expect(withdrawn).toMatchObject({ statusCode: '200', errorCode: null });
    expect(permissionState(withdrawn)).toMatchObject({
      isActive: false, isWithdrawn: true, acceptance: permissionState(accepted)!.acceptance,
    });
  });
});
