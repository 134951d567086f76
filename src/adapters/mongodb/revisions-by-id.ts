// The one way this project reads stored revisions in bulk: by their ids (<consentId>:<revision>),
// in `_id $in` chunks. Besides _id equality, that is the one shape the stack's FerretDB answers
// from an index; a `consentId $in` or a range on `_id` reads and decodes the whole ledger per
// query there (3 s a query at 40,000 revisions, against 6 ms for an `_id $in`). Used by
// verification (revision-reads.ts), the receipt and `export --revisions` (consent-chains.ts),
// and the read API's revision routes (consent-reads.ts).
import type { Collection, Document } from 'mongodb';
import { infra } from './mongo-store.ts';

/** Revision ids per query: an $in this long stays a small message. */
export const REVISION_ID_CHUNK = 1_000;

/** The stored revisions among these ids, in no particular order; ids not stored are simply absent. */
export async function revisionsById(revisions: Collection<Document & { _id: string }>, ids: readonly string[]): Promise<Document[]> {
  const chunks = Array.from({ length: Math.ceil(ids.length / REVISION_ID_CHUNK) }, (_, i) => ids.slice(i * REVISION_ID_CHUNK, (i + 1) * REVISION_ID_CHUNK));
  const found = await Promise.all(chunks.map((chunk) => infra(() => revisions.find({ _id: { $in: chunk } }).toArray())));
  return found.flat();
}
