// One consent as `consent-worker export` writes it: the import line format (docs/import-export.md)
// with the status a reader sees now (read-time expiry: an ACTIVE consent past its expiry is
// EXPIRED, as in the read API), plus what only an export carries (consentVersion, updatedAt and,
// with --revisions, the history), which an import does not send.
import type { Consent } from '../../domain/consent/consent.ts';
import { statusAt } from '../../domain/consent/read-view.ts';
import type { ConsentRevision } from '../../domain/consent/revision.ts';

export interface ExportLine {
  readonly consentId: string;
  readonly serviceId: string | null;
  readonly userId: string | null;
  readonly status: string;
  readonly consentType: string | null;
  readonly consentData: Readonly<Record<string, string>>;
  readonly expiryTime: string | null;
  readonly createdAt: string;
  /** The proof given with the latest change that had one (the terms last agreed to); null when none. */
  readonly proof?: unknown;
  readonly consentVersion: number;
  readonly updatedAt: string;
  /** With --revisions: the consent's revisions as the ledger stored them, in order. */
  readonly revisions?: readonly ConsentRevision[];
}

/** The revisions known for the consent, when they were read (always with --revisions). */
export interface History {
  readonly revisions: readonly ConsentRevision[];
  readonly include: boolean;
}

function latestProof(revisions: readonly ConsentRevision[]): unknown {
  for (let i = revisions.length - 1; i >= 0; i -= 1) {
    const proof = revisions[i]!.proof;
    if (proof !== null && proof !== undefined) return proof;
  }
  return null;
}

export function exportLineOf(consent: Consent, now: Date, history: History | null = null): ExportLine {
  return {
    consentId: consent.consentId,
    serviceId: consent.serviceId,
    userId: consent.userId,
    status: statusAt(consent, now),
    consentType: consent.consentType,
    consentData: consent.consentData,
    expiryTime: consent.expiryTime,
    createdAt: consent.createdAt,
    ...(history ? { proof: latestProof(history.revisions) } : {}),
    consentVersion: consent.version,
    updatedAt: consent.updatedAt,
    ...(history?.include ? { revisions: history.revisions } : {}),
  };
}
