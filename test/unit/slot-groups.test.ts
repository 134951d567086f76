import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { CLUSTER_GROUP_MAX, perSlot, slotGroups } from '../../src/adapters/redis/slot-groups.ts';

const keys = Array.from({ length: 40 }, (_, i) => `consents:c-${i}`);

describe('slotGroups', () => {
  it('puts each key in the group of its own slot, computed on the prefixed key the server sees', () => {
    const groups = slotGroups(keys, (k) => `lock:${k}`, 'cw:');
    for (const group of groups) {
      for (const key of group.items) expect(calculateSlot(`cw:lock:${key}`)).toBe(group.slot);
    }
    expect(groups.flatMap((g) => g.items).sort()).toEqual([...keys].sort());
    expect(new Set(groups.map((g) => g.slot)).size).toBe(groups.length);
  });

  it('keeps a round spread: 40 aggregates land in many slots, not one', () => {
    expect(slotGroups(keys, (k) => `lock:${k}`, 'cw:').length).toBeGreaterThan(30);
  });

  it('groups keys that share a hash tag together, whatever the rest of the key', () => {
    const tagged = ['{owing}', '{owing}:sequence', '{owing}:intact:consents'];
    expect(slotGroups(tagged, (k) => k, 'cw:')).toEqual([{ slot: calculateSlot('owing'), items: tagged, at: [0, 1, 2] }]);
  });

  it('remembers each item\'s position in the batch', () => {
    for (const group of slotGroups(keys, (k) => k, '')) group.items.forEach((key, j) => expect(keys[group.at[j] as number]).toBe(key));
  });
});

describe('perSlot', () => {
  it('on a single Redis makes one call over the whole batch', async () => {
    const calls: string[][] = [];
    const results = await perSlot(false, keys, (k) => k, 'cw:', async (group) => { calls.push(group); return group.map((k) => k.length); });
    expect(calls).toEqual([keys]);
    expect(results).toEqual(keys.map((k) => k.length));
  });

  it('in a cluster makes one call per slot, each over keys of that slot only, and answers in the batch\'s order', async () => {
    const calls: string[][] = [];
    const results = await perSlot(true, keys, (k) => `lock:${k}`, 'cw:', async (group) => {
      calls.push(group);
      return group.map((k) => `reply to ${k}`);
    });
    for (const group of calls) expect(new Set(group.map((k) => calculateSlot(`cw:lock:${k}`))).size).toBe(1);
    expect(calls.length).toBe(slotGroups(keys, (k) => `lock:${k}`, 'cw:').length);
    expect(results).toEqual(keys.map((k) => `reply to ${k}`));
  });

  it('cuts a slot\'s group into calls of at most CLUSTER_GROUP_MAX keys', async () => {
    const tagged = Array.from({ length: 20 }, (_, i) => `{one-slot}:${i}`);
    const calls: string[][] = [];
    const results = await perSlot(true, tagged, (k) => k, 'cw:', async (group) => { calls.push(group); return group; });
    expect(calls.map((c) => c.length)).toEqual([CLUSTER_GROUP_MAX, CLUSTER_GROUP_MAX, 20 - 2 * CLUSTER_GROUP_MAX]);
    expect(results).toEqual(tagged);
  });

  it('lets every group finish before it throws the first failure (so the caller can undo what succeeded)', async () => {
    const finished: string[] = [];
    const failing = slotGroups(keys, (k) => k, '')[0]?.items[0];
    const run = perSlot(true, keys, (k) => k, '', async (group) => {
      if (group.includes(failing as string)) throw new Error('node down');
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished.push(...group);
      return group;
    });
    await expect(run).rejects.toThrow('node down');
    expect(finished.length).toBe(keys.length - slotGroups(keys, (k) => k, '')[0]!.items.length);
  });
});
