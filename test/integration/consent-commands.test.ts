// User consents driven through consent.commands: CreateConsent and UpdateConsent with every
// status code they can answer (201, 200, 400 naming the field, 404, 409, 500), and the events
// they publish, in version order with stable eventIds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const HOUR = 3_600_000;

const userConsent = (consentId: string, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE', ...more });

const update = (consentId: string, consentVersion: number, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ consentId, serviceId: 'svc-mail', userId: 'user-1', consentVersion, ...more });

/** Creates a consent and returns once its 201 is in. */
async function created(consentId: string, more: Record<string, unknown> = {}): Promise<string> {
  const commandId = await h.consent('CreateConsent', userConsent(consentId, more));
  expect(await h.result(commandId)).toMatchObject({ statusCode: '201' });
  return commandId;
}

const eventSummary = (consentId: string): { eventType: unknown; version: unknown }[] =>
  h.events(consentId).map((e) => ({ eventType: e['eventType'], version: e['version'] }));

describe('CreateConsent', () => {
  it('creates a user consent with 201 and the complete state at version 1', async () => {
    const consentId = uid('c-create');
    const expiryTime = inMs(HOUR);
    const commandId = await h.consent('CreateConsent', userConsent(consentId, {
      consentType: 'marketing', consentData: { channel: 'email', lang: 'de' }, expiryTime,
    }), { correlationId: 'corr-create-full' });

    const result = await h.result(commandId);
    expect(result).toMatchObject({
      commandId, commandType: 'CreateConsent', correlationId: 'corr-create-full', statusCode: '201',
      errorCode: null, message: null, field: null,
    });
    expect(result['state']).toMatchObject({
      consentId, kind: 'USER', version: 1, status: 'ACTIVE', serviceId: 'svc-mail', userId: 'user-1',
      consentType: 'marketing', consentData: { channel: 'email', lang: 'de' }, expiryTime,
      sourceUserId: null, targetOrgId: null, targetOrgOwnerEmail: null, expiry: null, decidedBy: null,
    });
    const event = await h.waitForEvent(consentId, 'ConsentCreated');
    expect(event).toMatchObject({ eventId: `${consentId}:1:ConsentCreated`, aggregateId: consentId, version: 1, causationId: commandId });
    expect(event['state']).toEqual(result['state']);
  });

  it('derives the consentId from the commandId when the payload has none', async () => {
    const commandId = uid('cmd-derived');
    await h.consent('CreateConsent', { serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' }, { commandId, key: commandId });

    const result = await h.result(commandId);
    expect(result).toMatchObject({ statusCode: '201' });
    expect(result['state']).toMatchObject({ consentId: commandId, version: 1 });
    expect(await h.waitForEvent(commandId, 'ConsentCreated')).toMatchObject({ eventId: `${commandId}:1:ConsentCreated` });
  });

  it('refuses a consentId that is taken with 409 CONSENT_ID_TAKEN and leaves the consent as it was', async () => {
    const consentId = uid('c-taken');
    await created(consentId, { consentData: { first: 'yes' } });

    const second = await h.consent('CreateConsent', userConsent(consentId, { userId: 'user-2', consentData: { first: 'no' } }));
    expect(await h.result(second)).toMatchObject({ statusCode: '409', errorCode: 'CONSENT_ID_TAKEN', field: null, state: null });

    // The next version is still 2, and it carries the first consent's data: nothing was overwritten.
    const next = await h.consent('UpdateConsent', update(consentId, 2));
    const result = await h.result(next);
    expect(result).toMatchObject({ statusCode: '200' });
    expect(result['state']).toMatchObject({ userId: 'user-1', version: 2, consentData: { first: 'yes' } });
    await h.waitForEvent(consentId, 'ConsentUpdated');
    expect(eventSummary(consentId)).toEqual([
      { eventType: 'ConsentCreated', version: 1 }, { eventType: 'ConsentUpdated', version: 2 },
    ]);
  });

  const invalidCreates: { name: string; more: Record<string, unknown>; field: string }[] = [
    { name: 'a consentData key starting with $', more: { consentData: { $where: 'sleep(1000)' } }, field: 'consentData' },
    { name: 'a consentData key containing a dot', more: { consentData: { 'a.b': 'x' } }, field: 'consentData' },
    { name: 'more than 32 consentData pairs', more: { consentData: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, field: 'consentData' },
    { name: 'a malformed serviceId', more: { serviceId: 'svc mail!' }, field: 'serviceId' },
    { name: 'a too short userId', more: { userId: 'u1' }, field: 'userId' },
    { name: 'a status other than ACTIVE or REVOKED', more: { status: 'EXPIRED' }, field: 'status' },
    { name: 'an expiryTime in the past', more: { expiryTime: inMs(-HOUR) }, field: 'expiryTime' },
    { name: 'an expiryTime without an offset', more: { expiryTime: '2099-01-01T00:00:00' }, field: 'expiryTime' },
  ];

  it.each(invalidCreates)('rejects $name with 400 naming $field, and stores nothing', async ({ more, field }) => {
    const consentId = uid('c-invalid');
    const commandId = await h.consent('CreateConsent', userConsent(consentId, more));
    const result = await h.result(commandId);
    expect(result).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field, state: null });
    expect(String(result['message'])).toMatch(new RegExp(`^${field}: `));
    // Nothing was written: the same consentId can still be created.
    await created(consentId);
  });

  it('rejects a commandType that disagrees with the payload record with 400 naming commandType', async () => {
    const consentId = uid('c-mismatch');
    // Every field CreateConsent needs is there (status too), so only the record is wrong.
    const commandId = await h.consent('CreateConsent', update(consentId, 2, { status: 'ACTIVE' }), { payloadType: 'UpdateConsent' });
    expect(await h.result(commandId)).toMatchObject({
      commandType: 'CreateConsent', statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'commandType', state: null,
    });
  });

  it('rejects a malformed commandId with 400 naming commandId', async () => {
    const consentId = uid('c-bad-cmd');
    const commandId = await h.consent('CreateConsent', userConsent(consentId), { commandId: 'no spaces allowed!' });
    expect(await h.result(commandId)).toMatchObject({ commandId, statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'commandId' });
  });
});

describe('UpdateConsent', () => {
  it('updates with 200 when consentVersion is the stored version + 1, and publishes ConsentUpdated', async () => {
    const consentId = uid('c-update');
    await created(consentId, { consentType: 'marketing', consentData: { channel: 'email' } });

    const commandId = await h.consent('UpdateConsent', update(consentId, 2, { consentData: { channel: 'sms' } }), { correlationId: 'corr-update' });
    const result = await h.result(commandId);
    expect(result).toMatchObject({ commandType: 'UpdateConsent', correlationId: 'corr-update', statusCode: '200', errorCode: null });
    expect(result['state']).toMatchObject({ consentId, version: 2, status: 'ACTIVE', consentType: 'marketing', consentData: { channel: 'sms' } });
    expect(await h.waitForEvent(consentId, 'ConsentUpdated')).toMatchObject({
      eventId: `${consentId}:2:ConsentUpdated`, version: 2, causationId: commandId,
    });
  });

  it('revokes with 200 and publishes ConsentRevoked', async () => {
    const consentId = uid('c-revoke');
    await created(consentId);

    const commandId = await h.consent('UpdateConsent', update(consentId, 2, { status: 'REVOKED' }));
    const result = await h.result(commandId);
    expect(result).toMatchObject({ statusCode: '200' });
    expect(result['state']).toMatchObject({ consentId, version: 2, status: 'REVOKED' });
    const event = await h.waitForEvent(consentId, 'ConsentRevoked');
    expect(event).toMatchObject({ eventId: `${consentId}:2:ConsentRevoked`, version: 2, causationId: commandId });
    expect(event['state']).toMatchObject({ status: 'REVOKED' });
  });

  it('reactivates a REVOKED consent only with a new expiryTime (400 naming expiryTime without one)', async () => {
    const consentId = uid('c-reactivate');
    await created(consentId, { status: 'REVOKED' });

    const bare = await h.consent('UpdateConsent', update(consentId, 2, { status: 'ACTIVE' }));
    const refused = await h.result(bare);
    expect(refused).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'expiryTime' });
    expect(refused['state']).toMatchObject({ version: 1, status: 'REVOKED' });

    const expiryTime = inMs(HOUR);
    const renewed = await h.consent('UpdateConsent', update(consentId, 2, { status: 'ACTIVE', expiryTime }));
    const result = await h.result(renewed);
    expect(result).toMatchObject({ statusCode: '200' });
    expect(result['state']).toMatchObject({ version: 2, status: 'ACTIVE', expiryTime });
    expect(await h.waitForEvent(consentId, 'ConsentUpdated')).toMatchObject({ version: 2, causationId: renewed });
  });

  it('answers consentVersion 1 (what the create wrote) with 409 and the current state, as the contract says', async () => {
    const consentId = uid('c-version-1');
    await created(consentId);
    const commandId = await h.consent('UpdateConsent', update(consentId, 1));
    expect(await h.result(commandId)).toMatchObject({ statusCode: '409', errorCode: 'VERSION_CONFLICT', state: { consentId, version: 1 } });
  });

  it('rejects consentVersion 0 with 400 naming consentVersion', async () => {
    const consentId = uid('c-version-0');
    await created(consentId);
    const commandId = await h.consent('UpdateConsent', update(consentId, 0));
    expect(await h.result(commandId)).toMatchObject({ statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'consentVersion' });
  });

  it('answers 404 for a consent that does not exist', async () => {
    const commandId = await h.consent('UpdateConsent', update(uid('c-missing'), 2));
    expect(await h.result(commandId)).toMatchObject({ statusCode: '404', errorCode: 'CONSENT_NOT_FOUND', state: null });
  });

  it('answers 404 for a consent of another user or another service, and leaves it unchanged', async () => {
    const consentId = uid('c-foreign');
    await created(consentId);

    const otherUser = await h.consent('UpdateConsent', update(consentId, 2, { userId: 'user-2', status: 'REVOKED' }));
    expect(await h.result(otherUser)).toMatchObject({ statusCode: '404', errorCode: 'CONSENT_NOT_FOUND', state: null });
    const otherService = await h.consent('UpdateConsent', update(consentId, 2, { serviceId: 'svc-other', status: 'REVOKED' }));
    expect(await h.result(otherService)).toMatchObject({ statusCode: '404', errorCode: 'CONSENT_NOT_FOUND', state: null });

    const owner = await h.consent('UpdateConsent', update(consentId, 2));
    const result = await h.result(owner);
    expect(result).toMatchObject({ statusCode: '200' });
    expect(result['state']).toMatchObject({ version: 2, status: 'ACTIVE' });
  });

  it('answers 500 INTERNAL_ERROR with a requestId for a corrupt stored consent, and goes on with the next command', async () => {
    const consentId = uid('c-corrupt');
    await h.mongo.db(h.config.mongodbDatabase).collection('consents').insertOne({
      _id: consentId as never, version: 1, state: { nonsense: true }, outbox: [], owes: false, appliedCommandIds: [],
    });

    const broken = await h.consent('UpdateConsent', update(consentId, 2));
    const result = await h.result(broken);
    expect(result).toMatchObject({ commandId: broken, statusCode: '500', errorCode: 'INTERNAL_ERROR', state: null });
    expect(result['requestId']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(result['message']).toContain(String(result['requestId']));

    // The next command behind it, on the same key and so the same partition, is still served.
    const goodId = uid('c-after-corrupt');
    const good = await h.consent('CreateConsent', userConsent(goodId), { key: consentId });
    expect(await h.result(good)).toMatchObject({ statusCode: '201' });
  });
});

