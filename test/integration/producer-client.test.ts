// The typed producer client against a running worker: every command type goes through the
// registry and Kafka like any producer's, and comes back as the typed CommandResult of its
// commandId; a command nobody answers times out with its commandId.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, registerTopicSchema } from '../../src/adapters/registry/avro-codec.ts';
import { CommandTimeoutError, ConsentWorkerClient, type ClientTopics } from '../../src/client/index.ts';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';
import { uid } from '../support/ids.ts';

let h: Harness;
let client: ConsentWorkerClient;
const clientTopics = (): ClientTopics => h.topics;
beforeAll(async () => {
  h = await startHarness();
  client = await ConsentWorkerClient.connect({ brokers: h.config.kafkaBrokers, registryUrl: h.config.schemaRegistryUrl, topics: clientTopics(), timeoutMs: 30_000 });
});
afterAll(async () => {
  await client?.close();
  await h?.stop();
});

describe('the typed producer client', () => {
  it('round-trips the four consent commands, with their typed ConsentState', async () => {
    const consentId = uid('c-client');
    const created = await client.send({
      commandType: 'CreateConsent', correlationId: 'corr-client-1',
      payload: { consentId, serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE', consentData: { channel: 'email' } },
    });
    expect(created).toMatchObject({ commandType: 'CreateConsent', statusCode: '201', correlationId: 'corr-client-1', stateType: 'ConsentState' });
    expect(created.state).toMatchObject({ consentId, version: 1, status: 'ACTIVE', consentData: { channel: 'email' } });

    const updated = await client.send({
      commandType: 'UpdateConsent',
      payload: { consentId, serviceId: 'svc-mail', userId: 'user-1', consentVersion: 2, status: 'REVOKED' },
    });
    expect(updated).toMatchObject({ statusCode: '200', state: { version: 2, status: 'REVOKED' } });

    const stale = await client.send({ commandType: 'UpdateConsent', payload: { consentId, serviceId: 'svc-mail', userId: 'user-1', consentVersion: 2 } });
    expect(stale).toMatchObject({ statusCode: '409', state: { version: 2 } }); // a 409 carries the current state

    const orgId = uid('org');
    const requested = await client.send({
      commandType: 'RequestOrgConsent',
      payload: { sourceUserId: 'source-1', targetOrgId: orgId, targetOrgOwnerEmail: 'owner@example.org' },
    });
    // No consentId: the worker derives it from the commandId, which the client also used as the key.
    expect(requested).toMatchObject({ statusCode: '201', state: { consentId: requested.commandId, status: 'REQUESTED' } });

    const decided = await client.send({
      commandType: 'DecideOrgConsent', actor: { userId: 'owner-1', orgId, roles: ['org_owner'] },
      payload: { orgId, consentId: requested.commandId, action: 'APPROVE', expiry: inMs(3_600_000) },
    });
    expect(decided).toMatchObject({ statusCode: '200', state: { status: 'ACTIVE', decidedBy: 'owner-1' } });
  });

  it('round-trips the six permission commands, each with its typed state', async () => {
    const tag = randomUUID().slice(0, 8);
    const permissionId = `perm-${tag}`;
    const sourceId = `src-${tag}`;
    const contractId = `contract-${tag}`;
    const entityId = `ent-${tag}`;
    const permission = await client.send({ commandType: 'DefinePermission', payload: { permissionId, name: 'Newsletter', active: true } });
    expect(permission).toMatchObject({ statusCode: '201', stateType: 'ReferenceState', state: { kind: 'PERMISSION', id: permissionId, active: true } });
    const source = await client.send({ commandType: 'RegisterSource', payload: { sourceId, name: 'Web', active: true } });
    expect(source).toMatchObject({ statusCode: '201', stateType: 'ReferenceState', state: { kind: 'SOURCE', id: sourceId } });
    const contract = await client.send({ commandType: 'DefineContract', payload: { contractId, allowedPermissionIds: [permissionId], allowedSourceIds: [sourceId] } });
    expect(contract).toMatchObject({ statusCode: '201', state: { kind: 'CONTRACT', allowedPermissionIds: [permissionId] } });
    const entity = await client.send({
      commandType: 'RegisterEntity', payload: { entityId, contractId, externalKeys: [{ extType: 'crm', extKey: `crm-${tag}` }] },
    });
    expect(entity).toMatchObject({ statusCode: '201', stateType: 'EntityState', state: { entityId, contractId, version: 1 } });

    // By external key: the client keys it extType:extKey, as the contract asks.
    const accepted = await client.send({
      commandType: 'AcceptPermission', payload: { entity: { extType: 'crm', extKey: `crm-${tag}` }, permissionId, sourceId },
    });
    expect(accepted).toMatchObject({ statusCode: '201', stateType: 'PermissionState', state: { entityId, permissionId, isWithdrawn: false } });
    expect(accepted.state?.acceptance?.sourceId).toBe(sourceId);
    const withdrawn = await client.send({ commandType: 'WithdrawPermission', payload: { entity: { entityId }, permissionId, sourceId, reason: 'asked' } });
    expect(withdrawn).toMatchObject({ statusCode: '200', state: { isWithdrawn: true, withdrawal: { reason: 'asked', sourceId } } });
  });

  it('answers a refused command with its status code and field, not an exception', async () => {
    const result = await client.send({ commandType: 'CreateConsent', payload: { consentId: 'x', serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' } });
    expect(result).toMatchObject({ statusCode: '400', field: 'consentId', state: null, stateType: null });
  });

  it('rejects with CommandTimeoutError naming the commandId when no worker answers', async () => {
    // A topic no worker reads, with the commands schema registered under its subject.
    const unread = `${h.topics.consentCommands}.dlq`;
    await registerTopicSchema(createRegistry(h.config.schemaRegistryUrl), unread, 'consent-commands');
    const lonely = await ConsentWorkerClient.connect({
      brokers: h.config.kafkaBrokers, registryUrl: h.config.schemaRegistryUrl, topics: { ...clientTopics(), consentCommands: unread },
    });
    try {
      const sent = lonely.send({ commandType: 'CreateConsent', commandId: 'cmd-never-answered', payload: { serviceId: 'svc-mail', userId: 'user-1', status: 'ACTIVE' } }, { timeoutMs: 1_500 });
      await expect(sent).rejects.toBeInstanceOf(CommandTimeoutError);
      await expect(sent).rejects.toMatchObject({ commandId: 'cmd-never-answered' });
    } finally {
      await lonely.close();
    }
  });
});
