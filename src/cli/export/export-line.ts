// One consent as `consent-worker export` writes it: the import line format (docs/import-export.md)
// with the status a reader sees now (read-time expiry: an ACTIVE consent past its expiry is
// EXPIRED, as in the read API), plus what only an export carries (consentVersion, updatedAt and,
// with --revisions, the history), which an import does not send.
import type { Consent } from '../../domain/consent/consent.ts';
import { statusAt } from '../../domain/consent/read-view.ts';

export interface ExportLine {
  readonly consentId: string;
  readonly serviceId: string | null;
  readonly userId: string | null;
  readonly status: string;
  readonly consentType: string | null;
  readonly consentData: Readonly<Record<string, string>>;
  readonly expiryTime: string | null;
  readonly createdAt: string;
  readonly consentVersion: number;
  readonly updatedAt: string;
}

export function exportLineOf(consent: Consent, now: Date): ExportLine {
  return {
    consentId: consent.consentId,
    serviceId: consent.serviceId,
    userId: consent.userId,
    status: statusAt(consent, now),
    consentType: consent.consentType,
    consentData: consent.consentData,
    expiryTime: consent.expiryTime,
    createdAt: consent.createdAt,
    consentVersion: consent.version,
    updatedAt: consent.updatedAt,
  };
}
