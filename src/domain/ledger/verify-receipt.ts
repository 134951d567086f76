// Checks a receipt (domain/ledger/receipt.ts) from its own content alone: no server, no key. The
// steps are the procedure of docs/receipt.md, so anyone can repeat them in another language:
//   1. the digest recomputes (the receipt is whole as generated),
//   2. the totals count what is there,
//   3. every consent is the subject's,
//   4. every consent's chain holds (verify-chain.ts) and ends at its head, and its current state is
//      the last revision's state, read-time expiry aside (ACTIVE read as EXPIRED past its expiry).
// Each broken chain is named with its first broken link. Pure.
import type { Consent } from '../consent/consent.ts';
import { verifyChain, type StoredRevision } from './verify-chain.ts';
import { receiptDigest, RECEIPT_SCHEMA_VERSION } from './receipt.ts';

export interface ReceiptProblem {
  /** null for a problem of the receipt as a whole. */
  readonly consentId: string | null;
  readonly revision: number | null;
  readonly problem: string;
}

export interface ReceiptVerdict {
  readonly consents: number;
  readonly revisions: number;
  readonly problems: readonly ReceiptProblem[];
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const whole = (problem: string): ReceiptProblem => ({ consentId: null, revision: null, problem });

function receiptLevelProblems(receipt: Loose, consents: readonly Loose[]): ReceiptProblem[] {
  const problems: ReceiptProblem[] = [];
  if (receipt['schemaVersion'] !== RECEIPT_SCHEMA_VERSION) problems.push(whole(`schemaVersion is not ${RECEIPT_SCHEMA_VERSION}`));
  const digest = isObject(receipt['digest']) ? receipt['digest']['value'] : undefined;
  if (digest !== receiptDigest(receipt)) problems.push(whole('the digest does not match the receipt (it was altered or cut after it was generated)'));
  const totals = isObject(receipt['totals']) ? receipt['totals'] : {};
  const revisions = consents.reduce((sum, c) => sum + (Array.isArray(c['revisions']) ? c['revisions'].length : 0), 0);
  if (totals['consents'] !== consents.length) problems.push(whole(`totals.consents says ${String(totals['consents'])}, the receipt holds ${consents.length}`));
  if (totals['revisions'] !== revisions) problems.push(whole(`totals.revisions says ${String(totals['revisions'])}, the receipt holds ${revisions}`));
  const ids = consents.map((c) => c['consentId']);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) problems.push(whole(`consent ${String(twice)} appears twice`));
  return problems;
}

/**
 * The state the store held, from the current state shown: read-time expiry only ever turns an
 * ACTIVE consent whose expiry is at or before generatedAt into EXPIRED, so undo exactly that.
 * Returns a problem instead when the expiry flag and the times disagree.
 */
function storedStateOf(entry: Loose, generatedAt: number): { state: Loose } | { problem: string } {
  const current = isObject(entry['current']) ? entry['current'] : {};
  const expiresAt = Date.parse(String(current['expiryTime'] ?? current['expiry'] ?? ''));
  const lapsed = Number.isFinite(expiresAt) && expiresAt <= generatedAt;
  if (entry['expiredAtRead'] === true) {
    if (current['status'] !== 'EXPIRED' || !lapsed) return { problem: 'expiredAtRead is set, but the current state is not EXPIRED by an expiry at or before generatedAt' };
    return { state: { ...current, status: 'ACTIVE' } };
  }
  if (entry['expiredAtRead'] !== false) return { problem: 'expiredAtRead is missing' };
  if (current['status'] === 'ACTIVE' && lapsed) return { problem: 'the current state reads ACTIVE although its expiry passed before generatedAt' };
  return { state: current };
}

function principalOf(current: Loose): unknown {
  return current['kind'] === 'ORG' ? current['sourceUserId'] : current['userId'];
}

function consentProblem(entry: Loose, principal: unknown, generatedAt: number): ReceiptProblem | null {
  const consentId = String(entry['consentId']);
  const at = (problem: string, revision: number | null = null): ReceiptProblem => ({ consentId, revision, problem });
  const current = isObject(entry['current']) ? entry['current'] : {};
  if (current['consentId'] !== entry['consentId']) return at('the current state is of another consent');
  if (principalOf(current) !== principal) return at('the consent is not the receipt subject\'s (userId / sourceUserId differs from piiPrincipalId)');
  const head = isObject(entry['chainHead']) ? entry['chainHead'] : {};
  if (head['version'] !== current['version']) return at('chainHead.version differs from the current state\'s version');
  const stored = storedStateOf(entry, generatedAt);
  if ('problem' in stored) return at(stored.problem);
  const revisions = Array.isArray(entry['revisions']) ? (entry['revisions'] as StoredRevision[]) : [];
  const hash = typeof head['lastRevisionHash'] === 'string' ? head['lastRevisionHash'] : null;
  const verdict = verifyChain(consentId, revisions, { version: Number(head['version']), lastRevisionHash: hash, state: stored.state as unknown as Consent });
  return verdict.firstBreak ? at(verdict.firstBreak.problem, verdict.firstBreak.revision) : null;
}

/** Every problem of the receipt: the receipt's own first, then each broken consent's first broken link. */
export function verifyReceipt(receipt: unknown): ReceiptVerdict {
  if (!isObject(receipt) || !Array.isArray(receipt['consents'])) {
    return { consents: 0, revisions: 0, problems: [whole('not a receipt: a JSON object with a consents array is expected')] };
  }
  const consents = (receipt['consents'] as unknown[]).filter(isObject);
  const problems = receiptLevelProblems(receipt, consents);
  if (consents.length !== receipt['consents'].length) problems.push(whole('an entry of consents is not an object'));
  const generatedAt = Date.parse(String(receipt['generatedAt']));
  if (!Number.isFinite(generatedAt)) problems.push(whole('generatedAt is not a time'));
  for (const entry of consents) {
    const problem = consentProblem(entry, receipt['piiPrincipalId'], generatedAt);
    if (problem) problems.push(problem);
  }
  const revisions = consents.reduce((sum, c) => sum + (Array.isArray(c['revisions']) ? c['revisions'].length : 0), 0);
  return { consents: consents.length, revisions, problems };
}
