// lock → load → (flush what a crash left owed) → decide → conditional write with outbox →
// publish → clear. The one place a command changes an aggregate, for every family and for the
// expiry sweep alike.
import type { Change, Decision, Reply } from '../domain/decision.ts';
import type { DomainEvent } from '../domain/event.ts';
import type { Logger } from '../logging/logger.ts';
import type { AnyFamilyRuntime, DomainCommand, Target } from './family.ts';
import { withLease } from './lease.ts';
import { flushOutbox } from './outbox.ts';
import type { AggregateRecord, AggregateStore, LockService, MessageBus, OutboxEntry, ResultStore } from './ports.ts';
import type { ResultBody } from './result.ts';

/** How many recent commandIds an aggregate remembers, to spot a redelivery after a crash. */
export const APPLIED_COMMANDS_KEPT = 64;
/** Version conflicts are retried by re-loading and re-deciding; more than this is a bug. */
const MAX_ATTEMPTS = 8;

export interface PipelineDeps {
  readonly store: AggregateStore;
  readonly results: ResultStore;
  readonly locks: LockService;
  readonly bus: MessageBus;
  readonly clock: () => Date;
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
}

export interface ApplyOptions {
  readonly log: Logger;
  /** Builds the command's result for a change (null for the sweep, which answers nobody). */
  readonly resultFor: ((decision: Decision<unknown, unknown>, now: Date) => ResultBody) | null;
  /** Whether the command is recorded on the aggregate as applied (false for the sweep). */
  readonly remember: boolean;
}

export type ApplyOutcome =
  | { readonly kind: 'written'; readonly change: Change<unknown, unknown> }
  | { readonly kind: 'reply'; readonly reply: Reply }
  | { readonly kind: 'already-applied' };

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

export async function applyCommand(
  deps: PipelineDeps,
  runtime: AnyFamilyRuntime,
  command: DomainCommand,
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  const { family } = runtime;
  const prepared: unknown = family.prepare ? await family.prepare(command, deps.clock()) : undefined;
  const target = await family.target(command);
  if (!target) {
    const now = deps.clock();
    const decision = family.decide(command, null, await family.loadContext(command, null, now, prepared), now);
    if (decision.kind === 'change') throw new Error(`${command.type} changed an aggregate it could not address`);
    return { kind: 'reply', reply: decision };
  }

  const lease = { locks: deps.locks, ttlMs: deps.lockTtlMs, waitMs: deps.lockWaitMs, log: options.log };
  return withLease(lease, lockKeyOf(target), async () => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const record = await deps.store.load(target.collection, target.id);
      // A peer (or our previous life) crashed after writing: its events go out first, in order.
      if (record && record.outbox.length > 0) await flushOutbox(deps, runtime, target, record);
      if (options.remember && record?.appliedCommandIds.includes(command.commandId)) return { kind: 'already-applied' };

      const stored = record ? family.revive(record.state, target) : null;
      const now = deps.clock();
      const decision = family.decide(command, stored, await family.loadContext(command, stored, now, prepared), now);
      if (decision.kind === 'reply') return { kind: 'reply', reply: decision };

      const result = options.resultFor ? options.resultFor(decision, now) : null;
      const next: AggregateRecord<unknown> = {
        id: target.id,
        version: (decision.aggregate as { version: number }).version,
        state: decision.aggregate,
        outbox: outboxOf(decision.events, runtime, result),
        appliedCommandIds: options.remember
          ? [...(record?.appliedCommandIds ?? []), command.commandId].slice(-APPLIED_COMMANDS_KEPT)
          : [...(record?.appliedCommandIds ?? [])],
        indexFields: family.indexFields(decision.aggregate),
      };
      const written = record
        ? await deps.store.replace(target.collection, next, record.version)
        : await deps.store.create(target.collection, next);
      if (written !== 'written') {
        options.log.info({ attempt, target: lockKeyOf(target) }, 'lost a version race; deciding again on the newer state');
        continue;
      }
      if (family.afterWrite) {
        await family.afterWrite(command, decision.aggregate, stored).catch((error: unknown) =>
          options.log.warn({ err: error }, 'after-write step failed; the safety net will repair it'));
      }
      await flushOutbox(deps, runtime, target, next);
      return { kind: 'written', change: decision };
    }
    throw new Error(`gave up after ${MAX_ATTEMPTS} version conflicts on ${lockKeyOf(target)}`);
  });
}
