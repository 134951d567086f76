// Top-level keys the read API queries consents by, written beside each consent's state (the
// consent family's indexFields). Each is "<owner>/<consentId>": identifiers cannot contain '/', so
// one owner's consents are exactly the keys in the range ["<owner>/", "<owner>0") ('0' follows
// '/'), in consentId order: every list is one range on one indexed field (why one field, for
// the store: src/adapters/mongodb/consent-reads.ts).
import type { Consent } from './consent.ts';

export interface ConsentReadKeys {
  /** USER consents: serviceId/userId/consentId; null for ORG consents. */
  readonly ownerKey: string | null;
  /** USER consents with a type: serviceId/userId/consentType/consentId (the access check reads only that type's). */
  readonly accessKey: string | null;
  /** ORG consents: targetOrgId/consentId; null for USER consents. */
  readonly orgKey: string | null;
  /**
   * The data subject's consents across services (the receipt): userId/consentId of a USER consent,
   * sourceUserId/consentId of an ORG one.
   */
  readonly subjectKey: string | null;
}

export function readKeysOf(consent: Consent): ConsentReadKeys {
  const user = consent.kind === 'USER' && consent.serviceId !== null && consent.userId !== null;
  return {
    ownerKey: user ? `${consent.serviceId}/${consent.userId}/${consent.consentId}` : null,
    accessKey: user && consent.consentType !== null ? `${consent.serviceId}/${consent.userId}/${consent.consentType}/${consent.consentId}` : null,
    orgKey: consent.kind === 'ORG' && consent.targetOrgId !== null ? `${consent.targetOrgId}/${consent.consentId}` : null,
    subjectKey: subjectOf(consent) == null ? null : `${subjectOf(consent)}/${consent.consentId}`,
  };
}

/** Whom a consent is about: the user of a USER consent, the source user of an ORG one. */
export function subjectOf(consent: Consent): string | null {
  return consent.kind === 'USER' ? consent.userId : consent.sourceUserId;
}

export const subjectKeyPrefix = (userId: string): string => `${userId}/`;
export const userKeyPrefix = (serviceId: string, userId: string): string => `${serviceId}/${userId}/`;
export const accessKeyPrefix = (serviceId: string, userId: string, consentType: string): string => `${serviceId}/${userId}/${consentType}/`;
export const orgKeyPrefix = (orgId: string): string => `${orgId}/`;

/** The range holding every key that starts with `prefix` (which ends in '/'). */
export function prefixRange(prefix: string): { readonly from: string; readonly to: string } {
  return { from: prefix, to: `${prefix.slice(0, -1)}0` };
}
