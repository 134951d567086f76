// Parked aggregates through the operator CLI: a consent whose stored document went bad is parked
// (through the port, as the expiry sweep does after repeated failures) and left the schedule;
// `parked list` shows it, `show consent` shows the document; once the document is fixed,
// `parked retry` releases it and puts it back into the Redis expiry schedule at its due time.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParkingLot } from '../../src/adapters/mongodb/parking-lot.ts';
import { connectRedis, REDIS_KEYS, type RedisServices } from '../../src/adapters/redis/redis-services.ts';
import type { ParkedAggregate } from '../../src/pipeline/ports.ts';
import { jsonLines, runCli } from '../support/cli.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
let redis: RedisServices;
// Outboxes kept for the test's length, so `show` has one to print.
beforeAll(async () => {
  h = await startHarness({ OUTBOX_CLEAR_DELAY_MS: '600000' });
  redis = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix);
});
afterAll(async () => {
  await redis?.close();
  await h?.stop();
});

const consents = () => h.mongo.db(h.config.mongodbDatabase).collection<{ _id: string }>('consents');
const dueScore = async (id: string): Promise<string | null> => redis.client.zscore(REDIS_KEYS.due, id);

describe('parked aggregates in the CLI', () => {
  it('lists a parked consent, shows its document, and once fixed releases it back into the expiry schedule', async () => {
    const consentId = `c-parked-${randomUUID().slice(0, 8)}`;
    const expiryTime = inMs(3_600_000);
    const commandId = await h.consent('CreateConsent', { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE', expiryTime });
    expect(await h.result(commandId)).toMatchObject({ statusCode: '201' });
    expect(await dueScore(consentId)).toBe(String(Date.parse(expiryTime)));

    // The document goes bad, and the sweep parks it after its tries and takes it off the schedule.
    await consents().updateOne({ _id: consentId }, { $set: { 'state.status': 'BROKEN' } });
    const reason = 'stored consent does not have the shape of a consent';
    await createParkingLot(h.mongo.db(h.config.mongodbDatabase)).park({ collection: 'consents', id: consentId, kind: 'consent-expiry', reason, failures: 5 }, new Date());
    await redis.schedule.reschedule([{ consentId, dueAt: null }]);

    const listed = await runCli(h.config, ['parked', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(jsonLines<ParkedAggregate>(listed.stdout)).toEqual([expect.objectContaining({ collection: 'consents', id: consentId, kind: 'consent-expiry', reason, failures: 5 })]);

    const shown = await runCli(h.config, ['show', 'consent', consentId]);
    expect(shown.code).toBe(0);
    const { document, parked } = JSON.parse(shown.stdout) as { document: { state: { status: string }; outbox: { id: string; body: unknown }[] }; parked: unknown };
    expect(document.state.status).toBe('BROKEN');
    expect(document.outbox.find((e) => e.id === `result:${commandId}`)?.body).toMatchObject({ commandId, statusCode: '201' }); // JSON text parsed
    expect(parked).toMatchObject({ parked: true, reason });

    await consents().updateOne({ _id: consentId }, { $set: { 'state.status': 'ACTIVE' } });
    const retried = await runCli(h.config, ['parked', 'retry', 'consents', consentId]);
    expect(retried).toMatchObject({ code: 0 });
    expect(retried.stdout).toContain(`scheduled to expire at ${expiryTime}`);
    expect(await dueScore(consentId)).toBe(String(Date.parse(expiryTime)));
    expect(jsonLines((await runCli(h.config, ['parked', 'list', '--json'])).stdout)).toEqual([]);

    const again = await runCli(h.config, ['parked', 'retry', 'consents', consentId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not parked');
  });

  it('shows an entity, and says so with exit code 1 when there is none', async () => {
    const entityId = `ent-${randomUUID().slice(0, 8)}`;
    const commandId = await h.permission('RegisterEntity', { entityId, externalKeys: [{ extType: 'crm', extKey: `k-${entityId}` }], contractId: null }, { key: entityId });
    expect(await h.result(commandId)).toMatchObject({ statusCode: '201' });
    const shown = await runCli(h.config, ['show', 'entity', entityId]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ collection: 'entities', document: { _id: entityId, version: 1, state: { entityId } }, parked: null });
    const missing = await runCli(h.config, ['show', 'entity', 'ent-nobody']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no entity ent-nobody');
  });
});
