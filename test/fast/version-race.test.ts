// Two writers on one aggregate: the conditional write on the version lets one win; the other
// loads again, decides again on the winner's state, and answers as that decision says.
import { describe, expect, it } from 'vitest';
import type { ConsentCommand } from '../../src/domain/consent/commands.ts';
import type { DecisionCount } from '../../src/families/consent-family.ts';
import { applyRound, type PipelineDeps, type RoundItem } from '../../src/pipeline/apply-round.ts';
import { createConsent, newCommandId, updateConsent } from '../support/in-memory/commands.ts';
import { consentWorld, type ConsentWorld } from '../support/in-memory/consent-world.ts';

/** A writer whose first replace waits until `rival` has written, so it loses the version race. */
function writerThatLosesTo(world: ConsentWorld, rival: () => Promise<unknown>): PipelineDeps {
  let raced = false;
  return {
    ...world.deps,
    store: {
      ...world.store,
      async replace(collection, record, expectedVersion) {
        if (!raced) {
          raced = true;
          await rival();
        }
        return world.store.replace(collection, record, expectedVersion);
      },
    },
  };
}

describe('the version race between two writers', () => {
  it('lets one of two updates to the same version win and answers the other 409 VERSION_CONFLICT after deciding again', async () => {
    const world = consentWorld();
    await world.send([createConsent('c-race')]);
    const winner = updateConsent('c-race', 2, 'cmd-winner');
    const loser = updateConsent('c-race', 2, 'cmd-loser');

    await world.send([loser], writerThatLosesTo(world, () => world.send([winner])));

    expect(world.versionConflicts).toEqual(['consent']);
    expect(world.resultFor('cmd-winner').map((r) => r.statusCode)).toEqual(['200']);
    expect(world.resultFor('cmd-loser').map((r) => [r.statusCode, r.errorCode])).toEqual([['409', 'VERSION_CONFLICT']]);
    expect(world.eventsPublished('c-race').map((e) => e.version)).toEqual([1, 2]);
    const stored = world.store.peek(world.collection, 'c-race');
    expect(stored?.version).toBe(2);
    expect(stored?.appliedCommandIds).not.toContain('cmd-loser');
  });

  it('writes the sweep\'s expiry on the version a user update won with, deciding again on it', async () => {
    const world = consentWorld();
    await world.send([createConsent('c-race-2', newCommandId(), { expiryTime: new Date(world.clock().getTime() + 60_000).toISOString() })]);
    world.advance(120_000); // past its expiry: the sweep's command
    const expire: RoundItem<ConsentCommand, DecisionCount> = {
      command: { type: 'ExpireConsent', commandId: 'expiry-sweep:test', consentId: 'c-race-2' },
      target: { collection: world.collection, id: 'c-race-2' }, prepared: null, origin: { kind: 'sweep' },
    };
    const userUpdate = updateConsent('c-race-2', 2, 'cmd-user');

    const [outcome] = await applyRound(writerThatLosesTo(world, () => world.send([userUpdate])), world.runtime, [expire]);

    expect(world.versionConflicts).toEqual(['consent']);
    expect(outcome?.kind).toBe('written');
    expect(world.resultFor('cmd-user').map((r) => r.statusCode)).toEqual(['200']);
    expect(world.eventsPublished('c-race-2').map((e) => [e.version, e.eventType])).toEqual([[1, 'ConsentCreated'], [2, 'ConsentUpdated'], [3, 'ConsentExpired']]);
    expect(world.store.peek(world.collection, 'c-race-2')?.state).toMatchObject({ version: 3, status: 'EXPIRED', consentData: { channel: 'sms-2' } });
  });

  it('refuses a second create of the same id once the first is inserted, deciding again on the stored consent', async () => {
    const world = consentWorld();
    const first = createConsent('c-twice', 'cmd-create-1');
    const second = createConsent('c-twice', 'cmd-create-2');
    let raced = false;
    const loserDeps: PipelineDeps = {
      ...world.deps,
      store: {
        ...world.store,
        async createMany(collection, records) {
          if (!raced) {
            raced = true;
            await world.send([first]);
          }
          return world.store.createMany(collection, records);
        },
      },
    };

    await world.send([second], loserDeps);

    expect(world.versionConflicts).toEqual(['consent']);
    expect(world.resultFor('cmd-create-1').map((r) => r.statusCode)).toEqual(['201']);
    expect(world.resultFor('cmd-create-2').map((r) => [r.statusCode, r.errorCode])).toEqual([['409', 'CONSENT_ID_TAKEN']]);
    expect(world.eventsPublished('c-twice')).toHaveLength(1);
  });
});
