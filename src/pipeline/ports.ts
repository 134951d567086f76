// The interfaces the pipeline owns. Adapters (src/adapters) implement them over kafkajs, the
// registry client, the MongoDB driver and ioredis; the pipeline never imports those libraries.
import type { CommandEnvelope } from '../domain/envelope.ts';

// ---- Kafka -------------------------------------------------------------------------------
export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface OutboundMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One partition's slice of a poll. The adapter commits its offsets after the handler resolves. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly InboundMessage[];
  /** Marks everything up to and including this message done, and commits it. */
  commitThrough(message: InboundMessage): Promise<void>;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  /** The partition's high watermark when the batch was fetched (for the consumer-lag metric). */
  readonly highWatermark: string;
}

export interface ConsumerHandle {
  stop(): Promise<void>;
  /** Whether the consumer is a member of its group now (joined, not rebalancing, not stopped). */
  joined(): boolean;
  /** The group session it joined with (ms): how long a killed replica's partitions wait; null where there is no group. */
  sessionTimeoutMs(): number | null;
}

export interface MessageBus {
  /** Resolves once every message is acknowledged by the broker (acks=all). */
  publish(messages: readonly OutboundMessage[]): Promise<void>;
  ensureTopics(topics: readonly { name: string; partitions: number }[]): Promise<void>;
  consume(options: {
    groupId: string;
    topics: readonly string[];
    partitionsConsumedConcurrently: number;
    /** Finished offsets are committed once this many wait, or `commitIntervalMs` after the last commit; absent: at once. */
    commitEvery?: number;
    commitIntervalMs?: number;
    onBatch(batch: PartitionBatch): Promise<void>;
  }): Promise<ConsumerHandle>;
  /** Resolves when a broker answers a metadata request (readiness); rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ---- Schema registry ------------------------------------------------------------------------
export type DecodeOutcome =
  | { readonly ok: true; readonly envelope: CommandEnvelope }
  | { readonly ok: false; readonly reason: string; readonly detail: string };

export interface CommandDecoder {
  decode(value: Buffer | null): Promise<DecodeOutcome>;
}

export interface RecordEncoder {
  encode(record: unknown): Promise<Buffer>;
}

// ---- MongoDB -----------------------------------------------------------------------------
export interface OutboxEntry {
  /** eventId, or `result:<commandId>` for the command's result. */
  readonly id: string;
  readonly kind: 'event' | 'result';
  readonly key: string;
  readonly body: unknown;
  /** A result entry's commandPayloadHash, stored with the result when it is published. */
  readonly payloadHash?: string | null;
  /** The W3C `traceparent` of the command (or sweep round) that caused it, sent as its header; absent when tracing is off. */
  readonly traceparent?: string;
  /**
   * The change's revision (families that keep a history), riding on the change's first entry:
   * stored into the family's revision collection by whoever publishes the entry, before the publish.
   */
  readonly revision?: PendingRevision;
}

/** A revision owed to the history: stored under `id`, so a second store of it is a no-op. */
export interface PendingRevision {
  readonly id: string;
  readonly body: unknown;
}

/** An outbox to clear: its aggregate, and the ids of the entries it held when it was published. */
export interface OutboxRef {
  readonly id: string;
  readonly entryIds: readonly string[];
  /** The owing-index mark of the round that wrote it (OwingIndex), unmarked once it is cleared. */
  readonly mark?: number;
}

export interface AggregateRecord<S> {
  readonly id: string;
  readonly version: number;
  readonly state: S;
  /** Messages this state change owes to Kafka; cleared a while after they are acknowledged (outbox-clears.ts). */
  readonly outbox: readonly OutboxEntry[];
  /** The last commands applied to this aggregate, to recognise a redelivery after a crash. */
  readonly appliedCommandIds: readonly string[];
  /** Top-level fields for queries (e.g. the expiry index). */
  readonly indexFields: Readonly<Record<string, unknown>>;
}

