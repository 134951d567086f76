// Smoke: the registry speaks the Confluent API (the native stack's is Apicurio's ccompat layer),
// reached through @kafkajs/confluent-schema-registry as the worker reaches it.
import { randomUUID } from 'node:crypto';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, describe, expect, inject, it } from 'vitest';

const servers = inject('servers');
const registry = new SchemaRegistry({ host: servers.schemaRegistryUrl });
const subjects: string[] = [];

const baseFields = [
  { name: 'subjectId', type: 'string' },
  { name: 'purpose', type: 'string' },
  { name: 'granted', type: 'boolean' },
];
const record = (fields: object[]): { type: SchemaType.AVRO; schema: string } => ({
  type: SchemaType.AVRO,
  schema: JSON.stringify({ type: 'record', name: 'SmokeConsentChanged', namespace: 'smoke.consent', fields }),
});
const v1 = record(baseFields);
/** Backward compatible: a reader of v2 fills the new optional field from its default. */
const v2WithOptionalField = record([...baseFields, { name: 'source', type: ['null', 'string'], default: null }]);
/** Backward incompatible: a reader of this schema cannot read v1 data, which lacks `channel`. */
const v2WithRequiredField = record([...baseFields, { name: 'channel', type: 'string' }]);

/** A subject of its own, `<topic>-value` like the worker's, with v1 registered under BACKWARD. */
async function freshSubjectWithV1(): Promise<{ subject: string; id: number }> {
  const subject = `smoke-consent-${randomUUID()}-value`;
  subjects.push(subject);
  const { id } = await registry.register(v1, { subject, compatibility: COMPATIBILITY.BACKWARD });
  return { subject, id };
}

afterAll(async () => {
  // Confluent deletes in two steps (soft, then permanent); Apicurio accepts both.
  for (const subject of subjects) {
    for (const query of ['', '?permanent=true']) {
      const response = await fetch(`${servers.schemaRegistryUrl}/subjects/${subject}${query}`, { method: 'DELETE' });
      expect(response.ok).toBe(true);
    }
  }
});

describe('Schema Registry', () => {
  it('encodes a record in the Confluent wire format: magic byte 0, then the registered id big-endian', async () => {
    const { id } = await freshSubjectWithV1();
    const event = { subjectId: `s-${randomUUID()}`, purpose: 'marketing', granted: true };

    const encoded = await registry.encode(id, event);

    expect(encoded.length).toBeGreaterThan(5);
    expect(encoded[0]).toBe(0);
    expect(encoded.readUInt32BE(1)).toBe(id);
    // A second client has an empty cache, so it must fetch the writer schema by id from the server.
    const decoded = await new SchemaRegistry({ host: servers.schemaRegistryUrl }).decode(encoded);
    expect(decoded).toEqual(event);
  });

  it('accepts a backward-compatible evolution (a new optional field with a default) as the newest id', async () => {
    const { subject, id: firstId } = await freshSubjectWithV1();

    const { id: evolvedId } = await registry.register(v2WithOptionalField, {
      subject,
      compatibility: COMPATIBILITY.BACKWARD,
    });

    expect(evolvedId).not.toBe(firstId);
    expect(await registry.getLatestSchemaId(subject)).toBe(evolvedId);
  });

  it('refuses a backward-incompatible schema (a new required field without a default) with 409', async () => {
    const { subject, id: firstId } = await freshSubjectWithV1();

    await expect(
      registry.register(v2WithRequiredField, { subject, compatibility: COMPATIBILITY.BACKWARD }),
    ).rejects.toMatchObject({ status: 409 });

    expect(await registry.getLatestSchemaId(subject)).toBe(firstId);
  });
});
