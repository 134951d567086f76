// lock → load → (flush what is still owed) → decide → conditional write with outbox → publish →
// (clear later). The one place a command changes an aggregate, for every family and for the
// expiry sweep alike. It takes a batch: a consumed command is a batch of one; the sweep hands
// over everything it claimed, so the leases, the load and the publish cost one round trip for the
// batch rather than one per aggregate, and the outbox clears are batched after it (outbox-clears.ts).
import type { Change, Decision, Reply } from '../domain/decision.ts';
import type { DomainEvent } from '../domain/event.ts';
import type { Logger } from '../logging/logger.ts';
import { mapBounded } from './concurrency.ts';
import type { AnyFamilyRuntime, DomainCommand, Target } from './family.ts';
import { groupBy } from './group-by.ts';
import type { PipelineObserver } from './observer.ts';
import { withLeases } from './lease.ts';
import { flushOwed, publishWritten, type OutboxDeps, type Owed } from './outbox.ts';
import type { AggregateRecord, AggregateStore, LockService, OutboxEntry } from './ports.ts';
import type { ResultBody } from './result.ts';

/** How many recent commandIds an aggregate remembers, to spot a redelivery after a crash. */
export const APPLIED_COMMANDS_KEPT = 64;
/** Version conflicts are retried by re-loading and re-deciding; more than this is a bug. */
const MAX_ATTEMPTS = 8;
/**
 * Decisions and writes of one batch in flight at once. More only queue on the server: MongoDB-wire
 * servers serialise writes to one document store, and SQLite (under FerretDB) backs off in steps of
 * tens of milliseconds when too many writers wait for its one write lock.
 */
const WRITES_IN_FLIGHT = 16;

export interface PipelineDeps extends OutboxDeps {
  readonly locks: LockService;
  readonly clock: () => Date;
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  /** Metrics events (src/ops implements them with prom-client); NO_OBSERVER where nobody listens. */
  readonly observer: PipelineObserver;
}

export interface ApplyRequest {
  readonly command: DomainCommand;
  readonly log: Logger;
  /** Builds the command's result for a change (null for the sweep, which answers nobody). */
  readonly resultFor: ((decision: Decision<unknown, unknown>, now: Date) => ResultBody) | null;
}

export interface BatchOptions {
  /** Whether commands are recorded on the aggregate as applied (false for the sweep). */
  readonly remember: boolean;
  /** Logs what concerns the batch as a whole (lease waits, a failed publish). */
  readonly log: Logger;
}

export type ApplyOptions = Omit<ApplyRequest, 'command'> & Pick<BatchOptions, 'remember'>;

export type ApplyOutcome =
  | { readonly kind: 'written'; readonly change: Change<unknown, unknown> }
  | { readonly kind: 'reply'; readonly reply: Reply }
  | { readonly kind: 'already-applied' };

/** Each request's outcome, or the error that stopped it; one request's failure spares the others. */
export type Settled = { readonly ok: true; readonly outcome: ApplyOutcome } | { readonly ok: false; readonly error: unknown };

export function lockKeyOf(target: Target): string {
  return `${target.collection}:${target.id}`;
}

function outboxOf(events: readonly DomainEvent<unknown>[], runtime: AnyFamilyRuntime, result: ResultBody | null): OutboxEntry[] {
  const entries: OutboxEntry[] = events.map((event) => ({
    id: event.eventId,
    kind: 'event',
    key: event.aggregateId,
    body: { ...event, state: runtime.family.eventState(event.state) },
  }));
  if (result) entries.push({ id: `result:${result.commandId}`, kind: 'result', key: result.commandId, body: result });
  return entries;
}

interface Addressed {
  readonly index: number;
  readonly request: ApplyRequest;
  readonly prepared: unknown;
  readonly target: Target;
}

/** Splits a batch into rounds of distinct aggregates, keeping each aggregate's commands in order. */
function roundsOf(items: readonly Addressed[]): Addressed[][] {
  const rounds: Addressed[][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const round = (seen.get(lockKeyOf(item.target)) ?? -1) + 1;
    seen.set(lockKeyOf(item.target), round);
    (rounds[round] ??= []).push(item);
  }
  return rounds;
}

async function loadAll(store: AggregateStore, items: readonly Addressed[]): Promise<Map<string, AggregateRecord<unknown>>> {
  const idsByCollection = groupBy(items, ({ target }) => target.collection, ({ target }) => target.id);
  const loaded = new Map<string, AggregateRecord<unknown>>();
  await Promise.all([...idsByCollection].map(async ([collection, ids]) => {
    for (const [id, record] of await store.loadMany(collection, ids)) loaded.set(lockKeyOf({ collection, id }), record);
  }));
  return loaded;
}

