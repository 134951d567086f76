// What one replica's kill -9 costs the replica that survives it, read from the results alone:
// how long the killed one's partitions went unanswered (the survivor taking them over), and the
// longest gap in results on the survivor's own partitions (an eager rebalance stops those too).
import { AssignerProtocol, type Admin } from 'kafkajs';
import type { Received } from '../support/topic-collector.ts';

export interface SurvivorPause {
  /** From the kill to the last of the killed replica's partitions answering again; null: not within the bound. */
  readonly takeoverMs: number | null;
  /** The longest time without a result on any partition the survivor already owned, around the kill. */
  readonly ownGapMs: number;
}

/** The partitions of `topic` each member holds now, by the member's client id. */
export async function partitionsByClient(admin: Admin, groupId: string, topic: string): Promise<Map<string, number[]>> {
  const group = (await admin.describeGroups([groupId])).groups[0];
  const owned = new Map<string, number[]>();
  for (const member of group?.members ?? []) {
    const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    owned.set(member.clientId, [...(decoded?.assignment[topic] ?? [])]);
  }
  return owned;
}

/** Results as (command partition, processedAt), for results whose command the suite sent. */
export function resultTimes(received: readonly Received[], resultsTopic: string, partitionOf: ReadonlyMap<string, number>): { partition: number; at: number }[] {
  const out: { partition: number; at: number }[] = [];
  for (const r of received) {
    if (r.topic !== resultsTopic || !r.value) continue;
    const partition = partitionOf.get(r.key);
    if (partition !== undefined) out.push({ partition, at: Date.parse(String(r.value['processedAt'])) });
  }
  return out;
}

/**
 * `times` are all results so far; `until` is when the measure is taken. A result processed after
 * the kill on a killed replica's partition can only be the survivor's (the killed one is gone).
 * On a kept partition the gaps count from its last result before the kill, and up to `until`
 * when none came since.
 */
export function survivorPause(times: readonly { partition: number; at: number }[], orphaned: readonly number[], kept: readonly number[], killedAt: number, until: number): SurvivorPause {
  let takeoverMs: number | null = 0;
  for (const p of orphaned) {
    const first = times.filter((t) => t.partition === p && t.at > killedAt).reduce((min, t) => Math.min(min, t.at), Infinity);
    takeoverMs = first === Infinity || takeoverMs === null ? null : Math.max(takeoverMs, first - killedAt);
  }
  let ownGapMs = 0;
  for (const p of kept) {
    const mine = times.filter((t) => t.partition === p && t.at <= until);
    const lastBefore = mine.filter((t) => t.at <= killedAt).reduce((max, t) => Math.max(max, t.at), killedAt - Infinity);
    const points = [Number.isFinite(lastBefore) ? lastBefore : killedAt, ...mine.filter((t) => t.at > killedAt).map((t) => t.at).sort((a, b) => a - b), until];
    for (let i = 1; i < points.length; i++) ownGapMs = Math.max(ownGapMs, (points[i] as number) - (points[i - 1] as number));
  }
  return { takeoverMs, ownGapMs };
}
