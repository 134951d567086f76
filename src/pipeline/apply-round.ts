// The one place a command changes an aggregate, for every family and for the expiry sweep alike:
// a ROUND of commands on distinct aggregates goes through named steps, each one or a few round
// trips for the whole round:
//   lease the round → load, and flush what is owed → decide and write → publish → record results
// A consumed chunk is cut into rounds that keep each key's commands in offset order
// (handle-message.ts); a sweep claim is one round (families/consent-expiry).
import type { Span } from '@opentelemetry/api';
import { resultNoLongerKept } from '../domain/command-id.ts';
import { refuse, type Change } from '../domain/decision.ts';
import type { Logger } from '../logging/logger.ts';
import { commandPublished, commandStep, roundStep, spanFailed, startRoundSpan, type CommandTrace } from './command-tracing.ts';
import { mapBounded } from './concurrency.ts';
import { isRetryable } from './errors.ts';
import type { DomainCommand, FamilyRuntime, Target, Versioned, WrittenChange } from './family.ts';
import { groupBy } from './group-by.ts';
import { leaseRound, type LeaseDeps } from './lease.ts';
import { flushOwed, publishRound, recordPublished, type Answer, type OutboxDeps, type Owed } from './outbox.ts';
import type { AggregateRecord, OutboxEntry, StoredResult } from './ports.ts';
import { resultOf, unexpectedResult, type ResultBody, type ResultHeader } from './result.ts';

/** How many recent commandIds an aggregate remembers, to spot a redelivery after a crash. */
export const APPLIED_COMMANDS_KEPT = 64;
/** Version conflicts are retried by re-loading and re-deciding; more than this is a bug. */
const MAX_ATTEMPTS = 8;

export interface PipelineDeps extends OutboxDeps, LeaseDeps {
  readonly clock: () => Date;
  /**
   * Conditional writes of a round in flight at once. More only queue on the server (what a
   * queue costs the development stack's store: src/adapters/mongodb/mongo-store.ts).
   */
  readonly writesInFlight: number;
}

/** Where a command came from: a consumer's command (answered, remembered) or the sweep (neither). */
export type Origin =
  | {
    readonly kind: 'consumed';
    readonly header: ResultHeader;
    readonly payloadHash: string;
    /** When its chunk was taken up (ms since the epoch), for the answered-in metric. */
    readonly receivedAt: number;
    /** The command's span (its result and events carry its traceparent). */
    readonly trace?: CommandTrace | undefined;
  }
  /** `trace`: the sweep round's trace, which its events carry. */
  | { readonly kind: 'sweep'; readonly trace?: CommandTrace | undefined };

export interface RoundItem<C, P> {
  readonly command: C;
  readonly target: Target;
  readonly prepared: P;
  readonly origin: Origin;
}

export type ItemOutcome<S> =
  /** Written; `result` is the consumed command's result (null for the sweep). */
  | { readonly kind: 'written'; readonly change: Change<S, unknown>; readonly result: ResultBody | null }
  /** A reply without a change, a redelivery of an applied command, or a 500; `result` is what was answered, if anything. */
  | { readonly kind: 'answered'; readonly result: ResultBody | null }
  /** A retryable failure (the caller retries), or any failure of a sweep's item. */
  | { readonly kind: 'failed'; readonly error: unknown };

export function lockKeyOf(target: Target): string {
  return `${target.collection}:${target.id}`;
}

interface Entry<C, P> {
  readonly index: number;
  readonly item: RoundItem<C, P>;
}

type Decided<C, S, P> =
  | {
    readonly kind: 'write'; readonly entry: Entry<C, P>; readonly change: Change<S, unknown>; readonly previous: S | null;
    readonly stored: AggregateRecord<unknown> | null; readonly next: AggregateRecord<unknown>;
    /** The consumed command's result, also in `next`'s outbox (null for the sweep). */
    readonly result: ResultBody | null;
  }
  | { readonly kind: 'answer'; readonly entry: Entry<C, P>; readonly answer: Answer | null }
  | { readonly kind: 'failed'; readonly entry: Entry<C, P>; readonly error: unknown };

