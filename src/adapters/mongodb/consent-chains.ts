// Each consent's chain of revisions as of one read of its document, for the receipt (consent-reads.ts)
// and `consent-worker export --revisions` (service-consents.ts). The revisions are fetched by their
// ids (<consentId>:1..version) through revisions-by-id.ts. A `consentId $in` is a scan of the ledger
// on FerretDB (export: 35 consents/s at 100,000 revisions), and one `_id` range per consent a round
// trip each (a receipt of 500 consents took 10 s on the loaded stack).
import type { Collection, Document } from 'mongodb';
import type { Consent } from '../../domain/consent/consent.ts';
import { revisionIdOf, type ConsentRevision } from '../../domain/consent/revision.ts';
import { revisionsById } from './revisions-by-id.ts';

/** A consent as read, with the revisions its outbox still owed the ledger at that read. */
export interface ReadConsent {
  readonly consent: Consent;
  readonly owed: readonly ConsentRevision[];
}

/** A stored revision without the storage's `_id` (its revisionId is the same text). */
export const revisionOfDocument = ({ _id, ...revision }: Document): ConsentRevision => revision as ConsentRevision;

/**
 * Each consent's revisions 1..version in order: those stored, plus those its outbox still owed.
 * A revision leaves the outbox only once stored, so each of 1..version is in one or the other; a
 * revision stored after the document was read (a later change) is left out, so the chain ends at
 * the state read.
 */
export async function chainsOf(revisions: Collection<Document & { _id: string }>, read: readonly ReadConsent[]): Promise<ConsentRevision[][]> {
  const ids = read.flatMap(({ consent }) => Array.from({ length: consent.version }, (_, i) => revisionIdOf(consent.consentId, i + 1)));
  const stored = new Map<string, ConsentRevision>();
  for (const doc of await revisionsById(revisions, ids)) stored.set(String(doc['_id']), revisionOfDocument(doc));
  return read.map(({ consent, owed }) => {
    const chain = new Map<number, ConsentRevision>(owed.filter((r) => r.revision <= consent.version).map((r) => [r.revision, r]));
    for (let n = 1; n <= consent.version; n++) {
      const found = stored.get(revisionIdOf(consent.consentId, n));
      if (found) chain.set(n, found);
    }
    return [...chain.values()].sort((a, b) => a.revision - b.revision);
  });
}
