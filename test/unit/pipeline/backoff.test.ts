import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/pipeline/backoff.ts';

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
