// One service's user consents for `consent-worker export`, in ownerKey order
// (serviceId/userId/consentId), handed out a page at a time. One query and one cursor for the
// whole pass: the range on ownerKey is what the stack's FerretDB answers from its index
// (consent/read-keys.ts), and it sorts the range once; a query per page (keyset paging) made it
// sort the rest of the range again for every page, which measured 50 consents/s at 100,000.
// The driver holds one batch at a time, so memory stays flat however many consents there are.
import type { Db, Document } from 'mongodb';
import { CONSENT_REVISIONS, CONSENTS } from '../../catalogue/collections.ts';
import type { Consent } from '../../domain/consent/consent.ts';
import { prefixRange } from '../../domain/consent/read-keys.ts';
import type { ConsentRevision } from '../../domain/consent/revision.ts';
import { chainsOf, revisionOfDocument, type ReadConsent } from './consent-chains.ts';
import { infra } from './mongo-store.ts';
import { pendingRevisionsOf } from './revision-reads.ts';

interface ConsentDocument extends Document {
  _id: string;
  ownerKey: string;
  state: Consent;
  outbox?: { revision?: unknown }[];
}

/**
 * The service's consents a page at a time. With `owed`, each with the revisions its outbox still
 * owed the ledger (the outbox is read only then: it is what `chainsOfPage` needs and nothing else).
 */
export async function* serviceConsentPages(db: Db, serviceId: string, pageSize: number, owed: boolean): AsyncGenerator<ReadConsent[]> {
  const { from, to } = prefixRange(`${serviceId}/`);
  const cursor = db.collection<ConsentDocument>(CONSENTS)
    .find({ ownerKey: { $gt: from, $lt: to } }, { projection: owed ? { state: 1, outbox: 1 } : { state: 1 } })
    .sort({ ownerKey: 1 })
    .batchSize(pageSize);
  try {
    let page: ReadConsent[] = [];
    for (;;) {
      const doc = await infra(() => cursor.next());
      if (doc === null) break;
      page.push({ consent: doc.state, owed: owed ? pendingRevisionsOf(doc.outbox).map(revisionOfDocument) : [] });
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  } finally {
    await cursor.close();
  }
}

/** Each of the page's consents' revisions in order, as of the page's read (consent-chains.ts: by _id, a chunk a query). */
export function chainsOfPage(db: Db, page: readonly ReadConsent[]): Promise<ConsentRevision[][]> {
  return chainsOf(db.collection<Document & { _id: string }>(CONSENT_REVISIONS), page);
}
