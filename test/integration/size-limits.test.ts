// Size limits through Kafka, as a producer would send: a message just under the broker's
// 1 MB limit that cannot be decoded reaches the DLQ bounded (its copy would be over the limit),
// a decodable command too large to answer gets a small 413, and neither holds up the good
// commands behind it. A __proto__ key in consentData survives the Avro decoder and is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const create = (consentId: string, consentData?: Record<string, string>) =>
  ({ consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE', ...(consentData ? { consentData } : {}) });

describe('size limits where a message enters and leaves', () => {
  it('dead-letters an undecodable message of 1,048,480 bytes (the issue had 1,048,511) without its value, and answers the next command', async () => {
    const key = uid('c-big-dlq');
    const bytes = Buffer.alloc(1_048_480, 0x41); // no magic byte: NOT_CONFLUENT_AVRO
    await h.producer.sendRaw(h.topics.consentCommands, key, bytes);
    const next = await h.consent('CreateConsent', create(key));
    expect((await h.result(next, 30_000))['statusCode']).toBe('201');
    const copy = await h.collector.waitFor((all) => all.find((r) => r.topic === `${h.topics.consentCommands}.dlq` && r.key === key), 'the DLQ copy', 10_000);
    expect(copy.headers).toMatchObject({ 'dlq.reason': 'NOT_CONFLUENT_AVRO', 'dlq.value.truncated': 'true', 'dlq.value.bytes': '1048480' });
    expect(copy.headers?.['dlq.value.sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers a command with a 1,040,000-character correlationId 413 COMMAND_TOO_LARGE and applies nothing', async () => {
    const consentId = uid('c-big-cmd');
    const big = await h.consent('CreateConsent', create(consentId), { correlationId: 'x'.repeat(1_040_000) });
    const other = await h.consent('CreateConsent', create(uid('c-after')));
    const result = await h.result(big, 30_000);
    expect(result).toMatchObject({ statusCode: '413', errorCode: 'COMMAND_TOO_LARGE', state: null });
    expect((await h.result(other, 30_000))['statusCode']).toBe('201');
    expect(await h.mongo.db(h.config.mongodbDatabase).collection('consents').findOne({ _id: consentId as never })).toBeNull();
  });

  it('refuses a __proto__ key in consentData with 400 instead of dropping it', async () => {
    const commandId = await h.consent('CreateConsent', create(uid('c-proto'), JSON.parse('{"a":"1","__proto__":"x"}') as Record<string, string>));
    expect(await h.result(commandId, 30_000)).toMatchObject({ statusCode: '400', field: 'consentData' });
  });
});

describe('a refusal whose own answer would be over a small broker limit (KAFKA_MAX_MESSAGE_BYTES=65536)', () => {
  let small: Harness;
  beforeAll(async () => { small = await startHarness({ KAFKA_MAX_MESSAGE_BYTES: '65536' }); });
  afterAll(async () => { await small?.stop(); });

  it('answers 413 COMMAND_TOO_LARGE (not RESULT_TOO_LARGE) with the correlationId cut, and applies nothing', async () => {
    const consentId = uid('c-big-small');
    const big = await small.consent('CreateConsent', create(consentId), { correlationId: 'y'.repeat(100_000) });
    const result = await small.result(big, 30_000);
    expect(result).toMatchObject({ statusCode: '413', errorCode: 'COMMAND_TOO_LARGE', state: null });
    expect(String(result['correlationId'])).toHaveLength(128);
    expect(await small.mongo.db(small.config.mongodbDatabase).collection('consents').findOne({ _id: consentId as never })).toBeNull();
  });
});
