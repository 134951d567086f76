// The fault suite's checks of the consent ledger, from what the oracle predicts and what the
// worker stored and published: each change left exactly one revision (none lost, none doubled),
// in order and made by the command the oracle says made it; each consent's chain verifies from
// its stored revisions up to its document; and each change event carries its revision's hash.
// Pure over the data read back, so the checks themselves are unit tested (test/unit/ledger).
import { verifyChain, type StoredRevision } from '../../src/domain/ledger/verify-chain.ts';
import type { ExpectedRevision } from './oracle.ts';

export interface StoredConsentHead {
  readonly _id: string;
  readonly state: { readonly version: number; readonly lastRevisionHash?: string | null };
}

export interface PublishedEvent {
  readonly aggregateId: string;
  readonly version: number;
  readonly revisionHash: string | null;
}

export interface LedgerFindings {
  /** A predicted revision not stored (or stored with another cause or type). */
  readonly lost: string[];
  /** A revision stored twice, one nobody predicted, or under a consent nobody changed. */
  readonly doubled: string[];
  /** Revisions not stored as 1..n in order. */
  readonly outOfOrder: string[];
  /** Chains that do not verify (named with their first broken link). */
  readonly broken: string[];
  /** Events whose revisionHash is not their revision's hash. */
  readonly unhashed: string[];
}

const sample = (list: readonly string[]): string => list.slice(0, 4).join('; ');

export function summarise(findings: LedgerFindings): string {
  const parts = (Object.entries(findings) as [string, string[]][]).map(([name, list]) => `${list.length} ${name}${list.length ? ` (${sample(list)})` : ''}`);
  return parts.join(', ');
}

export function ledgerFindings(
  expected: ReadonlyMap<string, readonly ExpectedRevision[]>,
  stored: readonly StoredRevision[],
  heads: readonly StoredConsentHead[],
  events: readonly PublishedEvent[],
): LedgerFindings {
  const findings: LedgerFindings = { lost: [], doubled: [], outOfOrder: [], broken: [], unhashed: [] };
  const byConsent = new Map<string, StoredRevision[]>();
  for (const revision of stored) {
    const id = String(revision.consentId);
    byConsent.set(id, [...(byConsent.get(id) ?? []), revision]);
  }
  const headOf = new Map(heads.map((head) => [head._id, head]));
  for (const [consentId, list] of byConsent) if (!expected.has(consentId)) findings.doubled.push(`${consentId}: ${list.length} revisions of a consent no command changed`);

  for (const [consentId, predicted] of expected) {
    const found = byConsent.get(consentId) ?? [];
    const numbers = found.map((r) => Number(r.revision));
    const counts = new Map<number, number>();
    for (const n of numbers) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const [n, count] of counts) if (count > 1) findings.doubled.push(`${consentId}:${n} stored ${count} times`);
    for (const n of counts.keys()) if (!predicted.some((p) => p.revision === n)) findings.doubled.push(`${consentId}:${n} not predicted`);
    for (const p of predicted) {
      const match = found.find((r) => r.revision === p.revision);
      if (!match) findings.lost.push(`${consentId}:${p.revision} missing`);
      else if (match['causationId'] !== p.causationId || match['changeType'] !== p.changeType) {
        findings.lost.push(`${consentId}:${p.revision} is ${String(match['changeType'])} by ${String(match['causationId'])}, expected ${p.changeType} by ${p.causationId}`);
      }
    }
    // Stored order: the numbers, sorted by the time each revision says it was made, must ascend.
    const byTime = [...found].sort((a, b) => String(a['at']).localeCompare(String(b['at'])) || Number(a.revision) - Number(b.revision));
    if (byTime.some((r, i) => i > 0 && Number(r.revision) <= Number(byTime[i - 1]!.revision))) {
      findings.outOfOrder.push(`${consentId}: revisions made in the order ${byTime.map((r) => r.revision).join(',')}`);
    }
    const head = headOf.get(consentId);
    const verdict = verifyChain(consentId, [...found].sort((a, b) => Number(a.revision) - Number(b.revision)),
      head ? { version: head.state.version, lastRevisionHash: head.state.lastRevisionHash ?? null } : null);
    if (verdict.firstBreak) findings.broken.push(`${consentId} at ${verdict.firstBreak.revision}: ${verdict.firstBreak.problem}`);
  }

  const hashOf = new Map(stored.map((r) => [`${String(r.consentId)}:${Number(r.revision)}`, r.hash]));
  for (const event of events) {
    const hash = hashOf.get(`${event.aggregateId}:${event.version}`);
    if (hash !== undefined && event.revisionHash !== hash) findings.unhashed.push(`${event.aggregateId}:${event.version}`);
  }
  return findings;
}

export function ledgerHolds(findings: LedgerFindings): boolean {
  return Object.values(findings).every((list: string[]) => list.length === 0);
}
