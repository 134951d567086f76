// The client's produce batching: sends made while a request is in flight go together, in order,
// in the next request; a lone send is not held back.
import { describe, expect, it } from 'vitest';
import { produceBatcher, type OutgoingMessage } from '../../../src/client/produce-batcher.ts';

const message = (key: string): OutgoingMessage => ({ topic: 't', key, value: Buffer.from(key) });

function recordingSender() {
  const requests: string[][] = [];
  let release: (() => void) | null = null;
  let fail: Error | null = null;
  const send = (messages: readonly OutgoingMessage[]): Promise<void> => {
    requests.push(messages.map((m) => m.key));
    return new Promise<void>((resolve, reject) => {
      release = () => (fail ? reject(fail) : resolve());
    });
  };
  return { requests, send, release: () => release?.(), failNext: (error: Error) => { fail = error; } };
}

describe('produceBatcher', () => {
  it('sends a lone message at once, in a request of its own', async () => {
    const sender = recordingSender();
    const produce = produceBatcher(sender.send);
    const sent = produce(message('a'));
    expect(sender.requests).toEqual([['a']]);
    sender.release();
    await sent;
  });

  it('gathers the messages sent during a request into the next one, in the order they were sent', async () => {
    const sender = recordingSender();
    const produce = produceBatcher(sender.send);
    const first = produce(message('a'));
    const later = [produce(message('b')), produce(message('c')), produce(message('d'))];
    sender.release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sender.requests).toEqual([['a'], ['b', 'c', 'd']]);
    sender.release();
    await Promise.all(later);
  });

  it('rejects the sends of a failed request, and sends the next ones anyway', async () => {
    const sender = recordingSender();
    const produce = produceBatcher(sender.send);
    sender.failNext(new Error('broker down'));
    const failed = produce(message('a'));
    sender.release();
    await expect(failed).rejects.toThrow('broker down');
  });
});
