// The consent commands' payloads as a producer writes them: the wire form of schemas/types (times
// as ISO strings, optional fields left out for their Avro defaults). The one source of these
// types: the parser (commands.ts) reads exactly these fields, and the producer client
// (src/client) exports them as its command types.

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
}

/** Each consent command's payload, by commandType. */
export interface ConsentPayloads {
  CreateConsent: CreateConsentPayload;
  UpdateConsent: UpdateConsentPayload;
  RequestOrgConsent: RequestOrgConsentPayload;
  DecideOrgConsent: DecideOrgConsentPayload;
}
