// Consent command envelopes as a producer sends them, for the fast tests of the pipeline.
import type { CommandEnvelope } from '../../../src/domain/envelope.ts';

let sequence = 0;
/** A commandId no other test uses. */
export const newCommandId = (): string => `cmd-${++sequence}`;

function envelope(commandType: string, payload: Record<string, unknown>, commandId: string): CommandEnvelope {
  return {
    commandId, commandType, payloadType: commandType, issuedAt: '2030-01-01T12:00:00.000Z',
    actor: null, correlationId: null, payload,
  };
}

export function createConsent(consentId: string, commandId = newCommandId(), more: Record<string, unknown> = {}): CommandEnvelope {
  return envelope('CreateConsent', {
    consentId, serviceId: 'svc-billing', userId: 'user-0001', status: 'ACTIVE', consentType: 'marketing',
    consentData: { channel: 'email' }, expiryTime: null, ...more,
  }, commandId);
}

/** An update that creates version `consentVersion` (the stored one must be consentVersion - 1). */
export function updateConsent(consentId: string, consentVersion: number, commandId = newCommandId(), more: Record<string, unknown> = {}): CommandEnvelope {
  return envelope('UpdateConsent', {
    consentId, serviceId: 'svc-billing', userId: 'user-0001', consentVersion,
    status: null, consentType: null, consentData: { channel: `sms-${consentVersion}` }, expiryTime: null, ...more,
  }, commandId);
}
