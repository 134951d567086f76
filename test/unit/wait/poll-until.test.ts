import { describe, expect, it } from 'vitest';
import { pollUntil, sleep } from '../../../src/wait/sleep.ts';

describe('pollUntil', () => {
  it('resolves with the first value the check gives, asking again between pauses', async () => {
    let asks = 0;
    const value = await pollUntil(async () => (++asks === 3 ? 'ready' : undefined), { deadline: Date.now() + 5_000, intervalMs: 1 });
    expect(value).toBe('ready');
    expect(asks).toBe(3);
  });

  it('resolves undefined once the deadline has passed, having asked at least once', async () => {
    let asks = 0;
    const value = await pollUntil(async () => { asks++; return undefined; }, { deadline: Date.now() - 1, intervalMs: 1_000 });
    expect(value).toBeUndefined();
    expect(asks).toBe(1);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const polling = pollUntil(async () => undefined, { deadline: Date.now() + 60_000, intervalMs: 30_000, signal: stop.signal });
    setImmediate(() => stop.abort());
    expect(await polling).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('throws what the check throws', async () => {
    await expect(pollUntil(async () => { throw new Error('refused'); }, { deadline: Date.now() + 1_000, intervalMs: 1 })).rejects.toThrow('refused');
  });
});

describe('sleep', () => {
  it('returns at once when the signal has already aborted', async () => {
    const started = Date.now();
    await sleep(30_000, AbortSignal.abort());
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
