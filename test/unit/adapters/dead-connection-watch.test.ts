import { MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { deadConnectionWatch, RECONNECT_SPACING_MS, SAME_CLOSE_REPEATS } from '../../../src/adapters/mongodb/dead-connection-watch.ts';

const closeOf = (id: number) => new MongoNetworkError(`connection ${id} to 127.0.0.1:27017 closed`);

function watched() {
  let at = 0;
  const reconnects: string[] = [];
  let finish: () => void = () => undefined;
  const watch = deadConnectionWatch(
    () => new Promise<void>((resolve) => { finish = resolve; }),
    (message) => reconnects.push(message),
    () => at,
  );
  return { watch, reconnects, advance: (ms: number) => { at += ms; }, finish: () => finish() };
}

describe('deadConnectionWatch', () => {
  it('reconnects when separate failures name the same closed connection again and again', () => {
    const { watch, reconnects } = watched();
    for (let i = 1; i < SAME_CLOSE_REPEATS; i++) watch.observe(closeOf(3));
    expect(reconnects).toEqual([]);
    watch.observe(closeOf(3));
    expect(reconnects).toEqual(['connection 3 to 127.0.0.1:27017 closed']);
  });

  it('never reconnects for closes of different connections (an outage closes many, once each)', () => {
    const { watch, reconnects } = watched();
    for (let id = 1; id <= 50; id++) watch.observe(closeOf(id));
    expect(reconnects).toEqual([]);
  });

  it('ignores refused connects, timeouts and server answers', () => {
    const { watch, reconnects } = watched();
    for (let i = 0; i < 10; i++) {
      watch.observe(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017'));
      watch.observe(new MongoServerError({ message: 'connection 3 to 127.0.0.1:27017 closed', code: 91 }));
      watch.observe(new Error('connection 3 to 127.0.0.1:27017 closed'));
    }
    expect(reconnects).toEqual([]);
  });

  it('starts no second reconnect while one runs, nor within the spacing after it', async () => {
    const { watch, reconnects, advance, finish } = watched();
    for (let i = 0; i < SAME_CLOSE_REPEATS; i++) watch.observe(closeOf(3));
    for (let i = 0; i < SAME_CLOSE_REPEATS * 2; i++) watch.observe(closeOf(7));
    expect(reconnects).toHaveLength(1);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < SAME_CLOSE_REPEATS; i++) watch.observe(closeOf(8));
    expect(reconnects).toHaveLength(1);
    advance(RECONNECT_SPACING_MS);
    watch.observe(closeOf(8));
    expect(reconnects).toEqual(['connection 3 to 127.0.0.1:27017 closed', 'connection 8 to 127.0.0.1:27017 closed']);
  });
});
