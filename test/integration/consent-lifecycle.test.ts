import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMs, startHarness, type Harness } from '../support/worker-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

describe('user consents through Kafka', () => {
  it('creates a consent with 201, version 1, and publishes ConsentCreated keyed by consentId', async () => {
    const consentId = 'consent-create-1';
    const commandId = await h.consent('CreateConsent', {
      consentId, serviceId: 'svc-1', userId: 'user-1', status: 'ACTIVE', consentData: { channel: 'email' }, expiryTime: inMs(3_600_000),
    }, { correlationId: 'corr-create-1' });
    const result = await h.result(commandId);
    expect(result).toMatchObject({ commandId, statusCode: '201', correlationId: 'corr-create-1', commandType: 'CreateConsent' });
    expect(result['state']).toMatchObject({ consentId, version: 1, status: 'ACTIVE', consentData: { channel: 'email' } });
    const event = await h.waitForEvent(consentId, 'ConsentCreated');
    expect(event).toMatchObject({ eventId: `${consentId}:1:ConsentCreated`, aggregateId: consentId, version: 1, causationId: commandId });
  });
});
