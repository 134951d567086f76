// What the read API shows of a consent, with expiry enforced at read time: an ACTIVE consent
// whose expiry has passed reads EXPIRED, whether or not the expiry sweep has run yet. A lagging
// or stopped sweep must never grant access. Pure: `now` is an argument.
import type { Consent, ConsentStatus } from './consent.ts';

/** The status a reader sees at `now`: ACTIVE past its expiry (expiryTime, or an org's expiry) is EXPIRED. */
export function statusAt(consent: Consent, now: Date): ConsentStatus {
  if (consent.status !== 'ACTIVE') return consent.status;
  const expiresAt = consent.expiryTime ?? consent.expiry;
  return expiresAt !== null && Date.parse(expiresAt) <= now.getTime() ? 'EXPIRED' : 'ACTIVE';
}

/** The seeds' user Consent. */
export interface ConsentView {
  readonly consentId: string;
  readonly consentVersion: number;
  readonly userId: string;
  readonly serviceId: string;
  readonly status: ConsentStatus;
  readonly consentType: string | null;
  readonly consentData: Readonly<Record<string, string>>;
  readonly expiryTime: string | null;
}

export function userConsentView(consent: Consent, now: Date): ConsentView {
  return {
    consentId: consent.consentId,
    consentVersion: consent.version,
    userId: consent.userId ?? '',
    serviceId: consent.serviceId ?? '',
    status: statusAt(consent, now),
    consentType: consent.consentType,
    consentData: consent.consentData,
    expiryTime: consent.expiryTime,
  };
}

/** The seeds' ConsentDto of an org's list. */
export interface OrgConsentView {
  readonly consentId: string;
  readonly source: { readonly userId: string };
  /** An org's list holds only these (the contract's ConsentDto says so). */
  readonly status: Extract<ConsentStatus, 'ACTIVE' | 'REQUESTED'>;
  readonly target: { readonly orgId: string; readonly orgOwnerEmail: string };
}

/** An org's list: its ACTIVE (unexpired) and REQUESTED consents, in consentId order. */
export function orgConsentList(consents: readonly Consent[], orgId: string, now: Date): OrgConsentView[] {
  return consents
    .filter((c) => c.kind === 'ORG' && c.targetOrgId === orgId)
    .map((c) => ({ c, status: statusAt(c, now) }))
    .filter((v): v is { c: Consent; status: 'ACTIVE' | 'REQUESTED' } => v.status === 'ACTIVE' || v.status === 'REQUESTED')
    .sort((a, b) => (a.c.consentId < b.c.consentId ? -1 : a.c.consentId > b.c.consentId ? 1 : 0))
    .map(({ c, status }) => ({
      consentId: c.consentId,
      source: { userId: c.sourceUserId ?? '' },
      status,
      target: { orgId: c.targetOrgId ?? '', orgOwnerEmail: c.targetOrgOwnerEmail ?? '' },
    }));
}

/** A user consent as the user routes may show it: of that service and user, else null (404). */
export function ownedBy(consent: Consent | null, serviceId: string, userId: string): Consent | null {
  return consent !== null && consent.kind === 'USER' && consent.serviceId === serviceId && consent.userId === userId ? consent : null;
}

export type AccessReason = 'ACTIVE_CONSENT' | 'NO_CONSENT' | 'EXPIRED' | 'REVOKED' | 'REJECTED' | 'REQUESTED';

export interface AccessDecision {
  readonly allowed: boolean;
  readonly consentId: string | null;
  readonly consentVersion: number | null;
  readonly expiresAt: string | null;
  readonly reason: AccessReason;
}

/**
 * Whether a user's consents of one service allow data of `consentType` at `now`: only an ACTIVE,
 * unexpired consent of that type allows. Of several that allow, the one lasting longest (no expiry
 * lasts longest) is named; when none allows, the most recently updated of that type explains why.
 */
export function checkAccess(consents: readonly Consent[], serviceId: string, userId: string, consentType: string, now: Date): AccessDecision {
  const ofType = consents.filter((c) => ownedBy(c, serviceId, userId) !== null && c.consentType === consentType);
  const allowing = ofType.filter((c) => statusAt(c, now) === 'ACTIVE');
  if (allowing.length > 0) {
    const lasting = (c: Consent): number => (c.expiryTime === null ? Number.POSITIVE_INFINITY : Date.parse(c.expiryTime));
    const best = allowing.reduce((a, b) => (lasting(b) > lasting(a) ? b : a));
    return { allowed: true, consentId: best.consentId, consentVersion: best.version, expiresAt: best.expiryTime, reason: 'ACTIVE_CONSENT' };
  }
  if (ofType.length === 0) return { allowed: false, consentId: null, consentVersion: null, expiresAt: null, reason: 'NO_CONSENT' };
  const latest = ofType.reduce((a, b) => (b.updatedAt > a.updatedAt ? b : a));
  return {
    allowed: false,
    consentId: latest.consentId,
    consentVersion: latest.version,
    expiresAt: latest.expiryTime,
    reason: statusAt(latest, now) as Exclude<AccessReason, 'ACTIVE_CONSENT' | 'NO_CONSENT'>,
  };
}
