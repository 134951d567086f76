// Delivery guarantees of the permission commands topic: a redelivered commandId is answered
// again identically and applied once; a message that cannot be decoded goes to the DLQ untouched
// and the worker goes on with the next command.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptPayload, permissionEventsThrough, send, shortId, withdrawPayload, world, type Result } from '../support/permission-world.ts';
import type { Received } from '../support/topic-collector.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

/** Waits until `count` results answer `commandId`, redeliveries included, and returns them all. */
async function resultCopies(commandId: string, count: number): Promise<Result[]> {
  return h.collector.waitFor(() => {
    const copies = h.results(commandId);
    return copies.length >= count ? copies : undefined;
  }, `${count} results of ${commandId}`);
}

describe('a redelivered permission command', () => {
  it('gets the identical result (requestId included) for every copy of the same bytes, and is applied once', async () => {
    const w = await world(h, 'dup');
    const topic = h.topics.permissionCommands;
    const { commandId, value } = await h.producer.encode(topic, 'AcceptPermission', acceptPayload(w));
    await h.producer.sendRaw(topic, w.entityId, value);
    await h.producer.sendRaw(topic, w.entityId, value); // back to back: likely in one batch
    const [first, second] = await resultCopies(commandId, 2);
    await h.producer.sendRaw(topic, w.entityId, value); // long after the first was applied
    const copies = await resultCopies(commandId, 3);

    expect(first).toMatchObject({ commandId, statusCode: '201' });
    expect(second).toEqual(first);
    expect(copies[2]).toEqual(first);
    expect(new Set(copies.map((c) => c['requestId'])).size).toBe(1);

    // Barrier: the next change is version 3, so exactly one acceptance was written and published.
    expect((await send(h, 'WithdrawPermission', withdrawPayload(w), w.entityId))['statusCode']).toBe('200');
    expect((await permissionEventsThrough(h, w.entityId, 3)).map((e) => e['eventId']))
      .toEqual([`${w.entityId}:2:PermissionAccepted`, `${w.entityId}:3:PermissionWithdrawn`]);
  });

  it('gets the identical refusal again, since a refusal is stored as its result too', async () => {
    const tag = shortId();
    const topic = h.topics.permissionCommands;
    const missing = { entityId: `ent-missing-${tag}`, permissionId: `perm-${tag}`, sourceId: `src-${tag}` };
    const { commandId, value } = await h.producer.encode(topic, 'AcceptPermission', acceptPayload(missing));
    await h.producer.sendRaw(topic, missing.entityId, value);
    const [first] = await resultCopies(commandId, 1);
    await h.producer.sendRaw(topic, missing.entityId, value);
    const copies = await resultCopies(commandId, 2);
    expect(first).toMatchObject({ statusCode: '404.1', errorCode: 'ENTITY_NOT_FOUND' });
    expect(copies[1]).toEqual(first);
  });

  it('refuses a different command reusing an applied commandId with 409 COMMAND_ID_REUSED, without applying it', async () => {
    const w = await world(h, 'reuse');
    const commandId = `cmd-reuse-${randomUUID()}`;
    await h.permission('AcceptPermission', acceptPayload(w), { commandId, key: w.entityId });
    const [first] = await resultCopies(commandId, 1);
    await h.permission('WithdrawPermission', withdrawPayload(w), { commandId, key: w.entityId });
    const copies = await resultCopies(commandId, 2);
    expect(first).toMatchObject({ commandType: 'AcceptPermission', statusCode: '201' });
    expect(copies[1]).toMatchObject({ commandId, commandType: 'WithdrawPermission', statusCode: '409', errorCode: 'COMMAND_ID_REUSED', state: null });

    // The permission is still held: a fresh accept answers 303.
    expect((await send(h, 'AcceptPermission', acceptPayload(w), w.entityId))['statusCode']).toBe('303');
  });
});

describe('an undecodable message on the permission commands topic', () => {
  const dlqOf = (key: string): Promise<Received> => h.collector.waitFor(
    (all) => all.find((r) => r.topic === `${h.topics.permissionCommands}.dlq` && r.key === key), `the DLQ copy of ${key}`);

  it('goes to the DLQ with its original key and bytes and dlq.reason, and the next good command still succeeds', async () => {
    const topic = h.topics.permissionCommands;
    const permissionId = `perm-dlq-${shortId()}`;
    const garbage = randomBytes(48);
    garbage[0] = 0xff; // not the Confluent magic byte
    await h.producer.sendRaw(topic, permissionId, garbage);
    // Same key, so the same partition, right behind the bad message.
    const good = await h.permission('DefinePermission', { permissionId, name: 'After garbage', active: true }, { key: permissionId });

    const dead = await h.dlq(topic);
    expect(dead.key).toBe(permissionId);
    expect(dead.raw).toEqual(garbage);
    expect(dead.headers).toMatchObject({ 'dlq.reason': 'NOT_CONFLUENT_AVRO', 'dlq.source.topic': topic });
    expect(dead.headers['dlq.source.offset']).toMatch(/^\d+$/);
    expect(await h.result(good)).toMatchObject({ commandId: good, statusCode: '201' });
  });

  it.each([
    ['an empty value', (): Promise<Buffer> => Promise.resolve(Buffer.alloc(0)), 'EMPTY_VALUE'],
    ['a schema id the registry does not know', (): Promise<Buffer> => Promise.resolve(Buffer.from([0, 0x7f, 0xff, 0xff, 0x01, 2, 4])), 'UNKNOWN_SCHEMA_ID'],
    ['a truncated command', async (): Promise<Buffer> => {
      const { value } = await h.producer.encode(h.topics.permissionCommands, 'DefinePermission', { permissionId: 'perm-cut', name: 'Cut', active: true });
      return value.subarray(0, value.length - 8);
    }, 'MALFORMED_AVRO'],
    ['a consent command (another topic schema)', async (): Promise<Buffer> => (await h.producer.encode(h.topics.consentCommands, 'CreateConsent', {
      consentId: null, serviceId: 'svc-1', userId: 'user-1', status: 'ACTIVE', consentType: null, consentData: null, expiryTime: inMs(60_000),
    })).value, 'WRONG_RECORD'],
  ])('sends %s to the DLQ with reason %s', async (_case, bytes, reason) => {
    const topic = h.topics.permissionCommands;
    const permissionId = `perm-dlq-${shortId()}`;
    const value = await bytes();
    await h.producer.sendRaw(topic, permissionId, value);
    const good = await h.permission('DefinePermission', { permissionId, name: 'After garbage', active: true }, { key: permissionId });

    const dead = await dlqOf(permissionId);
    expect(dead.raw ?? Buffer.alloc(0)).toEqual(value);
    expect(dead.headers['dlq.reason']).toBe(reason);
    expect(await h.result(good)).toMatchObject({ commandId: good, statusCode: '201' });
    expect(h.results(good)).toHaveLength(1);
  });
});