type Written<C, S, P> = Extract<Decided<C, S, P>, { kind: 'write' }>;

/** The answer a consumed command gets for a failure nobody can retry (500), or null to retry it. */
function failureAnswer<C, P>(deps: PipelineDeps, entry: Entry<C, P>, error: unknown): Answer | null {
  const { origin } = entry.item;
  if (origin.kind !== 'consumed' || isRetryable(error)) return null;
  deps.logger.error({ err: error, commandId: origin.header.envelope.commandId, requestId: origin.header.requestId }, 'unexpected failure; answering 500');
  return { body: unexpectedResult(origin.header, deps.clock()), payloadHash: origin.payloadHash, store: true, receivedAt: origin.receivedAt, trace: origin.trace };
}

function failed<C, S, P>(deps: PipelineDeps, entry: Entry<C, P>, error: unknown): Decided<C, S, P> {
  const answer = failureAnswer(deps, entry, error);
  return answer ? { kind: 'answer', entry, answer } : { kind: 'failed', entry, error };
}

// ---- step: load, and flush what is owed ---------------------------------------------------

async function loadAndFlushOwed<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, entries: readonly Entry<C, P>[],
): Promise<Map<string, AggregateRecord<unknown>>> {
  const idsByCollection = groupBy(entries, ({ item }) => item.target.collection, ({ item }) => item.target.id);
  const records = new Map<string, AggregateRecord<unknown>>();
  await Promise.all([...idsByCollection].map(async ([collection, ids]) => {
    for (const [id, record] of await deps.store.loadMany(collection, ids)) records.set(lockKeyOf({ collection, id }), record);
  }));
  // A peer (or our previous life) crashed after writing: its messages go out first, in order.
  // An outbox whose clear is merely deferred is found here too; the ledger says it went out.
  const owed: Owed[] = entries.flatMap(({ item }) => {
    const record = records.get(lockKeyOf(item.target));
    return record && record.outbox.length > 0 ? [{ target: item.target, record }] : [];
  });
  await flushOwed(deps, runtime, owed);
  return records;
}

// ---- step: decide -------------------------------------------------------------------------

function outboxOf<C extends DomainCommand, S extends Versioned, X, P>(
  runtime: FamilyRuntime<C, S, X, P>, change: Change<S, unknown>, result: ResultBody | null, payloadHash: string | null, origin: Origin,
): OutboxEntry[] {
  // Stored with the entries, so a flush after a crash still sends them in the trace that caused them.
  const traced = origin.trace?.traceparent ? { traceparent: origin.trace.traceparent } : {};
  const entries: OutboxEntry[] = change.events.map((event) => ({
    id: event.eventId,
    kind: 'event',
    key: event.aggregateId,
    body: { ...event, state: runtime.family.eventState(event.state) },
    ...traced,
  }));
  if (result) entries.push({ id: `result:${result.commandId}`, kind: 'result', key: result.commandId, body: result, payloadHash, ...traced });
  // The revision rides on the first entry: written with the new state in one document write,
  // stored before that entry is published, gone with the outbox's clear.
  const { revision } = change;
  if (revision && runtime.family.revisionCollection) {
    const [first, ...rest] = entries;
    if (!first) throw new Error(`a change with a revision (${revision.revisionId}) owes no message to carry it`);
    return [{ ...first, revision: { id: revision.revisionId, body: revision } }, ...rest];
  }
  return entries;
}

type Consumed = Extract<Origin, { kind: 'consumed' }>;

