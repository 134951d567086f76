// Recognises a MongoClient that stopped checking its server: after a FerretDB restart, every
// operation of a worker failed with the same `connection N to HOST closed` for minutes while a
// freshly started worker answered at once (docs/faults.md, "A worker that answers nothing after
// FerretDB comes back"). The operations failed in server selection (MongoServerSelectionError,
// whose message is the server's last recorded error): the server stayed Unknown because its
// monitor made no further check, not even a refused one, and the worker had no socket to it.
//
// A monitor that runs replaces that error at each heartbeat (every 10 s, or 0.5 s while an
// operation waits): by the next refusal while the server is down, by a known server once it is
// back. So the same close named by several failures over longer than a heartbeat means the
// client will not recover by itself (a server that drops packets can hold a check up to the
// 30 s connect timeout: then the reconnect is early, and costs only a reconnect). The watch then reconnects the client (close, then connect:
// a new topology, monitor and pool). A network error naming the same closed connection again is
// treated alike: a close fails the one operation its connection ran, never later ones.
import { MongoNetworkError, MongoServerSelectionError } from 'mongodb';

/** Failures naming the same close before a reconnect is considered. */
export const SAME_CLOSE_REPEATS = 3;
/** ... and for at least this long: one of the driver's 10 s heartbeats, plus a 5 s server selection, would have replaced it. */
export const STUCK_AFTER_MS = 15_000;
/** At most one reconnect this often: a reconnect's own failures must not start another. */
export const RECONNECT_SPACING_MS = 10_000;
/** Kept messages: closes are counted until a reconnect; a long outage cannot grow the map past this. */
const MAX_TRACKED = 1_000;

const CLOSED_CONNECTION = /^connection \S+ to \S+ closed$/;

export interface DeadConnectionWatch {
  /** Hears the cause of every failed operation of one client. */
  observe(error: unknown): void;
}

export interface DeadConnectionWatchOptions {
  /** Replaces the client's topology; not awaited by `observe`, whose caller is failing an operation the pipeline retries. */
  reconnect(): Promise<void>;
  /** Hears each reconnect and why, for the log. */
  onReconnect(closeMessage: string, failures: number): void;
  stuckAfterMs?: number;
  now?: () => number;
}

export function deadConnectionWatch(options: DeadConnectionWatchOptions): DeadConnectionWatch {
  const { reconnect, onReconnect, stuckAfterMs = STUCK_AFTER_MS, now = Date.now } = options;
  const seen = new Map<string, { count: number; since: number }>();
  let lastReconnectAt = -Infinity;
  let reconnecting = false;
  return {
    observe(error) {
      if (!(error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) || !CLOSED_CONNECTION.test(error.message)) return;
      if (seen.size >= MAX_TRACKED) seen.clear();
      const at = now();
      const entry = seen.get(error.message) ?? { count: 0, since: at };
      entry.count++;
      seen.set(error.message, entry);
      if (entry.count < SAME_CLOSE_REPEATS || at - entry.since < stuckAfterMs) return;
      if (reconnecting || at - lastReconnectAt < RECONNECT_SPACING_MS) return;
      reconnecting = true;
      lastReconnectAt = at;
      seen.clear();
      onReconnect(error.message, entry.count);
      void reconnect().finally(() => { reconnecting = false; });
    },
  };
}
