// The consent commands' payloads as a producer writes them: the wire form of schemas/types (times
// as ISO strings, optional fields left out for their Avro defaults). The one source of these
// types: the parser (commands.ts) reads exactly these fields, and the producer client
// (src/client) exports them as its command types.

/** Proof of consent (schemas/types/ConsentProof.avsc; docs/ledger.md). */
export interface ConsentProofPayload {
  readonly noticeId: string;
  readonly noticeVersion: string;
  /** SHA-256 of the exact text shown, 64 lower-case hex characters. */
  readonly textSha256: string;
  readonly method: 'WEB_FORM' | 'MOBILE_APP' | 'API' | 'PAPER' | 'VERBAL' | 'OTHER';
  /** BCP 47 language tag. */
  readonly locale: string;
  /** ISO 8601 with offset. */
  readonly collectedAt: string;
  readonly artifactUri?: string | null;
}

export interface CreateConsentPayload {
  /** Derived from the commandId when absent. */
  readonly consentId?: string | null;
  readonly serviceId: string;
  readonly userId: string;
  readonly status: 'ACTIVE' | 'REVOKED';
  readonly consentType?: string | null;
  readonly consentData?: Readonly<Record<string, string>> | null;
  /** ISO 8601 with offset, in the future. */
  readonly expiryTime?: string | null;
  readonly proof?: ConsentProofPayload | null;
  /** A migrated consent's original creation time (ISO 8601 with offset, not in the future); now when absent. */
  readonly createdAt?: string | null;
}

export interface UpdateConsentPayload {
  readonly consentId: string;
  readonly serviceId: string;
  readonly userId: string;
  /** The version this update creates: applied only if the stored version is consentVersion − 1. */
  readonly consentVersion: number;
  readonly status?: 'ACTIVE' | 'REVOKED' | null;
  readonly consentType?: string | null;
  readonly consentData?: Readonly<Record<string, string>> | null;
  readonly expiryTime?: string | null;
  readonly proof?: ConsentProofPayload | null;
}

export interface RequestOrgConsentPayload {
  readonly consentId?: string | null;
  readonly sourceUserId: string;
  readonly targetOrgId: string;
  readonly targetOrgOwnerEmail: string;
}

export interface DecideOrgConsentPayload {
  readonly orgId: string;
  readonly consentId: string;
  readonly action: 'APPROVE' | 'REJECT';
  readonly expiry?: string | null;
  readonly proof?: ConsentProofPayload | null;
}

/** A service's consent policy (domain/policy/set-service-policy.ts); the actor needs the service_admin role. */
export interface SetServicePolicyPayload {
  readonly serviceId: string;
  /** Lifetime of a consent created ACTIVE without expiryTime, in days; or defaultLifetime, not both. */
  readonly defaultExpiryDays?: number | null;
  /** ISO 8601 duration (P90D, PT12H; no years or months) or milliseconds as digits. */
  readonly defaultLifetime?: string | null;
  /** How long before expiry ConsentExpiringSoon is published (same forms); absent: no reminders. */
  readonly reminderLeadTime?: string | null;
}

/** Each consent command's payload, by commandType. */
export interface ConsentPayloads {
  CreateConsent: CreateConsentPayload;
  UpdateConsent: UpdateConsentPayload;
  RequestOrgConsent: RequestOrgConsentPayload;
  DecideOrgConsent: DecideOrgConsentPayload;
  SetServicePolicy: SetServicePolicyPayload;
}