/** A consumed command the aggregate already lists as applied: its result is answered again. */
function redelivered<C extends DomainCommand, S extends Versioned, X, P>(
  runtime: FamilyRuntime<C, S, X, P>, entry: Entry<C, P>, origin: Consumed, record: AggregateRecord<unknown>, now: Date, storedSince: StoredResult | undefined,
): Decided<C, S, P> {
  const commandId = origin.header.envelope.commandId;
  const kept = record.outbox.find((e) => e.kind === 'result' && e.key === commandId);
  // Its outbox still holds the result (published by the flush, or earlier): answer it again. Once
  // the outbox is cleared the result is stored: the chunk's look-up found it before any lease, or,
  // when the clear ran after that look-up, the round's look-up under the lease (storedSince).
  // None of these, and the result was purged after RESULT_RETENTION_MS: not applied again, answered 409.
  const answer: Answer = kept
    ? { body: kept.body as ResultBody, payloadHash: kept.payloadHash ?? origin.payloadHash, store: true, receivedAt: origin.receivedAt, trace: origin.trace }
    : storedSince
    ? { body: storedSince.body as ResultBody, payloadHash: storedSince.payloadHash, store: false, receivedAt: origin.receivedAt, trace: origin.trace }
    : {
      body: resultOf(runtime, origin.header, entry.item.command, refuse(resultNoLongerKept(commandId)), now),
      payloadHash: origin.payloadHash, store: true, receivedAt: origin.receivedAt, trace: origin.trace,
    };
  return { kind: 'answer', entry, answer };
}

/**
 * Stored results of redelivered commands that their aggregate lists as applied but whose outbox no
 * longer holds the result: a clear (a peer's deferred one, or a new replica's start-up recovery)
 * moved it to the result store after the chunk's look-up. Read again, under the lease, so the
 * redelivery gets the result it got the first time, not a 409. One query, and only then.
 */
async function resultsClearedSinceLookUp<C extends DomainCommand, P>(
  deps: PipelineDeps, entries: readonly Entry<C, P>[], records: ReadonlyMap<string, AggregateRecord<unknown>>,
): Promise<Map<string, StoredResult>> {
  const cleared = entries.flatMap(({ item }) => {
    const record = records.get(lockKeyOf(item.target));
    const { commandId } = item.command;
    if (!record || item.origin.kind !== 'consumed' || !record.appliedCommandIds.includes(commandId)) return [];
    return record.outbox.some((e) => e.kind === 'result' && e.key === commandId) ? [] : [commandId];
  });
  return cleared.length > 0 ? deps.results.getMany(cleared) : new Map();
}

async function decideAll<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, entries: readonly Entry<C, P>[], records: ReadonlyMap<string, AggregateRecord<unknown>>,
): Promise<Decided<C, S, P>[]> {
  const { family } = runtime;
  const now = deps.clock();
  type Staged = { readonly entry: Entry<C, P>; readonly record: AggregateRecord<unknown> | null; readonly stored: S | null } | Decided<C, S, P>;
  const storedSince = await resultsClearedSinceLookUp(deps, entries, records);
  const staged: Staged[] = entries.map((entry): Staged => {
    const { item } = entry;
    const record = records.get(lockKeyOf(item.target)) ?? null;
    if (item.origin.kind === 'consumed' && record?.appliedCommandIds.includes(item.command.commandId)) {
      return redelivered(runtime, entry, item.origin, record, now, storedSince.get(item.command.commandId));
    }
    try {
      return { entry, record, stored: record ? family.revive(record.state, item.target) : null };
    } catch (error) {
      return failed(deps, entry, error);
    }
  });
  // Every context asked for in the same turn, so lookups the family batches share a query.
  const contexts = await Promise.allSettled(staged.map((s) => ('kind' in s
    ? Promise.resolve(null)
    : family.loadContext(s.entry.item.command, s.stored, now, s.entry.item.prepared))));

  return staged.map((s, i): Decided<C, S, P> => {
    if ('kind' in s) return s;
    const { entry, record, stored } = s;
    const { command, origin, target } = entry.item;
    const context = contexts[i] as PromiseSettledResult<X>;
    if (context.status === 'rejected') return failed(deps, entry, context.reason);
    try {
      const decision = family.decide(command, stored, context.value, now);
      if (decision.kind === 'reply') {
        return {
          kind: 'answer',
          entry,
          answer: origin.kind === 'consumed'
            ? { body: resultOf(runtime, origin.header, command, decision, now), payloadHash: origin.payloadHash, store: true, receivedAt: origin.receivedAt, trace: origin.trace }
            : null,
        };
      }
      const result = origin.kind === 'consumed' ? resultOf(runtime, origin.header, command, decision, now) : null;
      const applied = record?.appliedCommandIds ?? [];
      const next: AggregateRecord<unknown> = {
        id: target.id,
        version: decision.aggregate.version,
        state: decision.aggregate,
        outbox: outboxOf(runtime, decision, result, origin.kind === 'consumed' ? origin.payloadHash : null, origin),
        appliedCommandIds: origin.kind === 'consumed' ? [...applied, command.commandId].slice(-APPLIED_COMMANDS_KEPT) : applied,
        indexFields: family.indexFields(decision.aggregate),
      };
      return { kind: 'write', entry, change: decision, previous: stored, stored: record, next, result };
    } catch (error) {
      return failed(deps, entry, error);
    }
  });
}

