// AggregateStore and ResultStore over the MongoDB driver. One document per aggregate:
//   { _id, version, state, outbox: [{id, kind, key, body: <JSON text>}], owes, appliedCommandIds, ...indexFields }
// Every write is a single-document operation (insert, or replace conditional on the version),
// so it needs no transaction: FerretDB has none, and MongoDB does not need one for this.
import { MongoBulkWriteError, MongoClient, MongoServerError, type Collection, type Db, type Document } from 'mongodb';
import { CONSENT_REVISIONS } from '../../catalogue/collections.ts';
import { InfrastructureError } from '../../pipeline/errors.ts';
import { backoffDelay } from '../../wait/backoff.ts';
import { sleep } from '../../wait/sleep.ts';
import { deadConnectionWatch, type DeadConnectionWatch } from './dead-connection-watch.ts';
import type { AggregateRecord, AggregateStore, DueConsentQuery, ExternalKeyIndex, OutboxEntry, PendingRevision, ResultStore, StoredResult } from '../../pipeline/ports.ts';

const DUPLICATE_KEY = 11000;
/**
 * Documents per insert command. FerretDB 1.24 hangs on write commands of about 100 statements,
 * so many documents go as several commands of at most this many.
 */
const WRITE_GROUP = 50;

function groupsOf<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

interface ResultDocument extends Document {
  _id: string;
  family: string;
  body: unknown;
  payloadHash?: string | null;
  /** When it was stored: the retention of stored results counts from here. */
  storedAt: Date;
}

/**
 * An outbox entry as stored. The body is kept as JSON text: nothing queries it, and the server
 * decodes and re-encodes every field of a document on each read and write, so an event body (a
 * copy of the whole state) stored as an object made each expiry's write cost a third more on
 * FerretDB. Bodies stored as objects by earlier versions are still read.
 */
interface StoredOutboxEntry {
  id: string;
  kind: OutboxEntry['kind'];
  key: string;
  body: string | Document;
  payloadHash?: string | null;
  traceparent?: string;
  /** A pending revision, as JSON text like the body: { id, body }. */
  revision?: string;
}

interface AggregateDocument extends Document {
  _id: string;
  version: number;
  state: unknown;
  outbox: StoredOutboxEntry[];
  owes: boolean;
  appliedCommandIds: string[];
}

// Server errors that say "try again", not "no": MongoDB's failover and shutdown codes, and the
// SQLite lock contention FerretDB reports as InternalError when writers queue past its timeout.
// Why the pipeline bounds its writes in flight (KEY_CONCURRENCY) rather than sending a round's
// all at once: MongoDB-wire servers serialise writes to one document store anyway, and SQLite
// (under the development stack's FerretDB) backs off in steps of tens of milliseconds when too
// many writers wait for its one write lock (docs/dev-stack.md).
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
const TRANSIENT_MESSAGE = /database is locked|SQLITE_BUSY/;

function isTransient(error: MongoServerError): boolean {
  return TRANSIENT_CODES.has(Number(error.code)) || error.hasErrorLabel('RetryableWriteError') || TRANSIENT_MESSAGE.test(error.message);
}

/**
 * The watches of the clients connectMongo opened in this process. infra is one function shared by
 * every module that reads or writes through a client's Db, so it tells them all; a worker process
 * has one such client (the read API's is separate and not watched here).
 */
const watches = new Set<DeadConnectionWatch>();

export async function infra<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    for (const watch of watches) watch.observe(error);
    // A server's refusal (duplicate key, bad query) is an answer the caller handles; an outage
    // or a "try again" is an infrastructure failure the pipeline retries without skipping.
    if (error instanceof MongoServerError && !isTransient(error)) throw error;
    throw new InfrastructureError('mongodb', error);
  }
}