export async function applyCommands(
  deps: PipelineDeps,
  runtime: AnyFamilyRuntime,
  requests: readonly ApplyRequest[],
  options: BatchOptions,
): Promise<Settled[]> {
  const { family } = runtime;
  const settled: (Settled | undefined)[] = requests.map(() => undefined);
  const settle = (index: number, outcome: ApplyOutcome): void => { settled[index] = { ok: true, outcome }; };
  const fail = (index: number, error: unknown): void => { settled[index] = { ok: false, error }; };

  // Once per command, outside the retries: prepare (e.g. a rate count) and the target.
  const addressed = await Promise.all(requests.map(async (request, index): Promise<Addressed | null> => {
    try {
      const prepared: unknown = family.prepare ? await family.prepare(request.command, deps.clock()) : undefined;
      const target = await family.target(request.command);
      if (target) return { index, request, prepared, target };
      const now = deps.clock();
      const decision = family.decide(request.command, null, await family.loadContext(request.command, null, now, prepared), now);
      if (decision.kind === 'change') throw new Error(`${request.command.type} changed an aggregate it could not address`);
      settle(index, { kind: 'reply', reply: decision });
    } catch (error) {
      fail(index, error);
    }
    return null;
  }));

  /** One attempt over aggregates not yet settled; returns those that lost a version race. */
  async function attempt(items: readonly Addressed[], attemptNo: number): Promise<Addressed[]> {
    const records = await loadAll(deps.store, items);
    // A peer (or our previous life) crashed after writing: its messages go out first, in order.
    // An outbox whose clear is merely deferred is found here too; the ledger says it went out.
    const owed: Owed[] = items.flatMap(({ target }) => {
      const record = records.get(lockKeyOf(target));
      return record && record.outbox.length > 0 ? [{ target, record }] : [];
    });
    await flushOwed(deps, runtime, owed, 'later');

    const writes = await mapBounded(items, WRITES_IN_FLIGHT, async (item) => {
      const { index, request, prepared, target } = item;
      try {
        const record = records.get(lockKeyOf(target)) ?? null;
        if (options.remember && record?.appliedCommandIds.includes(request.command.commandId)) {
          settle(index, { kind: 'already-applied' });
          return null;
        }
        const stored = record ? family.revive(record.state, target) : null;
        const now = deps.clock();
        const decision = family.decide(request.command, stored, await family.loadContext(request.command, stored, now, prepared), now);
        if (decision.kind === 'reply') {
          settle(index, { kind: 'reply', reply: decision });
          return null;
        }
        const result = request.resultFor ? request.resultFor(decision, now) : null;
        const next: AggregateRecord<unknown> = {
          id: target.id,
          version: (decision.aggregate as { version: number }).version,
          state: decision.aggregate,
          outbox: outboxOf(decision.events, runtime, result),
          appliedCommandIds: options.remember
            ? [...(record?.appliedCommandIds ?? []), request.command.commandId].slice(-APPLIED_COMMANDS_KEPT)
            : [...(record?.appliedCommandIds ?? [])],
          indexFields: family.indexFields(decision.aggregate),
        };
        const written = record
          ? await deps.store.replace(target.collection, next, record.version)
          : await deps.store.create(target.collection, next);
        if (written !== 'written') {
          request.log.info({ attempt: attemptNo, target: lockKeyOf(target) }, 'lost a version race; deciding again on the newer state');
          return { item, lost: true as const };
        }
        if (family.afterWrite) {
          await family.afterWrite(request.command, decision.aggregate, stored).catch((error: unknown) =>
            request.log.warn({ err: error }, 'after-write step failed; the safety net will repair it'));
        }
        return { item, lost: false as const, decision, next };
      } catch (error) {
        fail(index, error);
        return null;
      }
    });

    const done = writes.filter((w) => w !== null && !w.lost);
    try {
      await publishWritten(deps, runtime, done.map(({ item, next }) => ({ target: item.target, record: next })));
      for (const { item, decision } of done) settle(item.index, { kind: 'written', change: decision });
    } catch (error) {
      // Written but not published: the outboxes stay owed, and whoever touches these aggregates
      // next (a redelivery, the sweep's next claim, the start-up recovery) publishes them first.
      for (const { item } of done) fail(item.index, error);
    }
    return writes.flatMap((w) => (w?.lost ? [w.item] : []));
  }

  const lease = { locks: deps.locks, ttlMs: deps.lockTtlMs, waitMs: deps.lockWaitMs, log: options.log };
  for (const round of roundsOf(addressed.filter((a): a is Addressed => a !== null))) {
    try {
      await withLeases(lease, round.map((item) => lockKeyOf(item.target)), async () => {
        let open: Addressed[] = round;
        for (let attemptNo = 1; attemptNo <= MAX_ATTEMPTS && open.length > 0; attemptNo++) open = await attempt(open, attemptNo);
        for (const item of open) fail(item.index, new Error(`gave up after ${MAX_ATTEMPTS} version conflicts on ${lockKeyOf(item.target)}`));
      });
    } catch (error) {
      // A failure of the round as a whole (its load, or flushing what it found owed).
      for (const item of round) if (!settled[item.index]) fail(item.index, error);
    }
  }
  return settled.map((s) => s ?? { ok: false, error: new Error('request left unsettled') });
}

/** A batch of one: the consumed command's path. Throws what stopped it. */
export async function applyCommand(deps: PipelineDeps, runtime: AnyFamilyRuntime, command: DomainCommand, options: ApplyOptions): Promise<ApplyOutcome> {
  const [settled] = await applyCommands(deps, runtime, [{ command, log: options.log, resultFor: options.resultFor }], { remember: options.remember, log: options.log });
  if (!settled) throw new Error('applyCommands returned no outcome');
  if (!settled.ok) throw settled.error;
  return settled.outcome;
}
