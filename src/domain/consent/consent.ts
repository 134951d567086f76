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
  /**
   * When ConsentExpiringSoon is owed (expiry − the service policy's reminder lead), or null/absent
   * when no reminder is owed: none set, already sent, or the consent is not ACTIVE.
   */
  readonly reminderDueAt?: string | null;
}

/** The moment an ACTIVE consent expires, or null when it does not (not ACTIVE, or no expiry). */
export function expiresAt(consent: Consent): Date | null {
  if (consent.status !== 'ACTIVE') return null;
  const at = consent.expiryTime ?? consent.expiry;
  return at === null ? null : new Date(at);
}

/** When the reminder of an ACTIVE consent is owed, or null. */
export function reminderDueAt(consent: Consent): Date | null {
  if (consent.status !== 'ACTIVE' || consent.reminderDueAt == null) return null;
  return new Date(consent.reminderDueAt);
}

/**
 * The next moment the sweep has something to do for the consent: its reminder, then its expiry;
 * null when nothing is due. One schedule entry and one index field per consent serve both.
 */
export function dueAt(consent: Consent): Date | null {
  const expiry = expiresAt(consent);
  const reminder = reminderDueAt(consent);
  if (reminder === null || expiry === null) return expiry;
  return reminder.getTime() < expiry.getTime() ? reminder : expiry;
}
