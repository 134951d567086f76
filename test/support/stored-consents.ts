// Consent documents as the worker stores them (mongo-store toDocument, consent-family
// indexFields), for tests that put consents straight into MongoDB: a backlog nothing scheduled,
// a corrupt neighbour, an expiry interrupted before its publish.
import { dueAt, type Consent } from '../../src/domain/consent/consent.ts';
import { readKeysOf } from '../../src/domain/consent/read-keys.ts';

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
  return consentDocument(userConsentState(consentId, expiryTime));
}

/** Any consent state as the worker stores it, owing nothing, with the family's index fields. */
export function consentDocument(state: Consent): Record<string, unknown> {
  return { _id: state.consentId, version: state.version, state, outbox: [], owes: false, appliedCommandIds: [], dueAt: dueAt(state), ...readKeysOf(state) };
}

/** An ACTIVE consent whose ConsentCreated went out (the ledger knows) and whose clear never came. */
export function publishedNotCleared(consentId: string): { doc: Record<string, unknown>; entryId: string } {
  const state = userConsentState(consentId, new Date(Date.now() + 3_600_000));
  const entryId = `${consentId}:1:ConsentCreated`;
  const event = {
    eventId: entryId, eventType: 'ConsentCreated', aggregateId: consentId, version: 1,
    occurredAt: state.createdAt, causationId: `cmd-${consentId}`, state: { type: 'ConsentState', value: state },
  };
  return { doc: { ...consentDocument(state), outbox: [{ id: entryId, kind: 'event', key: consentId, body: event }], owes: true }, entryId };
}
