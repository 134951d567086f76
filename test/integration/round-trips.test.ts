// Store round trips per command, counted for real: MongoDB commands by the driver's command
// monitoring, Redis request bursts by a TCP proxy between the worker and Redis. A batch of
// commands goes through the pipeline as one batch, so its look-ups, leases, loads, inserts and
// Redis writes are shared; a regression back to per-command round trips fails here.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.ts';
import { defineWorld, worldIds, type World } from '../support/permission-world.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

/** The commands that read or write data; the driver's own hello/ping/endSessions are not the pipeline's. */
const DATA_COMMANDS = new Set(['find', 'insert', 'update', 'delete', 'getMore', 'aggregate', 'count', 'findAndModify']);
const BATCH = 200;

let h: Harness;
let proxy: CountingProxy;
let mongoCommands = 0;
const byName = new Map<string, number>();
/** Kafka requests of the worker's producer and consumer, by API name. */
const kafkaRequests = new Map<string, number>();

beforeAll(async () => {
  proxy = await startCountingProxy(inject('servers').redisUrl);
  // Work on timers (the deferred outbox clears, 30 s after a publish; the stored-result purge, every
  // minute; the service policies' re-read, every second) is moved out of reach: on a loaded machine
  // it fell inside a measured window and was counted as the round's.
  h = await startHarness({ REDIS_URL: proxy.url, SWEEP_ENABLED: 'false', OUTBOX_CLEAR_DELAY_MS: '600000', RESULT_PURGE_INTERVAL_MS: '3600000' }, {
    policyRefreshMs: 3_600_000,
    onStoreCommand: (name) => {
      if (!DATA_COMMANDS.has(name)) return;
      mongoCommands++;
      byName.set(name, (byName.get(name) ?? 0) + 1);
    },
    onKafkaRequest: (apiName) => { kafkaRequests.set(apiName, (kafkaRequests.get(apiName) ?? 0) + 1); },
  });
});
afterAll(async () => {
  await h?.stop();
  await proxy?.close();
});

interface PerCommand { mongo: number; redis: number; detail: Record<string, number> }

/** Sends the commands in one produce, waits for every result, and counts the round trips they cost. */
async function measure(topic: string, commands: readonly { type: string; key: string; payload: Record<string, unknown> }[]): Promise<PerCommand> {
  const encoded = await Promise.all(commands.map(async (c) => ({ key: c.key, ...(await h.producer.encode(topic, c.type, c.payload)) })));
  await new Promise((resolve) => setTimeout(resolve, 300)); // let earlier work settle
  mongoCommands = 0;
  byName.clear();
  proxy.reset();
  await h.producer.sendRawMany(topic, encoded.map(({ key, value }) => ({ key, value })));
  const results = await Promise.all(encoded.map(({ commandId }) => h.result(commandId, 60_000)));
  expect(results.every((r) => String(r['statusCode']).startsWith('2'))).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the work after each publish (ledger, stored results)
  const perCommand = { mongo: mongoCommands / commands.length, redis: proxy.flights / commands.length, detail: Object.fromEntries(byName) };
  console.log(`round trips per command over ${commands.length} ${commands[0]?.type}: ${JSON.stringify(perCommand)}`);
  return perCommand;
}

