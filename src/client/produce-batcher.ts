// Sends gathered into produce requests. The client's producer is idempotent with one request in
// flight (so a retried request cannot reorder a key's commands), which makes one request per send
// a round trip each: a producer sending many commands at once (consent-worker import) would be
// bound by the broker's latency. Sends that arrive while a request is in flight wait for it and
// then go together in the next one, in the order they were made, so a key's commands keep their
// order and a lone send still goes at once.

export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends one request holding these messages (in this order); resolves once the broker has them all. */
export type SendRequest = (messages: readonly OutgoingMessage[]) => Promise<void>;

interface Waiting extends OutgoingMessage {
  resolve(): void;
  reject(error: Error): void;
}

// A request stays well under the broker's default message.max.bytes (1 MB) for commands of
// ordinary size; a command's own limit is the worker's (docs/guarantees.md).
const MAX_MESSAGES = 500;

export function produceBatcher(send: SendRequest): (message: OutgoingMessage) => Promise<void> {
  const queue: Waiting[] = [];
  let sending = false;

  async function drain(): Promise<void> {
    sending = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_MESSAGES);
      try {
        await send(batch.map(({ resolve: _resolve, reject: _reject, ...message }) => message));
        for (const m of batch) m.resolve();
      } catch (error) {
        for (const m of batch) m.reject(error as Error);
      }
    }
    sending = false;
  }

  return (message) => new Promise<void>((resolve, reject) => {
    queue.push({ ...message, resolve, reject });
    if (!sending) void drain();
  });
}
