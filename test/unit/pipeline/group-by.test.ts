import { describe, expect, it } from 'vitest';
import { groupBy } from '../../../src/pipeline/group-by.ts';

describe('groupBy', () => {
  it('groups values by key, keys in first-seen order and each group in the items\' order', () => {
    const items = [{ c: 'b', id: 1 }, { c: 'a', id: 2 }, { c: 'b', id: 3 }];
    const groups = groupBy(items, (i) => i.c, (i) => i.id);
    expect([...groups]).toEqual([['b', [1, 3]], ['a', [2]]]);
    expect(groupBy([], (i: { c: string }) => i.c, (i) => i)).toEqual(new Map());
  });
});
