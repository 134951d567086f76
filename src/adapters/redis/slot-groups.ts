// Splits one batch of keys into the groups a Redis Cluster can take in one command: a script or
// MGET may only touch keys of one hash slot (the cluster answers CROSSSLOT otherwise). The keys
// keep their natural slots, so a round's locks spread over every primary instead of one.
import calculateSlot from 'cluster-key-slot';

/**
 * The most keys one call of a cluster batch takes: the batch scripts are defined once per key
 * count up to it (redis-services.ts). Keys of different aggregates share a slot only by chance
 * (a round of 200 spreads over 16384 slots), so a larger group is rare and goes as several calls.
 */
export const CLUSTER_GROUP_MAX = 8;

/** Items grouped by the hash slot of `keyPrefix + keyOf(item)` (the key the server sees), with their positions in `items`. */
export function slotGroups<T>(items: readonly T[], keyOf: (item: T) => string, keyPrefix: string): { slot: number; items: T[]; at: number[] }[] {
  const groups = new Map<number, { slot: number; items: T[]; at: number[] }>();
  items.forEach((item, i) => {
    const slot = calculateSlot(keyPrefix + keyOf(item));
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = { slot, items: [], at: [] }));
    group.items.push(item);
    group.at.push(i);
  });
  return [...groups.values()];
}

/**
 * Runs `run` once per slot group, all groups at once (ioredis pipelines the ones bound for the same
 * node into one write), and returns the per-item results in the order of `items`. It waits for
 * every group before it throws the first failure, so a caller undoing the groups that succeeded
 * sees them all. On a single Redis (`cluster` false) it is one call over every item.
 */
export async function perSlot<T, R>(cluster: boolean, items: readonly T[], keyOf: (item: T) => string, keyPrefix: string, run: (group: T[]) => Promise<R[]>): Promise<R[]> {
  if (!cluster) return run([...items]);
  const groups = slotGroups(items, keyOf, keyPrefix).flatMap((group) => chunks(group, CLUSTER_GROUP_MAX));
  const settled = await Promise.allSettled(groups.map((group) => run(group.items)));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const replies = settled.map((s) => (s as PromiseFulfilledResult<R[]>).value);
  const results = new Array<R>(items.length);
  groups.forEach((group, g) => group.at.forEach((position, j) => { results[position] = (replies[g] as R[])[j] as R; }));
  return results;
}

/** A slot's group cut into groups of at most `max` items. */
function chunks<T>(group: { slot: number; items: T[]; at: number[] }, max: number): { slot: number; items: T[]; at: number[] }[] {
  if (group.items.length <= max) return [group];
  const cut: { slot: number; items: T[]; at: number[] }[] = [];
  for (let i = 0; i < group.items.length; i += max) cut.push({ slot: group.slot, items: group.items.slice(i, i + max), at: group.at.slice(i, i + max) });
  return cut;
}
