// Reads a topic (the DLQ, for the operator CLI) from a start offset up to its end as it was
// when the read began, then stops: a snapshot, not a subscription. A consumer group of its own
// (fresh id, never committed) leaves no trace in the worker's groups.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { InboundMessage } from '../../pipeline/ports.ts';
import { kafkajsSecurity, type KafkaSecurityOptions } from './kafka-security.ts';

export interface TopicRange {
  /** Only this partition; every partition when absent. */
  readonly partition?: number;
  /** First offset read (inclusive) in each partition read; the partition's start when absent. */
  readonly fromOffset?: number;
  /** Last offset read (inclusive); the partition's end when the read began, when absent. */
  readonly toOffset?: number;
}

export interface TopicReaderOptions extends KafkaSecurityOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly timeoutMs?: number;
}

interface Span { readonly partition: number; readonly first: number; readonly last: number }

export async function readTopic(options: TopicReaderOptions, topic: string, range: TopicRange = {}): Promise<InboundMessage[]> {
  const kafka = new Kafka({ clientId: options.clientId, brokers: [...options.brokers], logLevel: logLevel.NOTHING, ...kafkajsSecurity(options) });
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; low: string; high: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const spans: Span[] = offsets
    .filter((p) => range.partition === undefined || p.partition === range.partition)
    .map((p) => ({
      partition: p.partition,
      first: Math.max(Number(p.low), range.fromOffset ?? 0),
      last: Math.min(Number(p.high) - 1, range.toOffset ?? Number.MAX_SAFE_INTEGER),
    }))
    .filter((s) => s.first <= s.last);
  if (spans.length === 0) return [];

  const consumer = kafka.consumer({ groupId: `${options.clientId}-read-${randomUUID()}`, allowAutoTopicCreation: false });
  const messages: InboundMessage[] = [];
  const done = new Set<number>();
  const bySpan = new Map(spans.map((s) => [s.partition, s]));
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} did not finish within ${timeoutMs} ms`)), timeoutMs);
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const s of spans) consumer.seek({ topic, partition: s.partition, offset: String(s.first) });
      });
      consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const span = bySpan.get(partition);
          const offset = Number(message.offset);
          if (!span || offset < span.first || offset > span.last || done.has(partition)) return;
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? String(value[0]) : String(value);
          }
          messages.push({ topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: message.value, headers });
          if (offset >= span.last) done.add(partition);
          if (done.size === spans.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
