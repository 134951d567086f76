// Group commit for the producer. The idempotent producer keeps one request in flight, so
// concurrent publishes (commands of different keys, the sweep) would queue one round trip
// each; instead, whatever arrives while a send is in flight goes out together in the next one.
// First in, first sent, one send at a time: the order within a partition is kept.
import { isOversizedRecordError } from '../../pipeline/errors.ts';
import type { OutboundMessage } from '../../pipeline/ports.ts';

interface Waiting {
  readonly messages: readonly OutboundMessage[];
  resolve(): void;
  reject(error: unknown): void;
}

/** Enough to amortise a round trip, small enough to stay well under the broker's request size. */
const MAX_MESSAGES_PER_SEND = 500;

export class PublishCoalescer {
  private readonly waiting: Waiting[] = [];
  private sending = false;
  private readonly send: (messages: readonly OutboundMessage[]) => Promise<void>;

  constructor(send: (messages: readonly OutboundMessage[]) => Promise<void>) {
    this.send = send;
  }

  publish(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const group: Waiting[] = [];
        let count = 0;
        while (this.waiting.length > 0 && (group.length === 0 || count + (this.waiting[0] as Waiting).messages.length <= MAX_MESSAGES_PER_SEND)) {
          const next = this.waiting.shift() as Waiting;
          group.push(next);
          count += next.messages.length;
        }
        try {
          await this.send(group.flatMap((w) => w.messages));
          for (const w of group) w.resolve();
        } catch (error) {
          if (isOversizedRecordError(error) && group.length > 1) {
            // The broker refused the group for one record's size: send each caller's messages
            // alone, so only the one with the oversized record gets the refusal.
            for (const w of group) await this.send(w.messages).then(() => w.resolve(), (e: unknown) => w.reject(e));
          } else {
            // Every caller of the failed send retries its own messages; ids make repeats harmless.
            for (const w of group) w.reject(error);
          }
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
