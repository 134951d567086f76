import { MongoNetworkError, MongoServerError, MongoServerSelectionError, type TopologyDescription } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { deadConnectionWatch, RECONNECT_SPACING_MS, SAME_CLOSE_REPEATS, STUCK_AFTER_MS } from '../../../src/adapters/mongodb/dead-connection-watch.ts';

const CLOSE_3 = 'connection 3 to 127.0.0.1:27017 closed';
// Server selection timing out names the server's last recorded error: what the stuck worker saw.
const selectionFailed = (message: string) => new MongoServerSelectionError(message, {} as TopologyDescription);

function watched() {
  let at = 0;
  const reconnects: string[] = [];
  let finish: () => void = () => undefined;
  const watch = deadConnectionWatch({
    reconnect: () => new Promise<void>((resolve) => { finish = resolve; }),
    onReconnect: (message) => reconnects.push(message),
    now: () => at,
  });
  return { watch, reconnects, advance: (ms: number) => { at += ms; }, finish: () => finish() };
}

describe('deadConnectionWatch', () => {
  it('reconnects when server selection keeps failing with the same close for longer than a heartbeat', () => {
    const { watch, reconnects, advance } = watched();
    for (let i = 0; i < SAME_CLOSE_REPEATS; i++) watch.observe(selectionFailed(CLOSE_3));
    expect(reconnects).toEqual([]); // at once: an operation's failure while the monitor still runs
    advance(STUCK_AFTER_MS);
    watch.observe(selectionFailed(CLOSE_3));
    expect(reconnects).toEqual([CLOSE_3]);
  });

  it('reconnects when network errors name the same closed connection again and again', () => {
    const { watch, reconnects, advance } = watched();
    watch.observe(new MongoNetworkError(CLOSE_3));
    advance(STUCK_AFTER_MS);
    watch.observe(new MongoNetworkError(CLOSE_3));
    expect(reconnects).toEqual([]);
    watch.observe(new MongoNetworkError(CLOSE_3));
    expect(reconnects).toEqual([CLOSE_3]);
  });

  it('never reconnects for an outage: closes of different connections, refusals, timeouts, server answers', () => {
    const { watch, reconnects, advance } = watched();
    for (let id = 1; id <= 50; id++) {
      watch.observe(new MongoNetworkError(`connection ${id} to 127.0.0.1:27017 closed`));
      watch.observe(selectionFailed('connect ECONNREFUSED 127.0.0.1:27017'));
      watch.observe(selectionFailed('Server selection timed out after 5000 ms'));
      watch.observe(new MongoServerError({ message: CLOSE_3, code: 91 }));
      watch.observe(new Error(CLOSE_3));
      advance(STUCK_AFTER_MS);
    }
    expect(reconnects).toEqual([]);
  });

  it('starts no second reconnect while one runs, nor within the spacing after it', async () => {
    const { watch, reconnects, advance, finish } = watched();
    const stuck = (message: string) => {
      watch.observe(selectionFailed(message));
      advance(STUCK_AFTER_MS);
      for (let i = 1; i < SAME_CLOSE_REPEATS; i++) watch.observe(selectionFailed(message));
    };
    stuck(CLOSE_3);
    stuck('connection 7 to 127.0.0.1:27017 closed');
    expect(reconnects).toHaveLength(1);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    advance(RECONNECT_SPACING_MS);
    stuck('connection 8 to 127.0.0.1:27017 closed');
    expect(reconnects).toEqual([CLOSE_3, 'connection 8 to 127.0.0.1:27017 closed']);
  });
});
