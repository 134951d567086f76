import { describe, expect, it } from 'vitest';
import { survivorPause } from '../../test/faults/survivor-pause.ts';

// The fault suite's measure of a replica's kill, on hand-made result times (partition, ms).
const KILL = 10_000;
const r = (partition: number, at: number) => ({ partition, at });

describe('the survivor\'s pause after a kill -9', () => {
  it('is the time until the last orphaned partition answers again', () => {
    const times = [r(0, 9_900), r(1, 9_950), r(0, 13_000), r(1, 14_200), r(2, 9_990), r(2, 10_100)];
    expect(survivorPause(times, [0, 1], [2], KILL, 15_000)).toEqual({ takeoverMs: 4_200, ownGapMs: 4_900 });
  });

  it('counts the gap on a kept partition from its last result before the kill', () => {
    const times = [r(0, 12_000), r(2, 9_000), r(2, 9_500), r(2, 13_500), r(2, 13_600), r(3, 9_800), r(3, 10_200)];
    const pause = survivorPause(times, [0], [2, 3], KILL, 13_700);
    expect(pause.takeoverMs).toBe(2_000);
    expect(pause.ownGapMs).toBe(4_000); // partition 2: 9_500 → 13_500; partition 3 runs to `until` 13_700 (3_500)
  });

  it('has no takeover while an orphaned partition has not answered since the kill', () => {
    const times = [r(0, 9_900), r(0, 11_000), r(1, 9_990)];
    expect(survivorPause(times, [0, 1], [], KILL, 40_000).takeoverMs).toBeNull();
  });

  it('does not take a result from before the kill for a takeover', () => {
    expect(survivorPause([r(0, 9_999)], [0], [], KILL, 12_000).takeoverMs).toBeNull();
  });
});
