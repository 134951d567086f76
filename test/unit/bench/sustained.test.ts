import { describe, expect, it } from 'vitest';
import { describeVerdict, sustainedVerdict, type SustainedInput } from '../../../bench/throughput/sustained.ts';

const T0 = 1_800_000_000_000;
/** A 90 s row at `rate`/s whose last result came `drainMs` after the last send, `owed` unanswered then. */
const row = (rate: number, owed: number, drainMs: number, overrides: Partial<SustainedInput> = {}): SustainedInput => ({
  offeredPerS: rate, sendingStartedAt: T0, sendingEndedAt: T0 + 90_000, sent: rate * 90, answered: rate * 90,
  answeredWhenSendingEnded: rate * 90 - owed, lastAt: T0 + 90_000 + drainMs, ...overrides,
});

describe('sustainedVerdict (did the worker keep up with a sustained rate?)', () => {
  it('says a worker answering 1,000/s with a p50 of 0.4 s in flight kept up', () => {
    const v = sustainedVerdict(row(1_000, 420, 1_500));
    expect(v).toMatchObject({ keptUp: true, backlogAtEnd: 420, drainMs: 1_500 });
    expect(v.achievedPerS).toBeGreaterThanOrEqual(950);
  });

  it('says a worker whose capacity is 1,600/s fell behind 2,000/s: it owed 36,000 at the end and answered them 22 s later', () => {
    const v = sustainedVerdict(row(2_000, 36_000, 22_500));
    expect(v).toMatchObject({ keptUp: false, backlogAtEnd: 36_000, drainMs: 22_500 });
    expect(v.achievedPerS).toBe(1_600);
  });

  it('says a worker that owes more than a second of commands at the end fell behind, whatever its average', () => {
    expect(sustainedVerdict(row(2_000, 2_500, 900)).keptUp).toBe(false);
  });

  it('says a row with unanswered commands did not keep up', () => {
    expect(sustainedVerdict(row(1_000, 0, 100, { answered: 89_000 })).keptUp).toBe(false);
  });

  it('has no rate or drain for a row with no result at all', () => {
    expect(sustainedVerdict(row(1_000, 90_000, 0, { answered: 0, lastAt: null }))).toMatchObject({ achievedPerS: 0, drainMs: null, keptUp: false });
  });

  it('writes the verdict as one line', () => {
    expect(describeVerdict(sustainedVerdict(row(2_000, 36_000, 22_500))))
      .toBe('fell behind: 1,600/s answered of 2,000/s offered, 36,000 unanswered when the sending stopped, the last answered 22.5 s after');
  });
});
