// The consent aggregate: one document per consent, user-per-service (USER) or organisation (ORG).

export type ConsentStatus = 'ACTIVE' | 'REQUESTED' | 'REJECTED' | 'REVOKED' | 'EXPIRED';
export type ConsentKind = 'USER' | 'ORG';

export interface Consent {
  readonly consentId: string;
  readonly kind: ConsentKind;
  readonly version: number;
  readonly status: ConsentStatus;
  // USER consents
  readonly serviceId: string | null;
  readonly userId: string | null;
  readonly consentType: string | null;
  readonly consentData: Readonly<Record<string, string>>;
  readonly expiryTime: string | null;
  // ORG consents
  readonly sourceUserId: string | null;
  readonly targetOrgId: string | null;
  /** Personal data: stored and published for the org's notification, never logged. */
  readonly targetOrgOwnerEmail: string | null;
  readonly expiry: string | null;
  readonly decidedBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * The hash of the consent's latest revision (domain/consent/revision.ts), so the next revision
   * chains to it without reading the history. Absent on consents stored before the ledger.
   */
  readonly lastRevisionHash?: string | null;
}

/** The moment an ACTIVE consent falls due, or null when nothing is due (not ACTIVE, or no expiry). */
export function dueAt(consent: Consent): Date | null {
  if (consent.status !== 'ACTIVE') return null;
  const at = consent.expiryTime ?? consent.expiry;
  return at === null ? null : new Date(at);
}
