// What the read API needs from the servers, as small interfaces. They sit beside the pipeline's
// ports (ports.ts) because the adapters implement them and the adapters may not import the api
// (docs/architecture.md); the api may import only this file and ports.ts of the pipeline.
// Adapter: src/adapters/mongodb/consent-reads.ts (the read budgets are @fastify/rate-limit's, in Redis).
import type { Consent } from '../domain/consent/consent.ts';
import type { ConsentRevision } from '../domain/consent/revision.ts';
import type { HeldConsent, ReceiptBounds } from '../domain/ledger/receipt.ts';
import type { Entity } from '../domain/permission/entity.ts';
import type { PermissionDef } from '../domain/permission/reference.ts';

export interface ReadStore {
  /** A user's consents of one service in consentId order, after `afterConsentId` (exclusive), at most `limit`. */
  userConsents(serviceId: string, userId: string, afterConsentId: string | null, limit: number): Promise<Consent[]>;
  /** A user's consents of one service and type (what the access check weighs). */
  userConsentsOfType(serviceId: string, userId: string, consentType: string): Promise<Consent[]>;
  consent(consentId: string): Promise<Consent | null>;
  /** A consent's revisions (the ledger) in revision order, after `afterRevision` (exclusive), at most `limit`. */
  consentRevisions(consentId: string, afterRevision: number, limit: number): Promise<ConsentRevision[]>;
  consentRevision(consentId: string, revision: number): Promise<ConsentRevision | null>;
  /**
   * Every consent about the user, across services (USER consents of userId, ORG consents of
   * sourceUserId), each with its revisions up to its version in order; null when there are more
   * consents than `bounds.consents`, or their versions add up to more than `bounds.revisions`.
   */
  subjectLedger(userId: string, bounds: ReceiptBounds): Promise<HeldConsent[] | null>;
  /** Every consent addressed to the org (any status). */
  orgConsents(orgId: string): Promise<Consent[]>;
  entity(entityId: string): Promise<Entity | null>;
  /** The entity holding extType:extKey, or null. */
  entityIdOfKey(extType: string, extKey: string): Promise<string | null>;
  permission(permissionId: string): Promise<PermissionDef | null>;
}
