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
}

export interface MessageBus {
  /** Resolves once every message is acknowledged by the broker (acks=all). */
  publish(messages: readonly OutboundMessage[]): Promise<void>;
  ensureTopics(topics: readonly { name: string; partitions: number }[]): Promise<void>;
  consume(options: {
    groupId: string;
    topics: readonly string[];
    partitionsConsumedConcurrently: number;
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
}

/** An outbox to clear: its aggregate, and the ids of the entries it held when it was published. */
export interface OutboxRef {
  readonly id: string;
  readonly entryIds: readonly string[];
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
  /** Replaces the aggregate only if its stored version is still expectedVersion. */
  replace(collection: string, record: AggregateRecord<unknown>, expectedVersion: number): Promise<'written' | 'conflict'>;
  /**
   * Empties each outbox that still holds the entries it held when published, in one write. An
   * outbox holding other entries belongs to a newer version, which owes its own messages.
   */
  clearOutboxes(collection: string, outboxes: readonly OutboxRef[]): Promise<void>;
  /** Ids of aggregates whose outbox still owes messages (left by a crash). */
  findOwing(collection: string, limit: number): Promise<string[]>;
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

export interface StoredResult {
  readonly commandId: string;
  readonly family: string;
  readonly body: unknown;
}

export interface ResultStore {
  get(commandId: string): Promise<StoredResult | null>;
  put(result: StoredResult): Promise<void>;
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
export interface Lease {
  readonly key: string;
  readonly token: string;
  /** false when the lease was lost (expired and taken); the version check still protects the write. */
  extend(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

export interface LockService {
  tryAcquire(key: string, ttlMs: number): Promise<Lease | null>;
}

export interface RateCounter {
  /** Counts one event in the current fixed window and returns the window's count. */
  hit(key: string, windowMs: number, now: Date): Promise<number>;
}

export interface ExpirySchedule {
  schedule(consentId: string, dueAt: Date): Promise<void>;
  unschedule(consentId: string): Promise<void>;
  /** Claims up to `limit` consents due at `now` for `leaseMs`; unfinished claims come back after it. */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<string[]>;
  /** Removes claimed consents once handled, except those rescheduled meanwhile. */
  complete(consentIds: readonly string[]): Promise<void>;
  nextDueAt(): Promise<Date | null>;
  pending(now: Date): Promise<number>;
}
