// Reads of the consent ledger for verification: one consent's revisions, and every consent in
// ascending _id through one cursor (FerretDB sorts the collection once), and the revisions of each
// page of consents by their ids, 1 to one past each consent's version (revisions-by-id.ts): the
// one shape besides _id equality that the stack's FerretDB answers from an index. (Keyset pages of
// consents re-sorted the rest of the collection for every page, and a consentId $in, like a range
// on _id, read and decoded the whole ledger for every page: 3 s a query at 40,000 revisions.)
// Revisions are put in order here rather than by the server.
import type { Db, Document } from 'mongodb';
import type { ChainTail, StoredRevision } from '../../domain/ledger/verify-chain.ts';
import { CONSENT_REVISIONS, CONSENTS } from '../../catalogue/collections.ts';
import { infra } from './mongo-store.ts';
import { revisionsById } from './revisions-by-id.ts';

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
 * The revision ids to read for these consents: 1 to one past each one's version. The one past
 * finds a revision beyond the version, the sign of a document set back to an earlier state.
 */
export function revisionIdsOf(heads: readonly Pick<ConsentLedgerHead, 'consentId' | 'tail'>[]): string[] {
  return heads.flatMap(({ consentId, tail }) => Array.from({ length: Math.max(0, tail.version) + 1 }, (_, i) => `${consentId}:${i + 1}`));
}

/** Revisions read past a consent's version when one consent is verified: changes made meanwhile. */
const LATER_CHANGES = 100;

/** The consent a revision _id belongs to (consent ids hold no ':'). */
const consentOfRevisionId = (id: string): string => id.slice(0, id.lastIndexOf(':'));

const byRevision = (a: StoredRevision, b: StoredRevision): number => Number(a.revision) - Number(b.revision);

export interface LedgerReads {
  head(consentId: string): Promise<ConsentLedgerHead | null>;
  revisionsOf(consentId: string): Promise<StoredRevision[]>;
  /** Every consent, in _id order, through one cursor. */
  allHeads(): AsyncIterable<ConsentLedgerHead>;
  /** The revisions of each consent (1 to one past its version), in revision order, by consentId. */
  revisionsOfMany(heads: readonly Pick<ConsentLedgerHead, 'consentId' | 'tail'>[]): Promise<Map<string, StoredRevision[]>>;
  /** About how many revisions there are (the collection's metadata count), for a progress bar. */
  estimatedRevisions(): Promise<number>;
}

export function ledgerReads(db: Db): LedgerReads {
  const consents = db.collection<ConsentDocument>(CONSENTS);
  const revisions = db.collection<Document & { _id: string }>(CONSENT_REVISIONS);
  const projection = { state: 1, version: 1, outbox: 1 };
  const head = async (consentId: string): Promise<ConsentLedgerHead | null> => {
    const doc = await infra(() => consents.findOne({ _id: consentId }, { projection }));
    return doc ? headOf(doc) : null;
  };
  const revisionsOfMany: LedgerReads['revisionsOfMany'] = async (heads) => {
    const found = new Map<string, StoredRevision[]>(heads.map((h) => [h.consentId, []]));
    // Each is put in the chain its _id names, where the read API finds it: a record whose fields
    // claim another consent is then a broken link of that chain, not a record that went missing.
    for (const doc of await revisionsById(revisions, revisionIdsOf(heads)) as StoredRevision[]) found.get(consentOfRevisionId(String(doc._id)))?.push(doc);
    for (const list of found.values()) list.sort(byRevision);
    return found;
  };
  return {
    head,
    async revisionsOf(consentId) {
      // By id too: up to the version the document has now and a margin past it, for the changes
      // that may land before the caller reads the document (after the revisions: see verify.ts).
      const version = (await head(consentId))?.tail.version ?? 0;
      const chain = { consentId, tail: { version: version + LATER_CHANGES, lastRevisionHash: null } };
      return (await revisionsOfMany([chain])).get(consentId) ?? [];
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
    revisionsOfMany,
    estimatedRevisions: () => infra(() => revisions.estimatedDocumentCount()),
  };
}
