// A server outage in the middle of a batch: the worker retries the commands not yet done, in
// order, and skips none. Redis is made unreachable for the worker alone, by cutting the TCP proxy
// it talks to Redis through (the shared server stays up for everyone else).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
let proxy: CountingProxy;
/** Hears every MongoDB command the worker sends (a test arms it to cut Redis at a given step). */
let onStoreCommand: (name: string) => void = () => undefined;
beforeAll(async () => {
  proxy = await startCountingProxy(inject('servers').redisUrl);
  h = await startHarness({ REDIS_URL: proxy.url, SWEEP_ENABLED: 'false' }, { onStoreCommand: (name) => onStoreCommand(name) });
});
afterAll(async () => {
  proxy?.restore();
  await h?.stop();
  await proxy?.close();
});

describe('a Redis outage during a batch', () => {
  it('answers every command exactly once after Redis is back, each consent with contiguous events', async () => {
    const run = randomUUID().slice(0, 6);
    const consentIds = Array.from({ length: 30 }, (_, i) => `c-out-${run}-${i}`);
    const commands: { key: string; value: Buffer; commandId: string }[] = [];
    for (const consentId of consentIds) {
      const payload = { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' };
      commands.push({ key: consentId, ...(await h.producer.encode(h.topics.consentCommands, 'CreateConsent', payload)) });
      commands.push({ key: consentId, ...(await h.producer.encode(h.topics.consentCommands, 'UpdateConsent', { ...payload, consentVersion: 2 })) });
    }

    proxy.cut();
    await h.producer.sendRawMany(h.topics.consentCommands, commands.map(({ key, value }) => ({ key, value })));
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the worker fetches them and fails to lease
    expect(commands.filter(({ commandId }) => h.results(commandId).length > 0)).toEqual([]);
    proxy.restore();

    for (const { commandId } of commands) await h.result(commandId, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a duplicate would show by now
    for (const { commandId } of commands) expect(h.results(commandId)).toHaveLength(1);
    for (const [i, consentId] of consentIds.entries()) {
      expect(h.results(commands[2 * i]!.commandId)[0]).toMatchObject({ statusCode: '201' });
      expect(h.results(commands[2 * i + 1]!.commandId)[0]).toMatchObject({ statusCode: '200' });
      expect(h.events(consentId).map((e) => [e['version'], e['eventType']])).toEqual([[1, 'ConsentCreated'], [2, 'ConsentUpdated']]);
    }
  }, 120_000);

  it('publishes a round once when Redis goes down between its write and its ledger entry: no result or event twice', async () => {
    const run = randomUUID().slice(0, 6);
    const consentIds = Array.from({ length: 12 }, (_, i) => `c-mid-${run}-${i}`);
    const commands: { key: string; value: Buffer; commandId: string }[] = [];
    for (const consentId of consentIds) {
      const payload = { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' };
      commands.push({ key: consentId, ...(await h.producer.encode(h.topics.consentCommands, 'CreateConsent', payload)) });
    }
    // The first round's write (an insert) takes Redis away (refused, so ioredis's retries run out):
    // its publish still goes out, its ledger entry cannot.
    let cut = false;
    onStoreCommand = (name) => {
      if (name !== 'insert' || cut) return;
      cut = true;
      proxy.refuse();
      setTimeout(() => proxy.restore(), 3_000);
    };
    try {
      await h.producer.sendRawMany(h.topics.consentCommands, commands.map(({ key, value }) => ({ key, value })));
      for (const { commandId } of commands) await h.result(commandId, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // a repeat would show by now
    } finally {
      onStoreCommand = () => undefined;
      proxy.restore();
    }
    expect(cut).toBe(true);
    for (const { commandId } of commands) expect(h.results(commandId)).toHaveLength(1);
    for (const consentId of consentIds) expect(h.events(consentId).map((e) => e['eventType'])).toEqual(['ConsentCreated']);
  }, 120_000);

  it('publishes nothing again when Redis comes back empty, though outboxes published before the outage waited for their clear', async () => {
    const run = randomUUID().slice(0, 6);
    const consentIds = Array.from({ length: 12 }, (_, i) => `c-empty-${run}-${i}`);
    const payload = (consentId: string) => ({ consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' });
    const creates = await Promise.all(consentIds.map((consentId) => h.consent('CreateConsent', payload(consentId))));
    for (const commandId of creates) await h.result(commandId, 30_000);
    // Their outboxes now wait OUTBOX_CLEAR_DELAY_MS (30 s) for their clear, and only the ledger
    // in Redis says they went out. Redis is lost, then comes back without its data, as a Redis
    // without persistence restarts: the ledger is gone.
    proxy.refuse();
    const redis = new Redis(inject('servers').redisUrl);
    try {
      const keys = await redis.keys(`${h.config.redisKeyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the outage lasts a moment
    proxy.restore();

    // Each consent's next command loads its aggregate, and with it any outbox still stored.
    const updates = await Promise.all(consentIds.map((consentId) => h.consent('UpdateConsent', { ...payload(consentId), consentVersion: 2 })));
    for (const commandId of updates) await h.result(commandId, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a repeat would show by now
    for (const commandId of [...creates, ...updates]) expect(h.results(commandId)).toHaveLength(1);
    for (const consentId of consentIds) expect(h.events(consentId).map((e) => e['eventType'])).toEqual(['ConsentCreated', 'ConsentUpdated']);
  }, 120_000);
});