describe('consent events', () => {
  it('publishes create, update, update, revoke in version order with stable eventIds and causationIds', async () => {
    const consentId = uid('c-order');
    // Sent back to back, without waiting: the worker applies them in offset order.
    const commands = [
      await h.consent('CreateConsent', userConsent(consentId, { consentData: { step: '1' } })),
      await h.consent('UpdateConsent', update(consentId, 2, { consentData: { step: '2' } })),
      await h.consent('UpdateConsent', update(consentId, 3, { consentData: { step: '3' } })),
      await h.consent('UpdateConsent', update(consentId, 4, { status: 'REVOKED' })),
    ];
    const codes = await Promise.all(commands.map(async (id) => (await h.result(id))['statusCode']));
    expect(codes).toEqual(['201', '200', '200', '200']);

    await h.waitForEvent(consentId, 'ConsentRevoked');
    const types = ['ConsentCreated', 'ConsentUpdated', 'ConsentUpdated', 'ConsentRevoked'];
    expect(h.events(consentId).map((e) => ({
      eventId: e['eventId'], eventType: e['eventType'], aggregateId: e['aggregateId'], version: e['version'], causationId: e['causationId'],
    }))).toEqual(types.map((eventType, i) => ({
      eventId: `${consentId}:${i + 1}:${eventType}`, eventType, aggregateId: consentId, version: i + 1, causationId: commands[i],
    })));
    expect(h.events(consentId).map((e) => (e['state'] as { version: number }).version)).toEqual([1, 2, 3, 4]);
  });
});
