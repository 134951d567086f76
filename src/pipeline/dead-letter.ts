// A message that cannot be decoded goes to `<topic>.dlq` with its original key and bytes
// untouched, and the reason in headers, so it can be inspected and replayed. A copy that would
// be over the broker's limit (the original was just under it; our headers tip it over) keeps
// the headers and reason but not the value (size-limits.ts): a refused DLQ produce can never
// succeed, and retrying it as an outage would hold up the partition forever.
import type { InboundMessage, MessageBus, OutboundMessage } from './ports.ts';
import { boundedDeadLetter, DEFAULT_MAX_MESSAGE_BYTES } from './size-limits.ts';

export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

export function deadLetterOf(message: InboundMessage, reason: string, detail: string, now: Date, maxMessageBytes: number): OutboundMessage {
  const value = message.value ?? Buffer.alloc(0);
  const copy: OutboundMessage = {
    topic: dlqTopicOf(message.topic),
    key: message.key ?? '',
    value,
    headers: {
      ...message.headers,
      'dlq.reason': reason,
      'dlq.detail': detail.slice(0, 1_000),
      'dlq.source.topic': message.topic,
      'dlq.source.partition': String(message.partition),
      'dlq.source.offset': message.offset,
      'dlq.failed.at': now.toISOString(),
    },
  };
  return boundedDeadLetter(copy, value, maxMessageBytes);
}

export async function sendToDeadLetter(
  bus: MessageBus, message: InboundMessage, reason: string, detail: string, now: Date, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): Promise<void> {
  await bus.publish([deadLetterOf(message, reason, detail, now, maxMessageBytes)]);
}
