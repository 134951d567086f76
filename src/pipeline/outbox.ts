// Publishes what aggregates' outboxes owe. Each aggregate's events go out in version order with
// its result; a batch's outboxes go out in one acknowledged publish. Published entries are then
// remembered in the ledger and their outboxes cleared: later for outboxes just written (see
// outbox-clears.ts), or at once for what the start-up recovery found. An outbox found still
// stored is published again only for the entries the ledger does not know, so a deferred clear
// causes no second publish; a crash before the ledger write only means the same messages (same
// eventIds) are sent again, which consumers recognise.
import type { AnyFamilyRuntime, Target } from './family.ts';
import { groupBy } from './group-by.ts';
import type { OutboxClears } from './outbox-clears.ts';
import type { AggregateRecord, AggregateStore, MessageBus, OutboundMessage, OutboxEntry, OutboxRef, PublishedEntries, ResultStore } from './ports.ts';

/** How long the ledger remembers a publish: far beyond any clear's delay or a worker's restart. */
export const PUBLISHED_REMEMBERED_MS = 60 * 60_000;

export interface OutboxDeps {
  readonly store: AggregateStore;
  readonly results: ResultStore;
  readonly bus: MessageBus;
  readonly published: PublishedEntries;
  readonly clears: OutboxClears;
}

export interface Owed {
  readonly target: Target;
  readonly record: AggregateRecord<unknown>;
}

/** 'later': the pipeline's own writes and what its loads find; 'now': the start-up recovery. */
export type ClearWhen = 'later' | 'now';

/** Publishes outboxes this process has just written: none of their entries can be published yet. */
export async function publishWritten(deps: OutboxDeps, runtime: AnyFamilyRuntime, written: readonly Owed[]): Promise<void> {
  await publishAndClear(deps, runtime, written, new Set(), 'later');
}

/** Publishes what outboxes found stored still owe, skipping entries the ledger knows as published. */
export async function flushOwed(deps: OutboxDeps, runtime: AnyFamilyRuntime, found: readonly Owed[], when: ClearWhen): Promise<void> {
  const ids = found.flatMap(({ record }) => record.outbox.map((entry) => entry.id));
  await publishAndClear(deps, runtime, found, await deps.published.among(ids), when);
}

async function publishAndClear(deps: OutboxDeps, runtime: AnyFamilyRuntime, owed: readonly Owed[], alreadyPublished: ReadonlySet<string>, when: ClearWhen): Promise<void> {
  const owing = owed.filter(({ record }) => record.outbox.length > 0);
  if (owing.length === 0) return;
  const unpublished: OutboxEntry[] = owing.flatMap(({ record }) => record.outbox.filter((entry) => !alreadyPublished.has(entry.id)));
  if (unpublished.length > 0) {
    const messages: OutboundMessage[] = [];
    for (const entry of unpublished) {
      const encoder = entry.kind === 'event' ? runtime.eventEncoder : runtime.resultEncoder;
      messages.push({
        topic: entry.kind === 'event' ? runtime.eventsTopic : runtime.resultsTopic,
        key: entry.key,
        value: await encoder.encode(entry.body),
      });
    }
    await deps.bus.publish(messages);
    const results = unpublished.filter((entry) => entry.kind === 'result');
    await Promise.all(results.map((entry) => deps.results.put({ commandId: entry.key, family: runtime.family.name, body: entry.body })));
    await deps.published.remember(unpublished.map((entry) => entry.id), PUBLISHED_REMEMBERED_MS);
  }

  // An outbox published earlier is already waiting for its clear where it was published (or, had
  // that process crashed, for the start-up recovery); the write that usually follows replaces it.
  const toClear = when === 'now' ? owing : owing.filter(({ record }) => record.outbox.some((entry) => !alreadyPublished.has(entry.id)));
  const byCollection = groupBy(toClear, ({ target }) => target.collection,
    ({ record }): OutboxRef => ({ id: record.id, entryIds: record.outbox.map((entry) => entry.id) }));
  if (when === 'later') for (const [collection, refs] of byCollection) deps.clears.later(collection, refs);
  else await Promise.all([...byCollection].map(([collection, refs]) => deps.store.clearOutboxes(collection, refs)));
}
