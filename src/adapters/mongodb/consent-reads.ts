// The read API's queries over the documents the worker writes. Reads go to the aggregates
// themselves (no separate read model), so a read after a command's result shows that result's
// version. The user and org lists and the access check are ranges on one string key
// (consent/read-keys.ts): MongoDB answers them from {ownerKey: 1} / {orgKey: 1} / {accessKey: 1}, and so does the stack's FerretDB with its
// string-range patch (scripts/stack/ferretdb/sqlite-string-range.patch); any other filter shape,
// an equality on a second field too, would make FerretDB decode every consent (docs/dev-stack.md).
import { MongoClient, type Db, type Document } from 'mongodb';
import { CONSENT_REVISIONS, CONSENTS, PERMISSION_COLLECTIONS } from '../../catalogue/collections.ts';
import type { Consent } from '../../domain/consent/consent.ts';
import { revisionIdOf, type ConsentRevision } from '../../domain/consent/revision.ts';
import { accessKeyPrefix, orgKeyPrefix, prefixRange, subjectKeyPrefix, userKeyPrefix } from '../../domain/consent/read-keys.ts';
import type { HeldConsent } from '../../domain/ledger/receipt.ts';
import type { Entity } from '../../domain/permission/entity.ts';
import type { PermissionDef } from '../../domain/permission/reference.ts';
import { InfrastructureError } from '../../pipeline/errors.ts';
import type { ReadStore } from '../../pipeline/read-ports.ts';
import { chainsOf, revisionOfDocument } from './consent-chains.ts';
import { firstInKeyOrder } from './first-in-key-order.ts';
import { pendingRevisionsOf } from './revision-reads.ts';
import { revisionsById } from './revisions-by-id.ts';

interface StateDocument extends Document {
  _id: string;
  state: unknown;
  outbox?: { revision?: unknown }[];
}

export interface MongoReadStore extends ReadStore {
  ensureIndexes(): Promise<void>;
  /** For /readyz. */
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

const STATE_ONLY = { projection: { state: 1 } } as const;

/** Revision numbers a query reads past the first page's, looking for a chain that starts late. */
const REVISION_WINDOW = 1_000;

function consentOf(doc: StateDocument | null): Consent | null {
  if (doc === null) return null;
  const c = doc.state as Partial<Consent> | null;
  if (!c || typeof c.consentId !== 'string' || typeof c.version !== 'number') {
    throw new Error(`stored consent ${doc._id} does not have the shape of a consent`);
  }
  return c as Consent;
}

async function io<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new InfrastructureError('mongodb', error);
  }
}

