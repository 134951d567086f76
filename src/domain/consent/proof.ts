// Proof of consent: what the person was shown and how their answer was collected, given by the
// producer with CreateConsent, UpdateConsent and DecideOrgConsent. Stored on the revision (never
// on the consent document) and carried in the change event. Each field is checked like any other
// field of a command: a 400 names it (proof.noticeId, proof.textSha256, ...).
import { invalid, isRejection, type Rejection } from '../status.ts';
import { identifier, isoTime, optionalString, type Checked } from '../validation.ts';

export const PROOF_METHODS = ['WEB_FORM', 'MOBILE_APP', 'API', 'PAPER', 'VERBAL', 'OTHER'] as const;
export type ProofMethod = (typeof PROOF_METHODS)[number];

export interface ConsentProof {
  /** The notice (consent text) shown, as the producer names it. */
  readonly noticeId: string;
  readonly noticeVersion: string;
  /** SHA-256 of the exact text shown, 64 lower-case hex characters. */
  readonly textSha256: string;
  readonly method: ProofMethod;
  /** BCP 47 language tag of the text shown (en, pt-BR, zh-Hant-TW). */
  readonly locale: string;
  /** When the answer was collected, as the producer sent it (ISO 8601 with offset). */
  readonly collectedAt: string;
  /** Where an artifact (a signed form, a recording) is kept, outside this service. */
  readonly artifactUri: string | null;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
// RFC 5646's shape, enough to refuse what is not a tag: a 2–3 letter (or 4–8) language, then
// subtags of 1–8 letters or digits. Whether a subtag is registered is not checked.
const BCP47 = /^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?(-([A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*(-[0-9A-WY-Za-wy-z](-[A-Za-z\d]{2,8})+)*(-x(-[A-Za-z\d]{1,8})+)?$|^[A-Za-z]{4,8}$/;
const URI = /^[A-Za-z][A-Za-z\d+.-]*:[^\s]+$/;
const MAX_VERSION = 64;
const MAX_URI = 2_048;

/** The command's `proof` field: absent or null is no proof; anything else must be a whole proof. */
export function parseProof(value: unknown): Checked<ConsentProof | null> {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return invalid('proof', 'must be an object');
  const p = value as Record<string, unknown>;
  const noticeVersion = optionalString('proof.noticeVersion', p['noticeVersion'], MAX_VERSION);
  const collectedAt = isoTime('proof.collectedAt', p['collectedAt']);
  const artifactUri = optionalString('proof.artifactUri', p['artifactUri'], MAX_URI);
  const checked = {
    noticeId: identifier('proof.noticeId', p['noticeId']),
    noticeVersion: noticeVersion === null || noticeVersion === '' ? invalid('proof.noticeVersion', 'is required') : noticeVersion,
    textSha256: typeof p['textSha256'] === 'string' && SHA256_HEX.test(p['textSha256'])
      ? p['textSha256'] : invalid('proof.textSha256', 'must be 64 lower-case hex characters (SHA-256)'),
    method: PROOF_METHODS.includes(p['method'] as ProofMethod) ? p['method'] as ProofMethod : invalid('proof.method', `must be one of ${PROOF_METHODS.join(', ')}`),
    locale: typeof p['locale'] === 'string' && p['locale'].length <= 35 && BCP47.test(p['locale'])
      ? p['locale'] : invalid('proof.locale', 'must be a BCP 47 language tag'),
    // Kept as sent: the producer's own record of the moment, offset included.
    collectedAt: isRejection(collectedAt) ? collectedAt : p['collectedAt'] as string,
    artifactUri: isRejection(artifactUri) || artifactUri === null || URI.test(artifactUri)
      ? artifactUri : invalid('proof.artifactUri', 'must be an absolute URI'),
  };
  const refused = Object.values(checked).find(isRejection) as Rejection | undefined;
  return refused ?? (checked as ConsentProof);
}