// ---- step: write --------------------------------------------------------------------------

type WriteOutcome = 'written' | 'lost' | { readonly error: unknown };

/**
 * The conditional writes: new aggregates inserted together (per collection, in groups the server
 * takes), the others replaced on their version, at most writesInFlight at once.
 */
async function writeAll<C, S, P>(deps: PipelineDeps, writes: readonly Written<C, S, P>[]): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = new Array(writes.length);
  const creates = writes.map((write, index) => ({ write, index })).filter(({ write }) => write.stored === null);
  const replaces = writes.flatMap((write, index) => (write.stored ? [{ write, index, expected: write.stored.version }] : []));
  await Promise.all([
    ...[...groupBy(creates, ({ write }) => write.entry.item.target.collection, (c) => c)].map(async ([collection, group]) => {
      try {
        const inserted = await deps.store.createMany(collection, group.map(({ write }) => write.next));
        group.forEach(({ index }, i) => { outcomes[index] = inserted[i] === 'written' ? 'written' : 'lost'; });
      } catch (error) {
        for (const { index } of group) outcomes[index] = { error };
      }
    }),
    mapBounded(replaces, deps.writesInFlight, async ({ write, index, expected }) => {
      try {
        const replaced = await deps.store.replace(write.entry.item.target.collection, write.next, expected);
        outcomes[index] = replaced === 'written' ? 'written' : 'lost';
      } catch (error) {
        outcomes[index] = { error };
      }
    }),
  ]);
  return outcomes;
}

// ---- the round ------------------------------------------------------------------------------

/** Hands published outboxes found stored (and not rewritten by the round) to the clearing strategy. */
async function clearFound(deps: PipelineDeps, found: readonly Owed[]): Promise<void> {
  const byCollection = groupBy(found, ({ target }) => target.collection, ({ record, mark }) => ({ id: record.id, entryIds: record.outbox.map((e) => e.id), mark }));
  await Promise.all([...byCollection].map(([collection, refs]) => deps.clears.published(collection, refs)));
}

interface Settled<C, S, P> {
  /** Every aggregate loaded, by lock key (the last load of those whose write raced). */
  readonly loaded: Map<string, AggregateRecord<unknown>>;
  readonly written: Written<C, S, P>[];
  readonly answers: { readonly entry: Entry<C, P>; readonly answer: Answer | null }[];
  readonly failures: { readonly entry: Entry<C, P>; readonly error: unknown }[];
}