export interface MongoStores {
  readonly aggregates: AggregateStore;
  readonly results: ResultStore;
  readonly externalKeys: ExternalKeyIndex;
  readonly dueConsents: DueConsentQuery;
  readonly db: Db;
  ensureIndexes(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Inserts the documents in groups, unordered; for each, whether it was written or its _id was
 * taken (a per-document duplicate key error). Any other failure throws.
 */
async function insertAll<T extends Document & { _id: string }>(target: Collection<T>, docs: readonly T[]): Promise<('written' | 'exists')[]> {
  const outcome: ('written' | 'exists')[] = docs.map(() => 'written');
  await Promise.all(groupsOf(docs.map((doc, index) => ({ doc, index })), WRITE_GROUP).map(async (group) => {
    try {
      await infra(() => target.insertMany(group.map(({ doc }) => doc) as never, { ordered: false }));
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      const other = errors.find((e) => e.code !== DUPLICATE_KEY);
      if (other || errors.length === 0) throw error;
      for (const e of errors) outcome[(group[e.index] as { index: number }).index] = 'exists';
    }
  }));
  return outcome;
}

function toStoredEntry(entry: OutboxEntry): StoredOutboxEntry {
  const stored: StoredOutboxEntry = { id: entry.id, kind: entry.kind, key: entry.key, body: JSON.stringify(entry.body) };
  if (entry.payloadHash) stored.payloadHash = entry.payloadHash;
  if (entry.revision) stored.revision = JSON.stringify(entry.revision);
  if (entry.traceparent) stored.traceparent = entry.traceparent;
  return stored;
}

function fromStoredEntry(entry: StoredOutboxEntry): OutboxEntry {
  const body: unknown = typeof entry.body === 'string' ? JSON.parse(entry.body) : entry.body;
  return {
    id: entry.id, kind: entry.kind, key: entry.key, body,
    ...(entry.payloadHash ? { payloadHash: entry.payloadHash } : {}),
    ...(entry.revision ? { revision: JSON.parse(entry.revision) as PendingRevision } : {}),
    ...(entry.traceparent ? { traceparent: entry.traceparent } : {}),
  };
}

function toDocument(record: AggregateRecord<unknown>): AggregateDocument {
  return {
    ...record.indexFields,
    _id: record.id,
    version: record.version,
    state: record.state,
    outbox: record.outbox.map(toStoredEntry),
    owes: record.outbox.length > 0,
    appliedCommandIds: [...record.appliedCommandIds],
  };
}

function fromDocument(doc: AggregateDocument): AggregateRecord<unknown> {
  const { _id, version, state, outbox, appliedCommandIds, owes: _owes, ...indexFields } = doc;
  return { id: _id, version, state, outbox: (outbox ?? []).map(fromStoredEntry), appliedCommandIds: appliedCommandIds ?? [], indexFields };
}

const aggregateCollection = (db: Db, name: string): Collection<AggregateDocument> => db.collection<AggregateDocument>(name);

function mongoAggregateStore(db: Db): AggregateStore {
  const collection = (name: string): Collection<AggregateDocument> => aggregateCollection(db, name);
  return {
    async load(name, id) {
      const doc = await infra(() => collection(name).findOne({ _id: id }));
      return doc ? fromDocument(doc) : null;
    },
    async loadMany(name, ids) {
      if (ids.length === 0) return new Map();
      const docs = await infra(() => collection(name).find({ _id: { $in: [...ids] } }).toArray());
      return new Map(docs.map((doc) => [doc._id, fromDocument(doc)]));
    },
    async create(name, record) {
      try {
        await infra(() => collection(name).insertOne(toDocument(record)));
        return 'written';
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return 'exists';
        throw error;
      }
    },
    async createMany(name, records) {
      if (records.length === 0) return [];
      return insertAll(collection(name), records.map(toDocument));
    },
    async replace(name, record, expectedVersion) {
      const outcome = await infra(() => collection(name).replaceOne({ _id: record.id, version: expectedVersion }, toDocument(record)));
      return outcome.matchedCount === 1 ? 'written' : 'conflict';
    },
    async clearOutboxes(name, outboxes) {
      const owing = outboxes.filter((outbox) => outbox.entryIds.length > 0);
      if (owing.length === 0) return;
      // An outbox's entry ids name its aggregate and version (eventId, or the result of a command
      // applied once), so "still holds one of these ids" means "is still that outbox": one
      // updateMany clears them all, where a per-document {_id, version} condition would need an
      // $or that FerretDB evaluates slowly or a bulk write, which hangs FerretDB 1.24 at ~100 updates.
      const entryIds = owing.flatMap((outbox) => outbox.entryIds);
      await infra(() => collection(name).updateMany(
        { _id: { $in: owing.map((outbox) => outbox.id) }, 'outbox.id': { $in: entryIds } },
        { $set: { outbox: [], owes: false } },
      ));
    },
    async findOwing(name, limit, afterId) {
      const filter = afterId === undefined ? { owes: true } : { owes: true, _id: { $gt: afterId } };
      const docs = await infra(() => collection(name).find(filter, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(limit).toArray());
      return docs.map((d) => d._id);
    },
    async appendRevisions(name, revisions) {
      if (revisions.length === 0) return;
      // Inserted, never replaced: a revision is immutable, and one stored already (a flush
      // repeated after a crash) is a duplicate key that insertAll reports as 'exists'.
      const docs = revisions.map((revision) => ({ ...(revision.body as Document), _id: revision.id }));
      await insertAll(db.collection<Document & { _id: string }>(name), docs);
    },
  };
}

const fromResult = (doc: ResultDocument): StoredResult =>
  ({ commandId: doc._id, family: doc.family, body: doc.body, payloadHash: doc.payloadHash ?? null });

function mongoResultStore(results: Collection<ResultDocument>): ResultStore {
  return {
    async get(commandId) {
      const doc = await infra(() => results.findOne({ _id: commandId }));
      return doc ? fromResult(doc) : null;
    },
    async getMany(commandIds) {
      if (commandIds.length === 0) return new Map();
      const docs = await infra(() => results.find({ _id: { $in: [...commandIds] } }).toArray());
      return new Map(docs.map((doc) => [doc._id, fromResult(doc)]));
    },
    async putMany(stored) {
      // Inserted, not upserted: a result stored twice (a crash between publish and clear) keeps
      // the first, and a duplicate key is no error.
      const storedAt = new Date();
      await insertAll(results, stored.map((r) => ({ _id: r.commandId, family: r.family, body: r.body, payloadHash: r.payloadHash, storedAt })));
    },
  };
}

function mongoExternalKeys(db: Db): ExternalKeyIndex {
  const keys = db.collection<{ _id: string; entityId: string }>('entity_keys');
  return {
    async ownerOf(key) {
      return (await infra(() => keys.findOne({ _id: key })))?.entityId ?? null;
    },
    async claim(key, entityId) {
      try {
        await infra(() => keys.insertOne({ _id: key, entityId }));
        return entityId;
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
        return (await infra(() => keys.findOne({ _id: key })))?.entityId ?? entityId;
      }
    },
    async release(key, entityId) {
      await infra(() => keys.deleteOne({ _id: key, entityId }));
    },
  };
}

function mongoDueConsents(db: Db): MongoStores['dueConsents'] {
  return {
    async dueBefore(before, limit, after, since) {
      // Keyset paging on (dueAt, _id): due times are not unique, so the id breaks ties. A first
      // page is one range on dueAt alone, which the patched FerretDB answers from the index.
      const range = since ? { $gt: since, $lte: before } : { $lte: before };
      const filter = after
        ? { $or: [{ dueAt: { $gt: after.dueAt, $lte: before } }, { dueAt: after.dueAt, _id: { $gt: after.id } }] }
        : { dueAt: range };
      const docs = await infra(() => aggregateCollection(db, 'consents')
        .find(filter, { projection: { _id: 1, dueAt: 1 } }).sort({ dueAt: 1, _id: 1 }).limit(limit).toArray());
      return docs.map((d) => ({ id: d._id, dueAt: d['dueAt'] as Date }));
    },
  };
}

async function ensureIndexes(db: Db): Promise<void> {
  const collection = (name: string): Collection<AggregateDocument> => aggregateCollection(db, name);
  await infra(async () => {
    await collection('consents').createIndex({ owes: 1 });
    await collection('consents').createIndex({ dueAt: 1, _id: 1 }); // the expiry safety net's paged query
    // One consent's history in revision order (the read routes, verify).
    await db.collection(CONSENT_REVISIONS).createIndex({ consentId: 1, revision: 1 });
    for (const name of ['entities', 'permission_defs', 'sources', 'contracts']) await collection(name).createIndex({ owes: 1 });
  });
}

/**
 * Closes the client and connects it again until it is connected or the stores are closed. The Db
 * objects every module holds stay valid: they belong to the client, not to its connections.
 * Meanwhile operations fail with MongoNotConnectedError, an InfrastructureError the pipeline
 * retries, and the readiness ping fails (red) until the client answers again.
 */
async function reconnectClient(client: MongoClient, closed: () => boolean): Promise<void> {
  await client.close().catch(() => undefined);
  for (let attempt = 1; !closed(); attempt++) {
    try {
      await client.connect();
      return;
    } catch {
      await sleep(backoffDelay(attempt));
    }
  }
}

export interface ReconnectOptions {
  /** Hears each reconnect of the client and why (dead-connection-watch.ts). */
  onReconnect?: (closeMessage: string, failures: number) => void;
  /** How long the same close must keep failing operations first (tests shorten it). */
  stuckAfterMs?: number;
}

/** `onCommand` hears the name of every command sent (the driver's command monitoring). */
export async function connectMongo(
  uri: string, database: string, onCommand?: (commandName: string) => void, reconnects: ReconnectOptions = {},
): Promise<MongoStores> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, retryWrites: true, w: 'majority', monitorCommands: onCommand !== undefined });
  if (onCommand) client.on('commandStarted', (event) => onCommand(event.commandName));
  await infra(() => client.connect());
  const db = client.db(database);
  let closed = false;
  const watch = deadConnectionWatch({
    reconnect: () => reconnectClient(client, () => closed),
    onReconnect: reconnects.onReconnect ?? (() => undefined),
    ...(reconnects.stuckAfterMs === undefined ? {} : { stuckAfterMs: reconnects.stuckAfterMs }),
  });
  watches.add(watch);
  return {
    aggregates: mongoAggregateStore(db),
    results: mongoResultStore(db.collection<ResultDocument>('command_results')),
    externalKeys: mongoExternalKeys(db),
    dueConsents: mongoDueConsents(db),
    db,
    ensureIndexes: () => ensureIndexes(db),
    close: () => {
      closed = true;
      watches.delete(watch);
      return client.close();
    },
  };
}