export interface AggregateStore {
  load(collection: string, id: string): Promise<AggregateRecord<unknown> | null>;
  /** The stored aggregates among `ids`, by id, in one query (a missing id is absent from the map). */
  loadMany(collection: string, ids: readonly string[]): Promise<Map<string, AggregateRecord<unknown>>>;
  /** Inserts a new aggregate; 'exists' when the id is taken (unique _id). */
  create(collection: string, record: AggregateRecord<unknown>): Promise<'written' | 'exists'>;
  /**
   * Inserts new aggregates in as few write commands as the server allows; for each record, in
   * order, 'written' or 'exists' (its id was taken). A record that failed otherwise throws.
   */
  createMany(collection: string, records: readonly AggregateRecord<unknown>[]): Promise<('written' | 'exists')[]>;
  /** Replaces the aggregate only if its stored version is still expectedVersion. */
  replace(collection: string, record: AggregateRecord<unknown>, expectedVersion: number): Promise<'written' | 'conflict'>;
  /**
   * Empties each outbox that still holds the entries it held when published, in one write. An
   * outbox holding other entries belongs to a newer version, which owes its own messages.
   */
  clearOutboxes(collection: string, outboxes: readonly OutboxRef[]): Promise<void>;
  /**
   * Ids of aggregates whose outbox still owes messages (left by a crash), in id order, up to
   * `limit`, only those after `afterId` when given (a page of them).
   */
  findOwing(collection: string, limit: number, afterId?: string): Promise<string[]>;
  /**
   * Stores revisions in a history collection in as few writes as the server allows. A revision
   * whose id is stored already is left as it is (the same change stored again by a redo).
   */
  appendRevisions(collection: string, revisions: readonly PendingRevision[]): Promise<void>;
}

/**
 * Which outbox entries were published already. An outbox stays in its document for a while after
 * its publish (clears are deferred past bursts), so whoever loads it then asks here before
 * publishing it again. Forgetting (a lost Redis) only means a message goes out twice with the
 * same id, which consumers recognise.
 */
export interface PublishedEntries {
  remember(entryIds: readonly string[], ttlMs: number): Promise<void>;
  /** The ids among entryIds that were remembered as published. */
  among(entryIds: readonly string[]): Promise<Set<string>>;
}

/**
 * Aggregates whose outbox may owe messages, by lock key (`collection:id`): marked by a round
 * before it writes, unmarked once the written outbox is cleared (or when the round wrote nothing).
 * The start-up recovery reads this short list instead of scanning the collections for owed
 * outboxes. A mark is a number from one increasing sequence, and an unmark removes a key only if
 * its mark is not newer than the given one, so a clear of an older outbox never unmarks a newer
 * write of the same aggregate.
 */
export interface OwingIndex {
  /** Marks the keys; returns the mark (greater than any earlier one). */
  mark(keys: readonly string[]): Promise<number>;
  /** Unmarks each key whose mark is at most `mark`. */
  unmark(keys: readonly string[], mark: number): Promise<void>;
  /**
   * A page of marked keys with marks in (`after`, `upTo`], oldest mark first: `limit` keys, plus
   * the other keys of the last page's mark (a round's keys share one), so the next page is the
   * keys marked after the last mark of this one.
   */
  page(after: number, upTo: number, limit: number): Promise<{ readonly key: string; readonly mark: number }[]>;
  /** The newest mark handed out so far (0 before the first). */
  newestMark(): Promise<number>;
  /**
   * Whether the index is known complete for the collection: false when Redis lost it (restarted
   * empty) or it was never kept, so owed outboxes written before may be missing from it.
   */
  intact(collection: string): Promise<boolean>;
  /** Records the index complete for the collection (after a scan of the store found every owed outbox). */
  markIntact(collection: string): Promise<void>;
}

export interface StoredResult {
  readonly commandId: string;
  readonly family: string;
  readonly body: unknown;
  /**
   * Hash of the command's content (commandPayloadHash): a redelivery carries the same, a reused
   * commandId with another payload does not. null for results stored before hashes were kept.
   */
  readonly payloadHash: string | null;
}