/** Load, decide and write until every entry is settled: a lost version race decides again. */
async function decideAndWrite<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, entries: readonly Entry<C, P>[],
): Promise<Settled<C, S, P>> {
  const settled: Settled<C, S, P> = { loaded: new Map(), written: [], answers: [], failures: [] };
  let open = entries;
  for (let attempt = 1; open.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) {
      for (const entry of open) {
        const error = new Error(`gave up after ${MAX_ATTEMPTS} version conflicts on ${lockKeyOf(entry.item.target)}`);
        const answer = failureAnswer(deps, entry, error);
        if (answer) settled.answers.push({ entry, answer });
        else settled.failures.push({ entry, error });
      }
      break;
    }
    const records = await loadAndFlushOwed(deps, runtime, open);
    for (const [key, record] of records) settled.loaded.set(key, record);
    const decided = await decideAll(deps, runtime, open, records);
    const writes = decided.filter((d): d is Written<C, S, P> => d.kind === 'write');
    const outcomes = await writeAll(deps, writes);
    const lost: Entry<C, P>[] = [];
    writes.forEach((write, i) => {
      const outcome = outcomes[i] as WriteOutcome;
      if (outcome === 'written') settled.written.push(write);
      else if (outcome === 'lost') {
        deps.observer.versionConflict(runtime.family.name);
        commandStep(write.entry.item.origin.trace, 'version conflict');
        lost.push(write.entry);
      } else {
        const answer = failureAnswer(deps, write.entry, outcome.error);
        if (answer) settled.answers.push({ entry: write.entry, answer });
        else settled.failures.push({ entry: write.entry, error: outcome.error });
      }
    });
    for (const d of decided) {
      if (d.kind === 'answer') settled.answers.push({ entry: d.entry, answer: d.answer });
      else if (d.kind === 'failed') settled.failures.push({ entry: d.entry, error: d.error });
    }
    open = lost;
  }
  return settled;
}

/**
 * The logger of the one info line per answered command. Its fields are ids and codes, never
 * personal data, so it skips the redaction pass of the main logger (a second guard for objects
 * that could hold a state), which cost about twice the line itself.
 */
const answerLogs = new WeakMap<Logger, Logger>();
function answerLog(logger: Logger): Logger {
  let log = answerLogs.get(logger);
  if (!log) answerLogs.set(logger, (log = logger.child({}, { redact: { paths: [] } })));
  return log;
}

/** Counts and logs (one info line) each consumed command's answer once it is published. */
function reportAnswered(deps: PipelineDeps, family: string, body: ResultBody, receivedAt: number, trace: CommandTrace | undefined): void {
  commandPublished(trace, body.statusCode);
  deps.observer.commandAnswered(family, body.commandType, body.statusCode, (Date.now() - receivedAt) / 1_000);
  answerLog(deps.logger).info({ commandId: body.commandId, requestId: body.requestId, commandType: body.commandType, statusCode: body.statusCode }, 'command answered');
}

/**
 * Applies a round of commands on distinct aggregates; `earlier` are answers decided before the
 * round (refusals, replays) that go out with its publish. Each item's outcome, in order; a failure
 * of the round as a whole (a server outage while leasing, loading or publishing) throws, and
 * nothing of the round is answered: the caller retries it.
 */
export async function applyRound<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps,
  runtime: FamilyRuntime<C, S, X, P>,
  items: readonly RoundItem<C, P>[],
  earlier: readonly Answer[] = [],
): Promise<ItemOutcome<S>[]> {
  // A sweep's round is a step of the sweep's trace; a consumed round is linked from its commands.
  const sweep = items[0]?.origin.kind === 'sweep' ? items[0].origin.trace : undefined;
  const round = startRoundSpan(runtime.family.name, sweep ? [] : items.map((item) => item.origin.trace), sweep);
  try {
    return await applyLeasedRound(deps, runtime, items, earlier, round);
  } catch (error) {
    spanFailed(round, error);
    throw error;
  } finally {
    round.end();
  }
}

