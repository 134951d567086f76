// Publishes what an aggregate's outbox owes, then clears it. Events go out in version order
// with their results in one acknowledged send; a crash before the clear only means the same
// messages (same eventIds) are sent again, which consumers recognise.
import type { AnyFamilyRuntime, Target } from './family.ts';
import type { AggregateRecord, AggregateStore, MessageBus, OutboundMessage, ResultStore } from './ports.ts';

export interface OutboxDeps {
  readonly store: AggregateStore;
  readonly results: ResultStore;
  readonly bus: MessageBus;
}

export async function flushOutbox(deps: OutboxDeps, runtime: AnyFamilyRuntime, target: Target, record: AggregateRecord<unknown>): Promise<void> {
  if (record.outbox.length === 0) return;
  const messages: OutboundMessage[] = [];
  for (const entry of record.outbox) {
    const encoder = entry.kind === 'event' ? runtime.eventEncoder : runtime.resultEncoder;
    messages.push({
      topic: entry.kind === 'event' ? runtime.eventsTopic : runtime.resultsTopic,
      key: entry.key,
      value: await encoder.encode(entry.body),
    });
  }
  await deps.bus.publish(messages);
  for (const entry of record.outbox) {
    if (entry.kind === 'result') {
      await deps.results.put({ commandId: entry.key, family: runtime.family.name, body: entry.body });
    }
  }
  await deps.store.clearOutbox(target.collection, target.id, record.version);
}
