// Reads of the consent ledger for verification: one consent's revisions, and every consent in
// ascending _id through one cursor, the revisions of each run of consents in one query on a range of
// revision _ids. Both shapes are what FerretDB answers from an index: a filter on _id pushed down,
// sorted once. (Keyset pages of consents re-sorted the rest of the collection for every page, and
// a consentId $in read and decoded the whole ledger for every page: at 100,000 revisions a pass was
// quadratic.) Revisions are put in order here rather than by the server: a revision _id sorts
// "c:10" before "c:2".
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

/** Consent documents a cursor batch carries: a page of verify's work and then some. */
const CURSOR_BATCH = 1_000;

/**
 * A range of revision _ids (`${consentId}:${n}`) that holds every revision of these consents: from
 * the least id (each revision id sorts after its consent's id) to below the greatest `${id};` (';'
 * follows ':'; a greater id may have a lesser id as its prefix, so the greatest is taken over all of
 * them, not the last). It may hold other consents' revisions too: the caller keeps only its own.
 */
export function revisionIdRange(consentIds: readonly string[]): { _id: { $gte: string; $lt: string } } {
  let least = consentIds[0] as string;
  let upper = `${least};`;
  for (const id of consentIds) {
    if (id < least) least = id;
    if (`${id};` > upper) upper = `${id};`;
  }
  return { _id: { $gte: least, $lt: upper } };
}

/** The consent a revision _id belongs to (consent ids hold no ':'). */
const consentOfRevisionId = (id: string): string => id.slice(0, id.lastIndexOf(':'));

const byRevision = (a: StoredRevision, b: StoredRevision): number => Number(a.revision) - Number(b.revision);

export interface LedgerReads {
  head(consentId: string): Promise<ConsentLedgerHead | null>;
  revisionsOf(consentId: string): Promise<StoredRevision[]>;
  /** Every consent, in _id order, through one cursor. */
  allHeads(): AsyncIterable<ConsentLedgerHead>;
  /** The revisions of each consent, in revision order, by consentId (one query, whatever the count). */
  revisionsOfMany(consentIds: readonly string[]): Promise<Map<string, StoredRevision[]>>;
  /** About how many revisions there are (the collection's metadata count), for a progress bar. */
  estimatedRevisions(): Promise<number>;
}

export function ledgerReads(db: Db): LedgerReads {
  const consents = db.collection<ConsentDocument>(CONSENTS);
  const revisions = db.collection<Document & { _id: string }>(CONSENT_REVISIONS);
  const projection = { state: 1, version: 1, outbox: 1 };
  return {
    async head(consentId) {
      const doc = await infra(() => consents.findOne({ _id: consentId }, { projection }));
      return doc ? headOf(doc) : null;
    },
    async revisionsOf(consentId) {
      const docs = await infra(() => revisions.find({ _id: { $gt: `${consentId}:`, $lt: `${consentId};` } }).toArray());
      return (docs as StoredRevision[]).sort(byRevision);
    },
    async *allHeads() {
      const cursor = consents.find({}, { projection, batchSize: CURSOR_BATCH }).sort({ _id: 1 });
      try {
        for (;;) {
          const doc = await infra(() => cursor.next());
          if (doc === null) return;
          yield headOf(doc);
        }
      } finally {
        await cursor.close();
      }
    },
    async revisionsOfMany(consentIds) {
      const found = new Map<string, StoredRevision[]>(consentIds.map((id) => [id, []]));
      if (consentIds.length === 0) return found;
      const docs = await infra(() => revisions.find(revisionIdRange(consentIds)).toArray());
      // Each is put in the chain its _id names, where the read API finds it: a record whose fields
      // claim another consent is then a broken link of that chain, not a record that went missing.
      for (const doc of docs as StoredRevision[]) found.get(consentOfRevisionId(String(doc._id)))?.push(doc);
      for (const list of found.values()) list.sort(byRevision);
      return found;
    },
    estimatedRevisions: () => infra(() => revisions.estimatedDocumentCount()),
  };
}