async function applyLeasedRound<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps,
  runtime: FamilyRuntime<C, S, X, P>,
  items: readonly RoundItem<C, P>[],
  earlier: readonly Answer[],
  round: Span,
): Promise<ItemOutcome<S>[]> {
  deps.observer.roundApplied(runtime.family.name, items[0]?.origin.kind ?? 'consumed', items.length);
  const keys = items.map((item) => lockKeyOf(item.target));
  // Marked in the owing index before anything is written, in the same round trip as the leases.
  const [leased, marked] = await Promise.allSettled([leaseRound(deps, keys), deps.owing.mark(keys)]);
  if (leased.status === 'rejected') throw leased.reason;
  const held = leased.value;
  if (marked.status === 'rejected') {
    await held.release();
    throw marked.reason;
  }
  const mark = marked.value;
  roundStep(round, 'leased');
  try {
    const { loaded, written, answers, failures } = await decideAndWrite(deps, runtime, items.map((item, index) => ({ index, item })));
    roundStep(round, 'written', { written: written.length, answered: answers.length, failed: failures.length });
    const published = written.map(({ entry, next }): Owed => ({ target: entry.item.target, record: next, mark }));
    // What this round answered without a write owes nothing new; but an outbox it found stored
    // (published: the flush saw to that) may be one whose publisher died before its deferred
    // clear. Unmarked now, it would stay in the store as owing with nothing left to clear it, so
    // it is cleared under this round's mark and leaves the index with that clear.
    const answeredKeys: string[] = [];
    const foundOwing: Owed[] = [];
    for (const { entry } of answers) {
      const key = lockKeyOf(entry.item.target);
      const found = loaded.get(key);
      if (found && found.outbox.length > 0) foundOwing.push({ target: entry.item.target, record: found, mark });
      else answeredKeys.push(key);
    }
    const all = [...earlier, ...answers.flatMap(({ answer }) => (answer ? [answer] : []))];
    await publishRound(deps, runtime, published, all);
    roundStep(round, 'published', { messages: published.reduce((n, { record }) => n + record.outbox.length, 0) + all.length });

    for (const answer of all) reportAnswered(deps, runtime.family.name, answer.body, answer.receivedAt, answer.trace);
    for (const { entry, result } of written) {
      const { origin } = entry.item;
      if (result && origin.kind === 'consumed') reportAnswered(deps, runtime.family.name, result, origin.receivedAt, origin.trace);
    }

    // Started together, so their Redis writes (ledger, schedule, releases) share one round trip.
    const changes: WrittenChange<C, S>[] = written.map(({ entry, change, previous }) => ({ command: entry.item.command, state: change.aggregate, previous }));
    await Promise.all([
      recordPublished(deps, runtime, published),
      runtime.family.afterWrites(changes).catch((error: unknown) =>
        deps.logger.warn({ err: error, writes: changes.length }, 'after-write step failed; the safety net will repair it')),
      held.release(),
      // A failed write may have happened (a timeout), so it stays marked for the recovery to look
      // at. Nor does a failed unmark fail the round, whose answers are out: the recovery unmarks it.
      deps.owing.unmark(answeredKeys, mark).catch((error: unknown) =>
        deps.logger.warn({ err: error, keys: answeredKeys.length }, 'unmarking answered aggregates failed; the start-up recovery unmarks them')),
      clearFound(deps, foundOwing),
    ]);

    const outcomes: ItemOutcome<S>[] = items.map(() => ({ kind: 'answered', result: null }));
    for (const { entry, answer } of answers) outcomes[entry.index] = { kind: 'answered', result: answer?.body ?? null };
    for (const { entry, change, result } of written) outcomes[entry.index] = { kind: 'written', change, result };
    for (const { entry, error } of failures) outcomes[entry.index] = { kind: 'failed', error };
    return outcomes;
  } finally {
    await held.release();
  }
}

/** Publishes answers decided without any round (every command of a chunk refused or replayed). */
export async function publishAnswers<C extends DomainCommand, S extends Versioned, X, P>(
  deps: PipelineDeps, runtime: FamilyRuntime<C, S, X, P>, answers: readonly Answer[],
): Promise<void> {
  if (answers.length === 0) return;
  await publishRound(deps, runtime, [], answers);
  for (const answer of answers) reportAnswered(deps, runtime.family.name, answer.body, answer.receivedAt, answer.trace);
}
