// What a killed worker leaves owed is finished, not sliced per start: outboxes published but not
// yet cleared (the deferred clear died with the process) leave the store and the owing index,
// however many there are, and one found by a round that only answers is cleared too instead of
// dropping out of the index while its document still owes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, REDIS_KEYS, type RedisServices } from '../../src/adapters/redis/redis-services.ts';
import { publishedNotCleared } from '../support/stored-consents.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  for (const started = Date.now(); Date.now() - started < timeoutMs; await sleep(200)) {
    const found = await probe();
    if (found !== null) return found;
  }
  throw new Error(`timed out waiting for ${what}`);
}

let h: Harness;
let redis: RedisServices;
beforeAll(async () => {
  h = await startHarness({ OUTBOX_CLEAR_DELAY_MS: '300' });
  redis = connectRedis(h.config.redisUrl, h.config.redisKeyPrefix);
  // The first worker's own recovery (an empty index, an empty store) is done once it records the index intact.
  await until('the first recovery', async () => ((await redis.owing.intact('consents')) ? true : null), 20_000);
});
afterAll(async () => {
  await redis?.close();
  await h?.stop();
});

const consents = () => h.mongo.db(h.config.mongodbDatabase).collection('consents');

describe('published outboxes a killed worker left uncleared', () => {
  it('are all cleared and unmarked by the next start, 1,150 of them (past the 1,000 one start used to take), none published again', async () => {
    const ids = Array.from({ length: 1_150 }, (_, i) => uid(`c-left-${String(i).padStart(4, '0')}`));
    const made = ids.map(publishedNotCleared);
    await consents().insertMany(made.map(({ doc }) => doc) as never[]);
    await redis.published.remember(made.map(({ entryId }) => entryId), 600_000);
    // As the killed worker's rounds marked them: 50 aggregates a round.
    for (let i = 0; i < ids.length; i += 50) await redis.owing.mark(ids.slice(i, i + 50).map((id) => `consents:${id}`));

    await h.startReplica();

    await until('every outbox cleared', async () => ((await consents().countDocuments({ _id: { $in: ids }, owes: true } as never)) === 0 ? true : null), 90_000);
    await until('the owing index empty', async () => ((await redis.client.zcard(REDIS_KEYS.owing)) === 0 ? true : null), 10_000);
    expect(ids.flatMap((id) => h.events(id))).toEqual([]);
  });

  it('clears one that a round finds and only answers (a refused command), instead of unmarking it while it still owes', async () => {
    const consentId = uid('c-found');
    const { doc, entryId } = publishedNotCleared(consentId);
    await consents().insertOne(doc as never);
    await redis.published.remember([entryId], 600_000);
    await redis.owing.mark([`consents:${consentId}`]);

    // Refused without a write: the consent exists.
    const again = await h.consent('CreateConsent', { consentId, serviceId: 'svc-stored', userId: `user-${consentId}`, status: 'ACTIVE' });
    expect((await h.result(again, 30_000))['statusCode']).toBe('409');

    const cleared = await until('the found outbox cleared', async () => {
      const stored = await consents().findOne({ _id: consentId } as never);
      return stored?.['owes'] === false ? stored : null;
    }, 10_000);
    expect(cleared).toMatchObject({ version: 1, outbox: [] });
    expect(await redis.client.zscore(REDIS_KEYS.owing, `consents:${consentId}`)).toBeNull();
    expect(h.events(consentId)).toEqual([]);
  });
});
