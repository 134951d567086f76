// The bus's publishing side: one idempotent producer, its lazy connect, and the coalescer that
// groups concurrent publishes into one send.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { InfrastructureError, OversizedRecordError } from '../../pipeline/errors.ts';
import type { OutboundMessage } from '../../pipeline/ports.ts';
import { recordBytes } from '../../pipeline/size-limits.ts';
import { PublishCoalescer } from './publish-coalescer.ts';

// The broker's answers to a record (or a batch) over its size limit. kafkajs marks both as not
// retriable and gives up at once; they are never an outage, so never an InfrastructureError.
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

function isTooLargeAnswer(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string' && TOO_LARGE.has(e.type)) return true;
    if (Array.isArray(e.errors) && e.errors.some(isTooLargeAnswer)) return true;
  }
  return false;
}

export interface KafkaPublisher {
  publish(messages: readonly OutboundMessage[]): Promise<void>;
  /** Disconnects the producer if it ever connected. */
  close(): Promise<void>;
}

export function createKafkaPublisher(kafka: Kafka, maxMessageBytes: number, onRequest?: (apiName: string) => void): KafkaPublisher {
  // Idempotent producer: a retried send cannot duplicate or reorder messages of a partition.
  // Its retries are unbounded, as idempotence requires: during a broker outage a publish waits
  // (and the command with it) instead of failing. The default partitioner is Java's murmur2,
  // so a key lands on the same partition whichever client produced it.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
  });
  if (onRequest) producer.on(producer.events.REQUEST, (event) => onRequest(event.payload.apiName));
  let producerReady: Promise<void> | null = null;

  async function connectedProducer(): Promise<Producer> {
    // A failed first connect (the broker down at start) is forgotten, so the next publish tries
    // again: a rejected promise kept here would fail every publish of this process's life.
    producerReady ??= producer.connect().catch((error: unknown) => { producerReady = null; throw error; });
    await producerReady;
    return producer;
  }

  const coalescer = new PublishCoalescer((messages) => sendGrouped(connectedProducer, messages, maxMessageBytes));

  return {
    publish(messages: readonly OutboundMessage[]): Promise<void> {
      // Measured before it joins a group send: one oversized record must not fail the others.
      for (const m of messages) {
        const bytes = recordBytes(m);
        if (bytes > maxMessageBytes) return Promise.reject(new OversizedRecordError(m.topic, bytes, maxMessageBytes));
      }
      return coalescer.publish(messages);
    },
    async close(): Promise<void> {
      if (producerReady) await producer.disconnect();
    },
  };
}

/** One sendBatch of the coalesced messages, grouped by topic; a broker's refusal as our errors. */
async function sendGrouped(connectedProducer: () => Promise<Producer>, messages: readonly OutboundMessage[], maxMessageBytes: number): Promise<void> {
  const byTopic = new Map<string, OutboundMessage[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic);
    if (list) list.push(m);
    else byTopic.set(m.topic, [m]);
  }
  try {
    await (await connectedProducer()).sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: { ...m.headers } } : {}) })),
      })),
    });
  } catch (error) {
    if (isTooLargeAnswer(error)) {
      const only = messages.length === 1 ? messages[0] as OutboundMessage : null;
      throw new OversizedRecordError(only?.topic ?? messages.map((m) => m.topic).join(','), only ? recordBytes(only) : null, maxMessageBytes, error);
    }
    throw new InfrastructureError('kafka', error);
  }
}
