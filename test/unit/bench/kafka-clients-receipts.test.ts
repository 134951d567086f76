import { describe, expect, it } from 'vitest';
import { isSplit, killOutcome, ownersBetween, type Receipt } from '../../../bench/kafka-clients/receipts.ts';

// The kafka-clients bench's reading of group members' receipts (member, partition, ms), by hand.
const r = (member: string, partition: number, at: number): Receipt => ({ member, partition, at });
const KILL = 10_000;

describe('who owns which partitions before a kill', () => {
  it('counts only the receipts within the window', () => {
    const owners = ownersBetween([r('A', 0, 7_000), r('A', 1, 9_000), r('B', 2, 9_500), r('B', 0, 11_000)], 8_000, 10_000);
    expect(owners).toEqual(new Map([['A', new Set([1])], ['B', new Set([2])]]));
  });

  it('is settled when every member has partitions of its own and together they cover the topic', () => {
    expect(isSplit(new Map([['A', new Set([0, 1])], ['B', new Set([2])]]), ['A', 'B'], 3)).toBe(true);
  });

  it('is not settled while a member has nothing, two share a partition, or one is not consumed', () => {
    expect(isSplit(new Map([['A', new Set([0, 1, 2])]]), ['A', 'B'], 3)).toBe(false);
    expect(isSplit(new Map([['A', new Set([0, 1])], ['B', new Set([1, 2])]]), ['A', 'B'], 3)).toBe(false);
    expect(isSplit(new Map([['A', new Set([0])], ['B', new Set([2])]]), ['A', 'B'], 3)).toBe(false);
  });
});

describe('what a kill costs', () => {
  const before = new Map([['A', new Set([0])], ['B', new Set([1])]]);

  it('is the survivor\'s longest gap on its own partitions and when the killed one\'s were consumed again', () => {
    const receipts = [r('A', 0, 9_900), r('B', 1, 9_950), r('A', 0, 13_000), r('A', 0, 13_100), r('A', 1, 16_000)];
    expect(killOutcome(receipts, before, 'A', 'B', KILL, 17_000)).toEqual({
      survivorPartitions: [0], killedPartitions: [1], survivorLongestGapMs: 3_900, survivorPartitionsMoved: [], survivorKeptGapMs: 3_900, killedPartitionsResumedMs: 6_000,
    });
  });

  it('tells a survivor\'s partition handed to the restarted member from one the survivor kept and stalled on', () => {
    const owned = new Map([['A', new Set([0, 2])], ['B', new Set([1])]]);
    // Partition 0 stalls 3 s on A; partition 2 goes quiet 4 s, then the restarted B2 consumes it.
    const receipts = [r('A', 0, 9_900), r('A', 2, 9_950), r('A', 0, 12_900), r('B2', 2, 13_950), r('B2', 1, 11_000)];
    const outcome = killOutcome(receipts, owned, 'A', 'B', KILL, 14_000);
    expect(outcome.survivorPartitionsMoved).toEqual([2]);
    expect(outcome.survivorKeptGapMs).toBe(3_000);
    expect(outcome.survivorLongestGapMs).toBe(4_000);
  });

  it('counts a restarted member\'s receipts as the takeover', () => {
    const receipts = [r('A', 0, 9_990), r('A', 0, 10_050), r('B2', 1, 12_500)];
    expect(killOutcome(receipts, before, 'A', 'B', KILL, 12_600).killedPartitionsResumedMs).toBe(2_500);
  });

  it('does not take a receipt the killed member stamped just after the kill for a takeover', () => {
    const receipts = [r('A', 0, 9_990), r('B', 1, 10_001), r('A', 0, 10_050)];
    expect(killOutcome(receipts, before, 'A', 'B', KILL, 12_000).killedPartitionsResumedMs).toBeNull();
  });
});
