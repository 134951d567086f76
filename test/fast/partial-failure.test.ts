// One bad command in a round spares the rest: a refusal or an unexpected failure is that
// command's answer, and the other commands of the round are applied and answered as usual.
import { describe, expect, it } from 'vitest';
import { createConsent, updateConsent } from '../support/in-memory/commands.ts';
import { consentWorld } from '../support/in-memory/consent-world.ts';

describe('a round with one bad command', () => {
  it('answers 500 for an aggregate whose stored document is corrupt and applies the others of the round', async () => {
    const world = consentWorld();
    world.store.put(world.collection, { id: 'c-corrupt', version: 1, state: { nonsense: true }, outbox: [], appliedCommandIds: [], indexFields: {} });
    const bad = updateConsent('c-corrupt', 2);
    const good = [createConsent('c-fine-1'), createConsent('c-fine-2')];

    const done = await world.send([good[0]!, bad, good[1]!]);

    expect(done.size).toBe(3);
    expect(world.resultFor(bad.commandId).map((r) => [r.statusCode, r.errorCode])).toEqual([['500', 'INTERNAL_ERROR']]);
    for (const { commandId } of good) expect(world.resultFor(commandId).map((r) => r.statusCode)).toEqual(['201']);
    expect(world.eventsPublished().map((e) => e.aggregateId).sort()).toEqual(['c-fine-1', 'c-fine-2']);
    expect(world.store.peek(world.collection, 'c-corrupt')?.state).toEqual({ nonsense: true });
  });

  it('answers 400 naming the field of an invalid command and applies the others of the round', async () => {
    const world = consentWorld();
    const bad = createConsent('c-invalid', undefined, { userId: '' });
    const good = createConsent('c-valid');

    await world.send([bad, good]);

    expect(world.resultFor(bad.commandId).map((r) => [r.statusCode, r.field])).toEqual([['400', 'userId']]);
    expect(world.resultFor(good.commandId).map((r) => r.statusCode)).toEqual(['201']);
    expect(world.store.peek(world.collection, 'c-invalid')).toBeNull();
  });

  it('answers 500 for a write the store refuses unexpectedly and applies the others of the round', async () => {
    const world = consentWorld();
    await world.send([createConsent('c-refused'), createConsent('c-other')]);
    const bad = updateConsent('c-refused', 2);
    const good = updateConsent('c-other', 2);
    const deps = {
      ...world.deps,
      store: {
        ...world.store,
        async replace(collection: string, record: Parameters<typeof world.store.replace>[1], expected: number) {
          if (record.id === 'c-refused') throw new Error('document failed validation'); // a bug, not an outage
          return world.store.replace(collection, record, expected);
        },
      },
    };

    await world.send([bad, good], deps);

    expect(world.resultFor(bad.commandId).map((r) => r.statusCode)).toEqual(['500']);
    expect(world.resultFor(good.commandId).map((r) => r.statusCode)).toEqual(['200']);
    expect(world.store.peek(world.collection, 'c-refused')?.version).toBe(1);
    expect(world.store.peek(world.collection, 'c-other')?.version).toBe(2);
  });
});