export function mongoReadStore(db: Db, close: () => Promise<void> = async () => undefined): MongoReadStore {
  const consents = db.collection<StateDocument>(CONSENTS);
  const state = <T>(doc: StateDocument | null): T | null => (doc === null ? null : (doc.state as T));
  const revisions = db.collection<Document & { _id: string }>(CONSENT_REVISIONS);
  /** The stored revisions of these numbers, in revision order, read by id (revisions-by-id.ts). */
  const revisionsNumbered = async (consentId: string, from: number, to: number): Promise<ConsentRevision[]> => {
    const ids = Array.from({ length: to - from + 1 }, (_, i) => revisionIdOf(consentId, from + i));
    return (await revisionsById(revisions, ids)).map(revisionOfDocument).sort((a, b) => a.revision - b.revision);
  };

  /** Each consent with its chain as of the one read of its document (consent-chains.ts). */
  const heldOf = async (docs: readonly StateDocument[]): Promise<HeldConsent[]> => {
    const read = docs.map((doc) => ({ consent: consentOf(doc) as Consent, owed: pendingRevisionsOf(doc.outbox).map(revisionOfDocument) }));
    const chains = await chainsOf(revisions, read);
    return read.map(({ consent }, i) => ({ consent, revisions: chains[i]! }));
  };

  return {
    async userConsents(serviceId, userId, afterConsentId, limit) {
      const prefix = userKeyPrefix(serviceId, userId);
      const { to } = prefixRange(prefix);
      // One range on ownerKey only, so FerretDB pushes it down whole (keyset: after the last seen).
      // Within one user's range ownerKey order is consentId order. Sorted only up to a bound
      // (first-in-key-order.ts): FerretDB sorts by decoding every document the range holds.
      const from = afterConsentId === null ? prefix : `${prefix}${afterConsentId}`;
      const read = (upTo: { $lt: string } | { $lte: string }, sorted: boolean, n: number): Promise<Consent[]> => io(async () => {
        const cursor = consents.find({ ownerKey: { $gt: from, ...upTo } }, STATE_ONLY);
        return (await (sorted ? cursor.sort({ ownerKey: 1 }) : cursor).limit(n).toArray()).map((d) => consentOf(d) as Consent);
      });
      return firstInKeyOrder({
        anyOrder: (n) => read({ $lt: to }, false, n),
        sortedUpTo: (last, n) => read(last === null ? { $lt: to } : { $lte: `${prefix}${last}` }, true, n),
      }, (c) => c.consentId, limit);
    },
    async userConsentsOfType(serviceId, userId, consentType) {
      // Only that type's consents: each document read costs FerretDB a whole decode.
      const { from, to } = prefixRange(accessKeyPrefix(serviceId, userId, consentType));
      const docs = await io(() => consents.find({ accessKey: { $gt: from, $lt: to } }, STATE_ONLY).toArray());
      return docs.map((d) => consentOf(d) as Consent);
    },
    async consent(consentId) {
      return consentOf(await io(() => consents.findOne({ _id: consentId }, STATE_ONLY)));
    },
    async consentRevisions(consentId, afterRevision, limit, upTo) {
      // By number, not by a range on _id: FerretDB answers an _id range by reading and decoding the
      // whole ledger (3 s at 40,000 revisions), an _id $in from its index. The first window is the
      // page; a consent stored before the ledger has no revisions below its first change's number,
      // so windows of a thousand numbers are read on until the page fills or the version is passed.
      const found: ConsentRevision[] = [];
      for (let from = afterRevision + 1, window = limit; from <= upTo && found.length < limit; from += window, window = REVISION_WINDOW) {
        found.push(...await revisionsNumbered(consentId, from, Math.min(upTo, from + window - 1)));
      }
      return found.slice(0, limit);
    },
    async consentRevision(consentId, revision) {
      const doc = await io(() => revisions.findOne({ _id: revisionIdOf(consentId, revision) }));
      return doc ? revisionOfDocument(doc) : null;
    },
    async subjectLedger(userId, bounds) {
      // One range on subjectKey, in consentId order; one more than the bound says "too many".
      const { from, to } = prefixRange(subjectKeyPrefix(userId));
      const docs = await io(() => consents.find({ subjectKey: { $gt: from, $lt: to } }, { projection: { state: 1, outbox: 1 } })
        .sort({ subjectKey: 1 }).limit(bounds.consents + 1).toArray());
      // Versions bound the revisions from above, so the revisions are not read when there would be too many.
      const versions = docs.reduce((sum, doc) => sum + ((consentOf(doc) as Consent).version), 0);
      if (docs.length > bounds.consents || versions > bounds.revisions) return null;
      return heldOf(docs);
    },
    async orgConsents(orgId) {
      const { from, to } = prefixRange(orgKeyPrefix(orgId));
      const docs = await io(() => consents.find({ orgKey: { $gt: from, $lt: to } }, STATE_ONLY).toArray());
      return docs.map((d) => consentOf(d) as Consent);
    },
    async entity(entityId) {
      return state<Entity>(await io(() => db.collection<StateDocument>(PERMISSION_COLLECTIONS.entity).findOne({ _id: entityId }, STATE_ONLY)));
    },
    async entityIdOfKey(extType, extKey) {
      const doc = await io(() => db.collection<{ _id: string; entityId: string }>('entity_keys').findOne({ _id: `${extType}:${extKey}` }));
      return doc?.entityId ?? null;
    },
    async permission(permissionId) {
      return state<PermissionDef>(await io(() => db.collection<StateDocument>(PERMISSION_COLLECTIONS.permission).findOne({ _id: permissionId }, STATE_ONLY)));
    },
    async ensureIndexes() {
      await io(async () => {
        await consents.createIndex({ ownerKey: 1 });
        await consents.createIndex({ accessKey: 1 });
        await consents.createIndex({ orgKey: 1 });
        await consents.createIndex({ subjectKey: 1 });
      });
    },
    ping: () => db.command({ ping: 1 }),
    close,
  };
}

export async function connectReadStore(uri: string, database: string): Promise<MongoReadStore> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, maxPoolSize: 32 });
  await io(() => client.connect());
  return mongoReadStore(client.db(database), () => client.close());
}