const createPayload = (consentId: string): Record<string, unknown> => ({ consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' });

describe('store round trips of a batch', () => {
  const consentIds = Array.from({ length: BATCH }, () => uid('c-rt'));

  it('CreateConsent costs a fraction of a MongoDB and of a Redis round trip per command', async () => {
    const counted = await measure(h.topics.consentCommands,
      consentIds.map((consentId) => ({ type: 'CreateConsent', key: consentId, payload: createPayload(consentId) })));
    expect(counted.mongo).toBeLessThanOrEqual(0.25); // before: 4 (2 finds, an insert, a result upsert)
    expect(counted.redis).toBeLessThanOrEqual(0.1); // before: 0.6 bursts
  });

  it('UpdateConsent costs one conditional write per command, the rest shared', async () => {
    const counted = await measure(h.topics.consentCommands, consentIds.map((consentId) => ({
      type: 'UpdateConsent', key: consentId, payload: { ...createPayload(consentId), consentVersion: 2, consentType: 'marketing' },
    })));
    expect(counted.mongo).toBeLessThanOrEqual(1.25); // before: 4
    expect(counted.redis).toBeLessThanOrEqual(0.1); // before: 0.76
  });

  it('AcceptPermission costs one conditional write per command, its reference data read once per batch', async () => {
    const w: World = worldIds('rt');
    await defineWorld(h, w);
    const entityIds = Array.from({ length: BATCH / 2 }, (_, i) => `${w.entityId}-${i}`);
    await measure(h.topics.permissionCommands, entityIds.map((entityId) => ({
      type: 'RegisterEntity', key: entityId, payload: { entityId, externalKeys: [], contractId: w.contractId },
    })));
    const counted = await measure(h.topics.permissionCommands, entityIds.map((entityId) => ({
      type: 'AcceptPermission', key: entityId,
      payload: {
        entity: { entityId, extKey: null, extType: null }, permissionId: w.permissionId, sourceId: w.sourceId, termsId: null, data: null,
      },
    })));
    expect(counted.mongo).toBeLessThanOrEqual(1.4); // before: 7 (5 finds, a replace, a result upsert)
    expect(counted.redis).toBeLessThanOrEqual(0.15); // before: 0.93
  });
});

/** Sends the commands one at a time, each after the previous one's result: a round of one command each (a low rate). */
async function measureOneByOne(topic: string, commands: readonly { type: string; key: string; payload: Record<string, unknown> }[]): Promise<PerCommand & { kafka: Record<string, number> }> {
  const encoded = await Promise.all(commands.map(async (c) => ({ key: c.key, ...(await h.producer.encode(topic, c.type, c.payload)) })));
  await new Promise((resolve) => setTimeout(resolve, 300)); // let earlier work settle
  mongoCommands = 0;
  byName.clear();
  proxy.reset();
  kafkaRequests.clear();
  for (const { key, value, commandId } of encoded) {
    await h.producer.sendRawMany(topic, [{ key, value }]);
    expect(String((await h.result(commandId, 30_000))['statusCode'])).toMatch(/^2/);
  }
  await new Promise((resolve) => setTimeout(resolve, 300)); // the work after the last publish (ledger, stored results)
  const kafka = Object.fromEntries([...kafkaRequests].map(([api, n]) => [api, Math.round((n / commands.length) * 100) / 100]));
  const perCommand = { mongo: mongoCommands / commands.length, redis: proxy.flights / commands.length, detail: Object.fromEntries(byName), kafka };
  console.log(`round trips per command, one command a round, over ${commands.length} ${commands[0]?.type}: ${JSON.stringify(perCommand)}`);
  return perCommand;
}

describe('store round trips at a low rate (one command a round)', () => {
  // The fixed cost of a round, paid in full by its one command (issue 19). The deferred clear (30 s
  // later) is not in these counts. A round trip added to the round's path fails here.
  it('CreateConsent alone in its round costs at most today\'s round trips', async () => {
    const consentIds = Array.from({ length: 12 }, () => uid('c-rt-one'));
    const counted = await measureOneByOne(h.topics.consentCommands,
      consentIds.map((consentId) => ({ type: 'CreateConsent', key: consentId, payload: createPayload(consentId) })));
    // 2026-12-06: 5 (the stored-result look-up, the load, the insert, the revision's insert before
    // the publish (the consent ledger), the stored result's insert after it); 4 before the ledger.
    expect(counted.mongo).toBeLessThanOrEqual(5);
    // 2026-12-06: 2 bursts (leases + owing mark; then ledger + schedule + releases + unmark)
    expect(counted.redis).toBeLessThanOrEqual(2);
    // 2026-12-06: one acked produce (result + event) a command. Fetches and heartbeats depend on
    // timing (long polls), so they are printed, not bounded.
    expect(counted.kafka['Produce'] ?? 0).toBeLessThanOrEqual(1);
    // Offsets are committed on a 1 s timer (COMMIT_INTERVAL_MS), not once a round: one commit for
    // these 12 commands where there were 12 (1 a command before); 3 leaves room for a slow machine.
    expect(counted.kafka['OffsetCommit'] ?? 0).toBeLessThanOrEqual(0.25);
  });
});
