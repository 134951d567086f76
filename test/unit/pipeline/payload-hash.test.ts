import { describe, expect, it } from 'vitest';
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';
import { commandPayloadHash } from '../../../src/pipeline/handle-message.ts';

const envelope = (more: Partial<CommandEnvelope> = {}): CommandEnvelope => ({
  commandId: 'cmd-1', commandType: 'CreateConsent', issuedAt: '2026-01-01T00:00:00Z', actor: null, correlationId: 'corr-1',
  payloadType: 'CreateConsent', payload: { consentId: 'c-1', status: 'ACTIVE' }, ...more,
});

describe('the content hash of a command', () => {
  it('ignores issuedAt and correlationId, which a producer may set anew when it sends a command again', () => {
    expect(commandPayloadHash(envelope({ issuedAt: '2026-02-02T00:00:00Z', correlationId: 'corr-2' }))).toBe(commandPayloadHash(envelope()));
  });

  it('differs when the payload, the type or the actor differs', () => {
    const base = commandPayloadHash(envelope());
    expect(commandPayloadHash(envelope({ payload: { consentId: 'c-1', status: 'REVOKED' } }))).not.toBe(base);
    expect(commandPayloadHash(envelope({ commandType: 'UpdateConsent' }))).not.toBe(base);
    expect(commandPayloadHash(envelope({ actor: { userId: 'u-1', orgId: null, roles: [] } }))).not.toBe(base);
  });
});
