// A command delivered again (a crash before its offset was committed, a producer's retry) is
// answered with the result it got the first time and applied once; once that result is purged
// it is still not applied again, and is answered 409 COMMAND_ALREADY_APPLIED.
import { describe, expect, it } from 'vitest';
import { createConsent, updateConsent } from '../support/in-memory/commands.ts';
import { consentWorld } from '../support/in-memory/consent-world.ts';

describe('redelivery of a command', () => {
  it('answers a redelivered chunk with the same results and applies each command once', async () => {
    const world = consentWorld();
    const commands = [createConsent('c-redo'), updateConsent('c-redo', 2)];
    const messages = world.messagesOf(commands);
    await world.redeliver(messages);
    await world.redeliver(messages);

    for (const { commandId } of commands) {
      const answers = world.resultFor(commandId);
      expect(answers).toHaveLength(2);
      expect(answers[1]).toEqual(answers[0]); // same requestId and processedAt: the stored result
    }
    expect(world.eventsPublished('c-redo').map((e) => e.version)).toEqual([1, 2]);
    expect(world.store.peek(world.collection, 'c-redo')?.version).toBe(2);
  });

  it('answers a copy of a commandId within one chunk from its first copy', async () => {
    const world = consentWorld();
    const create = createConsent('c-copy');
    await world.send([create, create]);

    const answers = world.resultFor(create.commandId);
    expect(answers.map((r) => r.statusCode)).toEqual(['201', '201']);
    expect(answers[1]).toEqual(answers[0]);
    expect(world.eventsPublished('c-copy')).toHaveLength(1);
  });

  it('refuses a reused commandId carrying another payload with 409 COMMAND_ID_REUSED and keeps the first result', async () => {
    const world = consentWorld();
    await world.send([createConsent('c-reuse', 'cmd-reused')]);
    await world.send([createConsent('c-reuse-other', 'cmd-reused')]);

    expect(world.resultFor('cmd-reused').map((r) => [r.statusCode, r.errorCode])).toEqual([['201', null], ['409', 'COMMAND_ID_REUSED']]);
    expect(world.store.peek(world.collection, 'c-reuse-other')).toBeNull();
    expect((await world.results.get('cmd-reused'))?.body).toMatchObject({ statusCode: '201' });
  });

  it('answers a redelivery with its first result when the outbox was cleared after the chunk looked for stored results', async () => {
    // A new replica's start-up recovery (or a peer's deferred clear) moves the result from the
    // outbox to the result store between the chunk's look-up and the round's load under the lease.
    const world = consentWorld();
    const update = updateConsent('c-cleared', 2, 'cmd-cleared');
    await world.send([createConsent('c-cleared'), update]);
    expect(world.store.peek(world.collection, 'c-cleared')?.outbox).toEqual([]); // cleared: only the result store holds it
    let lookUps = 0;
    const clearedAfterLookUp = { ...world.results, getMany: async (ids: readonly string[]) => (lookUps++ === 0 ? new Map() : world.results.getMany(ids)) };

    await world.send([update], { ...world.deps, results: clearedAfterLookUp });

    const answers = world.resultFor('cmd-cleared');
    expect(answers.map((r) => r.statusCode)).toEqual(['200', '200']);
    expect(answers[1]).toEqual(answers[0]); // the stored result: one outcome, same requestId
    expect(world.eventsPublished('c-cleared').map((e) => e.version)).toEqual([1, 2]);
  });

  it('answers 409 COMMAND_ALREADY_APPLIED to a redelivery whose stored result was purged, without applying it again', async () => {
    const world = consentWorld();
    const update = updateConsent('c-purged', 2, 'cmd-purged');
    await world.send([createConsent('c-purged'), update]);
    expect(world.store.peek(world.collection, 'c-purged')?.outbox).toEqual([]); // published and cleared: only the result store holds it
    world.results.purge('cmd-purged'); // RESULT_RETENTION_MS later

    await world.send([update]);

    expect(world.resultFor('cmd-purged').map((r) => [r.statusCode, r.errorCode])).toEqual([['200', null], ['409', 'COMMAND_ALREADY_APPLIED']]);
    expect(world.eventsPublished('c-purged').map((e) => e.version)).toEqual([1, 2]);
    expect(world.store.peek(world.collection, 'c-purged')?.version).toBe(2);
  });
});
