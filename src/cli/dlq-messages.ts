// What the operator CLI does with dead letters, without I/O: which ones a filter selects, how one
// is shown, and the message a replay produces (the original key, bytes and headers, without the
// dlq.* headers the worker added, onto the commands topic the letter came from).
import type { InboundMessage, OutboundMessage } from '../pipeline/ports.ts';

export interface DlqFilter {
  readonly reason?: string;
}

export const DLQ_HEADER_PREFIX = 'dlq.';

export function selectDeadLetters(messages: readonly InboundMessage[], filter: DlqFilter): InboundMessage[] {
  return messages.filter((m) => filter.reason === undefined || m.headers['dlq.reason'] === filter.reason);
}

export interface DeadLetterView {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly source: string | null;
  readonly failedAt: string | null;
  readonly bytes: number;
}

export function viewOf(message: InboundMessage): DeadLetterView {
  const h = message.headers;
  const source = h['dlq.source.topic'] ? `${h['dlq.source.topic']}[${h['dlq.source.partition'] ?? '?'}]@${h['dlq.source.offset'] ?? '?'}` : null;
  return {
    partition: message.partition,
    offset: message.offset,
    key: message.key,
    reason: h['dlq.reason'] ?? null,
    detail: h['dlq.detail'] ?? null,
    source,
    failedAt: h['dlq.failed.at'] ?? null,
    bytes: message.value?.length ?? 0,
  };
}

export class ReplayRefused extends Error {
  override readonly name = 'ReplayRefused';
}

/**
 * The message to produce again. Only onto one of the worker's commands topics (`allowedTopics`):
 * a letter naming another topic, or none, is refused rather than sent somewhere unexpected.
 */
export function replayOf(message: InboundMessage, allowedTopics: ReadonlySet<string>): OutboundMessage {
  const topic = message.headers['dlq.source.topic'];
  if (!topic) throw new ReplayRefused(`offset ${message.offset}: no dlq.source.topic header`);
  if (!allowedTopics.has(topic)) throw new ReplayRefused(`offset ${message.offset}: dlq.source.topic ${topic} is not a commands topic of this configuration`);
  const headers = Object.fromEntries(Object.entries(message.headers).filter(([name]) => !name.startsWith(DLQ_HEADER_PREFIX)));
  return {
    topic,
    key: message.key ?? '',
    value: message.value ?? Buffer.alloc(0),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}
