import { describe, expect, it } from 'vitest';
import { PublishCoalescer } from '../../../src/adapters/kafka/publish-coalescer.ts';
import { OversizedRecordError } from '../../../src/pipeline/errors.ts';
import type { OutboundMessage } from '../../../src/pipeline/ports.ts';

const message = (key: string): OutboundMessage => ({ topic: 't', key, value: Buffer.from(key) });

function recordingSend(fail: (call: number) => boolean = () => false) {
  const sends: string[][] = [];
  let release: () => void = () => undefined;
  const send = async (messages: readonly OutboundMessage[]): Promise<void> => {
    sends.push(messages.map((m) => m.key));
    if (sends.length === 1) await new Promise<void>((resolve) => { release = resolve; }); // hold the first send open
    if (fail(sends.length)) throw new Error(`send ${sends.length} failed`);
  };
  return { sends, send, releaseFirst: () => release() };
}

describe('PublishCoalescer', () => {
  it('sends what arrives during a send together in the next one, in arrival order', async () => {
    const { sends, send, releaseFirst } = recordingSend();
    const coalescer = new PublishCoalescer(send);
    const first = coalescer.publish([message('a')]);
    const later = [coalescer.publish([message('b'), message('c')]), coalescer.publish([message('d')])];
    releaseFirst();
    await Promise.all([first, ...later]);
    expect(sends).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('rejects every caller of a failed send and still sends what queued behind it', async () => {
    const { sends, send, releaseFirst } = recordingSend((call) => call === 2);
    const coalescer = new PublishCoalescer(send);
    const first = coalescer.publish([message('a')]);
    const failing = [coalescer.publish([message('b')]), coalescer.publish([message('c')])];
    releaseFirst();
    await first;
    await expect(failing[0]).rejects.toThrow('send 2 failed');
    await expect(failing[1]).rejects.toThrow('send 2 failed');
    await coalescer.publish([message('d')]);
    expect(sends).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('resolves an empty publish without sending', async () => {
    const { sends, send } = recordingSend();
    await new PublishCoalescer(send).publish([]);
    expect(sends).toEqual([]);
  });

  it('re-sends a group the broker refused for one oversized record per caller, so only that caller fails', async () => {
    const sends: string[][] = [];
    let release: () => void = () => undefined;
    const coalescer = new PublishCoalescer(async (messages) => {
      sends.push(messages.map((m) => m.key));
      if (sends.length === 1) await new Promise<void>((resolve) => { release = resolve; });
      if (messages.some((m) => m.key === 'big')) throw new OversizedRecordError('t', null, 100);
    });
    const first = coalescer.publish([message('a')]);
    const group = [coalescer.publish([message('b')]), coalescer.publish([message('big')]), coalescer.publish([message('c')])];
    release();
    await first;
    const outcomes = await Promise.allSettled(group);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sends).toEqual([['a'], ['b', 'big', 'c'], ['b'], ['big'], ['c']]);
  });
});
