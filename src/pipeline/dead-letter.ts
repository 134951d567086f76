// A message that cannot be decoded goes to `<topic>.dlq` with its original key and bytes
// untouched, and the reason in headers, so it can be inspected and replayed.
import type { InboundMessage, MessageBus } from './ports.ts';

export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

export async function sendToDeadLetter(bus: MessageBus, message: InboundMessage, reason: string, detail: string, now: Date): Promise<void> {
  await bus.publish([{
    topic: dlqTopicOf(message.topic),
    key: message.key ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers: {
      ...message.headers,
      'dlq.reason': reason,
      'dlq.detail': detail.slice(0, 1_000),
      'dlq.source.topic': message.topic,
      'dlq.source.partition': String(message.partition),
      'dlq.source.offset': message.offset,
      'dlq.failed.at': now.toISOString(),
    },
  }]);
}
