// The outbox is written with the state change, before anything is published: a publish that
// fails leaves the messages owed in the aggregate's document, and whoever comes next (a later
// round on the aggregate, or the start-up recovery) publishes them first, in order, once.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { InfrastructureError } from '../../src/pipeline/errors.ts';
import { recoverOwedOutboxes } from '../../src/pipeline/recover-outboxes.ts';
import { createConsent, updateConsent } from '../support/in-memory/commands.ts';
import { consentWorld, type ConsentWorld } from '../support/in-memory/consent-world.ts';
import { pollUntil } from '../support/poll-until.ts';

const brokerDown = (): InfrastructureError => new InfrastructureError('kafka', new Error('broker unavailable'));
const recover = (world: ConsentWorld): Promise<number> =>
  recoverOwedOutboxes(world.deps, world.runtime, [world.collection], { burstPages: 1 }, createLogger('silent'));

/** Sends the commands while the broker refuses the publish: the chunk fails as retryable. */
async function sendWhileBrokerDown(world: ConsentWorld, commands: Parameters<ConsentWorld['send']>[0]): Promise<void> {
  world.bus.failPublishes(1, brokerDown());
  await expect(world.send(commands)).rejects.toBeInstanceOf(InfrastructureError);
}

describe('the outbox, written before the publish', () => {
  it('holds the event and the result in the stored document when the publish is sent, and is cleared after it', async () => {
    const world = consentWorld();
    const create = createConsent('c-outbox');
    const atPublish: unknown[] = [];
    world.bus.onPublish(() => atPublish.push(world.store.peek(world.collection, 'c-outbox')?.outbox.map((entry) => entry.id)));

    await world.send([create]);

    expect(atPublish).toEqual([['c-outbox:1:ConsentCreated', `result:${create.commandId}`]]);
    expect(world.store.peek(world.collection, 'c-outbox')?.outbox).toEqual([]);
    expect(await world.owing.page(-1, Infinity, 10)).toEqual([]);
  });

  it('leaves the outbox owed after a failed publish, and the next command on the aggregate publishes it first, once', async () => {
    const world = consentWorld();
    const create = createConsent('c-owed');
    await sendWhileBrokerDown(world, [create]);
    expect(world.store.peek(world.collection, 'c-owed')?.outbox.map((entry) => entry.kind)).toEqual(['event', 'result']);
    expect(world.bus.messages('consent.events')).toEqual([]);

    const update = updateConsent('c-owed', 2);
    await world.send([update]);

    expect(world.eventsPublished('c-owed').map((e) => [e.version, e.eventType])).toEqual([[1, 'ConsentCreated'], [2, 'ConsentUpdated']]);
    expect(world.resultFor(create.commandId).map((r) => r.statusCode)).toEqual(['201']);
    expect(world.resultFor(update.commandId).map((r) => r.statusCode)).toEqual(['200']);
    expect((await world.results.get(create.commandId))?.body).toMatchObject({ statusCode: '201' });
  });

  it('publishes the owed event once when the failed chunk is retried, answering the command with its first result', async () => {
    const world = consentWorld();
    const create = createConsent('c-retried');
    const messages = world.messagesOf([create]);
    world.bus.failPublishes(1, brokerDown());
    await expect(world.redeliver(messages)).rejects.toBeInstanceOf(InfrastructureError);

    await world.redeliver(messages);

    expect(world.eventsPublished('c-retried').map((e) => e.version)).toEqual([1]);
    const answers = world.resultFor(create.commandId);
    expect(answers).toHaveLength(2); // the owed result flushed from the outbox, then the answer to the redelivery
    expect(new Set(answers.map((r) => JSON.stringify(r))).size).toBe(1); // every copy is the same result
    expect(answers[0]?.statusCode).toBe('201');
  });

  it('has the consumer retry a chunk whose publish failed, publishing each event once and answering alike', async () => {
    const world = consentWorld();
    const commands = [createConsent('c-consumed'), updateConsent('c-consumed', 2)];
    await world.bus.publish(world.messagesOf(commands).map((m) => ({ topic: m.topic, key: m.key as string, value: m.value as Buffer })));
    world.bus.failPublishes(1, brokerDown()); // the first round's publish
    const consumer = await world.consume();
    await pollUntil(() => commands.every((c) => world.resultFor(c.commandId).length > 0), { timeoutMs: 5_000, intervalMs: 10, what: 'both answered' });
    await consumer.stop();

    expect(world.eventsPublished('c-consumed').map((e) => e.version)).toEqual([1, 2]);
    for (const { commandId } of commands) expect(new Set(world.resultFor(commandId).map((r) => JSON.stringify(r))).size).toBe(1);
    expect(world.resultFor(commands[1]!.commandId)).toHaveLength(1);
  });

  it('has the start-up recovery publish an outbox nobody touches again, in order, and nothing the second time', async () => {
    const world = consentWorld();
    await world.send([createConsent('c-left')]);
    await sendWhileBrokerDown(world, [updateConsent('c-left', 2), createConsent('c-left-2')]);
    expect(world.eventsPublished().map((e) => e.eventId)).toEqual(['c-left:1:ConsentCreated']);

    expect(await recover(world)).toBe(2);
    expect(await recover(world)).toBe(0);

    expect(world.eventsPublished().map((e) => e.eventId).sort()).toEqual(['c-left-2:1:ConsentCreated', 'c-left:1:ConsentCreated', 'c-left:2:ConsentUpdated']);
    expect(world.eventsPublished('c-left').map((e) => e.version)).toEqual([1, 2]);
    expect(world.store.peek(world.collection, 'c-left')?.outbox).toEqual([]);
    expect(await world.owing.page(-1, Infinity, 10)).toEqual([]);
  });

  it('has the recovery find an owed outbox by scanning the store when the owing index was lost', async () => {
    const world = consentWorld();
    await sendWhileBrokerDown(world, [createConsent('c-lost-index')]);
    world.owing.lose(); // Redis restarted empty

    expect(await recover(world)).toBe(1);

    expect(world.eventsPublished('c-lost-index').map((e) => e.version)).toEqual([1]);
    expect(await world.owing.intact(world.collection)).toBe(true);
    expect(await recover(world)).toBe(0);
  });
});
