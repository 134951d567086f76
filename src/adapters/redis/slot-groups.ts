// Splits one batch of keys into the groups a Redis Cluster can take in one command: a script or
// MGET may only touch keys of one hash slot (the cluster answers CROSSSLOT otherwise). The keys
// keep their natural slots, so a round's locks spread over every primary instead of one.
import calculateSlot from 'cluster-key-slot';

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
  const groups = slotGroups(items, keyOf, keyPrefix);
  const settled = await Promise.allSettled(groups.map((group) => run(group.items)));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const replies = settled.map((s) => (s as PromiseFulfilledResult<R[]>).value);
  const results = new Array<R>(items.length);
  groups.forEach((group, g) => group.at.forEach((position, j) => { results[position] = (replies[g] as R[])[j] as R; }));
  return results;
}
