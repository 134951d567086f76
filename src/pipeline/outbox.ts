// Publishing what aggregates' outboxes owe, and the results of a round. Each aggregate's events
// go out in version order with its result; a round's outboxes and answers go out in one
// acknowledged publish. Published entries are then remembered in the ledger and their outboxes
// handed to the clearing strategy (outbox-clears.ts). An outbox found still stored is published
// again only for the entries the ledger does not know, so a deferred clear causes no second
// publish; a crash before the ledger write only means the same messages (same eventIds) are
// sent again, which consumers recognise.
import type { Logger } from '../logging/logger.ts';
import { traceHeaders, type CommandTrace } from './command-tracing.ts';
import type { FamilyRuntime, Target, Versioned, DomainCommand } from './family.ts';
import { groupBy } from './group-by.ts';
import type { OutboxClearing } from './outbox-clears.ts';
import type { PipelineObserver } from './observer.ts';
import type { AggregateRecord, AggregateStore, MessageBus, OutboundMessage, OutboxEntry, OutboxRef, OwingIndex, PublishedEntries, ResultStore, StoredResult } from './ports.ts';
import type { ResultBody } from './result.ts';
import { fitResult, recordBytes } from './size-limits.ts';

/** How long the ledger remembers a publish: far beyond any clear's delay or a worker's restart. */
export const PUBLISHED_REMEMBERED_MS = 60 * 60_000;

export interface OutboxDeps {
  readonly store: AggregateStore;
  readonly owing: OwingIndex;
  readonly results: ResultStore;
  readonly bus: MessageBus;
  readonly published: PublishedEntries;
  readonly clears: OutboxClearing;
  readonly observer: PipelineObserver;
  readonly logger: Logger;
  /** The broker's max.message.bytes (KAFKA_MAX_MESSAGE_BYTES): no record we send may be larger. */
  readonly maxMessageBytes: number;
}

/** An aggregate's stored (or just written) record, whose outbox may owe messages. */
export interface Owed {
  readonly target: Target;
  readonly record: AggregateRecord<unknown>;
  /** The owing-index mark of the round that wrote it; absent for an outbox found stored. */
  readonly mark?: number;
}

/** A result published outside an outbox: a reply, a replay, a refusal before any load. */
export interface Answer {
  readonly body: ResultBody;
  readonly payloadHash: string | null;
  /** true: a new result, stored before it is published; false: a replay of a stored one. */
  readonly store: boolean;
  /** When the command's chunk was taken up (ms since the epoch), for the answered-in metric. */
  readonly receivedAt: number;
  /** The command's span: the result carries its `traceparent`. */
  readonly trace?: CommandTrace | undefined;
}

function refOf({ record, mark }: Owed): OutboxRef {
  const entryIds = record.outbox.map((entry) => entry.id);
  return mark === undefined ? { id: record.id, entryIds } : { id: record.id, entryIds, mark };
}

function storedResultOf(family: string, entry: OutboxEntry): StoredResult {
  return { commandId: entry.key, family, body: entry.body, payloadHash: entry.payloadHash ?? null };
}

async function messagesOf<C extends DomainCommand, S extends Versioned, X, P>(
  runtime: FamilyRuntime<C, S, X, P>, entries: readonly OutboxEntry[], answers: readonly EncodedAnswer[] = [],
): Promise<OutboundMessage[]> {
  const messages = await Promise.all(entries.map(async (entry): Promise<OutboundMessage> => {
    const headers = traceHeaders(entry.traceparent);
    if (entry.kind !== 'event') return { topic: runtime.resultsTopic, key: entry.key, value: await runtime.resultEncoder.encode(entry.body), headers };
    const other = runtime.otherEvents?.[(entry.body as { state?: { type?: string } }).state?.type ?? ''];
    return other
      ? { topic: other.topic, key: entry.key, value: await other.encoder.encode(entry.body), headers }
      : { topic: runtime.eventsTopic, key: entry.key, value: await runtime.eventEncoder.encode(entry.body), headers };
  }));
  for (const { answer, value } of answers) messages.push({ topic: runtime.resultsTopic, key: answer.body.commandId, value, headers: traceHeaders(answer.trace?.traceparent) });
  return messages;
}

