import { describe, expect, it } from 'vitest';
import { runBounded, sleep } from '../../../src/pipeline/concurrency.ts';

describe('runBounded', () => {
  it('runs every item, never more than the limit at once, starting them in order', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      running++;
      peak = Math.max(peak, running);
      await sleep(5);
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });
});

describe('sleep', () => {
  it('ends early when its signal aborts', async () => {
    const stop = new AbortController();
    const t0 = Date.now();
    const waiting = sleep(10_000, stop.signal);
    stop.abort();
    await waiting;
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
