// Reads result, event and DLQ topics from the beginning, decoding Avro through the registry
// like any consumer with the Confluent defaults, and lets a test await what it expects.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka } from 'kafkajs';

export interface Received {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: Record<string, unknown> | null;
  readonly raw: Buffer | null;
  readonly headers: Record<string, string>;
}

export class TopicCollector {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];
  private consumer: Consumer | null = null;
  private readonly kafka: Kafka;
  private readonly registry: SchemaRegistry;
  private readonly decodedTopics: Set<string>;

  constructor(kafka: Kafka, registry: SchemaRegistry, decodedTopics: readonly string[]) {
    this.kafka = kafka;
    this.registry = registry;
    this.decodedTopics = new Set(decodedTopics);
  }

  async start(topics: readonly string[], groupId: string): Promise<void> {
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    let joined: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => { joined = resolve; });
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(value);
        const value = this.decodedTopics.has(topic) && message.value
          ? ((await this.registry.decode(message.value)) as Record<string, unknown>)
          : null;
        this.received.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? '', value, raw: message.value, headers });
        const waiting = this.waiters;
        this.waiters = [];
        for (const wake of waiting) wake();
      },
    });
    await ready;
  }

  /** Waits until `pick` finds what it wants among everything received so far. */
  async waitFor<T>(pick: (all: readonly Received[]) => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pick(this.received);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
