import { describe, expect, it } from 'vitest';
import { isInvalidSessionTimeout, sessionAfterRefusal } from '../../src/adapters/kafka/session-timeout.ts';

describe('the session tried after the broker refuses one', () => {
  it.each([
    { name: 'the broker\'s floor, for a session under it', refused: 3_000, range: { minMs: 6_000, maxMs: 1_800_000 }, next: 6_000 },
    { name: 'the broker\'s ceiling, for a session over it', refused: 2_000_000, range: { minMs: 6_000, maxMs: 1_800_000 }, next: 1_800_000 },
    { name: 'a stock broker\'s 6 s floor when the range cannot be read', refused: 3_000, range: null, next: 6_000 },
    { name: 'nothing when the range cannot be read and the session is not under 6 s', refused: 10_000, range: null, next: null },
    { name: 'nothing when the session is within the range (the refusal is not about it)', refused: 3_000, range: { minMs: 1_000, maxMs: 60_000 }, next: null },
  ])('is $name', ({ refused, range, next }) => {
    expect(sessionAfterRefusal(refused, range)).toBe(next);
  });

  it('recognises the refusal however deep kafkajs wraps it', () => {
    const refusal = { type: 'INVALID_SESSION_TIMEOUT' };
    expect(isInvalidSessionTimeout({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { cause: refusal } })).toBe(true);
    expect(isInvalidSessionTimeout({ type: 'REBALANCE_IN_PROGRESS' })).toBe(false);
  });
});
