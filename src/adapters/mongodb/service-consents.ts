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
import { infra } from './mongo-store.ts';

interface ConsentDocument extends Document {
  _id: string;
  ownerKey: string;
  state: Consent;
}

export async function* serviceConsentPages(db: Db, serviceId: string, pageSize: number): AsyncGenerator<Consent[]> {
  const { from, to } = prefixRange(`${serviceId}/`);
  const cursor = db.collection<ConsentDocument>(CONSENTS)
    .find({ ownerKey: { $gt: from, $lt: to } }, { projection: { state: 1 } })
    .sort({ ownerKey: 1 })
    .batchSize(pageSize);
  try {
    let page: Consent[] = [];
    for (;;) {
      const doc = await infra(() => cursor.next());
      if (doc === null) break;
      page.push(doc.state);
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

/** A revision as the ledger stored it, without the storage's `_id` (the revision's own revisionId stays). */
export type StoredRevision = Readonly<Record<string, unknown>> & { readonly consentId: string; readonly revision: number };

/**
 * The revisions of a page's consents, each consent's in revision order: one query per page. Put in
 * order here rather than by the server: an $in with a sort is a scan and a sort on FerretDB. The
 * $in itself is a scan of the ledger on FerretDB too (measured: 35 consents/s at 100,000
 * revisions); one `_id` range per consent was slower still there.
 */
export async function revisionsOfConsents(db: Db, consentIds: readonly string[]): Promise<Map<string, StoredRevision[]>> {
  const found = new Map<string, StoredRevision[]>(consentIds.map((id) => [id, []]));
  if (consentIds.length === 0) return found;
  const docs = await infra(() => db.collection<Document>(CONSENT_REVISIONS).find({ consentId: { $in: [...consentIds] } }, { projection: { _id: 0 } }).toArray());
  for (const doc of docs as unknown as StoredRevision[]) found.get(String(doc.consentId))?.push(doc);
  for (const list of found.values()) list.sort((a, b) => Number(a.revision) - Number(b.revision));
  return found;
}