interface EncodedAnswer {
  readonly answer: Answer;
  readonly value: Buffer;
}

/**
 * Encodes an answer once; one whose record would be over the broker's limit (a 1 MB correlationId
 * echoed, say) is replaced by a small 413 RESULT_TOO_LARGE, which is also what gets stored, so a
 * redelivery is answered alike. A refused produce can never succeed, and retrying it as an
 * outage would hold up the partition.
 */
async function encodeAnswer<C extends DomainCommand, S extends Versioned, X, P>(
  runtime: FamilyRuntime<C, S, X, P>, answer: Answer, limit: number,
): Promise<EncodedAnswer> {
  const value = await runtime.resultEncoder.encode(answer.body);
  const body = fitResult(answer.body, recordBytes({ key: answer.body.commandId, value, headers: traceHeaders(answer.trace?.traceparent) }), limit);
  if (body === answer.body) return { answer, value };
  return { answer: { ...answer, body }, value: await runtime.resultEncoder.encode(body) };
}

/**
 * Stores the revisions the entries carry, in one write per family: before the entries are
 * published, so a consumer that sees an event can read its revision. Idempotent by revision id,
 * so a flush that repeats it after a crash stores nothing twice.
 */
async function storeRevisions<C extends DomainCommand, S extends Versioned, X, P>(
  deps: OutboxDeps, runtime: FamilyRuntime<C, S, X, P>, entries: readonly OutboxEntry[],
): Promise<void> {
  const collection = runtime.family.revisionCollection;
  if (!collection) return;
  const revisions = entries.flatMap((entry) => (entry.revision ? [entry.revision] : []));
  if (revisions.length > 0) await deps.store.appendRevisions(collection, revisions);
}

function byCollection(owed: readonly Owed[]): Map<string, OutboxRef[]> {
  return groupBy(owed, ({ target }) => target.collection, refOf);
}

/**
 * Publishes what outboxes found stored still owe, skipping entries the ledger knows as published,
 * before anything new is decided on them: a crashed writer's messages go out first, in order.
 */
export async function flushOwed<C extends DomainCommand, S extends Versioned, X, P>(
  deps: OutboxDeps, runtime: FamilyRuntime<C, S, X, P>, found: readonly Owed[],
): Promise<void> {
  const owing = found.filter(({ record }) => record.outbox.length > 0);
  if (owing.length === 0) return;
  const known = await deps.published.among(owing.flatMap(({ record }) => record.outbox.map((entry) => entry.id)));
  const unpublished = owing.filter(({ record }) => record.outbox.some((entry) => !known.has(entry.id)));
  const alreadyPublished = owing.filter(({ record }) => record.outbox.every((entry) => known.has(entry.id)));
  const entries = unpublished.flatMap(({ record }) => record.outbox.filter((entry) => !known.has(entry.id)));
  if (entries.length > 0) {
    await storeRevisions(deps, runtime, entries);
    await deps.bus.publish(await messagesOf(runtime, entries));
    const results = entries.filter((entry) => entry.kind === 'result').map((entry) => storedResultOf(runtime.family.name, entry));
    await Promise.all([deps.results.putMany(results), deps.published.remember(entries.map((entry) => entry.id), PUBLISHED_REMEMBERED_MS)]);
  }
  await Promise.all([
    ...[...byCollection(unpublished)].map(([collection, refs]) => deps.clears.published(collection, refs)),
    ...[...byCollection(alreadyPublished)].map(([collection, refs]) => deps.clears.foundPublished(collection, refs)),
  ]);
}

