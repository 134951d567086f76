import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffStep, LEASE_WAIT } from '../../../src/wait/backoff.ts';

describe('backoffDelay', () => {
  const policy = { baseMs: 100, capMs: 10_000 };

  it('doubles the step with each attempt, within half and the whole step', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(4, policy, () => 0)).toBe(400);
    expect(backoffDelay(4, policy, () => 1)).toBe(800);
  });

  it('never waits longer than the cap, however many attempts', () => {
    for (const attempt of [8, 20, 1_000]) expect(backoffDelay(attempt, policy, () => 1)).toBe(10_000);
  });

  it('spreads replicas retrying the same attempt', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(6, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('backoffStep', () => {
  it('gives a lease waiter the pauses it always had: 5 ms doubling to 200 ms', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffStep(attempt, LEASE_WAIT))).toEqual([5, 10, 20, 40, 80, 160, 200, 200]);
  });
});
