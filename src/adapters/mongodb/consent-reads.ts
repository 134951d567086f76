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
import { pendingRevisionsOf } from './revision-reads.ts';

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

/** Revision ids per query of a receipt's read: an $in this long stays a small message. */
const RECEIPT_ID_CHUNK = 1_000;

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
  const revisionOf = ({ _id, ...revision }: Document): ConsentRevision => revision as ConsentRevision;
  /** A consent's whole history: a range on _id ("<consentId>:<n>"; identifiers hold no ':', and ';' follows ':'), the shape FerretDB answers from an index. */
  const historyOf = (consentId: string): Promise<Document[]> =>
    io(() => revisions.find({ _id: { $gt: `${consentId}:`, $lt: `${consentId};` } }).toArray());

  /**
   * Each consent with its chain as of the one read of its document: the revisions stored then or
   * after, up to its version, plus those its outbox still owed. A revision leaves the outbox only
   * once stored, so each of 1..version is in one or the other; a revision stored after the
   * document was read (a later change) is left out, so the chain ends at the state shown. The
   * revisions are fetched by their ids (<consentId>:1..version), RECEIPT_ID_CHUNK at a time: an
   * `_id $in` of strings, which MongoDB and the stack's FerretDB both answer from the _id index
   * (per-consent _id ranges cost one round trip each: 500 consents took 10 s on the loaded stack).
   */
  const heldOf = async (docs: readonly StateDocument[]): Promise<HeldConsent[]> => {
    const held = docs.map((doc) => ({ consent: consentOf(doc) as Consent, owed: pendingRevisionsOf(doc.outbox).map(revisionOf) }));
    const ids = held.flatMap(({ consent }) => Array.from({ length: consent.version }, (_, i) => revisionIdOf(consent.consentId, i + 1)));
    const stored = new Map<string, ConsentRevision>();
    for (let i = 0; i < ids.length; i += RECEIPT_ID_CHUNK) {
      const chunk = ids.slice(i, i + RECEIPT_ID_CHUNK);
      for (const doc of await io(() => revisions.find({ _id: { $in: chunk } }).toArray())) stored.set(doc._id, revisionOf(doc));
    }
    return held.map(({ consent, owed }) => {
      const chain = new Map<number, ConsentRevision>(owed.filter((r) => r.revision <= consent.version).map((r) => [r.revision, r]));
      for (let n = 1; n <= consent.version; n++) {
        const found = stored.get(revisionIdOf(consent.consentId, n));
        if (found) chain.set(n, found);
      }
      return { consent, revisions: [...chain.values()].sort((a, b) => a.revision - b.revision) };
    });
  };

  return {
    async userConsents(serviceId, userId, afterConsentId, limit) {
      const prefix = userKeyPrefix(serviceId, userId);
      const { to } = prefixRange(prefix);
      // One range on ownerKey only, so FerretDB pushes it down whole (keyset: after the last seen).
      const from = afterConsentId === null ? prefix : `${prefix}${afterConsentId}`;
      const docs = await io(() => consents.find({ ownerKey: { $gt: from, $lt: to } }, STATE_ONLY)
        .sort({ ownerKey: 1 }).limit(limit).toArray());
      return docs.map((d) => consentOf(d) as Consent);
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
    async consentRevisions(consentId, afterRevision, limit) {
      // _ids sort as text (10 before 2): a page reads the consent's whole history and orders it by number here.
      const docs = await historyOf(consentId);
      return docs.map(revisionOf).filter((r) => r.revision > afterRevision).sort((a, b) => a.revision - b.revision).slice(0, limit);
    },
    async consentRevision(consentId, revision) {
      const doc = await io(() => revisions.findOne({ _id: revisionIdOf(consentId, revision) }));
      return doc ? revisionOf(doc) : null;
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
