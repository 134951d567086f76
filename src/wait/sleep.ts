// The one way the process waits: `sleep` for a pause (cut short by a stop), `pollUntil` for
// "ask again until it holds or the deadline passes". Neither knows a server: the pipeline, the
// adapters, the sweep, main.ts and the producer client all wait by these (policies in backoff.ts).

/** Waits `ms`, or less if the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

export interface PollOptions {
  /** Epoch ms after which no more asking: pollUntil resolves undefined. */
  readonly deadline: number;
  readonly intervalMs: number;
  /** A stop: pollUntil resolves undefined at once. */
  readonly signal?: AbortSignal;
}

/**
 * Asks `check` until it returns a value other than undefined (resolved with it), pausing
 * `intervalMs` between asks; undefined once the deadline has passed or the signal aborted. It
 * asks at least once. An error of `check` is thrown: a check that means "not yet" returns undefined.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > options.deadline || options.signal?.aborted) return undefined;
    await sleep(options.intervalMs, options.signal);
  }
}
