// Reads of the consent ledger for verification: one consent's revisions, and the consents in
// pages of ascending _id (keyset paging, so a pass over millions never holds a cursor open for
// long nor skips what it already read), each page's revisions in one query. Revisions are put in
// order here rather than by the server: an $in with a sort is a scan and a sort on FerretDB.
import type { Db, Document } from 'mongodb';
import type { ChainTail, StoredRevision } from '../../domain/ledger/verify-chain.ts';
import { CONSENT_REVISIONS, CONSENTS } from '../../catalogue/collections.ts';
import { infra } from './mongo-store.ts';

/** A consent document as verification sees it: its end of the chain, and a revision it still owes. */
export interface ConsentLedgerHead {
  readonly consentId: string;
  readonly tail: ChainTail;
  /** Revisions written with the state but not yet stored (an outbox a crash or a deferred flush left). */
  readonly pending: readonly StoredRevision[];
}

interface ConsentDocument extends Document {
  _id: string;
  state?: { version?: unknown; lastRevisionHash?: unknown };
  outbox?: { revision?: unknown }[];
}

/** The revisions a document's outbox still owes the ledger (each entry's pending revision, as JSON text). */
export function pendingRevisionsOf(outbox: readonly { revision?: unknown }[] | undefined): StoredRevision[] {
  return (outbox ?? []).flatMap((entry) => {
    if (typeof entry.revision !== 'string') return [];
    const { id, body } = JSON.parse(entry.revision) as { id: string; body: Record<string, unknown> };
    return [{ ...body, _id: id } as StoredRevision];
  });
}

function headOf(doc: ConsentDocument): ConsentLedgerHead {
  const version = typeof doc.state?.version === 'number' ? doc.state.version : Number(doc['version']);
  const hash = doc.state?.lastRevisionHash;
  const pending = pendingRevisionsOf(doc.outbox);
  return { consentId: doc._id, tail: { version, lastRevisionHash: typeof hash === 'string' ? hash : null, state: doc.state ?? null }, pending };
}

const byRevision = (a: StoredRevision, b: StoredRevision): number => Number(a.revision) - Number(b.revision);

export interface LedgerReads {
  head(consentId: string): Promise<ConsentLedgerHead | null>;
  revisionsOf(consentId: string): Promise<StoredRevision[]>;
  /** Up to `limit` consents after `afterId` (all from the start when null), in _id order. */
  heads(afterId: string | null, limit: number): Promise<ConsentLedgerHead[]>;
  /** The revisions of each consent, in revision order, by consentId. */
  revisionsOfMany(consentIds: readonly string[]): Promise<Map<string, StoredRevision[]>>;
  /** About how many revisions there are (the collection's metadata count), for a progress bar. */
  estimatedRevisions(): Promise<number>;
}

export function ledgerReads(db: Db): LedgerReads {
  const consents = db.collection<ConsentDocument>(CONSENTS);
  const revisions = db.collection<Document>(CONSENT_REVISIONS);
  const projection = { state: 1, version: 1, outbox: 1 };
  return {
    async head(consentId) {
      const doc = await infra(() => consents.findOne({ _id: consentId }, { projection }));
      return doc ? headOf(doc) : null;
    },
    async revisionsOf(consentId) {
      const docs = await infra(() => revisions.find({ consentId }).toArray());
      return (docs as StoredRevision[]).sort(byRevision);
    },
    async heads(afterId, limit) {
      const filter = afterId === null ? {} : { _id: { $gt: afterId } };
      const docs = await infra(() => consents.find(filter, { projection }).sort({ _id: 1 }).limit(limit).toArray());
      return docs.map(headOf);
    },
    async revisionsOfMany(consentIds) {
      const found = new Map<string, StoredRevision[]>(consentIds.map((id) => [id, []]));
      if (consentIds.length === 0) return found;
      const docs = await infra(() => revisions.find({ consentId: { $in: [...consentIds] } }).toArray());
      for (const doc of docs as StoredRevision[]) found.get(String(doc.consentId))?.push(doc);
      for (const list of found.values()) list.sort(byRevision);
      return found;
    },
    estimatedRevisions: () => infra(() => revisions.estimatedDocumentCount()),
  };
}
