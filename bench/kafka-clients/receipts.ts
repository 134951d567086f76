// What a kill costs, computed from receipts alone (pure: no clock, no I/O). A receipt is one
// record handed to a group member's code: which member, which partition, when. From them: who
// owned which partitions before the kill; then the fault suite's own measure (survivorPause: the
// same definitions as its summary) of the survivor's gaps and the killed member's takeover.
import { survivorPause } from '../../test/faults/survivor-pause.ts';

export interface Receipt {
  readonly member: string;
  readonly partition: number;
  /** Epoch ms at which the member's code got the record. */
  readonly at: number;
}

/** The partitions each member consumed within [from, to]. */
export function ownersBetween(receipts: readonly Receipt[], from: number, to: number): Map<string, Set<number>> {
  const owners = new Map<string, Set<number>>();
  for (const { member, partition, at } of receipts) {
    if (at < from || at > to) continue;
    const owned = owners.get(member) ?? new Set<number>();
    owned.add(partition);
    owners.set(member, owned);
  }
  return owners;
}

/**
 * True when the group has settled: each of `members` consumed at least one partition, no
 * partition was consumed by two of them, and together they cover all `partitions`.
 */
export function isSplit(owners: ReadonlyMap<string, ReadonlySet<number>>, members: readonly string[], partitions: number): boolean {
  const seen = new Set<number>();
  for (const member of members) {
    const owned = owners.get(member);
    if (!owned || owned.size === 0) return false;
    for (const partition of owned) {
      if (seen.has(partition)) return false;
      seen.add(partition);
    }
  }
  return seen.size === partitions;
}

export interface KillOutcome {
  readonly survivorPartitions: readonly number[];
  readonly killedPartitions: readonly number[];
  /** The longest gap on any of the survivor's own partitions, from the kill to `until`, whoever consumed them. */
  readonly survivorLongestGapMs: number;
  /** The survivor's partitions that another member (a restarted one) consumed after the kill: handed over, not stalled. */
  readonly survivorPartitionsMoved: readonly number[];
  /** The longest gap on the survivor's partitions it kept (the stall the issue is about: an eager rebalance stops these too). */
  readonly survivorKeptGapMs: number;
  /** Ms from the kill until the last of the killed member's partitions was consumed again; null if one never was. */
  readonly killedPartitionsResumedMs: number | null;
}

/** The kill's cost, given who owned what before it. */
export function killOutcome(receipts: readonly Receipt[], before: ReadonlyMap<string, ReadonlySet<number>>, survivor: string, killed: string, killedAt: number, until: number): KillOutcome {
  const survivorPartitions = [...(before.get(survivor) ?? [])].sort((a, b) => a - b);
  const killedPartitions = [...(before.get(killed) ?? [])].sort((a, b) => a - b);
  // The killed member's receipts are left out: one stamped between `killedAt` and the signal
  // landing would pass for a takeover of its partition.
  const alive = receipts.filter((r) => r.member !== killed);
  const { takeoverMs, ownGapMs } = survivorPause(alive, killedPartitions, survivorPartitions, killedAt, until);
  const movedTo = (p: number): boolean => alive.some((r) => r.partition === p && r.member !== survivor && r.at > killedAt && r.at <= until);
  const survivorPartitionsMoved = survivorPartitions.filter(movedTo);
  const kept = survivorPartitions.filter((p) => !movedTo(p));
  const survivorKeptGapMs = survivorPause(alive, [], kept, killedAt, until).ownGapMs;
  return { survivorPartitions, killedPartitions, survivorLongestGapMs: ownGapMs, survivorPartitionsMoved, survivorKeptGapMs, killedPartitionsResumedMs: takeoverMs };
}
