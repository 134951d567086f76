// One service's user consents for `consent-worker export`, in pages of ascending ownerKey
// (serviceId/userId/consentId): keyset paging on the one string range the stack's FerretDB
// answers from its index (consent/read-keys.ts), so a pass over a million consents holds one page
// in memory and never keeps a cursor open across pages (nor skips or repeats a consent).
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
  const consents = db.collection<ConsentDocument>(CONSENTS);
  const { from, to } = prefixRange(`${serviceId}/`);
  let after = from;
  for (;;) {
    const docs = await infra(() => consents.find({ ownerKey: { $gt: after, $lt: to } }, { projection: { state: 1, ownerKey: 1 } })
      .sort({ ownerKey: 1 }).limit(pageSize).toArray());
    if (docs.length === 0) return;
    yield docs.map((doc) => doc.state);
    after = docs[docs.length - 1]!.ownerKey;
    if (docs.length < pageSize) return;
  }
}

/** A revision as the ledger stored it, without the storage's `_id` (the revision's own revisionId stays). */
export type StoredRevision = Readonly<Record<string, unknown>> & { readonly consentId: string; readonly revision: number };

/**
 * The revisions of a page's consents, each consent's in revision order: one query per page. Put in
 * order here rather than by the server: an $in with a sort is a scan and a sort on FerretDB.
 */
export async function revisionsOfConsents(db: Db, consentIds: readonly string[]): Promise<Map<string, StoredRevision[]>> {
  const found = new Map<string, StoredRevision[]>(consentIds.map((id) => [id, []]));
  if (consentIds.length === 0) return found;
  const docs = await infra(() => db.collection<Document>(CONSENT_REVISIONS).find({ consentId: { $in: [...consentIds] } }, { projection: { _id: 0 } }).toArray());
  for (const doc of docs as unknown as StoredRevision[]) found.get(String(doc.consentId))?.push(doc);
  for (const list of found.values()) list.sort((a, b) => Number(a.revision) - Number(b.revision));
  return found;
}
