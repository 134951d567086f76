// The one way a test waits for something to become true: ask again every `intervalMs` until the
// condition holds, and fail with `what` at the deadline. A test that means "wait until X" says so
// and takes only as long as X takes, instead of sleeping a fixed time that is either too long
// (slow) or too short (flaky).
export interface PollOptions {
  readonly timeoutMs: number;
  /** Pause between asks; 0 yields to the event loop only (for in-memory conditions). */
  readonly intervalMs?: number;
  /** What is waited for, for the error at the deadline. */
  readonly what?: string;
}

/** Resolves with the condition's first truthy value; rejects at the deadline. */
export async function pollUntil<T>(condition: () => T | Promise<T>, options: PollOptions): Promise<NonNullable<T>> {
  const { timeoutMs, intervalMs = 50, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => (intervalMs > 0 ? setTimeout(resolve, intervalMs) : setImmediate(resolve)));
  }
}
