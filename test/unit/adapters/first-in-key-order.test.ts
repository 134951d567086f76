// The list's page without a server-side sort of the whole range: correct whatever order the
// server answers an unsorted read in, and when a document leaves the range between the two reads.
import { describe, expect, it } from 'vitest';
import { byUtf8, firstInKeyOrder, type KeyRangeReads } from '../../../src/adapters/mongodb/first-in-key-order.ts';

/** A range held in memory; its unsorted read answers in the order `scramble` gives. */
function range(keys: string[], scramble: (keys: string[]) => string[], reads: string[] = []): KeyRangeReads<string> {
  return {
    async anyOrder(limit) { reads.push('any'); return scramble([...keys]).slice(0, limit); },
    async sortedUpTo(last, limit) {
      reads.push(last === null ? 'sorted' : `sorted<=${last}`);
      return [...keys].sort(byUtf8).filter((k) => last === null || byUtf8(k, last) <= 0).slice(0, limit);
    },
  };
}

const KEYS = Array.from({ length: 50 }, (_, i) => `c-${String(i).padStart(2, '0')}`);
const shuffled = (keys: string[]): string[] => keys.map((k, i) => ({ k, r: (i * 37) % 50 })).sort((a, b) => a.r - b.r).map(({ k }) => k);

describe('first documents of a key range in key order', () => {
  it('gives the first of the range even when the server answers an unsorted read in another order', async () => {
    for (const scramble of [(k: string[]) => k, (k: string[]) => k.reverse(), shuffled]) {
      expect(await firstInKeyOrder(range(KEYS, scramble), (k) => k, 21)).toEqual(KEYS.slice(0, 21));
    }
  });

  it('reads once and sorts itself when the range holds fewer than asked', async () => {
    const reads: string[] = [];
    expect(await firstInKeyOrder(range(KEYS.slice(0, 10), (k) => k.reverse(), reads), (k) => k, 21)).toEqual(KEYS.slice(0, 10));
    expect(reads).toEqual(['any']);
  });

  it('reads sorted only up to the largest key the unsorted read found', async () => {
    const reads: string[] = [];
    await firstInKeyOrder(range(KEYS, (k) => k, reads), (k) => k, 21);
    expect(reads).toEqual(['any', 'sorted<=c-20']);
  });

  it('reads the whole range sorted when a document left it between the two reads', async () => {
    const keys = [...KEYS];
    const reads: string[] = [];
    const inner = range(keys, (k) => k, reads);
    const leaving: KeyRangeReads<string> = {
      anyOrder: async (limit) => { const found = await inner.anyOrder(limit); keys.splice(keys.indexOf('c-05'), 1); return found; },
      sortedUpTo: inner.sortedUpTo,
    };
    expect(await firstInKeyOrder(leaving, (k) => k, 21)).toEqual(KEYS.filter((k) => k !== 'c-05').slice(0, 21));
    expect(reads).toEqual(['any', 'sorted<=c-20', 'sorted']);
  });

  it('orders keys by their UTF-8 bytes, as MongoDB orders strings', () => {
    // U+FF21 sorts before U+1F600 in UTF-8 but after it in UTF-16 code units.
    expect(['\u{1F600}', '\uFF21'].sort(byUtf8)).toEqual(['\uFF21', '\u{1F600}']);
  });
});
