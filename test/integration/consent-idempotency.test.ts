// Idempotency and optimistic concurrency through consent.commands: a commandId is applied at
// most once and a redelivery gets the stored result again; an UpdateConsent is written only
// on top of the version it names, so of two conflicting updates exactly one wins.
//
// "Exactly one event" is checked with a follow-up command on the same consent: its event is
// published after anything the earlier commands could have published, on the same partition,
// so once it has arrived nothing more of theirs can, and no fixed sleep is needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const userConsent = (consentId: string, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE', ...more });
const update = (consentId: string, consentVersion: number, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ consentId, serviceId: 'svc-mail', userId: 'user-1', consentVersion, ...more });

function resultsOf(commandId: string, count: number): Promise<Record<string, unknown>[]> {
  return h.collector.waitFor(() => {
    const all = h.results(commandId);
    return all.length >= count ? all : undefined;
  }, `${count} results of ${commandId}`);
}

const eventSummary = (consentId: string): { eventId: unknown; version: unknown }[] =>
  h.events(consentId).map((e) => ({ eventId: e['eventId'], version: e['version'] }));

/** Sends UpdateConsent(version) and waits for its 200 and its event: the settle point for "exactly". */
async function followUp(consentId: string, consentVersion: number): Promise<string> {
  const commandId = await h.consent('UpdateConsent', update(consentId, consentVersion));
  const result = await h.result(commandId);
  expect(result).toMatchObject({ statusCode: '200' });
  expect(result['state']).toMatchObject({ version: consentVersion });
  await h.collector.waitFor(() => h.events(consentId).find((e) => e['version'] === consentVersion), `event ${consentVersion} of ${consentId}`);
  return commandId;
}

describe('a redelivered commandId', () => {
  it('answers the same bytes sent twice with the stored result (same requestId) and applies them once', async () => {
    const consentId = uid('c-dup');
    const { commandId, value } = await h.producer.encode(h.topics.consentCommands, 'CreateConsent', userConsent(consentId));
    await h.producer.sendRaw(h.topics.consentCommands, consentId, value);
    await h.producer.sendRaw(h.topics.consentCommands, consentId, value);

    const [first, second] = await resultsOf(commandId, 2) as [Record<string, unknown>, Record<string, unknown>];
    expect(first).toMatchObject({ commandId, statusCode: '201' });
    expect(first['state']).toMatchObject({ consentId, version: 1, status: 'ACTIVE' });
    expect(second).toEqual(first); // the stored result replayed: same requestId, processedAt and state
    expect(typeof first['requestId']).toBe('string');

    // Still version 1: an update to version 2 is accepted, and it is the only other event.
    await followUp(consentId, 2);
    expect(eventSummary(consentId)).toEqual([
      { eventId: `${consentId}:1:ConsentCreated`, version: 1 },
      { eventId: `${consentId}:2:ConsentUpdated`, version: 2 },
    ]);
    expect(h.results(commandId)).toHaveLength(2);
  });

  it('refuses a reused commandId with another payload with 409 COMMAND_ID_REUSED, and applies nothing of it', async () => {
    const consentId = uid('c-reuse');
    const otherId = uid('c-reuse-other');
    const commandId = await h.consent('CreateConsent', userConsent(consentId));
    const original = await h.result(commandId);
    expect(original).toMatchObject({ statusCode: '201' });

    await h.consent('CreateConsent', userConsent(otherId), { commandId, key: otherId });
    const [, refused] = await resultsOf(commandId, 2);
    expect(refused).toMatchObject({ commandId, statusCode: '409', errorCode: 'COMMAND_ID_REUSED', state: null });
    expect(refused?.['requestId']).not.toEqual(original['requestId']);

    // The second payload was never applied: its consent does not exist.
    const probe = await h.consent('UpdateConsent', update(otherId, 2));
    expect(await h.result(probe)).toMatchObject({ statusCode: '404', errorCode: 'CONSENT_NOT_FOUND' });
    // And the first command's result is still what a redelivery of it gets.
    const { value } = await h.producer.encode(h.topics.consentCommands, 'CreateConsent', userConsent(consentId), { commandId });
    await h.producer.sendRaw(h.topics.consentCommands, consentId, value);
    const [, , replayed] = await resultsOf(commandId, 3);
    expect(replayed).toEqual(original);
  });

  it('replays a refusal too, with the same requestId', async () => {
    const consentId = uid('c-dup-400');
    const { commandId, value } = await h.producer.encode(h.topics.consentCommands, 'CreateConsent', userConsent(consentId, { serviceId: 'bad id' }));
    await h.producer.sendRaw(h.topics.consentCommands, consentId, value);
    await h.producer.sendRaw(h.topics.consentCommands, consentId, value);

    const [first, second] = await resultsOf(commandId, 2) as [Record<string, unknown>, Record<string, unknown>];
    expect(first).toMatchObject({ statusCode: '400', field: 'serviceId' });
    expect(second).toEqual(first);
  });
});

