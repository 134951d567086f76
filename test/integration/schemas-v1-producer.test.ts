// A producer built against the schemas of before the ledger (test/fixtures/schemas-v1, the files
// as they were) keeps working unchanged: the worker decodes its commands (no proof field at all)
// and applies them, and a consumer reading events with the v1 event schema still reads today's
// events, the new fields (revisionHash, proof) left out.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRegistry } from '../../src/adapters/registry/avro-codec.ts';
import { loadTopicSchema } from '../../src/adapters/registry/schema-files.ts';
import { startHarness, type Harness } from '../support/worker-harness.ts';

const V1 = path.resolve(import.meta.dirname, '../fixtures/schemas-v1');

/** The producer's commands topic, and its v1 schema registered before any worker of today starts. */
const topic = `cwtest-v1-producer-${randomUUID().slice(0, 8)}.consent.commands`;
let v1Id: number;
let h: Harness;
beforeAll(async () => {
  // As deployed before the ledger: the producer's v1 schema is the subject's latest version, and
  // today's worker must register its own as a BACKWARD-compatible next one to start at all.
  const registry = createRegistry(inject('servers').schemaRegistryUrl);
  ({ id: v1Id } = await registry.register(
    { type: SchemaType.AVRO, schema: loadTopicSchema('consent-commands', V1) },
    { subject: `${topic}-value`, compatibility: COMPATIBILITY.BACKWARD },
  ));
  h = await startHarness({ CONSENT_COMMANDS_TOPIC: topic });
});
afterAll(async () => { await h?.stop(); });

describe('a producer on the v1 schemas', () => {
  it('has its commands applied by today\'s worker, and reads today\'s events with the v1 event schema', async () => {
    const registry = createRegistry(h.config.schemaRegistryUrl);
    expect(await registry.getLatestSchemaId(`${topic}-value`)).not.toBe(v1Id); // today's worker registered its own
    const consentId = 'v1-producer-1';
    const encode = (commandId: string, commandType: string, payload: Record<string, unknown>) => registry.encode(v1Id, {
      commandId, commandType, issuedAt: new Date().toISOString(), actor: null, correlationId: null,
      payload: { [`consentworker.v1.${commandType}`]: payload },
    });
    await h.producer.sendRaw(topic, consentId, await encode('cmd-v1-create', 'CreateConsent', {
      consentId, serviceId: 'svc-v1', userId: 'user-v1', status: 'ACTIVE', consentType: null, consentData: { channel: 'post' }, expiryTime: null,
    }));
    await h.producer.sendRaw(topic, consentId, await encode('cmd-v1-update', 'UpdateConsent', {
      consentId, serviceId: 'svc-v1', userId: 'user-v1', consentVersion: 2, status: 'REVOKED', consentType: null, consentData: null, expiryTime: null,
    }));
    expect(await h.result('cmd-v1-create')).toMatchObject({ statusCode: '201', state: { consentId, version: 1 } });
    expect(await h.result('cmd-v1-update')).toMatchObject({ statusCode: '200', state: { consentId, version: 2, status: 'REVOKED' } });

    const event = await h.waitForEvent(consentId, 'ConsentRevoked');
    expect(event).toMatchObject({ proof: null, revisionHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const today = avsc.Type.forSchema(JSON.parse(loadTopicSchema('consent-events')) as avsc.Schema, { wrapUnions: 'auto' });
    const v1 = avsc.Type.forSchema(JSON.parse(loadTopicSchema('consent-events', V1)) as avsc.Schema, { wrapUnions: 'auto' });
    const read = v1.createResolver(today);
    const bytes = today.toBuffer({ ...event, state: event['state'] });
    const seen = v1.fromBuffer(bytes, read) as Record<string, unknown>;
    expect(seen).toMatchObject({ eventId: `${consentId}:2:ConsentRevoked`, eventType: 'ConsentRevoked', version: 2 });
    expect(seen).not.toHaveProperty('revisionHash');
  });
});
