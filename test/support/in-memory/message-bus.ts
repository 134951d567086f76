// The pipeline's MessageBus over in-memory topics of one partition each: a publish is all or
// nothing (acks=all), a consumer group gets every message after its committed offset, in order,
// as one batch, and gets what it did not commit again after a failed batch (a redelivery). Each
// consume() is a group of its own, starting at the first offset. A test
// can make the next publishes fail, as a broker outage would.
import type { ConsumerHandle, InboundMessage, MessageBus, OutboundMessage, PartitionBatch } from '../../../src/pipeline/ports.ts';

export interface InMemoryMessageBus extends MessageBus {
  /** What was published to the topic, in order. */
  messages(topic: string): readonly OutboundMessage[];
  /** The next `count` publishes reject with `error` and send nothing. */
  failPublishes(count: number, error: unknown): void;
  /** Calls `spy` with every publish before it is sent (or refused). */
  onPublish(spy: (messages: readonly OutboundMessage[]) => void): void;
}

export function inMemoryMessageBus(): InMemoryMessageBus {
  const topics = new Map<string, OutboundMessage[]>();
  const log = (topic: string): OutboundMessage[] => {
    let found = topics.get(topic);
    if (!found) topics.set(topic, (found = []));
    return found;
  };
  const wakers = new Set<() => void>();
  let failures: { count: number; error: unknown } = { count: 0, error: null };
  const spies: ((messages: readonly OutboundMessage[]) => void)[] = [];

  const inbound = (topic: string, message: OutboundMessage, offset: number): InboundMessage =>
    ({ topic, partition: 0, offset: String(offset), key: message.key, value: message.value, headers: message.headers ?? {} });

  return {
    messages: (topic) => [...log(topic)],
    failPublishes(count, error) { failures = { count, error }; },
    onPublish(spy) { spies.push(spy); },
    async publish(messages) {
      for (const spy of spies) spy(messages);
      if (failures.count > 0) {
        failures.count -= 1;
        throw failures.error;
      }
      for (const message of messages) log(message.topic).push(message);
      for (const wake of wakers) wake();
    },
    async ensureTopics(wanted) {
      for (const { name } of wanted) log(name);
    },
    async consume({ topics: subscribed, onBatch }): Promise<ConsumerHandle> {
      const committed = new Map<string, number>(subscribed.map((topic) => [topic, 0]));
      let running = true;
      let wake: () => void = () => undefined;
      const waker = (): void => wake();
      wakers.add(waker);
      const loop = (async () => {
        while (running) {
          let delivered = false;
          for (const topic of subscribed) {
            const from = committed.get(topic) ?? 0;
            const pending = log(topic).slice(from).map((message, i) => inbound(topic, message, from + i));
            if (pending.length === 0) continue;
            delivered = true;
            const batch: PartitionBatch = {
              topic, partition: 0, messages: pending, highWatermark: String(log(topic).length),
              commitThrough: async (message) => { committed.set(topic, Number(message.offset) + 1); },
              heartbeat: async () => undefined,
              isRunning: () => running,
            };
            // A failed batch is fetched again from the committed offset, as after a rebalance,
            // after a macrotask so a batch that always fails cannot starve the test's own work.
            await onBatch(batch).catch(() => new Promise((resolve) => setImmediate(resolve)));
          }
          if (!delivered) await new Promise<void>((resolve) => { wake = resolve; });
        }
      })();
      return {
        joined: () => running,
        sessionTimeoutMs: () => null, // one process, no group
        async stop() {
          running = false;
          wakers.delete(waker);
          wake();
          await loop;
        },
      };
    },
    async ping() {},
    async close() {},
  };
}
