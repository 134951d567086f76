// How many import commands await their result at once (--concurrency). A slot is taken before a
// line is sent and given back when its result (or its failure) comes; a send waits only while
// the window is full. Counting and one queue of waiters keep each send's cost constant whatever
// the window: waiting with Promise.race over the in-flight sends attached a handler to every one
// of them per line, a cost growing with the window, which kept the window (and so the worker's
// rounds) small.

export interface SendWindow {
  /** Resolves once fewer than the window's size are in flight, and takes a slot. */
  acquire(): Promise<void>;
  /** Gives a slot back (a result came, or the send failed). */
  release(): void;
  /** Resolves once nothing is in flight. */
  drained(): Promise<void>;
  readonly inFlight: number;
}

export function sendWindow(size: number): SendWindow {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`a send window holds at least one command, not ${size}`);
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let onDrained: (() => void)[] = [];
  return {
    get inFlight() { return inFlight; },
    acquire() {
      if (inFlight < size && waiting.length === 0) {
        inFlight += 1;
        return Promise.resolve();
      }
      // The slot is handed over by release() (inFlight stays counted), so no later caller takes it first.
      return new Promise<void>((resolve) => { waiting.push(resolve); });
    },
    release() {
      const next = waiting.shift();
      if (next) {
        next();
        return;
      }
      inFlight -= 1;
      if (inFlight === 0) {
        const drained = onDrained;
        onDrained = [];
        for (const resolve of drained) resolve();
      }
    },
    drained() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => { onDrained.push(resolve); });
    },
  };
}
