import { describe, expect, it } from 'vitest';
import { sendWindow } from '../../../src/cli/import/send-window.ts';

const settled = async (promise: Promise<void>): Promise<boolean> => {
  let done = false;
  void promise.then(() => { done = true; });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('the import send window', () => {
  it('lets as many sends go as its size, and holds the next until one is released', async () => {
    const slots = sendWindow(2);
    expect(await settled(slots.acquire())).toBe(true);
    expect(await settled(slots.acquire())).toBe(true);
    const third = slots.acquire();
    expect(await settled(third)).toBe(false);
    slots.release();
    expect(await settled(third)).toBe(true);
    expect(slots.inFlight).toBe(2);
  });

  it('hands released slots to the waiting sends in the order they asked', async () => {
    const slots = sendWindow(1);
    await slots.acquire();
    const order: string[] = [];
    const first = slots.acquire().then(() => { order.push('first'); });
    const second = slots.acquire().then(() => { order.push('second'); });
    slots.release();
    await first;
    slots.release();
    await second;
    expect(order).toEqual(['first', 'second']);
  });

  it('resolves drained only once every slot is back', async () => {
    const slots = sendWindow(3);
    await slots.acquire();
    await slots.acquire();
    const drained = slots.drained();
    slots.release();
    expect(await settled(drained)).toBe(false);
    slots.release();
    expect(await settled(drained)).toBe(true);
    expect(await settled(sendWindow(1).drained())).toBe(true);
  });

  it('refuses a size under one', () => {
    expect(() => sendWindow(0)).toThrow(RangeError);
  });
});
