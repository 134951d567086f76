// A message that cannot be decoded goes to `<topic>.dlq` with its original key and bytes
// untouched, and the reason in headers, so it can be inspected and replayed. A copy that would
// be over the broker's limit (the original was just under it; our headers tip it over) keeps
// the headers and reason but not the value (size-limits.ts): a refused DLQ produce can never
// succeed, and retrying it as an outage would hold up the partition forever.
import { dlqTopicOf } from '../catalogue/topics.ts';
import type { PipelineObserver } from './observer.ts';
import type { InboundMessage, MessageBus, OutboundMessage } from './ports.ts';
import { boundedDeadLetter, DEFAULT_MAX_MESSAGE_BYTES } from './size-limits.ts';

// The DLQ's name is the catalogue's (the CLI's replay and the worker's topic creation read it too).
export { dlqTopicOf } from '../catalogue/topics.ts';

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

/**
 * The `dlq.reason` of a command that decoded but failed alone, again and again, with an error no
 * retry helps (a bug, or a refusal of a server nobody expected): parked so that its partition goes
 * on; `consent-worker dlq replay` sends it again once the cause is fixed.
 */
export const PROCESSING_FAILED = 'PROCESSING_FAILED';

/** The batch handler's `park`: the DLQ, reason PROCESSING_FAILED, the error's message as the detail. */
export function parkInDeadLetter(bus: MessageBus, clock: () => Date, maxMessageBytes: number, observer: PipelineObserver) {
  return async (message: InboundMessage, error: unknown): Promise<void> => {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await sendToDeadLetter(bus, message, PROCESSING_FAILED, detail, clock(), maxMessageBytes);
    observer.deadLettered(message.topic, PROCESSING_FAILED);
  };
}
