// Stored results are kept RESULT_RETENTION_MS: a redelivery inside the window is recognised
// (the same result, same requestId, nothing applied again); once purged, it is not, though a
// command its aggregate still lists as applied is never applied twice (409 COMMAND_ALREADY_APPLIED).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { purgeExpiredResults } from '../../src/adapters/mongodb/result-retention.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const answers = async (commandId: string, count: number): Promise<Record<string, unknown>[]> => {
  await h.collector.waitFor((all) => (all.filter((r) => r.key === commandId).length >= count ? true : undefined), `${count} answers to ${commandId}`, 30_000);
  return h.results(commandId);
};

describe('stored results retention', () => {
  it('stores each result with storedAt, on a server without TTL indexes in a purgeable {storedAt} index', async () => {
    const commandId = await h.consent('CreateConsent', { consentId: uid('c-ret'), serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' });
    await h.result(commandId, 30_000);
    const stored = await h.mongo.db(h.config.mongodbDatabase).collection('command_results').findOne({ _id: commandId as never });
    expect(stored?.['storedAt']).toBeInstanceOf(Date);
    const indexes = await h.mongo.db(h.config.mongodbDatabase).collection('command_results').indexes();
    expect(indexes.some((i) => i.key['storedAt'] === 1)).toBe(true);
  });

  it('recognises a redelivery inside the window and not one after the purge', async () => {
    const commandId = `cmd-${randomUUID()}`;
    // An invalid command: its result is the only memory of it (no aggregate keeps its id).
    const payload = { consentId: uid('c-ret'), serviceId: 'svc-mail', userId: 'user-1', status: 'NOT_A_STATUS' };
    await h.consent('CreateConsent', payload, { commandId });
    const [first] = await answers(commandId, 1);
    expect(first).toMatchObject({ statusCode: '400' });

    await h.consent('CreateConsent', payload, { commandId });
    const inside = (await answers(commandId, 2))[1];
    expect(inside?.['requestId']).toBe(first?.['requestId']); // the stored result, not a new decision

    const db = h.mongo.db(h.config.mongodbDatabase);
    const windowMs = h.config.resultRetentionMs;
    expect(await purgeExpiredResults(db, new Date(Date.now() + windowMs / 2), windowMs)).toBe(0); // still inside
    expect(await purgeExpiredResults(db, new Date(Date.now() + windowMs + 1_000), windowMs)).toBeGreaterThanOrEqual(1);
    expect(await db.collection('command_results').findOne({ _id: commandId as never })).toBeNull();

    await h.consent('CreateConsent', payload, { commandId });
    const outside = (await answers(commandId, 3))[2];
    expect(outside).toMatchObject({ statusCode: '400' });
    expect(outside?.['requestId']).not.toBe(first?.['requestId']); // decided anew: not recognised
  });

  it('answers a redelivered change whose result was purged 409 COMMAND_ALREADY_APPLIED, applying nothing again', async () => {
    const consentId = uid('c-ret-applied');
    const payload = { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' };
    const commandId = await h.consent('CreateConsent', payload);
    const [first] = await answers(commandId, 1);
    expect(first).toMatchObject({ statusCode: '201' });

    // Past the window: the stored result purged, the outbox (which also held it) cleared.
    // The result is published before it is stored, so wait for the stored copy before
    // deleting it; otherwise the store would write it back after the delete.
    const db = h.mongo.db(h.config.mongodbDatabase);
    await vi.waitFor(async () => {
      expect(await db.collection('command_results').findOne({ _id: commandId as never })).not.toBeNull();
    }, { timeout: 30_000, interval: 50 });
    await db.collection('command_results').deleteOne({ _id: commandId as never });
    await db.collection('consents').updateOne({ _id: consentId as never }, { $set: { outbox: [], owes: false } });

    await h.consent('CreateConsent', payload, { commandId });
    const again = (await answers(commandId, 2))[1];
    expect(again).toMatchObject({ statusCode: '409', errorCode: 'COMMAND_ALREADY_APPLIED' });
    expect(await db.collection('consents').findOne({ _id: consentId as never })).toMatchObject({ version: 1 });
    expect(h.events(consentId)).toHaveLength(1); // ConsentCreated, once
  });
});
