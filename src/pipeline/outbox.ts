// Publishes what aggregates' outboxes owe, then clears them. Each aggregate's events go out in
// version order with its result; a batch's outboxes go out in one acknowledged publish and are
// cleared with one write per collection. A crash before the clear only means the same messages
// (same eventIds) are sent again, which consumers recognise.
import type { AnyFamilyRuntime, Target } from './family.ts';
import type { AggregateRecord, AggregateStore, MessageBus, OutboundMessage, ResultStore } from './ports.ts';

export interface OutboxDeps {
  readonly store: AggregateStore;
  readonly results: ResultStore;
  readonly bus: MessageBus;
}

export interface Owed {
  readonly target: Target;
  readonly record: AggregateRecord<unknown>;
}

export async function flushOutboxes(deps: OutboxDeps, runtime: AnyFamilyRuntime, owed: readonly Owed[]): Promise<void> {
  const owing = owed.filter(({ record }) => record.outbox.length > 0);
  if (owing.length === 0) return;
  const messages: OutboundMessage[] = [];
  for (const { record } of owing) {
    for (const entry of record.outbox) {
      const encoder = entry.kind === 'event' ? runtime.eventEncoder : runtime.resultEncoder;
      messages.push({
        topic: entry.kind === 'event' ? runtime.eventsTopic : runtime.resultsTopic,
        key: entry.key,
        value: await encoder.encode(entry.body),
      });
    }
  }
  await deps.bus.publish(messages);
  const results = owing.flatMap(({ record }) => record.outbox.filter((entry) => entry.kind === 'result'));
  await Promise.all(results.map((entry) => deps.results.put({ commandId: entry.key, family: runtime.family.name, body: entry.body })));
  const byCollection = new Map<string, AggregateRecord<unknown>[]>();
  for (const { target, record } of owing) {
    const records = byCollection.get(target.collection);
    if (records) records.push(record);
    else byCollection.set(target.collection, [record]);
  }
  await Promise.all([...byCollection].map(([collection, records]) => deps.store.clearOutboxes(collection, records)));
}
