// Messages on consent.commands that cannot be decoded as a consent command go to
// `<topic>.dlq` with their key and bytes untouched and the reason in headers; the worker goes
// on, so a good command right behind a bad one (same key, same partition) is still served.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Received } from '../support/topic-collector.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
let registry: SchemaRegistry;
beforeAll(async () => {
  h = await startHarness();
  registry = new SchemaRegistry({ host: h.config.schemaRegistryUrl });
});
afterAll(async () => { await h?.stop(); });

/** Magic byte 0 and a big-endian schema id, then `body`: the Confluent wire format. */
function framed(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** A message encoded with an unrelated record schema, registered under a subject of its own. */
async function unrelatedRecord(): Promise<Buffer> {
  const schema = {
    type: 'record', name: 'ParcelScanned', namespace: 'test.unrelated',
    fields: [{ name: 'parcelId', type: 'string' }, { name: 'weightGrams', type: 'int' }],
  };
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${uid('unrelated')}-value` });
  return registry.encode(id, { parcelId: 'parcel-1', weightGrams: 1_200 });
}

/** Our own command schema's id, with a body that is cut short. */
async function truncatedCommand(): Promise<Buffer> {
  const id = await registry.getLatestSchemaId(`${h.topics.consentCommands}-value`);
  return framed(id, Buffer.from([0x02])); // commandId: a string of length 1, whose byte never comes
}

const dlqTopic = (): string => `${h.topics.consentCommands}.dlq`;
const dlqOf = (key: string): Received[] => h.collector.received.filter((r) => r.topic === dlqTopic() && r.key === key);

const cases: { name: string; reason: string; bytes: () => Promise<Buffer> }[] = [
  { name: 'random bytes', reason: 'NOT_CONFLUENT_AVRO', bytes: async () => Buffer.from('this is not avro at all \u00ff\u0001', 'latin1') },
  { name: 'a Confluent frame with an unknown schema id', reason: 'UNKNOWN_SCHEMA_ID', bytes: async () => framed(999_999, Buffer.from('junk-after-the-header')) },
  { name: 'a record of an unrelated schema', reason: 'WRONG_RECORD', bytes: unrelatedRecord },
  { name: 'a command cut short', reason: 'MALFORMED_AVRO', bytes: truncatedCommand },
];

describe('the consent commands DLQ', () => {
  it.each(cases)('dead-letters $name untouched with dlq.reason $reason, and serves the next command', async ({ reason, bytes }) => {
    const consentId = uid('c-dlq');
    const bad = await bytes();
    await h.producer.sendRaw(h.topics.consentCommands, consentId, bad);
    const good = await h.consent('CreateConsent', { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' });

    expect(await h.result(good)).toMatchObject({ statusCode: '201' });
    const [dead] = await h.collector.waitFor(() => { const all = dlqOf(consentId); return all.length > 0 ? all : undefined; }, `the DLQ message of ${consentId}`);
    expect(dead?.raw).toEqual(bad);
    expect(dead?.headers).toMatchObject({ 'dlq.reason': reason, 'dlq.source.topic': h.topics.consentCommands });
    expect(dead?.headers['dlq.detail']).toBeTruthy();
    expect(dlqOf(consentId)).toHaveLength(1); // only the bad one
  });
});
