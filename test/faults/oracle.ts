// The oracle: reads back every message the suite put on the commands topic, partition by
// partition in offset order, and applies each once with the pure domain, as the worker's
// handle-message does (decode → DLQ; a commandId seen before → its first outcome; too large →
// 413; parse → 400s; decide). What it predicts is what the worker must have done.
import { Kafka, logLevel } from 'kafkajs';
import { createCommandDecoder, createRegistry, registerTopicSchema } from '../../src/adapters/registry/avro-codec.ts';
import { parseConsentCommand } from '../../src/domain/consent/commands.ts';
import type { Consent } from '../../src/domain/consent/consent.ts';
import { decideConsent } from '../../src/domain/consent/decide.ts';
import { commandSizeRejection } from '../../src/domain/size.ts';
import { isRejection } from '../../src/domain/status.ts';
import { maxCommandBytes, recordBytes } from '../../src/pipeline/size-limits.ts';

export interface Prediction {
  /** commandId → the statusCode the worker must answer (exactly once). */
  readonly outcomes: Map<string, string>;
  /** Keys of messages that must be in the DLQ. */
  readonly deadLetters: string[];
  /** consentId → the stored consent after everything. */
  readonly consents: Map<string, Consent>;
  /** consentId → the revisions its changes must have left, in order (one per version). */
  readonly revisions: Map<string, ExpectedRevision[]>;
  readonly messages: number;
}

/** What the oracle knows of a revision: which command made which version, and how. */
export interface ExpectedRevision {
  readonly revision: number;
  readonly causationId: string;
  readonly changeType: string;
}

interface Raw { partition: number; offset: string; key: string | null; value: Buffer | null; headers: Record<string, string> }

/**
 * The topic's end offsets. Right after the suite restarted the broker, its partitions may still be
 * without a leader for a while ("not the leader"): retried, as any client would, up to a bound.
 */
async function topicEnds(kafka: Kafka, topic: string): Promise<{ partition: number; high: string }[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      const e = error as { retriable?: unknown; name?: unknown };
      const worthRetrying = e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError';
      if (!worthRetrying || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

async function readAll(brokers: string[], topic: string): Promise<Raw[]> {
  const kafka = new Kafka({ clientId: 'faults-oracle', brokers, logLevel: logLevel.NOTHING });
  const ends = await topicEnds(kafka, topic);
  const want = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const got: Raw[] = [];
  const consumer = kafka.consumer({ groupId: `faults-oracle-${Date.now()}`, maxBytes: 20_000_000, maxBytesPerPartition: 5_000_000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const next = new Map<number, bigint>(); // per partition: the offset after the last one read
  const done = new Promise<void>((resolve) => {
    const check = () => { if ([...want].every(([p, high]) => (next.get(p) ?? 0n) >= high)) resolve(); };
    check();
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [n, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[n] = String(v);
        got.push({ partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: message.value, headers });
        next.set(partition, BigInt(message.offset) + 1n);
        check();
      },
    });
  });
  await done;
  await consumer.disconnect();
  return got.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export async function predict(brokers: string[], registryUrl: string, topic: string, maxMessageBytes: number): Promise<Prediction> {
  const registry = createRegistry(registryUrl);
  const decoder = createCommandDecoder(registry, await registerTopicSchema(registry, topic, 'consent-commands'));
  const messages = await readAll(brokers, topic);
  const outcomes = new Map<string, string>();
  const deadLetters: string[] = [];
  const consents = new Map<string, Consent>();
  const revisions = new Map<string, ExpectedRevision[]>();
  const context = { orgDecisionsInWindow: 0, orgDecisionLimit: Number.POSITIVE_INFINITY };
  for (const message of messages) {
    const decoded = await decoder.decode(message.value);
    if (!decoded.ok) {
      deadLetters.push(message.key ?? '');
      continue;
    }
    const { envelope } = decoded;
    if (outcomes.has(envelope.commandId)) continue; // a redelivery: answered with the first outcome
    const now = new Date();
    const tooLarge = commandSizeRejection(recordBytes(message), maxCommandBytes(maxMessageBytes));
    if (tooLarge) { outcomes.set(envelope.commandId, tooLarge.statusCode); continue; }
    const command = parseConsentCommand(envelope, now);
    if (isRejection(command)) { outcomes.set(envelope.commandId, command.statusCode); continue; }
    const decision = decideConsent(command, consents.get(command.consentId) ?? null, context, now);
    outcomes.set(envelope.commandId, decision.statusCode);
    if (decision.kind === 'change') {
      consents.set(command.consentId, decision.aggregate);
      const made = revisions.get(command.consentId) ?? [];
      made.push({ revision: decision.aggregate.version, causationId: envelope.commandId, changeType: decision.events[0]?.eventType ?? '' });
      revisions.set(command.consentId, made);
    }
  }
  return { outcomes, deadLetters, consents, revisions, messages: messages.length };
}
