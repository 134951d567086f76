// A key's commands apply in offset order, however many share a chunk: the real pipeline
// (handle-message.ts → apply-round.ts) over the in-memory ports.
import { describe, expect, it } from 'vitest';
import { createConsent, updateConsent } from '../support/in-memory/commands.ts';
import { consentWorld } from '../support/in-memory/consent-world.ts';
import { pollUntil } from '../support/poll-until.ts';

describe('per-key order within a chunk', () => {
  it('applies a create and the updates after it in offset order, each on the version before it', async () => {
    const world = consentWorld();
    const commands = [createConsent('c-order'), updateConsent('c-order', 2), updateConsent('c-order', 3)];
    const done = await world.send(commands);

    expect(done.size).toBe(3);
    expect(commands.map((c) => world.resultFor(c.commandId).map((r) => r.statusCode))).toEqual([['201'], ['200'], ['200']]);
    expect(world.eventsPublished('c-order').map((e) => e.version)).toEqual([1, 2, 3]);
    expect(world.store.peek(world.collection, 'c-order')?.version).toBe(3);
  });

  it('keeps other keys in the same rounds without holding them behind a busy key', async () => {
    const world = consentWorld();
    await world.send([createConsent('c-a'), updateConsent('c-a', 2), createConsent('c-b'), updateConsent('c-a', 3), updateConsent('c-b', 2)]);

    expect(world.eventsPublished('c-a').map((e) => e.version)).toEqual([1, 2, 3]);
    expect(world.eventsPublished('c-b').map((e) => e.version)).toEqual([1, 2]);
    expect(world.resultsPublished().every((r) => r.statusCode === '200' || r.statusCode === '201')).toBe(true);
  });

  it('answers an update sent before its create with 404, and applies the create after it', async () => {
    const world = consentWorld();
    const update = updateConsent('c-late', 2);
    const create = createConsent('c-late');
    await world.send([update, create]);

    expect(world.resultFor(update.commandId).map((r) => r.statusCode)).toEqual(['404']);
    expect(world.resultFor(create.commandId).map((r) => r.statusCode)).toEqual(['201']);
    expect(world.store.peek(world.collection, 'c-late')?.version).toBe(1);
  });

  it('delivers commands published on the bus through the consumer in offset order', async () => {
    const world = consentWorld();
    const consumer = await world.consume();
    const commands = [createConsent('c-bus'), updateConsent('c-bus', 2)];
    await world.bus.publish(world.messagesOf(commands).map((m) => ({ topic: m.topic, key: m.key as string, value: m.value as Buffer })));
    await pollUntil(() => world.resultsPublished().length >= 2, { timeoutMs: 2_000, intervalMs: 0, what: 'two results' });
    await consumer.stop();

    expect(commands.map((c) => world.resultFor(c.commandId).map((r) => r.statusCode))).toEqual([['201'], ['200']]);
    expect(world.eventsPublished('c-bus').map((e) => e.version)).toEqual([1, 2]);
  });
});