export interface ResultStore {
  get(commandId: string): Promise<StoredResult | null>;
  /** The stored results among `commandIds`, by commandId, in one query. */
  getMany(commandIds: readonly string[]): Promise<Map<string, StoredResult>>;
  /**
   * Stores results (with the time, for their retention) in as few writes as the server allows. A
   * result already stored under a commandId is kept as it is: the first answer stands.
   */
  putMany(results: readonly StoredResult[]): Promise<void>;
}

/** extType:extKey → entityId, unique by construction (the key is the document _id). */
export interface ExternalKeyIndex {
  ownerOf(key: string): Promise<string | null>;
  /** Claims the key for the entity if free; returns whoever owns it afterwards. */
  claim(key: string, entityId: string): Promise<string>;
  /** Frees the key only if this entity holds it. */
  release(key: string, entityId: string): Promise<void>;
}

/**
 * Aggregates set aside after failing again and again (a stored document that cannot be revived,
 * say): they leave the expiry schedule, are recorded with the reason, and wait for an operator
 * (`consent-worker parked list|retry`). Kept in MongoDB, beside the aggregates.
 */
export interface ParkedAggregate {
  readonly collection: string;
  readonly id: string;
  /** What parked it: e.g. 'consent-expiry'. */
  readonly kind: string;
  readonly reason: string;
  readonly failures: number;
  readonly parkedAt: Date;
}

export interface ParkingLot {
  /** Counts one more failure of the aggregate for `kind`; returns how many it has had in a row. */
  failed(kind: string, target: { collection: string; id: string }, reason: string): Promise<number>;
  /** A success resets the count. */
  succeeded(kind: string, target: { collection: string; id: string }): Promise<void>;
  park(entry: Omit<ParkedAggregate, 'parkedAt'>, at: Date): Promise<void>;
  list(limit: number): Promise<ParkedAggregate[]>;
  /** Takes the aggregate out of the lot (its failure count too); false when it was not parked. */
  release(target: { collection: string; id: string }): Promise<boolean>;
}

// ---- Redis -------------------------------------------------------------------------------
/** A lease on a lock key, held while `token` is the key's value. */
export interface Lease {
  readonly key: string;
  readonly token: string;
}

/** Leases asked for, extended and given back a batch at a time: one round trip per call. */
export interface LockService {
  /** For each key, in order, its lease or null when another holder has it. */
  tryAcquireMany(keys: readonly string[], ttlMs: number): Promise<(Lease | null)[]>;
  /** For each lease, whether it is still ours (false: it expired and was taken; the version check protects the write). */
  extendMany(leases: readonly Lease[], ttlMs: number): Promise<boolean[]>;
  /** Gives back the leases still ours. */
  releaseMany(leases: readonly Lease[]): Promise<void>;
}

export interface RateCounter {
  /** Counts one event in the current fixed window and returns the window's count. */
  hit(key: string, windowMs: number, now: Date): Promise<number>;
}

/** A consent's place in the expiry schedule after a write: due at `dueAt`, or not at all (null). */
export interface ScheduleChange {
  readonly consentId: string;
  readonly dueAt: Date | null;
}

export interface ExpirySchedule {
  /** Applies the changes of a batch of writes together. */
  reschedule(changes: readonly ScheduleChange[]): Promise<void>;
  /** Claims up to `limit` consents due at `now` for `leaseMs`; unfinished claims come back after it. */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<string[]>;
  /** Removes claimed consents once handled, except those rescheduled meanwhile. */
  complete(consentIds: readonly string[]): Promise<void>;
  nextDueAt(): Promise<Date | null>;
  pending(now: Date): Promise<number>;
}

export interface DueConsent {
  readonly id: string;
  readonly dueAt: Date;
}

/** The expiry index in MongoDB, the schedule's source of truth (read by the sweep's safety net). */
export interface DueConsentQuery {
  /**
   * Consents due at or before `before` (and after `since`, when given), at most `limit`, in
   * (dueAt, id) order, following `after` when given.
   */
  dueBefore(before: Date, limit: number, after: DueConsent | null, since?: Date | null): Promise<DueConsent[]>;
}
