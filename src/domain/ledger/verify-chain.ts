// Verifies one consent's stored revisions against their hashes and against the consent document.
// Pure: the caller reads the revisions (in revision order) and the document, this says whether
// the chain holds and, if not, names the first broken link. What each check catches:
//   an edited revision          → its recomputed hash differs ("altered")
//   a deleted revision          → a gap in the numbers, or a previousHash that links to nothing
//   a deleted LAST revision     → the chain ends before the document's version / lastRevisionHash
//   reordered (swapped) ones    → numbers out of order, or ids or links that no longer match
//   an edited consent document  → its state is not the state its last revision recorded
import type { Consent } from '../consent/consent.ts';
import { snapshotOf } from '../consent/revision.ts';
import { canonicalJson, chainHash, GENESIS_HASH } from './hash-chain.ts';

/** What verification needs of a stored revision: its chain fields, the rest is hashed as stored. */
export type StoredRevision = Readonly<Record<string, unknown>> & {
  readonly revisionId?: unknown;
  readonly consentId?: unknown;
  readonly revision?: unknown;
  readonly previousHash?: unknown;
  readonly hash?: unknown;
};

/** The document's end of the chain; null when the consent document does not exist. */
export interface ChainTail {
  readonly version: number;
  /** null for a consent stored before the ledger and not changed since (it has no revisions). */
  readonly lastRevisionHash: string | null;
  /**
   * The document's current state, when read: it must be the state the last revision recorded, so
   * a withdrawal undone in the live document (its version and hash left alone) is caught too.
   */
  readonly state?: unknown;
}

export interface ChainBreak {
  /** The revision number at which the chain first fails. */
  readonly revision: number;
  readonly problem: string;
}

export interface ChainVerdict {
  readonly consentId: string;
  readonly revisions: number;
  readonly firstBreak: ChainBreak | null;
}

function contentOf(stored: StoredRevision): Record<string, unknown> {
  const { previousHash: _p, hash: _h, _id, ...content } = stored;
  return content;
}

function firstBreakOf(consentId: string, revisions: readonly StoredRevision[], tail: ChainTail | null): ChainBreak | null {
  let previous: { revision: number; hash: string } | null = null;
  let last: StoredRevision | null = null;
  for (const stored of revisions) {
    const n = typeof stored.revision === 'number' ? stored.revision : Number.NaN;
    const at = previous ? previous.revision + 1 : (Number.isInteger(n) ? n : 1);
    if (!Number.isInteger(n) || n < 1) return { revision: at, problem: `a stored revision has no valid number (${JSON.stringify(stored.revision)})` };
    if (stored.consentId !== consentId || stored.revisionId !== `${consentId}:${n}`) {
      return { revision: n, problem: `revision ${n} is stored under another identity (${JSON.stringify(stored.revisionId)} of ${JSON.stringify(stored.consentId)})` };
    }
    if (previous && n !== previous.revision + 1) {
      return n > previous.revision + 1
        ? { revision: previous.revision + 1, problem: `revision ${previous.revision + 1} is missing (revision ${previous.revision} is followed by ${n})` }
        : { revision: n, problem: `revision ${n} is out of order (it follows revision ${previous.revision})` };
    }
    if (!previous && stored.previousHash !== GENESIS_HASH) {
      return { revision: n - 1 >= 1 ? n - 1 : n, problem: `the chain's first stored revision (${n}) links to an earlier one that is missing` };
    }
    if (previous && stored.previousHash !== previous.hash) {
      return { revision: n, problem: `revision ${n} does not link to revision ${previous.revision} (previousHash differs from its hash)` };
    }
    const hash = chainHash(String(stored.previousHash), contentOf(stored));
    if (stored.hash !== hash) return { revision: n, problem: `revision ${n} was altered (its content does not match its hash)` };
    previous = { revision: n, hash };
    last = stored;
  }
  if (tail === null) {
    return previous ? { revision: previous.revision, problem: 'the consent document is missing' } : null;
  }
  if (tail.lastRevisionHash === null) {
    return previous ? { revision: previous.revision, problem: 'the consent document holds no lastRevisionHash, yet revisions exist' } : null;
  }
  if (!previous) return { revision: tail.version, problem: `revision ${tail.version} is missing (no revisions stored; the consent is at version ${tail.version})` };
  if (previous.revision < tail.version) {
    return { revision: previous.revision + 1, problem: `revision ${previous.revision + 1} is missing (the chain ends at ${previous.revision}; the consent is at version ${tail.version})` };
  }
  if (previous.revision > tail.version) {
    return { revision: previous.revision, problem: `revision ${previous.revision} is beyond the consent's version ${tail.version}` };
  }
  if (previous.hash !== tail.lastRevisionHash) {
    return { revision: previous.revision, problem: `revision ${previous.revision}'s hash differs from the consent's lastRevisionHash` };
  }
  if (tail.state !== undefined && last && !sameState(tail.state, last.state)) {
    return { revision: previous.revision, problem: `the consent document's state differs from the state revision ${previous.revision} recorded` };
  }
  return null;
}

function sameState(documentState: unknown, recorded: unknown): boolean {
  if (documentState === null || typeof documentState !== 'object') return false;
  return canonicalJson(snapshotOf(documentState as Consent)) === canonicalJson(recorded ?? null);
}

/** `revisions` in the order the store returns them by revision number. */
export function verifyChain(consentId: string, revisions: readonly StoredRevision[], tail: ChainTail | null): ChainVerdict {
  return { consentId, revisions: revisions.length, firstBreak: firstBreakOf(consentId, revisions, tail) };
}
