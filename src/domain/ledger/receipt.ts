// The receipt for a data subject (docs/receipt.md): everything held about one user across
// services, as one JSON document shaped after the record fields of ISO/IEC TS 27560: each consent's
// current state (read-time expiry applied), its whole revision chain with proof and hashes, and a
// digest over the receipt, so the person or an auditor can check it offline
// (domain/ledger/verify-receipt.ts, and the procedure in the docs). Pure: the time, the receipt's
// id and what was read are arguments. The read API route and `consent-worker receipt` both build
// it here, so both give the same JSON.
import type { Consent } from '../consent/consent.ts';
import { statusAt } from '../consent/read-view.ts';
import { snapshotOf, type ConsentRevision, type ConsentSnapshot } from '../consent/revision.ts';
import { reject, type Rejection } from '../status.ts';
import { canonicalJson } from './hash-chain.ts';
import { createHash } from 'node:crypto';

export const RECEIPT_SCHEMA_VERSION = 'consent-worker-receipt/1';

/** A receipt holds at most this many consents; more is refused (413), never cut short. */
export const RECEIPT_MAX_CONSENTS = 1_000;
/** ... and at most this many revisions in all: the whole receipt is built in memory to be digested. */
export const RECEIPT_MAX_REVISIONS = 20_000;

export interface ReceiptBounds {
  readonly consents: number;
  readonly revisions: number;
}

export const RECEIPT_BOUNDS: ReceiptBounds = { consents: RECEIPT_MAX_CONSENTS, revisions: RECEIPT_MAX_REVISIONS };

/** One consent held about the subject, as read: its document's state and its revisions in order. */
export interface HeldConsent {
  readonly consent: Consent;
  readonly revisions: readonly ConsentRevision[];
}

export interface ReceiptConsent {
  readonly consentId: string;
  readonly kind: Consent['kind'];
  /** The state now, with read-time expiry applied (an ACTIVE consent past its expiry reads EXPIRED). */
  readonly current: ConsentSnapshot;
  /** True when `current.status` is EXPIRED only because its expiry passed before generatedAt (the store still says ACTIVE). */
  readonly expiredAtRead: boolean;
  /** The consent document's end of its chain: the last revision's number and hash (null: stored before the ledger). */
  readonly chainHead: { readonly version: number; readonly lastRevisionHash: string | null };
  readonly revisions: ConsentRevision[];
}

export interface Receipt {
  readonly schemaVersion: typeof RECEIPT_SCHEMA_VERSION;
  readonly receiptId: string;
  readonly generatedAt: string;
  readonly issuer: { readonly software: string; readonly softwareVersion: string };
  /** The PII principal (the data subject): the userId of USER consents, the sourceUserId of ORG ones. */
  readonly piiPrincipalId: string;
  readonly totals: { readonly consents: number; readonly revisions: number };
  readonly consents: ReceiptConsent[];
  readonly digest: { readonly algorithm: 'SHA-256'; readonly canonicalization: 'RFC 8785'; readonly value: string };
}

export interface ReceiptRequest {
  readonly receiptId: string;
  readonly principalId: string;
  readonly generatedAt: Date;
  readonly issuer: Receipt['issuer'];
  /** What was read; null when the store found more than RECEIPT_BOUNDS allow (a 413). */
  readonly held: readonly HeldConsent[] | null;
}

/** SHA-256 (hex) of the RFC 8785 form of the receipt without its `digest`. */
export function receiptDigest(receipt: Omit<Receipt, 'digest'> | Record<string, unknown>): string {
  const { digest: _digest, ...body } = receipt as Record<string, unknown>;
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

function receiptConsentOf({ consent, revisions }: HeldConsent, now: Date): ReceiptConsent {
  const status = statusAt(consent, now);
  return {
    consentId: consent.consentId,
    kind: consent.kind,
    current: { ...snapshotOf(consent), status },
    expiredAtRead: status !== consent.status,
    chainHead: { version: consent.version, lastRevisionHash: consent.lastRevisionHash ?? null },
    revisions: [...revisions],
  };
}

/** The receipt, or a 413 when more is held than one receipt carries. */
export function buildReceipt(request: ReceiptRequest): Receipt | Rejection {
  const held = request.held;
  const revisions = held?.reduce((sum, h) => sum + h.revisions.length, 0) ?? 0;
  if (held === null || held.length > RECEIPT_MAX_CONSENTS || revisions > RECEIPT_MAX_REVISIONS) {
    return reject('413', 'RECEIPT_TOO_LARGE', `more than ${RECEIPT_MAX_CONSENTS} consents or ${RECEIPT_MAX_REVISIONS} revisions (counted by versions) are held about this user; `
      + 'an operator can list them per service with consent-worker export --service S --revisions');
  }
  const consents = [...held]
    .sort((a, b) => (a.consent.consentId < b.consent.consentId ? -1 : a.consent.consentId > b.consent.consentId ? 1 : 0))
    .map((held) => receiptConsentOf(held, request.generatedAt));
  const body: Omit<Receipt, 'digest'> = {
    schemaVersion: RECEIPT_SCHEMA_VERSION,
    receiptId: request.receiptId,
    generatedAt: request.generatedAt.toISOString(),
    issuer: request.issuer,
    piiPrincipalId: request.principalId,
    totals: { consents: consents.length, revisions },
    consents,
  };
  return { ...body, digest: { algorithm: 'SHA-256', canonicalization: 'RFC 8785', value: receiptDigest(body) } };
}
