// Recognises a MongoClient that keeps failing with the close of one connection long after the
// server came back (docs/faults.md, "A worker that answers nothing after FerretDB comes back").
//
// The driver makes one MongoNetworkError "connection N to HOST closed" when connection N closes,
// and a connection runs one operation at a time, so a close can fail one operation (and that
// operation's own retry). Seen three times, from three separate failures, it means the client
// hands out a connection it already knows is dead: every retry of the worker then failed with the
// same message for minutes while a freshly started worker answered at once. The watch does not
// guess why: it reconnects the client (close, then connect), which throws its pool and sessions
// away. Only the driver's own close message counts: a refused connect or a server error never
// triggers a reconnect.
import { MongoNetworkError } from 'mongodb';

/** Failures naming the same closed connection that prove it is being handed out again. */
export const SAME_CLOSE_REPEATS = 3;
/** At most one reconnect this often: a reconnect's own failures must not start another. */
export const RECONNECT_SPACING_MS = 10_000;
/** Kept messages: closes are counted until a reconnect; a long outage cannot grow the map past this. */
const MAX_TRACKED = 1_000;

const CLOSED_CONNECTION = /^connection \S+ to \S+ closed$/;

export interface DeadConnectionWatch {
  /** Hears the cause of every failed operation of one client. */
  observe(error: unknown): void;
}

/**
 * `reconnect` replaces the client's connections (it is not awaited by `observe`, whose caller is
 * failing an operation that the pipeline retries); `onReconnect` hears why, for the log.
 */
export function deadConnectionWatch(
  reconnect: () => Promise<void>,
  onReconnect: (closeMessage: string, failures: number) => void,
  now: () => number = Date.now,
): DeadConnectionWatch {
  const failures = new Map<string, number>();
  let lastReconnectAt = -Infinity;
  let reconnecting = false;
  return {
    observe(error) {
      if (!(error instanceof MongoNetworkError) || !CLOSED_CONNECTION.test(error.message)) return;
      if (failures.size >= MAX_TRACKED) failures.clear();
      const seen = (failures.get(error.message) ?? 0) + 1;
      failures.set(error.message, seen);
      if (seen < SAME_CLOSE_REPEATS || reconnecting || now() - lastReconnectAt < RECONNECT_SPACING_MS) return;
      reconnecting = true;
      lastReconnectAt = now();
      failures.clear();
      onReconnect(error.message, seen);
      void reconnect().finally(() => { reconnecting = false; });
    },
  };
}
