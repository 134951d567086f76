// Small async helpers the pipeline's loops share.

// The one sleep of the process lives in src/wait/ (the adapters and the client use it too).
export { sleep } from '../wait/sleep.ts';

/** Runs `work` over the items, at most `limit` at a time, in order of start. */
export async function runBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Maps the items through `work`, at most `limit` at a time, keeping their order in the result. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  await runBounded(items.map((item, index) => ({ item, index })), limit, async ({ item, index }) => {
    out[index] = await work(item);
  });
  return out;
}
