// One service's user consents for `consent-worker export`, in pages of ascending ownerKey
// (serviceId/userId/consentId): keyset paging on the one string range the stack's FerretDB
// answers from its index (consent/read-keys.ts), so a pass over a million consents holds one page
// in memory and never keeps a cursor open across pages (nor skips or repeats a consent).
import type { Db, Document } from 'mongodb';
import { CONSENTS } from '../../catalogue/collections.ts';
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
