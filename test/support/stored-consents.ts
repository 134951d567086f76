// Consent documents as the worker stores them (mongo-store toDocument, consent-family
// indexFields), for tests that put consents straight into MongoDB: a backlog nothing scheduled,
// a corrupt neighbour, an expiry interrupted before its publish.
import type { Consent } from '../../src/domain/consent/consent.ts';

/** A user consent created an hour before its expiry; `changes` override any field. */
export function userConsentState(consentId: string, expiryTime: Date, changes: Partial<Consent> = {}): Consent {
  const createdAt = new Date(expiryTime.getTime() - 3_600_000).toISOString();
  return {
    consentId, kind: 'USER', version: 1, status: 'ACTIVE',
    serviceId: 'svc-stored', userId: `user-${consentId}`, consentType: null, consentData: {}, expiryTime: expiryTime.toISOString(),
    sourceUserId: null, targetOrgId: null, targetOrgOwnerEmail: null, expiry: null, decidedBy: null,
    createdAt, updatedAt: createdAt,
    ...changes,
  };
}

/** An ACTIVE user consent at version 1, due at its expiry, owing nothing. */
export function activeConsentDocument(consentId: string, expiryTime: Date): Record<string, unknown> {
  return { _id: consentId, version: 1, state: userConsentState(consentId, expiryTime), outbox: [], owes: false, appliedCommandIds: [], dueAt: expiryTime };
}