/**
 * A round's publish: the outboxes it wrote and its answers, in one acknowledged produce. New
 * answers are stored first, so a redelivery after a crash answers the same; written results are
 * in their outbox already and are stored after the publish (recordPublished).
 */
/** Outbox entries written and not yet published, over every round in flight (the outboxOwed gauge). */
let owedNow = 0;

export async function publishRound<C extends DomainCommand, S extends Versioned, X, P>(
  deps: OutboxDeps, runtime: FamilyRuntime<C, S, X, P>, written: readonly Owed[], answers: readonly Answer[],
): Promise<void> {
  const owed = written.reduce((n, { record }) => n + record.outbox.length, 0);
  deps.observer.outboxOwed((owedNow += owed));
  try {
    await publishWithAnswers(deps, runtime, written, answers);
  } finally {
    deps.observer.outboxOwed((owedNow -= owed));
  }
}

async function publishWithAnswers<C extends DomainCommand, S extends Versioned, X, P>(
  deps: OutboxDeps, runtime: FamilyRuntime<C, S, X, P>, written: readonly Owed[], answers: readonly Answer[],
): Promise<void> {
  const encoded = await Promise.all(answers.map((answer) => encodeAnswer(runtime, answer, deps.maxMessageBytes)));
  const fresh = encoded.map(({ answer }) => answer).filter((answer) => answer.store);
  const entries = written.flatMap(({ record }) => record.outbox);
  // Both before the publish, and independent of each other: one round trip's wait, not two. Both
  // settle before a failure is thrown: a retry must not start while this round's answers are
  // still being stored, or it would answer the same commands again under new requestIds.
  const stored = await Promise.allSettled([
    fresh.length === 0 ? undefined : deps.results.putMany(fresh.map((answer) => ({
      commandId: answer.body.commandId, family: runtime.family.name, body: answer.body, payloadHash: answer.payloadHash,
    }))),
    storeRevisions(deps, runtime, entries),
  ]);
  for (const outcome of stored) if (outcome.status === 'rejected') throw outcome.reason;
  const messages = await messagesOf(runtime, entries, encoded);
  await deps.bus.publish(messages);
}

/**
 * After a round's publish: its written results stored and its entries remembered as published,
 * then the outboxes handed to the (deferred) clears. Returns the writes, to be started in the same
 * turn as the round's other Redis work (so they share a round trip).
 * The round's messages are out by now, so a Redis failure here must not fail the round: retried,
 * it would find its outboxes unknown to the ledger and publish them all again (a Redis outage
 * under load used to repeat every result and event of the rounds in flight, results twice). So
 * without the ledger the outboxes are cleared at once instead (a MongoDB write; their owing marks
 * stay for the recovery, which finds them empty). Without stored results nothing is cleared and
 * the round fails as before: a cleared outbox would leave a redelivery nothing to answer from.
 */
export async function recordPublished<C extends DomainCommand, S extends Versioned, X, P>(
  deps: OutboxDeps, runtime: FamilyRuntime<C, S, X, P>, written: readonly Owed[],
): Promise<void> {
  const entries = written.flatMap(({ record }) => record.outbox);
  const results = entries.filter((entry) => entry.kind === 'result').map((entry) => storedResultOf(runtime.family.name, entry));
  const [stored, remembered] = await Promise.allSettled([
    deps.results.putMany(results), deps.published.remember(entries.map((entry) => entry.id), PUBLISHED_REMEMBERED_MS),
  ]);
  if (stored.status === 'rejected') throw stored.reason;
  const grouped = [...byCollection(written)];
  if (remembered.status === 'fulfilled') {
    await Promise.all(grouped.map(([collection, refs]) => deps.clears.published(collection, refs)));
    return;
  }
  deps.logger.warn({ err: remembered.reason, outboxes: written.length }, 'published; the ledger is unreachable, so the outboxes are cleared at once');
  await Promise.all(grouped.map(([collection, refs]) => deps.store.clearOutboxes(collection, refs)));
}