describe('consentVersion', () => {
  it('lets exactly one of two updates to the same consentVersion win (one 200, one 409)', async () => {
    const consentId = uid('c-race');
    const created = await h.consent('CreateConsent', userConsent(consentId));
    expect(await h.result(created)).toMatchObject({ statusCode: '201' });

    // Back to back, same key, both claiming to create version 2.
    const a = await h.consent('UpdateConsent', update(consentId, 2, { consentData: { writer: 'a' } }));
    const b = await h.consent('UpdateConsent', update(consentId, 2, { consentData: { writer: 'b' } }));
    const [ra, rb] = [await h.result(a), await h.result(b)];
    expect([ra['statusCode'], rb['statusCode']].sort()).toEqual(['200', '409']);
    const [won, lost] = ra['statusCode'] === '200' ? [ra, rb] : [rb, ra];
    expect(lost).toMatchObject({ errorCode: 'VERSION_CONFLICT' });
    // The loser is shown the winner's state.
    expect(lost['state']).toEqual(won['state']);
    expect(won['state']).toMatchObject({ version: 2 });

    const third = await followUp(consentId, 3);
    expect(h.events(consentId).map((e) => [e['eventType'], e['version'], e['causationId']])).toEqual([
      ['ConsentCreated', 1, created],
      ['ConsentUpdated', 2, won['commandId']],
      ['ConsentUpdated', 3, third],
    ]);
  });

  it('rejects a stale consentVersion with 409 VERSION_CONFLICT', async () => {
    const consentId = uid('c-stale');
    const created = await h.consent('CreateConsent', userConsent(consentId));
    expect(await h.result(created)).toMatchObject({ statusCode: '201' });
    const first = await h.consent('UpdateConsent', update(consentId, 2, { consentType: 'marketing' }));
    expect(await h.result(first)).toMatchObject({ statusCode: '200' });

    const stale = await h.consent('UpdateConsent', update(consentId, 2, { status: 'REVOKED' }));
    const result = await h.result(stale);
    expect(result).toMatchObject({ statusCode: '409', errorCode: 'VERSION_CONFLICT' });
    expect(result['state']).toMatchObject({ version: 2, status: 'ACTIVE', consentType: 'marketing' });
  });

  it('rejects a consentVersion that skips ahead with 409 VERSION_CONFLICT', async () => {
    const consentId = uid('c-ahead');
    const created = await h.consent('CreateConsent', userConsent(consentId));
    expect(await h.result(created)).toMatchObject({ statusCode: '201' });

    const ahead = await h.consent('UpdateConsent', update(consentId, 3));
    const result = await h.result(ahead);
    expect(result).toMatchObject({ statusCode: '409', errorCode: 'VERSION_CONFLICT' });
    expect(result['state']).toMatchObject({ version: 1 });
  });
});
